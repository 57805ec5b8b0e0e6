//! Test support shared by the workspace's tests: the emulator on 127.0.0.1:0 with a
//! temporary data directory (also for synchronous tests that drive the built CLI),
//! ready-made client-credentials set-ups, key pairs with certificates, and file-mode
//! and loopback-port helpers, and a real `redis-server` ([`redis::RedisServer`]). Not
//! published.

pub mod redis;

use std::path::{Path, PathBuf};

use netsuite_auth::account::AccountId;
use netsuite_auth::cert::{self, KeyType};
use netsuite_auth::jws::Algorithm;
use netsuite_auth::key::PrivateKey;
use netsuite_emulator::{Config, Emulator, NewIntegration, NewMapping};

/// A running emulator; stops when dropped.
#[derive(Debug)]
pub struct TestEmulator {
    /// The emulator's state (create integrations and mappings directly).
    pub emulator: Emulator,
    /// `http://127.0.0.1:PORT`.
    pub base_url: String,
    /// Temporary directory holding the data dir and generated keys.
    pub dir: tempfile::TempDir,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

/// A client-credentials set-up on the emulator: integration, key, certificate, mapping.
#[derive(Debug, Clone)]
pub struct M2m {
    /// Integration client id.
    pub client_id: String,
    /// Certificate id of the mapping.
    pub certificate_id: String,
    /// Private key PEM file (0600).
    pub private_key: PathBuf,
    /// Certificate PEM file.
    pub certificate: PathBuf,
}

impl TestEmulator {
    /// Starts an emulator for account 1234567 with an on-disk data dir.
    pub async fn start() -> Self {
        Self::start_with(|_| {}).await
    }

    /// Starts an emulator after `configure` has adjusted its config.
    pub async fn start_with(configure: impl FnOnce(&mut Config)) -> Self {
        let dir = tempfile::tempdir().expect("temporary directory");
        let mut config = Config::new(AccountId::parse("1234567").expect("valid account"));
        config.data_dir = Some(dir.path().join("emulator"));
        configure(&mut config);
        let emulator = Emulator::open(config).expect("emulator opens");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind 127.0.0.1:0");
        let base_url = format!("http://{}", listener.local_addr().expect("local addr"));
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(netsuite_emulator::serve(
            emulator.clone(),
            listener,
            async move {
                let _ = rx.await;
            },
        ));
        Self {
            emulator,
            base_url,
            dir,
            stop: Some(tx),
        }
    }

    /// Starts an emulator on a multi-threaded runtime of its own, for a synchronous
    /// test (one that runs the built binary on its own thread). Keep the runtime
    /// alive as long as the emulator is used; drop the emulator first.
    pub fn start_blocking(
        configure: impl FnOnce(&mut Config),
    ) -> (tokio::runtime::Runtime, TestEmulator) {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("a tokio runtime");
        let emulator = rt.block_on(Self::start_with(configure));
        (rt, emulator)
    }

    /// Creates an M2M integration with `scopes`, a key pair of `key_type`, and the mapping.
    pub fn m2m(&self, key_type: KeyType, scopes: &[&str]) -> M2m {
        m2m_on(&self.emulator, self.dir.path(), key_type, scopes)
    }

    /// [`TestEmulator::m2m`] with the certificate mapped to `role` instead of
    /// Administrator (3).
    pub fn m2m_with_role(&self, key_type: KeyType, scopes: &[&str], role: i64) -> M2m {
        m2m_as(&self.emulator, self.dir.path(), key_type, scopes, role)
    }
}

impl Drop for TestEmulator {
    fn drop(&mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
    }
}

/// Creates an M2M integration, writes a key and certificate under `dir`, and maps them.
pub fn m2m_on(emulator: &Emulator, dir: &Path, key_type: KeyType, scopes: &[&str]) -> M2m {
    m2m_as(emulator, dir, key_type, scopes, 3)
}

/// [`m2m_on`] with the certificate mapped to `role`.
pub fn m2m_as(
    emulator: &Emulator,
    dir: &Path,
    key_type: KeyType,
    scopes: &[&str],
    role: i64,
) -> M2m {
    let integration = emulator
        .create_integration(NewIntegration {
            name: "test".into(),
            m2m: true,
            scopes: scopes.iter().map(|s| (*s).to_owned()).collect(),
            ..NewIntegration::default()
        })
        .expect("integration");
    let generated = cert::generate(key_type, 365, "test", time::OffsetDateTime::now_utc())
        .expect("certificate");
    let sub = dir.join(format!("m2m-{}", &integration.client_id[..8]));
    std::fs::create_dir_all(&sub).expect("key dir");
    let private_key = sub.join("private-key.pem");
    let certificate = sub.join("certificate.pem");
    write_0600(&private_key, generated.private_key_pem.expose_secret());
    std::fs::write(&certificate, &generated.certificate_pem).expect("write certificate");
    let mapping = emulator
        .create_mapping(NewMapping {
            client_id: integration.client_id.clone(),
            certificate_pem: generated.certificate_pem,
            role,
            entity: -5,
        })
        .expect("mapping");
    M2m {
        client_id: integration.client_id,
        certificate_id: mapping.certificate_id,
        private_key,
        certificate,
    }
}

/// Writes a file with mode 0600.
pub fn write_0600(path: &Path, contents: &str) {
    std::fs::write(path, contents).expect("write file");
    #[cfg(unix)]
    set_file_mode(path, 0o600);
}

/// A private key and its self-signed certificate.
#[derive(Debug)]
pub struct Credential {
    /// The key, loaded.
    pub key: PrivateKey,
    /// The certificate, PEM.
    pub cert_pem: String,
    /// The key's default assertion algorithm.
    pub alg: Algorithm,
}

/// A key pair of `key_type` with a certificate valid for a year from `now`.
pub fn credential(key_type: KeyType, now: time::OffsetDateTime) -> Credential {
    let generated = cert::generate(key_type, 365, "netsuite test", now).expect("certificate");
    Credential {
        key: PrivateKey::from_pem(generated.private_key_pem.expose_secret())
            .expect("a generated key loads"),
        cert_pem: generated.certificate_pem,
        alg: generated.algorithm,
    }
}

/// The permission bits of `path` (`0o600`, ...).
#[cfg(unix)]
pub fn file_mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path)
        .unwrap_or_else(|e| panic!("metadata of {}: {e}", path.display()))
        .permissions()
        .mode()
        & 0o777
}

/// Sets the permission bits of `path`.
#[cfg(unix)]
pub fn set_file_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
        .unwrap_or_else(|e| panic!("chmod {mode:o} {}: {e}", path.display()));
}

/// A free loopback port (bound and released).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_modes_and_ports() {
        let now = time::OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap();
        let c = credential(KeyType::EcP384, now);
        assert_eq!(c.alg, Algorithm::ES384);
        let info = cert::inspect(c.cert_pem.as_bytes(), now).unwrap();
        assert_eq!(info.key, c.key.kind());
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("secret");
        write_0600(&path, "x");
        assert_eq!(file_mode(&path), 0o600);
        set_file_mode(&path, 0o644);
        assert_eq!(file_mode(&path), 0o644);
        assert_ne!(free_port(), 0);
    }
}
