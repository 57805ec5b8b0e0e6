//! Where the token store's encryption key lives: the OS keyring when one answers
//! within a few seconds, otherwise a 0600 key file (and the user is told, once).

use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

use aws_lc_rs::rand::{SecureRandom, SystemRandom};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use crate::Error;
use crate::private_file::{check_private_mode, create_private_dir, store_err, write_private};

/// How long a keyring operation may take before the file fallback is used.
pub const KEYRING_TIMEOUT: Duration = Duration::from_secs(3);

const SERVICE: &str = "netsuite-rs";

/// Where the key came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeySource {
    /// The OS keyring (Secret Service, Keychain, Credential Manager).
    Keyring,
    /// A 0600 key file.
    File(PathBuf),
}

impl std::fmt::Display for KeySource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            KeySource::Keyring => f.write_str("the OS keyring"),
            KeySource::File(p) => {
                write!(f, "the key file {} (no OS keyring answered)", p.display())
            }
        }
    }
}

/// Whether to try the OS keyring (`NETSUITE_KEYRING=off` skips it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyringMode {
    /// Try the keyring, fall back to a key file.
    Auto,
    /// Key file only.
    Off,
}

impl KeyringMode {
    /// From `NETSUITE_KEYRING` (`off`, `0`, `false`, `no` disable it).
    pub fn from_env() -> Self {
        match std::env::var("NETSUITE_KEYRING")
            .unwrap_or_default()
            .to_ascii_lowercase()
            .as_str()
        {
            "off" | "0" | "false" | "no" | "file" => KeyringMode::Off,
            _ => KeyringMode::Auto,
        }
    }
}

/// Runs `f` on a helper thread and gives up after `timeout` (the thread is left to
/// finish on its own: a hung keyring daemon must not hang the command).
pub fn with_timeout<T: Send + 'static>(
    timeout: Duration,
    f: impl FnOnce() -> T + Send + 'static,
) -> Option<T> {
    let (tx, rx) = mpsc::channel();
    std::thread::Builder::new()
        .name("keyring".into())
        .spawn(move || {
            let _ = tx.send(f());
        })
        .ok()?;
    rx.recv_timeout(timeout).ok()
}

enum KeyringAnswer {
    Found(String),
    Missing,
    Unavailable,
}

fn keyring_get(user: String) -> KeyringAnswer {
    let answer = with_timeout(KEYRING_TIMEOUT, move || {
        let entry = keyring::Entry::new(SERVICE, &user)?;
        entry.get_password()
    });
    match answer {
        Some(Ok(v)) => KeyringAnswer::Found(v),
        Some(Err(keyring::Error::NoEntry)) => KeyringAnswer::Missing,
        _ => KeyringAnswer::Unavailable,
    }
}

fn keyring_set(user: String, value: String) -> bool {
    matches!(
        with_timeout(KEYRING_TIMEOUT, move || {
            keyring::Entry::new(SERVICE, &user)?.set_password(&value)
        }),
        Some(Ok(()))
    )
}

fn decode_key(text: &str, what: &Path) -> Result<[u8; 32], Error> {
    let bytes = STANDARD
        .decode(text.trim())
        .map_err(|_| store_err(what, "the store key is not valid base64"))?;
    bytes
        .try_into()
        .map_err(|_| store_err(what, "the store key is not 32 bytes"))
}

fn new_key() -> Result<[u8; 32], Error> {
    let mut k = [0u8; 32];
    SystemRandom::new()
        .fill(&mut k)
        .map_err(|_| store_err(Path::new("."), "no randomness for a new key"))?;
    Ok(k)
}

/// Reads a 0600 key file, refusing one that others can read.
fn read_key_file(path: &Path) -> Result<Option<[u8; 32]>, Error> {
    match std::fs::read_to_string(path) {
        Ok(text) => {
            check_private_mode(path)?;
            decode_key(&text, path).map(Some)
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(store_err(path, e)),
    }
}

/// Creates the key file without ever exposing a partial one: written to a temporary
/// file, then hard-linked into place (fails if another process won the race, in
/// which case its key is used).
fn create_key_file(path: &Path, key: &[u8; 32]) -> Result<[u8; 32], Error> {
    let dir = path.parent().unwrap_or(Path::new("."));
    create_private_dir(dir)?;
    let tmp = dir.join(format!(".key-{}.tmp", std::process::id()));
    write_private(&tmp, STANDARD.encode(key).as_bytes())?;
    let linked = std::fs::hard_link(&tmp, path);
    let _ = std::fs::remove_file(&tmp);
    match linked {
        Ok(()) => Ok(*key),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => read_key_file(path)?
            .ok_or_else(|| store_err(path, "the key file vanished while it was created")),
        Err(e) => Err(store_err(path, e)),
    }
}

/// Why a store whose key is in the keyring cannot be opened while it is away.
pub const KEYRING_AWAY: &str = "the OS keyring, which holds the key of the tokens stored here, did not answer (locked, stopped or not running); nothing was changed";

/// Whether `dir` holds sealed tokens (`*.enc`).
fn holds_tokens(dir: &Path) -> bool {
    std::fs::read_dir(dir).is_ok_and(|entries| {
        entries
            .flatten()
            .any(|e| e.path().extension().is_some_and(|x| x == "enc"))
    })
}

/// Finds or creates the store key. Returns the key, where it lives, and whether a
/// key file was just created (so the caller can say so, loudly, once).
pub fn load_or_create(dir: &Path, mode: KeyringMode) -> Result<([u8; 32], KeySource, bool), Error> {
    let file = dir.join("store.key");
    // A key file, once there, stays the key: switching would lose the tokens.
    if let Some(k) = read_key_file(&file)? {
        return Ok((k, KeySource::File(file), false));
    }
    let user = format!("token-store-key:{}", dir.display());
    if mode == KeyringMode::Auto {
        match keyring_get(user.clone()) {
            KeyringAnswer::Found(v) => {
                return Ok((decode_key(&v, dir)?, KeySource::Keyring, false));
            }
            KeyringAnswer::Missing => {
                let k = new_key()?;
                if keyring_set(user.clone(), STANDARD.encode(k)) {
                    // Read back: another process may have set its key first.
                    if let KeyringAnswer::Found(v) = keyring_get(user) {
                        return Ok((decode_key(&v, dir)?, KeySource::Keyring, false));
                    }
                }
            }
            KeyringAnswer::Unavailable => {
                // Tokens already here were sealed with the keyring's key: a new key
                // file would make them unreadable for good. Wait for the keyring.
                if holds_tokens(dir) {
                    return Err(store_err(dir, KEYRING_AWAY));
                }
            }
        }
    }
    let k = create_key_file(&file, &new_key()?)?;
    Ok((k, KeySource::File(file), true))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hanging_call_times_out() {
        let start = std::time::Instant::now();
        let r = with_timeout(Duration::from_millis(100), || {
            std::thread::sleep(Duration::from_secs(5));
            1
        });
        assert!(r.is_none());
        assert!(start.elapsed() < Duration::from_secs(2));
        assert_eq!(with_timeout(Duration::from_secs(1), || 7), Some(7));
    }

    #[test]
    fn key_file_fallback_is_stable_and_private() {
        let dir = tempfile::tempdir().unwrap();
        let (k1, src, created) = load_or_create(dir.path(), KeyringMode::Off).unwrap();
        assert!(created);
        assert_eq!(src, KeySource::File(dir.path().join("store.key")));
        let (k2, _, created) = load_or_create(dir.path(), KeyringMode::Off).unwrap();
        assert!(!created);
        assert_eq!(k1, k2);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let m = std::fs::metadata(dir.path().join("store.key"))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(m & 0o777, 0o600);
        }
    }
}
