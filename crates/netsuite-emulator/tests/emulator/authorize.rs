//! Step one in detail: validation (error page or redirect with `error`), the login and
//! consent pages posted like a browser (or curl) would, and NetSuite's consent policy ×
//! prompt matrix.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use netsuite_auth::account::AUTHORIZE_PATH;
use netsuite_emulator::{ConsentPolicy, LoginUser};

use crate::authcode::*;
use crate::support::*;

fn with(
    params: &[(&'static str, String)],
    name: &'static str,
    value: Option<&str>,
) -> Vec<(&'static str, String)> {
    let mut out: Vec<(&'static str, String)> =
        params.iter().filter(|(k, _)| *k != name).cloned().collect();
    if let Some(v) = value {
        out.push((name, v.to_owned()));
    }
    out
}

/// A page, not a redirect.
fn assert_page(r: &Reply, status: StatusCode, text: &str) {
    assert_eq!(r.status, status, "{}", r.body);
    assert!(r.headers.get(header::LOCATION).is_none());
    assert!(
        r.content_type().starts_with("text/html"),
        "{}",
        r.content_type()
    );
    assert!(r.body.contains(text), "{text:?} not in {}", r.body);
}

/// A redirect to the client with `error` and the state.
fn assert_redirect_error(r: &Reply, error: &str, state: Option<&str>) {
    assert_eq!(r.status, StatusCode::FOUND, "{}", r.body);
    let (base, q) = location(r);
    assert_eq!(base, REDIRECT);
    assert_eq!(param(&q, "error"), error, "{q:?}");
    assert!(!q.iter().any(|(k, _)| k == "code"));
    match state {
        Some(s) => assert_eq!(param(&q, "state"), s),
        None => assert!(!q.iter().any(|(k, _)| k == "state")),
    }
}

fn manual(policy: ConsentPolicy) -> Auth {
    let mut n = auth_code("Manual app");
    n.consent_policy = policy;
    Auth::with(|c| c.auto_approve = false, n)
}

fn flow_of(r: &Reply) -> String {
    let marker = "name=\"flow\" value=\"";
    let start = r.body.find(marker).expect("a flow field") + marker.len();
    let end = r.body[start..].find('"').unwrap();
    r.body[start..start + end].to_owned()
}

async fn post_form(a: &Auth, pairs: &[(&str, &str)], cookie: Option<&str>) -> Reply {
    let mut req = Request::builder()
        .method("POST")
        .uri(AUTHORIZE_PATH)
        .header(header::HOST, HOST)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
    if let Some(c) = cookie {
        req = req.header(header::COOKIE, c);
    }
    send(&a.app, req.body(Body::from(form(pairs))).unwrap()).await
}

fn session_cookie(r: &Reply) -> String {
    let c = r.headers[header::SET_COOKIE].to_str().unwrap();
    assert!(c.contains("HttpOnly") && c.contains("SameSite=Lax"), "{c}");
    c.split(';').next().unwrap().to_owned()
}

#[tokio::test]
async fn unknown_client_and_bad_redirect_uri_get_a_page_not_a_redirect() {
    let a = Auth::new();
    let r = a
        .authorize(&with(&a.params(), "client_id", Some(&"0".repeat(64))), None)
        .await;
    assert_page(&r, StatusCode::BAD_REQUEST, "unauthorized_client");
    assert_eq!(a.last_audit().code, "UnknownIntegration");
    let r = a
        .authorize(&with(&a.params(), "client_id", None), None)
        .await;
    assert_page(&r, StatusCode::BAD_REQUEST, "client_id is missing");
    for bad in [
        Some("https://evil.example/callback"),
        Some("https://app.example/callback/"),
        Some("https://APP.example/callback"),
        Some("http://app.example/callback"),
        None,
    ] {
        let r = a
            .authorize(&with(&a.params(), "redirect_uri", bad), None)
            .await;
        assert_page(&r, StatusCode::BAD_REQUEST, "invalid_request");
        assert_eq!(a.last_audit().code, "InvalidRedirectURI", "{bad:?}");
    }
    // Markup in the request is escaped on the page.
    let r = a
        .authorize(
            &with(
                &a.params(),
                "redirect_uri",
                Some("https://x/<script>alert(1)</script>"),
            ),
            None,
        )
        .await;
    assert!(!r.body.contains("<script>"), "{}", r.body);
    // A blocked integration.
    a.emu.set_integration_blocked(a.client_id(), true).unwrap();
    let r = a.authorize(&a.params(), None).await;
    assert_page(&r, StatusCode::BAD_REQUEST, "blocked");
    assert_eq!(a.last_audit().code, "InvalidIntegration");
}

#[tokio::test]
async fn other_errors_redirect_with_error_and_state() {
    let a = Auth::new();
    let p = a.params();
    type Case = (Vec<(&'static str, String)>, &'static str, &'static str);
    let cases: Vec<Case> = vec![
        (
            with(&p, "response_type", Some("token")),
            "unsupported_response_type",
            "InvalidRequest",
        ),
        (
            with(&p, "response_type", None),
            "invalid_request",
            "InvalidRequest",
        ),
        (
            with(&p, "scope", Some("rest_webservices,restlets")),
            "invalid_scope",
            "InvalidScope",
        ),
        (
            with(&p, "scope", Some("suite_analytics")),
            "invalid_scope",
            "ScopeMismatched",
        ),
        (with(&p, "scope", None), "invalid_scope", "ScopeMismatched"),
        (
            with(&p, "scope", Some("mcp restlets")),
            "invalid_scope",
            "InvalidScope",
        ),
        (
            with(&p, "scope", Some("openid")),
            "invalid_scope",
            "InvalidScope",
        ),
        (
            with(&p, "code_challenge_method", Some("plain")),
            "invalid_request",
            "InvalidRequest",
        ),
        (
            with(&p, "code_challenge_method", None),
            "invalid_request",
            "InvalidRequest",
        ),
        (
            with(&p, "code_challenge", Some("too-short")),
            "invalid_request",
            "InvalidRequest",
        ),
        (
            with(&p, "code_challenge", None),
            "invalid_request",
            "InvalidRequest",
        ),
        (
            with(&p, "prompt", Some("select_account")),
            "invalid_request",
            "InvalidRequest",
        ),
        (
            with(&p, "prompt", Some("none login")),
            "invalid_request",
            "InvalidRequest",
        ),
    ];
    for (params, error, code) in cases {
        let r = a.authorize(&params, None).await;
        assert_redirect_error(&r, error, Some(STATE));
        assert_eq!(a.last_audit().code, code, "{params:?}");
    }
    // Space-separated scopes as `+` work; duplicates are folded.
    let r = a
        .authorize(&with(&p, "scope", Some("restlets restlets")), None)
        .await;
    assert!(location(&r).1.iter().any(|(k, _)| k == "code"));
}

#[tokio::test]
async fn state_rules() {
    let a = Auth::new();
    let p = a.params();
    for (state, echoed) in [
        (Some("a".repeat(21)), true),
        (Some("a".repeat(1025)), true),
        (Some("ünïcödé-state-of-enough-length".to_owned()), true),
        (Some("tab\there-and-long-enough-state".to_owned()), true),
        (None, false),
    ] {
        let r = a
            .authorize(&with(&p, "state", state.as_deref()), None)
            .await;
        assert_redirect_error(
            &r,
            "invalid_request",
            if echoed { state.as_deref() } else { None },
        );
        assert_eq!(a.last_audit().code, "InvalidState");
    }
    for ok in [
        "a".repeat(22),
        "~".repeat(1024),
        "with spaces and !\"#$%&'()*+,-./:;<=>?@[]^_`{|}".into(),
    ] {
        let r = a.authorize(&with(&p, "state", Some(&ok)), None).await;
        assert_eq!(param(&location(&r).1, "state"), ok);
        assert!(location(&r).1.iter().any(|(k, _)| k == "code"));
    }
    // A state used for an earlier code is refused (unique per flow).
    let r = a
        .authorize(&with(&p, "state", Some(&"a".repeat(22))), None)
        .await;
    assert_redirect_error(&r, "invalid_request", Some(&"a".repeat(22)));
    assert_eq!(a.last_audit().code, "InvalidState");
}

#[tokio::test]
async fn duplicated_parameters() {
    let a = Auth::new();
    let mut p = a.params();
    p.push(("client_id", a.client_id().to_owned()));
    assert_page(
        &a.authorize(&p, None).await,
        StatusCode::BAD_REQUEST,
        "more than once",
    );
    let mut p = a.params();
    p.push(("scope", "restlets".into()));
    assert_redirect_error(&a.authorize(&p, None).await, "invalid_request", Some(STATE));
}

#[tokio::test]
async fn loopback_redirects_need_the_flag_and_may_change_port() {
    let mut n = auth_code("Loopback");
    n.redirect_uris = vec!["http://127.0.0.1:8765/callback".into()];
    n.allow_http_loopback = true;
    n.public = true;
    let a = Auth::with(|_| {}, n);
    for (i, (uri, ok)) in [
        ("http://127.0.0.1:8765/callback", true),
        ("http://127.0.0.1:41234/callback", true),
        ("http://127.0.0.1/callback", true),
        ("http://localhost:8765/callback", false),
        ("http://127.0.0.1:8765/other", false),
        ("http://127.0.0.1:8765/callback?x=1", false),
    ]
    .into_iter()
    .enumerate()
    {
        let state = format!("loopback-state-number-{i:03}");
        let p = with(
            &with(&a.params(), "redirect_uri", Some(uri)),
            "state",
            Some(&state),
        );
        let r = a.authorize(&p, None).await;
        if ok {
            assert_eq!(r.status, StatusCode::FOUND, "{uri}: {}", r.body);
            let (base, q) = location(&r);
            assert_eq!(base, uri);
            // The code is bound to the URI actually used.
            let code = param(&q, "code").to_owned();
            let t = a
                .token(&[
                    ("grant_type", "authorization_code"),
                    ("code", &code),
                    ("redirect_uri", uri),
                    ("code_verifier", VERIFIER),
                ])
                .await;
            assert_eq!(t.status, StatusCode::OK, "{uri}: {}", t.body);
        } else {
            assert_eq!(r.status, StatusCode::BAD_REQUEST, "{uri}");
        }
    }
    // Without the flag, http is refused when the integration is saved.
    let mut n = auth_code("No loopback");
    n.redirect_uris = vec!["http://127.0.0.1:8765/callback".into()];
    assert!(a.emu.create_integration(n).is_err());
}

#[tokio::test]
async fn login_page_then_consent_page_like_a_browser() {
    let a = manual(ConsentPolicy::Always);
    let r = a.authorize(&a.params(), None).await;
    assert_page(&r, StatusCode::OK, "Log In");
    assert!(r.body.contains(ACCOUNT));
    assert!(r.body.contains("Manual app"));
    assert!(r.body.contains("REST Web Services"));
    assert_eq!(r.headers["x-frame-options"], "DENY");
    let flow = flow_of(&r);
    // A wrong password: the page again, and an audit entry.
    let r = post_form(
        &a,
        &[
            ("flow", &flow),
            ("email", "admin@example.com"),
            ("password", "nope"),
        ],
        None,
    )
    .await;
    assert_page(&r, StatusCode::OK, "invalid email address or password");
    assert_eq!(a.last_audit().code, "InvalidCredentials");
    assert!(!a.last_audit().detail.contains("nope"));
    // The right one: the consent page, with a session cookie.
    let r = post_form(
        &a,
        &[
            ("flow", &flow),
            ("account", ACCOUNT),
            ("email", "Admin@Example.com"),
            ("password", "emulator"),
        ],
        None,
    )
    .await;
    assert_page(&r, StatusCode::OK, "Allow");
    assert!(r.body.contains("Deny"));
    assert!(r.body.contains("Administrator (3)"));
    assert!(r.body.contains("REST Integration (1001)"));
    let cookie = session_cookie(&r);
    // Allow with another role.
    let r = post_form(
        &a,
        &[("flow", &flow), ("action", "allow"), ("role", "1001")],
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::FOUND, "{}", r.body);
    let (_, q) = location(&r);
    assert_eq!(param(&q, "role"), "1001");
    assert_eq!(param(&q, "entity"), "-5");
    let code = param(&q, "code").to_owned();
    let t = a.exchange(&code).await;
    assert_eq!(
        jwt_claims(t.json["access_token"].as_str().unwrap())["sub"],
        "1001;-5"
    );
    // The flow is used up.
    let r = post_form(&a, &[("flow", &flow), ("action", "allow")], None).await;
    assert_page(&r, StatusCode::BAD_REQUEST, "no pending authorization");
    // With the session, "always ask" goes straight to the consent page.
    let p = with(&a.params(), "state", Some("second-state-0123456789"));
    let r = a.authorize(&p, Some(&cookie)).await;
    assert_page(&r, StatusCode::OK, "Allow access?");
    let flow = flow_of(&r);
    // Deny: access_denied with the state.
    let r = post_form(&a, &[("flow", &flow), ("action", "deny")], None).await;
    assert_redirect_error(&r, "access_denied", Some("second-state-0123456789"));
    assert_eq!(a.last_audit().code, "AccessDenied");
    // A role the user does not have.
    let p = with(&a.params(), "state", Some("third-state-0123456789x"));
    let flow = flow_of(&a.authorize(&p, Some(&cookie)).await);
    let r = post_form(
        &a,
        &[("flow", &flow), ("action", "allow"), ("role", "18")],
        None,
    )
    .await;
    assert_page(&r, StatusCode::OK, "Choose one of your roles");
    assert_eq!(a.last_audit().code, "EntityOrRoleDisabled");
}

#[tokio::test]
async fn one_post_logs_in_and_allows_for_scripts() {
    let a = manual(ConsentPolicy::Always);
    let flow = flow_of(&a.authorize(&a.params(), None).await);
    let r = post_form(
        &a,
        &[
            ("flow", &flow),
            ("email", "admin@example.com"),
            ("password", "emulator"),
            ("action", "allow"),
        ],
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::FOUND, "{}", r.body);
    assert!(r.headers.get(header::SET_COOKIE).is_some());
    let (_, q) = location(&r);
    assert_eq!(a.exchange(param(&q, "code")).await.status, StatusCode::OK);
}

#[tokio::test]
async fn consent_policy_and_prompt_matrix() {
    // First time: login + consent; next time with the session: straight through.
    let a = manual(ConsentPolicy::FirstTime);
    let flow = flow_of(&a.authorize(&a.params(), None).await);
    let r = post_form(
        &a,
        &[
            ("flow", &flow),
            ("email", "admin@example.com"),
            ("password", "emulator"),
        ],
        None,
    )
    .await;
    assert_page(&r, StatusCode::OK, "Allow access?");
    let cookie = session_cookie(&r);
    let r = post_form(
        &a,
        &[("flow", &flow), ("action", "allow"), ("role", "1001")],
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::FOUND);
    let state = |n: u32| format!("matrix-state-number-{n:04}");
    let p = |n: u32, prompt: Option<&str>| {
        with(
            &with(&a.params(), "state", Some(&state(n))),
            "prompt",
            prompt,
        )
    };
    // Ask first time, already allowed: code at once, with the remembered role.
    let r = a.authorize(&p(1, None), Some(&cookie)).await;
    assert_eq!(r.status, StatusCode::FOUND, "{}", r.body);
    assert_eq!(param(&location(&r).1, "role"), "1001");
    // prompt=none: also at once.
    let r = a.authorize(&p(2, Some("none")), Some(&cookie)).await;
    assert!(location(&r).1.iter().any(|(k, _)| k == "code"));
    // prompt=consent: the consent page.
    assert_page(
        &a.authorize(&p(3, Some("consent")), Some(&cookie)).await,
        StatusCode::OK,
        "Allow access?",
    );
    // prompt=login: the login page despite the session.
    assert_page(
        &a.authorize(&p(4, Some("login")), Some(&cookie)).await,
        StatusCode::OK,
        "Log In",
    );
    // prompt=none without a session: login_required.
    let r = a.authorize(&p(5, Some("none")), None).await;
    assert_redirect_error(&r, "login_required", Some(&state(5)));
    assert_eq!(a.last_audit().code, "LoginRequired");
    // A scope not yet allowed needs consent again: with prompt=none, consent_required.
    let fewer = a
        .authorize(&with(&p(6, None), "scope", Some("restlets")), Some(&cookie))
        .await;
    assert_eq!(
        fewer.status,
        StatusCode::FOUND,
        "a subset of what was allowed"
    );
    // A fresh integration with the first-time policy and no consent yet:
    let mut fresh = auth_code("Fresh");
    fresh.consent_policy = ConsentPolicy::FirstTime;
    let fresh = a.emu.create_integration(fresh).unwrap();
    let fp = with(
        &with(&p(7, Some("none")), "client_id", Some(&fresh.client_id)),
        "state",
        Some(&state(7)),
    );
    let r = a.authorize(&fp, Some(&cookie)).await;
    assert_redirect_error(&r, "consent_required", Some(&state(7)));
    assert_eq!(a.last_audit().code, "ConsentRequired");

    // Never ask: after login, a code without a consent page.
    let never = manual(ConsentPolicy::Never);
    let flow = flow_of(&never.authorize(&never.params(), None).await);
    let r = post_form(
        &never,
        &[
            ("flow", &flow),
            ("email", "admin@example.com"),
            ("password", "emulator"),
        ],
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::FOUND, "{}", r.body);
    assert_eq!(param(&location(&r).1, "role"), "3");
    let cookie = session_cookie(&r);
    // prompt=consent changes nothing under "never".
    let r = never
        .authorize(
            &with(
                &with(&never.params(), "state", Some(&state(8))),
                "prompt",
                Some("consent"),
            ),
            Some(&cookie),
        )
        .await;
    assert_eq!(r.status, StatusCode::FOUND);

    // Always ask with prompt=none and a session: NetSuite documents the consent page.
    let always = manual(ConsentPolicy::Always);
    let flow = flow_of(&always.authorize(&always.params(), None).await);
    let r = post_form(
        &always,
        &[
            ("flow", &flow),
            ("email", "admin@example.com"),
            ("password", "emulator"),
        ],
        None,
    )
    .await;
    let cookie = session_cookie(&r);
    let r = always
        .authorize(
            &with(
                &with(&always.params(), "state", Some(&state(9))),
                "prompt",
                Some("none"),
            ),
            Some(&cookie),
        )
        .await;
    assert_page(&r, StatusCode::OK, "Allow access?");
}

#[tokio::test]
async fn auto_approve_and_prompt_none() {
    let mut n = auth_code("Auto first-time");
    n.consent_policy = ConsentPolicy::FirstTime;
    let a = Auth::with(|_| {}, n);
    // Nobody has allowed it yet, and prompt=none forbids asking.
    let r = a
        .authorize(&with(&a.params(), "prompt", Some("none")), None)
        .await;
    assert_redirect_error(&r, "consent_required", Some(STATE));
    // Without prompt=none the scripted user allows it; then prompt=none works.
    let r = a
        .authorize(
            &with(&a.params(), "state", Some("auto-approve-state-0001")),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::FOUND);
    let p = with(
        &with(&a.params(), "state", Some("auto-approve-state-0002")),
        "prompt",
        Some("none"),
    );
    let r = a.authorize(&p, None).await;
    assert!(location(&r).1.iter().any(|(k, _)| k == "code"));
}

#[tokio::test]
async fn configured_users() {
    let mut user = LoginUser::new("dev@example.com", "s3cret-pass");
    user.entity = 42;
    user.roles = vec![netsuite_emulator::LoginRole::new(1100, "Developer")];
    let a = Auth::with(
        |c| {
            c.auto_approve = false;
            c.users = vec![user.clone()];
        },
        auth_code("Users"),
    );
    let flow = flow_of(&a.authorize(&a.params(), None).await);
    let r = post_form(
        &a,
        &[
            ("flow", &flow),
            ("email", "admin@example.com"),
            ("password", "emulator"),
        ],
        None,
    )
    .await;
    assert_page(&r, StatusCode::OK, "invalid email address or password");
    let r = post_form(
        &a,
        &[
            ("flow", &flow),
            ("email", "dev@example.com"),
            ("password", "s3cret-pass"),
            ("action", "allow"),
        ],
        None,
    )
    .await;
    let (_, q) = location(&r);
    assert_eq!(param(&q, "role"), "1100");
    assert_eq!(param(&q, "entity"), "42");
}

#[tokio::test]
async fn malformed_page_posts() {
    let a = manual(ConsentPolicy::Always);
    for body in ["", "flow=", "flow=nope", "%%%", "flow=a&flow=b"] {
        let req = Request::builder()
            .method("POST")
            .uri(AUTHORIZE_PATH)
            .header(header::HOST, HOST)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(body))
            .unwrap();
        let r = send(&a.app, req).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{body}: {}", r.body);
    }
    let big = "a=".to_owned() + &"x".repeat(100_000);
    let req = Request::builder()
        .method("POST")
        .uri(AUTHORIZE_PATH)
        .header(header::HOST, HOST)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(big))
        .unwrap();
    assert_eq!(send(&a.app, req).await.status, StatusCode::BAD_REQUEST);
    // A garbage query string.
    let req = Request::builder()
        .uri(format!("{AUTHORIZE_PATH}?%zz&&=&client_id"))
        .header(header::HOST, HOST)
        .body(Body::empty())
        .unwrap();
    assert_eq!(send(&a.app, req).await.status, StatusCode::BAD_REQUEST);
}
