//! Hardening (issue 11): what a hostile user or a hostile server would find. Each
//! case runs the built binary.

mod common;

use std::process::Output;

use common::{Env, canned_server};

/// Runs `netsuite args` with an identity from the environment only (a ready access
/// token for account 1234567) and `base_url`, plus `extra` variables.
fn run_env(env: &Env, base_url: &str, extra: &[(&str, &str)], args: &[&str]) -> Output {
    let mut c = env.cmd();
    c.env("NETSUITE_ACCOUNT", "1234567")
        .env("NETSUITE_ACCESS_TOKEN", "tok-123")
        .env("NETSUITE_BASE_URL", base_url);
    for (k, v) in extra {
        c.env(k, v);
    }
    c.args(args).output().expect("run netsuite")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn cleartext_base_urls_to_other_hosts_are_refused() {
    let env = Env::new();
    let refused = run_env(
        &env,
        "http://netsuite.example",
        &[],
        &["record", "get", "customer", "1"],
    );
    let err = stderr(&refused);
    assert_eq!(refused.status.code(), Some(2), "{err}");
    assert!(
        err.contains("error: ") && err.contains("cleartext") && err.contains("hint: "),
        "{err}"
    );
    assert!(err.contains("--allow-insecure-http"), "{err}");
    assert!(!err.contains("tok-123"), "{err}");

    // With the flag: a warning, and the request is sent (through a proxy on loopback,
    // which stands for the remote host).
    let proxy = canned_server(
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 11\r\nconnection: close\r\n\r\n{\"id\":\"1\"}\n",
    );
    let allowed = run_env(
        &env,
        "http://netsuite.example",
        &[("http_proxy", &proxy), ("HTTP_PROXY", &proxy)],
        &["--allow-insecure-http", "record", "get", "customer", "1"],
    );
    let err = stderr(&allowed);
    assert!(allowed.status.success(), "{err}");
    assert!(err.contains("warning: --allow-insecure-http"), "{err}");
    assert!(String::from_utf8_lossy(&allowed.stdout).contains("\"1\""));

    // Loopback needs no flag (the emulator); https needs none either.
    let local = run_env(&env, &proxy, &[], &["record", "get", "customer", "1"]);
    assert!(!stderr(&local).contains("cleartext"), "{}", stderr(&local));

    // A profile cannot be saved with it either.
    env.fails(
        &[
            "profile",
            "add",
            "p",
            "--flow",
            "auth-code",
            "--account",
            "1234567",
            "--client-id",
            "abc",
            "--base-url",
            "http://10.1.2.3:8080",
        ],
        2,
        "cleartext",
    );
}
