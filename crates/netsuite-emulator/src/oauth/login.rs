//! The people who can log in on the authorize page, and their login sessions.
//!
//! Users come from [`crate::Config::users`] (by default one administrator,
//! `admin@example.com` / `emulator`); sessions are rows in the database keyed by the
//! SHA-256 of a random cookie value, so they survive a restart.

use std::fmt;

use aws_lc_rs::constant_time;
use rusqlite::{Connection, OptionalExtension};
use serde::Serialize;

use super::identifier;

/// The email address of the default user.
pub const DEFAULT_EMAIL: &str = "admin@example.com";
/// The password of the default user.
pub const DEFAULT_PASSWORD: &str = "emulator";
/// The session cookie's name.
pub const SESSION_COOKIE: &str = "NS_EMULATOR_SESSION";
/// How long a login session lasts, in seconds (12 hours).
pub const SESSION_SECS: i64 = 12 * 3600;

/// A role a user can act as.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LoginRole {
    /// Role internal id (3 = Administrator).
    pub id: i64,
    /// Role name shown on the consent page.
    pub name: String,
}

impl LoginRole {
    /// A role.
    pub fn new(id: i64, name: impl Into<String>) -> Self {
        Self {
            id,
            name: name.into(),
        }
    }
}

/// Someone who can log in on the authorize page.
#[derive(Clone, PartialEq, Eq)]
pub struct LoginUser {
    /// Email address (the login name), compared case-insensitively.
    pub email: String,
    /// Password.
    pub password: String,
    /// Display name.
    pub name: String,
    /// Entity internal id (`entity` in the redirect and in `sub`).
    pub entity: i64,
    /// Roles, the first being the default.
    pub roles: Vec<LoginRole>,
}

impl fmt::Debug for LoginUser {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LoginUser")
            .field("email", &self.email)
            .field("password", &"[redacted]")
            .field("name", &self.name)
            .field("entity", &self.entity)
            .field("roles", &self.roles)
            .finish()
    }
}

impl LoginUser {
    /// `admin@example.com` / `emulator`, entity -5, roles Administrator (3) and
    /// "REST Integration" (1001).
    pub fn default_admin() -> Self {
        Self::new(DEFAULT_EMAIL, DEFAULT_PASSWORD)
    }

    /// A user with the default admin's name, entity and roles.
    pub fn new(email: impl Into<String>, password: impl Into<String>) -> Self {
        Self {
            email: email.into(),
            password: password.into(),
            name: "Emulator Administrator".into(),
            entity: -5,
            roles: vec![
                LoginRole::new(3, "Administrator"),
                LoginRole::new(1001, "REST Integration"),
            ],
        }
    }

    /// The default role's id.
    pub fn default_role(&self) -> i64 {
        self.roles.first().map(|r| r.id).unwrap_or(3)
    }

    /// Whether the user has role `id`.
    pub fn has_role(&self, id: i64) -> bool {
        self.roles.iter().any(|r| r.id == id)
    }

    fn password_matches(&self, given: &str) -> bool {
        let a = identifier::sha256_hex(&self.password);
        let b = identifier::sha256_hex(given);
        constant_time::verify_slices_are_equal(a.as_bytes(), b.as_bytes()).is_ok()
    }
}

/// The user with this email (case-insensitive), if any.
pub(crate) fn find<'a>(users: &'a [LoginUser], email: &str) -> Option<&'a LoginUser> {
    users
        .iter()
        .find(|u| u.email.eq_ignore_ascii_case(email.trim()))
}

/// The user when `email` and `password` are right.
pub(crate) fn check<'a>(
    users: &'a [LoginUser],
    email: &str,
    password: &str,
) -> Option<&'a LoginUser> {
    find(users, email).filter(|u| u.password_matches(password))
}

/// Starts a session for `email`; returns the cookie value.
pub(crate) fn start_session(conn: &Connection, email: &str, now: i64) -> rusqlite::Result<String> {
    let id = identifier::client_credential();
    conn.prepare_cached(
        "INSERT INTO login_session (id_sha256, user_email, created, expires) VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(rusqlite::params![
        identifier::sha256_hex(&id),
        email,
        now,
        now + SESSION_SECS
    ])?;
    Ok(id)
}

/// The email of a live session's user.
pub(crate) fn session_user(
    conn: &Connection,
    cookie_value: &str,
    now: i64,
) -> rusqlite::Result<Option<String>> {
    conn.prepare_cached(
        "SELECT user_email FROM login_session WHERE id_sha256 = ?1 AND expires > ?2",
    )?
    .query_row(
        rusqlite::params![identifier::sha256_hex(cookie_value), now],
        |r| r.get(0),
    )
    .optional()
}

/// The session cookie's value from a `Cookie` header.
pub(crate) fn session_cookie(header: Option<&str>) -> Option<&str> {
    header?
        .split(';')
        .filter_map(|c| c.trim().split_once('='))
        .find(|(k, _)| *k == SESSION_COOKIE)
        .map(|(_, v)| v.trim())
        .filter(|v| !v.is_empty() && v.len() <= 128)
}

/// The `Set-Cookie` value for a new session.
pub(crate) fn set_cookie(value: &str) -> String {
    format!("{SESSION_COOKIE}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={SESSION_SECS}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn users_and_cookies() {
        let users = vec![LoginUser::default_admin()];
        assert!(check(&users, "Admin@Example.com", "emulator").is_some());
        assert!(check(&users, "admin@example.com", "wrong").is_none());
        assert!(check(&users, "nobody@example.com", "emulator").is_none());
        assert!(!format!("{:?}", users[0]).contains("emulator\""));
        assert_eq!(
            session_cookie(Some("a=b; NS_EMULATOR_SESSION=xyz; c=d")),
            Some("xyz")
        );
        assert_eq!(session_cookie(Some("a=b")), None);
        assert_eq!(session_cookie(None), None);
        assert_eq!(users[0].default_role(), 3);
    }
}
