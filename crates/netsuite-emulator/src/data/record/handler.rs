//! The record API's requests: read off the wire, authenticated, then run (or queued
//! with `Prefer: respond-async`).

use axum::body::{Body, Bytes};
use axum::extract::{Path, State, rejection::PathRejection};
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use netsuite_auth::account::RECORD_PATH;
use netsuite_suiteql::model::RecordType;
use rusqlite::{Connection, TransactionBehavior};
use serde_json::{Map, Value, json};

use crate::data::rest::{self, COLLECTION_CONTENT_TYPE, Params, SINGULAR_CONTENT_TYPE};
use crate::data::state::DataPlane;
use crate::error::Error;
use crate::error::RestError;
use crate::oauth::refusal::Stop;

use crate::clock::Now;

use super::document::{find, render};
use super::types::{ADMINISTRATOR, RecordKey, canonical_type, parse_key};
use super::{read, write};

/// The scope the REST web services need.
pub const SCOPE: &str = rest::REST_SCOPE;

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
pub(crate) async fn dispatch(
    State(emu): State<DataPlane>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    path: Result<Path<Vec<String>>, PathRejection>,
    body: Body,
) -> Response {
    let base = emu.link_base(&uri, &headers);
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
    if crate::data::async_job::requested(&headers) {
        return crate::data::async_job::submit(
            emu,
            headers,
            req.base.clone(),
            move |emu, caller| handle(emu, &req, caller.role),
        )
        .await;
    }
    emu.run_blocking(move |emu| match emu.bearer().authorize(&headers, SCOPE) {
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
            crate::error::truncate(method.as_str(), 20)
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
pub(crate) fn handle(emu: &DataPlane, req: &RecordRequest, role: i64) -> Result<Response, Error> {
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
    let Some(record_type) = canonical_type(emu.model(), type_name) else {
        return Ok(RestError::new(
            StatusCode::NOT_FOUND,
            "NONEXISTENT_ID",
            format!(
                "Record type '{}' does not exist.",
                crate::error::truncate(type_name, 200)
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
        def: emu.model().record_type(&record_type),
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
                    crate::error::truncate(id, 200)
                ),
            )
            .with_url(crate::error::truncate(&req.url_path, 500))
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
    emu: &'a DataPlane,
    req: &'a RecordRequest,
    record_type: &'a str,
    def: Option<&'static RecordType>,
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
    emu: &DataPlane,
    f: impl FnOnce(&Connection) -> Result<T, Stop<RestError>>,
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
            Err(Stop::Refused(r)) => Ok(Err(r)),
            Err(Stop::Failed(Error::Storage {
                source: rusqlite::Error::SqliteFailure(e, msg),
                ..
            })) if e.code == rusqlite::ErrorCode::ConstraintViolation => Ok(Err(RestError::new(
                StatusCode::BAD_REQUEST,
                "USER_ERROR",
                format!(
                    "Error while accessing a resource. The record violates a constraint: {}.",
                    msg.unwrap_or_default()
                ),
            ))),
            Err(Stop::Failed(Error::Storage { source, .. })) => Err(st(source)),
            Err(Stop::Failed(e)) => Err(e),
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

    fn now(&self) -> Now {
        Now::at(self.emu.clock().now())
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
                    Ok(id) => {
                        match read::load(conn, self.emu.model(), def, id, self.base(), &options)? {
                            Some(fields) => Ok(Ok(read::serialize(&self.href(id), &fields))),
                            None => Err(not_found()),
                        }
                    }
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
            Some(def) => write::create(conn, self.emu.model(), def, &body, &now, None),
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
                Some(def) => write::update(conn, self.emu.model(), def, id, &body, &now, &replace)?,
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
                    write::update(conn, self.emu.model(), def, id, &body, &now, &replace)?;
                    Ok(id)
                }
                (Some(def), None) => {
                    write::create(conn, self.emu.model(), def, &body, &now, Some(eid))
                }
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
                Some(def) => write::delete(conn, self.emu.model(), def, id)?,
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
                    crate::error::truncate(name, 100),
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
                        crate::error::truncate(line.unwrap_or_default(), 100)
                    ),
                )
                .with_url(crate::error::truncate(&self.req.url_path, 500))
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
                        read::sublist_collection(
                            conn,
                            self.emu.model(),
                            sub,
                            id,
                            &url,
                            self.base(),
                            expand,
                        )?
                        .to_string(),
                    ),
                ),
                Some(l) => {
                    let found = read::lines(conn, self.emu.model(), sub, id, self.base(), Some(l))?;
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
