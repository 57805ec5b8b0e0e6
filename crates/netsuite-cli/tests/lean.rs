//! The lean client (`--no-default-features`): no `emulator` or `demo` command, and the
//! client commands still there. Runs only in that build:
//! `cargo test -p netsuite-cli --no-default-features --test lean`.

#![cfg(not(feature = "emulator"))]

mod common;

use common::Env;

#[test]
fn no_emulator_commands() {
    let env = Env::new();
    let help = env.ok(&["--help"]);
    for client in [
        "cert", "profile", "auth", "record", "suiteql", "restlet", "api",
    ] {
        assert!(
            help.lines().any(|l| l.trim_start().starts_with(client)),
            "{client} missing from --help:\n{help}"
        );
    }
    for absent in ["emulator", "demo"] {
        assert!(
            !help
                .lines()
                .any(|l| l.trim_start().starts_with(&format!("{absent} "))),
            "{absent} listed in the lean build's --help:\n{help}"
        );
        let out = env.run(&[absent, "--help"]);
        assert_eq!(out.status.code(), Some(2), "{absent} --help: {out:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("unrecognized subcommand"),
            "{absent}: {stderr}"
        );
    }
}
