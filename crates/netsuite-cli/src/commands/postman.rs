//! Reading a Postman (or Hoppscotch) environment export for `profile import-postman`.
//!
//! Postman exports `{"values": [{"key", "value", "enabled"}]}`; Hoppscotch exports
//! `{"variables": [{"key", "value" | "currentValue" | "initialValue"}]}` (or a list of
//! such environments). Keys are matched ignoring case, `_`, `-` and spaces, so
//! `CLIENT_ID`, `clientId` and `client id` are the same variable.

use std::path::Path;

use anyhow::Result;
use netsuite_auth::account::{AccountId, TOKEN_PATH};
use serde_json::Value;

use crate::error::UserError;

/// The authorization endpoint's path on an account's UI host.
const AUTHORIZE_PATH: &str = "/app/login/oauth2/authorize.nl";

/// The variables of an environment export.
pub struct Environment {
    vars: Vec<(String, String)>,
}

/// `CLIENT_ID`, `clientId` and `client id` all become `clientid`.
fn normalize(key: &str) -> String {
    key.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

impl Environment {
    /// Reads and parses an exported environment.
    pub fn read(file: &Path) -> Result<Environment> {
        let text = std::fs::read_to_string(file).map_err(|e| {
            UserError::new(format!("cannot read {}: {e}", file.display())).hint(
                "export the environment from Postman (Environments > ... > Export) and pass that file",
            )
        })?;
        let env: Value = serde_json::from_str(&text).map_err(|e| {
            UserError::new(format!("{} is not JSON: {e}", file.display()))
                .hint("pass a Postman environment export (a JSON file with a \"values\" list)")
        })?;
        // Hoppscotch may export a list of environments: one is expected.
        let env = match &env {
            Value::Array(list) if list.len() == 1 => &list[0],
            other => other,
        };
        let values = env["values"]
            .as_array()
            .or_else(|| env["variables"].as_array())
            .ok_or_else(|| {
                UserError::new(format!(
                    "{} has no \"values\" (Postman) or \"variables\" (Hoppscotch) list",
                    file.display()
                ))
                .hint("pass one exported environment, not a collection")
            })?;
        let vars = values
            .iter()
            .filter(|v| v["enabled"].as_bool() != Some(false))
            .filter_map(|v| {
                let key = v["key"].as_str()?;
                let value = ["value", "currentValue", "initialValue"]
                    .iter()
                    .filter_map(|f| v[*f].as_str())
                    .map(str::trim)
                    .find(|s| !s.is_empty())?;
                Some((normalize(key), value.to_owned()))
            })
            .collect();
        Ok(Environment { vars })
    }

    /// The first of `keys` (any spelling) with a value.
    pub fn get(&self, keys: &[&str]) -> Option<String> {
        keys.iter().find_map(|k| {
            let k = normalize(k);
            self.vars
                .iter()
                .find(|(key, _)| *key == k)
                .map(|(_, v)| v.clone())
        })
    }

    /// Refuses a token-based authentication (OAuth 1.0) environment: it holds a
    /// TOKEN_ID and TOKEN_SECRET, which no OAuth 2.0 grant uses.
    pub fn refuse_oauth1(&self, file: &Path) -> Result<()> {
        if self.get(&["TOKEN_ID", "TOKEN_SECRET"]).is_none() {
            return Ok(());
        }
        Err(UserError::usage(format!(
            "{} is a token-based authentication (OAuth 1.0) environment (TOKEN_ID, TOKEN_SECRET): netsuite uses OAuth 2.0 only",
            file.display()
        ))
        .hint("create an OAuth 2.0 integration record (client credentials with a certificate, or authorization code) and import its environment, or use `netsuite profile add`")
        .into())
    }

    /// The account and, for a host that is not NetSuite's (an emulator, a proxy),
    /// the base URL, from the first of `url_keys` that is a URL; `--account`
    /// (`account_arg`) or an ACCOUNT_ID variable names the account otherwise.
    pub fn account_and_base(
        &self,
        url_keys: &[&str],
        account_arg: Option<&str>,
    ) -> Result<(AccountId, Option<String>)> {
        let named = || {
            account_arg
                .map(str::to_owned)
                .or_else(|| self.get(&["ACCOUNT_ID", "ACCOUNT", "REALM", "COMPANY_ID"]))
        };
        let url = url_keys
            .iter()
            .find_map(|k| self.get(&[k]))
            .and_then(|u| url::Url::parse(&u).ok());
        let Some(url) = url else {
            let account = named().unwrap_or_default();
            return Ok((
                AccountId::parse(&account).map_err(|_| {
                    UserError::new(format!(
                        "the environment has no {} URL and no ACCOUNT_ID",
                        url_keys.join(" or ")
                    ))
                    .hint("pass --account ACCOUNT_ID")
                })?,
                None,
            ));
        };
        let host = url.host_str().unwrap_or_default().to_ascii_lowercase();
        let netsuite = [
            ".suitetalk.api.netsuite.com",
            ".app.netsuite.com",
            ".restlets.api.netsuite.com",
        ]
        .iter()
        .find_map(|suffix| host.strip_suffix(suffix));
        if let Some(prefix) = netsuite {
            let account = account_arg.unwrap_or(prefix);
            return Ok((AccountId::parse(account)?, None));
        }
        let account = named().unwrap_or_default();
        let account = AccountId::parse(&account).map_err(|_| {
            UserError::new(format!("cannot tell the account id from URL {url}"))
                .hint("pass --account ACCOUNT_ID (the URL is not a NetSuite host)")
        })?;
        let path = url.path();
        let prefix = path
            .strip_suffix(TOKEN_PATH)
            .or_else(|| path.strip_suffix(AUTHORIZE_PATH))
            .unwrap_or("/")
            .to_owned();
        let mut base = url.clone();
        base.set_path(&prefix);
        base.set_query(None);
        Ok((
            account,
            Some(base.to_string().trim_end_matches('/').to_owned()),
        ))
    }
}
