//! `netsuite auth login` against the emulator with its scripted consent (no human):
//! confidential and public clients, status, token, refresh, a record, logout and a
//! revoked refresh token refused; the paste path through stdin; 16 processes on one
//! expired token making exactly one refresh.

#![cfg(feature = "emulator")] // needs `netsuite emulator serve` (the default build)

mod common;

use std::io::{BufRead, BufReader, Write};

use std::process::{Command, Stdio};

use common::{Env, Server, expire_access_token, json, store};
use netsuite_test::free_port;

/// A `$BROWSER` that "opens" the URL by following its redirects with curl, as a
/// browser would after the emulator's automatic approval.
fn fake_browser(env: &Env) -> String {
    let path = env.path("browser.sh");
    std::fs::write(
        &path,
        "#!/bin/sh\nexec curl -sS -k -L -o /dev/null --max-time 20 \"$1\"\n",
    )
    .unwrap();
    netsuite_test::set_file_mode(&path, 0o755);
    path.display().to_string()
}

struct App {
    client_id: String,
    secret: Option<String>,
    redirect: String,
}

fn integration(env: &Env, server: &Server, public: bool) -> App {
    integration_with(env, server, public, &[])
}

fn integration_with(env: &Env, server: &Server, public: bool, extra: &[&str]) -> App {
    let redirect = format!("http://127.0.0.1:{}/callback", free_port());
    let dd = server.data_dir_arg();
    let mut args = vec![
        "emulator",
        "integration",
        "create",
        "--data-dir",
        &dd,
        "--name",
        "login-test",
        "--auth-code",
        "--redirect-uri",
        &redirect,
        "--allow-http-loopback",
        "--json",
    ];
    if public {
        args.push("--public");
    }
    args.extend_from_slice(extra);
    let created = json(&env.ok(&args));
    App {
        client_id: created["client_id"].as_str().unwrap().to_owned(),
        secret: created["client_secret"].as_str().map(str::to_owned),
        redirect,
    }
}

fn add_profile(env: &Env, server: &Server, name: &str, app: &App) {
    let mut cmd = env.cmd();
    cmd.args([
        "profile",
        "add",
        name,
        "--flow",
        "auth-code",
        "--account",
        "1234567",
        "--client-id",
        &app.client_id,
        "--redirect-uri",
        &app.redirect,
        "--base-url",
        &server.base_url,
    ]);
    match &app.secret {
        Some(_) => {
            cmd.arg("--client-secret-stdin");
        }
        None => {
            cmd.arg("--public");
        }
    }
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    if let Some(s) = &app.secret {
        writeln!(child.stdin.take().unwrap(), "{s}").unwrap();
    } else {
        drop(child.stdin.take());
    }
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "profile add: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn login(env: &Env, browser: &str, profile: &str) {
    let out = env
        .cmd()
        .args([
            "auth",
            "login",
            "--profile",
            profile,
            "--timeout",
            "30",
            "--json",
        ])
        .env("BROWSER", browser)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "login failed: {stderr}");
    assert!(
        stderr.contains("/app/login/oauth2/authorize.nl?"),
        "the URL is always printed: {stderr}"
    );
    assert!(stderr.contains("logged in"), "{stderr}");
    // --json says what was done on stdout, never a token.
    let stdout = String::from_utf8_lossy(&out.stdout);
    let done = json(&stdout);
    assert_eq!(done["profile"], profile, "{stdout}");
    assert!(done["expires_at"].as_str().is_some(), "{stdout}");
    assert!(
        done["store"].as_str().is_some_and(|s| s.ends_with(".enc")),
        "{stdout}"
    );
    assert!(!stdout.contains("eyJ"), "a token on stdout: {stdout}");
}

fn curl(args: &[&str]) -> (u16, String) {
    let out = Command::new("curl")
        .args(["-sS", "-o", "-", "-w", "\n%{http_code}"])
        .args(args)
        .output()
        .expect("curl is installed");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let (body, code) = text.rsplit_once('\n').unwrap();
    (code.trim().parse().unwrap(), body.to_owned())
}

fn refresh_with_curl(server: &Server, app: &App, refresh: &str) -> (u16, String) {
    let url = format!("{}/services/rest/auth/oauth2/v1/token", server.base_url);
    let body = format!("grant_type=refresh_token&refresh_token={refresh}");
    match &app.secret {
        Some(s) => curl(&["-u", &format!("{}:{s}", app.client_id), "-d", &body, &url]),
        None => curl(&["-d", &format!("{body}&client_id={}", app.client_id), &url]),
    }
}

#[test]
fn confidential_client_login_refresh_logout() {
    let env = Env::new();
    let server = Server::start(&env, &["--auto-approve"]);
    let app = integration(&env, &server, false);
    add_profile(&env, &server, "me", &app);
    let shown = json(&env.ok(&["profile", "show", "me", "--json"]));
    assert_eq!(shown["flow"], "auth-code");
    let config = std::fs::read_to_string(env.config_dir().join("config.toml")).unwrap();
    assert!(
        !config.contains(app.secret.as_deref().unwrap()),
        "the secret is never in the TOML"
    );

    let browser = fake_browser(&env);
    login(&env, &browser, "me");

    let status = json(&env.ok(&["auth", "status", "--json"]));
    assert_eq!(status["flow"], "auth-code");
    assert_eq!(status["logged_in"], true);
    assert_eq!(status["role"], "3");
    assert_eq!(status["entity"], "-5");
    assert_eq!(status["account"], "1234567");
    let left = status["refresh_token_expires_in"].as_i64().unwrap();
    assert!(
        (7 * 86_400 - 120..=7 * 86_400).contains(&left),
        "7-day refresh token: {left}"
    );
    assert!(status["warning"].is_null());
    assert!(
        !status["access_token"].as_str().unwrap().contains('.'),
        "masked by default"
    );
    let text = env.ok(&["auth", "status"]);
    assert!(
        text.contains("refresh token") && text.contains("token store"),
        "{text}"
    );

    let token = env.ok(&["auth", "token"]).trim().to_owned();
    let status = json(&env.ok(&["auth", "status", "--json", "--show-token"]));
    assert_eq!(status["access_token"], token);
    let refresh = status["refresh_token"].as_str().unwrap().to_owned();

    env.ok(&["auth", "refresh"]);
    let after = env.ok(&["auth", "token"]).trim().to_owned();
    assert_ne!(after, token, "a forced refresh gives a new access token");
    let status = json(&env.ok(&["auth", "status", "--json", "--show-token"]));
    assert_eq!(
        status["refresh_token"], refresh,
        "confidential clients keep their refresh token"
    );

    let order = json(&env.ok(&["record", "get", "salesorder", "304"]));
    assert_eq!(order["id"], "304");

    env.ok(&["auth", "logout"]);
    // Logged out: exit 4 (authentication needed), the status still on stdout.
    let out = env.run(&["auth", "status", "--json"]);
    assert_eq!(out.status.code(), Some(4));
    let status = json(&String::from_utf8_lossy(&out.stdout));
    assert_eq!(status["logged_in"], false);
    let (code, body) = refresh_with_curl(&server, &app, &refresh);
    assert_eq!(code, 400, "{body}");
    assert!(body.contains("invalid_grant"), "{body}");
    let (code, _) = curl(&[
        "-H",
        &format!("Authorization: Bearer {after}"),
        &format!("{}/services/rest/record/v1/salesorder/304", server.base_url),
    ]);
    assert_eq!(code, 401, "the revoked chain's access token is refused");
    env.fails(&["auth", "token"], 4, "not logged in");
}

#[test]
fn public_client_rotation_and_sixteen_processes() {
    let env = Env::new();
    let server = Server::start(&env, &["--auto-approve"]);
    let app = integration(&env, &server, true);
    assert!(app.secret.is_none());
    add_profile(&env, &server, "pub", &app);
    login(&env, &fake_browser(&env), "pub");
    let r0 = json(&env.ok(&["auth", "status", "--json", "--show-token"]))["refresh_token"]
        .as_str()
        .unwrap()
        .to_owned();
    env.ok(&["auth", "refresh"]);
    let r1 = json(&env.ok(&["auth", "status", "--json", "--show-token"]))["refresh_token"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_ne!(r0, r1, "public clients rotate the refresh token");
    let (code, body) = refresh_with_curl(&server, &app, &r0);
    assert_eq!(code, 400, "a used refresh token is refused: {body}");
    // Reuse may end the chain (as the emulator does): log in again if so.
    if env.run(&["auth", "refresh"]).status.code() != Some(0) {
        login(&env, &fake_browser(&env), "pub");
    }

    // 16 processes on one expired access token: exactly one refresh, one new token.
    let before = json(&env.ok(&["auth", "status", "--json", "--show-token"]));
    expire_access_token(&env, "pub");
    let children: Vec<_> = (0..16)
        .map(|_| {
            env.cmd()
                .args(["auth", "token"])
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let outs: Vec<_> = children
        .into_iter()
        .map(|c| c.wait_with_output().unwrap())
        .collect();
    for o in &outs {
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    let tokens: std::collections::BTreeSet<String> = outs
        .iter()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .collect();
    assert_eq!(tokens.len(), 1, "all 16 print the same token");
    let refreshed = outs
        .iter()
        .filter(|o| String::from_utf8_lossy(&o.stderr).contains("got a new access token"))
        .count();
    assert_eq!(refreshed, 1, "exactly one process refreshed");
    let after = json(&env.ok(&["auth", "status", "--json", "--show-token"]));
    assert_ne!(after["access_token"], before["access_token"]);
    assert_ne!(
        after["refresh_token"], before["refresh_token"],
        "rotated once"
    );
    // The rotated-out refresh token is spent; the stored one works.
    let old = before["refresh_token"].as_str().unwrap();
    assert_eq!(refresh_with_curl(&server, &app, old).0, 400);
    let t = store(&env).load("pub").unwrap().unwrap();
    assert!(t.refresh_token.is_some());
}

/// Starts `auth login --no-browser` and returns the child, its stderr reader and
/// the authorize URL it printed.
fn start_paste_login(
    env: &Env,
) -> (
    std::process::Child,
    BufReader<std::process::ChildStderr>,
    String,
) {
    let mut child = env
        .cmd()
        .args(["auth", "login", "--no-browser", "--timeout", "30"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    while stderr.read_line(&mut line).unwrap() > 0 {
        let t = line.trim();
        if t.starts_with("http") && t.contains("authorize.nl") {
            let url = t.to_owned();
            return (child, stderr, url);
        }
        line.clear();
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("the login printed no URL");
}

/// What a person does: open the URL, copy the address the browser lands on.
fn redirected_url(url: &str) -> String {
    let out = Command::new("curl")
        .args(["-sS", "-o", "/dev/null", "-w", "%{redirect_url}", url])
        .output()
        .unwrap();
    let r = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(r.contains("code=") && r.contains("state="), "{r}");
    r
}

#[test]
fn paste_path_through_stdin() {
    let env = Env::new();
    let server = Server::start(&env, &["--auto-approve"]);
    let app = integration(&env, &server, false);
    add_profile(&env, &server, "paste", &app);

    // A wrong paste is explained and the login waits for another.
    let (mut child, mut stderr, url) = start_paste_login(&env);
    let redirected = redirected_url(&url);
    let mut stdin = child.stdin.take().unwrap();
    writeln!(stdin, "not a url").unwrap();
    writeln!(stdin, "{redirected}").unwrap();
    drop(stdin);
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut stderr, &mut rest).unwrap();
    assert!(child.wait().unwrap().success(), "{rest}");
    assert!(rest.contains("not the redirected URL"), "{rest}");
    assert!(rest.contains("logged in"), "{rest}");
    let status = json(&env.ok(&["auth", "status", "--json"]));
    assert_eq!(status["logged_in"], true);

    // A stale URL (another login's state) is refused by name.
    let (mut child, _stderr, _url) = start_paste_login(&env);
    writeln!(child.stdin.take().unwrap(), "{redirected}").unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(1));

    // Just the code works too (the state cannot be checked then).
    let (mut child, mut stderr, url) = start_paste_login(&env);
    let redirected = redirected_url(&url);
    let code = url::form_urlencoded::parse(redirected.split_once('?').unwrap().1.as_bytes())
        .find(|(k, _)| k == "code")
        .map(|(_, v)| v.into_owned())
        .unwrap();
    writeln!(child.stdin.take().unwrap(), "{code}").unwrap();
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut stderr, &mut rest).unwrap();
    assert!(child.wait().unwrap().success(), "{rest}");
}

#[test]
fn login_errors() {
    let env = Env::new();
    let server = Server::start(&env, &["--auto-approve"]);
    let app = integration(&env, &server, false);
    add_profile(&env, &server, "me", &app);
    let browser = fake_browser(&env);

    // A wrong client secret: invalid_client when the code is exchanged.
    let wrong = App {
        client_id: app.client_id.clone(),
        secret: Some("0".repeat(64)),
        redirect: app.redirect.clone(),
    };
    add_profile(&env, &server, "wrong", &wrong);
    let out = env
        .cmd()
        .args(["auth", "login", "--profile", "wrong", "--timeout", "30"])
        .env("BROWSER", &browser)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(4), "{err}");
    assert!(err.contains("invalid_client"), "{err}");
    assert!(err.contains("hint: "), "{err}");
    assert!(
        !err.contains(&"0".repeat(64)),
        "the secret is never printed"
    );

    // Port in use while a browser would be used.
    let port: u16 = app
        .redirect
        .trim_end_matches("/callback")
        .rsplit(':')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let blocker = std::net::TcpListener::bind(("127.0.0.1", port)).unwrap();
    let out = env
        .cmd()
        .args(["auth", "login", "--profile", "me", "--timeout", "5"])
        .env("BROWSER", "true")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("cannot listen on 127.0.0.1"), "{err}");
    assert!(err.contains("hint: "), "{err}");
    drop(blocker);

    // The listener gives up after the timeout (the "browser" does nothing).
    let out = env
        .cmd()
        .args(["auth", "login", "--profile", "me", "--timeout", "1"])
        .env("BROWSER", "true")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("no redirect arrived within 1 s"), "{err}");

    // Not logged in yet.
    env.fails(&["auth", "refresh", "--profile", "me"], 4, "not logged in");
    env.fails(&["auth", "token", "--profile", "me"], 4, "not logged in");
    // Logging out without a login is fine and says so.
    env.ok(&["auth", "logout", "--profile", "me"]);
    // A tampered token store is an error naming it, not a crash.
    login(&env, &browser, "me");
    let path = env.config_dir().join("tokens/me.enc");
    let mut raw = std::fs::read(&path).unwrap();
    let n = raw.len();
    raw[n - 5] ^= 0x55;
    std::fs::write(&path, raw).unwrap();
    env.fails(&["auth", "token", "--profile", "me"], 1, "tampered");
}

#[test]
fn status_warns_when_the_refresh_token_is_nearly_spent() {
    let env = Env::new();
    let server = Server::start(&env, &["--auto-approve"]);
    let app = integration_with(&env, &server, true, &["--refresh-token-hours", "1"]);
    add_profile(&env, &server, "short", &app);
    login(&env, &fake_browser(&env), "short");
    let status = json(&env.ok(&["auth", "status", "--json"]));
    let left = status["refresh_token_expires_in"].as_i64().unwrap();
    assert!((3500..=3600).contains(&left), "{left}");
    assert!(
        status["warning"]
            .as_str()
            .unwrap()
            .contains("netsuite auth login"),
        "{status}"
    );
    let out = env.run(&["auth", "status"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success());
    assert!(
        err.contains("warning: the refresh token expires in"),
        "{err}"
    );
}

#[test]
fn a_refresh_token_revoked_elsewhere_ends_the_login() {
    let env = Env::new();
    let server = Server::start(&env, &["--auto-approve"]);
    let app = integration(&env, &server, false);
    add_profile(&env, &server, "me", &app);
    login(&env, &fake_browser(&env), "me");
    let refresh = json(&env.ok(&["auth", "status", "--json", "--show-token"]))["refresh_token"]
        .as_str()
        .unwrap()
        .to_owned();
    // Revoked at "NetSuite" (as the Authorized Applications page would).
    let (code, body) = curl(&[
        "-u",
        &format!("{}:{}", app.client_id, app.secret.as_deref().unwrap()),
        "-d",
        &format!("token={refresh}"),
        &format!("{}/services/rest/auth/oauth2/v1/revoke", server.base_url),
    ]);
    assert_eq!(code, 200, "{body}");
    expire_access_token(&env, "me");
    let e = env.fails(&["auth", "token"], 4, "the login has ended");
    assert!(e.contains("invalid_grant"), "{e}");
    assert!(e.contains("netsuite auth login"), "{e}");
    // Logging out still cleans up locally (the revoke is answered as already invalid).
    env.ok(&["auth", "logout"]);
    assert!(store(&env).load("me").unwrap().is_none());
}

/// An authorization-code environment as a Postman or Hoppscotch user keeps it
/// (client id, secret, redirect URI, scopes) imports into a profile that logs in.
#[test]
fn import_postman_auth_code_environment_then_login() {
    let env = Env::new();
    let server = Server::start(&env, &["--auto-approve"]);
    let app = integration(&env, &server, false);
    let secret = app.secret.clone().unwrap();
    // Hoppscotch's export: a list of environments with "variables".
    let hoppscotch = serde_json::json!([{
        "name": "NetSuite OAuth 2.0",
        "variables": [
            {"key": "clientId", "value": app.client_id, "secret": false},
            {"key": "clientSecret", "value": "", "currentValue": secret, "secret": true},
            {"key": "redirectUri", "value": app.redirect},
            {"key": "scope", "value": "rest_webservices restlets"},
            {"key": "authUrl", "value": format!("{}/app/login/oauth2/authorize.nl", server.base_url)},
            {"key": "ACCOUNT_ID", "value": "1234567"}
        ]
    }]);
    let file = env.path("hoppscotch.json");
    std::fs::write(&file, hoppscotch.to_string()).unwrap();
    let out = env.run(&[
        "profile",
        "import-postman",
        file.to_str().unwrap(),
        "--name",
        "hop",
    ]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(err.contains("authorization code"), "{err}");
    assert!(
        err.contains("next: netsuite auth login --profile hop"),
        "{err}"
    );
    assert!(!err.contains(&secret), "never the secret: {err}");
    let shown = json(&env.ok(&["profile", "show", "hop", "--json"]));
    assert_eq!(shown["flow"], "auth-code");
    assert_eq!(shown["client_id"], app.client_id);
    assert_eq!(shown["redirect_uri"], app.redirect);
    assert_eq!(shown["base_url"], server.base_url);
    assert_eq!(shown["account"], "1234567");
    assert_eq!(
        shown["scopes"],
        serde_json::json!(["rest_webservices", "restlets"])
    );
    assert_eq!(shown["secret_stored"], true);
    let config = std::fs::read_to_string(env.config_dir().join("config.toml")).unwrap();
    assert!(!config.contains(&secret), "the secret is never in the TOML");

    // The next command works: login, then a record.
    let browser = fake_browser(&env);
    login(&env, &browser, "hop");
    let order = json(&env.ok(&["record", "get", "salesorder", "304", "--profile", "hop"]));
    assert_eq!(order["id"], "304");

    // Postman's layout with NetSuite's hosts: the account comes from the URL, and
    // --scope replaces the environment's scopes.
    let postman = serde_json::json!({
        "name": "NetSuite auth code",
        "values": [
            {"key": "CLIENT_ID", "value": app.client_id, "enabled": true},
            {"key": "CLIENT_SECRET", "value": secret, "enabled": true},
            {"key": "REDIRECT_URI", "value": "https://oauth.pstmn.io/v1/callback", "enabled": true},
            {"key": "SCOPE", "value": "rest_webservices", "enabled": true},
            {"key": "AUTH_URL", "value": "https://1234567-sb1.app.netsuite.com/app/login/oauth2/authorize.nl", "enabled": true}
        ],
        "_postman_variable_scope": "environment"
    });
    let file = env.path("auth-code.postman_environment.json");
    std::fs::write(&file, postman.to_string()).unwrap();
    env.ok(&[
        "profile",
        "import-postman",
        file.to_str().unwrap(),
        "--scope",
        "restlets,rest_webservices",
    ]);
    let shown = json(&env.ok(&["profile", "show", "1234567_sb1", "--json"]));
    assert_eq!(shown["account"], "1234567_SB1");
    assert!(shown["base_url"].is_null());
    assert_eq!(shown["redirect_uri"], "https://oauth.pstmn.io/v1/callback");
    assert_eq!(
        shown["scopes"],
        serde_json::json!(["restlets", "rest_webservices"])
    );
    assert_eq!(shown["secret_stored"], true);
}
