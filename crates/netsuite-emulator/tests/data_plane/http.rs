//! Requests with any method, headers and body, through the router in-process.

use axum::body::Body;
use axum::http::{Request, header};
use netsuite_auth::cert::KeyType;
use serde_json::Value;

use crate::support::*;

pub const RECORD: &str = "/services/rest/record/v1";
pub const SUITEQL: &str = "/services/rest/query/v1/suiteql";
pub const RESTLET: &str = "/app/site/hosting/restlet.nl";
pub const COLLECTION: &str = "application/vnd.oracle.resource+json; type=collection";
pub const SINGULAR: &str = "application/vnd.oracle.resource+json; type=singular";

/// A fixture and a token with both scopes.
pub async fn setup() -> (Fixture, String) {
    let f = Fixture::new(KeyType::EcP256);
    let token = f.token().await;
    (f, token)
}

pub async fn call(
    f: &Fixture,
    method: &str,
    path: &str,
    token: Option<&str>,
    headers: &[(&str, &str)],
    body: Option<&str>,
) -> Reply {
    let mut req = Request::builder()
        .method(method)
        .uri(path)
        .header(header::HOST, HOST);
    if let Some(t) = token {
        req = req.header(header::AUTHORIZATION, format!("Bearer {t}"));
    }
    let has_ct = headers
        .iter()
        .any(|(k, _)| k.eq_ignore_ascii_case("content-type"));
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    if body.is_some() && !has_ct {
        req = req.header(header::CONTENT_TYPE, "application/json");
    }
    let body = body.map_or_else(Body::empty, |b| Body::from(b.to_owned()));
    send(&f.app, req.body(body).unwrap()).await
}

pub async fn get(f: &Fixture, token: &str, path: &str) -> Reply {
    call(f, "GET", path, Some(token), &[], None).await
}

pub async fn post(f: &Fixture, token: &str, path: &str, body: &str) -> Reply {
    call(f, "POST", path, Some(token), &[], Some(body)).await
}

pub async fn patch(f: &Fixture, token: &str, path: &str, body: &str) -> Reply {
    call(f, "PATCH", path, Some(token), &[], Some(body)).await
}

pub async fn put(f: &Fixture, token: &str, path: &str, body: &str) -> Reply {
    call(f, "PUT", path, Some(token), &[], Some(body)).await
}

pub async fn delete(f: &Fixture, token: &str, path: &str) -> Reply {
    call(f, "DELETE", path, Some(token), &[], None).await
}

/// The first error detail of a NetSuite error body.
pub fn detail(r: &Reply) -> &Value {
    &r.json["o:errorDetails"][0]
}

pub fn location(r: &Reply) -> &str {
    r.headers
        .get(header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

/// The internal id at the end of a `Location`.
pub fn new_id(r: &Reply) -> String {
    location(r).rsplit('/').next().unwrap().to_owned()
}

/// `ids` of a collection body.
pub fn ids(r: &Reply) -> Vec<String> {
    r.json["items"]
        .as_array()
        .unwrap_or_else(|| panic!("no items: {}", r.body))
        .iter()
        .map(|i| i["id"].as_str().unwrap().to_owned())
        .collect()
}

/// `(rel, href)` of the `links` of a body.
pub fn links(r: &Reply) -> Vec<(String, String)> {
    r.json["links"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["rel"].as_str().unwrap().to_owned(),
                l["href"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

pub fn enc(q: &str) -> String {
    url::form_urlencoded::byte_serialize(q.as_bytes()).collect()
}
