//! The origin a request was sent to (`<scheme>://<Host>`), from which the token URL
//! is checked, and [`LinkBase`]: the configured public URL that links in replies use
//! (or, without one, the request's origin), so that the emulator answers with its own
//! address.

use axum::http::{HeaderMap, Uri, header};
use netsuite_auth::account::{AccountId, Endpoints, TOKEN_PATH};

/// Scheme and host of a request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Origin {
    scheme: String,
    host: Option<String>,
}

impl Origin {
    /// From the `Host` header (or the URI's authority), and `X-Forwarded-Proto` for a
    /// TLS-terminating proxy; plain `http` otherwise.
    pub(crate) fn from_request(uri: &Uri, headers: &HeaderMap) -> Self {
        let forwarded = headers
            .get("x-forwarded-proto")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next())
            .map(|v| v.trim().to_ascii_lowercase())
            .filter(|v| v == "http" || v == "https");
        let scheme = forwarded
            .or_else(|| uri.scheme_str().map(str::to_ascii_lowercase))
            .unwrap_or_else(|| "http".to_owned());
        let host = headers
            .get(header::HOST)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
            .or_else(|| uri.authority().map(|a| a.as_str().to_owned()))
            .filter(|h| valid_host(h));
        Self { scheme, host }
    }

    /// `<scheme>://<host>` of the request, or the account's SuiteTalk host when the
    /// request named none.
    pub(crate) fn base_url(&self, account: &AccountId) -> String {
        match &self.host {
            Some(h) => format!("{}://{h}", self.scheme),
            None => Endpoints::for_account(account)
                .suitetalk_base()
                .as_str()
                .trim_end_matches('/')
                .to_owned(),
        }
    }

    /// The token URL as this request addressed it, when the host makes a valid URL.
    pub(crate) fn token_url(&self) -> Option<url::Url> {
        let host = self.host.as_ref()?;
        url::Url::parse(&format!("{}://{host}{TOKEN_PATH}", self.scheme)).ok()
    }
}

/// Where links in replies point: the configured public URL when there is one (so a
/// request's `Host` cannot choose them), else each request's origin.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct LinkBase(Option<std::sync::Arc<str>>);

impl LinkBase {
    /// From `Config::public_url`: an `http(s)://host[:port]` URL (a trailing `/` is
    /// dropped); anything else is refused with the reason.
    pub(crate) fn new(public_url: Option<&str>) -> Result<Self, String> {
        let Some(raw) = public_url else {
            return Ok(Self(None));
        };
        let trimmed = raw.trim_end_matches('/');
        let url = url::Url::parse(trimmed).map_err(|e| format!("public URL {raw:?}: {e}"))?;
        if !matches!(url.scheme(), "http" | "https")
            || url.host_str().is_none()
            || url.path() != "/"
            || url.query().is_some()
        {
            return Err(format!(
                "public URL {raw:?} must be http(s)://HOST[:PORT], without a path or query"
            ));
        }
        Ok(Self(Some(trimmed.into())))
    }

    /// The base URL of links in the reply to this request.
    pub(crate) fn for_request(
        &self,
        uri: &Uri,
        headers: &HeaderMap,
        account: &AccountId,
    ) -> String {
        match &self.0 {
            Some(url) => url.to_string(),
            None => Origin::from_request(uri, headers).base_url(account),
        }
    }
}

/// A host header worth echoing into URLs: `host[:port]` characters only.
fn valid_host(h: &str) -> bool {
    !h.is_empty()
        && h.len() <= 255
        && h.bytes().all(|b| {
            b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b':' | b'[' | b']' | b'_')
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn from_host_header() {
        let mut h = HeaderMap::new();
        h.insert(header::HOST, "127.0.0.1:8080".parse().unwrap());
        let o = Origin::from_request(&Uri::from_static("/x"), &h);
        let a = AccountId::parse("1234567_SB1").unwrap();
        assert_eq!(o.base_url(&a), "http://127.0.0.1:8080");
        assert_eq!(
            o.token_url().unwrap().as_str(),
            "http://127.0.0.1:8080/services/rest/auth/oauth2/v1/token"
        );
        h.insert("x-forwarded-proto", "https".parse().unwrap());
        let o = Origin::from_request(&Uri::from_static("/x"), &h);
        assert_eq!(o.base_url(&a), "https://127.0.0.1:8080");
        let none = Origin::from_request(&Uri::from_static("/x"), &HeaderMap::new());
        assert_eq!(
            none.base_url(&a),
            "https://1234567-sb1.suitetalk.api.netsuite.com"
        );
        let mut bad = HeaderMap::new();
        bad.insert(header::HOST, "evil.com/path?".parse().unwrap());
        assert!(
            Origin::from_request(&Uri::from_static("/x"), &bad)
                .token_url()
                .is_none()
        );
    }

    #[test]
    fn configured_links_ignore_the_host() {
        let mut h = HeaderMap::new();
        h.insert(header::HOST, "evil.example".parse().unwrap());
        let a = AccountId::parse("1234567").unwrap();
        let uri = Uri::from_static("/x");
        let fixed = LinkBase::new(Some("http://127.0.0.1:8787/")).unwrap();
        assert_eq!(fixed.for_request(&uri, &h, &a), "http://127.0.0.1:8787");
        let echo = LinkBase::new(None).unwrap();
        assert_eq!(echo.for_request(&uri, &h, &a), "http://evil.example");
        for bad in ["ftp://x", "http://x/path", "http://x/?q=1", "not a url"] {
            assert!(LinkBase::new(Some(bad)).is_err(), "{bad}");
        }
    }
}
