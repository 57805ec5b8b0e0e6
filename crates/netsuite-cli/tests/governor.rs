//! `--governor redis://...`: one concurrency budget per account across processes, with
//! a real `redis-server` (a free loopback port and a temporary directory per test) and
//! the built binary: four `suiteql --all` exports and a proxy serving twenty Python
//! clients against one emulator with a limit of 5; a `kill -9` of a holder; Redis
//! killed and restarted mid-run; the flags' bad input.

mod common;

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{Env, json};
use netsuite_auth::cert::KeyType;
use netsuite_client::Governor;
use netsuite_client::governance::SharedOptions;
use netsuite_test::TestEmulator;
use netsuite_test::redis::RedisServer;

const QUERY: &str = "SELECT id, tranid FROM transaction";

struct Setup {
    env: Env,
    emu: TestEmulator,
    rt: tokio::runtime::Runtime,
}

fn setup(configure: impl FnOnce(&mut netsuite_emulator::Config)) -> Setup {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let emu = rt.block_on(TestEmulator::start_with(configure));
    let m = emu.m2m(KeyType::EcP256, &["rest_webservices", "restlets"]);
    let env = Env::new();
    common::add_m2m_profile(&env, "p", &m, &emu.base_url, &[]);
    Setup { env, emu, rt }
}

fn redis() -> Option<RedisServer> {
    match RedisServer::start() {
        Ok(r) => Some(r),
        Err(why) => {
            eprintln!("skipping: {why}");
            None
        }
    }
}

/// Spawns `netsuite suiteql QUERY --all --out FILE` with `extra` flags; stderr to FILE.err.
fn export(env: &Env, name: &str, extra: &[&str]) -> (Child, PathBuf) {
    let out = env.path(name);
    let child = env
        .cmd()
        .args(["suiteql", QUERY, "--all", "--format", "ndjson", "--quiet"])
        .arg("--out")
        .arg(&out)
        .args(extra)
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(out.with_extension("err")).unwrap())
        .spawn()
        .unwrap();
    (child, out)
}

/// Waits for an export; returns its stderr and whether it succeeded.
fn finish(mut child: Child, out: &Path) -> (bool, String) {
    let status = child.wait().unwrap();
    let stderr = std::fs::read_to_string(out.with_extension("err")).unwrap();
    (status.success(), stderr)
}

/// Every row exactly once: `expected` lines, all ids distinct.
fn assert_rows_once(out: &Path, expected: usize) {
    let text = std::fs::read_to_string(out).unwrap();
    let ids: Vec<String> = text
        .lines()
        .map(|l| json(l)["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(ids.len(), expected, "{}", out.display());
    let distinct: HashSet<&String> = ids.iter().collect();
    assert_eq!(distinct.len(), expected, "duplicates in {}", out.display());
}

fn stats(s: &Setup, reset: bool) -> serde_json::Value {
    let mut args = vec!["emulator", "stats", "--url", &s.emu.base_url, "--json"];
    if reset {
        args.push("--reset");
    }
    json(&s.env.ok(&args))
}

fn python() -> Result<(), String> {
    match Command::new("python3")
        .args(["-c", "import requests"])
        .output()
    {
        Err(e) => Err(format!("python3 cannot run: {e}")),
        Ok(o) if !o.status.success() => Err("python3 has no `requests`".into()),
        Ok(_) => Ok(()),
    }
}

/// A `netsuite proxy` process (killed on drop) and its URL.
struct Proxy(Child, String);

impl Proxy {
    fn start(env: &Env, extra: &[&str]) -> Self {
        let ready = env.path("proxy.url");
        let _ = std::fs::remove_file(&ready);
        let mut child = env
            .cmd()
            .args(["proxy", "--listen", "127.0.0.1:0", "--ready-file"])
            .arg(&ready)
            .args(extra)
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(env.path("proxy.err")).unwrap())
            .spawn()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Ok(s) = std::fs::read_to_string(&ready)
                && s.ends_with('\n')
            {
                return Self(child, s.trim().to_owned());
            }
            assert!(child.try_wait().unwrap().is_none(), "the proxy exited");
            assert!(Instant::now() < deadline, "the proxy did not start");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Four exports of every row and twenty Python clients through a proxy, all at
/// once, with `extra` flags; returns whether every process succeeded and the
/// emulator's stats.
fn many_workers(s: &Setup, rows: usize, extra: &[&str]) -> (bool, serde_json::Value) {
    stats(s, true);
    let proxy = Proxy::start(&s.env, extra);
    let exports: Vec<(Child, PathBuf)> = (0..4)
        .map(|n| export(&s.env, &format!("export-{n}.ndjson"), extra))
        .collect();
    let clients = match python() {
        Ok(()) => Some(
            Command::new("python3")
                .arg(
                    Path::new(env!("CARGO_MANIFEST_DIR"))
                        .join("tests/clients/concurrent_clients.py"),
                )
                .args(["20", "10"])
                .env("NETSUITE_PROXY_URL", &proxy.1)
                .stderr(Stdio::inherit())
                .output()
                .unwrap(),
        ),
        Err(why) => {
            eprintln!("no Python clients: {why}");
            None
        }
    };
    let mut all_ok = true;
    for (child, out) in exports {
        let (ok, stderr) = finish(child, &out);
        if ok {
            assert_rows_once(&out, rows);
        } else {
            eprintln!("an export failed: {stderr}");
        }
        all_ok &= ok;
    }
    if let Some(c) = clients {
        let answers = String::from_utf8_lossy(&c.stdout).trim().to_owned();
        eprintln!("python clients: {answers}");
        all_ok &= c.status.success() && json(&answers) == serde_json::json!({"200": 200});
    }
    drop(proxy);
    (all_ok, stats(s, false))
}

#[test]
fn four_exports_and_a_proxy_share_five_slots_through_redis() {
    let Some(r) = redis() else { return };
    let s = setup(|c| {
        c.concurrency_limit = 5;
        c.faults.latency_ms = 20;
        c.demo_scale = 250_000;
    });
    let url = r.url();
    let started = Instant::now();
    let (ok, shared) = many_workers(&s, 250_000, &["--governor", &url]);
    let secs = started.elapsed().as_secs_f64();
    eprintln!("one Redis governor: {shared} in {secs:.1} s");
    assert!(ok, "every worker succeeds with the shared governor");
    assert!(shared["peak_in_flight"].as_u64().unwrap() <= 5, "{shared}");
    assert_eq!(shared["rejected_429"], 0, "{shared}");
    // 1,000 pages, 200 proxied calls, and the workers' discovery of the limit.
    assert!(shared["requests"].as_u64().unwrap() >= 1_200, "{shared}");
    assert_eq!(
        r.zcard("{netsuite:1234567}:leases"),
        0,
        "every lease given back"
    );
    // The same run with a governor per process.
    let started = Instant::now();
    let (ok, local) = many_workers(&s, 250_000, &[]);
    let secs = started.elapsed().as_secs_f64();
    eprintln!(
        "in-process governors: {} 429s, peak {} in flight, all succeeded: {ok}, {secs:.1} s",
        local["rejected_429"], local["peak_in_flight"]
    );
    assert!(local["rejected_429"].as_u64().unwrap() > 0, "{local}");
    drop(s.rt);
}

#[test]
fn a_killed_holders_slots_come_back_within_the_lease_time() {
    let Some(r) = redis() else { return };
    let s = setup(|c| {
        c.concurrency_limit = 5;
        c.faults.latency_ms = 60_000;
        c.demo_scale = 2_500;
    });
    let mut proxy = Proxy::start(&s.env, &["--governor", &r.url(), "--concurrency", "5"]);
    let url = format!("{}/services/rest/record/v1/salesorder/304", proxy.1);
    let mut curls: Vec<Child> = (0..6)
        .map(|_| {
            Command::new("curl")
                .args(["-s", "-o", "/dev/null", &url])
                .spawn()
                .unwrap()
        })
        .collect();
    let leases = "{netsuite:1234567}:leases";
    let deadline = Instant::now() + Duration::from_secs(30);
    while r.zcard(leases) < 5 {
        assert!(Instant::now() < deadline, "the proxy did not take 5 leases");
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = Command::new("curl")
        .args(["-s", &format!("{}/_proxy/metrics", proxy.1)])
        .output()
        .unwrap();
    let metrics = String::from_utf8_lossy(&out.stdout);
    assert!(
        metrics.contains("netsuite_proxy_governor_shared_up 1\n"),
        "{metrics}"
    );
    assert!(
        metrics.contains("netsuite_proxy_governor_fallbacks_total 0\n"),
        "{metrics}"
    );
    let err = std::fs::read_to_string(s.env.path("proxy.err")).unwrap();
    assert!(
        err.contains("governor: shared with every worker on redis://127.0.0.1:"),
        "{err}"
    );
    let child = &mut proxy.0;
    let status = Command::new("kill")
        .args(["-KILL", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    child.wait().unwrap();
    let killed = Instant::now();
    for c in &mut curls {
        let _ = c.kill();
        let _ = c.wait();
    }
    assert_eq!(r.zcard(leases), 5, "nobody gave the leases back");
    let back = s.rt.block_on(async {
        let g = Governor::shared(SharedOptions::new(r.url(), "1234567")).unwrap();
        let mut held = Vec::new();
        for _ in 0..5 {
            held.push(g.acquire().await.unwrap());
        }
        let back = killed.elapsed();
        for p in held {
            p.release().await;
        }
        back
    });
    eprintln!(
        "a kill -9'd holder's 5 slots came back in {:.1} s",
        back.as_secs_f64()
    );
    assert!(back <= Duration::from_millis(30_500), "{back:?}");
    assert!(
        back >= Duration::from_secs(10),
        "not by lease expiry: {back:?}"
    );
}

#[test]
fn redis_killed_and_restarted_mid_run() {
    let Some(mut r) = redis() else { return };
    let s = setup(|c| {
        c.concurrency_limit = 5;
        c.faults.latency_ms = 50;
        c.demo_scale = 120_000;
    });
    let url = r.url();
    let exports: Vec<(Child, PathBuf)> = (0..2)
        .map(|n| {
            export(
                &s.env,
                &format!("restart-{n}.ndjson"),
                &["--governor", &url],
            )
        })
        .collect();
    let leases = "{netsuite:1234567}:leases";
    let deadline = Instant::now() + Duration::from_secs(30);
    while r.zcard(leases) == 0 {
        assert!(Instant::now() < deadline, "the exports did not start");
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(300));
    r.kill();
    std::thread::sleep(Duration::from_millis(1_000));
    r.restart();
    for (child, out) in exports {
        let (ok, stderr) = finish(child, &out);
        assert!(ok, "{stderr}");
        assert_rows_once(&out, 120_000);
        assert!(
            stderr.contains("warning: the shared governor at"),
            "{stderr}"
        );
        assert!(stderr.contains("falls back to its own limit"), "{stderr}");
        assert!(stderr.contains("shared mode resumed"), "{stderr}");
        assert_eq!(
            stderr.matches("falls back").count(),
            1,
            "one warning: {stderr}"
        );
    }
}

#[test]
fn governor_flags_environment_and_profile_key() {
    let Some(r) = redis() else { return };
    let s = setup(|c| c.demo_scale = 20);
    let one = [
        "suiteql",
        "SELECT id FROM transaction ORDER BY id",
        "--limit",
        "3",
    ];
    let with = |extra: &[&str]| -> Vec<String> {
        one.iter().chain(extra).map(|a| (*a).to_owned()).collect()
    };
    fn args(v: &[String]) -> Vec<&str> {
        v.iter().map(String::as_str).collect()
    }
    // Through Redis.
    let out = s.env.ok(&args(&with(&[
        "--governor",
        &r.url(),
        "--governor-fallback",
        "fail",
    ])));
    assert_eq!(json(&out).as_array().unwrap().len(), 3);
    assert!(
        r.cmd(&["HGET", "{netsuite:1234567}:state", "peak"])
            .starts_with('$')
    );
    // Not a Redis URL: a usage error.
    s.env.fails(
        &args(&with(&["--governor", "http://127.0.0.1:1/"])),
        2,
        "not a Redis URL",
    );
    // Unreachable, with --governor-fallback fail: refused before sending.
    let dead = format!("redis://:sekrit@127.0.0.1:{}/0", netsuite_test::free_port());
    let err = s.env.fails(
        &args(&with(&["--governor", &dead, "--governor-fallback", "fail"])),
        1,
        "cannot be reached",
    );
    assert!(!err.contains("sekrit"), "{err}");
    // The environment, and the wait bound.
    let out = s
        .env
        .cmd()
        .args(one)
        .env("NETSUITE_GOVERNOR", &dead)
        .env("NETSUITE_GOVERNOR_FALLBACK", "fail")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot be reached"));
    // Unreachable with the default fallback: one warning, then the local limit.
    let out = s
        .env
        .cmd()
        .args(one)
        .args(["--governor", &dead])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert_eq!(
        err.matches("warning: the shared governor at").count(),
        1,
        "{err}"
    );
    // The profile's `governor` key; --governor local overrides it.
    let config = s.env.config_dir().join("config.toml");
    let text = std::fs::read_to_string(&config).unwrap();
    let text = text.replacen(
        "[profiles.p]\n",
        &format!("[profiles.p]\ngovernor = \"{dead}\"\n"),
        1,
    );
    std::fs::write(&config, text).unwrap();
    s.env.fails(
        &args(&with(&["--governor-fallback", "fail"])),
        1,
        "cannot be reached",
    );
    s.env.ok(&args(&with(&[
        "--governor-fallback",
        "fail",
        "--governor",
        "local",
    ])));
    // No slot within --governor-wait-secs: a clear error, nothing sent.
    let holder = s.rt.block_on(async {
        let g = Governor::shared(SharedOptions::new(r.url(), "1234567")).unwrap();
        g.set_ceiling(1);
        g.acquire().await.unwrap()
    });
    let before = stats(&s, false)["requests"].as_u64().unwrap();
    s.env.fails(
        &args(&with(&[
            "--governor",
            &r.url(),
            "--governor-wait-secs",
            "1",
            "--concurrency",
            "1",
        ])),
        1,
        "no concurrency slot of account 1234567 came free within 1 s",
    );
    assert_eq!(stats(&s, false)["requests"].as_u64().unwrap(), before);
    drop(holder);
}
