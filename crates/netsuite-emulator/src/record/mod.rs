//! The REST record API (`/services/rest/record/v1`): records stored as JSON in SQLite
//! and served in NetSuite's shape, with `links` whose hrefs use the request's host.
//!
//! Stored bodies hold hrefs as paths (`/services/rest/record/v1/customer/101`); the
//! base URL is put in front when a record is served.

use axum::extract::{Path, State, rejection::PathRejection};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use netsuite_auth::account::RECORD_PATH;
use rusqlite::{Connection, OptionalExtension};
use serde_json::{Map, Value};

use crate::access_token::{self, BearerError};
use crate::audit;
use crate::error::RestError;
use crate::origin::Origin;
use crate::{Emulator, Error};

/// Content type of a single record.
pub const SINGULAR_CONTENT_TYPE: &str = "application/vnd.oracle.resource+json; type=singular";

/// The scope the REST web services need.
pub const SCOPE: &str = "rest_webservices";

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
            RestError::invalid_login().into_response()
        }
        BearerError::Storage(e) => e.into_response(),
    }
}

/// `GET /services/rest/record/v1/{type}/{id}`.
pub(crate) async fn get(
    State(emu): State<Emulator>,
    uri: Uri,
    headers: HeaderMap,
    path: Result<Path<(String, String)>, PathRejection>,
) -> Response {
    let origin = Origin::from_request(&uri, &headers);
    let authorization = headers
        .get(header::AUTHORIZATION)
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
    let path = path.map(|Path(p)| p).map_err(|e| e.body_text());
    let url_path = uri.path().to_owned();
    let result = emu
        .run_blocking(move |emu| {
            let now = emu.clock().now();
            let principal = access_token::authenticate(
                emu.store(),
                emu.signer(),
                emu.account(),
                authorization.as_deref(),
                SCOPE,
                now,
            );
            if let Err(refusal) = principal {
                return Ok(unauthorized(emu, refusal, now));
            }
            let (type_name, id) = match path {
                Ok(p) => p,
                Err(reason) => {
                    return Ok(RestError::new(
                        StatusCode::BAD_REQUEST,
                        "INVALID_ID",
                        format!("Invalid record instance identifier. {reason}"),
                    )
                    .into_response());
                }
            };
            get_record(emu, &origin, &type_name, &id, &url_path)
        })
        .await;
    result.unwrap_or_else(IntoResponse::into_response)
}

fn get_record(
    emu: &Emulator,
    origin: &Origin,
    type_name: &str,
    id: &str,
    url_path: &str,
) -> Result<Response, Error> {
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
    let Some(key) = parse_key(id) else {
        return Ok(RestError::new(
            StatusCode::BAD_REQUEST,
            "INVALID_ID",
            format!(
                "Invalid record instance identifier '{}'. Provide a valid record instance ID.",
                audit::truncate(id, 200)
            ),
        )
        .with_url(audit::truncate(url_path, 500))
        .into_response());
    };
    let found = emu.store().with(|c| find(c, &record_type, &key))?;
    let Some((internal_id, body)) = found else {
        return Ok(RestError::new(
            StatusCode::NOT_FOUND,
            "NONEXISTENT_ID",
            "The record instance does not exist. Provide a valid record instance ID.",
        )
        .into_response());
    };
    let base = origin.base_url(emu.account());
    let json =
        render(&record_type, internal_id, &body, &base).map_err(|reason| Error::Corrupt {
            path: emu.store().label().to_owned(),
            reason,
        })?;
    let mut resp = (StatusCode::OK, json).into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(SINGULAR_CONTENT_TYPE),
    );
    Ok(resp)
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
