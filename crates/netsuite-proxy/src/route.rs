//! Which requests the proxy forwards, and where: NetSuite's API prefixes only, each
//! to its host. Everything else is refused, so that the proxy is never an open one.

use axum::http::{Method, Uri};
use netsuite_auth::account::{Endpoints, RESTLET_PATH};
use url::Url;

/// The proxy's own endpoints.
pub const HEALTH_PATH: &str = "/_proxy/health";
/// Prometheus metrics.
pub const METRICS_PATH: &str = "/_proxy/metrics";

/// Where a request goes.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Target {
    /// Forward to this URL.
    Upstream(Url),
    /// `/_proxy/health`.
    Health,
    /// `/_proxy/metrics`.
    Metrics,
}

/// Why a request is refused before anything is forwarded.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// `GET http://host/...`: a forward-proxy request.
    AbsoluteUri,
    /// `CONNECT host:port` (a tunnel) or `TRACE` (it would echo the bearer token).
    Method(Method),
    /// A path outside NetSuite's API prefixes, or one that tries to leave them.
    NotApi,
    /// NetSuite's OAuth endpoints: the proxy holds the login itself.
    OAuth,
    /// `/_proxy/...` with a method other than GET or HEAD.
    ProxyMethod,
}

/// The upstream base URLs of a profile.
#[derive(Clone, Debug)]
pub(crate) struct Upstream {
    /// SuiteTalk base without the trailing slash (REST, SuiteQL, MCP).
    pub suitetalk: String,
    /// RESTlets base without the trailing slash.
    pub restlets: String,
}

impl Upstream {
    pub(crate) fn new(endpoints: &Endpoints) -> Self {
        let mut restlet = endpoints.restlet_url("x", "x");
        restlet.set_query(None);
        let restlet = restlet.as_str();
        let restlets = restlet
            .strip_suffix(RESTLET_PATH)
            .unwrap_or(restlet)
            .to_owned();
        Self {
            suitetalk: endpoints
                .suitetalk_base()
                .as_str()
                .trim_end_matches('/')
                .to_owned(),
            restlets: restlets.trim_end_matches('/').to_owned(),
        }
    }

    /// Routes a request.
    pub(crate) fn route(&self, method: &Method, uri: &Uri) -> Result<Target, Refusal> {
        if *method == Method::CONNECT || *method == Method::TRACE {
            return Err(Refusal::Method(method.clone()));
        }
        if uri.scheme().is_some() || uri.authority().is_some() {
            return Err(Refusal::AbsoluteUri);
        }
        let path = uri.path();
        if path == HEALTH_PATH || path == METRICS_PATH {
            if *method != Method::GET && *method != Method::HEAD {
                return Err(Refusal::ProxyMethod);
            }
            return Ok(if path == HEALTH_PATH {
                Target::Health
            } else {
                Target::Metrics
            });
        }
        if !safe_path(path) {
            return Err(Refusal::NotApi);
        }
        let base = if path.starts_with("/services/rest/auth/") || path == "/services/rest/auth" {
            return Err(Refusal::OAuth);
        } else if path.starts_with("/services/rest/") || path.starts_with("/services/mcp/v1/") {
            &self.suitetalk
        } else if path == RESTLET_PATH {
            &self.restlets
        } else {
            return Err(Refusal::NotApi);
        };
        let mut s = String::with_capacity(base.len() + path.len() + 64);
        s.push_str(base);
        s.push_str(path);
        if let Some(q) = uri.query() {
            s.push('?');
            s.push_str(q);
        }
        Url::parse(&s)
            .map(Target::Upstream)
            .map_err(|_| Refusal::NotApi)
    }

    /// Rewrites an upstream `Location` to point at the proxy (`http://HOST`).
    pub(crate) fn local_location(&self, location: &str, host: &str) -> Option<String> {
        for base in [&self.suitetalk, &self.restlets] {
            if let Some(rest) = location.strip_prefix(base.as_str())
                && (rest.is_empty() || rest.starts_with('/') || rest.starts_with('?'))
            {
                return Some(format!("http://{host}{rest}"));
            }
        }
        None
    }
}

/// A path that stays where it says: no `.` or `..` segment (also percent-encoded),
/// no backslash, no empty host-like start (`//`), nothing but visible ASCII.
fn safe_path(path: &str) -> bool {
    if !path.starts_with('/') || path.starts_with("//") || path.contains('\\') {
        return false;
    }
    if !path.bytes().all(|b| b.is_ascii_graphic()) {
        return false;
    }
    path.split('/').all(|seg| {
        let lower = seg.to_ascii_lowercase().replace("%2e", ".");
        lower != "." && lower != ".." && !lower.contains("%2f") && !lower.contains("%5c")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn upstream() -> Upstream {
        Upstream::new(&Endpoints::for_account(
            &netsuite_auth::account::AccountId::parse("1234567_SB1").unwrap(),
        ))
    }

    fn go(method: Method, uri: &str) -> Result<Target, Refusal> {
        upstream().route(&method, &uri.parse().unwrap())
    }

    #[test]
    fn api_paths_go_to_their_hosts() {
        let up = |u: &str| match go(Method::GET, u) {
            Ok(Target::Upstream(url)) => url.to_string(),
            other => panic!("{u}: {other:?}"),
        };
        assert_eq!(
            up("/services/rest/record/v1/salesorder/304?expandSubResources=true"),
            "https://1234567-sb1.suitetalk.api.netsuite.com/services/rest/record/v1/salesorder/304?expandSubResources=true"
        );
        assert_eq!(
            up("/app/site/hosting/restlet.nl?script=12&deploy=1"),
            "https://1234567-sb1.restlets.api.netsuite.com/app/site/hosting/restlet.nl?script=12&deploy=1"
        );
        assert_eq!(
            up("/services/mcp/v1/all"),
            "https://1234567-sb1.suitetalk.api.netsuite.com/services/mcp/v1/all"
        );
        assert_eq!(go(Method::GET, "/_proxy/health"), Ok(Target::Health));
        assert_eq!(go(Method::HEAD, "/_proxy/metrics"), Ok(Target::Metrics));
    }

    #[test]
    fn a_base_url_with_a_prefix_keeps_it() {
        let u = Upstream::new(&Endpoints::with_base_url("http://127.0.0.1:9/ns/").unwrap());
        let Ok(Target::Upstream(url)) = u.route(
            &Method::POST,
            &"/services/rest/query/v1/suiteql?limit=5".parse().unwrap(),
        ) else {
            panic!()
        };
        assert_eq!(
            url.as_str(),
            "http://127.0.0.1:9/ns/services/rest/query/v1/suiteql?limit=5"
        );
        assert_eq!(
            u.local_location(
                "http://127.0.0.1:9/ns/services/rest/record/v1/customer/7",
                "127.0.0.1:8181"
            )
            .as_deref(),
            Some("http://127.0.0.1:8181/services/rest/record/v1/customer/7")
        );
        assert_eq!(u.local_location("http://127.0.0.1:9/nsx", "h"), None);
    }

    #[test]
    fn everything_else_is_refused() {
        assert_eq!(
            go(Method::GET, "http://example.com/services/rest/record/v1/x"),
            Err(Refusal::AbsoluteUri)
        );
        assert_eq!(
            go(Method::CONNECT, "example.com:443"),
            Err(Refusal::Method(Method::CONNECT))
        );
        assert_eq!(
            go(Method::TRACE, "/services/rest/record/v1/x"),
            Err(Refusal::Method(Method::TRACE))
        );
        for p in [
            "/",
            "/admin/api/tokens",
            "/services/restx",
            "/services/rest",
            "/app/site/hosting/restlet.nlx",
            "/app/login/oauth2/authorize.nl",
            "/services/rest/../../admin/api/tokens",
            "/services/rest/%2e%2E/%2E%2e/admin",
            "/services/rest/record/v1/..%2f..%2fadmin",
            "/services/rest/.",
            "//evil.example/services/rest/x",
        ] {
            assert_eq!(go(Method::GET, p), Err(Refusal::NotApi), "{p}");
        }
        assert_eq!(
            go(Method::POST, "/services/rest/auth/oauth2/v1/token"),
            Err(Refusal::OAuth)
        );
        assert_eq!(
            go(Method::POST, "/_proxy/health"),
            Err(Refusal::ProxyMethod)
        );
    }
}
