//! Unattended use against the emulator: environment-only configuration with a config
//! directory that cannot be written (both grants, a ready access token), tokens
//! marked dead once NetSuite refuses them (exit 4), the hints for each refusal,
//! `--verbose` traces without secrets, `profile add --private-key -`, and `doctor`.

#![cfg(feature = "emulator")] // needs `netsuite emulator serve` (the default build)

mod common;

use std::io::Write;
use std::process::{Output, Stdio};

use common::{
    Env, REDIRECT, Server, auth_code_tokens, canned_server, integration_and_mapping, json,
};

/// A config directory nobody can create (not even root): a path under a regular file.
fn unwritable(env: &Env) -> String {
    let file = env.path("not-a-directory");
    std::fs::write(&file, "x").unwrap();
    file.join("config").display().to_string()
}

/// Runs with the test environment plus `vars`.
fn run_with(env: &Env, vars: &[(&str, &str)], args: &[&str]) -> Output {
    let mut c = env.cmd();
    for (k, v) in vars {
        c.env(k, v);
    }
    c.args(args).output().unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Asserts success and returns stdout.
fn ok_with(env: &Env, vars: &[(&str, &str)], args: &[&str]) -> String {
    let o = run_with(env, vars, args);
    assert!(
        o.status.success(),
        "{args:?} failed ({:?}): {}",
        o.status.code(),
        stderr(&o)
    );
    stdout(&o)
}

/// Asserts exit `code` with an error naming `cause` and a hint; returns stderr.
fn fails_with(env: &Env, vars: &[(&str, &str)], args: &[&str], code: i32, cause: &str) -> String {
    let o = run_with(env, vars, args);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(code), "{args:?}: {err}");
    assert!(
        o.stdout.is_empty(),
        "{args:?} printed on stdout: {}",
        stdout(&o)
    );
    assert!(err.contains(cause), "{args:?}: no {cause:?} in {err}");
    assert!(err.contains("\nhint: "), "{args:?}: no hint in {err}");
    err
}

struct M2m {
    env: Env,
    server: Server,
    client_id: String,
    certificate_id: String,
    key: String,
    pem: String,
}

fn m2m() -> M2m {
    let env = Env::new();
    let cert = env.path("cert");
    env.ok(&["cert", "new", "--out", cert.to_str().unwrap()]);
    let server = Server::start(&env, &[]);
    let (client_id, certificate_id) =
        integration_and_mapping(&env, &server, &cert.join("certificate.pem"));
    let key = cert.join("private-key.pem").display().to_string();
    let pem = std::fs::read_to_string(&key).unwrap();
    M2m {
        env,
        server,
        client_id,
        certificate_id,
        key,
        pem,
    }
}

#[test]
fn environment_only_client_credentials_with_an_unwritable_config_dir() {
    let m = m2m();
    let env = &m.env;
    let config = unwritable(env);
    // As a CI secret often arrives: the PEM with literal \n.
    let flat = m.pem.trim_end().replace('\n', "\\n");
    let vars = [
        ("NETSUITE_CONFIG_DIR", config.as_str()),
        ("NETSUITE_ACCOUNT", "1234567"),
        ("NETSUITE_CLIENT_ID", m.client_id.as_str()),
        ("NETSUITE_CERTIFICATE_ID", m.certificate_id.as_str()),
        ("NETSUITE_PRIVATE_KEY", flat.as_str()),
        ("NETSUITE_BASE_URL", m.server.base_url.as_str()),
        ("NETSUITE_SCOPE", "rest_webservices,restlets"),
    ];
    let o = run_with(env, &vars, &["auth", "token"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stdout(&o).trim().split('.').count(), 3);
    assert!(
        !stderr(&o).contains("warning"),
        "NETSUITE_KEYRING=off warns nothing: {}",
        stderr(&o)
    );
    let order = json(&ok_with(
        env,
        &vars,
        &["record", "get", "salesorder", "304"],
    ));
    assert_eq!(order["id"], "304");
    let rows = ok_with(
        env,
        &vars,
        &[
            "suiteql",
            "SELECT id FROM customer",
            "--limit",
            "2",
            "--format",
            "ndjson",
        ],
    );
    assert_eq!(rows.lines().count(), 2, "{rows}");
    let status = ok_with(env, &vars, &["auth", "status", "--check"]);
    assert!(status.contains("memory"), "{status}");

    // A writable $XDG_CACHE_HOME keeps the token; --no-cache does not use it.
    let cache = env.path("cache");
    let cache_s = cache.display().to_string();
    let mut cached_vars = vars.to_vec();
    cached_vars.push(("XDG_CACHE_HOME", cache_s.as_str()));
    let first = json(&ok_with(env, &cached_vars, &["auth", "token", "--json"]));
    assert_eq!(first["cached"], false);
    let second = json(&ok_with(env, &cached_vars, &["auth", "token", "--json"]));
    assert_eq!(second["cached"], true);
    assert_eq!(first["access_token"], second["access_token"]);
    assert!(cache.join("netsuite/tokens/env.enc").is_file());
    let third = json(&ok_with(
        env,
        &cached_vars,
        &["auth", "token", "--json", "--no-cache"],
    ));
    assert_eq!(third["cached"], false);

    // NETSUITE_PRIVATE_KEY_FILE instead of the PEM.
    let mut file_vars: Vec<_> = vars
        .iter()
        .filter(|(k, _)| *k != "NETSUITE_PRIVATE_KEY")
        .copied()
        .collect();
    file_vars.push(("NETSUITE_PRIVATE_KEY_FILE", m.key.as_str()));
    assert_eq!(
        ok_with(env, &file_vars, &["auth", "token"])
            .trim()
            .split('.')
            .count(),
        3
    );

    // Precedence: the environment's certificate id wins over the profile's wrong one.
    env.ok(&[
        "profile",
        "add",
        "p",
        "--account",
        "1234567",
        "--client-id",
        &m.client_id,
        "--certificate-id",
        "wrong-kid",
        "--private-key",
        &m.key,
        "--base-url",
        &m.server.base_url,
    ]);
    fails_with(
        env,
        &[],
        &["auth", "token", "--profile", "p"],
        4,
        "invalid_grant",
    );
    let with_env = [("NETSUITE_CERTIFICATE_ID", m.certificate_id.as_str())];
    ok_with(env, &with_env, &["auth", "token", "--profile", "p"]);
}

#[test]
fn environment_only_authorization_code_and_a_ready_token() {
    let env = Env::new();
    let server = Server::start(&env, &["--auto-approve"]);
    let created = json(&env.ok(&[
        "emulator",
        "integration",
        "create",
        "--url",
        &server.base_url,
        "--name",
        "ci",
        "--auth-code",
        "--redirect-uri",
        REDIRECT,
        "--json",
    ]));
    let client_id = created["client_id"].as_str().unwrap().to_owned();
    let secret = created["client_secret"].as_str().unwrap().to_owned();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (access, refresh) = rt.block_on(auth_code_tokens(
        &server.base_url,
        &client_id,
        &secret,
        "state-0123456789abcdefghij",
    ));
    let config = unwritable(&env);
    let cache = env.path("cache").display().to_string();
    let vars = [
        ("NETSUITE_CONFIG_DIR", config.as_str()),
        ("NETSUITE_ACCOUNT", "1234567"),
        ("NETSUITE_CLIENT_ID", client_id.as_str()),
        ("NETSUITE_CLIENT_SECRET", secret.as_str()),
        ("NETSUITE_REFRESH_TOKEN", refresh.as_str()),
        ("NETSUITE_BASE_URL", server.base_url.as_str()),
        ("XDG_CACHE_HOME", cache.as_str()),
        ("NETSUITE_LOG", "trace"),
    ];
    let o = run_with(&env, &vars, &["auth", "token", "--json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let got = json(&stdout(&o));
    let fresh = got["access_token"].as_str().unwrap().to_owned();
    assert_ne!(fresh, access, "a new token, from the refresh token");
    let trace = stderr(&o);
    assert!(
        trace.contains("status=200"),
        "the trace shows the response: {trace}"
    );
    let order = json(&ok_with(
        &env,
        &vars,
        &["record", "get", "salesorder", "304"],
    ));
    assert_eq!(order["id"], "304");
    assert!(ok_with(&env, &vars, &["auth", "status"]).contains("refresh token"));

    // A ready token is used as it is.
    let ready = [
        ("NETSUITE_CONFIG_DIR", config.as_str()),
        ("NETSUITE_ACCOUNT", "1234567"),
        ("NETSUITE_ACCESS_TOKEN", access.as_str()),
        ("NETSUITE_BASE_URL", server.base_url.as_str()),
    ];
    assert_eq!(ok_with(&env, &ready, &["auth", "token"]).trim(), access);
    ok_with(&env, &ready, &["record", "get", "salesorder", "304"]);

    // The refresh token is revoked elsewhere: the next refresh is refused, and from
    // then on the login is dead: exit 4, nothing on stdout, and the cause.
    let revoked = rt.block_on(async {
        common::http()
            .post(format!(
                "{}/services/rest/auth/oauth2/v1/revoke",
                server.base_url
            ))
            .basic_auth(&client_id, Some(&secret))
            .form(&[("token", refresh.as_str())])
            .send()
            .await
            .unwrap()
            .status()
    });
    assert_eq!(revoked, 200);
    fails_with(&env, &vars, &["auth", "refresh"], 4, "login has ended");
    let e = fails_with(&env, &vars, &["auth", "token"], 4, "login has ended");
    assert!(e.contains("netsuite emulator audit"), "emulator hint: {e}");
    let o = run_with(&env, &vars, &["auth", "status"]);
    assert_eq!(o.status.code(), Some(4), "{}", stderr(&o));
    assert!(stderr(&o).contains("no usable token") && stdout(&o).contains("dead"));
    // The ready token died with its refresh token: a 401 survives, exit 4.
    fails_with(
        &env,
        &ready,
        &["record", "get", "salesorder", "304"],
        4,
        "401",
    );

    // "Log in again" names the profile the user named.
    let mut add = env.cmd();
    add.args([
        "profile",
        "add",
        "me",
        "--flow",
        "auth-code",
        "--account",
        "1234567",
        "--client-id",
        &client_id,
        "--redirect-uri",
        REDIRECT,
        "--base-url",
        &server.base_url,
    ])
    .env("NETSUITE_CLIENT_SECRET", &secret);
    assert!(add.output().unwrap().status.success());
    let e = fails_with(
        &env,
        &[("NETSUITE_REFRESH_TOKEN", refresh.as_str())],
        &["auth", "refresh", "--profile", "me"],
        4,
        "login has ended",
    );
    assert!(e.contains("netsuite auth login --profile me"), "{e}");

    // No secret of the run in the most verbose output.
    for secret_value in [&access, &refresh, &secret, &fresh] {
        assert!(
            !trace.contains(secret_value.as_str()),
            "a secret in the trace"
        );
    }
    assert!(!trace.contains("eyJ"), "no JWT of any kind in the trace");
}

#[test]
fn dead_m2m_tokens_hints_and_traces() {
    let m = m2m();
    let env = &m.env;
    let add = |name: &str, extra: &[&str]| {
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
            &m.key,
            "--base-url",
            &m.server.base_url,
        ];
        args.extend_from_slice(extra);
        env.ok(&args);
    };
    add("good", &[]);
    add("narrow", &["--scope", "restlets"]);

    // A 401 for a scope the profile lacks names that scope.
    let e = fails_with(
        env,
        &[],
        &["record", "get", "salesorder", "304", "--profile", "narrow"],
        4,
        "INVALID_LOGIN",
    );
    assert!(e.contains("lack rest_webservices"), "{e}");
    assert!(e.contains("profile add narrow"), "{e}");

    // The SuiteQL hint says what the translator supports.
    let e = fails_with(
        env,
        &[],
        &[
            "suiteql",
            "SELECT nosuchcolumn FROM customer",
            "--profile",
            "good",
        ],
        1,
        "nosuchcolumn",
    );
    assert!(e.contains("TOP n") && !e.contains("no SELECT TOP"), "{e}");

    // Traced at the most verbose: requests, renewals; no secret.
    let o = run_with(
        env,
        &[],
        &[
            "-vv",
            "auth",
            "token",
            "--fresh",
            "--json",
            "--profile",
            "good",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let token = json(&stdout(&o))["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let trace = stderr(&o);
    assert!(
        trace.contains("POST") && trace.contains("/token"),
        "{trace}"
    );
    let o = run_with(
        env,
        &[],
        &[
            "--verbose",
            "record",
            "get",
            "salesorder",
            "304",
            "--profile",
            "good",
        ],
    );
    assert!(o.status.success());
    let trace = format!("{trace}{}", stderr(&o));
    assert!(trace.contains("token cache hit"), "{trace}");
    let key_lines: Vec<&str> = m.pem.lines().filter(|l| !l.starts_with("-----")).collect();
    for s in key_lines.iter().copied().chain([token.as_str()]) {
        assert!(!trace.contains(s), "a secret in the trace");
    }
    assert!(!trace.contains("eyJ"), "no assertion or token in the trace");

    // The mapping is revoked: the cached token is refused, the renewal's assertion
    // is refused, the token is dead and never printed again.
    env.ok(&[
        "emulator",
        "mapping",
        "revoke",
        "--data-dir",
        &m.server.data_dir_arg(),
        &m.certificate_id,
    ]);
    let e = fails_with(
        env,
        &[],
        &["record", "get", "salesorder", "304", "--profile", "good"],
        4,
        "invalid_grant",
    );
    assert!(
        e.contains("netsuite emulator audit") && e.contains("--profile good"),
        "{e}"
    );
    fails_with(
        env,
        &[],
        &["auth", "token", "--profile", "good"],
        4,
        "invalid_grant",
    );
    let o = run_with(env, &[], &["auth", "status", "--profile", "good"]);
    assert_eq!(o.status.code(), Some(4), "{}", stderr(&o));
    assert!(stderr(&o).contains("NetSuite refused"), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("access token    dead: "),
        "{}",
        stdout(&o)
    );

    // Token-endpoint refusals of a real NetSuite, answered canned.
    let cases: [(&'static str, &str, &str); 2] = [
        (
            "HTTP/1.1 401 Unauthorized\r\nContent-Type: application/json\r\nWWW-Authenticate: Basic realm=\"1234567\"\r\nContent-Length: 26\r\nConnection: close\r\n\r\n{\"error\":\"invalid_client\"}",
            "invalid_client",
            "integration record",
        ),
        (
            "HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nContent-Length: 25\r\nConnection: close\r\n\r\n{\"error\":\"invalid_scope\"}",
            "invalid_scope",
            "profile add canned ... --scope",
        ),
    ];
    for (response, code, hint) in cases {
        let base = canned_server(response);
        env.ok(&[
            "profile",
            "add",
            "canned",
            "--account",
            "1234567",
            "--client-id",
            &m.client_id,
            "--certificate-id",
            &m.certificate_id,
            "--private-key",
            &m.key,
            "--base-url",
            &base,
            "--force",
        ]);
        let e = fails_with(env, &[], &["auth", "token", "--profile", "canned"], 4, code);
        assert!(e.contains(hint), "{code}: {e}");
        if code == "invalid_client" {
            assert!(
                e.contains("client id") && !e.contains("client-secret"),
                "{e}"
            );
        } else {
            assert!(
                e.contains("rest_webservices, restlets"),
                "names the scopes: {e}"
            );
        }
    }
}

#[test]
fn every_help_states_the_exit_codes() {
    let env = Env::new();
    for args in [
        &["--help"][..],
        &["auth", "token", "--help"],
        &["auth", "status", "--help"],
        &["doctor", "--help"],
        &["record", "get", "--help"],
    ] {
        let help = env
            .ok(args)
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        assert!(
            help.contains("Exit codes: 0 ok, 1 the operation failed, 2 usage or invalid input, 4 authentication needed"),
            "{args:?}: {help}"
        );
    }
}

#[test]
fn private_keys_from_stdin_and_not_from_pipes() {
    let m = m2m();
    let env = &m.env;
    let base = [
        "profile",
        "add",
        "k",
        "--account",
        "1234567",
        "--client-id",
        &m.client_id,
        "--certificate-id",
        &m.certificate_id,
        "--base-url",
        &m.server.base_url,
    ];
    // /dev/stdin is not a regular file (a pipe or /dev/null): gone by the next call.
    let mut args = base.to_vec();
    args.extend(["--private-key", "/dev/stdin"]);
    let e = env.fails(&args, 2, "not a regular file");
    assert!(e.contains("NETSUITE_PRIVATE_KEY"), "{e}");
    // `-` reads the PEM from stdin and keeps a 0600 copy.
    let mut args = base.to_vec();
    args.extend(["--private-key", "-"]);
    let mut child = env
        .cmd()
        .args(&args)
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(m.pem.replace('\n', "\\n").as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let shown = json(&env.ok(&["profile", "show", "k", "--json"]));
    let kept = shown["private_key"].as_str().unwrap();
    assert!(kept.ends_with("keys/k.pem"), "{kept}");
    assert_eq!(netsuite_test::file_mode(std::path::Path::new(kept)), 0o600);
    assert_eq!(
        env.ok(&["auth", "token", "--profile", "k"])
            .trim()
            .split('.')
            .count(),
        3
    );
}

#[test]
fn doctor_checks_each_step() {
    let m = m2m();
    let env = &m.env;
    let vars = [
        ("NETSUITE_ACCOUNT", "1234567"),
        ("NETSUITE_CLIENT_ID", m.client_id.as_str()),
        ("NETSUITE_CERTIFICATE_ID", m.certificate_id.as_str()),
        ("NETSUITE_PRIVATE_KEY_FILE", m.key.as_str()),
        ("NETSUITE_BASE_URL", m.server.base_url.as_str()),
    ];
    let report = json(&ok_with(env, &vars, &["doctor", "--json"]));
    let checks = report["checks"].as_array().unwrap();
    let names: Vec<&str> = checks
        .iter()
        .map(|c| c["check"].as_str().unwrap())
        .collect();
    for want in [
        "configuration",
        "key file",
        "key",
        "certificate",
        "account",
        "assertion",
        "clock",
        "token",
        "claims",
        "rest",
        "suiteql",
        "governance",
    ] {
        assert!(names.contains(&want), "no {want} check: {names:?}");
    }
    for c in checks {
        assert_eq!(c["status"], "ok", "{c}");
    }
    let assertion = checks.iter().find(|c| c["check"] == "assertion").unwrap()["detail"]
        .as_str()
        .unwrap();
    assert!(
        assertion.contains(&m.certificate_id) && assertion.contains("\"iss\""),
        "{assertion}"
    );
    assert!(
        !assertion.contains("eyJ"),
        "no signed assertion: {assertion}"
    );
    let claims = checks.iter().find(|c| c["check"] == "claims").unwrap()["detail"].to_string();
    assert!(claims.contains("role 3"), "{claims}");

    // A wrong certificate id: the token fails with NetSuite's error and its ranked
    // causes, and the emulator's audit trail names the cause.
    let wrong = [
        vars[0],
        vars[1],
        ("NETSUITE_CERTIFICATE_ID", "not-the-kid"),
        vars[3],
        vars[4],
    ];
    let o = run_with(env, &wrong, &["doctor"]);
    assert_eq!(o.status.code(), Some(4), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(
        text.contains("fail  token") && text.contains("invalid_grant"),
        "{text}"
    );
    assert!(text.contains("likely causes"), "{text}");
    assert!(text.contains("fail  emulator"), "audit entries: {text}");

    // --offline makes no request: a base URL where nothing listens is fine.
    let port = netsuite_test::free_port();
    let nowhere = format!("http://127.0.0.1:{port}");
    let offline = [
        vars[0],
        vars[1],
        vars[2],
        vars[3],
        ("NETSUITE_BASE_URL", nowhere.as_str()),
    ];
    let text = ok_with(env, &offline, &["doctor", "--offline"]);
    assert!(text.contains("ok    assertion"), "{text}");
    let report = json(&ok_with(env, &offline, &["doctor", "--offline", "--json"]));
    let names: Vec<&str> = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["check"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"assertion"), "{names:?}");
    for online in ["clock", "token", "rest", "suiteql", "governance"] {
        assert!(!names.contains(&online), "offline ran {online}: {names:?}");
    }
}
