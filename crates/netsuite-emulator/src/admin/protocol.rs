//! The admin API's wire types: what `/admin/api/...` answers, as typed structs that the
//! server serialises and the remote client (feature `remote-client`) deserialises.
//!
//! Request bodies are the library's own input types ([`crate::NewIntegration`],
//! [`crate::NewMapping`]); answers are its output types ([`crate::Integration`],
//! [`crate::Mapping`], [`crate::AuthorizedApp`], [`crate::IssuedToken`],
//! [`crate::AuditEntry`]) plus the few below.

use serde::{Deserialize, Serialize};

use crate::error::Error;
use crate::oauth::chain::AuthorizedApp;
use crate::oauth::integration::Integration;
use crate::oauth::mapping::Mapping;
use crate::oauth::state::OAuthPlane;

/// `GET /admin/api`: which emulator this is and what it serves.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiIndex {
    /// The emulated account id.
    pub account: String,
    /// The emulator's version.
    pub version: String,
    /// The key id (`kid`) of the access tokens it issues.
    pub signing_key_id: String,
    /// The admin API's endpoints, `METHOD /path`.
    pub endpoints: Vec<String>,
}

/// An admin API error answer: `{"error": "<kind>", "message": "…"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiError {
    /// `not_found`, `conflict`, `invalid`, `forbidden` or `server_error`.
    pub error: String,
    /// What went wrong, in one line.
    pub message: String,
}

/// The answer to revoking an authorized application (`T` = its id) or a token
/// (`T` = its jti).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Revoked<T> {
    /// What was revoked.
    pub revoked: T,
}

/// One integration record (without its secret) with its certificate mappings and the
/// applications authorized for it: what `GET /admin/api/integrations/{client_id}`
/// answers, what its admin page shows and what `netsuite emulator integration show`
/// prints.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct IntegrationDetails {
    /// The record.
    #[serde(flatten)]
    pub integration: Integration,
    /// Its certificate mappings (revoked ones too), oldest first.
    pub mappings: Vec<Mapping>,
    /// Its authorized applications (revoked ones too), newest first.
    pub authorized_apps: Vec<AuthorizedApp>,
}

impl OAuthPlane {
    /// One integration record with its mappings and authorized applications (for
    /// [`crate::Emulator::integration_details`], the admin API and the admin page).
    pub(crate) fn integration_details(&self, client_id: &str) -> Result<IntegrationDetails, Error> {
        let Some(integration) = self.integration(client_id)? else {
            return Err(Error::UnknownClientId {
                client_id: client_id.to_owned(),
            });
        };
        let mappings = self
            .list_mappings()?
            .into_iter()
            .filter(|m| m.client_id == client_id)
            .collect();
        let authorized_apps = self
            .authorized_apps()?
            .into_iter()
            .filter(|a| a.client_id == client_id)
            .collect();
        Ok(IntegrationDetails {
            integration,
            mappings,
            authorized_apps,
        })
    }
}

/// The endpoints `GET /admin/api` lists.
pub(super) const ENDPOINTS: [&str; 13] = [
    "GET /admin/api/integrations",
    "POST /admin/api/integrations",
    "GET /admin/api/integrations/{client_id}",
    "POST /admin/api/integrations/{client_id}/block",
    "POST /admin/api/integrations/{client_id}/enable",
    "GET /admin/api/mappings",
    "POST /admin/api/mappings",
    "POST /admin/api/mappings/{certificate_id}/revoke",
    "GET /admin/api/authorizations",
    "POST /admin/api/authorizations/{id}/revoke",
    "GET /admin/api/tokens",
    "POST /admin/api/tokens/{jti}/revoke",
    "GET /admin/api/audit",
];
