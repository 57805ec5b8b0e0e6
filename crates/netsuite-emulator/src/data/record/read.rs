//! Reading table-backed records as NetSuite serves them: body fields, references as
//! `{links, id, refName}`, list values as `{id, refName}`, sublists as links or
//! expanded, and the ids of a filtered collection page.

use std::collections::BTreeMap;

use netsuite_auth::account::RECORD_PATH;
use rusqlite::types::{Value as SqlValue, ValueRef};
use rusqlite::{Connection, OptionalExtension};
use serde_json::{Map, Value, json};

use netsuite_suiteql::Model;
use netsuite_suiteql::filter::{self, Column, Condition, FieldType, Param};
use netsuite_suiteql::model::{Field, Kind, RecordType as TypeDef, Sublist, Target};

use super::types::RecordKey;

/// `{base}/services/rest/record/v1/{type}/{id}`.
pub(crate) fn record_href(base: &str, record_type: &str, id: i64) -> String {
    format!("{base}{RECORD_PATH}/{record_type}/{id}")
}

fn self_link(href: String) -> Value {
    json!([{"rel": "self", "href": href}])
}

/// The internal id of the record `key` names, when it exists and has this type.
pub(crate) fn find_id(
    conn: &Connection,
    def: &TypeDef,
    key: &RecordKey,
) -> rusqlite::Result<Option<i64>> {
    let disc = def.and_discriminator();
    match key {
        RecordKey::Internal(id) => conn
            .prepare_cached(&format!(
                "SELECT id FROM \"{}\" WHERE id = ?1{disc}",
                def.table
            ))?
            .query_row([id], |r| r.get(0))
            .optional(),
        RecordKey::External(eid) => conn
            .prepare_cached(&format!(
                "SELECT id FROM \"{}\" WHERE externalid = ?1{disc}",
                def.table
            ))?
            .query_row([eid], |r| r.get(0))
            .optional(),
    }
}

/// Whether `id` exists in the table of `def` with another type (a sales order asked
/// for as an invoice).
pub(crate) fn exists_as_other_type(
    conn: &Connection,
    def: &TypeDef,
    id: i64,
) -> rusqlite::Result<bool> {
    if def.discriminator.is_none() {
        return Ok(false);
    }
    Ok(conn
        .prepare_cached(&format!("SELECT 1 FROM \"{}\" WHERE id = ?1", def.table))?
        .query_row([id], |_| Ok(()))
        .optional()?
        .is_some())
}

/// The `{links, id, refName}` object of a reference.
pub(crate) fn reference(
    conn: &Connection,
    model: &'static Model,
    base: &str,
    target: Target,
    id: i64,
) -> rusqlite::Result<Value> {
    let (type_name, ref_name): (String, Option<String>) = match target {
        Target::Type(name) => {
            let def = model.record_type(name);
            let ref_name = match def {
                Some(def) => conn
                    .prepare_cached(&format!(
                        "SELECT {} FROM \"{}\" WHERE id = ?1",
                        def.ref_name, def.table
                    ))?
                    .query_row([id], |r| r.get::<_, Option<String>>(0))
                    .optional()?
                    .flatten(),
                None => None,
            };
            (name.to_owned(), ref_name)
        }
        Target::AnyItem => {
            let row: Option<(Option<String>, String)> = conn
                .prepare_cached("SELECT itemid, itemtype FROM item WHERE id = ?1")?
                .query_row([id], |r| Ok((r.get(0)?, r.get(1)?)))
                .optional()?;
            match row {
                Some((name, kind)) => (model.item_type_name(&kind).to_owned(), name),
                None => ("inventoryitem".to_owned(), None),
            }
        }
    };
    let mut obj = Map::new();
    obj.insert("links".into(), self_link(record_href(base, &type_name, id)));
    obj.insert("id".into(), Value::String(id.to_string()));
    if let Some(n) = ref_name {
        obj.insert("refName".into(), Value::String(n));
    }
    Ok(Value::Object(obj))
}

/// The JSON value of a column, or `None` for NULL.
fn field_value(
    conn: &Connection,
    model: &'static Model,
    base: &str,
    field: &Field,
    v: ValueRef<'_>,
) -> rusqlite::Result<Option<Value>> {
    let text = |v: ValueRef<'_>| -> Option<String> {
        match v {
            ValueRef::Null => None,
            ValueRef::Integer(i) => Some(i.to_string()),
            ValueRef::Real(f) => Some(f.to_string()),
            ValueRef::Text(t) | ValueRef::Blob(t) => Some(String::from_utf8_lossy(t).into_owned()),
        }
    };
    if matches!(v, ValueRef::Null) {
        return Ok(None);
    }
    Ok(match field.kind {
        Kind::Text | Kind::Date | Kind::DateTime => text(v).map(Value::String),
        Kind::Integer => match v {
            ValueRef::Integer(i) => Some(i.into()),
            ValueRef::Real(f) => Some(json!(f)),
            other => text(other).map(Value::String),
        },
        Kind::Float => match v {
            ValueRef::Integer(i) => Some(json!(i as f64)),
            ValueRef::Real(f) => Some(json!(f)),
            other => text(other).map(Value::String),
        },
        Kind::Bool => Some(Value::Bool(text(v).is_some_and(|t| t == "T"))),
        Kind::Ref(target) => match v {
            ValueRef::Integer(id) => Some(reference(conn, model, base, target, id)?),
            other => text(other).map(Value::String),
        },
        Kind::Select(options) => text(v).map(|id| {
            let name = options
                .iter()
                .find(|(k, _)| *k == id)
                .map_or(id.as_str(), |(_, n)| n)
                .to_owned();
            json!({"id": id, "refName": name})
        }),
    })
}

/// `SELECT id, <columns of fields> FROM table WHERE <where>`.
fn select_sql(table: &str, fields: &[Field], condition: &str) -> String {
    let cols: Vec<String> = fields.iter().map(|f| format!("\"{}\"", f.column)).collect();
    format!(
        "SELECT id, {} FROM \"{table}\" WHERE {condition}",
        cols.join(", ")
    )
}

/// What to include when reading a record.
#[derive(Clone, Debug, Default)]
pub(crate) struct ReadOptions {
    /// `fields=`: only these (lowercased) names; `None` for all.
    pub fields: Option<Vec<String>>,
    /// `expandSubResources=true`.
    pub expand: bool,
}

impl ReadOptions {
    fn wants(&self, name: &str) -> bool {
        self.fields
            .as_ref()
            .is_none_or(|f| f.iter().any(|x| x.eq_ignore_ascii_case(name)))
    }
}

/// The body fields of record `id` (`id` included, `links` not), or `None`.
pub(crate) fn load(
    conn: &Connection,
    model: &'static Model,
    def: &TypeDef,
    id: i64,
    base: &str,
    options: &ReadOptions,
) -> rusqlite::Result<Option<BTreeMap<String, Value>>> {
    let sql = select_sql(
        def.table,
        &def.fields,
        &format!("id = ?1{}", def.and_discriminator()),
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let mut rows = stmt.query([id])?;
    let Some(row) = rows.next()? else {
        return Ok(None);
    };
    let mut out = BTreeMap::new();
    for (i, field) in def.fields.iter().enumerate() {
        if !options.wants(field.name) {
            continue;
        }
        if let Some(v) = field_value(conn, model, base, field, row.get_ref(i + 1)?)? {
            out.insert(field.name.to_owned(), v);
        }
    }
    drop(rows);
    out.insert("id".into(), Value::String(id.to_string()));
    let href = record_href(base, def.name, id);
    for sub in &def.sublists {
        if !options.wants(sub.name) {
            continue;
        }
        let url = format!("{href}/{}", sub.name);
        let v = if options.expand {
            sublist_collection(conn, model, sub, id, &url, base, true)?
        } else {
            json!({"links": self_link(url)})
        };
        out.insert(sub.name.to_owned(), v);
    }
    Ok(Some(out))
}

/// The lines of a sublist: `(line, fields)` in line order.
pub(crate) fn lines(
    conn: &Connection,
    model: &'static Model,
    sub: &Sublist,
    parent: i64,
    base: &str,
    only: Option<i64>,
) -> rusqlite::Result<Vec<(i64, BTreeMap<String, Value>)>> {
    let mut condition = format!("\"{}\" = ?1 AND {}", sub.parent_column, sub.condition);
    if only.is_some() {
        condition.push_str(&format!(" AND \"{}\" = ?2", sub.line_column));
    }
    let sql = format!(
        "{} ORDER BY \"{}\"",
        select_sql(sub.table, &sub.fields, &condition),
        sub.line_column
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let params: Vec<SqlValue> = match only {
        Some(l) => vec![parent.into(), l.into()],
        None => vec![parent.into()],
    };
    let mut rows = stmt.query(rusqlite::params_from_iter(params))?;
    let mut raw = Vec::new();
    while let Some(row) = rows.next()? {
        let line: i64 = row.get(0)?;
        let values: Vec<SqlValue> = (0..sub.fields.len())
            .map(|i| row.get::<_, SqlValue>(i + 1))
            .collect::<rusqlite::Result<_>>()?;
        raw.push((line, values));
    }
    drop(rows);
    let mut out = Vec::with_capacity(raw.len());
    for (line, values) in raw {
        let mut fields = BTreeMap::new();
        for (field, v) in sub.fields.iter().zip(values) {
            let r = ValueRef::from(&v);
            if let Some(v) = field_value(conn, model, base, field, r)? {
                fields.insert(field.name.to_owned(), v);
            }
        }
        out.push((line, fields));
    }
    Ok(out)
}

/// A sublist as a collection: `{links, items, totalResults, count, hasMore, offset}`;
/// items are links only unless `expand`.
pub(crate) fn sublist_collection(
    conn: &Connection,
    model: &'static Model,
    sub: &Sublist,
    parent: i64,
    url: &str,
    base: &str,
    expand: bool,
) -> rusqlite::Result<Value> {
    let lines = lines(conn, model, sub, parent, base, None)?;
    let n = lines.len();
    let items: Vec<Value> = lines
        .into_iter()
        .map(|(line, fields)| {
            let mut obj = Map::new();
            obj.insert("links".into(), self_link(format!("{url}/{line}")));
            if expand {
                obj.extend(fields);
            }
            Value::Object(obj)
        })
        .collect();
    Ok(json!({
        "links": self_link(url.to_owned()),
        "items": items,
        "totalResults": n,
        "count": n,
        "hasMore": false,
        "offset": 0,
    }))
}

/// Serializes `{links: [self], ...fields}` with `links` first.
pub(crate) fn serialize(href: &str, fields: &BTreeMap<String, Value>) -> String {
    let mut out = String::with_capacity(256 + fields.len() * 48);
    out.push_str("{\"links\":[{\"rel\":\"self\",\"href\":");
    out.push_str(&Value::String(href.to_owned()).to_string());
    out.push_str("}]");
    for (k, v) in fields {
        if k == "links" {
            continue;
        }
        out.push(',');
        out.push_str(&Value::String(k.clone()).to_string());
        out.push(':');
        out.push_str(&v.to_string());
    }
    out.push('}');
    out
}

/// A filter parameter as SQLite binds it.
fn sql_value(p: Param) -> SqlValue {
    match p {
        Param::Integer(i) => SqlValue::Integer(i),
        Param::Real(f) => SqlValue::Real(f),
        Param::Text(s) => SqlValue::Text(s),
        _ => SqlValue::Null,
    }
}

/// The filter column of a field of `def` (`id` included).
pub(crate) fn column(def: &TypeDef, name: &str) -> Option<Column> {
    if name.eq_ignore_ascii_case("id") || name.eq_ignore_ascii_case("internalid") {
        return Some(Column {
            sql: "id".into(),
            ty: FieldType::Number,
        });
    }
    let f = def.field(name)?;
    let ty = match f.kind {
        Kind::Text => FieldType::Text,
        Kind::Integer | Kind::Float => FieldType::Number,
        Kind::Bool => FieldType::Bool,
        Kind::Date | Kind::DateTime => FieldType::Date,
        Kind::Ref(_) => FieldType::Ref,
        Kind::Select(_) => FieldType::Select,
    };
    Some(Column {
        sql: format!("\"{}\"", f.column),
        ty,
    })
}

/// The filter column of a JSON document field.
pub(crate) fn document_column(name: &str) -> Option<Column> {
    if name.eq_ignore_ascii_case("id") || name.eq_ignore_ascii_case("internalid") {
        return Some(Column {
            sql: "id".into(),
            ty: FieldType::Number,
        });
    }
    let valid = !name.is_empty()
        && name.len() <= 100
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
    valid.then(|| Column {
        sql: format!("json_extract(body, '$.{name}')"),
        ty: FieldType::Any,
    })
}

/// `FROM ... WHERE ...` of a collection of `def` (or of documents of `doc_type`), with
/// the filter's parameters.
pub(crate) fn collection_source(
    def: Option<&TypeDef>,
    doc_type: &str,
    q: Option<&str>,
) -> Result<(String, Vec<SqlValue>), String> {
    let cond = match q {
        Some(q) if !q.trim().is_empty() => match def {
            Some(def) => filter::compile(q, &|n| column(def, n))?,
            None => filter::compile(q, &document_column)?,
        },
        _ => Condition {
            sql: "1".into(),
            params: Vec::new(),
        },
    };
    let mut params: Vec<SqlValue> = cond.params.into_iter().map(sql_value).collect();
    let from = match def {
        Some(def) => match def.discriminator {
            Some((c, v)) => format!(
                "FROM \"{}\" WHERE \"{c}\" = '{v}' AND {}",
                def.table, cond.sql
            ),
            None => format!("FROM \"{}\" WHERE {}", def.table, cond.sql),
        },
        None => {
            params.insert(0, SqlValue::Text(doc_type.to_owned()));
            format!("FROM record WHERE type = ? AND {}", cond.sql)
        }
    };
    Ok((from, params))
}

/// The ids on one page of `from` (see [`collection_source`]), by ascending id.
pub(crate) fn page_ids(
    conn: &Connection,
    from: &str,
    params: &[SqlValue],
    limit: u64,
    offset: u64,
) -> rusqlite::Result<Vec<i64>> {
    let sql = format!("SELECT id {from} ORDER BY id LIMIT {limit} OFFSET {offset}");
    let mut stmt = conn.prepare(&sql)?;
    let rows = stmt.query_map(rusqlite::params_from_iter(params.iter()), |r| r.get(0))?;
    rows.collect()
}

/// `COUNT(*)` of `from`.
pub(crate) fn count(conn: &Connection, from: &str, params: &[SqlValue]) -> rusqlite::Result<u64> {
    let sql = format!("SELECT COUNT(*) {from}");
    conn.prepare(&sql)?
        .query_row(rusqlite::params_from_iter(params.iter()), |r| {
            r.get::<_, i64>(0)
        })
        .map(|n| n.max(0) as u64)
}
