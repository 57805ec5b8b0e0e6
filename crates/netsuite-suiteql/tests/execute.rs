//! Translated queries run on SQLite against a small data set.

mod common;

use common::{column, database, rows, tr, value};

fn strings(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| (*s).to_owned()).collect()
}

fn table(v: &[&[&str]]) -> Vec<Vec<String>> {
    v.iter().map(|r| strings(r)).collect()
}

#[test]
fn oracle_outer_joins() {
    let db = database();
    let expected = table(&[
        &["SO1", "Acme Inc"],
        &["SO2", "NULL"],
        &["INV1", "Acme Inc"],
        &["INV2", "NULL"],
    ]);
    assert_eq!(
        rows(
            &db,
            "SELECT t.tranid, c.companyname FROM transaction t, customer c WHERE t.entity = c.id(+) AND t.id < 100 ORDER BY t.id"
        ),
        expected
    );
    assert_eq!(
        rows(
            &db,
            "SELECT t.tranid, c.companyname FROM customer c, transaction t WHERE c.id(+) = t.entity AND t.id < 100 ORDER BY t.id"
        ),
        expected
    );
    // A condition on the optional table with (+) goes into the join.
    assert_eq!(
        rows(
            &db,
            "SELECT c.entityid, COUNT(t.id) FROM customer c, transaction t \
             WHERE c.id = t.entity(+) AND t.type(+) = 'CustInvc' GROUP BY c.entityid ORDER BY c.entityid"
        ),
        table(&[&["CUST1", "1"], &["CUST3", "0"], &["Jane Doe", "0"]])
    );
    // Without (+) it filters, as in Oracle.
    assert_eq!(
        rows(
            &db,
            "SELECT c.entityid, COUNT(t.id) FROM customer c, transaction t \
             WHERE c.id = t.entity(+) AND t.type = 'CustInvc' GROUP BY c.entityid ORDER BY c.entityid"
        ),
        table(&[&["CUST1", "1"]])
    );
    // A chain: transaction -> lines -> items.
    assert_eq!(
        rows(
            &db,
            "SELECT t.tranid, i.itemid FROM transaction t, transactionline l, item i \
             WHERE l.item = i.id(+) AND t.id = l.transaction(+) AND l.mainline(+) = 'F' AND t.id < 5 \
             ORDER BY t.id, l.id"
        ),
        table(&[
            &["SO1", "WIDGET"],
            &["SO1", "CONSULTING"],
            &["SO2", "NULL"],
            &["INV1", "WIDGET"],
            &["INV2", "NULL"],
        ])
    );
}

#[test]
fn ansi_joins() {
    let db = database();
    assert_eq!(
        rows(
            &db,
            "SELECT t.tranid, c.entityid FROM transaction t LEFT OUTER JOIN customer c ON c.id = t.entity \
             WHERE t.type = 'CustInvc' ORDER BY t.tranid"
        ),
        table(&[&["INV1", "CUST1"], &["INV2", "NULL"]])
    );
    assert_eq!(
        rows(
            &db,
            "SELECT c.entityid, t.tranid FROM transaction t RIGHT JOIN customer c ON c.id = t.entity AND t.type = 'CustInvc' ORDER BY c.id"
        ),
        table(&[
            &["CUST1", "INV1"],
            &["Jane Doe", "NULL"],
            &["CUST3", "NULL"]
        ])
    );
    assert_eq!(
        column(
            &db,
            "SELECT COUNT(*) FROM transaction t FULL OUTER JOIN customer c ON c.id = t.entity AND t.type = 'CustInvc'"
        ),
        strings(&["9"])
    );
    assert_eq!(
        value(&db, "SELECT COUNT(*) FROM customer CROSS JOIN subsidiary"),
        "6"
    );
    assert_eq!(
        rows(
            &db,
            "SELECT id, entityid, name FROM customer JOIN subsidiary USING (id) ORDER BY id"
        ),
        table(&[
            &["1", "CUST1", "Parent Company"],
            &["2", "Jane Doe", "UK Sub"]
        ])
    );
    assert_eq!(
        column(
            &db,
            "SELECT COUNT(*) FROM transaction t LEFT JOIN (transactionline l JOIN item i ON i.id = l.item) ON l.transaction = t.id"
        ),
        strings(&["8"])
    );
    assert_eq!(
        rows(
            &db,
            "SELECT t.tranid, l.id, i.itemid FROM transaction t \
             INNER JOIN transactionline l ON l.transaction = t.id \
             JOIN item i ON i.id = l.item ORDER BY l.uniquekey"
        ),
        table(&[
            &["SO1", "1", "WIDGET"],
            &["SO1", "2", "CONSULTING"],
            &["INV1", "1", "WIDGET"]
        ])
    );
}

#[test]
fn rownum_limits_and_numbers_rows() {
    let db = database();
    assert_eq!(
        rows(&db, "SELECT id FROM transaction WHERE ROWNUM <= 2").len(),
        2
    );
    assert_eq!(
        rows(&db, "SELECT id FROM transaction WHERE 3 > ROWNUM").len(),
        2
    );
    assert_eq!(
        rows(&db, "SELECT id FROM transaction WHERE ROWNUM = 1").len(),
        1
    );
    assert!(rows(&db, "SELECT id FROM transaction WHERE ROWNUM = 2").is_empty());
    assert!(rows(&db, "SELECT id FROM transaction WHERE ROWNUM > 1").is_empty());
    assert_eq!(
        rows(&db, "SELECT id FROM transaction WHERE ROWNUM > 0").len(),
        7
    );
    assert_eq!(
        column(
            &db,
            "SELECT id FROM transaction WHERE type = 'SalesOrd' AND ROWNUM < 3 ORDER BY id"
        ),
        strings(&["1", "2"])
    );
    assert_eq!(
        rows(
            &db,
            "SELECT ROWNUM AS n, tranid FROM transaction WHERE ROWNUM <= 3"
        )
        .into_iter()
        .map(|r| r[0].clone())
        .collect::<Vec<_>>(),
        strings(&["1", "2", "3"])
    );
    // Top-N and pagination, the Oracle way.
    assert_eq!(
        column(
            &db,
            "SELECT id FROM (SELECT id FROM transaction ORDER BY foreigntotal DESC, id) WHERE ROWNUM <= 2"
        ),
        strings(&["103", "1"])
    );
    assert_eq!(
        rows(
            &db,
            "SELECT * FROM (SELECT a.*, ROWNUM rnum FROM (SELECT id FROM transaction ORDER BY id DESC) a WHERE ROWNUM <= 4) WHERE rnum > 2"
        ),
        table(&[&["101", "3"], &["4", "4"]])
    );
    // TOP n.
    assert_eq!(
        column(&db, "SELECT TOP 2 id FROM transaction ORDER BY id DESC"),
        strings(&["103", "102"])
    );
}

#[test]
fn keyset_paging() {
    let db = database();
    let q =
        "SELECT t.id FROM transaction t WHERE t.id > 100 ORDER BY t.id FETCH FIRST 1000 ROWS ONLY";
    assert_eq!(column(&db, q), strings(&["101", "102", "103"]));
    assert_eq!(
        column(
            &db,
            "SELECT t.id FROM transaction t WHERE t.id > 100 ORDER BY t.id FETCH FIRST 2 ROWS ONLY"
        ),
        strings(&["101", "102"])
    );
    assert_eq!(
        column(
            &db,
            "SELECT id FROM transaction WHERE id > 100 ORDER BY id OFFSET 1 ROWS FETCH NEXT 1 ROWS ONLY"
        ),
        strings(&["102"])
    );
    assert_eq!(
        column(&db, "SELECT id FROM transaction ORDER BY id OFFSET 5 ROWS"),
        strings(&["102", "103"])
    );
    // The id drives the scan (the primary key, or the narrow covering index on
    // transaction ids): no sort, no temporary b-tree.
    let plan: Vec<String> = db
        .prepare(&format!("EXPLAIN QUERY PLAN {}", tr(q).sql))
        .unwrap()
        .query_map([], |r| r.get::<_, String>(3))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert!(plan.iter().all(|p| !p.contains("TEMP B-TREE")), "{plan:?}");
    assert!(
        plan.iter().any(|p| p.contains("INTEGER PRIMARY KEY")
            || p.contains("rowid")
            || p.contains("COVERING INDEX transaction_id (id>?)")),
        "{plan:?}"
    );
}

#[test]
fn to_char_dates() {
    let db = database();
    assert_eq!(
        rows(
            &db,
            "SELECT TO_CHAR(trandate, 'MM/DD/YYYY'), TO_CHAR(trandate, 'DD.MM.YYYY'), \
             TO_CHAR(createddate, 'YYYY-MM-DD HH24:MI:SS'), TO_CHAR(trandate, 'Mon DD, YYYY'), \
             TO_CHAR(trandate, 'FMMonth DD'), TO_CHAR(createddate, 'HH:MI AM'), \
             TO_CHAR(trandate, 'YYYY\"Q\"Q DY Day'), TO_CHAR(trandate, 'FMDD/MM'), TO_CHAR(trandate) \
             FROM transaction WHERE id = 3"
        ),
        table(&[&[
            "02/29/2024",
            "29.02.2024",
            "2024-02-29 16:45:10",
            "Feb 29, 2024",
            "February 29",
            "04:45 PM",
            "2024Q1 THU Thursday ",
            "29/2",
            "2024-02-29",
        ]])
    );
}

#[test]
fn to_char_numbers() {
    let db = database();
    assert_eq!(
        column(
            &db,
            "SELECT TO_CHAR(foreigntotal, 'FM999,999,990.00') FROM transaction WHERE id IN (4, 102, 103) ORDER BY id"
        ),
        strings(&["20.25", "-5.50", "1,234,567.89"])
    );
    assert_eq!(
        rows(
            &db,
            "SELECT TO_CHAR(12.5, '999.99'), TO_CHAR(5, '000'), TO_CHAR(1234, '99'), TO_CHAR(0.5, 'FM990.00'), \
             TO_CHAR(1.5, 'FM999.99'), TO_CHAR(id), TO_CHAR(foreigntotal), TO_NUMBER('1,234.5', '9,999.9'), TO_NUMBER('42') \
             FROM transaction WHERE id = 2"
        ),
        table(&[&[
            "  12.50", " 005", "###", "0.50", "1.5", "2", "99.5", "1234.5", "42"
        ]])
    );
}

#[test]
fn to_date_and_date_literals() {
    let db = database();
    assert_eq!(
        column(
            &db,
            "SELECT id FROM transaction WHERE trandate = TO_DATE('15.01.2024', 'DD.MM.YYYY')"
        ),
        strings(&["1"])
    );
    assert_eq!(
        column(
            &db,
            "SELECT id FROM transaction WHERE trandate BETWEEN TO_DATE('01/01/2024', 'MM/DD/YYYY') AND TO_DATE('2024-01-31', 'YYYY-MM-DD') ORDER BY id"
        ),
        strings(&["1", "2"])
    );
    assert_eq!(
        column(
            &db,
            "SELECT id FROM transaction WHERE createddate >= TO_DATE('2024-03-01 00:00:00', 'YYYY-MM-DD HH24:MI:SS') ORDER BY id"
        ),
        strings(&["4", "101", "102", "103"])
    );
    // A date at midnight equals the date-time at midnight.
    assert_eq!(
        column(
            &db,
            "SELECT id FROM transaction WHERE trandate >= TO_DATE('2024-02-29 00:00:00', 'YYYY-MM-DD HH24:MI:SS') ORDER BY id"
        ),
        strings(&["3", "4", "101", "102", "103"])
    );
    assert_eq!(
        column(
            &db,
            "SELECT id FROM transaction WHERE trandate BETWEEN '1/1/2024' AND '1/31/2024' ORDER BY id"
        ),
        strings(&["1", "2"])
    );
    assert_eq!(
        column(
            &db,
            "SELECT id FROM transaction WHERE lastmodifieddate > '2024-03-09' ORDER BY id"
        ),
        strings(&["4", "103"])
    );
    assert_eq!(
        column(
            &db,
            "SELECT id FROM transaction WHERE trandate IN (DATE '2024-01-15', '2/29/2024') ORDER BY id"
        ),
        strings(&["1", "3"])
    );
    assert_eq!(
        rows(
            &db,
            "SELECT TO_DATE(TO_CHAR(trandate, 'MM/DD/YYYY'), 'MM/DD/YYYY'), TO_DATE(TO_CHAR(trandate, 'YYYYMMDD'), 'YYYYMMDD'), \
             TO_DATE(memo, 'YYYY-MM-DD'), TO_DATE(TO_CHAR(createddate, 'DD.MM.YYYY HH24:MI'), 'DD.MM.YYYY HH24:MI'), \
             TO_TIMESTAMP('2024-02-29', 'YYYY-MM-DD'), TO_DATE(trandate, 'YYYY-MM-DD') \
             FROM transaction WHERE id = 3"
        ),
        table(&[&[
            "2024-02-29",
            "2024-02-29",
            "NULL",
            "2024-02-29T16:45:00Z",
            "2024-02-29T00:00:00Z",
            "2024-02-29"
        ]])
    );
}

#[test]
fn date_arithmetic_and_sysdate() {
    let db = database();
    assert_eq!(
        rows(
            &db,
            "SELECT TRUNC(SYSDATE), SYSDATE, SYSDATE + 1, SYSDATE - 0.5, TRUNC(SYSDATE, 'MM'), TRUNC(SYSDATE, 'YYYY'), \
             LAST_DAY(SYSDATE), CURRENT_DATE FROM DUAL"
        ),
        table(&[&[
            "2024-03-10",
            "2024-03-10T12:00:00Z",
            "2024-03-11T12:00:00Z",
            "2024-03-10T00:00:00Z",
            "2024-03-01",
            "2024-01-01",
            "2024-03-31T12:00:00Z",
            "2024-03-10T12:00:00Z",
        ]])
    );
    assert_eq!(
        column(
            &db,
            "SELECT id FROM transaction WHERE trandate >= SYSDATE - 5 ORDER BY id"
        ),
        strings(&["102", "103"])
    );
    assert_eq!(
        column(
            &db,
            "SELECT id FROM transaction WHERE trandate >= TRUNC(SYSDATE) - 5 ORDER BY id"
        ),
        strings(&["101", "102", "103"])
    );
    assert_eq!(
        column(
            &db,
            "SELECT entityid FROM customer WHERE lastmodifieddate > SYSDATE - 1 ORDER BY id"
        ),
        strings(&["Jane Doe", "CUST3"])
    );
    assert_eq!(
        rows(
            &db,
            "SELECT ADD_MONTHS(trandate, 1), ADD_MONTHS(trandate, -1), trandate + 1, trandate - TO_DATE('2024-01-01', 'YYYY-MM-DD'), \
             TRUNC(trandate, 'IW'), TRUNC(trandate, 'Q'), EXTRACT(YEAR FROM trandate), EXTRACT(MONTH FROM trandate), \
             ADD_MONTHS(createddate, 1) FROM transaction WHERE id = 3"
        ),
        table(&[&[
            "2024-03-31",
            "2024-01-31",
            "2024-03-01",
            "59",
            "2024-02-26",
            "2024-01-01",
            "2024",
            "2",
            "2024-03-31T16:45:10Z"
        ]])
    );
    assert_eq!(
        rows(
            &db,
            "SELECT ADD_MONTHS(trandate, 1), ADD_MONTHS(DATE '2024-01-30', 1), ADD_MONTHS(SYSDATE, 12) FROM transaction WHERE id = 2"
        ),
        table(&[&["2024-02-29", "2024-02-29", "2025-03-10T12:00:00Z"]])
    );
    assert_eq!(
        value(
            &db,
            "SELECT ADD_MONTHS(trandate, 2) FROM transaction WHERE id = 1"
        ),
        "2024-03-15"
    );
}

#[test]
fn decode_nvl_nvl2_case() {
    let db = database();
    assert_eq!(
        rows(
            &db,
            "SELECT id, DECODE(status, 'A', 'open', 'B', 'pending', 'other'), NVL2(memo, 'has memo', 'no memo'), NVL(memo, '-'), \
             COALESCE(memo, tranid) FROM transaction WHERE id IN (1, 2, 3, 103) ORDER BY id"
        ),
        table(&[
            &["1", "pending", "has memo", "first order", "first order"],
            &["2", "other", "no memo", "-", "SO2"],
            &[
                "3",
                "open",
                "has memo",
                "Invoice for SO1",
                "Invoice for SO1"
            ],
            &["103", "other", "has memo", "100% [done]", "100% [done]"],
        ])
    );
    // DECODE matches NULL with NULL.
    assert_eq!(
        column(
            &db,
            "SELECT DECODE(entity, NULL, 'no customer', 1, 'acme', 'customer') FROM transaction WHERE id IN (1, 2, 4) ORDER BY id"
        ),
        strings(&["acme", "customer", "no customer"])
    );
    assert_eq!(
        value(
            &db,
            "SELECT DECODE(id, 99, 'x') FROM transaction WHERE id = 1"
        ),
        "NULL"
    );
    assert_eq!(
        column(
            &db,
            "SELECT CASE WHEN foreigntotal > 100 THEN 'big' WHEN foreigntotal > 0 THEN 'small' ELSE 'negative' END \
             FROM transaction WHERE id IN (1, 101, 102) ORDER BY id"
        ),
        strings(&["big", "small", "negative"])
    );
    assert_eq!(
        column(
            &db,
            "SELECT CASE type WHEN 'SalesOrd' THEN 'SO' ELSE 'other' END FROM transaction WHERE id IN (1, 3) ORDER BY id"
        ),
        strings(&["SO", "other"])
    );
}

#[test]
fn builtin_df() {
    let db = database();
    assert_eq!(
        rows(
            &db,
            "SELECT t.tranid, BUILTIN.DF(t.entity), BUILTIN.DF(t.status), BUILTIN.DF(t.type), BUILTIN.DF(t.subsidiary), \
             BUILTIN.DF(t.currency), BUILTIN.DF(t.tranid) FROM transaction t WHERE t.id IN (1, 2, 3, 4, 103) ORDER BY t.id"
        ),
        table(&[
            &[
                "SO1",
                "Acme Inc",
                "Sales Order : Pending Fulfillment",
                "Sales Order",
                "Parent Company",
                "US Dollar",
                "SO1"
            ],
            &[
                "SO2",
                "Jane Doe",
                "Sales Order : Billed",
                "Sales Order",
                "Parent Company",
                "US Dollar",
                "SO2"
            ],
            &[
                "INV1",
                "Acme Inc",
                "Invoice : Open",
                "Invoice",
                "Parent Company",
                "US Dollar",
                "INV1"
            ],
            &[
                "INV2",
                "NULL",
                "Invoice : Paid In Full",
                "Invoice",
                "UK Sub",
                "British pound",
                "INV2"
            ],
            &[
                "SO103",
                "Globex",
                "Z",
                "Sales Order",
                "UK Sub",
                "US Dollar",
                "SO103"
            ],
        ])
    );
    assert_eq!(
        rows(
            &db,
            "SELECT BUILTIN.DF(l.transaction) AS tx, BUILTIN.DF(l.item) AS item, l.quantity FROM transactionline l \
             WHERE l.mainline = 'F' ORDER BY l.uniquekey"
        ),
        table(&[
            &["Sales Order #SO1", "WIDGET", "5"],
            &["Sales Order #SO1", "CONSULTING", "1"],
            &["Invoice #INV1", "WIDGET", "15"],
        ])
    );
    assert_eq!(
        rows(
            &db,
            "SELECT BUILTIN.DF(salesrep), BUILTIN.DF(c.subsidiary) FROM customer c WHERE id = 1"
        ),
        table(&[&["Sam Seller", "Parent Company"]])
    );
    assert_eq!(
        value(&db, "SELECT BUILTIN.DF(itemtype) FROM item WHERE id = 1"),
        "Inventory Item"
    );
    assert_eq!(
        value(&db, "SELECT BUILTIN.DF(accttype) FROM account"),
        "Bank"
    );
    assert_eq!(
        value(&db, "SELECT BUILTIN.DF(company) FROM contact"),
        "Acme Inc"
    );
    assert_eq!(
        column(
            &db,
            "SELECT id FROM transaction t WHERE BUILTIN.DF(t.entity) = 'Globex' ORDER BY id"
        ),
        strings(&["101", "102", "103"])
    );
    // In a GROUP BY.
    assert_eq!(
        rows(
            &db,
            "SELECT BUILTIN.DF(t.entity) AS customer, COUNT(*) AS n FROM transaction t \
             WHERE t.entity IS NOT NULL GROUP BY BUILTIN.DF(t.entity) ORDER BY customer"
        ),
        table(&[&["Acme Inc", "2"], &["Globex", "3"], &["Jane Doe", "1"]])
    );
}

#[test]
fn group_by_having_and_aggregates() {
    let db = database();
    assert_eq!(
        rows(
            &db,
            "SELECT type, COUNT(*) AS n, ROUND(SUM(foreigntotal), 2) AS total, MIN(trandate), MAX(tranid) \
             FROM transaction GROUP BY type HAVING COUNT(*) > 1 ORDER BY n DESC"
        ),
        table(&[
            &["SalesOrd", "5", "1234821.89", "2024-01-15", "SO2"],
            &["CustInvc", "2", "170.25", "2024-02-29", "INV2"],
        ])
    );
    assert_eq!(
        rows(
            &db,
            "SELECT entity, COUNT(*) FROM transaction GROUP BY entity ORDER BY entity"
        ),
        table(&[&["1", "2"], &["2", "1"], &["3", "3"], &["NULL", "1"]])
    );
    assert_eq!(
        rows(
            &db,
            "SELECT entity, COUNT(*) FROM transaction GROUP BY entity ORDER BY entity DESC"
        ),
        table(&[&["NULL", "1"], &["3", "3"], &["2", "1"], &["1", "2"]])
    );
    assert_eq!(
        rows(
            &db,
            "SELECT entity FROM transaction WHERE id < 5 ORDER BY entity NULLS FIRST"
        ),
        table(&[&["NULL"], &["1"], &["1"], &["2"]])
    );
    assert_eq!(
        value(
            &db,
            "SELECT AVG(quantity) FROM transactionline WHERE mainline = 'F'"
        ),
        "7"
    );
    assert_eq!(
        value(&db, "SELECT COUNT(DISTINCT entity) FROM transaction"),
        "3"
    );
    assert_eq!(
        value(
            &db,
            "SELECT LISTAGG(tranid, ', ') WITHIN GROUP (ORDER BY tranid DESC) FROM transaction WHERE type = 'CustInvc'"
        ),
        "INV2, INV1"
    );
    assert_eq!(
        value(
            &db,
            "SELECT LISTAGG(DISTINCT type, ',') WITHIN GROUP (ORDER BY type) FROM transaction WHERE id < 5"
        ),
        "CustInvc,SalesOrd"
    );
    assert_eq!(
        rows(&db, "SELECT DISTINCT type FROM transaction ORDER BY type"),
        table(&[&["CustInvc"], &["SalesOrd"]])
    );
}

#[test]
fn like_is_case_sensitive_and_escapes_glob() {
    let db = database();
    assert!(rows(&db, "SELECT id FROM transaction WHERE tranid LIKE 'so%'").is_empty());
    assert_eq!(
        column(
            &db,
            "SELECT id FROM transaction WHERE tranid LIKE 'SO_' ORDER BY id"
        ),
        strings(&["1", "2"])
    );
    assert_eq!(
        column(
            &db,
            "SELECT id FROM transaction WHERE memo LIKE '100\\% [%' ESCAPE '\\'"
        ),
        strings(&["103"])
    );
    assert_eq!(
        column(&db, "SELECT id FROM transaction WHERE memo LIKE '%?'"),
        strings(&["102"])
    );
    assert_eq!(
        column(
            &db,
            "SELECT id FROM transaction WHERE memo NOT LIKE '%order%' ORDER BY id"
        ),
        strings(&["3", "4", "102", "103"])
    );
    assert_eq!(
        column(
            &db,
            "SELECT id FROM transaction WHERE memo LIKE '%' || 'SO1'"
        ),
        strings(&["3"])
    );
    assert_eq!(
        column(
            &db,
            "SELECT id FROM transaction WHERE UPPER(memo) LIKE '%ORDER%'"
        ),
        strings(&["1"])
    );
}

#[test]
fn concatenation_and_arithmetic() {
    let db = database();
    assert_eq!(
        column(
            &db,
            "SELECT tranid || ' - ' || memo FROM transaction WHERE id IN (1, 2) ORDER BY id"
        ),
        strings(&["SO1 - first order", "SO2 - "])
    );
    assert_eq!(
        value(&db, "SELECT memo || NULL FROM transaction WHERE id = 2"),
        "NULL"
    );
    assert_eq!(
        value(
            &db,
            "SELECT CONCAT(tranid, id) FROM transaction WHERE id = 2"
        ),
        "SO22"
    );
    assert_eq!(
        rows(
            &db,
            "SELECT 7 / 2, 6 / 3, 2 + 3 * 4, (2 + 3) * 4, -id, 10 - 2 - 3 FROM transaction WHERE id = 1"
        ),
        table(&[&["3.5", "2", "14", "20", "-1", "5"]])
    );
}

#[test]
fn set_operations() {
    let db = database();
    assert_eq!(
        column(
            &db,
            "SELECT entity FROM transaction WHERE type = 'SalesOrd' UNION SELECT entity FROM transaction WHERE type = 'CustInvc' ORDER BY 1"
        ),
        strings(&["1", "2", "3", "NULL"])
    );
    assert_eq!(
        rows(&db, "SELECT entity FROM transaction WHERE type = 'SalesOrd' UNION ALL SELECT entity FROM transaction WHERE type = 'CustInvc'").len(),
        7
    );
    assert_eq!(
        column(
            &db,
            "SELECT entity FROM transaction WHERE type = 'SalesOrd' MINUS SELECT entity FROM transaction WHERE type = 'CustInvc' ORDER BY entity"
        ),
        strings(&["2", "3"])
    );
    assert_eq!(
        column(
            &db,
            "SELECT entity FROM transaction WHERE type = 'SalesOrd' INTERSECT SELECT entity FROM transaction WHERE type = 'CustInvc'"
        ),
        strings(&["1"])
    );
    let mut ids = column(
        &db,
        "SELECT id FROM transaction WHERE id < 3 UNION ALL (SELECT id FROM transaction ORDER BY id DESC FETCH FIRST 1 ROWS ONLY)",
    );
    ids.sort();
    assert_eq!(ids, strings(&["1", "103", "2"]));
    assert_eq!(
        column(
            &db,
            "SELECT tranid FROM transaction WHERE id = 1 UNION SELECT entityid FROM customer WHERE id = 3 \
             UNION SELECT itemid FROM item ORDER BY tranid FETCH FIRST 3 ROWS ONLY"
        ),
        strings(&["CONSULTING", "CUST3", "SO1"])
    );
}

#[test]
fn subqueries() {
    let db = database();
    assert_eq!(
        rows(
            &db,
            "SELECT c.entityid, (SELECT COUNT(*) FROM transaction t WHERE t.entity = c.id) AS n FROM customer c ORDER BY c.id"
        ),
        table(&[&["CUST1", "2"], &["Jane Doe", "1"], &["CUST3", "3"]])
    );
    assert_eq!(
        column(
            &db,
            "SELECT id FROM customer WHERE id IN (SELECT entity FROM transaction WHERE type = 'CustInvc')"
        ),
        strings(&["1"])
    );
    assert_eq!(
        column(
            &db,
            "SELECT id FROM customer c WHERE NOT EXISTS (SELECT 1 FROM transaction t WHERE t.entity = c.id AND t.type = 'CustInvc') ORDER BY id"
        ),
        strings(&["2", "3"])
    );
    assert_eq!(
        rows(
            &db,
            "SELECT x.type, x.n FROM (SELECT type, COUNT(*) n FROM transaction GROUP BY type) x WHERE x.n > 2"
        ),
        table(&[&["SalesOrd", "5"]])
    );
    assert_eq!(
        column(
            &db,
            "SELECT id FROM transaction WHERE foreigntotal = (SELECT MAX(foreigntotal) FROM transaction)"
        ),
        strings(&["103"])
    );
}

#[test]
fn numeric_functions() {
    let db = database();
    assert_eq!(
        rows(
            &db,
            "SELECT FLOOR(-5.5), CEIL(-5.5), FLOOR(5.5), CEIL(5.5), CEIL(5), MOD(7, 3), MOD(-7, 3), MOD(7.5, 2), MOD(5, 0), \
             ROUND(2.5), ROUND(-2.5), ROUND(1234.5678, 2), ROUND(1234.5678, -2), TRUNC(15.79, 1), TRUNC(-15.79), \
             TRUNC(1234, -2), ABS(-3), TRUNC(15.79, 2), SIGN(-2), GREATEST(1, 5, 3), LEAST(4, 2) FROM DUAL"
        ),
        table(&[&[
            "-6", "-5", "5", "6", "5", "1", "-1", "1.5", "5", "3", "-3", "1234.57", "1200", "15.7",
            "-15", "1200", "3", "15.79", "-1", "5", "2",
        ]])
    );
    assert_eq!(
        rows(
            &db,
            "SELECT FLOOR(foreigntotal), TRUNC(foreigntotal), ROUND(foreigntotal) FROM transaction WHERE id = 102"
        ),
        table(&[&["-6", "-5", "-6"]])
    );
}

#[test]
fn string_functions() {
    let db = database();
    assert_eq!(
        rows(
            &db,
            "SELECT SUBSTR('abcdef', 0, 2), SUBSTR('abcdef', 2), SUBSTR('abcdef', -3, 2), INSTR('hello world', 'o'), \
             INSTR('hello world', 'o', 6), LENGTH('abc'), UPPER('a'), LOWER('B'), TRIM('  x  '), LTRIM('xxa', 'x'), \
             RTRIM('ayy', 'y'), REPLACE('a-b-c', '-'), REPLACE('a-b', '-', '+'), LPAD('7', 3, '0'), RPAD('ab', 5, '*'), \
             LPAD('abcdef', 3), CONCAT('a', NULL), TRIM(LEADING '0' FROM '007'), SUBSTR('abc', 2, 0) FROM DUAL"
        ),
        table(&[&[
            "ab", "bcdef", "de", "5", "8", "3", "A", "b", "x", "a", "a", "abc", "a+b", "007",
            "ab***", "abc", "a", "7", "NULL",
        ]])
    );
    assert_eq!(
        value(
            &db,
            "SELECT LPAD(id, 6, '0') FROM transaction WHERE id = 103"
        ),
        "000103"
    );
}

#[test]
fn select_star_and_names() {
    let db = database();
    let all = rows(&db, "SELECT * FROM transaction WHERE id = 1");
    assert_eq!(all[0].len(), 21);
    let t = tr(
        "SELECT t.*, c.companyname FROM transaction t JOIN customer c ON c.id = t.entity WHERE t.id = 1",
    );
    assert_eq!(t.columns.len(), 22);
    assert_eq!(t.columns.last().map(String::as_str), Some("companyname"));
    assert_eq!(
        rows(
            &db,
            "SELECT t.*, c.companyname FROM transaction t JOIN customer c ON c.id = t.entity WHERE t.id = 1"
        )[0][21],
        "Acme Inc"
    );
    assert_eq!(
        column(&db, "select T.TRANID from TRANSACTION t where T.Id = 1"),
        strings(&["SO1"])
    );
    assert_eq!(tr("select T.TRANID from TRANSACTION t").columns, ["tranid"]);
    assert_eq!(
        tr("SELECT tranid AS \"Doc Number\", id Num FROM transaction").columns,
        ["doc number", "num"]
    );
    assert_eq!(column(&db, "SELECT dummy FROM dual"), strings(&["X"]));
    assert_eq!(
        column(&db, "SELECT q'[it's]' || N'!' FROM dual;"),
        strings(&["it's!"])
    );
    assert_eq!(
        rows(
            &db,
            "SELECT type AS kind, COUNT(*) FROM transaction GROUP BY kind ORDER BY kind"
        ),
        table(&[&["CustInvc", "2"], &["SalesOrd", "5"]])
    );
    assert_eq!(
        rows(
            &db,
            "SELECT tranid doc FROM transaction WHERE id < 3 ORDER BY doc DESC"
        ),
        table(&[&["SO2"], &["SO1"]])
    );
}

/// Which output columns hold dates: columns of date types and expressions whose
/// type is one; the rows shown in a user's format compare and sort as dates.
#[test]
fn output_columns_that_hold_dates() {
    use netsuite_suiteql::{DateFormat, DateKind};
    let t = tr(
        "SELECT t.id, t.trandate, t.lastmodifieddate AS changed, t.trandate + 1 AS next_day, \
         TO_CHAR(t.trandate, 'YYYY-MM-DD') AS iso, NVL(t.trandate, SYSDATE) AS d2, t.tranid FROM transaction t",
    );
    assert_eq!(
        t.dates,
        [
            None,
            Some(DateKind::Date),
            Some(DateKind::DateTime),
            Some(DateKind::Date),
            None,
            Some(DateKind::Date),
            None
        ]
    );
    let t = tr("SELECT MAX(trandate) AS last, MIN(createddate), COUNT(*) FROM transaction");
    assert_eq!(
        t.dates,
        [Some(DateKind::Date), Some(DateKind::DateTime), None]
    );
    let t = tr("SELECT x.d FROM (SELECT trandate AS d FROM transaction) x");
    assert_eq!(t.dates, [Some(DateKind::Date)]);
    // Dates that sort wrongly as text in M/D/YYYY keep their order: comparisons and
    // ORDER BY work on the stored ISO text, only the answer is shown formatted.
    let db = database();
    let q = "SELECT trandate FROM transaction WHERE trandate >= TO_DATE('1/31/2024', 'MM/DD/YYYY') ORDER BY trandate";
    let t = tr(q);
    let f = DateFormat::default();
    let shown: Vec<String> = rows(&db, q)
        .into_iter()
        .map(|r| {
            f.display(t.dates[0].unwrap(), &r[0])
                .unwrap_or_else(|| r[0].clone())
        })
        .collect();
    assert_eq!(
        shown,
        [
            "1/31/2024",
            "2/29/2024",
            "3/1/2024",
            "3/5/2024",
            "3/6/2024",
            "3/9/2024"
        ]
    );
}
