//! Asynchronous requests: `Prefer: respond-async` answers 202 with
//! `Location: .../services/rest/async/v1/job/{id}` and `Preference-Applied`, runs the
//! request in the background, and keeps its outcome in SQLite:
//!
//! * `GET /services/rest/async/v1/job/{id}`: `completed`, `progress` (`pending`,
//!   `succeeded`, `failed`) and a link to the tasks;
//! * `GET .../job/{id}/task`: the tasks (one per job; the task id is the job id);
//! * `GET .../job/{id}/task/{task}`: `startTime`, `endTime`, and a `related` link to
//! * `GET .../job/{id}/task/{task}/result`: the original response (status, `Location`,
//!   body).
//!
//! `X-NetSuite-Idempotency-Key` with `Prefer: respond-async`: a second request with the
//! same key gets 400 `IDEMPOTENCY_ERROR` and the `Location` of the first job.

use axum::extract::{Path, State, rejection::PathRejection};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use rusqlite::{Connection, OptionalExtension};
use serde_json::{Value, json};

use super::rest::{self, COLLECTION_CONTENT_TYPE, SINGULAR_CONTENT_TYPE};
use super::state::DataPlane;
use crate::clock::Now;
use crate::error::Error;
use crate::error::RestError;
use crate::oauth::bearer::Principal;

/// Where jobs live.
pub const JOB_PATH: &str = "/services/rest/async/v1/job";

/// The header carrying an idempotency key.
pub const IDEMPOTENCY_HEADER: &str = "x-netsuite-idempotency-key";

/// Whether the request asks to be run asynchronously (`Prefer: respond-async`).
pub(crate) fn requested(headers: &HeaderMap) -> bool {
    headers.get_all("prefer").iter().any(|v| {
        v.to_str().is_ok_and(|v| {
            v.split([',', ';'])
                .any(|t| t.trim().eq_ignore_ascii_case("respond-async"))
        })
    })
}

fn job_url(base: &str, id: i64) -> String {
    format!("{base}{JOB_PATH}/{id}")
}

fn idempotency_error(location: &str) -> Response {
    let body = json!({
        "type": "https://www.w3.org/Protocols/rfc2616/rfc2616-sec10.html#sec10.4.10",
        "title": "Conflict",
        "status": 400,
        "o:errorDetails": [{
            "detail": "A request with the same idempotency key is already submitted. See the \"Location\" header for a link to the previously submitted job",
            "o:errorCode": "IDEMPOTENCY_ERROR",
        }],
    });
    let mut resp = rest::json_response(
        StatusCode::BAD_REQUEST,
        crate::error::ERROR_CONTENT_TYPE,
        body.to_string(),
    );
    if let Ok(v) = HeaderValue::from_str(location) {
        resp.headers_mut().insert(header::LOCATION, v);
    }
    resp
}

fn find_by_key(conn: &Connection, key: &str) -> rusqlite::Result<Option<i64>> {
    conn.prepare_cached("SELECT id FROM async_job WHERE idempotency_key = ?1")?
        .query_row([key], |r| r.get(0))
        .optional()
}

/// Queues `op` as a job: checks the bearer token and the idempotency key, answers 202
/// at once, and runs `op` in the background as the caller (its role and entity).
pub(crate) async fn submit<F>(emu: DataPlane, headers: HeaderMap, base: String, op: F) -> Response
where
    F: FnOnce(&DataPlane, &Principal) -> Result<Response, Error> + Send + 'static,
{
    let key = headers
        .get(IDEMPOTENCY_HEADER)
        .map(|v| String::from_utf8_lossy(v.as_bytes()).trim().to_owned());
    if let Some(k) = &key
        && (k.is_empty() || k.len() > 255 || !k.bytes().all(|b| b.is_ascii_graphic()))
    {
        return RestError::new(
            StatusCode::BAD_REQUEST,
            "INVALID_REQUEST",
            "The idempotency key must be 1 to 255 visible ASCII characters, such as a UUID.",
        )
        .with_header("X-NetSuite-Idempotency-Key")
        .into_response();
    }
    let base_for_job = base.clone();
    let created = emu
        .run_blocking(move |emu| {
            let principal = match emu.bearer().authorize(&headers, rest::REST_SCOPE) {
                Ok(p) => p,
                Err(r) => return Ok(Err(r)),
            };
            let now = emu.clock().now();
            emu.store().with(|conn| {
                if let Some(k) = &key
                    && let Some(id) = find_by_key(conn, k)?
                {
                    return Ok(Err(idempotency_error(&job_url(&base_for_job, id))));
                }
                let inserted = conn
                    .prepare_cached(
                        "INSERT INTO async_job (idempotency_key, client_id, created, progress) VALUES (?1, ?2, ?3, 'pending')",
                    )?
                    .execute(rusqlite::params![key, principal.client_id, now]);
                match inserted {
                    Ok(_) => Ok(Ok((conn.last_insert_rowid(), principal.clone()))),
                    // Two requests with one key at once: the other one won.
                    Err(rusqlite::Error::SqliteFailure(e, _))
                        if e.code == rusqlite::ErrorCode::ConstraintViolation =>
                    {
                        let id = key.as_deref().map(|k| find_by_key(conn, k)).transpose()?.flatten();
                        Ok(Err(idempotency_error(&job_url(&base_for_job, id.unwrap_or(0)))))
                    }
                    Err(e) => Err(e),
                }
            })
        })
        .await;
    let (id, principal) = match created {
        Ok(Ok(created)) => created,
        Ok(Err(r)) => return r,
        Err(e) => return e.into_response(),
    };
    let runner = emu.clone();
    tokio::spawn(async move {
        let resp = runner
            .run_blocking(move |emu| {
                let now = emu.clock().now();
                emu.store().with(|c| {
                    c.prepare_cached("UPDATE async_job SET started = ?2 WHERE id = ?1")?
                        .execute(rusqlite::params![id, now])
                })?;
                op(emu, &principal)
            })
            .await
            .unwrap_or_else(IntoResponse::into_response);
        let status = resp.status();
        let location = resp
            .headers()
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let content_type = resp
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let body = axum::body::to_bytes(resp.into_body(), rest::MAX_BODY * 4)
            .await
            .unwrap_or_default();
        let progress = if status.is_success() {
            "succeeded"
        } else {
            "failed"
        };
        let stored = runner
            .run_blocking(move |emu| {
                let now = emu.clock().now();
                emu.store().with(|c| {
                    c.prepare_cached(
                        "UPDATE async_job SET finished = ?2, progress = ?3, status = ?4, location = ?5, content_type = ?6, body = ?7 WHERE id = ?1",
                    )?
                    .execute(rusqlite::params![id, now, progress, status.as_u16(), location, content_type, body.to_vec()])
                })
            })
            .await;
        if let Err(e) = stored {
            eprintln!(
                "netsuite-emulator: async job {id}: {}",
                crate::error::chain(&e)
            );
        }
    });
    let mut resp = StatusCode::ACCEPTED.into_response();
    let h = resp.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&job_url(&base, id)) {
        h.insert(header::LOCATION, v);
    }
    h.insert(
        "preference-applied",
        HeaderValue::from_static("respond-async"),
    );
    resp
}

/// The job routes.
pub(crate) fn routes<S>() -> axum::Router<S>
where
    S: Clone + Send + Sync + 'static,
    DataPlane: axum::extract::FromRef<S>,
{
    axum::Router::new()
        .route(&format!("{JOB_PATH}/{{a}}"), get(job))
        .route(&format!("{JOB_PATH}/{{a}}/{{b}}"), get(job))
        .route(&format!("{JOB_PATH}/{{a}}/{{b}}/"), get(job))
        .route(&format!("{JOB_PATH}/{{a}}/{{b}}/{{c}}"), get(job))
        .route(&format!("{JOB_PATH}/{{a}}/{{b}}/{{c}}/{{d}}"), get(job))
}

struct Job {
    id: i64,
    started: Option<i64>,
    finished: Option<i64>,
    progress: String,
    status: Option<u16>,
    location: Option<String>,
    content_type: Option<String>,
    body: Option<Vec<u8>>,
}

fn load(conn: &Connection, id: i64) -> rusqlite::Result<Option<Job>> {
    conn.prepare_cached(
        "SELECT id, started, finished, progress, status, location, content_type, body FROM async_job WHERE id = ?1",
    )?
    .query_row([id], |r| {
        Ok(Job {
            id: r.get(0)?,
            started: r.get(1)?,
            finished: r.get(2)?,
            progress: r.get(3)?,
            status: r.get(4)?,
            location: r.get(5)?,
            content_type: r.get(6)?,
            body: r.get(7)?,
        })
    })
    .optional()
}

fn not_found(what: &str) -> Response {
    RestError::new(
        StatusCode::NOT_FOUND,
        "NONEXISTENT_ID",
        format!("The {what} does not exist. Provide a valid job or task ID."),
    )
    .into_response()
}

fn time(t: Option<i64>) -> Option<String> {
    t.map(|t| Now::at(t).datetime)
}

/// `GET /job/{id}[/task[/{task}[/result]]]`.
async fn job(
    State(emu): State<DataPlane>,
    uri: Uri,
    headers: HeaderMap,
    path: Result<Path<Vec<String>>, PathRejection>,
) -> Response {
    let base = emu.link_base(&uri, &headers);
    let segments = match path {
        Ok(Path(s)) => s,
        Err(_) => return not_found("job"),
    };
    emu.run_blocking(move |emu| {
        if let Err(r) = emu.bearer().authorize(&headers, rest::REST_SCOPE) {
            return Ok(r);
        }
        let Some(id) = segments.first().and_then(|s| s.parse::<i64>().ok()) else {
            return Ok(not_found("job"));
        };
        let Some(job) = emu.store().with(|c| load(c, id))? else {
            return Ok(not_found("job"));
        };
        let url = job_url(&base, job.id);
        let completed = job.progress != "pending";
        let rest_of: Vec<&str> = segments[1..].iter().map(String::as_str).collect();
        Ok(match rest_of.as_slice() {
            [] => {
                let body = json!({
                    "links": [{"rel": "self", "href": url}],
                    "completed": completed,
                    "id": job.id.to_string(),
                    "progress": job.progress,
                    "task": {"links": [{"rel": "self", "href": format!("{url}/task")}]},
                });
                rest::json_response(StatusCode::OK, SINGULAR_CONTENT_TYPE, body.to_string())
            }
            ["task"] | ["task", ""] => {
                let body = json!({
                    "links": [{"rel": "self", "href": format!("{url}/task")}],
                    "count": 1,
                    "hasMore": false,
                    "items": [{"links": [{"rel": "self", "href": format!("{url}/task/{}", job.id)}], "id": job.id.to_string()}],
                    "offset": 0,
                    "totalResults": 1,
                });
                rest::json_response(StatusCode::OK, COLLECTION_CONTENT_TYPE, body.to_string())
            }
            ["task", task] if task.parse::<i64>().ok() == Some(job.id) => {
                let task_url = format!("{url}/task/{}", job.id);
                let mut links = Vec::new();
                if completed {
                    links.push(json!({"rel": "related", "href": format!("{task_url}/result")}));
                }
                links.push(json!({"rel": "self", "href": task_url}));
                let mut body = serde_json::Map::new();
                body.insert("links".into(), Value::Array(links));
                body.insert("completed".into(), Value::Bool(completed));
                if let Some(t) = time(job.finished) {
                    body.insert("endTime".into(), Value::String(t));
                }
                body.insert("id".into(), Value::String(job.id.to_string()));
                body.insert("progress".into(), Value::String(job.progress.clone()));
                if let Some(t) = time(job.started) {
                    body.insert("startTime".into(), Value::String(t));
                }
                rest::json_response(StatusCode::OK, SINGULAR_CONTENT_TYPE, Value::Object(body).to_string())
            }
            ["task", task, "result"] if task.parse::<i64>().ok() == Some(job.id) => {
                if !completed {
                    return Ok(RestError::new(
                        StatusCode::NOT_FOUND,
                        "NONEXISTENT_ID",
                        "The task has not finished; its result is not available yet.",
                    )
                    .into_response());
                }
                let status = job
                    .status
                    .and_then(|s| StatusCode::from_u16(s).ok())
                    .unwrap_or(StatusCode::NO_CONTENT);
                let mut resp = (status, job.body.unwrap_or_default()).into_response();
                let h = resp.headers_mut();
                if let Some(ct) = job.content_type.and_then(|c| HeaderValue::from_str(&c).ok()) {
                    h.insert(header::CONTENT_TYPE, ct);
                }
                if let Some(l) = job.location.and_then(|l| HeaderValue::from_str(&l).ok()) {
                    h.insert(header::LOCATION, l);
                }
                resp
            }
            _ => not_found("task"),
        })
    })
    .await
    .unwrap_or_else(IntoResponse::into_response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefer_header() {
        let mut h = HeaderMap::new();
        assert!(!requested(&h));
        h.insert(
            "prefer",
            HeaderValue::from_static("transient, Respond-Async"),
        );
        assert!(requested(&h));
        h.insert("prefer", HeaderValue::from_static("respond-async; wait=10"));
        assert!(requested(&h));
        h.insert("prefer", HeaderValue::from_static("transient"));
        assert!(!requested(&h));
    }
}
