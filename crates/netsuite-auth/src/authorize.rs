//! The authorization code grant's browser half: the authorize URL, and parsing the
//! redirect that comes back (`code`, `state`, `role`, `entity`, `company`, or `error`).

use url::Url;

use crate::Error;
use crate::error_code::OAuthErrorCode;
use crate::id::{ClientId, RedirectUri};
use crate::pkce::Pkce;

/// `prompt` values NetSuite understands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Prompt {
    /// No interaction; an error when a login or consent would be needed.
    None,
    /// Log in again even with a session.
    Login,
    /// Show the consent screen.
    Consent,
    /// Both.
    LoginConsent,
}

impl Prompt {
    /// The parameter value.
    pub fn as_str(self) -> &'static str {
        match self {
            Prompt::None => "none",
            Prompt::Login => "login",
            Prompt::Consent => "consent",
            Prompt::LoginConsent => "login consent",
        }
    }
}

/// Everything in an authorize request.
#[derive(Clone, Debug)]
pub struct AuthorizeRequest<'a> {
    /// The authorize endpoint.
    pub authorize_url: Url,
    /// The integration's client id.
    pub client_id: &'a ClientId,
    /// The redirect URI, exactly as registered.
    pub redirect_uri: &'a RedirectUri,
    /// Scopes (sent space-separated).
    pub scopes: &'a [String],
    /// The state (22-1024 printable ASCII).
    pub state: &'a str,
    /// PKCE.
    pub pkce: &'a Pkce,
    /// Optional prompt.
    pub prompt: Option<Prompt>,
}

impl AuthorizeRequest<'_> {
    /// The URL to open in the browser.
    pub fn url(&self) -> Url {
        let mut u = self.authorize_url.clone();
        {
            let mut q = u.query_pairs_mut();
            q.append_pair("response_type", "code")
                .append_pair("client_id", self.client_id.as_str())
                .append_pair("redirect_uri", self.redirect_uri.as_str())
                .append_pair("scope", &self.scopes.join(" "))
                .append_pair("state", self.state)
                .append_pair("code_challenge", self.pkce.challenge())
                .append_pair("code_challenge_method", "S256");
            if let Some(p) = self.prompt {
                q.append_pair("prompt", p.as_str());
            }
        }
        u
    }
}

/// A successful redirect.
#[derive(Clone, PartialEq, Eq)]
pub struct AuthorizationResponse {
    /// The authorization code (single use, short-lived).
    pub code: String,
    /// Role internal id.
    pub role: Option<String>,
    /// Entity internal id.
    pub entity: Option<String>,
    /// Account id.
    pub company: Option<String>,
}

impl std::fmt::Debug for AuthorizationResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthorizationResponse")
            .field("code", &"[redacted]")
            .field("role", &self.role)
            .field("entity", &self.entity)
            .field("company", &self.company)
            .finish()
    }
}

/// What a redirect error code means, in words.
pub fn describe_authorize_error(error: &OAuthErrorCode) -> &'static str {
    match error {
        OAuthErrorCode::AccessDenied => {
            "the request was denied (Deny was clicked on the consent page)"
        }
        OAuthErrorCode::InvalidRequest => {
            "the authorize request was malformed or missed a parameter"
        }
        OAuthErrorCode::InvalidScope => {
            "a requested scope is unknown or not enabled on the integration record"
        }
        OAuthErrorCode::UnsupportedResponseType => "the response type is not supported",
        OAuthErrorCode::UnauthorizedClient => {
            "the client is not allowed to use the authorization code grant"
        }
        OAuthErrorCode::LoginRequired => "a login is needed, but prompt=none forbade it",
        OAuthErrorCode::ConsentRequired => "consent is needed, but prompt=none forbade it",
        OAuthErrorCode::ServerError => "NetSuite failed to process the request",
        OAuthErrorCode::TemporarilyUnavailable => "NetSuite is temporarily unavailable",
        _ => "NetSuite refused the authorization",
    }
}

/// Parses what the user pasted or the listener received: a full redirect URL, a
/// query string (`?code=...&state=...`), or a bare code.
///
/// `state` is compared in constant time. A bare code cannot be checked against the
/// state, so it is accepted only when `allow_bare_code` is true.
pub fn parse_redirect(
    input: &str,
    expected_state: &str,
    allow_bare_code: bool,
) -> Result<AuthorizationResponse, Error> {
    let input = input.trim();
    let bad = |reason: &str| Error::InvalidRedirect {
        reason: reason.to_owned(),
    };
    if input.is_empty() {
        return Err(bad("nothing was given"));
    }
    let query = if let Ok(u) = Url::parse(input) {
        u.query().unwrap_or("").to_owned()
    } else if let Some(q) = input.strip_prefix('?') {
        q.to_owned()
    } else if input.contains('=') {
        input.split_once('?').map_or(input, |(_, q)| q).to_owned()
    } else {
        if !allow_bare_code {
            return Err(bad("expected the redirected URL with code= and state="));
        }
        if input.len() > 4096 || input.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(bad("that does not look like an authorization code"));
        }
        return Ok(AuthorizationResponse {
            code: input.to_owned(),
            role: None,
            entity: None,
            company: None,
        });
    };
    let pairs: Vec<(String, String)> = url::form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect();
    let get = |k: &str| {
        pairs
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.clone())
    };
    let state = get("state");
    if let Some(error) = get("error") {
        // An error redirect: report it, but only trust it if the state matches.
        let state_ok = state
            .as_deref()
            .is_some_and(|s| constant_time_eq(s, expected_state));
        return Err(Error::AuthorizationDenied {
            error: OAuthErrorCode::parse(&error),
            description: get("error_description"),
            state_matched: state_ok,
        });
    }
    let code = get("code").ok_or_else(|| bad("the URL has no code= parameter"))?;
    match state {
        None => return Err(bad("the URL has no state= parameter")),
        Some(s) if !constant_time_eq(&s, expected_state) => {
            return Err(Error::StateMismatch);
        }
        Some(_) => {}
    }
    if code.is_empty() {
        return Err(bad("the code is empty"));
    }
    Ok(AuthorizationResponse {
        code,
        role: get("role"),
        entity: get("entity"),
        company: get("company"),
    })
}

/// Compares two strings in time independent of where they differ.
pub fn constant_time_eq(a: &str, b: &str) -> bool {
    aws_lc_rs::constant_time::verify_slices_are_equal(a.as_bytes(), b.as_bytes()).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_the_url() {
        let pkce = Pkce::from_verifier("dBjftJeZ4CVP-mJ92K9hyb8UFcE2A4bS8a4qWqxr7p0".into());
        let scopes = vec!["rest_webservices".to_owned(), "restlets".to_owned()];
        let r = AuthorizeRequest {
            authorize_url: Url::parse(
                "https://1234567.app.netsuite.com/app/login/oauth2/authorize.nl",
            )
            .unwrap(),
            client_id: &ClientId::from("cid"),
            redirect_uri: &RedirectUri::parse("https://127.0.0.1:53682/callback").unwrap(),
            scopes: &scopes,
            state: "ykv2XLx1BpT5Q0F3MRPHb94j",
            pkce: &pkce,
            prompt: Some(Prompt::Consent),
        };
        assert_eq!(
            r.url().as_str(),
            "https://1234567.app.netsuite.com/app/login/oauth2/authorize.nl?response_type=code&client_id=cid&redirect_uri=https%3A%2F%2F127.0.0.1%3A53682%2Fcallback&scope=rest_webservices+restlets&state=ykv2XLx1BpT5Q0F3MRPHb94j&code_challenge=vnJpbPmF-jDQAM6FaPv_e4ERtIL9q8dao2Cl1wItTYw&code_challenge_method=S256&prompt=consent"
        );
    }

    #[test]
    fn parses_redirects() {
        let st = "ykv2XLx1BpT5Q0F3MRPHb94j";
        let ok = parse_redirect(
            "https://example.com/?state=ykv2XLx1BpT5Q0F3MRPHb94j&role=3&entity=4622&company=TSTDRV1&code=096835b6",
            st,
            false,
        )
        .unwrap();
        assert_eq!(ok.code, "096835b6");
        assert_eq!(ok.role.as_deref(), Some("3"));
        assert_eq!(ok.company.as_deref(), Some("TSTDRV1"));
        assert!(!format!("{ok:?}").contains("096835b6"));
        let q = parse_redirect("?code=abc&state=ykv2XLx1BpT5Q0F3MRPHb94j", st, false).unwrap();
        assert_eq!(q.code, "abc");
        assert!(matches!(
            parse_redirect(
                "https://e.com/?code=abc&state=other_state_value_12345",
                st,
                false
            ),
            Err(Error::StateMismatch)
        ));
        match parse_redirect(
            "https://e.com/?error=access_denied&state=ykv2XLx1BpT5Q0F3MRPHb94j",
            st,
            false,
        ) {
            Err(Error::AuthorizationDenied {
                error,
                state_matched,
                ..
            }) => {
                assert_eq!(error, OAuthErrorCode::AccessDenied);
                assert_eq!(
                    describe_authorize_error(&error),
                    "the request was denied (Deny was clicked on the consent page)"
                );
                assert!(state_matched);
            }
            other => panic!("{other:?}"),
        }
        assert!(parse_redirect("https://e.com/?state=x", st, false).is_err());
        assert!(parse_redirect("https://e.com/callback", st, false).is_err());
        assert!(parse_redirect("", st, true).is_err());
        assert!(parse_redirect("justacode", st, false).is_err());
        assert_eq!(
            parse_redirect("justacode", st, true).unwrap().code,
            "justacode"
        );
        assert!(parse_redirect("has space", st, true).is_err());
    }
}
