//! `netsuite doctor [--profile P] [--json] [--offline]`: checks a profile (or the
//! environment) step by step and prints ok / warn / fail for each, with a hint for
//! the last two. NetSuite's token endpoint answers most mistakes with the same bare
//! `invalid_grant`; the checks before it (key, certificate, account, clock, the
//! assertion itself) and the ranked causes after it narrow that down. Against the
//! emulator it also prints the audit entries that name the cause. `--offline` makes
//! no request at all.

use anyhow::Result;
use clap::Args;
use netsuite_auth::account::{AccountId, Endpoints};
use netsuite_auth::assertion::AssertionParams;
use netsuite_auth::key::PrivateKey;
use netsuite_auth::secret::AccessToken;
use netsuite_auth::token::{access_token_claims, client_credentials_request, parse_token_response};
use netsuite_client::{ApiRequest, Client, Grant, TokenSource};
use serde::Serialize;
use serde_json::{Value, json};

use crate::config::Flow;
use crate::error::{UserError, hint_for};
use crate::identity::Identity;
use crate::output;

#[derive(Debug, Args)]
pub struct DoctorArgs {
    /// JSON output: one object per check.
    #[arg(long)]
    json: bool,
    /// Make no request: configuration, key, certificate, account id and assertion only.
    #[arg(long)]
    offline: bool,
}

/// The outcome of one check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
enum Status {
    Ok,
    Warn,
    Fail,
}

#[derive(Debug, Serialize)]
struct Check {
    check: &'static str,
    status: Status,
    detail: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    hint: Option<String>,
}

#[derive(Debug, Default)]
struct Report {
    checks: Vec<Check>,
}

impl Report {
    fn ok(&mut self, check: &'static str, detail: impl Into<String>) {
        self.push(check, Status::Ok, detail.into(), None);
    }
    fn warn(&mut self, check: &'static str, detail: impl Into<String>, hint: impl Into<String>) {
        self.push(check, Status::Warn, detail.into(), Some(hint.into()));
    }
    fn fail(&mut self, check: &'static str, detail: impl Into<String>, hint: impl Into<String>) {
        self.push(check, Status::Fail, detail.into(), Some(hint.into()));
    }
    fn error(&mut self, check: &'static str, e: &anyhow::Error) {
        let hint = hint_for(e).unwrap_or_else(|| "see the message".into());
        self.fail(check, format!("{e:#}"), hint);
    }
    fn push(&mut self, check: &'static str, status: Status, detail: String, hint: Option<String>) {
        self.checks.push(Check {
            check,
            status,
            detail,
            hint,
        });
    }
    fn failed(&self) -> usize {
        self.checks
            .iter()
            .filter(|c| c.status == Status::Fail)
            .count()
    }
}

pub async fn run(args: DoctorArgs, profile: Option<&str>) -> Result<()> {
    let mut r = Report::default();
    let mut auth_failed = false;
    match crate::identity::resolve(profile) {
        Ok(id) => auth_failed = diagnose(&id, args.offline, &mut r).await,
        Err(e) => r.error("configuration", &e),
    }
    print(&r, args.json)?;
    match r.failed() {
        0 => Ok(()),
        n => {
            let e = format!("doctor: {n} check(s) failed");
            Err(if auth_failed {
                UserError::auth(e)
            } else {
                UserError::new(e)
            }
            .hint("fix the first failure above and run `netsuite doctor` again")
            .into())
        }
    }
}

fn print(r: &Report, as_json: bool) -> Result<()> {
    if as_json {
        return output::json(&json!({ "checks": r.checks, "failed": r.failed() }));
    }
    let mut text = String::new();
    for c in &r.checks {
        let status = match c.status {
            Status::Ok => "ok  ",
            Status::Warn => "warn",
            Status::Fail => "fail",
        };
        text.push_str(&format!("{status}  {:<13} {}\n", c.check, c.detail));
        if let Some(h) = &c.hint {
            text.push_str(&format!("      {:<13} hint: {h}\n", ""));
        }
    }
    output::data(text.trim_end())
}

/// Runs every check; returns whether authentication failed.
async fn diagnose(id: &Identity, offline: bool, r: &mut Report) -> bool {
    check_complete(id, r);
    let key = if id.profile.flow == Flow::ClientCredentials {
        check_key(id, r)
    } else {
        None
    };
    if let Some(k) = &key {
        check_certificate(id, k, r);
    }
    let Some(endpoints) = check_account(id, offline, r).await else {
        return false;
    };
    if let Some(k) = &key {
        check_assertion(id, k, &endpoints, r);
    }
    if offline {
        return false;
    }
    check_clock(&endpoints, r).await;
    let token = match &key {
        Some(k) => m2m_token(id, k, &endpoints, r).await,
        None => other_token(id, r).await,
    };
    let Some(token) = token else {
        emulator_audit(id, r).await;
        return true;
    };
    check_claims(&token, r);
    let client = match Client::new(TokenSource::fixed(
        endpoints,
        AccessToken::new(token),
        "doctor",
    )) {
        Ok(c) => c,
        Err(e) => {
            r.error("http client", &e.into());
            return false;
        }
    };
    let failed = calls(&client, r).await;
    if failed {
        emulator_audit(id, r).await;
    }
    failed
}

fn check_complete(id: &Identity, r: &mut Report) {
    let p = &id.profile;
    let mut missing = Vec::new();
    if p.account.is_empty() {
        missing.push("account (NETSUITE_ACCOUNT)");
    }
    if p.client_id.is_empty() {
        missing.push("client id (NETSUITE_CLIENT_ID)");
    }
    if p.flow == Flow::ClientCredentials && p.certificate_id.is_none() {
        missing.push("certificate id (NETSUITE_CERTIFICATE_ID)");
    }
    let what = id.describe();
    if missing.is_empty() {
        r.ok(
            "configuration",
            format!(
                "{what}: {} flow, scopes {}",
                p.flow.name(),
                p.scopes.join(",")
            ),
        );
    } else {
        r.fail(
            "configuration",
            format!("{what} lacks: {}", missing.join(", ")),
            "set the variables named, or re-add the profile with `netsuite profile add NAME ... --force`",
        );
    }
}

fn check_key(id: &Identity, r: &mut Report) -> Option<PrivateKey> {
    if let Some(path) = id
        .profile
        .private_key
        .as_ref()
        .filter(|_| !id.has_key_pem())
    {
        #[cfg(unix)]
        if let Ok(m) = std::fs::metadata(path) {
            use std::os::unix::fs::PermissionsExt;
            let mode = m.permissions().mode() & 0o777;
            if mode & 0o077 != 0 {
                r.warn(
                    "key file",
                    format!("{} is mode {mode:o}", path.display()),
                    format!("chmod 600 {}", path.display()),
                );
            } else {
                r.ok(
                    "key file",
                    format!("{} readable, mode {mode:o}", path.display()),
                );
            }
        }
    }
    let key = match id.private_key() {
        Ok(k) => k,
        Err(e) => {
            r.error("key", &e);
            return None;
        }
    };
    match crate::credentials::algorithm_for(&key, id.profile.algorithm.as_deref()) {
        Ok(alg) => r.ok(
            "key",
            format!("{}, NetSuite accepts it; signs {alg}", key.kind()),
        ),
        Err(e) => r.error("key", &e),
    }
    Some(key)
}

/// The profile's certificate (`--certificate`), else the one beside the key (`cert
/// new` writes `certificate.pem` next to it).
fn check_certificate(id: &Identity, key: &PrivateKey, r: &mut Report) {
    let beside_key = id
        .profile
        .private_key
        .as_ref()
        .and_then(|k| k.parent())
        .map(|d| d.join("certificate.pem"));
    let Some(path) = id
        .profile
        .certificate
        .clone()
        .or(beside_key)
        .filter(|p| p.is_file())
    else {
        return;
    };
    let now = time::OffsetDateTime::now_utc();
    let info = match crate::files::read_file_capped(&path, crate::files::KEY_CAP)
        .map_err(anyhow::Error::from)
        .and_then(|b| Ok(netsuite_auth::cert::inspect(&b, now)?))
    {
        Ok(i) => i,
        Err(e) => return r.error("certificate", &e),
    };
    let shown = path.display();
    if !info.matches(key) {
        return r.fail(
            "certificate",
            format!("{shown} does not belong to the private key"),
            "upload the certificate made with this key (or use the key of the uploaded certificate)",
        );
    }
    let left = info.days_left;
    if left <= 0 {
        r.fail(
            "certificate",
            format!("{shown} expired"),
            "NetSuite refuses its tokens: replace it with `netsuite cert rotate --manual` (upload in the M2M setup, type the new certificate id)",
        );
    } else if left <= 30 {
        r.warn(
            "certificate",
            format!("{shown} matches the key; {left} days left"),
            "rotate it soon: `netsuite cert rotate` (NetSuite's certificate API; --manual for the UI)",
        );
    } else {
        r.ok(
            "certificate",
            format!("{shown} matches the key; {left} days left"),
        );
    }
}

async fn check_account(id: &Identity, offline: bool, r: &mut Report) -> Option<Endpoints> {
    let p = &id.profile;
    let endpoints = match AccountId::parse(&p.account)
        .and_then(|a| Endpoints::resolve(&a, p.base_url.as_deref()))
    {
        Ok(e) => e,
        Err(e) => {
            r.error("account", &e.into());
            return None;
        }
    };
    let base = endpoints.suitetalk_base().clone();
    let host = base.host_str().unwrap_or_default().to_owned();
    if offline {
        r.ok(
            "account",
            format!("{} (host {host}; not resolved: --offline)", p.account),
        );
        return Some(endpoints);
    }
    let port = base.port_or_known_default().unwrap_or(443);
    let found = tokio::net::lookup_host((host.as_str(), port))
        .await
        .map(|a| a.count())
        .unwrap_or(0);
    match found {
        n if n > 0 => {
            r.ok("account", format!("{} (host {host} resolves)", p.account));
        }
        _ => r.fail(
            "account",
            format!("{}: host {host} does not resolve", p.account),
            "check the account id (Setup > Company > Company Information), or --base-url / NETSUITE_BASE_URL",
        ),
    }
    Some(endpoints)
}

fn assertion_params(
    id: &Identity,
    key: &PrivateKey,
    endpoints: &Endpoints,
) -> Result<AssertionParams> {
    let p = &id.profile;
    Ok(AssertionParams {
        client_id: p.client_id.as_str().into(),
        certificate_id: p.certificate_id.clone().unwrap_or_default().into(),
        scopes: p.scopes.clone(),
        audience: endpoints.token_url().to_string(),
        algorithm: crate::credentials::algorithm_for(key, p.algorithm.as_deref())?,
        lifetime_secs: netsuite_auth::assertion::DEFAULT_LIFETIME_SECS,
        scope_format: p.scope_format,
    })
}

/// Signs an assertion and prints its header and claims (never the signature).
fn check_assertion(id: &Identity, key: &PrivateKey, endpoints: &Endpoints, r: &mut Report) {
    let signed = assertion_params(id, key, endpoints)
        .and_then(|a| Ok(a.sign(key, netsuite_client::unix_now())?));
    match signed {
        Ok(a) => match netsuite_auth::jws::decode_unverified(a.expose_secret()) {
            Ok(u) => r.ok(
                "assertion",
                format!(
                    "header {} claims {}",
                    serde_json::to_string(&u.header).unwrap_or_default(),
                    Value::Object(u.claims)
                ),
            ),
            Err(e) => r.error("assertion", &e.into()),
        },
        Err(e) => r.error("assertion", &e),
    }
}

/// The `Date` header of the token endpoint against this machine's clock.
async fn check_clock(endpoints: &Endpoints, r: &mut Report) {
    let url = endpoints.token_url();
    let http = match netsuite_client::http::http_client() {
        Ok(h) => h,
        Err(e) => return r.error("clock", &e.into()),
    };
    let date = match http.get(url.clone()).send().await {
        Ok(resp) => resp
            .headers()
            .get(reqwest::header::DATE)
            .and_then(|d| d.to_str().ok())
            .map(str::to_owned),
        Err(e) => {
            return r.fail(
                "clock",
                format!("could not reach {url}: {e}"),
                "check the network, the account id or the base URL",
            );
        }
    };
    let Some(server) = date.as_deref().and_then(parse_http_date) else {
        return r.warn(
            "clock",
            "the token endpoint sent no Date header",
            "compare the clock with an NTP server by hand",
        );
    };
    let skew = netsuite_client::unix_now() - server;
    if skew.abs() <= 60 {
        r.ok(
            "clock",
            format!("within {} s of the token endpoint", skew.abs()),
        );
    } else {
        r.fail(
            "clock",
            format!("{skew} s off the token endpoint's Date"),
            "set the clock (NTP): NetSuite refuses assertions whose iat is in the future or exp is past",
        );
    }
}

fn parse_http_date(s: &str) -> Option<i64> {
    let format = time::macros::format_description!(
        "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
    );
    time::PrimitiveDateTime::parse(s.trim(), format)
        .ok()
        .map(|t| t.assume_utc().unix_timestamp())
}

/// A client-credentials token request as it is sent, and NetSuite's exact answer.
async fn m2m_token(
    id: &Identity,
    key: &PrivateKey,
    endpoints: &Endpoints,
    r: &mut Report,
) -> Option<String> {
    let now = netsuite_client::unix_now();
    let sent = async {
        let assertion = assertion_params(id, key, endpoints)?.sign(key, now)?;
        let http = netsuite_client::http::http_client()?;
        let req = client_credentials_request(&endpoints.token_url(), &assertion);
        let resp = netsuite_client::http::send(&http, req).await?;
        Ok::<_, anyhow::Error>(parse_token_response(
            resp.status,
            resp.content_type.as_deref(),
            resp.www_authenticate.as_deref(),
            &resp.body,
        )?)
    };
    match sent.await {
        Ok(t) => {
            r.ok("token", format!("obtained; expires in {} s", t.expires_in));
            Some(t.access_token.expose_secret().to_owned())
        }
        Err(e) => {
            r.error("token", &e);
            None
        }
    }
}

/// A token for the other grants, through the token source (refresh, ready token).
async fn other_token(id: &Identity, r: &mut Report) -> Option<String> {
    let got = async {
        let source = id.token_source()?;
        let http = netsuite_client::http::http_client()?;
        let kind = match source.grant() {
            Grant::Static(_) => "the ready access token",
            _ => "a refreshed access token",
        };
        let (t, _) = source.token(&http, false).await?;
        Ok::<_, anyhow::Error>((kind, t.access_token.expose_secret().to_owned()))
    };
    match got.await {
        Ok((kind, t)) => {
            r.ok("token", format!("{kind} is usable"));
            Some(t)
        }
        Err(e) => {
            r.error("token", &e);
            None
        }
    }
}

/// The access token's claims: role and entity (`sub`), scope, expiry.
fn check_claims(token: &str, r: &mut Report) {
    let Some(c) = access_token_claims(token) else {
        return r.ok(
            "claims",
            "the access token is not a JWT (nothing to decode)",
        );
    };
    let sub = c.get("sub").and_then(Value::as_str).unwrap_or("");
    let (role, entity) = sub.split_once(';').unwrap_or((sub, "?"));
    let scope = c.get("scope").map(Value::to_string).unwrap_or_default();
    let exp = c.get("exp").and_then(Value::as_f64).unwrap_or(0.0) as i64;
    r.ok(
        "claims",
        format!(
            "role {role}, entity {entity}, scope {scope}, expires in {} s",
            exp - netsuite_client::unix_now()
        ),
    );
}

/// One REST call, one SuiteQL call and `governanceLimits`; returns whether one failed.
async fn calls(client: &Client, r: &mut Report) -> bool {
    let mut failed = false;
    let rest = client
        .endpoints()
        .suitetalk_url("/services/rest/record/v1/customer?limit=1");
    match rest {
        Ok(url) => match client.get_json(url).await {
            Ok(_) => r.ok("rest", "GET record/v1/customer?limit=1 succeeded"),
            Err(e) => {
                failed |= e.is_unauthorized();
                r.error("rest", &e.into());
            }
        },
        Err(e) => r.error("rest", &e.into()),
    }
    let mut url = client.endpoints().suiteql_url();
    url.set_query(Some("limit=1"));
    let query = ApiRequest::new(reqwest::Method::POST, url)
        .idempotent(true)
        .header(
            reqwest::header::HeaderName::from_static("prefer"),
            reqwest::header::HeaderValue::from_static("transient"),
        )
        .json(&json!({"q": "SELECT id FROM customer WHERE ROWNUM <= 1"}));
    match query {
        Ok(q) => match client.send_json(q).await {
            Ok(_) => r.ok("suiteql", "a one-row SuiteQL query succeeded"),
            Err(e) => {
                failed |= e.is_unauthorized();
                r.error("suiteql", &e.into());
            }
        },
        Err(e) => r.error("suiteql", &e.into()),
    }
    match client.governance_limits().await {
        Ok(v) => r.ok("governance", format!("governanceLimits: {v}")),
        Err(e) => r.warn(
            "governance",
            format!("governanceLimits not readable: {e}"),
            "only administrators may read it; without it the concurrency ceiling defaults to 5 (set --concurrency)",
        ),
    }
    failed
}

/// On the emulator: the audit entries of this client id, which name the cause.
async fn emulator_audit(id: &Identity, r: &mut Report) {
    #[cfg(feature = "emulator")]
    {
        let Some(base) = id
            .profile
            .base_url
            .as_deref()
            .filter(|b| crate::identity::is_loopback(Some(b)))
        else {
            return;
        };
        let Ok(admin) = netsuite_emulator::AdminClient::new(base) else {
            return;
        };
        let Ok(entries) = admin.audit().await else {
            return;
        };
        let mine: Vec<String> = entries
            .iter()
            .filter(|e| {
                e.client_id
                    .as_deref()
                    .is_none_or(|c| c == id.profile.client_id)
            })
            .rev()
            .take(5)
            .map(|e| format!("{}: {}", e.code, e.detail))
            .collect();
        if !mine.is_empty() {
            r.fail(
                "emulator",
                format!("audit trail (newest first): {}", mine.join(" | ")),
                format!("`netsuite emulator audit --url {base}` shows the whole trail"),
            );
        }
    }
    #[cfg(not(feature = "emulator"))]
    let _ = (id, r);
}
