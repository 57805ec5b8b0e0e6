//! OAuth 2.0 Client Credentials (M2M) mappings: a certificate uploaded for an
//! integration, a role and an entity. The certificate id is the `kid` of client
//! assertions.

use netsuite_auth::cert;
use netsuite_auth::key::KeyKind;
use rusqlite::{Connection, OptionalExtension, Row};
use serde::{Deserialize, Serialize};

use super::integration;
use crate::error::Error;

/// NetSuite's maximum of active certificates per integration record (2026.1).
pub const MAX_ACTIVE_CERTIFICATES: usize = 5;

/// What to map: an integration's client id, a certificate, a role and an entity.
///
/// Also the JSON body of `POST /admin/api/mappings` (`role` and `entity` optional).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewMapping {
    /// The integration's client id.
    pub client_id: String,
    /// The x.509 certificate, PEM (`-----BEGIN CERTIFICATE-----`).
    pub certificate_pem: String,
    /// The role id tokens act as (3 = Administrator).
    #[serde(default = "default_role")]
    pub role: i64,
    /// The entity id tokens act as (-5 = the account's first administrator).
    #[serde(default = "default_entity")]
    pub entity: i64,
}

fn default_role() -> i64 {
    3
}

fn default_entity() -> i64 {
    -5
}

impl NewMapping {
    /// A mapping for `client_id` with role 3 and entity -5.
    pub fn new(client_id: impl Into<String>, certificate_pem: impl Into<String>) -> Self {
        Self {
            client_id: client_id.into(),
            certificate_pem: certificate_pem.into(),
            role: default_role(),
            entity: default_entity(),
        }
    }
}

impl Default for NewMapping {
    fn default() -> Self {
        Self::new(String::new(), String::new())
    }
}

/// A mapping as stored.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Mapping {
    /// The certificate id: 43 base64url characters, the `kid` of client assertions.
    pub certificate_id: String,
    /// The integration's client id.
    pub client_id: String,
    /// Role id.
    pub role: i64,
    /// Entity id.
    pub entity: i64,
    /// The certificate's key, e.g. `EC P-256` or `RSA 3072`.
    pub key: String,
    /// The algorithm a client assertion uses with this key by default, e.g. `ES256`.
    pub algorithm: String,
    /// End of the certificate's validity, unix seconds.
    pub not_after: i64,
    /// Whether the mapping was revoked.
    pub revoked: bool,
}

fn refused(reason: impl Into<String>) -> Error {
    Error::CertificateRefused {
        reason: reason.into(),
    }
}

fn rfc3339(unix: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_else(|| unix.to_string())
}

/// Checks `new` against NetSuite's rules and stores it; runs inside a write
/// transaction so that the five-certificate limit holds across processes.
pub(crate) fn create(conn: &Connection, new: &NewMapping, now: i64) -> Result<Mapping, Error> {
    let st = |e| crate::store::storage(&crate::store::label_of(conn), e);
    let client_id = new.client_id.trim();
    let integration = integration::get(conn, client_id)
        .map_err(st)?
        .ok_or_else(|| Error::UnknownClientId {
            client_id: client_id.to_owned(),
        })?;
    if !integration.m2m {
        return Err(Error::IntegrationWithoutM2m {
            name: integration.name,
            client_id: integration.client_id,
        });
    }
    let now_dt =
        time::OffsetDateTime::from_unix_timestamp(now).unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    let info = cert::inspect(new.certificate_pem.as_bytes(), now_dt).map_err(|e| match e {
        netsuite_auth::Error::InvalidCertificate { reason } => refused(reason),
        other => refused(other.to_string()),
    })?;
    // NetSuite shortens a validity over two years to two years ("longer validity is
    // automatically shortened"); what is left of it must not be over.
    let longest = info.not_before + i64::from(cert::MAX_VALIDITY_DAYS) * 86_400;
    let not_after = info.not_after.min(longest);
    let mut problems: Vec<String> = info
        .problems
        .iter()
        .filter(|p| !p.starts_with("valid for "))
        .cloned()
        .collect();
    if not_after <= now && !problems.iter().any(|p| p == "expired") {
        problems.push(format!(
            "the certificate expired at {} (its validity shortened to two years)",
            rfc3339(not_after)
        ));
    }
    if !problems.is_empty() {
        let reasons: Vec<String> = problems
            .iter()
            .map(|p| match p.as_str() {
                "expired" => format!("the certificate expired at {}", rfc3339(info.not_after)),
                "not yet valid" => format!(
                    "the certificate is not valid before {}",
                    rfc3339(info.not_before)
                ),
                other => other.to_owned(),
            })
            .collect();
        return Err(refused(reasons.join("; ")));
    }
    let certificate_id = info.certificate_id();
    let duplicate: Option<i64> = conn
        .prepare_cached("SELECT 1 FROM mapping WHERE client_id = ?1 AND certificate_id = ?2")
        .and_then(|mut s| {
            s.query_row([client_id, certificate_id.as_str()], |r| r.get(0))
                .optional()
        })
        .map_err(st)?;
    if duplicate.is_some() {
        return Err(Error::DuplicateCertificate {
            certificate_id,
            client_id: client_id.to_owned(),
        });
    }
    let active: i64 = conn
        .prepare_cached(
            "SELECT COUNT(*) FROM mapping WHERE client_id = ?1 AND revoked = 0 AND not_after > ?2",
        )
        .and_then(|mut s| s.query_row(rusqlite::params![client_id, now], |r| r.get(0)))
        .map_err(st)?;
    if usize::try_from(active).unwrap_or(usize::MAX) >= MAX_ACTIVE_CERTIFICATES {
        return Err(Error::TooManyCertificates {
            client_id: client_id.to_owned(),
            max: MAX_ACTIVE_CERTIFICATES,
        });
    }
    let mapping = Mapping {
        certificate_id,
        client_id: client_id.to_owned(),
        role: new.role,
        entity: new.entity,
        key: info.key.to_string(),
        algorithm: info.algorithm.as_str().to_owned(),
        not_after,
        revoked: false,
    };
    let kind = serde_json::to_string(&info.key).map_err(|e| Error::Internal {
        reason: format!("cannot serialise a key kind: {e}"),
    })?;
    conn.prepare_cached(
        "INSERT INTO mapping (certificate_id, client_id, role, entity, certificate_pem, key_kind, \
         key_name, algorithm, public_key, not_before, not_after, revoked, created) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, 0, ?12)",
    )
    .and_then(|mut s| {
        s.execute(rusqlite::params![
            mapping.certificate_id,
            mapping.client_id,
            mapping.role,
            mapping.entity,
            new.certificate_pem,
            kind,
            mapping.key,
            mapping.algorithm,
            info.public_key,
            info.not_before,
            not_after,
            now,
        ])
    })
    .map_err(st)?;
    Ok(mapping)
}

fn from_row(r: &Row<'_>) -> rusqlite::Result<Mapping> {
    Ok(Mapping {
        certificate_id: r.get(0)?,
        client_id: r.get(1)?,
        role: r.get(2)?,
        entity: r.get(3)?,
        key: r.get(4)?,
        algorithm: r.get(5)?,
        not_after: r.get(6)?,
        revoked: r.get(7)?,
    })
}

/// Every mapping, oldest first.
pub(crate) fn list(conn: &Connection) -> rusqlite::Result<Vec<Mapping>> {
    let mut stmt = conn.prepare_cached(
        "SELECT certificate_id, client_id, role, entity, key_name, algorithm, not_after, revoked \
         FROM mapping ORDER BY id",
    )?;
    let rows = stmt.query_map([], from_row)?;
    rows.collect()
}

/// Revokes the mapping(s) of `certificate_id` (of `client_id` when given); returns
/// them as they are now, empty when none matched.
pub(crate) fn revoke(
    conn: &Connection,
    certificate_id: &str,
    client_id: Option<&str>,
) -> rusqlite::Result<Vec<Mapping>> {
    conn.prepare_cached(
        "UPDATE mapping SET revoked = 1 WHERE certificate_id = ?1 AND (?2 IS NULL OR client_id = ?2)",
    )?
    .execute(rusqlite::params![certificate_id, client_id])?;
    conn.prepare_cached(
        "UPDATE access_token SET revoked = 1 WHERE certificate_id = ?1 AND (?2 IS NULL OR client_id = ?2)",
    )?
    .execute(rusqlite::params![certificate_id, client_id])?;
    let mut stmt = conn.prepare_cached(
        "SELECT certificate_id, client_id, role, entity, key_name, algorithm, not_after, revoked \
         FROM mapping WHERE certificate_id = ?1 AND (?2 IS NULL OR client_id = ?2) ORDER BY id",
    )?;
    let rows = stmt.query_map(rusqlite::params![certificate_id, client_id], from_row)?;
    rows.collect()
}

/// A mapping found by certificate id, with what the token endpoint needs to know
/// about its integration (`None` fields when the integration record is gone).
#[derive(Debug, Clone)]
pub(crate) struct Candidate {
    pub client_id: String,
    pub role: i64,
    pub entity: i64,
    pub kind: Option<KeyKind>,
    pub public_key: Vec<u8>,
    pub not_before: i64,
    pub not_after: i64,
    pub revoked: bool,
    pub integration: Option<IntegrationState>,
}

/// The integration fields the token endpoint checks.
#[derive(Debug, Clone)]
pub(crate) struct IntegrationState {
    pub name: String,
    pub m2m: bool,
    pub enabled: bool,
    pub scopes: Vec<String>,
    pub application_id: String,
}

/// The mappings whose certificate id is `kid` (one per integration using the certificate).
pub(crate) fn candidates(conn: &Connection, kid: &str) -> rusqlite::Result<Vec<Candidate>> {
    let mut stmt = conn.prepare_cached(
        "SELECT m.client_id, m.role, m.entity, m.key_kind, m.public_key, m.not_before, \
         m.not_after, m.revoked, i.client_id, i.name, i.m2m, i.state, i.scopes, i.application_id \
         FROM mapping m LEFT JOIN integration i ON i.client_id = m.client_id \
         WHERE m.certificate_id = ?1 ORDER BY m.id",
    )?;
    let rows = stmt.query_map([kid], |r| {
        let integration = match r.get::<_, Option<String>>(8)? {
            None => None,
            Some(_) => Some(IntegrationState {
                name: r.get(9)?,
                m2m: r.get(10)?,
                enabled: r.get::<_, String>(11)? == "enabled",
                scopes: integration::parse_list(&r.get::<_, String>(12)?),
                application_id: r.get(13)?,
            }),
        };
        Ok(Candidate {
            client_id: r.get(0)?,
            role: r.get(1)?,
            entity: r.get(2)?,
            kind: serde_json::from_str(&r.get::<_, String>(3)?).ok(),
            public_key: r.get(4)?,
            not_before: r.get(5)?,
            not_after: r.get(6)?,
            revoked: r.get(7)?,
            integration,
        })
    })?;
    rows.collect()
}
