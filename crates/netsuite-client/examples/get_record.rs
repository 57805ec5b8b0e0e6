//! The REST record API: read a sales order, create a customer, read it back with
//! only some fields, and delete it.
//!
//! Runs offline against an in-process emulator:
//!
//! ```text
//! cargo run -p netsuite-client --example get_record
//! ```

#[path = "support/offline.rs"]
mod offline;

use netsuite_client::record::GetOptions;
use netsuite_client::suiteql::value_text as text;
use netsuite_client::{Client, TokenSource};
use serde_json::json;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let emulator = offline::emulator(10).await;
    let credentials = offline::credentials(&emulator, &["rest_webservices"])?;
    let client = Client::new(TokenSource::new(credentials, None))?;

    // GET /services/rest/record/v1/salesorder/304
    let order = client
        .get_record("salesorder", "304", &GetOptions::default())
        .await?;
    println!(
        "sales order {} ({}): {} for {}",
        text(&order["id"]),
        text(&order["tranId"]),
        text(&order["total"]),
        text(&order["entity"]["refName"])
    );

    // POST, then GET with only the fields asked for.
    let id = client
        .create_record(
            "customer",
            &json!({"companyName": "Example Widgets", "subsidiary": {"id": "1"}}),
        )
        .await?;
    let customer = client
        .get_record(
            "customer",
            &id,
            &GetOptions {
                fields: vec!["companyName".into()],
                expand_sub_resources: false,
            },
        )
        .await?;
    println!("created customer {id}: {}", text(&customer["companyName"]));

    client.delete_record("customer", &id).await?;
    println!("deleted customer {id}");
    Ok(())
}
