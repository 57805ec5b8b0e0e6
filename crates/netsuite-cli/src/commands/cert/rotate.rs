//! `netsuite cert rotate`: a client-credentials profile moves to a new key and
//! certificate without a moment where it does not work.
//!
//! 1. A new key (0600) and self-signed certificate are written beside the old key
//!    (never over it).
//! 2. The certificate is uploaded through NetSuite's certificate API with the role and
//!    entity of the current mapping (learnt from the list), with the profile's current
//!    token; `--manual` prints the UI steps and reads the new certificate id instead.
//! 3. A token with the new certificate id and key proves the mapping (kept in memory).
//! 4. The profile switches (certificate id, private key, certificate) through
//!    `profile set`, which drops its cached tokens; refused when the profile changed
//!    meanwhile.
//! 5. The old certificate is revoked through the API with the new token, unless
//!    `--keep-old`.
//!
//! Any failure leaves the profile as it was (or switched, when only the revoke
//! failed) and says what exists where.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use anyhow::Result;
use clap::Args;
use netsuite_auth::account::{AccountId, Endpoints};
use netsuite_auth::cert::KeyType;
use netsuite_auth::key::KeyKind;
use netsuite_client::{Client, TokenSource};
use serde_json::json;
use time::OffsetDateTime;

use super::api::{CertificateApi, cause, m2m_identity};
use super::generate::{self, KeyTypeArg};
use crate::commands::profile::{ProfileCommand, ProfileSetArgs};
use crate::config::{Config, Profile};
use crate::error::UserError;
use crate::output;

/// Where the UI keeps M2M mappings.
const UI_MAPPINGS: &str =
    "Setup > Integration > Manage Authentication > OAuth 2.0 Client Credentials (M2M) Setup";

/// `cert rotate`'s arguments (the profile is the global `--profile`).
#[derive(Debug, Args)]
pub struct RotateArgs {
    /// Key type of the new key (default: the type of the current key).
    #[arg(long, value_enum)]
    pub key_type: Option<KeyTypeArg>,
    /// Validity of the new certificate in days (NetSuite allows at most 730).
    #[arg(long, default_value_t = 365)]
    pub days: u32,
    /// Leave the old certificate active in NetSuite (`netsuite cert revoke ID` later).
    #[arg(long)]
    pub keep_old: bool,
    /// Upload the new certificate in NetSuite's UI yourself: the steps are printed,
    /// then the new certificate id is read from stdin (a prompt on a terminal, or a
    /// line piped in).
    #[arg(long)]
    pub manual: bool,
    /// Print the result as JSON: profile, old_certificate_id, new_certificate_id, key,
    /// certificate, revoked, valid_until.
    #[arg(long)]
    pub json: bool,
}

/// The profile as it was when the rotation started.
struct Start {
    name: String,
    stored: Profile,
    old_id: String,
    old_key: PathBuf,
}

/// The new key and certificate on disk.
struct NewPair {
    key: PathBuf,
    cert: PathBuf,
    pem: String,
    kind: KeyKind,
    valid_until: String,
}

impl NewPair {
    /// `key and certificate` paths, for messages.
    fn files(&self) -> String {
        format!(
            "the new key is {} and the new certificate {}",
            self.key.display(),
            self.cert.display()
        )
    }

    /// `netsuite profile set NAME --certificate-id ID --private-key KEY --certificate CERT`.
    fn set_command(&self, name: &str, id: &str) -> String {
        format!(
            "netsuite profile set {name} --certificate-id {id} --private-key {} --certificate {}",
            self.key.display(),
            self.cert.display()
        )
    }

    fn remove(&self) {
        let _ = std::fs::remove_file(&self.key);
        let _ = std::fs::remove_file(&self.cert);
    }
}

/// Runs `cert rotate` for `requested` (the global `--profile`).
pub async fn run(args: RotateArgs, requested: Option<&str>) -> Result<()> {
    let identity = m2m_identity(requested)?;
    let start = start(&identity)?;
    let key_type = match args.key_type {
        Some(k) => generate::key_type(k),
        None => same_type(identity.private_key()?.kind()),
    };
    generate::check_days(args.days)?;
    let client = rotation_client(&identity)?;
    let api = CertificateApi::new(&client, &start.stored.client_id);
    let mapping = match args.manual {
        true => None,
        false => Some(current_mapping(&api, &start).await?),
    };
    let new = write_pair(key_type, args.days, &start)?;
    crate::output::say!(
        "wrote a new {} key {} (mode 0600) and its certificate {}, valid until {}",
        new.kind,
        new.key.display(),
        new.cert.display(),
        new.valid_until
    );
    let new_id = match mapping {
        Some((role, entity)) => upload(&api, &start, &new, role, entity).await?,
        None => manual_id(&start, &new)?,
    };
    let algorithm = algorithm_for_new(&start.stored, new.kind);
    prove(&start, &new, &new_id, algorithm.as_deref())
        .await
        .map_err(|e| proof_refused(&start, &new, &new_id, &e, args.manual))?;
    crate::output::say!("proved: NetSuite issued a token for the new certificate {new_id}");
    switch(&start, &new, &new_id, algorithm)?;
    let revoked = match args.keep_old {
        true => false,
        false => revoke_old(&start, &new_id, args.manual).await?,
    };
    report(&start, &new, &new_id, revoked, args.json)
}

/// The identity's client, giving up after three attempts (not eight): a rotation
/// step that fails says what exists where rather than keep the user waiting.
fn rotation_client(identity: &crate::identity::Identity) -> Result<Client> {
    Ok(identity.client()?.with_retry(netsuite_client::RetryPolicy {
        max_attempts: 3,
        ..netsuite_client::RetryPolicy::default()
    }))
}

fn start(identity: &crate::identity::Identity) -> Result<Start> {
    let name = identity.name.clone();
    let stored = identity.config.resolve(Some(&name))?.1.clone();
    if identity.has_key_pem() || stored != identity.profile {
        return Err(UserError::usage(format!(
            "NETSUITE_* environment variables change profile {name:?} for this command, and cert rotate switches the profile as it is stored"
        ))
        .hint("unset the NETSUITE_* variables (but NETSUITE_PROFILE) and run it again")
        .into());
    }
    let (Some(old_id), Some(old_key)) = (stored.certificate_id.clone(), stored.private_key.clone())
    else {
        return Err(UserError::usage(format!(
            "profile {name:?} has no certificate id or private key to rotate"
        ))
        .hint(format!(
            "set them first: `netsuite profile set {name} --certificate-id ID --private-key PATH`"
        ))
        .into());
    };
    Ok(Start {
        name,
        stored,
        old_id,
        old_key,
    })
}

/// The key type of the same kind as `kind` (EC P-256 for a kind NetSuite refuses).
fn same_type(kind: KeyKind) -> KeyType {
    match kind {
        KeyKind::Rsa { bits: 4096 } => KeyType::Rsa4096,
        KeyKind::Rsa { bits: 3072 } => KeyType::Rsa3072,
        KeyKind::EcP384 => KeyType::EcP384,
        KeyKind::EcP521 => KeyType::EcP521,
        _ => KeyType::EcP256,
    }
}

/// The `--algorithm` the profile needs with the new key: the profile's own when it
/// names one the new key cannot sign with, else none (nothing to change).
fn algorithm_for_new(profile: &Profile, kind: KeyKind) -> Option<String> {
    let named = profile.algorithm.as_deref()?;
    let fits = named
        .parse::<netsuite_auth::jws::Algorithm>()
        .is_ok_and(|a| kind.supports(a));
    (!fits).then(|| kind.default_algorithm().as_str().to_owned())
}

/// The role and entity of the current certificate's mapping, from the list.
async fn current_mapping(api: &CertificateApi<'_>, start: &Start) -> Result<(i64, i64)> {
    let (name, old) = (&start.name, &start.old_id);
    let manual = format!("or rotate by hand: `netsuite cert rotate --profile {name} --manual`");
    let certs = api.list().await.map_err(|e| {
        UserError::new(format!(
            "could not list the integration's certificates at {}: {}; nothing was changed",
            api.url(),
            cause(&e)
        ))
        .hint(format!("the role of the mapping needs the permission \"Manage own OAuth 2.0 Client Credentials certificates\" and the token the rest_webservices scope (NetSuite 2026.1 or later); {manual}"))
    })?;
    let current = certs.iter().find(|c| &c.id == old);
    match current.map(|c| (c.role, c.entity)) {
        Some((Some(role), Some(entity))) => Ok((role, entity)),
        Some(_) => Err(UserError::new(format!(
            "the certificate API lists {old} without its role and entity; nothing was changed"
        ))
        .hint(manual)
        .into()),
        None => Err(UserError::new(format!(
            "the certificate API does not list {old}, the certificate id of profile {name:?}, among the {} certificates this role sees; nothing was changed",
            certs.len()
        ))
        .hint(format!("check the profile's certificate id (`netsuite cert list --profile {name}`), {manual}"))
        .into()),
    }
}

/// Writes the new key (0600) and certificate beside the old key, under names not
/// taken yet: `private-key-YYYY-MM-DD[-N].pem`, `certificate-YYYY-MM-DD[-N].pem`.
fn write_pair(key_type: KeyType, days: u32, start: &Start) -> Result<NewPair> {
    let dir = start
        .old_key
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let now = OffsetDateTime::now_utc();
    let date = super::expiry::date(now.unix_timestamp());
    let day = date.get(..10).unwrap_or("new");
    let (key, cert) = (1..)
        .map(|n| {
            let suffix = if n == 1 {
                String::new()
            } else {
                format!("-{n}")
            };
            (
                dir.join(format!("private-key-{day}{suffix}.pem")),
                dir.join(format!("certificate-{day}{suffix}.pem")),
            )
        })
        .find(|(k, c)| !k.exists() && !c.exists())
        .unwrap_or_default();
    let generated = netsuite_auth::cert::generate(key_type, days, "netsuite-integration", now)?;
    generate::write_files(&generated, &key, &cert)?;
    let info = netsuite_auth::cert::inspect(generated.certificate_pem.as_bytes(), now)?;
    Ok(NewPair {
        key,
        cert,
        pem: generated.certificate_pem,
        kind: info.key,
        valid_until: super::expiry::date(info.not_after),
    })
}

/// Uploads the new certificate; returns its id.
async fn upload(
    api: &CertificateApi<'_>,
    start: &Start,
    new: &NewPair,
    role: i64,
    entity: i64,
) -> Result<String> {
    let (name, old) = (&start.name, &start.old_id);
    match api.add(&new.pem, role, entity).await {
        Ok(id) => {
            crate::output::say!(
                "uploaded: the new certificate {id} for role {role}, entity {entity}"
            );
            Ok(id)
        }
        Err(e @ netsuite_client::Error::Ambiguous { .. }) => Err(UserError::new(format!(
            "the upload may or may not have reached NetSuite ({e}); profile {name:?} still uses {old}; {}",
            new.files()
        ))
        .hint(format!(
            "`netsuite cert list --profile {name}` shows whether a new certificate is ACTIVE: switch to it with `{}`, or revoke it with `netsuite cert revoke ID --profile {name}`",
            new.set_command(name, "ID")
        ))
        .into()),
        Err(e) => {
            new.remove();
            let text = cause(&e);
            let hint = if text.contains("active certificates") {
                format!(
                    "revoke a certificate the integration no longer uses (`netsuite cert list --profile {name}`, then `netsuite cert revoke ID --profile {name}`) and run `netsuite cert rotate --profile {name}` again"
                )
            } else if matches!(e.api_error().map(|a| a.status), Some(401 | 403)) {
                format!(
                    "the mapping's role needs the permission \"Manage own OAuth 2.0 Client Credentials certificates\" (it manages only its own entity's certificates); or rotate by hand: `netsuite cert rotate --profile {name} --manual`"
                )
            } else {
                format!(
                    "or upload it in NetSuite's UI: `netsuite cert rotate --profile {name} --manual`"
                )
            };
            Err(UserError::new(format!(
                "NetSuite refused the new certificate: {text}; nothing was changed: profile {name:?} still uses {old}, and the new key and certificate were deleted"
            ))
            .hint(hint)
            .into())
        }
    }
}

/// `--manual`: the UI steps, then the new certificate id from stdin.
fn manual_id(start: &Start, new: &NewPair) -> Result<String> {
    use std::io::BufRead;
    let (name, old) = (&start.name, &start.old_id);
    // Not `say!`: without these lines (or with --quiet) nobody knows what to type.
    eprintln!(
        "In NetSuite, as an administrator:\n  \
         1. {UI_MAPPINGS} > Create New\n  \
         2. Choose the same entity, role and application as the mapping of the current certificate {old} (client id {}).\n  \
         3. Upload the certificate file {} (never the private key) and save.\n  \
         4. Copy the Certificate ID the new row shows and enter it here.",
        start.stored.client_id,
        new.cert.display()
    );
    let terminal = std::io::stdin().is_terminal();
    if terminal {
        eprint!("new certificate id: ");
    }
    let mut line = String::new();
    let read = std::io::stdin().lock().read_line(&mut line);
    let id = line.trim().to_owned();
    if read.is_err() || id.is_empty() {
        return Err(UserError::usage(format!(
            "no certificate id was given{}; profile {name:?} still uses {old}; {}",
            if terminal { "" } else { " on stdin" },
            new.files()
        ))
        .hint(format!(
            "after uploading the certificate in NetSuite, switch with `{}`",
            new.set_command(name, "ID")
        ))
        .into());
    }
    Ok(id)
}

/// A token with the new certificate id and key (kept in memory only: the profile's
/// token store is not touched before the switch).
async fn prove(start: &Start, new: &NewPair, new_id: &str, algorithm: Option<&str>) -> Result<()> {
    let mut p = start.stored.clone();
    p.certificate_id = Some(new_id.to_owned());
    if let Some(a) = algorithm {
        p.algorithm = Some(a.to_owned());
    }
    let endpoints = Endpoints::resolve(&AccountId::parse(&p.account)?, p.base_url.as_deref())?;
    let key = crate::credentials::load_private_key(&new.key)?;
    let grant = crate::credentials::m2m_grant(&start.name, &p, endpoints, key)?;
    let client = Client::new(TokenSource::new(grant, None))?;
    client.token_source().token(client.http(), true).await?;
    Ok(())
}

/// What exists where when the proof failed: an uploaded certificate (or, with
/// `--manual`, an id typed in that may be wrong) and the new files.
fn proof_refused(
    start: &Start,
    new: &NewPair,
    new_id: &str,
    e: &anyhow::Error,
    manual: bool,
) -> anyhow::Error {
    let (name, old) = (&start.name, &start.old_id);
    let (what, undo) = if manual {
        (
            format!("NetSuite refused a token with the certificate id {new_id} that was entered"),
            format!(
                "check the id on the M2M setup page (the row of {}); when it is right and a token works with it, switch with `{}`",
                new.cert.display(),
                new.set_command(name, new_id)
            ),
        )
    } else {
        (
            format!(
                "the new certificate {new_id} is uploaded and active in NetSuite, but a token with it was refused"
            ),
            format!(
                "revoke the new one with `netsuite cert revoke {new_id} --profile {name}` and run `netsuite cert rotate --profile {name}` again, or once a token works with it, switch with `{}`",
                new.set_command(name, new_id)
            ),
        )
    };
    UserError::new(format!(
        "{what}: {e:#}; profile {name:?} still uses {old}; {}",
        new.files()
    ))
    .hint(undo)
    .into()
}

/// Switches the stored profile to the new certificate through `profile set` (which
/// drops its cached tokens), unless it changed since the rotation started.
fn switch(start: &Start, new: &NewPair, new_id: &str, algorithm: Option<String>) -> Result<()> {
    let name = &start.name;
    let result = Config::load().and_then(|config| {
        if config.file.profiles.get(name) != Some(&start.stored) {
            return Err(UserError::new(format!(
                "profile {name:?} was changed by someone else meanwhile"
            ))
            .into());
        }
        crate::commands::profile::run(
            ProfileCommand::Set(Box::new(ProfileSetArgs {
                name: name.clone(),
                certificate_id: Some(new_id.to_owned()),
                private_key: Some(new.key.clone()),
                certificate: Some(new.cert.clone()),
                scope: Vec::new(),
                algorithm,
                base_url: None,
                redirect_uri: None,
            })),
            None,
        )
    });
    result.map_err(|e| {
        UserError::new(format!(
            "the new certificate {new_id} works (NetSuite issued a token for it), but profile {name:?} could not be switched to it: {e:#}; the profile still uses {}, which is still active in NetSuite; {}",
            start.old_id,
            new.files()
        ))
        .hint(format!(
            "fix that, then switch with `{}` and revoke the old one with `netsuite cert revoke {} --profile {name}`",
            new.set_command(name, new_id),
            start.old_id
        ))
        .into()
    })
}

/// Revokes the old certificate as the switched profile (its first token, with the
/// new certificate, is stored). With `--manual` a failure is a note with the UI
/// steps; otherwise an error (the profile is switched already).
async fn revoke_old(start: &Start, new_id: &str, manual: bool) -> Result<bool> {
    let (name, old) = (&start.name, &start.old_id);
    let by_hand = format!("in NetSuite: {UI_MAPPINGS}, Revoke on the row of {old}");
    let revoked = async {
        let client = rotation_client(&m2m_identity(Some(name))?)?;
        let api = CertificateApi::new(&client, &start.stored.client_id);
        Ok::<_, anyhow::Error>(api.revoke(old).await?)
    };
    match revoked.await {
        Ok(_) => {
            crate::output::say!("revoked the old certificate {old}");
            Ok(true)
        }
        Err(e) if manual => {
            crate::output::say!(
                "note: the old certificate {old} is still active ({e:#}); revoke it by hand {by_hand}"
            );
            Ok(false)
        }
        Err(e) => Err(UserError::new(format!(
            "profile {name:?} now uses the new certificate {new_id}, but the old certificate {old} could not be revoked: {e:#}; it is still active in NetSuite (its key {} is kept)",
            start.old_key.display()
        ))
        .hint(format!(
            "revoke it with `netsuite cert revoke {old} --profile {name}`, or {by_hand}"
        ))
        .into()),
    }
}

fn report(start: &Start, new: &NewPair, new_id: &str, revoked: bool, as_json: bool) -> Result<()> {
    if as_json {
        return output::json(&json!({
            "profile": start.name,
            "old_certificate_id": start.old_id,
            "new_certificate_id": new_id,
            "key": new.key.display().to_string(),
            "certificate": new.cert.display().to_string(),
            "revoked": revoked,
            "valid_until": new.valid_until,
        }));
    }
    let old = if revoked {
        format!("{} (revoked)", start.old_id)
    } else {
        format!(
            "{} (still active; `netsuite cert revoke {} --profile {}` when nothing uses it)",
            start.old_id, start.old_id, start.name
        )
    };
    output::data(&format!(
        "profile {} now uses certificate {new_id}\n  key          {}\n  certificate  {}\n  valid until  {}\n  old          {old}",
        start.name,
        new.key.display(),
        new.cert.display(),
        new.valid_until
    ))
}
