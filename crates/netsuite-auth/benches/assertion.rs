//! Signing cost of a NetSuite client assertion, per algorithm and key.
//!
//! `assertion/<alg>`: `AssertionParams::sign` (validation, claims, JSON, base64url,
//! signature). `jws/<alg>`: the raw `jws::sign` of a fixed claims object. Keys are
//! made once, outside the timed loop. `benches/openssl-speed.sh` at the repository root
//! compares these numbers with `openssl speed`.

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use netsuite_auth::assertion::{AssertionParams, ScopeFormat};
use netsuite_auth::cert::{self, KeyType};
use netsuite_auth::jws::{self, Algorithm};
use netsuite_auth::key::PrivateKey;
use serde_json::{Map, Value};
use time::OffsetDateTime;

const NOW: i64 = 1_800_000_000;

/// (bench id, key type, algorithm); the ids are what the script reads back.
const CASES: [(&str, KeyType, Algorithm); 5] = [
    ("PS256-RSA3072", KeyType::Rsa3072, Algorithm::PS256),
    ("PS256-RSA4096", KeyType::Rsa4096, Algorithm::PS256),
    ("ES256-P256", KeyType::EcP256, Algorithm::ES256),
    ("ES384-P384", KeyType::EcP384, Algorithm::ES384),
    ("ES512-P521", KeyType::EcP521, Algorithm::ES512),
];

fn keys() -> Vec<(&'static str, PrivateKey, Algorithm)> {
    let now = OffsetDateTime::from_unix_timestamp(NOW).expect("fixed time");
    CASES
        .iter()
        .map(|&(id, key_type, alg)| {
            let g = cert::generate(key_type, 30, "bench", now).expect("generate a key");
            let key = PrivateKey::from_pem(g.private_key_pem.expose_secret()).expect("load it");
            (id, key, alg)
        })
        .collect()
}

fn params(alg: Algorithm) -> AssertionParams {
    AssertionParams {
        client_id: "0123abcd".repeat(8).into(),
        certificate_id: "Bp3VfpNkCcz0rZ5YCtJIoTWIqBzQiRCg3hxkb9sFpJk".into(),
        scopes: vec!["restlets".into(), "rest_webservices".into()],
        audience: "https://1234567.suitetalk.api.netsuite.com/services/rest/auth/oauth2/v1/token"
            .into(),
        algorithm: alg,
        lifetime_secs: 300,
        scope_format: ScopeFormat::Array,
    }
}

fn configured<'a>(
    c: &'a mut Criterion,
    name: &str,
) -> criterion::BenchmarkGroup<'a, criterion::measurement::WallTime> {
    let mut group = c.benchmark_group(name);
    group
        .sample_size(30)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    group
}

fn bench(c: &mut Criterion) {
    let keys = keys();

    let mut group = configured(c, "assertion");
    for (id, key, alg) in &keys {
        let p = params(*alg);
        group.bench_function(*id, |b| {
            b.iter(|| p.sign(black_box(key), black_box(NOW)).expect("sign"))
        });
    }
    group.finish();

    let claims: Map<String, Value> = params(Algorithm::ES256).claims(NOW);
    let mut group = configured(c, "jws");
    for (id, key, alg) in &keys {
        group.bench_function(*id, |b| {
            b.iter(|| {
                jws::sign(black_box(key), *alg, Some("kid"), black_box(&claims)).expect("sign")
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
