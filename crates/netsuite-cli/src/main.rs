//! `netsuite`: a thin binary over the library crates.

mod cli;
mod commands;
mod config;
mod credentials;
mod error;
mod files;
mod governor;
mod help;
mod identity;
mod output;
mod trace;

use std::process::ExitCode;

/// mimalloc instead of glibc's malloc: a 1,000-row SuiteQL answer is thousands of small
/// strings and maps plus buffers of hundreds of KB, and glibc spent a third of
/// `mcp serve`'s time in malloc/free and consolidation, and the kernel as much in the
/// page faults of memory it returned and took back (benches/mcp.sh).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use clap::FromArgMatches;

use cli::{Cli, Command};
use commands::{api, auth, cert, doctor, exec, profile, proxy, record, restlet, suiteql};
#[cfg(feature = "emulator")]
use commands::{demo, emulator};

fn main() -> ExitCode {
    let parsed = cli::command()
        .try_get_matches()
        .and_then(|m| Ok((cli::Cli::from_arg_matches(&m)?, m)));
    let (mut cli, matches) = match parsed {
        Ok(c) => c,
        Err(e) => {
            // Help and version go to stdout with 0; usage errors to stderr with 2.
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    match cli::resolve_profile(&matches) {
        Ok(profile) => cli.profile = profile,
        Err(e) => {
            report(&e);
            return ExitCode::from(error::exit_code(&e) as u8);
        }
    }
    output::configure(cli.quiet, cli.color);
    trace::init(cli.verbose);
    netsuite_client::notice::on_long_wait(|delay, what| {
        eprintln!(
            "netsuite: waiting {} s before {}",
            delay.as_secs_f64().round(),
            output::escape_controls(what)
        );
    });
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: could not start the async runtime: {e}");
            return ExitCode::from(1);
        }
    };
    let result = runtime.block_on(run(cli));
    // A refresh token NetSuite rotated exists nowhere but in a renewal still storing
    // it (the command was interrupted meanwhile): let it land before exiting.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while netsuite_client::renewals_in_flight() > 0 && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    // Do not wait for lingering blocking tasks (a paused stdin read, a server).
    runtime.shutdown_background();
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if output::is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            report(&e);
            ExitCode::from(error::exit_code(&e) as u8)
        }
    }
}

/// Runs the parsed command line.
async fn run(cli: Cli) -> anyhow::Result<()> {
    crate::identity::set_no_cache(cli.no_cache);
    crate::identity::set_allow_insecure_http(cli.allow_insecure_http);
    crate::governor::install(cli.governor.clone());
    let profile = cli.profile.as_deref();
    match cli.command {
        Command::Cert(c) => cert::run(c, profile).await,
        Command::Profile(c) => profile::run(c, profile),
        Command::Auth(c) => auth::run(c, profile).await,
        Command::Record(c) => record::run(c, profile).await,
        Command::Suiteql(a) => suiteql::run(a, profile).await,
        Command::Restlet(a) => restlet::run(a, profile).await,
        Command::Api(a) => api::run(a, profile).await,
        Command::Proxy(a) => proxy::run(a, profile).await,
        Command::Exec(a) => exec::run(a, profile).await,
        Command::Mcp(c) => commands::mcp::run(c, profile).await,
        Command::Doctor(a) => doctor::run(a, profile).await,
        #[cfg(feature = "emulator")]
        Command::Emulator(c) => emulator::run(c).await,
        #[cfg(feature = "emulator")]
        Command::Demo(args) => demo::run(args).await,
        Command::Completion { shell } => cli::print_completion(shell),
        Command::Man { out } => cli::write_man_pages(&out),
    }
}

fn report(e: &anyhow::Error) {
    let (red, yellow, reset) = if output::color() {
        ("\x1b[31m", "\x1b[33m", "\x1b[0m")
    } else {
        ("", "", "")
    };
    let mut msg = e.to_string();
    for cause in e.chain().skip(1) {
        let c = cause.to_string();
        if !msg.contains(&c) {
            msg.push_str(": ");
            msg.push_str(&c);
        }
    }
    // What a server sent (titles, details, record fields) must not drive the terminal.
    let msg = output::escape_controls(&msg);
    eprintln!("{red}error{reset}: {msg}");
    if let Some(h) = error::hint_for(e) {
        eprintln!("{yellow}hint{reset}: {}", output::escape_controls(&h));
    }
}
