//! `totalResults` of SuiteQL pages, kept cheap for keyset paging.
//!
//! The total is an exact `COUNT(*)` over the translated statement (without its final
//! `ORDER BY`), cached per statement until the next write. Keyset paging sends a new
//! statement for every page (`WHERE id > :last ORDER BY id`), so a plain cache never
//! hits and each page would count every remaining row. Instead, when the statement's
//! top-level `WHERE` is a conjunction holding one `column > N` (or `>=`), the count of
//! the previous page's statement of the same shape is reused: rows are filtered row by
//! row, so
//!
//! `count(col > new) = count(col > old) - count(old < col <= new)`,
//!
//! and the correction only counts the rows between the two bounds (about one page).

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use rusqlite::Connection;

/// Cached totals, valid until the next write.
#[derive(Debug, Default)]
pub(crate) struct Totals {
    version: AtomicU64,
    exact: Mutex<HashMap<String, (u64, u64)>>,
    keyset: Mutex<HashMap<String, Keyset>>,
}

#[derive(Clone, Copy, Debug)]
struct Keyset {
    version: u64,
    bound: i64,
    total: u64,
}

/// Entries kept per map before it starts over.
const MAX_ENTRIES: usize = 4096;

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Totals {
    /// Forgets every total: data changed.
    pub(crate) fn invalidate(&self) {
        self.version.fetch_add(1, Ordering::AcqRel);
    }

    /// The total of `from_sql`'s count, computed by `compute` or cached under `key`
    /// (record collections).
    pub(crate) fn get_or<E>(
        &self,
        key: &str,
        compute: impl FnOnce() -> Result<u64, E>,
    ) -> Result<u64, E> {
        let version = self.version.load(Ordering::Acquire);
        if let Some(&(v, n)) = lock(&self.exact).get(key)
            && v == version
        {
            return Ok(n);
        }
        let n = compute()?;
        let mut cache = lock(&self.exact);
        if cache.len() >= MAX_ENTRIES {
            cache.clear();
        }
        cache.insert(key.to_owned(), (version, n));
        Ok(n)
    }

    /// The number of rows `sql` (one SQLite `SELECT`) returns.
    pub(crate) fn count(&self, conn: &Connection, sql: &str) -> rusqlite::Result<u64> {
        let version = self.version.load(Ordering::Acquire);
        let unordered = without_order_by(sql).unwrap_or(sql);
        let key = format!("SELECT COUNT(*) FROM ({unordered})");
        if let Some(&(v, n)) = lock(&self.exact).get(&key)
            && v == version
        {
            return Ok(n);
        }
        let keyset = keyset_bound(unordered);
        let total = match &keyset {
            Some(k) => {
                let shape = format!("{}\u{0}{}", &unordered[..k.start], &unordered[k.end..]);
                let previous = lock(&self.keyset)
                    .get(&shape)
                    .copied()
                    .filter(|p| p.version == version);
                match previous {
                    Some(p) => {
                        let (lo, hi) = (p.bound.min(k.bound), p.bound.max(k.bound));
                        let between = k.between(unordered, lo, hi);
                        let diff = count_sql(conn, &format!("SELECT COUNT(*) FROM ({between})"))?;
                        if k.bound >= p.bound {
                            p.total.saturating_sub(diff)
                        } else {
                            p.total + diff
                        }
                    }
                    None => count_sql(conn, &key)?,
                }
            }
            None => count_sql(conn, &key)?,
        };
        if let Some(k) = keyset {
            let shape = format!("{}\u{0}{}", &unordered[..k.start], &unordered[k.end..]);
            let mut map = lock(&self.keyset);
            if map.len() >= MAX_ENTRIES {
                map.clear();
            }
            map.insert(
                shape,
                Keyset {
                    version,
                    bound: k.bound,
                    total,
                },
            );
        }
        let mut cache = lock(&self.exact);
        if cache.len() >= MAX_ENTRIES {
            cache.clear();
        }
        cache.insert(key, (version, total));
        Ok(total)
    }
}

fn count_sql(conn: &Connection, sql: &str) -> rusqlite::Result<u64> {
    conn.prepare(sql)?
        .query_row([], |r| r.get::<_, i64>(0))
        .map(|n| n.max(0) as u64)
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Tok {
    Word,
    Ident,
    Str,
    Number,
    Op,
    Open,
    Close,
    Comma,
    Dot,
}

#[derive(Clone, Debug)]
struct Token {
    kind: Tok,
    start: usize,
    end: usize,
    depth: i32,
}

fn is_word(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'$'
}

/// Splits SQL into tokens with their byte spans and parenthesis depth; `None` for
/// anything unexpected (the caller then counts the plain way).
fn tokenize(sql: &str) -> Option<Vec<Token>> {
    let b = sql.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    let mut depth = 0i32;
    while i < b.len() {
        let start = i;
        let kind = match b[i] {
            c if c.is_ascii_whitespace() => {
                i += 1;
                continue;
            }
            b'-' if b.get(i + 1) == Some(&b'-') => return None,
            b'/' if b.get(i + 1) == Some(&b'*') => return None,
            q @ (b'\'' | b'"' | b'`') => {
                i += 1;
                loop {
                    match b.get(i) {
                        None => return None,
                        Some(&c) if c == q => {
                            if b.get(i + 1) == Some(&q) {
                                i += 2;
                                continue;
                            }
                            i += 1;
                            break;
                        }
                        Some(_) => i += 1,
                    }
                }
                if q == b'\'' { Tok::Str } else { Tok::Ident }
            }
            b'(' => {
                i += 1;
                depth += 1;
                Tok::Open
            }
            b')' => {
                i += 1;
                depth -= 1;
                Tok::Close
            }
            b',' => {
                i += 1;
                Tok::Comma
            }
            b'.' if !b.get(i + 1).is_some_and(u8::is_ascii_digit) => {
                i += 1;
                Tok::Dot
            }
            c if c.is_ascii_digit() || c == b'.' => {
                while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'.') {
                    i += 1;
                }
                Tok::Number
            }
            c if is_word(c) => {
                while i < b.len() && is_word(b[i]) {
                    i += 1;
                }
                Tok::Word
            }
            _ => {
                i += 1;
                while i < b.len() && matches!(b[i], b'=' | b'>' | b'<' | b'|' | b'!') {
                    i += 1;
                }
                Tok::Op
            }
        };
        let d = if kind == Tok::Open { depth - 1 } else { depth };
        out.push(Token {
            kind,
            start,
            end: i,
            depth: d,
        });
    }
    (depth == 0).then_some(out)
}

/// The keyset predicate `column > N` (or `>= N`) of a statement.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Bound {
    /// Span of the whole predicate.
    start: usize,
    end: usize,
    /// The column reference as written.
    column: String,
    inclusive: bool,
    bound: i64,
}

impl Bound {
    /// `sql` with the predicate replaced by "rows between `lo` and `hi`" (in the
    /// predicate's direction: `lo < col <= hi`, or `lo <= col < hi` for `>=`).
    fn between(&self, sql: &str, lo: i64, hi: i64) -> String {
        let c = &self.column;
        let range = if self.inclusive {
            format!("{c} >= {lo} AND {c} < {hi}")
        } else {
            format!("{c} > {lo} AND {c} <= {hi}")
        };
        format!("{}{range}{}", &sql[..self.start], &sql[self.end..])
    }
}

/// Finds the one keyset predicate of a statement whose top-level `WHERE` is a plain
/// conjunction, with no grouping, distinct rows, set operations or limits.
fn keyset_bound(sql: &str) -> Option<Bound> {
    let toks = tokenize(sql)?;
    let text = |t: &Token| &sql[t.start..t.end];
    let kw = |t: &Token, w: &str| t.kind == Tok::Word && text(t).eq_ignore_ascii_case(w);
    let top: Vec<usize> = (0..toks.len()).filter(|&i| toks[i].depth == 0).collect();
    // One plain SELECT at the top.
    if !top.first().is_some_and(|&i| kw(&toks[i], "select")) {
        return None;
    }
    if top.get(1).is_some_and(|&i| kw(&toks[i], "distinct")) {
        return None;
    }
    for &i in &top {
        for w in [
            "group",
            "having",
            "union",
            "intersect",
            "except",
            "limit",
            "offset",
            "fetch",
            "window",
        ] {
            if kw(&toks[i], w) {
                return None;
            }
        }
    }
    let where_at = top.iter().position(|&i| kw(&toks[i], "where"))?;
    let region: Vec<usize> = top[where_at + 1..]
        .iter()
        .copied()
        .take_while(|&i| !kw(&toks[i], "order"))
        .collect();
    if region.iter().any(|&i| {
        ["or", "not", "case", "between"]
            .iter()
            .any(|w| kw(&toks[i], w))
    }) {
        return None;
    }
    let mut found = None;
    for (n, &i) in region.iter().enumerate() {
        let t = &toks[i];
        if t.kind != Tok::Op || !matches!(text(t), ">" | ">=") {
            continue;
        }
        // The number right after, then AND or the end of the WHERE.
        let Some(&num_at) = region.get(n + 1) else {
            continue;
        };
        let num = &toks[num_at];
        if num.kind != Tok::Number || num_at != i + 1 {
            continue;
        }
        let Ok(bound) = text(num).parse::<i64>() else {
            continue;
        };
        if region.get(n + 2).is_some_and(|&j| !kw(&toks[j], "and")) {
            continue;
        }
        // The column: identifiers joined by dots, right after WHERE or AND.
        let mut k = n;
        let mut col_start = None;
        while k > 0 {
            let prev = &toks[region[k - 1]];
            if !matches!(prev.kind, Tok::Ident | Tok::Word) || kw(prev, "and") {
                break;
            }
            col_start = Some(k - 1);
            if k >= 2 && toks[region[k - 2]].kind == Tok::Dot {
                k -= 2;
            } else {
                break;
            }
        }
        let Some(col_start) = col_start else {
            continue;
        };
        let before_ok = col_start == 0 || kw(&toks[region[col_start - 1]], "and");
        // The column and the operator are adjacent tokens, all on the top level.
        let adjacent = region[n] - region[col_start] == n - col_start;
        if !before_ok || !adjacent {
            continue;
        }
        let first = &toks[region[col_start]];
        if found.is_some() {
            return None;
        }
        found = Some(Bound {
            start: first.start,
            end: num.end,
            column: sql[first.start..t.start].trim().to_owned(),
            inclusive: text(t) == ">=",
            bound,
        });
    }
    found
}

/// `sql` without its final top-level `ORDER BY`, when nothing (such as a `LIMIT`)
/// follows it at the top level: the order does not change a count, and SQLite can
/// count an unordered subquery without computing its rows.
pub(crate) fn without_order_by(sql: &str) -> Option<&str> {
    let toks = tokenize(sql)?;
    let text = |t: &Token| &sql[t.start..t.end];
    let kw = |t: &Token, w: &str| t.kind == Tok::Word && text(t).eq_ignore_ascii_case(w);
    let mut order_at = None;
    for (n, t) in toks.iter().enumerate() {
        if t.depth != 0 {
            continue;
        }
        if kw(t, "order") && toks.get(n + 1).is_some_and(|b| kw(b, "by")) {
            order_at = Some(t.start);
        } else if kw(t, "limit") || kw(t, "offset") || kw(t, "fetch") {
            order_at = None;
        }
    }
    order_at.map(|at| sql[..at].trim_end())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_by_is_dropped_for_counting() {
        assert_eq!(
            without_order_by("SELECT id FROM t WHERE id > 5 ORDER BY id"),
            Some("SELECT id FROM t WHERE id > 5")
        );
        assert_eq!(
            without_order_by("SELECT a FROM (SELECT a FROM t ORDER BY a) x order by a DESC"),
            Some("SELECT a FROM (SELECT a FROM t ORDER BY a) x")
        );
        assert_eq!(
            without_order_by("SELECT id FROM t ORDER BY id LIMIT 5"),
            None
        );
        assert_eq!(without_order_by("SELECT id FROM t"), None);
        assert_eq!(
            without_order_by("SELECT 'order by' AS x, border FROM t"),
            None
        );
        assert_eq!(
            without_order_by("SELECT id FROM t WHERE n = 'it''s' ORDER BY 1"),
            Some("SELECT id FROM t WHERE n = 'it''s'")
        );
    }

    fn bound(sql: &str) -> Option<(String, String, i64, bool)> {
        keyset_bound(sql).map(|b| {
            (
                sql[b.start..b.end].to_owned(),
                b.column,
                b.bound,
                b.inclusive,
            )
        })
    }

    #[test]
    fn keyset_predicates() {
        let sql = r#"SELECT "t"."id" AS "id" FROM "transaction" "t" WHERE "t"."type" = 'SalesOrd' AND "t"."id" > 500 AND "t"."id" <= 900"#;
        assert_eq!(
            bound(sql),
            Some((r#""t"."id" > 500"#.into(), r#""t"."id""#.into(), 500, false))
        );
        let b = keyset_bound(sql).unwrap();
        assert_eq!(
            b.between(sql, 500, 600),
            r#"SELECT "t"."id" AS "id" FROM "transaction" "t" WHERE "t"."type" = 'SalesOrd' AND "t"."id" > 500 AND "t"."id" <= 600 AND "t"."id" <= 900"#
        );
        assert_eq!(
            bound("SELECT id FROM t WHERE id >= 7").map(|b| (b.2, b.3)),
            Some((7, true))
        );
        for no in [
            "SELECT id FROM t WHERE id > 5 OR x = 1",
            "SELECT id FROM t WHERE NOT id > 5",
            "SELECT id FROM t WHERE a + id > 5",
            "SELECT id FROM t WHERE id > 5 + 1",
            "SELECT id FROM t WHERE id > 5 AND b > 6",
            "SELECT DISTINCT id FROM t WHERE id > 5",
            "SELECT id, COUNT(*) FROM t WHERE id > 5 GROUP BY id",
            "SELECT id FROM t WHERE id > 5 LIMIT 10",
            "SELECT id FROM (SELECT id FROM t WHERE id > 5) x",
            "SELECT id FROM t WHERE (id > 5)",
            "SELECT id FROM t WHERE id > '5'",
            "SELECT id FROM t WHERE id > 5.5",
            "SELECT id FROM t",
            "SELECT id FROM t WHERE id > 5 UNION SELECT id FROM u WHERE id > 5",
            "SELECT id FROM t WHERE CASE WHEN x = 1 AND id > 5 THEN 1 END = 1",
            "SELECT id FROM t WHERE x BETWEEN 1 AND id > 5",
        ] {
            assert_eq!(bound(no), None, "{no}");
        }
    }

    #[test]
    fn keyset_totals_match_full_counts() {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(
            "CREATE TABLE t (id INTEGER PRIMARY KEY, k INTEGER);
             WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 5000)
             INSERT INTO t SELECT i, i % 7 FROM n;",
        )
        .unwrap();
        let totals = Totals::default();
        let full = |x: i64| -> u64 {
            conn.query_row(
                &format!("SELECT COUNT(*) FROM t WHERE k <> 3 AND id > {x}"),
                [],
                |r| r.get::<_, i64>(0),
            )
            .unwrap() as u64
        };
        for x in [0, 1000, 1999, 4000, 2500, 4999, 5000, 10] {
            let sql = format!("SELECT id FROM t WHERE k <> 3 AND id > {x} ORDER BY id");
            assert_eq!(totals.count(&conn, &sql).unwrap(), full(x), "{x}");
        }
        // After a write, nothing stale is used.
        conn.execute("DELETE FROM t WHERE id > 4500", []).unwrap();
        totals.invalidate();
        let sql = "SELECT id FROM t WHERE k <> 3 AND id > 4000 ORDER BY id";
        assert_eq!(totals.count(&conn, sql).unwrap(), full(4000));
    }
}
