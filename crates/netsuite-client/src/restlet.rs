//! RESTlets: `/app/site/hosting/restlet.nl?script=X&deploy=Y` on the account's
//! RESTlets host, any method, a JSON or text body.
//!
//! A RESTlet refused by governance answers 400 `SSS_REQUEST_LIMIT_EXCEEDED`; that is
//! retried with backoff like a REST 429. GET, PUT and DELETE are retried after 5xx
//! answers and broken connections; POST is not (a script's POST may not be safe to
//! repeat) unless [`RestletCall::idempotent`] says so.

use reqwest::Method;
use serde_json::Value;

use crate::{ApiRequest, Client, Error};

/// The body of a RESTlet call.
#[derive(Clone, Debug, PartialEq)]
pub enum RestletBody {
    /// `application/json`.
    Json(Value),
    /// `text/plain`.
    Text(String),
}

/// A RESTlet call.
#[derive(Clone, Debug)]
pub struct RestletCall {
    /// The script id (`customscript_x` or a number).
    pub script: String,
    /// The deployment id.
    pub deploy: String,
    /// The method.
    pub method: Method,
    /// Other query parameters, passed to the script.
    pub params: Vec<(String, String)>,
    /// The body.
    pub body: Option<RestletBody>,
    /// Safe to repeat after an ambiguous failure (default: GET, PUT, DELETE).
    pub idempotent: Option<bool>,
}

impl RestletCall {
    /// A GET of `script`/`deploy`.
    pub fn new(script: &str, deploy: &str) -> Self {
        Self {
            script: script.to_owned(),
            deploy: deploy.to_owned(),
            method: Method::GET,
            params: Vec::new(),
            body: None,
            idempotent: None,
        }
    }
}

/// A RESTlet's answer.
#[derive(Clone, Debug, PartialEq)]
pub enum RestletResponse {
    /// A JSON body.
    Json(Value),
    /// Any other body, as text.
    Text(String),
}

impl Client {
    /// Calls a RESTlet. A 2xx answer is returned as JSON when it parses as JSON,
    /// otherwise as text; an error answer is [`Error::Api`] (SuiteScript's
    /// `{"error": {"code", "message"}}` is kept as an [`crate::ApiError`]).
    pub async fn call_restlet(&self, call: &RestletCall) -> Result<RestletResponse, Error> {
        let mut url = self.endpoints().restlet_url(&call.script, &call.deploy);
        {
            let mut q = url.query_pairs_mut();
            for (k, v) in &call.params {
                q.append_pair(k, v);
            }
        }
        let s = url.to_string();
        let mut req = ApiRequest::new(call.method.clone(), url);
        if let Some(i) = call.idempotent {
            req = req.idempotent(i);
        }
        req = match &call.body {
            Some(RestletBody::Json(v)) => req.json(v)?,
            Some(RestletBody::Text(t)) => req.body(t.clone().into_bytes(), "text/plain"),
            // NetSuite requires a Content-Type on every RESTlet call.
            None => req.header(
                reqwest::header::CONTENT_TYPE,
                reqwest::header::HeaderValue::from_static("application/json"),
            ),
        };
        let method = call.method.clone();
        let resp = self.send(req).await?;
        let repeatable = call
            .idempotent
            .unwrap_or(matches!(method, Method::GET | Method::PUT | Method::DELETE));
        if resp.status >= 500 && !repeatable {
            return Err(Error::Ambiguous {
                method: method.to_string(),
                url: s,
                reason: format!("the RESTlet answered HTTP {}", resp.status),
                source: None,
            });
        }
        let resp = resp.into_success(&s)?;
        let json_type = resp
            .content_type
            .as_deref()
            .is_some_and(|c| c.contains("json"));
        if json_type && let Ok(v) = serde_json::from_slice::<Value>(&resp.body) {
            return Ok(RestletResponse::Json(v));
        }
        Ok(RestletResponse::Text(
            String::from_utf8_lossy(&resp.body).into_owned(),
        ))
    }
}
