//! `netsuite api METHOD PATH [--data ...] [--header ...]`: any authenticated call.

use anyhow::Result;
use clap::Args;
use netsuite_client::ApiRequest;
use reqwest::Method;
use reqwest::header::{HeaderName, HeaderValue};

use crate::error::UserError;
use crate::output;

#[derive(Debug, Args)]
#[command(after_help = "Examples:
  netsuite api GET /services/rest/record/v1/customer/107
  netsuite api GET '/services/rest/record/v1/metadata-catalog?select=customer'
  netsuite api POST /services/rest/query/v1/suiteql --header 'Prefer: transient' --data '{\"q\":\"SELECT id FROM customer\"}'
  netsuite api GET '/app/site/hosting/restlet.nl?script=1&deploy=1'

The path is on the account's SuiteTalk host (/app/... paths on its RESTlets host); the
bearer token is added, a 401 renews it once, and governance refusals are retried. The
body is printed on stdout (JSON pretty-printed); an error status exits 1.")]
pub struct ApiArgs {
    /// HTTP method.
    pub method: String,
    /// Path and query, e.g. /services/rest/record/v1/customer/107.
    pub path: String,
    /// The body: JSON, @FILE, or - for stdin (sent as application/json unless a Content-Type header is given).
    #[arg(long, value_name = "JSON|@FILE|-")]
    pub data: Option<String>,
    /// Extra header, "Name: value" (repeatable).
    #[arg(long = "header", short = 'H', value_name = "NAME: VALUE")]
    pub headers: Vec<String>,
    /// Print the status line and headers on stderr.
    #[arg(long, short = 'i')]
    pub include: bool,
    /// Print the request (method, URL, headers with the token masked, body); send nothing.
    #[arg(long)]
    pub dry_run: bool,
}

pub async fn run(args: ApiArgs, profile: Option<&str>) -> Result<()> {
    let method = Method::from_bytes(args.method.to_ascii_uppercase().as_bytes()).map_err(|_| {
        UserError::usage(format!("{:?} is not an HTTP method", args.method))
            .hint("e.g. `netsuite api GET /services/rest/record/v1/customer/107`")
    })?;
    if args.path.contains("://") {
        return Err(UserError::usage("give a path, not a URL")
            .hint("the profile decides the host: `netsuite api GET /services/rest/record/v1/customer/107`")
            .into());
    }
    let client = super::record::client(profile)?;
    let url = if args.path.trim_start_matches('/').starts_with("app/") {
        let mut base = client.endpoints().restlet_url("x", "x");
        base.set_query(None);
        base.set_path("");
        let p = format!("/{}", args.path.trim_start_matches('/'));
        url::Url::parse(&format!("{}{}", base.as_str().trim_end_matches('/'), p))?
    } else {
        client.endpoints().suitetalk_url(&args.path)?
    };
    let suiteql = url.path().ends_with("/query/v1/suiteql");
    let mut req = ApiRequest::new(method.clone(), url.clone());
    if suiteql && method == Method::POST {
        req = req.idempotent(true);
    }
    let mut content_type = None;
    let mut shown = Vec::new();
    for h in &args.headers {
        let (k, v) = h.split_once(':').ok_or_else(|| {
            UserError::usage(format!("--header {h:?} is not \"Name: value\""))
                .hint("e.g. --header 'Prefer: transient'")
        })?;
        let name = HeaderName::from_bytes(k.trim().as_bytes())
            .map_err(|_| UserError::usage(format!("{k:?} is not a header name")))?;
        let value = HeaderValue::from_str(v.trim()).map_err(|_| {
            UserError::usage(format!("the value of {k:?} is not a valid header value"))
        })?;
        if name == reqwest::header::AUTHORIZATION {
            return Err(
                UserError::usage("the Authorization header comes from the profile")
                    .hint("select another profile with --profile")
                    .into(),
            );
        }
        if name == reqwest::header::CONTENT_TYPE {
            content_type = Some(v.trim().to_owned());
            continue;
        }
        shown.push((k.trim().to_owned(), v.trim().to_owned()));
        req = req.header(name, value);
    }
    if let Some(d) = &args.data {
        let text = super::record::read_text(d)?;
        let ct = content_type
            .clone()
            .unwrap_or_else(|| "application/json".into());
        if ct.contains("json") {
            // Checked locally so that a typo gets a message here rather than NetSuite's.
            serde_json::from_str::<serde_json::Value>(&text).map_err(|e| {
                UserError::usage(format!("the data is not valid JSON: {e}")).hint(
                    "fix the JSON, or send another type with --header 'Content-Type: text/plain'",
                )
            })?;
        }
        if args.dry_run {
            shown.push(("Content-Type".into(), ct));
            let dry = super::record::DryRun {
                method: method.as_str(),
                url: &url,
                headers: shown,
                body: Some(text),
            };
            return dry.print();
        }
        req = req.body(text.into_bytes(), &ct);
    }
    if args.dry_run {
        let dry = super::record::DryRun {
            method: method.as_str(),
            url: &url,
            headers: shown,
            body: None,
        };
        return dry.print();
    }
    let resp = client.send(req).await?;
    if args.include {
        crate::output::say!("HTTP {}", resp.status);
        for (k, v) in &resp.headers {
            crate::output::say!("{k}: {}", v.to_str().unwrap_or("(binary)"));
        }
    }
    let body = match serde_json::from_slice::<serde_json::Value>(&resp.body) {
        Ok(v) if !resp.body.is_empty() => {
            crate::output::json_safe(serde_json::to_string_pretty(&v)?)
        }
        _ => String::from_utf8_lossy(&resp.body).into_owned(),
    };
    if !body.is_empty() {
        output::data(&body)?;
    }
    if let Some(e) = resp.error(url.as_str()) {
        return Err(e.into());
    }
    if resp.body.is_empty()
        && let Some(loc) = &resp.location
    {
        crate::output::say!("Location: {loc}");
    }
    Ok(())
}
