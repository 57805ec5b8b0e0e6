//! `netsuite cert rotate` (and `cert list`, `cert revoke`) through the built binary
//! against the emulator's certificate API (NetSuite 2026.1): the happy path, a
//! failure in each step (upload, proof, switch, revoke) and `--manual`.
//!
//! The failures are real ones, timed with the emulator's slow token endpoint (a
//! token request waits 3 s in the emulator): the test watches the emulator and the
//! config file for the step to happen, then acts while the next token request waits
//! (revokes the new certificate; makes the config directory writable by others,
//! which netsuite refuses to trust; stops the emulator).

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::path::PathBuf;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use common::{Env, json};
use netsuite_auth::cert::KeyType;
use netsuite_emulator::{Faults, Mapping, NewMapping};
use netsuite_test::{M2m, TestEmulator};

/// The mapping's role and entity: not the Administrator, so that the rotation must
/// copy them (and may manage only its own entity's certificates).
const ROLE: i64 = 1001;
const ENTITY: i64 = 42;

/// An emulator with a client-credentials profile `p` (EC P-256, role [`ROLE`],
/// entity [`ENTITY`]).
/// Fields drop in order: the emulator stops before its runtime.
struct Rig {
    env: Env,
    emu: TestEmulator,
    m: M2m,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    _rt: tokio::runtime::Runtime,
}

/// The rig; with `own_server`, the profile talks to a second server of the same
/// emulator that the test can stop (`Rig::stop_server`).
fn rig(own_server: bool) -> Rig {
    let (rt, emu) = TestEmulator::start_blocking(|_| {});
    let m = m2m(&emu);
    let (base, stop) = if own_server {
        let listener = rt
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        rt.spawn(netsuite_emulator::serve(
            emu.emulator.clone(),
            listener,
            async move {
                let _ = rx.await;
            },
        ));
        (base, Some(tx))
    } else {
        (emu.base_url.clone(), None)
    };
    let env = Env::new();
    let cert = m.certificate.to_str().unwrap().to_owned();
    common::add_m2m_profile(&env, "p", &m, &base, &["--certificate", &cert]);
    Rig {
        env,
        emu,
        m,
        stop,
        _rt: rt,
    }
}

/// An M2M integration, a key and certificate in the emulator's directory, and the
/// mapping for [`ROLE`] and [`ENTITY`].
fn m2m(emu: &TestEmulator) -> M2m {
    let integration = emu
        .emulator
        .create_integration(netsuite_emulator::NewIntegration {
            name: "rotate".into(),
            m2m: true,
            scopes: vec!["rest_webservices".into(), "restlets".into()],
            ..Default::default()
        })
        .unwrap();
    let now = time::OffsetDateTime::now_utc();
    let generated = netsuite_auth::cert::generate(KeyType::EcP256, 365, "test", now).unwrap();
    let dir = emu.dir.path().join("m2m");
    std::fs::create_dir_all(&dir).unwrap();
    let (private_key, certificate) = (dir.join("private-key.pem"), dir.join("certificate.pem"));
    netsuite_test::write_0600(&private_key, generated.private_key_pem.expose_secret());
    std::fs::write(&certificate, &generated.certificate_pem).unwrap();
    let mapping = emu
        .emulator
        .create_mapping(NewMapping {
            client_id: integration.client_id.clone(),
            certificate_pem: generated.certificate_pem,
            role: ROLE,
            entity: ENTITY,
        })
        .unwrap();
    M2m {
        client_id: integration.client_id,
        certificate_id: mapping.certificate_id,
        private_key,
        certificate,
    }
}

impl Rig {
    fn mapping(&self, id: &str) -> Mapping {
        self.emu
            .emulator
            .list_mappings()
            .unwrap()
            .into_iter()
            .find(|m| m.certificate_id == id)
            .unwrap_or_else(|| panic!("no mapping {id}"))
    }

    /// The certificate id of a mapping of the integration other than the first.
    fn new_mapping(&self) -> Option<String> {
        self.emu
            .emulator
            .list_mappings()
            .unwrap()
            .into_iter()
            .find(|m| m.client_id == self.m.client_id && m.certificate_id != self.m.certificate_id)
            .map(|m| m.certificate_id)
    }

    fn active(&self) -> usize {
        let maps = self.emu.emulator.list_mappings().unwrap();
        maps.iter()
            .filter(|m| m.client_id == self.m.client_id && !m.revoked)
            .count()
    }

    fn config(&self) -> String {
        std::fs::read_to_string(self.env.config_dir().join("config.toml")).unwrap()
    }

    fn profile(&self) -> serde_json::Value {
        json(&self.env.ok(&["profile", "show", "p", "--json"]))
    }

    /// The files beside the profile's key.
    fn key_dir(&self) -> Vec<PathBuf> {
        let mut v: Vec<PathBuf> = std::fs::read_dir(self.m.private_key.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        v.sort();
        v
    }

    /// A cached token for `p`, then every token request waits 3 s in the emulator.
    fn slow_tokens(&self) {
        self.env.ok(&["auth", "token", "--profile", "p"]);
        let faults = Faults {
            slow_token_ms: 3000,
            ..Faults::none()
        };
        self.emu.emulator.set_faults(faults).unwrap();
    }

    fn spawn(&self, args: &[&str]) -> Child {
        self.env
            .cmd()
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    }

    /// What an administrator does in the UI: maps the certificate file for the same
    /// role and entity.
    fn map_in_ui(&self, cert: &std::path::Path) -> Mapping {
        let pem = std::fs::read_to_string(cert).unwrap();
        let new = NewMapping {
            client_id: self.m.client_id.clone(),
            certificate_pem: pem,
            role: ROLE,
            entity: ENTITY,
        };
        self.emu.emulator.create_mapping(new).unwrap()
    }

    fn stop_server(&mut self) {
        let _ = self.stop.take().expect("own server").send(());
    }
}

/// Reads `--manual`'s steps up to the certificate file to upload; returns its path.
fn upload_step(reader: &mut impl BufRead, seen: &mut String) -> PathBuf {
    loop {
        let mut line = String::new();
        assert!(reader.read_line(&mut line).unwrap() > 0, "{seen}");
        seen.push_str(&line);
        if let Some(rest) = line.split("Upload the certificate file ").nth(1) {
            return PathBuf::from(rest.split(" (never").next().unwrap());
        }
    }
}

fn wait_for<T>(what: &str, mut f: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Some(v) = f() {
            return v;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Waits for `child`: (exit code, stdout, stderr), with the checks of a clean failure.
fn failed(child: Child, code: i32) -> (String, String) {
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(code), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(
        stderr.lines().filter(|l| l.starts_with("error: ")).count(),
        1,
        "{stderr}"
    );
    assert!(stderr.contains("\nhint: "), "{stderr}");
    (String::from_utf8_lossy(&out.stdout).into_owned(), stderr)
}

fn contains_all(text: &str, parts: &[&str]) {
    for p in parts {
        assert!(text.contains(p), "{p:?} not in:\n{text}");
    }
}

#[test]
fn rotate_uploads_proves_switches_and_revokes() {
    let r = rig(false);
    let old = r.m.certificate_id.clone();
    let old_key = std::fs::read(&r.m.private_key).unwrap();
    r.env.ok(&["auth", "token", "--profile", "p"]);

    let out = json(&r.env.ok(&["cert", "rotate", "--profile", "p", "--json"]));
    let new = out["new_certificate_id"].as_str().unwrap().to_owned();
    assert_eq!(out["profile"], "p");
    assert_eq!(out["old_certificate_id"], old.as_str());
    assert_ne!(new, old);
    assert_eq!(out["revoked"], true);
    let key = PathBuf::from(out["key"].as_str().unwrap());
    let cert = PathBuf::from(out["certificate"].as_str().unwrap());
    assert_eq!(key.parent(), r.m.private_key.parent(), "beside the old key");
    assert_ne!(key, r.m.private_key);
    assert_eq!(netsuite_test::file_mode(&key) & 0o777, 0o600);
    assert_eq!(std::fs::read(&r.m.private_key).unwrap(), old_key);
    let info = netsuite_auth::cert::inspect(
        &std::fs::read(&cert).unwrap(),
        time::OffsetDateTime::now_utc(),
    )
    .unwrap();
    assert_eq!(info.validity_days, 365, "365 days by default");
    let until = time::OffsetDateTime::from_unix_timestamp(info.not_after).unwrap();
    let rfc3339 = time::format_description::well_known::Rfc3339;
    assert_eq!(out["valid_until"], until.format(&rfc3339).unwrap());

    // In NetSuite: the new certificate has the old mapping's role and entity; the old is revoked.
    let m = r.mapping(&new);
    assert!(!m.revoked);
    assert_eq!(
        (m.role, m.entity, m.key.as_str()),
        (ROLE, ENTITY, "EC P-256")
    );
    assert!(r.mapping(&old).revoked);
    // The profile switched, and its new credentials work; the old ones are refused.
    let p = r.profile();
    assert_eq!(p["certificate_id"], new.as_str());
    assert_eq!(p["private_key"], key.to_str().unwrap());
    assert_eq!(p["certificate"], cert.to_str().unwrap());
    r.env.ok(&["auth", "token", "--profile", "p", "--fresh"]);
    common::add_m2m_profile(&r.env, "old", &r.m, &r.emu.base_url, &[]);
    r.env
        .fails(&["auth", "token", "--profile", "old"], 4, "invalid_grant");

    // cert list marks the profile's certificate.
    let list = json(&r.env.ok(&["cert", "list", "--profile", "p", "--json"]));
    let item = |id: &str| {
        list.as_array()
            .unwrap()
            .iter()
            .find(|c| c["certificate_id"] == id)
            .cloned()
            .unwrap()
    };
    assert_eq!(item(&new)["status"], "ACTIVE");
    assert_eq!(item(&new)["current"], true);
    assert_eq!(item(&old)["status"], "REVOKED");
    let text = r.env.ok(&["cert", "list", "--profile", "p"]);
    assert!(text.contains(&format!("* {new}")), "{text}");

    // --keep-old (and another key type): the previous certificate stays active.
    let kept = json(&r.env.ok(&[
        "cert",
        "rotate",
        "--profile",
        "p",
        "--keep-old",
        "--key-type",
        "rsa-3072",
        "--days",
        "30",
        "--json",
    ]));
    let newer = kept["new_certificate_id"].as_str().unwrap().to_owned();
    assert_eq!(kept["old_certificate_id"], new.as_str());
    assert_eq!(kept["revoked"], false);
    assert!(!r.mapping(&new).revoked);
    assert_eq!(r.mapping(&newer).key, "RSA 3072");
    assert_ne!(kept["key"], out["key"], "never over an earlier key");
    r.env.ok(&["auth", "token", "--profile", "p", "--fresh"]);

    // cert revoke: the kept one goes; the profile's own is refused.
    let revoked = json(
        &r.env
            .ok(&["cert", "revoke", &new, "--profile", "p", "--yes", "--json"]),
    );
    assert_eq!(revoked["status"], "REVOKED");
    assert!(r.mapping(&new).revoked);
    r.env.fails(
        &["cert", "revoke", &newer, "--profile", "p", "--yes"],
        2,
        "revoking it stops the profile",
    );
    r.env.fails(
        &["cert", "revoke", &new, "--profile", "p"],
        2,
        "not on a terminal",
    );
}

#[test]
fn upload_refused_leaves_everything_as_it_was() {
    let r = rig(false);
    // Four more active certificates: five in all, NetSuite's maximum.
    for _ in 0..4 {
        let c = netsuite_test::credential(KeyType::EcP256, time::OffsetDateTime::now_utc());
        r.emu
            .emulator
            .create_mapping(NewMapping::new(r.m.client_id.clone(), c.cert_pem))
            .unwrap();
    }
    let (config, files) = (r.config(), r.key_dir());
    let err = r.env.fails(
        &["cert", "rotate", "--profile", "p"],
        1,
        "active certificates",
    );
    contains_all(
        &err,
        &[
            "nothing was changed",
            &format!("still uses {}", r.m.certificate_id),
            "were deleted",
            "netsuite cert revoke ID --profile p",
        ],
    );
    assert_eq!(r.config(), config);
    assert_eq!(r.key_dir(), files, "the new key and certificate are gone");
    assert_eq!(r.active(), 5);

    // A profile whose token lacks rest_webservices cannot even list: no file is written.
    common::add_m2m_profile(&r.env, "r", &r.m, &r.emu.base_url, &["--scope", "restlets"]);
    let config = r.config();
    let err = r.env.fails(
        &["cert", "rotate", "--profile", "r"],
        1,
        "could not list the integration's certificates",
    );
    contains_all(
        &err,
        &["nothing was changed", "rest_webservices", "--manual"],
    );
    assert_eq!(r.config(), config);
    assert_eq!(r.key_dir(), files);
}

#[test]
fn refused_proof_leaves_the_profile_and_says_what_exists() {
    let r = rig(false);
    let (config, old) = (r.config(), r.m.certificate_id.clone());
    r.slow_tokens();
    let child = r.spawn(&["cert", "rotate", "--profile", "p"]);
    // Uploaded; the proof's token request waits: an administrator revokes the new one.
    let new = wait_for("the upload", || r.new_mapping());
    r.emu
        .emulator
        .revoke_mapping(&new, Some(&r.m.client_id))
        .unwrap();
    let (stdout, err) = failed(child, 1);
    assert!(stdout.is_empty());
    contains_all(
        &err,
        &[
            &format!("the new certificate {new} is uploaded"),
            "a token with it was refused",
            &format!("still uses {old}"),
            &format!("netsuite cert revoke {new} --profile p"),
            &format!("netsuite profile set p --certificate-id {new} --private-key "),
        ],
    );
    assert_eq!(r.config(), config);
    assert!(!r.mapping(&old).revoked);
    let new_key = r
        .key_dir()
        .into_iter()
        .find(|f| {
            f.file_name()
                .unwrap()
                .to_str()
                .unwrap()
                .starts_with("private-key-")
        })
        .expect("the new key is kept");
    assert!(err.contains(new_key.to_str().unwrap()), "{err}");
    r.env.ok(&["auth", "token", "--profile", "p", "--fresh"]);
}

#[test]
fn failed_switch_leaves_the_profile_and_both_certificates_active() {
    let r = rig(false);
    let (config, old) = (r.config(), r.m.certificate_id.clone());
    r.slow_tokens();
    let child = r.spawn(&["cert", "rotate", "--profile", "p"]);
    let new = wait_for("the upload", || r.new_mapping());
    // While the proof waits, the config directory becomes writable by others: the
    // switch refuses to trust (and write) it.
    let dir = r.env.config_dir();
    netsuite_test::set_file_mode(&dir, 0o777);
    let (_, err) = failed(child, 1);
    netsuite_test::set_file_mode(&dir, 0o700);
    contains_all(
        &err,
        &[
            &format!("the new certificate {new} works"),
            "could not be switched",
            &format!("still uses {old}, which is still active"),
            &format!("netsuite profile set p --certificate-id {new} --private-key "),
            &format!("netsuite cert revoke {old} --profile p"),
        ],
    );
    assert_eq!(r.config(), config);
    assert!(!r.mapping(&old).revoked && !r.mapping(&new).revoked);
    r.env.ok(&["auth", "token", "--profile", "p", "--fresh"]);
}

#[test]
fn failed_revoke_leaves_the_profile_switched_and_says_so() {
    let mut r = rig(true);
    let old = r.m.certificate_id.clone();
    r.slow_tokens();
    let child = r.spawn(&["cert", "rotate", "--profile", "p", "--json"]);
    let new = wait_for("the upload", || r.new_mapping());
    // Switched; the revoke's token request waits: NetSuite goes away.
    wait_for("the switch", || r.config().contains(&new).then_some(()));
    r.stop_server();
    let (stdout, err) = failed(child, 1);
    assert!(stdout.is_empty());
    contains_all(
        &err,
        &[
            &format!("profile \"p\" now uses the new certificate {new}"),
            &format!("the old certificate {old} could not be revoked"),
            "still active in NetSuite",
            &format!("netsuite cert revoke {old} --profile p"),
            "OAuth 2.0 Client Credentials (M2M) Setup",
        ],
    );
    assert_eq!(r.profile()["certificate_id"], new.as_str());
    assert!(!r.mapping(&old).revoked && !r.mapping(&new).revoked);
}

/// `--manual`: the UI steps name the certificate file; the id is piped in.
#[test]
fn manual_rotation_reads_the_id_from_stdin() {
    let r = rig(false);
    let old = r.m.certificate_id.clone();
    let mut child = r
        .env
        .cmd()
        .args(["cert", "rotate", "--profile", "p", "--manual", "--json"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut seen = String::new();
    let cert = upload_step(&mut stderr, &mut seen);
    contains_all(
        &seen,
        &[
            "OAuth 2.0 Client Credentials (M2M) Setup > Create New",
            &old,
            &r.m.client_id,
        ],
    );
    let mapped = r.map_in_ui(&cert);
    writeln!(child.stdin.take().unwrap(), "{}", mapped.certificate_id).unwrap();
    let mut rest = String::new();
    stderr.read_to_string(&mut rest).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{seen}{rest}");
    let v = json(&String::from_utf8_lossy(&out.stdout));
    assert_eq!(v["new_certificate_id"], mapped.certificate_id.as_str());
    assert_eq!(v["certificate"], cert.to_str().unwrap());
    assert_eq!(v["revoked"], true, "the API revoked the old one");
    assert!(r.mapping(&old).revoked);
    assert_eq!(
        r.profile()["certificate_id"],
        mapped.certificate_id.as_str()
    );
    r.env.ok(&["auth", "token", "--profile", "p"]);

    // An id NetSuite does not know: refused, the profile unchanged.
    let config = r.config();
    let mut wrong = r
        .env
        .cmd()
        .args(["cert", "rotate", "--profile", "p", "--manual"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    writeln!(wrong.stdin.take().unwrap(), "not-a-certificate-id").unwrap();
    let (_, err) = failed(wrong, 1);
    contains_all(
        &err,
        &[
            "NetSuite refused a token with the certificate id not-a-certificate-id",
            "check the id on the M2M setup page",
        ],
    );
    assert_eq!(r.config(), config);

    // Nothing on stdin: refused, the profile unchanged, the files named.
    let err = r.env.fails(
        &["cert", "rotate", "--profile", "p", "--manual"],
        2,
        "no certificate id was given on stdin",
    );
    contains_all(
        &err,
        &[
            "the new key is ",
            "netsuite profile set p --certificate-id ID",
        ],
    );
    assert_eq!(r.config(), config);
}

/// On a terminal, `--manual` prompts for the id, and `cert revoke` asks first.
#[test]
fn manual_rotation_on_a_terminal_prompts_and_revoke_asks() {
    let r = rig(false);
    let old = r.m.certificate_id.clone();
    let mut child = r
        .env
        .on_tty("cert rotate --profile p --manual --keep-old")
        .spawn()
        .expect("script (util-linux) is installed");
    let mut tty = BufReader::new(child.stdout.take().unwrap());
    let mut seen = String::new();
    let mapped = r.map_in_ui(&upload_step(&mut tty, &mut seen));
    let mut stdin = child.stdin.take().unwrap();
    writeln!(stdin, "{}", mapped.certificate_id).unwrap();
    tty.read_to_string(&mut seen).unwrap();
    assert!(child.wait().unwrap().success(), "{seen}");
    contains_all(
        &seen,
        &[
            "new certificate id: ",
            &format!("profile p now uses certificate {}", mapped.certificate_id),
            "(still active;",
        ],
    );
    assert!(!r.mapping(&old).revoked, "--keep-old");

    let mut child = r
        .env
        .on_tty(&format!("cert revoke {old} --profile p"))
        .spawn()
        .unwrap();
    writeln!(child.stdin.take().unwrap(), "y").unwrap();
    let out = child.wait_with_output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    contains_all(&text, &[&format!("revoke the certificate {old}"), "[y/N]"]);
    assert!(r.mapping(&old).revoked);
}
