//! SuiteQL over REST: `POST /services/rest/query/v1/suiteql` with `{"q": "SELECT ..."}`,
//! `limit` (1 to 1000, default 1000) and `offset` (a multiple of `limit`, below the
//! 100,000-row ceiling) in the query string.
//!
//! The statement is translated to SQLite and run on the tables the record API uses.
//! Items carry `"links": []` and the columns in lower case, values as strings, NULLs
//! left out; dates and date-times in the user's date format
//! ([`super::state::DateFormats`]).
//! `totalResults` is a `COUNT(*)` over the translated statement, cached
//! until the next write and cheap for keyset paging ([`super::total_results`]). A statement that cannot be translated or run is a
//! 400 `USER_ERROR` naming the problem, never a 500; anything but SELECT is refused.

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use netsuite_auth::account::SUITEQL_PATH;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use netsuite_suiteql::{DateFormat, DateKind};
use rusqlite::Connection;
use rusqlite::types::ValueRef;
use serde_json::Value;

use super::rest::{self, COLLECTION_CONTENT_TYPE, Params};
use super::state::DataPlane;
use crate::error::Error;
use crate::error::RestError;

/// Longest statement accepted.
pub const MAX_QUERY_LEN: usize = 100_000;

/// Stops a running statement: when its time is up, or when the request that asked
/// for it is gone (SQLite's interrupt, from another thread). Cheap to clone.
#[derive(Clone, Default)]
pub(crate) struct Stopper(Arc<Mutex<StopState>>);

#[derive(Default)]
struct StopState {
    /// The connection of the statement running now.
    running: Option<rusqlite::InterruptHandle>,
    /// Why it was stopped, once it was.
    why: Option<String>,
}

impl Stopper {
    fn state(&self) -> std::sync::MutexGuard<'_, StopState> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Stops the statement running now (and any later one) for `why`.
    pub(crate) fn stop(&self, why: String) {
        let mut state = self.state();
        state.why.get_or_insert(why);
        if let Some(handle) = &state.running {
            handle.interrupt();
        }
    }

    fn why(&self) -> Option<String> {
        self.state().why.clone()
    }

    /// Marks `conn` as running this stopper's statement, counted in `running`,
    /// until the guard is dropped; `Err(why)` when it was stopped already.
    fn attach<'a>(
        &'a self,
        conn: &Connection,
        running: &'a AtomicUsize,
    ) -> Result<Attached<'a>, String> {
        let mut state = self.state();
        if let Some(why) = &state.why {
            return Err(why.clone());
        }
        state.running = Some(conn.get_interrupt_handle());
        running.fetch_add(1, Ordering::Relaxed);
        Ok(Attached {
            stop: self,
            running,
        })
    }
}

struct Attached<'a> {
    stop: &'a Stopper,
    running: &'a AtomicUsize,
}

impl Drop for Attached<'_> {
    fn drop(&mut self) {
        // After this, an interrupt cannot reach the pooled connection's next user.
        self.stop.state().running = None;
        self.running.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Watches a request's statement: stops it at the plane's time limit, and when the
/// request's future is dropped (the client went away) before it finished.
pub(crate) struct Watch {
    stop: Stopper,
    timer: tokio::task::JoinHandle<()>,
}

impl Watch {
    pub(crate) fn start(limit: Duration) -> (Stopper, Watch) {
        let stop = Stopper::default();
        let timed = stop.clone();
        let timer = tokio::spawn(async move {
            tokio::time::sleep(limit).await;
            timed.stop(format!(
                "The query ran longer than the emulator's SuiteQL time limit of {} s and was stopped.",
                limit.as_secs_f64()
            ));
        });
        (stop.clone(), Watch { stop, timer })
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        self.timer.abort();
        self.stop.stop("the client went away".to_owned());
    }
}

/// Translates SuiteQL to SQLite over `model`, with `now` (Unix seconds) for
/// `SYSDATE`, reading strings compared with dates in `dates` first; the error
/// names the construct that cannot be translated.
pub(crate) fn translate(
    model: &'static netsuite_suiteql::Model,
    q: &str,
    now: i64,
    dates: DateFormat,
) -> Result<netsuite_suiteql::Translation, String> {
    let options = netsuite_suiteql::Options::default()
        .with_now(crate::clock::Now::at(now).datetime)
        .with_model(model)
        .with_date_format(dates);
    netsuite_suiteql::translate_with(q, &options).map_err(|e| e.to_string())
}

/// Shows the date columns of one statement's rows in a date format (none: as stored).
#[derive(Debug)]
pub(crate) struct DateCells {
    kinds: Vec<Option<DateKind>>,
    format: Option<DateFormat>,
}

impl DateCells {
    /// Column `i`'s value as the user sees it, when it is a stored date of a date
    /// column; `None` for every other value (shown as it is).
    pub(crate) fn shown(&self, i: usize, value: ValueRef<'_>) -> Option<String> {
        let (kind, format) = ((*self.kinds.get(i)?)?, self.format?);
        match value {
            ValueRef::Text(t) => format.display(kind, std::str::from_utf8(t).ok()?),
            _ => None,
        }
    }

    /// Column `i`'s value as text, as SuiteQL answers it: a date in the date format,
    /// a number without a trailing `.0`; `None` for NULL (left out of an answer).
    pub(crate) fn text(&self, i: usize, value: ValueRef<'_>) -> Option<String> {
        if let Some(date) = self.shown(i, value) {
            return Some(date);
        }
        Some(match value {
            ValueRef::Null => return None,
            ValueRef::Integer(n) => n.to_string(),
            ValueRef::Real(f) => format_real(f),
            ValueRef::Text(t) | ValueRef::Blob(t) => String::from_utf8_lossy(t).into_owned(),
        })
    }
}

/// What [`run_page`] ran.
#[derive(Debug)]
pub(crate) struct Page {
    /// The translated statement.
    pub sql: String,
    /// The output columns, lowercase.
    pub columns: Vec<String>,
    /// Rows passed to the callback.
    pub count: u64,
    /// Every row of the statement, when asked for.
    pub total: Option<u64>,
}

/// Runs one page (`limit` rows from `offset`) of a SuiteQL query: translates it with
/// the emulator's model and clock, hands each row to `on_row`, and counts every row
/// when `with_total` (cached, cheap for keyset paging: [`super::total_results`]).
/// `Ok(Err(detail))` is the user's error (translation, SQLite's refusal), for a
/// `USER_ERROR` or the console's message. The REST endpoint and the admin SuiteQL
/// console both run queries through it. `on_row` gets [`DateCells`] that show the
/// date columns in `dates` (none: as stored; comparisons and ORDER BY ran on the
/// stored ISO text, and strings compared with dates are read in `dates`, else the
/// default format).
#[allow(clippy::too_many_arguments)]
pub(crate) fn run_page(
    emu: &DataPlane,
    q: &str,
    limit: u64,
    offset: u64,
    with_total: bool,
    stop: &Stopper,
    dates: Option<DateFormat>,
    mut on_row: impl FnMut(&[String], &rusqlite::Row<'_>, &DateCells) -> rusqlite::Result<()>,
) -> Result<Result<Page, String>, Error> {
    let read_as = dates.unwrap_or_default();
    let translated = match translate(emu.model(), q, emu.clock().now(), read_as) {
        Ok(t) => t,
        Err(detail) => return Ok(Err(detail)),
    };
    let page_sql = format!(
        "SELECT * FROM ({}) LIMIT {limit} OFFSET {offset}",
        translated.sql
    );
    emu.store().with(|conn| {
        let _attached = match stop.attach(conn, emu.running_statements()) {
            Ok(a) => a,
            Err(why) => return Ok(Err(why)),
        };
        // An interrupted statement fails with SQLite's "interrupted": say why instead.
        let stopped = |e: rusqlite::Error| match stop.why() {
            Some(why) => Ok(Err(why)),
            None => Err(e),
        };
        // Page statements are unique (bounds, offsets): not worth a cache slot.
        let mut stmt = match conn.prepare(&page_sql) {
            Ok(s) => s,
            Err(e) if is_user_error(&e) => return Ok(Err(describe(&e))),
            Err(e) => return Err(e),
        };
        if !stmt.readonly() {
            return Ok(Err("Only SELECT statements are supported.".to_owned()));
        }
        let (columns, kinds): (Vec<String>, _) = if translated.columns.len() == stmt.column_count()
        {
            (translated.columns.clone(), translated.dates.clone())
        } else {
            let names: Vec<String> = stmt
                .column_names()
                .map(|n| n.to_ascii_lowercase())
                .collect();
            let kinds = vec![None; names.len()];
            (names, kinds)
        };
        let cells = DateCells {
            kinds,
            format: dates,
        };
        let mut count = 0u64;
        let mut rows = stmt.query([])?;
        loop {
            let row = match rows.next() {
                Ok(Some(r)) => r,
                Ok(None) => break,
                Err(e) if is_user_error(&e) => return Ok(Err(describe(&e))),
                Err(e) => return stopped(e),
            };
            on_row(&columns, row, &cells)?;
            count += 1;
        }
        drop(rows);
        let total = if with_total {
            match emu.counts().count(conn, &translated) {
                Ok(t) => Some(t),
                Err(e) if is_user_error(&e) => return Ok(Err(describe(&e))),
                Err(e) => return stopped(e),
            }
        } else {
            None
        };
        Ok(Ok(Page {
            sql: translated.sql.clone(),
            columns,
            count,
            total,
        }))
    })
}

fn user_error(detail: impl std::fmt::Display) -> Response {
    RestError::new(
        StatusCode::BAD_REQUEST,
        "USER_ERROR",
        format!("Invalid search query. Detailed unprocessed description follows. Search error occurred: {detail}"),
    )
    .into_response()
}

fn invalid_request(detail: &str) -> Response {
    RestError::new(StatusCode::BAD_REQUEST, "INVALID_REQUEST", detail).into_response()
}

/// The query of a request body: `{"q": "..."}`.
#[allow(clippy::result_large_err)] // the error is the ready response
fn query_of(body: &[u8]) -> Result<String, Response> {
    let obj = rest::json_object(body).map_err(IntoResponse::into_response)?;
    match obj.get("q") {
        Some(Value::String(q)) if !q.trim().is_empty() => {
            if q.len() > MAX_QUERY_LEN {
                return Err(invalid_request(&format!(
                    "The query is longer than {MAX_QUERY_LEN} characters."
                )));
            }
            Ok(q.clone())
        }
        Some(Value::String(_)) => Err(invalid_request("The query in \"q\" is empty.")),
        Some(_) => Err(invalid_request("The query in \"q\" must be a string.")),
        None => Err(invalid_request(
            "The request body must carry the query as {\"q\": \"SELECT ...\"}.",
        )),
    }
}

/// `POST /services/rest/query/v1/suiteql`.
pub(crate) async fn handle(
    State(emu): State<DataPlane>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Response {
    if method != Method::POST {
        let mut resp = RestError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "INVALID_REQUEST",
            "SuiteQL queries are sent with POST.",
        )
        .into_response();
        resp.headers_mut().insert(
            axum::http::header::ALLOW,
            axum::http::HeaderValue::from_static("POST"),
        );
        return resp;
    }
    let body = match rest::read_body(body).await {
        Ok(b) => b,
        Err(r) => return r,
    };
    let base = emu.link_base(&uri, &headers);
    let params = Params::parse(uri.query());
    if super::async_job::requested(&headers) {
        // A job has no client waiting: it runs to the end.
        return super::async_job::submit(emu, headers, base.clone(), move |emu, principal| {
            let dates = emu.date_formats().of(Some(principal.entity));
            run(emu, &base, &params, &body, dates, &Stopper::default())
        })
        .await;
    }
    let (stop, _watch) = Watch::start(emu.suiteql_time_limit());
    emu.run_blocking(move |emu| {
        let principal = match emu.bearer().authorize(&headers, rest::REST_SCOPE) {
            Ok(p) => p,
            Err(r) => return Ok(r),
        };
        let dates = emu.date_formats().of(Some(principal.entity));
        run(emu, &base, &params, &body, dates, &stop)
    })
    .await
    .unwrap_or_else(IntoResponse::into_response)
}

/// A SQLite error as a SuiteQL error message.
fn describe(e: &rusqlite::Error) -> String {
    match e {
        rusqlite::Error::SqliteFailure(_, Some(msg)) => msg.clone(),
        other => other.to_string(),
    }
}

fn is_user_error(e: &rusqlite::Error) -> bool {
    matches!(
        e,
        rusqlite::Error::SqliteFailure(f, _)
            if matches!(f.code, rusqlite::ErrorCode::Unknown | rusqlite::ErrorCode::ConstraintViolation | rusqlite::ErrorCode::TooBig)
    ) || matches!(
        e,
        rusqlite::Error::SqlInputError { .. }
            | rusqlite::Error::InvalidColumnType(..)
            | rusqlite::Error::MultipleStatement
    )
}

fn run(
    emu: &DataPlane,
    base: &str,
    params: &Params,
    body: &[u8],
    dates: DateFormat,
    stop: &Stopper,
) -> Result<Response, Error> {
    let paging = match rest::paging(params, rest::RESULT_CEILING) {
        Ok(p) => p,
        Err(e) => return Ok(e.into_response()),
    };
    let q = match query_of(body) {
        Ok(q) => q,
        Err(r) => return Ok(r),
    };
    // `,"name":` of every column, escaped once (on the first row).
    let mut keys: Vec<String> = Vec::new();
    let mut items = String::with_capacity(paging.limit as usize * 128);
    let outcome = run_page(
        emu,
        &q,
        paging.limit,
        paging.offset,
        true,
        stop,
        Some(dates),
        |columns, row, cells| {
            if keys.is_empty() {
                keys = columns
                    .iter()
                    .map(|n| format!(",{}:", Value::String(n.clone())))
                    .collect();
            }
            if !items.is_empty() {
                items.push(',');
            }
            items.push_str("{\"links\":[]");
            for (i, key) in keys.iter().enumerate() {
                let value = row.get_ref(i)?;
                if matches!(value, ValueRef::Null) {
                    continue;
                }
                items.push_str(key);
                match value {
                    ValueRef::Null => {}
                    ValueRef::Integer(n) => {
                        use std::fmt::Write as _;
                        let _ = write!(items, "\"{n}\"");
                    }
                    ValueRef::Real(f) => push_json_str(&mut items, &format_real(f)),
                    ValueRef::Text(t) | ValueRef::Blob(t) => match cells.shown(i, value) {
                        Some(date) => push_json_str(&mut items, &date),
                        None => push_json_str(&mut items, &String::from_utf8_lossy(t)),
                    },
                }
            }
            items.push('}');
            Ok(())
        },
    )?;
    let (count, total) = match outcome {
        Ok(page) => (page.count, page.total.unwrap_or(page.count)),
        Err(detail) => return Ok(user_error(detail)),
    };
    let url = format!("{base}{SUITEQL_PATH}");
    let more = rest::has_more(paging, count, total, rest::RESULT_CEILING);
    let links = rest::page_links(&url, &[], paging, total, more, rest::RESULT_CEILING);
    let body = format!(
        "{{\"links\":{links},\"count\":{count},\"hasMore\":{more},\"items\":[{items}],\"offset\":{},\"totalResults\":{total}}}",
        paging.offset
    );
    Ok(rest::json_response(
        StatusCode::OK,
        COLLECTION_CONTENT_TYPE,
        body,
    ))
}

/// Appends `s` as a JSON string.
fn push_json_str(out: &mut String, s: &str) {
    out.push('"');
    let mut start = 0;
    for (i, b) in s.bytes().enumerate() {
        let escape = match b {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0..=0x1f => "",
            _ => continue,
        };
        out.push_str(&s[start..i]);
        if escape.is_empty() {
            use std::fmt::Write as _;
            let _ = write!(out, "\\u{b:04x}");
        } else {
            out.push_str(escape);
        }
        start = i + 1;
    }
    out.push_str(&s[start..]);
    out.push('"');
}

/// A number as NetSuite prints it in SuiteQL results: no trailing `.0`.
fn format_real(f: f64) -> String {
    if f.is_finite() && f.fract() == 0.0 && f.abs() < 1e15 {
        format!("{}", f as i64)
    } else {
        f.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_select() {
        let model = netsuite_suiteql::Model::netsuite();
        assert!(translate(model, "SELECT id FROM customer", 0, DateFormat::default()).is_ok());
        assert!(
            translate(model, "DELETE FROM customer", 0, DateFormat::default())
                .unwrap_err()
                .contains("only SELECT")
        );
        assert!(
            translate(model, "SELECT 1 FROM nowhere", 0, DateFormat::default())
                .unwrap_err()
                .contains("nowhere")
        );
    }

    #[test]
    fn json_strings() {
        for s in [
            "plain",
            "quote \" back \\ slash",
            "new\nline\ttab\r",
            "\u{1}\u{1f}",
            "é ü 日本",
            "",
        ] {
            let mut out = String::new();
            push_json_str(&mut out, s);
            assert_eq!(out, Value::String(s.to_owned()).to_string(), "{s:?}");
        }
    }

    #[test]
    fn numbers() {
        assert_eq!(format_real(12.0), "12");
        assert_eq!(format_real(12.5), "12.5");
        assert_eq!(format_real(-0.25), "-0.25");
    }
}
