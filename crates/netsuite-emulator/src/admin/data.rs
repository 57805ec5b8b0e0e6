//! Admin pages of the data plane: a record browser (`/admin/records`, with `q`
//! filters and paging, and one record with its lines), a SuiteQL console
//! (`/admin/suiteql`), and the governance and fault settings (`/admin/governance`).
//! Plain HTML forms, no scripts; changes post back and redirect (303).

use std::collections::BTreeMap;

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use netsuite_suiteql::Model;
use netsuite_suiteql::model::RecordType;
use serde_json::Value;

use crate::data::fault::Faults;
use crate::data::record::types::{self, RecordKey};
use crate::data::record::{document, read};
use crate::data::rest::Params;
use crate::data::state::DataPlane;
use crate::error::Error;
use crate::html::{self, escape};

/// The data-plane admin routes.
pub(super) fn routes<S>() -> axum::Router<S>
where
    S: Clone + Send + Sync + 'static,
    DataPlane: axum::extract::FromRef<S>,
{
    axum::Router::new()
        .route("/admin/records", get(records))
        .route("/admin/records/{record_type}/{id}", get(one_record))
        .route("/admin/suiteql", get(suiteql))
        .route("/admin/governance", get(governance).post(set_governance))
        .route("/admin/governance/reset", post(reset_counters))
        .route("/admin/faults", post(set_faults))
}

/// Rows per page of the record browser and the SuiteQL console.
const PAGE: u64 = 50;

fn page(active: &str, title: &str, body: &str) -> Response {
    html::response(
        StatusCode::OK,
        html::page(
            &format!("{title} — NetSuite emulator"),
            Some(&super::pages::nav(active)),
            false,
            body,
        ),
    )
}

fn failed(e: &Error) -> Response {
    eprintln!("netsuite-emulator: {}", crate::error::chain(e));
    page(
        "",
        "Error",
        "<div class=\"card\"><h1>That did not work</h1><div class=\"error\">The emulator failed; see its log.</div></div>",
    )
}

fn see_other(location: &str) -> Response {
    let mut resp = StatusCode::SEE_OTHER.into_response();
    if let Ok(v) = HeaderValue::from_str(location) {
        resp.headers_mut().insert(header::LOCATION, v);
    }
    resp
}

fn enc(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// The columns the browser shows for a type (besides the id).
fn key_fields(def: &RecordType) -> Vec<&'static str> {
    let wanted: &[&str] = match def.table {
        "customer" => &[
            "entityId",
            "companyName",
            "email",
            "subsidiary",
            "isInactive",
        ],
        "contact" => &["entityId", "email", "company", "title"],
        "employee" => &["entityId", "email", "title", "subsidiary"],
        "subsidiary" => &["name", "country", "currency", "parent"],
        "account" => &["acctNumber", "acctName", "acctType"],
        "item" => &["itemId", "displayName", "basePrice", "isInactive"],
        "transaction" => &["tranId", "tranDate", "entity", "status", "total"],
        "currency" => &["name", "symbol", "exchangeRate"],
        _ => &[],
    };
    if wanted.is_empty() {
        def.fields.iter().take(5).map(|f| f.name).collect()
    } else {
        wanted.to_vec()
    }
}

/// A field value as table text: references by name with a link to the record.
fn cell(v: Option<&Value>) -> String {
    match v {
        None | Some(Value::Null) => "<span class=\"muted\">—</span>".into(),
        Some(Value::String(s)) => escape(s),
        Some(Value::Bool(b)) => if *b { "Yes" } else { "No" }.into(),
        Some(Value::Number(n)) => n.to_string(),
        Some(Value::Object(o)) => {
            let id = o.get("id").and_then(Value::as_str).unwrap_or_default();
            let name = o.get("refName").and_then(Value::as_str).unwrap_or(id);
            let href = o
                .get("links")
                .and_then(|l| l[0]["href"].as_str())
                .and_then(|h| h.split("/services/rest/record/v1/").nth(1));
            match href {
                Some(path) => format!(
                    "<a href=\"/admin/records/{}\">{}</a> <span class=\"muted\">#{}</span>",
                    escape(path),
                    escape(name),
                    escape(id)
                ),
                None if o.contains_key("items") => format!("{} lines", o["count"]),
                None => escape(name),
            }
        }
        Some(other) => escape(&other.to_string()),
    }
}

fn type_options(model: &Model, selected: &str) -> String {
    model
        .known_types()
        .iter()
        .map(|t| {
            let label = model
                .record_type(t)
                .map_or_else(|| (*t).to_owned(), |d| d.label.to_owned());
            let on = if *t == selected { " selected" } else { "" };
            format!("<option value=\"{t}\"{on}>{}</option>", escape(&label))
        })
        .collect()
}

/// `GET /admin/records?type=&q=&offset=`.
async fn records(State(emu): State<DataPlane>, RawQuery(query): RawQuery) -> Response {
    let params = Params::parse(query.as_deref());
    let record_type = params
        .get("type")
        .and_then(|t| types::canonical_type(emu.model(), t))
        .unwrap_or_else(|| "salesorder".to_owned());
    let q = params.get("q").unwrap_or_default().to_owned();
    let offset: u64 = params
        .get("offset")
        .and_then(|o| o.parse().ok())
        .unwrap_or(0)
        .min(crate::data::rest::RESULT_CEILING);
    let out = emu
        .run_blocking(move |emu| {
            let def = emu.model().record_type(&record_type);
            let filter = (!q.trim().is_empty()).then_some(q.as_str());
            let form = format!(
                "<form method=\"get\" action=\"/admin/records\" class=\"card\">\
                 <label for=\"type\">Record type</label><select id=\"type\" name=\"type\">{opts}</select>\
                 <label for=\"q\">Filter (<span class=\"mono\">q</span>, as the REST API takes it)</label>\
                 <input type=\"text\" id=\"q\" name=\"q\" value=\"{qv}\" placeholder='companyName START_WITH \"Acme\" AND dateCreated AFTER \"1/1/2025\"'>\
                 <div class=\"actions\"><button type=\"submit\">Show</button></div></form>",
                opts = type_options(emu.model(), &record_type),
                qv = escape(&q),
            );
            let (from, sql_params) = match read::collection_source(def, &record_type, filter) {
                Ok(s) => s,
                Err(detail) => {
                    let body = format!(
                        "<h1>Records</h1>{form}<div class=\"error\">Invalid search query: {}</div>",
                        escape(&detail)
                    );
                    return Ok(page("/admin/records", "Records", &body));
                }
            };
            let base = "";
            let (ids, total, rows) = emu.store().with(|conn| {
                let total = read::count(conn, &from, &sql_params)?;
                let ids = read::page_ids(conn, &from, &sql_params, PAGE, offset)?;
                let mut rows = Vec::with_capacity(ids.len());
                for &id in &ids {
                    let fields = match def {
                        Some(def) => {
                            let options = read::ReadOptions {
                                fields: Some(key_fields(def).iter().map(|s| (*s).to_owned()).collect()),
                                expand: false,
                            };
                            read::load(conn, emu.model(), def, id, base, &options)?.unwrap_or_default()
                        }
                        None => document::find(conn, &record_type, &RecordKey::Internal(id))?
                            .and_then(|(_, body)| serde_json::from_str::<BTreeMap<String, Value>>(&body).ok())
                            .unwrap_or_default(),
                    };
                    rows.push(fields);
                }
                Ok((ids, total, rows))
            })?;
            let columns: Vec<String> = match def {
                Some(def) => key_fields(def).iter().map(|s| (*s).to_owned()).collect(),
                None => {
                    let mut c: Vec<String> = rows.iter().flat_map(|r| r.keys().cloned()).collect();
                    c.sort();
                    c.dedup();
                    c.retain(|k| k != "id" && k != "links");
                    c.truncate(5);
                    c
                }
            };
            let head: String = columns.iter().map(|c| format!("<th>{}</th>", escape(c))).collect();
            let body_rows: String = ids
                .iter()
                .zip(&rows)
                .map(|(id, r)| {
                    let cells: String = columns.iter().map(|c| format!("<td>{}</td>", cell(r.get(c)))).collect();
                    format!(
                        "<tr><td class=\"nowrap\"><a href=\"/admin/records/{record_type}/{id}\">{id}</a></td>{cells}</tr>"
                    )
                })
                .collect();
            let link = |o: u64| {
                format!(
                    "/admin/records?type={}&q={}&offset={o}",
                    enc(&record_type),
                    enc(&q)
                )
            };
            let mut pager = String::new();
            if offset > 0 {
                pager.push_str(&format!("<a href=\"{}\">← previous</a> ", escape(&link(offset.saturating_sub(PAGE)))));
            }
            if offset + (ids.len() as u64) < total {
                pager.push_str(&format!("<a href=\"{}\">next →</a>", escape(&link(offset + PAGE))));
            }
            let shown = if ids.is_empty() {
                "none".to_owned()
            } else {
                format!("{}–{}", offset + 1, offset + ids.len() as u64)
            };
            let storage = if def.is_some() {
                "a SQL table shared with SuiteQL"
            } else {
                "JSON documents"
            };
            let body = format!(
                "<h1>Records</h1>{form}<div class=\"card\"><h2>{label}: {shown} of {total}</h2>\
                 <p class=\"muted\">Stored as {storage}. REST: <span class=\"mono\">GET /services/rest/record/v1/{record_type}</span></p>\
                 <table><tr><th>ID</th>{head}</tr>{body_rows}</table><p>{pager}</p></div>",
                label = escape(def.map_or(record_type.as_str(), |d| d.label)),
            );
            Ok(page("/admin/records", "Records", &body))
        })
        .await;
    out.unwrap_or_else(|e| failed(&e))
}

/// `GET /admin/records/{type}/{id}`.
async fn one_record(
    State(emu): State<DataPlane>,
    Path((type_name, id)): Path<(String, String)>,
) -> Response {
    let out = emu
        .run_blocking(move |emu| {
            let not_found = |what: &str| {
                page(
                    "/admin/records",
                    "Record",
                    &format!(
                        "<div class=\"card\"><h1>Not found</h1><div class=\"error\">{}</div><p><a href=\"/admin/records\">Back to the records</a></p></div>",
                        escape(what)
                    ),
                )
            };
            let Some(record_type) = types::canonical_type(emu.model(), &type_name) else {
                return Ok(not_found(&format!("Record type '{type_name}' does not exist.")));
            };
            let Some(key) = types::parse_key(&id) else {
                return Ok(not_found(&format!("'{id}' is not a record id.")));
            };
            let def = emu.model().record_type(&record_type);
            let loaded = emu.store().with(|conn| {
                Ok(match def {
                    Some(def) => match read::find_id(conn, def, &key)? {
                        Some(id) => read::load(
                            conn,
                            emu.model(),
                            def,
                            id,
                            "",
                            &read::ReadOptions {
                                fields: None,
                                expand: true,
                            },
                        )?,
                        None => None,
                    },
                    None => document::find(conn, &record_type, &key)?.and_then(|(id, body)| {
                        let mut m: BTreeMap<String, Value> = serde_json::from_str(&body).ok()?;
                        m.insert("id".into(), Value::String(id.to_string()));
                        Some(m)
                    }),
                })
            })?;
            let Some(fields) = loaded else {
                return Ok(not_found("The record instance does not exist."));
            };
            let rid = fields.get("id").and_then(Value::as_str).unwrap_or_default().to_owned();
            let mut rows = String::new();
            let mut sublists = String::new();
            for (k, v) in &fields {
                if k == "links" {
                    continue;
                }
                if let Some(items) = v.get("items").and_then(Value::as_array) {
                    let cols: Vec<String> = items
                        .first()
                        .and_then(Value::as_object)
                        .map(|o| o.keys().filter(|k| *k != "links").cloned().collect())
                        .unwrap_or_default();
                    let head: String = cols.iter().map(|c| format!("<th>{}</th>", escape(c))).collect();
                    let lines: String = items
                        .iter()
                        .map(|line| {
                            let cells: String = cols.iter().map(|c| format!("<td>{}</td>", cell(line.get(c)))).collect();
                            format!("<tr>{cells}</tr>")
                        })
                        .collect();
                    sublists.push_str(&format!(
                        "<div class=\"card\"><h2>Sublist <span class=\"mono\">{}</span></h2><table><tr>{head}</tr>{lines}</table></div>",
                        escape(k)
                    ));
                    continue;
                }
                rows.push_str(&format!("<tr><th>{}</th><td>{}</td></tr>", escape(k), cell(Some(v))));
            }
            let label = def.map_or(record_type.as_str(), |d| d.label);
            let body = format!(
                "<h1>{label} {rid}</h1><div class=\"card\"><p class=\"muted\">REST: <span class=\"mono\">GET /services/rest/record/v1/{record_type}/{rid}</span></p>\
                 <table>{rows}</table></div>{sublists}<p><a href=\"/admin/records?type={record_type}\">All {label} records</a></p>",
                label = escape(label),
                rid = escape(&rid),
            );
            Ok(page("/admin/records", label, &body))
        })
        .await;
    out.unwrap_or_else(|e| failed(&e))
}

/// `GET /admin/suiteql?q=`: runs a SuiteQL query, first 50 rows.
async fn suiteql(State(emu): State<DataPlane>, RawQuery(query): RawQuery) -> Response {
    let params = Params::parse(query.as_deref());
    let q = params.get("q").unwrap_or_default().to_owned();
    let (stop, _watch) = crate::data::suiteql::Watch::start(emu.suiteql_time_limit());
    let out = emu
        .run_blocking(move |emu| {
            let example = "SELECT t.tranid, t.trandate, BUILTIN.DF(t.entity) AS customer, t.foreigntotal\nFROM transaction t\nWHERE t.type = 'SalesOrd' AND t.status = 'B'\nORDER BY t.id";
            let shown = if q.trim().is_empty() { example } else { q.as_str() };
            let form = format!(
                "<form method=\"get\" action=\"/admin/suiteql\" class=\"card\"><label for=\"q\">SuiteQL</label>\
                 <textarea id=\"q\" name=\"q\" rows=\"6\" style=\"width:100%;font:13px ui-monospace,monospace;padding:8px\">{}</textarea>\
                 <div class=\"actions\"><button type=\"submit\">Run</button></div></form>",
                escape(shown)
            );
            let mut rows: Vec<Vec<String>> = Vec::new();
            // The console has no user: the account's date format.
            let dates = emu.date_formats().of(None);
            let run = crate::data::suiteql::run_page(emu, shown, PAGE, 0, false, &stop, Some(dates), |_, r, cells| {
                let mut line = Vec::new();
                for i in 0..r.as_ref().column_count() {
                    line.push(cells.text(i, r.get_ref(i)?).unwrap_or_default());
                }
                rows.push(line);
                Ok(())
            })?;
            let result = match run {
                Err(e) => format!("<div class=\"error\">{}</div>", escape(&e)),
                Ok(t) => {
                    let head: String = t.columns.iter().map(|c| format!("<th>{}</th>", escape(c))).collect();
                    let body: String = rows
                        .iter()
                        .map(|r| {
                            let cells: String = r.iter().map(|v| format!("<td>{}</td>", escape(v))).collect();
                            format!("<tr>{cells}</tr>")
                        })
                        .collect();
                    format!(
                        "<div class=\"card\"><h2>{} rows (at most {PAGE} shown)</h2><table><tr>{head}</tr>{body}</table>\
                         <p class=\"muted\">SQLite: <span class=\"mono\">{}</span></p></div>",
                        rows.len(),
                        escape(&t.sql)
                    )
                }
            };
            Ok(page("/admin/suiteql", "SuiteQL", &format!("<h1>SuiteQL</h1>{form}{result}")))
        })
        .await;
    out.unwrap_or_else(|e| failed(&e))
}

fn number_input(name: &str, label: &str, value: impl std::fmt::Display, step: &str) -> String {
    format!(
        "<div><label for=\"{name}\">{label}</label><input type=\"number\" id=\"{name}\" name=\"{name}\" value=\"{value}\" step=\"{step}\" min=\"0\" \
         style=\"width:100%;padding:8px 10px;border:1px solid #b8c3d0;border-radius:4px;font:inherit\"></div>"
    )
}

/// `GET /admin/governance`.
async fn governance(State(emu): State<DataPlane>, RawQuery(query): RawQuery) -> Response {
    let params = Params::parse(query.as_deref());
    let g = emu.governance();
    let f = emu.faults();
    let stat = |n: String, label: &str| format!("<div class=\"stat\"><b>{n}</b>{label}</div>");
    let notice = match params.get("error") {
        Some(e) => format!("<div class=\"error\">{}</div>", escape(e)),
        None if params.get("saved").is_some() => {
            "<div class=\"note\">Saved. It applies to the next request.</div>".into()
        }
        None => String::new(),
    };
    let body = format!(
        "<h1>Governance and faults</h1>{notice}\
         <div class=\"grid\">{s1}{s2}{s3}{s4}{s5}{s6}{s7}{s8}</div>\
         <form method=\"post\" action=\"/admin/governance\" class=\"card\" style=\"margin-top:20px\">\
         <h2>Account concurrency</h2><p class=\"muted\">Shared by REST, SuiteQL and RESTlets. Over the limit REST answers 429 \
         <span class=\"mono\">CONCURRENCY_LIMIT_EXCEEDED</span> and RESTlets 400 <span class=\"mono\">SSS_REQUEST_LIMIT_EXCEEDED</span>.</p>\
         <div class=\"grid\">{limit}{retry}</div>\
         <div class=\"actions\"><button type=\"submit\">Save</button></div></form>\
         <form method=\"post\" action=\"/admin/governance/reset\" class=\"inline\"><button class=\"secondary\" type=\"submit\">Reset the counters</button></form>\
         <form method=\"post\" action=\"/admin/faults\" class=\"card\" style=\"margin-top:20px\">\
         <h2>Fault injection</h2><p class=\"muted\">On REST, SuiteQL and RESTlet requests (not the token endpoint, except its own latency). \
         Shares are fractions of requests (0.2 = 20%); the same seed gives the same faults in the same order.</p>\
         <div class=\"grid\">{lat}{jit}{s429}{s5xx}{sdrop}{seed}{slow}</div>\
         <div class=\"actions\"><button type=\"submit\">Save faults</button></div></form>\
         <div class=\"card\"><h2>JSON API</h2><p class=\"mono\">GET/PUT /admin/api/governance<br>GET/PUT /admin/api/faults<br>GET /services/rest/system/v1/governanceLimits (bearer)</p></div>",
        s1 = stat(g.concurrency_limit.to_string(), "concurrency limit"),
        s2 = stat(g.in_flight.to_string(), "in flight now"),
        s3 = stat(g.peak_in_flight.to_string(), "peak in flight"),
        s4 = stat(g.admitted.to_string(), "requests admitted"),
        s5 = stat(g.rejected.to_string(), "refused over the limit"),
        s6 = stat(g.injected_429.to_string(), "injected 429s"),
        s7 = stat(g.injected_5xx.to_string(), "injected 5xx"),
        s8 = stat(g.dropped.to_string(), "dropped connections"),
        limit = number_input(
            "concurrency_limit",
            "Concurrency limit",
            g.concurrency_limit,
            "1"
        ),
        retry = number_input(
            "retry_after_secs",
            "Retry-After on 429s (s)",
            g.retry_after_secs
                .map(|s| s.to_string())
                .unwrap_or_default(),
            "1"
        ),
        lat = number_input("latency_ms", "Added latency (ms)", f.latency_ms, "1"),
        jit = number_input(
            "latency_jitter_ms",
            "Latency jitter ± (ms)",
            f.latency_jitter_ms,
            "1"
        ),
        s429 = number_input("share_429", "Share of 429s", f.share_429, "0.01"),
        s5xx = number_input("share_5xx", "Share of 5xx", f.share_5xx, "0.01"),
        sdrop = number_input(
            "share_drop",
            "Share of dropped connections",
            f.share_drop,
            "0.01"
        ),
        seed = number_input("seed", "Seed", f.seed, "1"),
        slow = number_input(
            "slow_token_ms",
            "Token endpoint latency (ms)",
            f.slow_token_ms,
            "1"
        ),
    );
    page("/admin/governance", "Governance and faults", &body)
}

fn form_fields(body: &Bytes) -> BTreeMap<String, String> {
    url::form_urlencoded::parse(body)
        .map(|(k, v)| (k.into_owned(), v.trim().to_owned()))
        .collect()
}

fn back_with_error(e: &str) -> Response {
    see_other(&format!("/admin/governance?error={}", enc(e)))
}

/// `POST /admin/governance`: concurrency limit and Retry-After.
async fn set_governance(State(emu): State<DataPlane>, body: Bytes) -> Response {
    let form = form_fields(&body);
    if let Some(limit) = form.get("concurrency_limit") {
        let Ok(n) = limit.parse::<u32>() else {
            return back_with_error(&format!("'{limit}' is not a concurrency limit"));
        };
        if let Err(e) = emu.set_concurrency_limit(n) {
            return back_with_error(&e.to_string());
        }
    }
    match form.get("retry_after_secs").map(String::as_str) {
        None => {}
        Some(s) => {
            let secs = match s {
                "" => None,
                s => match s.parse::<u64>() {
                    Ok(n) => Some(n),
                    Err(_) => return back_with_error(&format!("'{s}' is not a number of seconds")),
                },
            };
            if let Err(e) = emu.set_retry_after(secs) {
                return back_with_error(&e.to_string());
            }
        }
    }
    see_other("/admin/governance?saved=1")
}

/// `POST /admin/governance/reset`.
async fn reset_counters(State(emu): State<DataPlane>) -> Response {
    emu.reset_governance_counters();
    see_other("/admin/governance?saved=1")
}

/// `POST /admin/faults`.
async fn set_faults(State(emu): State<DataPlane>, body: Bytes) -> Response {
    let form = form_fields(&body);
    let int = |name: &str| -> Result<u64, String> {
        match form.get(name).map(String::as_str) {
            None | Some("") => Ok(0),
            Some(s) => s
                .parse()
                .map_err(|_| format!("{name}: '{s}' is not a whole number")),
        }
    };
    let share = |name: &str| -> Result<f64, String> {
        match form.get(name).map(String::as_str) {
            None | Some("") => Ok(0.0),
            Some(s) => s
                .parse()
                .map_err(|_| format!("{name}: '{s}' is not a number")),
        }
    };
    let faults = (|| -> Result<Faults, String> {
        Ok(Faults {
            latency_ms: int("latency_ms")?,
            latency_jitter_ms: int("latency_jitter_ms")?,
            share_429: share("share_429")?,
            share_5xx: share("share_5xx")?,
            share_drop: share("share_drop")?,
            seed: int("seed")?,
            slow_token_ms: int("slow_token_ms")?,
        })
    })();
    match faults.map(|f| emu.set_faults(f).map_err(|e| e.to_string())) {
        Ok(Ok(())) => see_other("/admin/governance?saved=1"),
        Ok(Err(e)) | Err(e) => back_with_error(&e),
    }
}
