//! The native tools of `netsuite mcp serve`: names and arguments as NetSuite's
//! Standard Tools (`ns_*`) plus `netsuite_callRestlet`, each over the governed client.

use netsuite_auth::account::RECORD_PATH;
use netsuite_client::record::{GetOptions, UpdateOptions};
use netsuite_client::restlet::{RestletBody, RestletCall, RestletResponse};
use netsuite_client::suiteql::Row;
use netsuite_client::{ApiRequest, Client};
use reqwest::Method;
use reqwest::header::{ACCEPT, HeaderValue};
use rmcp::model::{CallToolResult, ContentBlock, JsonObject, Tool};
use serde::Serialize;
use serde_json::{Value, json};

/// Rows one `ns_runCustomSuiteQL` call returns at most.
pub const MAX_ROWS: u64 = 5_000;

/// A tool's failure: the message (with its hint) the agent reads.
#[derive(Debug)]
pub struct ToolError(pub String);

impl ToolError {
    fn refused(tool: &str, what: &str) -> Self {
        Self(writes_refused(
            &format!("{tool} {what}"),
            "netsuite mcp serve --allow-writes",
        ))
    }
}

/// The refusal of a write by a server started without `--allow-writes` (`restart`:
/// the command that allows it).
pub fn writes_refused(what: &str, restart: &str) -> String {
    format!(
        "error: {what} is refused: this server was started without --allow-writes\nhint: restart it as `{restart}` to let the agent change data"
    )
}

impl From<netsuite_client::Error> for ToolError {
    fn from(e: netsuite_client::Error) -> Self {
        let e = anyhow::Error::from(e);
        let hint = crate::error::hint_for(&e)
            .map(|h| format!("\nhint: {h}"))
            .unwrap_or_default();
        Self(format!("error: {e:#}{hint}"))
    }
}

fn bad_args(msg: impl std::fmt::Display) -> ToolError {
    ToolError(format!(
        "error: invalid arguments: {msg}\nhint: see the tool's inputSchema (tools/list)"
    ))
}

/// The argument `name` as a non-empty string.
fn text_arg(args: &JsonObject, name: &str) -> Result<String, ToolError> {
    match args.get(name) {
        Some(Value::String(s)) if !s.trim().is_empty() => Ok(s.clone()),
        Some(Value::Number(n)) => Ok(n.to_string()),
        Some(_) => Err(bad_args(format!("`{name}` must be a non-empty string"))),
        None => Err(bad_args(format!("`{name}` is required"))),
    }
}

fn opt_text_arg(args: &JsonObject, name: &str) -> Result<Option<String>, ToolError> {
    match args.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
        Some(_) => text_arg(args, name).map(Some),
    }
}

/// `data`: a JSON object given as a string (as NetSuite's tools take it) or inline.
fn data_arg(args: &JsonObject) -> Result<Value, ToolError> {
    let v = match args.get("data") {
        Some(Value::String(s)) => serde_json::from_str::<Value>(s)
            .map_err(|e| bad_args(format!("`data` is not JSON ({e})")))?,
        Some(v @ Value::Object(_)) => v.clone(),
        Some(_) => return Err(bad_args("`data` must be a JSON object (as a string)")),
        None => return Err(bad_args("`data` is required")),
    };
    if v.is_object() {
        Ok(v)
    } else {
        Err(bad_args("`data` must be a JSON object"))
    }
}

/// What the server lets the agent do.
#[derive(Clone, Debug)]
pub struct Tools {
    pub client: Client,
    pub allow_writes: bool,
    /// The transport writes `structuredContent` itself from the text block (our
    /// stdio transport, [`super::stdio::STRUCTURED_IS_TEXT`]): results carry their
    /// JSON once, as text, and it is serialized once. Off for rmcp's HTTP
    /// transport, which is given both.
    pub text_is_structured: bool,
}

/// A tool's answer, before it becomes an MCP result.
enum Answer {
    Value(Value),
    SuiteQl(SuiteQlAnswer),
}

impl Answer {
    fn text(&self) -> String {
        match self {
            Answer::Value(v) => serde_json::to_string(v),
            Answer::SuiteQl(a) => serde_json::to_string(a),
        }
        .unwrap_or_default()
    }

    fn into_value(self) -> Value {
        match self {
            Answer::Value(v) => v,
            Answer::SuiteQl(a) => serde_json::to_value(a).unwrap_or_default(),
        }
    }
}

/// `ns_runCustomSuiteQL`'s answer; the rows keep the query's column order and are
/// serialized straight from the client's rows (no JSON tree built for them).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SuiteQlAnswer {
    method: &'static str,
    description: String,
    query_executed: String,
    result_count: usize,
    total_results: u64,
    truncated: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    note: Option<String>,
    data: Vec<Row>,
}

impl Tools {
    /// Runs tool `name`; `None` when there is no such tool.
    pub async fn call(&self, name: &str, args: &JsonObject) -> Option<CallToolResult> {
        let result = match name {
            "ns_runCustomSuiteQL" => self.suiteql(args).await,
            "ns_getSuiteQLMetadata" => self.metadata(args, name).await.map(Answer::Value),
            "ns_getRecordTypeMetadata" => self.metadata(args, name).await.map(Answer::Value),
            "ns_getRecord" => self.get_record(args).await.map(Answer::Value),
            "ns_createRecord" => self.create_record(args).await.map(Answer::Value),
            "ns_updateRecord" => self.update_record(args).await.map(Answer::Value),
            "netsuite_callRestlet" => self.restlet(args).await.map(Answer::Value),
            _ => return None,
        };
        Some(match result {
            Ok(answer) if self.text_is_structured => {
                super::stdio::text_is_structured(answer.text())
            }
            Ok(answer) => {
                // The text first: it keeps a SuiteQL row's columns in the query's order.
                let mut r = CallToolResult::success(vec![ContentBlock::text(answer.text())]);
                r.structured_content = Some(answer.into_value());
                r
            }
            Err(ToolError(msg)) => CallToolResult::error(vec![ContentBlock::text(msg)]),
        })
    }

    async fn suiteql(&self, args: &JsonObject) -> Result<Answer, ToolError> {
        let query = text_arg(args, "sqlQuery")?;
        let description = opt_text_arg(args, "description")?.unwrap_or_default();
        let cap = match args.get("pageSize") {
            None | Some(Value::Null) => MAX_ROWS,
            Some(v) => match v.as_u64() {
                Some(n) if n >= 1 => n.min(MAX_ROWS),
                _ => return Err(bad_args("`pageSize` must be a whole number from 1")),
            },
        };
        let page = cap.min(1000);
        let (mut data, mut offset, mut total, mut more) = (Vec::new(), 0, 0, false);
        while (data.len() as u64) < cap {
            let p = self.client.suiteql_page(&query, page, offset).await?;
            total = p.total_results;
            more = p.has_more;
            let n = p.items.len() as u64;
            // The rows are moved, not copied: a 1,000-row page is most of a call's work.
            data.extend(p.items);
            if !more || n == 0 {
                break;
            }
            offset += page;
        }
        let truncated = more || data.len() as u64 > cap || total > data.len() as u64;
        data.truncate(cap as usize);
        let note = truncated.then(|| format!(
            "the result was cut at {cap} rows of {total}: narrow the query (WHERE, ROWNUM) or page with ORDER BY id and id > the last id"
        ));
        Ok(Answer::SuiteQl(SuiteQlAnswer {
            method: "ns_runCustomSuiteQL",
            description,
            query_executed: query,
            result_count: data.len(),
            total_results: total.max(data.len() as u64),
            truncated,
            note,
            data,
        }))
    }

    async fn metadata(&self, args: &JsonObject, tool: &str) -> Result<Value, ToolError> {
        let record_type = opt_text_arg(args, "recordType")?;
        let path = match &record_type {
            Some(t) => format!("{RECORD_PATH}/metadata-catalog/{}", urlencode(t)),
            None => format!("{RECORD_PATH}/metadata-catalog"),
        };
        let url = self
            .client
            .endpoints()
            .suitetalk_url(&path)
            .map_err(|e| ToolError(format!("error: {e}")))?;
        let accept = if record_type.is_some() {
            "application/schema+json"
        } else {
            "application/json"
        };
        let req = ApiRequest::new(Method::GET, url)
            .header(ACCEPT, HeaderValue::from_static(accept))
            .idempotent(true);
        let metadata = self.client.send_json(req).await?;
        let mut out = json!({ "method": tool, "metadata": metadata });
        if let Some(t) = record_type {
            out["recordType"] = json!(t);
        }
        Ok(out)
    }

    async fn get_record(&self, args: &JsonObject) -> Result<Value, ToolError> {
        let record_type = text_arg(args, "recordType")?;
        let id = text_arg(args, "recordId")?;
        let fields = opt_text_arg(args, "fields")?
            .map(|f| {
                f.split(',')
                    .map(|s| s.trim().to_owned())
                    .filter(|s| !s.is_empty())
                    .collect()
            })
            .unwrap_or_default();
        let options = GetOptions {
            fields,
            ..GetOptions::default()
        };
        let record = self.client.get_record(&record_type, &id, &options).await?;
        Ok(json!({ "recordType": record_type, "recordId": id, "record": record }))
    }

    async fn create_record(&self, args: &JsonObject) -> Result<Value, ToolError> {
        if !self.allow_writes {
            return Err(ToolError::refused("ns_createRecord", "(a create)"));
        }
        let record_type = text_arg(args, "recordType")?;
        let data = data_arg(args)?;
        // One fresh key per call: NetSuite answers a repeat of the same key with
        // the first job, so the client's own retries cannot create twice.
        let key = uuid::Uuid::new_v4().to_string();
        match self
            .client
            .create_record_idempotent(&record_type, &data, &key)
            .await
        {
            Ok(id) => Ok(json!({
                "recordType": record_type,
                "recordId": id,
                "idempotencyKey": key,
            })),
            Err(e) if matches!(e, netsuite_client::Error::Ambiguous { .. }) => {
                Err(ToolError(format!(
                    "error: the create's outcome is unknown ({e}); it was not repeated\nhint: do NOT call ns_createRecord again blindly: look the record up first (ns_runCustomSuiteQL), idempotency key {key}"
                )))
            }
            Err(e) => Err(e.into()),
        }
    }

    async fn update_record(&self, args: &JsonObject) -> Result<Value, ToolError> {
        if !self.allow_writes {
            return Err(ToolError::refused("ns_updateRecord", "(an update)"));
        }
        let record_type = text_arg(args, "recordType")?;
        let id = text_arg(args, "recordId")?;
        let data = data_arg(args)?;
        self.client
            .update_record(&record_type, &id, &data, &UpdateOptions::default())
            .await?;
        Ok(json!({ "recordType": record_type, "recordId": id, "updated": true }))
    }

    async fn restlet(&self, args: &JsonObject) -> Result<Value, ToolError> {
        let script = text_arg(args, "script")?;
        let deploy = text_arg(args, "deploy")?;
        let method = opt_text_arg(args, "method")?
            .unwrap_or_else(|| "GET".into())
            .to_ascii_uppercase();
        let m = match method.as_str() {
            "GET" => Method::GET,
            "POST" => Method::POST,
            "PUT" => Method::PUT,
            "DELETE" => Method::DELETE,
            _ => return Err(bad_args("`method` must be GET, POST, PUT or DELETE")),
        };
        if m != Method::GET && !self.allow_writes {
            return Err(ToolError::refused(
                "netsuite_callRestlet",
                &format!("with method {method}"),
            ));
        }
        let mut call = RestletCall::new(&script, &deploy);
        call.method = m;
        call.body = match args.get("body") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(match serde_json::from_str::<Value>(s) {
                Ok(v) => RestletBody::Json(v),
                Err(_) => RestletBody::Text(s.clone()),
            }),
            Some(v) => Some(RestletBody::Json(v.clone())),
        };
        let response = match self.client.call_restlet(&call).await? {
            RestletResponse::Json(v) => v,
            RestletResponse::Text(t) => Value::String(t),
        };
        Ok(json!({ "script": script, "deploy": deploy, "method": method, "response": response }))
    }
}

fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// A tool from its JSON description (as `tools/list` shows it).
fn tool(v: Value) -> Tool {
    serde_json::from_value(v).expect("the built-in tool descriptions are valid")
}

fn hints(read_only: bool, destructive: bool, idempotent: bool, title: &str) -> Value {
    json!({
        "title": title,
        "readOnlyHint": read_only,
        "destructiveHint": destructive,
        "idempotentHint": idempotent,
        "openWorldHint": true,
    })
}

fn metadata_output() -> Value {
    json!({
        "type": "object",
        "properties": {
            "method": {"type": "string"},
            "recordType": {"type": "string", "description": "The record type asked for; absent for the list of types"},
            "metadata": {"type": "object"},
        },
        "required": ["method", "metadata"],
    })
}

fn read_tools() -> Vec<Tool> {
    vec![
        tool(json!({
            "name": "ns_runCustomSuiteQL",
            "description": "Run a SuiteQL query (NetSuite's SQL dialect) and return its rows. At most 5,000 rows a call (pageSize lowers it); when the result is cut, `truncated` is true and `note` says how to narrow it. Prefer records and metadata tools first; use ORDER BY on a unique column.",
            "inputSchema": {
                "type": "object",
                "properties": {
                    "sqlQuery": {"type": "string", "description": "The SuiteQL query"},
                    "description": {"type": "string", "description": "What the query is for (echoed back)"},
                    "pageSize": {"type": "integer", "minimum": 1, "maximum": MAX_ROWS, "description": "Rows to return at most (default and ceiling 5000)"},
                },
                "required": ["sqlQuery", "description"],
            },
            "outputSchema": {
                "type": "object",
                "properties": {
                    "method": {"type": "string"},
                    "description": {"type": "string"},
                    "queryExecuted": {"type": "string"},
                    "resultCount": {"type": "integer"},
                    "totalResults": {"type": "integer"},
                    "truncated": {"type": "boolean"},
                    "note": {"type": "string"},
                    "data": {"type": "array", "items": {"type": "object"}},
                },
                "required": ["method", "description", "queryExecuted", "resultCount", "truncated", "data"],
            },
            "annotations": hints(true, false, true, "Run a SuiteQL query"),
        })),
        tool(json!({
            "name": "ns_getSuiteQLMetadata",
            "description": "The record types SuiteQL can query, or one type's fields as a JSON Schema (from the REST metadata catalog).",
            "inputSchema": {
                "type": "object",
                "properties": {"recordType": {"type": "string", "description": "A record type such as customer; omit for the list of types"}},
            },
            "outputSchema": metadata_output(),
            "annotations": hints(true, false, true, "SuiteQL metadata"),
        })),
        tool(json!({
            "name": "ns_getRecordTypeMetadata",
            "description": "Metadata for all record types, or the JSON Schema of a specific record type's fields (REST metadata catalog).",
            "inputSchema": {
                "type": "object",
                "properties": {"recordType": {"type": "string", "description": "A record type such as salesorder; omit for all types"}},
            },
            "outputSchema": metadata_output(),
            "annotations": hints(true, false, true, "Record type metadata"),
        })),
        tool(json!({
            "name": "ns_getRecord",
            "description": "Read one record by type and internal id (or eid:EXTERNAL_ID).",
            "inputSchema": {
                "type": "object",
                "properties": {
                    "recordType": {"type": "string"},
                    "recordId": {"type": "string"},
                    "fields": {"type": "string", "description": "Comma-separated body fields to return (default all)"},
                },
                "required": ["recordType", "recordId"],
            },
            "outputSchema": {
                "type": "object",
                "properties": {"recordType": {"type": "string"}, "recordId": {"type": "string"}, "record": {"type": "object"}},
                "required": ["recordType", "recordId", "record"],
            },
            "annotations": hints(true, false, true, "Get a record"),
        })),
    ]
}

fn restlet_tool(allow_writes: bool) -> Tool {
    let methods: Vec<&str> = if allow_writes {
        vec!["GET", "POST", "PUT", "DELETE"]
    } else {
        vec!["GET"]
    };
    tool(json!({
        "name": "netsuite_callRestlet",
        "description": if allow_writes {
            "Call a RESTlet (script and deployment ids) with GET, POST, PUT or DELETE; body is JSON text or plain text."
        } else {
            "Call a RESTlet (script and deployment ids) with GET. Other methods need the server's --allow-writes."
        },
        "inputSchema": {
            "type": "object",
            "properties": {
                "script": {"type": "string", "description": "Script id (number or customscript_...)"},
                "deploy": {"type": "string", "description": "Deployment id"},
                "method": {"type": "string", "enum": methods, "default": "GET"},
                "body": {"type": "string", "description": "Request body: JSON text, or plain text"},
            },
            "required": ["script", "deploy", "method"],
        },
        "outputSchema": {
            "type": "object",
            "properties": {
                "script": {"type": "string"}, "deploy": {"type": "string"}, "method": {"type": "string"},
                "response": {
                    "description": "The RESTlet's JSON answer, or its text",
                    "anyOf": [
                        {"type": "object", "additionalProperties": true},
                        {"type": "array", "items": {"anyOf": [
                            {"type": "object", "additionalProperties": true}, {"type": "array"},
                            {"type": "string"}, {"type": "number"}, {"type": "boolean"}, {"type": "null"},
                        ]}},
                        {"type": "string"}, {"type": "number"}, {"type": "boolean"}, {"type": "null"},
                    ],
                },
            },
            "required": ["script", "deploy", "method", "response"],
        },
        "annotations": hints(!allow_writes, allow_writes, false, "Call a RESTlet"),
    }))
}

fn write_tools() -> Vec<Tool> {
    let record_out = json!({
        "type": "object",
        "properties": {"recordType": {"type": "string"}, "recordId": {"type": "string"}, "idempotencyKey": {"type": "string"}, "updated": {"type": "boolean"}},
        "required": ["recordType", "recordId"],
    });
    vec![
        tool(json!({
            "name": "ns_createRecord",
            "description": "Create a record. `data` is the record body as a JSON string. Sent with a fresh idempotency key; a create whose outcome is unknown is reported, never repeated: look it up before trying again.",
            "inputSchema": {
                "type": "object",
                "properties": {
                    "recordType": {"type": "string"},
                    "data": {"type": "string", "description": "The record's fields as a JSON object, stringified"},
                },
                "required": ["recordType", "data"],
            },
            "outputSchema": record_out.clone(),
            "annotations": hints(false, false, false, "Create a record"),
        })),
        tool(json!({
            "name": "ns_updateRecord",
            "description": "Update a record: the fields in `data` (a JSON string) are set, others stay, null clears.",
            "inputSchema": {
                "type": "object",
                "properties": {
                    "recordType": {"type": "string"},
                    "recordId": {"type": "string"},
                    "data": {"type": "string", "description": "The fields to change as a JSON object, stringified"},
                },
                "required": ["recordType", "recordId", "data"],
            },
            "outputSchema": record_out,
            "annotations": hints(false, true, true, "Update a record"),
        })),
    ]
}

/// The tools `tools/list` shows: the write tools only with `--allow-writes`.
pub fn list(allow_writes: bool) -> Vec<Tool> {
    let mut tools = read_tools();
    tools.push(restlet_tool(allow_writes));
    if allow_writes {
        tools.extend(write_tools());
    }
    tools
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_tool_has_schemas_and_annotations() {
        for writes in [false, true] {
            let tools = list(writes);
            assert_eq!(tools.len(), if writes { 7 } else { 5 });
            for t in tools {
                assert!(t.output_schema.is_some(), "{}", t.name);
                assert!(t.annotations.is_some(), "{}", t.name);
                assert_eq!(t.input_schema.get("type"), Some(&json!("object")));
            }
        }
    }

    #[test]
    fn data_is_a_json_object_in_a_string() {
        let args = |v: Value| v.as_object().unwrap().clone();
        assert_eq!(
            data_arg(&args(json!({"data": "{\"a\":1}"}))).ok(),
            Some(json!({"a": 1}))
        );
        assert!(data_arg(&args(json!({"data": "[1]"}))).is_err());
        assert!(data_arg(&args(json!({"data": "{"}))).is_err());
        assert!(data_arg(&args(json!({}))).is_err());
    }
}
