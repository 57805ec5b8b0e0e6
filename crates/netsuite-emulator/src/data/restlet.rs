//! RESTlets: `/app/site/hosting/restlet.nl?script=X&deploy=Y` with built-in
//! deployments standing in for SuiteScript:
//!
//! | script | deploy | methods | what it does |
//! |---|---|---|---|
//! | 1 | 1 | GET, POST, PUT, DELETE | echoes the method, the query parameters and the body |
//! | 2 | 1 | GET, POST | reads a record: `recordtype` and `id` (query for GET, JSON body for POST) |
//!
//! Bearer tokens must carry the `restlets` scope; a request with both an
//! `Authorization` header and cookies is refused, as NetSuite refuses it. Request
//! bodies are `application/json` (parsed) or `text/plain` (a string; `application/xml`
//! is passed as text too); other content types get 415. A method the script has no
//! entry point for gets 405. Errors are SuiteScript's `{"error":{"code","message"}}`.

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use super::record::{document, read, types};
use super::rest::{self, Params, suitescript_error};
use super::state::DataPlane;
use crate::error::Error;
use crate::oauth::audit::AuditCode;
use crate::oauth::bearer::Refusal;
use crate::oauth::refusal::Stop;

/// How the request body is to be read, and the response written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Format {
    Json,
    Text,
}

fn content_format(headers: &HeaderMap) -> Result<Format, String> {
    let Some(v) = headers.get(header::CONTENT_TYPE) else {
        return Ok(Format::Json);
    };
    let v = String::from_utf8_lossy(v.as_bytes()).to_ascii_lowercase();
    let media = v.split(';').next().unwrap_or_default().trim().to_owned();
    match media.as_str() {
        "application/json" => Ok(Format::Json),
        "text/plain" | "application/xml" | "text/xml" => Ok(Format::Text),
        _ => Err(media),
    }
}

fn unauthorized(emu: &DataPlane, refusal: Stop<Refusal>, now: i64) -> Response {
    match refusal {
        Stop::Refused(r) => {
            emu.bearer().audit(&r, now);
            suitescript_error(
                StatusCode::UNAUTHORIZED,
                "INVALID_LOGIN_ATTEMPT",
                "Invalid login attempt.",
            )
        }
        Stop::Failed(e) => {
            eprintln!("netsuite-emulator: {}", crate::error::chain(&e));
            suitescript_error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "UNEXPECTED_ERROR",
                "An unexpected SuiteScript error has occurred",
            )
        }
    }
}

#[allow(clippy::result_large_err)] // the error is the ready response
fn authenticate(emu: &DataPlane, headers: &HeaderMap) -> Result<(), Response> {
    let now = emu.clock().now();
    if headers.contains_key(header::AUTHORIZATION) && headers.contains_key(header::COOKIE) {
        let refusal = Stop::Refused(Refusal {
            code: AuditCode::TokenRejected,
            client_id: None,
            detail: "the RESTlet request carries both an Authorization header and cookies; NetSuite accepts only one of them".into(),
        });
        return Err(unauthorized(emu, refusal, now));
    }
    emu.bearer()
        .check(headers, rest::RESTLET_SCOPE, now)
        .map(|_| ())
        .map_err(|r| unauthorized(emu, r, now))
}

struct Call {
    method: Method,
    params: Params,
    format: Format,
    body: Vec<u8>,
    base: String,
}

/// `/app/site/hosting/restlet.nl`, any method.
pub(crate) async fn handle(
    State(emu): State<DataPlane>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let body = match axum::body::to_bytes(body, rest::MAX_BODY).await {
        Ok(b) => b,
        Err(_) => {
            return suitescript_error(
                StatusCode::PAYLOAD_TOO_LARGE,
                "SSS_REQUEST_TOO_LARGE",
                "The request body is larger than the RESTlet accepts.",
            );
        }
    };
    let call = Call {
        method,
        params: Params::parse(uri.query()),
        format: Format::Json,
        body: body.to_vec(),
        base: emu.link_base(&uri, &headers),
    };
    emu.run_blocking(move |emu| {
        if let Err(r) = authenticate(emu, &headers) {
            return Ok(r);
        }
        let format = match content_format(&headers) {
            Ok(f) => f,
            Err(media) => {
                return Ok(suitescript_error(
                    StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    "INVALID_CONTENT_TYPE",
                    &format!(
                        "Content type '{}' is not supported. Use application/json or text/plain.",
                        crate::error::truncate(&media, 100)
                    ),
                ));
            }
        };
        run(emu, Call { format, ..call })
    })
    .await
    .unwrap_or_else(|e| {
        eprintln!("netsuite-emulator: {}", crate::error::chain(&e));
        suitescript_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "UNEXPECTED_ERROR",
            "An unexpected SuiteScript error has occurred",
        )
    })
}

fn invalid_script() -> Response {
    suitescript_error(
        StatusCode::BAD_REQUEST,
        "SSS_INVALID_SCRIPTLET_ID",
        "That Suitelet is invalid, disabled, or no longer exists.",
    )
}

fn not_allowed(method: &Method, script: &str, deploy: &str) -> Response {
    suitescript_error(
        StatusCode::METHOD_NOT_ALLOWED,
        "SSS_INVALID_HTTP_METHOD",
        &format!(
            "The RESTlet (script {script}, deployment {deploy}) has no {} entry point.",
            crate::error::truncate(method.as_str(), 20)
        ),
    )
}

/// The request body as the script sees it: parsed JSON, or a string.
#[allow(clippy::result_large_err)] // the error is the ready response
fn input(call: &Call) -> Result<Value, Response> {
    if call.body.is_empty() {
        return Ok(Value::Null);
    }
    match call.format {
        Format::Text => Ok(Value::String(
            String::from_utf8_lossy(&call.body).into_owned(),
        )),
        Format::Json => serde_json::from_slice(&call.body).map_err(|e| {
            suitescript_error(
                StatusCode::BAD_REQUEST,
                "SYNTAX_ERROR",
                &format!("SyntaxError: the request body is not valid JSON: {e}"),
            )
        }),
    }
}

/// The script's return value as the response: JSON, or text.
fn output(format: Format, v: &Value) -> Response {
    let (ct, body) = match (format, v) {
        (Format::Json, v) => ("application/json; charset=utf-8", v.to_string()),
        (Format::Text, Value::String(s)) => ("text/plain; charset=utf-8", s.clone()),
        (Format::Text, v) => ("text/plain; charset=utf-8", v.to_string()),
    };
    let mut resp = (StatusCode::OK, body).into_response();
    resp.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(ct));
    resp
}

fn run(emu: &DataPlane, call: Call) -> Result<Response, Error> {
    let script = call
        .params
        .get("script")
        .unwrap_or_default()
        .trim()
        .to_owned();
    let deploy = call
        .params
        .get("deploy")
        .unwrap_or_default()
        .trim()
        .to_owned();
    let known = [Method::GET, Method::POST, Method::PUT, Method::DELETE];
    match (script.as_str(), deploy.as_str()) {
        ("1", "1") => {
            if !known.contains(&call.method) {
                return Ok(not_allowed(&call.method, &script, &deploy));
            }
            let body = match input(&call) {
                Ok(b) => b,
                Err(r) => return Ok(r),
            };
            let params: Map<String, Value> = call
                .params
                .0
                .iter()
                .filter(|(k, _)| k != "script" && k != "deploy")
                .map(|(k, v)| (k.clone(), Value::String(v.clone())))
                .collect();
            let echo = json!({
                "method": call.method.as_str(),
                "script": script,
                "deploy": deploy,
                "params": params,
                "body": body,
            });
            Ok(output(call.format, &echo))
        }
        ("2", "1") => {
            if !matches!(call.method, Method::GET | Method::POST) {
                return Ok(not_allowed(&call.method, &script, &deploy));
            }
            let args = if call.method == Method::GET {
                let mut m = Map::new();
                for name in ["recordtype", "id"] {
                    if let Some(v) = call.params.get_ignore_case(name) {
                        m.insert(name.into(), Value::String(v.to_owned()));
                    }
                }
                Value::Object(m)
            } else {
                match input(&call) {
                    Ok(Value::String(s)) => serde_json::from_str(&s).unwrap_or(Value::Null),
                    Ok(v) => v,
                    Err(r) => return Ok(r),
                }
            };
            read_record(emu, &call, &args)
        }
        _ => Ok(invalid_script()),
    }
}

fn arg(args: &Value, name: &str) -> Option<String> {
    let obj = args.as_object()?;
    let v = obj
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v)?;
    match v {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_owned()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn read_record(emu: &DataPlane, call: &Call, args: &Value) -> Result<Response, Error> {
    let missing = |name: &str| {
        suitescript_error(
            StatusCode::BAD_REQUEST,
            "SSS_MISSING_REQD_ARGUMENT",
            &format!("Missing a required argument: {name}"),
        )
    };
    let Some(type_name) = arg(args, "recordtype") else {
        return Ok(missing("recordtype"));
    };
    let Some(id) = arg(args, "id") else {
        return Ok(missing("id"));
    };
    let Some(record_type) = types::canonical_type(emu.model(), &type_name) else {
        return Ok(suitescript_error(
            StatusCode::BAD_REQUEST,
            "SSS_INVALID_RECORD_TYPE",
            &format!(
                "The record type [{}] is invalid.",
                crate::error::truncate(&type_name, 100).to_uppercase()
            ),
        ));
    };
    let not_found = || {
        suitescript_error(
            StatusCode::BAD_REQUEST,
            "RCRD_DSNT_EXIST",
            "That record does not exist.",
        )
    };
    let Some(key) = types::parse_key(&id) else {
        return Ok(not_found());
    };
    let base = call.base.clone();
    let fields = emu.store().with(|conn| {
        Ok(match emu.model().record_type(&record_type) {
            Some(def) => match read::find_id(conn, def, &key)? {
                None => None,
                Some(id) => read::load(
                    conn,
                    emu.model(),
                    def,
                    id,
                    &base,
                    &read::ReadOptions::default(),
                )?
                .map(|f| f.into_iter().collect::<Map<String, Value>>()),
            },
            None => document::find(conn, &record_type, &key)?.and_then(|(id, body)| {
                let mut m: Map<String, Value> = serde_json::from_str(&body).ok()?;
                m.insert("id".into(), Value::String(id.to_string()));
                Some(m)
            }),
        })
    })?;
    let Some(mut fields) = fields else {
        return Ok(not_found());
    };
    let id = fields.remove("id").unwrap_or(Value::Null);
    let out = json!({"recordType": record_type, "id": id, "fields": fields});
    Ok(output(call.format, &out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_types() {
        let mut h = HeaderMap::new();
        assert_eq!(content_format(&h), Ok(Format::Json));
        h.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json; charset=utf-8"),
        );
        assert_eq!(content_format(&h), Ok(Format::Json));
        h.insert(header::CONTENT_TYPE, HeaderValue::from_static("Text/Plain"));
        assert_eq!(content_format(&h), Ok(Format::Text));
        h.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/x-www-form-urlencoded"),
        );
        assert_eq!(
            content_format(&h),
            Err("application/x-www-form-urlencoded".to_owned())
        );
    }
}
