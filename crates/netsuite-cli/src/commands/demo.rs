//! `netsuite demo`: the whole client-credentials flow against an embedded emulator,
//! step by step, in a temporary directory (or in `--keep DIR`, kept with the commands
//! that use it). Exits 0 only if every step worked.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result};
use netsuite_auth::account::{AccountId, Endpoints};
use netsuite_auth::cert::KeyType;
use netsuite_client::record::GetOptions;
use netsuite_client::{Client, Grant, TokenSource};
use netsuite_emulator::{Config as EmulatorConfig, Emulator, NewIntegration, NewMapping};

use crate::config::{Config, Flow, Profile};
use crate::error::UserError;
use crate::output;

struct Steps {
    n: usize,
    started: Instant,
}

impl Steps {
    fn done(&mut self, what: &str) {
        self.n += 1;
        crate::output::say!(
            "[{}] ok  {what}  ({} ms)",
            self.n,
            self.started.elapsed().as_millis()
        );
    }
}

#[derive(clap::Args, Debug)]
pub struct DemoArgs {
    /// Keep the configuration (DIR/config) and the emulator's data (DIR/emulator) in DIR
    /// instead of a temporary directory, and print the commands that use them. DIR must
    /// be new or empty.
    #[arg(long, value_name = "DIR")]
    pub keep: Option<PathBuf>,
}

/// Where the demo works: a temporary directory removed at the end, or a kept one.
enum WorkDir {
    Temp(tempfile::TempDir),
    Kept(PathBuf),
}

impl WorkDir {
    fn open(keep: Option<&Path>) -> Result<Self> {
        let Some(dir) = keep else {
            return Ok(Self::Temp(
                tempfile::Builder::new()
                    .prefix("netsuite-demo-")
                    .tempdir()
                    .context("could not create a temporary directory")?,
            ));
        };
        let not_empty = std::fs::read_dir(dir).is_ok_and(|mut d| d.next().is_some());
        if not_empty {
            return Err(UserError::usage(format!(
                "--keep {}: the directory is not empty",
                dir.display()
            ))
            .hint("give a new or empty directory: `netsuite demo --keep ./netsuite-demo`")
            .into());
        }
        std::fs::create_dir_all(dir)
            .with_context(|| format!("could not create {}", dir.display()))?;
        let dir = dir
            .canonicalize()
            .with_context(|| format!("could not resolve {}", dir.display()))?;
        Ok(Self::Kept(dir))
    }

    fn path(&self) -> &Path {
        match self {
            Self::Temp(t) => t.path(),
            Self::Kept(p) => p,
        }
    }
}

/// `s` as one shell word.
fn shell_word(s: &str) -> String {
    let plain = !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "/._-+:=@,".contains(c));
    if plain {
        s.to_owned()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

/// The closing lines: how to continue from what the demo made.
fn print_next(work: &WorkDir, base_url: &str) {
    let WorkDir::Kept(dir) = work else {
        crate::output::say!(
            "the demo's temporary directory is removed; to keep its configuration and \
             emulator data and continue from them:\n  netsuite demo --keep ./netsuite-demo"
        );
        return;
    };
    let listen = base_url.trim_start_matches("http://");
    let data = shell_word(&dir.join("emulator").display().to_string());
    let config = shell_word(&dir.join("config").display().to_string());
    crate::output::say!(
        "kept in {}: the configuration in config/, the emulator's data in emulator/.\n\
         to continue, serve the emulator again on the same address (the profiles point at it):\n  \
         netsuite emulator serve --data-dir {data} --listen {listen} --auto-approve\n\
         and in another shell:\n  \
         export NETSUITE_CONFIG_DIR={config}\n  \
         netsuite auth token --profile demo --fresh\n  \
         netsuite record get salesorder 304 --profile demo\n  \
         netsuite suiteql \"SELECT id, tranid FROM transaction\" --limit 5 --profile demo\n  \
         netsuite profile list",
        dir.display()
    );
}

pub async fn run(args: DemoArgs) -> Result<()> {
    let mut steps = Steps {
        n: 0,
        started: Instant::now(),
    };
    let work = WorkDir::open(args.keep.as_deref())?;
    crate::output::say!("netsuite demo: client credentials (M2M) against an embedded emulator");
    crate::output::say!("working in {}", work.path().display());

    // 1. The emulator, in-process, on a free loopback port.
    let account = AccountId::parse("1234567")?;
    let mut config = EmulatorConfig::new(account.clone());
    config.data_dir = Some(work.path().join("emulator"));
    // Scripted consent: the authorize endpoint approves as the default user and role.
    config.auto_approve = true;
    let emulator = Emulator::open(config)?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base_url = format!("http://{}", listener.local_addr()?);
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(netsuite_emulator::serve(
        emulator.clone(),
        listener,
        async move {
            let _ = stop_rx.await;
        },
    ));
    steps.done(&format!(
        "emulator for account {account} listening on {base_url}"
    ));

    // 2. An integration record with the client-credentials grant.
    let integration = emulator.create_integration(NewIntegration {
        name: "netsuite demo".into(),
        m2m: true,
        scopes: vec!["rest_webservices".into(), "restlets".into()],
        ..NewIntegration::default()
    })?;
    steps.done(&format!(
        "integration record created, client id {}…",
        &integration.client_id[..12.min(integration.client_id.len())]
    ));

    // 3. A key pair and certificate, as `netsuite cert new` makes them.
    let cert_dir = work.path().join("cert");
    let (key_path, cert_path, alg) =
        super::cert::write_new(KeyType::EcP256, 365, "netsuite-demo", &cert_dir, false)?;
    steps.done(&format!(
        "EC P-256 key and certificate written to {} ({alg})",
        cert_dir.display()
    ));

    // 4. The M2M mapping: upload the certificate, get its certificate id.
    let mapping = emulator.create_mapping(NewMapping {
        client_id: integration.client_id.clone(),
        certificate_pem: std::fs::read_to_string(&cert_path)?,
        role: 3,
        entity: -5,
    })?;
    steps.done(&format!(
        "certificate mapped (role 3, entity -5), certificate id {}",
        mapping.certificate_id
    ));

    // 5. A profile, in a throwaway config directory.
    let mut cli_config = Config::load_from(work.path().join("config"))?;
    let profile = m2m_profile(
        &account,
        &integration.client_id,
        &mapping.certificate_id,
        key_path,
        &base_url,
    );
    super::profile::save_profile(&mut cli_config, "demo", profile, None, false)?;
    steps.done(&format!(
        "profile \"demo\" saved in {}",
        cli_config.path().display()
    ));

    // 6. A token: sign the assertion, post it, cache the token.
    let (name, p) = cli_config.resolve(Some("demo"))?;
    let client = client_for(&cli_config, &name, p)?;
    let (token, _) = client.token_source().token(client.http(), true).await?;
    steps.done(&format!(
        "access token obtained ({} chars, expires in {} s, scope {})",
        token.access_token.expose_secret().len(),
        token.remaining(netsuite_client::unix_now()),
        token.scope.join(",")
    ));
    let (again, origin) = client.token_source().token(client.http(), false).await?;
    anyhow::ensure!(
        origin == netsuite_client::Origin::Cache
            && again.access_token.expose_secret() == token.access_token.expose_secret(),
        "the second token request did not come from the cache"
    );
    steps.done("second token request answered from the encrypted token store");

    // 7. The first API call: sales order 304.
    let order = client
        .get_record("salesorder", "304", &GetOptions::default())
        .await?;
    steps.done(&format!(
        "GET /services/rest/record/v1/salesorder/304 -> {} {}",
        order["tranId"].as_str().unwrap_or("?"),
        order["entity"]["refName"].as_str().unwrap_or("")
    ));

    data_flow(&mut steps, &client).await?;
    login_flow(&mut steps, &emulator, &mut cli_config, &base_url).await?;

    let _ = stop_tx.send(());
    server.await.context("the emulator task failed")??;
    output::json(&order)?;
    crate::output::say!(
        "demo finished: every step worked in {} ms",
        steps.started.elapsed().as_millis()
    );
    print_next(&work, &base_url);
    Ok(())
}

/// The demo's client-credentials profile.
fn m2m_profile(
    account: &AccountId,
    client_id: &str,
    certificate_id: &str,
    key_path: PathBuf,
    base_url: &str,
) -> Profile {
    Profile {
        flow: Flow::ClientCredentials,
        account: account.to_string(),
        client_id: client_id.to_owned(),
        certificate_id: Some(certificate_id.to_owned()),
        private_key: Some(key_path),
        algorithm: None,
        scopes: vec!["rest_webservices".into(), "restlets".into()],
        scope_format: Default::default(),
        public: false,
        redirect_uri: None,
        base_url: Some(base_url.to_owned()),
        governor: None,
        certificate: None,
    }
}

/// The seed 004 flow: an authorization-code integration, a browser login approved by
/// the emulator's scripted consent, a refresh, a record, a logout.
async fn login_flow(
    steps: &mut Steps,
    emulator: &Emulator,
    cli_config: &mut Config,
    base_url: &str,
) -> Result<()> {
    crate::output::say!("-- authorization code + PKCE (browser login)");
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0")?;
        l.local_addr()?.port()
    };
    let redirect_uri = format!("http://127.0.0.1:{port}/callback");
    let integration = emulator.create_integration(NewIntegration {
        name: "netsuite demo login".into(),
        auth_code: true,
        redirect_uris: vec![redirect_uri.clone()],
        scopes: vec!["rest_webservices".into(), "restlets".into()],
        allow_http_loopback: true,
        ..NewIntegration::default()
    })?;
    let secret = integration
        .client_secret
        .clone()
        .context("a confidential integration has a secret")?;
    steps.done("integration record with the authorization code grant created");

    let profile = Profile {
        flow: Flow::AuthCode,
        account: emulator.account().to_string(),
        client_id: integration.client_id.clone(),
        certificate_id: None,
        private_key: None,
        algorithm: None,
        scopes: vec!["rest_webservices".into(), "restlets".into()],
        scope_format: Default::default(),
        public: false,
        redirect_uri: Some(redirect_uri.clone()),
        base_url: Some(base_url.to_owned()),
        governor: None,
        certificate: None,
    };
    super::profile::save_profile(
        cli_config,
        "demo-login",
        profile,
        Some(netsuite_auth::secret::ClientSecret::new(secret)),
        false,
    )?;
    steps.done("profile \"demo-login\" saved; its client secret is encrypted in the token store");

    let (name, p) = cli_config.resolve(Some("demo-login"))?;
    let client = client_for(cli_config, &name, p)?;
    let source = client.token_source();
    let pending = source.begin_login(None)?;
    let listener = netsuite_client::callback::CallbackServer::bind(
        &url::Url::parse(&redirect_uri)?,
        None,
        None,
    )
    .await?;
    let state = pending.state.clone();
    let waiting = tokio::spawn(async move {
        listener
            .wait(&state, std::time::Duration::from_secs(30))
            .await
    });
    // The "browser": follows the authorize URL's redirect to the listener.
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::limited(5))
        .build()?;
    let page = browser.get(pending.url.clone()).send().await?;
    anyhow::ensure!(
        page.status().is_success(),
        "the callback page answered {}",
        page.status()
    );
    let response = waiting.await.context("the listener task failed")??;
    steps.done(&format!(
        "authorize URL opened (state and PKCE S256), consent approved, code received on {redirect_uri}"
    ));
    let t = source
        .complete_login(client.http(), &pending, &response)
        .await?;
    steps.done(&format!(
        "code exchanged: role {}, entity {}, company {}; refresh token valid {} days",
        t.role.as_deref().unwrap_or("?"),
        t.entity.as_deref().unwrap_or("?"),
        t.company.as_deref().unwrap_or("?"),
        t.refresh_expires_at
            .map(|e| (e - netsuite_client::unix_now() + 3600) / 86_400)
            .unwrap_or(0)
    ));
    let (r, _) = source.token(client.http(), true).await?;
    anyhow::ensure!(
        r.access_token.expose_secret() != t.access_token.expose_secret(),
        "the refresh did not give a new access token"
    );
    steps.done("access token refreshed with the refresh token");
    let order = client
        .get_record("salesorder", "304", &GetOptions::default())
        .await?;
    steps.done(&format!(
        "GET salesorder/304 with the user's token -> {}",
        order["tranId"].as_str().unwrap_or("?")
    ));
    anyhow::ensure!(source.revoke(client.http()).await?, "nothing was revoked");
    source.forget().await?;
    let refused = match source.token(client.http(), true).await {
        Err(netsuite_client::Error::NotLoggedIn) => true,
        Err(e) => return Err(e.into()),
        Ok(_) => false,
    };
    anyhow::ensure!(refused, "the profile still had a token after logout");
    steps.done("logged out: refresh token revoked at the emulator and forgotten locally");
    Ok(())
}

/// Records, SuiteQL and a RESTlet with the client-credentials token.
async fn data_flow(steps: &mut Steps, client: &netsuite_client::Client) -> Result<()> {
    use futures_util::TryStreamExt;
    use netsuite_client::restlet::{RestletBody, RestletCall, RestletResponse};
    use serde_json::json;

    crate::output::say!("-- records, SuiteQL and a RESTlet");
    let id = client
        .create_record(
            "customer",
            &json!({"companyName": "Demo Widgets Ltd", "email": "buyer@example.com", "subsidiary": {"id": "1"}}),
        )
        .await?;
    steps.done(&format!(
        "POST customer -> 204, new id {id} from the Location header"
    ));
    client
        .update_record(
            "customer",
            &id,
            &json!({"email": "orders@example.com"}),
            &netsuite_client::record::UpdateOptions::default(),
        )
        .await?;
    let updated = client
        .get_record("customer", &id, &GetOptions::default())
        .await?;
    anyhow::ensure!(
        updated["email"] == "orders@example.com",
        "the update did not stick: {updated}"
    );
    steps.done(&format!(
        "PATCH customer/{id} -> 204, email now {}",
        updated["email"]
    ));
    client.delete_record("customer", &id).await?;
    let gone = client
        .get_record("customer", &id, &GetOptions::default())
        .await
        .err()
        .is_some_and(|e| e.is_not_found());
    anyhow::ensure!(gone, "the deleted customer can still be read");
    steps.done(&format!(
        "DELETE customer/{id} -> 204; reading it now gives NONEXISTENT_ID"
    ));

    let rows: Vec<_> = client
        .suiteql(
            "SELECT t.id, t.tranid, BUILTIN.DF(t.entity) AS customer, t.foreigntotal FROM transaction t \
             WHERE t.type = 'SalesOrd' ORDER BY t.id",
            &netsuite_client::suiteql::QueryOptions { limit: Some(3) },
        )
        .try_collect()
        .await?;
    anyhow::ensure!(!rows.is_empty(), "the SuiteQL query returned no rows");
    steps.done(&format!(
        "SuiteQL: {} sales orders, first {} for {}",
        rows.len(),
        rows[0].text("tranid").unwrap_or_default(),
        rows[0].text("customer").unwrap_or_default()
    ));

    let mut call = RestletCall::new("1", "1");
    call.method = reqwest::Method::POST;
    call.body = Some(RestletBody::Json(json!({"hello": "netsuite"})));
    let answer = client.call_restlet(&call).await?;
    let echoed = match &answer {
        RestletResponse::Json(v) => v.to_string().contains("netsuite"),
        RestletResponse::Text(t) => t.contains("netsuite"),
    };
    anyhow::ensure!(echoed, "the echo RESTlet did not echo: {answer:?}");
    steps.done("RESTlet script=1 deploy=1 (echo) answered the posted JSON");
    Ok(())
}

/// Builds the client for a profile (credentials, endpoints, token store).
fn client_for(config: &Config, name: &str, profile: &Profile) -> Result<Client> {
    let client = Client::new(token_source_for(config, name, profile)?)?;
    crate::governor::apply(client, profile)
}

/// The token source of a profile, without an HTTP client (cheap: no TLS set-up).
fn token_source_for(config: &Config, name: &str, profile: &Profile) -> Result<TokenSource> {
    let account = AccountId::parse(&profile.account)?;
    let endpoints = Endpoints::resolve(&account, profile.base_url.as_deref())?;
    let store = crate::credentials::open_store(config)?;
    let grant: Grant = match profile.flow {
        Flow::ClientCredentials => {
            let key_path = profile.private_key.as_ref().ok_or_else(|| {
                UserError::usage(format!("profile {name:?} has no private key")).hint(
                    "re-add it with `netsuite profile add NAME ... --private-key PATH --force`",
                )
            })?;
            crate::credentials::m2m_grant(
                name,
                profile,
                endpoints,
                crate::credentials::load_private_key(key_path)?,
            )?
        }
        Flow::AuthCode => crate::credentials::auth_code_grant(name, profile, endpoints)?,
    };
    Ok(TokenSource::new(grant, Some((store, name.to_owned()))))
}
