//! `netsuite emulator` admin commands against a running emulator (`--url`) and a data
//! directory, and an authorization code flow that survives `kill -9`.

#![cfg(feature = "emulator")] // needs `netsuite emulator` (the default build)

mod common;

use common::{Env, REDIRECT, Server, auth_code_tokens as tokens, http, json};
use serde_json::Value;

async fn record_status(base: &str, bearer: &str) -> u16 {
    http()
        .get(format!("{base}/services/rest/record/v1/salesorder/304"))
        .bearer_auth(bearer)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

async fn refresh_status(base: &str, client_id: &str, secret: &str, refresh: &str) -> u16 {
    http()
        .post(format!("{base}/services/rest/auth/oauth2/v1/token"))
        .basic_auth(client_id, Some(secret))
        .form(&[("grant_type", "refresh_token"), ("refresh_token", refresh)])
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admin_commands_over_url() {
    let env = Env::new();
    let server = Server::start(&env, &["--auto-approve"]);
    let url = server.base_url.clone();
    let created = json(&env.ok(&[
        "emulator",
        "integration",
        "create",
        "--url",
        &url,
        "--name",
        "admin-test",
        "--auth-code",
        "--redirect-uri",
        REDIRECT,
        "--consent-policy",
        "first-time",
        "--refresh-token-hours",
        "24",
        "--json",
    ]));
    let client_id = created["client_id"].as_str().unwrap().to_owned();
    let secret = created["client_secret"].as_str().unwrap().to_owned();
    assert_eq!(created["consent_policy"], "first-time");
    assert_eq!(created["refresh_token_hours"], 24);

    // The same integration seen through the data directory and the URL.
    let local = json(&env.ok(&[
        "emulator",
        "integration",
        "list",
        "--data-dir",
        &server.data_dir_arg(),
        "--json",
    ]));
    let remote = json(&env.ok(&["emulator", "integration", "list", "--url", &url, "--json"]));
    assert_eq!(local, remote);
    let text = env.ok(&["emulator", "integration", "list", "--url", &url]);
    assert!(
        text.contains(&client_id) && text.contains("consent=first-time"),
        "{text}"
    );

    let (access, refresh) = tokens(&url, &client_id, &secret, "admin-state-0000000001").await;
    assert_eq!(record_status(&url, &access).await, 200);
    let shown = json(&env.ok(&[
        "emulator",
        "integration",
        "show",
        &client_id,
        "--url",
        &url,
        "--json",
    ]));
    assert_eq!(shown["authorized_apps"].as_array().unwrap().len(), 1);

    // Block and enable.
    env.ok(&[
        "emulator",
        "integration",
        "block",
        &client_id,
        "--url",
        &url,
    ]);
    assert_eq!(record_status(&url, &access).await, 401);
    env.ok(&[
        "emulator",
        "integration",
        "enable",
        &client_id,
        "--url",
        &url,
    ]);
    assert_eq!(record_status(&url, &access).await, 200);

    // Tokens: list, revoke the refresh token (its chain).
    let list = json(&env.ok(&["emulator", "tokens", "list", "--url", &url, "--json"]));
    let jti = list
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["kind"] == "refresh")
        .unwrap()["jti"]
        .as_str()
        .unwrap()
        .to_owned();
    env.ok(&["emulator", "tokens", "revoke", &jti, "--url", &url]);
    assert_eq!(record_status(&url, &access).await, 401);
    assert_eq!(
        refresh_status(&url, &client_id, &secret, &refresh).await,
        400
    );

    // Authorized apps: a new chain, then revoke the app.
    let (access, _) = tokens(&url, &client_id, &secret, "admin-state-0000000002").await;
    let apps = json(&env.ok(&["emulator", "apps", "list", "--url", &url, "--json"]));
    let id = apps[0]["id"].as_i64().unwrap().to_string();
    env.ok(&["emulator", "apps", "revoke", &id, "--url", &url]);
    assert_eq!(record_status(&url, &access).await, 401);

    // The audit trail explains the 401s.
    let audit = json(&env.ok(&[
        "emulator",
        "audit",
        "--url",
        &url,
        "--json",
        "--code",
        "TokenRejected",
    ]));
    assert!(audit.as_array().unwrap().len() >= 2, "{audit}");
    let text = env.ok(&["emulator", "audit", "--url", &url, "--last", "1"]);
    assert_eq!(text.lines().count(), 1, "{text}");

    // Errors are clean: unknown ids, a wrong URL.
    env.fails(
        &["emulator", "tokens", "revoke", "nope", "--url", &url],
        1,
        "unknown token",
    );
    env.fails(
        &[
            "emulator",
            "apps",
            "revoke",
            "999",
            "--data-dir",
            &server.data_dir_arg(),
        ],
        1,
        "unknown authorized application",
    );
    env.fails(
        &[
            "emulator",
            "integration",
            "list",
            "--url",
            "http://127.0.0.1:9",
        ],
        1,
        "cannot reach the emulator",
    );
    env.fails(
        &["emulator", "integration", "list", "--url", "ftp://x"],
        2,
        "not http",
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_survive_kill_9() {
    let env = Env::new();
    let server = Server::start(&env, &["--auto-approve"]);
    let created = json(&env.ok(&[
        "emulator",
        "integration",
        "create",
        "--url",
        &server.base_url,
        "--name",
        "durable",
        "--auth-code",
        "--redirect-uri",
        REDIRECT,
        "--json",
    ]));
    let client_id = created["client_id"].as_str().unwrap().to_owned();
    let secret = created["client_secret"].as_str().unwrap().to_owned();
    let (access, refresh) = tokens(
        &server.base_url,
        &client_id,
        &secret,
        "kill-state-00000000001",
    )
    .await;
    drop(server); // SIGKILL, no graceful shutdown
    let server = Server::start(&env, &[]);
    let url = server.base_url.clone();
    assert_eq!(record_status(&url, &access).await, 200);
    assert_eq!(
        refresh_status(&url, &client_id, &secret, &refresh).await,
        200
    );
    let audit = json(&env.ok(&["emulator", "audit", "--url", &url, "--json"]));
    assert_eq!(audit, Value::Array(Vec::new()));
}
