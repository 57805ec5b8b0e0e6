//! The REST record API (`/services/rest/record/v1`) on SQLite, in NetSuite's shape:
//! get by internal id or `eid:`, `fields=`, `expandSubResources=true`, sublists and
//! their lines, collections with `limit`/`offset`/`q`, create (204 + `Location`),
//! update (PATCH; `null` clears), upsert (PUT on `eid:`), delete, the metadata
//! catalog, and `Prefer: respond-async`.
//!
//! Record types listed in `catalog` live in tables shared with SuiteQL; every other
//! known type (vendors, custom records, ...) is a JSON document in the `record` table,
//! whose stored hrefs are paths (`/services/rest/record/v1/customer/101`) that get the
//! base URL put in front when served. Links use the request's own host.

pub(crate) mod catalog;
pub(crate) mod filter;
mod metadata;
pub(crate) mod read;
pub(crate) mod write;

use axum::body::{Body, Bytes};
use axum::extract::{Path, State, rejection::PathRejection};
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};
use netsuite_auth::account::RECORD_PATH;
use rusqlite::{Connection, OptionalExtension, TransactionBehavior};
use serde_json::{Map, Value, json};

use crate::access_token::BearerError;
use crate::audit;
use crate::error::RestError;
use crate::origin::Origin;
use crate::rest::{self, Params};
use crate::{Emulator, Error};

pub use crate::rest::{COLLECTION_CONTENT_TYPE, SINGULAR_CONTENT_TYPE};

/// The scope the REST web services need.
pub const SCOPE: &str = rest::REST_SCOPE;

/// Record types the emulator knows (lowercase); custom records (`customrecord_*`)
/// are known too. Types outside this list answer "Record type '…' does not exist."
pub const RECORD_TYPES: &[&str] = &[
    "account",
    "assemblyitem",
    "calendarevent",
    "cashsale",
    "classification",
    "contact",
    "creditmemo",
    "currency",
    "customer",
    "customerpayment",
    "department",
    "employee",
    "estimate",
    "expensereport",
    "inventoryitem",
    "invoice",
    "itemfulfillment",
    "journalentry",
    "location",
    "noninventorysaleitem",
    "opportunity",
    "partner",
    "phonecall",
    "purchaseorder",
    "returnauthorization",
    "salesorder",
    "serviceresaleitem",
    "servicesaleitem",
    "subsidiary",
    "supportcase",
    "task",
    "transferorder",
    "vendor",
    "vendorbill",
    "vendorpayment",
    "workorder",
];

/// The canonical (lowercase) name of a record type, when it exists.
pub fn canonical_type(name: &str) -> Option<String> {
    let lower = name.to_ascii_lowercase();
    let custom = lower.starts_with("customrecord")
        && lower.len() <= 128
        && lower
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_');
    (custom || RECORD_TYPES.contains(&lower.as_str())).then_some(lower)
}

/// How a record is addressed in a URL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RecordKey {
    /// An internal id.
    Internal(i64),
    /// `eid:<external id>`.
    External(String),
}

/// Parses the id segment: an integer internal id (no leading zeros) or `eid:<value>`.
pub fn parse_key(id: &str) -> Option<RecordKey> {
    if let Some(eid) = id.strip_prefix("eid:") {
        let ok = !eid.is_empty()
            && eid.len() <= 255
            && eid
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '|' | ' '));
        return ok.then(|| RecordKey::External(eid.to_owned()));
    }
    let digits = id.strip_prefix('-').unwrap_or(id);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) || digits.starts_with('0') {
        return None;
    }
    id.parse().ok().map(RecordKey::Internal)
}

/// Stores a record body (without `links` and `id`).
pub(crate) fn insert(
    conn: &Connection,
    record_type: &str,
    id: i64,
    external_id: Option<&str>,
    body: &Value,
) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT OR REPLACE INTO record (type, id, external_id, body) VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(rusqlite::params![
        record_type,
        id,
        external_id,
        body.to_string()
    ])?;
    Ok(())
}

/// Looks a record up: its internal id and stored body.
pub(crate) fn find(
    conn: &Connection,
    record_type: &str,
    key: &RecordKey,
) -> rusqlite::Result<Option<(i64, String)>> {
    match key {
        RecordKey::Internal(id) => conn
            .prepare_cached("SELECT id, body FROM record WHERE type = ?1 AND id = ?2")?
            .query_row(rusqlite::params![record_type, id], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .optional(),
        RecordKey::External(eid) => conn
            .prepare_cached("SELECT id, body FROM record WHERE type = ?1 AND external_id = ?2")?
            .query_row(rusqlite::params![record_type, eid], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .optional(),
    }
}

/// Prefixes every `href` that is a path with `base`.
fn absolutize(value: &mut Value, base: &str) {
    match value {
        Value::Object(map) => {
            for (k, v) in map.iter_mut() {
                if k == "href"
                    && let Value::String(s) = v
                    && s.starts_with('/')
                {
                    *s = format!("{base}{s}");
                } else {
                    absolutize(v, base);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| absolutize(v, base)),
        _ => {}
    }
}

/// The record as NetSuite serves it: `links` first, then the fields (with `id`).
pub(crate) fn render(
    record_type: &str,
    id: i64,
    stored: &str,
    base: &str,
) -> Result<String, String> {
    let mut fields: Map<String, Value> = serde_json::from_str(stored)
        .map_err(|e| format!("record body is not a JSON object: {e}"))?;
    fields.insert("id".into(), Value::String(id.to_string()));
    fields.remove("links");
    let mut fields = Value::Object(fields);
    absolutize(&mut fields, base);
    let href = Value::String(format!("{base}{RECORD_PATH}/{record_type}/{id}"));
    let mut out = String::with_capacity(stored.len() + 256);
    out.push_str("{\"links\":[{\"rel\":\"self\",\"href\":");
    out.push_str(&href.to_string());
    out.push_str("}]");
    if let Value::Object(map) = fields {
        for (k, v) in map {
            out.push(',');
            out.push_str(&Value::String(k).to_string());
            out.push(':');
            out.push_str(&v.to_string());
        }
    }
    out.push('}');
    Ok(out)
}

/// A 401 `INVALID_LOGIN`, after writing the reason to the audit trail.
pub(crate) fn unauthorized(emu: &Emulator, refusal: BearerError, now: i64) -> Response {
    match refusal {
        BearerError::Refused(r) => {
            if let Err(e) = emu
                .store()
                .with(|c| audit::insert(c, now, r.client_id.as_deref(), r.code, &r.detail))
            {
                eprintln!("netsuite-emulator: {}", crate::error::chain(&e));
            }
            let mut error = RestError::invalid_login();
            if emu.explain_errors()
                && let Some(d) = error.details.first_mut()
            {
                // --explain-errors: name the cause that NetSuite keeps in the audit trail.
                d.detail = format!(
                    "{} Emulator: {}: {}.",
                    d.detail,
                    r.code,
                    audit::truncate(&r.detail, 500)
                );
            }
            error.into_response()
        }
        BearerError::Storage(e) => e.into_response(),
    }
}

/// The record API's routes.
pub(crate) fn routes() -> axum::Router<Emulator> {
    axum::Router::new()
        .route(
            &format!("{RECORD_PATH}/metadata-catalog"),
            get(metadata::catalog),
        )
        .route(
            &format!("{RECORD_PATH}/metadata-catalog/"),
            get(metadata::catalog),
        )
        .route(
            &format!("{RECORD_PATH}/metadata-catalog/{{record_type}}"),
            get(metadata::record_type),
        )
        .route(&format!("{RECORD_PATH}/{{a}}"), any(dispatch))
        .route(&format!("{RECORD_PATH}/{{a}}/{{b}}"), any(dispatch))
        .route(&format!("{RECORD_PATH}/{{a}}/{{b}}/{{c}}"), any(dispatch))
        .route(
            &format!("{RECORD_PATH}/{{a}}/{{b}}/{{c}}/{{d}}"),
            any(dispatch),
        )
}

/// A record API request, read off the wire.
#[derive(Clone, Debug)]
pub(crate) struct RecordRequest {
    pub method: Method,
    /// Path segments after `/record/v1/`, decoded; `Err` when they are not UTF-8.
    pub segments: Result<Vec<String>, String>,
    pub params: Params,
    /// `<scheme>://<host>` for links.
    pub base: String,
    /// The URL path, for `o:errorUrl`.
    pub url_path: String,
    pub body: Bytes,
}

/// Every record route: parses the request, then runs it (or queues it with
/// `Prefer: respond-async`).
async fn dispatch(
    State(emu): State<Emulator>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    path: Result<Path<Vec<String>>, PathRejection>,
    body: Body,
) -> Response {
    let base = Origin::from_request(&uri, &headers).base_url(emu.account());
    // HEAD is GET without the body (hyper leaves it out).
    let method = if method == Method::HEAD {
        Method::GET
    } else {
        method
    };
    let body = if matches!(method, Method::POST | Method::PATCH | Method::PUT) {
        match rest::read_body(body).await {
            Ok(b) => b,
            Err(r) => return r,
        }
    } else {
        Bytes::new()
    };
    let req = RecordRequest {
        method,
        segments: path.map(|Path(p)| p).map_err(|e| e.body_text()),
        params: Params::parse(uri.query()),
        base,
        url_path: uri.path().to_owned(),
        body,
    };
    if crate::async_job::requested(&headers) {
        return crate::async_job::submit(emu, headers, req.base.clone(), move |emu, role| {
            handle(emu, &req, role)
        })
        .await;
    }
    emu.run_blocking(move |emu| match rest::authorize(emu, &headers, SCOPE) {
        Err(r) => Ok(r),
        Ok(principal) => handle(emu, &req, principal.role),
    })
    .await
    .unwrap_or_else(IntoResponse::into_response)
}

fn not_found() -> Response {
    RestError::new(
        StatusCode::NOT_FOUND,
        "NONEXISTENT_ID",
        "The record instance does not exist. Provide a valid record instance ID.",
    )
    .into_response()
}

fn method_not_allowed(method: &Method, allowed: &'static str) -> Response {
    let mut resp = RestError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "INVALID_REQUEST",
        format!(
            "The HTTP method {} is not supported for this resource. Supported methods: {allowed}.",
            audit::truncate(method.as_str(), 20)
        ),
    )
    .into_response();
    resp.headers_mut()
        .insert(header::ALLOW, header::HeaderValue::from_static(allowed));
    resp
}

/// Record types only the Administrator role may use (as a custom integration role
/// without the Employees permission would find).
const ADMINISTRATOR_ONLY: &[&str] = &["employee"];

/// NetSuite's role id of the Administrator.
pub(crate) const ADMINISTRATOR: i64 = 3;

/// 403 `INSUFFICIENT_PERMISSION`.
pub(crate) fn insufficient_permission() -> Response {
    RestError::new(
        StatusCode::FORBIDDEN,
        "INSUFFICIENT_PERMISSION",
        "You do not have permission to access this record.",
    )
    .into_response()
}

/// Runs a record request (authentication already done) for a caller with `role`.
pub(crate) fn handle(emu: &Emulator, req: &RecordRequest, role: i64) -> Result<Response, Error> {
    let segments = match &req.segments {
        Ok(s) if !s.is_empty() => s,
        Ok(_) => return Ok(not_found()),
        Err(reason) => {
            return Ok(RestError::new(
                StatusCode::BAD_REQUEST,
                "INVALID_ID",
                format!("Invalid record instance identifier. {reason}"),
            )
            .into_response());
        }
    };
    let type_name = &segments[0];
    let Some(record_type) = canonical_type(type_name) else {
        return Ok(RestError::new(
            StatusCode::NOT_FOUND,
            "NONEXISTENT_ID",
            format!(
                "Record type '{}' does not exist.",
                audit::truncate(type_name, 200)
            ),
        )
        .into_response());
    };
    if role != ADMINISTRATOR && ADMINISTRATOR_ONLY.contains(&record_type.as_str()) {
        return Ok(insufficient_permission());
    }
    let ctx = Ctx {
        emu,
        req,
        record_type: &record_type,
        def: catalog::lookup(&record_type),
    };
    #[allow(clippy::result_large_err)] // the error is the ready response
    let key = || -> Result<RecordKey, Response> {
        let id = &segments[1];
        parse_key(id).ok_or_else(|| {
            RestError::new(
                StatusCode::BAD_REQUEST,
                "INVALID_ID",
                format!(
                    "Invalid record instance identifier '{}'. Provide a valid record instance ID.",
                    audit::truncate(id, 200)
                ),
            )
            .with_url(audit::truncate(&req.url_path, 500))
            .into_response()
        })
    };
    let m = &req.method;
    match segments.len() {
        1 if m == Method::GET => ctx.list(),
        1 if m == Method::POST => ctx.create(),
        1 => Ok(method_not_allowed(m, "GET, POST")),
        2 if !matches!(
            *m,
            Method::GET | Method::PATCH | Method::PUT | Method::DELETE
        ) =>
        {
            Ok(method_not_allowed(m, "GET, PATCH, PUT, DELETE"))
        }
        2 => match key() {
            Err(r) => Ok(r),
            Ok(k) => match *m {
                Method::GET => ctx.get(&k),
                Method::PATCH => ctx.update(&k),
                Method::PUT => ctx.upsert(&k),
                _ => ctx.delete(&k),
            },
        },
        3 | 4 if m != Method::GET => Ok(method_not_allowed(m, "GET")),
        _ => match key() {
            Err(r) => Ok(r),
            Ok(k) => ctx.sub_resource(&k, &segments[2], segments.get(3).map(String::as_str)),
        },
    }
}

/// One request's context.
struct Ctx<'a> {
    emu: &'a Emulator,
    req: &'a RecordRequest,
    record_type: &'a str,
    def: Option<&'static catalog::TypeDef>,
}

fn search_error(detail: &str) -> Response {
    rest::invalid_parameter(
        "q",
        format!(
            "Invalid search query. Detailed unprocessed description follows. Search error occurred: {detail}"
        ),
    )
    .into_response()
}

/// Runs `f` in a `BEGIN IMMEDIATE` transaction, committed only when it succeeds; a
/// refused write rolls back. Successful writes invalidate cached counts.
fn write_tx<T>(
    emu: &Emulator,
    f: impl FnOnce(&Connection) -> Result<T, write::WriteError>,
) -> Result<Result<T, RestError>, Error> {
    let label = emu.store().label().to_owned();
    let st = |e| crate::store::storage(&label, e);
    let out = emu.store().try_with(|conn| {
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(st)?;
        match f(&tx) {
            Ok(v) => {
                tx.commit().map_err(st)?;
                Ok(Ok(v))
            }
            Err(write::WriteError::Rest(r)) => Ok(Err(r)),
            Err(write::WriteError::Sql(rusqlite::Error::SqliteFailure(e, msg)))
                if e.code == rusqlite::ErrorCode::ConstraintViolation =>
            {
                Ok(Err(RestError::new(
                    StatusCode::BAD_REQUEST,
                    "USER_ERROR",
                    format!(
                        "Error while accessing a resource. The record violates a constraint: {}.",
                        msg.unwrap_or_default()
                    ),
                )))
            }
            Err(write::WriteError::Sql(e)) => Err(st(e)),
        }
    })?;
    if out.is_ok() {
        emu.counts().invalidate();
    }
    Ok(out)
}

impl Ctx<'_> {
    fn base(&self) -> &str {
        &self.req.base
    }

    fn href(&self, id: i64) -> String {
        read::record_href(self.base(), self.record_type, id)
    }

    fn now(&self) -> write::Now {
        write::Now::at(self.emu.clock().now())
    }

    fn corrupt(&self, reason: String) -> Error {
        Error::Corrupt {
            path: self.emu.store().label().to_owned(),
            reason,
        }
    }

    fn read_options(&self) -> read::ReadOptions {
        read::ReadOptions {
            fields: self.req.params.get("fields").map(|f| {
                f.split(',')
                    .map(|s| s.trim().to_owned())
                    .filter(|s| !s.is_empty())
                    .collect()
            }),
            expand: self.req.params.flag("expandSubResources"),
        }
    }

    /// The internal id `key` names, or the response saying why there is none.
    fn resolve(
        &self,
        conn: &Connection,
        key: &RecordKey,
    ) -> rusqlite::Result<Result<i64, Response>> {
        match self.def {
            Some(def) => {
                if let Some(id) = read::find_id(conn, def, key)? {
                    return Ok(Ok(id));
                }
                if let RecordKey::Internal(id) = key
                    && def.table == "transaction"
                    && read::exists_as_other_type(conn, def, *id)?
                {
                    return Ok(Err(RestError::new(
                        StatusCode::BAD_REQUEST,
                        "USER_ERROR",
                        "Error while accessing a resource. Transaction type specified is incorrect.",
                    )
                    .into_response()));
                }
                Ok(Err(not_found()))
            }
            None => Ok(find(conn, self.record_type, key)?
                .map(|(id, _)| id)
                .ok_or_else(not_found)),
        }
    }

    fn get(&self, key: &RecordKey) -> Result<Response, Error> {
        let options = self.read_options();
        let out = self.emu.store().with(|conn| {
            Ok(match self.def {
                Some(def) => match self.resolve(conn, key)? {
                    Err(r) => Err(r),
                    Ok(id) => match read::load(conn, def, id, self.base(), &options)? {
                        Some(fields) => Ok(Ok(read::serialize(&self.href(id), &fields))),
                        None => Err(not_found()),
                    },
                },
                None => match find(conn, self.record_type, key)? {
                    None => Err(not_found()),
                    Some((id, body)) => Ok(render_selected(
                        self.record_type,
                        id,
                        &body,
                        self.base(),
                        &options,
                    )),
                },
            })
        })?;
        match out {
            Err(r) => Ok(r),
            Ok(json) => Ok(rest::json_response(
                StatusCode::OK,
                SINGULAR_CONTENT_TYPE,
                json.map_err(|reason| self.corrupt(reason))?,
            )),
        }
    }

    fn list(&self) -> Result<Response, Error> {
        let paging = match rest::paging(&self.req.params, rest::RESULT_CEILING) {
            Ok(p) => p,
            Err(e) => return Ok(e.into_response()),
        };
        let q = self.req.params.get("q");
        let (from, params) = match read::collection_source(self.def, self.record_type, q) {
            Ok(s) => s,
            Err(detail) => return Ok(search_error(&detail)),
        };
        let key = format!("{from}|{params:?}");
        let (ids, total) = self.emu.store().with(|conn| {
            let total = self
                .emu
                .counts()
                .get_or(&key, || read::count(conn, &from, &params))?;
            let ids = read::page_ids(conn, &from, &params, paging.limit, paging.offset)?;
            Ok((ids, total))
        })?;
        let url = format!("{}{RECORD_PATH}/{}", self.base(), self.record_type);
        let more = rest::has_more(paging, ids.len() as u64, total, rest::RESULT_CEILING);
        let extra: Vec<(&str, &str)> = q.map(|q| vec![("q", q)]).unwrap_or_default();
        let links = rest::page_links(&url, &extra, paging, total, more, rest::RESULT_CEILING);
        let items: Vec<Value> = ids
            .iter()
            .map(|id| json!({"links": [{"rel": "self", "href": format!("{url}/{id}")}], "id": id.to_string()}))
            .collect();
        let body = format!(
            "{{\"links\":{links},\"count\":{},\"hasMore\":{more},\"items\":{},\"offset\":{},\"totalResults\":{total}}}",
            items.len(),
            Value::Array(items),
            paging.offset
        );
        Ok(rest::json_response(
            StatusCode::OK,
            COLLECTION_CONTENT_TYPE,
            body,
        ))
    }

    #[allow(clippy::result_large_err)] // the error is the ready response
    fn body(&self) -> Result<Map<String, Value>, Response> {
        rest::json_object(&self.req.body).map_err(IntoResponse::into_response)
    }

    fn create(&self) -> Result<Response, Error> {
        let body = match self.body() {
            Ok(b) => b,
            Err(r) => return Ok(r),
        };
        let now = self.now();
        let out = write_tx(self.emu, |conn| match self.def {
            Some(def) => write::create(conn, def, &body, &now, None),
            None => write::document_create(conn, self.record_type, &body, None),
        })?;
        Ok(match out {
            Ok(id) => rest::no_content(&self.href(id)),
            Err(e) => e.into_response(),
        })
    }

    fn replace_list(&self) -> Vec<String> {
        self.req
            .params
            .get("replace")
            .map(|r| r.split(',').map(|s| s.trim().to_owned()).collect())
            .unwrap_or_default()
    }

    fn update(&self, key: &RecordKey) -> Result<Response, Error> {
        let body = match self.body() {
            Ok(b) => b,
            Err(r) => return Ok(r),
        };
        let now = self.now();
        let replace = self.replace_list();
        let out = write_tx(self.emu, |conn| {
            let id = match self.resolve(conn, key)? {
                Ok(id) => id,
                Err(r) => return Ok(Err(r)),
            };
            match self.def {
                Some(def) => write::update(conn, def, id, &body, &now, &replace)?,
                None => {
                    let stored = find(conn, self.record_type, &RecordKey::Internal(id))?
                        .map(|(_, b)| b)
                        .unwrap_or_default();
                    write::document_update(conn, self.record_type, id, &stored, &body)?;
                }
            }
            Ok(Ok(id))
        })?;
        Ok(match out {
            Ok(Ok(id)) => rest::no_content(&self.href(id)),
            Ok(Err(r)) => r,
            Err(e) => e.into_response(),
        })
    }

    fn upsert(&self, key: &RecordKey) -> Result<Response, Error> {
        let RecordKey::External(eid) = key else {
            return Ok(RestError::new(
                StatusCode::BAD_REQUEST,
                "INVALID_REQUEST",
                "The PUT method (upsert) is supported only with an external ID in the URL, such as /customer/eid:CID001. Use PATCH to update a record by internal ID.",
            )
            .into_response());
        };
        let body = match self.body() {
            Ok(b) => b,
            Err(r) => return Ok(r),
        };
        let now = self.now();
        let replace = self.replace_list();
        let out = write_tx(self.emu, |conn| {
            let existing = match self.def {
                Some(def) => read::find_id(conn, def, key)?,
                None => find(conn, self.record_type, key)?.map(|(id, _)| id),
            };
            match (self.def, existing) {
                (Some(def), Some(id)) => {
                    write::update(conn, def, id, &body, &now, &replace)?;
                    Ok(id)
                }
                (Some(def), None) => write::create(conn, def, &body, &now, Some(eid)),
                (None, Some(id)) => {
                    let stored = find(conn, self.record_type, key)?
                        .map(|(_, b)| b)
                        .unwrap_or_default();
                    let mut body = body.clone();
                    body.insert("externalId".into(), Value::String(eid.clone()));
                    write::document_update(conn, self.record_type, id, &stored, &body)?;
                    Ok(id)
                }
                (None, None) => write::document_create(conn, self.record_type, &body, Some(eid)),
            }
        })?;
        Ok(match out {
            Ok(id) => rest::no_content(&self.href(id)),
            Err(e) => e.into_response(),
        })
    }

    fn delete(&self, key: &RecordKey) -> Result<Response, Error> {
        let out = write_tx(self.emu, |conn| {
            let id = match self.resolve(conn, key)? {
                Ok(id) => id,
                Err(r) => return Ok(Err(r)),
            };
            match self.def {
                Some(def) => write::delete(conn, def, id)?,
                None => write::document_delete(conn, self.record_type, id)?,
            }
            Ok(Ok(()))
        })?;
        Ok(match out {
            Ok(Ok(())) => StatusCode::NO_CONTENT.into_response(),
            Ok(Err(r)) => r,
            Err(e) => e.into_response(),
        })
    }

    /// `/{type}/{id}/{sublist}` and `/{type}/{id}/{sublist}/{line}`.
    fn sub_resource(
        &self,
        key: &RecordKey,
        name: &str,
        line: Option<&str>,
    ) -> Result<Response, Error> {
        let sub = self.def.and_then(|d| d.sublist(name));
        let Some(sub) = sub else {
            return Ok(RestError::new(
                StatusCode::NOT_FOUND,
                "NONEXISTENT_ID",
                format!(
                    "The sub-resource '{}' does not exist on record type '{}'.",
                    audit::truncate(name, 100),
                    self.record_type
                ),
            )
            .into_response());
        };
        let line = match line.map(|l| l.parse::<i64>()) {
            None => None,
            Some(Ok(l)) if l >= 0 => Some(l),
            Some(_) => {
                return Ok(RestError::new(
                    StatusCode::BAD_REQUEST,
                    "INVALID_ID",
                    format!(
                        "Invalid line identifier '{}'. Provide a valid line number.",
                        audit::truncate(line.unwrap_or_default(), 100)
                    ),
                )
                .with_url(audit::truncate(&self.req.url_path, 500))
                .into_response());
            }
        };
        let expand = self.req.params.flag("expandSubResources");
        let out = self.emu.store().with(|conn| {
            let id = match self.resolve(conn, key)? {
                Ok(id) => id,
                Err(r) => return Ok(Err(r)),
            };
            let url = format!("{}/{}", self.href(id), sub.name);
            Ok(Ok(match line {
                None => (
                    COLLECTION_CONTENT_TYPE,
                    Some(
                        read::sublist_collection(conn, sub, id, &url, self.base(), expand)?
                            .to_string(),
                    ),
                ),
                Some(l) => {
                    let found = read::lines(conn, sub, id, self.base(), Some(l))?;
                    (
                        SINGULAR_CONTENT_TYPE,
                        found
                            .into_iter()
                            .next()
                            .map(|(_, fields)| read::serialize(&format!("{url}/{l}"), &fields)),
                    )
                }
            }))
        })?;
        Ok(match out {
            Err(r) => r,
            Ok((_, None)) => not_found(),
            Ok((ct, Some(body))) => rest::json_response(StatusCode::OK, ct, body),
        })
    }
}

/// A JSON document rendered, restricted to `fields=` when given.
fn render_selected(
    record_type: &str,
    id: i64,
    stored: &str,
    base: &str,
    options: &read::ReadOptions,
) -> Result<String, String> {
    match &options.fields {
        None => render(record_type, id, stored, base),
        Some(wanted) => {
            let mut map: Map<String, Value> = serde_json::from_str(stored)
                .map_err(|e| format!("record body is not a JSON object: {e}"))?;
            map.retain(|k, _| wanted.iter().any(|w| w.eq_ignore_ascii_case(k)));
            render(record_type, id, &Value::Object(map).to_string(), base)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_and_keys() {
        assert_eq!(canonical_type("salesOrder").as_deref(), Some("salesorder"));
        assert_eq!(canonical_type("SALESORDER").as_deref(), Some("salesorder"));
        assert_eq!(
            canonical_type("customrecord_foo").as_deref(),
            Some("customrecord_foo")
        );
        assert_eq!(canonical_type("file"), None);
        assert_eq!(parse_key("304"), Some(RecordKey::Internal(304)));
        assert_eq!(parse_key("-5"), Some(RecordKey::Internal(-5)));
        assert_eq!(
            parse_key("eid:WEB-304"),
            Some(RecordKey::External("WEB-304".into()))
        );
        for bad in [
            "000",
            "0",
            "abc",
            "",
            "12a",
            "99999999999999999999",
            "eid:",
            "-",
        ] {
            assert_eq!(parse_key(bad), None, "{bad}");
        }
    }

    #[test]
    fn render_puts_links_first_and_absolutizes() {
        let body = r#"{"entity":{"links":[{"rel":"self","href":"/services/rest/record/v1/customer/101"}],"id":"101","refName":"Acme"},"tranId":"SO1"}"#;
        let out = render("salesorder", 1, body, "http://h:1").unwrap();
        assert_eq!(
            out,
            r#"{"links":[{"rel":"self","href":"http://h:1/services/rest/record/v1/salesorder/1"}],"entity":{"id":"101","links":[{"href":"http://h:1/services/rest/record/v1/customer/101","rel":"self"}],"refName":"Acme"},"id":"1","tranId":"SO1"}"#
        );
    }
}
