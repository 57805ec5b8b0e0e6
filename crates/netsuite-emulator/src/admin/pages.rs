//! `/admin/...`: plain server-rendered HTML pages with forms that post back and
//! redirect (303) to the page they came from. No scripts.

use axum::body::Bytes;
use axum::extract::{Path, Query, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use netsuite_auth::account::{AUTHORIZE_PATH, REVOKE_PATH, TOKEN_PATH};

use super::api::{classify, limit, truthy};
use crate::error::Error;
use crate::html::{self, escape, time};
use crate::oauth::audit::AuditEntry;
use crate::oauth::chain::{AuthorizedApp, IssuedToken, TokenKind};
use crate::oauth::discovery::{DISCOVERY_PATH, KEYS_PATH};
use crate::oauth::integration::ConsentPolicy;
use crate::oauth::integration::Integration;
use crate::oauth::mapping::Mapping;
use crate::oauth::pages::scope_label;
use crate::oauth::request::Form;
use crate::oauth::state::OAuthPlane;

const SECTIONS: [(&str, &str); 9] = [
    ("/admin/", "Overview"),
    ("/admin/integrations", "Integrations"),
    ("/admin/mappings", "M2M certificates"),
    ("/admin/authorizations", "Authorized apps"),
    ("/admin/tokens", "Tokens"),
    ("/admin/audit", "Login audit trail"),
    ("/admin/records", "Records"),
    ("/admin/suiteql", "SuiteQL"),
    ("/admin/governance", "Governance"),
];

pub(super) fn nav(active: &str) -> String {
    let links: String = SECTIONS
        .iter()
        .map(|(href, label)| {
            let on = if *href == active { " class=\"on\"" } else { "" };
            format!("<a href=\"{href}\"{on}>{label}</a>")
        })
        .collect();
    format!("<nav>{links}</nav>")
}

fn page(active: &str, title: &str, body: &str) -> Response {
    html::response(
        StatusCode::OK,
        html::page(
            &format!("{title} — NetSuite emulator"),
            Some(&nav(active)),
            false,
            body,
        ),
    )
}

fn error_page(e: &Error) -> Response {
    let (status, _) = classify(e);
    let message = if status == StatusCode::INTERNAL_SERVER_ERROR {
        eprintln!("netsuite-emulator: {}", crate::error::chain(e));
        "The emulator failed; see its log.".to_owned()
    } else {
        e.to_string()
    };
    html::response(
        status,
        html::page(
            "Error — NetSuite emulator",
            Some(&nav("")),
            false,
            &format!(
                "<div class=\"card\"><h1>That did not work</h1><div class=\"error\">{}</div>\
                 <p><a href=\"/admin/\">Back to the overview</a></p></div>",
                escape(&message)
            ),
        ),
    )
}

/// Runs `f` on the blocking pool; its HTML, or an error page.
async fn render<F>(emu: &OAuthPlane, f: F) -> Response
where
    F: FnOnce(&OAuthPlane) -> Result<Response, Error> + Send + 'static,
{
    match emu.run_blocking(f).await {
        Ok(r) => r,
        Err(e) => error_page(&e),
    }
}

fn see_other(location: &str) -> Response {
    let mut resp = StatusCode::SEE_OTHER.into_response();
    if let Ok(v) = HeaderValue::from_str(location) {
        resp.headers_mut().insert(header::LOCATION, v);
    }
    resp
}

/// Where a form asks to go back to: an admin path, else `fallback`.
fn back(form: &Form, fallback: &str) -> String {
    form.get("back")
        .filter(|b| b.starts_with("/admin/") && !b.contains("//") && !b.contains('\\'))
        .filter(|b| b.bytes().all(|c| c.is_ascii_graphic()))
        .unwrap_or(fallback)
        .to_owned()
}

fn parse_form(body: &Bytes) -> Form {
    Form::parse_body(body).unwrap_or_default()
}

fn tag(text: &str, class: &str) -> String {
    format!("<span class=\"tag {class}\">{}</span>", escape(text))
}

fn button_form(action: &str, back_to: &str, label: &str) -> String {
    format!(
        "<form class=\"inline\" method=\"post\" action=\"{}\"><input type=\"hidden\" name=\"back\" value=\"{}\">\
         <button class=\"danger\" type=\"submit\">{}</button></form>",
        escape(action),
        escape(back_to),
        escape(label)
    )
}

fn path_segment(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes())
        .collect::<String>()
        .replace('+', "%20")
}

fn short(id: &str) -> String {
    if id.chars().count() > 16 {
        format!("{}…", id.chars().take(12).collect::<String>())
    } else {
        id.to_owned()
    }
}

pub(super) async fn redirect_home() -> Response {
    see_other("/admin/")
}

// ---- overview ----

pub(super) async fn home(State(emu): State<OAuthPlane>, uri: Uri, headers: HeaderMap) -> Response {
    let base = emu.link_base(&uri, &headers);
    render(&emu, move |emu| {
        let integrations = emu.list_integrations()?;
        let mappings = emu.list_mappings()?;
        let apps = emu.authorized_apps()?;
        let tokens = emu.tokens(false, 10_000)?;
        let audit = emu.audit()?;
        let now = emu.clock().now();
        let active_mappings = mappings
            .iter()
            .filter(|m| !m.revoked && m.not_after > now)
            .count();
        let live_apps = apps.iter().filter(|a| !a.revoked).count();
        let live_tokens = tokens.iter().filter(|t| !t.revoked).count();
        let stat = |n: usize, label: &str, href: &str| {
            format!("<a class=\"stat\" href=\"{href}\" style=\"text-decoration:none;color:inherit\"><b>{n}</b>{label}</a>")
        };
        let endpoints: String = [
            ("Authorize", AUTHORIZE_PATH),
            ("Token", TOKEN_PATH),
            ("Revoke", REVOKE_PATH),
            ("JWKS", KEYS_PATH),
            ("OpenID configuration", DISCOVERY_PATH),
            ("REST records", "/services/rest/record/v1"),
        ]
        .iter()
        .map(|(label, path)| {
            format!(
                "<tr><th>{label}</th><td class=\"mono\">{}</td></tr>",
                escape(&format!("{base}{path}"))
            )
        })
        .collect();
        let recent: Vec<&AuditEntry> = audit.iter().rev().take(8).collect();
        let body = format!(
            "<h1>Account {account}</h1>\
             <div class=\"grid\">{s1}{s2}{s3}{s4}{s5}</div>\
             <div class=\"card\" style=\"margin-top:20px\"><h2>Endpoints</h2><table>{endpoints}\
             <tr><th>Token signing key</th><td class=\"mono\">{kid} (ES256)</td></tr></table></div>\
             <div class=\"card\"><h2>Latest rejections</h2>{recent}\
             <p><a href=\"/admin/audit\">The whole login audit trail</a></p></div>",
            account = escape(emu.account().as_str()),
            s1 = stat(integrations.len(), "integrations", "/admin/integrations"),
            s2 = stat(active_mappings, "active M2M certificates", "/admin/mappings"),
            s3 = stat(live_apps, "authorized apps", "/admin/authorizations"),
            s4 = stat(live_tokens, "live tokens", "/admin/tokens"),
            s5 = stat(audit.len(), "audit entries", "/admin/audit"),
            kid = escape(emu.signing_key_id()),
            recent = audit_table(&recent, false),
        );
        Ok(page("/admin/", "Overview", &body))
    })
    .await
}

// ---- integrations ----

fn grants(i: &Integration) -> String {
    let mut out = String::new();
    if i.m2m {
        out.push_str(&tag("client credentials", ""));
    }
    if i.auth_code {
        out.push_str(&tag("authorization code", ""));
    }
    if i.public {
        out.push_str(&tag("public", "warn"));
    }
    out
}

fn scopes(list: &[String]) -> String {
    list.iter().map(|s| tag(s, "")).collect()
}

fn state_tag(blocked: bool) -> String {
    if blocked {
        tag("blocked", "bad")
    } else {
        tag("enabled", "ok")
    }
}

fn integration_rows(list: &[Integration], back_to: &str) -> String {
    if list.is_empty() {
        return "<p class=\"muted\">No integration records yet.</p>".into();
    }
    let rows: String = list
        .iter()
        .map(|i| {
            let action = if i.blocked {
                button_form(
                    &format!("/admin/integrations/{}/enable", path_segment(&i.client_id)),
                    back_to,
                    "Enable",
                )
            } else {
                button_form(
                    &format!("/admin/integrations/{}/block", path_segment(&i.client_id)),
                    back_to,
                    "Block",
                )
            };
            format!(
                "<tr><td><a href=\"/admin/integrations/{id_seg}\">{name}</a></td><td class=\"mono\">{id}</td>\
                 <td>{grants}</td><td>{scopes}</td><td>{policy}</td><td>{state}</td><td>{action}</td></tr>",
                id_seg = path_segment(&i.client_id),
                name = escape(&i.name),
                id = escape(&i.client_id),
                grants = grants(i),
                scopes = scopes(&i.scopes),
                policy = escape(i.consent_policy.label()),
                state = state_tag(i.blocked),
            )
        })
        .collect();
    format!(
        "<table><tr><th>Name</th><th>Client ID</th><th>Grants</th><th>Scopes</th><th>Consent</th><th>State</th><th></th></tr>{rows}</table>"
    )
}

fn create_form(error: Option<&str>) -> String {
    let error = error
        .map(|e| format!("<div class=\"error\">{}</div>", escape(e)))
        .unwrap_or_default();
    let scope_boxes: String = netsuite_auth::assertion::KNOWN_SCOPES
        .iter()
        .map(|s| {
            let checked = if crate::oauth::integration::DEFAULT_SCOPES.contains(s) {
                " checked"
            } else {
                ""
            };
            format!(
                "<label style=\"font-weight:400;display:inline-block;margin-right:14px\"><input type=\"checkbox\" name=\"scope_{s}\" value=\"1\"{checked}> {}</label>",
                escape(scope_label(s))
            )
        })
        .collect();
    format!(
        "<div class=\"card\"><h2>New integration record</h2>{error}\
         <form method=\"post\" action=\"/admin/integrations\">\
         <label for=\"name\">Name</label><input type=\"text\" id=\"name\" name=\"name\" required>\
         <label>Grants</label>\
         <label style=\"font-weight:400;display:inline-block;margin-right:14px\"><input type=\"checkbox\" name=\"m2m\" value=\"1\"> Client Credentials (Machine to Machine)</label>\
         <label style=\"font-weight:400;display:inline-block;margin-right:14px\"><input type=\"checkbox\" name=\"auth_code\" value=\"1\"> Authorization Code</label>\
         <label style=\"font-weight:400;display:inline-block;margin-right:14px\"><input type=\"checkbox\" name=\"public\" value=\"1\"> Public client</label>\
         <label style=\"font-weight:400;display:inline-block\"><input type=\"checkbox\" name=\"allow_http_loopback\" value=\"1\"> Allow http://127.0.0.1 redirects</label>\
         <label for=\"redirect_uris\">Redirect URIs (separated by spaces)</label>\
         <input type=\"text\" id=\"redirect_uris\" name=\"redirect_uris\" placeholder=\"https://app.example/callback myapp://callback\">\
         <label>Scopes</label>{scope_boxes}\
         <label for=\"consent_policy\">OAuth 2.0 consent policy</label>\
         <select id=\"consent_policy\" name=\"consent_policy\"><option value=\"always\">Always Ask</option>\
         <option value=\"first-time\">Ask First Time</option><option value=\"never\">Never Ask</option></select>\
         <div class=\"actions\"><button type=\"submit\">Save</button></div></form></div>"
    )
}

pub(super) async fn integrations(State(emu): State<OAuthPlane>) -> Response {
    render(&emu, |emu| {
        let list = emu.list_integrations()?;
        let body = format!(
            "<h1>Integrations</h1><div class=\"card\">{}</div>{}",
            integration_rows(&list, "/admin/integrations"),
            create_form(None)
        );
        Ok(page("/admin/integrations", "Integrations", &body))
    })
    .await
}

pub(super) async fn create_integration(State(emu): State<OAuthPlane>, body: Bytes) -> Response {
    let form = parse_form(&body);
    render(&emu, move |emu| {
        let on = |k: &str| form.get(k).is_some_and(|v| !v.is_empty());
        let scopes: Vec<String> = netsuite_auth::assertion::KNOWN_SCOPES
            .iter()
            .filter(|s| on(&format!("scope_{s}")))
            .map(|s| (*s).to_owned())
            .collect();
        let redirect_uris: Vec<String> = form
            .get("redirect_uris")
            .unwrap_or_default()
            .split_whitespace()
            .map(str::to_owned)
            .collect();
        let new = crate::oauth::integration::NewIntegration {
            name: form.get("name").unwrap_or_default().to_owned(),
            m2m: on("m2m"),
            auth_code: on("auth_code"),
            public: on("public"),
            redirect_uris,
            scopes,
            allow_http_loopback: on("allow_http_loopback"),
            consent_policy: form
                .get("consent_policy")
                .and_then(|p| p.parse::<ConsentPolicy>().ok())
                .unwrap_or_default(),
            refresh_token_hours: None,
            max_rotation_hours: None,
        };
        match emu.create_integration(new) {
            Ok(i) => {
                let secret = i
                    .client_secret
                    .as_deref()
                    .map(|s| {
                        format!(
                            "<tr><th>Client secret</th><td class=\"mono\">{}</td></tr>",
                            escape(s)
                        )
                    })
                    .unwrap_or_default();
                let body = format!(
                    "<h1>Integration created</h1><div class=\"card\">\
                     <div class=\"note\">Copy the credentials now: like NetSuite, the emulator shows the secret only once.</div>\
                     <table><tr><th>Name</th><td>{}</td></tr><tr><th>Client ID</th><td class=\"mono\">{}</td></tr>{secret}</table>\
                     <p><a href=\"/admin/integrations/{}\">Open the integration</a></p></div>",
                    escape(&i.name),
                    escape(&i.client_id),
                    path_segment(&i.client_id)
                );
                Ok(page("/admin/integrations", "Integration created", &body))
            }
            Err(e @ Error::InvalidIntegration { .. }) => {
                let list = emu.list_integrations()?;
                let body = format!(
                    "<h1>Integrations</h1><div class=\"card\">{}</div>{}",
                    integration_rows(&list, "/admin/integrations"),
                    create_form(Some(&e.to_string()))
                );
                let mut r = page("/admin/integrations", "Integrations", &body);
                *r.status_mut() = StatusCode::BAD_REQUEST;
                Ok(r)
            }
            Err(e) => Err(e),
        }
    })
    .await
}

pub(super) async fn integration(
    State(emu): State<OAuthPlane>,
    Path(client_id): Path<String>,
) -> Response {
    render(&emu, move |emu| {
        let super::protocol::IntegrationDetails {
            integration: i,
            mappings,
            authorized_apps: apps,
        } = emu.integration_details(&client_id)?;
        let here = format!("/admin/integrations/{}", path_segment(&client_id));
        let tokens: Vec<IssuedToken> = emu
            .tokens(false, 10_000)?
            .into_iter()
            .filter(|t| t.client_id == client_id)
            .take(100)
            .collect();
        let redirects = if i.redirect_uris.is_empty() {
            "<span class=\"muted\">none</span>".to_owned()
        } else {
            i.redirect_uris
                .iter()
                .map(|r| format!("<div class=\"mono\">{}</div>", escape(r)))
                .collect()
        };
        let action = if i.blocked {
            button_form(&format!("{here}/enable"), &here, "Enable")
        } else {
            button_form(&format!("{here}/block"), &here, "Block")
        };
        let body = format!(
            "<h1>{name}</h1><div class=\"card\"><table>\
             <tr><th>Client ID</th><td class=\"mono\">{id}</td></tr>\
             <tr><th>Application ID</th><td class=\"mono\">{app}</td></tr>\
             <tr><th>State</th><td>{state} {action}</td></tr>\
             <tr><th>Grants</th><td>{grants}</td></tr>\
             <tr><th>Scopes</th><td>{scopes}</td></tr>\
             <tr><th>Redirect URIs</th><td>{redirects}{loopback}</td></tr>\
             <tr><th>Consent policy</th><td>{policy}</td></tr>\
             <tr><th>Refresh token validity</th><td>{refresh} hours</td></tr>\
             <tr><th>Maximum time for token rotation</th><td>{rotation} hours{public_only}</td></tr>\
             </table></div>\
             <div class=\"card\"><h2>M2M certificates</h2>{mappings}</div>\
             <div class=\"card\"><h2>Authorized applications</h2>{apps}</div>\
             <div class=\"card\"><h2>Live tokens</h2>{tokens}</div>",
            name = escape(&i.name),
            id = escape(&i.client_id),
            app = escape(&i.application_id),
            state = state_tag(i.blocked),
            grants = grants(&i),
            scopes = scopes(&i.scopes),
            loopback = if i.allow_http_loopback {
                " <span class=\"tag warn\">http loopback allowed</span>"
            } else {
                ""
            },
            policy = escape(i.consent_policy.label()),
            refresh = i.refresh_token_hours,
            rotation = i.max_rotation_hours,
            public_only = if i.public { "" } else { " (public clients only)" },
            mappings = mapping_table(&mappings, &here, emu.clock().now()),
            apps = app_table(&apps, &here),
            tokens = token_table(&tokens, &here, emu.clock().now()),
        );
        Ok(page("/admin/integrations", &i.name, &body))
    })
    .await
}

async fn set_blocked(emu: OAuthPlane, client_id: String, blocked: bool, body: Bytes) -> Response {
    let form = parse_form(&body);
    let to = back(&form, "/admin/integrations");
    render(&emu, move |emu| {
        emu.set_integration_blocked(&client_id, blocked)?;
        Ok(see_other(&to))
    })
    .await
}

pub(super) async fn block_integration(
    State(emu): State<OAuthPlane>,
    Path(client_id): Path<String>,
    body: Bytes,
) -> Response {
    set_blocked(emu, client_id, true, body).await
}

pub(super) async fn enable_integration(
    State(emu): State<OAuthPlane>,
    Path(client_id): Path<String>,
    body: Bytes,
) -> Response {
    set_blocked(emu, client_id, false, body).await
}

// ---- mappings ----

fn mapping_table(list: &[Mapping], back_to: &str, now: i64) -> String {
    if list.is_empty() {
        return "<p class=\"muted\">No certificates mapped.</p>".into();
    }
    let rows: String = list
        .iter()
        .map(|m| {
            let (status, action) = if m.revoked {
                (tag("revoked", "bad"), String::new())
            } else if m.not_after <= now {
                (tag("expired", "warn"), String::new())
            } else {
                (
                    tag("active", "ok"),
                    button_form(
                        &format!(
                            "/admin/mappings/{}/revoke?client_id={}",
                            path_segment(&m.certificate_id),
                            path_segment(&m.client_id)
                        ),
                        back_to,
                        "Revoke",
                    ),
                )
            };
            format!(
                "<tr><td class=\"mono\">{cert}</td><td class=\"mono nowrap\"><a href=\"/admin/integrations/{seg}\">{client}</a></td>\
                 <td>{role}</td><td>{entity}</td><td>{key}</td><td>{alg}</td><td>{until}</td><td>{status}</td><td>{action}</td></tr>",
                cert = escape(&m.certificate_id),
                seg = path_segment(&m.client_id),
                client = escape(&short(&m.client_id)),
                role = m.role,
                entity = m.entity,
                key = escape(&m.key),
                alg = escape(&m.algorithm),
                until = time(m.not_after),
            )
        })
        .collect();
    format!(
        "<table><tr><th>Certificate ID (kid)</th><th>Client ID</th><th>Role</th><th>Entity</th><th>Key</th>\
         <th>Algorithm</th><th>Valid until (UTC)</th><th>Status</th><th></th></tr>{rows}</table>"
    )
}

pub(super) async fn mappings(State(emu): State<OAuthPlane>) -> Response {
    render(&emu, |emu| {
        let list = emu.list_mappings()?;
        let body = format!(
            "<h1>OAuth 2.0 client credentials (M2M) mappings</h1><div class=\"card\">{}</div>\
             <p class=\"muted\">Add certificates with <span class=\"mono\">netsuite emulator mapping create</span>, \
             <span class=\"mono\">POST /admin/api/mappings</span>, or the 2026.1 rotation API \
             <span class=\"mono\">POST /services/rest/auth/oauth2/v1/clients/{{client_id}}/certificates</span>.</p>",
            mapping_table(&list, "/admin/mappings", emu.clock().now())
        );
        Ok(page("/admin/mappings", "M2M certificates", &body))
    })
    .await
}

#[derive(Debug, serde::Deserialize)]
pub(super) struct ClientQuery {
    client_id: Option<String>,
}

pub(super) async fn revoke_mapping(
    State(emu): State<OAuthPlane>,
    Path(certificate_id): Path<String>,
    Query(q): Query<ClientQuery>,
    body: Bytes,
) -> Response {
    let form = parse_form(&body);
    let to = back(&form, "/admin/mappings");
    render(&emu, move |emu| {
        emu.revoke_mapping(&certificate_id, q.client_id.as_deref())?;
        Ok(see_other(&to))
    })
    .await
}

// ---- authorized apps ----

fn app_table(list: &[AuthorizedApp], back_to: &str) -> String {
    if list.is_empty() {
        return "<p class=\"muted\">Nobody has authorized an application yet.</p>".into();
    }
    let rows: String = list
        .iter()
        .map(|a| {
            let (status, action) = if a.revoked {
                (tag("revoked", "bad"), String::new())
            } else {
                (
                    tag("active", "ok"),
                    button_form(
                        &format!("/admin/authorizations/{}/revoke", a.id),
                        back_to,
                        "Revoke",
                    ),
                )
            };
            format!(
                "<tr><td>{id}</td><td><a href=\"/admin/integrations/{seg}\">{name}</a></td><td>{user}</td>\
                 <td>{role}</td><td>{entity}</td><td>{scopes}</td><td>{created}</td><td>{used}</td>\
                 <td>{chains}</td><td>{status}</td><td>{action}</td></tr>",
                id = a.id,
                seg = path_segment(&a.client_id),
                name = escape(a.integration_name.as_deref().unwrap_or("(deleted)")),
                user = escape(&a.user_email),
                role = a.role,
                entity = a.entity,
                scopes = scopes(&a.scopes),
                created = time(a.created),
                used = time(a.last_used),
                chains = a.active_chains,
            )
        })
        .collect();
    format!(
        "<table><tr><th>#</th><th>Application</th><th>User</th><th>Role</th><th>Entity</th><th>Scopes</th>\
         <th>Authorized (UTC)</th><th>Last used</th><th>Token chains</th><th>Status</th><th></th></tr>{rows}</table>"
    )
}

pub(super) async fn authorizations(State(emu): State<OAuthPlane>) -> Response {
    render(&emu, |emu| {
        let list = emu.authorized_apps()?;
        let body = format!(
            "<h1>OAuth 2.0 authorized applications</h1><div class=\"card\">{}</div>\
             <p class=\"muted\">Revoking an application invalidates every refresh and access token issued under it; \
             the user is asked for consent again next time.</p>",
            app_table(&list, "/admin/authorizations")
        );
        Ok(page("/admin/authorizations", "Authorized apps", &body))
    })
    .await
}

pub(super) async fn revoke_authorization(
    State(emu): State<OAuthPlane>,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let form = parse_form(&body);
    let to = back(&form, "/admin/authorizations");
    render(&emu, move |emu| {
        let id = id
            .parse::<i64>()
            .map_err(|_| Error::UnknownAuthorization { id: -1 })?;
        emu.revoke_authorized_app(id)?;
        Ok(see_other(&to))
    })
    .await
}

// ---- tokens ----

fn token_table(list: &[IssuedToken], back_to: &str, now: i64) -> String {
    if list.is_empty() {
        return "<p class=\"muted\">No tokens.</p>".into();
    }
    let rows: String = list
        .iter()
        .map(|t| {
            let (status, revocable) = if t.revoked {
                (tag("revoked", "bad"), false)
            } else if t.exp <= now {
                (tag("expired", "warn"), false)
            } else if t.used {
                (tag("used", "warn"), false)
            } else {
                (tag("active", "ok"), true)
            };
            let action = if revocable {
                button_form(
                    &format!("/admin/tokens/{}/revoke", path_segment(&t.jti)),
                    back_to,
                    "Revoke",
                )
            } else {
                String::new()
            };
            let grant = match (t.kind, &t.certificate_id) {
                (TokenKind::Refresh, _) => "refresh (auth code)".to_owned(),
                (_, Some(_)) => "access (client credentials)".to_owned(),
                _ => "access (auth code)".to_owned(),
            };
            format!(
                "<tr><td>{grant}</td><td class=\"mono\">{jti}</td><td class=\"mono nowrap\"><a href=\"/admin/integrations/{seg}\">{client}</a></td>\
                 <td class=\"mono nowrap\">{chain}</td><td>{iat}</td><td>{exp}</td><td>{status}</td><td>{action}</td></tr>",
                grant = escape(&grant),
                jti = escape(&t.jti),
                seg = path_segment(&t.client_id),
                client = escape(&short(&t.client_id)),
                chain = escape(&t.chain_id.as_deref().map(short).unwrap_or_default()),
                iat = time(t.iat),
                exp = time(t.exp),
            )
        })
        .collect();
    format!(
        "<table><tr><th>Kind</th><th>jti</th><th>Client ID</th><th>Chain</th><th>Issued (UTC)</th>\
         <th>Expires</th><th>Status</th><th></th></tr>{rows}</table>"
    )
}

#[derive(Debug, serde::Deserialize)]
pub(super) struct TokenQuery {
    all: Option<String>,
    client_id: Option<String>,
    limit: Option<String>,
}

pub(super) async fn tokens(State(emu): State<OAuthPlane>, Query(q): Query<TokenQuery>) -> Response {
    let all = truthy(q.all.as_deref());
    let limit = limit(q.limit.as_deref(), 500);
    render(&emu, move |emu| {
        let list: Vec<IssuedToken> = emu
            .tokens(all, 10_000)?
            .into_iter()
            .filter(|t| q.client_id.as_ref().is_none_or(|c| &t.client_id == c))
            .take(limit)
            .collect();
        let toggle = if all {
            "<a href=\"/admin/tokens\">Only tokens not yet expired</a>"
        } else {
            "<a href=\"/admin/tokens?all=1\">Include expired tokens</a>"
        };
        let body = format!(
            "<h1>Tokens</h1><p>{toggle}</p><div class=\"card\">{}</div>\
             <p class=\"muted\">Revoking a refresh token revokes its whole chain (every access token issued from the same authorization code).</p>",
            token_table(&list, "/admin/tokens", emu.clock().now())
        );
        Ok(page("/admin/tokens", "Tokens", &body))
    })
    .await
}

pub(super) async fn revoke_token(
    State(emu): State<OAuthPlane>,
    Path(jti): Path<String>,
    body: Bytes,
) -> Response {
    let form = parse_form(&body);
    let to = back(&form, "/admin/tokens");
    render(&emu, move |emu| {
        emu.revoke_token(&jti)?;
        Ok(see_other(&to))
    })
    .await
}

// ---- audit ----

fn audit_table(entries: &[&AuditEntry], filters: bool) -> String {
    if entries.is_empty() {
        return "<p class=\"muted\">Nothing was rejected.</p>".into();
    }
    let rows: String = entries
        .iter()
        .map(|e| {
            let known = crate::oauth::audit::AuditCode::ALL
                .iter()
                .find(|c| c.as_str() == e.code)
                .is_some_and(|c| c.is_netsuite());
            let code = if filters {
                format!(
                    "<a href=\"/admin/audit?code={}\">{}</a>",
                    path_segment(&e.code),
                    tag(&e.code, if known { "" } else { "warn" })
                )
            } else {
                tag(&e.code, if known { "" } else { "warn" })
            };
            let client = match &e.client_id {
                Some(c) => format!(
                    "<a href=\"/admin/audit?client_id={}\">{}</a>",
                    path_segment(c),
                    escape(&short(c))
                ),
                None => "<span class=\"muted\">—</span>".into(),
            };
            format!(
                "<tr><td class=\"nowrap\">{}</td><td>{code}</td><td class=\"mono nowrap\">{client}</td><td>{}</td></tr>",
                time(e.time),
                escape(&e.detail)
            )
        })
        .collect();
    format!(
        "<table><tr><th>Date (UTC)</th><th>Detail</th><th>Client ID</th><th>Why</th></tr>{rows}</table>"
    )
}

pub(super) async fn audit(State(emu): State<OAuthPlane>, RawQuery(query): RawQuery) -> Response {
    let params: Vec<(String, String)> =
        serde_urlencoded::from_str(query.as_deref().unwrap_or_default()).unwrap_or_default();
    let get = |k: &str| {
        params
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.clone())
            .filter(|v| !v.is_empty())
    };
    let code = get("code");
    let client = get("client_id");
    let limit = limit(get("limit").as_deref(), 500);
    render(&emu, move |emu| {
        let all = emu.audit()?;
        let shown: Vec<&AuditEntry> = all
            .iter()
            .rev()
            .filter(|e| code.as_ref().is_none_or(|c| &e.code == c))
            .filter(|e| client.as_ref().is_none_or(|c| e.client_id.as_ref() == Some(c)))
            .take(limit)
            .collect();
        let filter = match (&code, &client) {
            (None, None) => String::new(),
            _ => format!(
                "<div class=\"note\">Filtered{}{}. <a href=\"/admin/audit\">Show everything</a></div>",
                code.as_ref()
                    .map(|c| format!(" by Detail {}", escape(c)))
                    .unwrap_or_default(),
                client
                    .as_ref()
                    .map(|c| format!(" by client {}", escape(c)))
                    .unwrap_or_default()
            ),
        };
        let body = format!(
            "<h1>Login audit trail</h1>{filter}<div class=\"card\">{}</div>\
             <p class=\"muted\">Newest first, at most {limit}. Detail codes in grey are NetSuite's; \
             codes in amber are the emulator's own names for cases NetSuite does not document. \
             <span class=\"mono\">netsuite emulator audit --json</span> prints the same.</p>",
            audit_table(&shown, true)
        );
        Ok(page("/admin/audit", "Login audit trail", &body))
    })
    .await
}
