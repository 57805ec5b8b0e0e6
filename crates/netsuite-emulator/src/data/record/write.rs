//! Creating, updating, upserting and deleting records, with NetSuite's checks:
//! field types (`INVALID_CONTENT` with `o:errorPath`), references that must exist,
//! required fields (`USER_ERROR` "You must enter a value for ..."), unique external
//! ids, and records that others still reference. Everything runs inside the caller's
//! transaction, so a refused write changes nothing.

use axum::http::StatusCode;
use rusqlite::types::Value as SqlValue;
use rusqlite::{Connection, OptionalExtension};
use serde_json::{Map, Value};

use crate::clock::Now;
use crate::error::RestError;
use crate::oauth::refusal::Stop;
use netsuite_suiteql::Model;
use netsuite_suiteql::filter::normalize_date;
use netsuite_suiteql::model::{Field, Kind, RecordType as TypeDef, Sublist, Target, find_field};

/// A write's outcome: refused (the REST error the client gets) or failed (SQLite).
type Result<T> = std::result::Result<T, Stop<RestError>>;

/// Most lines one transaction may have.
const MAX_LINES: i64 = 999;

fn shown(v: &Value) -> String {
    let s = match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    crate::error::truncate(&s, 100).to_owned()
}

/// 400 `INVALID_CONTENT`: a value of the wrong type, or a reference to nothing.
pub(crate) fn invalid_value(path: &str, field: &str, v: &Value) -> RestError {
    RestError::new(
        StatusCode::BAD_REQUEST,
        "INVALID_CONTENT",
        format!(
            "Error while accessing resource: You have entered an Invalid Field Value {} for the following field: {field}",
            shown(v)
        ),
    )
    .with_path(path)
}

/// 400 `USER_ERROR`: a required field left empty.
pub(crate) fn missing(label: &str) -> RestError {
    RestError::new(
        StatusCode::BAD_REQUEST,
        "USER_ERROR",
        format!("Error while accessing a resource. You must enter a value for {label}."),
    )
}

fn user_error(detail: impl std::fmt::Display) -> RestError {
    RestError::new(
        StatusCode::BAD_REQUEST,
        "USER_ERROR",
        format!("Error while accessing a resource. {detail}"),
    )
}

fn unknown_field(path: &str, name: &str, label: &str) -> RestError {
    RestError::new(
        StatusCode::BAD_REQUEST,
        "INVALID_CONTENT",
        format!(
            "Error while accessing resource: The field '{}' does not exist on the {label} record.",
            crate::error::truncate(name, 100)
        ),
    )
    .with_path(path)
}

/// Column values to write, last one wins.
#[derive(Debug, Default)]
struct Row(Vec<(&'static str, SqlValue)>);

impl Row {
    fn set(&mut self, column: &'static str, v: SqlValue) {
        match self.0.iter_mut().find(|(c, _)| *c == column) {
            Some(slot) => slot.1 = v,
            None => self.0.push((column, v)),
        }
    }

    fn get(&self, column: &str) -> Option<&SqlValue> {
        self.0.iter().find(|(c, _)| *c == column).map(|(_, v)| v)
    }

    fn is_set(&self, column: &str) -> bool {
        self.get(column)
            .is_some_and(|v| !matches!(v, SqlValue::Null))
    }

    fn set_default(&mut self, column: &'static str, v: SqlValue) {
        if !self.is_set(column) {
            self.set(column, v);
        }
    }
}

fn has_column(def: &TypeDef, column: &str) -> bool {
    def.fields.iter().any(|f| f.column == column)
}

/// Resolves a reference value (`{"id": "104"}`, `{"id": 104}` or
/// `{"externalId": "CUST-104"}`) to the internal id of an existing record.
fn resolve_ref(
    conn: &Connection,
    model: &'static Model,
    target: Target,
    v: &Value,
) -> rusqlite::Result<Option<i64>> {
    let Value::Object(obj) = v else {
        return Ok(None);
    };
    let (table, disc) = match target {
        Target::Type(name) => match model.record_type(name) {
            Some(def) => (def.table, def.and_discriminator()),
            None => return Ok(None),
        },
        Target::AnyItem => ("item", String::new()),
    };
    if let Some(id) = obj.get("id") {
        let id = match id {
            Value::String(s) => s.trim().parse::<i64>().ok(),
            Value::Number(n) => n.as_i64(),
            _ => None,
        };
        let Some(id) = id else { return Ok(None) };
        return conn
            .prepare_cached(&format!("SELECT id FROM \"{table}\" WHERE id = ?1{disc}"))?
            .query_row([id], |r| r.get(0))
            .optional();
    }
    if let Some(Value::String(eid)) = obj.get("externalId") {
        return conn
            .prepare_cached(&format!(
                "SELECT id FROM \"{table}\" WHERE externalid = ?1{disc}"
            ))?
            .query_row([eid], |r| r.get(0))
            .optional();
    }
    Ok(None)
}

/// Converts a body value for `field`; `path` is its `o:errorPath`.
fn convert(
    conn: &Connection,
    model: &'static Model,
    field: &Field,
    v: &Value,
    path: &str,
) -> Result<SqlValue> {
    if v.is_null() {
        return Ok(SqlValue::Null);
    }
    let bad = || Stop::Refused(invalid_value(path, field.name, v));
    Ok(match field.kind {
        Kind::Text => match v {
            Value::String(s) => SqlValue::Text(s.clone()),
            _ => return Err(bad()),
        },
        Kind::Integer => match v.as_i64() {
            Some(i) => SqlValue::Integer(i),
            None => return Err(bad()),
        },
        Kind::Float => match v.as_f64() {
            Some(f) if f.is_finite() => SqlValue::Real(f),
            _ => return Err(bad()),
        },
        Kind::Bool => match v {
            Value::Bool(b) => SqlValue::Text(if *b { "T" } else { "F" }.into()),
            _ => return Err(bad()),
        },
        Kind::Date => match v.as_str().and_then(normalize_date) {
            Some(d) if d.len() == 10 => SqlValue::Text(d),
            _ => return Err(bad()),
        },
        Kind::DateTime => match v.as_str().and_then(normalize_date) {
            Some(d) if d.len() > 10 => SqlValue::Text(d),
            _ => return Err(bad()),
        },
        Kind::Ref(target) => match resolve_ref(conn, model, target, v)? {
            Some(id) => SqlValue::Integer(id),
            None => {
                let shown_id = v
                    .get("id")
                    .or_else(|| v.get("externalId"))
                    .cloned()
                    .unwrap_or_else(|| v.clone());
                return Err(Stop::Refused(invalid_value(path, field.name, &shown_id)));
            }
        },
        Kind::Select(options) => {
            let id = match v {
                Value::String(s) => Some(s.as_str()),
                Value::Object(o) => o.get("id").and_then(Value::as_str),
                _ => None,
            };
            let id = id.map(|s| s.rsplit_once(':').map_or(s, |(_, id)| id));
            match id.and_then(|id| options.iter().find(|(k, _)| *k == id)) {
                Some((k, _)) => SqlValue::Text((*k).to_owned()),
                None => return Err(bad()),
            }
        }
    })
}

/// A sublist line from a request body.
#[derive(Debug)]
struct LineInput {
    /// Its position in the request (for `o:errorPath`).
    index: usize,
    /// The `line` it updates, if given.
    line: Option<i64>,
    row: Row,
    /// Whether `amount` was given.
    amount_given: bool,
}

#[derive(Debug, Default)]
struct Parsed {
    row: Row,
    lines: Option<(&'static Sublist, Vec<LineInput>)>,
}

/// Keys every body may carry that are not fields: links from a GET, the id, names
/// of references.
fn ignorable(key: &str) -> bool {
    matches!(key, "links" | "id" | "refName")
}

fn parse(
    conn: &Connection,
    model: &'static Model,
    def: &'static TypeDef,
    body: &Map<String, Value>,
) -> Result<Parsed> {
    let mut parsed = Parsed::default();
    for (key, v) in body {
        if ignorable(key) {
            continue;
        }
        if let Some(sub) = def.sublist(key) {
            parsed.lines = Some((sub, parse_lines(conn, model, sub, v)?));
            continue;
        }
        let Some(field) = def.field(key) else {
            return Err(unknown_field(key, key, def.label).into());
        };
        if field.read_only {
            continue;
        }
        let value = convert(conn, model, field, v, field.name)?;
        parsed.row.set(field.column, value);
    }
    Ok(parsed)
}

fn parse_lines(
    conn: &Connection,
    model: &'static Model,
    sub: &'static Sublist,
    v: &Value,
) -> Result<Vec<LineInput>> {
    let items = match v {
        Value::Object(o) => o.get("items"),
        Value::Array(_) => Some(v),
        _ => None,
    };
    let Some(Value::Array(items)) = items else {
        return Err(invalid_value(sub.name, sub.name, v).into());
    };
    if items.len() as i64 > MAX_LINES {
        return Err(
            user_error(format!("A transaction can have at most {MAX_LINES} lines.")).into(),
        );
    }
    let mut out = Vec::with_capacity(items.len());
    for (index, item) in items.iter().enumerate() {
        let Value::Object(obj) = item else {
            let path = format!("{}.items[{index}]", sub.name);
            return Err(invalid_value(&path, sub.name, item).into());
        };
        let mut line = LineInput {
            index,
            line: None,
            row: Row::default(),
            amount_given: false,
        };
        for (key, v) in obj {
            let path = format!("{}.items[{index}].{key}", sub.name);
            if key == "line" {
                line.line = match v {
                    Value::Number(n) => n.as_i64(),
                    Value::String(s) => s.parse().ok(),
                    _ => None,
                };
                if line.line.is_none() {
                    return Err(invalid_value(&path, "line", v).into());
                }
                continue;
            }
            if ignorable(key) {
                continue;
            }
            let Some(field) = find_field(&sub.fields, key) else {
                return Err(unknown_field(&path, key, "line").into());
            };
            if field.read_only {
                continue;
            }
            let value = convert(conn, model, field, v, &path)?;
            if field.column == "foreignamount" {
                line.amount_given = !matches!(value, SqlValue::Null);
            }
            line.row.set(field.column, value);
        }
        out.push(line);
    }
    Ok(out)
}

fn next_id(conn: &Connection, def: &TypeDef) -> rusqlite::Result<i64> {
    let parts: Vec<String> = def
        .id_family
        .iter()
        .map(|t| format!("SELECT MAX(id) AS m FROM \"{t}\""))
        .collect();
    let sql = format!("SELECT MAX(m) FROM ({})", parts.join(" UNION ALL "));
    let max: Option<i64> = conn.prepare_cached(&sql)?.query_row([], |r| r.get(0))?;
    Ok(max.unwrap_or(0).max(0) + 1)
}

fn text(v: Option<&SqlValue>) -> Option<String> {
    match v {
        Some(SqlValue::Text(s)) if !s.is_empty() => Some(s.clone()),
        _ => None,
    }
}

/// A column of an existing row.
fn column_of(
    conn: &Connection,
    table: &str,
    column: &str,
    id: i64,
) -> rusqlite::Result<Option<SqlValue>> {
    conn.prepare_cached(&format!(
        "SELECT \"{column}\" FROM \"{table}\" WHERE id = ?1"
    ))?
    .query_row([id], |r| r.get(0))
    .optional()
}

/// Defaults NetSuite fills in on create.
fn create_defaults(conn: &Connection, def: &TypeDef, row: &mut Row, now: &Now) -> Result<()> {
    for (c, v) in def.discriminator.iter().chain(def.fixed) {
        row.set(c, SqlValue::Text((*v).to_owned()));
    }
    for c in ["datecreated", "createddate", "lastmodifieddate"] {
        if has_column(def, c) {
            let c = catalog_column(def, c);
            row.set(c, SqlValue::Text(now.datetime.clone()));
        }
    }
    let person_name = |row: &Row| {
        let first = text(row.get("firstname")).unwrap_or_default();
        let last = text(row.get("lastname")).unwrap_or_default();
        let name = format!("{first} {last}").trim().to_owned();
        (!name.is_empty()).then_some(name)
    };
    match def.table {
        "customer" => {
            row.set_default("isperson", SqlValue::Text("F".into()));
            let person = text(row.get("isperson")).as_deref() == Some("T");
            let name = if person {
                person_name(row)
            } else {
                text(row.get("companyname"))
            };
            if let Some(n) = name {
                row.set_default("entityid", SqlValue::Text(n));
            }
            row.set_default("subsidiary", SqlValue::Integer(1));
            if !row.is_set("currency") {
                let sub = match row.get("subsidiary") {
                    Some(SqlValue::Integer(s)) => *s,
                    _ => 1,
                };
                let cur =
                    column_of(conn, "subsidiary", "currency", sub)?.unwrap_or(SqlValue::Integer(1));
                row.set("currency", cur);
            }
        }
        "contact" | "employee" => {
            if let Some(n) = person_name(row) {
                row.set_default("entityid", SqlValue::Text(n));
            }
            row.set_default("subsidiary", SqlValue::Integer(1));
        }
        "item" | "account" => {
            row.set_default("subsidiary", SqlValue::Integer(1));
        }
        "subsidiary" => {
            row.set_default("currency", SqlValue::Integer(1));
            row.set_default("country", SqlValue::Text("US".into()));
        }
        "transaction" => {
            row.set_default("trandate", SqlValue::Text(now.date.clone()));
            row.set_default("exchangerate", SqlValue::Real(1.0));
            let status = if def.name == "invoice" { "A" } else { "B" };
            row.set_default("status", SqlValue::Text(status.into()));
            if let Some(SqlValue::Integer(entity)) = row.get("entity").cloned() {
                if !row.is_set("currency") {
                    let cur = column_of(conn, "customer", "currency", entity)?
                        .unwrap_or(SqlValue::Integer(1));
                    row.set("currency", cur);
                }
                if !row.is_set("subsidiary") {
                    let sub = column_of(conn, "customer", "subsidiary", entity)?
                        .unwrap_or(SqlValue::Integer(1));
                    row.set("subsidiary", sub);
                }
            }
        }
        _ => {}
    }
    derived(def, row);
    Ok(())
}

/// The `&'static str` of a column name known to exist in `def`.
fn catalog_column(def: &TypeDef, column: &str) -> &'static str {
    def.fields
        .iter()
        .find(|f| f.column == column)
        .map_or("lastmodifieddate", |f| f.column)
}

/// Columns computed from others.
fn derived(def: &TypeDef, row: &mut Row) {
    match def.table {
        "subsidiary" | "account" => {
            let source = if def.table == "subsidiary" {
                "name"
            } else {
                "acctname"
            };
            if let Some(v) = row.get(source).cloned() {
                row.set("fullname", v);
            }
        }
        _ => {}
    }
}

/// Checks required fields on the stored row (after defaults and updates).
fn check_required(conn: &Connection, def: &TypeDef, id: i64) -> Result<()> {
    let value = |column: &str| -> rusqlite::Result<bool> {
        Ok(match column_of(conn, def.table, column, id)? {
            None | Some(SqlValue::Null) => false,
            Some(SqlValue::Text(s)) => !s.trim().is_empty(),
            Some(_) => true,
        })
    };
    if def.table == "customer" {
        let person = matches!(column_of(conn, "customer", "isperson", id)?, Some(SqlValue::Text(s)) if s == "T");
        if person {
            for (c, label) in [("firstname", "First Name"), ("lastname", "Last Name")] {
                if !value(c)? {
                    return Err(missing(label).into());
                }
            }
        } else if !value("companyname")? {
            return Err(missing("Company Name").into());
        }
    }
    for f in def.fields.iter().filter(|f| f.required) {
        if !value(f.column)? {
            return Err(missing(f.label).into());
        }
    }
    Ok(())
}

fn check_external_id(
    conn: &Connection,
    def: &TypeDef,
    row: &Row,
    except: Option<i64>,
) -> Result<()> {
    let Some(SqlValue::Text(eid)) = row.get("externalid") else {
        return Ok(());
    };
    let other: Option<i64> = conn
        .prepare_cached(&format!(
            "SELECT id FROM \"{}\" WHERE externalid = ?1",
            def.table
        ))?
        .query_row([eid], |r| r.get(0))
        .optional()?;
    match other {
        Some(o) if Some(o) != except => {
            let what = if def.id_family.contains(&"customer") {
                "entity"
            } else {
                "record"
            };
            Err(user_error(format!(
                "This {what} already exists: a record with the external ID '{}' exists ({o}).",
                crate::error::truncate(eid, 100)
            ))
            .into())
        }
        _ => Ok(()),
    }
}

fn insert_row(conn: &Connection, table: &str, id: i64, row: &Row) -> rusqlite::Result<()> {
    let mut cols = vec!["id".to_owned()];
    let mut params: Vec<&SqlValue> = Vec::new();
    let id_value = SqlValue::Integer(id);
    params.push(&id_value);
    for (c, v) in &row.0 {
        cols.push(format!("\"{c}\""));
        params.push(v);
    }
    let marks: Vec<String> = (1..=cols.len()).map(|i| format!("?{i}")).collect();
    let sql = format!(
        "INSERT INTO \"{table}\" ({}) VALUES ({})",
        cols.join(", "),
        marks.join(", ")
    );
    conn.prepare_cached(&sql)?
        .execute(rusqlite::params_from_iter(params))?;
    Ok(())
}

fn update_row(conn: &Connection, table: &str, id: i64, row: &Row) -> rusqlite::Result<()> {
    if row.0.is_empty() {
        return Ok(());
    }
    let sets: Vec<String> = row
        .0
        .iter()
        .enumerate()
        .map(|(i, (c, _))| format!("\"{c}\" = ?{}", i + 2))
        .collect();
    let sql = format!("UPDATE \"{table}\" SET {} WHERE id = ?1", sets.join(", "));
    let id_value = SqlValue::Integer(id);
    let params = std::iter::once(&id_value).chain(row.0.iter().map(|(_, v)| v));
    conn.prepare_cached(&sql)?
        .execute(rusqlite::params_from_iter(params))?;
    Ok(())
}

/// Creates a record; returns its internal id. `external_id` comes from a `PUT eid:`.
pub(crate) fn create(
    conn: &Connection,
    model: &'static Model,
    def: &'static TypeDef,
    body: &Map<String, Value>,
    now: &Now,
    external_id: Option<&str>,
) -> Result<i64> {
    let parsed = parse(conn, model, def, body)?;
    let mut row = parsed.row;
    if let Some(eid) = external_id {
        row.set("externalid", SqlValue::Text(eid.to_owned()));
    }
    create_defaults(conn, def, &mut row, now)?;
    check_external_id(conn, def, &row, None)?;
    let id = next_id(conn, def)?;
    if def.table == "transaction" && !row.is_set("tranid") {
        let prefix = if def.name == "invoice" { "INV" } else { "SO" };
        row.set("tranid", SqlValue::Text(format!("{prefix}{id}")));
    }
    insert_row(conn, def.table, id, &row)?;
    if let Some(sub) = def.sublists.first() {
        let lines = match parsed.lines {
            Some((_, lines)) => lines,
            None => Vec::new(),
        };
        if lines.is_empty() && def.table == "transaction" {
            return Err(
                user_error("You must enter at least one line item for this transaction.").into(),
            );
        }
        write_lines(conn, sub, id, lines, false)?;
    }
    if def.table == "transaction" {
        sync_transaction(conn, id)?;
    }
    check_required(conn, def, id)?;
    Ok(id)
}

/// Updates record `id`: given fields change, `null` clears, the rest stays. Sublist
/// lines with `line` update that line, lines without are added; `replace` names
/// sublists whose lines are replaced by the ones sent.
pub(crate) fn update(
    conn: &Connection,
    model: &'static Model,
    def: &'static TypeDef,
    id: i64,
    body: &Map<String, Value>,
    now: &Now,
    replace: &[String],
) -> Result<()> {
    let parsed = parse(conn, model, def, body)?;
    let mut row = parsed.row;
    if has_column(def, "lastmodifieddate") {
        row.set("lastmodifieddate", SqlValue::Text(now.datetime.clone()));
    }
    derived(def, &mut row);
    check_external_id(conn, def, &row, Some(id))?;
    update_row(conn, def.table, id, &row)?;
    if let Some((sub, lines)) = parsed.lines {
        let replacing = replace.iter().any(|r| r.eq_ignore_ascii_case(sub.name));
        if replacing && lines.is_empty() && def.table == "transaction" {
            return Err(
                user_error("You must enter at least one line item for this transaction.").into(),
            );
        }
        write_lines(conn, sub, id, lines, replacing)?;
    }
    if def.table == "transaction" {
        sync_transaction(conn, id)?;
    }
    check_required(conn, def, id)?;
    Ok(())
}

fn write_lines(
    conn: &Connection,
    sub: &Sublist,
    parent: i64,
    lines: Vec<LineInput>,
    replace: bool,
) -> Result<()> {
    let where_parent = format!("\"{}\" = ?1 AND {}", sub.parent_column, sub.condition);
    if replace {
        conn.prepare_cached(&format!(
            "DELETE FROM \"{}\" WHERE {where_parent}",
            sub.table
        ))?
        .execute([parent])?;
    }
    let mut next: i64 = conn
        .prepare_cached(&format!(
            "SELECT COALESCE(MAX(\"{}\"), 0) FROM \"{}\" WHERE \"{}\" = ?1",
            sub.line_column, sub.table, sub.parent_column
        ))?
        .query_row([parent], |r| r.get(0))?;
    for line in lines {
        let existing = match line.line {
            Some(n) if !replace => conn
                .prepare_cached(&format!(
                    "SELECT 1 FROM \"{}\" WHERE {where_parent} AND \"{}\" = ?2",
                    sub.table, sub.line_column
                ))?
                .query_row([parent, n], |_| Ok(()))
                .optional()?
                .map(|()| n),
            _ => None,
        };
        match existing {
            Some(n) => update_line(conn, sub, parent, n, &line)?,
            None => {
                if let Some(n) = line.line
                    && !replace
                {
                    let path = line_path(sub, &line, "line");
                    return Err(invalid_value(&path, "line", &Value::from(n)).into());
                }
                next += 1;
                insert_line(conn, sub, parent, next, line)?;
            }
        }
    }
    Ok(())
}

/// `{sublist}.items[{index}].{field}`, the `o:errorPath` of a line's field.
fn line_path(sub: &Sublist, line: &LineInput, field: &str) -> String {
    format!("{}.items[{}].{field}", sub.name, line.index)
}

/// Updates existing line `n` with the fields sent; the amount follows a changed
/// quantity or rate unless it was sent too.
fn update_line(
    conn: &Connection,
    sub: &Sublist,
    parent: i64,
    n: i64,
    line: &LineInput,
) -> Result<()> {
    let recompute = !line.amount_given
        && (line.row.get("quantity").is_some() || line.row.get("rate").is_some());
    let sets: Vec<String> = line
        .row
        .0
        .iter()
        .enumerate()
        .map(|(i, (c, _))| format!("\"{c}\" = ?{}", i + 3))
        .collect();
    if !sets.is_empty() {
        let sql = format!(
            "UPDATE \"{}\" SET {} WHERE \"{}\" = ?1 AND \"{}\" = ?2",
            sub.table,
            sets.join(", "),
            sub.parent_column,
            sub.line_column
        );
        let head = [SqlValue::Integer(parent), SqlValue::Integer(n)];
        let params = head.iter().chain(line.row.0.iter().map(|(_, v)| v));
        conn.prepare_cached(&sql)?
            .execute(rusqlite::params_from_iter(params))?;
    }
    if !line_has_item(conn, sub, parent, n)? {
        return Err(missing("Item")
            .with_path(line_path(sub, line, "item"))
            .into());
    }
    if recompute {
        conn.prepare_cached(&format!(
            "UPDATE \"{}\" SET foreignamount = ROUND(COALESCE(quantity, 0) * COALESCE(rate, 0), 2) WHERE \"{}\" = ?1 AND \"{}\" = ?2",
            sub.table, sub.parent_column, sub.line_column
        ))?
        .execute([parent, n])?;
    }
    Ok(())
}

/// Adds a line numbered `next`: quantity 1 and the item's base price unless sent,
/// the amount from them unless sent.
fn insert_line(
    conn: &Connection,
    sub: &Sublist,
    parent: i64,
    next: i64,
    mut line: LineInput,
) -> Result<()> {
    let Some(SqlValue::Integer(item)) = line.row.get("item").cloned() else {
        return Err(missing("Item")
            .with_path(line_path(sub, &line, "item"))
            .into());
    };
    if next > MAX_LINES {
        return Err(
            user_error(format!("A transaction can have at most {MAX_LINES} lines.")).into(),
        );
    }
    line.row.set_default("quantity", SqlValue::Real(1.0));
    if !line.row.is_set("rate") {
        let price = column_of(conn, "item", "baseprice", item)?.unwrap_or(SqlValue::Real(0.0));
        line.row.set("rate", price);
    }
    if !line.amount_given {
        let q = as_f64(line.row.get("quantity"));
        let r = as_f64(line.row.get("rate"));
        line.row.set(
            "foreignamount",
            SqlValue::Real(((q * r) * 100.0).round() / 100.0),
        );
    }
    line.row.set("mainline", SqlValue::Text("F".into()));
    line.row.set("linesequencenumber", SqlValue::Integer(next));
    line.row
        .set("uniquekey", SqlValue::Integer(parent * 1000 + next));
    let mut cols = vec![
        format!("\"{}\"", sub.parent_column),
        format!("\"{}\"", sub.line_column),
    ];
    let head = [SqlValue::Integer(parent), SqlValue::Integer(next)];
    for (c, _) in &line.row.0 {
        cols.push(format!("\"{c}\""));
    }
    let marks: Vec<String> = (1..=cols.len()).map(|i| format!("?{i}")).collect();
    let sql = format!(
        "INSERT INTO \"{}\" ({}) VALUES ({})",
        sub.table,
        cols.join(", "),
        marks.join(", ")
    );
    let params = head.iter().chain(line.row.0.iter().map(|(_, v)| v));
    conn.prepare_cached(&sql)?
        .execute(rusqlite::params_from_iter(params))?;
    Ok(())
}

fn line_has_item(
    conn: &Connection,
    sub: &Sublist,
    parent: i64,
    line: i64,
) -> rusqlite::Result<bool> {
    conn.prepare_cached(&format!(
        "SELECT item IS NOT NULL FROM \"{}\" WHERE \"{}\" = ?1 AND \"{}\" = ?2",
        sub.table, sub.parent_column, sub.line_column
    ))?
    .query_row([parent, line], |r| r.get(0))
}

fn as_f64(v: Option<&SqlValue>) -> f64 {
    match v {
        Some(SqlValue::Real(f)) => *f,
        Some(SqlValue::Integer(i)) => *i as f64,
        _ => 0.0,
    }
}

/// Recomputes a transaction's total from its lines and keeps its main line (line 0)
/// and the lines' entity and subsidiary in step with the header.
fn sync_transaction(conn: &Connection, id: i64) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "UPDATE \"transaction\" SET foreigntotal = (SELECT ROUND(COALESCE(SUM(foreignamount), 0), 2) FROM transactionline WHERE \"transaction\" = ?1 AND mainline = 'F') WHERE id = ?1",
    )?
    .execute([id])?;
    conn.prepare_cached(
        "INSERT OR REPLACE INTO transactionline (\"transaction\", id, linesequencenumber, uniquekey, mainline, foreignamount, entity, subsidiary)
         SELECT id, 0, 0, id * 1000, 'T', foreigntotal, entity, subsidiary FROM \"transaction\" WHERE id = ?1",
    )?
    .execute([id])?;
    conn.prepare_cached(
        "UPDATE transactionline SET entity = (SELECT entity FROM \"transaction\" WHERE id = ?1), subsidiary = (SELECT subsidiary FROM \"transaction\" WHERE id = ?1), netamount = foreignamount WHERE \"transaction\" = ?1",
    )?
    .execute([id])?;
    Ok(())
}

/// Deletes record `id`, unless another record references it.
pub(crate) fn delete(
    conn: &Connection,
    model: &'static Model,
    def: &'static TypeDef,
    id: i64,
) -> Result<()> {
    for other in &model.record_types {
        let fields = other.fields.iter().map(|f| (other.table, f)).chain(
            other
                .sublists
                .iter()
                .flat_map(|s| s.fields.iter().map(move |f| (s.table, f))),
        );
        for (table, f) in fields {
            let points_here = match f.kind {
                Kind::Ref(Target::Type(t)) => t == def.name,
                Kind::Ref(Target::AnyItem) => def.table == "item",
                _ => false,
            };
            if !points_here || (table == def.table && f.column == "id") {
                continue;
            }
            let used: Option<()> = conn
                .prepare_cached(&format!(
                    "SELECT 1 FROM \"{table}\" WHERE \"{}\" = ?1 LIMIT 1",
                    f.column
                ))?
                .query_row([id], |_| Ok(()))
                .optional()?;
            if used.is_some()
                && !(table == def.table && self_reference_only(conn, table, f.column, id)?)
            {
                return Err(user_error(
                    "This record cannot be deleted because it has dependent records.",
                )
                .into());
            }
        }
    }
    for sub in &def.sublists {
        conn.prepare_cached(&format!(
            "DELETE FROM \"{}\" WHERE \"{}\" = ?1",
            sub.table, sub.parent_column
        ))?
        .execute([id])?;
    }
    conn.prepare_cached(&format!("DELETE FROM \"{}\" WHERE id = ?1", def.table))?
        .execute([id])?;
    Ok(())
}

/// Whether the only row of `table` whose `column` is `id` is row `id` itself.
fn self_reference_only(
    conn: &Connection,
    table: &str,
    column: &str,
    id: i64,
) -> rusqlite::Result<bool> {
    let n: i64 = conn
        .prepare_cached(&format!(
            "SELECT COUNT(*) FROM \"{table}\" WHERE \"{column}\" = ?1 AND id <> ?1"
        ))?
        .query_row([id], |r| r.get(0))?;
    Ok(n == 0)
}

// ---------------------------------------------------------------------------
// JSON documents: record types without a table.

/// Creates a document; its body is kept as sent (without `links` and `id`).
pub(crate) fn document_create(
    conn: &Connection,
    record_type: &str,
    body: &Map<String, Value>,
    external_id: Option<&str>,
) -> Result<i64> {
    let mut body = body.clone();
    body.remove("links");
    body.remove("id");
    if let Some(eid) = external_id {
        body.insert("externalId".into(), Value::String(eid.to_owned()));
    }
    let eid = document_external_id(&body)?;
    if let Some(eid) = &eid
        && super::document::find(
            conn,
            record_type,
            &super::types::RecordKey::External(eid.clone()),
        )?
        .is_some()
    {
        return Err(user_error(format!(
            "This record already exists: a record with the external ID '{}' exists.",
            crate::error::truncate(eid, 100)
        ))
        .into());
    }
    let id: i64 = conn
        .prepare_cached("SELECT COALESCE(MAX(id), 0) + 1 FROM record WHERE type = ?1")?
        .query_row([record_type], |r| r.get(0))?;
    super::document::insert(
        conn,
        record_type,
        id.max(1),
        eid.as_deref(),
        &Value::Object(body),
    )?;
    Ok(id.max(1))
}

fn document_external_id(body: &Map<String, Value>) -> Result<Option<String>> {
    match body.get("externalId") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(v) => Err(invalid_value("externalId", "externalId", v).into()),
    }
}

/// Merges `patch` into document `id`: `null` removes a field.
pub(crate) fn document_update(
    conn: &Connection,
    record_type: &str,
    id: i64,
    stored: &str,
    patch: &Map<String, Value>,
) -> Result<()> {
    let mut body: Map<String, Value> = serde_json::from_str(stored).unwrap_or_default();
    for (k, v) in patch {
        if ignorable(k) {
            continue;
        }
        if v.is_null() {
            body.remove(k);
        } else {
            body.insert(k.clone(), v.clone());
        }
    }
    let eid = document_external_id(&body)?;
    if let Some(eid) = &eid
        && let Some((other, _)) = super::document::find(
            conn,
            record_type,
            &super::types::RecordKey::External(eid.clone()),
        )?
        && other != id
    {
        return Err(user_error(format!(
            "This record already exists: a record with the external ID '{}' exists.",
            crate::error::truncate(eid, 100)
        ))
        .into());
    }
    super::document::insert(conn, record_type, id, eid.as_deref(), &Value::Object(body))?;
    Ok(())
}

/// Deletes document `id`.
pub(crate) fn document_delete(
    conn: &Connection,
    record_type: &str,
    id: i64,
) -> rusqlite::Result<()> {
    conn.prepare_cached("DELETE FROM record WHERE type = ?1 AND id = ?2")?
        .execute(rusqlite::params![record_type, id])?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn now_formats() {
        let n = Now::at(1_800_000_000);
        assert_eq!(n.date, "2027-01-15");
        assert_eq!(n.datetime, "2027-01-15T08:00:00Z");
    }
}
