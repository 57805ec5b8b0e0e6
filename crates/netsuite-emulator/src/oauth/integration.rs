//! Integration records: NetSuite's "OAuth apps", with their grants, scopes, redirect
//! URIs, client id and (once, at creation) client secret.

use std::fmt;
use std::str::FromStr;

use rusqlite::{Connection, OptionalExtension, Row};
use serde::{Deserialize, Serialize};

use super::identifier;
use crate::error::Error;

/// The scopes an integration gets when none are given.
pub const DEFAULT_SCOPES: [&str; 2] = ["rest_webservices", "restlets"];

/// Refresh token validity of confidential clients when none is set: 7 days, as in
/// NetSuite's decoded samples (`exp - iat` = 604800 s).
pub const DEFAULT_REFRESH_TOKEN_HOURS: u32 = 168;
/// Refresh token validity of public clients when none is set ("Refresh Token Validity
/// (In Hours)", default 48).
pub const DEFAULT_PUBLIC_REFRESH_TOKEN_HOURS: u32 = 48;
/// How long a public client's rotating chain lives when none is set ("Maximum Time For
/// Token Rotation (In Hours)", default 168).
pub const DEFAULT_MAX_ROTATION_HOURS: u32 = 168;
/// The largest value NetSuite accepts for both hour settings.
pub const MAX_TOKEN_HOURS: u32 = 720;

/// The integration record's "OAuth 2.0 Consent Policy".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ConsentPolicy {
    /// "Always Ask": the consent screen appears on every authorization.
    #[default]
    Always,
    /// "Ask First Time": only when the user has not yet allowed these scopes (or
    /// `prompt=consent` asks for it).
    FirstTime,
    /// "Never Ask": the consent screen never appears.
    Never,
}

impl ConsentPolicy {
    /// `always`, `first-time` or `never`.
    pub fn as_str(self) -> &'static str {
        match self {
            ConsentPolicy::Always => "always",
            ConsentPolicy::FirstTime => "first-time",
            ConsentPolicy::Never => "never",
        }
    }

    /// NetSuite's label for it.
    pub fn label(self) -> &'static str {
        match self {
            ConsentPolicy::Always => "Always Ask",
            ConsentPolicy::FirstTime => "Ask First Time",
            ConsentPolicy::Never => "Never Ask",
        }
    }
}

impl fmt::Display for ConsentPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ConsentPolicy {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        match s
            .trim()
            .to_ascii_lowercase()
            .replace(['_', ' '], "-")
            .as_str()
        {
            "always" | "always-ask" => Ok(ConsentPolicy::Always),
            "first-time" | "ask-first-time" | "first" => Ok(ConsentPolicy::FirstTime),
            "never" | "never-ask" => Ok(ConsentPolicy::Never),
            _ => Err(Error::InvalidIntegration {
                reason: format!(
                    "unknown consent policy {:?}: use always, first-time or never",
                    crate::error::truncate(s, 40)
                ),
            }),
        }
    }
}

/// What to create: the fields of NetSuite's integration record that matter for OAuth 2.0.
///
/// Also the JSON body of `POST /admin/api/integrations`: only `name` is required.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewIntegration {
    /// The record's name.
    pub name: String,
    /// Client Credentials (Machine to Machine) grant.
    #[serde(default)]
    pub m2m: bool,
    /// Authorization Code grant.
    #[serde(default)]
    pub auth_code: bool,
    /// Public client (no secret; needs the Authorization Code grant).
    #[serde(default)]
    pub public: bool,
    /// Redirect URIs: `https://` or a custom scheme (`myapp://callback`).
    #[serde(default)]
    pub redirect_uris: Vec<String>,
    /// Scopes; empty means `["rest_webservices", "restlets"]`.
    #[serde(default)]
    pub scopes: Vec<String>,
    /// Also allow `http://` redirect URIs on loopback hosts (NetSuite does not); the
    /// port of such a URI may then differ at authorization time (RFC 8252 §7.3).
    #[serde(default)]
    pub allow_http_loopback: bool,
    /// The consent policy (default: always ask; `null` in JSON is the default too).
    #[serde(default, deserialize_with = "null_is_default")]
    pub consent_policy: ConsentPolicy,
    /// Refresh token validity in hours, 1 to 720; `None`: 168 (7 days) for confidential
    /// clients, 48 for public ones.
    #[serde(default)]
    pub refresh_token_hours: Option<u32>,
    /// Public clients: how long a chain of rotated refresh tokens may last, in hours, 1 to
    /// 720; `None`: 168.
    #[serde(default)]
    pub max_rotation_hours: Option<u32>,
}

fn null_is_default<'de, D: serde::Deserializer<'de>>(d: D) -> Result<ConsentPolicy, D::Error> {
    Ok(Option::<ConsentPolicy>::deserialize(d)?.unwrap_or_default())
}

/// An integration record as stored.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Integration {
    /// The record's name.
    pub name: String,
    /// 64 lowercase hex characters.
    pub client_id: String,
    /// 64 lowercase hex characters; only in the result of creation (NetSuite shows it
    /// once), and `None` for public clients.
    pub client_secret: Option<String>,
    /// Client Credentials (M2M) grant enabled.
    pub m2m: bool,
    /// Authorization Code grant enabled.
    pub auth_code: bool,
    /// Public client.
    pub public: bool,
    /// Redirect URIs.
    pub redirect_uris: Vec<String>,
    /// Scopes enabled on the record.
    pub scopes: Vec<String>,
    /// The application id, an uppercase UUID, as it appears in access tokens' `aud`.
    pub application_id: String,
    /// `http://` loopback redirect URIs allowed (an emulator extension).
    pub allow_http_loopback: bool,
    /// The consent policy.
    pub consent_policy: ConsentPolicy,
    /// Refresh token validity in hours.
    pub refresh_token_hours: u32,
    /// Maximum time for token rotation in hours (public clients).
    pub max_rotation_hours: u32,
    /// Blocked integrations get no tokens and their tokens stop working.
    pub blocked: bool,
}

impl Integration {
    /// Refresh token validity in seconds.
    pub fn refresh_token_secs(&self) -> i64 {
        i64::from(self.refresh_token_hours) * 3600
    }

    /// Maximum time for token rotation in seconds.
    pub fn max_rotation_secs(&self) -> i64 {
        i64::from(self.max_rotation_hours) * 3600
    }
}

/// Checks `new` against NetSuite's rules and returns the scope list to store.
fn validate(new: &NewIntegration) -> Result<Vec<String>, Error> {
    let bad = |reason: String| Error::InvalidIntegration { reason };
    let name = new.name.trim();
    if name.is_empty() {
        return Err(bad("the name is empty".into()));
    }
    if name.chars().count() > 256 {
        return Err(bad("the name is longer than 256 characters".into()));
    }
    if !new.m2m && !new.auth_code {
        return Err(bad(
            "no grant is enabled: enable the Client Credentials (M2M) grant, the Authorization Code grant, or both"
                .into(),
        ));
    }
    if new.public && !new.auth_code {
        return Err(bad(
            "a public client needs the Authorization Code grant".into()
        ));
    }
    if new.auth_code && new.redirect_uris.is_empty() {
        return Err(bad(
            "the Authorization Code grant needs at least one redirect URI".into(),
        ));
    }
    for uri in &new.redirect_uris {
        check_redirect_uri(uri, new.allow_http_loopback).map_err(bad)?;
    }
    for (name, hours) in [
        ("refresh token validity", new.refresh_token_hours),
        ("maximum time for token rotation", new.max_rotation_hours),
    ] {
        if let Some(h) = hours
            && !(1..=MAX_TOKEN_HOURS).contains(&h)
        {
            return Err(bad(format!(
                "the {name} is {h} hours; NetSuite accepts 1 to {MAX_TOKEN_HOURS}"
            )));
        }
    }
    let mut scopes: Vec<String> = Vec::new();
    let given: Vec<String> = if new.scopes.is_empty() {
        DEFAULT_SCOPES.iter().map(|s| (*s).to_owned()).collect()
    } else {
        new.scopes.iter().map(|s| s.trim().to_owned()).collect()
    };
    for s in given {
        if !netsuite_auth::assertion::KNOWN_SCOPES.contains(&s.as_str()) {
            return Err(bad(format!(
                "unknown scope {s:?}; NetSuite's scopes are {}",
                netsuite_auth::assertion::KNOWN_SCOPES.join(", ")
            )));
        }
        if !scopes.contains(&s) {
            scopes.push(s);
        }
    }
    Ok(scopes)
}

/// NetSuite validates redirect URIs on save: `https://` or a custom scheme; `http://`
/// only when the emulator is told to allow loopback hosts.
pub(crate) fn check_redirect_uri(uri: &str, allow_http_loopback: bool) -> Result<(), String> {
    let url =
        url::Url::parse(uri).map_err(|e| format!("redirect URI {uri:?} is not a URL ({e})"))?;
    if url.fragment().is_some() {
        return Err(format!("redirect URI {uri:?} must not have a fragment"));
    }
    match url.scheme() {
        "https" => Ok(()),
        "http" => {
            let loopback = is_loopback(&url);
            if allow_http_loopback && loopback {
                Ok(())
            } else if loopback {
                Err(format!(
                    "redirect URI {uri:?} uses http://, which NetSuite does not support (allow_http_loopback permits it for loopback hosts)"
                ))
            } else {
                Err(format!(
                    "redirect URI {uri:?} uses http://, which NetSuite does not support: use https:// or a custom scheme"
                ))
            }
        }
        "javascript" | "data" | "file" => Err(format!(
            "redirect URI {uri:?} uses a scheme that cannot be a redirect target"
        )),
        _ => Ok(()),
    }
}

/// `http://127.0.0.1`, `http://localhost` or `http://[::1]`, any port.
pub(crate) fn is_loopback(url: &url::Url) -> bool {
    matches!(url.host_str(), Some("localhost" | "127.0.0.1" | "[::1]"))
}

/// Validates `new` and makes the record, with fresh client id, secret and application id.
pub(crate) fn prepare(new: &NewIntegration) -> Result<Integration, Error> {
    let scopes = validate(new)?;
    Ok(Integration {
        name: new.name.trim().to_owned(),
        client_id: identifier::client_credential(),
        client_secret: (!new.public).then(identifier::client_credential),
        m2m: new.m2m,
        auth_code: new.auth_code,
        public: new.public,
        redirect_uris: new.redirect_uris.clone(),
        scopes,
        application_id: identifier::uuid().to_ascii_uppercase(),
        allow_http_loopback: new.allow_http_loopback,
        consent_policy: new.consent_policy,
        refresh_token_hours: new.refresh_token_hours.unwrap_or(if new.public {
            DEFAULT_PUBLIC_REFRESH_TOKEN_HOURS
        } else {
            DEFAULT_REFRESH_TOKEN_HOURS
        }),
        max_rotation_hours: new.max_rotation_hours.unwrap_or(DEFAULT_MAX_ROTATION_HOURS),
        blocked: false,
    })
}

/// Stores a prepared integration.
pub(crate) fn insert(conn: &Connection, i: &Integration, now: i64) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO integration (client_id, name, secret_sha256, m2m, auth_code, public, \
         redirect_uris, scopes, allow_http_loopback, application_id, state, created, \
         consent_policy, refresh_token_hours, max_rotation_hours) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, 'enabled', ?11, ?12, ?13, ?14)",
    )?
    .execute(rusqlite::params![
        i.client_id,
        i.name,
        i.client_secret.as_deref().map(identifier::sha256_hex),
        i.m2m,
        i.auth_code,
        i.public,
        json_list(&i.redirect_uris),
        json_list(&i.scopes),
        i.allow_http_loopback,
        i.application_id,
        now,
        i.consent_policy.as_str(),
        i.refresh_token_hours,
        i.max_rotation_hours,
    ])?;
    Ok(())
}

pub(crate) fn json_list(v: &[String]) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| "[]".into())
}

/// Parses a stored JSON string list; anything else reads as empty.
pub(crate) fn parse_list(s: &str) -> Vec<String> {
    serde_json::from_str(s).unwrap_or_default()
}

const COLUMNS: &str = "name, client_id, m2m, auth_code, public, redirect_uris, scopes, \
     application_id, allow_http_loopback, consent_policy, refresh_token_hours, \
     max_rotation_hours, state";

fn from_row(r: &Row<'_>) -> rusqlite::Result<Integration> {
    let public: bool = r.get(4)?;
    let refresh: Option<u32> = r.get(10)?;
    let rotation: Option<u32> = r.get(11)?;
    Ok(Integration {
        name: r.get(0)?,
        client_id: r.get(1)?,
        client_secret: None,
        m2m: r.get(2)?,
        auth_code: r.get(3)?,
        public,
        redirect_uris: parse_list(&r.get::<_, String>(5)?),
        scopes: parse_list(&r.get::<_, String>(6)?),
        application_id: r.get(7)?,
        allow_http_loopback: r.get(8)?,
        consent_policy: r
            .get::<_, String>(9)?
            .parse()
            .unwrap_or(ConsentPolicy::Always),
        refresh_token_hours: refresh.unwrap_or(if public {
            DEFAULT_PUBLIC_REFRESH_TOKEN_HOURS
        } else {
            DEFAULT_REFRESH_TOKEN_HOURS
        }),
        max_rotation_hours: rotation.unwrap_or(DEFAULT_MAX_ROTATION_HOURS),
        blocked: r.get::<_, String>(12)? != "enabled",
    })
}

/// Every integration, oldest first, without secrets.
pub(crate) fn list(conn: &Connection) -> rusqlite::Result<Vec<Integration>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM integration ORDER BY created, rowid"
    ))?;
    let rows = stmt.query_map([], from_row)?;
    rows.collect()
}

/// One integration by client id, without its secret.
pub(crate) fn get(conn: &Connection, client_id: &str) -> rusqlite::Result<Option<Integration>> {
    conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM integration WHERE client_id = ?1"
    ))?
    .query_row([client_id], from_row)
    .optional()
}

/// The stored SHA-256 (hex) of an integration's client secret; `None` for public
/// clients and unknown client ids.
pub(crate) fn secret_sha256(
    conn: &Connection,
    client_id: &str,
) -> rusqlite::Result<Option<String>> {
    Ok(conn
        .prepare_cached("SELECT secret_sha256 FROM integration WHERE client_id = ?1")?
        .query_row([client_id], |r| r.get::<_, Option<String>>(0))
        .optional()?
        .flatten())
}

/// Blocks (`false`) or enables (`true`) an integration; whether it exists.
pub(crate) fn set_enabled(
    conn: &Connection,
    client_id: &str,
    enabled: bool,
) -> rusqlite::Result<bool> {
    let n = conn
        .prepare_cached("UPDATE integration SET state = ?2 WHERE client_id = ?1")?
        .execute(rusqlite::params![
            client_id,
            if enabled { "enabled" } else { "blocked" }
        ])?;
    Ok(n > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m2m(name: &str) -> NewIntegration {
        NewIntegration {
            name: name.into(),
            m2m: true,
            ..Default::default()
        }
    }

    #[test]
    fn defaults_and_shapes() {
        let i = prepare(&m2m("CLI")).unwrap();
        assert_eq!(i.scopes, vec!["rest_webservices", "restlets"]);
        assert_eq!(i.client_id.len(), 64);
        assert_eq!(i.client_secret.as_ref().unwrap().len(), 64);
        assert_eq!(i.application_id.len(), 36);
        assert_eq!(i.application_id, i.application_id.to_ascii_uppercase());
    }

    #[test]
    fn refusals() {
        assert!(prepare(&m2m(" ")).is_err());
        assert!(
            prepare(&NewIntegration {
                name: "x".into(),
                ..Default::default()
            })
            .is_err()
        );
        let mut n = m2m("x");
        n.scopes = vec!["restlet".into()];
        assert!(prepare(&n).is_err());
        let mut n = m2m("x");
        n.public = true;
        assert!(prepare(&n).is_err());
        let mut n = m2m("x");
        n.auth_code = true;
        assert!(prepare(&n).is_err(), "auth code without redirect URI");
        n.redirect_uris = vec!["http://localhost:8080/cb".into()];
        assert!(prepare(&n).is_err());
        n.allow_http_loopback = true;
        assert!(prepare(&n).is_ok());
        n.redirect_uris = vec!["http://example.com/cb".into()];
        assert!(prepare(&n).is_err());
        n.redirect_uris = vec!["myapp://callback".into(), "https://example.com/cb".into()];
        assert!(prepare(&n).is_ok());
        n.public = true;
        assert!(prepare(&n).unwrap().client_secret.is_none());
    }
}
