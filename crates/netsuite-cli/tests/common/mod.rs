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
