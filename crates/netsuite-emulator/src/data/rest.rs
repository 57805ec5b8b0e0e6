//! What the data-plane endpoints share: the scope each service needs, query parameters, NetSuite's paging rules and collection envelope, request
//! bodies read with a size limit, and JSON responses with NetSuite's media types.

use axum::body::{Body, Bytes};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::error::RestError;

/// Content type of a single record.
pub const SINGULAR_CONTENT_TYPE: &str = "application/vnd.oracle.resource+json; type=singular";
/// Content type of a collection (record lists, SuiteQL results, sublists, async tasks).
pub const COLLECTION_CONTENT_TYPE: &str = "application/vnd.oracle.resource+json; type=collection";

/// The scope the REST web services (records, SuiteQL, async jobs, system) need.
pub const REST_SCOPE: &str = "rest_webservices";
/// The scope RESTlets need.
pub const RESTLET_SCOPE: &str = "restlets";

/// Default and largest page size of collections and SuiteQL.
pub const MAX_LIMIT: u64 = 1000;
/// Results reachable by paging without SuiteAnalytics Connect.
pub const RESULT_CEILING: u64 = 100_000;

/// Largest request body the data plane reads (NetSuite allows 104 MB; the emulator
/// keeps less in memory).
pub const MAX_BODY: usize = 16 * 1024 * 1024;

/// Query parameters in order, decoded leniently (bad escapes stay as they are).
#[derive(Clone, Debug, Default)]
pub(crate) struct Params(pub Vec<(String, String)>);

impl Params {
    pub(crate) fn parse(query: Option<&str>) -> Self {
        Self(
            url::form_urlencoded::parse(query.unwrap_or_default().as_bytes())
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
        )
    }

    /// The first value of `name` (exact match).
    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The first value of `name`, ignoring case.
    pub(crate) fn get_ignore_case(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Whether a boolean parameter is set to `true`.
    pub(crate) fn flag(&self, name: &str) -> bool {
        self.get_ignore_case(name)
            .is_some_and(|v| v.eq_ignore_ascii_case("true") || v == "T")
    }
}

/// A page request: `limit` and `offset`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Paging {
    pub limit: u64,
    pub offset: u64,
}

/// 400 `INVALID_PARAMETER` about a query parameter.
pub(crate) fn invalid_parameter(param: &str, detail: impl Into<String>) -> RestError {
    RestError::new(StatusCode::BAD_REQUEST, "INVALID_PARAMETER", detail).with_query_param(param)
}

/// Reads `limit` (1 to 1000, default 1000) and `offset` (a multiple of `limit`, below
/// `ceiling`), as NetSuite checks them.
pub(crate) fn paging(params: &Params, ceiling: u64) -> Result<Paging, RestError> {
    let limit = match params.get("limit") {
        None => MAX_LIMIT,
        Some(v) => match v.trim().parse::<u64>() {
            Ok(n) if (1..=MAX_LIMIT).contains(&n) => n,
            _ => {
                return Err(invalid_parameter(
                    "limit",
                    format!(
                        "Invalid value '{}' for query parameter 'limit'. The value must be an integer between 1 and {MAX_LIMIT}.",
                        crate::error::truncate(v, 40)
                    ),
                ));
            }
        },
    };
    let offset = match params.get("offset") {
        None => 0,
        Some(v) => match v.trim().parse::<u64>() {
            Ok(n) => n,
            Err(_) => {
                return Err(invalid_parameter(
                    "offset",
                    format!(
                        "Invalid value '{}' for query parameter 'offset'. The value must be a non-negative integer.",
                        crate::error::truncate(v, 40)
                    ),
                ));
            }
        },
    };
    if offset % limit != 0 {
        return Err(invalid_parameter(
            "offset",
            format!(
                "Invalid value {offset} for query parameter 'offset'. The offset must be a multiple of the limit ({limit})."
            ),
        ));
    }
    if offset >= ceiling {
        return Err(invalid_parameter(
            "offset",
            format!(
                "Invalid value {offset} for query parameter 'offset'. No more than {ceiling} results can be paged through; narrow the query (for example by a key range)."
            ),
        ));
    }
    Ok(Paging { limit, offset })
}

/// The paging fields of a page: `hasMore` stops at the ceiling.
pub(crate) fn has_more(paging: Paging, count: u64, total: u64, ceiling: u64) -> bool {
    let end = paging.offset + count;
    end < total && end < ceiling && count == paging.limit
}

/// Envelope `links`: `first`/`prev` past the first page, `next`/`last` when there is
/// more, and `self`. `url` is the collection URL without paging parameters; `extra`
/// are the other query parameters to keep (such as `q`).
pub(crate) fn page_links(
    url: &str,
    extra: &[(&str, &str)],
    paging: Paging,
    total: u64,
    more: bool,
    ceiling: u64,
) -> Value {
    let href = |offset: u64| {
        let mut s = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in extra {
            s.append_pair(k, v);
        }
        s.append_pair("limit", &paging.limit.to_string());
        s.append_pair("offset", &offset.to_string());
        format!("{url}?{}", s.finish())
    };
    let reachable = total.min(ceiling);
    let last = if reachable == 0 {
        0
    } else {
        (reachable - 1) / paging.limit * paging.limit
    };
    let mut links = Vec::new();
    if paging.offset > 0 {
        links.push(json!({"rel": "first", "href": href(0)}));
        links
            .push(json!({"rel": "prev", "href": href(paging.offset.saturating_sub(paging.limit))}));
    }
    if more {
        links.push(json!({"rel": "next", "href": href(paging.offset + paging.limit)}));
        links.push(json!({"rel": "last", "href": href(last)}));
    }
    links.push(json!({"rel": "self", "href": href(paging.offset)}));
    Value::Array(links)
}

/// A JSON response with `content_type`.
pub(crate) fn json_response(
    status: StatusCode,
    content_type: &'static str,
    body: String,
) -> Response {
    let mut resp = (status, body).into_response();
    resp.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    resp
}

/// 204 No Content with `Location`.
pub(crate) fn no_content(location: &str) -> Response {
    let mut resp = StatusCode::NO_CONTENT.into_response();
    if let Ok(v) = HeaderValue::from_str(location) {
        resp.headers_mut().insert(header::LOCATION, v);
    }
    resp
}

/// Reads a request body up to [`MAX_BODY`]; a larger one is a 413 in NetSuite's shape,
/// one that did not arrive in time a 408.
pub(crate) async fn read_body(body: Body) -> Result<Bytes, Response> {
    axum::body::to_bytes(body, MAX_BODY).await.map_err(|e| {
        if let Some(limit) = crate::error::BodyTimeout::find(&e) {
            return RestError::new(
                StatusCode::REQUEST_TIMEOUT,
                "INVALID_REQUEST",
                format!(
                    "The request body did not arrive within {} s.",
                    limit.as_secs_f64()
                ),
            )
            .into_response();
        }
        RestError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "INVALID_REQUEST",
            format!(
                "The request body is too large or could not be read. The emulator accepts at most {} MB.",
                MAX_BODY / (1024 * 1024)
            ),
        )
        .into_response()
    })
}

/// Parses a JSON request body that must be an object: 400 `INVALID_REQUEST` otherwise.
pub(crate) fn json_object(body: &[u8]) -> Result<serde_json::Map<String, Value>, RestError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(RestError::new(
            StatusCode::BAD_REQUEST,
            "INVALID_REQUEST",
            "The request body is empty. Provide the record as a JSON object.",
        ));
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(RestError::new(
            StatusCode::BAD_REQUEST,
            "INVALID_REQUEST",
            "The request body must be a JSON object.",
        )),
        Err(e) => Err(RestError::new(
            StatusCode::BAD_REQUEST,
            "INVALID_REQUEST",
            format!(
                "The request could not be processed because the JSON content is malformed: {e}."
            ),
        )),
    }
}

/// A SuiteScript-shaped error (RESTlets): `{"error":{"code":"...","message":"..."}}`.
pub(crate) fn suitescript_error(status: StatusCode, code: &str, message: &str) -> Response {
    let body = json!({"error": {"code": code, "message": message}});
    let mut resp = (status, body.to_string()).into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(q: &str) -> Params {
        Params::parse(Some(q))
    }

    #[test]
    fn paging_rules() {
        assert_eq!(
            paging(&p(""), RESULT_CEILING).unwrap(),
            Paging {
                limit: 1000,
                offset: 0
            }
        );
        assert_eq!(
            paging(&p("limit=2&offset=4"), RESULT_CEILING).unwrap(),
            Paging {
                limit: 2,
                offset: 4
            }
        );
        for (q, param) in [
            ("limit=0", "limit"),
            ("limit=1001", "limit"),
            ("limit=x", "limit"),
            ("limit=-1", "limit"),
            ("offset=-1", "offset"),
            ("limit=2&offset=3", "offset"),
            ("offset=100000", "offset"),
        ] {
            let e = paging(&p(q), RESULT_CEILING).unwrap_err();
            assert_eq!(e.status, 400, "{q}");
            assert_eq!(e.details[0].error_code, "INVALID_PARAMETER");
            assert_eq!(
                e.details[0].error_query_param.as_deref(),
                Some(param),
                "{q}"
            );
        }
        assert!(paging(&p("limit=1000&offset=99000"), RESULT_CEILING).is_ok());
    }

    #[test]
    fn links_and_has_more() {
        let pg = Paging {
            limit: 2,
            offset: 2,
        };
        assert!(has_more(pg, 2, 5, RESULT_CEILING));
        assert!(!has_more(pg, 2, 4, RESULT_CEILING));
        let links = page_links("http://h/c", &[("q", "a b")], pg, 5, true, RESULT_CEILING);
        let rels: Vec<&str> = links
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l["rel"].as_str().unwrap())
            .collect();
        assert_eq!(rels, ["first", "prev", "next", "last", "self"]);
        assert_eq!(links[3]["href"], "http://h/c?q=a+b&limit=2&offset=4");
        assert_eq!(links[4]["href"], "http://h/c?q=a+b&limit=2&offset=2");
        let first = page_links(
            "http://h/c",
            &[],
            Paging {
                limit: 1000,
                offset: 0,
            },
            0,
            false,
            RESULT_CEILING,
        );
        assert_eq!(
            first,
            json!([{"rel": "self", "href": "http://h/c?limit=1000&offset=0"}])
        );
        // The ceiling caps hasMore and the last link.
        let pg = Paging {
            limit: 1000,
            offset: 99_000,
        };
        assert!(!has_more(pg, 1000, 1_000_000, RESULT_CEILING));
        let pg = Paging {
            limit: 1000,
            offset: 0,
        };
        let links = page_links("u", &[], pg, 1_000_000, true, RESULT_CEILING);
        assert_eq!(links[1]["href"], "u?limit=1000&offset=99000");
    }

    #[test]
    fn json_bodies() {
        assert!(json_object(br#"{"a":1}"#).is_ok());
        for bad in [&b""[..], b"  ", b"[1]", b"{", b"null", b"\xff"] {
            let e = json_object(bad).unwrap_err();
            assert_eq!(e.details[0].error_code, "INVALID_REQUEST");
        }
    }
}
