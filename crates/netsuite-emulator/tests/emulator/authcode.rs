//! The authorization code grant: authorize (scripted consent), code exchange with PKCE,
//! refresh (confidential and rotating public), revoke, and every refusal with its
//! audit entry.

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use netsuite_auth::account::{AUTHORIZE_PATH, REVOKE_PATH, TOKEN_PATH};
use netsuite_emulator::oauth::pkce;
use netsuite_emulator::{Clock, Config, ConsentPolicy, Emulator, Integration, NewIntegration};
use serde_json::{Value, json};

use crate::support::*;

pub const REDIRECT: &str = "https://app.example/callback";
pub const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
pub const STATE: &str = "ykv2XLx1BpT5Q0F3MRPHb94j";

pub struct Auth {
    pub emu: Emulator,
    pub clock: Clock,
    pub app: Router,
    pub integration: Integration,
}

pub fn auth_code(name: &str) -> NewIntegration {
    NewIntegration {
        name: name.into(),
        auth_code: true,
        redirect_uris: vec![REDIRECT.into(), "myapp://callback".into()],
        ..Default::default()
    }
}

impl Auth {
    /// An auto-approving emulator with one confidential auth-code integration.
    pub fn new() -> Self {
        Self::with(|_| {}, auth_code("Auth app"))
    }

    pub fn with(tweak: impl FnOnce(&mut Config), new: NewIntegration) -> Self {
        let clock = Clock::fixed(NOW);
        let mut c = config(&clock);
        c.auto_approve = true;
        tweak(&mut c);
        let emu = Emulator::open(c).unwrap();
        let integration = emu.create_integration(new).unwrap();
        let app = netsuite_emulator::app(emu.clone());
        Self {
            emu,
            clock,
            app,
            integration,
        }
    }

    pub fn client_id(&self) -> &str {
        &self.integration.client_id
    }

    pub fn secret(&self) -> &str {
        self.integration.client_secret.as_deref().unwrap()
    }

    /// The standard authorize parameters, with PKCE.
    pub fn params(&self) -> Vec<(&'static str, String)> {
        vec![
            ("response_type", "code".into()),
            ("client_id", self.client_id().into()),
            ("redirect_uri", REDIRECT.into()),
            ("scope", "rest_webservices restlets".into()),
            ("state", STATE.into()),
            ("code_challenge", pkce::s256(VERIFIER)),
            ("code_challenge_method", "S256".into()),
        ]
    }

    pub async fn authorize(&self, params: &[(&str, String)], cookie: Option<&str>) -> Reply {
        let q = serde_urlencoded::to_string(params).unwrap();
        let mut req = Request::builder()
            .method("GET")
            .uri(format!("{AUTHORIZE_PATH}?{q}"))
            .header(header::HOST, HOST);
        if let Some(c) = cookie {
            req = req.header(header::COOKIE, c);
        }
        send(&self.app, req.body(Body::empty()).unwrap()).await
    }

    /// Authorizes with the standard parameters and returns the code.
    pub async fn code(&self) -> String {
        let r = self.authorize(&self.params(), None).await;
        assert_eq!(r.status, StatusCode::FOUND, "{}", r.body);
        let (_, q) = location(&r);
        param(&q, "code").to_owned()
    }

    pub async fn post(&self, path: &str, basic: Option<(&str, &str)>, body: &str) -> Reply {
        let mut req = Request::builder()
            .method("POST")
            .uri(path)
            .header(header::HOST, HOST)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        if let Some((id, secret)) = basic {
            req = req.header(
                header::AUTHORIZATION,
                format!("Basic {}", STANDARD.encode(format!("{id}:{secret}"))),
            );
        }
        send(&self.app, req.body(Body::from(body.to_owned())).unwrap()).await
    }

    /// POSTs to the token endpoint as this client (Basic, or client_id for public).
    pub async fn token(&self, pairs: &[(&str, &str)]) -> Reply {
        if self.integration.public {
            let mut all = pairs.to_vec();
            all.push(("client_id", self.client_id()));
            self.post(TOKEN_PATH, None, &form(&all)).await
        } else {
            self.post(
                TOKEN_PATH,
                Some((self.client_id(), self.secret())),
                &form(pairs),
            )
            .await
        }
    }

    pub async fn exchange(&self, code: &str) -> Reply {
        self.token(&[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", REDIRECT),
            ("code_verifier", VERIFIER),
        ])
        .await
    }

    pub async fn refresh(&self, refresh_token: &str) -> Reply {
        self.token(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token),
        ])
        .await
    }

    pub async fn revoke(&self, token: &str) -> Reply {
        if self.integration.public {
            self.post(
                REVOKE_PATH,
                None,
                &form(&[("token", token), ("client_id", self.client_id())]),
            )
            .await
        } else {
            self.post(
                REVOKE_PATH,
                Some((self.client_id(), self.secret())),
                &form(&[("token", token)]),
            )
            .await
        }
    }

    /// Code and tokens in one go.
    pub async fn tokens(&self) -> (String, String) {
        let r = self.exchange(&self.code().await).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        (
            r.json["access_token"].as_str().unwrap().to_owned(),
            r.json["refresh_token"].as_str().unwrap().to_owned(),
        )
    }

    pub async fn record(&self, bearer: &str) -> Reply {
        let req = Request::builder()
            .method("GET")
            .uri("/services/rest/record/v1/salesorder/304")
            .header(header::HOST, HOST)
            .header(header::AUTHORIZATION, format!("Bearer {bearer}"))
            .body(Body::empty())
            .unwrap();
        send(&self.app, req).await
    }

    pub fn last_audit(&self) -> netsuite_emulator::AuditEntry {
        self.emu.audit().unwrap().pop().expect("an audit entry")
    }
}

/// The Location header split into its base and query pairs.
pub fn location(r: &Reply) -> (String, Vec<(String, String)>) {
    let loc = r
        .headers
        .get(header::LOCATION)
        .unwrap_or_else(|| panic!("no Location: {} {}", r.status, r.body))
        .to_str()
        .unwrap();
    let (base, query) = loc.split_once('?').unwrap_or((loc, ""));
    (base.to_owned(), serde_urlencoded::from_str(query).unwrap())
}

pub fn param<'a>(q: &'a [(String, String)], name: &str) -> &'a str {
    q.iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .unwrap_or_else(|| panic!("no {name} in {q:?}"))
}

fn has(q: &[(String, String)], name: &str) -> bool {
    q.iter().any(|(k, _)| k == name)
}

fn with(
    params: &[(&'static str, String)],
    name: &'static str,
    value: Option<&str>,
) -> Vec<(&'static str, String)> {
    let mut out: Vec<(&'static str, String)> =
        params.iter().filter(|(k, _)| *k != name).cloned().collect();
    if let Some(v) = value {
        out.push((name, v.to_owned()));
    }
    out
}

fn assert_oauth_error(r: &Reply, status: StatusCode, error: &str) {
    assert_eq!(r.status, status, "{}", r.body);
    assert_eq!(r.body, format!(r#"{{"error":"{error}"}}"#));
    assert_eq!(r.content_type(), "application/json");
}

#[tokio::test]
async fn scripted_consent_redirects_with_code_role_entity_company() {
    let a = Auth::new();
    let r = a.authorize(&a.params(), None).await;
    assert_eq!(r.status, StatusCode::FOUND, "{}", r.body);
    let (base, q) = location(&r);
    assert_eq!(base, REDIRECT);
    let names: Vec<&str> = q.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(names, ["state", "code", "role", "entity", "company"]);
    assert_eq!(param(&q, "state"), STATE);
    assert_eq!(param(&q, "role"), "3");
    assert_eq!(param(&q, "entity"), "-5");
    assert_eq!(param(&q, "company"), ACCOUNT);
    let code = param(&q, "code");
    assert_eq!(code.len(), 64);
    assert!(a.emu.audit().unwrap().is_empty());
    // The custom-scheme redirect URI works too.
    let p = with(
        &with(&a.params(), "redirect_uri", Some("myapp://callback")),
        "state",
        Some("another-state-of-22-chars"),
    );
    let r = a.authorize(&p, None).await;
    let (base, _) = location(&r);
    assert_eq!(base, "myapp://callback");
}

#[tokio::test]
async fn code_exchange_returns_netsuite_shaped_tokens() {
    let a = Auth::new();
    let code = a.code().await;
    let r = a.exchange(&code).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.content_type(), "application/json");
    assert_eq!(r.headers[header::CACHE_CONTROL], "no-store");
    let keys: Vec<&String> = r.json.as_object().unwrap().keys().collect();
    assert_eq!(keys.len(), 4, "{keys:?}");
    assert_eq!(r.json["expires_in"], json!(3600));
    assert_eq!(r.json["token_type"], "bearer");
    let access = r.json["access_token"].as_str().unwrap();
    let refresh = r.json["refresh_token"].as_str().unwrap();
    let c = jwt_claims(access);
    assert_eq!(c["sub"], "3;-5");
    assert_eq!(
        c["aud"],
        json!([
            format!("{};{ACCOUNT}", a.integration.application_id),
            a.client_id()
        ])
    );
    assert_eq!(c["scope"], json!(["rest_webservices", "restlets"]));
    assert_eq!(c["iss"], "https://system.netsuite.com");
    assert_eq!(c["oit"], json!(NOW));
    assert_eq!(c["exp"], json!(NOW + 3600));
    assert!(c["jti"].as_str().unwrap().starts_with("1234567_SB1.a-a."));
    let rc = jwt_claims(refresh);
    let jti = rc["jti"].as_str().unwrap();
    assert!(jti.starts_with("1234567_SB1.r."), "{jti}");
    assert!(jti.ends_with(&format!("_{}.0", NOW * 1000)), "{jti}");
    assert_eq!(rc["exp"], json!(NOW + 7 * 86_400));
    assert_eq!(rc["oit"], json!(NOW));
    assert_eq!(jwt_header(refresh)["alg"], "ES256");
    // The access token works; the refresh token is no bearer token.
    let ok = a.record(access).await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
    let no = a.record(refresh).await;
    assert_eq!(no.status, StatusCode::UNAUTHORIZED);
    assert_eq!(no.body, INVALID_LOGIN_BODY);
    let audit = a.last_audit();
    assert_eq!(audit.code, "TokenRejected");
    assert!(audit.detail.contains("refresh token"), "{}", audit.detail);
}

#[tokio::test]
async fn codes_are_single_use_and_a_replay_revokes_the_tokens() {
    let a = Auth::new();
    let code = a.code().await;
    let r = a.exchange(&code).await;
    assert_eq!(r.status, StatusCode::OK);
    let access = r.json["access_token"].as_str().unwrap().to_owned();
    let refresh = r.json["refresh_token"].as_str().unwrap().to_owned();
    let again = a.exchange(&code).await;
    assert_oauth_error(&again, StatusCode::BAD_REQUEST, "invalid_grant");
    let audit = a.last_audit();
    assert_eq!(audit.code, "AuthorizationCodeReplayed");
    assert_eq!(audit.client_id.as_deref(), Some(a.client_id()));
    assert_eq!(a.record(&access).await.status, StatusCode::UNAUTHORIZED);
    assert_oauth_error(
        &a.refresh(&refresh).await,
        StatusCode::BAD_REQUEST,
        "invalid_grant",
    );
    assert_eq!(a.last_audit().code, "TokenRejected");
}

#[tokio::test]
async fn codes_expire_after_ten_minutes_or_the_configured_ttl() {
    let a = Auth::new();
    let code = a.code().await;
    a.clock.advance(601);
    assert_oauth_error(
        &a.exchange(&code).await,
        StatusCode::BAD_REQUEST,
        "invalid_grant",
    );
    assert_eq!(a.last_audit().code, "InvalidAuthorizationCode");
    // Exactly 600 s is still fine.
    let code = a.code_with_state("state-number-two-xxxxxxx").await;
    a.clock.advance(599);
    assert_eq!(a.exchange(&code).await.status, StatusCode::OK);

    let short = Auth::with(|c| c.code_ttl_secs = 30, auth_code("short"));
    let code = short.code().await;
    short.clock.advance(31);
    assert_oauth_error(
        &short.exchange(&code).await,
        StatusCode::BAD_REQUEST,
        "invalid_grant",
    );
}

impl Auth {
    pub async fn code_with_state(&self, state: &str) -> String {
        let r = self
            .authorize(&with(&self.params(), "state", Some(state)), None)
            .await;
        assert_eq!(r.status, StatusCode::FOUND, "{}", r.body);
        let (_, q) = location(&r);
        param(&q, "code").to_owned()
    }
}

#[tokio::test]
async fn codes_are_bound_to_client_redirect_uri_and_challenge() {
    let a = Auth::new();
    let code = a.code().await;
    // Another client.
    let other = a.emu.create_integration(auth_code("Other")).unwrap();
    let r = a
        .post(
            TOKEN_PATH,
            Some((&other.client_id, other.client_secret.as_deref().unwrap())),
            &form(&[
                ("grant_type", "authorization_code"),
                ("code", &code),
                ("redirect_uri", REDIRECT),
                ("code_verifier", VERIFIER),
            ]),
        )
        .await;
    assert_oauth_error(&r, StatusCode::BAD_REQUEST, "invalid_grant");
    assert_eq!(a.last_audit().code, "InvalidAuthorizationCode");
    // Another redirect URI (even a registered one).
    let r = a
        .token(&[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", "myapp://callback"),
            ("code_verifier", VERIFIER),
        ])
        .await;
    assert_oauth_error(&r, StatusCode::BAD_REQUEST, "invalid_grant");
    assert_eq!(a.last_audit().code, "InvalidRedirectURI");
    // A wrong verifier, then none at all.
    let wrong = "x".repeat(43);
    let r = a
        .token(&[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", REDIRECT),
            ("code_verifier", &wrong),
        ])
        .await;
    assert_oauth_error(&r, StatusCode::BAD_REQUEST, "invalid_grant");
    assert_eq!(a.last_audit().code, "InvalidCodeVerifier");
    let r = a
        .token(&[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", REDIRECT),
        ])
        .await;
    assert_oauth_error(&r, StatusCode::BAD_REQUEST, "invalid_grant");
    // A malformed verifier is a malformed request.
    let r = a
        .token(&[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", REDIRECT),
            ("code_verifier", "short"),
        ])
        .await;
    assert_oauth_error(&r, StatusCode::BAD_REQUEST, "invalid_request");
    // None of that used the code up.
    assert_eq!(a.exchange(&code).await.status, StatusCode::OK);
    // A code without PKCE must not get a verifier.
    let p: Vec<_> = a
        .params()
        .into_iter()
        .filter(|(k, _)| !k.starts_with("code_challenge"))
        .map(|(k, v)| {
            if k == "state" {
                (k, "no-pkce-state-xxxxxxxxxxx".to_owned())
            } else {
                (k, v)
            }
        })
        .collect();
    let r = a.authorize(&p, None).await;
    let (_, q) = location(&r);
    let plain_code = param(&q, "code").to_owned();
    let r = a.exchange(&plain_code).await;
    assert_oauth_error(&r, StatusCode::BAD_REQUEST, "invalid_grant");
    let r = a
        .token(&[
            ("grant_type", "authorization_code"),
            ("code", &plain_code),
            ("redirect_uri", REDIRECT),
        ])
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
}

#[tokio::test]
async fn client_authentication_at_the_token_endpoint() {
    let a = Auth::new();
    let code = a.code().await;
    let pairs = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", REDIRECT),
        ("code_verifier", VERIFIER),
    ];
    // Wrong secret: 401 invalid_client with the realm.
    let r = a
        .post(TOKEN_PATH, Some((a.client_id(), "wrong")), &form(&pairs))
        .await;
    assert_oauth_error(&r, StatusCode::UNAUTHORIZED, "invalid_client");
    assert_eq!(
        r.headers[header::WWW_AUTHENTICATE],
        format!("Basic realm=\"{ACCOUNT}\"")
    );
    let audit = a.last_audit();
    assert_eq!(audit.code, "ClientAuthenticationFailed");
    assert_eq!(audit.client_id.as_deref(), Some(a.client_id()));
    assert!(!audit.detail.contains(a.secret()));
    // Unknown client id.
    let r = a
        .post(TOKEN_PATH, Some((&"f".repeat(64), "x")), &form(&pairs))
        .await;
    assert_oauth_error(&r, StatusCode::UNAUTHORIZED, "invalid_client");
    // Basic and a body secret: multiple approaches.
    let mut both = pairs.to_vec();
    both.push(("client_secret", a.secret()));
    let r = a
        .post(TOKEN_PATH, Some((a.client_id(), a.secret())), &form(&both))
        .await;
    assert_oauth_error(&r, StatusCode::BAD_REQUEST, "invalid_request");
    // client_id alone for a confidential client, and the secret in the body.
    let mut body_id = pairs.to_vec();
    body_id.push(("client_id", a.client_id()));
    let r = a.post(TOKEN_PATH, None, &form(&body_id)).await;
    assert_oauth_error(&r, StatusCode::UNAUTHORIZED, "invalid_client");
    body_id.push(("client_secret", a.secret()));
    let r = a.post(TOKEN_PATH, None, &form(&body_id)).await;
    assert_oauth_error(&r, StatusCode::UNAUTHORIZED, "invalid_client");
    // No client authentication at all.
    let r = a.post(TOKEN_PATH, None, &form(&pairs)).await;
    assert_oauth_error(&r, StatusCode::UNAUTHORIZED, "invalid_client");
    // The code survived all that.
    assert_eq!(a.exchange(&code).await.status, StatusCode::OK);
}

#[tokio::test]
async fn confidential_refresh_returns_access_tokens_until_seven_days() {
    let a = Auth::new();
    let (_, refresh) = a.tokens().await;
    a.clock.advance(3 * 86_400);
    let r = a.refresh(&refresh).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.json.get("refresh_token").is_none(), "{}", r.body);
    assert_eq!(r.json["expires_in"], json!(3600));
    let access = r.json["access_token"].as_str().unwrap();
    let c = jwt_claims(access);
    assert_eq!(c["oit"], json!(NOW), "oit is the start of the chain");
    assert_eq!(c["iat"], json!(NOW + 3 * 86_400));
    assert_eq!(a.record(access).await.status, StatusCode::OK);
    // The same refresh token again: fine for a confidential client.
    assert_eq!(a.refresh(&refresh).await.status, StatusCode::OK);
    a.clock.advance(4 * 86_400);
    let r = a.refresh(&refresh).await;
    assert_oauth_error(&r, StatusCode::BAD_REQUEST, "invalid_grant");
    assert_eq!(a.last_audit().code, "RefreshTokenExpired");
}

#[tokio::test]
async fn refresh_validity_is_configurable() {
    let mut n = auth_code("24h");
    n.refresh_token_hours = Some(24);
    let a = Auth::with(|_| {}, n);
    assert_eq!(a.integration.refresh_token_hours, 24);
    let (_, refresh) = a.tokens().await;
    assert_eq!(jwt_claims(&refresh)["exp"], json!(NOW + 86_400));
    a.clock.advance(86_400);
    assert_oauth_error(
        &a.refresh(&refresh).await,
        StatusCode::BAD_REQUEST,
        "invalid_grant",
    );
    let mut bad = auth_code("0h");
    bad.refresh_token_hours = Some(0);
    assert!(a.emu.create_integration(bad).is_err());
    let mut bad = auth_code("721h");
    bad.max_rotation_hours = Some(721);
    assert!(a.emu.create_integration(bad).is_err());
}

pub fn public(name: &str) -> NewIntegration {
    NewIntegration {
        public: true,
        ..auth_code(name)
    }
}

#[tokio::test]
async fn public_clients_rotate_one_time_refresh_tokens() {
    let a = Auth::with(|_| {}, public("Public app"));
    assert!(a.integration.client_secret.is_none());
    assert_eq!(a.integration.refresh_token_hours, 48);
    assert_eq!(a.integration.max_rotation_hours, 168);
    let (_, first) = a.tokens().await;
    assert_eq!(jwt_claims(&first)["exp"], json!(NOW + 48 * 3600));
    a.clock.advance(3600);
    let r = a.refresh(&first).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let second = r.json["refresh_token"].as_str().unwrap().to_owned();
    let access = r.json["access_token"].as_str().unwrap().to_owned();
    let c = jwt_claims(&second);
    assert_eq!(c["oit"], json!(NOW));
    assert_eq!(c["iat"], json!(NOW + 3600));
    assert_eq!(c["exp"], json!(NOW + 3600 + 48 * 3600));
    assert_ne!(c["jti"], jwt_claims(&first)["jti"]);
    // Reusing the first one: invalid_grant, and the whole chain is revoked.
    let r = a.refresh(&first).await;
    assert_oauth_error(&r, StatusCode::BAD_REQUEST, "invalid_grant");
    assert_eq!(a.last_audit().code, "RefreshTokenReused");
    assert_oauth_error(
        &a.refresh(&second).await,
        StatusCode::BAD_REQUEST,
        "invalid_grant",
    );
    assert_eq!(a.record(&access).await.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn public_chains_end_at_the_maximum_rotation_time() {
    let a = Auth::with(|_| {}, public("Rotating app"));
    let (_, mut refresh) = a.tokens().await;
    // Refresh every 40 hours: fine until 168 hours after the first issue.
    for i in 1..=4 {
        a.clock.advance(40 * 3600);
        let r = a.refresh(&refresh).await;
        assert_eq!(r.status, StatusCode::OK, "round {i}: {}", r.body);
        refresh = r.json["refresh_token"].as_str().unwrap().to_owned();
        let exp = jwt_claims(&refresh)["exp"].as_i64().unwrap();
        assert!(
            exp <= NOW + 168 * 3600,
            "round {i}: capped by the rotation limit"
        );
    }
    a.clock.advance(8 * 3600 + 1);
    let r = a.refresh(&refresh).await;
    assert_oauth_error(&r, StatusCode::BAD_REQUEST, "invalid_grant");
    assert_eq!(a.last_audit().code, "RefreshTokenExpired");
}

#[tokio::test]
async fn public_clients_need_pkce_and_send_client_id() {
    let a = Auth::with(|_| {}, public("Public"));
    let p: Vec<_> = a
        .params()
        .into_iter()
        .filter(|(k, _)| !k.starts_with("code_challenge"))
        .collect();
    let r = a.authorize(&p, None).await;
    let (_, q) = location(&r);
    assert_eq!(param(&q, "error"), "invalid_request");
    assert_eq!(param(&q, "state"), STATE);
    assert!(!has(&q, "code"));
    // Basic with a public client: it has no secret.
    let code = a.code_with_state("public-state-2-xxxxxxxxx").await;
    let r = a
        .post(
            TOKEN_PATH,
            Some((a.client_id(), "")),
            &form(&[
                ("grant_type", "authorization_code"),
                ("code", &code),
                ("redirect_uri", REDIRECT),
                ("code_verifier", VERIFIER),
            ]),
        )
        .await;
    assert_oauth_error(&r, StatusCode::UNAUTHORIZED, "invalid_client");
    assert_eq!(a.exchange(&code).await.status, StatusCode::OK);
}

#[tokio::test]
async fn revoke_ends_the_chain() {
    for new in [auth_code("Confidential"), public("Public")] {
        let a = Auth::with(|_| {}, new);
        let (access, refresh) = a.tokens().await;
        assert_eq!(a.record(&access).await.status, StatusCode::OK);
        // Another chain of the same client is not touched.
        let code = a.code_with_state("second-chain-state-xxxxxx").await;
        let other = a.exchange(&code).await;
        let other_access = other.json["access_token"].as_str().unwrap().to_owned();

        let r = a.revoke(&refresh).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert_eq!(r.body, "");
        let denied = a.record(&access).await;
        assert_eq!(denied.status, StatusCode::UNAUTHORIZED);
        assert_eq!(denied.body, INVALID_LOGIN_BODY);
        let audit = a.last_audit();
        assert_eq!(audit.code, "TokenRejected");
        assert!(audit.detail.contains("revoked"), "{}", audit.detail);
        assert_oauth_error(
            &a.refresh(&refresh).await,
            StatusCode::BAD_REQUEST,
            "invalid_grant",
        );
        assert_eq!(a.record(&other_access).await.status, StatusCode::OK);
        // Revoking again, or garbage: 200, nothing happens.
        assert_eq!(a.revoke(&refresh).await.status, StatusCode::OK);
        assert_eq!(a.revoke("not-a-token").await.status, StatusCode::OK);
        // No token at all is a bad request.
        let r = if a.integration.public {
            a.post(REVOKE_PATH, None, &form(&[("client_id", a.client_id())]))
                .await
        } else {
            a.post(REVOKE_PATH, Some((a.client_id(), a.secret())), "")
                .await
        };
        assert_oauth_error(&r, StatusCode::BAD_REQUEST, "invalid_request");
    }
}

#[tokio::test]
async fn revoke_checks_the_client() {
    let a = Auth::new();
    let (access, refresh) = a.tokens().await;
    let r = a
        .post(
            REVOKE_PATH,
            Some((a.client_id(), "wrong")),
            &form(&[("token", &refresh)]),
        )
        .await;
    assert_oauth_error(&r, StatusCode::UNAUTHORIZED, "invalid_client");
    // Another client cannot revoke it.
    let other = a.emu.create_integration(auth_code("Other")).unwrap();
    let r = a
        .post(
            REVOKE_PATH,
            Some((&other.client_id, other.client_secret.as_deref().unwrap())),
            &form(&[("token", &refresh)]),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(a.record(&access).await.status, StatusCode::OK);
    // JSON is not a form.
    let req = Request::builder()
        .method("POST")
        .uri(REVOKE_PATH)
        .header(header::HOST, HOST)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(json!({"token": refresh}).to_string()))
        .unwrap();
    assert_oauth_error(
        &send(&a.app, req).await,
        StatusCode::BAD_REQUEST,
        "invalid_request",
    );
}

#[tokio::test]
async fn refresh_token_refusals() {
    let a = Auth::new();
    let (access, refresh) = a.tokens().await;
    // An access token is no refresh token.
    assert_oauth_error(
        &a.refresh(&access).await,
        StatusCode::BAD_REQUEST,
        "invalid_grant",
    );
    assert_eq!(a.last_audit().code, "TokenRejected");
    // Garbage, and a forged signature.
    assert_oauth_error(
        &a.refresh("a.b.c").await,
        StatusCode::BAD_REQUEST,
        "invalid_grant",
    );
    let mut parts: Vec<&str> = refresh.split('.').collect();
    let forged_sig = "A".repeat(86);
    parts[2] = &forged_sig;
    assert_oauth_error(
        &a.refresh(&parts.join(".")).await,
        StatusCode::BAD_REQUEST,
        "invalid_grant",
    );
    assert_eq!(a.last_audit().code, "InvalidSignature");
    // alg none with the same claims.
    let none = raw_jwt(
        &json!({"alg": "none", "typ": "JWT"}),
        &jwt_claims(&refresh),
        b"",
    );
    assert_oauth_error(
        &a.refresh(&none).await,
        StatusCode::BAD_REQUEST,
        "invalid_grant",
    );
    // Another client's refresh token.
    let other = a.emu.create_integration(auth_code("Other")).unwrap();
    let r = a
        .post(
            TOKEN_PATH,
            Some((&other.client_id, other.client_secret.as_deref().unwrap())),
            &form(&[("grant_type", "refresh_token"), ("refresh_token", &refresh)]),
        )
        .await;
    assert_oauth_error(&r, StatusCode::BAD_REQUEST, "invalid_grant");
    // Blocked integration: 401 invalid_client, and its tokens stop working.
    a.emu.set_integration_blocked(a.client_id(), true).unwrap();
    assert_oauth_error(
        &a.refresh(&refresh).await,
        StatusCode::UNAUTHORIZED,
        "invalid_client",
    );
    assert_eq!(a.record(&access).await.status, StatusCode::UNAUTHORIZED);
    a.emu.set_integration_blocked(a.client_id(), false).unwrap();
    assert_eq!(a.refresh(&refresh).await.status, StatusCode::OK);
}

#[tokio::test]
async fn integration_without_auth_code_grant() {
    let a = Auth::new();
    let mut m = m2m("M2M only");
    m.redirect_uris = vec![REDIRECT.into()];
    let m = a.emu.create_integration(m).unwrap();
    let mut p = a.params();
    p.retain(|(k, _)| *k != "client_id");
    p.push(("client_id", m.client_id.clone()));
    let r = a.authorize(&p, None).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.headers.get(header::LOCATION).is_none());
    assert_eq!(a.last_audit().code, "AuthorizationCodeGrantRequired");
    let r = a
        .post(
            TOKEN_PATH,
            Some((&m.client_id, m.client_secret.as_deref().unwrap())),
            &form(&[("grant_type", "refresh_token"), ("refresh_token", "x.y.z")]),
        )
        .await;
    assert_oauth_error(&r, StatusCode::BAD_REQUEST, "unauthorized_client");
    assert_eq!(a.last_audit().code, "AuthorizationCodeGrantRequired");
}

#[tokio::test]
async fn explain_errors_adds_descriptions() {
    let a = Auth::with(|c| c.explain_errors = true, auth_code("Explained"));
    let code = a.code().await;
    let r = a
        .token(&[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", REDIRECT),
            ("code_verifier", &"z".repeat(43)),
        ])
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.json["error"], "invalid_grant");
    assert!(
        r.json["error_description"]
            .as_str()
            .unwrap()
            .contains("code_verifier"),
        "{}",
        r.body
    );
    let r = a
        .authorize(&with(&a.params(), "state", Some("short")), None)
        .await;
    let (_, q) = location(&r);
    assert_eq!(param(&q, "error"), "invalid_request");
    assert!(param(&q, "error_description").contains("22 to 1024"));
    assert_eq!(param(&q, "state"), "short");
}

#[tokio::test]
async fn tokens_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let a = Auth::with(
        |c| c.data_dir = Some(dir.path().to_owned()),
        auth_code("Durable"),
    );
    let (access, refresh) = a.tokens().await;
    let secret = a.secret().to_owned();
    let integration = a.integration.clone();
    drop(a);
    let clock = Clock::fixed(NOW + 60);
    let mut c = config(&clock);
    c.data_dir = Some(dir.path().to_owned());
    let emu = Emulator::open(c).unwrap();
    let mut integration = integration;
    integration.client_secret = Some(secret);
    let b = Auth {
        app: netsuite_emulator::app(emu.clone()),
        emu,
        clock,
        integration,
    };
    assert_eq!(b.record(&access).await.status, StatusCode::OK);
    assert_eq!(b.refresh(&refresh).await.status, StatusCode::OK);
    assert_eq!(b.revoke(&refresh).await.status, StatusCode::OK);
    assert_eq!(b.record(&access).await.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn jwks_and_discovery() {
    let a = Auth::new();
    let (access, _) = a.tokens().await;
    let r = get(&a.app, "/.well-known/openid-configuration").await;
    assert_eq!(r.status, StatusCode::OK);
    let d = &r.json;
    assert_eq!(d["issuer"], "https://system.netsuite.com");
    assert_eq!(
        d["authorization_endpoint"],
        format!("http://{HOST}/app/login/oauth2/authorize.nl")
    );
    assert_eq!(d["token_endpoint"], format!("http://{HOST}{TOKEN_PATH}"));
    assert_eq!(
        d["revocation_endpoint"],
        format!("http://{HOST}{REVOKE_PATH}")
    );
    assert_eq!(
        d["jwks_uri"],
        format!("http://{HOST}/services/rest/auth/oauth2/v1/keys")
    );
    assert_eq!(d["code_challenge_methods_supported"], json!(["S256"]));
    assert_eq!(d["response_types_supported"], json!(["code"]));
    for g in ["authorization_code", "refresh_token", "client_credentials"] {
        assert!(
            d["grant_types_supported"]
                .as_array()
                .unwrap()
                .contains(&json!(g))
        );
    }
    assert!(
        d["scopes_supported"]
            .as_array()
            .unwrap()
            .contains(&json!("mcp"))
    );
    assert!(
        d["token_endpoint_auth_methods_supported"]
            .as_array()
            .unwrap()
            .contains(&json!("client_secret_basic"))
    );
    let r = get(&a.app, "/services/rest/auth/oauth2/v1/keys").await;
    assert_eq!(r.status, StatusCode::OK);
    let key = &r.json["keys"][0];
    assert_eq!(key["kty"], "EC");
    assert_eq!(key["crv"], "P-256");
    assert_eq!(key["kid"], a.emu.signing_key_id());
    assert_eq!(jwt_header(&access)["kid"], key["kid"]);
    // The JWK verifies the access token.
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let mut point = vec![4u8];
    point.extend(URL_SAFE_NO_PAD.decode(key["x"].as_str().unwrap()).unwrap());
    point.extend(URL_SAFE_NO_PAD.decode(key["y"].as_str().unwrap()).unwrap());
    let vk = netsuite_auth::jws::VerifyingKey {
        kind: netsuite_auth::key::KeyKind::EcP256,
        public_key: point,
    };
    netsuite_auth::jws::verify(&access, &vk, &[netsuite_auth::jws::Algorithm::ES256]).unwrap();
}

pub async fn get(app: &Router, path: &str) -> Reply {
    let req = Request::builder()
        .method("GET")
        .uri(path)
        .header(header::HOST, HOST)
        .body(Body::empty())
        .unwrap();
    send(app, req).await
}

#[tokio::test]
async fn consent_policy_is_stored() {
    let mut n = auth_code("Policy");
    n.consent_policy = ConsentPolicy::Never;
    let a = Auth::with(|_| {}, n);
    assert_eq!(a.integration.consent_policy, ConsentPolicy::Never);
    let listed = a.emu.integration(a.client_id()).unwrap().unwrap();
    assert_eq!(listed.consent_policy, ConsentPolicy::Never);
    assert_eq!(
        "first-time".parse::<ConsentPolicy>().unwrap(),
        ConsentPolicy::FirstTime
    );
    assert_eq!(
        "Always Ask".parse::<ConsentPolicy>().unwrap(),
        ConsentPolicy::Always
    );
    assert!("sometimes".parse::<ConsentPolicy>().is_err());
    let _: Value = serde_json::to_value(&listed).unwrap();
}

#[tokio::test]
async fn explain_errors_names_the_cause_of_a_401() {
    let plain = Auth::new();
    let (_, refresh) = plain.tokens().await;
    assert_eq!(plain.record(&refresh).await.body, INVALID_LOGIN_BODY);
    let a = Auth::with(|c| c.explain_errors = true, auth_code("Explained 401"));
    let (_, refresh) = a.tokens().await;
    let r = a.record(&refresh).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let detail = r.json["o:errorDetails"][0]["detail"].as_str().unwrap();
    assert!(detail.starts_with("Invalid login attempt."), "{detail}");
    assert!(detail.contains("TokenRejected"), "{detail}");
    assert!(detail.contains("refresh token"), "{detail}");
}
