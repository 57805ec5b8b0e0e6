//! Bad input: each case a one-line error naming the cause, a hint, exit 1 or 2, no
//! panic, nothing secret printed.

mod common;

use std::process::Command;

use common::{Env, canned_server};
#[cfg(feature = "emulator")]
use common::{Server, integration_and_mapping};

fn openssl(args: &[&str]) {
    let out = Command::new("openssl")
        .args(args)
        .output()
        .expect("openssl is installed");
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn add_args<'a>(key: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut v = vec![
        "profile",
        "add",
        "p",
        "--account",
        "1234567",
        "--client-id",
        "abc",
        "--certificate-id",
        "kid",
        "--private-key",
        key,
    ];
    v.extend_from_slice(extra);
    v
}

#[test]
fn key_files() {
    let env = Env::new();
    let dir = env.path("keys");
    std::fs::create_dir_all(&dir).unwrap();
    let p = |n: &str| dir.join(n).display().to_string();
    env.ok(&["cert", "new", "--key-type", "ec-p256", "--out", &p("ec")]);
    env.ok(&["cert", "new", "--key-type", "rsa-3072", "--out", &p("rsa")]);
    let ec_key = p("ec/private-key.pem");
    let rsa_key = p("rsa/private-key.pem");
    let secret = std::fs::read_to_string(&ec_key).unwrap();

    env.fails(
        &add_args(&p("missing.pem"), &[]),
        2,
        "cannot read the private key",
    );
    env.fails(
        &add_args(&p("ec/certificate.pem"), &[]),
        2,
        "found a certificate",
    );
    openssl(&["pkey", "-in", &ec_key, "-pubout", "-out", &p("pub.pem")]);
    env.fails(&add_args(&p("pub.pem"), &[]), 2, "found a public key");
    openssl(&[
        "genpkey",
        "-algorithm",
        "EC",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-aes256",
        "-pass",
        "pass:secret",
        "-out",
        &p("enc.pem"),
    ]);
    env.fails(&add_args(&p("enc.pem"), &[]), 2, "encrypted");
    std::fs::write(
        dir.join("garbage.pem"),
        "-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n",
    )
    .unwrap();
    env.fails(&add_args(&p("garbage.pem"), &[]), 2, "invalid private key");
    std::fs::write(dir.join("text.pem"), "hello").unwrap();
    env.fails(&add_args(&p("text.pem"), &[]), 2, "invalid private key");
    let e = env.fails(
        &add_args(&rsa_key, &["--algorithm", "ES256"]),
        2,
        "ES256 cannot be used",
    );
    assert!(e.contains("--algorithm PS256"), "{e}");
    env.fails(
        &add_args(&ec_key, &["--algorithm", "PS256"]),
        2,
        "PS256 cannot be used",
    );
    env.fails(
        &add_args(&rsa_key, &["--algorithm", "RS256"]),
        2,
        "1 March 2025",
    );
    env.fails(
        &add_args(&ec_key, &["--algorithm", "HS256"]),
        2,
        "unsupported algorithm",
    );
    openssl(&[
        "genpkey",
        "-algorithm",
        "RSA",
        "-pkeyopt",
        "rsa_keygen_bits:2048",
        "-out",
        &p("rsa2048.pem"),
    ]);
    env.fails(&add_args(&p("rsa2048.pem"), &[]), 2, "RSA 2048");
    openssl(&["genrsa", "-traditional", "-out", &p("rsa1024.pem"), "1024"]);
    env.fails(&add_args(&p("rsa1024.pem"), &[]), 2, "smaller than 2048");
    // Nothing failed halfway: no profile was written.
    assert!(!env.config_dir().join("config.toml").exists());

    env.fails(
        &add_args(&ec_key, &["--scope", "restlet"]),
        2,
        "unknown scope",
    );
    env.fails(
        &add_args(&ec_key, &["--scope", "mcp,restlets"]),
        2,
        "mcp scope must be used alone",
    );

    // Account and base URL.
    let mut bad_account = add_args(&ec_key, &[]);
    bad_account[4] = "12 34";
    env.fails(&bad_account, 2, "invalid account id");
    env.fails(
        &add_args(&ec_key, &["--base-url", "ftp://x"]),
        2,
        "invalid base url",
    );
    env.fails(
        &add_args(&ec_key, &["--base-url", "not a url"]),
        2,
        "invalid base url",
    );

    // Validity over two years; a bad key type is a usage error.
    env.fails(
        &["cert", "new", "--days", "800", "--out", &p("long")],
        2,
        "730",
    );
    let out = env.run(&["cert", "new", "--key-type", "rsa-2048", "--out", &p("x")]);
    assert_eq!(out.status.code(), Some(2));
    // cert new does not overwrite.
    env.fails(&["cert", "new", "--out", &p("ec")], 1, "already exists");

    // The key appears in no output.
    let inspect = vec!["cert", "inspect", ec_key.as_str(), "--json"];
    for args in [
        add_args(&ec_key, &["--algorithm", "PS256"]),
        add_args(&ec_key, &["--scope", "restlet"]),
        inspect,
    ] {
        let out = env.run(&args);
        let all = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        let body_line = secret.lines().nth(1).unwrap();
        assert!(!all.contains(body_line), "key material printed");
    }
}

#[test]
fn profiles_and_missing_things() {
    let env = Env::new();
    env.fails(&["auth", "token"], 2, "no profile is configured");
    env.fails(
        &["auth", "token", "--profile", "nope"],
        2,
        "unknown profile \"nope\"",
    );
    let out = env
        .cmd()
        .args(["auth", "token"])
        .env("NETSUITE_PROFILE", "envp")
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown profile \"envp\""));
    env.fails(&["profile", "show", "nope"], 2, "unknown profile");
    let out = env.run(&["record", "get"]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "missing arguments are usage errors"
    );
    let out = env.run(&["no-such-command"]);
    assert_eq!(out.status.code(), Some(2));
    let out = env.run(&["--help"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).contains("Examples:"));
    env.fails(
        &[
            "profile",
            "import-postman",
            env.path("none.json").to_str().unwrap(),
        ],
        1,
        "cannot read",
    );
    std::fs::write(env.path("c.json"), r#"{"info":{}}"#).unwrap();
    env.fails(
        &[
            "profile",
            "import-postman",
            env.path("c.json").to_str().unwrap(),
        ],
        1,
        "values",
    );
}

/// A home with a key and certificate in `cert/`; the key's path.
fn with_key() -> (Env, String) {
    let env = Env::new();
    let cert_dir = env.path("cert");
    env.ok(&["cert", "new", "--out", cert_dir.to_str().unwrap()]);
    let key = cert_dir.join("private-key.pem").display().to_string();
    (env, key)
}

/// `profile add NAME` for client credentials against `base`.
fn add_profile(env: &Env, key: &str, name: &str, base: &str, kid: &str, client: &str) {
    env.ok(&[
        "profile",
        "add",
        name,
        "--account",
        "1234567",
        "--client-id",
        client,
        "--certificate-id",
        kid,
        "--private-key",
        key,
        "--base-url",
        base,
    ]);
}

#[test]
fn token_endpoint_failures() {
    let (env, key) = with_key();
    let add = |name: &str, base: &str, kid: &str, client: &str| {
        add_profile(&env, &key, name, base, kid, client);
    };

    // Unreachable: a port nobody listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    add("down", &format!("http://127.0.0.1:{port}"), "kid", "abc");
    env.fails(
        &["auth", "token", "--profile", "down"],
        1,
        "could not reach",
    );

    // An HTML page where JSON was expected.
    let html = canned_server(
        "HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/html\r\nContent-Length: 44\r\nConnection: close\r\n\r\n<html><body>Maintenance</body></html>\n\n\n\n\n\n\n",
    );
    add("html", &html, "kid", "abc");
    env.fails(&["auth", "token", "--profile", "html"], 1, "HTML page");
    // Not JSON at all.
    let text = canned_server(
        "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello",
    );
    add("text", &text, "kid", "abc");
    env.fails(&["auth", "token", "--profile", "text"], 1, "not JSON");
}

#[test]
#[cfg(feature = "emulator")] // `netsuite emulator serve` and its admin commands
fn token_endpoint_failures_from_the_emulator() {
    let (env, key) = with_key();
    let cert_dir = env.path("cert");
    let add = |name: &str, base: &str, kid: &str, client: &str| {
        add_profile(&env, &key, name, base, kid, client);
    };

    // An {"error": ...} reply from the emulator: a certificate id it does not know.
    let server = Server::start(&env, &[]);
    let (client_id, certificate_id) =
        integration_and_mapping(&env, &server, &cert_dir.join("certificate.pem"));
    add(
        "wrongkid",
        &server.base_url,
        "not-a-certificate-id",
        &client_id,
    );
    let e = env.fails(
        &["auth", "token", "--profile", "wrongkid"],
        4,
        "invalid_grant",
    );
    assert!(e.contains("Login Audit Trail"), "{e}");
    // The right one works, then the key file disappears.
    add("good", &server.base_url, &certificate_id, &client_id);
    assert_eq!(
        env.ok(&["auth", "token", "--profile", "good", "--fresh"])
            .trim()
            .split('.')
            .count(),
        3
    );
    let moved = env.path("moved.pem");
    std::fs::rename(&key, &moved).unwrap();
    env.fails(
        &["auth", "token", "--profile", "good"],
        2,
        "cannot read the private key",
    );
    std::fs::rename(&moved, &key).unwrap();

    // A record that does not exist, and a token file others can read.
    env.fails(
        &["record", "get", "salesorder", "999999", "--profile", "good"],
        1,
        "NONEXISTENT_ID",
    );
    env.fails(
        &["record", "get", "salesorder", "abc", "--profile", "good"],
        1,
        "INVALID_ID",
    );
    let tok = env.config_dir().join("tokens/good.enc");
    netsuite_test::set_file_mode(&tok, 0o644);
    env.fails(&["auth", "token", "--profile", "good"], 1, "must be 0600");
}

#[test]
fn certificate_ids_may_start_with_a_dash() {
    // Base64url certificate ids (NetSuite's and the emulator's) can begin with '-'.
    let env = Env::new();
    let cert_dir = env.path("cert");
    env.ok(&["cert", "new", "--out", cert_dir.to_str().unwrap()]);
    let key = cert_dir.join("private-key.pem").display().to_string();
    env.ok(&[
        "profile",
        "add",
        "dash",
        "--account",
        "1234567",
        "--client-id",
        "abc",
        "--certificate-id",
        "-bGkOc_Smq4br2aq7OY4swop-TThlhO02xcN6DcVOxs",
        "--private-key",
        &key,
    ]);
    let shown = common::json(&env.ok(&["profile", "show", "dash", "--json"]));
    assert_eq!(
        shown["certificate_id"],
        "-bGkOc_Smq4br2aq7OY4swop-TThlhO02xcN6DcVOxs"
    );
}

/// The emulator refuses a data directory others can write to, and a file that is not
/// its database, as invalid input (exit 2) with the fix as a hint.
#[cfg(all(unix, feature = "emulator"))]
#[test]
fn emulator_data_directories_it_cannot_trust() {
    let env = Env::new();
    let dir = env.path("shared-data");
    std::fs::create_dir(&dir).unwrap();
    netsuite_test::set_file_mode(&dir, 0o777);
    let d = dir.to_str().unwrap();
    let stderr = env.fails(
        &["emulator", "integration", "list", "--data-dir", d],
        2,
        "writable by group or others",
    );
    assert!(stderr.contains(&format!("hint: chmod 700 {d}")), "{stderr}");
    netsuite_test::set_file_mode(&dir, 0o700);
    std::fs::write(
        dir.join("emulator.sqlite3"),
        b"SQLite format 3\0 but not really",
    )
    .unwrap();
    env.fails(
        &[
            "emulator",
            "serve",
            "--data-dir",
            d,
            "--listen",
            "127.0.0.1:0",
        ],
        2,
        "is not an SQLite database",
    );
}

/// Emulator settings out of range are usage errors before anything starts.
#[cfg(feature = "emulator")]
#[test]
fn emulator_settings_out_of_range() {
    let env = Env::new();
    for (flag, value) in [
        ("--demo-scale", "10000001"),
        ("--retry-after", "3601"),
        ("--concurrency-limit", "0"),
        ("--suiteql-time-limit", "0"),
    ] {
        let out = env.run(&["emulator", "serve", "--in-memory", flag, value]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{flag} {value}: {stderr}");
        assert!(stderr.contains(value), "{flag}: {stderr}");
    }
}

/// Date formats NetSuite does not offer are usage errors with the list to pick from.
#[cfg(feature = "emulator")]
#[test]
fn emulator_date_formats_netsuite_does_not_offer() {
    let env = Env::new();
    for (args, cause, hint) in [
        (
            &["--date-format", "YY/MM/DD"][..],
            "--date-format \"YY/MM/DD\" is not a date format NetSuite offers",
            "hint: use one of M/D/YYYY, MM/DD/YYYY, D/M/YYYY",
        ),
        (
            &["--user-date-format", "-5"][..],
            "--user-date-format \"-5\" is not ENTITY=FMT",
            "hint: give the user's entity internal id and a date format",
        ),
        (
            &["--user-date-format", "-5=%d.%m.%Y"][..],
            "\"%d.%m.%Y\" is not a date format NetSuite offers",
            "hint: use one of",
        ),
    ] {
        let mut argv = vec![
            "emulator",
            "serve",
            "--in-memory",
            "--listen",
            "127.0.0.1:0",
        ];
        argv.extend_from_slice(args);
        let stderr = env.fails(&argv, 2, cause);
        assert!(stderr.contains(hint), "{args:?}: {stderr}");
    }
}
