//! `netsuite restlet --script X --deploy Y [--method M] [--data ...]`.

use anyhow::Result;
use clap::Args;
use netsuite_client::restlet::{RestletBody, RestletCall, RestletResponse};
use reqwest::Method;

use crate::error::UserError;
use crate::output;

#[derive(Debug, Args)]
#[command(after_help = "Examples:
  netsuite restlet --script customscript_orders --deploy 1 --param id=304
  netsuite restlet --script 12 --deploy 1 --method POST --data '{\"action\":\"sync\"}'
  netsuite restlet --script 12 --deploy 1 --method PUT --data @body.txt --text

A RESTlet refused by the account's concurrency limit (400 SSS_REQUEST_LIMIT_EXCEEDED) is
retried with backoff. GET, PUT and DELETE are also retried after a 5xx or a broken
connection; POST is not (the script may not be safe to run twice).")]
pub struct RestletArgs {
    /// Script id (customscript_... or the number).
    #[arg(long)]
    pub script: String,
    /// Deployment id (customdeploy_... or the number).
    #[arg(long)]
    pub deploy: String,
    /// HTTP method (default: GET, or POST with --data).
    #[arg(long, value_name = "METHOD")]
    pub method: Option<String>,
    /// The body: JSON, @FILE, or - for stdin.
    #[arg(long, value_name = "JSON|@FILE|-")]
    pub data: Option<String>,
    /// Send the body as text/plain instead of JSON.
    #[arg(long)]
    pub text: bool,
    /// Extra query parameters for the script, NAME=VALUE (repeatable).
    #[arg(long = "param", value_name = "NAME=VALUE")]
    pub params: Vec<String>,
}

pub async fn run(args: RestletArgs, profile: Option<&str>) -> Result<()> {
    let method = match &args.method {
        Some(m) => Method::from_bytes(m.to_ascii_uppercase().as_bytes()).map_err(|_| {
            UserError::usage(format!("{m:?} is not an HTTP method"))
                .hint("use GET, POST, PUT or DELETE")
        })?,
        None if args.data.is_some() => Method::POST,
        None => Method::GET,
    };
    let mut call = RestletCall::new(&args.script, &args.deploy);
    call.method = method;
    for p in &args.params {
        let (k, v) = p.split_once('=').ok_or_else(|| {
            UserError::usage(format!("--param {p:?} is not NAME=VALUE")).hint("e.g. --param id=304")
        })?;
        call.params.push((k.to_owned(), v.to_owned()));
    }
    if let Some(d) = &args.data {
        call.body = Some(if args.text {
            RestletBody::Text(super::record::read_text(d)?)
        } else {
            RestletBody::Json(super::record::read_json(d)?)
        });
    }
    let client = super::record::client(profile)?;
    match client.call_restlet(&call).await? {
        RestletResponse::Json(v) => output::json(&v),
        RestletResponse::Text(t) => output::data(&t),
    }
}
