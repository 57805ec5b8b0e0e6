//! The client-credentials (M2M) client assertion, exactly as NetSuite documents it.
//!
//! Header: `typ` JWT, `alg` one of PS256/384/512 or ES256/384/512, `kid` the
//! certificate id of the M2M mapping. Claims: `iss` the client id, `scope`, `aud` the
//! token endpoint URL, `iat`, `exp`. NetSuite requires `exp - iat` under 60 minutes;
//! the default lifetime here is five minutes.

use serde_json::{Map, Value};

use crate::Error;
use crate::id::{CertificateId, ClientId};
use crate::jws::{self, Algorithm};
use crate::key::PrivateKey;
use crate::secret::Assertion;

/// Default assertion lifetime in seconds.
pub const DEFAULT_LIFETIME_SECS: u32 = 300;
/// Assertion lifetimes must stay under this (NetSuite: "less than 60 minutes").
pub const MAX_LIFETIME_SECS: u32 = 3600;

/// How the `scope` claim is written. NetSuite's docs say comma-separated; its samples
/// and the Postman seed use a JSON array. Both are accepted by NetSuite.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ScopeFormat {
    /// `["restlets","rest_webservices"]` (the default, as in the seed).
    #[default]
    Array,
    /// `"restlets,rest_webservices"`.
    CommaString,
}

/// The NetSuite OAuth 2.0 scopes.
pub const KNOWN_SCOPES: [&str; 4] = ["rest_webservices", "restlets", "suite_analytics", "mcp"];

/// Checks a scope list: non-empty, known names, no duplicates, `mcp` only alone.
pub fn validate_scopes(scopes: &[String]) -> Result<(), Error> {
    let bad = |reason: String| Error::InvalidScope { reason };
    if scopes.is_empty() {
        return Err(bad("no scope was given".into()));
    }
    for (i, s) in scopes.iter().enumerate() {
        if !KNOWN_SCOPES.contains(&s.as_str()) {
            return Err(bad(format!(
                "unknown scope {s:?}; NetSuite's scopes are {}",
                KNOWN_SCOPES.join(", ")
            )));
        }
        if scopes[..i].contains(s) {
            return Err(bad(format!("scope {s:?} is listed twice")));
        }
    }
    if scopes.len() > 1 && scopes.iter().any(|s| s == "mcp") {
        return Err(bad("the mcp scope must be used alone".into()));
    }
    Ok(())
}

/// Splits `"a,b"`, `"a b"` or `"a, b"` into scope names.
pub fn split_scopes(input: &str) -> Vec<String> {
    input
        .split([',', ' '])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Everything a client assertion says, apart from the time.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AssertionParams {
    /// `iss`: the integration record's client id.
    pub client_id: ClientId,
    /// `kid`: the certificate id from the M2M mapping.
    pub certificate_id: CertificateId,
    /// `scope`.
    pub scopes: Vec<String>,
    /// `aud`: the token endpoint URL.
    pub audience: String,
    /// The signing algorithm.
    pub algorithm: Algorithm,
    /// `exp - iat` in seconds.
    pub lifetime_secs: u32,
    /// Array or comma string.
    pub scope_format: ScopeFormat,
}

impl AssertionParams {
    /// The claims object for `now` (unix seconds).
    pub fn claims(&self, now: i64) -> Map<String, Value> {
        let scope = match self.scope_format {
            ScopeFormat::Array => Value::from(self.scopes.clone()),
            ScopeFormat::CommaString => Value::from(self.scopes.join(",")),
        };
        let mut m = Map::new();
        m.insert("iss".into(), self.client_id.as_str().into());
        m.insert("scope".into(), scope);
        m.insert("aud".into(), self.audience.clone().into());
        m.insert("iat".into(), now.into());
        m.insert("exp".into(), (now + i64::from(self.lifetime_secs)).into());
        m
    }

    /// Checks the parameters against NetSuite's rules.
    pub fn validate(&self) -> Result<(), Error> {
        if self.algorithm == Algorithm::RS256 {
            return Err(Error::Rs256Refused);
        }
        if self.lifetime_secs == 0 || self.lifetime_secs >= MAX_LIFETIME_SECS {
            return Err(Error::AssertionLifetime {
                secs: self.lifetime_secs,
            });
        }
        if self.client_id.is_blank() {
            return Err(Error::MissingParameter { name: "client id" });
        }
        if self.certificate_id.is_blank() {
            return Err(Error::MissingParameter {
                name: "certificate id",
            });
        }
        validate_scopes(&self.scopes)
    }

    /// Signs the assertion with `key` at `now` (unix seconds).
    pub fn sign(&self, key: &PrivateKey, now: i64) -> Result<Assertion, Error> {
        self.validate()?;
        let jwt = jws::sign(
            key,
            self.algorithm,
            Some(self.certificate_id.as_str()),
            &self.claims(now),
        )?;
        Ok(Assertion::new(jwt))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cert::{KeyType, generate};
    use crate::jws::VerifyingKey;

    fn params() -> AssertionParams {
        AssertionParams {
            client_id: "c".repeat(64).into(),
            certificate_id: "kid-1".into(),
            scopes: vec!["restlets".into(), "rest_webservices".into()],
            audience:
                "https://1234567.suitetalk.api.netsuite.com/services/rest/auth/oauth2/v1/token"
                    .into(),
            algorithm: Algorithm::ES256,
            lifetime_secs: DEFAULT_LIFETIME_SECS,
            scope_format: ScopeFormat::Array,
        }
    }

    #[test]
    fn exact_claims() {
        let c = params().claims(1_700_000_000);
        assert_eq!(
            serde_json::to_string(&c).unwrap(),
            format!(
                r#"{{"aud":"https://1234567.suitetalk.api.netsuite.com/services/rest/auth/oauth2/v1/token","exp":1700000300,"iat":1700000000,"iss":"{}","scope":["restlets","rest_webservices"]}}"#,
                "c".repeat(64)
            )
        );
        let mut p = params();
        p.scope_format = ScopeFormat::CommaString;
        assert_eq!(p.claims(0)["scope"], "restlets,rest_webservices");
    }

    #[test]
    fn signs_and_verifies() {
        let now = time::OffsetDateTime::from_unix_timestamp(1_700_000_000).unwrap();
        let g = generate(KeyType::EcP256, 10, "t", now).unwrap();
        let key = PrivateKey::from_pem(g.private_key_pem.expose_secret()).unwrap();
        let a = params().sign(&key, 1_700_000_000).unwrap();
        let v = jws::verify(
            a.expose_secret(),
            &VerifyingKey::from_private_key(&key),
            &Algorithm::NETSUITE,
        )
        .unwrap();
        assert_eq!(v.header.typ.as_deref(), Some("JWT"));
        assert_eq!(v.header.kid.as_deref(), Some("kid-1"));
        assert_eq!(v.claims["exp"], 1_700_000_300);
    }

    #[test]
    fn refuses_what_netsuite_refuses() {
        let mut p = params();
        p.algorithm = Algorithm::RS256;
        assert!(matches!(p.validate(), Err(Error::Rs256Refused)));
        let mut p = params();
        p.lifetime_secs = 3600;
        assert!(matches!(p.validate(), Err(Error::AssertionLifetime { .. })));
        let mut p = params();
        p.scopes = vec!["mcp".into(), "restlets".into()];
        assert!(matches!(p.validate(), Err(Error::InvalidScope { .. })));
        let mut p = params();
        p.scopes = vec![];
        assert!(p.validate().is_err());
        let mut p = params();
        p.scopes = vec!["restlet".into()];
        assert!(p.validate().is_err());
        assert_eq!(
            split_scopes("rest_webservices, restlets"),
            vec!["rest_webservices", "restlets"]
        );
    }
}
