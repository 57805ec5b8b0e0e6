//! The emulator's administration: a JSON API under `/admin/api/` and server-rendered
//! pages under `/admin/` (integrations, certificate mappings, authorized applications,
//! tokens, the login audit trail), for this machine only.
//!
//! [`guard`] protects every `/admin` path: on a real socket the peer must be a loopback
//! address and the `Host` a loopback name (no DNS rebinding), and a state-changing
//! request must not come from another site (`Origin`, `Sec-Fetch-Site`). In-process
//! requests (tests) carry no peer address and are local by definition.

mod api;
#[cfg(feature = "remote-client")]
pub(crate) mod client;
mod data;
mod governance;
mod pages;
pub(crate) mod protocol;

use std::net::SocketAddr;

use axum::Router;
use axum::extract::{ConnectInfo, Request};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};

use axum::extract::FromRef;

use crate::data::state::DataPlane;
use crate::oauth::state::OAuthPlane;

/// The prefix of every admin path.
pub const PREFIX: &str = "/admin";

/// The admin routes (merged into [`crate::app`]).
pub(crate) fn routes<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    OAuthPlane: FromRef<S>,
    DataPlane: FromRef<S>,
{
    Router::new()
        .route("/admin/api", get(api::index))
        .route(
            "/admin/api/integrations",
            get(api::integrations).post(api::create_integration),
        )
        .route("/admin/api/integrations/{client_id}", get(api::integration))
        .route(
            "/admin/api/integrations/{client_id}/block",
            post(api::block_integration),
        )
        .route(
            "/admin/api/integrations/{client_id}/enable",
            post(api::enable_integration),
        )
        .route(
            "/admin/api/mappings",
            get(api::mappings).post(api::create_mapping),
        )
        .route(
            "/admin/api/mappings/{certificate_id}/revoke",
            post(api::revoke_mapping),
        )
        .route("/admin/api/authorizations", get(api::authorizations))
        .route(
            "/admin/api/authorizations/{id}/revoke",
            post(api::revoke_authorization),
        )
        .route("/admin/api/tokens", get(api::tokens))
        .route("/admin/api/tokens/{jti}/revoke", post(api::revoke_token))
        .route("/admin/api/audit", get(api::audit))
        .route(
            "/admin/api/faults",
            get(governance::get_faults).put(governance::put_faults),
        )
        .route(
            "/admin/api/governance",
            get(governance::get_governance).put(governance::put_governance),
        )
        .route("/admin/api/stats", get(governance::get_stats))
        .route("/admin/api/stats/reset", post(governance::reset_stats))
        .route("/admin", get(pages::redirect_home))
        .route("/admin/", get(pages::home))
        .route(
            "/admin/integrations",
            get(pages::integrations).post(pages::create_integration),
        )
        .route("/admin/integrations/{client_id}", get(pages::integration))
        .route(
            "/admin/integrations/{client_id}/block",
            post(pages::block_integration),
        )
        .route(
            "/admin/integrations/{client_id}/enable",
            post(pages::enable_integration),
        )
        .route("/admin/mappings", get(pages::mappings))
        .route(
            "/admin/mappings/{certificate_id}/revoke",
            post(pages::revoke_mapping),
        )
        .route("/admin/authorizations", get(pages::authorizations))
        .route(
            "/admin/authorizations/{id}/revoke",
            post(pages::revoke_authorization),
        )
        .route("/admin/tokens", get(pages::tokens))
        .route("/admin/tokens/{jti}/revoke", post(pages::revoke_token))
        .route("/admin/audit", get(pages::audit))
        .merge(data::routes())
}

fn forbidden(why: &str) -> Response {
    let body = protocol::ApiError {
        error: "forbidden".to_owned(),
        message: why.to_owned(),
    };
    let mut resp = (
        StatusCode::FORBIDDEN,
        serde_json::to_string(&body).unwrap_or_default(),
    )
        .into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static("application/json"),
    );
    resp
}

/// Whether `host` (a `Host` header value) is exactly `127.0.0.1`, `localhost` or
/// `[::1]`, with an optional port: a name that merely starts with `127.`
/// (`127.0.0.1.evil.example`) is a DNS name an attacker can point here (rebinding).
fn loopback_host(host: &str) -> bool {
    let (name, port) = match host.strip_prefix('[') {
        Some(rest) => match rest.split_once(']') {
            Some((name, "")) => (name, None),
            Some((name, after)) => match after.strip_prefix(':') {
                Some(port) => (name, Some(port)),
                None => return false,
            },
            None => return false,
        },
        None => match host.split_once(':') {
            Some((name, port)) => (name, Some(port)),
            None => (host, None),
        },
    };
    let port_ok =
        port.is_none_or(|p| (1..=5).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit()));
    port_ok
        && matches!(
            name.to_ascii_lowercase().as_str(),
            "127.0.0.1" | "localhost" | "::1"
        )
}

/// The middleware that keeps `/admin` local.
pub(crate) async fn guard(req: Request, next: Next) -> Response {
    let path = req.uri().path();
    if path != PREFIX && !path.starts_with("/admin/") {
        return next.run(req).await;
    }
    if let Some(ConnectInfo(peer)) = req.extensions().get::<ConnectInfo<SocketAddr>>() {
        if !peer.ip().is_loopback() {
            return forbidden("the admin pages and API answer only loopback clients");
        }
        let host = req
            .headers()
            .get(header::HOST)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        if !loopback_host(host) {
            return forbidden(
                "the admin pages and API answer only requests addressed to 127.0.0.1, localhost or [::1]",
            );
        }
    }
    // Every admin route that does work is refused to other sites, GETs included: the
    // SuiteQL console runs a query on GET, and listing pages show client ids.
    {
        let headers = req.headers();
        if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok())
            && !matches!(site, "same-origin" | "none")
        {
            return forbidden("cross-site requests cannot reach the emulator's admin pages");
        }
        if let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) {
            let host = headers
                .get(header::HOST)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default();
            let same = origin
                .split_once("://")
                .is_some_and(|(_, rest)| rest.eq_ignore_ascii_case(host));
            if !same {
                return forbidden("cross-origin requests cannot reach the emulator's admin pages");
            }
        }
    }
    next.run(req).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_hosts() {
        for h in [
            "127.0.0.1:8787",
            "localhost",
            "LOCALHOST:1",
            "[::1]:80",
            "[::1]",
        ] {
            assert!(loopback_host(h), "{h}");
        }
        for h in [
            "evil.example",
            "evil.example:8787",
            "10.0.0.1",
            "",
            "[fe80::1]",
            "127.1.2.3",
            "127.0.0.1.evil.example",
            "127.0.0.1.evil.example:8787",
            "localhost.evil.example",
            "127.0.0.1:",
            "127.0.0.1:80:80",
            "[::1]x",
            "[::1",
        ] {
            assert!(!loopback_host(h), "{h}");
        }
    }
}
