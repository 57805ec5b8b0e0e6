//! The data-plane admin pages: record browser, one record, SuiteQL console,
//! governance and fault forms.

use axum::http::StatusCode;

use crate::http::*;

async fn page(f: &crate::support::Fixture, path: &str) -> String {
    let r = call(f, "GET", path, None, &[], None).await;
    assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.body);
    assert!(r.content_type().starts_with("text/html"));
    r.body
}

#[tokio::test]
async fn record_browser_and_suiteql_console() {
    let (f, _) = setup().await;
    let html = page(&f, "/admin/records").await;
    assert!(html.contains("Sales Order: 1–50 of"), "{html}");
    assert!(html.contains("href=\"/admin/records/salesorder/304\""));
    assert!(html.contains("Umbrella Corporation"));
    assert!(html.contains("href=\"/admin/records\" class=\"on\""));
    let html = page(
        &f,
        &format!(
            "/admin/records?type=customer&q={}",
            enc(r#"companyName START_WITH "Umb""#)
        ),
    )
    .await;
    assert!(html.contains("Customer: 1–1 of 1"), "{html}");
    let html = page(&f, "/admin/records?type=customer&q=nope%20EQUAL%201").await;
    assert!(html.contains("Unknown identifier &#39;nope&#39;"), "{html}");
    let html = page(&f, "/admin/records?type=salesorder&offset=50").await;
    assert!(html.contains("← previous"));
    let html = page(&f, "/admin/records/salesorder/304").await;
    assert!(html.contains("Rush order: ship by Friday"));
    assert!(html.contains("BOLT-M8"));
    let html = page(&f, "/admin/records/customer/eid:CUST-104").await;
    assert!(html.contains("finance@umbrella.example"));
    assert!(
        page(&f, "/admin/records/customer/999")
            .await
            .contains("does not exist")
    );
    assert!(
        page(&f, "/admin/records/nope/1")
            .await
            .contains("does not exist")
    );
    let html = page(
        &f,
        &format!(
            "/admin/suiteql?q={}",
            enc("SELECT id, companyname FROM customer WHERE id = 104")
        ),
    )
    .await;
    assert!(html.contains("<td>Umbrella Corporation</td>"), "{html}");
    let html = page(
        &f,
        &format!("/admin/suiteql?q={}", enc("DELETE FROM customer")),
    )
    .await;
    assert!(html.contains("only SELECT"));
    assert!(page(&f, "/admin/suiteql").await.contains("BUILTIN.DF"));
}

#[tokio::test]
async fn governance_forms() {
    let (f, _) = setup().await;
    let html = page(&f, "/admin/governance").await;
    assert!(html.contains("concurrency limit"));
    let form = [("content-type", "application/x-www-form-urlencoded")];
    let r = call(
        &f,
        "POST",
        "/admin/governance",
        None,
        &form,
        Some("concurrency_limit=9&retry_after_secs=3"),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(location(&r), "/admin/governance?saved=1");
    assert_eq!(f.emu.concurrency_limit(), 9);
    assert_eq!(f.emu.governance().retry_after_secs, Some(3));
    let r = call(
        &f,
        "POST",
        "/admin/governance",
        None,
        &form,
        Some("concurrency_limit=0"),
    )
    .await;
    assert!(location(&r).starts_with("/admin/governance?error="));
    assert_eq!(f.emu.concurrency_limit(), 9);
    let body = "latency_ms=5&latency_jitter_ms=1&share_429=0.25&share_5xx=0&share_drop=0.05&seed=11&slow_token_ms=";
    let r = call(&f, "POST", "/admin/faults", None, &form, Some(body)).await;
    assert_eq!(location(&r), "/admin/governance?saved=1");
    let faults = f.emu.faults();
    assert_eq!(
        (
            faults.latency_ms,
            faults.share_429,
            faults.share_drop,
            faults.seed
        ),
        (5, 0.25, 0.05, 11)
    );
    let r = call(
        &f,
        "POST",
        "/admin/faults",
        None,
        &form,
        Some("share_429=0.9&share_5xx=0.9"),
    )
    .await;
    assert!(location(&r).contains("error="));
    let r = call(
        &f,
        "POST",
        "/admin/faults",
        None,
        &form,
        Some("latency_ms=abc"),
    )
    .await;
    assert!(location(&r).contains("error="));
    let html = page(&f, "/admin/governance?error=bad%20thing").await;
    assert!(html.contains("bad thing"));
    let r = call(&f, "POST", "/admin/governance/reset", None, &form, Some("")).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    // Cross-site posts are refused by the admin guard.
    let r = call(
        &f,
        "POST",
        "/admin/faults",
        None,
        &[
            ("content-type", "application/x-www-form-urlencoded"),
            ("sec-fetch-site", "cross-site"),
        ],
        Some("share_429=1"),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(f.emu.faults().share_429, 0.25);
}
