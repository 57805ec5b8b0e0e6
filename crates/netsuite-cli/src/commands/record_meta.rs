//! `netsuite record types` and `record describe TYPE` from the REST metadata catalog,
//! and "did you mean ..." for a record type the account does not have.

use anyhow::Result;
use netsuite_client::{ApiRequest, Client};
use reqwest::Method;
use reqwest::header::{ACCEPT, HeaderValue};
use serde_json::{Value, json};

use crate::error::UserError;
use crate::output::{self, Format, RowWriter};

/// The record types of the account (`GET .../metadata-catalog`).
pub async fn type_names(client: &Client) -> Result<Vec<String>> {
    let url = client
        .endpoints()
        .suitetalk_url("/services/rest/record/v1/metadata-catalog")?;
    let v = client.send_json(ApiRequest::new(Method::GET, url)).await?;
    let mut names: Vec<String> = v["items"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|i| i["name"].as_str().map(str::to_owned))
        .collect();
    names.sort();
    Ok(names)
}

/// `record types`: one name a line, or a JSON array with `--json`/`--format json`.
pub async fn types(client: &Client, format: Option<Format>) -> Result<()> {
    let names = type_names(client).await?;
    match Format::or_default(format, true) {
        Format::Table => output::data(&names.join("\n")),
        f => {
            let mut w = RowWriter::new(std::io::BufWriter::new(std::io::stdout().lock()), f);
            for n in names {
                w.row(vec![("name".to_owned(), Value::String(n))])?;
            }
            w.finish()
        }
    }
}

/// One field of a record type, from the type's JSON Schema.
fn field_row(name: &str, p: &Value, required: &[&str]) -> Value {
    let kind = if let Some(to) = p["x-ns-reference"].as_str() {
        format!("reference to {to}")
    } else if p["properties"]["items"]["type"] == "array" {
        "sublist".to_owned()
    } else if p["properties"]["id"]["enum"].is_array() {
        "select".to_owned()
    } else {
        match (p["type"].as_str(), p["format"].as_str()) {
            (Some(t), Some(f)) => format!("{t} ({f})"),
            (Some(t), None) => t.to_owned(),
            _ => "unknown".to_owned(),
        }
    };
    json!({
        "name": name,
        "label": p["title"],
        "type": kind,
        "required": required.contains(&name),
        "read_only": p["readOnly"] == true,
    })
}

/// `record describe TYPE`: its fields (name, label, type, required, read-only).
pub async fn describe(client: &Client, record_type: &str, as_json: bool) -> Result<()> {
    let url = client.endpoints().suitetalk_url(&format!(
        "/services/rest/record/v1/metadata-catalog/{}",
        record_type.to_ascii_lowercase()
    ))?;
    let req = ApiRequest::new(Method::GET, url)
        .header(ACCEPT, HeaderValue::from_static("application/schema+json"));
    let schema = client.send_json(req).await?;
    let required: Vec<&str> = schema["required"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    let fields: Vec<Value> = schema["properties"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(n, p)| field_row(n, p, &required))
        .collect();
    if as_json {
        return output::json(&json!({
            "type": record_type.to_ascii_lowercase(),
            "label": schema["title"],
            "fields": fields,
        }));
    }
    let mut w = RowWriter::new(
        std::io::BufWriter::new(std::io::stdout().lock()),
        Format::Table,
    );
    for f in fields {
        let Value::Object(m) = f else { continue };
        w.row(m.into_iter().collect())?;
    }
    w.finish()
}

/// Edit distance, for "did you mean".
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

/// The closest known names to `wanted` (a third of its length apart at most).
pub fn closest<'n>(wanted: &str, names: &'n [String]) -> Vec<&'n str> {
    let wanted = wanted.to_ascii_lowercase();
    let limit = (wanted.len() / 3).max(2);
    let mut scored: Vec<(usize, &str)> = names
        .iter()
        .map(|n| (distance(&wanted, n), n.as_str()))
        .filter(|(d, n)| *d <= limit || n.starts_with(&wanted) || wanted.starts_with(*n))
        .collect();
    scored.sort();
    scored.into_iter().take(3).map(|(_, n)| n).collect()
}

/// Whether `e` is NetSuite saying that a record type does not exist.
fn is_unknown_type(e: &anyhow::Error) -> bool {
    e.chain()
        .filter_map(|c| c.downcast_ref::<netsuite_client::Error>())
        .filter_map(netsuite_client::Error::api_error)
        .any(|a| a.status == 404 && a.details.iter().any(|d| d.detail.contains("Record type")))
}

/// Turns "record type X does not exist" into an error naming the closest types.
pub async fn did_you_mean(client: &Client, record_type: &str, e: anyhow::Error) -> anyhow::Error {
    if !is_unknown_type(&e) {
        return e;
    }
    let Ok(names) = type_names(client).await else {
        return e;
    };
    let near = closest(record_type, &names);
    let hint = match near.as_slice() {
        [] => "`netsuite record types` lists the account's record types".to_owned(),
        near => format!(
            "did you mean {}? `netsuite record types` lists them all",
            near.join(", ")
        ),
    };
    UserError::new(format!("unknown record type {record_type:?}"))
        .hint(hint)
        .into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closest_names() {
        let names: Vec<String> = ["customer", "salesorder", "invoice", "vendor"]
            .map(String::from)
            .to_vec();
        assert_eq!(closest("custmer", &names), ["customer"]);
        assert_eq!(closest("SalesOrders", &names), ["salesorder"]);
        assert!(closest("employee", &names).is_empty());
        assert_eq!(distance("kitten", "sitting"), 3);
    }
}
