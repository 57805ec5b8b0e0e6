//! `netsuite cert ...`

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use clap::{Subcommand, ValueEnum};
use netsuite_auth::cert::{self, CertificateInfo, KeyType};
use netsuite_auth::key::PrivateKey;
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::error::UserError;
use crate::output;

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

#[derive(Debug, Subcommand)]
pub enum CertCommand {
    /// Generate a private key and a self-signed certificate to upload to NetSuite.
    #[command(
        after_help = "Example:\n  netsuite cert new --key-type ec-p256 --days 365 --subject my-integration --out ./ns-cert"
    )]
    New {
        /// Key type; EC keys sign faster, RSA 3072/4096 use PS256.
        #[arg(long, value_enum, default_value = "ec-p256")]
        key_type: KeyTypeArg,
        /// Validity in days (NetSuite allows at most 730).
        #[arg(long, default_value_t = 365)]
        days: u32,
        /// Subject common name.
        #[arg(long, default_value = "netsuite-integration")]
        subject: String,
        /// Directory for private-key.pem and certificate.pem.
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        /// Overwrite existing files.
        #[arg(long)]
        force: bool,
        /// Print what was written as JSON (paths, key type, algorithm, days).
        #[arg(long)]
        json: bool,
    },
    /// Show key type, validity, fingerprint and NetSuite compliance of certificates and keys.
    #[command(
        after_help = "Examples:\n  netsuite cert inspect ./ns-cert/certificate.pem\n  netsuite cert inspect ./ns-cert/certificate.pem ./ns-cert/private-key.pem --json"
    )]
    Inspect {
        /// Certificate and/or private key PEM files.
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
}

pub fn run(cmd: CertCommand) -> Result<()> {
    match cmd {
        CertCommand::New {
            key_type,
            days,
            subject,
            out,
            force,
            json,
        } => new(key_type, days, &subject, &out, (force, json)),
        CertCommand::Inspect { files, json } => inspect(&files, json),
    }
}

fn key_type(k: KeyTypeArg) -> KeyType {
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
    if days > cert::MAX_VALIDITY_DAYS || days == 0 {
        return Err(UserError::usage(format!(
            "--days {days} is not allowed: NetSuite accepts certificates valid for at most two years (730 days)"
        ))
        .hint("use --days 730 or less; NetSuite would shorten a longer validity anyway")
        .into());
    }
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
    netsuite_client::store::write_private(
        &key_path,
        generated.private_key_pem.expose_secret().as_bytes(),
    )?;
    std::fs::write(&cert_path, &generated.certificate_pem)
        .with_context(|| format!("could not write {}", cert_path.display()))?;
    Ok((key_path, cert_path, generated.algorithm))
}

fn new(
    kt: KeyTypeArg,
    days: u32,
    subject: &str,
    out: &Path,
    (force, as_json): (bool, bool),
) -> Result<()> {
    let kt = key_type(kt);
    let (key_path, cert_path, alg) = write_new(kt, days, subject, out, force)?;
    if as_json {
        output::json(&json!({
            "private_key": key_path.display().to_string(),
            "certificate": cert_path.display().to_string(),
            "key_type": kt.kind().to_string(),
            "algorithm": alg.as_str(),
            "days": days,
        }))?;
    } else {
        output::data(&format!(
            "private key: {}\ncertificate: {}",
            key_path.display(),
            cert_path.display()
        ))?;
    }
    crate::output::say!(
        "\nWrote a {} key (mode 0600) and a certificate valid for {days} days.\n\
         Next, in NetSuite:\n  \
         1. Setup > Integration > Manage Authentication > OAuth 2.0 Client Credentials (M2M) Setup > Create New\n  \
         2. Choose the entity, the role and the application (an integration record with the Client Credentials grant).\n  \
         3. Upload {} (never the private key) and save; copy the Certificate ID it shows.\n  \
         4. netsuite profile add NAME --account ACCOUNT --client-id CLIENT_ID --certificate-id CERTIFICATE_ID --private-key {} --certificate {}\n\
         Assertions will be signed with {alg}.",
        kt.kind(),
        cert_path.display(),
        key_path.display(),
        cert_path.display()
    );
    Ok(())
}

/// A certificate with this many days left or fewer is warned about.
pub const WARN_DAYS: i64 = 30;

/// Reads and checks the certificate at `path` now.
pub fn read_certificate(path: &Path) -> Result<CertificateInfo> {
    let bytes = std::fs::read(path).map_err(|e| {
        UserError::new(format!(
            "cannot read the certificate {}: {e}",
            path.display()
        ))
        .hint(
            "check the path, or record another with `netsuite profile set NAME --certificate PATH`",
        )
    })?;
    cert::inspect(&bytes, OffsetDateTime::now_utc()).with_context(|| format!("{}", path.display()))
}

/// The warning for `what` (a certificate) when it has [`WARN_DAYS`] days left or fewer.
pub fn expiry_warning(what: &str, info: &CertificateInfo) -> Option<String> {
    let until = date(info.not_after);
    match info.days_left {
        d if d < 0 => Some(format!(
            "warning: {what} expired on {until}: NetSuite refuses its tokens; make a new one with `netsuite cert new` and upload it"
        )),
        d if d <= WARN_DAYS => Some(format!(
            "warning: {what} expires in {d} days ({until}): make a new one with `netsuite cert new`, upload it in NetSuite and `netsuite profile set` the new certificate id before then"
        )),
        _ => None,
    }
}

fn date(unix: i64) -> String {
    OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .and_then(|t| t.format(&Rfc3339).ok())
        .unwrap_or_default()
}

fn cert_json(path: &Path, info: &CertificateInfo) -> Value {
    json!({
        "file": path.display().to_string(),
        "kind": "certificate",
        "subject": info.subject,
        "key": info.key.to_string(),
        "algorithm": info.algorithm.as_str(),
        "not_before": date(info.not_before),
        "not_after": date(info.not_after),
        "days_left": info.days_left,
        "validity_days": info.validity_days,
        "sha256_fingerprint": info.sha256_fingerprint,
        "netsuite_ok": info.netsuite_ok(),
        "problems": info.problems,
    })
}

fn inspect(files: &[std::path::PathBuf], as_json: bool) -> Result<()> {
    let now = OffsetDateTime::now_utc();
    let mut certs: Vec<(std::path::PathBuf, CertificateInfo)> = Vec::new();
    let mut keys: Vec<(std::path::PathBuf, PrivateKey)> = Vec::new();
    let mut out = Vec::new();
    for f in files {
        let bytes = crate::files::read_file_capped(f, crate::files::KEY_CAP).map_err(|e| {
            UserError::new(format!("cannot read {}: {e}", f.display())).hint("check the path")
        })?;
        let text = String::from_utf8_lossy(&bytes);
        if text.contains("PRIVATE KEY-----") {
            let key = PrivateKey::from_pem(&text).with_context(|| format!("{}", f.display()))?;
            let kind = key.kind();
            out.push(json!({
                "file": f.display().to_string(),
                "kind": "private-key",
                "key": kind.to_string(),
                "algorithm": kind.default_algorithm().as_str(),
                "netsuite_ok": kind.netsuite_accepts(),
                "problems": if kind.netsuite_accepts() { vec![] } else {
                    vec![format!("{kind} is not accepted: NetSuite requires RSA 3072 or 4096 bits, or EC P-256, P-384 or P-521")]
                },
            }));
            keys.push((f.clone(), key));
        } else {
            let info = cert::inspect(&bytes, now).with_context(|| format!("{}", f.display()))?;
            out.push(cert_json(f, &info));
            certs.push((f.clone(), info));
        }
    }
    let mut pairs = Vec::new();
    for (kp, key) in &keys {
        for (cp, info) in &certs {
            pairs.push(json!({
                "private_key": kp.display().to_string(),
                "certificate": cp.display().to_string(),
                "match": info.matches(key),
            }));
        }
    }
    if as_json {
        output::json(&json!({ "files": out, "pairs": pairs }))?;
        return refuse_or_warn(&certs, &out, &pairs);
    }
    let mut text = String::new();
    for item in &out {
        text.push_str(&format!("{}\n", item["file"].as_str().unwrap_or("")));
        let show = |k: &str| {
            item.get(k).map(|v| match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            })
        };
        for (label, k) in [
            ("kind", "kind"),
            ("subject", "subject"),
            ("key", "key"),
            ("algorithm", "algorithm"),
            ("not before", "not_before"),
            ("not after", "not_after"),
            ("days left", "days_left"),
            ("SHA-256", "sha256_fingerprint"),
        ] {
            if let Some(v) = show(k) {
                text.push_str(&format!("  {label:<11} {v}\n"));
            }
        }
        let problems: Vec<String> = item["problems"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|p| p.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default();
        if problems.is_empty() {
            text.push_str("  NetSuite    ok: meets NetSuite's rules\n");
        } else {
            for p in problems {
                text.push_str(&format!("  NetSuite    NOT OK: {p}\n"));
            }
        }
    }
    for p in &pairs {
        let m = p["match"].as_bool().unwrap_or(false);
        text.push_str(&format!(
            "{} and {}: {}\n",
            p["private_key"].as_str().unwrap_or(""),
            p["certificate"].as_str().unwrap_or(""),
            if m {
                "belong together"
            } else {
                "DO NOT belong together"
            }
        ));
    }
    output::data(text.trim_end())?;
    refuse_or_warn(&certs, &out, &pairs)
}

/// After `cert inspect`'s report: a warning per certificate with [`WARN_DAYS`] days
/// left or fewer, and exit 1 when NetSuite would refuse a file or a pair does not
/// belong together.
fn refuse_or_warn(
    certs: &[(PathBuf, CertificateInfo)],
    items: &[Value],
    pairs: &[Value],
) -> Result<()> {
    for (path, info) in certs {
        if let Some(w) = expiry_warning(&path.display().to_string(), info) {
            crate::output::say!("{w}");
        }
    }
    let refused: Vec<&str> = items
        .iter()
        .filter(|i| i["netsuite_ok"] == false)
        .filter_map(|i| i["file"].as_str())
        .collect();
    let mismatched = pairs.iter().filter(|p| p["match"] == false).count();
    if !refused.is_empty() {
        return Err(UserError::new(format!(
            "NetSuite would refuse {}",
            refused.join(", ")
        ))
        .hint("make a new key and certificate with `netsuite cert new --key-type ec-p256` (or rsa-3072) and upload the certificate")
        .into());
    }
    if mismatched > 0 {
        return Err(UserError::new("the private key and the certificate do not belong together")
            .hint("pass the key the certificate was made from (cert new writes both into one directory)")
            .into());
    }
    Ok(())
}
