//! `totalResults` of SuiteQL pages, kept cheap for keyset paging.
//!
//! The total is an exact `COUNT(*)` over the translated statement (without its final
//! `ORDER BY`, as the translator reports it), cached per statement until the next write. Keyset paging sends a new
//! statement for every page (`WHERE id > :last ORDER BY id`), so a plain cache never
//! hits and each page would count every remaining row. Instead, when the statement's
//! top-level `WHERE` is a conjunction holding one `column > N` (or `>=`) — the
//! translator finds it in the query's syntax tree ([`netsuite_suiteql::Keyset`]) — the
//! count of the previous page's statement of the same shape is reused: rows are filtered row by
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

    /// The number of rows a translated SuiteQL statement returns.
    pub(crate) fn count(
        &self,
        conn: &Connection,
        translation: &netsuite_suiteql::Translation,
    ) -> rusqlite::Result<u64> {
        let version = self.version.load(Ordering::Acquire);
        let key = format!("SELECT COUNT(*) FROM ({})", translation.unordered());
        if let Some(&(v, n)) = lock(&self.exact).get(&key)
            && v == version
        {
            return Ok(n);
        }
        let keyset = translation.keyset.as_ref().map(|k| (k, k.shape()));
        let total = match &keyset {
            Some((k, shape)) => {
                let previous = lock(&self.keyset)
                    .get(shape)
                    .copied()
                    .filter(|p| p.version == version);
                match previous {
                    Some(p) => {
                        let (lo, hi) = (p.bound.min(k.bound), p.bound.max(k.bound));
                        let between = k.between(lo, hi);
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
        if let Some((k, shape)) = keyset {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keyset_totals_match_full_counts() {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(netsuite_suiteql::schema_sql()).unwrap();
        conn.execute_batch(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 5000)
             INSERT INTO \"transaction\" (id, trandate, type, recordtype, foreigntotal)
             SELECT i, '2024-01-01', 'SalesOrd', 'salesorder', i % 7 FROM n;",
        )
        .unwrap();
        let totals = Totals::default();
        let full = |x: i64| -> u64 {
            conn.query_row(
                &format!(
                    "SELECT COUNT(*) FROM \"transaction\" WHERE foreigntotal <> 3 AND id > {x}"
                ),
                [],
                |r| r.get::<_, i64>(0),
            )
            .unwrap() as u64
        };
        let page = |x: i64| {
            let t = netsuite_suiteql::translate(&format!(
                "SELECT id FROM transaction WHERE foreigntotal <> 3 AND id > {x} ORDER BY id"
            ))
            .unwrap();
            assert!(t.keyset.is_some());
            t
        };
        for x in [0, 1000, 1999, 4000, 2500, 4999, 5000, 10] {
            assert_eq!(totals.count(&conn, &page(x)).unwrap(), full(x), "{x}");
        }
        // After a write, nothing stale is used.
        conn.execute("DELETE FROM \"transaction\" WHERE id > 4500", [])
            .unwrap();
        totals.invalidate();
        assert_eq!(totals.count(&conn, &page(4000)).unwrap(), full(4000));
        // Aggregates are counted the plain way: one row.
        let t =
            netsuite_suiteql::translate("SELECT COUNT(*) FROM transaction WHERE id > 10").unwrap();
        assert_eq!(totals.count(&conn, &t).unwrap(), 1);
        let t =
            netsuite_suiteql::translate("SELECT COUNT(*) FROM transaction WHERE id > 20").unwrap();
        assert_eq!(totals.count(&conn, &t).unwrap(), 1);
    }
}
