//! Identifier newtypes: an integration's client id, the certificate id of an M2M
//! mapping, and a redirect URI. None of them is secret, so they print as they are;
//! the types keep one from being passed where another is expected.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::Error;

macro_rules! string_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// The id as given.
            pub fn new(id: impl Into<String>) -> Self {
                Self(id.into())
            }

            /// The id as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }

            /// Whether the id is empty or only whitespace.
            pub fn is_blank(&self) -> bool {
                self.0.trim().is_empty()
            }

            /// The id as a `String`.
            pub fn into_string(self) -> String {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl From<String> for $name {
            fn from(id: String) -> Self {
                Self(id)
            }
        }

        impl From<&str> for $name {
            fn from(id: &str) -> Self {
                Self(id.to_owned())
            }
        }

        impl From<&String> for $name {
            fn from(id: &String) -> Self {
                Self(id.clone())
            }
        }
    };
}

string_id! {
    /// An integration record's client id: the assertion's `iss`, the `client_id` of
    /// the authorize and token requests (64 hex digits on NetSuite).
    ClientId
}

string_id! {
    /// The certificate id NetSuite gives an M2M mapping: the assertion's `kid`.
    CertificateId
}

/// A redirect URI, kept exactly as written: the authorize request and the code
/// exchange must send the same bytes as the integration record holds, so it is
/// checked to be an absolute URI without a fragment but never normalised.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct RedirectUri(String);

impl RedirectUri {
    /// Checks `uri`: an absolute URI (a scheme and a rest), no fragment.
    pub fn parse(uri: &str) -> Result<Self, Error> {
        let bad = |reason: &str| Error::InvalidRedirectUri {
            uri: uri.to_owned(),
            reason: reason.to_owned(),
        };
        let parsed = url::Url::parse(uri).map_err(|e| bad(&e.to_string()))?;
        if parsed.fragment().is_some() {
            return Err(bad("a redirect URI must not have a fragment"));
        }
        if uri.trim() != uri {
            return Err(bad("it starts or ends with whitespace"));
        }
        Ok(Self(uri.to_owned()))
    }

    /// The URI as written.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for RedirectUri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for RedirectUri {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl std::str::FromStr for RedirectUri {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        Self::parse(s)
    }
}

impl<'de> Deserialize<'de> for RedirectUri {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Self::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_print_and_serialise_as_the_bare_string() {
        let id = ClientId::new("0123abcd".repeat(8));
        assert_eq!(id.to_string(), "0123abcd".repeat(8));
        assert_eq!(
            serde_json::to_string(&CertificateId::from("kid-1")).unwrap(),
            "\"kid-1\""
        );
        let back: ClientId = serde_json::from_str("\"abc\"").unwrap();
        assert_eq!(back.as_str(), "abc");
        assert!(ClientId::from(" ").is_blank());
        assert!(!CertificateId::from("k").is_blank());
    }

    #[test]
    fn redirect_uris_are_kept_exactly_and_checked() {
        // No trailing slash is added: the bytes must match the integration record.
        let r = RedirectUri::parse("http://127.0.0.1:53682").unwrap();
        assert_eq!(r.as_str(), "http://127.0.0.1:53682");
        assert_eq!(
            RedirectUri::parse("myapp:/callback").unwrap().as_str(),
            "myapp:/callback"
        );
        for bad in [
            "",
            "/callback",
            "https://x/cb#frag",
            " https://x/cb",
            "not a uri",
        ] {
            let err = RedirectUri::parse(bad).unwrap_err();
            assert!(
                matches!(err, Error::InvalidRedirectUri { .. }),
                "{bad:?}: {err}"
            );
            assert!(err.to_string().starts_with("invalid redirect URI"), "{err}");
        }
        assert!(serde_json::from_str::<RedirectUri>("\"https://x/cb#f\"").is_err());
        let ok: RedirectUri = serde_json::from_str("\"https://x/cb\"").unwrap();
        assert_eq!(ok.to_string(), "https://x/cb");
    }
}
