//! SuiteQL over REST: `POST /services/rest/query/v1/suiteql?limit=&offset=` with
//! `{"q": "..."}` (written by serde, so the query is a JSON string value whatever it
//! contains) and `Prefer: transient`.
//!
//! NetSuite returns rows as objects of lower-cased column names with string values,
//! leaving NULL columns out. [`Row`] keeps the columns in the order they came. A
//! SuiteQL POST only reads, so it is retried like a GET.

use std::fmt;

use futures_util::stream::BoxStream;
use reqwest::Method;
use reqwest::header::{HeaderName, HeaderValue};
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::record::{Page, check_paging};
use crate::{ApiRequest, Client, Error};

/// One result row: columns in the order NetSuite sent them (`links` left out).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Row(pub Vec<(String, Value)>);

impl Row {
    /// The value of `column` (lower case, as NetSuite returns names).
    pub fn get(&self, column: &str) -> Option<&Value> {
        self.0.iter().find(|(k, _)| k == column).map(|(_, v)| v)
    }

    /// The value of `column` as text: a string as it is, a number or boolean printed.
    pub fn text(&self, column: &str) -> Option<String> {
        self.get(column).map(value_text)
    }

    /// The columns, in order.
    pub fn columns(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(|(k, _)| k.as_str())
    }

    /// As a JSON object.
    pub fn to_json(&self) -> Value {
        Value::Object(self.0.iter().cloned().collect())
    }
}

/// A value as text: strings as they are, `null` empty, others as JSON.
pub fn value_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

impl Serialize for Row {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}

impl<'de> Deserialize<'de> for Row {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Row;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a SuiteQL row object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Row, A::Error> {
                let mut cols = Vec::with_capacity(map.size_hint().unwrap_or(8));
                while let Some(k) = map.next_key::<String>()? {
                    if k == "links" {
                        map.next_value::<de::IgnoredAny>()?;
                        continue;
                    }
                    cols.push((k, map.next_value::<Value>()?));
                }
                Ok(Row(cols))
            }
        }
        d.deserialize_map(V)
    }
}

/// The envelope of a SuiteQL page.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawPage {
    #[serde(default)]
    items: Items,
    #[serde(default)]
    has_more: Option<bool>,
    #[serde(default)]
    offset: u64,
    #[serde(default)]
    total_results: Option<u64>,
}

#[derive(Debug, Default)]
struct Items(Vec<Row>);

impl<'de> Deserialize<'de> for Items {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Items;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an array of rows")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Items, A::Error> {
                let mut v = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(1000));
                while let Some(r) = seq.next_element::<Row>()? {
                    v.push(r);
                }
                Ok(Items(v))
            }
        }
        d.deserialize_seq(V)
    }
}

/// Parses a SuiteQL page body.
pub fn parse_page(body: &[u8]) -> Result<Page<Row>, String> {
    let raw: RawPage = serde_json::from_slice(body).map_err(|e| e.to_string())?;
    let n = raw.items.0.len() as u64;
    Ok(Page {
        has_more: raw.has_more.unwrap_or(false),
        total_results: raw.total_results.unwrap_or(raw.offset + n),
        offset: raw.offset,
        items: raw.items.0,
    })
}

/// Options for [`Client::suiteql`].
#[derive(Clone, Debug, Default)]
pub struct QueryOptions {
    /// At most this many rows (`None`: all NetSuite pages through by offset, up to
    /// 100,000; [`Client::export`] gets any number).
    pub limit: Option<u64>,
}

impl Client {
    /// One page of a query: `limit` 1 to 1000, `offset` a multiple of `limit`.
    pub async fn suiteql_page(
        &self,
        query: &str,
        limit: u64,
        offset: u64,
    ) -> Result<Page<Row>, Error> {
        check_paging(limit, offset)?;
        let mut url = self.endpoints().suiteql_url();
        url.query_pairs_mut()
            .append_pair("limit", &limit.to_string())
            .append_pair("offset", &offset.to_string());
        let s = url.to_string();
        let req = ApiRequest::new(Method::POST, url)
            .json(&serde_json::json!({ "q": query }))?
            .header(
                HeaderName::from_static("prefer"),
                HeaderValue::from_static("transient"),
            )
            .idempotent(true);
        let resp = self.send(req).await?.into_success(&s)?;
        parse_page(&resp.body).map_err(|reason| {
            let html = resp
                .content_type
                .as_deref()
                .is_some_and(|c| c.contains("html"));
            Error::UnexpectedResponse {
                url: s,
                status: resp.status,
                reason: if html {
                    "an HTML page came back where JSON was expected".into()
                } else {
                    format!("the SuiteQL page is not NetSuite's JSON ({reason})")
                },
                snippet: netsuite_auth::token::body_snippet(&resp.body),
            }
        })
    }

    /// The rows of a query, page after page (sequential offset paging, as NetSuite
    /// pages: up to 100,000 rows; past that the stream ends with an error, and
    /// [`Client::export`] is the way). Use an `ORDER BY` on a unique column so that
    /// pages neither overlap nor skip rows.
    pub fn suiteql(
        &self,
        query: &str,
        options: &QueryOptions,
    ) -> BoxStream<'static, Result<Row, Error>> {
        let client = self.clone();
        let query = query.to_owned();
        crate::record::paged(
            options.limit,
            move |limit, offset| {
                let client = client.clone();
                let query = query.clone();
                async move { client.suiteql_page(&query, limit, offset).await }
            },
            "export it with keyset paging (`netsuite suiteql --all`, `Client::export`)",
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_keep_order_and_drop_links() {
        let p = parse_page(
            br#"{"links":[],"count":1,"hasMore":true,"items":[{"links":[],"zeta":"1","alpha":"x","id":"7"}],"offset":0,"totalResults":5}"#,
        )
        .unwrap();
        assert!(p.has_more);
        assert_eq!(p.total_results, 5);
        let r = &p.items[0];
        assert_eq!(r.columns().collect::<Vec<_>>(), ["zeta", "alpha", "id"]);
        assert_eq!(r.text("id").as_deref(), Some("7"));
        assert_eq!(
            serde_json::to_string(r).unwrap(),
            r#"{"zeta":"1","alpha":"x","id":"7"}"#
        );
        assert!(parse_page(b"<html>").is_err());
    }
}
