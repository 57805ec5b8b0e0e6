//! End to end through the built binary: cert new, emulator serve, integration
//! create, mapping create, profile add, auth token, record get salesorder 304; and
//! profile import-postman with the seed's environment layout.

#![cfg(feature = "emulator")] // needs `netsuite emulator` (the default build)

mod common;

use common::{Env, Server, expire_access_token, integration_and_mapping, json};
use netsuite_test::file_mode as mode;

fn is_hex64(s: &str) -> bool {
    s.len() == 64 && s.chars().all(|c| c.is_ascii_hexdigit())
}

#[test]
fn client_credentials_end_to_end() {
    let env = Env::new();
    let cert_dir = env.path("cert");
    let out = env.ok(&[
        "cert",
        "new",
        "--key-type",
        "ec-p256",
        "--days",
        "365",
        "--subject",
        "e2e",
        "--out",
        cert_dir.to_str().unwrap(),
    ]);
    assert!(out.contains("private-key.pem") && out.contains("certificate.pem"));
    let key = cert_dir.join("private-key.pem");
    let cert = cert_dir.join("certificate.pem");
    assert_eq!(mode(&key), 0o600);

    let inspect = json(&env.ok(&[
        "cert",
        "inspect",
        cert.to_str().unwrap(),
        key.to_str().unwrap(),
        "--json",
    ]));
    assert_eq!(inspect["files"][0]["key"], "EC P-256");
    assert_eq!(inspect["files"][0]["netsuite_ok"], true);
    assert_eq!(inspect["files"][0]["algorithm"], "ES256");
    assert!(inspect["files"][0]["days_left"].as_i64().unwrap() >= 364);
    assert_eq!(inspect["pairs"][0]["match"], true);

    let server = Server::start(&env, &[]);
    let dd = server.data_dir_arg();
    let created = json(&env.ok(&[
        "emulator",
        "integration",
        "create",
        "--data-dir",
        &dd,
        "--name",
        "e2e",
        "--m2m",
        "--scope",
        "rest_webservices",
        "--scope",
        "restlets",
        "--json",
    ]));
    assert!(
        is_hex64(created["client_id"].as_str().unwrap()),
        "{created}"
    );
    assert!(
        is_hex64(created["client_secret"].as_str().unwrap()),
        "{created}"
    );
    let client_id = created["client_id"].as_str().unwrap().to_owned();
    let mapping = json(&env.ok(&[
        "emulator",
        "mapping",
        "create",
        "--data-dir",
        &dd,
        "--client-id",
        &client_id,
        "--certificate",
        cert.to_str().unwrap(),
        "--json",
    ]));
    let certificate_id = mapping["certificate_id"].as_str().unwrap().to_owned();

    env.ok(&[
        "profile",
        "add",
        "e2e",
        "--account",
        "1234567",
        "--client-id",
        &client_id,
        "--certificate-id",
        &certificate_id,
        "--private-key",
        key.to_str().unwrap(),
        "--base-url",
        &server.base_url,
    ]);
    let listed = json(&env.ok(&["profile", "list", "--json"]));
    assert_eq!(listed[0]["name"], "e2e");
    assert_eq!(listed[0]["default"], true);
    let shown = json(&env.ok(&["profile", "show", "e2e", "--json"]));
    assert_eq!(
        shown["token_url"],
        format!("{}/services/rest/auth/oauth2/v1/token", server.base_url)
    );

    let token = env.ok(&["auth", "token"]);
    let token = token.trim_end_matches('\n');
    assert_eq!(
        token.split('.').count(),
        3,
        "a JWT alone on stdout: {token}"
    );
    assert!(!token.contains('\n'));
    assert_eq!(mode(&env.config_dir().join("tokens/e2e.enc")), 0o600);
    assert_eq!(mode(&env.config_dir().join("tokens/store.key")), 0o600);
    assert_eq!(mode(&env.config_dir().join("tokens")), 0o700);
    // Cached: the same token again, without a token request.
    assert_eq!(env.ok(&["auth", "token", "--profile", "e2e"]).trim(), token);
    let fresh = env.ok(&["auth", "token", "--fresh"]);
    assert_ne!(fresh.trim(), token, "--fresh gets a new token");
    let j = json(&env.ok(&["auth", "token", "--json"]));
    assert_eq!(j["access_token"], fresh.trim());
    assert_eq!(j["cached"], true);
    assert!(j["expires_at"].as_str().unwrap().contains('T'));
    assert_eq!(
        j["scope"],
        serde_json::json!(["rest_webservices", "restlets"])
    );

    let order = json(&env.ok(&["record", "get", "salesorder", "304"]));
    assert_eq!(order["id"], "304");
    assert!(
        order["links"][0]["href"]
            .as_str()
            .unwrap()
            .ends_with("/services/rest/record/v1/salesorder/304")
    );

    // An expired cached token is replaced without being asked.
    expire_access_token(&env, "e2e");
    let out = env.cmd().args(["auth", "token"]).output().unwrap();
    assert!(out.status.success());
    assert_ne!(String::from_utf8_lossy(&out.stdout).trim(), fresh.trim());
    assert!(String::from_utf8_lossy(&out.stderr).contains("got a new access token"));

    // PS256 with an RSA-3072 key through the same path.
    let rsa_dir = env.path("rsa");
    env.ok(&[
        "cert",
        "new",
        "--key-type",
        "rsa-3072",
        "--out",
        rsa_dir.to_str().unwrap(),
    ]);
    let (rsa_client, rsa_cert) =
        integration_and_mapping(&env, &server, &rsa_dir.join("certificate.pem"));
    env.ok(&[
        "profile",
        "add",
        "rsa",
        "--account",
        "1234567",
        "--client-id",
        &rsa_client,
        "--certificate-id",
        &rsa_cert,
        "--private-key",
        rsa_dir.join("private-key.pem").to_str().unwrap(),
        "--base-url",
        &server.base_url,
        "--algorithm",
        "ps256",
    ]);
    let order = json(&env.ok(&["record", "get", "salesorder", "304", "--profile", "rsa"]));
    assert_eq!(order["id"], "304");

    env.ok(&["profile", "remove", "rsa", "--yes"]);
    assert!(!env.config_dir().join("tokens/rsa.enc").exists());
}

#[test]
fn import_postman_environment_like_the_seed() {
    let env = Env::new();
    let server = Server::start(&env, &[]);
    let cert_dir = env.path("cert");
    env.ok(&[
        "cert",
        "new",
        "--key-type",
        "rsa-3072",
        "--out",
        cert_dir.to_str().unwrap(),
    ]);
    let (client_id, certificate_id) =
        integration_and_mapping(&env, &server, &cert_dir.join("certificate.pem"));
    let key_pem = std::fs::read_to_string(cert_dir.join("private-key.pem")).unwrap();
    // Postman keeps the PEM on one line with literal \n sequences.
    let flattened = key_pem.replace('\n', "\\n");
    let token_url = format!("{}/services/rest/auth/oauth2/v1/token", server.base_url);
    let environment = serde_json::json!({
        "id": "23de43df-d63f-4a43-a9c8-ce64942c397c",
        "name": "NetSuite REST API Environment Template",
        "values": [
            {"key": "CONSUMER_KEY", "value": client_id, "enabled": true},
            {"key": "CERTIFICATE_PRIVATE_KEY", "value": flattened, "type": "default", "enabled": true},
            {"key": "CERTIFICATE_ID", "value": certificate_id, "type": "default", "enabled": true},
            {"key": "URL", "value": token_url, "type": "default", "enabled": true}
        ],
        "_postman_variable_scope": "environment",
        "_postman_exported_at": "2025-01-31T15:37:04.953Z",
        "_postman_exported_using": "Postman/11.30.4-250130-2243"
    });
    let env_file = env.path("NetSuite.postman_environment.json");
    std::fs::write(&env_file, environment.to_string()).unwrap();

    // Without an account, a non-NetSuite URL cannot name one.
    env.fails(
        &["profile", "import-postman", env_file.to_str().unwrap()],
        1,
        "account id",
    );
    env.ok(&[
        "profile",
        "import-postman",
        env_file.to_str().unwrap(),
        "--name",
        "postman",
        "--account",
        "1234567",
    ]);
    let key_file = env.config_dir().join("keys/postman.pem");
    assert_eq!(mode(&key_file), 0o600);
    assert_eq!(std::fs::read_to_string(&key_file).unwrap(), key_pem);
    let shown = json(&env.ok(&["profile", "show", "postman", "--json"]));
    assert_eq!(shown["client_id"], client_id);
    assert_eq!(shown["base_url"], server.base_url);
    assert_eq!(
        shown["scopes"],
        serde_json::json!(["restlets", "rest_webservices"])
    );
    let order = json(&env.ok(&["record", "get", "salesorder", "304", "--profile", "postman"]));
    assert_eq!(order["id"], "304");

    // A real NetSuite URL gives the account and no base URL.
    let mut env2 = environment.clone();
    env2["values"][3]["value"] =
        "https://td2972956.suitetalk.api.netsuite.com/services/rest/auth/oauth2/v1/token".into();
    std::fs::write(&env_file, env2.to_string()).unwrap();
    env.ok(&["profile", "import-postman", env_file.to_str().unwrap()]);
    let shown = json(&env.ok(&["profile", "show", "td2972956", "--json"]));
    assert_eq!(shown["account"], "TD2972956");
    assert!(shown["base_url"].is_null());
    assert_eq!(
        shown["token_url"],
        "https://td2972956.suitetalk.api.netsuite.com/services/rest/auth/oauth2/v1/token"
    );

    // A key whose line breaks were all removed is repaired; --scope replaces the
    // default scopes; the next command is printed, and works.
    let mut env3 = environment.clone();
    env3["values"][1]["value"] = key_pem.replace('\n', "").into();
    std::fs::write(&env_file, env3.to_string()).unwrap();
    let out = env.run(&[
        "profile",
        "import-postman",
        env_file.to_str().unwrap(),
        "--name",
        "flat",
        "--account",
        "1234567",
        "--scope",
        "rest_webservices",
    ]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(
        err.contains("client credentials")
            && err.contains("next: netsuite auth token --profile flat"),
        "{err}"
    );
    assert_eq!(
        std::fs::read_to_string(env.config_dir().join("keys/flat.pem")).unwrap(),
        key_pem
    );
    let shown = json(&env.ok(&["profile", "show", "flat", "--json"]));
    assert_eq!(shown["scopes"], serde_json::json!(["rest_webservices"]));
    env.ok(&["auth", "token", "--profile", "flat"]);

    // Token-based authentication (OAuth 1.0) is refused, saying so.
    let tba = serde_json::json!({
        "name": "NetSuite TBA",
        "values": [
            {"key": "ACCOUNT_ID", "value": "1234567", "enabled": true},
            {"key": "CONSUMER_KEY", "value": "ck", "enabled": true},
            {"key": "CONSUMER_SECRET", "value": "cs", "enabled": true},
            {"key": "TOKEN_ID", "value": "ti", "enabled": true},
            {"key": "TOKEN_SECRET", "value": "ts", "enabled": true}
        ]
    });
    let tba_file = env.path("tba.postman_environment.json");
    std::fs::write(&tba_file, tba.to_string()).unwrap();
    let err = env.fails(
        &["profile", "import-postman", tba_file.to_str().unwrap()],
        2,
        "token-based authentication (OAuth 1.0)",
    );
    assert!(
        err.contains("OAuth 2.0 only") && err.contains("integration record"),
        "{err}"
    );
    assert!(!err.contains("ts\"") && !err.contains("cs\""), "{err}");
    let listed = json(&env.ok(&["profile", "list", "--json"]));
    let names: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["flat", "postman", "td2972956"], "no profile made");
}
