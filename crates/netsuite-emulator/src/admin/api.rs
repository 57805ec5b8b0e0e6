//! `/admin/api/...`: JSON over the same operations as the library API, for the CLI's
//! `--url` mode and for scripts.
//!
//! | method and path | does |
//! |---|---|
//! | `GET /admin/api` | account, version and this list |
//! | `GET /admin/api/integrations` | integration records (no secrets) |
//! | `POST /admin/api/integrations` | create one (JSON like [`crate::NewIntegration`]); 201 with the secret |
//! | `GET /admin/api/integrations/{client_id}` | one, with its mappings and authorized apps |
//! | `POST /admin/api/integrations/{client_id}/block` and `/enable` | block / enable |
//! | `GET /admin/api/mappings` | certificate mappings |
//! | `POST /admin/api/mappings` | create one (`client_id`, `certificate_pem`, `role`, `entity`); 201 |
//! | `POST /admin/api/mappings/{certificate_id}/revoke` | revoke (optional `?client_id=`) |
//! | `GET /admin/api/authorizations` | authorized applications |
//! | `POST /admin/api/authorizations/{id}/revoke` | revoke one and its tokens |
//! | `GET /admin/api/tokens?all=true&limit=N` | issued tokens, newest first |
//! | `POST /admin/api/tokens/{jti}/revoke` | revoke a token (a refresh token: its chain) |
//! | `GET /admin/api/audit?after=ID&limit=N` | the login audit trail, oldest first |
//!
//! Errors are `{"error": "<kind>", "message": "…"}` with 400, 404, 409 or 500.
//! Every answer is one of the typed structs in [`super::protocol`] or the library's own
//! types; the remote client (feature `remote-client`) reads them back.

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::protocol::{ApiError, ApiIndex, ENDPOINTS, Revoked};
use crate::error::Error;
use crate::oauth::integration::NewIntegration;
use crate::oauth::mapping::NewMapping;
use crate::oauth::state::OAuthPlane;

/// Largest JSON body the API reads.
const MAX_JSON: usize = 256 * 1024;

pub(super) fn json_response(status: StatusCode, body: &impl serde::Serialize) -> Response {
    let bytes = serde_json::to_vec_pretty(body).unwrap_or_default();
    let mut resp = (status, bytes).into_response();
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp
}

fn error_json(status: StatusCode, kind: &str, message: &str) -> Response {
    json_response(
        status,
        &ApiError {
            error: kind.to_owned(),
            message: message.to_owned(),
        },
    )
}

/// The status and kind of a library error.
pub(super) fn classify(e: &Error) -> (StatusCode, &'static str) {
    match e {
        Error::UnknownClientId { .. }
        | Error::UnknownCertificate { .. }
        | Error::UnknownAuthorization { .. }
        | Error::UnknownToken { .. } => (StatusCode::NOT_FOUND, "not_found"),
        Error::DuplicateCertificate { .. } => (StatusCode::CONFLICT, "conflict"),
        Error::CertificateRefused { .. }
        | Error::IntegrationWithoutM2m { .. }
        | Error::TooManyCertificates { .. }
        | Error::InvalidIntegration { .. } => (StatusCode::BAD_REQUEST, "invalid"),
        _ => (StatusCode::INTERNAL_SERVER_ERROR, "server_error"),
    }
}

fn failure(e: &Error) -> Response {
    let (status, kind) = classify(e);
    if status == StatusCode::INTERNAL_SERVER_ERROR {
        eprintln!("netsuite-emulator: {}", crate::error::chain(e));
        return error_json(status, kind, "the emulator failed; see its log");
    }
    error_json(status, kind, &e.to_string())
}

/// Runs `f` on the blocking pool and answers with its JSON (or the error).
async fn run<T, F>(emu: &OAuthPlane, status: StatusCode, f: F) -> Response
where
    T: serde::Serialize + Send + 'static,
    F: FnOnce(&OAuthPlane) -> Result<T, Error> + Send + 'static,
{
    match emu.run_blocking(f).await {
        Ok(v) => json_response(status, &v),
        Err(e) => failure(&e),
    }
}

fn parse_json<T: for<'de> Deserialize<'de>>(body: &Bytes) -> Result<T, Box<Response>> {
    if body.len() > MAX_JSON {
        return Err(Box::new(error_json(
            StatusCode::PAYLOAD_TOO_LARGE,
            "invalid",
            "the body is too large",
        )));
    }
    serde_json::from_slice(body).map_err(|e| {
        Box::new(error_json(
            StatusCode::BAD_REQUEST,
            "invalid",
            &format!("bad JSON: {e}"),
        ))
    })
}

/// `GET /admin/api`.
pub(super) async fn index(State(emu): State<OAuthPlane>) -> Response {
    json_response(
        StatusCode::OK,
        &ApiIndex {
            account: emu.account().as_str().to_owned(),
            version: env!("CARGO_PKG_VERSION").to_owned(),
            signing_key_id: emu.signing_key_id().to_owned(),
            endpoints: ENDPOINTS.iter().map(|e| (*e).to_owned()).collect(),
        },
    )
}

pub(super) async fn integrations(State(emu): State<OAuthPlane>) -> Response {
    run(&emu, StatusCode::OK, |emu| emu.list_integrations()).await
}

pub(super) async fn create_integration(State(emu): State<OAuthPlane>, body: Bytes) -> Response {
    let new: NewIntegration = match parse_json(&body) {
        Ok(b) => b,
        Err(r) => return *r,
    };
    run(&emu, StatusCode::CREATED, move |emu| {
        emu.create_integration(new)
    })
    .await
}

pub(super) async fn integration(
    State(emu): State<OAuthPlane>,
    Path(client_id): Path<String>,
) -> Response {
    run(&emu, StatusCode::OK, move |emu| {
        emu.integration_details(&client_id)
    })
    .await
}

async fn set_blocked(emu: OAuthPlane, client_id: String, blocked: bool) -> Response {
    run(&emu, StatusCode::OK, move |emu| {
        emu.set_integration_blocked(&client_id, blocked)?;
        emu.integration(&client_id)
    })
    .await
}

pub(super) async fn block_integration(
    State(emu): State<OAuthPlane>,
    Path(client_id): Path<String>,
) -> Response {
    set_blocked(emu, client_id, true).await
}

pub(super) async fn enable_integration(
    State(emu): State<OAuthPlane>,
    Path(client_id): Path<String>,
) -> Response {
    set_blocked(emu, client_id, false).await
}

pub(super) async fn mappings(State(emu): State<OAuthPlane>) -> Response {
    run(&emu, StatusCode::OK, |emu| emu.list_mappings()).await
}

pub(super) async fn create_mapping(State(emu): State<OAuthPlane>, body: Bytes) -> Response {
    let new: NewMapping = match parse_json(&body) {
        Ok(b) => b,
        Err(r) => return *r,
    };
    run(&emu, StatusCode::CREATED, move |emu| {
        emu.create_mapping(new)
    })
    .await
}

#[derive(Debug, Deserialize)]
pub(super) struct ClientQuery {
    client_id: Option<String>,
}

pub(super) async fn revoke_mapping(
    State(emu): State<OAuthPlane>,
    Path(certificate_id): Path<String>,
    Query(q): Query<ClientQuery>,
) -> Response {
    run(&emu, StatusCode::OK, move |emu| {
        emu.revoke_mapping(&certificate_id, q.client_id.as_deref())
    })
    .await
}

pub(super) async fn authorizations(State(emu): State<OAuthPlane>) -> Response {
    run(&emu, StatusCode::OK, |emu| emu.authorized_apps()).await
}

pub(super) async fn revoke_authorization(
    State(emu): State<OAuthPlane>,
    Path(id): Path<String>,
) -> Response {
    let Ok(id) = id.parse::<i64>() else {
        return error_json(
            StatusCode::NOT_FOUND,
            "not_found",
            "an authorized application id is a number",
        );
    };
    run(&emu, StatusCode::OK, move |emu| {
        emu.revoke_authorized_app(id)?;
        Ok(Revoked { revoked: id })
    })
    .await
}

#[derive(Debug, Deserialize)]
pub(super) struct TokenQuery {
    #[serde(default)]
    all: Option<String>,
    #[serde(default)]
    limit: Option<String>,
}

/// `?limit=` with a default and a ceiling.
pub(super) fn limit(given: Option<&str>, default: usize) -> usize {
    given
        .and_then(|l| l.parse::<usize>().ok())
        .unwrap_or(default)
        .clamp(1, 10_000)
}

pub(super) fn truthy(v: Option<&str>) -> bool {
    matches!(v, Some("1" | "true" | "yes" | ""))
}

pub(super) async fn tokens(State(emu): State<OAuthPlane>, Query(q): Query<TokenQuery>) -> Response {
    let all = truthy(q.all.as_deref());
    let limit = limit(q.limit.as_deref(), 200);
    run(&emu, StatusCode::OK, move |emu| emu.tokens(all, limit)).await
}

pub(super) async fn revoke_token(
    State(emu): State<OAuthPlane>,
    Path(jti): Path<String>,
) -> Response {
    run(&emu, StatusCode::OK, move |emu| {
        emu.revoke_token(&jti)?;
        Ok(Revoked { revoked: jti })
    })
    .await
}

#[derive(Debug, Deserialize)]
pub(super) struct AuditQuery {
    #[serde(default)]
    after: Option<String>,
    #[serde(default)]
    limit: Option<String>,
}

pub(super) async fn audit(State(emu): State<OAuthPlane>, Query(q): Query<AuditQuery>) -> Response {
    let after = q
        .after
        .as_deref()
        .and_then(|a| a.parse::<i64>().ok())
        .unwrap_or(0);
    let limit = limit(q.limit.as_deref(), 1000);
    run(&emu, StatusCode::OK, move |emu| {
        emu.audit_after(after, limit)
    })
    .await
}
