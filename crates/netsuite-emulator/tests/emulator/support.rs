//! Shared fixtures: an emulator on a fixed clock with one M2M integration and mapping,
//! assertion signing, and in-process requests through `tower::ServiceExt::oneshot`.

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode, header};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use netsuite_auth::account::{AccountId, TOKEN_PATH};
use netsuite_auth::cert::KeyType;
use netsuite_auth::jws;
use netsuite_emulator::{
    Clock, Config, Emulator, Integration, Mapping, NewIntegration, NewMapping,
};
use serde_json::{Map, Value, json};
use tower::ServiceExt;

pub const NOW: i64 = 1_800_000_000;
pub const ACCOUNT: &str = "1234567_SB1";
pub const NETSUITE_TOKEN_URL: &str =
    "https://1234567-sb1.suitetalk.api.netsuite.com/services/rest/auth/oauth2/v1/token";
/// The Host header of in-process requests.
pub const HOST: &str = "emulator.test:8080";
pub const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

pub fn now_dt() -> time::OffsetDateTime {
    time::OffsetDateTime::from_unix_timestamp(NOW).unwrap()
}

pub fn account() -> AccountId {
    AccountId::parse(ACCOUNT).unwrap()
}

pub fn config(clock: &Clock) -> Config {
    let mut c = Config::new(account());
    c.clock = clock.clone();
    c
}

pub use netsuite_test::Credential;

/// A key and certificate made at `NOW`.
pub fn credential(kt: KeyType) -> Credential {
    netsuite_test::credential(kt, now_dt())
}

pub fn m2m(name: &str) -> NewIntegration {
    NewIntegration {
        name: name.into(),
        m2m: true,
        ..Default::default()
    }
}

/// An emulator with one M2M integration (`rest_webservices`, `restlets`) and a mapping.
pub struct Fixture {
    pub emu: Emulator,
    pub clock: Clock,
    pub app: Router,
    pub integration: Integration,
    pub mapping: Mapping,
    pub cred: Credential,
}

impl Fixture {
    pub fn new(kt: KeyType) -> Self {
        Self::with_config(kt, |_| {})
    }

    pub fn with_config(kt: KeyType, tweak: impl FnOnce(&mut Config)) -> Self {
        let clock = Clock::fixed(NOW);
        let mut c = config(&clock);
        tweak(&mut c);
        let emu = Emulator::open(c).unwrap();
        Self::on(emu, clock, kt)
    }

    /// Adds an integration and a mapping of a fresh `kt` certificate to `emu`.
    pub fn on(emu: Emulator, clock: Clock, kt: KeyType) -> Self {
        let integration = emu.create_integration(m2m("Fixture")).unwrap();
        let cred = credential(kt);
        let mapping = emu
            .create_mapping(NewMapping::new(
                integration.client_id.clone(),
                cred.cert_pem.clone(),
            ))
            .unwrap();
        let app = netsuite_emulator::app(emu.clone());
        Self {
            emu,
            clock,
            app,
            integration,
            mapping,
            cred,
        }
    }

    pub fn client_id(&self) -> &str {
        &self.integration.client_id
    }

    pub fn kid(&self) -> &str {
        &self.mapping.certificate_id
    }

    /// Valid claims at the fixed clock's time.
    pub fn claims(&self) -> Map<String, Value> {
        let now = self.clock.now();
        json!({
            "iss": self.client_id(),
            "scope": ["restlets", "rest_webservices"],
            "aud": NETSUITE_TOKEN_URL,
            "iat": now,
            "exp": now + 300,
        })
        .as_object()
        .unwrap()
        .clone()
    }

    pub fn sign(&self, claims: &Map<String, Value>) -> String {
        jws::sign(&self.cred.key, self.cred.alg, Some(self.kid()), claims).unwrap()
    }

    pub fn assertion(&self) -> String {
        self.sign(&self.claims())
    }

    /// A token for the default claims; panics unless the emulator issues one.
    pub async fn token(&self) -> String {
        self.token_for(&self.claims()).await
    }

    pub async fn token_for(&self, claims: &Map<String, Value>) -> String {
        let r = self.exchange(&self.sign(claims)).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.json);
        r.json["access_token"].as_str().unwrap().to_owned()
    }

    /// POSTs a client-credentials form with `assertion`.
    pub async fn exchange(&self, assertion: &str) -> Reply {
        self.post_token(&form(&[
            ("grant_type", "client_credentials"),
            ("client_assertion_type", JWT_BEARER),
            ("client_assertion", assertion),
        ]))
        .await
    }

    pub async fn post_token(&self, body: &str) -> Reply {
        self.post_token_as("application/x-www-form-urlencoded", body)
            .await
    }

    pub async fn post_token_as(&self, content_type: &str, body: &str) -> Reply {
        let req = Request::builder()
            .method("POST")
            .uri(TOKEN_PATH)
            .header(header::HOST, HOST)
            .header(header::CONTENT_TYPE, content_type)
            .body(Body::from(body.to_owned()))
            .unwrap();
        send(&self.app, req).await
    }

    pub async fn get(&self, path: &str, bearer: Option<&str>) -> Reply {
        let mut req = Request::builder()
            .method("GET")
            .uri(path)
            .header(header::HOST, HOST);
        if let Some(t) = bearer {
            req = req.header(header::AUTHORIZATION, format!("Bearer {t}"));
        }
        send(&self.app, req.body(Body::empty()).unwrap()).await
    }

    /// The newest audit entry.
    pub fn last_audit(&self) -> netsuite_emulator::AuditEntry {
        self.emu.audit().unwrap().pop().expect("an audit entry")
    }
}

pub fn form(pairs: &[(&str, &str)]) -> String {
    serde_urlencoded::to_string(pairs).unwrap()
}

/// A response, its body parsed as JSON when it is JSON.
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
    pub json: Value,
}

impl Reply {
    pub fn content_type(&self) -> &str {
        self.headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }
}

pub async fn send(app: &Router, req: Request<Body>) -> Reply {
    let resp = app.clone().oneshot(req).await.unwrap();
    let status = resp.status();
    let headers = resp.headers().clone();
    let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX)
        .await
        .unwrap();
    let body = String::from_utf8(bytes.to_vec()).unwrap();
    let json = serde_json::from_str(&body).unwrap_or(Value::Null);
    Reply {
        status,
        headers,
        body,
        json,
    }
}

/// The claims of a JWT, unverified.
pub fn jwt_claims(token: &str) -> Map<String, Value> {
    jws::decode_unverified(token).unwrap().claims
}

/// The header of a JWT as JSON.
pub fn jwt_header(token: &str) -> Value {
    let h = token.split('.').next().unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(h).unwrap()).unwrap()
}

/// Builds `header.payload.signature` from JSON values and raw signature bytes.
pub fn raw_jwt(header: &Value, claims: &Map<String, Value>, signature: &[u8]) -> String {
    format!(
        "{}.{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(Value::Object(claims.clone()).to_string()),
        URL_SAFE_NO_PAD.encode(signature)
    )
}

/// NetSuite's 401 body, byte for byte.
pub const INVALID_LOGIN_BODY: &str = r#"{"type":"https://www.rfc-editor.org/rfc/rfc9110.html#section-15.5.2","title":"Unauthorized","status":401,"o:errorDetails":[{"detail":"Invalid login attempt. For more details, see the Login Audit Trail in the NetSuite UI at Setup > Users/Roles > User Management > View Login Audit Trail.","o:errorCode":"INVALID_LOGIN"}]}"#;

pub const ERROR_CONTENT_TYPE: &str =
    "application/vnd.oracle.resource+json; type=error; charset=UTF-8";
