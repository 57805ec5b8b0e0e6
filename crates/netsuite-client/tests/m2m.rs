//! The client against the emulator on 127.0.0.1:0: tokens, the cache, record get,
//! renewal after a 401, and errors kept as data.

use std::sync::Arc;

use netsuite_auth::account::Endpoints;
use netsuite_auth::assertion::ScopeFormat;
use netsuite_auth::cert::KeyType;
use netsuite_auth::key::PrivateKey;
use netsuite_client::keyring_key::KeyringMode;
use netsuite_client::record::GetOptions;
use netsuite_client::store::{StoredToken, TokenStore};
use netsuite_client::{Client, ClientCredentials, Error, Origin, TokenSource};
use netsuite_test::{M2m, TestEmulator};

fn credentials(emu: &TestEmulator, m: &M2m, scopes: &[&str]) -> ClientCredentials {
    let key = PrivateKey::from_pem(&std::fs::read_to_string(&m.private_key).unwrap()).unwrap();
    ClientCredentials {
        endpoints: Endpoints::with_base_url(&emu.base_url).unwrap(),
        client_id: m.client_id.as_str().into(),
        certificate_id: m.certificate_id.as_str().into(),
        algorithm: key.kind().default_algorithm(),
        private_key: Arc::new(key),
        scopes: scopes.iter().map(|s| (*s).to_owned()).collect(),
        scope_format: ScopeFormat::Array,
        assertion_lifetime_secs: 300,
    }
}

#[tokio::test]
async fn token_cache_and_record() {
    let emu = TestEmulator::start().await;
    let m = emu.m2m(KeyType::EcP256, &["rest_webservices", "restlets"]);
    let store = TokenStore::with_mode(emu.dir.path().join("tokens"), KeyringMode::Off);
    let creds = credentials(&emu, &m, &["rest_webservices"]);
    let client = Client::new(TokenSource::new(
        creds.clone(),
        Some((store.clone(), "p".into())),
    ))
    .unwrap();
    let (t1, o1) = client
        .token_source()
        .token(client.http(), false)
        .await
        .unwrap();
    assert_eq!(o1, Origin::Fresh);
    assert_eq!(t1.scope, vec!["rest_webservices"]);
    assert!((3590..=3600).contains(&t1.remaining(netsuite_client::unix_now())));
    let (t2, o2) = client
        .token_source()
        .token(client.http(), false)
        .await
        .unwrap();
    assert_eq!(o2, Origin::Cache);
    assert_eq!(t1.access_token, t2.access_token);

    // A second source over the same store reads the cached token without a request.
    let other = TokenSource::new(creds.clone(), Some((store.clone(), "p".into())));
    let cached = other.cached().await.unwrap().expect("cached token");
    assert_eq!(cached.access_token, t1.access_token);
    // A profile whose credentials changed does not reuse it.
    let mut changed = creds.clone();
    changed.scopes = vec!["rest_webservices".into(), "restlets".into()];
    let changed = TokenSource::new(changed, Some((store.clone(), "p".into())));
    assert!(changed.cached().await.unwrap().is_none());

    let order = client
        .get_record("salesOrder", "304", &GetOptions::default())
        .await
        .unwrap();
    assert_eq!(order["id"], "304");

    // A missing record is an ApiError kept as data.
    let e = client
        .get_record("salesorder", "999999", &GetOptions::default())
        .await
        .unwrap_err();
    assert!(e.is_not_found(), "{e}");
    let api = e.api_error().unwrap();
    assert_eq!(api.status, 404);
    assert_eq!(api.code(), Some("NONEXISTENT_ID"));
    assert!(!e.is_rate_limited() && !e.is_unauthorized());
}

#[tokio::test]
async fn a_401_renews_the_token_once() {
    let emu = TestEmulator::start().await;
    let m = emu.m2m(KeyType::EcP384, &["rest_webservices"]);
    let store = TokenStore::with_mode(emu.dir.path().join("tokens"), KeyringMode::Off);
    let creds = credentials(&emu, &m, &["rest_webservices"]);
    // Plant a token the emulator never issued, valid for an hour by its own account.
    store
        .save(
            "p",
            &StoredToken::access_only(
                "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiIzOy01In0.c2ln"
                    .to_owned()
                    .into(),
                netsuite_client::unix_now() + 3600,
                netsuite_client::unix_now(),
                vec!["rest_webservices".into()],
                creds.credentials_id(),
            ),
        )
        .unwrap();
    let client = Client::new(TokenSource::new(creds, Some((store.clone(), "p".into())))).unwrap();
    let order = client
        .get_record("salesorder", "304", &GetOptions::default())
        .await
        .unwrap();
    assert_eq!(order["id"], "304");
    let renewed = store.load("p").unwrap().unwrap();
    assert_ne!(
        renewed.access_token.expose_secret(),
        "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiIzOy01In0.c2ln"
    );
}

#[tokio::test]
async fn scope_without_rest_webservices_is_invalid_login() {
    let emu = TestEmulator::start().await;
    let m = emu.m2m(KeyType::EcP256, &["restlets"]);
    let client = Client::new(TokenSource::new(credentials(&emu, &m, &["restlets"]), None)).unwrap();
    let e = client
        .get_record("salesorder", "304", &GetOptions::default())
        .await
        .unwrap_err();
    assert!(e.is_unauthorized(), "{e}");
    assert_eq!(e.api_error().unwrap().code(), Some("INVALID_LOGIN"));
}

#[tokio::test]
async fn token_errors_are_oauth_errors() {
    let emu = TestEmulator::start().await;
    let m = emu.m2m(KeyType::EcP256, &["rest_webservices"]);
    let mut creds = credentials(&emu, &m, &["rest_webservices"]);
    creds.certificate_id = "unknown".into();
    let source = TokenSource::new(creds, None);
    let http = netsuite_client::http::http_client().unwrap();
    match source.token(&http, false).await.unwrap_err() {
        Error::Auth(netsuite_auth::Error::OAuth(o)) => {
            assert_eq!(o.error, netsuite_auth::OAuthErrorCode::InvalidGrant);
            assert_eq!(o.status, 400);
        }
        other => panic!("{other:?}"),
    }
    let mut creds = credentials(&emu, &m, &["restlets"]);
    creds.scopes = vec!["suite_analytics".into()];
    let source = TokenSource::new(creds, None);
    match source.token(&http, false).await.unwrap_err() {
        Error::Auth(netsuite_auth::Error::OAuth(o)) => {
            assert_eq!(o.error, netsuite_auth::OAuthErrorCode::InvalidScope)
        }
        other => panic!("{other:?}"),
    }
}
