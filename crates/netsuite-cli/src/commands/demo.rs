//! `netsuite demo`: the whole client-credentials flow against an embedded emulator,
//! step by step, in a temporary directory. Exits 0 only if every step worked.

use std::time::Instant;

use anyhow::{Context, Result};
use netsuite_auth::account::AccountId;
use netsuite_auth::cert::KeyType;
use netsuite_client::record::GetOptions;
use netsuite_emulator::{Config as EmulatorConfig, Emulator, NewIntegration, NewMapping};

use crate::config::{Config, Flow, Profile};
use crate::output;

struct Steps {
    n: usize,
    started: Instant,
}

impl Steps {
    fn done(&mut self, what: &str) {
        self.n += 1;
        crate::say!(
            "[{}] ok  {what}  ({} ms)",
            self.n,
            self.started.elapsed().as_millis()
        );
    }
}

pub async fn run() -> Result<()> {
    let mut steps = Steps {
        n: 0,
        started: Instant::now(),
    };
    let work = tempfile::Builder::new()
        .prefix("netsuite-demo-")
        .tempdir()
        .context("could not create a temporary directory")?;
    crate::say!("netsuite demo: client credentials (M2M) against an embedded emulator");
    crate::say!("working in {}", work.path().display());

    // 1. The emulator, in-process, on a free loopback port.
    let account = AccountId::parse("1234567")?;
    let mut config = EmulatorConfig::new(account.clone());
    config.data_dir = Some(work.path().join("emulator"));
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
    let profile = Profile {
        flow: Flow::ClientCredentials,
        account: account.to_string(),
        client_id: integration.client_id.clone(),
        certificate_id: Some(mapping.certificate_id.clone()),
        private_key: Some(key_path),
        algorithm: None,
        scopes: vec!["rest_webservices".into(), "restlets".into()],
        scope_format: Default::default(),
        public: false,
        redirect_uri: None,
        base_url: Some(base_url.clone()),
    };
    super::profile::save_profile(&mut cli_config, "demo", profile, None, false)?;
    steps.done(&format!(
        "profile \"demo\" saved in {}",
        cli_config.path().display()
    ));

    // 6. A token: sign the assertion, post it, cache the token.
    let (name, p) = cli_config.resolve(Some("demo"))?;
    let client = super::client_for(&cli_config, &name, p)?;
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
    steps.done("second token request answered from the 0600 token cache");

    // 7. The first API call: sales order 304.
    let order = client
        .get_record("salesorder", "304", &GetOptions::default())
        .await?;
    steps.done(&format!(
        "GET /services/rest/record/v1/salesorder/304 -> {} {}",
        order["tranId"].as_str().unwrap_or("?"),
        order["entity"]["refName"].as_str().unwrap_or("")
    ));

    let _ = stop_tx.send(());
    server.await.context("the emulator task failed")??;
    output::json(&order)?;
    crate::say!(
        "demo finished: every step worked in {} ms",
        steps.started.elapsed().as_millis()
    );
    Ok(())
}
