//! One module per verb, mirroring the command line.

pub mod api;
pub mod auth;
pub mod cert;
#[cfg(feature = "emulator")]
mod demo;
pub mod doctor;
#[cfg(feature = "emulator")]
pub mod emulator;
pub mod exec;
pub mod profile;
pub mod proxy;
pub mod record;
pub mod restlet;
pub mod suiteql;

use std::sync::Arc;

use anyhow::{Context, Result};
use netsuite_auth::account::Endpoints;
use netsuite_auth::jws::Algorithm;
use netsuite_auth::key::PrivateKey;
use netsuite_client::keyring_key::{KeySource, KeyringMode};
use netsuite_client::store::TokenStore;
use netsuite_client::{AuthCode, ClientCredentials, Grant};

use crate::cli::{Cli, Command};
use crate::config::{Config, Profile};
use crate::error::UserError;

/// Runs the parsed command line.
pub async fn run(cli: Cli) -> Result<()> {
    crate::identity::set_no_cache(cli.no_cache);
    crate::identity::set_allow_insecure_http(cli.allow_insecure_http);
    let profile = cli.profile.as_deref();
    match cli.command {
        Command::Cert(c) => cert::run(c),
        Command::Profile(c) => profile::run(c),
        Command::Auth(c) => auth::run(c, profile).await,
        Command::Record(c) => record::run(c, profile).await,
        Command::Suiteql(a) => suiteql::run(a, profile).await,
        Command::Restlet(a) => restlet::run(a, profile).await,
        Command::Api(a) => api::run(a, profile).await,
        Command::Proxy(a) => proxy::run(a, profile).await,
        Command::Exec(a) => exec::run(a, profile).await,
        Command::Doctor(a) => doctor::run(a, profile).await,
        #[cfg(feature = "emulator")]
        Command::Emulator(c) => emulator::run(c).await,
        #[cfg(feature = "emulator")]
        Command::Demo => demo::run().await,
    }
}

/// Reads a private key file with errors that name the file and the fix: at most
/// [`crate::files::KEY_CAP`], PEM (a DER file is named as such), one key; a key others
/// can read is warned about.
pub fn load_private_key(path: &std::path::Path) -> Result<PrivateKey> {
    let bytes = crate::files::read_file_capped(path, crate::files::KEY_CAP).map_err(|e| {
        let hint = match e.kind() {
            std::io::ErrorKind::NotFound => {
                "check the path; `netsuite cert new --out DIR` writes DIR/private-key.pem"
            }
            std::io::ErrorKind::FileTooLarge => {
                "check the path: a PEM private key is a few KiB (`netsuite cert new --out DIR` writes DIR/private-key.pem)"
            }
            _ => "make the file readable by you (and by nobody else: chmod 600)",
        };
        UserError::usage(format!(
            "cannot read the private key {}: {e}",
            path.display()
        ))
        .hint(hint)
    })?;
    crate::files::warn_if_readable(path);
    let text = crate::files::text(bytes, &format!("the private key {}", path.display()))?;
    PrivateKey::from_pem(&text).with_context(|| format!("private key {}", path.display()))
}

/// The algorithm for a key: the one asked for (checked against the key), or the key's default.
pub fn algorithm_for(key: &PrivateKey, requested: Option<&str>) -> Result<Algorithm> {
    let alg = match requested {
        Some(a) => a.parse::<Algorithm>()?,
        None => key.kind().default_algorithm(),
    };
    if alg == Algorithm::RS256 {
        return Err(netsuite_auth::Error::Rs256Refused.into());
    }
    if !key.kind().supports(alg) {
        return Err(netsuite_auth::Error::KeyAlgorithmMismatch {
            alg,
            key: key.kind(),
        }
        .into());
    }
    if !key.kind().netsuite_accepts() {
        return Err(UserError::usage(format!(
            "the key is {}: NetSuite accepts RSA 3072 or 4096 bits, or EC P-256, P-384 or P-521",
            key.kind()
        ))
        .hint("make a new key and certificate: `netsuite cert new --key-type ec-p256 --out DIR`")
        .into());
    }
    Ok(alg)
}

/// The token store in the config directory, telling the user once, loudly, when its
/// key had to go in a file (unless `NETSUITE_KEYRING=off` asked for exactly that).
pub fn open_store(config: &Config) -> Result<TokenStore> {
    open_store_at(config.tokens_dir())
}

/// The token store in `dir`; see [`open_store`].
pub fn open_store_at(dir: std::path::PathBuf) -> Result<TokenStore> {
    crate::files::check_trusted(&dir, "token directory", 0o700)?;
    let store = TokenStore::new(dir);
    if let (KeySource::File(path), true) = store.key_source()?
        && KeyringMode::from_env() != KeyringMode::Off
    {
        crate::say!(
            "warning: no OS keyring answered, so the key that encrypts stored tokens and\n\
             warning: secrets is in {} (mode 0600).\n\
             warning: Anyone who can read that file as you can decrypt them. (Said once.)",
            path.display()
        );
    }
    Ok(store)
}

/// The client-credentials grant of a profile, with its key.
pub fn m2m_grant(
    name: &str,
    profile: &Profile,
    endpoints: Endpoints,
    key: PrivateKey,
) -> Result<Grant> {
    let algorithm = algorithm_for(&key, profile.algorithm.as_deref())?;
    let certificate_id = profile.certificate_id.clone().ok_or_else(|| {
        UserError::usage(format!("profile {name:?} has no certificate id"))
            .hint("set NETSUITE_CERTIFICATE_ID, or re-add the profile with `netsuite profile add NAME ... --certificate-id ID --force`")
    })?;
    Ok(ClientCredentials {
        endpoints,
        client_id: profile.client_id.as_str().into(),
        certificate_id: certificate_id.into(),
        private_key: Arc::new(key),
        algorithm,
        scopes: profile.scopes.clone(),
        scope_format: profile.scope_format,
        assertion_lifetime_secs: netsuite_auth::assertion::DEFAULT_LIFETIME_SECS,
    }
    .into())
}

/// The authorization-code grant of a profile.
pub fn auth_code_grant(name: &str, profile: &Profile, endpoints: Endpoints) -> Result<Grant> {
    let hint = "re-add it with `netsuite profile add NAME --flow auth-code ... --redirect-uri URI --force`";
    let uri = profile.redirect_uri.as_deref().ok_or_else(|| {
        UserError::usage(format!("profile {name:?} has no redirect URI")).hint(hint)
    })?;
    let redirect_uri = netsuite_auth::RedirectUri::parse(uri)
        .map_err(|e| UserError::usage(format!("profile {name:?}: {e}")).hint(hint))?;
    Ok(AuthCode {
        endpoints,
        client_id: profile.client_id.as_str().into(),
        public: profile.public,
        redirect_uri,
        scopes: profile.scopes.clone(),
    }
    .into())
}
