//! Records kept as JSON documents in the `record` table (every known type outside
//! the catalog), and how a stored body is served.

use netsuite_auth::account::RECORD_PATH;
use rusqlite::{Connection, OptionalExtension};
use serde_json::{Map, Value};

use super::types::RecordKey;

/// Stores a record body (without `links` and `id`).
pub(crate) fn insert(
    conn: &Connection,
    record_type: &str,
    id: i64,
    external_id: Option<&str>,
    body: &Value,
) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT OR REPLACE INTO record (type, id, external_id, body) VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(rusqlite::params![
        record_type,
        id,
        external_id,
        body.to_string()
    ])?;
    Ok(())
}

/// Looks a record up: its internal id and stored body.
pub(crate) fn find(
    conn: &Connection,
    record_type: &str,
    key: &RecordKey,
) -> rusqlite::Result<Option<(i64, String)>> {
    match key {
        RecordKey::Internal(id) => conn
            .prepare_cached("SELECT id, body FROM record WHERE type = ?1 AND id = ?2")?
            .query_row(rusqlite::params![record_type, id], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .optional(),
        RecordKey::External(eid) => conn
            .prepare_cached("SELECT id, body FROM record WHERE type = ?1 AND external_id = ?2")?
            .query_row(rusqlite::params![record_type, eid], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .optional(),
    }
}

/// Prefixes every `href` that is a path with `base`.
fn absolutize(value: &mut Value, base: &str) {
    match value {
        Value::Object(map) => {
            for (k, v) in map.iter_mut() {
                if k == "href"
                    && let Value::String(s) = v
                    && s.starts_with('/')
                {
                    *s = format!("{base}{s}");
                } else {
                    absolutize(v, base);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| absolutize(v, base)),
        _ => {}
    }
}

/// The record as NetSuite serves it: `links` first, then the fields (with `id`).
pub(crate) fn render(
    record_type: &str,
    id: i64,
    stored: &str,
    base: &str,
) -> Result<String, String> {
    let mut fields: Map<String, Value> = serde_json::from_str(stored)
        .map_err(|e| format!("record body is not a JSON object: {e}"))?;
    fields.insert("id".into(), Value::String(id.to_string()));
    fields.remove("links");
    let mut fields = Value::Object(fields);
    absolutize(&mut fields, base);
    let href = Value::String(format!("{base}{RECORD_PATH}/{record_type}/{id}"));
    let mut out = String::with_capacity(stored.len() + 256);
    out.push_str("{\"links\":[{\"rel\":\"self\",\"href\":");
    out.push_str(&href.to_string());
    out.push_str("}]");
    if let Value::Object(map) = fields {
        for (k, v) in map {
            out.push(',');
            out.push_str(&Value::String(k).to_string());
            out.push(':');
            out.push_str(&v.to_string());
        }
    }
    out.push('}');
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn render_puts_links_first_and_absolutizes() {
        let body = r#"{"entity":{"links":[{"rel":"self","href":"/services/rest/record/v1/customer/101"}],"id":"101","refName":"Acme"},"tranId":"SO1"}"#;
        let out = render("salesorder", 1, body, "http://h:1").unwrap();
        assert_eq!(
            out,
            r#"{"links":[{"rel":"self","href":"http://h:1/services/rest/record/v1/salesorder/1"}],"entity":{"id":"101","links":[{"href":"http://h:1/services/rest/record/v1/customer/101","rel":"self"}],"refName":"Acme"},"id":"1","tranId":"SO1"}"#
        );
    }
}
