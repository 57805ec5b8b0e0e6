//! Translation time of typical SuiteQL queries.

use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;

const QUERIES: &[(&str, &str)] = &[
    (
        "keyset",
        "SELECT t.id, t.tranid, t.trandate FROM transaction t WHERE t.id > 100 ORDER BY t.id FETCH FIRST 1000 ROWS ONLY",
    ),
    (
        "outer_join_df",
        "SELECT t.tranid, BUILTIN.DF(t.entity) AS customer, BUILTIN.DF(t.status) AS status, c.email \
         FROM transaction t, customer c WHERE t.entity = c.id(+) AND t.type = 'SalesOrd' AND ROWNUM <= 100",
    ),
    (
        "report",
        "SELECT TO_CHAR(t.trandate, 'YYYY-MM') AS month, BUILTIN.DF(t.subsidiary) AS subsidiary, COUNT(*) AS n, \
         SUM(NVL(t.foreigntotal, 0)) AS total FROM transaction t \
         WHERE t.trandate >= ADD_MONTHS(TRUNC(SYSDATE, 'MM'), -12) AND t.posting = 'T' \
         GROUP BY TO_CHAR(t.trandate, 'YYYY-MM'), BUILTIN.DF(t.subsidiary) HAVING COUNT(*) > 1 ORDER BY month DESC",
    ),
];

fn translate(c: &mut Criterion) {
    let mut group = c.benchmark_group("translate");
    for (name, q) in QUERIES {
        group.bench_function(*name, |b| {
            b.iter(|| netsuite_suiteql::translate(black_box(q)).unwrap())
        });
    }
    group.finish();
}

criterion_group!(benches, translate);
criterion_main!(benches);
