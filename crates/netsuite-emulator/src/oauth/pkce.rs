//! PKCE (RFC 7636), S256 only: NetSuite dropped `plain` in 2020.2.

use aws_lc_rs::{constant_time, digest};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use super::audit::AuditCode;
use super::refusal::Rejection;
use netsuite_auth::OAuthErrorCode;

/// The length of an S256 challenge: base64url of 32 bytes, no padding.
pub const CHALLENGE_LEN: usize = 43;

fn unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~')
}

/// A `code_verifier` must be 43 to 128 unreserved characters (RFC 7636 §4.1).
pub(crate) fn check_verifier(verifier: &str) -> Result<(), Rejection> {
    if !(43..=128).contains(&verifier.len()) || !verifier.bytes().all(unreserved) {
        return Err(Rejection::new(
            OAuthErrorCode::InvalidRequest,
            AuditCode::InvalidCodeVerifier,
            format!(
                "the code_verifier has {} characters; RFC 7636 needs 43 to 128 of A-Z a-z 0-9 - . _ ~",
                verifier.len()
            ),
        ));
    }
    Ok(())
}

/// A `code_challenge` for S256: 43 base64url characters.
pub(crate) fn valid_challenge(challenge: &str) -> bool {
    challenge.len() == CHALLENGE_LEN
        && challenge
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// `BASE64URL(SHA256(verifier))`.
pub fn s256(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(digest::digest(&digest::SHA256, verifier.as_bytes()))
}

/// Whether `verifier` hashes to `challenge`, compared in constant time.
pub(crate) fn matches(verifier: &str, challenge: &str) -> bool {
    constant_time::verify_slices_are_equal(s256(verifier).as_bytes(), challenge.as_bytes()).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc7636_appendix_b() {
        let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        assert_eq!(
            s256(verifier),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
        assert!(matches(
            verifier,
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        ));
        assert!(!matches(
            verifier,
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cN"
        ));
        assert!(check_verifier(verifier).is_ok());
        assert!(check_verifier("short").is_err());
        assert!(check_verifier(&"a".repeat(129)).is_err());
        assert!(check_verifier(&format!("{}+", "a".repeat(50))).is_err());
        assert!(valid_challenge(
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        ));
        assert!(!valid_challenge(
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw+cM"
        ));
        assert!(!valid_challenge(verifier.get(..40).unwrap()));
    }
}
