//! `netsuite record`, `suiteql`, `restlet` and `api` as a built binary against an
//! in-process emulator on 127.0.0.1:0, including the error paths.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::process::Stdio;

use common::{Env, json};
use netsuite_auth::cert::KeyType;
use netsuite_test::TestEmulator;

/// An emulator on a runtime of its own (the test thread runs the binary) and a
/// profile named `p` for it.
struct Setup {
    env: Env,
    _emu: TestEmulator,
    _rt: tokio::runtime::Runtime,
}

fn setup_with(scopes: &[&str], configure: impl FnOnce(&mut netsuite_emulator::Config)) -> Setup {
    let (rt, emu) = TestEmulator::start_blocking(configure);
    let m = emu.m2m(KeyType::EcP256, &["rest_webservices", "restlets"]);
    let env = Env::new();
    let scope = scopes.join(",");
    common::add_m2m_profile(&env, "p", &m, &emu.base_url, &["--scope", &scope]);
    Setup {
        env,
        _emu: emu,
        _rt: rt,
    }
}

fn setup() -> Setup {
    setup_with(&["rest_webservices", "restlets"], |_| {})
}

#[test]
fn records_from_the_command_line() {
    let s = setup();
    let e = &s.env;
    let order = json(&e.ok(&["record", "get", "salesorder", "304"]));
    assert_eq!(order["id"], "304");
    let some = json(&e.ok(&[
        "record",
        "get",
        "salesorder",
        "304",
        "--fields",
        "tranId,memo",
    ]));
    assert!(some.get("tranId").is_some());
    // Create: inline, @FILE and stdin.
    let id = e
        .ok(&[
            "record",
            "create",
            "customer",
            "--data",
            r#"{"companyName":"CLI One","subsidiary":{"id":"1"}}"#,
        ])
        .trim()
        .to_owned();
    assert!(id.parse::<u64>().is_ok(), "{id}");
    let file = e.path("c.json");
    std::fs::write(
        &file,
        r#"{"companyName":"CLI Two","subsidiary":{"id":"1"}}"#,
    )
    .unwrap();
    let id2 = e
        .ok(&[
            "record",
            "create",
            "customer",
            "--data",
            &format!("@{}", file.display()),
        ])
        .trim()
        .to_owned();
    let mut child = e
        .cmd()
        .args(["record", "create", "customer", "--data", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(br#"{"companyName":"CLI Three","subsidiary":{"id":"1"}}"#)
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Idempotent create: the same key twice gives the same record.
    let k1 = e.ok(&[
        "record",
        "create",
        "customer",
        "--data",
        r#"{"companyName":"CLI Key","subsidiary":{"id":"1"}}"#,
        "--idempotency-key",
        "cli-key-1",
    ]);
    let k2 = e.ok(&[
        "record",
        "create",
        "customer",
        "--data",
        r#"{"companyName":"CLI Key","subsidiary":{"id":"1"}}"#,
        "--idempotency-key",
        "cli-key-1",
    ]);
    assert_eq!(k1, k2);
    // Update, upsert, list, delete.
    e.ok(&[
        "record",
        "update",
        "customer",
        &id,
        "--data",
        r#"{"phone":"555-0199"}"#,
    ]);
    let c = json(&e.ok(&["record", "get", "customer", &id]));
    assert_eq!(c["phone"], "555-0199");
    e.ok(&[
        "record",
        "upsert",
        "customer",
        "eid:CLI-UP",
        "--data",
        r#"{"companyName":"CLI Up","subsidiary":{"id":"1"}}"#,
    ]);
    let up = json(&e.ok(&["record", "get", "customer", "eid:CLI-UP"]));
    assert_eq!(up["companyName"], "CLI Up");
    let list = json(&e.ok(&["record", "list", "customer", "--limit", "5"]));
    assert_eq!(list.as_array().unwrap().len(), 5);
    assert!(list[0].get("links").is_none());
    let filtered = e.ok(&[
        "record",
        "list",
        "customer",
        "--q",
        &format!("id GREATER_OR_EQUAL {id}"),
        "--format",
        "ndjson",
    ]);
    assert!(
        filtered.lines().any(|l| json(l)["id"] == id.as_str()),
        "{filtered}"
    );
    let all = e.ok(&["record", "list", "customer", "--all", "--format", "csv"]);
    assert!(all.starts_with("id\r\n"));
    assert!(all.lines().count() > 25);
    let table = e.ok(&[
        "record", "list", "customer", "--limit", "3", "--format", "table",
    ]);
    assert!(table.starts_with("ID\n"), "{table}");
    e.ok(&["record", "delete", "customer", &id2, "--yes"]);
    // Error paths: each a clear error and a hint.
    let err = e.fails(&["record", "get", "customer", &id2], 1, "NONEXISTENT_ID");
    assert!(err.contains("hint: check the record type and id"), "{err}");
    e.fails(&["record", "get", "nosuchtype", "1"], 1, "nosuchtype");
    let err = e.fails(
        &[
            "record",
            "list",
            "customer",
            "--q",
            "companyName BOGUS_OP x",
        ],
        1,
        "query parameter q",
    );
    assert!(err.contains("FIELD OPERATOR VALUE"), "{err}");
    e.fails(
        &[
            "record",
            "create",
            "customer",
            "--data",
            "{\"companyName\": }",
        ],
        2,
        "not valid JSON",
    );
    e.fails(
        &[
            "record",
            "create",
            "customer",
            "--data",
            "@/no/such/file.json",
        ],
        2,
        "cannot read /no/such/file.json",
    );
    e.fails(
        &["record", "create", "customer", "--data", "[1,2]"],
        2,
        "JSON object",
    );
    e.fails(
        &[
            "record",
            "create",
            "customer",
            "--data",
            r#"{"email":"x@y.example"}"#,
        ],
        1,
        "Company Name",
    );
    e.fails(
        &["record", "upsert", "customer", "CLI-UP", "--data", "{}"],
        2,
        "external id",
    );
}

#[test]
fn suiteql_formats_files_and_errors() {
    let s = setup_with(&["rest_webservices", "restlets"], |c| c.demo_scale = 2500);
    let e = &s.env;
    let q = "SELECT id, tranid FROM transaction WHERE id < 320 ORDER BY id";
    let rows = json(&e.ok(&["suiteql", q]));
    assert_eq!(rows.as_array().unwrap().len(), 19);
    assert_eq!(rows[0]["id"], "301");
    let csv = e.ok(&["suiteql", q, "--format", "csv"]);
    assert!(csv.starts_with("id,tranid\r\n301,"), "{csv}");
    let nd = e.ok(&["suiteql", q, "--format", "ndjson", "--limit", "4"]);
    assert_eq!(nd.lines().count(), 4);
    let table = e.ok(&["suiteql", q, "--format", "table", "--limit", "2"]);
    assert!(table.starts_with("ID   TRANID"), "{table}");
    // @FILE and stdin.
    let file = e.path("q.sql");
    std::fs::write(&file, q).unwrap();
    assert_eq!(
        json(&e.ok(&["suiteql", &format!("@{}", file.display())])),
        rows
    );
    let mut child = e
        .cmd()
        .args(["suiteql", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(q.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(json(&String::from_utf8(out.stdout).unwrap()), rows);
    // The default shows the first 1000 rows and says so.
    let out = e.run(&["suiteql", "SELECT id FROM transaction ORDER BY id"]);
    assert_eq!(
        json(&String::from_utf8_lossy(&out.stdout))
            .as_array()
            .unwrap()
            .len(),
        1000
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("--all"));
    // --all to a file and to stdout, every row once, in key order.
    let out_file = e.path("all.ndjson");
    e.ok(&[
        "suiteql",
        "SELECT id, tranid FROM transaction",
        "--all",
        "--key",
        "id",
        "--out",
        out_file.to_str().unwrap(),
        "--page-size",
        "200",
        "--rows-per-partition",
        "500",
    ]);
    let text = std::fs::read_to_string(&out_file).unwrap();
    let ids: Vec<i64> = text
        .lines()
        .map(|l| json(l)["id"].as_str().unwrap().parse().unwrap())
        .collect();
    assert_eq!(ids, (301..2801).collect::<Vec<_>>());
    let csv = e.ok(&[
        "suiteql",
        "SELECT id, tranid FROM transaction",
        "--all",
        "--format",
        "csv",
        "--page-size",
        "300",
    ]);
    assert_eq!(csv.lines().count(), 2501);
    // Errors: NetSuite's message and a hint; usage errors exit 2.
    let err = e.fails(
        &["suiteql", "SELECT nosuchcolumn FROM transaction"],
        1,
        "nosuchcolumn",
    );
    assert!(err.contains("hint: check the query"), "{err}");
    e.fails(&["suiteql", "@/no/such.sql"], 2, "cannot read /no/such.sql");
    e.fails(
        &[
            "suiteql",
            "SELECT id FROM transaction",
            "--all",
            "--format",
            "table",
        ],
        2,
        "table",
    );
    let out = e.run(&["suiteql", "SELECT id FROM transaction", "--resume"]);
    assert_eq!(out.status.code(), Some(2));
}

/// `2025-01-13` as NetSuite's default date format shows it: `1/13/2025`.
fn us_date(iso: &str) -> String {
    let mut p = iso.split('-').map(|n| n.parse::<u32>().unwrap());
    let (y, m, d) = (p.next().unwrap(), p.next().unwrap(), p.next().unwrap());
    format!("{m}/{d}/{y}")
}

/// SuiteQL answers carry dates as NetSuite formats them (M/D/YYYY by default,
/// date-times with h:mm am): JSON, the table, CSV and --all exports show them as
/// they come; keyset paging by id works over them, and a date key is refused
/// (formatted dates do not sort as text, and they repeat).
#[test]
fn suiteql_dates_as_netsuite_formats_them() {
    let s = setup();
    let e = &s.env;
    let q = "SELECT id, tranid, trandate, TO_CHAR(trandate, 'YYYY-MM-DD') AS iso, lastmodifieddate FROM transaction ORDER BY id";
    let rows = json(&e.ok(&["suiteql", q]));
    let rows = rows.as_array().unwrap();
    assert_eq!(rows.len(), 100);
    for r in rows {
        let iso = r["iso"].as_str().unwrap();
        assert_eq!(r["trandate"], us_date(iso), "{r}");
        assert_eq!(
            r["lastmodifieddate"],
            format!("{} 10:05 am", us_date(iso)),
            "{r}"
        );
    }
    let iso_304 = rows.iter().find(|r| r["id"] == "304").unwrap()["iso"]
        .as_str()
        .unwrap()
        .to_owned();
    let table = e.ok(&[
        "suiteql",
        "SELECT tranid, trandate, lastmodifieddate FROM transaction WHERE id = 304",
        "--format",
        "table",
    ]);
    assert!(
        table.contains(&format!("{} 10:05 am", us_date(&iso_304))),
        "{table}"
    );
    // --all by offset (CSV) and by keyset on id (NDJSON): every row, dates as shown.
    let csv = e.ok(&[
        "suiteql",
        q,
        "--all",
        "--format",
        "csv",
        "--page-size",
        "10",
    ]);
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines[0], "id,tranid,trandate,iso,lastmodifieddate");
    assert_eq!(lines.len(), 101);
    for line in &lines[1..] {
        let cells: Vec<&str> = line.split(',').collect();
        assert_eq!(cells[2], us_date(cells[3]), "{line}");
    }
    let nd = e.ok(&[
        "suiteql",
        q,
        "--all",
        "--key",
        "id",
        "--format",
        "ndjson",
        "--page-size",
        "10",
        "--rows-per-partition",
        "30",
    ]);
    let exported: Vec<serde_json::Value> = nd.lines().map(json).collect();
    assert_eq!(exported.len(), 100);
    for r in &exported {
        assert_eq!(r["trandate"], us_date(r["iso"].as_str().unwrap()), "{r}");
    }
    // A date key: refused with the reason and what to do instead.
    let err = e.fails(
        &[
            "suiteql",
            "SELECT id, trandate FROM transaction",
            "--all",
            "--key",
            "trandate",
            "--page-size",
            "10",
        ],
        2,
        "holds dates",
    );
    assert!(
        err.contains("hint: page by a unique number column"),
        "{err}"
    );
}

#[test]
fn a_broken_pipe_ends_quietly() {
    let s = setup_with(&["rest_webservices"], |c| c.demo_scale = 5000);
    for args in [
        &[
            "suiteql",
            "SELECT id, tranid FROM transaction",
            "--all",
            "--key",
            "id",
            "--page-size",
            "100",
        ][..],
        &[
            "suiteql",
            "SELECT id, tranid FROM transaction",
            "--limit",
            "5000",
            "--format",
            "ndjson",
        ][..],
    ] {
        let mut child = s
            .env
            .cmd()
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut reader = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        reader.read_line(&mut line).unwrap();
        assert!(line.contains("\"id\""), "{line}");
        drop(reader); // `| head -1`
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {stderr}");
        assert!(!stderr.contains("error"), "{stderr}");
    }
}

#[test]
fn restlets_and_api() {
    let s = setup();
    let e = &s.env;
    let out = json(&e.ok(&[
        "restlet",
        "--script",
        "1",
        "--deploy",
        "1",
        "--data",
        r#"{"ping":"pong"}"#,
    ]));
    assert!(out.to_string().contains("pong"), "{out}");
    let out = e.ok(&[
        "restlet",
        "--script",
        "1",
        "--deploy",
        "1",
        "--method",
        "put",
        "--data",
        "hello text",
        "--text",
    ]);
    assert!(out.contains("hello text"), "{out}");
    let out = e.ok(&[
        "restlet", "--script", "1", "--deploy", "1", "--param", "x=42",
    ]);
    assert!(out.contains("42"), "{out}");
    e.fails(
        &["restlet", "--script", "999", "--deploy", "1"],
        1,
        "SSS_INVALID_SCRIPTLET_ID",
    );
    e.fails(
        &[
            "restlet", "--script", "1", "--deploy", "1", "--param", "nonsense",
        ],
        2,
        "NAME=VALUE",
    );
    // api: any path, the body on stdout.
    let r = json(&e.ok(&["api", "GET", "/services/rest/record/v1/salesorder/304"]));
    assert_eq!(r["id"], "304");
    let r = json(&e.ok(&[
        "api",
        "POST",
        "/services/rest/query/v1/suiteql?limit=2",
        "-H",
        "Prefer: transient",
        "--data",
        r#"{"q":"SELECT id FROM customer ORDER BY id"}"#,
    ]));
    assert_eq!(r["items"].as_array().unwrap().len(), 2);
    let r = json(&e.ok(&[
        "api",
        "GET",
        "/app/site/hosting/restlet.nl?script=1&deploy=1",
    ]));
    assert!(r.is_object());
    let out = e.run(&["api", "GET", "/services/rest/record/v1/salesorder/999999"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("NONEXISTENT_ID"));
    assert!(String::from_utf8_lossy(&out.stderr).contains("hint:"));
    e.fails(&["api", "FR OB", "/x"], 2, "not an HTTP method");
    e.fails(&["api", "GET", "https://evil.example/x"], 2, "path");
    e.fails(
        &[
            "api",
            "POST",
            "/services/rest/query/v1/suiteql",
            "--data",
            "{nope",
        ],
        2,
        "not valid JSON",
    );
}

#[test]
fn unauthorized_after_renewal_and_html_answers() {
    // A token without rest_webservices: REST answers 401 twice (before and after a
    // renewal).
    let s = setup_with(&["restlets"], |_| {});
    let err = s
        .env
        .fails(&["record", "get", "salesorder", "304"], 4, "INVALID_LOGIN");
    assert!(err.contains("lack rest_webservices"), "{err}");
    // An HTML page where JSON was expected.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let mut s = stream;
            let mut buf = [0u8; 8192];
            let _ = std::io::Read::read(&mut s, &mut buf);
            let body = "<html><body>Sign in</body></html>";
            let _ = write!(
                s,
                "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    let e = &s.env;
    let key = e.path("k");
    e.ok(&["cert", "new", "--out", key.to_str().unwrap()]);
    e.ok(&[
        "profile",
        "add",
        "html",
        "--account",
        "1234567",
        "--client-id",
        "c",
        "--certificate-id",
        "k",
        "--private-key",
        key.join("private-key.pem").to_str().unwrap(),
        "--base-url",
        &format!("http://{addr}"),
    ]);
    let err = e.fails(
        &["--profile", "html", "record", "get", "salesorder", "304"],
        1,
        "HTML",
    );
    assert!(
        err.contains("hint: check the account id or base URL"),
        "{err}"
    );
}
