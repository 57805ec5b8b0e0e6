//! The error type of `netsuite-auth`.

use crate::algorithm::{Algorithm, KeyKind, UnknownAlgorithm};
use crate::error_code::OAuthError;
use crate::error_code::OAuthErrorCode;

/// Everything that can go wrong in the sans-IO core.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The account id is not of a form NetSuite uses.
    #[error(
        "invalid account id {input:?}: expected digits with an optional _SB1/_RP suffix, or TSTDRV digits"
    )]
    InvalidAccountId {
        /// What was given.
        input: String,
    },
    /// The base URL cannot be used.
    #[error("invalid base URL {input:?}: {reason}")]
    InvalidBaseUrl {
        /// What was given.
        input: String,
        /// Why it was refused.
        reason: String,
    },
    /// The key is encrypted; keys must be unencrypted PEM.
    #[error("the private key is encrypted (a passphrase-protected PEM)")]
    EncryptedKey,
    /// A certificate, public key or CSR was given where a private key was expected.
    #[error("expected a private key but found {found}")]
    NotAPrivateKey {
        /// What was found instead.
        found: String,
    },
    /// The key could not be parsed or is unsuitable.
    #[error("invalid private key: {reason}")]
    InvalidKey {
        /// Why.
        reason: String,
    },
    /// The certificate could not be parsed or is unsuitable.
    #[error("invalid certificate: {reason}")]
    InvalidCertificate {
        /// Why.
        reason: String,
    },
    /// Key generation or certificate signing failed.
    #[error("certificate generation failed: {reason}")]
    CertificateGeneration {
        /// Why.
        reason: String,
    },
    /// A certificate validity over NetSuite's two-year maximum (or zero) was asked for.
    #[error("a validity of {days} days is not allowed: NetSuite accepts 1 to 730 days (two years)")]
    ValidityTooLong {
        /// The requested validity.
        days: u32,
    },
    /// The algorithm name is unknown or not accepted here.
    #[error("unsupported algorithm {alg:?}: use PS256, PS384, PS512, ES256, ES384 or ES512")]
    UnsupportedAlgorithm {
        /// The algorithm as written.
        alg: String,
    },
    /// RS256 asked for a client assertion.
    #[error(
        "RS256 is refused: NetSuite stopped accepting RSA PKCS#1 v1.5 client assertions on 1 March 2025"
    )]
    Rs256Refused,
    /// The key does not fit the algorithm.
    #[error("{alg} cannot be used with an {key} key")]
    KeyAlgorithmMismatch {
        /// The algorithm.
        alg: Algorithm,
        /// The key's kind.
        key: KeyKind,
    },
    /// The signature could not be made.
    #[error("signing with {alg} failed")]
    SigningFailed {
        /// The algorithm.
        alg: Algorithm,
    },
    /// The JWS signature does not verify.
    #[error("the JWS signature does not verify")]
    BadSignature,
    /// The JWS is not well formed.
    #[error("malformed JWS: {reason}")]
    MalformedJws {
        /// Why.
        reason: String,
    },
    /// The assertion lifetime is outside NetSuite's rule.
    #[error(
        "an assertion lifetime of {secs} s is not allowed: it must be between 1 s and 3599 s (NetSuite requires exp - iat under 60 minutes)"
    )]
    AssertionLifetime {
        /// The lifetime asked for.
        secs: u32,
    },
    /// A scope list NetSuite would refuse.
    #[error("invalid scope: {reason}")]
    InvalidScope {
        /// Why.
        reason: String,
    },
    /// A required parameter is empty.
    #[error("the {name} is missing")]
    MissingParameter {
        /// Which parameter.
        name: &'static str,
    },
    /// JSON serialisation failed.
    #[error("could not serialise the {what}")]
    Json {
        /// What was being serialised.
        what: &'static str,
        /// The cause.
        #[source]
        source: serde_json::Error,
    },
    /// A redirect (or what was pasted for one) could not be used.
    #[error("the redirect could not be used: {reason}")]
    InvalidRedirect {
        /// Why.
        reason: String,
    },
    /// A redirect URI that is not an absolute URI without a fragment.
    #[error("invalid redirect URI {uri:?}: {reason}")]
    InvalidRedirectUri {
        /// What was given.
        uri: String,
        /// Why it was refused.
        reason: String,
    },
    /// The redirect's `state` is not the one this login sent.
    #[error(
        "the redirect's state does not match the one this login sent (a stale or forged redirect)"
    )]
    StateMismatch,
    /// The redirect carried `error=`.
    #[error("the authorization was refused: {error}{}", description.as_deref().map(|d| format!(" ({d})")).unwrap_or_default())]
    AuthorizationDenied {
        /// The `error` code.
        error: OAuthErrorCode,
        /// `error_description`, if any.
        description: Option<String>,
        /// Whether the redirect's state matched (an unmatched one may be forged).
        state_matched: bool,
    },
    /// The server answered with an OAuth 2.0 error.
    #[error("the token endpoint refused the request: {0}")]
    OAuth(OAuthError),
    /// The server answered with something that is neither a token nor an OAuth error.
    #[error("unexpected response from the token endpoint (HTTP {status}): {reason}: {snippet:?}")]
    UnexpectedResponse {
        /// HTTP status.
        status: u16,
        /// What was wrong.
        reason: String,
        /// The start of the body.
        snippet: String,
    },
}

impl From<UnknownAlgorithm> for Error {
    fn from(e: UnknownAlgorithm) -> Self {
        Error::UnsupportedAlgorithm { alg: e.0 }
    }
}
