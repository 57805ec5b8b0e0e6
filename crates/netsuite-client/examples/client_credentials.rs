//! Client credentials (machine to machine): sign a JWT assertion with the mapping's
//! private key, exchange it for an access token, and call the REST API with it.
//!
//! Runs offline against an in-process emulator:
//!
//! ```text
//! cargo run -p netsuite-client --example client_credentials
//! ```

#[path = "support/offline.rs"]
mod offline;

use netsuite_client::{Client, TokenSource, unix_now};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let emulator = offline::emulator(10).await;
    let credentials = offline::credentials(&emulator, &["rest_webservices"])?;
    println!(
        "client id {} with certificate {} ({})",
        credentials.client_id, credentials.certificate_id, credentials.algorithm
    );

    // The token source signs the assertion and asks the token endpoint; no store
    // here, so the token lives in memory only.
    let source = TokenSource::new(credentials, None);
    let http = netsuite_client::http::http_client()?;
    let (token, origin) = source.token(&http, false).await?;
    println!(
        "access token ({origin:?}) for scope {:?}, valid for {} s; it prints as {:?}",
        token.scope,
        token.remaining(unix_now()),
        token.access_token,
    );
    // A second call reuses the token until it is about to expire.
    let (_, again) = source.token(&http, false).await?;
    println!("asked again: {again:?}");

    // A client renews the token by itself; here it reads the account's limits.
    let client = Client::new(source)?;
    let limits = client.governance_limits().await?;
    println!(
        "governanceLimits: account concurrency limit {}",
        netsuite_client::suiteql::value_text(&limits["accountConcurrencyLimit"])
    );
    Ok(())
}
