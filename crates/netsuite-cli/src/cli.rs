//! The command line, as clap types. Each command's `--help` ends with an example.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// NetSuite OAuth 2.0 tokens, REST records and an offline NetSuite emulator.
#[derive(Debug, Parser)]
#[command(
    name = "netsuite",
    version,
    about,
    after_help = "Examples:\n  netsuite demo\n  netsuite cert new --key-type ec-p256 --out ./ns-cert\n  netsuite profile add prod --account 1234567 --client-id ... --certificate-id ... --private-key ./ns-cert/private-key.pem\n  curl -H \"Authorization: Bearer $(netsuite auth token)\" ...\n  netsuite record get salesorder 304"
)]
pub struct Cli {
    /// The profile to use (default: the default profile, or the only one).
    #[arg(long, global = true, env = "NETSUITE_PROFILE", value_name = "NAME")]
    pub profile: Option<String>,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create and inspect the key pair and certificate for Client Credentials (M2M).
    #[command(subcommand)]
    Cert(CertCommand),
    /// Manage profiles (account, integration, certificate, key).
    #[command(subcommand)]
    Profile(ProfileCommand),
    /// Get access tokens.
    #[command(subcommand)]
    Auth(AuthCommand),
    /// Records with the REST record API: get, list, create, update, upsert, delete.
    #[command(subcommand)]
    Record(crate::commands::record::RecordCommand),
    /// Run a SuiteQL query; --all exports every row, past 100,000, in parallel.
    Suiteql(crate::commands::suiteql::SuiteqlArgs),
    /// Call a RESTlet.
    Restlet(crate::commands::restlet::RestletArgs),
    /// Any authenticated call to the account (like `gh api`).
    Api(crate::commands::api::ApiArgs),
    /// Serve the profile's account on loopback: any HTTP client, no credentials.
    Proxy(crate::commands::proxy::ProxyArgs),
    /// Run a command with the profile's token (or a proxy) in its environment.
    Exec(crate::commands::exec::ExecArgs),
    /// Run and administer the offline NetSuite emulator.
    #[command(subcommand)]
    Emulator(crate::commands::emulator::EmulatorCommand),
    /// Run the whole client-credentials flow against an embedded emulator.
    #[command(after_help = "Example:\n  netsuite demo")]
    Demo,
}

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
    /// The certificate's private key PEM (client-credentials).
    #[arg(long, value_name = "PATH")]
    pub private_key: Option<PathBuf>,
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
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
    /// Show one profile.
    #[command(after_help = "Example:\n  netsuite profile show prod")]
    Show {
        /// Profile name.
        name: String,
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
    /// Remove a profile and its cached token.
    #[command(after_help = "Example:\n  netsuite profile remove prod")]
    Remove {
        /// Profile name.
        name: String,
    },
    /// Make a profile from a NetSuite Postman environment (CONSUMER_KEY, CERTIFICATE_ID, CERTIFICATE_PRIVATE_KEY, URL).
    #[command(
        after_help = "Example:\n  netsuite profile import-postman NetSuite.postman_environment.json --name prod"
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
        /// Replace an existing profile of the same name.
        #[arg(long)]
        force: bool,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum PromptArg {
    /// Log in again even with a NetSuite session.
    Login,
    /// Show the consent page.
    Consent,
    /// Both.
    LoginConsent,
    /// No interaction (fails if a login or consent is needed).
    None,
}

#[derive(Debug, Subcommand)]
pub enum AuthCommand {
    /// Log in with the browser (authorization code + PKCE) and keep the tokens.
    #[command(
        after_help = "Examples:\n  netsuite auth login --profile me\n  netsuite auth login --no-browser     # print the URL, paste the redirected URL back\n  netsuite auth login --prompt consent"
    )]
    Login {
        /// Do not open a browser: print the URL and read the redirected URL (or the code) from stdin.
        #[arg(long)]
        no_browser: bool,
        /// Listen on this port instead of the redirect URI's (the URI must be registered with it).
        #[arg(long)]
        port: Option<u16>,
        /// Pass prompt= to NetSuite.
        #[arg(long, value_enum)]
        prompt: Option<PromptArg>,
        /// Give up waiting for the redirect after this many seconds.
        #[arg(long, default_value_t = 300)]
        timeout: u64,
    },
    /// Print an access token (cached until five minutes before expiry, refreshed by itself).
    #[command(
        after_help = "Examples:\n  netsuite auth token\n  curl -H \"Authorization: Bearer $(netsuite auth token --profile prod)\" https://1234567.suitetalk.api.netsuite.com/services/rest/record/v1/salesorder/304\n  netsuite auth token --fresh --json"
    )]
    Token {
        /// Ignore the cached token and get a new one (or refresh).
        #[arg(long)]
        fresh: bool,
        /// Print JSON with access_token, expires_at and scope.
        #[arg(long)]
        json: bool,
    },
    /// Refresh the access token now (authorization code profiles).
    #[command(after_help = "Example:\n  netsuite auth refresh --profile me")]
    Refresh {
        /// Print JSON like `auth token --json`.
        #[arg(long)]
        json: bool,
    },
    /// Show the login: flow, account, role, entity, token expiry, refresh token life.
    #[command(
        after_help = "Examples:\n  netsuite auth status\n  netsuite auth status --json --show-token"
    )]
    Status {
        /// JSON output.
        #[arg(long)]
        json: bool,
        /// Show the tokens instead of masking them.
        #[arg(long)]
        show_token: bool,
    },
    /// Revoke the refresh token at NetSuite and delete the stored tokens.
    #[command(
        after_help = "Examples:\n  netsuite auth logout\n  netsuite auth logout --keep-remote   # only forget locally"
    )]
    Logout {
        /// Do not call the revoke endpoint.
        #[arg(long)]
        keep_remote: bool,
    },
}
