//! `netsuite record get|list|create|update|upsert|delete`.

use std::path::Path;

use anyhow::{Context, Result};
use clap::Subcommand;
use futures_util::StreamExt;
use netsuite_client::Client;
use netsuite_client::record::{GetOptions, ListOptions, UpdateOptions};
use serde_json::Value;

use crate::error::UserError;
use crate::output::{self, Format, RowWriter};

#[derive(Debug, Subcommand)]
pub enum RecordCommand {
    /// Print one record as JSON.
    #[command(
        after_help = "Examples:\n  netsuite record get salesorder 304\n  netsuite record get customer eid:CUST-1 --fields companyName,email"
    )]
    Get {
        /// Record type: salesorder, customer, ...
        record_type: String,
        /// Internal id, or eid:EXTERNAL_ID.
        id: String,
        /// Only these fields (comma-separated).
        #[arg(long, value_delimiter = ',')]
        fields: Vec<String>,
        /// Expand sublists and subrecords inline.
        #[arg(long)]
        expand_sub_resources: bool,
    },
    /// List records of a type (ids), page after page; NetSuite's q filter narrows them.
    #[command(
        after_help = "Examples:\n  netsuite record list customer --limit 10\n  netsuite record list customer --q 'companyName START_WITH \"Acme\"' --format ndjson\n  netsuite record list salesorder --all --format csv > ids.csv"
    )]
    List {
        /// Record type.
        record_type: String,
        /// NetSuite's filter, e.g. `email START_WITH barbara` or `id BETWEEN_NOT [1, 42]`.
        #[arg(long, value_name = "FILTER")]
        q: Option<String>,
        /// At most N records (default 1000).
        #[arg(long, value_name = "N", conflicts_with = "all")]
        limit: Option<u64>,
        /// Every record (NetSuite pages through up to 100,000).
        #[arg(long)]
        all: bool,
        /// Output format (default: table on a terminal, JSON otherwise).
        #[arg(long, value_enum)]
        format: Option<Format>,
    },
    /// Create a record; prints its internal id.
    #[command(
        after_help = "Examples:\n  netsuite record create customer --data '{\"companyName\":\"Acme\",\"subsidiary\":{\"id\":\"1\"}}'\n  netsuite record create customer --data @customer.json --idempotency-key 2f1c...   # safe to repeat\n  cat customer.json | netsuite record create customer --data -\n\nA create is never repeated after a failure that may have reached NetSuite (a broken\nconnection, a 5xx): that is reported as an unknown outcome. With --idempotency-key the\ncreate is sent asynchronously with X-NetSuite-Idempotency-Key, and repeating it (the\nsame key) cannot create a second record."
    )]
    Create {
        /// Record type.
        record_type: String,
        /// The record: JSON, @FILE, or - for stdin.
        #[arg(long, value_name = "JSON|@FILE|-")]
        data: String,
        /// Send with Prefer: respond-async and this X-NetSuite-Idempotency-Key (a UUID per record).
        #[arg(long, value_name = "KEY")]
        idempotency_key: Option<String>,
    },
    /// Update fields of a record (PATCH): fields not given stay, null clears.
    #[command(
        after_help = "Examples:\n  netsuite record update customer 107 --data '{\"phone\":\"555-0100\"}'\n  netsuite record update salesorder 304 --data @lines.json --replace item"
    )]
    Update {
        /// Record type.
        record_type: String,
        /// Internal id, or eid:EXTERNAL_ID.
        id: String,
        /// The fields: JSON, @FILE, or - for stdin.
        #[arg(long, value_name = "JSON|@FILE|-")]
        data: String,
        /// Sublists whose lines the body replaces whole (comma-separated).
        #[arg(long, value_delimiter = ',')]
        replace: Vec<String>,
    },
    /// Create or update the record with an external id (PUT eid:X); safe to repeat.
    #[command(
        after_help = "Example:\n  netsuite record upsert customer eid:CUST-1 --data '{\"companyName\":\"Acme\",\"subsidiary\":{\"id\":\"1\"}}'"
    )]
    Upsert {
        /// Record type.
        record_type: String,
        /// eid:EXTERNAL_ID.
        external_id: String,
        /// The record: JSON, @FILE, or - for stdin.
        #[arg(long, value_name = "JSON|@FILE|-")]
        data: String,
    },
    /// Delete a record.
    #[command(after_help = "Example:\n  netsuite record delete customer 107")]
    Delete {
        /// Record type.
        record_type: String,
        /// Internal id, or eid:EXTERNAL_ID.
        id: String,
    },
}

/// The client of the selected profile.
pub(crate) fn client(profile: Option<&str>) -> Result<Client> {
    crate::identity::resolve(profile)?.client()
}

/// Reads `--data` (or a query): inline text, `@FILE`, or `-` (stdin), at most
/// [`crate::files::DATA_CAP`].
pub(crate) fn read_text(data: &str) -> Result<String> {
    read_text_capped(data, crate::files::DATA_CAP)
}

/// [`read_text`] with another cap.
pub(crate) fn read_text_capped(data: &str, cap: u64) -> Result<String> {
    let too_large =
        "give a smaller file, or split the work (NetSuite refuses very large requests anyway)";
    if data == "-" {
        let bytes = crate::files::read_capped(std::io::stdin().lock(), cap)
            .map_err(|e| UserError::usage(format!("cannot read stdin: {e}")).hint(too_large))?;
        return crate::files::text(bytes, "stdin");
    }
    if let Some(path) = data.strip_prefix('@') {
        let bytes = crate::files::read_file_capped(Path::new(path), cap).map_err(|e| {
            let hint = match e.kind() {
                std::io::ErrorKind::NotFound => "check the path; @FILE reads a file, - reads stdin, anything else is the data itself",
                std::io::ErrorKind::FileTooLarge => too_large,
                _ => "make the file readable",
            };
            UserError::usage(format!("cannot read {path}: {e}")).hint(hint)
        })?;
        return crate::files::text(bytes, path);
    }
    Ok(data.to_owned())
}

/// Reads `--data` as JSON, with the position of a syntax error.
pub(crate) fn read_json(data: &str) -> Result<Value> {
    let text = read_text(data)?;
    let source = if data == "-" {
        "stdin".to_owned()
    } else if let Some(p) = data.strip_prefix('@') {
        p.to_owned()
    } else {
        "--data".to_owned()
    };
    serde_json::from_str(&text).map_err(|e| {
        UserError::usage(format!("{source} is not valid JSON: {e}"))
            .hint("give a JSON object, e.g. --data '{\"companyName\":\"Acme\"}' (mind the shell's quotes), or --data @FILE")
            .into()
    })
}

fn record_json(data: &str) -> Result<Value> {
    let v = read_json(data)?;
    if !v.is_object() {
        return Err(UserError::usage("the record data must be a JSON object")
            .hint("wrap the fields in {...}: --data '{\"companyName\":\"Acme\"}'")
            .into());
    }
    Ok(v)
}

/// A JSON object (a list item) as ordered columns, `links` left out.
pub(crate) fn columns(v: Value) -> Vec<(String, Value)> {
    match v {
        Value::Object(m) => m.into_iter().filter(|(k, _)| k != "links").collect(),
        other => vec![("value".into(), other)],
    }
}

pub async fn run(cmd: RecordCommand, profile: Option<&str>) -> Result<()> {
    match cmd {
        RecordCommand::Get {
            record_type,
            id,
            fields,
            expand_sub_resources,
        } => {
            let client = client(profile)?;
            let options = GetOptions {
                fields,
                expand_sub_resources,
            };
            let record = client.get_record(&record_type, &id, &options).await?;
            output::json(&record)
        }
        RecordCommand::List {
            record_type,
            q,
            limit,
            all,
            format,
        } => {
            let client = client(profile)?;
            let limit = if all {
                None
            } else {
                Some(limit.unwrap_or(1000))
            };
            let format = Format::or_default(format, output::stdout_is_terminal());
            let mut stream = client.list_records(&record_type, &ListOptions { q, limit });
            let mut w = RowWriter::new(std::io::BufWriter::new(std::io::stdout().lock()), format);
            while let Some(item) = stream.next().await {
                w.row(columns(item?))?;
            }
            w.finish()
        }
        RecordCommand::Create {
            record_type,
            data,
            idempotency_key,
        } => {
            let body = record_json(&data)?;
            let client = client(profile)?;
            let id = match &idempotency_key {
                Some(key) => {
                    client
                        .create_record_idempotent(&record_type, &body, key)
                        .await?
                }
                None => client.create_record(&record_type, &body).await?,
            };
            crate::output::say!("created {record_type} {id}");
            output::data(&id)
        }
        RecordCommand::Update {
            record_type,
            id,
            data,
            replace,
        } => {
            let body = record_json(&data)?;
            let client = client(profile)?;
            let options = UpdateOptions {
                replace,
                replace_selected_fields: false,
            };
            client
                .update_record(&record_type, &id, &body, &options)
                .await?;
            crate::output::say!("updated {record_type} {id}");
            Ok(())
        }
        RecordCommand::Upsert {
            record_type,
            external_id,
            data,
        } => {
            if !external_id.starts_with("eid:") {
                return Err(UserError::usage(format!(
                    "an upsert needs an external id, not {external_id:?}"
                ))
                .hint("write it as eid:EXTERNAL_ID, e.g. `netsuite record upsert customer eid:CUST-1 --data ...`")
                .into());
            }
            let body = record_json(&data)?;
            let client = client(profile)?;
            let id = client
                .upsert_record(&record_type, &external_id, &body)
                .await
                .with_context(|| format!("upsert of {record_type} {external_id}"))?;
            crate::output::say!("upserted {record_type} {external_id}");
            if let Some(id) = id {
                output::data(&id)?;
            }
            Ok(())
        }
        RecordCommand::Delete { record_type, id } => {
            let client = client(profile)?;
            client.delete_record(&record_type, &id).await?;
            crate::output::say!("deleted {record_type} {id}");
            Ok(())
        }
    }
}
