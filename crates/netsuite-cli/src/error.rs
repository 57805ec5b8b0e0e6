//! Errors as the user sees them: one line naming the cause, then a `hint:` line.

use netsuite_auth::OAuthErrorCode;
use std::fmt;

/// An error meant for the user, with a hint and whether it is a usage error (exit 2).
#[derive(Debug)]
pub struct UserError {
    message: String,
    hint: Option<String>,
    usage: bool,
}

impl UserError {
    /// An operational failure (exit 1).
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            hint: None,
            usage: false,
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

    /// Whether this is a usage error.
    pub fn is_usage(&self) -> bool {
        self.usage
    }
}

impl fmt::Display for UserError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for UserError {}

/// The hint for an error chain: the first `UserError`'s, or one derived from the
/// library error found in the chain.
pub fn hint_for(err: &anyhow::Error) -> Option<String> {
    for cause in err.chain() {
        let hint = if let Some(u) = cause.downcast_ref::<UserError>() {
            u.hint_text().map(str::to_owned)
        } else if let Some(e) = cause.downcast_ref::<netsuite_auth::Error>() {
            auth_hint(e)
        } else if let Some(e) = cause.downcast_ref::<netsuite_client::Error>() {
            client_hint(e)
        } else {
            None
        };
        if hint.is_some() {
            return hint;
        }
    }
    None
}

/// Exit code: 2 for usage errors, 1 otherwise.
pub fn exit_code(err: &anyhow::Error) -> i32 {
    let usage = err.chain().any(|c| {
        c.downcast_ref::<UserError>()
            .is_some_and(UserError::is_usage)
    });
    if usage { 2 } else { 1 }
}

fn auth_hint(e: &netsuite_auth::Error) -> Option<String> {
    use netsuite_auth::Error as E;
    Some(match e {
        E::InvalidAccountId { .. } => "use the account id from Setup > Company > Company Information, e.g. 1234567 or 1234567_SB1".into(),
        E::InvalidBaseUrl { .. } => "give a URL like https://1234567.suitetalk.api.netsuite.com or http://127.0.0.1:PORT for the emulator".into(),
        E::EncryptedKey => "decrypt it once: `openssl pkey -in encrypted.pem -out private-key.pem` (keep the result 0600)".into(),
        E::NotAPrivateKey { .. } => "pass the private key file (-----BEGIN PRIVATE KEY-----); the certificate is what you upload to NetSuite".into(),
        E::InvalidKey { reason } if reason.contains("2048") => "NetSuite requires RSA 3072 or 4096, or EC P-256/384/521: `netsuite cert new --key-type ec-p256 --out DIR`".into(),
        E::InvalidKey { .. } => "the file must be an unencrypted PEM private key (PKCS#8, PKCS#1 or SEC1); `netsuite cert new` makes one".into(),
        E::InvalidCertificate { .. } => "pass an X.509 certificate in PEM (-----BEGIN CERTIFICATE-----)".into(),
        E::ValidityTooLong { .. } => "use --days 730 or less".into(),
        E::UnsupportedAlgorithm { .. } | E::Rs256Refused => "use PS256 for RSA keys or ES256/ES384/ES512 for EC keys (the default follows the key)".into(),
        E::KeyAlgorithmMismatch { key, .. } => format!("for an {key} key use --algorithm {}", key.default_algorithm()),
        E::AssertionLifetime { .. } => "keep the assertion lifetime under 3600 seconds; the default is 300".into(),
        E::InvalidScope { .. } => "scopes are rest_webservices, restlets, suite_analytics, or mcp alone, and must be enabled on the integration record".into(),
        E::OAuth(o) => match o.error {
            OAuthErrorCode::InvalidGrant => "check the certificate id (kid), the client id (iss), that the mapping is active, and the machine clock; the Login Audit Trail (Setup > Users/Roles > User Management > View Login Audit Trail) names the reason".into(),
            OAuthErrorCode::InvalidClient => "check the client id and secret of the integration record (re-add the profile with the right secret: `netsuite profile add NAME --flow auth-code ... --client-secret-stdin --force`)".into(),
            OAuthErrorCode::InvalidScope => "enable the scopes on the integration record, or ask for fewer with --scope".into(),
            OAuthErrorCode::UnauthorizedClient => "enable the Client Credentials (Machine to Machine) grant on the integration record".into(),
            _ => "see the Login Audit Trail in NetSuite for the reason".into(),
        },
        E::UnexpectedResponse { .. } => "check the account id or base URL: the token endpoint should answer JSON (an HTML page often means a wrong host or a proxy)".into(),
        _ => return None,
    })
}

fn client_hint(e: &netsuite_client::Error) -> Option<String> {
    use netsuite_client::Error as E;
    match e {
        E::Auth(a) => auth_hint(a),
        E::Connect { .. } => Some("check the network, the account id or --base-url; for the emulator, is `netsuite emulator serve` running?".into()),
        E::Api { error, .. } if error.is_rate_limited() => Some("the account's concurrency limit kept refusing the request after every retry: lower --concurrency, or try again when other integrations are quieter".into()),
        E::Api { error, .. } if error.status == 401 => Some("the token was refused even after a fresh one was fetched: check the profile's scopes (rest_webservices for REST and SuiteQL, restlets for RESTlets) and the role's permissions; the Login Audit Trail names the reason".into()),
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
            "INVALID_LOGIN" => "the token was refused: check the profile's scopes include rest_webservices, then retry with `netsuite auth token --fresh`; the Login Audit Trail names the reason".into(),
            "NONEXISTENT_ID" => "check the record type and id; ids are internal ids, or eid:EXTERNAL_ID".into(),
            "INVALID_ID" => "record ids are numeric internal ids, or eid:EXTERNAL_ID".into(),
            "INSUFFICIENT_PERMISSION" => "the role of the mapping lacks permission for this record".into(),
            "USER_ERROR" | "INVALID_PARAMETER" if url.contains("/query/v1/suiteql") => "check the query's tables and columns (SuiteQL is Oracle-like: no SELECT TOP, NVL not IFNULL); NetSuite's message above names what it could not run".into(),
            "USER_ERROR" | "INVALID_CONTENT" | "INVALID_FLD_VALUE" => "NetSuite's message above names the field; fix the data and try again".into(),
            "INVALID_REQUEST" => "the request body was refused: check that --data is a JSON object of the record's fields".into(),
            "SSS_INVALID_SCRIPTLET_ID" => "check --script and --deploy: the deployment must exist, be released, and allow this role".into(),
            "SSS_INVALID_HTTP_METHOD" | "SSS_INVALID_HTTP_METHOD_FOR_RESTLET" => "the script has no entry point for this method; try another --method".into(),
            _ => return None,
        }),
        E::UnexpectedResponse { .. } => Some("check the account id or base URL: an HTML page often means a wrong host or a proxy".into()),
        E::Ambiguous { .. } => Some("it was not repeated, to avoid a duplicate: check whether it happened (`netsuite record list TYPE --q ...` or `netsuite suiteql ...`) before trying again; `netsuite record create ... --idempotency-key KEY` or `netsuite record upsert TYPE eid:X` are safe to repeat".into()),
        E::Checkpoint { .. } => Some("run the same command with the same options, or start again without --resume (the output file is rewritten)".into()),
        E::GovernorTimeout { .. } => Some("other workers held every slot: raise --governor-wait-secs (NETSUITE_GOVERNOR_WAIT_SECS), run fewer workers at once, or check the account's limit (--concurrency)".into()),
        E::GovernorUnavailable { .. } => Some("start Redis (`redis-server`) or fix --governor / NETSUITE_GOVERNOR; --governor-fallback local goes on with this process's own limit while Redis is away".into()),
        E::Output { .. } => Some("check the free disk space and that the file is writable".into()),
        E::TokenStore { reason, .. } if reason.contains("0600") => Some("the file may have been exposed: delete it and sign in again (`netsuite auth login`, or `netsuite auth token --fresh` for client credentials), or chmod 600 it if you are sure".into()),
        E::TokenStore { .. } => Some("delete the file named above and sign in again: `netsuite auth login` (auth-code profiles) or `netsuite auth token --fresh` (client credentials)".into()),
        E::NotLoggedIn | E::LoginExpired { .. } => Some("run `netsuite auth login` to sign in again".into()),
        E::Login { .. } => Some("run `netsuite auth login` again; `--no-browser` lets you paste the redirected URL".into()),
        _ => None,
    }
}
