//! `GET /services/rest/record/v1/metadata-catalog`: the record types, each with its
//! canonical and alternate (OpenAPI, JSON Schema) links; and
//! `/metadata-catalog/{type}`: a JSON Schema of a type's fields (or an OpenAPI 3.0
//! document when `Accept: application/swagger+json`).

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use netsuite_auth::account::RECORD_PATH;
use netsuite_suiteql::Model;
use netsuite_suiteql::model::{Kind, Target};
use serde_json::{Map, Value, json};

use super::types::canonical_type;
use crate::data::rest;
use crate::data::state::DataPlane;
use crate::error::RestError;

async fn authorized(emu: &DataPlane, headers: &HeaderMap) -> Result<(), Response> {
    let headers = headers.clone();
    match emu
        .run_blocking(move |emu| {
            Ok(emu
                .bearer()
                .authorize(&headers, rest::REST_SCOPE)
                .map(|_| ()))
        })
        .await
    {
        Ok(r) => r,
        Err(e) => Err(e.into_response()),
    }
}

/// Record type names, with the `select` filter (`?select=customer,salesorder`).
fn selected(model: &Model, uri: &Uri) -> Vec<&'static str> {
    let params = rest::Params::parse(uri.query());
    let wanted: Option<Vec<String>> = params.get("select").map(|s| {
        s.split(',')
            .map(|t| t.trim().to_ascii_lowercase())
            .collect()
    });
    model
        .known_types()
        .into_iter()
        .filter(|t| wanted.as_ref().is_none_or(|w| w.iter().any(|x| x == t)))
        .collect()
}

/// `GET /metadata-catalog`.
pub(crate) async fn catalog(
    State(emu): State<DataPlane>,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    if let Err(r) = authorized(&emu, &headers).await {
        return r;
    }
    let base = emu.link_base(&uri, &headers);
    let root = format!("{base}{RECORD_PATH}/metadata-catalog");
    let wants_openapi = accepts(&headers, "application/swagger+json");
    let types = selected(emu.model(), &uri);
    if wants_openapi {
        let mut paths = Map::new();
        let mut schemas = Map::new();
        for t in &types {
            paths.insert(format!("/{t}/{{id}}"), json!({"get": {"summary": format!("Get {t} record"), "responses": {"200": {"content": {"application/vnd.oracle.resource+json; type=singular": {"schema": {"$ref": format!("#/components/schemas/{t}")}}}}}}}));
            schemas.insert((*t).to_owned(), schema(emu.model(), t));
        }
        let doc = json!({
            "openapi": "3.0.1",
            "info": {"title": "NetSuite REST Record API (emulator)", "version": "v1"},
            "servers": [{"url": format!("{base}{RECORD_PATH}")}],
            "paths": paths,
            "components": {"schemas": schemas},
        });
        return rest::json_response(StatusCode::OK, "application/swagger+json", doc.to_string());
    }
    let items: Vec<Value> = types
        .iter()
        .map(|t| {
            let href = format!("{root}/{t}");
            json!({
                "name": t,
                "links": [
                    {"rel": "canonical", "href": href, "mediaType": "application/json"},
                    {"rel": "alternate", "href": href, "mediaType": "application/swagger+json"},
                    {"rel": "alternate", "href": href, "mediaType": "application/schema+json"},
                ],
            })
        })
        .collect();
    let body = json!({
        "links": [{"rel": "self", "href": root}],
        "items": items,
    });
    rest::json_response(StatusCode::OK, "application/json", body.to_string())
}

fn accepts(headers: &HeaderMap, media: &str) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.to_ascii_lowercase().contains(media))
}

/// A JSON Schema of a record type.
pub(crate) fn schema(model: &Model, record_type: &str) -> Value {
    let Some(def) = model.record_type(record_type) else {
        return json!({
            "type": "object",
            "title": record_type,
            "description": "Stored as a free-form JSON document by the emulator.",
            "properties": {"id": {"type": "string", "title": "Internal ID", "readOnly": true}, "externalId": {"type": "string", "title": "External ID"}},
            "additionalProperties": true,
        });
    };
    let mut props = Map::new();
    props.insert(
        "id".into(),
        json!({"type": "string", "title": "Internal ID", "readOnly": true}),
    );
    for f in &def.fields {
        props.insert(
            f.name.to_owned(),
            field_schema(f.kind, f.label, f.read_only),
        );
    }
    for s in &def.sublists {
        let mut line = Map::new();
        for f in &s.fields {
            line.insert(
                f.name.to_owned(),
                field_schema(f.kind, f.label, f.read_only),
            );
        }
        props.insert(
            s.name.to_owned(),
            json!({"type": "object", "title": s.name, "properties": {"items": {"type": "array", "items": {"type": "object", "properties": line}}}}),
        );
    }
    let mut required: Vec<&str> = def
        .fields
        .iter()
        .filter(|f| f.required)
        .map(|f| f.name)
        .collect();
    if def.table == "customer" {
        required.push("companyName");
    }
    json!({
        "type": "object",
        "title": def.label,
        "properties": props,
        "required": required,
    })
}

fn field_schema(kind: Kind, label: &str, read_only: bool) -> Value {
    let mut v = match kind {
        Kind::Text => json!({"type": "string"}),
        Kind::Integer => json!({"type": "integer", "format": "int64"}),
        Kind::Float => json!({"type": "number", "format": "double"}),
        Kind::Bool => json!({"type": "boolean"}),
        Kind::Date => json!({"type": "string", "format": "date"}),
        Kind::DateTime => json!({"type": "string", "format": "date-time"}),
        Kind::Ref(target) => {
            let to = match target {
                Target::Type(t) => t,
                Target::AnyItem => "item",
            };
            json!({"type": "object", "x-ns-reference": to, "properties": {"id": {"type": "string"}, "externalId": {"type": "string"}, "refName": {"type": "string", "readOnly": true}}})
        }
        Kind::Select(options) => {
            let ids: Vec<&str> = options.iter().map(|(id, _)| *id).collect();
            json!({"type": "object", "properties": {"id": {"type": "string", "enum": ids}, "refName": {"type": "string", "readOnly": true}}})
        }
    };
    if let Value::Object(m) = &mut v {
        m.insert("title".into(), Value::String(label.to_owned()));
        m.insert("nullable".into(), Value::Bool(true));
        if read_only {
            m.insert("readOnly".into(), Value::Bool(true));
        }
    }
    v
}

/// `GET /metadata-catalog/{type}`.
pub(crate) async fn record_type(
    State(emu): State<DataPlane>,
    uri: Uri,
    headers: HeaderMap,
    Path(name): Path<String>,
) -> Response {
    if let Err(r) = authorized(&emu, &headers).await {
        return r;
    }
    let Some(t) = canonical_type(emu.model(), &name) else {
        return RestError::new(
            StatusCode::NOT_FOUND,
            "NONEXISTENT_ID",
            format!(
                "Record type '{}' does not exist.",
                crate::error::truncate(&name, 200)
            ),
        )
        .into_response();
    };
    let schema = schema(emu.model(), &t);
    if accepts(&headers, "application/swagger+json") {
        let base = emu.link_base(&uri, &headers);
        let doc = json!({
            "openapi": "3.0.1",
            "info": {"title": format!("NetSuite REST Record API: {t} (emulator)"), "version": "v1"},
            "servers": [{"url": format!("{base}{RECORD_PATH}")}],
            "paths": {format!("/{t}/{{id}}"): {"get": {"responses": {"200": {"content": {"application/vnd.oracle.resource+json; type=singular": {"schema": {"$ref": format!("#/components/schemas/{t}")}}}}}}}},
            "components": {"schemas": {t.clone(): schema}},
        });
        return rest::json_response(StatusCode::OK, "application/swagger+json", doc.to_string());
    }
    rest::json_response(
        StatusCode::OK,
        "application/schema+json",
        schema.to_string(),
    )
}
