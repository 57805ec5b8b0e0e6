//! The MCP Standard Tools' descriptions (`tools/list`), and which tools a role sees:
//! a tool shows up only when the role has every permission it needs (Oracle:
//! record tools need REST Web Services, saved-search tools Perform Search; what
//! report tools need is not published, the emulator calls it Financial Statements).

use rmcp::model::Tool;
use serde_json::{Value, json};

/// A role permission a tool needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Permission {
    /// `ADMI_RESTWEBSERVICES`: REST Web Services (Full). Record and SuiteQL tools.
    RestWebServices,
    /// `LIST_FIND`: Perform Search (View). Saved-search tools.
    PerformSearch,
    /// `REPO_FINANCIALS` (the emulator's choice; Oracle does not name it): report tools.
    Reports,
}

impl Permission {
    /// NetSuite's permission id.
    pub(crate) fn id(self) -> &'static str {
        match self {
            Permission::RestWebServices => "ADMI_RESTWEBSERVICES",
            Permission::PerformSearch => "LIST_FIND",
            Permission::Reports => "REPO_FINANCIALS",
        }
    }
}

const ALL: &[Permission] = &[
    Permission::RestWebServices,
    Permission::PerformSearch,
    Permission::Reports,
];

/// The emulator's roles and their permissions: 1001 "REST Integration" has all the
/// Standard Tools need, 1002 "Saved Search Viewer" only Perform Search, 1003 "Reports
/// Viewer" only reports; any other role none (an empty tool list). The Administrator
/// (3) has all but is refused by the AI Connector.
pub(crate) fn permissions(role: i64) -> &'static [Permission] {
    match role {
        3 | 1001 => ALL,
        1002 => &[Permission::PerformSearch],
        1003 => &[Permission::Reports],
        _ => &[],
    }
}

/// What a tool needs.
fn needs(name: &str) -> &'static [Permission] {
    match name {
        "ns_listSavedSearches" | "ns_runSavedSearch" => &[Permission::PerformSearch],
        "ns_getSubsidiaries" | "ns_listAllReports" | "ns_runReport" => &[Permission::Reports],
        _ => &[Permission::RestWebServices],
    }
}

/// Whether `role` sees tool `name`.
pub(crate) fn permitted(role: i64, name: &str) -> bool {
    let has = permissions(role);
    needs(name).iter().all(|p| has.contains(p))
}

/// The permissions of tool `name` that `role` lacks, by NetSuite id.
pub(crate) fn missing(role: i64, name: &str) -> Vec<&'static str> {
    let has = permissions(role);
    needs(name)
        .iter()
        .filter(|p| !has.contains(p))
        .map(|p| p.id())
        .collect()
}

/// The tools `role` sees, in the catalog's order.
pub(crate) fn tools_for(role: i64) -> Vec<Tool> {
    all()
        .into_iter()
        .filter(|t| permitted(role, &t.name))
        .collect()
}

/// One tool's description, whoever asks.
pub(crate) fn tool(name: &str) -> Option<Tool> {
    all().into_iter().find(|t| t.name == name)
}

fn describe(v: Value) -> Tool {
    serde_json::from_value(v).expect("the built-in tool descriptions are valid")
}

fn hints(title: &str, read_only: bool, destructive: bool, idempotent: bool) -> Value {
    json!({
        "title": title,
        "readOnlyHint": read_only,
        "destructiveHint": destructive,
        "idempotentHint": idempotent,
        "openWorldHint": false,
    })
}

fn object(properties: Value, required: &[&str]) -> Value {
    json!({"type": "object", "properties": properties, "required": required})
}

fn record_tools() -> Vec<Tool> {
    vec![
        describe(json!({
            "name": "ns_createRecord",
            "description": "Create a NetSuite record through REST Web Services. `data` is the record body as a JSON string; set externalId to a new UUID so a retry cannot create twice, and never repeat a create whose outcome is unknown.",
            "inputSchema": object(json!({
                "recordType": {"type": "string", "description": "Record type, e.g. customer"},
                "data": {"type": "string", "description": "The record's fields as a JSON object, stringified"},
            }), &["recordType", "data"]),
            "annotations": hints("Create a record", false, false, false),
        })),
        describe(json!({
            "name": "ns_getRecord",
            "description": "Read one record by type and internal id (or eid:EXTERNAL_ID) through REST Web Services.",
            "inputSchema": object(json!({
                "recordType": {"type": "string", "description": "Record type, e.g. salesorder"},
                "recordId": {"type": "string", "description": "Internal id, or eid:EXTERNAL_ID"},
                "fields": {"type": "string", "description": "Comma-separated body fields to return (default all)"},
            }), &["recordType", "recordId"]),
            "annotations": hints("Get a record", true, false, true),
        })),
        describe(json!({
            "name": "ns_getRecordTypeMetadata",
            "description": "Metadata for all record types, or for a specific record type (its fields as a JSON Schema).",
            "inputSchema": object(json!({
                "recordType": {"type": "string", "description": "A record type; omit for all types"},
            }), &[]),
            "annotations": hints("Record type metadata", true, false, true),
        })),
        describe(json!({
            "name": "ns_updateRecord",
            "description": "Update a record: the fields in `data` (a JSON string) are set, others stay, null clears.",
            "inputSchema": object(json!({
                "recordType": {"type": "string"},
                "recordId": {"type": "string"},
                "data": {"type": "string", "description": "The fields to change as a JSON object, stringified"},
            }), &["recordType", "recordId", "data"]),
            "annotations": hints("Update a record", false, true, true),
        })),
    ]
}

fn search_and_report_tools() -> Vec<Tool> {
    vec![
        describe(json!({
            "name": "ns_listSavedSearches",
            "description": "List the saved searches the role can run, optionally filtered by name.",
            "inputSchema": object(json!({
                "query": {"type": "string", "description": "Part of the search's title or id (case-insensitive)"},
            }), &[]),
            "annotations": hints("List saved searches", true, false, true),
        })),
        describe(json!({
            "name": "ns_runSavedSearch",
            "description": "Run a saved search by id (internal id or customsearch_ script id) and return its rows, from range_start (0) to range_end (exclusive, at most 1000 rows a call).",
            "inputSchema": object(json!({
                "searchId": {"type": "string", "description": "Internal id or script id from ns_listSavedSearches"},
                "type": {"type": "string", "description": "The search's record type (checked when given)"},
                "range_start": {"type": "integer", "minimum": 0},
                "range_end": {"type": "integer", "minimum": 1},
            }), &["searchId"]),
            "annotations": hints("Run a saved search", true, false, true),
        })),
        describe(json!({
            "name": "ns_getSubsidiaries",
            "description": "The subsidiaries reports can be run for: positive ids for single subsidiaries, negative ids for consolidated ones (a parent with its children).",
            "inputSchema": object(json!({}), &[]),
            "annotations": hints("Subsidiaries", true, false, true),
        })),
        describe(json!({
            "name": "ns_listAllReports",
            "description": "The financial and custom reports, with how each takes dates and subsidiaries.",
            "inputSchema": object(json!({}), &[]),
            "annotations": hints("List reports", true, false, true),
        })),
        describe(json!({
            "name": "ns_runReport",
            "description": "Run a report. dateTo is required; dateFrom unless the report is as-of-date; subsidiaryId (from ns_getSubsidiaries) when the report has a subsidiary filter. Dates are YYYY-MM-DD.",
            "inputSchema": object(json!({
                "reportId": {"type": "number"},
                "dateFrom": {"type": "string", "description": "YYYY-MM-DD"},
                "dateTo": {"type": "string", "description": "YYYY-MM-DD"},
                "subsidiaryId": {"type": "number", "description": "Negative for a consolidated subsidiary"},
            }), &["reportId", "dateTo"]),
            "annotations": hints("Run a report", true, false, true),
        })),
    ]
}

fn suiteql_tools() -> Vec<Tool> {
    vec![
        describe(json!({
            "name": "ns_getSuiteQLMetadata",
            "description": "The tables SuiteQL can query, or one table's columns as a JSON Schema (x-n:joinable marks columns that join to another record type, named by x-n:recordType).",
            "inputSchema": object(json!({
                "recordType": {"type": "string", "description": "A table such as transaction; omit for all tables"},
            }), &[]),
            "annotations": hints("SuiteQL metadata", true, false, true),
        })),
        describe(json!({
            "name": "ns_runCustomSuiteQL",
            "description": "Run a SuiteQL SELECT (NetSuite's SQL dialect) and return its rows: at most 5000 a call (pageSize lowers it). Use reports, saved searches and record tools first; limit rows with ROWNUM <= 1000.",
            "inputSchema": object(json!({
                "sqlQuery": {"type": "string", "description": "The SuiteQL query"},
                "description": {"type": "string", "description": "What the query is for"},
                "pageSize": {"type": "integer", "minimum": 1, "maximum": 5000},
            }), &["sqlQuery", "description"]),
            "annotations": hints("Run a SuiteQL query", true, false, true),
        })),
    ]
}

/// The eleven Standard Tools.
pub(crate) fn all() -> Vec<Tool> {
    let mut tools = record_tools();
    tools.extend(search_and_report_tools());
    tools.extend(suiteql_tools());
    tools
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eleven_tools_by_permission() {
        assert_eq!(all().len(), 11);
        assert_eq!(tools_for(1001).len(), 11);
        let names: Vec<String> = tools_for(1002)
            .into_iter()
            .map(|t| t.name.to_string())
            .collect();
        assert_eq!(names, ["ns_listSavedSearches", "ns_runSavedSearch"]);
        assert_eq!(tools_for(1003).len(), 3);
        assert!(tools_for(1099).is_empty());
        assert!(!permitted(1002, "ns_getRecord"));
        assert_eq!(missing(1002, "ns_getRecord"), ["ADMI_RESTWEBSERVICES"]);
        assert!(missing(1001, "ns_runReport").is_empty());
    }
}
