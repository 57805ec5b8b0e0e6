//! SuiteQL: stream the rows of a query page by page, then export a larger result
//! as CSV with pages fetched in parallel (the way past NetSuite's 100,000-row
//! offset ceiling is the same call with a keyset column).
//!
//! Runs offline against an in-process emulator:
//!
//! ```text
//! cargo run -p netsuite-client --example suiteql_export
//! ```

#[path = "support/offline.rs"]
mod offline;

use futures_util::TryStreamExt;
use netsuite_client::export::{ExportFormat, ExportOptions};
use netsuite_client::suiteql::QueryOptions;
use netsuite_client::{Client, TokenSource};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let emulator = offline::emulator(2500).await;
    let credentials = offline::credentials(&emulator, &["rest_webservices"])?;
    let client = Client::new(TokenSource::new(credentials, None))?;

    // A stream of rows; NetSuite's pages are fetched as the stream is read.
    let rows: Vec<_> = client
        .suiteql(
            "SELECT id, tranid, BUILTIN.DF(entity) AS customer FROM transaction ORDER BY id",
            &QueryOptions { limit: Some(3) },
        )
        .try_collect()
        .await?;
    for row in &rows {
        println!(
            "{} {} {}",
            row.text("id").unwrap_or_default(),
            row.text("tranid").unwrap_or_default(),
            row.text("customer").unwrap_or_default()
        );
    }

    // Every row, as CSV, pages of 500 fetched in parallel.
    let mut csv = Vec::new();
    let summary = client
        .export(
            "SELECT id, tranid FROM transaction ORDER BY id",
            &ExportOptions {
                format: ExportFormat::Csv,
                page_size: 500,
                ..ExportOptions::default()
            },
            &mut csv,
        )
        .await?;
    let text = String::from_utf8(csv)?;
    println!(
        "exported {} rows in {} pages ({:?} paging), {} bytes; first lines:",
        summary.rows, summary.pages, summary.mode, summary.bytes
    );
    for line in text.lines().take(3) {
        println!("  {line}");
    }
    Ok(())
}
