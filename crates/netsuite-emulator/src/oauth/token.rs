//! `POST /services/rest/auth/oauth2/v1/token`: the client credentials (M2M) grant with
//! a JWT client assertion, and the authorization code and refresh token grants
//! ([`super::grant`]), checked as strictly as NetSuite checks them.
//!
//! Client credentials, order of checks: the form (`invalid_request`), the JWT's syntax
//! and `alg` (`invalid_request`), the `kid` and its mapping (`invalid_grant`), the
//! signature (`invalid_grant`), `iss` (`invalid_grant`), the integration
//! (`invalid_client`, `unauthorized_client`), `aud`, `exp` and `iat` (`invalid_grant`),
//! and `scope` (`invalid_scope`). The other grants: the form, client authentication
//! (`invalid_client`, 401), then the grant itself. Every refusal is written to the
//! login audit trail.

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use netsuite_auth::jws::{self, Algorithm, VerifyingKey};
use serde_json::{Map, Value, json};

use super::access_token::{self, Grant, LIFETIME_SECS};
use super::audit::AuditCode;
use super::client_auth;
use super::grant;
use super::integration::Integration;
use super::mapping::{self, Candidate, IntegrationState};
use super::refusal::{Checked, Rejection, Stop, error_response, json_response};
use super::request::{self, GrantRequest, invalid_request};
use super::state::OAuthPlane;
use crate::error::Error;
use crate::origin::Origin;
use netsuite_auth::OAuthErrorCode;

/// Largest accepted request body.
pub const MAX_BODY: usize = 64 * 1024;
/// Longest `exp - iat` accepted, in whole seconds (`exp = iat + 3600` is accepted, as
/// in Oracle's own samples; fractions under a second above it are tolerated).
pub const MAX_ASSERTION_LIFETIME: f64 = 3600.0;
/// How far in the future `iat` may be, in seconds (clock skew).
pub const MAX_IAT_SKEW: f64 = 60.0;

/// What the blocking part needs from the HTTP request.
pub(crate) struct FormPost {
    pub origin: Origin,
    pub content_type: Option<HeaderValue>,
    pub authorization: Option<HeaderValue>,
    pub body: Result<Bytes, String>,
}

impl FormPost {
    /// Reads the parts and at most [`MAX_BODY`] bytes of the body.
    pub(crate) async fn read(req: Request) -> Self {
        let (parts, body) = req.into_parts();
        let origin = Origin::from_request(&parts.uri, &parts.headers);
        let content_type = parts.headers.get(header::CONTENT_TYPE).cloned();
        let authorization = parts.headers.get(header::AUTHORIZATION).cloned();
        let declared = parts
            .headers
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
        let body = match declared {
            Some(n) if n > MAX_BODY as u64 => Err(format!(
                "the request body of {n} bytes is over the {MAX_BODY}-byte limit"
            )),
            _ => read_body(body).await,
        };
        Self {
            origin,
            content_type,
            authorization,
            body,
        }
    }

    /// The form, parsed and checked, and the grant-independent pieces.
    pub(crate) fn parse(&self) -> Result<request::TokenRequest, Rejection> {
        let body = self.body.as_ref().map_err(|e| invalid_request(e.clone()))?;
        request::parse(
            self.content_type.as_ref().map(HeaderValue::as_bytes),
            self.authorization.as_ref().map(HeaderValue::as_bytes),
            body,
        )
    }
}

/// The axum handler.
pub(crate) async fn handle(State(emu): State<OAuthPlane>, req: Request) -> Response {
    let request = FormPost::read(req).await;
    let account = emu.account().clone();
    match emu
        .run_blocking(move |emu| Ok(exchange(emu, request)))
        .await
    {
        Ok(resp) => resp,
        Err(e) => {
            eprintln!("netsuite-emulator: {}", crate::error::chain(&e));
            error_response(&OAuthErrorCode::ServerError, None, &account)
        }
    }
}

async fn read_body(body: Body) -> Result<Bytes, String> {
    axum::body::to_bytes(body, MAX_BODY)
        .await
        .map_err(|_| format!("the request body is over the {MAX_BODY}-byte limit or was cut off"))
}

fn exchange(emu: &OAuthPlane, request: FormPost) -> Response {
    let now_ms = emu.clock().now_millis();
    let now = now_ms.div_euclid(1000);
    match check(emu, &request, now, now_ms) {
        Ok(body) => json_response(
            StatusCode::OK,
            serde_json::to_vec(&body).unwrap_or_default(),
        ),
        Err(Stop::Refused(r)) => emu.refuse(now, r),
        Err(Stop::Failed(e)) => {
            eprintln!("netsuite-emulator: {}", crate::error::chain(&e));
            error_response(&OAuthErrorCode::ServerError, None, emu.account())
        }
    }
}

/// Authenticates the client of an authorization code, refresh or revoke request.
pub(crate) fn authenticate_client(
    emu: &OAuthPlane,
    request: &FormPost,
    form: &request::Form,
) -> Checked<Integration> {
    let creds = request::client_credentials(
        request.authorization.as_ref().map(HeaderValue::as_bytes),
        form,
    )?;
    let verified = emu.store().try_with(|c| {
        client_auth::verify(c, &creds).map_err(|e| crate::store::storage(emu.store().label(), e))
    })?;
    Ok(verified?)
}

fn check(emu: &OAuthPlane, request: &FormPost, now: i64, now_ms: i64) -> Checked<Value> {
    let parsed = request.parse()?;
    let form = &parsed.form;
    match form.grant()? {
        GrantRequest::ClientCredentials { assertion } => {
            let token = client_credentials(emu, &request.origin, assertion, now, now_ms)?;
            Ok(json!({
                "access_token": token,
                "token_type": "bearer",
                "expires_in": LIFETIME_SECS,
            }))
        }
        GrantRequest::AuthorizationCode {
            code,
            redirect_uri,
            code_verifier,
        } => {
            let integration = authenticate_client(emu, request, form)?;
            grant::authorization_code(emu, &integration, code, redirect_uri, code_verifier, now_ms)
        }
        GrantRequest::RefreshToken { refresh_token } => {
            let integration = authenticate_client(emu, request, form)?;
            grant::refresh_token(emu, &integration, refresh_token, now_ms)
        }
    }
}

/// NetSuite's assertion header is `{"alg", "typ": "JWT", "kid"}`: a header without
/// `typ: JWT`, or with extensions the recipient must understand (`crit`), is refused.
fn check_assertion_header(header: &jws::Header) -> Result<(), Rejection> {
    match header.typ.as_deref() {
        // RFC 7515 §4.1.9: media type names compare case-insensitively.
        Some(typ) if typ.eq_ignore_ascii_case("JWT") => {}
        Some(typ) => {
            return Err(invalid_request(format!(
                "the client assertion's header has typ {:?}; it must be \"JWT\"",
                crate::error::truncate(typ, 40)
            )));
        }
        None => {
            return Err(invalid_request(
                "the client assertion's header has no typ; it must be \"typ\": \"JWT\"",
            ));
        }
    }
    if let Some(crit) = &header.crit {
        return Err(invalid_request(format!(
            "the client assertion's header names critical extensions ({}) that NetSuite does not understand; remove crit",
            crate::error::truncate(&crit.to_string(), 80)
        )));
    }
    Ok(())
}

fn client_credentials(
    emu: &OAuthPlane,
    origin: &Origin,
    assertion: &str,
    now: i64,
    now_ms: i64,
) -> Checked<String> {
    let unverified = jws::decode_unverified(assertion)
        .map_err(|e| invalid_request(format!("the client assertion is not a JWT: {e}")))?;
    check_assertion_header(&unverified.header)?;
    let alg = assertion_alg(&unverified.header.alg)?;
    let invalid_grant = |code: AuditCode, detail: String| {
        Rejection::new(OAuthErrorCode::InvalidGrant, code, detail)
    };
    let Some(kid) = unverified.header.kid.clone().filter(|k| !k.is_empty()) else {
        return Err(invalid_grant(
            AuditCode::UnknownIntegration,
            "the assertion's header has no kid; it must be the certificate id of the M2M mapping"
                .into(),
        )
        .into());
    };
    let iss = unverified
        .claims
        .get("iss")
        .and_then(Value::as_str)
        .map(str::to_owned);
    let candidates = emu.store().with(|c| mapping::candidates(c, &kid))?;
    let Some(candidate) = pick(candidates, iss.as_deref()) else {
        return Err(invalid_grant(
            AuditCode::UnknownIntegration,
            format!(
                "the kid {:?} is not the certificate id of any M2M mapping in account {}",
                crate::error::truncate(&kid, 80),
                emu.account()
            ),
        )
        .into());
    };
    let client = candidate.client_id.as_str();
    check_mapping(&candidate, &kid, now).map_err(|r| r.client(client))?;
    let Some(kind) = candidate.kind else {
        return Err(Error::Corrupt {
            path: emu.store().label().to_owned(),
            reason: format!("the key kind of mapping {kid} cannot be read"),
        }
        .into());
    };
    let key = VerifyingKey {
        kind,
        public_key: candidate.public_key.clone(),
    };
    let verified = unverified.verify(&key, &Algorithm::NETSUITE).map_err(|e| {
        let detail = match e {
            netsuite_auth::Error::KeyAlgorithmMismatch { .. } => format!(
                "the assertion's alg {alg} does not fit the certificate's {kind} key; use {}",
                kind.default_algorithm()
            ),
            _ => format!(
                "the assertion's {alg} signature does not verify with certificate {kid}; sign with the private key of that certificate"
            ),
        };
        invalid_grant(AuditCode::InvalidSignature, detail).client(client)
    })?;
    let claims = verified.claims;
    if iss.as_deref() != Some(client) {
        let given = match claims.get("iss") {
            Some(Value::String(s)) => format!("{:?}", crate::error::truncate(s, 80)),
            Some(_) => "not a string".to_owned(),
            None => "missing".to_owned(),
        };
        return Err(invalid_grant(
            AuditCode::ClientAuthenticationFailed,
            format!(
                "the assertion's iss is {given}; it must be the client id {client} of the integration mapped to certificate {kid}"
            ),
        )
        .client(client)
        .into());
    }
    let integration = m2m_integration(candidate.integration.as_ref(), client)?;
    check_audience(emu, origin, claims.get("aud"))
        .map_err(|d| invalid_grant(AuditCode::TokenRejected, d).client(client))?;
    check_times(&claims, now).map_err(|(code, d)| invalid_grant(code, d).client(client))?;
    let scopes = check_scopes(claims.get("scope"), &integration.scopes).map_err(|(code, d)| {
        Rejection::new(OAuthErrorCode::InvalidScope, code, d).client(client)
    })?;
    let grant = Grant {
        client_id: client.to_owned(),
        application_id: integration.application_id.clone(),
        certificate_id: Some(kid),
        role: candidate.role,
        entity: candidate.entity,
        scopes,
    };
    let token = access_token::issue(emu.store(), emu.signer(), emu.account(), &grant, now_ms)?;
    emu.count_issued(now);
    Ok(token)
}

/// The assertion's `alg`, when NetSuite accepts it (names are case-sensitive, RFC 7515
/// §4.1.1).
fn assertion_alg(header_alg: &str) -> Result<Algorithm, Rejection> {
    let alg: Option<Algorithm> = header_alg.parse().ok();
    match alg {
        // JWS algorithm names are case-sensitive (RFC 7515 §4.1.1).
        Some(a) if Algorithm::NETSUITE.contains(&a) && a.as_str() == header_alg => Ok(a),
        Some(Algorithm::RS256) => Err(Rejection::new(
            OAuthErrorCode::InvalidRequest,
            AuditCode::InvalidSignature,
            "the assertion is signed with RS256, which NetSuite stopped accepting on 1 March 2025; use PS256 or ES256",
        )),
        _ => Err(Rejection::new(
            OAuthErrorCode::InvalidRequest,
            AuditCode::InvalidSignature,
            format!(
                "the assertion's alg {:?} is not accepted; NetSuite accepts PS256, PS384, PS512, ES256, ES384 and ES512",
                crate::error::truncate(header_alg, 40)
            ),
        )),
    }
}

/// The checks of the mapping a `kid` names that need no store: revocation and the
/// certificate's validity.
fn check_mapping(candidate: &Candidate, kid: &str, now: i64) -> Result<(), Rejection> {
    if candidate.revoked {
        return Err(Rejection::new(
            OAuthErrorCode::InvalidGrant,
            AuditCode::InvalidIntegration,
            format!("the M2M mapping of certificate {kid} was revoked; create a new mapping"),
        ));
    }
    if candidate.not_after < now {
        return Err(Rejection::new(
            OAuthErrorCode::InvalidGrant,
            AuditCode::InvalidIntegration,
            format!("the certificate {kid} has expired; upload a new certificate"),
        ));
    }
    if candidate.not_before > now {
        return Err(Rejection::new(
            OAuthErrorCode::InvalidGrant,
            AuditCode::InvalidIntegration,
            format!("the certificate {kid} is not valid yet"),
        ));
    }
    Ok(())
}

/// The mapping's integration, when it exists, is enabled and has the M2M grant.
fn m2m_integration<'a>(
    integration: Option<&'a IntegrationState>,
    client: &str,
) -> Result<&'a IntegrationState, Rejection> {
    let Some(integration) = integration else {
        return Err(Rejection::new(
            OAuthErrorCode::InvalidClient,
            AuditCode::UnknownIntegration,
            format!("the integration record of client id {client} no longer exists"),
        )
        .client(client));
    };
    if !integration.enabled {
        return Err(Rejection::new(
            OAuthErrorCode::InvalidClient,
            AuditCode::InvalidIntegration,
            format!("the integration record {:?} is blocked", integration.name),
        )
        .client(client));
    }
    if !integration.m2m {
        return Err(Rejection::new(
            OAuthErrorCode::UnauthorizedClient,
            AuditCode::InvalidIntegration,
            format!(
                "the integration record {:?} does not have the Client Credentials (Machine to Machine) grant enabled",
                integration.name
            ),
        )
        .client(client));
    }
    Ok(integration)
}

/// The mapping for `iss` when the certificate is mapped to several integrations,
/// otherwise the first.
fn pick(candidates: Vec<Candidate>, iss: Option<&str>) -> Option<Candidate> {
    let pos = candidates
        .iter()
        .position(|c| Some(c.client_id.as_str()) == iss)
        .unwrap_or(0);
    candidates.into_iter().nth(pos)
}

fn same_url(given: &str, expected: &url::Url) -> bool {
    let Ok(u) = url::Url::parse(given.trim()) else {
        return false;
    };
    u.scheme() == expected.scheme()
        && u.host() == expected.host()
        && u.port_or_known_default() == expected.port_or_known_default()
        && u.path() == expected.path()
        && u.query().is_none()
        && u.fragment().is_none()
        && u.username().is_empty()
        && u.password().is_none()
}

/// `aud` must be the token URL as requested, or the account's NetSuite token URL; a
/// string, or an array that contains one of them.
fn check_audience(emu: &OAuthPlane, origin: &Origin, aud: Option<&Value>) -> Result<(), String> {
    let mut accepted: Vec<url::Url> = Vec::with_capacity(2);
    if let Some(u) = origin.token_url() {
        accepted.push(u);
    }
    accepted.push(emu.netsuite_token_url().clone());
    let matches = |s: &str| accepted.iter().any(|u| same_url(s, u));
    let ok = match aud {
        Some(Value::String(s)) => matches(s),
        Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).any(matches),
        _ => false,
    };
    if ok {
        return Ok(());
    }
    let given = match aud {
        None => "missing".to_owned(),
        Some(v) => crate::error::truncate(&v.to_string(), 200).to_owned(),
    };
    let names: Vec<&str> = accepted.iter().map(url::Url::as_str).collect();
    Err(format!(
        "the assertion's aud {given} is not the token URL {}",
        names.join(" or ")
    ))
}

fn time_claim(claims: &Map<String, Value>, name: &str) -> Result<f64, (AuditCode, String)> {
    match claims.get(name) {
        Some(Value::Number(n)) => n.as_f64().filter(|f| f.is_finite()).ok_or_else(|| {
            (
                AuditCode::TokenRejected,
                format!("the assertion's {name} is not a usable number"),
            )
        }),
        Some(_) => Err((
            AuditCode::TokenRejected,
            format!("the assertion's {name} is not a number of seconds since the epoch"),
        )),
        None => Err((
            AuditCode::TokenRejected,
            format!("the assertion has no {name} claim"),
        )),
    }
}

/// `exp` in the future, `exp - iat` at most an hour, `iat` not ahead of the clock.
/// Fractional seconds are accepted (Postman's jsrsasign and Oracle's Python sample send them).
fn check_times(claims: &Map<String, Value>, now: i64) -> Result<(), (AuditCode, String)> {
    let exp = time_claim(claims, "exp")?;
    let iat = time_claim(claims, "iat")?;
    let now_f = now as f64;
    if exp <= now_f {
        return Err((
            AuditCode::AccessTokenExpired,
            format!(
                "the assertion expired: exp {exp} is {} s before the server time {now}",
                (now_f - exp).round()
            ),
        ));
    }
    let lifetime = exp - iat;
    if lifetime <= 0.0 {
        return Err((
            AuditCode::TokenRejected,
            format!("the assertion's exp {exp} is not after its iat {iat}"),
        ));
    }
    // Whole seconds count: Postman's script reads the clock twice (`iat: new Date()/1000,
    // exp: new Date()/1000 + 3600`), so exp - iat can be 3600.001; 3601 is refused.
    if lifetime >= MAX_ASSERTION_LIFETIME + 1.0 {
        return Err((
            AuditCode::TokenRejected,
            format!(
                "the assertion's exp - iat is {} s; NetSuite allows at most 3600 s (60 minutes)",
                (lifetime * 1000.0).round() / 1000.0
            ),
        ));
    }
    if iat > now_f + MAX_IAT_SKEW {
        return Err((
            AuditCode::TokenRejected,
            format!(
                "the assertion's iat {iat} is {} s ahead of the server time {now}; check the client's clock",
                (iat - now_f).round()
            ),
        ));
    }
    Ok(())
}

/// The `scope` claim: a JSON array, or a string separated by commas or spaces;
/// non-empty, `mcp` only alone, and every scope enabled on the integration.
fn check_scopes(
    claim: Option<&Value>,
    allowed: &[String],
) -> Result<Vec<String>, (AuditCode, String)> {
    let raw: Vec<String> = match claim {
        None => {
            return Err((
                AuditCode::InvalidScope,
                "the assertion has no scope claim".into(),
            ));
        }
        Some(Value::String(s)) => netsuite_auth::assertion::split_scopes(s),
        Some(Value::Array(items)) => {
            let mut out = Vec::new();
            for item in items {
                let Some(s) = item.as_str() else {
                    return Err((
                        AuditCode::InvalidScope,
                        "the assertion's scope array holds a value that is not a string".into(),
                    ));
                };
                out.extend(netsuite_auth::assertion::split_scopes(s));
            }
            out
        }
        Some(_) => {
            return Err((
                AuditCode::InvalidScope,
                "the assertion's scope is neither a string nor an array".into(),
            ));
        }
    };
    let mut scopes: Vec<String> = Vec::with_capacity(raw.len());
    for s in raw {
        if !scopes.contains(&s) {
            scopes.push(s);
        }
    }
    if scopes.is_empty() {
        return Err((
            AuditCode::InvalidScope,
            "the assertion's scope is empty".into(),
        ));
    }
    if scopes.len() > 1 && scopes.iter().any(|s| s == "mcp") {
        return Err((
            AuditCode::InvalidScope,
            format!(
                "the mcp scope must be requested alone, not with {}",
                scopes
                    .iter()
                    .filter(|s| *s != "mcp")
                    .map(String::as_str)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ));
    }
    let missing: Vec<&str> = scopes
        .iter()
        .filter(|s| !allowed.contains(s))
        .map(|s| crate::error::truncate(s, 40))
        .collect();
    if !missing.is_empty() {
        return Err((
            AuditCode::ScopeMismatched,
            format!(
                "the scope {} is not enabled on the integration record (it has {})",
                missing.join(", "),
                allowed.join(", ")
            ),
        ));
    }
    Ok(scopes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn claims(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn times() {
        let now = 1_738_337_824;
        // Postman's jsrsasign: float iat, exp = iat + 3600 exactly.
        assert!(
            check_times(
                &claims(json!({"iat": 1738337824.953, "exp": 1738341424.953})),
                now
            )
            .is_ok()
        );
        assert!(check_times(&claims(json!({"iat": now, "exp": now + 3600})), now).is_ok());
        // Two clock reads a millisecond apart, as Postman's script does.
        assert!(
            check_times(
                &claims(json!({"iat": 1738337824.953, "exp": 1738341424.954})),
                now
            )
            .is_ok()
        );
        assert!(
            check_times(
                &claims(json!({"iat": 1738337824.953, "exp": 1738341425.953})),
                now
            )
            .is_err()
        );
        assert_eq!(
            check_times(&claims(json!({"iat": now, "exp": now + 3601})), now)
                .unwrap_err()
                .0,
            AuditCode::TokenRejected
        );
        assert_eq!(
            check_times(&claims(json!({"iat": now - 400, "exp": now - 100})), now)
                .unwrap_err()
                .0,
            AuditCode::AccessTokenExpired
        );
        assert!(check_times(&claims(json!({"iat": now + 60, "exp": now + 300})), now).is_ok());
        assert!(check_times(&claims(json!({"iat": now + 300, "exp": now + 600})), now).is_err());
        assert!(check_times(&claims(json!({"iat": "now", "exp": now + 600})), now).is_err());
        assert!(check_times(&claims(json!({"exp": now + 600})), now).is_err());
    }

    #[test]
    fn scopes() {
        let allowed = vec!["rest_webservices".to_owned(), "restlets".to_owned()];
        assert_eq!(
            check_scopes(Some(&json!("restlets, rest_webservices")), &allowed).unwrap(),
            vec!["restlets", "rest_webservices"]
        );
        assert_eq!(
            check_scopes(Some(&json!("rest_webservices restlets")), &allowed).unwrap(),
            vec!["rest_webservices", "restlets"]
        );
        assert_eq!(
            check_scopes(Some(&json!(["restlets", "restlets"])), &allowed).unwrap(),
            vec!["restlets"]
        );
        assert_eq!(
            check_scopes(Some(&json!(["suite_analytics"])), &allowed)
                .unwrap_err()
                .0,
            AuditCode::ScopeMismatched
        );
        assert_eq!(
            check_scopes(Some(&json!(["mcp", "restlets"])), &allowed)
                .unwrap_err()
                .0,
            AuditCode::InvalidScope
        );
        assert_eq!(
            check_scopes(Some(&json!([])), &allowed).unwrap_err().0,
            AuditCode::InvalidScope
        );
        assert!(check_scopes(Some(&json!(5)), &allowed).is_err());
        assert!(check_scopes(None, &allowed).is_err());
    }

    #[test]
    fn url_comparison() {
        let u = url::Url::parse(
            "https://1234567-sb1.suitetalk.api.netsuite.com/services/rest/auth/oauth2/v1/token",
        )
        .unwrap();
        assert!(same_url(
            "HTTPS://1234567-SB1.suitetalk.api.netsuite.com/services/rest/auth/oauth2/v1/token",
            &u
        ));
        assert!(same_url(
            "https://1234567-sb1.suitetalk.api.netsuite.com:443/services/rest/auth/oauth2/v1/token",
            &u
        ));
        assert!(!same_url(
            "https://1234567-sb1.suitetalk.api.netsuite.com/services/rest/auth/oauth2/v1/token/",
            &u
        ));
        assert!(!same_url(
            "http://1234567-sb1.suitetalk.api.netsuite.com/services/rest/auth/oauth2/v1/token",
            &u
        ));
        assert!(!same_url(
            "https://1234567-sb1.suitetalk.api.netsuite.com/services/rest/auth/oauth2/v1/token?x=1",
            &u
        ));
        assert!(!same_url(
            "https://1234567.suitetalk.api.netsuite.com/services/rest/auth/oauth2/v1/token",
            &u
        ));
    }
}
