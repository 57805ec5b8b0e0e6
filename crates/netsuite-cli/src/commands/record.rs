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
    /// List the account's record types (the REST metadata catalog).
    #[command(after_help = "Examples:\n  netsuite record types\n  netsuite record types --json")]
    Types {
        /// JSON output (the same as --format json).
        #[arg(long, conflicts_with = "format")]
        json: bool,
        /// Output format (default: one name a line).
        #[arg(long, value_enum)]
        format: Option<Format>,
    },
    /// Show a record type's fields: name, label, type, required, read-only.
    #[command(
        after_help = "Examples:\n  netsuite record describe customer\n  netsuite record describe salesorder --json"
    )]
    Describe {
        /// Record type.
        record_type: String,
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
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
        /// JSON output (the same as --format json).
        #[arg(long, conflicts_with = "format")]
        json: bool,
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
        #[command(flatten)]
        write: WriteArgs,
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
        #[command(flatten)]
        write: WriteArgs,
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
        #[command(flatten)]
        write: WriteArgs,
    },
    /// Delete a record (asks on a terminal; --yes otherwise).
    #[command(
        after_help = "Examples:\n  netsuite record delete customer 107\n  netsuite record delete customer 107 --yes --json\n  netsuite record delete customer 107 --dry-run"
    )]
    Delete {
        /// Record type.
        record_type: String,
        /// Internal id, or eid:EXTERNAL_ID.
        id: String,
        /// Do not ask (needed when not on a terminal).
        #[arg(long, short = 'y')]
        yes: bool,
        #[command(flatten)]
        write: WriteArgs,
    },
}

/// What every write command accepts.
#[derive(Debug, clap::Args)]
pub struct WriteArgs {
    /// Print `{id, location, deduplicated}` as JSON on stdout.
    #[arg(long)]
    pub json: bool,
    /// Print the request (method, URL, headers with the token masked, body); send nothing.
    #[arg(long)]
    pub dry_run: bool,
}

/// A request that `--dry-run` prints instead of sending.
pub(crate) struct DryRun<'a> {
    pub method: &'a str,
    pub url: &'a url::Url,
    pub headers: Vec<(String, String)>,
    pub body: Option<String>,
}

impl DryRun<'_> {
    /// Prints the request on stdout; the bearer token is never fetched nor shown.
    pub fn print(self) -> Result<()> {
        let mut text = format!(
            "{} {}\nAuthorization: Bearer ****** (masked)\n",
            self.method, self.url
        );
        for (k, v) in &self.headers {
            text.push_str(&format!("{k}: {v}\n"));
        }
        if let Some(b) = &self.body {
            let pretty = serde_json::from_str::<Value>(b)
                .and_then(|v| serde_json::to_string_pretty(&v))
                .unwrap_or_else(|_| b.clone());
            text.push_str(&format!("\n{pretty}\n"));
        }
        output::data(text.trim_end())?;
        crate::output::say!("dry run: nothing was sent");
        Ok(())
    }
}

/// The result of a write: the message on stderr; on stdout `--json`, else the id
/// when `print_id` (create and upsert print it, update and delete do not).
fn written(
    write: &WriteArgs,
    client: &Client,
    record_type: &str,
    (id, print_id): (Option<&str>, bool),
    deduplicated: bool,
    message: &str,
) -> Result<()> {
    crate::output::say!("{message}");
    if write.json {
        let location = id.map(|i| client.endpoints().record_url(record_type, i).to_string());
        return output::json(&serde_json::json!({
            "id": id,
            "location": location,
            "deduplicated": deduplicated,
        }));
    }
    match id {
        Some(id) if print_id => output::data(id),
        _ => Ok(()),
    }
}

/// `--dry-run` of a record write.
fn dry_run_write(
    method: &str,
    url: &url::Url,
    body: Option<&Value>,
    extra: Vec<(String, String)>,
) -> Result<()> {
    let mut headers = extra;
    if body.is_some() {
        headers.insert(0, ("Content-Type".into(), "application/json".into()));
    }
    DryRun {
        method,
        url,
        headers,
        body: body.map(Value::to_string),
    }
    .print()
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

impl RecordCommand {
    fn record_type(&self) -> Option<&str> {
        match self {
            RecordCommand::Types { .. } => None,
            RecordCommand::Describe { record_type, .. }
            | RecordCommand::Get { record_type, .. }
            | RecordCommand::List { record_type, .. }
            | RecordCommand::Create { record_type, .. }
            | RecordCommand::Update { record_type, .. }
            | RecordCommand::Upsert { record_type, .. }
            | RecordCommand::Delete { record_type, .. } => Some(record_type),
        }
    }
}

/// Runs a `record` command; a record type the account does not have gets "did you
/// mean ...".
pub async fn run(cmd: RecordCommand, profile: Option<&str>) -> Result<()> {
    let record_type = cmd.record_type().map(str::to_owned);
    let Err(e) = run_command(cmd, profile).await else {
        return Ok(());
    };
    match (record_type, client(profile)) {
        (Some(t), Ok(c)) => Err(super::record_meta::did_you_mean(&c, &t, e).await),
        _ => Err(e),
    }
}

async fn run_command(cmd: RecordCommand, profile: Option<&str>) -> Result<()> {
    match cmd {
        RecordCommand::Types { json, format } => {
            let format = json.then_some(Format::Json).or(format);
            super::record_meta::types(&client(profile)?, format).await
        }
        RecordCommand::Describe { record_type, json } => {
            let client = client(profile)?;
            super::record_meta::describe(&client, &record_type, json).await
        }
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
            json,
        } => {
            let format = json.then_some(Format::Json).or(format);
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
            write,
        } => {
            create(
                &client(profile)?,
                &record_type,
                &data,
                idempotency_key.as_deref(),
                &write,
            )
            .await
        }
        RecordCommand::Update {
            record_type,
            id,
            data,
            replace,
            write,
        } => {
            let body = record_json(&data)?;
            let client = client(profile)?;
            if write.dry_run {
                let url = client.endpoints().record_url(&record_type, &id);
                return dry_run_write("PATCH", &url, Some(&body), Vec::new());
            }
            let options = UpdateOptions {
                replace,
                replace_selected_fields: false,
            };
            client
                .update_record(&record_type, &id, &body, &options)
                .await?;
            let msg = format!("updated {record_type} {id}");
            written(
                &write,
                &client,
                &record_type,
                (Some(&id), false),
                false,
                &msg,
            )
        }
        RecordCommand::Upsert {
            record_type,
            external_id,
            data,
            write,
        } => upsert(&record_type, &external_id, &data, &write, profile).await,
        RecordCommand::Delete {
            record_type,
            id,
            yes,
            write,
        } => delete(&client(profile)?, &record_type, &id, yes, &write).await,
    }
}

/// `record create`: with an idempotency key a repeat says it was deduplicated and
/// prints the first record's id.
async fn create(
    client: &Client,
    record_type: &str,
    data: &str,
    idempotency_key: Option<&str>,
    write: &WriteArgs,
) -> Result<()> {
    let body = record_json(data)?;
    if write.dry_run {
        let url = client.endpoints().record_collection_url(record_type);
        let extra = match idempotency_key {
            Some(k) => vec![
                ("Prefer".to_owned(), "respond-async".to_owned()),
                ("X-NetSuite-Idempotency-Key".to_owned(), k.to_owned()),
            ],
            None => Vec::new(),
        };
        return dry_run_write("POST", &url, Some(&body), extra);
    }
    let (id, deduplicated) = match idempotency_key {
        Some(key) => {
            let c = client
                .create_record_deduplicated(record_type, &body, key)
                .await?;
            (c.id, c.deduplicated)
        }
        None => (client.create_record(record_type, &body).await?, false),
    };
    let msg = if deduplicated {
        format!(
            "deduplicated: idempotency key {:?} was used before; nothing was created, the original is {record_type} {id}",
            idempotency_key.unwrap_or_default()
        )
    } else {
        format!("created {record_type} {id}")
    };
    written(
        write,
        client,
        record_type,
        (Some(&id), true),
        deduplicated,
        &msg,
    )
}

/// `record upsert TYPE eid:X`.
async fn upsert(
    record_type: &str,
    external_id: &str,
    data: &str,
    write: &WriteArgs,
    profile: Option<&str>,
) -> Result<()> {
    if !external_id.starts_with("eid:") {
        return Err(UserError::usage(format!(
            "an upsert needs an external id, not {external_id:?}"
        ))
        .hint("write it as eid:EXTERNAL_ID, e.g. `netsuite record upsert customer eid:CUST-1 --data ...`")
        .into());
    }
    let body = record_json(data)?;
    let client = client(profile)?;
    if write.dry_run {
        let url = client.endpoints().record_url(record_type, external_id);
        return dry_run_write("PUT", &url, Some(&body), Vec::new());
    }
    let id = client
        .upsert_record(record_type, external_id, &body)
        .await
        .with_context(|| format!("upsert of {record_type} {external_id}"))?;
    let msg = format!("upserted {record_type} {external_id}");
    let printed = id.is_some();
    let id = id.unwrap_or_else(|| external_id.to_owned());
    written(
        write,
        &client,
        record_type,
        (Some(&id), printed),
        false,
        &msg,
    )
}

/// `record delete TYPE ID`: asks on a terminal unless `--yes`.
async fn delete(
    client: &Client,
    record_type: &str,
    id: &str,
    yes: bool,
    write: &WriteArgs,
) -> Result<()> {
    let url = client.endpoints().record_url(record_type, id);
    if write.dry_run {
        return dry_run_write("DELETE", &url, None, Vec::new());
    }
    output::confirm(&format!("delete {record_type} {id} ({url})?"), yes)?;
    client.delete_record(record_type, id).await?;
    let msg = format!("deleted {record_type} {id}");
    written(write, client, record_type, (Some(id), false), false, &msg)
}
