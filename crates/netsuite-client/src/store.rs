//! The token store: tokens and client secrets, encrypted at rest with AES-256-GCM,
//! one file per profile (0600 in a 0700 directory), written atomically (temporary
//! file, fsync, rename), with a cross-process lock per profile so that exactly one
//! process renews a token while the others wait and read the result.
//!
//! The key lives in the OS keyring when one answers, otherwise in a 0600 key file
//! (see [`crate::keyring_key`]). Each file is bound to its profile name (the AEAD's
//! associated data), so swapping files between profiles fails authentication.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use aws_lc_rs::aead::{AES_256_GCM, Aad, NONCE_LEN, Nonce, RandomizedNonceKey};
use netsuite_auth::secret::{AccessToken, ClientSecret, RefreshToken};
use serde::{Deserialize, Serialize};

use crate::Error;
use crate::keyring_key::{KeySource, KeyringMode, load_or_create};
use crate::private_file::{check_private_mode, store_err};
pub use crate::private_file::{create_private_dir, write_private};

const MAGIC: &[u8; 5] = b"NSTS\x01";

/// A token as stored, with what NetSuite said about the login.
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
    /// Identity of the credentials that obtained it; a token whose id differs from
    /// the profile's current one is never reused.
    pub credentials_id: String,
    /// The refresh token (authorization code grant).
    pub refresh_token: Option<RefreshToken>,
    /// When the refresh token expires (its `exp`), unix seconds.
    pub refresh_expires_at: Option<i64>,
    /// Role internal id from the redirect (`role=`).
    pub role: Option<String>,
    /// Entity internal id (`entity=`).
    pub entity: Option<String>,
    /// Account (`company=`).
    pub company: Option<String>,
    /// Why NetSuite no longer accepts this login, once it said so (a refresh
    /// answered `invalid_grant`, an assertion refused, a 401 that survived a
    /// renewal). A dead token is never printed or sent again.
    pub dead: Option<String>,
}

impl StoredToken {
    /// Seconds left at `now`.
    pub fn remaining(&self, now: i64) -> i64 {
        self.expires_at - now
    }

    /// A token with no refresh token or login details.
    pub fn access_only(
        access_token: AccessToken,
        expires_at: i64,
        obtained_at: i64,
        scope: Vec<String>,
        credentials_id: String,
    ) -> Self {
        Self {
            access_token,
            expires_at,
            obtained_at,
            scope,
            credentials_id,
            refresh_token: None,
            refresh_expires_at: None,
            role: None,
            entity: None,
            company: None,
            dead: None,
        }
    }
}

#[derive(Serialize, Deserialize, Default)]
struct OnDisk {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    client_secret: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    token: Option<TokenOnDisk>,
}

#[derive(Serialize, Deserialize)]
struct TokenOnDisk {
    access_token: String,
    expires_at: i64,
    obtained_at: i64,
    scope: Vec<String>,
    credentials_id: String,
    #[serde(default)]
    refresh_token: Option<String>,
    #[serde(default)]
    refresh_expires_at: Option<i64>,
    #[serde(default)]
    role: Option<String>,
    #[serde(default)]
    entity: Option<String>,
    #[serde(default)]
    company: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    dead: Option<String>,
}

impl From<&StoredToken> for TokenOnDisk {
    fn from(t: &StoredToken) -> Self {
        Self {
            access_token: t.access_token.expose_secret().to_owned(),
            expires_at: t.expires_at,
            obtained_at: t.obtained_at,
            scope: t.scope.clone(),
            credentials_id: t.credentials_id.clone(),
            refresh_token: t
                .refresh_token
                .as_ref()
                .map(|r| r.expose_secret().to_owned()),
            refresh_expires_at: t.refresh_expires_at,
            role: t.role.clone(),
            entity: t.entity.clone(),
            company: t.company.clone(),
            dead: t.dead.clone(),
        }
    }
}

impl From<TokenOnDisk> for StoredToken {
    fn from(d: TokenOnDisk) -> Self {
        Self {
            access_token: AccessToken::new(d.access_token),
            expires_at: d.expires_at,
            obtained_at: d.obtained_at,
            scope: d.scope,
            credentials_id: d.credentials_id,
            refresh_token: d.refresh_token.map(RefreshToken::new),
            refresh_expires_at: d.refresh_expires_at,
            role: d.role,
            entity: d.entity,
            company: d.company,
            dead: d.dead,
        }
    }
}

struct Loaded {
    key: RandomizedNonceKey,
    source: KeySource,
    created: bool,
}

/// A directory of encrypted per-profile entries.
pub struct TokenStore {
    dir: PathBuf,
    mode: KeyringMode,
    key: OnceLock<Loaded>,
}

impl std::fmt::Debug for TokenStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenStore")
            .field("dir", &self.dir)
            .field("mode", &self.mode)
            .finish_non_exhaustive()
    }
}

impl Clone for TokenStore {
    fn clone(&self) -> Self {
        Self::with_mode(self.dir.clone(), self.mode)
    }
}

impl TokenStore {
    /// A store in `dir`; the keyring is tried unless `NETSUITE_KEYRING=off`.
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self::with_mode(dir, KeyringMode::from_env())
    }

    /// A store with an explicit keyring mode.
    pub fn with_mode(dir: impl Into<PathBuf>, mode: KeyringMode) -> Self {
        Self {
            dir: dir.into(),
            mode,
            key: OnceLock::new(),
        }
    }

    /// The directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn loaded(&self) -> Result<&Loaded, Error> {
        if let Some(l) = self.key.get() {
            return Ok(l);
        }
        let (bytes, source, created) = load_or_create(&self.dir, self.mode)?;
        let key = RandomizedNonceKey::new(&AES_256_GCM, &bytes)
            .map_err(|_| store_err(&self.dir, "the store key was refused"))?;
        let _ = self.key.set(Loaded {
            key,
            source,
            created,
        });
        self.key
            .get()
            .ok_or_else(|| store_err(&self.dir, "the store key could not be kept"))
    }

    /// Where the key lives, and whether this call created a key file (tell the user).
    pub fn key_source(&self) -> Result<(KeySource, bool), Error> {
        let l = self.loaded()?;
        Ok((l.source.clone(), l.created))
    }

    fn safe_name(profile: &str) -> String {
        profile
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.' {
                    c
                } else {
                    '_'
                }
            })
            .collect()
    }

    /// The file that holds `profile`'s entry.
    pub fn path(&self, profile: &str) -> PathBuf {
        self.dir.join(format!("{}.enc", Self::safe_name(profile)))
    }

    fn aad(profile: &str) -> Vec<u8> {
        let mut a = b"netsuite token store v1\0".to_vec();
        a.extend_from_slice(profile.as_bytes());
        a
    }

    fn read(&self, profile: &str) -> Result<OnDisk, Error> {
        let path = self.path(profile);
        let bytes = match fs::read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(OnDisk::default()),
            Err(e) => return Err(store_err(&path, e)),
        };
        check_private_mode(&path)?;
        let damaged = |why: &str| store_err(&path, format!("the file {why}"));
        if bytes.len() < MAGIC.len() + NONCE_LEN + 16 || &bytes[..MAGIC.len()] != MAGIC {
            return Err(damaged("is not a token store file"));
        }
        let nonce_bytes: [u8; NONCE_LEN] = bytes[MAGIC.len()..MAGIC.len() + NONCE_LEN]
            .try_into()
            .map_err(|_| damaged("is truncated"))?;
        let mut buf = bytes[MAGIC.len() + NONCE_LEN..].to_vec();
        let key = &self.loaded()?.key;
        let plain = key
            .open_in_place(
                Nonce::assume_unique_for_key(nonce_bytes),
                Aad::from(Self::aad(profile)),
                &mut buf,
            )
            .map_err(|_| {
                damaged("failed authentication: it was tampered with, belongs to another profile, or the key changed")
            })?;
        serde_json::from_slice(plain).map_err(|_| damaged("holds damaged data"))
    }

    fn write(&self, profile: &str, entry: &OnDisk) -> Result<(), Error> {
        let path = self.path(profile);
        if entry.client_secret.is_none() && entry.token.is_none() {
            return match fs::remove_file(&path) {
                Ok(()) => Ok(()),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
                Err(e) => Err(store_err(&path, e)),
            };
        }
        let mut buf = serde_json::to_vec(entry).map_err(|e| store_err(&path, e))?;
        let key = &self.loaded()?.key;
        let nonce = key
            .seal_in_place_append_tag(Aad::from(Self::aad(profile)), &mut buf)
            .map_err(|_| store_err(&path, "encryption failed"))?;
        let mut out = Vec::with_capacity(MAGIC.len() + NONCE_LEN + buf.len());
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(nonce.as_ref());
        out.extend_from_slice(&buf);
        write_private(&path, &out)
    }

    /// Reads `profile`'s token; `Ok(None)` when there is none.
    pub fn load(&self, profile: &str) -> Result<Option<StoredToken>, Error> {
        if !self.path(profile).exists() {
            return Ok(None);
        }
        Ok(self.read(profile)?.token.map(StoredToken::from))
    }

    /// Stores `profile`'s token (keeping its client secret).
    pub fn save(&self, profile: &str, token: &StoredToken) -> Result<(), Error> {
        let mut e = self.read(profile)?;
        e.token = Some(token.into());
        self.write(profile, &e)
    }

    /// Deletes `profile`'s token, keeping its client secret; `Ok(false)` when there was none.
    pub fn remove(&self, profile: &str) -> Result<bool, Error> {
        if !self.path(profile).exists() {
            return Ok(false);
        }
        let mut e = self.read(profile)?;
        let had = e.token.take().is_some();
        self.write(profile, &e)?;
        Ok(had)
    }

    /// The client secret of `profile`.
    pub fn client_secret(&self, profile: &str) -> Result<Option<ClientSecret>, Error> {
        if !self.path(profile).exists() {
            return Ok(None);
        }
        Ok(self.read(profile)?.client_secret.map(ClientSecret::new))
    }

    /// Stores the client secret of `profile` (dropping any token of an older secret).
    pub fn set_client_secret(&self, profile: &str, secret: &ClientSecret) -> Result<(), Error> {
        let e = OnDisk {
            client_secret: Some(secret.expose_secret().to_owned()),
            token: None,
        };
        self.write(profile, &e)
    }

    /// Deletes everything stored for `profile`; a damaged file is deleted too.
    pub fn remove_profile(&self, profile: &str) -> Result<(), Error> {
        let path = self.path(profile);
        match fs::remove_file(&path) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(store_err(&path, e)),
        }
        let _ = fs::remove_file(self.lock_path(profile));
        Ok(())
    }

    fn lock_path(&self, profile: &str) -> PathBuf {
        self.dir.join(format!("{}.lock", Self::safe_name(profile)))
    }

    /// Takes `profile`'s cross-process lock, waiting for it; released on drop.
    pub fn lock(&self, profile: &str) -> Result<ProfileLock, Error> {
        create_private_dir(&self.dir)?;
        let path = self.lock_path(profile);
        let mut opts = fs::OpenOptions::new();
        opts.create(true).truncate(false).read(true).write(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600);
        }
        let file = opts.open(&path).map_err(|e| store_err(&path, e))?;
        file.lock().map_err(|e| store_err(&path, e))?;
        Ok(ProfileLock { _file: file })
    }
}

/// A held profile lock.
#[derive(Debug)]
pub struct ProfileLock {
    _file: fs::File,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token() -> StoredToken {
        StoredToken {
            refresh_token: Some(RefreshToken::new("refresh")),
            role: Some("3".into()),
            ..StoredToken::access_only(
                AccessToken::new("tok"),
                100,
                50,
                vec!["rest_webservices".into()],
                "id".into(),
            )
        }
    }

    fn store(dir: &Path) -> TokenStore {
        TokenStore::with_mode(dir.join("tokens"), KeyringMode::Off)
    }

    #[test]
    fn round_trip_encrypted_with_private_modes() {
        let dir = tempfile::tempdir().unwrap();
        let store = store(dir.path());
        assert!(store.load("p").unwrap().is_none());
        store
            .set_client_secret("p", &ClientSecret::new("s3cret"))
            .unwrap();
        store.save("p", &token()).unwrap();
        let t = store.load("p").unwrap().unwrap();
        assert_eq!(t.access_token.expose_secret(), "tok");
        assert_eq!(t.refresh_token.unwrap().expose_secret(), "refresh");
        assert_eq!(t.role.as_deref(), Some("3"));
        assert_eq!(
            store.client_secret("p").unwrap().unwrap().expose_secret(),
            "s3cret"
        );
        let raw = fs::read(store.path("p")).unwrap();
        for needle in [&b"tok"[..], b"refresh", b"s3cret", b"rest_webservices"] {
            assert!(
                !raw.windows(needle.len()).any(|w| w == needle),
                "plaintext on disk"
            );
        }
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
            fs::set_permissions(store.path("p"), fs::Permissions::from_mode(0o600)).unwrap();
        }
        assert!(store.remove("p").unwrap());
        assert!(store.load("p").unwrap().is_none());
        assert!(
            store.client_secret("p").unwrap().is_some(),
            "the secret stays"
        );
        assert!(!store.remove("p").unwrap());
        store.remove_profile("p").unwrap();
        assert!(!store.path("p").exists());
    }

    #[test]
    fn tampering_and_swapping_fail_authentication() {
        let dir = tempfile::tempdir().unwrap();
        let store = store(dir.path());
        store.save("a", &token()).unwrap();
        let mut raw = fs::read(store.path("a")).unwrap();
        let n = raw.len();
        raw[n - 20] ^= 1;
        write_private(&store.path("a"), &raw).unwrap();
        let e = store.load("a").unwrap_err().to_string();
        assert!(e.contains("tampered"), "{e}");
        store.save("b", &token()).unwrap();
        fs::copy(store.path("b"), store.path("c")).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            fs::set_permissions(store.path("c"), fs::Permissions::from_mode(0o600)).unwrap();
        }
        assert!(
            store
                .load("c")
                .unwrap_err()
                .to_string()
                .contains("another profile")
        );
        write_private(&store.path("d"), b"garbage").unwrap();
        assert!(
            store
                .load("d")
                .unwrap_err()
                .to_string()
                .contains("not a token store file")
        );
        // A store with another key cannot read it.
        fs::remove_file(dir.path().join("tokens/store.key")).unwrap();
        let other = TokenStore::with_mode(dir.path().join("tokens"), KeyringMode::Off);
        assert!(other.load("b").is_err());
    }

    #[test]
    fn the_lock_excludes_other_holders() {
        let dir = tempfile::tempdir().unwrap();
        let store = store(dir.path());
        let held = store.lock("p").unwrap();
        let path = dir.path().join("tokens/p.lock");
        let f = fs::OpenOptions::new().write(true).open(&path).unwrap();
        assert!(f.try_lock().is_err(), "a second holder must wait");
        drop(held);
        assert!(f.try_lock().is_ok());
    }
}
