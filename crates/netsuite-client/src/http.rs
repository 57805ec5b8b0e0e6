//! Sending `http::Request`s built by the sans-IO core through reqwest, and reading
//! NetSuite's JSON and error bodies.

use std::time::Duration;

use netsuite_auth::token::body_snippet;
use serde_json::Value;

use crate::error::{ApiError, Error};

/// A response reduced to what the parsers need.
#[derive(Debug)]
pub struct Response {
    /// HTTP status.
    pub status: u16,
    /// `Content-Type`.
    pub content_type: Option<String>,
    /// `WWW-Authenticate`.
    pub www_authenticate: Option<String>,
    /// `Location`.
    pub location: Option<String>,
    /// The body.
    pub body: Vec<u8>,
}

/// A reqwest client with the settings this crate relies on: no redirects (a token
/// must not follow one), connect and overall timeouts, and a user agent.
pub fn http_client() -> Result<reqwest::Client, Error> {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(Duration::from_secs(10))
        .timeout(Duration::from_secs(120))
        .user_agent(concat!("netsuite-rs/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| Error::Connect {
            url: String::new(),
            source: e,
        })
}

fn header(resp: &reqwest::Response, name: reqwest::header::HeaderName) -> Option<String> {
    resp.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// Sends `request` and reads the whole response.
pub async fn send(
    http: &reqwest::Client,
    request: http::Request<Vec<u8>>,
) -> Result<Response, Error> {
    let url = request.uri().to_string();
    let req = reqwest::Request::try_from(request).map_err(|e| Error::Connect {
        url: url.clone(),
        source: e,
    })?;
    execute(http, req).await
}

/// Executes a reqwest request and reads the whole response.
pub async fn execute(http: &reqwest::Client, req: reqwest::Request) -> Result<Response, Error> {
    let url = req.url().to_string();
    let resp = http.execute(req).await.map_err(|e| Error::Connect {
        url: url.clone(),
        source: e,
    })?;
    let status = resp.status().as_u16();
    let content_type = header(&resp, reqwest::header::CONTENT_TYPE);
    let www_authenticate = header(&resp, reqwest::header::WWW_AUTHENTICATE);
    let location = header(&resp, reqwest::header::LOCATION);
    let body = resp
        .bytes()
        .await
        .map_err(|e| Error::Connect {
            url: url.clone(),
            source: e,
        })?
        .to_vec();
    Ok(Response {
        status,
        content_type,
        www_authenticate,
        location,
        body,
    })
}

impl Response {
    /// The body as JSON on 2xx; NetSuite's error shape as [`Error::Api`]; anything
    /// else (an HTML page, a non-JSON body) as [`Error::UnexpectedResponse`].
    pub fn json(self, url: &str) -> Result<Value, Error> {
        let parsed: Result<Value, _> = serde_json::from_slice(&self.body);
        let unexpected = |reason: &str| Error::UnexpectedResponse {
            url: url.to_owned(),
            status: self.status,
            reason: reason.to_owned(),
            snippet: body_snippet(&self.body),
        };
        match parsed {
            Ok(v) if (200..300).contains(&self.status) => Ok(v),
            Ok(v) => match serde_json::from_value::<ApiError>(v) {
                Ok(mut e) if !e.details.is_empty() || !e.title.is_empty() => {
                    e.status = self.status;
                    Err(Error::Api {
                        url: url.to_owned(),
                        error: e,
                    })
                }
                _ => Err(unexpected("an error status without NetSuite's error body")),
            },
            Err(_) => {
                let html = self
                    .content_type
                    .as_deref()
                    .is_some_and(|c| c.contains("html"))
                    || body_snippet(&self.body).trim_start().starts_with('<');
                if html {
                    Err(unexpected("an HTML page came back where JSON was expected"))
                } else if self.body.is_empty() {
                    Err(unexpected("the body is empty"))
                } else {
                    Err(unexpected("the body is not JSON"))
                }
            }
        }
    }
}
