//! Token requests (built as `http::Request`) and token / OAuth error responses.

use http::{HeaderValue, Method, Request, header};
use serde::Deserialize;
use serde_json::Value;

use crate::Error;
pub use crate::error_code::OAuthError;
use crate::error_code::OAuthErrorCode;
use crate::id::{ClientId, RedirectUri};
use crate::secret::{AccessToken, Assertion, RefreshToken};

/// The `client_assertion_type` for JWT client assertions (RFC 7523).
pub const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

fn form_request(url: &str, pairs: &[(&str, &str)]) -> Request<Vec<u8>> {
    let body = serde_urlencoded::to_string(pairs)
        .expect("string pairs always encode")
        .into_bytes();
    Request::builder()
        .method(Method::POST)
        .uri(url)
        .header(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/x-www-form-urlencoded"),
        )
        .header(header::ACCEPT, HeaderValue::from_static("application/json"))
        .body(body)
        .expect("a URL that parsed as url::Url is a valid URI")
}

/// The client-credentials token request: exactly `grant_type`,
/// `client_assertion_type` and `client_assertion`, form-encoded, nothing else.
pub fn client_credentials_request(token_url: &url::Url, assertion: &Assertion) -> Request<Vec<u8>> {
    form_request(
        token_url.as_str(),
        &[
            ("grant_type", "client_credentials"),
            ("client_assertion_type", JWT_BEARER),
            ("client_assertion", assertion.expose_secret()),
        ],
    )
}

/// How the client authenticates at the token and revoke endpoints.
#[derive(Clone, Debug)]
pub enum ClientAuth {
    /// A confidential client: HTTP Basic `client_id:client_secret` (standard base64).
    Confidential {
        /// Client id.
        client_id: ClientId,
        /// Client secret.
        client_secret: crate::secret::ClientSecret,
    },
    /// A public client: `client_id` in the form body, no secret.
    Public {
        /// Client id.
        client_id: ClientId,
    },
}

impl ClientAuth {
    /// The client id.
    pub fn client_id(&self) -> &ClientId {
        match self {
            ClientAuth::Confidential { client_id, .. } | ClientAuth::Public { client_id } => {
                client_id
            }
        }
    }

    fn apply(&self, pairs: &mut Vec<(&'static str, String)>) -> Option<HeaderValue> {
        use base64::Engine;
        match self {
            ClientAuth::Confidential {
                client_id,
                client_secret,
            } => {
                let raw = format!("{client_id}:{}", client_secret.expose_secret());
                let enc = base64::engine::general_purpose::STANDARD.encode(raw);
                let mut v = HeaderValue::from_str(&format!("Basic {enc}"))
                    .expect("base64 is a valid header value");
                v.set_sensitive(true);
                Some(v)
            }
            ClientAuth::Public { client_id } => {
                pairs.push(("client_id", client_id.as_str().to_owned()));
                None
            }
        }
    }
}

fn client_request(
    url: &url::Url,
    mut pairs: Vec<(&'static str, String)>,
    client: &ClientAuth,
) -> Request<Vec<u8>> {
    let auth = client.apply(&mut pairs);
    let borrowed: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let mut req = form_request(url.as_str(), &borrowed);
    if let Some(a) = auth {
        req.headers_mut().insert(header::AUTHORIZATION, a);
    }
    req
}

/// Step two of the authorization code grant: `grant_type=authorization_code`,
/// `code`, `redirect_uri` and `code_verifier` as sent in step one.
pub fn authorization_code_request(
    token_url: &url::Url,
    code: &str,
    redirect_uri: &RedirectUri,
    code_verifier: &str,
    client: &ClientAuth,
) -> Request<Vec<u8>> {
    client_request(
        token_url,
        vec![
            ("grant_type", "authorization_code".into()),
            ("code", code.into()),
            ("redirect_uri", redirect_uri.as_str().into()),
            ("code_verifier", code_verifier.into()),
        ],
        client,
    )
}

/// A refresh: `grant_type=refresh_token&refresh_token=...`.
pub fn refresh_token_request(
    token_url: &url::Url,
    refresh_token: &RefreshToken,
    client: &ClientAuth,
) -> Request<Vec<u8>> {
    client_request(
        token_url,
        vec![
            ("grant_type", "refresh_token".into()),
            ("refresh_token", refresh_token.expose_secret().into()),
        ],
        client,
    )
}

/// Revocation of a refresh token (and its access tokens): `token=...`.
pub fn revoke_request(
    revoke_url: &url::Url,
    refresh_token: &RefreshToken,
    client: &ClientAuth,
) -> Request<Vec<u8>> {
    client_request(
        revoke_url,
        vec![("token", refresh_token.expose_secret().into())],
        client,
    )
}

/// Checks a revoke response: 2xx is success, an OAuth error body is kept as data.
pub fn parse_revoke_response(
    status: u16,
    content_type: Option<&str>,
    body: &[u8],
) -> Result<(), Error> {
    if (200..300).contains(&status) {
        return Ok(());
    }
    match parse_token_response(status, content_type, None, body) {
        Err(e) => Err(e),
        Ok(_) => Err(Error::UnexpectedResponse {
            status,
            reason: "the revoke endpoint answered with an error status".into(),
            snippet: body_snippet(body),
        }),
    }
}

/// A successful token endpoint response.
#[derive(Clone, Debug)]
pub struct TokenResponse {
    /// The access token.
    pub access_token: AccessToken,
    /// `bearer` (compared case-insensitively).
    pub token_type: String,
    /// Lifetime in seconds (NetSuite: 3600).
    pub expires_in: u64,
    /// The refresh token, for the authorization code grant.
    pub refresh_token: Option<RefreshToken>,
    /// Scopes, from the response or the access token's `scope` claim.
    pub scope: Vec<String>,
}

#[derive(Deserialize)]
struct RawToken {
    access_token: String,
    #[serde(default)]
    token_type: Option<String>,
    #[serde(default)]
    expires_in: Option<Value>,
    #[serde(default)]
    refresh_token: Option<String>,
    #[serde(default)]
    scope: Option<Value>,
}

/// Snippet of a body for error messages: at most 200 characters, one line.
pub fn body_snippet(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let one_line: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    one_line.chars().take(200).collect()
}

fn looks_like_html(content_type: Option<&str>, body: &[u8]) -> bool {
    content_type.is_some_and(|c| c.to_ascii_lowercase().contains("html"))
        || body_snippet(&body[..body.len().min(512)])
            .to_ascii_lowercase()
            .trim_start()
            .starts_with('<')
}

/// Parses a token endpoint response: a token on 2xx, an [`OAuthError`] for
/// `{"error": ...}` bodies, and [`Error::UnexpectedResponse`] for anything else
/// (HTML pages, empty bodies, JSON without a token).
pub fn parse_token_response(
    status: u16,
    content_type: Option<&str>,
    www_authenticate: Option<&str>,
    body: &[u8],
) -> Result<TokenResponse, Error> {
    let unexpected = |reason: &str| Error::UnexpectedResponse {
        status,
        reason: reason.to_owned(),
        snippet: body_snippet(body),
    };
    let json: Value = match serde_json::from_slice(body) {
        Ok(v) => v,
        Err(_) if looks_like_html(content_type, body) => {
            return Err(unexpected("an HTML page came back where JSON was expected"));
        }
        Err(_) if body.is_empty() => return Err(unexpected("the body is empty")),
        Err(_) => return Err(unexpected("the body is not JSON")),
    };
    if let Some(error) = json.get("error").and_then(Value::as_str) {
        return Err(Error::OAuth(OAuthError {
            status,
            error: OAuthErrorCode::parse(error),
            description: json
                .get("error_description")
                .and_then(Value::as_str)
                .map(str::to_owned),
            www_authenticate: www_authenticate.map(str::to_owned),
        }));
    }
    if !(200..300).contains(&status) {
        return Err(unexpected(
            "the status is not a success and there is no OAuth error",
        ));
    }
    let raw: RawToken = serde_json::from_value(json)
        .map_err(|_| unexpected("the JSON has no access_token string"))?;
    let token_type = raw.token_type.unwrap_or_else(|| "bearer".into());
    if !token_type.eq_ignore_ascii_case("bearer") {
        return Err(unexpected("token_type is not bearer"));
    }
    let expires_in = match raw.expires_in {
        None => 3600,
        Some(Value::Number(n)) => n
            .as_u64()
            .or_else(|| n.as_f64().filter(|f| *f >= 0.0).map(|f| f as u64))
            .ok_or_else(|| unexpected("expires_in is not a positive number"))?,
        Some(Value::String(s)) => s
            .trim()
            .parse()
            .map_err(|_| unexpected("expires_in is not a number"))?,
        Some(_) => return Err(unexpected("expires_in is not a number")),
    };
    let mut scope = match raw.scope {
        Some(Value::String(s)) => crate::assertion::split_scopes(&s),
        Some(Value::Array(a)) => a
            .into_iter()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect(),
        _ => Vec::new(),
    };
    if scope.is_empty() {
        scope = access_token_claims(&raw.access_token)
            .and_then(|c| c.get("scope").cloned())
            .map(|v| match v {
                Value::Array(a) => a
                    .into_iter()
                    .filter_map(|v| v.as_str().map(str::to_owned))
                    .collect(),
                Value::String(s) => crate::assertion::split_scopes(&s),
                _ => Vec::new(),
            })
            .unwrap_or_default();
    }
    Ok(TokenResponse {
        access_token: AccessToken::new(raw.access_token),
        token_type,
        expires_in,
        refresh_token: raw.refresh_token.map(RefreshToken::new),
        scope,
    })
}

/// The claims of a NetSuite-issued JWT, decoded without verification (for display:
/// scope, expiry). Returns `None` when the token is not a JWT.
pub fn access_token_claims(token: &str) -> Option<serde_json::Map<String, Value>> {
    crate::jws::decode_unverified(token).ok().map(|u| u.claims)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_has_exactly_three_fields() {
        let url = url::Url::parse("http://127.0.0.1:1/services/rest/auth/oauth2/v1/token").unwrap();
        let r = client_credentials_request(&url, &Assertion::new("a.b.c"));
        assert_eq!(r.method(), Method::POST);
        assert_eq!(
            r.headers()[header::CONTENT_TYPE],
            "application/x-www-form-urlencoded"
        );
        assert_eq!(
            std::str::from_utf8(r.body()).unwrap(),
            "grant_type=client_credentials&client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer&client_assertion=a.b.c"
        );
    }

    #[test]
    fn code_refresh_and_revoke_requests() {
        let url = url::Url::parse("http://127.0.0.1:1/t").unwrap();
        let conf = ClientAuth::Confidential {
            client_id: "cid".into(),
            client_secret: crate::secret::ClientSecret::new("sec"),
        };
        let r = authorization_code_request(
            &url,
            "c0de",
            &RedirectUri::parse("https://127.0.0.1:5/cb").unwrap(),
            "verif",
            &conf,
        );
        assert_eq!(r.headers()[header::AUTHORIZATION], "Basic Y2lkOnNlYw==");
        assert!(r.headers()[header::AUTHORIZATION].is_sensitive());
        assert_eq!(
            std::str::from_utf8(r.body()).unwrap(),
            "grant_type=authorization_code&code=c0de&redirect_uri=https%3A%2F%2F127.0.0.1%3A5%2Fcb&code_verifier=verif"
        );
        let public = ClientAuth::Public {
            client_id: "pub".into(),
        };
        let r = refresh_token_request(&url, &RefreshToken::new("r.t"), &public);
        assert!(r.headers().get(header::AUTHORIZATION).is_none());
        assert_eq!(
            std::str::from_utf8(r.body()).unwrap(),
            "grant_type=refresh_token&refresh_token=r.t&client_id=pub"
        );
        let r = revoke_request(&url, &RefreshToken::new("r.t"), &conf);
        assert_eq!(std::str::from_utf8(r.body()).unwrap(), "token=r.t");
        assert!(parse_revoke_response(200, None, b"").is_ok());
        assert!(matches!(
            parse_revoke_response(400, None, br#"{"error":"invalid_request"}"#),
            Err(Error::OAuth(_))
        ));
        assert!(parse_revoke_response(500, None, b"<html>").is_err());
    }

    #[test]
    fn parses_number_or_string_expiry_and_any_case() {
        for body in [
            r#"{"access_token":"x","expires_in":3600,"token_type":"bearer"}"#,
            r#"{"access_token":"x","expires_in":"3600","token_type":"Bearer"}"#,
            r#"{"access_token":"x","expires_in":3600.0}"#,
        ] {
            let t =
                parse_token_response(200, Some("application/json"), None, body.as_bytes()).unwrap();
            assert_eq!(t.expires_in, 3600);
            assert_eq!(t.access_token.expose_secret(), "x");
        }
    }

    #[test]
    fn oauth_errors_and_garbage() {
        let e = parse_token_response(
            401,
            Some("application/json"),
            Some("Basic realm=\"123\""),
            br#"{"error":"invalid_client"}"#,
        )
        .unwrap_err();
        match e {
            Error::OAuth(o) => {
                assert_eq!(o.error, OAuthErrorCode::InvalidClient);
                assert_eq!(
                    o.meaning(),
                    "client authentication failed (client id, secret or assertion)"
                );
                assert_eq!(o.status, 401);
                assert_eq!(o.www_authenticate.as_deref(), Some("Basic realm=\"123\""));
            }
            other => panic!("{other:?}"),
        }
        let e = parse_token_response(
            503,
            Some("text/html"),
            None,
            b"<html><body>Service unavailable</body></html>",
        )
        .unwrap_err();
        assert!(e.to_string().contains("HTML"), "{e}");
        assert!(parse_token_response(200, None, None, b"").is_err());
        assert!(parse_token_response(200, None, None, b"{}").is_err());
        assert!(
            parse_token_response(
                200,
                None,
                None,
                br#"{"access_token":"x","token_type":"mac"}"#
            )
            .is_err()
        );
        assert!(parse_token_response(500, None, None, br#"{"access_token":"x"}"#).is_err());
    }
}
