//! What every tool uses: its arguments, its error, and SuiteQL rows.

use rmcp::model::JsonObject;
use serde_json::{Map, Value};

use super::super::state::DataPlane;
use super::super::suiteql::{self, Watch};

/// Rows one `ns_runCustomSuiteQL` call returns at most (third-party, unconfirmed).
pub(crate) const MAX_ROWS: u64 = 5_000;

/// A tool's failure: the message the agent reads.
#[derive(Debug)]
pub(crate) struct ToolError(pub String);

impl From<crate::error::Error> for ToolError {
    fn from(e: crate::error::Error) -> Self {
        Self(format!("error: {}", crate::error::chain(&e)))
    }
}

pub(crate) fn bad_args(msg: impl std::fmt::Display) -> ToolError {
    ToolError(format!(
        "error: invalid arguments: {msg}\nhint: see the tool's inputSchema (tools/list)"
    ))
}

/// The argument `name` as a non-empty string (numbers accepted).
pub(crate) fn text_arg(args: &JsonObject, name: &str) -> Result<String, ToolError> {
    match args.get(name) {
        Some(Value::String(s)) if !s.trim().is_empty() => Ok(s.trim().to_owned()),
        Some(Value::Number(n)) => Ok(n.to_string()),
        Some(_) => Err(bad_args(format!("`{name}` must be a non-empty string"))),
        None => Err(bad_args(format!("`{name}` is required"))),
    }
}

pub(crate) fn opt_text_arg(args: &JsonObject, name: &str) -> Result<Option<String>, ToolError> {
    match args.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
        Some(_) => text_arg(args, name).map(Some),
    }
}

/// A whole-number argument within `min..=max`.
pub(crate) fn opt_int_arg(
    args: &JsonObject,
    name: &str,
    min: i64,
    max: i64,
) -> Result<Option<i64>, ToolError> {
    let n = match args.get(name) {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Number(n)) => n.as_i64(),
        Some(Value::String(s)) => s.trim().parse().ok(),
        Some(_) => None,
    };
    match n {
        Some(n) if (min..=max).contains(&n) => Ok(Some(n)),
        _ => Err(bad_args(format!(
            "`{name}` must be a whole number from {min} to {max}"
        ))),
    }
}

/// What a SuiteQL run returned.
pub(crate) struct Rows {
    pub data: Vec<Value>,
    pub total: u64,
}

/// Runs `q` (SuiteQL) from row `offset`, at most `limit` rows, each an object of
/// lowercase columns with string values (NULLs left out), as REST SuiteQL gives them:
/// with `dates`, date columns in that format (a user's query); without, as stored
/// (the tools' own queries).
pub(crate) async fn suiteql_rows(
    dp: &DataPlane,
    q: String,
    limit: u64,
    offset: u64,
    dates: Option<netsuite_suiteql::DateFormat>,
) -> Result<Rows, ToolError> {
    let (stop, watch) = Watch::start(dp.suiteql_time_limit());
    let out = dp
        .run_blocking(move |dp| {
            let mut data = Vec::new();
            let page = suiteql::run_page(
                dp,
                &q,
                limit,
                offset,
                true,
                &stop,
                dates,
                |columns, row, cells| {
                    let mut obj = Map::new();
                    for (i, column) in columns.iter().enumerate() {
                        if let Some(text) = cells.text(i, row.get_ref(i)?) {
                            obj.insert(column.clone(), Value::String(text));
                        }
                    }
                    data.push(Value::Object(obj));
                    Ok(())
                },
            )?;
            Ok(page.map(|p| Rows {
                total: p.total.unwrap_or(p.count),
                data,
            }))
        })
        .await;
    drop(watch);
    match out? {
        Ok(rows) => Ok(rows),
        Err(detail) => Err(ToolError(format!(
            "error: Invalid search query. Search error occurred: {detail}\nhint: check the query with ns_getSuiteQLMetadata (tables and columns)"
        ))),
    }
}
