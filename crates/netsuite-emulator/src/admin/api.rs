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

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::error::Error;
use crate::oauth::integration::ConsentPolicy;
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
    json_response(status, &json!({"error": kind, "message": message}))
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
        &json!({
            "account": emu.account().as_str(),
            "version": env!("CARGO_PKG_VERSION"),
            "signing_key_id": emu.signing_key_id(),
            "endpoints": [
                "GET /admin/api/integrations", "POST /admin/api/integrations",
                "GET /admin/api/integrations/{client_id}",
                "POST /admin/api/integrations/{client_id}/block",
                "POST /admin/api/integrations/{client_id}/enable",
                "GET /admin/api/mappings", "POST /admin/api/mappings",
                "POST /admin/api/mappings/{certificate_id}/revoke",
                "GET /admin/api/authorizations", "POST /admin/api/authorizations/{id}/revoke",
                "GET /admin/api/tokens", "POST /admin/api/tokens/{jti}/revoke",
                "GET /admin/api/audit",
            ],
        }),
    )
}

pub(super) async fn integrations(State(emu): State<OAuthPlane>) -> Response {
    run(&emu, StatusCode::OK, |emu| emu.list_integrations()).await
}

/// The JSON body of `POST /admin/api/integrations`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct IntegrationBody {
    name: String,
    #[serde(default)]
    m2m: bool,
    #[serde(default)]
    auth_code: bool,
    #[serde(default)]
    public: bool,
    #[serde(default)]
    redirect_uris: Vec<String>,
    #[serde(default)]
    scopes: Vec<String>,
    #[serde(default)]
    allow_http_loopback: bool,
    #[serde(default)]
    consent_policy: Option<ConsentPolicy>,
    #[serde(default)]
    refresh_token_hours: Option<u32>,
    #[serde(default)]
    max_rotation_hours: Option<u32>,
}

impl From<IntegrationBody> for NewIntegration {
    fn from(b: IntegrationBody) -> Self {
        NewIntegration {
            name: b.name,
            m2m: b.m2m,
            auth_code: b.auth_code,
            public: b.public,
            redirect_uris: b.redirect_uris,
            scopes: b.scopes,
            allow_http_loopback: b.allow_http_loopback,
            consent_policy: b.consent_policy.unwrap_or_default(),
            refresh_token_hours: b.refresh_token_hours,
            max_rotation_hours: b.max_rotation_hours,
        }
    }
}

pub(super) async fn create_integration(State(emu): State<OAuthPlane>, body: Bytes) -> Response {
    let body: IntegrationBody = match parse_json(&body) {
        Ok(b) => b,
        Err(r) => return *r,
    };
    run(&emu, StatusCode::CREATED, move |emu| {
        emu.create_integration(body.into())
    })
    .await
}

pub(super) async fn integration(
    State(emu): State<OAuthPlane>,
    Path(client_id): Path<String>,
) -> Response {
    run(&emu, StatusCode::OK, move |emu| {
        let Some(i) = emu.integration(&client_id)? else {
            return Err(Error::UnknownClientId { client_id });
        };
        let mappings: Vec<_> = emu
            .list_mappings()?
            .into_iter()
            .filter(|m| m.client_id == client_id)
            .collect();
        let apps: Vec<_> = emu
            .authorized_apps()?
            .into_iter()
            .filter(|a| a.client_id == client_id)
            .collect();
        let mut v = serde_json::to_value(&i).unwrap_or(Value::Null);
        v["mappings"] = serde_json::to_value(mappings).unwrap_or(Value::Null);
        v["authorized_apps"] = serde_json::to_value(apps).unwrap_or(Value::Null);
        Ok(v)
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

/// The JSON body of `POST /admin/api/mappings`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct MappingBody {
    client_id: String,
    certificate_pem: String,
    #[serde(default = "default_role")]
    role: i64,
    #[serde(default = "default_entity")]
    entity: i64,
}

fn default_role() -> i64 {
    3
}

fn default_entity() -> i64 {
    -5
}

pub(super) async fn create_mapping(State(emu): State<OAuthPlane>, body: Bytes) -> Response {
    let body: MappingBody = match parse_json(&body) {
        Ok(b) => b,
        Err(r) => return *r,
    };
    run(&emu, StatusCode::CREATED, move |emu| {
        emu.create_mapping(NewMapping {
            client_id: body.client_id,
            certificate_pem: body.certificate_pem,
            role: body.role,
            entity: body.entity,
        })
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
        Ok(json!({"revoked": id}))
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
        Ok(json!({"revoked": jti}))
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
