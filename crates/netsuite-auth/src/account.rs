//! Account ids and the URLs derived from them.
//!
//! NetSuite account ids come as `1234567`, `1234567_SB1` (sandbox), `1234567_RP`
//! (release preview) or `TSTDRV1234567` (test drive). Host names use the id
//! lowercased with `_` replaced by `-`; the realm (Basic auth, `company=`) keeps the
//! id as written, uppercase. A configured base URL overrides every derived URL: that
//! is how an emulator, a proxy or a custom domain is reached.

use std::fmt;
use std::str::FromStr;

use url::Url;

use crate::Error;

/// A NetSuite account id, normalised to its realm form (`1234567_SB1`).
#[derive(Clone, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct AccountId(String);

impl AccountId {
    /// Parses an account id, accepting the host form (`1234567-sb1`) as well.
    pub fn parse(input: &str) -> Result<Self, Error> {
        let trimmed = input.trim();
        let realm = trimmed.replace('-', "_").to_ascii_uppercase();
        let valid = !realm.is_empty()
            && realm.len() <= 64
            && realm.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            && realm
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphanumeric())
            && !realm.ends_with('_')
            && !realm.contains("__")
            && realm.chars().any(|c| c.is_ascii_digit());
        if !valid {
            return Err(Error::InvalidAccountId {
                input: trimmed.to_owned(),
            });
        }
        Ok(Self(realm))
    }

    /// The realm form: `1234567_SB1`, as used in `WWW-Authenticate` and `company=`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The host form: `1234567-sb1`, as used in `1234567-sb1.suitetalk.api.netsuite.com`.
    pub fn host_prefix(&self) -> String {
        self.0.to_ascii_lowercase().replace('_', "-")
    }
}

impl fmt::Display for AccountId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for AccountId {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        Self::parse(s)
    }
}

impl TryFrom<String> for AccountId {
    type Error = Error;
    fn try_from(s: String) -> Result<Self, Error> {
        Self::parse(&s)
    }
}

impl From<AccountId> for String {
    fn from(a: AccountId) -> String {
        a.0
    }
}

/// The base URLs of an account's services.
///
/// Derived from the account id by default; [`Endpoints::with_base_url`] makes every
/// service use one base URL (an emulator, a proxy, a custom domain).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Endpoints {
    suitetalk: Url,
    restlets: Url,
    app: Url,
}

/// Path of the token endpoint on the SuiteTalk host.
pub const TOKEN_PATH: &str = "/services/rest/auth/oauth2/v1/token";
/// Path of the revoke endpoint on the SuiteTalk host.
pub const REVOKE_PATH: &str = "/services/rest/auth/oauth2/v1/revoke";
/// Path of the authorize endpoint on the app host.
pub const AUTHORIZE_PATH: &str = "/app/login/oauth2/authorize.nl";
/// Base path of the REST record API.
pub const RECORD_PATH: &str = "/services/rest/record/v1";
/// Path of the SuiteQL endpoint.
pub const SUITEQL_PATH: &str = "/services/rest/query/v1/suiteql";
/// Path of RESTlets on the RESTlets host.
pub const RESTLET_PATH: &str = "/app/site/hosting/restlet.nl";
/// Base path of the certificate rotation API (2026.1) on the RESTlets host:
/// `{CLIENTS_PATH}/{client_id}/certificates`.
pub const CLIENTS_PATH: &str = "/services/rest/auth/oauth2/v1/clients";

impl Endpoints {
    /// NetSuite's account-specific domains for `account`.
    pub fn for_account(account: &AccountId) -> Self {
        let host = account.host_prefix();
        let mk = |service: &str| {
            Url::parse(&format!("https://{host}.{service}.netsuite.com/"))
                .expect("account host prefix is validated to be alphanumeric and dashes")
        };
        Self {
            suitetalk: mk("suitetalk.api"),
            restlets: mk("restlets.api"),
            app: mk("app"),
        }
    }

    /// One base URL for every service (`http://127.0.0.1:PORT` for the emulator).
    ///
    /// Only `http` and `https` URLs without query or fragment are accepted; a path
    /// prefix is kept.
    pub fn with_base_url(base: &str) -> Result<Self, Error> {
        let bad = |reason: &str| Error::InvalidBaseUrl {
            input: base.to_owned(),
            reason: reason.to_owned(),
        };
        let mut url = Url::parse(base.trim()).map_err(|e| bad(&e.to_string()))?;
        if url.scheme() != "http" && url.scheme() != "https" {
            return Err(bad("the scheme must be http or https"));
        }
        if url.host_str().is_none_or(str::is_empty) {
            return Err(bad("it has no host"));
        }
        if url.query().is_some() || url.fragment().is_some() {
            return Err(bad("it must not have a query or a fragment"));
        }
        if !url.path().ends_with('/') {
            let p = format!("{}/", url.path());
            url.set_path(&p);
        }
        Ok(Self {
            suitetalk: url.clone(),
            restlets: url.clone(),
            app: url,
        })
    }

    /// The account's endpoints, or `base_url`'s when one is configured.
    pub fn resolve(account: &AccountId, base_url: Option<&str>) -> Result<Self, Error> {
        match base_url {
            Some(b) => Self::with_base_url(b),
            None => Ok(Self::for_account(account)),
        }
    }

    fn join(base: &Url, path: &str) -> Url {
        let mut u = base.clone();
        let p = format!("{}{}", base.path().trim_end_matches('/'), path);
        u.set_path(&p);
        u
    }

    /// The SuiteTalk base URL (REST, SuiteQL, OAuth token and revoke).
    pub fn suitetalk_base(&self) -> &Url {
        &self.suitetalk
    }

    /// `…/services/rest/auth/oauth2/v1/token`, also the `aud` of client assertions.
    pub fn token_url(&self) -> Url {
        Self::join(&self.suitetalk, TOKEN_PATH)
    }

    /// `…/services/rest/auth/oauth2/v1/revoke`.
    pub fn revoke_url(&self) -> Url {
        Self::join(&self.suitetalk, REVOKE_PATH)
    }

    /// `…/app/login/oauth2/authorize.nl` on the app host.
    pub fn authorize_url(&self) -> Url {
        Self::join(&self.app, AUTHORIZE_PATH)
    }

    /// `…/services/rest/record/v1/{record_type}/{id}`.
    pub fn record_url(&self, record_type: &str, id: &str) -> Url {
        let mut u = Self::join(&self.suitetalk, RECORD_PATH);
        u.path_segments_mut()
            .expect("http(s) URLs have path segments")
            .push(record_type)
            .push(id);
        u
    }

    /// `…/services/rest/record/v1/{record_type}`.
    pub fn record_collection_url(&self, record_type: &str) -> Url {
        let mut u = Self::join(&self.suitetalk, RECORD_PATH);
        u.path_segments_mut()
            .expect("http(s) URLs have path segments")
            .push(record_type);
        u
    }

    /// `…/services/rest/query/v1/suiteql`.
    pub fn suiteql_url(&self) -> Url {
        Self::join(&self.suitetalk, SUITEQL_PATH)
    }

    /// `…/app/site/hosting/restlet.nl?script=X&deploy=Y` on the RESTlets host.
    pub fn restlet_url(&self, script: &str, deploy: &str) -> Url {
        let mut u = Self::join(&self.restlets, RESTLET_PATH);
        u.query_pairs_mut()
            .append_pair("script", script)
            .append_pair("deploy", deploy);
        u
    }

    /// `…/services/rest/auth/oauth2/v1/clients/{client_id}/certificates` on the
    /// RESTlets host: the M2M certificates of an integration (list with GET, add
    /// with POST; NetSuite 2026.1).
    pub fn certificates_url(&self, client_id: &str) -> Url {
        let mut u = Self::join(&self.restlets, CLIENTS_PATH);
        u.path_segments_mut()
            .expect("http(s) URLs have path segments")
            .push(client_id)
            .push("certificates");
        u
    }

    /// `…/clients/{client_id}/certificates/{certificate_id}/revoke` on the RESTlets host.
    pub fn certificate_revoke_url(&self, client_id: &str, certificate_id: &str) -> Url {
        let mut u = self.certificates_url(client_id);
        u.path_segments_mut()
            .expect("http(s) URLs have path segments")
            .push(certificate_id)
            .push("revoke");
        u
    }

    /// A path on the SuiteTalk host (`/services/rest/...`), for `netsuite api`.
    pub fn suitetalk_url(&self, path_and_query: &str) -> Result<Url, Error> {
        let p = if path_and_query.starts_with('/') {
            path_and_query.to_owned()
        } else {
            format!("/{path_and_query}")
        };
        let base = self.suitetalk.as_str().trim_end_matches('/');
        Url::parse(&format!("{base}{p}")).map_err(|e| Error::InvalidBaseUrl {
            input: path_and_query.to_owned(),
            reason: e.to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn account_forms() {
        let a = AccountId::parse("1234567_sb1").unwrap();
        assert_eq!(a.as_str(), "1234567_SB1");
        assert_eq!(a.host_prefix(), "1234567-sb1");
        assert_eq!(AccountId::parse("1234567-SB1").unwrap(), a);
        let t = AccountId::parse("TSTDRV1234567").unwrap();
        assert_eq!(t.host_prefix(), "tstdrv1234567");
        assert_eq!(AccountId::parse("1234567").unwrap().as_str(), "1234567");
        for bad in [
            "",
            "abc",
            "12 34",
            "1234567_",
            "_123",
            "12/34",
            "1234__SB1",
            "tst.123",
        ] {
            assert!(AccountId::parse(bad).is_err(), "{bad:?} should be refused");
        }
    }

    #[test]
    fn derived_urls() {
        let a = AccountId::parse("1234567_SB1").unwrap();
        let e = Endpoints::for_account(&a);
        assert_eq!(
            e.token_url().as_str(),
            "https://1234567-sb1.suitetalk.api.netsuite.com/services/rest/auth/oauth2/v1/token"
        );
        assert_eq!(
            e.revoke_url().as_str(),
            "https://1234567-sb1.suitetalk.api.netsuite.com/services/rest/auth/oauth2/v1/revoke"
        );
        assert_eq!(
            e.authorize_url().as_str(),
            "https://1234567-sb1.app.netsuite.com/app/login/oauth2/authorize.nl"
        );
        assert_eq!(
            e.record_url("salesorder", "304").as_str(),
            "https://1234567-sb1.suitetalk.api.netsuite.com/services/rest/record/v1/salesorder/304"
        );
        assert_eq!(
            e.suiteql_url().as_str(),
            "https://1234567-sb1.suitetalk.api.netsuite.com/services/rest/query/v1/suiteql"
        );
        assert_eq!(
            e.restlet_url("12", "1").as_str(),
            "https://1234567-sb1.restlets.api.netsuite.com/app/site/hosting/restlet.nl?script=12&deploy=1"
        );
        assert_eq!(
            e.certificate_revoke_url("abc", "Np-x_1").as_str(),
            "https://1234567-sb1.restlets.api.netsuite.com/services/rest/auth/oauth2/v1/clients/abc/certificates/Np-x_1/revoke"
        );
    }

    #[test]
    fn base_url_overrides_all() {
        let e = Endpoints::with_base_url("http://127.0.0.1:8080").unwrap();
        assert_eq!(
            e.token_url().as_str(),
            "http://127.0.0.1:8080/services/rest/auth/oauth2/v1/token"
        );
        assert_eq!(
            e.record_url("salesorder", "eid:A 1").as_str(),
            "http://127.0.0.1:8080/services/rest/record/v1/salesorder/eid:A%201"
        );
        let p = Endpoints::with_base_url("https://proxy.example/ns/").unwrap();
        assert_eq!(
            p.token_url().as_str(),
            "https://proxy.example/ns/services/rest/auth/oauth2/v1/token"
        );
        for bad in [
            "ftp://x",
            "not a url",
            "http://x/?a=1",
            "http://x/#f",
            "file:///tmp",
        ] {
            assert!(Endpoints::with_base_url(bad).is_err(), "{bad}");
        }
    }
}
