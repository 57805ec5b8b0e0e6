//! `netsuite profile ...`

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use clap::{Args, Subcommand, ValueEnum};
use netsuite_auth::account::{AccountId, Endpoints};
use netsuite_auth::assertion::{ScopeFormat, split_scopes, validate_scopes};
use netsuite_auth::secret::ClientSecret;
use serde_json::{Value, json};

use crate::config::{Config, Flow, Profile};
use crate::error::UserError;
use crate::output;

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ScopeFormatArg {
    /// `["rest_webservices","restlets"]`
    Array,
    /// `"rest_webservices,restlets"`
    CommaString,
}

#[derive(Debug, Args)]
pub struct ProfileAddArgs {
    /// Profile name.
    pub name: String,
    /// The grant: client-credentials (M2M, a certificate) or auth-code (browser login).
    #[arg(long, value_enum, default_value = "client-credentials")]
    pub flow: crate::config::Flow,
    /// Account id: 1234567, 1234567_SB1, TSTDRV1234567.
    #[arg(long)]
    pub account: String,
    /// Client id (consumer key) of the integration record.
    #[arg(long)]
    pub client_id: String,
    /// Certificate id from the OAuth 2.0 Client Credentials (M2M) Setup mapping
    /// (client-credentials). Base64url ids may start with '-'.
    #[arg(long, allow_hyphen_values = true)]
    pub certificate_id: Option<String>,
    /// The certificate's private key PEM (client-credentials): a regular file, or `-`
    /// to read the PEM from stdin (kept as a 0600 copy in `<config dir>/keys/`).
    #[arg(long, value_name = "PATH|-")]
    pub private_key: Option<PathBuf>,
    /// The certificate uploaded to NetSuite (for expiry warnings in `profile list`,
    /// `auth status` and `doctor`); checked against the private key.
    #[arg(long, value_name = "PATH")]
    pub certificate: Option<PathBuf>,
    /// Public client: no secret, PKCE only (auth-code).
    #[arg(long)]
    pub public: bool,
    /// Redirect URI registered on the integration record (auth-code), e.g. https://127.0.0.1:53682/callback.
    #[arg(long, value_name = "URI")]
    pub redirect_uri: Option<String>,
    /// Read the client secret from stdin (auth-code, confidential). Otherwise
    /// NETSUITE_CLIENT_SECRET, or a hidden prompt on a terminal.
    #[arg(long)]
    pub client_secret_stdin: bool,
    /// Scopes, comma-separated or repeated.
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "rest_webservices,restlets"
    )]
    pub scope: Vec<String>,
    /// JWS algorithm (default: ES256/ES384/ES512 by curve, PS256 for RSA).
    #[arg(long)]
    pub algorithm: Option<String>,
    /// Base URL instead of the account's domains (the emulator: http://127.0.0.1:PORT).
    #[arg(long)]
    pub base_url: Option<String>,
    /// How assertions write the scope claim.
    #[arg(long, value_enum, default_value = "array")]
    pub scope_format: ScopeFormatArg,
    /// Replace an existing profile of the same name.
    #[arg(long)]
    pub force: bool,
    /// Print the added profile as JSON (as `profile show --json`).
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum ProfileCommand {
    /// Add a client-credentials profile.
    #[command(
        after_help = "Example:\n  netsuite profile add prod --account 1234567 --client-id 58586d9e... --certificate-id PKRCPfzL... --private-key ./ns-cert/private-key.pem --scope rest_webservices,restlets"
    )]
    Add(Box<ProfileAddArgs>),
    /// List profiles.
    #[command(after_help = "Example:\n  netsuite profile list --json")]
    List {
        /// JSON output (the same as --format json).
        #[arg(long)]
        json: bool,
        /// Output format: table (the default) or json.
        #[arg(long, value_parser = ["table", "json"], conflicts_with = "json")]
        format: Option<String>,
    },
    /// Show one profile (default: the active one) and whether a secret is stored.
    #[command(after_help = "Example:\n  netsuite profile show prod")]
    Show {
        /// Profile name (default: --profile, NETSUITE_PROFILE, else the default profile).
        name: Option<String>,
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
    /// Make a profile the default.
    #[command(after_help = "Example:\n  netsuite profile use sandbox")]
    Use {
        /// Profile name.
        name: String,
    },
    /// Edit a profile in place; a changed setting drops its cached tokens.
    #[command(
        after_help = "Example:\n  netsuite profile set prod --certificate-id PKRCPfzL... --private-key ./ns-cert/private-key.pem"
    )]
    Set(Box<ProfileSetArgs>),
    /// Rename a profile; its tokens, secret and imported key follow.
    #[command(after_help = "Example:\n  netsuite profile rename prod production")]
    Rename {
        /// The current name.
        old: String,
        /// The new name.
        new: String,
    },
    /// Copy a profile to another account (a sandbox); tokens stay behind.
    #[command(after_help = "Example:\n  netsuite profile copy prod sb1 --account 1234567_SB1")]
    Copy {
        /// The profile to copy.
        name: String,
        /// The new profile's name.
        new: String,
        /// The new profile's account id: 1234567, 1234567_SB1, 1234567_RP, TSTDRV1234567.
        #[arg(long)]
        account: String,
    },
    /// Remove a profile, its stored tokens and secret, and the key file netsuite wrote.
    #[command(after_help = "Example:\n  netsuite profile remove prod --yes")]
    Remove {
        /// Profile name.
        name: String,
        /// Do not ask (needed when not on a terminal).
        #[arg(long, short = 'y')]
        yes: bool,
        /// Print what was removed as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Make a profile from a Postman or Hoppscotch environment: client credentials (CONSUMER_KEY, CERTIFICATE_ID, CERTIFICATE_PRIVATE_KEY, URL) or authorization code (CLIENT_ID, CLIENT_SECRET, REDIRECT_URI, SCOPE).
    #[command(
        after_help = "Examples:\n  netsuite profile import-postman NetSuite.postman_environment.json --name prod\n  netsuite profile import-postman auth-code.json --name sb1 --scope rest_webservices,restlets\n\nToken-based authentication (OAuth 1.0: TOKEN_ID, TOKEN_SECRET) environments are refused:\nnetsuite uses OAuth 2.0 only."
    )]
    ImportPostman {
        /// The exported environment JSON.
        file: PathBuf,
        /// Profile name (default: from the account id).
        #[arg(long)]
        name: Option<String>,
        /// Account id, when URL is not a NetSuite host (an emulator or a proxy).
        #[arg(long)]
        account: Option<String>,
        /// Scopes instead of the environment's (comma-separated or repeated).
        #[arg(long, value_delimiter = ',')]
        scope: Vec<String>,
        /// Replace an existing profile of the same name.
        #[arg(long)]
        force: bool,
    },
}

/// `profile set`: only the settings given change.
#[derive(Debug, Args)]
pub struct ProfileSetArgs {
    /// Profile name.
    pub name: String,
    /// Certificate id of the M2M mapping. Base64url ids may start with '-'.
    #[arg(long, allow_hyphen_values = true)]
    pub certificate_id: Option<String>,
    /// The private key PEM: a regular file, or `-` for stdin.
    #[arg(long, value_name = "PATH|-")]
    pub private_key: Option<PathBuf>,
    /// The certificate uploaded to NetSuite (checked against the private key).
    #[arg(long, value_name = "PATH")]
    pub certificate: Option<PathBuf>,
    /// Scopes, comma-separated or repeated.
    #[arg(long, value_delimiter = ',')]
    pub scope: Vec<String>,
    /// JWS algorithm (PS256, ES256, ...).
    #[arg(long)]
    pub algorithm: Option<String>,
    /// Base URL instead of the account's domains (an empty string removes it).
    #[arg(long)]
    pub base_url: Option<String>,
    /// Redirect URI registered on the integration record (auth-code).
    #[arg(long, value_name = "URI")]
    pub redirect_uri: Option<String>,
}

/// Runs a `profile` command; `selected` is the global `--profile` (or `NETSUITE_PROFILE`).
pub fn run(cmd: ProfileCommand, selected: Option<&str>) -> Result<()> {
    match cmd {
        ProfileCommand::Add(args) => add(*args),
        ProfileCommand::List { json, format } => list(json || format.as_deref() == Some("json")),
        ProfileCommand::Show { name, json } => show(name.as_deref().or(selected), json),
        ProfileCommand::Use { name } => use_profile(&name),
        ProfileCommand::Set(args) => set(*args),
        ProfileCommand::Rename { old, new } => rename(&old, &new),
        ProfileCommand::Copy { name, new, account } => copy(&name, &new, &account),
        ProfileCommand::Remove { name, yes, json } => remove(&name, yes, json),
        ProfileCommand::ImportPostman {
            file,
            name,
            account,
            scope,
            force,
        } => import_postman(&file, name.as_deref(), account.as_deref(), &scope, force),
    }
}

/// Checks and stores a profile; shared by `add`, `import-postman` and `demo`.
/// `secret` (confidential auth-code clients) goes to the encrypted token store.
pub fn save_profile(
    config: &mut Config,
    name: &str,
    profile: Profile,
    secret: Option<ClientSecret>,
    force: bool,
) -> Result<()> {
    crate::config::validate_name(name)?;
    if let Some(other) = crate::config::same_token_file(name, config.file.profiles.keys()) {
        return Err(UserError::usage(format!(
            "profile {other:?} exists, and {name:?} would share its token file"
        ))
        .hint("choose a name that differs in more than letter case, or remove the other profile first")
        .into());
    }
    if config.file.profiles.contains_key(name) && !force {
        return Err(UserError::new(format!("profile {name:?} already exists"))
            .hint("pass --force to replace it, or `netsuite profile remove NAME` first")
            .into());
    }
    let account = parse_account(&profile.account)?;
    Endpoints::resolve(&account, profile.base_url.as_deref())?;
    crate::identity::check_cleartext(profile.base_url.as_deref())?;
    validate_scopes(&profile.scopes)?;
    if profile.client_id.is_empty() {
        return Err(UserError::usage("the client id is empty")
            .hint("pass --client-id with the integration record's client id")
            .into());
    }
    match profile.flow {
        Flow::ClientCredentials => {
            let (Some(path), Some(_)) = (&profile.private_key, &profile.certificate_id) else {
                return Err(UserError::usage(
                    "a client-credentials profile needs --certificate-id and --private-key",
                )
                .hint("or pass --flow auth-code for a browser login profile")
                .into());
            };
            let key = crate::credentials::load_private_key(path)?;
            crate::credentials::algorithm_for(&key, profile.algorithm.as_deref())?;
        }
        Flow::AuthCode => {
            let uri = profile.redirect_uri.as_deref().ok_or_else(|| {
                UserError::usage("an auth-code profile needs --redirect-uri")
                    .hint("pass the redirect URI registered on the integration record, e.g. https://127.0.0.1:53682/callback")
            })?;
            check_redirect_uri(uri)?;
            if !profile.public && secret.is_none() {
                return Err(UserError::usage("a confidential auth-code profile needs its client secret")
                    .hint("pipe it to --client-secret-stdin, set NETSUITE_CLIENT_SECRET, or pass --public for a public client")
                    .into());
            }
        }
    }
    let profile = Profile {
        account: account.to_string(),
        ..profile
    };
    // Secrets first: a profile must never exist without the secret it needs.
    let store = crate::credentials::open_store(config)?;
    store.remove_profile(name)?;
    if let Some(s) = &secret {
        store.set_client_secret(name, s)?;
    }
    config.file.profiles.insert(name.to_owned(), profile);
    if config.file.default_profile.is_none() {
        config.file.default_profile = Some(name.to_owned());
    }
    config.save()?;
    Ok(())
}

/// NetSuite registers only https or custom-scheme redirect URIs; http is allowed
/// here only on loopback (the emulator accepts it with --allow-http-loopback).
fn check_redirect_uri(uri: &str) -> Result<()> {
    let parsed = url::Url::parse(uri).map_err(|e| {
        UserError::usage(format!("--redirect-uri {uri:?} is not a URL: {e}"))
            .hint("e.g. https://127.0.0.1:53682/callback")
    })?;
    let loopback = matches!(parsed.host_str(), Some("127.0.0.1" | "localhost" | "[::1]"));
    if parsed.scheme() == "http" && !loopback {
        return Err(UserError::usage(format!(
            "--redirect-uri {uri} uses http: NetSuite accepts only https or a custom scheme"
        ))
        .hint("use https://127.0.0.1:PORT/callback; netsuite serves it with a self-signed certificate")
        .into());
    }
    if parsed.fragment().is_some() {
        return Err(UserError::usage("a redirect URI must not have a #fragment")
            .hint("remove the part after #")
            .into());
    }
    Ok(())
}

/// The client secret from stdin, `NETSUITE_CLIENT_SECRET`, or a hidden prompt.
fn read_secret(from_stdin: bool) -> Result<Option<ClientSecret>> {
    use std::io::{BufRead, IsTerminal};
    let secret = if from_stdin {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .context("could not read the client secret from stdin")?;
        line.trim().to_owned()
    } else if let Ok(s) = std::env::var("NETSUITE_CLIENT_SECRET") {
        s.trim().to_owned()
    } else if std::io::stdin().is_terminal() && std::io::stderr().is_terminal() {
        rpassword::prompt_password("client secret (input hidden): ")
            .context("could not read the client secret")?
            .trim()
            .to_owned()
    } else {
        return Ok(None);
    };
    if secret.is_empty() {
        return Err(UserError::usage("the client secret is empty")
            .hint("pass the integration record's client secret (64 hex characters)")
            .into());
    }
    Ok(Some(ClientSecret::new(secret)))
}

/// A key path the profile can keep: a regular file (a pipe such as `<(...)` or
/// `/dev/fd/63` is gone by the next call).
fn regular_key_path(path: &Path) -> Result<PathBuf> {
    if let Ok(m) = std::fs::metadata(path)
        && !m.is_file()
    {
        return Err(UserError::usage(format!(
            "--private-key {} is not a regular file (a pipe or device is gone by the next call)",
            path.display()
        ))
        .hint("copy the key to a file (chmod 600) and pass that, pass `--private-key -` to read it from stdin, or set NETSUITE_PRIVATE_KEY instead of adding a profile")
        .into());
    }
    absolute(path)
}

/// `--private-key -`: the PEM from stdin, checked, kept as `<config dir>/keys/NAME.pem`.
fn key_from_stdin(config: &Config, name: &str, force: bool) -> Result<PathBuf> {
    use std::io::Read;
    let mut text = String::new();
    std::io::stdin()
        .read_to_string(&mut text)
        .map_err(|e| UserError::usage(format!("cannot read the private key from stdin: {e}")))?;
    let pem = crate::credentials::repair_pem(text.trim());
    netsuite_auth::key::PrivateKey::from_pem(&pem).context("the private key read from stdin")?;
    let path = config.keys_dir().join(format!("{name}.pem"));
    if path.exists() && !force {
        return Err(UserError::new(format!("{} already exists", path.display()))
            .hint("pass --force to replace it")
            .into());
    }
    netsuite_client::store::write_private(&path, pem.as_bytes())?;
    Ok(path)
}

fn absolute(path: &Path) -> Result<PathBuf> {
    std::path::absolute(path).with_context(|| format!("cannot resolve {}", path.display()))
}

fn add(args: ProfileAddArgs) -> Result<()> {
    let mut config = Config::load()?;
    let scopes: Vec<String> = args.scope.iter().flat_map(|s| split_scopes(s)).collect();
    let secret = match args.flow {
        Flow::AuthCode if !args.public => read_secret(args.client_secret_stdin)?,
        _ if args.client_secret_stdin => {
            return Err(UserError::usage(
                "--client-secret-stdin is for confidential auth-code profiles",
            )
            .hint("client-credentials profiles use a certificate; public clients have no secret")
            .into());
        }
        _ => None,
    };
    let profile = Profile {
        flow: args.flow,
        account: args.account,
        client_id: args.client_id.trim().to_owned(),
        certificate_id: args.certificate_id.map(|c| c.trim().to_owned()),
        private_key: match args.private_key.as_deref() {
            Some(p) if p == Path::new("-") => {
                Some(key_from_stdin(&config, &args.name, args.force)?)
            }
            Some(p) => Some(regular_key_path(p)?),
            None => None,
        },
        algorithm: args.algorithm.map(|a| a.to_ascii_uppercase()),
        scopes,
        scope_format: match args.scope_format {
            ScopeFormatArg::Array => ScopeFormat::Array,
            ScopeFormatArg::CommaString => ScopeFormat::CommaString,
        },
        public: args.public,
        redirect_uri: args.redirect_uri,
        base_url: args.base_url,
        governor: None,
        certificate: None,
    };
    let profile = Profile {
        certificate: match &args.certificate {
            Some(c) => Some(certificate_path(c, profile.private_key.as_deref())?),
            None => None,
        },
        ..profile
    };
    save_profile(&mut config, &args.name, profile, secret, args.force)?;
    crate::output::say!(
        "added profile {:?} to {}",
        args.name,
        config.path().display()
    );
    if args.json {
        let (name, p) = config.resolve(Some(&args.name))?;
        return output::json(&profile_json(&name, p, &config));
    }
    Ok(())
}

fn profile_json(name: &str, p: &Profile, config: &Config) -> Value {
    let endpoints = AccountId::parse(&p.account)
        .ok()
        .and_then(|a| Endpoints::resolve(&a, p.base_url.as_deref()).ok());
    json!({
        "name": name,
        "default": config.file.default_profile.as_deref() == Some(name),
        "flow": p.flow,
        "public": p.public,
        "redirect_uri": p.redirect_uri,
        "account": p.account,
        "client_id": p.client_id,
        "certificate_id": p.certificate_id,
        "private_key": p.private_key,
        "certificate": p.certificate,
        "algorithm": p.algorithm,
        "scopes": p.scopes,
        "scope_format": p.scope_format,
        "base_url": p.base_url,
        "token_url": endpoints.map(|e| e.token_url().to_string()),
    })
}

fn list(as_json: bool) -> Result<()> {
    let config = Config::load()?;
    let store = crate::credentials::open_store(&config)?;
    let tokens: Vec<String> = config
        .file
        .profiles
        .keys()
        .map(|n| token_state(&store, n))
        .collect();
    let items: Vec<Value> = config
        .file
        .profiles
        .iter()
        .zip(&tokens)
        .map(|((n, p), t)| {
            let mut v = profile_json(n, p, &config);
            v["token"] = json!(t);
            v["certificate_days_left"] = json!(certificate_days_left(n, p));
            v
        })
        .collect();
    if as_json {
        return output::json(&items);
    }
    if items.is_empty() {
        crate::output::say!(
            "no profiles yet: add one with `netsuite profile add` or try `netsuite demo`"
        );
        return Ok(());
    }
    let mut text = String::new();
    for ((n, p), token) in config.file.profiles.iter().zip(&tokens) {
        let mark = if config.file.default_profile.as_deref() == Some(n) {
            "*"
        } else {
            " "
        };
        let cert = match items.iter().find(|i| i["name"] == n.as_str()) {
            Some(i) if i["certificate_days_left"].is_i64() => {
                format!("  certificate: {} days left", i["certificate_days_left"])
            }
            _ => String::new(),
        };
        text.push_str(&format!(
            "{mark} {n:<20} {:<12} {:<20} {:<24} token: {token}{cert}\n",
            p.account,
            p.flow.name(),
            p.base_url.as_deref().unwrap_or("")
        ));
    }
    output::data(text.trim_end())
}

fn show(name: Option<&str>, as_json: bool) -> Result<()> {
    let config = Config::load()?;
    let (name, p) = config.resolve(name)?;
    let mut v = profile_json(&name, p, &config);
    let store = crate::credentials::open_store(&config)?;
    v["secret_stored"] = json!(store.client_secret(&name).ok().flatten().is_some());
    v["token"] = json!(token_state(&store, &name));
    if as_json {
        return output::json(&v);
    }
    let mut text = String::new();
    if let Value::Object(m) = &v {
        for (k, val) in m {
            let s = match val {
                Value::Null => continue,
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            text.push_str(&format!("{k:<15} {s}\n"));
        }
    }
    output::data(text.trim_end())
}

/// `profile import-postman`: a client-credentials (M2M) environment (CONSUMER_KEY,
/// CERTIFICATE_ID, CERTIFICATE_PRIVATE_KEY, URL) or an authorization-code one
/// (client id, secret, redirect URI, scopes); token-based authentication is refused.
fn import_postman(
    file: &Path,
    name: Option<&str>,
    account_arg: Option<&str>,
    scope: &[String],
    force: bool,
) -> Result<()> {
    let env = super::postman::Environment::read(file)?;
    env.refuse_oauth1(file)?;
    let scopes: Vec<String> = scope.iter().flat_map(|s| split_scopes(s)).collect();
    let next = if env.get(&["CERTIFICATE_ID"]).is_some() {
        import_postman_m2m(&env, name, account_arg, scopes, force)?
    } else if env.get(&CLIENT_SECRET_KEYS).is_some() || env.get(&REDIRECT_KEYS).is_some() {
        import_postman_auth_code(&env, name, account_arg, scopes, force)?
    } else {
        return Err(UserError::usage(format!(
            "{} is neither a client-credentials nor an authorization-code environment",
            file.display()
        ))
        .hint("a client-credentials environment has CONSUMER_KEY, CERTIFICATE_ID, CERTIFICATE_PRIVATE_KEY and URL; an authorization-code one has CLIENT_ID, CLIENT_SECRET, REDIRECT_URI (and SCOPE)")
        .into());
    };
    crate::output::say!("next: {next}");
    Ok(())
}

/// The variables that hold an auth-code client's id, secret and redirect URI.
const CLIENT_ID_KEYS: [&str; 3] = ["CLIENT_ID", "CONSUMER_KEY", "OAUTH2_CLIENT_ID"];
const CLIENT_SECRET_KEYS: [&str; 3] = ["CLIENT_SECRET", "CONSUMER_SECRET", "OAUTH2_CLIENT_SECRET"];
const REDIRECT_KEYS: [&str; 4] = [
    "REDIRECT_URI",
    "REDIRECT_URL",
    "CALLBACK_URL",
    "CALLBACK_URI",
];

/// A missing variable of an environment.
fn missing_variable(k: &str, expected: &str) -> anyhow::Error {
    UserError::new(format!("the environment has no {k} value"))
        .hint(format!("this kind of environment has {expected}"))
        .into()
}

/// Imports an M2M environment; returns the command to run next.
fn import_postman_m2m(
    env: &super::postman::Environment,
    name: Option<&str>,
    account_arg: Option<&str>,
    scopes: Vec<String>,
    force: bool,
) -> Result<String> {
    const EXPECTED: &str = "CONSUMER_KEY, CERTIFICATE_ID, CERTIFICATE_PRIVATE_KEY and URL";
    let client_id = env
        .get(&["CONSUMER_KEY", "CLIENT_ID"])
        .ok_or_else(|| missing_variable("CONSUMER_KEY", EXPECTED))?;
    let certificate_id = env
        .get(&["CERTIFICATE_ID"])
        .ok_or_else(|| missing_variable("CERTIFICATE_ID", EXPECTED))?;
    let key_pem = env
        .get(&["CERTIFICATE_PRIVATE_KEY", "PRIVATE_KEY"])
        .ok_or_else(|| missing_variable("CERTIFICATE_PRIVATE_KEY", EXPECTED))?;
    let (account, base_url) = env.account_and_base(&["URL", "TOKEN_URL"], account_arg)?;
    // Literal \n sequences, and breaks lost entirely, are put back.
    let pem = crate::credentials::repair_pem(&key_pem);
    let key = netsuite_auth::key::PrivateKey::from_pem(&pem)
        .context("CERTIFICATE_PRIVATE_KEY of the environment")?;
    let name = name
        .map(str::to_owned)
        .unwrap_or_else(|| account.as_str().to_ascii_lowercase());
    let mut config = Config::load()?;
    let key_path = config.keys_dir().join(format!("{name}.pem"));
    if key_path.exists() && !force {
        return Err(
            UserError::new(format!("{} already exists", key_path.display()))
                .hint("pass --force to replace it, or --name for another profile name")
                .into(),
        );
    }
    netsuite_client::store::write_private(&key_path, pem.as_bytes())?;
    let profile = Profile {
        flow: Flow::ClientCredentials,
        account: account.to_string(),
        client_id,
        certificate_id: Some(certificate_id),
        private_key: Some(key_path.clone()),
        // The seed's script signs PS256; for EC keys the curve decides.
        algorithm: None,
        scopes: if scopes.is_empty() {
            vec!["restlets".into(), "rest_webservices".into()]
        } else {
            scopes
        },
        scope_format: ScopeFormat::Array,
        public: false,
        redirect_uri: None,
        base_url,
        governor: None,
        certificate: None,
    };
    if let Err(e) = save_profile(&mut config, &name, profile, None, force) {
        let _ = std::fs::remove_file(&key_path);
        return Err(e);
    }
    crate::output::say!(
        "imported profile {name:?} (account {account}, client credentials, {} key written to {} with mode 0600)",
        key.kind(),
        key_path.display()
    );
    Ok(format!("netsuite auth token --profile {name}"))
}

/// Imports an authorization-code environment (the secret goes to the encrypted
/// token store); returns the command to run next.
fn import_postman_auth_code(
    env: &super::postman::Environment,
    name: Option<&str>,
    account_arg: Option<&str>,
    scopes: Vec<String>,
    force: bool,
) -> Result<String> {
    const EXPECTED: &str = "CLIENT_ID, CLIENT_SECRET, REDIRECT_URI and SCOPE";
    let client_id = env
        .get(&CLIENT_ID_KEYS)
        .ok_or_else(|| missing_variable("CLIENT_ID", EXPECTED))?;
    let secret = env
        .get(&CLIENT_SECRET_KEYS)
        .ok_or_else(|| missing_variable("CLIENT_SECRET", EXPECTED))?;
    let redirect_uri = env
        .get(&REDIRECT_KEYS)
        .ok_or_else(|| missing_variable("REDIRECT_URI", EXPECTED))?;
    let (account, base_url) = env.account_and_base(
        &[
            "AUTH_URL",
            "AUTHORIZATION_URL",
            "AUTHORIZATION_ENDPOINT",
            "TOKEN_URL",
            "ACCESS_TOKEN_URL",
            "TOKEN_ENDPOINT",
            "URL",
        ],
        account_arg,
    )?;
    let scopes = match scopes.is_empty() {
        false => scopes,
        true => env
            .get(&["SCOPE", "SCOPES"])
            .map(|s| split_scopes(&s))
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| vec!["rest_webservices".into()]),
    };
    let name = name
        .map(str::to_owned)
        .unwrap_or_else(|| account.as_str().to_ascii_lowercase());
    let mut config = Config::load()?;
    let profile = Profile {
        flow: Flow::AuthCode,
        account: account.to_string(),
        client_id,
        certificate_id: None,
        private_key: None,
        algorithm: None,
        scopes,
        scope_format: ScopeFormat::Array,
        public: false,
        redirect_uri: Some(redirect_uri.clone()),
        base_url,
        governor: None,
        certificate: None,
    };
    save_profile(
        &mut config,
        &name,
        profile,
        Some(ClientSecret::new(secret)),
        force,
    )?;
    crate::output::say!(
        "imported profile {name:?} (account {account}, authorization code, redirect URI {redirect_uri}; the client secret is in the encrypted token store)"
    );
    Ok(format!("netsuite auth login --profile {name}"))
}

/// The account id forms NetSuite uses, for errors.
const ACCOUNT_FORMS: &str = "1234567 (production), 1234567_SB1 (sandbox 1; SB2, ... for others), 1234567_RP (release preview), TSTDRV1234567 (test drive)";

/// Parses an account id, refusing a suffix NetSuite does not use (`1234567_SB`).
fn parse_account(input: &str) -> Result<AccountId> {
    let account = AccountId::parse(input)?;
    let suffix_ok = |s: &str| {
        let digits = |n: &str| n.chars().all(|c| c.is_ascii_digit());
        matches!(s.strip_prefix("SB"), Some(n) if !n.is_empty() && digits(n))
            || matches!(s.strip_prefix("RP"), Some(n) if digits(n))
    };
    match account.as_str().split_once('_') {
        Some((_, suffix)) if !suffix_ok(suffix) => Err(UserError::usage(format!(
            "account id {input:?} has a suffix NetSuite does not use ({suffix:?})"
        ))
        .hint(format!("accepted forms: {ACCOUNT_FORMS}"))
        .into()),
        _ => Ok(account),
    }
}

/// A stored token's state: `valid until …`, `expired …`, `dead: …`, or `none`.
fn token_state(store: &netsuite_client::store::TokenStore, name: &str) -> String {
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    match store.load(name) {
        Ok(None) => "none".into(),
        Err(e) => format!("unreadable: {e}"),
        Ok(Some(t)) => match (&t.dead, t.refresh_expires_at) {
            (Some(why), _) => format!("dead: {why}"),
            (None, _) if t.expires_at > now => format!("valid until {}", rfc3339(t.expires_at)),
            (None, Some(r)) if r > now && t.refresh_token.is_some() => {
                format!("renewable until {}", rfc3339(r))
            }
            (None, _) => format!("expired {}", rfc3339(t.expires_at)),
        },
    }
}

fn rfc3339(unix: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_else(|| unix.to_string())
}

/// Fails with the known profiles unless `name` exists.
fn existing<'c>(config: &'c Config, name: &str) -> Result<&'c Profile> {
    config.resolve(Some(name)).map(|(_, p)| p)
}

fn use_profile(name: &str) -> Result<()> {
    let mut config = Config::load()?;
    existing(&config, name)?;
    config.file.default_profile = Some(name.to_owned());
    config.save()?;
    crate::output::say!("profile {name:?} is now the default");
    Ok(())
}

/// Stores `profile` under `name` through [`save_profile`] (checked, with `secret`),
/// keeping the default profile as `default` says.
fn store_as(
    config: &mut Config,
    name: &str,
    profile: Profile,
    secret: Option<ClientSecret>,
    force: bool,
    default: Option<String>,
) -> Result<()> {
    save_profile(config, name, profile, secret, force)?;
    if config.file.default_profile != default {
        config.file.default_profile = default;
        config.save()?;
    }
    Ok(())
}

fn set(args: ProfileSetArgs) -> Result<()> {
    let mut config = Config::load()?;
    let name = args.name.as_str();
    let old = existing(&config, name)?.clone();
    let mut p = old.clone();
    if let Some(c) = args.certificate_id {
        p.certificate_id = Some(c.trim().to_owned());
    }
    match args.private_key.as_deref() {
        Some(k) if k == Path::new("-") => {
            p.private_key = Some(key_from_stdin(&config, name, true)?)
        }
        Some(k) => p.private_key = Some(regular_key_path(k)?),
        None => {}
    }
    if !args.scope.is_empty() {
        p.scopes = args.scope.iter().flat_map(|s| split_scopes(s)).collect();
    }
    if let Some(a) = args.algorithm {
        p.algorithm = Some(a.to_ascii_uppercase());
    }
    if let Some(c) = &args.certificate {
        p.certificate = Some(certificate_path(c, p.private_key.as_deref())?);
    }
    if let Some(b) = args.base_url {
        p.base_url = Some(b).filter(|b| !b.is_empty());
    }
    if args.redirect_uri.is_some() {
        p.redirect_uri = args.redirect_uri;
    }
    if p == old {
        crate::output::say!("profile {name:?} unchanged");
        return Ok(());
    }
    let secret = crate::credentials::open_store(&config)?.client_secret(name)?;
    let default = config.file.default_profile.clone();
    // save_profile drops what the store kept for `name` and puts the secret back.
    store_as(&mut config, name, p, secret, true, default)?;
    crate::output::say!("updated profile {name:?}; its cached tokens were dropped");
    Ok(())
}

/// The key file netsuite wrote for `name` (`<config dir>/keys/NAME.pem`), if `p` uses it.
fn own_key(config: &Config, name: &str, p: &Profile) -> Option<PathBuf> {
    let own = config.keys_dir().join(format!("{name}.pem"));
    (p.private_key.as_deref() == Some(own.as_path())).then_some(own)
}

/// A key file netsuite wrote (in `<config dir>/keys/`) that `name` uses and no other
/// profile does (a copy shares its original's key).
fn key_to_delete(config: &Config, name: &str, p: &Profile) -> Option<PathBuf> {
    let key = p.private_key.clone()?;
    let shared = config
        .file
        .profiles
        .iter()
        .any(|(n, o)| n != name && o.private_key.as_deref() == Some(key.as_path()));
    (key.parent() == Some(config.keys_dir().as_path()) && !shared).then_some(key)
}

fn rename(old: &str, new: &str) -> Result<()> {
    let mut config = Config::load()?;
    let mut p = existing(&config, old)?.clone();
    let store = crate::credentials::open_store(&config)?;
    let secret = store.client_secret(old)?;
    let token = store.load(old)?;
    let moved_key = match own_key(&config, old, &p) {
        Some(from) if !config.file.profiles.contains_key(new) => {
            let to = config.keys_dir().join(format!("{new}.pem"));
            if to.exists() {
                return Err(UserError::new(format!("{} already exists", to.display()))
                    .hint("remove that key file, or choose another name")
                    .into());
            }
            p.private_key = Some(to.clone());
            Some((from, to))
        }
        _ => None,
    };
    if let Some((from, to)) = &moved_key {
        std::fs::rename(from, to).with_context(|| format!("cannot move {}", from.display()))?;
    }
    let default = match config.file.default_profile.clone() {
        Some(d) if d == old => Some(new.to_owned()),
        d => d,
    };
    if let Err(e) = store_as(&mut config, new, p, secret, false, default) {
        if let Some((from, to)) = &moved_key {
            let _ = std::fs::rename(to, from);
        }
        return Err(e);
    }
    if let Some(t) = token {
        store.save(new, &t)?;
    }
    config.file.profiles.remove(old);
    config.save()?;
    store.remove_profile(old)?;
    crate::output::say!("renamed profile {old:?} to {new:?}; its tokens and secret followed");
    Ok(())
}

fn copy(name: &str, new: &str, account: &str) -> Result<()> {
    let mut config = Config::load()?;
    let mut p = existing(&config, name)?.clone();
    p.account = parse_account(account)?.to_string();
    let secret = crate::credentials::open_store(&config)?.client_secret(name)?;
    let default = config.file.default_profile.clone();
    store_as(&mut config, new, p, secret, false, default)?;
    crate::output::say!("copied profile {name:?} to {new:?} for account {account} (no tokens)");
    Ok(())
}

fn remove(name: &str, yes: bool, as_json: bool) -> Result<()> {
    let mut config = Config::load()?;
    let p = existing(&config, name)?.clone();
    let key = key_to_delete(&config, name, &p);
    let mut question = format!(
        "remove profile {name:?} (account {}), its stored tokens and secret",
        p.account
    );
    if let Some(k) = &key {
        question.push_str(&format!(" and the key file {}", k.display()));
    }
    crate::output::confirm(&format!("{question}?"), yes)?;
    config.file.profiles.remove(name);
    let was_default = config.file.default_profile.as_deref() == Some(name);
    if was_default {
        config.file.default_profile = None;
    }
    config.save()?;
    crate::credentials::open_store(&config)?.remove_profile(name)?;
    if let Some(k) = &key {
        std::fs::remove_file(k).with_context(|| format!("cannot delete {}", k.display()))?;
    }
    crate::output::say!("removed {}", question.trim_start_matches("remove "));
    if was_default && !config.file.profiles.is_empty() {
        crate::output::say!(
            "there is no default profile now: choose one with `netsuite profile use NAME`"
        );
    }
    if as_json {
        return output::json(&json!({
            "removed": name,
            "tokens_deleted": true,
            "key_file_deleted": key.map(|k| k.display().to_string()),
            "was_default": was_default,
        }));
    }
    Ok(())
}

/// `--certificate PATH`: a certificate that parses and belongs to the private key.
fn certificate_path(path: &Path, key: Option<&Path>) -> Result<PathBuf> {
    let info = super::cert::expiry::read_certificate(path)?;
    if let Some(k) = key {
        let key = crate::credentials::load_private_key(k)?;
        if !info.matches(&key) {
            return Err(UserError::usage(format!(
                "the certificate {} does not belong to the private key {}",
                path.display(),
                k.display()
            ))
            .hint(
                "pass the certificate made with that key (cert new writes both into one directory)",
            )
            .into());
        }
    }
    absolute(path)
}

/// Days left on the profile's certificate (a warning on stderr at 30 or fewer), or
/// `None` when no certificate is recorded or it cannot be read.
fn certificate_days_left(name: &str, p: &Profile) -> Option<i64> {
    let path = p.certificate.as_deref()?;
    match super::cert::expiry::read_certificate(path) {
        Ok(info) => {
            let what = format!("the certificate of profile {name:?}");
            if let Some(w) = super::cert::expiry::expiry_warning(&what, &info) {
                crate::output::say!("{w}");
            }
            Some(info.days_left)
        }
        Err(e) => {
            crate::output::say!("warning: profile {name:?}: {e:#}");
            None
        }
    }
}
