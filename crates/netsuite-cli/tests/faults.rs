//! Under injected faults (20% 429s, 2% 5xx, 1% dropped connections) `netsuite suiteql
//! --all` over 300,000 rows completes and writes every row exactly once, and no
//! `netsuite record create` is duplicated.

mod common;

use common::{Env, json};
use netsuite_auth::cert::KeyType;
use netsuite_emulator::Faults;
use netsuite_test::TestEmulator;

const ROWS: i64 = 300_000;

#[test]
fn export_and_creates_survive_faults() {
    let (_rt, emu) = TestEmulator::start_blocking(|c| c.demo_scale = ROWS as u64);
    let m = emu.m2m(KeyType::EcP256, &["rest_webservices", "restlets"]);
    let env = Env::new();
    common::add_m2m_profile(&env, "p", &m, &emu.base_url, &[]);
    // A token before the faults start (the token endpoint is not governed).
    env.ok(&["auth", "token"]);
    emu.emulator
        .set_faults(Faults {
            share_429: 0.20,
            share_5xx: 0.02,
            share_drop: 0.01,
            seed: 7,
            ..Faults::default()
        })
        .unwrap();

    let out = env.path("tx.ndjson");
    let started = std::time::Instant::now();
    let run = env.run(&[
        "suiteql",
        "SELECT id, tranid FROM transaction",
        "--all",
        "--out",
        out.to_str().unwrap(),
    ]);
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(run.status.success(), "export failed: {stderr}");
    eprintln!("export under faults: {:?}; {stderr}", started.elapsed());
    let text = std::fs::read_to_string(&out).unwrap();
    let (mut n, mut sum, mut prev) = (0i64, 0i64, 0i64);
    for line in text.lines() {
        let id: i64 = json(line)["id"].as_str().unwrap().parse().unwrap();
        assert!(
            id > prev,
            "not in key order, or repeated: {id} after {prev}"
        );
        prev = id;
        n += 1;
        sum += id;
    }
    let first = 301;
    assert_eq!(n, ROWS, "every row exactly once");
    assert_eq!(sum, (first..first + ROWS).sum::<i64>());
    let g = emu.emulator.governance();
    assert!(
        g.injected_429 > 0 && g.injected_5xx > 0 && g.dropped > 0,
        "{g:?}"
    );

    // Creates under the same faults: each succeeds, or fails saying its outcome is
    // unknown; none is made twice.
    let mut created = Vec::new();
    let mut unknown = 0;
    for i in 0..100 {
        let name = format!("Fault test {i:02}");
        let body = format!(r#"{{"companyName":"{name}","subsidiary":{{"id":"1"}}}}"#);
        let r = env.run(&["record", "create", "customer", "--data", &body]);
        if r.status.success() {
            created.push((name, String::from_utf8(r.stdout).unwrap().trim().to_owned()));
        } else {
            let err = String::from_utf8_lossy(&r.stderr);
            assert!(err.contains("unknown") && err.contains("hint:"), "{err}");
            unknown += 1;
        }
    }
    emu.emulator.set_faults(Faults::none()).unwrap();
    let counts = json(&env.ok(&[
        "suiteql",
        "SELECT companyname, COUNT(*) AS n, MIN(id) AS id FROM customer WHERE companyname LIKE 'Fault test %' GROUP BY companyname",
    ]));
    for row in counts.as_array().unwrap() {
        assert_eq!(row["n"], "1", "duplicated create: {row}");
    }
    for (name, id) in &created {
        assert!(
            counts
                .as_array()
                .unwrap()
                .iter()
                .any(|r| r["companyname"] == name.as_str() && r["id"] == id.as_str()),
            "{name} ({id}) missing"
        );
    }
    eprintln!(
        "creates: {} succeeded, {unknown} reported unknown",
        created.len()
    );
}
