//! New key pairs and certificates (`cert new`, `cert rotate`, the demo).

use std::path::Path;

use anyhow::{Context, Result};
use clap::ValueEnum;
use netsuite_auth::cert::{self, KeyType};
use time::OffsetDateTime;

use crate::error::UserError;

/// `--key-type`.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum KeyTypeArg {
    #[value(name = "ec-p256")]
    EcP256,
    #[value(name = "ec-p384")]
    EcP384,
    #[value(name = "ec-p521")]
    EcP521,
    #[value(name = "rsa-3072")]
    Rsa3072,
    #[value(name = "rsa-4096")]
    Rsa4096,
}

/// The key type of `--key-type`.
pub fn key_type(k: KeyTypeArg) -> KeyType {
    match k {
        KeyTypeArg::EcP256 => KeyType::EcP256,
        KeyTypeArg::EcP384 => KeyType::EcP384,
        KeyTypeArg::EcP521 => KeyType::EcP521,
        KeyTypeArg::Rsa3072 => KeyType::Rsa3072,
        KeyTypeArg::Rsa4096 => KeyType::Rsa4096,
    }
}

/// Writes a key pair and certificate into `out`; returns the paths.
pub fn write_new(
    kt: KeyType,
    days: u32,
    subject: &str,
    out: &Path,
    force: bool,
) -> Result<(
    std::path::PathBuf,
    std::path::PathBuf,
    netsuite_auth::jws::Algorithm,
)> {
    check_days(days)?;
    let key_path = out.join("private-key.pem");
    let cert_path = out.join("certificate.pem");
    if !force {
        for p in [&key_path, &cert_path] {
            if p.exists() {
                return Err(UserError::new(format!("{} already exists", p.display()))
                    .hint("pass --force to replace it, or choose another --out directory")
                    .into());
            }
        }
    }
    let generated = cert::generate(kt, days, subject, OffsetDateTime::now_utc())?;
    std::fs::create_dir_all(out).with_context(|| format!("could not create {}", out.display()))?;
    write_files(&generated, &key_path, &cert_path)?;
    Ok((key_path, cert_path, generated.algorithm))
}

/// Refuses a validity NetSuite does not accept (1 to 730 days).
pub fn check_days(days: u32) -> Result<()> {
    if days > cert::MAX_VALIDITY_DAYS || days == 0 {
        return Err(UserError::usage(format!(
            "--days {days} is not allowed: NetSuite accepts certificates valid for at most two years (730 days)"
        ))
        .hint("use --days 730 or less; NetSuite would shorten a longer validity anyway")
        .into());
    }
    Ok(())
}

/// Writes the private key (0600) and the certificate of `generated`.
pub fn write_files(generated: &cert::Generated, key_path: &Path, cert_path: &Path) -> Result<()> {
    netsuite_client::store::write_private(
        key_path,
        generated.private_key_pem.expose_secret().as_bytes(),
    )?;
    std::fs::write(cert_path, &generated.certificate_pem)
        .with_context(|| format!("could not write {}", cert_path.display()))
}
