//! The TOML config: profiles, the default profile, and where files live.
//!
//! Everything lives under one directory: `$NETSUITE_CONFIG_DIR`, or the platform's
//! config directory (`~/.config/netsuite` on Linux). `config.toml` holds profiles,
//! `tokens/` the token store, `keys/` private keys imported from Postman.

use std::collections::BTreeMap;
use std::path::PathBuf;

use anyhow::{Context, Result};
use netsuite_auth::assertion::ScopeFormat;
use serde::{Deserialize, Serialize};

use crate::error::UserError;

/// The grant a profile uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum Flow {
    /// Client credentials (machine to machine) with a certificate.
    ClientCredentials,
    /// Authorization code with PKCE, in a browser, then refresh tokens.
    AuthCode,
}

impl Flow {
    /// The name used in the config and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Flow::ClientCredentials => "client-credentials",
            Flow::AuthCode => "auth-code",
        }
    }
}

/// One profile.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Profile {
    /// The grant.
    pub flow: Flow,
    /// Account id (realm form).
    pub account: String,
    /// Integration client id.
    pub client_id: String,
    /// M2M certificate id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificate_id: Option<String>,
    /// Path of the private key PEM.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub private_key: Option<PathBuf>,
    /// Path of the certificate uploaded to NetSuite (for its expiry warnings).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificate: Option<PathBuf>,
    /// JWS algorithm (`PS256`, `ES256`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub algorithm: Option<String>,
    /// Scopes.
    pub scopes: Vec<String>,
    /// Scope claim form in assertions.
    #[serde(default)]
    pub scope_format: ScopeFormat,
    /// Public client (authorization code without a secret).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub public: bool,
    /// Redirect URI (authorization code).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redirect_uri: Option<String>,
    /// Base URL overriding the account's domains.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_url: Option<String>,
    /// Redis URL of the shared governor (`--governor` and `NETSUITE_GOVERNOR` win).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub governor: Option<String>,
}

/// The whole config file.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfigFile {
    /// Used when neither `--profile` nor `NETSUITE_PROFILE` names one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_profile: Option<String>,
    /// Profiles by name.
    #[serde(default)]
    pub profiles: BTreeMap<String, Profile>,
}

/// Where the config lives, and its contents.
#[derive(Debug)]
pub struct Config {
    dir: PathBuf,
    /// The parsed file.
    pub file: ConfigFile,
}

/// The config directory: `$NETSUITE_CONFIG_DIR` or the platform's.
pub fn config_dir() -> Result<PathBuf> {
    if let Some(d) = std::env::var_os("NETSUITE_CONFIG_DIR").filter(|d| !d.is_empty()) {
        return Ok(PathBuf::from(d));
    }
    directories::ProjectDirs::from("", "", "netsuite")
        .map(|p| p.config_dir().to_owned())
        .ok_or_else(|| {
            UserError::new("no home directory was found for the config")
                .hint("set NETSUITE_CONFIG_DIR to a directory for netsuite's config")
                .into()
        })
}

/// The longest profile name: its token-store files (`NAME.enc`, `NAME.lock`, and
/// `NAME-env-HASH.enc`) stay far under any file system's name limit.
pub const MAX_NAME: usize = 64;

/// Refuses a profile name that is empty, too long, or holds characters other than
/// letters, digits, `-`, `_` and `.` (or starts with `.` or `-`): every name maps to
/// its own token file, unchanged.
pub fn validate_name(name: &str) -> Result<()> {
    let hint = "use letters, digits, '-', '_' or '.' (not first), at most 64 characters";
    if name.chars().count() > MAX_NAME {
        return Err(UserError::usage(format!(
            "the profile name {}... is {} characters long; the most is {MAX_NAME}",
            name.chars().take(20).collect::<String>(),
            name.chars().count()
        ))
        .hint(hint)
        .into());
    }
    let valid = !name.is_empty()
        && !name.starts_with(['.', '-'])
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.');
    if !valid {
        return Err(UserError::usage(format!("invalid profile name {name:?}"))
            .hint(hint)
            .into());
    }
    Ok(())
}

/// Another profile of `names` whose token file is `name`'s on a file system that
/// ignores case (`Prod` and `prod`).
pub fn same_token_file<'a>(
    name: &str,
    mut names: impl Iterator<Item = &'a String>,
) -> Option<&'a String> {
    names.find(|n| n.as_str() != name && n.eq_ignore_ascii_case(name))
}

impl Config {
    /// Loads the config (an absent file is an empty config).
    pub fn load() -> Result<Self> {
        let dir = config_dir()?;
        Self::load_from(dir)
    }

    /// An empty config in `dir` (nothing read).
    pub fn empty(dir: PathBuf) -> Self {
        Self {
            dir,
            file: ConfigFile::default(),
        }
    }

    /// Loads from a given directory.
    pub fn load_from(dir: PathBuf) -> Result<Self> {
        let path = dir.join("config.toml");
        // Whoever can write these decides where tokens and secrets are sent.
        crate::files::check_trusted(&dir, "config directory", 0o700)?;
        crate::files::check_trusted(&path, "config file", 0o600)?;
        let file = match std::fs::read_to_string(&path) {
            Ok(text) => toml::from_str(&text).map_err(|e| {
                UserError::new(format!(
                    "the config file {} is not valid: {e}",
                    path.display()
                ))
                .hint("fix or remove the file; `netsuite profile add` recreates it")
            })?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => ConfigFile::default(),
            Err(e) => {
                return Err(e).with_context(|| format!("could not read {}", path.display()));
            }
        };
        for name in file.profiles.keys() {
            validate_name(name).map_err(|e| {
                let hint = format!(
                    "rename or remove the profile in {} (names: letters, digits, '-', '_', '.'; at most {MAX_NAME} characters)",
                    path.display()
                );
                UserError::usage(format!("{} (in {})", e, path.display())).hint(hint)
            })?;
            if let Some(other) = same_token_file(name, file.profiles.keys()) {
                return Err(UserError::usage(format!(
                    "the profiles {other:?} and {name:?} in {} would share one token file",
                    path.display()
                ))
                .hint("rename one of them (names differ in more than letter case)")
                .into());
            }
        }
        Ok(Self { dir, file })
    }

    /// The config directory.
    pub fn dir_path(&self) -> &std::path::Path {
        &self.dir
    }

    /// The config file path.
    pub fn path(&self) -> PathBuf {
        self.dir.join("config.toml")
    }

    /// The token store directory.
    pub fn tokens_dir(&self) -> PathBuf {
        self.dir.join("tokens")
    }

    /// Where imported private keys go.
    pub fn keys_dir(&self) -> PathBuf {
        self.dir.join("keys")
    }

    /// Writes the config atomically (0600: it names key paths and client ids).
    pub fn save(&self) -> Result<()> {
        let text = toml::to_string_pretty(&self.file).context("could not serialise the config")?;
        netsuite_client::store::write_private(&self.path(), text.as_bytes())?;
        Ok(())
    }

    /// Resolves which profile to use: the flag, then `NETSUITE_PROFILE` (clap fills
    /// the flag from it), then the default profile; never another profile on its own.
    pub fn resolve(&self, requested: Option<&str>) -> Result<(String, &Profile)> {
        let name = match requested {
            Some(n) => {
                validate_name(n)?;
                n.to_owned()
            }
            None => match (&self.file.default_profile, self.file.profiles.len()) {
                (Some(d), _) => d.clone(),
                (None, 0) => {
                    return Err(UserError::usage("no profile is configured")
                        .hint("add one with `netsuite profile add NAME --account ... --client-id ...` (see `netsuite profile add --help`), set NETSUITE_ACCOUNT and NETSUITE_CLIENT_ID (README: In CI and containers), or run `netsuite demo`")
                        .into());
                }
                (None, _) => {
                    let known: Vec<&str> = self.file.profiles.keys().map(String::as_str).collect();
                    return Err(UserError::usage(format!(
                        "no default profile is set and none was chosen (profiles: {})",
                        known.join(", ")
                    ))
                    .hint("choose one with `netsuite profile use NAME`, or pass --profile NAME or set NETSUITE_PROFILE")
                    .into());
                }
            },
        };
        match self.file.profiles.get(&name) {
            Some(p) => Ok((name, p)),
            None => {
                let known: Vec<&str> = self.file.profiles.keys().map(String::as_str).collect();
                let hint = if known.is_empty() {
                    "no profiles exist yet: add one with `netsuite profile add`".to_owned()
                } else {
                    format!("known profiles: {}", known.join(", "))
                };
                Err(UserError::usage(format!("unknown profile {name:?}"))
                    .hint(hint)
                    .into())
            }
        }
    }
}
