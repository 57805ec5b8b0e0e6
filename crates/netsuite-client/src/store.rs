//! The token store: one file per profile, 0600 in a 0700 directory, written
//! atomically (temporary file, fsync, rename).

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use netsuite_auth::secret::AccessToken;
use serde::{Deserialize, Serialize};

use crate::Error;

/// A token as stored: the access token, when it expires, its scopes, and a
/// fingerprint of the credentials that obtained it (so that a changed profile never
/// reuses a token minted for the old one).
#[derive(Clone, Debug)]
pub struct StoredToken {
    /// The access token.
    pub access_token: AccessToken,
    /// Expiry, unix seconds.
    pub expires_at: i64,
    /// When it was obtained, unix seconds.
    pub obtained_at: i64,
    /// Scopes.
    pub scope: Vec<String>,
    /// Identity of the credentials (account, client id, certificate id, URL, scopes).
    pub credentials_id: String,
}

impl StoredToken {
    /// Seconds left at `now`.
    pub fn remaining(&self, now: i64) -> i64 {
        self.expires_at - now
    }
}

#[derive(Serialize, Deserialize)]
struct OnDisk {
    access_token: String,
    expires_at: i64,
    obtained_at: i64,
    scope: Vec<String>,
    credentials_id: String,
}

/// A directory of per-profile token files.
#[derive(Clone, Debug)]
pub struct TokenStore {
    dir: PathBuf,
}

fn store_err(path: &Path, reason: impl std::fmt::Display) -> Error {
    Error::TokenStore {
        path: path.to_owned(),
        reason: reason.to_string(),
    }
}

impl TokenStore {
    /// A store in `dir` (created 0700 on first write).
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }

    /// The directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The file that holds `profile`'s token.
    pub fn path(&self, profile: &str) -> PathBuf {
        let safe: String = profile
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        self.dir.join(format!("{safe}.json"))
    }

    /// Reads `profile`'s token; `Ok(None)` when there is none.
    ///
    /// A file readable by group or others is refused: a token that may have leaked
    /// must not be used silently.
    pub fn load(&self, profile: &str) -> Result<Option<StoredToken>, Error> {
        let path = self.path(profile);
        let bytes = match fs::read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(store_err(&path, e)),
        };
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(&path)
                .map_err(|e| store_err(&path, e))?
                .permissions()
                .mode();
            if mode & 0o077 != 0 {
                return Err(store_err(
                    &path,
                    format!(
                        "the file is readable by others (mode {:o}); it must be 0600",
                        mode & 0o777
                    ),
                ));
            }
        }
        let d: OnDisk = serde_json::from_slice(&bytes)
            .map_err(|e| store_err(&path, format!("the file is damaged ({e})")))?;
        Ok(Some(StoredToken {
            access_token: AccessToken::new(d.access_token),
            expires_at: d.expires_at,
            obtained_at: d.obtained_at,
            scope: d.scope,
            credentials_id: d.credentials_id,
        }))
    }

    /// Writes `profile`'s token atomically with mode 0600.
    pub fn save(&self, profile: &str, token: &StoredToken) -> Result<(), Error> {
        let path = self.path(profile);
        let body = serde_json::to_vec(&OnDisk {
            access_token: token.access_token.expose_secret().to_owned(),
            expires_at: token.expires_at,
            obtained_at: token.obtained_at,
            scope: token.scope.clone(),
            credentials_id: token.credentials_id.clone(),
        })
        .map_err(|e| store_err(&path, e))?;
        write_private(&path, &body)
    }

    /// Deletes `profile`'s token; `Ok(false)` when there was none.
    pub fn remove(&self, profile: &str) -> Result<bool, Error> {
        let path = self.path(profile);
        match fs::remove_file(&path) {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(store_err(&path, e)),
        }
    }
}

/// Creates `dir` (and parents) with mode 0700 where this creates it.
pub fn create_private_dir(dir: &Path) -> Result<(), Error> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .map_err(|e| store_err(dir, e))
    }
    #[cfg(not(unix))]
    {
        fs::create_dir_all(dir).map_err(|e| store_err(dir, e))
    }
}

/// Writes `bytes` to `path` atomically: a 0600 temporary file in the same 0700
/// directory, fsync, rename, fsync of the directory.
pub fn write_private(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    let dir = path
        .parent()
        .ok_or_else(|| store_err(path, "no parent directory"))?;
    create_private_dir(dir)?;
    let mut tmp = tempfile::Builder::new()
        .prefix(".tmp-")
        .tempfile_in(dir)
        .map_err(|e| store_err(dir, e))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(tmp.path(), fs::Permissions::from_mode(0o600))
            .map_err(|e| store_err(tmp.path(), e))?;
    }
    tmp.write_all(bytes).map_err(|e| store_err(path, e))?;
    tmp.as_file().sync_all().map_err(|e| store_err(path, e))?;
    tmp.persist(path).map_err(|e| store_err(path, e.error))?;
    if let Ok(d) = fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token() -> StoredToken {
        StoredToken {
            access_token: AccessToken::new("tok"),
            expires_at: 100,
            obtained_at: 50,
            scope: vec!["rest_webservices".into()],
            credentials_id: "id".into(),
        }
    }

    #[test]
    fn round_trip_with_private_modes() {
        let dir = tempfile::tempdir().unwrap();
        let store = TokenStore::new(dir.path().join("tokens"));
        assert!(store.load("p").unwrap().is_none());
        store.save("p", &token()).unwrap();
        let t = store.load("p").unwrap().unwrap();
        assert_eq!(t.access_token.expose_secret(), "tok");
        assert_eq!(t.expires_at, 100);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let m = fs::metadata(store.path("p")).unwrap().permissions().mode();
            assert_eq!(m & 0o777, 0o600);
            let m = fs::metadata(store.dir()).unwrap().permissions().mode();
            assert_eq!(m & 0o777, 0o700);
            fs::set_permissions(store.path("p"), fs::Permissions::from_mode(0o644)).unwrap();
            let e = store.load("p").unwrap_err().to_string();
            assert!(e.contains("0600"), "{e}");
        }
        assert!(store.remove("p").unwrap());
        assert!(!store.remove("p").unwrap());
    }

    #[test]
    fn damaged_file_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let store = TokenStore::new(dir.path());
        write_private(&store.path("x"), b"{not json").unwrap();
        assert!(store.load("x").unwrap_err().to_string().contains("damaged"));
        assert_eq!(store.path("a/b"), dir.path().join("a_b.json"));
    }
}
