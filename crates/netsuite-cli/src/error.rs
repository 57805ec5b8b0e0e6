//! Errors as the user sees them: one line naming the cause, then a `hint:` line.

use netsuite_auth::OAuthErrorCode;
use std::fmt;
use std::sync::OnceLock;

/// An error meant for the user, with a hint and its exit code.
#[derive(Debug)]
pub struct UserError {
    message: String,
    hint: Option<String>,
    usage: bool,
    auth: bool,
}

/// What hints may say about the command's identity: the profile the user named,
/// the grant, the scopes, and whether it points at an emulator on this machine.
#[derive(Debug, Default, Clone)]
pub struct HintContext {
    /// The profile named with `--profile` / `NETSUITE_PROFILE`.
    pub profile: Option<String>,
    /// The grant is the authorization code (a person logs in), not client credentials.
    pub auth_code: bool,
    /// The scopes asked for.
    pub scopes: Vec<String>,
    /// The base URL, when it is on loopback (the emulator).
    pub emulator: Option<String>,
}

static CONTEXT: OnceLock<HintContext> = OnceLock::new();

/// Records the identity for hints (once per process).
pub fn set_context(c: HintContext) {
    let _ = CONTEXT.set(c);
}

fn context() -> HintContext {
    CONTEXT.get().cloned().unwrap_or_default()
}

/// ` --profile NAME` when the user named a profile, else nothing.
pub fn profile_flag() -> String {
    context()
        .profile
        .map(|p| format!(" --profile {p}"))
        .unwrap_or_default()
}

/// `netsuite auth login[ --profile NAME]`.
pub fn login_command() -> String {
    format!("netsuite auth login{}", profile_flag())
}

impl UserError {
    /// An operational failure (exit 1).
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            hint: None,
            usage: false,
            auth: false,
        }
    }

    /// Authentication is needed: a new login, or fixed credentials (exit 4).
    pub fn auth(message: impl Into<String>) -> Self {
        Self {
            auth: true,
            ..Self::new(message)
        }
    }

    /// A usage error (exit 2).
    pub fn usage(message: impl Into<String>) -> Self {
        Self {
            usage: true,
            ..Self::new(message)
        }
    }

    /// Adds the hint.
    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// The hint, if any.
    pub fn hint_text(&self) -> Option<&str> {
        self.hint.as_deref()
    }
}

impl fmt::Display for UserError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for UserError {}

/// The hint for an error chain: the first `UserError`'s, or one derived from the
/// library error found in the chain; for an emulator, where its audit trail is.
pub fn hint_for(err: &anyhow::Error) -> Option<String> {
    let hint = err.chain().find_map(|cause| {
        if let Some(u) = cause.downcast_ref::<UserError>() {
            u.hint_text().map(str::to_owned)
        } else if let Some(e) = cause.downcast_ref::<netsuite_auth::Error>() {
            auth_hint(e)
        } else if let Some(e) = cause.downcast_ref::<netsuite_client::Error>() {
            client_hint(e)
        } else {
            None
        }
    })?;
    if let Some(base) = context().emulator.filter(|_| exit_code(err) == 4) {
        return Some(format!(
            "{hint}; on the emulator, `netsuite emulator audit --url {base} --last 5` names the cause"
        ));
    }
    Some(hint)
}

/// Exit code: 2 for usage and invalid input, 4 when authentication is needed, 1
/// otherwise. The first error in the chain that decides wins.
pub fn exit_code(err: &anyhow::Error) -> i32 {
    err.chain()
        .find_map(|c| {
            if let Some(u) = c.downcast_ref::<UserError>() {
                return (u.usage || u.auth).then_some(if u.usage { 2 } else { 4 });
            }
            if let Some(e) = c.downcast_ref::<netsuite_client::Error>() {
                return client_exit(e);
            }
            c.downcast_ref::<netsuite_auth::Error>().and_then(auth_exit)
        })
        .unwrap_or(1)
}

fn auth_exit(e: &netsuite_auth::Error) -> Option<i32> {
    use netsuite_auth::Error as E;
    match e {
        E::OAuth(o) => match o.error {
            OAuthErrorCode::InvalidGrant
            | OAuthErrorCode::InvalidClient
            | OAuthErrorCode::UnauthorizedClient
            | OAuthErrorCode::InvalidScope
            | OAuthErrorCode::InvalidToken => Some(4),
            _ => None,
        },
        E::InvalidAccountId { .. }
        | E::InvalidBaseUrl { .. }
        | E::EncryptedKey
        | E::NotAPrivateKey { .. }
        | E::InvalidKey { .. }
        | E::InvalidCertificate { .. }
        | E::ValidityTooLong { .. }
        | E::UnsupportedAlgorithm { .. }
        | E::Rs256Refused
        | E::KeyAlgorithmMismatch { .. }
        | E::AssertionLifetime { .. }
        | E::InvalidScope { .. } => Some(2),
        _ => None,
    }
}

fn client_exit(e: &netsuite_client::Error) -> Option<i32> {
    use netsuite_client::Error as E;
    match e {
        E::Auth(a) => auth_exit(a),
        E::NotLoggedIn | E::LoginExpired { .. } => Some(4),
        E::Api { error, .. } if error.status == 401 => Some(4),
        E::InvalidRequest { .. } => Some(2),
        _ => None,
    }
}

fn auth_hint(e: &netsuite_auth::Error) -> Option<String> {
    use netsuite_auth::Error as E;
    Some(match e {
        E::InvalidAccountId { .. } => "use the account id from Setup > Company > Company Information, e.g. 1234567 or 1234567_SB1".into(),
        E::InvalidBaseUrl { .. } => "give a URL like https://1234567.suitetalk.api.netsuite.com or http://127.0.0.1:PORT for the emulator".into(),
        E::EncryptedKey => "decrypt it once: `openssl pkey -in encrypted.pem -out private-key.pem` (keep the result 0600)".into(),
        E::NotAPrivateKey { .. } => "pass the private key file (-----BEGIN PRIVATE KEY-----); the certificate is what you upload to NetSuite".into(),
        E::InvalidKey { reason } if reason.contains("2048") => "NetSuite requires RSA 3072 or 4096, or EC P-256/384/521: `netsuite cert new --key-type ec-p256 --out DIR`".into(),
        E::InvalidKey { reason } if reason.contains("private keys;") => "keep one private key per file: copy the one the certificate belongs to into a file of its own (`netsuite cert inspect` tells which key fits a certificate)".into(),
        E::InvalidKey { .. } => "the file must be an unencrypted PEM private key (PKCS#8, PKCS#1 or SEC1); `netsuite cert new` makes one".into(),
        E::InvalidCertificate { .. } => "pass an X.509 certificate in PEM (-----BEGIN CERTIFICATE-----)".into(),
        E::ValidityTooLong { .. } => "use --days 730 or less".into(),
        E::UnsupportedAlgorithm { .. } | E::Rs256Refused => "use PS256 for RSA keys or ES256/ES384/ES512 for EC keys (the default follows the key)".into(),
        E::KeyAlgorithmMismatch { key, .. } => format!("for an {key} key use --algorithm {}", key.default_algorithm()),
        E::AssertionLifetime { .. } => "keep the assertion lifetime under 3600 seconds; the default is 300".into(),
        E::InvalidScope { .. } => "scopes are rest_webservices, restlets, suite_analytics, or mcp alone, and must be enabled on the integration record".into(),
        E::OAuth(o) => oauth_hint(o),
        E::UnexpectedResponse { .. } => "check the account id or base URL: the token endpoint should answer JSON (an HTML page often means a wrong host or a proxy)".into(),
        _ => return None,
    })
}

/// What to do when NetSuite refuses a stored refresh token as already used: the one
/// unavoidable loss of rotating refresh tokens.
pub fn lost_rotation_hint() -> String {
    format!(
        "run `{}` to sign in again. If a run was killed while renewing (Ctrl-C, kill -9, a crash), NetSuite had already rotated the refresh token and the new one never reached the token store: it cannot be recovered (netsuite stores it the moment it arrives, and waits for that before exiting); otherwise it expired or was revoked",
        login_command()
    )
}

/// The Login Audit Trail, where NetSuite names the reason of a refusal.
const AUDIT_TRAIL: &str = "NetSuite's Login Audit Trail (Setup > Users/Roles > User Management > View Login Audit Trail; add the Detail column) names the reason";

fn oauth_hint(o: &netsuite_auth::token::OAuthError) -> String {
    let c = context();
    let m2m = !c.auth_code;
    match o.error {
        OAuthErrorCode::InvalidGrant if m2m => format!(
            "likely causes, most common first: the certificate id is not the mapping's (the assertion's kid), the client id is not the integration's (iss), the M2M mapping was revoked or has expired, the algorithm does not fit the certificate's key, the machine clock is off, the audience is not the token URL; {AUDIT_TRAIL}; `netsuite doctor{}` checks each",
            profile_flag()
        ),
        OAuthErrorCode::InvalidGrant => {
            format!("the login has ended: run `{}` again", login_command())
        }
        OAuthErrorCode::InvalidClient if m2m => format!(
            "NetSuite does not accept the client id: check that it is the Client ID of the integration record (Setup > Integration > Manage Integrations), that the record is enabled and has Client Credentials (Machine to Machine) Grant checked; {AUDIT_TRAIL}; `netsuite doctor{}` checks the set-up",
            profile_flag()
        ),
        OAuthErrorCode::InvalidClient => format!(
            "check the client id and secret of the integration record (re-add the profile with the right secret: `netsuite profile add {} --flow auth-code ... --client-secret-stdin --force`)",
            c.profile.as_deref().unwrap_or("NAME")
        ),
        OAuthErrorCode::InvalidScope => {
            let asked = if c.scopes.is_empty() {
                "the scopes asked for".to_owned()
            } else {
                format!("one of the scopes asked for ({})", c.scopes.join(", "))
            };
            format!(
                "the integration record does not allow {asked}: check its OAuth 2.0 scopes (REST Web Services, RESTlets, SuiteAnalytics Connect), or ask only for the allowed ones with `netsuite profile add {} ... --scope rest_webservices --force` (or NETSUITE_SCOPE)",
                c.profile.as_deref().unwrap_or("NAME")
            )
        }
        OAuthErrorCode::UnauthorizedClient => {
            "enable the Client Credentials (Machine to Machine) grant on the integration record"
                .into()
        }
        _ => AUDIT_TRAIL.to_owned(),
    }
}

/// The hint for a 401 that survived a renewal: the scope the profile lacks for
/// this URL when that explains it, else the role's permissions.
fn unauthorized_hint(url: &str) -> String {
    let c = context();
    let needed = if url.contains("/app/site/hosting/restlet.nl") {
        "restlets"
    } else {
        "rest_webservices"
    };
    if !c.scopes.is_empty() && !c.scopes.iter().any(|s| s == needed) {
        return format!(
            "the profile's scopes ({}) lack {needed}, which this call needs: enable it on the integration record and re-add the profile with `netsuite profile add {} ... --scope {},{needed} --force` (or set NETSUITE_SCOPE)",
            c.scopes.join(", "),
            c.profile.as_deref().unwrap_or("NAME"),
            c.scopes.join(",")
        );
    }
    format!(
        "the token was refused even after a fresh one was fetched: check that the role has the permissions \"REST Web Services\" and \"Log in using OAuth 2.0 Access Tokens\" (a burst over the concurrency limit is sometimes reported as 401 too); {AUDIT_TRAIL}; `netsuite doctor{}` checks the set-up",
        profile_flag()
    )
}

fn client_hint(e: &netsuite_client::Error) -> Option<String> {
    use netsuite_client::Error as E;
    match e {
        E::Auth(a) => auth_hint(a),
        E::Certificate { .. } => Some("this is a certificate problem, not the network: the server's certificate is not valid for this host or not signed by an authority this machine trusts (a TLS-intercepting proxy?); check --base-url / NETSUITE_BASE_URL, or add the proxy's CA to the system's trust store".into()),
        E::InvalidRequest { reason } if reason.contains("holds dates") => Some("page by a unique number column: drop --key to page by id, filter dates in the query (WHERE trandate >= TO_DATE('1/1/2025', 'MM/DD/YYYY')), and sort by date afterwards if you need that order (up to 100,000 rows, --all without --key keeps the query's ORDER BY)".into()),
        E::InvalidRequest { reason } if reason.starts_with("no valid request") => Some("check the record type, id and path given: they must form a valid URL (ids are internal ids, or eid:EXTERNAL_ID)".into()),
        E::Connect { .. } => Some("check the network, the account id or --base-url; for the emulator, is `netsuite emulator serve` running?".into()),
        E::Api { error, .. } if error.is_rate_limited() => Some("the account's concurrency limit kept refusing the request after every retry: lower --concurrency, or try again when other integrations are quieter".into()),
        E::Api { error, url } if error.status == 401 => Some(unauthorized_hint(url)),
        E::Api { error, .. } if error.status == 404 && error.details.iter().any(|d| d.detail.contains("Record type")) => Some("check the record type's name (salesorder, customer, ...): `netsuite api GET /services/rest/record/v1/metadata-catalog` lists them".into()),
        E::Api { error, .. } if error.details.iter().any(|d| d.error_query_param.is_some()) => {
            let p = error.details.iter().find_map(|d| d.error_query_param.as_deref()).unwrap_or("?");
            Some(if p == "q" {
                "the filter is `FIELD OPERATOR VALUE`, joined by AND/OR, e.g. --q 'companyName START_WITH \"Acme\"' or --q 'id GREATER 100'; NetSuite's message above names what it could not read".into()
            } else {
                format!("NetSuite refused the query parameter {p:?}; its message above says why")
            })
        }
        E::Api { error, .. } if error.status >= 500 => Some("NetSuite had a problem answering; try again later".into()),
        E::Api { error, url } => Some(match error.code().unwrap_or("") {
            "INVALID_LOGIN" => unauthorized_hint(url),
            "NONEXISTENT_ID" => "check the record type and id; ids are internal ids, or eid:EXTERNAL_ID".into(),
            "INVALID_ID" => "record ids are numeric internal ids, or eid:EXTERNAL_ID".into(),
            "INSUFFICIENT_PERMISSION" => "the role (of the M2M mapping, or the one logged in) lacks the permission for this record or operation: add it to the role in NetSuite (Setup > Users/Roles > Manage Roles)".into(),
            "USER_ERROR" | "INVALID_PARAMETER" if url.contains("/query/v1/suiteql") => "check the query's tables and columns (SuiteQL is Oracle-like: TOP n or FETCH FIRST n ROWS ONLY, not LIMIT; NVL, not IFNULL; no WITH); NetSuite's message above names what it could not run".into(),
            "USER_ERROR" | "INVALID_CONTENT" | "INVALID_FLD_VALUE" => "NetSuite's message above names the field; fix the data and try again".into(),
            "INVALID_REQUEST" => "the request body was refused: check that --data is a JSON object of the record's fields".into(),
            "SSS_INVALID_SCRIPTLET_ID" => "check --script and --deploy: the deployment must exist, be released, and allow this role".into(),
            "SSS_INVALID_HTTP_METHOD" | "SSS_INVALID_HTTP_METHOD_FOR_RESTLET" => "the script has no entry point for this method; try another --method".into(),
            _ => return None,
        }),
        E::UnexpectedResponse { .. } => Some("check the account id or base URL: an HTML page often means a wrong host or a proxy".into()),
        E::Ambiguous { .. } => Some("it was not repeated, to avoid a duplicate: check whether it happened (`netsuite record list TYPE --q ...` or `netsuite suiteql ...`) before trying again; `netsuite record create ... --idempotency-key KEY` or `netsuite record upsert TYPE eid:X` are safe to repeat".into()),
        E::Checkpoint { .. } => Some("run the same command with the same options, or start again without --resume (the output file is rewritten)".into()),
        E::OutputBusy { .. } => Some("wait for the other export to finish (or stop it: it saves a checkpoint for --resume), or write to another --out".into()),
        E::GovernorTimeout { .. } => Some("other workers held every slot: raise --governor-wait-secs (NETSUITE_GOVERNOR_WAIT_SECS), run fewer workers at once, or check the account's limit (--concurrency)".into()),
        E::GovernorUnavailable { .. } => Some("start Redis (`redis-server`) or fix --governor / NETSUITE_GOVERNOR; --governor-fallback local goes on with this process's own limit while Redis is away".into()),
        E::Output { .. } => Some("check the free disk space and that the file is writable".into()),
        E::TokenStore { reason, .. } if reason == netsuite_client::keyring_key::KEYRING_AWAY => Some("unlock or start the OS keyring (Secret Service) and run the command again; for this run alone, --no-cache keeps tokens in memory".into()),
        E::TokenStore { reason, .. } if reason.contains("0600") => Some(format!("the file may have been exposed: delete it and sign in again (`{}`, or `netsuite auth token{} --fresh` for client credentials), or chmod 600 it if you are sure", login_command(), profile_flag())),
        E::TokenStore { reason, .. } if reason.contains("ermission denied") || reason.contains("ead-only") => Some("the directory cannot be written: set NETSUITE_CONFIG_DIR (or XDG_CACHE_HOME, for tokens) to a writable directory, or pass --no-cache to keep tokens in memory".into()),
        E::TokenStore { .. } => Some(format!("delete the file named above and sign in again: `{}` (auth-code profiles) or `netsuite auth token{} --fresh` (client credentials)", login_command(), profile_flag())),
        E::LoginExpired { reason } if context().auth_code && reason.contains("already used") => Some(lost_rotation_hint()),
        E::NotLoggedIn | E::LoginExpired { .. } if context().auth_code => Some(format!("run `{}` to sign in again (or give a new NETSUITE_REFRESH_TOKEN)", login_command())),
        E::NotLoggedIn | E::LoginExpired { .. } => Some(format!("fix the credentials NetSuite refused (`netsuite doctor{}` names the likely cause), or give a new NETSUITE_ACCESS_TOKEN", profile_flag())),
        E::Login { .. } => Some(format!("run `{}` again; `--no-browser` lets you paste the redirected URL", login_command())),
        _ => None,
    }
}
