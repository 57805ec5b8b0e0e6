//! `Prefer: respond-async`: jobs, tasks, results, and idempotency keys.

use std::time::Duration;

use axum::http::StatusCode;
use serde_json::json;

use crate::http::*;
use crate::support::*;

const JOB: &str = "/services/rest/async/v1/job";

async fn wait_done(f: &Fixture, t: &str, job: &str) -> serde_json::Value {
    for _ in 0..200 {
        let r = get(f, t, job).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        if r.json["completed"] == true {
            return r.json;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("job {job} never completed");
}

fn path_of(url: &str) -> String {
    url.strip_prefix(&format!("http://{HOST}"))
        .unwrap()
        .to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_async_create_and_its_result() {
    let (f, t) = setup().await;
    let async_hdr = [("prefer", "respond-async")];
    let r = call(
        &f,
        "POST",
        &format!("{RECORD}/customer"),
        Some(&t),
        &async_hdr,
        Some(r#"{"companyName":"Async Co"}"#),
    )
    .await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.body);
    assert_eq!(r.headers["preference-applied"], "respond-async");
    let job_url = location(&r).to_owned();
    assert!(
        job_url.starts_with(&format!("http://{HOST}{JOB}/")),
        "{job_url}"
    );
    let job = path_of(&job_url);
    let done = wait_done(&f, &t, &job).await;
    let id = done["id"].as_str().unwrap().to_owned();
    assert_eq!(done["progress"], "succeeded");
    assert_eq!(done["links"][0]["href"], job_url);
    assert_eq!(done["task"]["links"][0]["href"], format!("{job_url}/task"));
    let tasks = get(&f, &t, &format!("{job}/task")).await;
    assert_eq!(tasks.status, StatusCode::OK);
    assert_eq!(tasks.json["count"], 1);
    let task_url = tasks.json["items"][0]["links"][0]["href"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(task_url, format!("{job_url}/task/{id}"));
    let task = get(&f, &t, &path_of(&task_url)).await;
    assert_eq!(task.json["completed"], true);
    assert_eq!(task.json["progress"], "succeeded");
    assert_eq!(task.json["startTime"], "2027-01-15T08:00:00Z");
    assert_eq!(task.json["endTime"], "2027-01-15T08:00:00Z");
    assert_eq!(task.json["links"][0]["rel"], "related");
    let result = get(&f, &t, &format!("{}/result", path_of(&task_url))).await;
    assert_eq!(result.status, StatusCode::NO_CONTENT);
    let created = location(&result).to_owned();
    assert!(
        created.starts_with(&format!("http://{HOST}{RECORD}/customer/")),
        "{created}"
    );
    let c = get(&f, &t, &path_of(&created)).await;
    assert_eq!(c.json["companyName"], "Async Co");
    // A failing request makes a failed job whose result is the error.
    let r = call(
        &f,
        "POST",
        &format!("{RECORD}/customer"),
        Some(&t),
        &async_hdr,
        Some(r#"{"email":"x"}"#),
    )
    .await;
    let job = path_of(location(&r));
    let done = wait_done(&f, &t, &job).await;
    assert_eq!(done["progress"], "failed");
    let id = done["id"].as_str().unwrap();
    let result = get(&f, &t, &format!("{job}/task/{id}/result")).await;
    assert_eq!(result.status, StatusCode::BAD_REQUEST);
    assert_eq!(result.content_type(), ERROR_CONTENT_TYPE);
    assert_eq!(detail(&result)["o:errorCode"], "USER_ERROR");
    // GETs and SuiteQL can be async too.
    let r = call(
        &f,
        "GET",
        &format!("{RECORD}/customer/104"),
        Some(&t),
        &async_hdr,
        None,
    )
    .await;
    let job = path_of(location(&r));
    let id = wait_done(&f, &t, &job).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let result = get(&f, &t, &format!("{job}/task/{id}/result")).await;
    assert_eq!(result.status, StatusCode::OK);
    assert_eq!(result.json["companyName"], "Umbrella Corporation");
    // Unknown jobs and tasks.
    for p in [
        format!("{JOB}/99999"),
        format!("{JOB}/abc"),
        format!("{job}/task/99999"),
        format!("{job}/nope"),
    ] {
        let r = get(&f, &t, &p).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{p}");
        assert_eq!(detail(&r)["o:errorCode"], "NONEXISTENT_ID");
    }
    // Async requests are authenticated before they are queued.
    let r = call(
        &f,
        "POST",
        &format!("{RECORD}/customer"),
        None,
        &async_hdr,
        Some("{}"),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idempotency_keys() {
    let (f, t) = setup().await;
    let key = "0f8fad5b-d9cb-469f-a165-70867728950e";
    let headers = [
        ("prefer", "respond-async"),
        ("X-NetSuite-Idempotency-Key", key),
    ];
    let body = r#"{"companyName":"Once Only"}"#;
    let first = call(
        &f,
        "POST",
        &format!("{RECORD}/customer"),
        Some(&t),
        &headers,
        Some(body),
    )
    .await;
    assert_eq!(first.status, StatusCode::ACCEPTED);
    let again = call(
        &f,
        "POST",
        &format!("{RECORD}/customer"),
        Some(&t),
        &headers,
        Some(body),
    )
    .await;
    assert_eq!(again.status, StatusCode::BAD_REQUEST);
    assert_eq!(location(&again), location(&first));
    assert_eq!(again.content_type(), ERROR_CONTENT_TYPE);
    assert_eq!(
        again.json,
        json!({"type": "https://www.w3.org/Protocols/rfc2616/rfc2616-sec10.html#sec10.4.10", "title": "Conflict", "status": 400, "o:errorDetails": [{"detail": "A request with the same idempotency key is already submitted. See the \"Location\" header for a link to the previously submitted job", "o:errorCode": "IDEMPOTENCY_ERROR"}]})
    );
    wait_done(&f, &t, &path_of(location(&first))).await;
    let r = get(
        &f,
        &t,
        &format!(
            "{RECORD}/customer?q={}",
            enc(r#"companyName IS "Once Only""#)
        ),
    )
    .await;
    assert_eq!(r.json["totalResults"], 1);
    // Many at once with one key: exactly one job.
    let key2 = [
        ("prefer", "respond-async"),
        ("X-NetSuite-Idempotency-Key", "key-2"),
    ];
    let replies = futures_join(&f, &t, &key2).await;
    assert_eq!(
        replies
            .iter()
            .filter(|s| **s == StatusCode::ACCEPTED)
            .count(),
        1,
        "{replies:?}"
    );
    let bad = [
        ("prefer", "respond-async"),
        ("X-NetSuite-Idempotency-Key", "   "),
    ];
    let r = call(
        &f,
        "POST",
        &format!("{RECORD}/customer"),
        Some(&t),
        &bad,
        Some(body),
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(detail(&r)["o:errorHeader"], "X-NetSuite-Idempotency-Key");
}

async fn futures_join(f: &Fixture, t: &str, headers: &[(&str, &str)]) -> Vec<StatusCode> {
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let app = f.app.clone();
        let t = t.to_owned();
        let headers: Vec<(String, String)> = headers
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        tasks.push(tokio::spawn(async move {
            let mut req = axum::http::Request::builder()
                .method("POST")
                .uri(format!("{RECORD}/customer"))
                .header("host", HOST)
                .header("authorization", format!("Bearer {t}"))
                .header("content-type", "application/json");
            for (k, v) in &headers {
                req = req.header(k, v);
            }
            let r = send(
                &app,
                req.body(axum::body::Body::from(r#"{"companyName":"Raced"}"#))
                    .unwrap(),
            )
            .await;
            r.status
        }));
    }
    let mut out = Vec::new();
    for t in tasks {
        out.push(t.await.unwrap());
    }
    out
}
