//! NetSuite 2026.1's certificate rotation API for client credentials (M2M) mappings:
//!
//! * `GET  /services/rest/auth/oauth2/v1/clients/{client_id}/certificates`
//! * `POST /services/rest/auth/oauth2/v1/clients/{client_id}/certificates` with
//!   `{"fileContent": "<PEM>", "role": N, "entity": N}`
//! * `POST /services/rest/auth/oauth2/v1/clients/{client_id}/certificates/{certificate_id}/revoke`
//!
//! A bearer token with the `rest_webservices` scope is required (either grant). The
//! Administrator role (3) manages every certificate of the integration; other roles
//! only those mapped to their own entity ("Manage own OAuth 2.0 Client Credentials
//! certificates"). NetSuite's certificate rules apply (RSA 3072/4096 or EC
//! P-256/384/521, at most two years, at most five active per integration). Oracle's
//! samples append `?c=`, which is accepted and ignored.
//!
//! Response bodies are not documented (UNCONFIRMED); the emulator answers with
//! certificate objects: `{"certificateId", "clientId", "role", "entity", "key",
//! "algorithm", "validUntil", "status"}` (`ACTIVE`, `REVOKED` or `EXPIRED`), a list as
//! `{"count", "items"}`. Errors use NetSuite's REST error body.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::bearer::Principal;
use super::mapping::{Mapping, NewMapping};
use super::state::OAuthPlane;
use crate::error::Error;
use crate::error::RestError;

/// The collection path, with `{client_id}`.
pub const CERTIFICATES_PATH: &str =
    "/services/rest/auth/oauth2/v1/clients/{client_id}/certificates";
/// The revoke path, with `{client_id}` and `{certificate_id}`.
pub const REVOKE_CERTIFICATE_PATH: &str =
    "/services/rest/auth/oauth2/v1/clients/{client_id}/certificates/{certificate_id}/revoke";

/// The scope the API needs.
const SCOPE: &str = "rest_webservices";
/// The Administrator role.
const ADMINISTRATOR: i64 = 3;
/// Largest body read.
const MAX_BODY: usize = 64 * 1024;

fn json_ok(status: StatusCode, body: &Value) -> Response {
    let mut resp = (status, body.to_string()).into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=UTF-8"),
    );
    resp
}

fn certificate(m: &Mapping, now: i64) -> Value {
    let status = if m.revoked {
        "REVOKED"
    } else if m.not_after <= now {
        "EXPIRED"
    } else {
        "ACTIVE"
    };
    let valid_until = time::OffsetDateTime::from_unix_timestamp(m.not_after)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_else(|| m.not_after.to_string());
    json!({
        "certificateId": m.certificate_id,
        "clientId": m.client_id,
        "role": m.role,
        "entity": m.entity,
        "key": m.key,
        "algorithm": m.algorithm,
        "validUntil": valid_until,
        "status": status,
    })
}

fn bad_request(detail: impl Into<String>) -> Response {
    RestError::new(StatusCode::BAD_REQUEST, "INVALID_REQUEST", detail).into_response()
}

fn not_found(detail: impl Into<String>) -> Response {
    RestError::new(StatusCode::NOT_FOUND, "NONEXISTENT_ID", detail).into_response()
}

fn forbidden(detail: impl Into<String>) -> Response {
    RestError::new(StatusCode::FORBIDDEN, "INSUFFICIENT_PERMISSION", detail).into_response()
}

/// The caller, or NetSuite's 401 (with an audit entry).
fn caller(emu: &OAuthPlane, headers: &HeaderMap) -> Result<Principal, Box<Response>> {
    emu.bearer().authorize(headers, SCOPE).map_err(Box::new)
}

/// The integration's mappings, when it exists and has the M2M grant.
fn client_mappings(
    emu: &OAuthPlane,
    client_id: &str,
) -> Result<Result<Vec<Mapping>, Box<Response>>, Error> {
    let Some(integration) = emu.integration(client_id)? else {
        return Ok(Err(Box::new(not_found(format!(
            "No integration record has the client ID {}.",
            crate::error::truncate(client_id, 80)
        )))));
    };
    if !integration.m2m {
        return Ok(Err(Box::new(bad_request(format!(
            "The integration record {:?} does not have the Client Credentials (Machine to Machine) grant enabled.",
            integration.name
        )))));
    }
    Ok(Ok(emu
        .list_mappings()?
        .into_iter()
        .filter(|m| m.client_id == client_id)
        .collect()))
}

fn visible(p: &Principal, m: &Mapping) -> bool {
    p.role == ADMINISTRATOR || p.entity == m.entity
}

fn result(r: Result<Response, Error>) -> Response {
    r.unwrap_or_else(IntoResponse::into_response)
}

/// `GET …/clients/{client_id}/certificates`.
pub(crate) async fn list(
    State(emu): State<OAuthPlane>,
    Path(client_id): Path<String>,
    headers: HeaderMap,
) -> Response {
    result(
        emu.run_blocking(move |emu| {
            let p = match caller(emu, &headers) {
                Ok(p) => p,
                Err(r) => return Ok(*r),
            };
            let mappings = match client_mappings(emu, &client_id)? {
                Ok(m) => m,
                Err(r) => return Ok(*r),
            };
            let now = emu.clock().now();
            let items: Vec<Value> = mappings
                .iter()
                .filter(|m| visible(&p, m))
                .map(|m| certificate(m, now))
                .collect();
            Ok(json_ok(
                StatusCode::OK,
                &json!({"count": items.len(), "items": items}),
            ))
        })
        .await,
    )
}

/// `POST …/clients/{client_id}/certificates`.
pub(crate) async fn add(
    State(emu): State<OAuthPlane>,
    Path(client_id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    result(
        emu.run_blocking(move |emu| {
            let p = match caller(emu, &headers) {
                Ok(p) => p,
                Err(r) => return Ok(*r),
            };
            if let Err(r) = client_mappings(emu, &client_id)? {
                return Ok(*r);
            }
            if body.len() > MAX_BODY {
                return Ok(bad_request(format!(
                    "The request body is over {MAX_BODY} bytes."
                )));
            }
            let v: Value = match serde_json::from_slice(&body) {
                Ok(v @ Value::Object(_)) => v,
                _ => {
                    return Ok(bad_request(
                        "The request body must be a JSON object {\"fileContent\": PEM, \"role\": N, \"entity\": N}.",
                    ));
                }
            };
            let Some(pem) = v.get("fileContent").and_then(Value::as_str) else {
                return Ok(bad_request(
                    "fileContent is missing: give the certificate in PEM format.",
                ));
            };
            let number = |name: &str| match v.get(name) {
                Some(Value::Number(n)) => n.as_i64(),
                Some(Value::String(s)) => s.trim().parse().ok(),
                _ => None,
            };
            let (Some(role), Some(entity)) = (number("role"), number("entity")) else {
                return Ok(bad_request(
                    "role and entity must be given as internal ids (numbers).",
                ));
            };
            if p.role != ADMINISTRATOR && entity != p.entity {
                return Ok(forbidden(
                    "You can manage only your own OAuth 2.0 client credentials certificates.",
                ));
            }
            let created = emu.create_mapping(NewMapping {
                client_id: client_id.clone(),
                certificate_pem: pem.to_owned(),
                role,
                entity,
            });
            match created {
                Ok(m) => {
                    let mut resp = json_ok(StatusCode::OK, &certificate(&m, emu.clock().now()));
                    let location = format!(
                        "/services/rest/auth/oauth2/v1/clients/{client_id}/certificates/{}",
                        m.certificate_id
                    );
                    if let Ok(h) = HeaderValue::from_str(&location) {
                        resp.headers_mut().insert(header::LOCATION, h);
                    }
                    Ok(resp)
                }
                Err(
                    e @ (Error::CertificateRefused { .. }
                    | Error::TooManyCertificates { .. }
                    | Error::DuplicateCertificate { .. }),
                ) => Ok(bad_request(capitalized(&e.to_string()))),
                Err(e) => Err(e),
            }
        })
        .await,
    )
}

fn capitalized(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => format!("{}{}.", f.to_uppercase(), c.as_str().trim_end_matches('.')),
        None => String::new(),
    }
}

/// `POST …/clients/{client_id}/certificates/{certificate_id}/revoke`.
pub(crate) async fn revoke(
    State(emu): State<OAuthPlane>,
    Path((client_id, certificate_id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    result(
        emu.run_blocking(move |emu| {
            let p = match caller(emu, &headers) {
                Ok(p) => p,
                Err(r) => return Ok(*r),
            };
            let mappings = match client_mappings(emu, &client_id)? {
                Ok(m) => m,
                Err(r) => return Ok(*r),
            };
            let Some(m) = mappings.iter().find(|m| m.certificate_id == certificate_id) else {
                return Ok(not_found(format!(
                    "The integration has no certificate with the ID {}.",
                    crate::error::truncate(&certificate_id, 80)
                )));
            };
            if !visible(&p, m) {
                return Ok(forbidden(
                    "You can manage only your own OAuth 2.0 client credentials certificates.",
                ));
            }
            let revoked = emu.revoke_mapping(&certificate_id, Some(&client_id))?;
            let now = emu.clock().now();
            let body = revoked
                .first()
                .map(|m| certificate(m, now))
                .unwrap_or(Value::Null);
            Ok(json_ok(StatusCode::OK, &body))
        })
        .await,
    )
}
