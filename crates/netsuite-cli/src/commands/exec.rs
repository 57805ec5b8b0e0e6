//! `netsuite exec [--proxy] -- CMD ARGS...`: runs a command with the profile's
//! NetSuite access in its environment, and exits with its exit code.

use std::ffi::OsString;
use std::time::Duration;

use anyhow::Result;
use clap::Args;
use netsuite_auth::account::{AccountId, RECORD_PATH, RESTLET_PATH, SUITEQL_PATH};
use tokio::process::Command;

use crate::error::UserError;

#[derive(Debug, Args)]
#[command(after_help = "Examples:
  netsuite exec -- python3 sync.py
  netsuite exec --profile prod -- sh -c 'curl -H \"Authorization: Bearer $NETSUITE_ACCESS_TOKEN\" \"$NETSUITE_REST_URL/customer/107\"'
  netsuite exec --proxy -- node report.mjs      # the token never enters the command's environment

The command gets NETSUITE_ACCOUNT_ID, NETSUITE_REST_URL (the record API base),
NETSUITE_SUITEQL_URL and NETSUITE_RESTLET_URL, and NETSUITE_ACCESS_TOKEN (valid for at least
five more minutes). With --proxy it gets NETSUITE_PROXY_URL instead of a token, and the URLs
point at a proxy on a free loopback port that lives as long as the command: it adds the token,
renews it, and keeps to the account's concurrency budget.")]
pub struct ExecArgs {
    /// Give the command a proxy's URL instead of a token.
    #[arg(long)]
    pub proxy: bool,
    /// With --proxy: requests in flight at NetSuite at once.
    #[arg(long, value_name = "N", requires = "proxy",
          value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub concurrency: Option<u32>,
    /// The command and its arguments (after --).
    #[arg(
        required = true,
        trailing_var_arg = true,
        allow_hyphen_values = true,
        value_name = "CMD"
    )]
    pub command: Vec<OsString>,
}

/// The variables a command gets.
pub(crate) const VARIABLES: [&str; 6] = [
    "NETSUITE_ACCESS_TOKEN",
    "NETSUITE_ACCOUNT_ID",
    "NETSUITE_REST_URL",
    "NETSUITE_SUITEQL_URL",
    "NETSUITE_RESTLET_URL",
    "NETSUITE_PROXY_URL",
];

fn join(base: &str, path: &str) -> String {
    format!("{}{path}", base.trim_end_matches('/'))
}

pub async fn run(args: ExecArgs, profile: Option<&str>) -> Result<()> {
    let id = crate::identity::resolve_renewable(profile)?;
    let p = &id.profile;
    let account = AccountId::parse(&p.account)?;
    let mut env: Vec<(&str, String)> = vec![("NETSUITE_ACCOUNT_ID", account.as_str().to_owned())];
    if args.proxy {
        let settings = super::proxy::Settings {
            concurrency: args.concurrency,
            max_attempts: netsuite_client::RetryPolicy::default().max_attempts,
            access_log: None,
            client_key_file: None,
        };
        let (proxy, _) = super::proxy::build(profile, &settings).await?;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .map_err(|e| UserError::new(format!("cannot listen on 127.0.0.1: {e}")))?;
        let base = format!("http://{}", listener.local_addr()?);
        tokio::spawn(proxy.serve(listener, std::future::pending(), Duration::ZERO));
        env.push(("NETSUITE_REST_URL", join(&base, RECORD_PATH)));
        env.push(("NETSUITE_SUITEQL_URL", join(&base, SUITEQL_PATH)));
        env.push(("NETSUITE_RESTLET_URL", join(&base, RESTLET_PATH)));
        env.push(("NETSUITE_PROXY_URL", base));
    } else {
        let client = id.client()?;
        let (token, _) = client.token_source().token(client.http(), false).await?;
        let e = client.endpoints();
        let suitetalk = e.suitetalk_base().as_str();
        let mut restlet = e.restlet_url("x", "x");
        restlet.set_query(None);
        env.push(("NETSUITE_REST_URL", join(suitetalk, RECORD_PATH)));
        env.push(("NETSUITE_SUITEQL_URL", join(suitetalk, SUITEQL_PATH)));
        env.push(("NETSUITE_RESTLET_URL", restlet.to_string()));
        env.push((
            "NETSUITE_ACCESS_TOKEN",
            token.access_token.expose_secret().to_owned(),
        ));
    }
    let program = &args.command[0];
    let mut cmd = Command::new(program);
    cmd.args(&args.command[1..]);
    // Nothing inherited may contradict what this profile gives (a token from
    // another profile, a proxy URL from an outer `exec`).
    for v in VARIABLES {
        cmd.env_remove(v);
    }
    cmd.envs(env);
    let mut child = cmd.spawn().map_err(|e| {
        let shown = program.to_string_lossy();
        let hint = if e.kind() == std::io::ErrorKind::NotFound {
            "check the command's name and PATH; put the command after --: `netsuite exec -- CMD ARGS`"
        } else {
            "check that the command is executable"
        };
        UserError::new(format!("cannot run {shown}: {e}")).hint(hint)
    })?;
    let status = loop {
        tokio::select! {
            s = child.wait() => break s?,
            // The terminal sends Ctrl-C to the command too: wait for it to finish.
            _ = tokio::signal::ctrl_c() => {}
            () = terminated() => { let _ = child.start_kill(); }
        }
    };
    let code = match status.code() {
        Some(c) => c,
        None => {
            #[cfg(unix)]
            {
                use std::os::unix::process::ExitStatusExt;
                128 + status.signal().unwrap_or(0)
            }
            #[cfg(not(unix))]
            {
                1
            }
        }
    };
    std::process::exit(code);
}

async fn terminated() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut t) = signal(SignalKind::terminate()) {
            t.recv().await;
            return;
        }
    }
    std::future::pending::<()>().await;
}
