//! `netsuite cert ...`: make and inspect key pairs and certificates, and (through
//! NetSuite's certificate API) list, revoke and rotate a profile's certificates.

mod api;
pub mod expiry;
mod generate;
mod rotate;

pub use expiry::{date, expiry_warning, read_certificate};
use generate::key_type;
pub use generate::{KeyTypeArg, write_new};

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use clap::Subcommand;
use netsuite_auth::cert::{self, CertificateInfo};
use netsuite_auth::key::PrivateKey;
use serde_json::{Value, json};
use time::OffsetDateTime;

use crate::error::UserError;
use crate::output;

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
    /// Move a client-credentials profile to a new key and certificate: upload it with
    /// NetSuite's certificate API (2026.1), prove it with a token, switch the profile,
    /// revoke the old certificate.
    #[command(
        after_help = "Examples:\n  netsuite cert rotate --profile prod\n  netsuite cert rotate --profile prod --key-type rsa-3072 --days 730 --keep-old\n  netsuite cert rotate --profile prod --manual    # upload in NetSuite's UI, type the id"
    )]
    Rotate(rotate::RotateArgs),
    /// List the integration's M2M certificates (NetSuite's certificate API; * marks the profile's).
    #[command(after_help = "Example:\n  netsuite cert list --profile prod --json")]
    List {
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
    /// Revoke one of the integration's M2M certificates (NetSuite's certificate API).
    #[command(
        after_help = "Example:\n  netsuite cert revoke NPMnRyPg-WDWhPiAbisjKiH0fqnBpjOZ367wDTe0pqA --profile prod --yes"
    )]
    Revoke {
        /// The certificate id. Base64url ids may start with '-'.
        #[arg(allow_hyphen_values = true)]
        certificate_id: String,
        /// Do not ask (needed when not on a terminal).
        #[arg(long, short = 'y')]
        yes: bool,
        /// Print the certificate id and its status as JSON.
        #[arg(long)]
        json: bool,
    },
}

/// Runs a `cert` command; `profile` is the global `--profile` (rotate, list, revoke).
pub async fn run(cmd: CertCommand, profile: Option<&str>) -> Result<()> {
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
        CertCommand::Rotate(args) => rotate::run(args, profile).await,
        CertCommand::List { json } => api::list_command(profile, json).await,
        CertCommand::Revoke {
            certificate_id,
            yes,
            json,
        } => api::revoke_command(profile, &certificate_id, yes, json).await,
    }
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

/// After `cert inspect`'s report: a warning per certificate with [`expiry::WARN_DAYS`] days
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
