//! Issue 12, the everyday CLI: where the emulator keeps its data, profiles you can
//! switch and edit, all through the built binary.

mod common;

use common::Env;

/// The emulator's default data directory is under the XDG data directory
/// (`$XDG_DATA_HOME/netsuite/emulator`, else `~/.local/share/netsuite/emulator`), not
/// in the config directory.
#[cfg(all(feature = "emulator", target_os = "linux"))]
#[test]
fn emulator_data_lives_in_the_xdg_data_directory() {
    let env = Env::new();
    let create = ["emulator", "integration", "create", "--name", "x", "--m2m"];
    env.ok(&create);
    assert!(env.path(".local/share/netsuite/emulator").is_dir());
    assert!(!env.config_dir().join("emulator").exists());

    let xdg = env.path("xdg-data");
    let out = env
        .cmd()
        .env("XDG_DATA_HOME", &xdg)
        .args(["emulator", "integration", "list", "--json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    // A fresh data directory: no integration yet, and it is the XDG one.
    assert_eq!(
        common::json(&String::from_utf8_lossy(&out.stdout)),
        serde_json::json!([])
    );
    assert!(xdg.join("netsuite/emulator").is_dir());
}

/// Runs `netsuite ARGS` with `stdin` piped in; returns (exit code, stdout, stderr).
fn run_with_stdin(env: &Env, args: &[&str], stdin: &str) -> (Option<i32>, String, String) {
    use std::io::Write;
    let mut child = env
        .cmd()
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Runs `netsuite ARGS` on a pseudo-terminal (util-linux `script`) answering `answer`.
fn run_on_tty(env: &Env, args: &str, answer: &str) -> (Option<i32>, String) {
    use std::io::Write;
    let mut child = env
        .on_tty(args)
        .spawn()
        .expect("script (util-linux) is installed");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(answer.as_bytes())
        .unwrap();
    let o = child.wait_with_output().unwrap();
    (
        o.status.code(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        ),
    )
}

fn profiles(env: &Env) -> serde_json::Value {
    common::json(&env.ok(&["profile", "list", "--json"]))
}

fn profile<'v>(list: &'v serde_json::Value, name: &str) -> &'v serde_json::Value {
    list.as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == name)
        .unwrap_or_else(|| panic!("no profile {name} in {list}"))
}

fn fake_token(env: &Env, name: &str) {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let t = netsuite_client::store::StoredToken::access_only(
        netsuite_auth::secret::AccessToken::new("header.payload.sig"),
        now + 3600,
        now,
        vec!["rest_webservices".into()],
        "creds".into(),
    );
    common::store(env).save(name, &t).unwrap();
}

/// Sets up `prod` (key read from stdin, so netsuite writes keys/prod.pem) and `other`.
fn two_profiles(env: &Env) {
    let cert = env.path("cert");
    env.ok(&[
        "cert",
        "new",
        "--key-type",
        "ec-p256",
        "--out",
        cert.to_str().unwrap(),
    ]);
    let key_path = cert.join("private-key.pem");
    let pem = std::fs::read_to_string(&key_path).unwrap();
    let add = |name: &str, key: &str| {
        [
            "profile",
            "add",
            name,
            "--account",
            "1234567",
            "--client-id",
            "cid",
            "--certificate-id",
            "kid",
            "--private-key",
            key,
        ]
        .map(str::to_owned)
    };
    let args = add("prod", "-");
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let (code, _, err) = run_with_stdin(env, &args, &pem);
    assert_eq!(code, Some(0), "{err}");
    let args = add("other", key_path.to_str().unwrap());
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    env.ok(&args);
}

/// `profile use`, `set` (drops tokens), `rename` (tokens and the key follow), `copy`
/// to a sandbox, `show` without a name, `list` with the token state.
#[test]
fn profiles_switch_edit_rename_copy() {
    let env = Env::new();
    two_profiles(&env);
    let list = profiles(&env);
    assert_eq!(profile(&list, "prod")["default"], true);
    assert_eq!(profile(&list, "prod")["token"], "none");

    env.ok(&["profile", "use", "other"]);
    let shown = common::json(&env.ok(&["profile", "show", "--json"]));
    assert_eq!(shown["name"], "other");
    assert_eq!(shown["secret_stored"], false);
    env.fails(&["profile", "use", "nope"], 2, "unknown profile");

    // A changed setting drops the cached token.
    fake_token(&env, "prod");
    let listed = profile(&profiles(&env), "prod")["token"].clone();
    assert!(
        listed.as_str().unwrap().starts_with("valid until "),
        "{listed}"
    );
    env.ok(&["profile", "set", "prod", "--scope", "restlets"]);
    assert!(common::store(&env).load("prod").unwrap().is_none());
    let list = profiles(&env);
    assert_eq!(
        profile(&list, "prod")["scopes"],
        serde_json::json!(["restlets"])
    );
    assert_eq!(
        profile(&list, "other")["default"],
        true,
        "set kept the default"
    );

    // Rename: the token and the key file netsuite wrote follow.
    fake_token(&env, "prod");
    env.ok(&["profile", "rename", "prod", "production"]);
    let keys = env.config_dir().join("keys");
    assert!(!keys.join("prod.pem").exists());
    assert!(keys.join("production.pem").exists());
    assert!(common::store(&env).load("production").unwrap().is_some());
    assert!(common::store(&env).load("prod").unwrap().is_none());
    let list = profiles(&env);
    assert_eq!(
        profile(&list, "production")["private_key"],
        keys.join("production.pem").display().to_string()
    );
    env.fails(
        &["profile", "rename", "production", "other"],
        1,
        "already exists",
    );

    // Copy to a sandbox; a suffix NetSuite does not use is refused.
    env.ok(&[
        "profile",
        "copy",
        "production",
        "sb",
        "--account",
        "1234567_sb1",
    ]);
    let list = profiles(&env);
    assert_eq!(profile(&list, "sb")["account"], "1234567_SB1");
    assert_eq!(profile(&list, "sb")["token"], "none");
    let err = env.fails(
        &[
            "profile",
            "copy",
            "production",
            "sb2",
            "--account",
            "1234567_SB",
        ],
        2,
        "suffix",
    );
    assert!(
        err.contains("1234567_SB1") && err.contains("TSTDRV"),
        "{err}"
    );
}

/// `profile remove`: refuses off a terminal without --yes, asks on one, deletes the
/// tokens and the key netsuite wrote, and leaves no default behind.
#[test]
fn profile_remove_asks_and_cleans_up() {
    let env = Env::new();
    two_profiles(&env);
    fake_token(&env, "prod");
    let key = env.config_dir().join("keys/prod.pem");
    env.fails(&["profile", "remove", "prod"], 2, "not on a terminal");
    assert!(key.exists());

    // On a terminal: "n" keeps it, "y" removes it.
    let (code, out) = run_on_tty(&env, "profile remove prod", "n\n");
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("[y/N]") && out.contains("cancelled"), "{out}");
    assert!(key.exists());
    let (code, out) = run_on_tty(&env, "profile remove prod", "y\n");
    assert_eq!(code, Some(0), "{out}");
    assert!(!key.exists(), "the key file netsuite wrote is deleted");
    assert!(!env.config_dir().join("tokens/prod.enc").exists());
    assert!(out.contains("no default profile"), "{out}");

    // No profile is promoted: commands that need one list the profiles.
    let list = profiles(&env);
    assert_eq!(profile(&list, "other")["default"], false);
    let err = env.fails(&["profile", "show"], 2, "no default profile");
    assert!(
        err.contains("other") && err.contains("profile use"),
        "{err}"
    );
    env.fails(&["auth", "token"], 2, "no default profile");

    // The key the user gave is never deleted.
    let user_key = env.path("cert/private-key.pem");
    env.ok(&["profile", "remove", "other", "--yes"]);
    assert!(user_key.exists());
    assert_eq!(profiles(&env), serde_json::json!([]));
}

/// `netsuite completion SHELL` for the five shells; bash's script parses.
#[test]
fn completion_scripts() {
    let env = Env::new();
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let script = env.ok(&["completion", shell]);
        assert!(
            script.contains("netsuite") && script.contains("profile") && script.contains("rename"),
            "{shell}: {}",
            &script[..script.len().min(300)]
        );
    }
    let bash = env.path("netsuite.bash");
    std::fs::write(&bash, env.ok(&["completion", "bash"])).unwrap();
    if let Ok(out) = std::process::Command::new("bash")
        .arg("-n")
        .arg(&bash)
        .output()
    {
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let other = env.run(&["completion", "tcsh"]);
    assert_eq!(other.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&other.stderr).contains("bash, elvish, fish, powershell, zsh"));
}

/// `netsuite man --out DIR` writes a page per command.
#[test]
fn man_pages() {
    let env = Env::new();
    let dir = env.path("man/man1");
    env.ok(&["man", "--out", dir.to_str().unwrap()]);
    let top = std::fs::read_to_string(dir.join("netsuite.1")).unwrap();
    assert!(
        top.contains(".TH netsuite 1"),
        "{}",
        &top[..200.min(top.len())]
    );
    let page = std::fs::read_to_string(dir.join("netsuite-profile-rename.1")).unwrap();
    assert!(
        page.contains("tokens, secret and imported key follow"),
        "{page}"
    );
    assert!(!dir.join("netsuite-help.1").exists());
}

/// `--version` names the commit (as `git rev-parse` says, when there is git) and the
/// build date.
#[test]
fn version_has_commit_and_date() {
    let env = Env::new();
    let v = env.ok(&["--version"]);
    let v = v.trim();
    let rest = v
        .strip_prefix(concat!("netsuite ", env!("CARGO_PKG_VERSION"), " (commit "))
        .unwrap_or_else(|| panic!("{v}"));
    let (commit, date) = rest.trim_end_matches(')').split_once(", built ").unwrap();
    assert!(
        commit == "unknown"
            || (commit.len() == 12 && commit.chars().all(|c| c.is_ascii_hexdigit())),
        "{v}"
    );
    let head = std::process::Command::new("git")
        .args(["rev-parse", "--short=12", "HEAD"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output();
    if let Some(out) = head.ok().filter(|o| o.status.success()) {
        assert_eq!(commit, String::from_utf8_lossy(&out.stdout).trim());
    }
    let d: Vec<&str> = date.split('-').collect();
    assert!(
        d.len() == 3 && d[0].len() == 4 && d[0] >= "2025" && d[1].len() == 2,
        "{v}"
    );
}

/// `--quiet` silences messages but not errors; `--color` decides the colour of errors.
#[test]
fn quiet_and_color() {
    let env = Env::new();
    two_profiles(&env);
    let loud = env.run(&["profile", "use", "other"]);
    assert!(String::from_utf8_lossy(&loud.stderr).contains("now the default"));
    let quiet = env.run(&["profile", "use", "prod", "--quiet"]);
    assert!(
        quiet.status.success() && quiet.stderr.is_empty(),
        "{quiet:?}"
    );
    assert_eq!(profile(&profiles(&env), "prod")["default"], true);
    env.fails(&["profile", "use", "nope", "-q"], 2, "unknown profile");

    let red = env.run(&["profile", "use", "nope", "--color", "always"]);
    assert!(
        String::from_utf8_lossy(&red.stderr).starts_with("\x1b[31merror"),
        "{red:?}"
    );
    for when in ["never", "auto"] {
        let plain = env.run(&["profile", "use", "nope", "--color", when]);
        assert!(
            String::from_utf8_lossy(&plain.stderr).starts_with("error: "),
            "{plain:?}"
        );
    }
}

/// An emulator on its own runtime and a client-credentials profile `p` for it.
fn emulator_profile() -> (Env, netsuite_test::TestEmulator, tokio::runtime::Runtime) {
    let (rt, emu) = netsuite_test::TestEmulator::start_blocking(|_| {});
    let m = emu.m2m(
        netsuite_auth::cert::KeyType::EcP256,
        &["rest_webservices", "restlets"],
    );
    let env = Env::new();
    env.ok(&[
        "profile",
        "add",
        "p",
        "--account",
        "1234567",
        "--client-id",
        &m.client_id,
        "--certificate-id",
        &m.certificate_id,
        "--private-key",
        m.private_key.to_str().unwrap(),
        "--base-url",
        &emu.base_url,
    ]);
    (env, emu, rt)
}

/// The write commands' `--json` contract and the deduplicated idempotent create.
#[test]
fn record_writes_print_id_location_deduplicated() {
    let (env, emu, _rt) = emulator_profile();
    let data = r#"{"companyName":"Contract Ltd","subsidiary":{"id":"1"}}"#;
    let created =
        common::json(&env.ok(&["record", "create", "customer", "--data", data, "--json"]));
    let id = created["id"].as_str().unwrap().to_owned();
    assert_eq!(created["deduplicated"], false);
    assert_eq!(
        created["location"],
        format!("{}/services/rest/record/v1/customer/{id}", emu.base_url)
    );

    let key = ["--idempotency-key", "9b2f0c1e-0000-4000-8000-000000000001"];
    let mut args = vec!["record", "create", "customer", "--data", data, "--json"];
    args.extend(key);
    let first = common::json(&env.ok(&args));
    assert_eq!(first["deduplicated"], false);
    let again = env.run(&args);
    assert!(again.status.success(), "{again:?}");
    let again_json = common::json(&String::from_utf8_lossy(&again.stdout));
    assert_eq!(again_json["deduplicated"], true);
    assert_eq!(again_json["id"], first["id"]);
    let msg = String::from_utf8_lossy(&again.stderr);
    assert!(
        msg.contains("deduplicated") && msg.contains(first["id"].as_str().unwrap()),
        "{msg}"
    );
    // Without --json: the original id on stdout, the note on stderr.
    let plain = env.run(&args[..5].iter().chain(&key).copied().collect::<Vec<_>>());
    assert_eq!(
        String::from_utf8_lossy(&plain.stdout).trim(),
        first["id"].as_str().unwrap()
    );
    assert!(String::from_utf8_lossy(&plain.stderr).contains("deduplicated"));

    let updated = common::json(&env.ok(&[
        "record",
        "update",
        "customer",
        &id,
        "--data",
        r#"{"phone":"555"}"#,
        "--json",
    ]));
    assert_eq!(updated["id"], id.as_str());
    let upserted = common::json(&env.ok(&[
        "record",
        "upsert",
        "customer",
        "eid:CONTRACT-1",
        "--data",
        data,
        "--json",
    ]));
    assert!(
        upserted["location"]
            .as_str()
            .unwrap()
            .contains("/customer/"),
        "{upserted}"
    );
    let deleted = common::json(&env.ok(&["record", "delete", "customer", &id, "--yes", "--json"]));
    assert_eq!(deleted["id"], id.as_str());
    assert_eq!(deleted["deduplicated"], false);
    env.fails(&["record", "get", "customer", &id], 1, "");
}

/// `--dry-run` prints the request with the token masked and sends nothing; `record
/// delete` refuses off a terminal without --yes and asks on one.
#[test]
fn dry_run_and_delete_confirmation() {
    let (env, emu, _rt) = emulator_profile();
    let data = r#"{"companyName":"Dry Ltd","subsidiary":{"id":"1"}}"#;
    let out = env.ok(&[
        "record",
        "upsert",
        "customer",
        "eid:DRY-1",
        "--data",
        data,
        "--dry-run",
    ]);
    let url = format!(
        "{}/services/rest/record/v1/customer/eid:DRY-1",
        emu.base_url
    );
    assert!(out.starts_with(&format!("PUT {url}\n")), "{out}");
    assert!(
        out.contains("Authorization: Bearer ****** (masked)"),
        "{out}"
    );
    assert!(out.contains("\"companyName\": \"Dry Ltd\""), "{out}");
    assert!(!out.contains("eyJ"), "no token: {out}");
    env.fails(&["record", "get", "customer", "eid:DRY-1"], 1, "");

    let out = env.ok(&[
        "record",
        "create",
        "customer",
        "--data",
        data,
        "--idempotency-key",
        "k-dry",
        "--dry-run",
    ]);
    assert!(
        out.contains("X-NetSuite-Idempotency-Key: k-dry") && out.contains("Prefer: respond-async"),
        "{out}"
    );

    let out = env.ok(&[
        "api",
        "POST",
        "/services/rest/query/v1/suiteql",
        "-H",
        "Prefer: transient",
        "--data",
        r#"{"q":"SELECT id FROM customer"}"#,
        "--dry-run",
    ]);
    assert!(
        out.starts_with("POST ") && out.contains("Prefer: transient"),
        "{out}"
    );
    assert!(
        out.contains("Bearer ******") && !out.contains("eyJ"),
        "{out}"
    );

    let id = env.ok(&["record", "create", "customer", "--data", data]);
    let id = id.trim();
    let out = env.ok(&["record", "delete", "customer", id, "--dry-run"]);
    assert!(out.starts_with("DELETE "), "{out}");
    env.fails(
        &["record", "delete", "customer", id],
        2,
        "not on a terminal",
    );
    env.ok(&["record", "get", "customer", id]);
    let (code, text) = run_on_tty(&env, &format!("record delete customer {id}"), "n\n");
    assert_eq!(code, Some(1), "{text}");
    env.ok(&["record", "get", "customer", id]);
    let (code, text) = run_on_tty(&env, &format!("record delete customer {id}"), "y\n");
    assert_eq!(code, Some(0), "{text}");
    assert!(text.contains(&format!("deleted customer {id}")), "{text}");
    env.fails(&["record", "get", "customer", id], 1, "");
}

/// `record types`, `record describe TYPE [--json]` from the metadata catalog, and
/// "did you mean" for a record type the account does not have.
#[test]
fn record_types_describe_and_did_you_mean() {
    let (env, _emu, _rt) = emulator_profile();
    let names = env.ok(&["record", "types"]);
    let names: Vec<&str> = names.lines().collect();
    assert!(
        names.contains(&"customer") && names.contains(&"salesorder"),
        "{names:?}"
    );
    let as_json = common::json(&env.ok(&["record", "types", "--json"]));
    assert_eq!(
        as_json,
        common::json(&env.ok(&["record", "types", "--format", "json"]))
    );
    assert!(
        as_json
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["name"] == "customer")
    );
    let listed = common::json(&env.ok(&["record", "list", "customer", "--limit", "2", "--json"]));
    assert_eq!(listed.as_array().unwrap().len(), 2);
    assert_eq!(
        listed,
        common::json(&env.ok(&[
            "record", "list", "customer", "--limit", "2", "--format", "json"
        ]))
    );

    let d = common::json(&env.ok(&["record", "describe", "customer", "--json"]));
    let fields = d["fields"].as_array().unwrap();
    let field = |n: &str| {
        fields
            .iter()
            .find(|f| f["name"] == n)
            .unwrap_or_else(|| panic!("no {n} in {d}"))
    };
    assert_eq!(field("companyName")["required"], true);
    assert_eq!(field("id")["read_only"], true);
    assert_eq!(field("id")["type"], "string");
    assert_eq!(field("subsidiary")["type"], "reference to subsidiary");
    let table = env.ok(&["record", "describe", "customer"]);
    assert!(
        table
            .lines()
            .any(|l| l.contains("companyName") && l.contains("true")),
        "{table}"
    );

    // Exit 1, as NetSuite's own "record type does not exist" was before.
    let err = env.fails(&["record", "describe", "custmer"], 1, "unknown record type");
    assert!(err.contains("did you mean customer?"), "{err}");
    let err = env.fails(
        &["record", "get", "salesordr", "304"],
        1,
        "unknown record type",
    );
    assert!(err.contains("did you mean salesorder"), "{err}");
}

/// `cert new`, `profile add`, `profile remove` and `auth logout` print what they did
/// with `--json`; list commands take `--json` and `--format json` alike.
#[test]
fn json_output_contract() {
    let env = Env::new();
    let dir = env.path("c");
    let made = common::json(&env.ok(&[
        "cert",
        "new",
        "--key-type",
        "ec-p256",
        "--out",
        dir.to_str().unwrap(),
        "--json",
    ]));
    assert_eq!(made["algorithm"], "ES256");
    let key = made["private_key"].as_str().unwrap().to_owned();
    assert!(std::path::Path::new(&key).exists());
    assert!(std::path::Path::new(made["certificate"].as_str().unwrap()).exists());

    let added = common::json(&env.ok(&[
        "profile",
        "add",
        "j",
        "--account",
        "1234567",
        "--client-id",
        "cid",
        "--certificate-id",
        "kid",
        "--private-key",
        &key,
        "--json",
    ]));
    assert_eq!(added["name"], "j");
    assert_eq!(added["default"], true);
    assert_eq!(
        common::json(&env.ok(&["profile", "list", "--json"])),
        common::json(&env.ok(&["profile", "list", "--format", "json"]))
    );
    let out = common::json(&env.ok(&["auth", "logout", "--json"]));
    assert_eq!(
        out,
        serde_json::json!({"profile": "j", "revoked": false, "deleted": false})
    );
    let removed = common::json(&env.ok(&["profile", "remove", "j", "--yes", "--json"]));
    assert_eq!(removed["removed"], "j");
    assert_eq!(removed["was_default"], true);
    assert_eq!(
        removed["key_file_deleted"],
        serde_json::Value::Null,
        "the user's key stays"
    );
}

/// `cert inspect` exits 1 when NetSuite would refuse a key or the pair does not
/// belong together, and warns at 30 days or fewer; a profile records its certificate
/// and `profile list` and `auth status` show its days left / warn.
#[test]
fn certificates_that_never_expire_by_surprise() {
    let env = Env::new();
    let dir = |n: &str| env.path(n).display().to_string();
    let made = env.ok(&["cert", "new", "--out", &dir("a")]);
    assert!(made.contains("certificate.pem"));
    let new_out = env.run(&["cert", "new", "--days", "10", "--out", &dir("short")]);
    assert!(
        String::from_utf8_lossy(&new_out.stderr)
            .contains(&format!("--certificate {}/certificate.pem", dir("short"))),
        "cert new prints the profile add line with --certificate"
    );
    let (a_key, a_cert) = (
        format!("{}/private-key.pem", dir("a")),
        format!("{}/certificate.pem", dir("a")),
    );
    let (s_key, s_cert) = (
        format!("{}/private-key.pem", dir("short")),
        format!("{}/certificate.pem", dir("short")),
    );

    // Fine: exit 0, no warning.
    let ok = env.run(&["cert", "inspect", &a_cert, &a_key]);
    assert_eq!(ok.status.code(), Some(0));
    assert!(!String::from_utf8_lossy(&ok.stderr).contains("warning"));
    // 10 days left: exit 0 with a warning.
    let soon = env.run(&["cert", "inspect", &s_cert]);
    assert_eq!(soon.status.code(), Some(0));
    let err = String::from_utf8_lossy(&soon.stderr);
    assert!(
        err.contains("warning:") && err.contains("expires in"),
        "{err}"
    );
    // Not a pair: exit 1, after the report.
    let mismatch = env.run(&["cert", "inspect", &a_cert, &s_key]);
    assert_eq!(mismatch.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&mismatch.stdout).contains("DO NOT belong together"));
    assert!(
        String::from_utf8_lossy(&mismatch.stderr)
            .contains("error: the private key and the certificate do not belong together")
    );
    // An RSA-2048 key: exit 1.
    let weak = env.path("rsa2048.pem");
    let made_weak = std::process::Command::new("openssl")
        .args([
            "genpkey",
            "-algorithm",
            "RSA",
            "-pkeyopt",
            "rsa_keygen_bits:2048",
            "-out",
        ])
        .arg(&weak)
        .output()
        .expect("openssl is installed");
    assert!(made_weak.status.success());
    let refused = env.run(&["cert", "inspect", weak.to_str().unwrap(), "--json"]);
    assert_eq!(refused.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("NetSuite would refuse"));

    // Profiles record their certificate; a mismatched one is refused.
    let add = |name: &str, key: &str, cert: &str| {
        env.run(&[
            "profile",
            "add",
            name,
            "--account",
            "1234567",
            "--client-id",
            "cid",
            "--certificate-id",
            "kid",
            "--private-key",
            key,
            "--certificate",
            cert,
        ])
    };
    assert_eq!(add("bad", &a_key, &s_cert).status.code(), Some(2));
    assert!(add("long", &a_key, &a_cert).status.success());
    assert!(add("short", &s_key, &s_cert).status.success());
    let list = env.run(&["profile", "list", "--json"]);
    let v = common::json(&String::from_utf8_lossy(&list.stdout));
    let days = |n: &str| profile(&v, n)["certificate_days_left"].as_i64().unwrap();
    assert!(
        days("long") >= 364 && (9..=10).contains(&days("short")),
        "{v}"
    );
    let warned = String::from_utf8_lossy(&list.stderr);
    assert!(
        warned.contains("profile \"short\"") && !warned.contains("profile \"long\""),
        "{warned}"
    );
    let status = env.run(&["auth", "status", "--profile", "short"]);
    assert!(
        String::from_utf8_lossy(&status.stderr).contains("expires in"),
        "{status:?}"
    );
    // set --certificate records another one.
    env.ok(&[
        "profile",
        "set",
        "short",
        "--private-key",
        &a_key,
        "--certificate",
        &a_cert,
    ]);
    let v = profiles(&env);
    assert!(
        profile(&v, "short")["certificate_days_left"]
            .as_i64()
            .unwrap()
            >= 364
    );
}

/// Runs lines the demo printed (`netsuite ...`, `export ...`) through `sh`, with the
/// built binary first on PATH as `netsuite` and the test's clean environment.
#[cfg(feature = "emulator")]
fn sh(env: &Env, script: &str) -> std::process::Command {
    let bin = std::path::Path::new(env!("CARGO_BIN_EXE_netsuite"));
    let path = std::env::join_paths(std::iter::once(bin.parent().unwrap().to_path_buf()).chain(
        std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()),
    ))
    .unwrap();
    let mut c = std::process::Command::new("sh");
    c.env_clear()
        .env("PATH", path)
        .env("HOME", env.home.path())
        .env("NO_COLOR", "1")
        .env("NETSUITE_KEYRING", "off")
        .stdin(std::process::Stdio::null())
        .arg("-c")
        .arg(script);
    c
}

/// `netsuite demo` leaves nothing behind and says how to continue; `--keep DIR` keeps
/// the configuration and the emulator's data, and the commands it prints work: the
/// emulator served again from the kept data issues a fresh token to the kept profile.
#[cfg(feature = "emulator")]
#[test]
fn demo_keep_leaves_a_config_and_data_to_continue_from() {
    let env = Env::new();
    let tmp = env.path("tmp");
    std::fs::create_dir(&tmp).unwrap();
    let out = env.cmd().env("TMPDIR", &tmp).arg("demo").output().unwrap();
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("netsuite demo --keep "), "{stderr}");
    assert_eq!(std::fs::read_dir(&tmp).unwrap().count(), 0, "left behind");
    assert!(
        !env.config_dir().exists(),
        "the demo wrote the user's config"
    );

    let kept = env.path("kept demo");
    let out = env.run(&["demo", "--keep", kept.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "{stderr}");
    assert!(kept.join("config").is_dir() && kept.join("emulator").is_dir());
    assert!(
        !env.config_dir().exists(),
        "the demo wrote the user's config"
    );
    let line = |start: &str| -> String {
        let l = stderr.lines().map(str::trim).find(|l| l.starts_with(start));
        l.unwrap_or_else(|| panic!("no {start:?} line: {stderr}"))
            .to_owned()
    };
    let serve = line("netsuite emulator serve ");
    let export = line("export NETSUITE_CONFIG_DIR=");
    assert!(
        serve.contains("'"),
        "a path with a space is quoted: {serve}"
    );

    // A second --keep into the same directory is refused; the kept files stay.
    env.fails(&["demo", "--keep", kept.to_str().unwrap()], 2, "not empty");

    let ready = env.path("kept.url");
    // Served with another account date format (and a user's own, for another entity).
    let mut server = sh(
        &env,
        &format!(
            "exec {serve} --ready-file {} --date-format D-Mon-YYYY --user-date-format 99=DD.MM.YYYY",
            ready.display()
        ),
    )
    .stdout(std::process::Stdio::null())
    .stderr(std::process::Stdio::null())
    .spawn()
    .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while !std::fs::read_to_string(&ready).is_ok_and(|s| s.ends_with('\n')) {
        assert!(
            std::time::Instant::now() < deadline,
            "the kept emulator did not start"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let token = sh(&env, &format!("{export}\n{}", line("netsuite auth token ")))
        .output()
        .unwrap();
    let order = sh(&env, &format!("{export}\n{}", line("netsuite record get ")))
        .output()
        .unwrap();
    let dates = sh(
        &env,
        &format!(
            "{export}\nnetsuite suiteql --profile demo \"SELECT trandate, TO_CHAR(trandate, 'YYYY-MM-DD') AS iso FROM transaction WHERE id = 304\""
        ),
    )
    .output()
    .unwrap();
    let _ = server.kill();
    let _ = server.wait();
    assert!(
        dates.status.success(),
        "{}",
        String::from_utf8_lossy(&dates.stderr)
    );
    let row = &common::json(&String::from_utf8(dates.stdout).unwrap())[0];
    let iso = row["iso"].as_str().unwrap();
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let month: usize = iso[5..7].parse().unwrap();
    let day: u32 = iso[8..10].parse().unwrap();
    assert_eq!(
        row["trandate"],
        format!("{day}-{}-{}", MONTHS[month - 1], &iso[..4])
    );
    assert!(
        token.status.success(),
        "{}",
        String::from_utf8_lossy(&token.stderr)
    );
    assert_eq!(
        String::from_utf8(token.stdout)
            .unwrap()
            .trim()
            .split('.')
            .count(),
        3
    );
    assert!(
        order.status.success(),
        "{}",
        String::from_utf8_lossy(&order.stderr)
    );
    assert_eq!(
        common::json(&String::from_utf8(order.stdout).unwrap())["tranId"],
        "SO304"
    );
}

/// The README's "Try it against the emulator" block, as a shell script: continuation
/// lines joined, free ports for 8787 and 53682, the emulator started with a ready file,
/// and each placeholder (`<CLIENT_ID>`, ...) filled from the `--json` output of the
/// command that prints it.
#[cfg(feature = "emulator")]
fn readme_try_it_script(ports: (u16, u16)) -> String {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../README.md"))
        .expect("README.md");
    let section = &readme[readme
        .find("## Try it against the emulator")
        .expect("the README has the section")..];
    let block = &section[section.find("```sh\n").expect("a sh block") + 6..];
    let block = block[..block.find("```").unwrap()].replace("\\\n", " ");
    let mut script = String::from(
        "set -e\njson() { printf %s \"$2\" | sed -n \"s/.*\\\"$1\\\": *\\\"\\([^\\\"]*\\)\\\".*/\\1/p\"; }\n\
         trap '[ -s pid ] && kill $(cat pid)' EXIT\n",
    );
    for line in block.lines() {
        let line = line
            .replace("127.0.0.1:8787", &format!("127.0.0.1:{}", ports.0))
            .replace("127.0.0.1:53682", &format!("127.0.0.1:{}", ports.1))
            .replace("'<CLIENT_SECRET>'", "\"$CLIENT_SECRET\"")
            .replace("<CLIENT_ID>", "$CLIENT_ID")
            .replace("<CERTIFICATE_ID>", "$CERTIFICATE_ID");
        let command = line.split(" #").next().unwrap().trim_end();
        if let Some(serve) = command.strip_suffix(" &") {
            script += &format!(
                "{serve} --ready-file ready >/dev/null 2>&1 & echo $! > pid\n\
                 while [ ! -s ready ]; do sleep 0.05; done\n"
            );
        } else if command.contains("integration create") {
            script += &format!(
                "J=$({command} --json); CLIENT_ID=$(json client_id \"$J\"); \
                 CLIENT_SECRET=$(json client_secret \"$J\")\n"
            );
        } else if command.contains("mapping create") {
            script += &format!("CERTIFICATE_ID=$(json certificate_id \"$({command} --json)\")\n");
        } else {
            script += &line;
            script.push('\n');
        }
    }
    script
}

/// Every command of the README's "Try it against the emulator" runs as written: the
/// seed 000 token and record, the seed 004 login (a browser that follows the redirect),
/// status, record and logout.
#[cfg(feature = "emulator")]
#[test]
fn readme_try_it_against_the_emulator_runs() {
    let env = Env::new();
    let ports = (netsuite_test::free_port(), netsuite_test::free_port());
    let script = readme_try_it_script(ports);
    assert!(
        script.contains("netsuite auth login --profile me"),
        "{script}"
    );
    let browser = env.path("browser.sh");
    std::fs::write(
        &browser,
        "#!/bin/sh\nexec curl -sS -L -o /dev/null --max-time 20 \"$1\"\n",
    )
    .unwrap();
    netsuite_test::set_file_mode(&browser, 0o755);
    let out = sh(&env, &script)
        .current_dir(env.home.path())
        .env("BROWSER", &browser)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "{script}\nstdout: {stdout}\nstderr: {stderr}"
    );
    assert_eq!(
        stdout.matches("\"tranId\": \"SO304\"").count(),
        2,
        "{stdout}"
    );
    assert!(
        stdout
            .lines()
            .any(|l| l.starts_with("eyJ") && l.split('.').count() == 3)
    );
    assert!(stderr.contains("logged in: profile \"me\""), "{stderr}");
    assert!(stdout.contains("entity") && stderr.contains("revoked the refresh token"));
}

/// `--profile` is offered by the commands that use a profile, and only by them: one
/// given to any other command is refused rather than silently ignored (issue 12 item 3).
#[test]
fn profile_flag_only_where_a_profile_is_used() {
    let env = Env::new();
    two_profiles(&env);
    for (args, offered) in [
        (&["auth", "token", "--help"][..], true),
        (&["record", "get", "--help"], true),
        (&["suiteql", "--help"], true),
        (&["mcp", "serve", "--help"], true),
        (&["profile", "show", "--help"], true),
        (&["cert", "new", "--help"], false),
        (&["emulator", "serve", "--help"], false),
        (&["profile", "add", "--help"], false),
        (&["completion", "--help"], false),
        (&["--help"], false),
    ] {
        let help = env.ok(args);
        assert_eq!(help.contains("--profile"), offered, "{args:?}:\n{help}");
    }
    // After the command or before it, the same profile.
    for args in [
        &["profile", "show", "--profile", "other", "--json"][..],
        &["--profile", "other", "profile", "show", "--json"],
    ] {
        assert_eq!(common::json(&env.ok(args))["name"], "other", "{args:?}");
    }
    // The environment picks it too, and the flag wins over the environment.
    let out = env
        .cmd()
        .env("NETSUITE_PROFILE", "other")
        .args(["profile", "show", "--json"])
        .output()
        .unwrap();
    assert_eq!(
        common::json(&String::from_utf8_lossy(&out.stdout))["name"],
        "other"
    );
    let out = env
        .cmd()
        .env("NETSUITE_PROFILE", "other")
        .args(["--profile", "prod", "profile", "show", "--json"])
        .output()
        .unwrap();
    assert_eq!(
        common::json(&String::from_utf8_lossy(&out.stdout))["name"],
        "prod"
    );
    // Refused where it would do nothing; the environment variable is not an error there.
    let err = env.fails(
        &["--profile", "prod", "completion", "bash"],
        2,
        "uses no profile",
    );
    assert!(err.contains("`netsuite completion`"), "{err}");
    let out = env.run(&["cert", "new", "--profile", "prod", "--out", "x"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unexpected argument '--profile'"));
    let out = env
        .cmd()
        .env("NETSUITE_PROFILE", "prod")
        .args(["completion", "bash"])
        .output()
        .unwrap();
    assert!(out.status.success());
}
