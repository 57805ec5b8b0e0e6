//! PKCE (RFC 7636) with S256, the only method NetSuite accepts, and the `state`
//! parameter. Randomness comes in as bytes.

use aws_lc_rs::digest;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// A PKCE verifier and its S256 challenge.
#[derive(Clone, PartialEq, Eq)]
pub struct Pkce {
    verifier: String,
    challenge: String,
}

impl std::fmt::Debug for Pkce {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pkce")
            .field("verifier", &"[redacted]")
            .field("challenge", &self.challenge)
            .finish()
    }
}

impl Pkce {
    /// From 32 random bytes: a 43-character base64url verifier and
    /// `BASE64URL(SHA256(verifier))` as the challenge.
    pub fn from_random(bytes: &[u8; 32]) -> Self {
        Self::from_verifier(URL_SAFE_NO_PAD.encode(bytes))
    }

    /// From an existing verifier (43 to 128 unreserved characters).
    pub fn from_verifier(verifier: String) -> Self {
        let challenge = challenge_s256(&verifier);
        Self {
            verifier,
            challenge,
        }
    }

    /// The verifier, sent with the code exchange.
    pub fn verifier(&self) -> &str {
        &self.verifier
    }

    /// The challenge, sent in the authorize URL.
    pub fn challenge(&self) -> &str {
        &self.challenge
    }
}

/// `BASE64URL(SHA256(verifier))`.
pub fn challenge_s256(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(digest::digest(&digest::SHA256, verifier.as_bytes()))
}

/// Whether `verifier` is a valid RFC 7636 verifier: 43-128 characters of
/// `[A-Za-z0-9-._~]`.
pub fn is_valid_verifier(verifier: &str) -> bool {
    (43..=128).contains(&verifier.len())
        && verifier
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
}

/// A `state` value: base64url of 32 random bytes (43 characters, within NetSuite's
/// 22-1024 printable ASCII).
pub fn state_from_random(bytes: &[u8; 32]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Whether `state` meets NetSuite's rule: 22 to 1024 printable ASCII characters.
pub fn is_valid_state(state: &str) -> bool {
    (22..=1024).contains(&state.len()) && state.bytes().all(|b| (0x20..0x7f).contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn s256_matches_openssl() {
        let p = Pkce::from_verifier("dBjftJeZ4CVP-mJ92K9hyb8UFcE2A4bS8a4qWqxr7p0".into());
        // echo -n VERIFIER | openssl dgst -sha256 -binary | base64 | tr "+/" "-_" | tr -d =
        assert_eq!(p.challenge(), "vnJpbPmF-jDQAM6FaPv_e4ERtIL9q8dao2Cl1wItTYw");
        assert!(is_valid_verifier(p.verifier()));
        assert!(!format!("{p:?}").contains("dBjft"));
    }

    #[test]
    fn random_forms() {
        let p = Pkce::from_random(&[7u8; 32]);
        assert_eq!(p.verifier().len(), 43);
        assert!(is_valid_verifier(p.verifier()));
        let s = state_from_random(&[9u8; 32]);
        assert_eq!(s.len(), 43);
        assert!(is_valid_state(&s));
        assert!(!is_valid_state("short"));
        assert!(!is_valid_state(&"a".repeat(1025)));
        assert!(!is_valid_state(&format!("{}\u{7f}", "a".repeat(30))));
        assert!(!is_valid_verifier("abc"));
        assert!(!is_valid_verifier(&format!("{}!", "a".repeat(50))));
    }
}
