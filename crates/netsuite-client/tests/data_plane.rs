//! Records, SuiteQL, RESTlets, exports and governance against the emulator on
//! 127.0.0.1:0.

use std::sync::Arc;
use std::time::Duration;

use futures_util::{StreamExt, TryStreamExt};
use netsuite_auth::account::Endpoints;
use netsuite_auth::assertion::ScopeFormat;
use netsuite_auth::cert::KeyType;
use netsuite_auth::key::PrivateKey;
use netsuite_client::export::{ExportFormat, ExportMode, ExportOptions};
use netsuite_client::record::{GetOptions, ListOptions, UpdateOptions};
use netsuite_client::restlet::{RestletBody, RestletCall, RestletResponse};
use netsuite_client::suiteql::QueryOptions;
use netsuite_client::{Client, ClientCredentials, Error, Governor, RetryPolicy, TokenSource};
use netsuite_emulator::Faults;
use netsuite_test::TestEmulator;
use serde_json::{Value, json};

fn client(emu: &TestEmulator) -> Client {
    let m = emu.m2m(KeyType::EcP256, &["rest_webservices", "restlets"]);
    let key = PrivateKey::from_pem(&std::fs::read_to_string(&m.private_key).unwrap()).unwrap();
    let creds = ClientCredentials {
        endpoints: Endpoints::with_base_url(&emu.base_url).unwrap(),
        client_id: m.client_id.as_str().into(),
        certificate_id: m.certificate_id.as_str().into(),
        algorithm: key.kind().default_algorithm(),
        private_key: Arc::new(key),
        scopes: vec!["rest_webservices".into(), "restlets".into()],
        scope_format: ScopeFormat::Array,
        assertion_lifetime_secs: 300,
    };
    Client::new(TokenSource::new(creds, None))
        .unwrap()
        .with_retry(RetryPolicy {
            max_attempts: 12,
            base_delay: Duration::from_millis(5),
            max_delay: Duration::from_millis(100),
        })
}

#[tokio::test]
async fn record_crud_and_lists() {
    let emu = TestEmulator::start().await;
    let c = client(&emu);
    let body =
        json!({"companyName": "Quote \" Co", "subsidiary": {"id": "1"}, "email": "q@example.com"});
    let id = c.create_record("customer", &body).await.unwrap();
    let got = c
        .get_record(
            "customer",
            &id,
            &GetOptions {
                fields: vec!["companyName".into()],
                expand_sub_resources: false,
            },
        )
        .await
        .unwrap();
    assert_eq!(got["companyName"], "Quote \" Co");
    c.update_record(
        "customer",
        &id,
        &json!({"phone": "555-1234"}),
        &UpdateOptions::default(),
    )
    .await
    .unwrap();
    let got = c
        .get_record("customer", &id, &GetOptions::default())
        .await
        .unwrap();
    assert_eq!(got["phone"], "555-1234");
    // Upsert: creates, then updates the same record.
    let first = c
        .upsert_record(
            "customer",
            "eid:UP-1",
            &json!({"companyName": "Upserted", "subsidiary": {"id": "1"}}),
        )
        .await
        .unwrap();
    c.upsert_record(
        "customer",
        "UP-1",
        &json!({"companyName": "Upserted again", "subsidiary": {"id": "1"}}),
    )
    .await
    .unwrap();
    let up = c
        .get_record("customer", "eid:UP-1", &GetOptions::default())
        .await
        .unwrap();
    assert_eq!(up["companyName"], "Upserted again");
    if let Some(first) = first {
        assert_eq!(up["id"], first.as_str());
    }
    // Lists: a stream over pages, limited, filtered.
    let all: Vec<Value> = c
        .list_records("customer", &ListOptions::default())
        .try_collect()
        .await
        .unwrap();
    assert!(all.len() >= 27, "{}", all.len());
    let three: Vec<Value> = c
        .list_records(
            "customer",
            &ListOptions {
                q: None,
                limit: Some(3),
            },
        )
        .try_collect()
        .await
        .unwrap();
    assert_eq!(three.len(), 3);
    let page = c.list_records_page("customer", None, 2, 2).await.unwrap();
    assert_eq!(page.items.len(), 2);
    assert_eq!(page.offset, 2);
    let filtered: Vec<Value> = c
        .list_records(
            "customer",
            &ListOptions {
                q: Some(format!("id GREATER_OR_EQUAL {id}")),
                limit: None,
            },
        )
        .try_collect()
        .await
        .unwrap();
    assert!(
        filtered.iter().any(|v| v["id"] == id.as_str()),
        "{filtered:?}"
    );
    // A malformed filter: NetSuite's message and the parameter, as data.
    let e = c
        .list_records(
            "customer",
            &ListOptions {
                q: Some("nonsense ~~ 3".into()),
                limit: None,
            },
        )
        .next()
        .await
        .unwrap()
        .unwrap_err();
    assert_eq!(e.query_param(), Some("q"), "{e}");
    assert!(!e.is_retryable());
    // Paging rules are checked before sending.
    assert!(matches!(
        c.list_records_page("customer", None, 10, 15).await,
        Err(Error::InvalidRequest { .. })
    ));
    // Delete, and a missing record.
    c.delete_record("customer", &id).await.unwrap();
    let e = c
        .get_record("customer", &id, &GetOptions::default())
        .await
        .unwrap_err();
    assert!(e.is_not_found(), "{e}");
    let e = c.delete_record("customer", &id).await.unwrap_err();
    assert!(e.is_not_found(), "{e}");
    let e = c
        .get_record("nosuchtype", "1", &GetOptions::default())
        .await
        .unwrap_err();
    assert!(e.api_error().is_some(), "{e}");
    // A body that is not an object is refused before sending.
    assert!(matches!(
        c.create_record("customer", &json!([1])).await,
        Err(Error::InvalidRequest { .. })
    ));
    // A create NetSuite refuses keeps o:errorDetails.
    let e = c
        .create_record("customer", &json!({"email": "x@y.example"}))
        .await
        .unwrap_err();
    assert_eq!(e.api_error().unwrap().status, 400, "{e}");
}

#[tokio::test]
async fn idempotent_create_is_not_repeated() {
    let emu = TestEmulator::start().await;
    let c = client(&emu);
    let body = json!({"companyName": "Idempotent Ltd", "subsidiary": {"id": "1"}});
    let id = c
        .create_record_idempotent("customer", &body, "key-0001")
        .await
        .unwrap();
    let again = c
        .create_record_deduplicated("customer", &body, "key-0001")
        .await
        .unwrap();
    assert_eq!(again.id, id);
    assert!(
        again.deduplicated,
        "the repeat is answered with the first record"
    );
    let fresh = c
        .create_record_deduplicated("customer", &body, "key-0002")
        .await
        .unwrap();
    assert!(!fresh.deduplicated);
    c.delete_record("customer", &fresh.id).await.unwrap();
    let rows: Vec<_> = c
        .suiteql(
            "SELECT id FROM customer WHERE companyname = 'Idempotent Ltd'",
            &QueryOptions::default(),
        )
        .try_collect()
        .await
        .unwrap();
    assert_eq!(rows.len(), 1);
}

#[tokio::test]
async fn suiteql_stream_and_errors() {
    let emu = TestEmulator::start_with(|c| c.demo_scale = 2500).await;
    let c = client(&emu);
    let q = "SELECT id, tranid FROM transaction ORDER BY id";
    let rows: Vec<_> = c
        .suiteql(q, &QueryOptions { limit: Some(2100) })
        .try_collect()
        .await
        .unwrap();
    assert_eq!(rows.len(), 2100);
    let ids: Vec<i64> = rows
        .iter()
        .map(|r| r.text("id").unwrap().parse().unwrap())
        .collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]));
    assert_eq!(rows[0].columns().collect::<Vec<_>>(), ["id", "tranid"]);
    // The query travels as a JSON string: quotes and backslashes are data.
    let rows: Vec<_> = c
        .suiteql(
            r#"SELECT 'a "quoted" \ value' AS v FROM transaction WHERE id = 304"#,
            &QueryOptions::default(),
        )
        .try_collect()
        .await
        .unwrap();
    assert_eq!(rows[0].text("v").as_deref(), Some(r#"a "quoted" \ value"#));
    let e = c
        .suiteql(
            "SELECT nosuchcolumn FROM transaction",
            &QueryOptions::default(),
        )
        .next()
        .await
        .unwrap()
        .unwrap_err();
    let api = e.api_error().expect("NetSuite's error as data");
    assert_eq!(api.status, 400);
    assert!(!api.details[0].detail.is_empty());
    assert!(matches!(
        c.suiteql_page(q, 1001, 0).await,
        Err(Error::InvalidRequest { .. })
    ));
}

#[tokio::test]
async fn restlets() {
    let emu = TestEmulator::start().await;
    let c = client(&emu);
    let mut call = RestletCall::new("1", "1");
    call.method = reqwest::Method::POST;
    call.body = Some(RestletBody::Json(json!({"hello": "world"})));
    let RestletResponse::Json(v) = c.call_restlet(&call).await.unwrap() else {
        panic!("expected JSON")
    };
    assert!(v.to_string().contains("world"), "{v}");
    call.body = Some(RestletBody::Text("plain words".into()));
    let r = c.call_restlet(&call).await.unwrap();
    let text = match r {
        RestletResponse::Text(t) => t,
        RestletResponse::Json(v) => v.to_string(),
    };
    assert!(text.contains("plain words"), "{text}");
    let mut get = RestletCall::new("1", "1");
    get.params.push(("a".into(), "b".into()));
    c.call_restlet(&get).await.unwrap();
    let e = c
        .call_restlet(&RestletCall::new("999", "1"))
        .await
        .unwrap_err();
    assert!(e.api_error().is_some(), "{e}");
}

#[tokio::test]
async fn governance_refusals_are_retried_and_the_window_adapts() {
    let emu = TestEmulator::start().await;
    emu.emulator.set_concurrency_limit(2).unwrap();
    let c = client(&emu).with_governor(Governor::new(8));
    // Warm the token first (the token endpoint is not governed).
    c.get_record("salesorder", "304", &GetOptions::default())
        .await
        .unwrap();
    emu.emulator
        .set_faults(Faults {
            latency_ms: 30,
            ..Faults::default()
        })
        .unwrap();
    let tasks: Vec<_> = (0..24)
        .map(|_| {
            let c = c.clone();
            tokio::spawn(async move {
                c.get_record("salesorder", "304", &GetOptions::default())
                    .await
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    let stats = c.governor().stats();
    assert!(stats.throttled > 0, "{stats:?}");
    assert!(stats.window < 8.0, "{stats:?}");
    // The emulator never had more in flight than its limit.
    assert!(emu.emulator.governance().peak_in_flight <= 2);
}

#[tokio::test]
async fn concurrency_ceiling_from_governance_limits() {
    let emu = TestEmulator::start().await;
    emu.emulator.set_concurrency_limit(7).unwrap();
    let c = client(&emu).with_governor(Governor::new(5));
    assert_eq!(c.discover_concurrency().await, 7);
    // --concurrency wins over the endpoint.
    let c2 = client(&emu).with_governor(Governor::new(5));
    c2.set_concurrency(3);
    assert_eq!(c2.discover_concurrency().await, 3);
}

#[tokio::test]
async fn a_create_is_never_repeated_after_an_ambiguous_failure() {
    let emu = TestEmulator::start().await;
    let c = client(&emu);
    c.get_record("salesorder", "304", &GetOptions::default())
        .await
        .unwrap();
    emu.emulator
        .set_faults(Faults {
            share_5xx: 0.3,
            share_drop: 0.3,
            share_429: 0.2,
            seed: 7,
            ..Faults::default()
        })
        .unwrap();
    let mut created = Vec::new();
    let mut ambiguous = 0;
    for i in 0..40 {
        let name = format!("Ambiguous {i:03}");
        match c
            .create_record(
                "customer",
                &json!({"companyName": name, "subsidiary": {"id": "1"}}),
            )
            .await
        {
            Ok(id) => created.push((name, id)),
            Err(e @ Error::Ambiguous { .. }) => {
                assert!(e.is_retryable());
                ambiguous += 1;
            }
            Err(e) => panic!("unexpected {e}"),
        }
    }
    assert!(
        ambiguous > 0 && !created.is_empty(),
        "{ambiguous} {}",
        created.len()
    );
    emu.emulator.set_faults(Faults::none()).unwrap();
    let rows: Vec<_> = c
        .suiteql(
            "SELECT companyname, COUNT(*) AS n FROM customer WHERE companyname LIKE 'Ambiguous %' GROUP BY companyname",
            &QueryOptions::default(),
        )
        .try_collect()
        .await
        .unwrap();
    for r in &rows {
        assert_eq!(r.text("n").as_deref(), Some("1"), "duplicated: {r:?}");
    }
    for (name, _) in &created {
        assert!(
            rows.iter()
                .any(|r| r.text("companyname").as_deref() == Some(name.as_str()))
        );
    }
}

fn sum_ids_ndjson(bytes: &[u8]) -> (u64, i64, Vec<i64>) {
    let mut n = 0;
    let mut sum = 0;
    let mut ids = Vec::new();
    for line in bytes.split(|b| *b == b'\n').filter(|l| !l.is_empty()) {
        let v: Value = serde_json::from_slice(line).unwrap();
        let id: i64 = v["id"].as_str().unwrap().parse().unwrap();
        n += 1;
        sum += id;
        ids.push(id);
    }
    (n, sum, ids)
}

#[tokio::test]
async fn exports_by_offset_and_by_keyset_partitions() {
    let emu = TestEmulator::start_with(|c| c.demo_scale = 3000).await;
    let c = client(&emu);
    let q = "SELECT id, tranid FROM transaction ORDER BY id";
    let expected: i64 = (301..301 + 3000).sum();
    // Fits the offset window: offset pages in parallel, in the query's order.
    let mut out = Vec::new();
    let s = c
        .export(
            q,
            &ExportOptions {
                page_size: 200,
                ..ExportOptions::default()
            },
            &mut out,
        )
        .await
        .unwrap();
    assert_eq!(s.mode, ExportMode::Offset);
    let (n, sum, ids) = sum_ids_ndjson(&out);
    assert_eq!((n, sum), (3000, expected));
    assert!(ids.windows(2).all(|w| w[0] < w[1]));
    // Keyset with small partitions and pages; ascending key order.
    let opts = ExportOptions {
        key: Some("id".into()),
        page_size: 100,
        rows_per_partition: 350,
        ..ExportOptions::default()
    };
    let mut out = Vec::new();
    let s = c.export(q, &opts, &mut out).await.unwrap();
    assert_eq!(s.mode, ExportMode::Keyset);
    assert!(s.partitions >= 8, "{s:?}");
    assert_eq!(s.expected_rows, Some(3000));
    let (n, sum, ids) = sum_ids_ndjson(&out);
    assert_eq!((n, sum), (3000, expected));
    assert!(ids.windows(2).all(|w| w[0] < w[1]));
    // CSV, with a header.
    let mut out = Vec::new();
    c.export(
        q,
        &ExportOptions {
            format: ExportFormat::Csv,
            ..opts.clone()
        },
        &mut out,
    )
    .await
    .unwrap();
    let text = String::from_utf8(out).unwrap();
    assert!(text.starts_with("id,tranid\r\n"));
    assert_eq!(text.lines().count(), 3001);
    // A JSON array.
    let mut out = Vec::new();
    c.export(
        q,
        &ExportOptions {
            format: ExportFormat::Json,
            ..opts.clone()
        },
        &mut out,
    )
    .await
    .unwrap();
    let v: Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(v.as_array().unwrap().len(), 3000);
    // A key the query does not select.
    let e = c
        .export("SELECT tranid FROM transaction", &opts, &mut Vec::new())
        .await
        .unwrap_err();
    assert!(e.to_string().contains("id"), "{e}");
    // A small result: one page.
    let mut out = Vec::new();
    let s = c
        .export(
            "SELECT id FROM transaction WHERE id < 311",
            &ExportOptions::default(),
            &mut out,
        )
        .await
        .unwrap();
    assert_eq!((s.mode, s.rows), (ExportMode::Single, 10));
}

#[tokio::test]
async fn file_export_resumes_exactly_once() {
    let emu = TestEmulator::start_with(|c| c.demo_scale = 3000).await;
    let c = client(&emu);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("out.ndjson");
    let q = "SELECT id, tranid FROM transaction";
    let opts = ExportOptions {
        key: Some("id".into()),
        page_size: 100,
        rows_per_partition: 300,
        checkpoint_every: Duration::ZERO,
        ..ExportOptions::default()
    };
    // Interrupt an export partway: the checkpoint records a frontier.
    emu.emulator
        .set_faults(Faults {
            latency_ms: 50,
            ..Faults::default()
        })
        .unwrap();
    let run = {
        let c = c.clone();
        let path = path.clone();
        let opts = opts.clone();
        tokio::spawn(async move { c.export_to_file(q, &opts, &path, false).await })
    };
    let checkpoint = netsuite_client::export::checkpoint_path(&path);
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while !std::fs::read_to_string(&checkpoint).is_ok_and(|c| c.contains("\"last_key\": \"")) {
        assert!(
            std::time::Instant::now() < deadline,
            "no checkpoint written"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    run.abort();
    let _ = run.await;
    // Leave garbage after the checkpointed length, as a crash would.
    {
        use std::io::Write;
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap();
        f.write_all(b"{\"id\":\"garbage\"").unwrap();
    }
    emu.emulator.set_faults(Faults::none()).unwrap();
    // Another query cannot resume from it.
    let e = c
        .export_to_file("SELECT id FROM transaction", &opts, &path, true)
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Checkpoint { .. }), "{e}");
    let s = c.export_to_file(q, &opts, &path, true).await.unwrap();
    assert!(s.resumed_rows.unwrap() > 0, "{s:?}");
    assert!(!checkpoint.exists());
    let (n, sum, ids) = sum_ids_ndjson(&std::fs::read(&path).unwrap());
    assert_eq!((n, sum), (3000, (301..3301).sum::<i64>()));
    assert!(ids.windows(2).all(|w| w[0] < w[1]));
}

#[tokio::test]
async fn a_401_renews_once_for_every_method() {
    let emu = TestEmulator::start().await;
    let c = client(&emu);
    c.get_record("salesorder", "304", &GetOptions::default())
        .await
        .unwrap();
    // Revoke every issued token: the next call gets a 401, renews, and succeeds.
    for t in emu.emulator.tokens(false, 100).unwrap() {
        let _ = emu.emulator.revoke_token(&t.jti);
    }
    let id = c
        .create_record(
            "customer",
            &json!({"companyName": "After 401", "subsidiary": {"id": "1"}}),
        )
        .await
        .unwrap();
    for t in emu.emulator.tokens(false, 100).unwrap() {
        let _ = emu.emulator.revoke_token(&t.jti);
    }
    let rows: Vec<_> = c
        .suiteql(
            "SELECT id FROM customer WHERE id = 1",
            &QueryOptions::default(),
        )
        .try_collect()
        .await
        .unwrap();
    assert!(rows.len() <= 1);
    c.delete_record("customer", &id).await.unwrap();
}

#[tokio::test]
async fn retry_after_is_honoured_and_faults_are_retried_for_reads() {
    let emu = TestEmulator::start().await;
    let c = client(&emu).with_governor(Governor::new(2));
    c.get_record("salesorder", "304", &GetOptions::default())
        .await
        .unwrap();
    // Limit 1 with Retry-After: 1 and two requests at once: one waits a second.
    emu.emulator.set_concurrency_limit(1).unwrap();
    emu.emulator.set_retry_after(Some(1)).unwrap();
    emu.emulator
        .set_faults(Faults {
            latency_ms: 100,
            ..Faults::default()
        })
        .unwrap();
    let started = std::time::Instant::now();
    let opts = GetOptions::default();
    let (a, b) = tokio::join!(
        c.get_record("salesorder", "304", &opts),
        c.get_record("salesorder", "305", &opts)
    );
    a.unwrap();
    b.unwrap();
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
    assert!(emu.emulator.governance().rejected >= 1);
    emu.emulator.set_retry_after(None).unwrap();
    emu.emulator.set_concurrency_limit(5).unwrap();
    // 5xx, drops and 429s on reads, SuiteQL and RESTlets: all retried.
    emu.emulator
        .set_faults(Faults {
            share_429: 0.3,
            share_5xx: 0.2,
            share_drop: 0.1,
            seed: 3,
            ..Faults::default()
        })
        .unwrap();
    for _ in 0..20 {
        c.get_record("salesorder", "304", &GetOptions::default())
            .await
            .unwrap();
        c.suiteql_page("SELECT id FROM customer ORDER BY id", 5, 0)
            .await
            .unwrap();
        c.call_restlet(&RestletCall::new("1", "1")).await.unwrap();
    }
    let g = emu.emulator.governance();
    assert!(
        g.injected_429 > 0 && g.injected_5xx > 0 && g.dropped > 0,
        "{g:?}"
    );
}

#[tokio::test]
async fn offset_export_resumes_exactly_once() {
    let emu = TestEmulator::start_with(|c| c.demo_scale = 3000).await;
    let c = client(&emu);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("out.csv");
    let q = "SELECT id, tranid FROM transaction ORDER BY id";
    let opts = ExportOptions {
        format: ExportFormat::Csv,
        page_size: 100,
        checkpoint_every: Duration::ZERO,
        ..ExportOptions::default()
    };
    emu.emulator
        .set_faults(Faults {
            latency_ms: 50,
            ..Faults::default()
        })
        .unwrap();
    let run = {
        let c = c.clone();
        let path = path.clone();
        let opts = opts.clone();
        tokio::spawn(async move { c.export_to_file(q, &opts, &path, false).await })
    };
    let checkpoint = netsuite_client::export::checkpoint_path(&path);
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while !std::fs::read_to_string(&checkpoint)
        .is_ok_and(|c| c.contains("\"pages_done\": ") && !c.contains("\"pages_done\": 0"))
    {
        assert!(
            std::time::Instant::now() < deadline,
            "no checkpoint written"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    run.abort();
    let _ = run.await;
    emu.emulator.set_faults(Faults::none()).unwrap();
    let s = c.export_to_file(q, &opts, &path, true).await.unwrap();
    assert_eq!(s.mode, ExportMode::Offset);
    assert!(s.resumed_rows.unwrap() > 0, "{s:?}");
    let text = std::fs::read_to_string(&path).unwrap();
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("id,tranid"));
    let ids: Vec<i64> = lines
        .map(|l| l.split(',').next().unwrap().parse().unwrap())
        .collect();
    assert_eq!(ids, (301..3301).collect::<Vec<_>>());
}
