//! `netsuite proxy` and `netsuite exec` as built binaries, in front of an emulator,
//! driven by curl, Python's requests and Node's fetch.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{Env, expire_access_token, json, store};
use netsuite_auth::cert::KeyType;
use netsuite_test::free_port;
use netsuite_test::{M2m, TestEmulator};

struct Setup {
    env: Env,
    emu: TestEmulator,
    m2m: M2m,
    _rt: tokio::runtime::Runtime,
}

fn setup_with(configure: impl FnOnce(&mut netsuite_emulator::Config)) -> Setup {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let emu = rt.block_on(TestEmulator::start_with(configure));
    let m2m = emu.m2m(KeyType::EcP256, &["rest_webservices", "restlets"]);
    let env = Env::new();
    add_profile(&env, "p", &m2m, &emu.base_url);
    Setup {
        env,
        emu,
        m2m,
        _rt: rt,
    }
}

fn add_profile(env: &Env, name: &str, m: &M2m, base_url: &str) {
    env.ok(&[
        "profile",
        "add",
        name,
        "--account",
        "1234567",
        "--client-id",
        &m.client_id,
        "--certificate-id",
        &m.certificate_id,
        "--private-key",
        m.private_key.to_str().unwrap(),
        "--base-url",
        base_url,
    ]);
}

/// A `netsuite proxy` process; killed on drop unless stopped.
struct ProxyProcess {
    child: Child,
    url: String,
    stderr: PathBuf,
}

impl ProxyProcess {
    fn start(env: &Env, tag: &str, extra: &[&str]) -> Self {
        Self::wait_ready(Self::spawn(env, tag, extra), tag)
    }

    fn spawn(env: &Env, tag: &str, extra: &[&str]) -> (Child, PathBuf, PathBuf) {
        let ready = env.path(&format!("proxy-{tag}.url"));
        let stderr = env.path(&format!("proxy-{tag}.err"));
        let mut args = vec![
            "proxy".to_owned(),
            "--listen".to_owned(),
            "127.0.0.1:0".to_owned(),
            "--ready-file".to_owned(),
            ready.display().to_string(),
        ];
        args.extend(extra.iter().map(|s| (*s).to_owned()));
        let child = env
            .cmd()
            .args(&args)
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&stderr).unwrap())
            .spawn()
            .expect("spawn proxy");
        (child, ready, stderr)
    }

    fn wait_ready(spawned: (Child, PathBuf, PathBuf), tag: &str) -> Self {
        let (mut child, ready, stderr) = spawned;
        let deadline = Instant::now() + Duration::from_secs(60);
        let url = loop {
            if let Ok(s) = std::fs::read_to_string(&ready)
                && s.ends_with('\n')
            {
                break s.trim().to_owned();
            }
            if let Ok(Some(status)) = child.try_wait() {
                panic!(
                    "proxy {tag} exited ({status}): {}",
                    std::fs::read_to_string(&stderr).unwrap_or_default()
                );
            }
            assert!(
                Instant::now() < deadline,
                "proxy {tag} did not become ready"
            );
            std::thread::sleep(Duration::from_millis(20));
        };
        Self { child, url, stderr }
    }

    fn stderr(&self) -> String {
        std::fs::read_to_string(&self.stderr).unwrap_or_default()
    }

    /// SIGTERM, then the exit code.
    fn terminate(mut self) -> (Option<i32>, String) {
        let pid = self.child.id().to_string();
        let ok = Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success();
        assert!(ok);
        let deadline = Instant::now() + Duration::from_secs(30);
        let status = loop {
            if let Some(s) = self.child.try_wait().unwrap() {
                break s;
            }
            assert!(Instant::now() < deadline, "the proxy did not stop");
            std::thread::sleep(Duration::from_millis(20));
        };
        (status.code(), self.stderr())
    }
}

impl Drop for ProxyProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn curl(args: &[&str]) -> (u16, String) {
    let out = Command::new("curl")
        .args(["-s", "-o", "-", "-w", "\n%{http_code}"])
        .args(args)
        .output()
        .expect("curl runs");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let (body, code) = text.rsplit_once('\n').unwrap();
    (code.trim().parse().unwrap_or(0), body.to_owned())
}

fn clients_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/clients")
}

/// Python with `requests`, or why not.
fn python() -> Result<(), String> {
    match Command::new("python3")
        .args(["-c", "import requests"])
        .output()
    {
        Err(e) => Err(format!("python3 cannot run: {e}")),
        Ok(o) if !o.status.success() => Err(format!(
            "python3 has no `requests`: {}",
            String::from_utf8_lossy(&o.stderr).trim()
        )),
        Ok(_) => Ok(()),
    }
}

fn run_client(program: &str, script: &str, proxy_url: &str, args: &[&str]) -> String {
    let out = Command::new(program)
        .arg(clients_dir().join(script))
        .args(args)
        .env("NETSUITE_PROXY_URL", proxy_url)
        .output()
        .unwrap_or_else(|e| panic!("{program} {script}: {e}"));
    assert!(
        out.status.success(),
        "{program} {script} failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn curl_python_and_node_through_the_proxy() {
    let s = setup_with(|c| c.demo_scale = 2500);
    let log = s.env.path("access.log");
    let p = ProxyProcess::start(&s.env, "a", &["--access-log", log.to_str().unwrap()]);
    let (code, body) = curl(&[&format!("{}/services/rest/record/v1/salesorder/304", p.url)]);
    assert_eq!(code, 200, "{body}");
    assert_eq!(json(&body)["id"], "304");
    let (code, body) = curl(&[
        "-X",
        "POST",
        "-H",
        "Prefer: transient",
        "-H",
        "Content-Type: application/json",
        "--data",
        r#"{"q":"SELECT id FROM customer ORDER BY id"}"#,
        &format!("{}/services/rest/query/v1/suiteql?limit=5", p.url),
    ]);
    assert_eq!(code, 200, "{body}");
    assert_eq!(json(&body)["count"], 5);
    let mut requests = 2;
    match python() {
        Ok(()) => {
            let v = json(&run_client("python3", "suiteql_pages.py", &p.url, &[]));
            assert!(v["pages"].as_u64().unwrap() >= 2, "{v}");
            assert_eq!(v["rows"], v["totalResults"], "{v}");
            requests += v["pages"].as_u64().unwrap();
        }
        Err(why) => eprintln!("skipping the Python client: {why}"),
    }
    match Command::new("node").arg("--version").output() {
        Ok(o) if o.status.success() => {
            let v = json(&run_client("node", "fetch.mjs", &p.url, &[]));
            assert_eq!(v["id"], "304");
            assert_eq!(v["customers"], 10);
            requests += 2;
        }
        other => eprintln!("skipping the Node client: node cannot run ({other:?})"),
    }
    let (code, stderr) = p.terminate();
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stderr.contains("proxy stopped"), "{stderr}");
    let lines: Vec<serde_json::Value> = std::fs::read_to_string(&log)
        .unwrap()
        .lines()
        .map(json)
        .collect();
    assert_eq!(lines.len() as u64, requests);
    assert!(lines.iter().all(|l| l["status"] == 200));
    let token = store(&s.env).load("p").unwrap().unwrap();
    let raw = std::fs::read_to_string(&log).unwrap();
    assert!(!raw.contains(token.access_token.expose_secret()));
}

#[test]
fn forty_python_clients_share_the_accounts_five_slots() {
    if let Err(why) = python() {
        eprintln!("skipping: {why}");
        return;
    }
    let s = setup_with(|c| {
        c.concurrency_limit = 5;
        c.faults.latency_ms = 20;
    });
    let p = ProxyProcess::start(&s.env, "c", &[]);
    assert!(p.stderr().contains("concurrency: 5"), "{}", p.stderr());
    let v = json(&run_client(
        "python3",
        "concurrent_clients.py",
        &p.url,
        &["40", "5"],
    ));
    assert_eq!(v, serde_json::json!({"200": 200}));
    let stats = json(
        &s.env
            .ok(&["emulator", "stats", "--url", &s.emu.base_url, "--json"]),
    );
    let peak = stats["peak_in_flight"].as_u64().unwrap();
    assert!(peak <= 5, "{stats}");
    assert!(peak >= 2, "the clients did overlap: {stats}");
    assert_eq!(stats["rejected_429"], 0, "{stats}");
    // 200 requests, and the proxy's discovery of the limit.
    assert_eq!(stats["requests"], 201, "{stats}");
}

#[test]
fn emulator_stats_count_what_it_saw() {
    let s = setup_with(|c| {
        c.concurrency_limit = 1;
        c.faults.latency_ms = 400;
    });
    let token = s.env.ok(&["auth", "token"]).trim().to_owned();
    let auth = format!("Authorization: Bearer {token}");
    let both = |path: &str| {
        let url = format!("{}{path}", s.emu.base_url);
        let spawn = || {
            Command::new("curl")
                .args(["-s", "-o", "/dev/null", "-w", "%{http_code}", "-H", &auth])
                .args(["-H", "Content-Type: application/json", &url])
                .stdout(Stdio::piped())
                .spawn()
                .unwrap()
        };
        let (a, b) = (spawn(), spawn());
        let mut codes: Vec<String> = [a, b]
            .into_iter()
            .map(|c| String::from_utf8(c.wait_with_output().unwrap().stdout).unwrap())
            .collect();
        codes.sort();
        codes
    };
    assert_eq!(
        both("/services/rest/record/v1/salesorder/304"),
        ["200", "429"]
    );
    assert_eq!(
        both("/app/site/hosting/restlet.nl?script=1&deploy=1"),
        ["200", "400"]
    );
    let url = &s.emu.base_url;
    let v = json(&s.env.ok(&["emulator", "stats", "--url", url, "--json"]));
    assert_eq!(
        v,
        serde_json::json!({"requests": 4, "in_flight": 0, "peak_in_flight": 1,
                           "rejected_429": 1, "rejected_restlet_limit": 1})
    );
    let v = json(
        &s.env
            .ok(&["emulator", "stats", "--url", url, "--reset", "--json"]),
    );
    assert_eq!(v["requests"], 0);
    assert_eq!(v["rejected_429"], 0);
    let text = s.env.ok(&["emulator", "stats", "--url", url]);
    assert!(
        text.starts_with("requests 0  in flight 0  peak in flight 0"),
        "{text}"
    );
    s.env.fails(
        &[
            "emulator",
            "stats",
            "--url",
            &format!("http://127.0.0.1:{}", free_port()),
        ],
        1,
        "cannot reach the emulator",
    );
}

#[test]
fn sixteen_proxies_on_an_expired_token_renew_once() {
    let s = setup_with(|_| {});
    s.env.ok(&["auth", "token"]);
    expire_access_token(&s.env, "p");
    assert_eq!(s.emu.emulator.tokens(true, 100).unwrap().len(), 1);
    let spawned: Vec<_> = (0..16)
        .map(|i| ProxyProcess::spawn(&s.env, &i.to_string(), &[]))
        .collect();
    let proxies: Vec<ProxyProcess> = spawned
        .into_iter()
        .enumerate()
        .map(|(i, sp)| ProxyProcess::wait_ready(sp, &i.to_string()))
        .collect();
    for p in &proxies {
        let (code, body) = curl(&[&format!("{}/services/rest/record/v1/salesorder/304", p.url)]);
        assert_eq!(code, 200, "{body}");
    }
    assert_eq!(
        s.emu.emulator.tokens(true, 100).unwrap().len(),
        2,
        "one renewal for sixteen processes"
    );
}

#[test]
fn bad_input_gets_its_answer() {
    let s = setup_with(|_| {});
    let e = &s.env;
    e.fails(
        &["proxy", "--listen", "0.0.0.0:0"],
        2,
        "not a loopback address",
    );
    let out = e.run(&["proxy", "--allow-remote", "--listen", "127.0.0.1:0"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--client-key-file"));
    let key = e.path("proxy.key");
    std::fs::write(&key, "0123456789abcdef-proxy-key\n").unwrap();
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).unwrap();
    }
    e.fails(
        &[
            "proxy",
            "--allow-remote",
            "--client-key-file",
            key.to_str().unwrap(),
        ],
        2,
        "0600",
    );
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    let p = ProxyProcess::start(
        e,
        "k",
        &["--allow-remote", "--client-key-file", key.to_str().unwrap()],
    );
    let url = format!("{}/services/rest/record/v1/salesorder/304", p.url);
    let (code, body) = curl(&[&url]);
    assert_eq!(code, 401);
    assert!(body.contains("PROXY_KEY_REQUIRED"), "{body}");
    let (code, _) = curl(&[
        "-H",
        "X-NetSuite-Proxy-Key: 0123456789abcdef-proxy-kex",
        &url,
    ]);
    assert_eq!(code, 401);
    let (code, body) = curl(&[
        "-H",
        "X-NetSuite-Proxy-Key: 0123456789abcdef-proxy-key",
        &url,
    ]);
    assert_eq!(code, 200, "{body}");
    // A client's Authorization is dropped, not used.
    let (code, _) = curl(&[
        "-H",
        "X-NetSuite-Proxy-Key: 0123456789abcdef-proxy-key",
        "-H",
        "Authorization: Bearer forged",
        &url,
    ]);
    assert_eq!(code, 200);
    drop(p);

    // A dead login: the integration is blocked, and the token has expired.
    e.ok(&["auth", "token"]);
    expire_access_token(e, "p");
    s.emu
        .emulator
        .set_integration_blocked(&s.m2m.client_id, true)
        .unwrap();
    let p = ProxyProcess::start(e, "d", &[]);
    assert!(
        p.stderr().contains("warning: no token for profile p"),
        "{}",
        p.stderr()
    );
    let (code, body) = curl(&[&format!("{}/services/rest/record/v1/salesorder/304", p.url)]);
    assert_eq!(code, 401, "{body}");
    let v = json(&body);
    assert_eq!(v["o:errorDetails"][0]["o:errorCode"], "PROXY_LOGIN_ENDED");
    assert!(v["hint"].as_str().unwrap().contains("--profile p"), "{v}");
    let (code, body) = curl(&[&format!("{}/admin/api/tokens", p.url)]);
    assert_eq!(code, 404, "{body}");
    drop(p);

    // Upstream down: a profile whose base URL has nothing listening.
    let down = format!("http://127.0.0.1:{}", free_port());
    add_profile(e, "down", &s.m2m, &down);
    let p = ProxyProcess::start(e, "u", &["--profile", "down", "--max-attempts", "2"]);
    let (code, body) = curl(&[&format!("{}/services/rest/record/v1/salesorder/304", p.url)]);
    assert_eq!(code, 502, "{body}");
    assert!(body.contains("PROXY_UPSTREAM_UNREACHABLE"), "{body}");
}

#[test]
fn exec_gives_the_command_a_token_or_a_proxy() {
    let s = setup_with(|_| {});
    let e = &s.env;
    let out = e
        .cmd()
        .args([
            "exec",
            "--",
            "sh",
            "-c",
            r#"printf '%s\n' "$NETSUITE_ACCESS_TOKEN" "$NETSUITE_ACCOUNT_ID" "$NETSUITE_REST_URL" "$NETSUITE_SUITEQL_URL" "$NETSUITE_RESTLET_URL" "${NETSUITE_PROXY_URL:-none}"; exit 7"#,
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(7), "the command's exit code");
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let token = store(e).load("p").unwrap().unwrap();
    assert_eq!(lines[0], token.access_token.expose_secret());
    let base = &s.emu.base_url;
    assert_eq!(
        &lines[1..],
        &[
            "1234567",
            &format!("{base}/services/rest/record/v1"),
            &format!("{base}/services/rest/query/v1/suiteql"),
            &format!("{base}/app/site/hosting/restlet.nl"),
            "none",
        ]
    );
    // With --proxy: no token in the environment (not even an inherited one), and
    // the URLs lead to a proxy.
    let out = e
        .cmd()
        .env("NETSUITE_ACCESS_TOKEN", "inherited")
        .args([
            "exec",
            "--proxy",
            "--",
            "sh",
            "-c",
            r#"env; test -z "$NETSUITE_ACCESS_TOKEN" || exit 9; curl -s "$NETSUITE_REST_URL/salesorder/304""#,
        ])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let token = store(e).load("p").unwrap().unwrap();
    assert!(!text.contains(token.access_token.expose_secret()));
    assert!(!text.contains("inherited"));
    assert!(
        text.contains("NETSUITE_PROXY_URL=http://127.0.0.1:"),
        "{text}"
    );
    assert!(text.contains("\"id\":\"304\""), "{text}");
    e.fails(&["exec", "--", "no-such-command-xyz"], 1, "cannot run");
    let out = e.run(&["exec"]);
    assert_eq!(out.status.code(), Some(2));
}
