//! Exact SQLite output for SuiteQL queries, and the errors for what is refused.

use netsuite_suiteql::{Error, KeysetOp, Model, Options, schema_sql, translate, translate_with};

#[track_caller]
fn sql(suiteql: &str) -> String {
    translate_with(
        suiteql,
        &Options::default().with_now("2024-03-10T12:00:00Z"),
    )
    .unwrap_or_else(|e| panic!("{suiteql}\n=> {e}"))
    .sql
}

#[track_caller]
fn columns(suiteql: &str) -> Vec<String> {
    translate(suiteql)
        .unwrap_or_else(|e| panic!("{suiteql}\n=> {e}"))
        .columns
}

#[track_caller]
fn error(suiteql: &str) -> Error {
    match translate(suiteql) {
        Ok(t) => panic!("{suiteql}\n=> translated: {}", t.sql),
        Err(e) => e,
    }
}

#[track_caller]
fn unsupported(suiteql: &str, construct: &str) {
    match error(suiteql) {
        Error::Unsupported { construct: c } => assert!(c.contains(construct), "{suiteql}: {c}"),
        e => panic!("{suiteql}: {e:?}"),
    }
}

#[test]
fn plain_columns_are_qualified_quoted_and_named() {
    assert_eq!(
        sql("SELECT id, tranid FROM transaction"),
        r#"SELECT "transaction"."id" AS "id", "transaction"."tranid" AS "tranid" FROM "transaction""#
    );
    assert_eq!(
        sql("select T.ID as \"Id\", t.TranId doc from Transaction T"),
        r#"SELECT "t"."id" AS "id", "t"."tranid" AS "doc" FROM "transaction" AS "t""#
    );
    assert_eq!(
        columns("select T.ID as \"Id\", t.TranId doc from Transaction T"),
        ["id", "doc"]
    );
    assert_eq!(
        columns("SELECT COUNT(*), id, MAX(tranid), id + 1 AS next FROM transaction GROUP BY id"),
        ["expr1", "id", "expr2", "next"]
    );
}

#[test]
fn keyset_paging() {
    assert_eq!(
        sql(
            "SELECT t.id FROM transaction t WHERE t.id > 100 ORDER BY t.id FETCH FIRST 1000 ROWS ONLY"
        ),
        r#"SELECT "t"."id" AS "id" FROM "transaction" AS "t" WHERE "t"."id" > 100 ORDER BY "t"."id" LIMIT 1000"#
    );
    assert_eq!(
        sql("SELECT id FROM transaction ORDER BY id OFFSET 2000 ROWS FETCH NEXT 1000 ROWS ONLY"),
        r#"SELECT "transaction"."id" AS "id" FROM "transaction" ORDER BY "id" LIMIT 1000 OFFSET 2000"#
    );
    assert_eq!(
        sql("SELECT id FROM transaction OFFSET 10 ROWS"),
        r#"SELECT "transaction"."id" AS "id" FROM "transaction" LIMIT -1 OFFSET 10"#
    );
    assert_eq!(
        sql("SELECT id FROM transaction FETCH FIRST ROW ONLY"),
        r#"SELECT "transaction"."id" AS "id" FROM "transaction" LIMIT 1"#
    );
}

#[test]
fn null_ordering_follows_oracle() {
    assert_eq!(
        sql(
            "SELECT tranid FROM transaction ORDER BY memo, trandate DESC, tranid NULLS FIRST, id DESC"
        ),
        r#"SELECT "transaction"."tranid" AS "tranid" FROM "transaction" ORDER BY "transaction"."memo" NULLS LAST, "transaction"."trandate" DESC, "tranid" NULLS FIRST, "transaction"."id" DESC"#
    );
}

#[test]
fn oracle_outer_joins_become_left_joins() {
    assert_eq!(
        sql(
            "SELECT t.tranid, c.companyname FROM transaction t, customer c WHERE t.entity = c.id(+) AND t.id > 5"
        ),
        r#"SELECT "t"."tranid" AS "tranid", "c"."companyname" AS "companyname" FROM "transaction" AS "t" LEFT JOIN "customer" AS "c" ON "t"."entity" = "c"."id" WHERE "t"."id" > 5"#
    );
    assert_eq!(
        sql(
            "SELECT c.id FROM customer c, transaction t, transactionline l WHERE l.transaction(+) = t.id AND t.entity(+) = c.id AND l.mainline(+) = 'T'"
        ),
        r#"SELECT "c"."id" AS "id" FROM "customer" AS "c" LEFT JOIN "transaction" AS "t" ON "t"."entity" = "c"."id" LEFT JOIN "transactionline" AS "l" ON "l"."transaction" = "t"."id" AND "l"."mainline" = 'T'"#
    );
    assert_eq!(
        sql(
            "SELECT a.id FROM account a, subsidiary s, currency c WHERE a.subsidiary = s.id AND s.currency = c.id(+)"
        ),
        r#"SELECT "a"."id" AS "id" FROM "account" AS "a", "subsidiary" AS "s" LEFT JOIN "currency" AS "c" ON "s"."currency" = "c"."id" WHERE "a"."subsidiary" = "s"."id""#
    );
}

#[test]
fn ansi_joins() {
    assert_eq!(
        sql(
            "SELECT t.id FROM transaction t INNER JOIN transactionline tl ON tl.transaction = t.id LEFT OUTER JOIN item i ON i.id = tl.item"
        ),
        r#"SELECT "t"."id" AS "id" FROM "transaction" AS "t" INNER JOIN "transactionline" AS "tl" ON "tl"."transaction" = "t"."id" LEFT JOIN "item" AS "i" ON "i"."id" = "tl"."item""#
    );
    assert_eq!(
        sql("SELECT id FROM customer JOIN subsidiary USING (id)"),
        r#"SELECT "id" AS "id" FROM "customer" JOIN "subsidiary" USING ("id")"#
    );
}

#[test]
fn rownum() {
    assert_eq!(
        sql("SELECT id FROM transaction WHERE type = 'SalesOrd' AND ROWNUM <= 10"),
        r#"SELECT "transaction"."id" AS "id" FROM "transaction" WHERE "transaction"."type" = 'SalesOrd' LIMIT 10"#
    );
    assert_eq!(
        sql("SELECT id FROM transaction WHERE ROWNUM < 10"),
        sql("SELECT id FROM transaction WHERE ROWNUM <= 9")
    );
    assert_eq!(
        sql("SELECT id FROM transaction WHERE 10 >= ROWNUM"),
        sql("SELECT id FROM transaction WHERE ROWNUM <= 10")
    );
    assert_eq!(
        sql("SELECT ROWNUM rn, id FROM transaction WHERE ROWNUM <= 10 ORDER BY id DESC"),
        r#"SELECT row_number() OVER () AS "rn", "transaction"."id" AS "id" FROM "transaction" ORDER BY "id" DESC LIMIT 10"#
    );
    assert_eq!(
        columns("SELECT ROWNUM, id FROM transaction"),
        ["rownum", "id"]
    );
    assert_eq!(
        sql("SELECT * FROM (SELECT id FROM transaction ORDER BY id DESC) WHERE ROWNUM <= 5"),
        r#"SELECT "ns$q1"."id" AS "id" FROM (SELECT "transaction"."id" AS "id" FROM "transaction" ORDER BY "id" DESC) AS "ns$q1" LIMIT 5"#
    );
    assert_eq!(
        sql("SELECT TOP 5 id FROM transaction ORDER BY id"),
        r#"SELECT "transaction"."id" AS "id" FROM "transaction" ORDER BY "id" LIMIT 5"#
    );
}

#[test]
fn oracle_functions() {
    assert_eq!(
        sql(
            "SELECT NVL(memo, 'none'), NVL2(memo, 1, 0), DECODE(status, 'A', 1, 2), COALESCE(memo, tranid, 'x') FROM transaction"
        ),
        concat!(
            r#"SELECT coalesce("transaction"."memo", 'none') AS "expr1", "#,
            r#"CASE WHEN "transaction"."memo" IS NOT NULL THEN 1 ELSE 0 END AS "expr2", "#,
            r#"CASE WHEN "transaction"."status" IS 'A' THEN 1 ELSE 2 END AS "expr3", "#,
            r#"coalesce("transaction"."memo", "transaction"."tranid", 'x') AS "expr4" FROM "transaction""#
        )
    );
    assert_eq!(
        sql(
            "SELECT TO_CHAR(trandate, 'YYYY-MM-DD'), TO_CHAR(createddate, 'MM/DD/YYYY HH24:MI'), TO_CHAR(trandate, 'DD.MM.YYYY') FROM transaction"
        ),
        concat!(
            r#"SELECT strftime('%Y-%m-%d', "transaction"."trandate") AS "expr1", "#,
            r#"strftime('%m/%d/%Y %H:%M', "transaction"."createddate") AS "expr2", "#,
            r#"strftime('%d.%m.%Y', "transaction"."trandate") AS "expr3" FROM "transaction""#
        )
    );
    assert_eq!(
        sql(
            "SELECT id FROM transaction WHERE trandate >= TO_DATE('01/31/2024', 'MM/DD/YYYY') AND createddate < TO_DATE('2024-02-01 10:30:00', 'YYYY-MM-DD HH24:MI:SS')"
        ),
        r#"SELECT "transaction"."id" AS "id" FROM "transaction" WHERE "transaction"."trandate" >= '2024-01-31' AND "transaction"."createddate" < '2024-02-01T10:30:00Z'"#
    );
    assert_eq!(
        sql(
            "SELECT SUBSTR(tranid, 1, 2), INSTR(tranid, 'O'), LENGTH(tranid), UPPER(tranid), TRIM(memo), ABS(foreigntotal) FROM transaction"
        ),
        concat!(
            r#"SELECT substr("transaction"."tranid", 1, 2) AS "expr1", instr("transaction"."tranid", 'O') AS "expr2", "#,
            r#"length("transaction"."tranid") AS "expr3", upper("transaction"."tranid") AS "expr4", "#,
            r#"trim("transaction"."memo") AS "expr5", abs("transaction"."foreigntotal") AS "expr6" FROM "transaction""#
        )
    );
    assert_eq!(
        sql(
            "SELECT TRUNC(trandate), TRUNC(trandate, 'MM'), TRUNC(foreigntotal), ROUND(foreigntotal, 2), ROUND(foreigntotal) FROM transaction"
        ),
        concat!(
            r#"SELECT date("transaction"."trandate") AS "expr1", date("transaction"."trandate", 'start of month') AS "expr2", "#,
            r#"CAST("transaction"."foreigntotal" AS INTEGER) AS "expr3", round("transaction"."foreigntotal", 2) AS "expr4", "#,
            r#"CAST(round("transaction"."foreigntotal") AS INTEGER) AS "expr5" FROM "transaction""#
        )
    );
}

#[test]
fn dates_compare_in_one_form() {
    // A date against a date-time compares as date-times (midnight).
    assert_eq!(
        sql("SELECT id FROM transaction WHERE trandate > SYSDATE - 7"),
        r#"SELECT "transaction"."id" AS "id" FROM "transaction" WHERE strftime('%Y-%m-%dT%H:%M:%SZ', "transaction"."trandate") > strftime('%Y-%m-%dT%H:%M:%SZ', '2024-03-10T12:00:00Z', '-7 days')"#
    );
    assert_eq!(
        translate("SELECT SYSDATE FROM dual").unwrap().sql,
        r#"SELECT strftime('%Y-%m-%dT%H:%M:%SZ', 'now') AS "sysdate" FROM (SELECT 'X' AS "dummy") AS "dual""#
    );
    // String literals compared with dates are read as dates.
    assert_eq!(
        sql(
            "SELECT id FROM transaction WHERE trandate = '1/15/2024' AND lastmodifieddate >= '2024-01-15'"
        ),
        r#"SELECT "transaction"."id" AS "id" FROM "transaction" WHERE "transaction"."trandate" = '2024-01-15' AND "transaction"."lastmodifieddate" >= '2024-01-15T00:00:00Z'"#
    );
    assert_eq!(
        sql(
            "SELECT id FROM transaction WHERE trandate BETWEEN DATE '2024-01-01' AND TIMESTAMP '2024-01-31 23:59:59'"
        ),
        r#"SELECT "transaction"."id" AS "id" FROM "transaction" WHERE strftime('%Y-%m-%dT%H:%M:%SZ', "transaction"."trandate") BETWEEN '2024-01-01T00:00:00Z' AND '2024-01-31T23:59:59Z'"#
    );
}

#[test]
fn operators() {
    assert_eq!(
        sql("SELECT id / 2, id * 2 + 1, -id, (id + 1) * 2, tranid || '-' || id FROM transaction"),
        concat!(
            r#"SELECT CAST("transaction"."id" AS REAL) / 2 AS "expr1", "transaction"."id" * 2 + 1 AS "expr2", "#,
            r#"-"transaction"."id" AS "expr3", ("transaction"."id" + 1) * 2 AS "expr4", "#,
            r#"nullif(ifnull("transaction"."tranid", '') || '-' || ifnull("transaction"."id", ''), '') AS "expr5" FROM "transaction""#
        )
    );
    assert_eq!(
        sql(
            "SELECT id FROM transaction WHERE tranid LIKE 'SO\\_%' ESCAPE '\\' OR memo NOT LIKE '%*%'"
        ),
        r#"SELECT "transaction"."id" AS "id" FROM "transaction" WHERE "transaction"."tranid" GLOB 'SO_*' OR "transaction"."memo" NOT GLOB '*[*]*'"#
    );
    assert_eq!(
        sql(
            "SELECT id FROM transaction WHERE id BETWEEN 1 AND 10 AND memo IS NOT NULL AND entity IS NULL AND NOT (id = 5) AND id NOT IN (7, 8) AND (id = 1 OR id = 2)"
        ),
        concat!(
            r#"SELECT "transaction"."id" AS "id" FROM "transaction" WHERE "transaction"."id" BETWEEN 1 AND 10 AND "transaction"."memo" IS NOT NULL "#,
            r#"AND "transaction"."entity" IS NULL AND NOT ("transaction"."id" = 5) AND "transaction"."id" NOT IN (7, 8) "#,
            r#"AND ("transaction"."id" = 1 OR "transaction"."id" = 2)"#
        )
    );
    assert_eq!(
        sql("SELECT id FROM transaction WHERE id = 1 OR id = 2 AND id != 3"),
        r#"SELECT "transaction"."id" AS "id" FROM "transaction" WHERE "transaction"."id" = 1 OR "transaction"."id" = 2 AND "transaction"."id" <> 3"#
    );
}

#[test]
fn set_operations() {
    assert_eq!(
        sql(
            "SELECT id FROM transaction WHERE type = 'SalesOrd' UNION ALL SELECT id FROM transaction WHERE type = 'CustInvc' ORDER BY id DESC"
        ),
        r#"SELECT "transaction"."id" AS "id" FROM "transaction" WHERE "transaction"."type" = 'SalesOrd' UNION ALL SELECT "transaction"."id" AS "id" FROM "transaction" WHERE "transaction"."type" = 'CustInvc' ORDER BY "id" DESC"#
    );
    // Oracle: all set operators have the same precedence, left to right.
    assert_eq!(
        sql(
            "SELECT id FROM customer MINUS SELECT id FROM customer WHERE id > 5 INTERSECT SELECT 1 FROM DUAL"
        ),
        r#"SELECT "customer"."id" AS "id" FROM "customer" EXCEPT SELECT "customer"."id" AS "id" FROM "customer" WHERE "customer"."id" > 5 INTERSECT SELECT 1 AS "expr1" FROM (SELECT 'X' AS "dummy") AS "dual""#
    );
    assert_eq!(
        sql(
            "SELECT 1 FROM dual UNION (SELECT 2 FROM dual UNION ALL SELECT 3 FROM dual ORDER BY 1 FETCH FIRST 1 ROWS ONLY)"
        ),
        r#"SELECT 1 AS "expr1" FROM (SELECT 'X' AS "dummy") AS "dual" UNION SELECT * FROM (SELECT 2 AS "expr1" FROM (SELECT 'X' AS "dummy") AS "dual" UNION ALL SELECT 3 AS "expr1" FROM (SELECT 'X' AS "dummy") AS "dual" ORDER BY 1 LIMIT 1)"#
    );
}

#[test]
fn builtin_df() {
    assert_eq!(
        sql(
            "SELECT BUILTIN.DF(t.entity) customer, BUILTIN.DF(t.subsidiary), BUILTIN.DF(t.tranid) FROM transaction t"
        ),
        concat!(
            r#"SELECT (SELECT coalesce("ns$df"."companyname", "ns$df"."entityid") FROM "customer" AS "ns$df" WHERE "ns$df"."id" = "t"."entity") AS "customer", "#,
            r#"(SELECT "ns$df"."name" FROM "subsidiary" AS "ns$df" WHERE "ns$df"."id" = "t"."subsidiary") AS "expr1", "#,
            r#""t"."tranid" AS "expr2" FROM "transaction" AS "t""#
        )
    );
    let status = sql("SELECT BUILTIN.DF(status) FROM transaction");
    assert!(status.starts_with(r#"SELECT CASE "transaction"."type" || ':' || "transaction"."status" WHEN 'SalesOrd:A' THEN 'Sales Order : Pending Approval'"#), "{status}");
    assert!(
        status.contains("WHEN 'CustInvc:B' THEN 'Invoice : Paid In Full'"),
        "{status}"
    );
    assert!(
        status.ends_with(r#"ELSE "transaction"."status" END AS "expr1" FROM "transaction""#),
        "{status}"
    );
}

#[test]
fn subqueries() {
    assert_eq!(
        sql(
            "SELECT c.id, (SELECT COUNT(*) FROM transaction t WHERE t.entity = c.id) n FROM customer c WHERE EXISTS (SELECT 1 FROM contact k WHERE k.company = c.id)"
        ),
        concat!(
            r#"SELECT "c"."id" AS "id", (SELECT count(*) AS "expr1" FROM "transaction" AS "t" WHERE "t"."entity" = "c"."id") AS "n" "#,
            r#"FROM "customer" AS "c" WHERE EXISTS (SELECT 1 AS "expr1" FROM "contact" AS "k" WHERE "k"."company" = "c"."id")"#
        )
    );
    assert_eq!(
        sql("SELECT id FROM (SELECT id FROM transaction)"),
        r#"SELECT "ns$q1"."id" AS "id" FROM (SELECT "transaction"."id" AS "id" FROM "transaction") AS "ns$q1""#
    );
    assert_eq!(
        sql(
            "SELECT x.type, x.n FROM (SELECT type, COUNT(*) n FROM transaction GROUP BY type) x WHERE x.n > 2"
        ),
        r#"SELECT "x"."type" AS "type", "x"."n" AS "n" FROM (SELECT "transaction"."type" AS "type", count(*) AS "n" FROM "transaction" GROUP BY "transaction"."type") AS "x" WHERE "x"."n" > 2"#
    );
}

#[test]
fn select_star_expands_columns() {
    let t = translate("SELECT * FROM subsidiary").unwrap();
    assert_eq!(
        t.columns,
        [
            "id",
            "name",
            "fullname",
            "parent",
            "currency",
            "country",
            "iselimination",
            "isinactive",
            "externalid",
            "lastmodifieddate"
        ]
    );
    assert!(
        t.sql
            .starts_with(r#"SELECT "subsidiary"."id" AS "id", "subsidiary"."name" AS "name","#)
    );
    assert_eq!(
        columns("SELECT s.name, c.* FROM subsidiary s JOIN currency c ON c.id = s.currency").len(),
        9
    );
    assert_eq!(columns("SELECT * FROM dual"), ["dummy"]);
}

#[test]
fn statements_other_than_select_are_refused() {
    for (q, kind) in [
        ("INSERT INTO customer (id) VALUES (1)", "INSERT"),
        ("UPDATE customer SET email = 'x'", "UPDATE"),
        ("DELETE FROM transaction", "DELETE"),
        ("DROP TABLE transaction", "DROP"),
        ("PRAGMA table_info(transaction)", "PRAGMA"),
        ("ATTACH DATABASE 'x.db' AS x", "ATTACH"),
        ("CREATE TABLE x (a INT)", "CREATE"),
        ("EXPLAIN SELECT 1 FROM dual", "EXPLAIN"),
        (
            "MERGE INTO customer c USING dual ON (1 = 1) WHEN MATCHED THEN UPDATE SET email = 'x'",
            "MERGE",
        ),
        ("VACUUM", "VACUUM"),
    ] {
        match error(q) {
            Error::NotSelect { statement } => assert_eq!(statement, kind, "{q}"),
            e => panic!("{q}: {e:?}"),
        }
    }
    unsupported(
        "SELECT 1 FROM dual; DROP TABLE transaction",
        "multiple statements",
    );
    unsupported(
        "SELECT 1 FROM dual; SELECT 2 FROM dual",
        "multiple statements",
    );
    unsupported(
        "WITH a AS (SELECT 1 FROM dual) SELECT * FROM a",
        "WITH clause",
    );
    unsupported("VALUES (1)", "VALUES");
}

#[test]
fn unsupported_constructs_are_named() {
    for (q, construct) in [
        (
            "SELECT REGEXP_LIKE(tranid, 'x') FROM transaction",
            "function REGEXP_LIKE",
        ),
        (
            "SELECT RANK() OVER (ORDER BY id) FROM transaction",
            "window function RANK",
        ),
        (
            "SELECT ROW_NUMBER() OVER (ORDER BY id) FROM transaction",
            "window function ROW_NUMBER",
        ),
        (
            "SELECT SUBSTRING(tranid FROM 1 FOR 2) FROM transaction",
            "SUBSTRING",
        ),
        ("SELECT id FROM transaction LIMIT 10", "LIMIT"),
        (
            "SELECT BUILTIN.CONSOLIDATE(foreigntotal) FROM transaction",
            "function BUILTIN.CONSOLIDATE",
        ),
        ("SELECT id FROM transaction WHERE id = ?", "bind parameter"),
        (
            "SELECT id FROM transaction WHERE ROWNUM <= 2 OR id = 1",
            "ROWNUM in WHERE",
        ),
        (
            "SELECT COUNT(*) FROM transaction WHERE ROWNUM <= 2",
            "ROWNUM in WHERE together with GROUP BY",
        ),
        (
            "SELECT id FROM transaction WHERE ROWNUM <= 2 FETCH FIRST 1 ROWS ONLY",
            "ROWNUM together",
        ),
        (
            "SELECT id FROM transaction t, customer c WHERE t.entity = c.id(+) OR t.id = 1",
            "(+)",
        ),
        (
            "SELECT id FROM transaction t JOIN customer c ON 1 = 1 WHERE t.entity = c.id(+)",
            "ANSI JOIN",
        ),
        (
            "SELECT t.id FROM transaction t, customer c WHERE t.entity(+) = c.id(+)",
            "more than one table",
        ),
        ("SELECT t.id(+) FROM transaction t", "(+)"),
        (
            "SELECT id FROM transaction CONNECT BY PRIOR id = entity",
            "CONNECT BY",
        ),
        ("SELECT id FROM transaction WHERE tranid ILIKE 'x'", "ILIKE"),
        (
            "SELECT id FROM transaction WHERE id > ALL (SELECT id FROM customer)",
            "ALL",
        ),
        ("SELECT id FROM transaction FOR UPDATE", "FOR UPDATE"),
        (
            "SELECT id FROM transaction NATURAL JOIN customer",
            "NATURAL JOIN",
        ),
        ("SELECT DISTINCT ON (id) id FROM transaction", "DISTINCT ON"),
        ("SELECT id FROM transaction GROUP BY ROLLUP (id)", "ROLLUP"),
        (
            "SELECT x.id FROM LATERAL (SELECT id FROM transaction) x",
            "LATERAL",
        ),
        ("SELECT id % 2 FROM transaction", "operator %"),
        (
            "SELECT LISTAGG(tranid, ';') WITHIN GROUP (ORDER BY id) OVER () FROM transaction",
            "window function LISTAGG",
        ),
        (
            "SELECT TO_CHAR(trandate, 'YYYY-XX') FROM transaction",
            "date format element",
        ),
        (
            "SELECT TO_CHAR(foreigntotal, '$999') FROM transaction",
            "number format",
        ),
        (
            "SELECT id FROM transaction UNION ALL SELECT id FROM customer MINUS ALL SELECT 1 FROM dual",
            "ALL",
        ),
        ("SELECT CAST(id AS BLOB) FROM transaction", "CAST to BLOB"),
        (
            "SELECT id FROM transaction t WHERE t.id IN (SELECT c.id FROM customer c WHERE c.id = t.entity(+))",
            "(+)",
        ),
        ("SELECT POWER(2, 3) FROM dual", "function POWER"),
        ("SELECT id AS ns$x FROM transaction ns$t", "reserved"),
        ("SELECT TRUE FROM dual", "TRUE"),
        (
            "SELECT id FROM transaction ORDER BY id FETCH FIRST 10 PERCENT ROWS ONLY",
            "PERCENT",
        ),
    ] {
        unsupported(q, construct);
    }
}

#[test]
fn unknown_tables_and_fields() {
    for (q, name) in [
        ("SELECT * FROM sqlite_master", "sqlite_master"),
        ("SELECT * FROM vendor", "vendor"),
        ("SELECT * FROM main.transaction", "main.transaction"),
        ("SELECT * FROM pragma_table_info", "pragma_table_info"),
    ] {
        assert_eq!(error(q), Error::UnknownTable { name: name.into() }, "{q}");
    }
    assert_eq!(
        error("SELECT foo FROM transaction"),
        Error::UnknownField {
            field: "foo".into(),
            record: Some("transaction".into())
        }
    );
    assert_eq!(
        error("SELECT t.foo FROM transaction t"),
        Error::UnknownField {
            field: "foo".into(),
            record: Some("transaction".into())
        }
    );
    assert_eq!(
        error("SELECT x.id FROM transaction t"),
        Error::UnknownField {
            field: "x.id".into(),
            record: None
        }
    );
    assert_eq!(
        error("SELECT id FROM transaction t, customer c"),
        Error::AmbiguousField { field: "id".into() }
    );
    assert_eq!(
        error("SELECT transaction.id FROM transaction t"),
        Error::UnknownField {
            field: "transaction.id".into(),
            record: None
        }
    );
    assert!(matches!(
        error("SELECT a.b.c FROM transaction"),
        Error::UnknownField { .. }
    ));
}

#[test]
fn other_errors() {
    assert!(matches!(
        error("SELEC id FROM transaction"),
        Error::Parse { .. }
    ));
    assert!(matches!(error("SELECT id FROM"), Error::Parse { .. }));
    assert!(matches!(error(""), Error::Parse { .. }));
    assert!(matches!(
        error("SELECT 'unterminated FROM dual"),
        Error::Parse { .. }
    ));
    assert!(matches!(error("SELECT 1"), Error::Invalid { .. }));
    assert!(matches!(
        error("SELECT id FROM transaction t, customer t"),
        Error::Invalid { .. }
    ));
    assert!(matches!(
        error("SELECT id FROM transaction UNION SELECT id, tranid FROM transaction"),
        Error::Invalid { .. }
    ));
    assert!(matches!(
        error("SELECT id FROM transaction WHERE id IN (SELECT id, tranid FROM transaction)"),
        Error::Invalid { .. }
    ));
    assert!(matches!(
        error("SELECT id FROM transaction ORDER BY 3"),
        Error::Invalid { .. }
    ));
    assert!(matches!(
        error("SELECT id FROM transaction WHERE COUNT(*) > 1"),
        Error::Invalid { .. }
    ));
    assert!(matches!(
        error("SELECT TO_DATE('2024-02-30', 'YYYY-MM-DD') FROM dual"),
        Error::Invalid { .. }
    ));
    assert!(matches!(
        error("SELECT TO_DATE('15/01/2024', 'MM/DD/YYYY') FROM dual"),
        Error::Invalid { .. }
    ));
    assert_eq!(
        error("SELECT NVL(memo) FROM transaction"),
        Error::Arguments {
            function: "NVL".into(),
            expected: "2 arguments".into()
        }
    );
    assert_eq!(
        error("SELECT DECODE(memo, 1) FROM transaction"),
        Error::Arguments {
            function: "DECODE".into(),
            expected: "at least 3 arguments".into()
        }
    );
    assert!(matches!(
        translate_with(
            "SELECT 1 FROM dual",
            &Options::default().with_now("yesterday")
        ),
        Err(Error::Invalid { .. })
    ));
    let deep = format!("SELECT {}1{} FROM dual", "(".repeat(200), ")".repeat(200));
    assert!(matches!(error(&deep), Error::TooComplex { .. }));
}

#[test]
fn messages_name_the_problem() {
    assert_eq!(
        error("SELECT foo FROM transaction").to_string(),
        "field 'foo' for record 'transaction' was not found"
    );
    assert_eq!(
        error("SELECT * FROM vendor").to_string(),
        "record 'vendor' was not found"
    );
    assert_eq!(
        error("SELECT REGEXP_LIKE(tranid, 'x') FROM transaction").to_string(),
        "unsupported construct: function REGEXP_LIKE"
    );
    assert_eq!(
        error("DELETE FROM transaction").to_string(),
        "only SELECT queries are supported, not DELETE"
    );
    for e in [
        error("SELECT foo FROM transaction"),
        error("SELEC 1"),
        error("SELECT RANK() OVER () FROM transaction"),
        error("SELECT NVL(1) FROM dual"),
    ] {
        let m = e.to_string();
        assert!(m.starts_with(|c: char| c.is_lowercase()), "{m}");
    }
}

#[test]
fn schema_and_tables() {
    let tables: Vec<&str> = Model::netsuite().table_names().collect();
    assert_eq!(
        tables,
        [
            "account",
            "contact",
            "currency",
            "customer",
            "employee",
            "item",
            "subsidiary",
            "transaction",
            "transactionline"
        ]
    );
    for t in tables {
        assert!(
            schema_sql().contains(&format!("CREATE TABLE IF NOT EXISTS {t} ("))
                || schema_sql().contains(&format!("CREATE TABLE IF NOT EXISTS \"{t}\" (")),
            "{t}"
        );
        assert!(translate(&format!("SELECT * FROM {t}")).is_ok(), "{t}");
    }
}

#[test]
fn keyset_predicates() {
    let t = translate(
        "SELECT t.id FROM transaction t WHERE t.type = 'SalesOrd' AND t.id > 500 AND t.id <= 900 ORDER BY t.id",
    )
    .unwrap();
    let k = t.keyset.as_ref().unwrap();
    assert_eq!(k.column, r#""t"."id""#);
    assert_eq!((k.op, k.bound), (KeysetOp::Greater, 500));
    assert_eq!(
        t.unordered(),
        r#"SELECT "t"."id" AS "id" FROM "transaction" AS "t" WHERE "t"."type" = 'SalesOrd' AND "t"."id" > 500 AND "t"."id" <= 900"#
    );
    assert_eq!(
        k.between(500, 600),
        r#"SELECT "t"."id" AS "id" FROM "transaction" AS "t" WHERE "t"."type" = 'SalesOrd' AND "t"."id" > 500 AND "t"."id" <= 600 AND "t"."id" <= 900"#
    );
    // The shape does not depend on the bound.
    let other = translate(
        "SELECT t.id FROM transaction t WHERE t.type = 'SalesOrd' AND t.id > 7 AND t.id <= 900 ORDER BY t.id",
    )
    .unwrap();
    assert_eq!(other.keyset.unwrap().shape(), k.shape());
    let k = translate("SELECT id FROM customer WHERE id >= 7")
        .unwrap()
        .keyset
        .unwrap();
    assert_eq!((k.op, k.bound), (KeysetOp::GreaterOrEqual, 7));
    for no in [
        "SELECT id FROM customer WHERE id > 5 OR email = 'x'",
        "SELECT id FROM customer WHERE NOT id > 5",
        "SELECT id FROM customer WHERE creditlimit + id > 5",
        "SELECT id FROM customer WHERE id > 5 + 1",
        "SELECT id FROM customer WHERE id > 5 AND balance > 6",
        "SELECT DISTINCT id FROM customer WHERE id > 5",
        "SELECT id, COUNT(*) FROM customer WHERE id > 5 GROUP BY id",
        "SELECT COUNT(*) FROM customer WHERE id > 5",
        "SELECT id FROM customer WHERE id > 5 FETCH FIRST 10 ROWS ONLY",
        "SELECT id FROM customer WHERE id > 5 AND ROWNUM <= 10",
        "SELECT id FROM (SELECT id FROM customer WHERE id > 5) x",
        "SELECT id FROM customer WHERE id > '5'",
        "SELECT id FROM customer WHERE id > 5.5",
        "SELECT id FROM customer",
        "SELECT id FROM customer WHERE id > 5 UNION SELECT id FROM contact WHERE id > 5",
        "SELECT id FROM customer WHERE CASE WHEN email = 'x' AND id > 5 THEN 1 END = 1",
        "SELECT id FROM customer WHERE email BETWEEN 'a' AND 'b' OR id > 5",
    ] {
        assert_eq!(translate(no).unwrap().keyset, None, "{no}");
    }
}

#[test]
fn statements_without_their_final_order_by() {
    let unordered = |q: &str| translate(q).unwrap().unordered().to_owned();
    assert_eq!(
        unordered("SELECT id FROM customer WHERE id > 5 ORDER BY id"),
        r#"SELECT "customer"."id" AS "id" FROM "customer" WHERE "customer"."id" > 5"#
    );
    let limited = translate("SELECT id FROM customer ORDER BY id FETCH FIRST 5 ROWS ONLY").unwrap();
    assert_eq!(limited.unordered(), limited.sql);
    let union =
        translate("SELECT id FROM customer UNION SELECT id FROM contact ORDER BY 1").unwrap();
    assert!(union.sql.len() > union.unordered().len());
    assert!(!union.unordered().contains("ORDER BY"));
    let nested =
        translate("SELECT a FROM (SELECT id AS a FROM customer ORDER BY id) x ORDER BY a DESC")
            .unwrap();
    assert!(
        nested.unordered().ends_with(r#" AS "x""#) || !nested.unordered().ends_with("DESC"),
        "{}",
        nested.unordered()
    );
    assert!(nested.unordered().contains("ORDER BY"));
}
