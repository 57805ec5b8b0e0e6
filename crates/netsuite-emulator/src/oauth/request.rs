//! Parsing of token and revoke endpoint requests, without I/O: the form body, the
//! grant it asks for, and how the client authenticates. Every malformed input becomes
//! a [`Rejection`] (NetSuite's error and an audit code), never a panic; the fuzz
//! target `token_request` drives [`parse`] with arbitrary bytes.

use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD};
use netsuite_auth::token::JWT_BEARER;

use super::audit::AuditCode;
use super::refusal::Rejection;
use netsuite_auth::OAuthErrorCode;

/// The only media type the token and revoke endpoints take.
pub const FORM_CONTENT_TYPE: &str = "application/x-www-form-urlencoded";

/// Parameters whose values are secrets and never printed.
const SECRET_PARAMS: [&str; 7] = [
    "client_secret",
    "client_assertion",
    "code",
    "code_verifier",
    "refresh_token",
    "token",
    "password",
];

/// A parsed `application/x-www-form-urlencoded` body: each parameter at most once.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Form {
    params: Vec<(String, String)>,
}

impl fmt::Debug for Form {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut m = f.debug_map();
        for (k, v) in &self.params {
            if SECRET_PARAMS.contains(&k.as_str()) {
                m.entry(k, &"[redacted]");
            } else {
                m.entry(k, v);
            }
        }
        m.finish()
    }
}

pub(crate) fn invalid_request(detail: impl Into<String>) -> Rejection {
    Rejection::new(
        OAuthErrorCode::InvalidRequest,
        AuditCode::InvalidRequest,
        detail,
    )
}

fn invalid_client(detail: impl Into<String>) -> Rejection {
    Rejection::new(
        OAuthErrorCode::InvalidClient,
        AuditCode::ClientAuthenticationFailed,
        detail,
    )
}

impl Form {
    /// Parses `body` sent with `content_type`: the media type must be
    /// `application/x-www-form-urlencoded`, the body UTF-8, and no parameter repeated.
    pub fn parse(content_type: Option<&[u8]>, body: &[u8]) -> Result<Form, Rejection> {
        let media_type = content_type.map(|v| {
            let v = String::from_utf8_lossy(v);
            v.split(';').next().unwrap_or_default().trim().to_owned()
        });
        match media_type.as_deref() {
            Some(t) if t.eq_ignore_ascii_case(FORM_CONTENT_TYPE) => {}
            Some(t) => {
                return Err(invalid_request(format!(
                    "the body is {:?}; the endpoint takes only {FORM_CONTENT_TYPE}",
                    crate::error::truncate(t, 80)
                )));
            }
            None => {
                return Err(invalid_request(format!(
                    "the request has no Content-Type; the endpoint takes only {FORM_CONTENT_TYPE}"
                )));
            }
        }
        Self::parse_body(body)
    }

    /// Parses a form body (no media type check).
    pub fn parse_body(body: &[u8]) -> Result<Form, Rejection> {
        if std::str::from_utf8(body).is_err() {
            return Err(invalid_request("the form body is not UTF-8"));
        }
        let params: Vec<(String, String)> = serde_urlencoded::from_bytes(body)
            .map_err(|e| invalid_request(format!("the form body cannot be parsed ({e})")))?;
        for (i, (k, _)) in params.iter().enumerate() {
            if params[..i].iter().any(|(other, _)| other == k) {
                return Err(invalid_request(format!(
                    "the parameter {:?} is given more than once",
                    crate::error::truncate(k, 80)
                )));
            }
        }
        Ok(Form { params })
    }

    /// The value of `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// A non-empty value of `name`.
    pub fn non_empty(&self, name: &str) -> Option<&str> {
        self.get(name).filter(|v| !v.is_empty())
    }

    /// Every parameter, in order.
    pub fn params(&self) -> &[(String, String)] {
        &self.params
    }
}

/// The grant a token request asks for, with its parameters checked for presence.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum GrantRequest<'a> {
    /// `client_credentials` with a JWT client assertion.
    ClientCredentials {
        /// The compact JWS.
        assertion: &'a str,
    },
    /// `authorization_code`.
    AuthorizationCode {
        /// The code from the redirect.
        code: &'a str,
        /// The redirect URI of step one.
        redirect_uri: &'a str,
        /// The PKCE verifier, when sent.
        code_verifier: Option<&'a str>,
    },
    /// `refresh_token`.
    RefreshToken {
        /// The refresh token (a JWT).
        refresh_token: &'a str,
    },
}

impl fmt::Debug for GrantRequest<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GrantRequest::ClientCredentials { .. } => f.write_str("ClientCredentials([redacted])"),
            GrantRequest::AuthorizationCode { redirect_uri, .. } => f
                .debug_struct("AuthorizationCode")
                .field("redirect_uri", redirect_uri)
                .finish_non_exhaustive(),
            GrantRequest::RefreshToken { .. } => f.write_str("RefreshToken([redacted])"),
        }
    }
}

impl Form {
    /// The grant: `grant_type` and the parameters it needs.
    pub fn grant(&self) -> Result<GrantRequest<'_>, Rejection> {
        match self.get("grant_type") {
            None | Some("") => Err(invalid_request("grant_type is missing")),
            Some("client_credentials") => self.client_credentials(),
            Some("authorization_code") => {
                let code = self
                    .non_empty("code")
                    .ok_or_else(|| invalid_request("code is missing"))?;
                let redirect_uri = self.non_empty("redirect_uri").ok_or_else(|| {
                    invalid_request("redirect_uri is missing; send the redirect URI of step one")
                })?;
                Ok(GrantRequest::AuthorizationCode {
                    code,
                    redirect_uri,
                    code_verifier: self.get("code_verifier"),
                })
            }
            Some("refresh_token") => {
                let refresh_token = self
                    .non_empty("refresh_token")
                    .ok_or_else(|| invalid_request("refresh_token is missing"))?;
                Ok(GrantRequest::RefreshToken { refresh_token })
            }
            Some(g) => Err(invalid_request(format!(
                "grant_type {:?} is not a NetSuite grant type; use client_credentials, authorization_code or refresh_token",
                crate::error::truncate(g, 80)
            ))),
        }
    }

    fn client_credentials(&self) -> Result<GrantRequest<'_>, Rejection> {
        match self.get("client_assertion_type") {
            Some(JWT_BEARER) => {}
            None => return Err(invalid_request("client_assertion_type is missing")),
            Some(t) => {
                return Err(invalid_request(format!(
                    "client_assertion_type is {:?}, not {JWT_BEARER}",
                    crate::error::truncate(t, 80)
                )));
            }
        }
        match self.get("client_assertion") {
            Some(a) if !a.trim().is_empty() => Ok(GrantRequest::ClientCredentials {
                assertion: a.trim(),
            }),
            _ => {
                let hint = if self.get("assertion").is_some() {
                    " (the form has `assertion`; the parameter is `client_assertion`)"
                } else {
                    ""
                };
                Err(invalid_request(format!(
                    "client_assertion is missing{hint}"
                )))
            }
        }
    }
}

/// How the client presented itself at the token or revoke endpoint.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClientAuthMethod {
    /// `Authorization: Basic base64(client_id:client_secret)` (confidential clients).
    Basic,
    /// `client_id` in the body, no secret (public clients).
    ClientId,
}

/// The client's identification (and secret, for Basic).
#[derive(Clone, PartialEq, Eq)]
pub struct ClientCredentials {
    /// The client id.
    pub client_id: String,
    /// The secret from the Basic header; `None` for public clients.
    pub secret: Option<String>,
    /// How it was sent.
    pub method: ClientAuthMethod,
}

impl fmt::Debug for ClientCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientCredentials")
            .field("client_id", &self.client_id)
            .field("secret", &self.secret.as_ref().map(|_| "[redacted]"))
            .field("method", &self.method)
            .finish()
    }
}

/// The client authentication of a token or revoke request: `Authorization: Basic` for
/// confidential clients, `client_id` in the body for public clients. Both at once
/// (a Basic header and a body `client_secret`, or a different body `client_id`) is
/// `invalid_request` ("multiple client authentication approaches"); a secret in the
/// body alone, an unreadable header or no identification at all is `invalid_client`.
pub fn client_credentials(
    authorization: Option<&[u8]>,
    form: &Form,
) -> Result<ClientCredentials, Rejection> {
    let body_id = form.get("client_id");
    let body_secret = form.get("client_secret");
    let Some(header) = authorization else {
        if body_secret.is_some() {
            return Err(invalid_client(
                "the client secret was sent in the body; NetSuite takes it only as Authorization: Basic base64(client_id:client_secret)",
            ));
        }
        return match body_id {
            Some(id) if !id.is_empty() => Ok(ClientCredentials {
                client_id: id.to_owned(),
                secret: None,
                method: ClientAuthMethod::ClientId,
            }),
            _ => Err(invalid_client(
                "no client authentication: send Authorization: Basic base64(client_id:client_secret), or client_id in the body for a public client",
            )),
        };
    };
    let header = String::from_utf8_lossy(header);
    let header = header.trim();
    let (scheme, value) = header.split_once(' ').unwrap_or((header, ""));
    if !scheme.eq_ignore_ascii_case("basic") {
        return Err(invalid_client(format!(
            "the Authorization header uses the {:?} scheme; the token endpoint takes Basic base64(client_id:client_secret)",
            crate::error::truncate(scheme, 40)
        )));
    }
    if body_secret.is_some() {
        return Err(invalid_request(
            "multiple client authentication approaches: a Basic header and a client_secret in the body",
        ));
    }
    let value = value.trim();
    let decoded = STANDARD
        .decode(value)
        .or_else(|_| STANDARD_NO_PAD.decode(value))
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .ok_or_else(|| {
            invalid_client("the Basic credentials are not base64 of UTF-8 client_id:client_secret")
        })?;
    let Some((id, secret)) = decoded.split_once(':') else {
        return Err(invalid_client(
            "the Basic credentials have no colon; they must be base64(client_id:client_secret)",
        ));
    };
    if id.is_empty() {
        return Err(invalid_client(
            "the Basic credentials have an empty client id",
        ));
    }
    if let Some(other) = body_id
        && other != id
    {
        return Err(invalid_request(
            "multiple client authentication approaches: the body's client_id differs from the Basic header's",
        ));
    }
    Ok(ClientCredentials {
        client_id: id.to_owned(),
        secret: Some(secret.to_owned()),
        method: ClientAuthMethod::Basic,
    })
}

/// A token request as far as it can be checked without the database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenRequest {
    /// The form.
    pub form: Form,
}

/// Parses a token endpoint request: the form, its grant, and (for the authorization
/// code and refresh grants) the client authentication; for client credentials, the
/// assertion's JWS syntax. Pure; used by the endpoint and by the fuzz target.
pub fn parse(
    content_type: Option<&[u8]>,
    authorization: Option<&[u8]>,
    body: &[u8],
) -> Result<TokenRequest, Rejection> {
    let form = Form::parse(content_type, body)?;
    match form.grant()? {
        GrantRequest::ClientCredentials { assertion } => {
            netsuite_auth::jws::decode_unverified(assertion)
                .map_err(|e| invalid_request(format!("the client assertion is not a JWT: {e}")))?;
        }
        GrantRequest::AuthorizationCode { code_verifier, .. } => {
            client_credentials(authorization, &form)?;
            if let Some(v) = code_verifier {
                super::pkce::check_verifier(v)?;
            }
        }
        GrantRequest::RefreshToken { .. } => {
            client_credentials(authorization, &form)?;
        }
    }
    Ok(TokenRequest { form })
}

#[cfg(test)]
mod tests {
    use super::*;

    const FORM: &[u8] = b"application/x-www-form-urlencoded";

    fn form(body: &str) -> Form {
        Form::parse(Some(FORM), body.as_bytes()).unwrap()
    }

    fn basic(id: &str, secret: &str) -> Vec<u8> {
        format!("Basic {}", STANDARD.encode(format!("{id}:{secret}"))).into_bytes()
    }

    #[test]
    fn forms() {
        assert!(Form::parse(Some(b"application/json"), b"{}").is_err());
        assert!(Form::parse(None, b"a=b").is_err());
        assert!(Form::parse(Some(FORM), b"a=1&a=2").is_err());
        assert!(Form::parse(Some(FORM), b"\xff\xfe").is_err());
        let f = Form::parse(
            Some(b"Application/X-WWW-Form-Urlencoded; charset=UTF-8"),
            b"a=1&b=x+y",
        )
        .unwrap();
        assert_eq!(f.get("b"), Some("x y"));
        let f = form("code=secret&redirect_uri=https%3A%2F%2Fx");
        let dbg = format!("{f:?}");
        assert!(!dbg.contains("secret"), "{dbg}");
        assert!(dbg.contains("https://x"), "{dbg}");
    }

    #[test]
    fn grants() {
        assert_eq!(
            form("grant_type=authorization_code&code=c&redirect_uri=r&code_verifier=v")
                .grant()
                .unwrap(),
            GrantRequest::AuthorizationCode {
                code: "c",
                redirect_uri: "r",
                code_verifier: Some("v")
            }
        );
        for bad in [
            "grant_type=authorization_code&redirect_uri=r",
            "grant_type=authorization_code&code=c",
            "grant_type=refresh_token",
            "grant_type=password",
            "grant_type=",
            "",
            "grant_type=client_credentials&client_assertion_type=x&client_assertion=y",
        ] {
            assert_eq!(
                form(bad).grant().unwrap_err().error,
                OAuthErrorCode::InvalidRequest,
                "{bad}"
            );
        }
    }

    #[test]
    fn client_authentication() {
        let id = "a".repeat(64);
        let f = form("grant_type=refresh_token&refresh_token=x");
        let c = client_credentials(Some(&basic(&id, "s3cret")), &f).unwrap();
        assert_eq!(c.client_id, id);
        assert_eq!(c.secret.as_deref(), Some("s3cret"));
        assert_eq!(c.method, ClientAuthMethod::Basic);
        assert!(!format!("{c:?}").contains("s3cret"));
        // Public client.
        let f = form(&format!("client_id={id}"));
        let c = client_credentials(None, &f).unwrap();
        assert_eq!(c.method, ClientAuthMethod::ClientId);
        assert_eq!(c.secret, None);
        // Basic and a body secret: multiple approaches.
        let f = form(&format!("client_id={id}&client_secret=s"));
        assert_eq!(
            client_credentials(Some(&basic(&id, "s")), &f)
                .unwrap_err()
                .error,
            OAuthErrorCode::InvalidRequest
        );
        // Basic and the same body client_id: fine; a different one: multiple approaches.
        let f = form(&format!("client_id={id}"));
        assert!(client_credentials(Some(&basic(&id, "s")), &f).is_ok());
        assert_eq!(
            client_credentials(Some(&basic("other", "s")), &f)
                .unwrap_err()
                .error,
            OAuthErrorCode::InvalidRequest
        );
        // A secret in the body alone, garbage headers, nothing at all.
        let f = form(&format!("client_id={id}&client_secret=s"));
        assert_eq!(
            client_credentials(None, &f).unwrap_err().error,
            OAuthErrorCode::InvalidClient
        );
        let empty = form("");
        for h in [
            &b"Basic !!!"[..],
            b"Basic",
            b"Bearer abc",
            b"Basic Zm9v",
            b"Basic OnNlY3JldA==",
            b"\xff",
        ] {
            assert_eq!(
                client_credentials(Some(h), &empty).unwrap_err().error,
                OAuthErrorCode::InvalidClient,
                "{}",
                String::from_utf8_lossy(h)
            );
        }
        assert_eq!(
            client_credentials(None, &empty).unwrap_err().code,
            AuditCode::ClientAuthenticationFailed
        );
    }

    #[test]
    fn parse_never_panics_on_odd_input() {
        for body in [
            &b"grant_type=client_credentials&client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer&client_assertion=a.b.c"[..],
            b"grant_type=authorization_code&code=x&redirect_uri=y&code_verifier=%00",
            b"%%%",
            b"=&=&",
            b"grant_type=refresh_token&refresh_token=..",
        ] {
            assert!(parse(Some(FORM), None, body).is_err());
        }
    }
}
