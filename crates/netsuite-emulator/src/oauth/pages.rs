//! The authorize endpoint's pages: log in, allow access, and the error page shown
//! instead of a redirect.

use axum::http::StatusCode;
use axum::response::Response;
use netsuite_auth::account::AccountId;

use super::integration::Integration;
use super::login::{self, LoginUser};
use crate::html::{self, escape};

/// NetSuite's names for the scopes, as the consent page shows them.
pub(crate) fn scope_label(scope: &str) -> &str {
    match scope {
        "rest_webservices" => "REST Web Services",
        "restlets" => "RESTlets",
        "suite_analytics" => "SuiteAnalytics Connect",
        "mcp" => "NetSuite AI Connector Service",
        other => other,
    }
}

fn scope_list(scopes: &[String]) -> String {
    let items: String = scopes
        .iter()
        .map(|s| {
            format!(
                "<li>{} <span class=\"muted mono\">({})</span></li>",
                escape(scope_label(s)),
                escape(s)
            )
        })
        .collect();
    format!("<ul class=\"scopes\">{items}</ul>")
}

pub(crate) fn login_page(
    account: &AccountId,
    flow: &str,
    integration: &Integration,
    scopes: &[String],
    error: Option<&str>,
    email: &str,
) -> Response {
    let error = error
        .map(|e| format!("<div class=\"error\" role=\"alert\">{}</div>", escape(e)))
        .unwrap_or_default();
    let body = format!(
        "<div class=\"card\"><h1>Log in</h1>\
         <p class=\"muted\"><b>{app}</b> wants to access your NetSuite account.</p>{scopes}{error}\
         <form method=\"post\" action=\"{action}\" autocomplete=\"off\">\
         <input type=\"hidden\" name=\"flow\" value=\"{flow}\">\
         <label for=\"account\">Account ID</label>\
         <input type=\"text\" id=\"account\" name=\"account\" value=\"{account}\" readonly>\
         <label for=\"email\">Email address</label>\
         <input type=\"email\" id=\"email\" name=\"email\" value=\"{email}\" required autofocus>\
         <label for=\"password\">Password</label>\
         <input type=\"password\" id=\"password\" name=\"password\" required>\
         <div class=\"actions\"><button type=\"submit\">Log In</button></div>\
         </form></div>\
         <div class=\"note\">Emulator: the default user is <span class=\"mono\">{default_email}</span> with password <span class=\"mono\">{default_password}</span> unless the emulator was started with other users.</div>",
        app = escape(&integration.name),
        scopes = scope_list(scopes),
        action = netsuite_auth::account::AUTHORIZE_PATH,
        flow = escape(flow),
        account = escape(account.as_str()),
        email = escape(email),
        default_email = login::DEFAULT_EMAIL,
        default_password = login::DEFAULT_PASSWORD,
    );
    html::response(
        StatusCode::OK,
        html::page("NetSuite — Log in", None, true, &body),
    )
}

#[allow(clippy::too_many_arguments)]
pub(crate) fn consent_page(
    account: &AccountId,
    flow: &str,
    integration: &Integration,
    scopes: &[String],
    user: &LoginUser,
    role: i64,
    error: Option<&str>,
) -> Response {
    let error = error
        .map(|e| format!("<div class=\"error\" role=\"alert\">{}</div>", escape(e)))
        .unwrap_or_default();
    let options: String = user
        .roles
        .iter()
        .map(|r| {
            format!(
                "<option value=\"{id}\"{sel}>{name} ({id})</option>",
                id = r.id,
                sel = if r.id == role { " selected" } else { "" },
                name = escape(&r.name)
            )
        })
        .collect();
    let body = format!(
        "<div class=\"card\"><h1>Allow access?</h1>\
         <p><b>{app}</b> is requesting access to your NetSuite account:</p>{scopes}{error}\
         <form method=\"post\" action=\"{action}\">\
         <input type=\"hidden\" name=\"flow\" value=\"{flow}\">\
         <label>Account</label><input type=\"text\" value=\"{account}\" readonly>\
         <label>User</label><input type=\"text\" value=\"{name} &lt;{email}&gt;\" readonly>\
         <label for=\"role\">Role</label><select id=\"role\" name=\"role\">{options}</select>\
         <div class=\"actions\"><button type=\"submit\" name=\"action\" value=\"allow\">Allow</button>\
         <button type=\"submit\" name=\"action\" value=\"deny\" class=\"secondary\">Deny</button></div>\
         </form></div>",
        app = escape(&integration.name),
        scopes = scope_list(scopes),
        action = netsuite_auth::account::AUTHORIZE_PATH,
        flow = escape(flow),
        account = escape(account.as_str()),
        name = escape(&user.name),
        email = escape(&user.email),
    );
    html::response(
        StatusCode::OK,
        html::page("NetSuite — Allow access", None, true, &body),
    )
}

/// The page shown instead of a redirect (unknown client, bad redirect URI, ...).
pub(crate) fn error_page(status: StatusCode, error: &str, detail: &str) -> Response {
    let body = format!(
        "<div class=\"card\"><h1>Authorization error</h1>\
         <div class=\"error\" role=\"alert\"><b>{}</b></div><p>{}</p>\
         <p class=\"muted\">The application's request cannot be completed, and you were not sent back to it. \
         Contact the application's developer.</p></div>",
        escape(error),
        escape(detail)
    );
    html::response(status, html::page("NetSuite — Error", None, true, &body))
}
