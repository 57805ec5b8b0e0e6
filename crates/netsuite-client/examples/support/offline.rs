//! What the examples share: an in-process NetSuite emulator on 127.0.0.1 with an
//! M2M integration, a generated key pair and its mapping, so that every example
//! runs offline. Against a real account, only [`credentials`]' inputs change:
//! `Endpoints::for_account(&AccountId::parse("1234567")?)`, the integration's
//! client id, the mapping's certificate id and the key file.

use std::sync::Arc;

use netsuite_auth::account::Endpoints;
use netsuite_auth::assertion::ScopeFormat;
use netsuite_auth::cert::KeyType;
use netsuite_auth::key::PrivateKey;
use netsuite_client::ClientCredentials;
use netsuite_test::TestEmulator;

/// Starts the emulator (seeded with demo data, `demo_scale` sales orders) on
/// 127.0.0.1:0.
pub async fn emulator(demo_scale: u64) -> TestEmulator {
    TestEmulator::start_with(|config| config.demo_scale = demo_scale).await
}

/// Client-credentials settings for a new M2M integration on `emulator`, exactly as
/// a program would build them for NetSuite.
pub fn credentials(
    emulator: &TestEmulator,
    scopes: &[&str],
) -> Result<ClientCredentials, Box<dyn std::error::Error>> {
    let m2m = emulator.m2m(KeyType::EcP256, scopes);
    let key = PrivateKey::from_pem(&std::fs::read_to_string(&m2m.private_key)?)?;
    Ok(ClientCredentials {
        endpoints: Endpoints::with_base_url(&emulator.base_url)?,
        client_id: m2m.client_id.into(),
        certificate_id: m2m.certificate_id.into(),
        algorithm: key.kind().default_algorithm(),
        private_key: Arc::new(key),
        scopes: scopes.iter().map(|s| (*s).to_owned()).collect(),
        scope_format: ScopeFormat::Array,
        assertion_lifetime_secs: 300,
    })
}
