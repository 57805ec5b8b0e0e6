//! Secret newtypes: tokens, client secrets and private key material.
//!
//! Every type here prints `[redacted]` in `Debug` and `Display`, and zeroes its memory
//! on drop. The value is reachable only through an explicit `expose_secret()`.

use std::fmt;
use zeroize::Zeroizing;

macro_rules! secret_string {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Clone, PartialEq, Eq)]
        pub struct $name(Zeroizing<String>);

        impl $name {
            /// Wraps a secret value.
            pub fn new(value: impl Into<String>) -> Self {
                Self(Zeroizing::new(value.into()))
            }

            /// The secret value itself; the name makes every use easy to find.
            pub fn expose_secret(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!(stringify!($name), "([redacted])"))
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("[redacted]")
            }
        }

        impl From<String> for $name {
            fn from(value: String) -> Self {
                Self::new(value)
            }
        }
    };
}

secret_string!(
    /// An OAuth 2.0 access token (a JWT issued by NetSuite).
    AccessToken
);
secret_string!(
    /// An OAuth 2.0 refresh token (authorization code grant only).
    RefreshToken
);
secret_string!(
    /// The client secret of an integration record (confidential clients).
    ClientSecret
);
secret_string!(
    /// PEM text of a private key.
    PrivateKeyPem
);
secret_string!(
    /// A signed client assertion JWT; it is a bearer credential for its short lifetime.
    Assertion
);

/// Masks a secret for display: the first and last four characters and the length.
///
/// Short values are masked completely.
pub fn mask(secret: &str) -> String {
    let n = secret.chars().count();
    if n < 24 {
        return format!("[{n} chars]");
    }
    let head: String = secret.chars().take(4).collect();
    let tail: String = secret.chars().skip(n - 4).collect();
    format!("{head}…{tail} ({n} chars)")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_display_redact() {
        let t = AccessToken::new("eyJhbGciOiJQUzI1NiJ9.secret.sig");
        assert_eq!(format!("{t:?}"), "AccessToken([redacted])");
        assert_eq!(format!("{t}"), "[redacted]");
        assert_eq!(t.expose_secret(), "eyJhbGciOiJQUzI1NiJ9.secret.sig");
        let s = ClientSecret::new("abc");
        assert!(!format!("{s:?}").contains("abc"));
    }

    #[test]
    fn mask_keeps_ends_only() {
        assert_eq!(mask("short"), "[5 chars]");
        let m = mask("abcdefghijklmnopqrstuvwxyz0123");
        assert_eq!(m, "abcd…0123 (30 chars)");
    }
}
