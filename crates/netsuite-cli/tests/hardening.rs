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

/// A server that answers 404 `{}` to every request and counts them.
fn counting_server() -> (String, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    use std::io::{Read, Write};
    use std::sync::atomic::Ordering;
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let hits = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counted = hits.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut s) = stream else { continue };
            counted.fetch_add(1, Ordering::SeqCst);
            let mut buf = [0u8; 65536];
            let _ = s.read(&mut buf);
            let _ = s.write_all(b"HTTP/1.1 404 Not Found\r\ncontent-type: application/json\r\ncontent-length: 2\r\nconnection: close\r\n\r\n{}");
        }
    });
    (format!("http://{addr}"), hits)
}

#[test]
fn local_errors_are_not_network_errors() {
    let env = Env::new();
    let (base, hits) = counting_server();
    // An id too long to make a URL: refused at once, nothing sent, no retries.
    let long_id = "9".repeat(70_000);
    let started = std::time::Instant::now();
    let out = run_env(&env, &base, &[], &["record", "get", "customer", &long_id]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        started.elapsed() < std::time::Duration::from_secs(5),
        "retried: {:?}",
        started.elapsed()
    );
    assert!(
        !err.contains("could not reach") && !err.contains("network"),
        "{err}"
    );
    assert!(
        err.contains("no valid request") && err.contains("hint: check the record type"),
        "{err}"
    );
    assert!(
        err.len() < 2_000,
        "the whole URL was printed: {} bytes",
        err.len()
    );
    assert_eq!(hits.load(std::sync::atomic::Ordering::SeqCst), 0);

    // A huge login timeout is refused, not a panic.
    for t in ["18446744073709551615", "0"] {
        env.fails(
            &["auth", "login", "--no-browser", "--timeout", t],
            2,
            "--timeout",
        );
    }
}

#[test]
fn an_untrusted_certificate_is_a_certificate_problem() {
    let env = Env::new();
    let dir = env.path("tls");
    env.ok(&[
        "cert",
        "new",
        "--key-type",
        "ec-p256",
        "--out",
        dir.to_str().unwrap(),
    ]);
    let port = netsuite_test::free_port();
    let mut server = std::process::Command::new("openssl")
        .args(["s_server", "-quiet", "-www", "-accept"])
        .arg(format!("127.0.0.1:{port}"))
        .arg("-cert")
        .arg(dir.join("certificate.pem"))
        .arg("-key")
        .arg(dir.join("private-key.pem"))
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("openssl is installed");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            std::time::Instant::now() < deadline,
            "s_server did not start"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let started = std::time::Instant::now();
    let out = run_env(
        &env,
        &format!("https://127.0.0.1:{port}"),
        &[],
        &["record", "get", "customer", "1"],
    );
    let _ = server.kill();
    let _ = server.wait();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("error: the TLS certificate of"), "{err}");
    assert!(
        err.contains("hint: this is a certificate problem, not the network"),
        "{err}"
    );
    assert!(
        started.elapsed() < std::time::Duration::from_secs(5),
        "retried: {:?}",
        started.elapsed()
    );
}

/// A server answering its requests with `responses` in turn (the last one repeated).
fn script_server(responses: Vec<String>) -> String {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for (i, stream) in listener.incoming().enumerate() {
            let Ok(mut s) = stream else { continue };
            let mut buf = [0u8; 65536];
            let _ = s.read(&mut buf);
            let r = &responses[i.min(responses.len() - 1)];
            let _ = s.write_all(r.as_bytes());
        }
    });
    format!("http://{addr}")
}

fn http_json(status: &str, extra_headers: &str, body: &str) -> String {
    format!(
        "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n{extra_headers}\r\n{body}",
        body.len()
    )
}

#[test]
fn control_characters_from_the_server_are_escaped() {
    let env = Env::new();
    // An error whose title and detail would retitle the window and clear the screen.
    let hostile = r#"{"type":"t","title":"\u001b]0;pwned\u0007\u001b[2J","status":400,"o:errorDetails":[{"detail":"bad \u001b[31mred\u009b1m","o:errorCode":"USER_ERROR"}]}"#;
    let base = script_server(vec![http_json("400 Bad Request", "", hostile)]);
    let out = run_env(&env, &base, &[], &["record", "get", "customer", "1"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        !err.contains(['\u{1b}', '\u{7}', '\u{9b}']),
        "raw control characters reached stderr: {err:?}"
    );
    assert!(err.contains(r"\u{1b}]0;pwned"), "{err}");

    // Record fields in tables, CSV and JSON.
    let rows = r#"{"links":[],"count":1,"hasMore":false,"items":[{"links":[],"name":"a\u001b[2Jb\u009b1m","id":"7"}],"offset":0,"totalResults":1}"#;
    let base = script_server(vec![http_json("200 OK", "", rows)]);
    for format in ["table", "csv", "json", "ndjson"] {
        let out = run_env(
            &env,
            &base,
            &[],
            &[
                "suiteql",
                "SELECT id, name FROM customer",
                "--format",
                format,
            ],
        );
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{format}: {}", stderr(&out));
        assert!(text.contains("a\\u"), "{format}: {text}");
        assert!(
            !text.contains(['\u{1b}', '\u{9b}']),
            "{format}: raw control characters: {text:?}"
        );
        if format.ends_with("json") {
            let first = text.trim().trim_start_matches('[').trim_end_matches(']');
            let v: serde_json::Value = serde_json::from_str(first.trim()).unwrap();
            assert_eq!(v["name"], "a\u{1b}[2Jb\u{9b}1m", "the same JSON");
        }
    }
}

#[test]
fn long_waits_are_said_and_retry_after_is_capped() {
    let env = Env::new();
    let refused = r#"{"type":"t","title":"Too Many Requests","status":429,"o:errorDetails":[{"detail":"limit","o:errorCode":"CONCURRENCY_LIMIT_EXCEEDED"}]}"#;
    let base = script_server(vec![
        http_json("429 Too Many Requests", "retry-after: 4\r\n", refused),
        http_json("200 OK", "", r#"{"id":"1"}"#),
    ]);
    let out = run_env(&env, &base, &[], &["record", "get", "customer", "1"]);
    let err = stderr(&out);
    assert!(out.status.success(), "{err}");
    assert!(
        err.contains("netsuite: waiting 4 s before retrying GET")
            && err.contains("concurrency limit"),
        "{err}"
    );
}

#[test]
fn response_bodies_have_a_size_cap() {
    use std::io::{Read, Write};
    let env = Env::new();
    // Announced: refused before reading.
    let base = script_server(vec![
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 536870912\r\n\r\n{"
            .to_owned(),
    ]);
    let started = std::time::Instant::now();
    let out = run_env(&env, &base, &[], &["record", "get", "customer", "1"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("larger than 64 MiB"), "{err}");
    assert!(started.elapsed() < std::time::Duration::from_secs(10));

    // Not announced: read up to the cap, then refused.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let sent = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counted = sent.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut s) = stream else { continue };
            let mut buf = [0u8; 65536];
            let _ = s.read(&mut buf);
            let _ = s.write_all(
                b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nconnection: close\r\n\r\n[",
            );
            let chunk = vec![b' '; 1 << 20];
            while s.write_all(&chunk).is_ok() {
                counted.fetch_add(chunk.len(), std::sync::atomic::Ordering::SeqCst);
                if counted.load(std::sync::atomic::Ordering::SeqCst) > 1 << 30 {
                    break;
                }
            }
        }
    });
    let out = run_env(
        &env,
        &format!("http://{addr}"),
        &[],
        &["record", "get", "customer", "1"],
    );
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("larger than 64 MiB"), "{err}");
    let total = sent.load(std::sync::atomic::Ordering::SeqCst);
    assert!(total < 200 << 20, "read {total} bytes");
}

#[cfg(unix)]
fn chmod(p: &std::path::Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// A client-credentials profile `p` with a fresh EC key; returns the key's path.
fn m2m_profile(env: &Env) -> std::path::PathBuf {
    let dir = env.path("cert");
    env.ok(&[
        "cert",
        "new",
        "--key-type",
        "ec-p256",
        "--out",
        dir.to_str().unwrap(),
    ]);
    let key = dir.join("private-key.pem");
    env.ok(&[
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
        key.to_str().unwrap(),
        "--base-url",
        "http://127.0.0.1:9",
    ]);
    key
}

#[cfg(unix)]
#[test]
fn config_and_token_directories_others_could_write_are_refused() {
    let env = Env::new();
    m2m_profile(&env);
    let config = env.config_dir();
    let file = config.join("config.toml");

    chmod(&file, 0o666);
    let err = env.fails(&["profile", "list"], 2, "writable by group or others");
    assert!(
        err.contains(&format!("hint: chmod 600 {}", file.display())),
        "{err}"
    );
    chmod(&file, 0o600);

    chmod(&config, 0o777);
    let err = env.fails(&["profile", "list"], 2, "config directory");
    assert!(
        err.contains(&format!("hint: chmod 700 {}", config.display())),
        "{err}"
    );
    chmod(&config, 0o700);

    let tokens = config.join("tokens");
    std::fs::create_dir_all(&tokens).unwrap();
    chmod(&tokens, 0o770);
    let err = env.fails(&["auth", "token"], 2, "token directory");
    assert!(
        err.contains(&format!("hint: chmod 700 {}", tokens.display())),
        "{err}"
    );
    chmod(&tokens, 0o700);
    env.ok(&["profile", "list"]);

    // Owned by another user (only root can make one).
    let uid = std::process::Command::new("id").arg("-u").output().unwrap();
    if String::from_utf8_lossy(&uid.stdout).trim() == "0" {
        std::os::unix::fs::chown(&file, Some(12345), None).unwrap();
        let err = env.fails(&["profile", "list"], 2, "belongs to user id 12345");
        assert!(err.contains("hint: use one of your own"), "{err}");
    }
}

#[cfg(unix)]
#[test]
fn key_files_are_checked() {
    let env = Env::new();
    let key = m2m_profile(&env);
    // Readable by others: a warning, as ssh gives.
    chmod(&key, 0o644);
    let out = env.run(&["doctor", "--offline"]);
    let err = stderr(&out);
    assert!(
        err.contains("warning: the private key")
            && err.contains(&format!("chmod 600 {}", key.display())),
        "{err}"
    );
    chmod(&key, 0o600);
    let out = env.run(&["doctor", "--offline"]);
    assert!(
        !stderr(&out).contains("warning: the private key"),
        "{}",
        stderr(&out)
    );

    // A key named by NETSUITE_PRIVATE_KEY_FILE (`profile add` refuses devices itself).
    let fails = |path: &str, cause: &str| {
        let out = env
            .cmd()
            .env("NETSUITE_ACCOUNT", "1234567")
            .env("NETSUITE_CLIENT_ID", "abc")
            .env("NETSUITE_CERTIFICATE_ID", "kid")
            .env("NETSUITE_PRIVATE_KEY_FILE", path)
            .env("NETSUITE_BASE_URL", "http://127.0.0.1:9")
            .args(["auth", "token"])
            .output()
            .unwrap();
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{path}: {err}");
        assert!(
            err.contains(cause) && err.contains("hint: "),
            "{path}: {err}"
        );
        assert!(!err.contains("panicked"), "{err}");
    };
    // Endless files stop at the cap.
    fails("/dev/zero", "larger than 1 MiB");
    fails("/dev/urandom", "larger than 1 MiB");
    // DER says so.
    let der = env.path("key.der");
    let out = std::process::Command::new("openssl")
        .args(["pkey", "-outform", "DER", "-in"])
        .arg(&key)
        .arg("-out")
        .arg(&der)
        .output()
        .unwrap();
    assert!(out.status.success());
    fails(der.to_str().unwrap(), "expected PEM");
    // Two keys in one file.
    let two = env.path("two.pem");
    let pem = std::fs::read_to_string(&key).unwrap();
    std::fs::write(&two, format!("{pem}{pem}")).unwrap();
    chmod(&two, 0o600);
    fails(two.to_str().unwrap(), "2 private keys");
}

#[test]
fn data_and_query_files_stop_at_a_cap() {
    let env = Env::new();
    let base = "http://127.0.0.1:9";
    for (args, cause) in [
        (
            vec!["record", "create", "customer", "--data", "@/dev/zero"],
            "larger than 64 MiB",
        ),
        (vec!["suiteql", "@/dev/urandom"], "larger than 4 MiB"),
    ] {
        let out = run_env(&env, base, &[], &args);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(
            err.contains(cause) && err.contains("hint: "),
            "{args:?}: {err}"
        );
    }
}

#[test]
fn profile_names_are_validated_on_every_path() {
    let env = Env::new();
    m2m_profile(&env);
    let file = env.config_dir().join("config.toml");
    let original = std::fs::read_to_string(&file).unwrap();
    assert!(original.contains("[profiles.p]"), "{original}");

    // Too long: a clear error, not `File name too long`.
    let long = "x".repeat(300);
    let err = env.fails(&["auth", "token", "--profile", &long], 2, "characters long");
    assert!(!err.contains("File name too long"), "{err}");
    let err = env.fails(
        &[
            "profile",
            "add",
            &long,
            "--flow",
            "auth-code",
            "--account",
            "1234567",
            "--client-id",
            "abc",
        ],
        2,
        "the most is 64",
    );
    assert!(!err.contains("File name too long"), "{err}");

    // Case twins would share a token file on a case-insensitive file system.
    let dir = env.path("cert");
    let key = dir.join("private-key.pem");
    env.fails(
        &[
            "profile",
            "add",
            "P",
            "--account",
            "1234567",
            "--client-id",
            "abc",
            "--certificate-id",
            "kid",
            "--private-key",
            key.to_str().unwrap(),
        ],
        2,
        "share its token file",
    );

    // Hand-edited configs: names that would map to one token file, or invalid ones.
    for (edited, cause) in [
        (
            original.replace("[profiles.p]", "[profiles.\"a b\"]"),
            "invalid profile name \"a b\"",
        ),
        (
            original.replace("[profiles.p]", "[profiles.\"a/b\"]"),
            "invalid profile name \"a/b\"",
        ),
        (
            format!(
                "{original}\n{}",
                original
                    .split_once("[profiles.p]")
                    .map(|(_, rest)| format!("[profiles.P]{rest}"))
                    .unwrap()
            ),
            "would share one token file",
        ),
    ] {
        std::fs::write(&file, edited).unwrap();
        let err = env.fails(&["profile", "list"], 2, cause);
        assert!(err.contains("config.toml"), "{err}");
    }
    std::fs::write(&file, original).unwrap();
    env.ok(&["profile", "list"]);
}

#[cfg(unix)]
#[test]
fn exports_cannot_be_corrupted_and_say_how_to_resume() {
    use netsuite_auth::cert::KeyType;
    use netsuite_emulator::Faults;
    use netsuite_test::TestEmulator;
    const ROWS: i64 = 20_000;
    let (_rt, emu) = TestEmulator::start_blocking(|c| c.demo_scale = ROWS as u64);
    let m = emu.m2m(KeyType::EcP256, &["rest_webservices", "restlets"]);
    let env = Env::new();
    common::add_m2m_profile(&env, "p", &m, &emu.base_url, &[]);
    env.ok(&["auth", "token"]);
    let out = env.path("tx.ndjson");
    let out_s = out.to_str().unwrap().to_owned();
    let export: Vec<&str> = vec![
        "suiteql",
        "SELECT id, tranid FROM transaction",
        "--all",
        "--key",
        "id",
        "--page-size",
        "100",
        "--rows-per-partition",
        "2000",
        "--concurrency",
        "2",
        "--quiet",
        "--format",
        "ndjson",
        "--out",
        &out_s,
    ];
    emu.emulator
        .set_faults(Faults {
            latency_ms: 200,
            ..Faults::default()
        })
        .unwrap();
    let checkpoint = env.path("tx.ndjson.checkpoint");
    let first = export_until_checkpoint(&env, &export, &checkpoint);

    // A second export to the same file is refused while the first runs (even with --force).
    let mut force = export.clone();
    force.push("--force");
    let err = env.fails(&force, 1, "another export is writing");
    assert!(err.contains("hint: wait for the other export"), "{err}");

    // SIGTERM: the checkpoint is finished and the message says how to resume.
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &first.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let first = first.wait_with_output().unwrap();
    let err = stderr(&first);
    assert_eq!(first.status.code(), Some(1), "{err}");
    emu.emulator.set_faults(Faults::none()).unwrap();
    let saved = std::fs::read_to_string(&checkpoint).unwrap();
    let c: serde_json::Value = serde_json::from_str(&saved).unwrap();
    let written = c["rows"].as_u64().unwrap();
    assert!(written > 0 && written < ROWS as u64, "{saved}");
    let written_text = thousands(written);
    assert!(
        err.contains(&format!(
            "error: interrupted by SIGTERM: {written_text} rows are written to {out_s} and the checkpoint"
        )) && err.contains(
            "hint: rerun with --resume to continue where it stopped: `netsuite suiteql"
        ) && err.contains("--resume`"),
        "{err}"
    );

    // Starting again without --resume over the checkpoint is refused (exit 2).
    let err = env.fails(&export, 2, "holds an interrupted export");
    assert!(
        err.contains(&format!("({written_text} rows written)"))
            && err.contains("hint: continue it with --resume: `netsuite suiteql")
            && err.contains("or start over with --force"),
        "{err}"
    );
    assert_eq!(
        std::fs::read_to_string(&checkpoint).unwrap(),
        saved,
        "left as it was"
    );
    let bytes = c["bytes"].as_u64().unwrap();
    assert_eq!(
        std::fs::metadata(&out).unwrap().len(),
        bytes,
        "the checkpoint records everything written"
    );
    let mut resume = export.clone();
    resume.push("--resume");

    // An edited last_key, forward or back, is refused.
    let last = c["last_key"].as_str().unwrap().to_owned();
    for moved in [
        (last.parse::<i64>().unwrap() + 5000).to_string(),
        "301".to_owned(),
    ] {
        std::fs::write(
            &checkpoint,
            saved.replace(
                &format!("\"last_key\": \"{last}\""),
                &format!("\"last_key\": \"{moved}\""),
            ),
        )
        .unwrap();
        env.fails(&resume, 1, "it was edited");
    }
    std::fs::write(&checkpoint, &saved).unwrap();

    // An output changed before its checkpointed length, or truncated mid-line and
    // padded back, is refused.
    let original = std::fs::read(&out).unwrap();
    let mut changed = original.clone();
    let at = changed.iter().position(|b| b.is_ascii_digit()).unwrap();
    changed[at] = if changed[at] == b'9' { b'8' } else { b'9' };
    std::fs::write(&out, &changed).unwrap();
    env.fails(&resume, 1, "the file was changed");
    let cut = original.len() - 7;
    std::fs::write(&out, &original[..cut]).unwrap();
    env.fails(&resume, 1, "it was truncated");
    std::fs::write(&out, &original).unwrap();

    // The real resume: every row exactly once.
    let done = env.run(&resume);
    assert!(done.status.success(), "{}", stderr(&done));
    assert!(!checkpoint.exists());
    let text = std::fs::read_to_string(&out).unwrap();
    let ids: Vec<i64> = text
        .lines()
        .map(|l| common::json(l)["id"].as_str().unwrap().parse().unwrap())
        .collect();
    assert_eq!(ids.len() as i64, ROWS, "every row exactly once");
    assert!(
        ids.windows(2).all(|w| w[0] < w[1]),
        "in key order, no repeats"
    );

    // --force starts over a leftover checkpoint; the rate is rounded.
    std::fs::write(&checkpoint, &saved).unwrap();
    let quiet_less: Vec<&str> = force.iter().copied().filter(|a| *a != "--quiet").collect();
    let fresh = env.run(&quiet_less);
    let err = stderr(&fresh);
    assert!(fresh.status.success(), "{err}");
    assert!(!checkpoint.exists());
    assert_eq!(
        std::fs::read_to_string(&out).unwrap(),
        text,
        "the same rows again"
    );
    assert_rounded_rate(&err);

    // Ctrl-C (SIGINT) says the same, and --resume completes the export.
    std::fs::remove_file(&out).unwrap();
    emu.emulator
        .set_faults(Faults {
            latency_ms: 200,
            ..Faults::default()
        })
        .unwrap();
    let second = export_until_checkpoint(&env, &export, &checkpoint);
    let killed = std::process::Command::new("kill")
        .args(["-INT", &second.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let second = second.wait_with_output().unwrap();
    let err = stderr(&second);
    assert_eq!(second.status.code(), Some(1), "{err}");
    assert!(
        err.contains("error: interrupted by SIGINT: ")
            && err.contains(&format!(" rows are written to {out_s} and the checkpoint"))
            && err.contains("hint: rerun with --resume"),
        "{err}"
    );
    emu.emulator.set_faults(Faults::none()).unwrap();
    let done = env.run(&resume);
    assert!(done.status.success(), "{}", stderr(&done));
    assert_eq!(
        std::fs::read_to_string(&out).unwrap(),
        text,
        "every row once"
    );
}

#[cfg(unix)]
/// Starts `export` and waits until it has saved a checkpoint with a frontier.
fn export_until_checkpoint(
    env: &Env,
    export: &[&str],
    checkpoint: &std::path::Path,
) -> std::process::Child {
    let child = env
        .cmd()
        .args(export)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while !std::fs::read_to_string(checkpoint).is_ok_and(|c| c.contains("\"last_key\": \"")) {
        assert!(
            std::time::Instant::now() < deadline,
            "no checkpoint written"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    child
}

#[cfg(unix)]
/// `n` with thousands separators, as the CLI prints counts.
fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(unix)]
/// The summary line gives the rate as a whole number rounded to three significant
/// figures, with thousands separators ("12,300 rows/s", never "12345.678").
fn assert_rounded_rate(stderr: &str) {
    let rate = stderr
        .split(" rows/s")
        .next()
        .and_then(|before| before.rsplit(", ").next())
        .filter(|_| stderr.contains(" rows/s"))
        .unwrap_or_else(|| panic!("no rate in {stderr}"));
    let n: u64 = rate
        .replace(',', "")
        .parse()
        .unwrap_or_else(|_| panic!("{stderr}"));
    assert_eq!(rate, thousands(n), "{stderr}");
    let significant = n.to_string().trim_end_matches('0').len();
    assert!(significant <= 3, "not rounded: {stderr}");
}

#[test]
fn a_lost_rotated_refresh_token_says_what_to_do() {
    let env = Env::new();
    let base = script_server(vec![http_json(
        "400 Bad Request",
        "",
        r#"{"error":"invalid_grant"}"#,
    )]);
    let run = |args: &[&str]| {
        env.cmd()
            .env("NETSUITE_ACCOUNT", "1234567")
            .env("NETSUITE_CLIENT_ID", "abc")
            .env("NETSUITE_REFRESH_TOKEN", "r-spent")
            .env("NETSUITE_BASE_URL", &base)
            .args(args)
            .output()
            .unwrap()
    };
    for args in [&["auth", "token"][..], &["auth", "status"][..]] {
        let out = run(args);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(4), "{args:?}: {err}");
        assert!(
            err.contains("hint: run `netsuite auth login` to sign in again. If a run was killed while renewing")
                && err.contains("it cannot be recovered"),
            "{args:?}: {err}"
        );
    }
    let out = run(&["doctor"]);
    let all = format!("{}{}", String::from_utf8_lossy(&out.stdout), stderr(&out));
    assert!(
        all.contains("NetSuite had already rotated the refresh token"),
        "{all}"
    );
}
