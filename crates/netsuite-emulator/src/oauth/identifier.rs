//! Random identifiers: client ids and secrets, application ids, token ids.

use aws_lc_rs::{digest, rand};

/// `n` random bytes from the system's secure generator.
fn random_bytes<const N: usize>() -> [u8; N] {
    let mut b = [0u8; N];
    // The system generator fails only when the OS has no entropy source at all.
    rand::fill(&mut b).expect("the operating system's random generator failed");
    b
}

/// Lowercase hex of `bytes`.
pub(crate) fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[usize::from(b >> 4)] as char);
        s.push(DIGITS[usize::from(b & 0xf)] as char);
    }
    s
}

/// 64 lowercase hex characters, like NetSuite's client ids and secrets.
pub(crate) fn client_credential() -> String {
    hex(&random_bytes::<32>())
}

/// Lowercase hex SHA-256, for storing client secrets.
pub(crate) fn sha256_hex(value: &str) -> String {
    hex(digest::digest(&digest::SHA256, value.as_bytes()).as_ref())
}

/// A random (version 4) UUID in lowercase: `1a5ac9ee-d8c7-4ee1-831d-928cb543d085`.
pub(crate) fn uuid() -> String {
    let mut b = random_bytes::<16>();
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h = hex(&b);
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes() {
        let c = client_credential();
        assert_eq!(c.len(), 64);
        assert!(
            c.bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        );
        assert_ne!(c, client_credential());
        let u = uuid();
        assert_eq!(u.len(), 36);
        assert_eq!(&u[14..15], "4");
        assert_eq!(hex(&[0x00, 0xff, 0x1a]), "00ff1a");
    }
}
