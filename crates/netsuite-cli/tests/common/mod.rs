//! Shared helpers for the CLI tests: the built binary with a temporary HOME and config.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

#[derive(Debug)]
pub struct Env {
    pub home: tempfile::TempDir,
}

impl Env {
    pub fn new() -> Self {
        Self {
            home: tempfile::tempdir().expect("temp home"),
        }
    }

    pub fn path(&self, p: &str) -> PathBuf {
        self.home.path().join(p)
    }

    pub fn config_dir(&self) -> PathBuf {
        self.path("config")
    }

    pub fn cmd(&self) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_netsuite"));
        c.env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", self.home.path())
            .env("NETSUITE_CONFIG_DIR", self.config_dir())
            .env("NO_COLOR", "1")
            .env("NETSUITE_KEYRING", "off")
            .stdin(Stdio::null());
        c
    }

    /// `netsuite ARGS` (a shell line) on a pseudo-terminal (util-linux `script`), with
    /// this environment; its stdin and stdout are the terminal's.
    pub fn on_tty(&self, args: &str) -> Command {
        let bin = env!("CARGO_BIN_EXE_netsuite");
        let mut c = Command::new("script");
        c.env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", self.home.path())
            .env("SHELL", "/bin/sh")
            .env("NETSUITE_CONFIG_DIR", self.config_dir())
            .env("NO_COLOR", "1")
            .env("NETSUITE_KEYRING", "off")
            .args(["-qec", &format!("{bin} {args}"), "/dev/null"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        c
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.cmd().args(args).output().expect("run netsuite")
    }

    /// Runs and asserts success; returns stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "netsuite {args:?} failed ({:?}):\nstdout: {}\nstderr: {}",
            out.status.code(),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).expect("utf-8 stdout")
    }

    /// Runs and asserts a clean failure: the exit code, one `error:` line naming
    /// `cause`, a `hint:` line, no panic; returns stderr.
    pub fn fails(&self, args: &[&str], code: i32, cause: &str) -> String {
        let out = self.run(args);
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert_eq!(
            out.status.code(),
            Some(code),
            "netsuite {args:?}: expected exit {code}\nstderr: {stderr}"
        );
        assert!(!stderr.contains("panicked"), "panic in {args:?}: {stderr}");
        assert_eq!(
            stderr.lines().filter(|l| l.starts_with("error: ")).count(),
            1,
            "not exactly one error line for {args:?}: {stderr}"
        );
        assert!(
            stderr.to_lowercase().contains(&cause.to_lowercase()),
            "{args:?}: error does not name {cause:?}: {stderr}"
        );
        assert!(
            stderr.contains("\nhint: "),
            "no hint for {args:?}: {stderr}"
        );
        assert!(
            out.stdout.is_empty(),
            "stdout not empty for a failure: {args:?}"
        );
        stderr
    }
}

/// A `netsuite emulator serve` process; killed on drop.
#[derive(Debug)]
pub struct Server {
    pub child: Child,
    pub base_url: String,
    pub data_dir: PathBuf,
}

impl Server {
    pub fn start(env: &Env, extra: &[&str]) -> Self {
        let data_dir = env.path("emulator-data");
        let ready = env.path("emulator.url");
        let _ = std::fs::remove_file(&ready);
        let mut args = vec![
            "emulator".to_owned(),
            "serve".to_owned(),
            "--listen".to_owned(),
            "127.0.0.1:0".to_owned(),
            "--data-dir".to_owned(),
            data_dir.display().to_string(),
            "--ready-file".to_owned(),
            ready.display().to_string(),
        ];
        args.extend(extra.iter().map(|s| (*s).to_owned()));
        let child = env
            .cmd()
            .args(&args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn emulator");
        let deadline = Instant::now() + Duration::from_secs(30);
        let base_url = loop {
            if let Ok(s) = std::fs::read_to_string(&ready)
                && s.ends_with('\n')
            {
                break s.trim().to_owned();
            }
            assert!(Instant::now() < deadline, "emulator did not become ready");
            std::thread::sleep(Duration::from_millis(20));
        };
        Self {
            child,
            base_url,
            data_dir,
        }
    }

    pub fn data_dir_arg(&self) -> String {
        self.data_dir.display().to_string()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn json(s: &str) -> serde_json::Value {
    serde_json::from_str(s).unwrap_or_else(|e| panic!("not JSON ({e}): {s}"))
}

/// Creates an M2M integration and maps `cert` through the CLI; returns (client id, certificate id).
pub fn integration_and_mapping(env: &Env, server: &Server, cert: &Path) -> (String, String) {
    let dd = server.data_dir_arg();
    let created = json(&env.ok(&[
        "emulator",
        "integration",
        "create",
        "--data-dir",
        &dd,
        "--name",
        "cli-test",
        "--m2m",
        "--scope",
        "rest_webservices,restlets",
        "--json",
    ]));
    let client_id = created["client_id"].as_str().expect("client_id").to_owned();
    let mapping = json(&env.ok(&[
        "emulator",
        "mapping",
        "create",
        "--data-dir",
        &dd,
        "--client-id",
        &client_id,
        "--certificate",
        cert.to_str().expect("utf-8 path"),
        "--json",
    ]));
    let certificate_id = mapping["certificate_id"]
        .as_str()
        .expect("certificate_id")
        .to_owned();
    (client_id, certificate_id)
}

/// The CLI's token store, opened as the CLI opens it (key file, no keyring).
pub fn store(env: &Env) -> netsuite_client::store::TokenStore {
    netsuite_client::store::TokenStore::with_mode(
        env.config_dir().join("tokens"),
        netsuite_client::keyring_key::KeyringMode::Off,
    )
}

/// Makes the stored access token of `profile` look expired.
pub fn expire_access_token(env: &Env, profile: &str) {
    let s = store(env);
    let mut t = s
        .load(profile)
        .expect("store readable")
        .expect("a stored token");
    t.expires_at = 1;
    s.save(profile, &t).expect("store writable");
}

/// A one-shot HTTP server that answers every request with `response`.
pub fn canned_server(response: &'static str) -> String {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for stream in listener.incoming().take(8) {
            let Ok(mut s) = stream else { continue };
            let mut buf = [0u8; 65536];
            let _ = s.read(&mut buf);
            let _ = s.write_all(response.as_bytes());
        }
    });
    format!("http://{addr}")
}

/// The redirect URI of the integrations made for [`auth_code_tokens`].
pub const REDIRECT: &str = "https://app.example/callback";
const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

/// A reqwest client that does not follow redirects.
pub fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// Authorizes (the emulator's scripted consent) and exchanges the code: (access, refresh).
pub async fn auth_code_tokens(
    base: &str,
    client_id: &str,
    secret: &str,
    state: &str,
) -> (String, String) {
    let c = http();
    let r = c
        .get(format!("{base}/app/login/oauth2/authorize.nl"))
        .query(&[
            ("response_type", "code"),
            ("client_id", client_id),
            ("redirect_uri", REDIRECT),
            ("scope", "rest_webservices restlets"),
            ("state", state),
            ("code_challenge", CHALLENGE),
            ("code_challenge_method", "S256"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 302, "{}", r.text().await.unwrap());
    let location = r.headers()["location"].to_str().unwrap().to_owned();
    let url = url::Url::parse(&location).unwrap();
    let code = url
        .query_pairs()
        .find(|(k, _)| k == "code")
        .map(|(_, v)| v.into_owned())
        .unwrap();
    let r = c
        .post(format!("{base}/services/rest/auth/oauth2/v1/token"))
        .basic_auth(client_id, Some(secret))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", REDIRECT),
            ("code_verifier", VERIFIER),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let v: serde_json::Value = r.json().await.unwrap();
    (
        v["access_token"].as_str().unwrap().to_owned(),
        v["refresh_token"].as_str().unwrap().to_owned(),
    )
}

/// `netsuite profile add NAME` for the M2M integration `m` of a test emulator at
/// `base_url` (account 1234567), with `extra` flags.
pub fn add_m2m_profile(
    env: &Env,
    name: &str,
    m: &netsuite_test::M2m,
    base_url: &str,
    extra: &[&str],
) {
    let mut args = vec![
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
    ];
    args.extend_from_slice(extra);
    env.ok(&args);
}

/// The Python interpreter with the `mcp` package (`NETSUITE_TEST_PYTHON`, else
/// python3), or `None` after saying why `what` is skipped. Under CI (which installs
/// it) a missing interpreter or package fails the test.
pub fn mcp_python(what: &str) -> Option<String> {
    let py = std::env::var("NETSUITE_TEST_PYTHON").unwrap_or_else(|_| "python3".into());
    let why = match Command::new(&py).args(["-c", "import mcp"]).output() {
        Err(e) => format!("{py} cannot run: {e}"),
        Ok(o) if !o.status.success() => format!(
            "{py} has no `mcp` package (pip install mcp==2.3.0): {}",
            String::from_utf8_lossy(&o.stderr).trim()
        ),
        Ok(_) => return Some(py),
    };
    assert!(std::env::var_os("CI").is_none(), "{why}");
    eprintln!("skipping {what}: {why}");
    None
}
