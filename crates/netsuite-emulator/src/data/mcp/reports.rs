//! The metadata, saved-search and report tools: the demo saved searches and reports
//! of the seed ([`crate::data::seed::SAVED_SEARCHES`], [`crate::data::seed::REPORTS`]),
//! the subsidiaries with consolidated (negative) ids, and the data model's metadata.

use netsuite_suiteql::model::Display;
use rmcp::model::JsonObject;
use serde_json::{Map, Value, json};

use super::super::record::metadata;
use super::super::record::types::canonical_type;
use super::super::seed::{REPORTS, Report, SAVED_SEARCHES, SavedSearch};
use super::super::state::DataPlane;
use super::base::{ToolError, bad_args, opt_int_arg, opt_text_arg, suiteql_rows, text_arg};

/// Rows one `ns_runSavedSearch` call returns at most.
const SEARCH_PAGE: i64 = 1000;

/// `ns_getRecordTypeMetadata`: every record type, or one type's JSON Schema.
pub(crate) fn record_type_metadata(dp: &DataPlane, args: &JsonObject) -> Result<Value, ToolError> {
    let model = dp.model();
    match opt_text_arg(args, "recordType")? {
        None => Ok(json!({"recordTypes": model.known_types()})),
        Some(name) => match canonical_type(model, &name) {
            Some(t) => Ok(json!({"recordType": t, "schema": metadata::schema(model, &t)})),
            None => Err(unknown_type(&name)),
        },
    }
}

fn unknown_type(name: &str) -> ToolError {
    ToolError(format!(
        "error: record type {:?} does not exist\nhint: call the tool without recordType for the list of types",
        crate::error::truncate(name, 100)
    ))
}

/// `ns_getSuiteQLMetadata`: every table, or one table's columns as a JSON Schema
/// with `x-n:joinable` and `x-n:recordType`.
pub(crate) fn suiteql_metadata(dp: &DataPlane, args: &JsonObject) -> Result<Value, ToolError> {
    let model = dp.model();
    let Some(name) = opt_text_arg(args, "recordType")? else {
        let tables: Vec<&str> = model.table_names().collect();
        return Ok(json!({"recordTypes": tables}));
    };
    let lower = name.to_ascii_lowercase();
    let Some(table) = model.table(&lower) else {
        return Err(unknown_type(&name));
    };
    let mut properties = Map::new();
    for c in &table.columns {
        let ty = match c.sql_type.declared() {
            "INTEGER" => "integer",
            "REAL" => "number",
            _ => "string",
        };
        let mut p = json!({"type": ty, "title": c.label});
        if let Display::Record(target) = c.display {
            p["x-n:joinable"] = json!(true);
            p["x-n:recordType"] = json!(target);
        }
        properties.insert(c.name.to_owned(), p);
    }
    Ok(json!({
        "type": "object",
        "x-n:recordType": table.name,
        "properties": properties,
    }))
}

fn search_summary(s: &SavedSearch) -> Value {
    json!({"id": s.id.to_string(), "scriptId": s.script_id, "title": s.title, "recordType": s.record_type})
}

/// `ns_listSavedSearches`: the demo saved searches whose title or script id holds `query`.
pub(crate) fn list_saved_searches(args: &JsonObject) -> Result<Value, ToolError> {
    let query = opt_text_arg(args, "query")?.map(|q| q.to_lowercase());
    let searches: Vec<Value> = SAVED_SEARCHES
        .iter()
        .filter(|s| {
            query.as_ref().is_none_or(|q| {
                s.title.to_lowercase().contains(q) || s.script_id.contains(q.as_str())
            })
        })
        .map(search_summary)
        .collect();
    Ok(json!({"count": searches.len(), "savedSearches": searches}))
}

/// `ns_runSavedSearch`: rows `range_start..range_end` of a demo saved search.
pub(crate) async fn run_saved_search(
    dp: &DataPlane,
    args: &JsonObject,
) -> Result<Value, ToolError> {
    let id = text_arg(args, "searchId")?;
    let Some(search) = SAVED_SEARCHES
        .iter()
        .find(|s| s.id.to_string() == id || s.script_id.eq_ignore_ascii_case(&id))
    else {
        return Err(ToolError(format!(
            "error: there is no saved search {:?}\nhint: ns_listSavedSearches lists them",
            crate::error::truncate(&id, 100)
        )));
    };
    if let Some(t) = opt_text_arg(args, "type")?
        && !t.eq_ignore_ascii_case(search.record_type)
    {
        return Err(bad_args(format!(
            "saved search {} is of type {}, not {t}",
            search.script_id, search.record_type
        )));
    }
    let start = opt_int_arg(args, "range_start", 0, 100_000)?.unwrap_or(0);
    let end = opt_int_arg(args, "range_end", 1, 100_000)?.unwrap_or(start + SEARCH_PAGE);
    if end <= start || end - start > SEARCH_PAGE {
        return Err(bad_args(format!(
            "range_end must be above range_start, by at most {SEARCH_PAGE}"
        )));
    }
    let rows = suiteql_rows(
        dp,
        search.query.to_owned(),
        (end - start) as u64,
        start as u64,
    )
    .await?;
    let mut out = search_summary(search);
    out["resultCount"] = json!(rows.data.len());
    out["totalResults"] = json!(rows.total);
    out["data"] = Value::Array(rows.data);
    Ok(out)
}

/// A subsidiary with its parent.
struct Subsidiary {
    id: i64,
    name: String,
    parent: Option<i64>,
}

async fn subsidiary_rows(dp: &DataPlane) -> Result<Vec<Subsidiary>, ToolError> {
    let rows = suiteql_rows(
        dp,
        "SELECT id, name, parent FROM subsidiary ORDER BY id".into(),
        10_000,
        0,
    )
    .await?;
    Ok(rows
        .data
        .iter()
        .filter_map(|r| {
            Some(Subsidiary {
                id: r["id"].as_str()?.parse().ok()?,
                name: r["name"].as_str().unwrap_or_default().to_owned(),
                parent: r["parent"].as_str().and_then(|p| p.parse().ok()),
            })
        })
        .collect())
}

/// `id` and every subsidiary below it.
fn with_children(all: &[Subsidiary], id: i64) -> Vec<i64> {
    let mut out = vec![id];
    let mut i = 0;
    while i < out.len() {
        let parent = out[i];
        out.extend(
            all.iter()
                .filter(|s| s.parent == Some(parent))
                .map(|s| s.id),
        );
        i += 1;
    }
    out
}

/// `ns_getSubsidiaries`: each subsidiary (positive id) and, for each with children,
/// its consolidation (the negative id).
pub(crate) async fn subsidiaries(dp: &DataPlane) -> Result<Value, ToolError> {
    let all = subsidiary_rows(dp).await?;
    let mut list = Vec::new();
    for s in &all {
        if all.iter().any(|c| c.parent == Some(s.id)) {
            list.push(json!({"id": -s.id, "name": format!("{} (Consolidated)", s.name), "consolidated": true}));
        }
        list.push(json!({"id": s.id, "name": s.name, "consolidated": false}));
    }
    Ok(json!({"subsidiaries": list}))
}

fn report_summary(r: &Report) -> Value {
    json!({
        "name": r.name,
        "id": r.id,
        "as_of_date_format": r.as_of_date,
        "has_subsidiary_filter": r.has_subsidiary_filter,
        "periods_allowed": !r.as_of_date,
        "supports_consolidation": r.has_subsidiary_filter,
    })
}

/// `ns_listAllReports`.
pub(crate) fn list_reports() -> Value {
    let reports: Vec<Value> = REPORTS.iter().map(report_summary).collect();
    json!({"reports": reports})
}

/// A `YYYY-MM-DD` date argument.
fn date_arg(args: &JsonObject, name: &str) -> Result<Option<String>, ToolError> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    opt_text_arg(args, name)?
        .map(|d| {
            time::Date::parse(&d, &format)
                .map(|_| d.clone())
                .map_err(|_| bad_args(format!("`{name}` must be a date as YYYY-MM-DD, not {d:?}")))
        })
        .transpose()
}

/// `ns_runReport`: a demo report for a period (or as of a date) and a subsidiary.
pub(crate) async fn run_report(dp: &DataPlane, args: &JsonObject) -> Result<Value, ToolError> {
    let id = opt_int_arg(args, "reportId", i64::MIN, i64::MAX)?
        .ok_or_else(|| bad_args("`reportId` is required"))?;
    let Some(report) = REPORTS.iter().find(|r| r.id == id) else {
        return Err(ToolError(format!(
            "error: there is no report {id}\nhint: ns_listAllReports lists them"
        )));
    };
    let to = date_arg(args, "dateTo")?.ok_or_else(|| bad_args("`dateTo` is required"))?;
    let from = match date_arg(args, "dateFrom")? {
        Some(f) if report.as_of_date => {
            return Err(bad_args(format!(
                "report {} is as of a date: give dateTo only, not dateFrom {f}",
                report.name
            )));
        }
        Some(f) if f > to => return Err(bad_args("`dateFrom` is after `dateTo`")),
        Some(f) => f,
        None if report.as_of_date => String::new(),
        None => return Err(bad_args(format!("report {} needs dateFrom", report.name))),
    };
    let subsidiary = opt_int_arg(args, "subsidiaryId", -1_000_000, 1_000_000)?;
    let mut query = report.query.replace("{from}", &from).replace("{to}", &to);
    if report.has_subsidiary_filter {
        let Some(sub) = subsidiary else {
            return Err(bad_args(format!(
                "report {} has a subsidiary filter: give subsidiaryId (see ns_getSubsidiaries; negative ids are consolidated)",
                report.name
            )));
        };
        let all = subsidiary_rows(dp).await?;
        if !all.iter().any(|s| s.id == sub.abs()) {
            return Err(bad_args(format!("there is no subsidiary {sub}")));
        }
        let ids = if sub < 0 {
            with_children(&all, -sub)
        } else {
            vec![sub]
        };
        let list: Vec<String> = ids.iter().map(i64::to_string).collect();
        query = query.replace("{subsidiaries}", &list.join(", "));
    }
    let rows = suiteql_rows(dp, query, 100_000, 0).await?;
    let mut out = report_summary(report);
    out["dateFrom"] = json!((!from.is_empty()).then_some(from));
    out["dateTo"] = json!(to);
    out["subsidiaryId"] = json!(subsidiary);
    out["resultCount"] = json!(rows.data.len());
    out["rows"] = Value::Array(rows.data);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn consolidation_takes_the_children() {
        let s = |id, parent| Subsidiary {
            id,
            name: String::new(),
            parent,
        };
        let all = [s(1, None), s(2, Some(1)), s(3, Some(1)), s(4, Some(2))];
        assert_eq!(with_children(&all, 1), [1, 2, 3, 4]);
        assert_eq!(with_children(&all, 2), [2, 4]);
        assert_eq!(with_children(&all, 3), [3]);
    }
}
