//! The client key of `--allow-remote`: every request must carry it in
//! `X-NetSuite-Proxy-Key`, compared in constant time.

use std::path::Path;

use aws_lc_rs::digest::{SHA256, digest};

use crate::error::Error;

/// The header that carries the client key.
pub const KEY_HEADER: &str = "x-netsuite-proxy-key";

/// Shortest key accepted, in bytes.
pub const MIN_KEY_LEN: usize = 16;

/// A client key. Its `Debug` never shows it.
#[derive(Clone)]
pub struct ClientKey {
    digest: [u8; 32],
}

impl std::fmt::Debug for ClientKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ClientKey([redacted])")
    }
}

fn sha256(bytes: &[u8]) -> [u8; 32] {
    let mut out = [0u8; 32];
    out.copy_from_slice(digest(&SHA256, bytes).as_ref());
    out
}

impl ClientKey {
    /// A key from its text (surrounding whitespace ignored); at least 16 bytes.
    pub fn new(key: &str) -> Result<Self, Error> {
        let key = key.trim();
        if key.len() < MIN_KEY_LEN {
            return Err(Error::ClientKey {
                reason: format!("the key is shorter than {MIN_KEY_LEN} characters"),
            });
        }
        if !key.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(Error::ClientKey {
                reason: "the key must be visible ASCII (it travels in a header)".into(),
            });
        }
        Ok(Self {
            digest: sha256(key.as_bytes()),
        })
    }

    /// Reads a key file; refused when group or others may read it.
    pub fn from_file(path: &Path) -> Result<Self, Error> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::ClientKey {
            reason: format!("cannot read {}: {e}", path.display()),
        })?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(path)
                .map_err(|e| Error::ClientKey {
                    reason: format!("cannot read {}: {e}", path.display()),
                })?
                .permissions()
                .mode();
            if mode & 0o077 != 0 {
                return Err(Error::ClientKey {
                    reason: format!(
                        "{} is open to other users (mode {:o}); it must be 0600",
                        path.display(),
                        mode & 0o777
                    ),
                });
            }
        }
        Self::new(&text).map_err(|e| match e {
            Error::ClientKey { reason } => Error::ClientKey {
                reason: format!("{}: {reason}", path.display()),
            },
            other => other,
        })
    }

    /// Whether `presented` is the key. The comparison takes the same time whatever
    /// the input: both sides are hashed, and the digests compared in constant time.
    pub fn matches(&self, presented: &[u8]) -> bool {
        let theirs = sha256(presented);
        aws_lc_rs::constant_time::verify_slices_are_equal(&self.digest, &theirs).is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys() {
        let k = ClientKey::new(" 0123456789abcdef-key\n").unwrap();
        assert!(k.matches(b"0123456789abcdef-key"));
        assert!(!k.matches(b"0123456789abcdef-kez"));
        assert!(!k.matches(b""));
        assert!(!k.matches(b"0123456789abcdef-key "));
        assert_eq!(format!("{k:?}"), "ClientKey([redacted])");
        assert!(ClientKey::new("short").is_err());
        assert!(ClientKey::new("0123456789abcdef\u{e9}").is_err());
    }

    #[cfg(unix)]
    #[test]
    fn key_files_must_be_private() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("key");
        std::fs::write(&p, "0123456789abcdef0123\n").unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o644)).unwrap();
        let e = ClientKey::from_file(&p).unwrap_err().to_string();
        assert!(e.contains("0600"), "{e}");
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o600)).unwrap();
        assert!(
            ClientKey::from_file(&p)
                .unwrap()
                .matches(b"0123456789abcdef0123")
        );
        let e = ClientKey::from_file(&dir.path().join("none"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("cannot read"), "{e}");
    }
}
