//! OAuth 2.0 error codes (RFC 6749 sections 4.1.2.1 and 5.2, OpenID Connect's
//! `login_required` and `consent_required`, RFC 6750's `invalid_token`), as a type
//! so that callers match on variants instead of comparing strings.

use std::fmt;

use serde::{Deserialize, Serialize};

/// The `error` of an OAuth 2.0 error response or of an authorize redirect.
///
/// Codes this crate does not know are kept in [`OAuthErrorCode::Other`], as written.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum OAuthErrorCode {
    /// `invalid_request`: a parameter is missing, repeated or malformed.
    InvalidRequest,
    /// `invalid_client`: client authentication failed.
    InvalidClient,
    /// `invalid_grant`: the assertion, code or refresh token was refused.
    InvalidGrant,
    /// `unauthorized_client`: the client may not use this grant.
    UnauthorizedClient,
    /// `unsupported_grant_type`.
    UnsupportedGrantType,
    /// `unsupported_response_type`.
    UnsupportedResponseType,
    /// `invalid_scope`: a scope is unknown or not enabled.
    InvalidScope,
    /// `access_denied`: the user or the account refused.
    AccessDenied,
    /// `server_error`.
    ServerError,
    /// `temporarily_unavailable`.
    TemporarilyUnavailable,
    /// `consent_required`: consent is needed but `prompt=none` forbade asking.
    ConsentRequired,
    /// `login_required`: a login is needed but `prompt=none` forbade it.
    LoginRequired,
    /// `interaction_required`.
    InteractionRequired,
    /// `invalid_token` (RFC 6750): the token is invalid, expired or revoked.
    InvalidToken,
    /// Any other code, as written.
    Other(String),
}

const KNOWN: [(OAuthErrorCode, &str); 14] = [
    (OAuthErrorCode::InvalidRequest, "invalid_request"),
    (OAuthErrorCode::InvalidClient, "invalid_client"),
    (OAuthErrorCode::InvalidGrant, "invalid_grant"),
    (OAuthErrorCode::UnauthorizedClient, "unauthorized_client"),
    (
        OAuthErrorCode::UnsupportedGrantType,
        "unsupported_grant_type",
    ),
    (
        OAuthErrorCode::UnsupportedResponseType,
        "unsupported_response_type",
    ),
    (OAuthErrorCode::InvalidScope, "invalid_scope"),
    (OAuthErrorCode::AccessDenied, "access_denied"),
    (OAuthErrorCode::ServerError, "server_error"),
    (
        OAuthErrorCode::TemporarilyUnavailable,
        "temporarily_unavailable",
    ),
    (OAuthErrorCode::ConsentRequired, "consent_required"),
    (OAuthErrorCode::LoginRequired, "login_required"),
    (OAuthErrorCode::InteractionRequired, "interaction_required"),
    (OAuthErrorCode::InvalidToken, "invalid_token"),
];

impl OAuthErrorCode {
    /// The code as it travels on the wire.
    pub fn as_str(&self) -> &str {
        match self {
            OAuthErrorCode::Other(s) => s,
            known => KNOWN
                .iter()
                .find(|(c, _)| c == known)
                .map(|(_, s)| *s)
                .expect("every known code is in KNOWN"),
        }
    }

    /// The code for `s` (exact, as RFC 6749 codes are lowercase).
    pub fn parse(s: &str) -> Self {
        KNOWN
            .iter()
            .find(|(_, name)| *name == s)
            .map(|(c, _)| c.clone())
            .unwrap_or_else(|| OAuthErrorCode::Other(s.to_owned()))
    }
}

impl fmt::Display for OAuthErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl From<&str> for OAuthErrorCode {
    fn from(s: &str) -> Self {
        Self::parse(s)
    }
}

impl Serialize for OAuthErrorCode {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for OAuthErrorCode {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(Self::parse(&String::deserialize(d)?))
    }
}

/// An OAuth 2.0 error response (`{"error": ..., "error_description": ...}`), kept as data.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OAuthError {
    /// HTTP status.
    pub status: u16,
    /// The `error` code (`invalid_grant`, `invalid_client`, ...).
    pub error: OAuthErrorCode,
    /// `error_description`, when the server gave one.
    pub description: Option<String>,
    /// The `WWW-Authenticate` header, when present.
    pub www_authenticate: Option<String>,
}

impl std::fmt::Display for OAuthError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} (HTTP {})", self.error, self.status)?;
        if let Some(d) = &self.description {
            write!(f, ": {d}")?;
        }
        Ok(())
    }
}

impl OAuthError {
    /// A short explanation of what the error code usually means with NetSuite.
    pub fn meaning(&self) -> &'static str {
        match self.error {
            OAuthErrorCode::InvalidRequest => "the request was malformed or missed a parameter",
            OAuthErrorCode::InvalidClient => {
                "client authentication failed (client id, secret or assertion)"
            }
            OAuthErrorCode::InvalidGrant => {
                "the grant was refused (assertion signature, kid, iss, aud, exp or iat; or a code or refresh token that is invalid, expired or revoked)"
            }
            OAuthErrorCode::InvalidScope => {
                "a requested scope is not enabled on the integration record"
            }
            OAuthErrorCode::UnauthorizedClient => {
                "the integration record does not allow this grant"
            }
            OAuthErrorCode::UnsupportedGrantType => "the grant type is not supported",
            OAuthErrorCode::AccessDenied => "the user or the account denied the request",
            OAuthErrorCode::ServerError => "NetSuite failed to process the request",
            OAuthErrorCode::TemporarilyUnavailable => "NetSuite is temporarily unavailable",
            _ => "see the Login Audit Trail in NetSuite for the reason",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_known_code_round_trips_and_others_are_kept() {
        for (code, name) in &KNOWN {
            assert_eq!(OAuthErrorCode::parse(name), *code);
            assert_eq!(code.as_str(), *name);
            assert_eq!(code.to_string(), *name);
        }
        let other = OAuthErrorCode::parse("slow_down");
        assert_eq!(other, OAuthErrorCode::Other("slow_down".into()));
        assert_eq!(other.as_str(), "slow_down");
        // Codes are case-sensitive on the wire: an odd spelling is not a known code.
        assert_eq!(
            OAuthErrorCode::parse("Invalid_Grant"),
            OAuthErrorCode::Other("Invalid_Grant".into())
        );
        let json = serde_json::to_string(&OAuthErrorCode::InvalidGrant).unwrap();
        assert_eq!(json, "\"invalid_grant\"");
        let back: OAuthErrorCode = serde_json::from_str("\"login_required\"").unwrap();
        assert_eq!(back, OAuthErrorCode::LoginRequired);
    }
}
