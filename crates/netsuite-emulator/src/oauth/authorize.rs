//! `GET /app/login/oauth2/authorize.nl`: step one of the authorization code grant, with
//! NetSuite's login and consent pages.
//!
//! The request is validated in NetSuite's order. An unknown client, a blocked
//! integration, one without the Authorization Code grant, or a missing or unregistered
//! `redirect_uri` get an HTML error page and no redirect; every other error redirects
//! to the redirect URI with `error` (`invalid_request`, `unsupported_response_type`,
//! `invalid_scope`, `access_denied`, `login_required`, `consent_required`) and the
//! `state`. Success redirects with `state`, `code`, `role`, `entity` and `company`.
//!
//! Whether the login page and the consent page appear follows the integration's
//! consent policy and `prompt`, as in NetSuite's matrix:
//!
//! | policy | consent page |
//! |---|---|
//! | always | every time (also with `prompt=none`, as NetSuite documents) |
//! | first-time | when the user has not yet allowed these scopes, or `prompt=consent` |
//! | never | never |
//!
//! The login page appears without a session cookie, or with `prompt=login`;
//! `prompt=none` answers `login_required` instead, and `consent_required` where the
//! first-time policy would show the consent page. With [`crate::Config::auto_approve`]
//! the first configured user is taken as logged in and clicks Allow (with the role of
//! an earlier authorization, or the user's default role).
//!
//! Both pages post to the same path with a `flow` id (an unguessable, single-use
//! reference to the validated request). A script can do both steps at once:
//! `curl -d flow=… -d email=admin@example.com -d password=emulator -d action=allow`.

use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use rusqlite::{Connection, OptionalExtension};

use super::audit::AuditCode;
use super::chain::{self, ActiveAuthorization, NewCode};
use super::identifier;
use super::integration::{self, ConsentPolicy, Integration, json_list, parse_list};
use super::login::{self, LoginUser};
use super::pages;
use super::pkce;
use super::refusal::{Checked, Rejection, Stop};
use super::request::Form;
use super::state::OAuthPlane;
use crate::error::Error;
use netsuite_auth::OAuthErrorCode;

/// Shortest and longest `state` NetSuite accepts.
pub const STATE_LEN: std::ops::RangeInclusive<usize> = 22..=1024;
/// How long a login/consent page stays usable, in seconds.
pub const FLOW_SECS: i64 = 1800;
/// Largest form body the pages accept.
const MAX_FORM: usize = 16 * 1024;

/// The `prompt` parameter.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Prompt {
    none: bool,
    login: bool,
    consent: bool,
}

/// A request that passed validation.
#[derive(Clone, Debug)]
struct Validated {
    integration: Integration,
    redirect_uri: String,
    state: String,
    scopes: Vec<String>,
    challenge: Option<String>,
    prompt: Prompt,
}

/// A refusal: a page (no redirect) or a redirect with `error`.
enum Refusal {
    Page(Rejection),
    Redirect {
        redirect_uri: String,
        state: Option<String>,
        /// Boxed: it holds the error code's text, and the refusal travels in `Err`.
        rejection: Box<Rejection>,
    },
}

fn page_error(error: OAuthErrorCode, code: AuditCode, detail: impl Into<String>) -> Refusal {
    Refusal::Page(Rejection::new(error, code, detail))
}

fn error_name(r: &Rejection) -> &str {
    r.error.as_str()
}

/// `uri` with `params` added to its query.
fn redirect_url(uri: &str, params: &[(&str, &str)]) -> String {
    match url::Url::parse(uri) {
        Ok(mut u) => {
            {
                let mut q = u.query_pairs_mut();
                for (k, v) in params {
                    q.append_pair(k, v);
                }
            }
            u.to_string()
        }
        Err(_) => uri.to_owned(),
    }
}

fn found(location: &str, cookie: Option<String>) -> Response {
    let mut resp = StatusCode::FOUND.into_response();
    let h = resp.headers_mut();
    if let Ok(v) = HeaderValue::from_str(location) {
        h.insert(header::LOCATION, v);
    }
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Some(c) = cookie
        && let Ok(v) = HeaderValue::from_str(&login::set_cookie(&c))
    {
        h.insert(header::SET_COOKIE, v);
    }
    resp
}

impl Refusal {
    fn respond(self, emu: &OAuthPlane, now: i64) -> Response {
        match self {
            Refusal::Page(r) => {
                emu.log(now, &r);
                pages::error_page(StatusCode::BAD_REQUEST, error_name(&r), &r.detail)
            }
            Refusal::Redirect {
                redirect_uri,
                state,
                rejection,
            } => {
                emu.log(now, &rejection);
                let mut params = vec![("error", error_name(&rejection))];
                if emu.explain_errors() {
                    params.push(("error_description", rejection.detail.as_str()));
                }
                if let Some(s) = state.as_deref() {
                    params.push(("state", s));
                }
                found(&redirect_url(&redirect_uri, &params), None)
            }
        }
    }
}

/// `GET /app/login/oauth2/authorize.nl`.
pub(crate) async fn get(State(emu): State<OAuthPlane>, uri: Uri, headers: HeaderMap) -> Response {
    let query = uri.query().unwrap_or_default().to_owned();
    let cookie = cookie_value(&headers);
    emu.run_blocking(move |emu| Ok(authorize(emu, &query, cookie.as_deref())))
        .await
        .unwrap_or_else(|e| server_error(&e))
}

fn cookie_value(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| login::session_cookie(Some(v)).map(str::to_owned))
}

fn server_error(e: &Error) -> Response {
    eprintln!("netsuite-emulator: {}", crate::error::chain(e));
    pages::error_page(
        StatusCode::INTERNAL_SERVER_ERROR,
        "server_error",
        "The emulator failed; see its log.",
    )
}

fn authorize(emu: &OAuthPlane, query: &str, cookie: Option<&str>) -> Response {
    let now = emu.clock().now();
    let v = match validate(emu, query) {
        Ok(v) => v,
        Err(Stop::Refused(refusal)) => return refusal.respond(emu, now),
        Err(Stop::Failed(e)) => return server_error(&e),
    };
    match decide(emu, &v, cookie, now) {
        Ok(resp) => resp,
        Err(e) => server_error(&e),
    }
}

/// A step-one refusal from a check that needs no store: the OAuth error, the audit
/// code and the explanation.
type Denied = (OAuthErrorCode, AuditCode, String);

/// NetSuite's checks of step one, in order.
fn validate(emu: &OAuthPlane, query: &str) -> Checked<Validated, Refusal> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query).map_err(|e| {
        Stop::Refused(page_error(
            OAuthErrorCode::InvalidRequest,
            AuditCode::InvalidRequest,
            format!("the authorize request's query string cannot be parsed ({e})"),
        ))
    })?;
    let count = |name: &str| pairs.iter().filter(|(k, _)| k == name).count();
    let param = |name: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    // 1. The client.
    let client_id =
        client_id_param(count("client_id"), param("client_id")).map_err(Stop::Refused)?;
    let integration = emu
        .store()
        .with(|c| integration::get(c, client_id))
        .map_err(Stop::Failed)?;
    let Some(integration) = integration else {
        return Err(Stop::Refused(unknown_client(client_id)));
    };
    let client = integration.client_id.clone();
    let page = |error, code, detail: String| {
        Refusal::Page(Rejection::new(error, code, detail).client(&client))
    };
    // 2. The redirect URI; 3. the integration can be used.
    let redirect_uri = usable_for_code(&integration, count("redirect_uri"), param("redirect_uri"))
        .map_err(|(error, code, detail)| Stop::Refused(page(error, code, detail)))?;
    // From here on, errors go back to the client.
    let state_param = param("state").map(str::to_owned);
    let echo_state = state_param
        .clone()
        .filter(|s| s.len() <= 2 * STATE_LEN.end());
    let redirect = |error, code, detail: String| {
        Err(Stop::Refused(Refusal::Redirect {
            redirect_uri: redirect_uri.to_owned(),
            state: echo_state.clone(),
            rejection: Box::new(Rejection::new(error, code, detail).client(&client)),
        }))
    };
    if let Some(k) = repeated_param(&pairs) {
        return redirect(
            OAuthErrorCode::InvalidRequest,
            AuditCode::InvalidRequest,
            format!(
                "the parameter {:?} is given more than once",
                crate::error::truncate(k, 40)
            ),
        );
    }
    // 4. response_type.
    if let Err((error, code, detail)) = check_response_type(param("response_type")) {
        return redirect(error, code, detail);
    }
    // 5. state.
    let state = match valid_state(state_param.as_deref()) {
        Ok(s) => s,
        Err((error, code, detail)) => return redirect(error, code, detail),
    };
    if emu
        .store()
        .with(|c| chain::state_used(c, &client, &state))
        .map_err(Stop::Failed)?
    {
        return redirect(
            OAuthErrorCode::InvalidRequest,
            AuditCode::InvalidState,
            "state was already used for an authorization of this integration; use a new random state for every flow".into(),
        );
    }
    // 6. scope.
    let scopes = match check_scopes(param("scope"), &integration) {
        Ok(s) => s,
        Err((code, detail)) => return redirect(OAuthErrorCode::InvalidScope, code, detail),
    };
    // 7. PKCE.
    let challenge = match challenge_of(
        param("code_challenge"),
        param("code_challenge_method"),
        integration.public,
        &scopes,
    ) {
        Ok(c) => c,
        Err((error, code, detail)) => return redirect(error, code, detail),
    };
    // 8. prompt.
    let prompt = match parse_prompt(param("prompt")) {
        Ok(p) => p,
        Err(detail) => {
            return redirect(
                OAuthErrorCode::InvalidRequest,
                AuditCode::InvalidRequest,
                detail,
            );
        }
    };
    Ok(Validated {
        integration,
        redirect_uri: redirect_uri.to_owned(),
        state,
        scopes,
        challenge,
        prompt,
    })
}

/// Step 1's parameter: exactly one, non-empty `client_id`.
fn client_id_param(count: usize, client_id: Option<&str>) -> Result<&str, Refusal> {
    if count > 1 {
        return Err(page_error(
            OAuthErrorCode::InvalidRequest,
            AuditCode::UnknownIntegration,
            "client_id is given more than once",
        ));
    }
    let Some(client_id) = client_id.filter(|c| !c.is_empty()) else {
        return Err(page_error(
            OAuthErrorCode::InvalidRequest,
            AuditCode::UnknownIntegration,
            "client_id is missing",
        ));
    };
    Ok(client_id)
}

/// The page for a client id no integration record has.
fn unknown_client(client_id: &str) -> Refusal {
    let mut r = Rejection::new(
        OAuthErrorCode::UnauthorizedClient,
        AuditCode::UnknownIntegration,
        format!(
            "no integration record has the client id {:?}",
            crate::error::truncate(client_id, 80)
        ),
    );
    if super::client_auth::plausible_client_id(client_id) {
        r = r.client(client_id);
    }
    Refusal::Page(r)
}

/// Steps 2 and 3 (errors shown on a page): exactly one redirect URI, one of the
/// record's, and an integration that can use the authorization code grant.
fn usable_for_code<'a>(
    integration: &Integration,
    redirect_count: usize,
    redirect_uri: Option<&'a str>,
) -> Result<&'a str, Denied> {
    if redirect_count > 1 {
        return Err((
            OAuthErrorCode::InvalidRequest,
            AuditCode::InvalidRedirectURI,
            "redirect_uri is given more than once".into(),
        ));
    }
    let Some(redirect_uri) = redirect_uri.filter(|r| !r.is_empty()) else {
        return Err((
            OAuthErrorCode::InvalidRequest,
            AuditCode::InvalidRedirectURI,
            "redirect_uri is missing".into(),
        ));
    };
    if let Err(why) = redirect_allowed(integration, redirect_uri) {
        return Err((
            OAuthErrorCode::InvalidRequest,
            AuditCode::InvalidRedirectURI,
            why,
        ));
    }
    if integration.blocked {
        return Err((
            OAuthErrorCode::UnauthorizedClient,
            AuditCode::InvalidIntegration,
            format!("the integration record {:?} is blocked", integration.name),
        ));
    }
    if !integration.auth_code {
        return Err((
            OAuthErrorCode::UnauthorizedClient,
            AuditCode::AuthorizationCodeGrantRequired,
            format!(
                "the integration record {:?} does not have the Authorization Code grant enabled",
                integration.name
            ),
        ));
    }
    Ok(redirect_uri)
}

/// A parameter given more than once, if any.
fn repeated_param(pairs: &[(String, String)]) -> Option<&str> {
    pairs
        .iter()
        .enumerate()
        .find(|(i, (k, _))| pairs[..*i].iter().any(|(o, _)| o == k))
        .map(|(_, (k, _))| k.as_str())
}

/// Step 4: `response_type=code`.
fn check_response_type(response_type: Option<&str>) -> Result<(), Denied> {
    match response_type {
        Some("code") => Ok(()),
        None | Some("") => Err((
            OAuthErrorCode::InvalidRequest,
            AuditCode::InvalidRequest,
            "response_type is missing; it must be code".into(),
        )),
        Some(other) => Err((
            OAuthErrorCode::UnsupportedResponseType,
            AuditCode::InvalidRequest,
            format!(
                "response_type {:?} is not supported; NetSuite supports only code",
                crate::error::truncate(other, 40)
            ),
        )),
    }
}

/// Step 5: 22 to 1024 printable ASCII characters.
fn valid_state(state: Option<&str>) -> Result<String, Denied> {
    match state {
        None | Some("") => Err((
            OAuthErrorCode::InvalidRequest,
            AuditCode::InvalidState,
            "state is missing; NetSuite requires 22 to 1024 printable ASCII characters".into(),
        )),
        Some(s)
            if !STATE_LEN.contains(&s.len()) || !s.bytes().all(|b| (0x20..0x7f).contains(&b)) =>
        {
            Err((
                OAuthErrorCode::InvalidRequest,
                AuditCode::InvalidState,
                format!(
                    "state has {} characters{}; NetSuite requires 22 to 1024 printable ASCII characters",
                    s.chars().count(),
                    if s.is_ascii() { "" } else { ", not all ASCII" }
                ),
            ))
        }
        Some(s) => Ok(s.to_owned()),
    }
}

/// Step 7: the PKCE challenge (S256 only), required of public clients and for `mcp`.
fn challenge_of(
    challenge: Option<&str>,
    method: Option<&str>,
    public: bool,
    scopes: &[String],
) -> Result<Option<String>, Denied> {
    let challenge = match (challenge, method) {
        (None | Some(""), None | Some("")) => None,
        (_, Some(m)) if m != "S256" && !m.is_empty() => {
            return Err((
                OAuthErrorCode::InvalidRequest,
                AuditCode::InvalidRequest,
                format!(
                    "code_challenge_method {:?} is not supported; NetSuite supports only S256 (plain was dropped in 2020.2)",
                    crate::error::truncate(m, 20)
                ),
            ));
        }
        (Some(c), Some("S256")) if pkce::valid_challenge(c) => Some(c.to_owned()),
        (Some(c), Some("S256")) if !c.is_empty() => {
            return Err((
                OAuthErrorCode::InvalidRequest,
                AuditCode::InvalidRequest,
                "code_challenge is not an S256 challenge (43 base64url characters)".into(),
            ));
        }
        (Some(c), None | Some("")) if !c.is_empty() => {
            return Err((
                OAuthErrorCode::InvalidRequest,
                AuditCode::InvalidRequest,
                "code_challenge_method is missing; it must be S256 (plain, the default, is not supported)".into(),
            ));
        }
        _ => {
            return Err((
                OAuthErrorCode::InvalidRequest,
                AuditCode::InvalidRequest,
                "code_challenge_method is given without a code_challenge".into(),
            ));
        }
    };
    if challenge.is_none() && public {
        return Err((
            OAuthErrorCode::InvalidRequest,
            AuditCode::InvalidRequest,
            "a public client must use PKCE: send code_challenge and code_challenge_method=S256"
                .into(),
        ));
    }
    if challenge.is_none() && scopes.iter().any(|s| s == "mcp") {
        return Err((
            OAuthErrorCode::InvalidRequest,
            AuditCode::InvalidRequest,
            "the mcp scope requires PKCE: send code_challenge and code_challenge_method=S256"
                .into(),
        ));
    }
    Ok(challenge)
}

/// The redirect URI must be one of the record's, exactly; with `allow_http_loopback`,
/// an `http` loopback URI may use another port (RFC 8252 §7.3).
fn redirect_allowed(integration: &Integration, given: &str) -> Result<(), String> {
    let shown = crate::error::truncate(given, 200);
    if integration.redirect_uris.iter().any(|r| r == given) {
        return integration::check_redirect_uri(given, integration.allow_http_loopback)
            .map_err(|e| e.to_string());
    }
    if integration.allow_http_loopback
        && let Ok(g) = url::Url::parse(given)
        && g.scheme() == "http"
        && integration::is_loopback(&g)
    {
        let same_but_port = integration.redirect_uris.iter().any(|r| {
            url::Url::parse(r).is_ok_and(|r| {
                r.scheme() == "http"
                    && r.host_str() == g.host_str()
                    && r.path() == g.path()
                    && r.query() == g.query()
                    && r.fragment().is_none()
                    && g.fragment().is_none()
                    && g.username().is_empty()
                    && g.password().is_none()
            })
        });
        if same_but_port {
            return Ok(());
        }
    }
    let registered = if integration.redirect_uris.is_empty() {
        "none".to_owned()
    } else {
        integration.redirect_uris.join(", ")
    };
    Err(format!(
        "the redirect_uri {shown:?} is not a redirect URI of the integration record {:?} (registered: {registered})",
        integration.name
    ))
}

/// Scopes of step one: space-separated, known, `mcp` alone, enabled on the record.
fn check_scopes(
    scope: Option<&str>,
    integration: &Integration,
) -> Result<Vec<String>, (AuditCode, String)> {
    let raw = scope.unwrap_or_default();
    let mut scopes: Vec<String> = Vec::new();
    for s in raw.split([' ', '\t', '\n', '\r']).filter(|s| !s.is_empty()) {
        if !scopes.iter().any(|x| x == s) {
            scopes.push(s.to_owned());
        }
    }
    if scopes.is_empty() {
        return Err((
            AuditCode::ScopeMismatched,
            "scope is empty; request restlets, rest_webservices, suite_analytics (space-separated) or mcp".into(),
        ));
    }
    for s in &scopes {
        if !netsuite_auth::assertion::KNOWN_SCOPES.contains(&s.as_str()) {
            let hint = if s.contains(',') {
                " (scopes are separated by spaces, not commas)"
            } else {
                ""
            };
            return Err((
                AuditCode::InvalidScope,
                format!(
                    "unknown scope {:?}{hint}; NetSuite's scopes are restlets, rest_webservices, suite_analytics and mcp",
                    crate::error::truncate(s, 60)
                ),
            ));
        }
    }
    if scopes.len() > 1 && scopes.iter().any(|s| s == "mcp") {
        return Err((
            AuditCode::InvalidScope,
            "the mcp scope must be requested alone".into(),
        ));
    }
    let missing: Vec<&str> = scopes
        .iter()
        .filter(|s| !integration.scopes.contains(s))
        .map(String::as_str)
        .collect();
    if !missing.is_empty() {
        return Err((
            AuditCode::ScopeMismatched,
            format!(
                "the scope {} is not enabled on the integration record (it has {})",
                missing.join(", "),
                integration.scopes.join(", ")
            ),
        ));
    }
    Ok(scopes)
}

fn parse_prompt(prompt: Option<&str>) -> Result<Prompt, String> {
    let mut p = Prompt::default();
    for v in prompt
        .unwrap_or_default()
        .split(' ')
        .filter(|v| !v.is_empty())
    {
        match v {
            "none" => p.none = true,
            "login" => p.login = true,
            "consent" => p.consent = true,
            other => {
                return Err(format!(
                    "prompt value {:?} is not none, login or consent",
                    crate::error::truncate(other, 40)
                ));
            }
        }
    }
    if p.none && (p.login || p.consent) {
        return Err("prompt=none cannot be combined with login or consent".into());
    }
    Ok(p)
}

/// Whether the consent page must appear.
fn needs_consent(
    policy: ConsentPolicy,
    prompt: Prompt,
    existing: Option<&ActiveAuthorization>,
    scopes: &[String],
) -> bool {
    match policy {
        ConsentPolicy::Always => true,
        ConsentPolicy::Never => false,
        ConsentPolicy::FirstTime => {
            prompt.consent || existing.is_none_or(|a| scopes.iter().any(|s| !a.scopes.contains(s)))
        }
    }
}

/// The role to use without asking: the earlier authorization's, when the user still
/// has it, else the user's default role.
fn remembered_role(user: &LoginUser, existing: Option<&ActiveAuthorization>) -> i64 {
    existing
        .map(|a| a.role)
        .filter(|r| user.has_role(*r))
        .unwrap_or_else(|| user.default_role())
}

/// After validation: log in, consent, or redirect with a code.
fn decide(
    emu: &OAuthPlane,
    v: &Validated,
    cookie: Option<&str>,
    now: i64,
) -> Result<Response, Error> {
    let users = &emu.settings().users;
    let auto = emu.settings().auto_approve;
    let client = v.integration.client_id.as_str();
    let redirect_refusal = |error, code: AuditCode, detail: &str| Refusal::Redirect {
        redirect_uri: v.redirect_uri.clone(),
        state: Some(v.state.clone()),
        rejection: Box::new(Rejection::new(error, code, detail).client(client)),
    };
    let session_user = match cookie {
        Some(c) if !auto => emu
            .store()
            .with(|conn| login::session_user(conn, c, now))?
            .and_then(|email| login::find(users, &email)),
        _ => None,
    };
    let user = if auto { users.first() } else { session_user };
    let needs_login = !auto && (user.is_none() || v.prompt.login);
    if v.prompt.none && needs_login {
        return Ok(redirect_refusal(
            OAuthErrorCode::LoginRequired,
            AuditCode::LoginRequired,
            "prompt=none, but there is no login session; authorize without prompt=none so that the user can log in",
        )
        .respond(emu, now));
    }
    if needs_login {
        let flow = emu.store().write(|tx| {
            create_flow(tx, v, None, now).map_err(|e| crate::store::storage(emu.store().label(), e))
        })?;
        return Ok(pages::login_page(
            emu.account(),
            &flow,
            &v.integration,
            &v.scopes,
            None,
            "",
        ));
    }
    let Some(user) = user else {
        return Ok(pages::error_page(
            StatusCode::INTERNAL_SERVER_ERROR,
            "server_error",
            "The emulator has no users configured, so nobody can log in.",
        ));
    };
    let existing = emu
        .store()
        .with(|c| chain::find_authorization(c, client, &user.email))?;
    let consent = needs_consent(
        v.integration.consent_policy,
        v.prompt,
        existing.as_ref(),
        &v.scopes,
    );
    if consent && v.prompt.none && v.integration.consent_policy != ConsentPolicy::Always {
        return Ok(redirect_refusal(
            OAuthErrorCode::ConsentRequired,
            AuditCode::ConsentRequired,
            "prompt=none, but the user has not yet allowed these scopes for this integration",
        )
        .respond(emu, now));
    }
    if consent && !auto {
        let flow = emu.store().write(|tx| {
            create_flow(tx, v, Some(&user.email), now)
                .map_err(|e| crate::store::storage(emu.store().label(), e))
        })?;
        let role = remembered_role(user, existing.as_ref());
        return Ok(pages::consent_page(
            emu.account(),
            &flow,
            &v.integration,
            &v.scopes,
            user,
            role,
            None,
        ));
    }
    let role = match emu.settings().auto_approve_role {
        Some(r) if auto => r,
        _ => remembered_role(user, existing.as_ref()),
    };
    let location = approve(emu, v, user, role, None, now)?;
    Ok(found(&location, None))
}

/// Stores the authorization and a code; returns the redirect location.
fn approve(
    emu: &OAuthPlane,
    v: &Validated,
    user: &LoginUser,
    role: i64,
    flow: Option<&str>,
    now: i64,
) -> Result<String, Error> {
    let client = v.integration.client_id.as_str();
    let ttl = emu.settings().code_ttl_secs;
    let label = emu.store().label().to_owned();
    let code = emu.store().write(|tx| {
        let st = |e| crate::store::storage(&label, e);
        let authorization_id =
            chain::allow(tx, client, &user.email, role, user.entity, &v.scopes, now).map_err(st)?;
        if let Some(f) = flow {
            finish_flow(tx, f).map_err(st)?;
        }
        chain::insert_code(
            tx,
            &NewCode {
                client_id: client,
                redirect_uri: &v.redirect_uri,
                scopes: &v.scopes,
                challenge: v.challenge.as_deref(),
                role,
                entity: user.entity,
                user_email: &user.email,
                authorization_id,
                state: &v.state,
            },
            now,
            ttl,
        )
        .map_err(st)
    })?;
    let role = role.to_string();
    let entity = user.entity.to_string();
    Ok(redirect_url(
        &v.redirect_uri,
        &[
            ("state", &v.state),
            ("code", &code),
            ("role", &role),
            ("entity", &entity),
            ("company", emu.account().as_str()),
        ],
    ))
}

// ---- flows: the validated request behind a login or consent page ----

struct Flow {
    client_id: String,
    redirect_uri: String,
    scopes: Vec<String>,
    state: String,
    challenge: Option<String>,
    prompt: Prompt,
    user_email: Option<String>,
}

fn create_flow(
    conn: &Connection,
    v: &Validated,
    user: Option<&str>,
    now: i64,
) -> rusqlite::Result<String> {
    let id = identifier::client_credential();
    conn.prepare_cached(
        "INSERT INTO authorize_flow (id_sha256, client_id, redirect_uri, scopes, state, challenge, \
         prompt_login, prompt_consent, user_email, created, expires) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
    )?
    .execute(rusqlite::params![
        identifier::sha256_hex(&id),
        v.integration.client_id,
        v.redirect_uri,
        json_list(&v.scopes),
        v.state,
        v.challenge,
        v.prompt.login,
        v.prompt.consent,
        user,
        now,
        now + FLOW_SECS,
    ])?;
    Ok(id)
}

fn load_flow(conn: &Connection, id: &str, now: i64) -> rusqlite::Result<Option<Flow>> {
    conn.prepare_cached(
        "SELECT client_id, redirect_uri, scopes, state, challenge, prompt_login, prompt_consent, \
         user_email FROM authorize_flow WHERE id_sha256 = ?1 AND done = 0 AND expires > ?2",
    )?
    .query_row(rusqlite::params![identifier::sha256_hex(id), now], |r| {
        Ok(Flow {
            client_id: r.get(0)?,
            redirect_uri: r.get(1)?,
            scopes: parse_list(&r.get::<_, String>(2)?),
            state: r.get(3)?,
            challenge: r.get(4)?,
            prompt: Prompt {
                none: false,
                login: r.get(5)?,
                consent: r.get(6)?,
            },
            user_email: r.get(7)?,
        })
    })
    .optional()
}

fn set_flow_user(conn: &Connection, id: &str, email: &str) -> rusqlite::Result<()> {
    conn.prepare_cached("UPDATE authorize_flow SET user_email = ?2 WHERE id_sha256 = ?1")?
        .execute([identifier::sha256_hex(id), email.to_owned()])?;
    Ok(())
}

fn finish_flow(conn: &Connection, id: &str) -> rusqlite::Result<()> {
    conn.prepare_cached("UPDATE authorize_flow SET done = 1 WHERE id_sha256 = ?1")?
        .execute([identifier::sha256_hex(id)])?;
    Ok(())
}

// ---- the form posts of the login and consent pages ----

/// `POST /app/login/oauth2/authorize.nl`: the login and consent forms.
pub(crate) async fn post(State(emu): State<OAuthPlane>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let content_type = parts.headers.get(header::CONTENT_TYPE).cloned();
    let body = axum::body::to_bytes(body, MAX_FORM).await;
    emu.run_blocking(move |emu| {
        let now = emu.clock().now();
        let form = body
            .map_err(|_| format!("the form is over {MAX_FORM} bytes"))
            .and_then(|b| {
                Form::parse(content_type.as_ref().map(HeaderValue::as_bytes), &b)
                    .map_err(|r| r.detail)
            });
        let form = match form {
            Ok(f) => f,
            Err(detail) => {
                let r = Rejection::new(
                    OAuthErrorCode::InvalidRequest,
                    AuditCode::InvalidRequest,
                    detail,
                );
                emu.log(now, &r);
                return Ok(pages::error_page(
                    StatusCode::BAD_REQUEST,
                    "invalid_request",
                    &r.detail,
                ));
            }
        };
        submit(emu, &form, now)
    })
    .await
    .unwrap_or_else(|e| server_error(&e))
}

/// The pending authorization a login or consent form refers to, with its integration
/// still able to use the grant; otherwise the error page (logged).
#[allow(clippy::result_large_err)] // the refusal is the ready page
fn pending(emu: &OAuthPlane, flow_id: &str, now: i64) -> Checked<(Flow, Validated), Response> {
    let flow = if flow_id.is_empty() || flow_id.len() > 128 {
        None
    } else {
        emu.store().with(|c| load_flow(c, flow_id, now))?
    };
    let Some(flow) = flow else {
        let r = Rejection::new(
            OAuthErrorCode::InvalidRequest,
            AuditCode::InvalidRequest,
            "the login or consent form refers to no pending authorization (unknown, expired after 30 minutes, or already answered); start again from the application",
        );
        emu.log(now, &r);
        return Err(Stop::Refused(pages::error_page(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            &r.detail,
        )));
    };
    let integration = emu.store().with(|c| integration::get(c, &flow.client_id))?;
    let integration = match integration {
        Some(i) if !i.blocked && i.auth_code => i,
        _ => {
            let r = Rejection::new(
                OAuthErrorCode::UnauthorizedClient,
                AuditCode::InvalidIntegration,
                "the integration record was deleted, blocked or lost the Authorization Code grant during the login",
            )
            .client(&flow.client_id);
            emu.log(now, &r);
            return Err(Stop::Refused(pages::error_page(
                StatusCode::BAD_REQUEST,
                "unauthorized_client",
                &r.detail,
            )));
        }
    };
    let v = Validated {
        integration,
        redirect_uri: flow.redirect_uri.clone(),
        state: flow.state.clone(),
        scopes: flow.scopes.clone(),
        challenge: flow.challenge.clone(),
        prompt: flow.prompt,
    };
    Ok((flow, v))
}

/// The logged-in user of the flow, or the user the login form names (with the new
/// session); otherwise the login page again (a wrong password is logged).
#[allow(clippy::result_large_err)] // the refusal is the ready page
fn log_in<'a>(
    emu: &'a OAuthPlane,
    form: &Form,
    flow_id: &str,
    flow: &Flow,
    v: &Validated,
    now: i64,
) -> Checked<(&'a LoginUser, Option<String>), Response> {
    let label = emu.store().label().to_owned();
    let st = |e| crate::store::storage(&label, e);
    let client = v.integration.client_id.as_str();
    let users = &emu.settings().users;
    match flow
        .user_email
        .as_deref()
        .and_then(|e| login::find(users, e))
    {
        Some(u) => Ok((u, None)),
        None => {
            let email = form.get("email").unwrap_or_default();
            let password = form.get("password").unwrap_or_default();
            if email.is_empty() && password.is_empty() {
                return Err(Stop::Refused(pages::login_page(
                    emu.account(),
                    flow_id,
                    &v.integration,
                    &v.scopes,
                    None,
                    "",
                )));
            }
            if let Some(account) = form.get("account").filter(|a| !a.trim().is_empty())
                && !account.trim().eq_ignore_ascii_case(emu.account().as_str())
            {
                let r = Rejection::new(
                    OAuthErrorCode::AccessDenied,
                    AuditCode::InvalidCredentials,
                    format!(
                        "login for account {:?}, but this is account {}",
                        crate::error::truncate(account, 40),
                        emu.account()
                    ),
                )
                .client(client);
                emu.log(now, &r);
                return Err(Stop::Refused(pages::login_page(
                    emu.account(),
                    flow_id,
                    &v.integration,
                    &v.scopes,
                    Some("You do not have access to that account."),
                    email,
                )));
            }
            let Some(user) = login::check(users, email, password) else {
                let r = Rejection::new(
                    OAuthErrorCode::AccessDenied,
                    AuditCode::InvalidCredentials,
                    format!(
                        "wrong email address or password for {:?} on the login page",
                        crate::error::truncate(email, 80)
                    ),
                )
                .client(client);
                emu.log(now, &r);
                return Err(Stop::Refused(pages::login_page(
                    emu.account(),
                    flow_id,
                    &v.integration,
                    &v.scopes,
                    Some(
                        "You have entered an invalid email address or password. Please try again.",
                    ),
                    email,
                )));
            };
            let session = emu.store().write(|tx| {
                set_flow_user(tx, flow_id, &user.email).map_err(st)?;
                login::start_session(tx, &user.email, now).map_err(st)
            })?;
            Ok((user, Some(session)))
        }
    }
}

fn submit(emu: &OAuthPlane, form: &Form, now: i64) -> Result<Response, Error> {
    let label = emu.store().label().to_owned();
    let st = |e| crate::store::storage(&label, e);
    let flow_id = form.get("flow").unwrap_or_default();
    let (flow, v) = match pending(emu, flow_id, now) {
        Ok(found) => found,
        Err(Stop::Refused(page)) => return Ok(page),
        Err(Stop::Failed(e)) => return Err(e),
    };
    let client = v.integration.client_id.as_str();
    // Log in.
    let (user, new_session) = match log_in(emu, form, flow_id, &flow, &v, now) {
        Ok(found) => found,
        Err(Stop::Refused(page)) => return Ok(page),
        Err(Stop::Failed(e)) => return Err(e),
    };
    // Consent.
    let existing = emu
        .store()
        .with(|c| chain::find_authorization(c, client, &user.email))?;
    let with_cookie = |mut resp: Response| {
        if let Some(c) = &new_session
            && let Ok(v) = HeaderValue::from_str(&login::set_cookie(c))
        {
            resp.headers_mut().insert(header::SET_COOKIE, v);
        }
        resp
    };
    if !needs_consent(
        v.integration.consent_policy,
        v.prompt,
        existing.as_ref(),
        &v.scopes,
    ) {
        let role = remembered_role(user, existing.as_ref());
        let location = approve(emu, &v, user, role, Some(flow_id), now)?;
        return Ok(found(&location, new_session));
    }
    let role_default = remembered_role(user, existing.as_ref());
    match form.get("action") {
        None | Some("") => Ok(with_cookie(pages::consent_page(
            emu.account(),
            flow_id,
            &v.integration,
            &v.scopes,
            user,
            role_default,
            None,
        ))),
        Some("deny") => {
            emu.store()
                .write(|tx| finish_flow(tx, flow_id).map_err(st))?;
            let refusal = Refusal::Redirect {
                redirect_uri: v.redirect_uri.clone(),
                state: Some(v.state.clone()),
                rejection: Box::new(
                    Rejection::new(
                        OAuthErrorCode::AccessDenied,
                        AuditCode::AccessDenied,
                        format!("{} clicked Deny on the consent page", user.email),
                    )
                    .client(client),
                ),
            };
            Ok(with_cookie(refusal.respond(emu, now)))
        }
        Some("allow") => {
            let role = match form.get("role").filter(|r| !r.is_empty()) {
                None => role_default,
                Some(r) => match r.trim().parse::<i64>() {
                    Ok(id) if user.has_role(id) => id,
                    _ => {
                        let r = Rejection::new(
                            OAuthErrorCode::AccessDenied,
                            AuditCode::EntityOrRoleDisabled,
                            format!(
                                "{} chose role {:?}, which is not one of the user's roles",
                                user.email,
                                crate::error::truncate(r, 20)
                            ),
                        )
                        .client(client);
                        emu.log(now, &r);
                        return Ok(with_cookie(pages::consent_page(
                            emu.account(),
                            flow_id,
                            &v.integration,
                            &v.scopes,
                            user,
                            role_default,
                            Some("Choose one of your roles."),
                        )));
                    }
                },
            };
            let location = approve(emu, &v, user, role, Some(flow_id), now)?;
            Ok(found(&location, new_session))
        }
        Some(_) => Ok(with_cookie(pages::consent_page(
            emu.account(),
            flow_id,
            &v.integration,
            &v.scopes,
            user,
            role_default,
            Some("Choose Allow or Deny."),
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prompt_values() {
        assert_eq!(parse_prompt(None).unwrap(), Prompt::default());
        let p = parse_prompt(Some("login consent")).unwrap();
        assert!(p.login && p.consent && !p.none);
        assert!(parse_prompt(Some("none")).unwrap().none);
        assert!(parse_prompt(Some("none login")).is_err());
        assert!(parse_prompt(Some("select_account")).is_err());
    }

    #[test]
    fn consent_matrix() {
        let scopes = vec!["restlets".to_owned()];
        let prior = ActiveAuthorization {
            role: 3,
            scopes: scopes.clone(),
        };
        let none = Prompt::default();
        let consent = Prompt {
            consent: true,
            ..Prompt::default()
        };
        assert!(needs_consent(
            ConsentPolicy::Always,
            none,
            Some(&prior),
            &scopes
        ));
        assert!(!needs_consent(ConsentPolicy::Never, consent, None, &scopes));
        assert!(needs_consent(ConsentPolicy::FirstTime, none, None, &scopes));
        assert!(!needs_consent(
            ConsentPolicy::FirstTime,
            none,
            Some(&prior),
            &scopes
        ));
        assert!(needs_consent(
            ConsentPolicy::FirstTime,
            consent,
            Some(&prior),
            &scopes
        ));
        let more = vec!["restlets".to_owned(), "rest_webservices".to_owned()];
        assert!(needs_consent(
            ConsentPolicy::FirstTime,
            none,
            Some(&prior),
            &more
        ));
    }

    #[test]
    fn redirect_urls() {
        assert_eq!(
            redirect_url(
                "https://app.example/cb?x=1",
                &[("state", "a b"), ("code", "c")]
            ),
            "https://app.example/cb?x=1&state=a+b&code=c"
        );
        assert_eq!(
            redirect_url("myapp://callback", &[("code", "c")]),
            "myapp://callback?code=c"
        );
    }
}
