//! `GET /services/rest/auth/oauth2/v1/keys` (the JWKS of the keys that sign access and
//! refresh tokens) and `GET /.well-known/openid-configuration` (the discovery
//! document), with URLs built from the request's own origin.

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use netsuite_auth::account::{AUTHORIZE_PATH, REVOKE_PATH, TOKEN_PATH};
use serde_json::json;

use super::access_token::ISSUER;
use super::state::OAuthPlane;

/// The JWKS path.
pub const KEYS_PATH: &str = "/services/rest/auth/oauth2/v1/keys";
/// The discovery document's path.
pub const DISCOVERY_PATH: &str = "/.well-known/openid-configuration";

fn json(body: &serde_json::Value) -> Response {
    let mut resp = (StatusCode::OK, body.to_string()).into_response();
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=300"),
    );
    resp
}

/// `GET /services/rest/auth/oauth2/v1/keys`.
pub(crate) async fn keys(State(emu): State<OAuthPlane>) -> Response {
    json(&json!({ "keys": [emu.signer().jwk()] }))
}

/// `GET /.well-known/openid-configuration`.
pub(crate) async fn openid_configuration(
    State(emu): State<OAuthPlane>,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let base = emu.link_base(&uri, &headers);
    json(&json!({
        "issuer": ISSUER,
        "authorization_endpoint": format!("{base}{AUTHORIZE_PATH}"),
        "token_endpoint": format!("{base}{TOKEN_PATH}"),
        "revocation_endpoint": format!("{base}{REVOKE_PATH}"),
        "jwks_uri": format!("{base}{KEYS_PATH}"),
        "scopes_supported": netsuite_auth::assertion::KNOWN_SCOPES,
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code", "refresh_token", "client_credentials"],
        "code_challenge_methods_supported": ["S256"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "private_key_jwt", "none"],
        "token_endpoint_auth_signing_alg_values_supported":
            ["PS256", "PS384", "PS512", "ES256", "ES384", "ES512"],
        "revocation_endpoint_auth_methods_supported": ["client_secret_basic", "none"],
        "prompt_values_supported": ["none", "login", "consent"],
        "access_token_signing_alg_values_supported": [super::access_token::ALGORITHM.as_str()],
    }))
}
