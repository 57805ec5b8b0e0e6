//! The Standard Tools' calls. Record tools go through the REST record API's
//! handler (so they inherit its rules, as NetSuite's do); SuiteQL, saved searches
//! and reports run SuiteQL on the account's data.

use axum::body::Bytes;
use axum::http::{Method, StatusCode};
use axum::response::Response;
use netsuite_auth::account::RECORD_PATH;
use rmcp::model::{CallToolResult, ContentBlock, JsonObject};
use serde_json::{Value, json};

use super::super::record::handler::{self, RecordRequest};
use super::super::rest::Params;
use super::super::state::DataPlane;
use super::base::{
    MAX_ROWS, ToolError, bad_args, opt_int_arg, opt_text_arg, suiteql_rows, text_arg,
};
use super::reports;
use crate::oauth::bearer::Principal;

/// `data`: a JSON object given as a string (as NetSuite's tools take it) or inline.
fn data_arg(args: &JsonObject) -> Result<Bytes, ToolError> {
    let v = match args.get("data") {
        Some(Value::String(s)) => serde_json::from_str::<Value>(s)
            .map_err(|e| bad_args(format!("`data` is not JSON ({e})")))?,
        Some(v @ Value::Object(_)) => v.clone(),
        Some(_) => return Err(bad_args("`data` must be a JSON object (as a string)")),
        None => return Err(bad_args("`data` is required")),
    };
    if !v.is_object() {
        return Err(bad_args("`data` must be a JSON object"));
    }
    Ok(Bytes::from(v.to_string()))
}

/// Runs tool `name` (known and permitted) for `principal`.
pub(crate) async fn call(
    dp: &DataPlane,
    principal: &Principal,
    base: &str,
    name: &str,
    args: JsonObject,
) -> CallToolResult {
    let result = match name {
        "ns_runCustomSuiteQL" => run_suiteql(dp, &args).await,
        "ns_getRecord" | "ns_createRecord" | "ns_updateRecord" => {
            record(dp, principal.role, base, name, &args).await
        }
        "ns_getRecordTypeMetadata" => reports::record_type_metadata(dp, &args),
        "ns_getSuiteQLMetadata" => reports::suiteql_metadata(dp, &args),
        "ns_listSavedSearches" => reports::list_saved_searches(&args),
        "ns_runSavedSearch" => reports::run_saved_search(dp, &args).await,
        "ns_getSubsidiaries" => reports::subsidiaries(dp).await,
        "ns_listAllReports" => Ok(reports::list_reports()),
        "ns_runReport" => reports::run_report(dp, &args).await,
        other => Err(ToolError(format!("error: no tool {other}"))),
    };
    match result {
        Ok(v) if dp.mcp().structured_content => CallToolResult::structured(v),
        Ok(v) => CallToolResult::success(vec![ContentBlock::text(v.to_string())]),
        Err(ToolError(msg)) => CallToolResult::error(vec![ContentBlock::text(msg)]),
    }
}

async fn run_suiteql(dp: &DataPlane, args: &JsonObject) -> Result<Value, ToolError> {
    let query = text_arg(args, "sqlQuery")?;
    let description = opt_text_arg(args, "description")?.unwrap_or_default();
    let cap = opt_int_arg(args, "pageSize", 1, MAX_ROWS as i64)?.map_or(MAX_ROWS, |n| n as u64);
    let rows = suiteql_rows(dp, query.clone(), cap, 0).await?;
    let count = rows.data.len() as u64;
    Ok(json!({
        "method": "ns_runCustomSuiteQL",
        "description": description,
        "queryExecuted": query,
        "resultCount": count,
        "totalResults": rows.total,
        "truncated": rows.total > count,
        "data": rows.data,
    }))
}

/// The record tools, through the REST record API's handler.
async fn record(
    dp: &DataPlane,
    role: i64,
    base: &str,
    tool: &str,
    args: &JsonObject,
) -> Result<Value, ToolError> {
    let record_type = text_arg(args, "recordType")?;
    let (method, id, body, query) = match tool {
        "ns_createRecord" => (Method::POST, None, data_arg(args)?, None),
        "ns_updateRecord" => (
            Method::PATCH,
            Some(text_arg(args, "recordId")?),
            data_arg(args)?,
            None,
        ),
        _ => {
            let fields = opt_text_arg(args, "fields")?
                .map(|f| serde_urlencoded::to_string([("fields", f)]).unwrap_or_default());
            (
                Method::GET,
                Some(text_arg(args, "recordId")?),
                Bytes::new(),
                fields,
            )
        }
    };
    let mut segments = vec![record_type.clone()];
    segments.extend(id.clone());
    let req = RecordRequest {
        method,
        url_path: format!("{RECORD_PATH}/{}", segments.join("/")),
        segments: Ok(segments),
        params: Params::parse(query.as_deref()),
        base: base.to_owned(),
        body,
    };
    let resp = dp
        .run_blocking(move |dp| handler::handle(dp, &req, role))
        .await?;
    let (status, location, body) = read(resp).await;
    if !status.is_success() {
        return Err(rest_failure(status, &body));
    }
    Ok(match tool {
        "ns_createRecord" => {
            let new_id = location
                .as_deref()
                .and_then(|l| l.rsplit('/').next())
                .unwrap_or_default()
                .to_owned();
            json!({"recordType": record_type, "recordId": new_id, "success": true, "location": location})
        }
        "ns_updateRecord" => json!({"recordType": record_type, "recordId": id, "success": true}),
        _ => body,
    })
}

async fn read(resp: Response) -> (StatusCode, Option<String>, Value) {
    let status = resp.status();
    let location = resp
        .headers()
        .get(axum::http::header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX)
        .await
        .unwrap_or_default();
    let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    (status, location, body)
}

/// A REST error reply as the tool's error.
fn rest_failure(status: StatusCode, body: &Value) -> ToolError {
    let detail = &body["o:errorDetails"][0];
    ToolError(format!(
        "error: {} {}: {}",
        status.as_u16(),
        detail["o:errorCode"].as_str().unwrap_or("ERROR"),
        detail["detail"]
            .as_str()
            .or_else(|| body["title"].as_str())
            .unwrap_or("the request failed")
    ))
}
