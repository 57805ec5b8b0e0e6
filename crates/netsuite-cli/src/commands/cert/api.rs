//! NetSuite's certificate API (2026.1) for client credentials (M2M) mappings, on the
//! account's RESTlets host: list (`GET …/clients/{clientId}/certificates`), add
//! (`POST` with `fileContent`, `role`, `entity`) and revoke
//! (`POST …/certificates/{certificateId}/revoke`). The bearer token needs the
//! `rest_webservices` scope and a role with "Manage own OAuth 2.0 Client Credentials
//! certificates". Response bodies are not documented by Oracle: ids are read from
//! `certificateId` (or `id`, or the `Location` header), lists from `items` (or a bare array).

use anyhow::Result;
use netsuite_client::{ApiRequest, Client};
use reqwest::Method;
use serde_json::{Value, json};

use crate::error::UserError;
use crate::output;

/// One certificate of an integration, as the API lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Certificate {
    /// The certificate id (the `kid` of client assertions).
    pub id: String,
    /// The role id of the mapping.
    pub role: Option<i64>,
    /// The entity id of the mapping.
    pub entity: Option<i64>,
    /// `ACTIVE`, `REVOKED` or `EXPIRED`.
    pub status: String,
    /// End of validity, as NetSuite writes it.
    pub valid_until: String,
}

impl Certificate {
    fn from_json(v: &Value) -> Option<Self> {
        let text = |k: &str| match v.get(k) {
            Some(Value::String(s)) => Some(s.clone()),
            Some(Value::Number(n)) => Some(n.to_string()),
            _ => None,
        };
        let number = |k: &str| text(k).and_then(|s| s.trim().parse().ok());
        Some(Self {
            id: text("certificateId").or_else(|| text("id"))?,
            role: number("role"),
            entity: number("entity"),
            status: text("status").unwrap_or_default().to_ascii_uppercase(),
            valid_until: text("validUntil").unwrap_or_default(),
        })
    }

    fn to_json(&self) -> Value {
        json!({
            "certificate_id": self.id,
            "role": self.role,
            "entity": self.entity,
            "status": self.status,
            "valid_until": self.valid_until,
        })
    }
}

/// The certificate API of one integration, called through `client` (whose token
/// decides the role and entity acting).
pub struct CertificateApi<'c> {
    client: &'c Client,
    client_id: String,
}

impl<'c> CertificateApi<'c> {
    /// The API of the integration `client_id`.
    pub fn new(client: &'c Client, client_id: &str) -> Self {
        Self {
            client,
            client_id: client_id.to_owned(),
        }
    }

    /// The collection URL, for messages.
    pub fn url(&self) -> String {
        self.client
            .endpoints()
            .certificates_url(&self.client_id)
            .to_string()
    }

    /// Every certificate the caller may see.
    pub async fn list(&self) -> Result<Vec<Certificate>, netsuite_client::Error> {
        let url = self.client.endpoints().certificates_url(&self.client_id);
        let v = self.client.get_json(url).await?;
        let items = match &v {
            Value::Array(a) => a.as_slice(),
            other => other
                .get("items")
                .and_then(Value::as_array)
                .map_or(&[][..], Vec::as_slice),
        };
        Ok(items.iter().filter_map(Certificate::from_json).collect())
    }

    /// Uploads `pem` for `role` and `entity`; returns the new certificate id. Not
    /// repeated after a broken connection (an ambiguous outcome is an error).
    pub async fn add(
        &self,
        pem: &str,
        role: i64,
        entity: i64,
    ) -> Result<String, netsuite_client::Error> {
        let url = self.client.endpoints().certificates_url(&self.client_id);
        let request = ApiRequest::new(Method::POST, url.clone())
            .json(&json!({"fileContent": pem, "role": role, "entity": entity}))?
            .idempotent(false);
        let resp = self
            .client
            .send(request)
            .await?
            .into_success(url.as_str())?;
        let (status, from_location) = (resp.status, resp.location_id());
        let body = resp.json(url.as_str()).unwrap_or(Value::Null);
        Certificate::from_json(&body)
            .map(|c| c.id)
            .or(from_location)
            .ok_or_else(|| netsuite_client::Error::UnexpectedResponse {
                url: url.to_string(),
                status,
                reason: "the answer names no certificate id".into(),
                snippet: String::new(),
            })
    }

    /// Revokes `certificate_id`; returns its status afterwards when NetSuite says it.
    pub async fn revoke(&self, certificate_id: &str) -> Result<String, netsuite_client::Error> {
        let url = self
            .client
            .endpoints()
            .certificate_revoke_url(&self.client_id, certificate_id);
        // Revoking twice is harmless, so a broken connection may be retried.
        let request = ApiRequest::new(Method::POST, url).idempotent(true);
        let v = self.client.send_json(request).await?;
        Ok(Certificate::from_json(&v)
            .map(|c| c.status)
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| "REVOKED".into()))
    }
}

/// What NetSuite said (its error, without the URL the messages name anyway), or the
/// error itself.
pub fn cause(e: &netsuite_client::Error) -> String {
    match e.api_error() {
        Some(a) => a.to_string(),
        None => e.to_string(),
    }
}

/// The client-credentials profile `requested` names (or the default), refused for an
/// environment-only identity or an authorization-code profile.
pub fn m2m_identity(requested: Option<&str>) -> Result<crate::identity::Identity> {
    let identity = crate::identity::resolve(requested)?;
    if identity.from_env {
        return Err(UserError::usage(
            "the certificate commands work on a profile, and the environment (NETSUITE_*) alone describes the identity",
        )
        .hint("name a profile with --profile NAME (`netsuite profile list` shows them)")
        .into());
    }
    if identity.profile.flow != crate::config::Flow::ClientCredentials {
        return Err(UserError::usage(format!(
            "{} uses the authorization code grant; certificates belong to client-credentials (M2M) profiles",
            identity.describe()
        ))
        .hint("pass --profile NAME of a client-credentials profile")
        .into());
    }
    Ok(identity)
}

/// `netsuite cert list`.
pub async fn list_command(requested: Option<&str>, as_json: bool) -> Result<()> {
    let identity = m2m_identity(requested)?;
    let client = identity.client()?;
    let api = CertificateApi::new(&client, &identity.profile.client_id);
    let certs = api.list().await?;
    let current = identity.profile.certificate_id.as_deref();
    if as_json {
        let items: Vec<Value> = certs
            .iter()
            .map(|c| {
                let mut v = c.to_json();
                v["current"] = json!(Some(c.id.as_str()) == current);
                v
            })
            .collect();
        return output::json(&items);
    }
    let mut text = String::new();
    for c in &certs {
        let mark = if Some(c.id.as_str()) == current {
            "*"
        } else {
            " "
        };
        let who = match (c.role, c.entity) {
            (Some(r), Some(e)) => format!("role {r}, entity {e}"),
            _ => String::new(),
        };
        text.push_str(&format!(
            "{mark} {:<44} {:<8} {:<20} {who}\n",
            c.id, c.status, c.valid_until
        ));
    }
    if certs.is_empty() {
        crate::output::say!("no certificates are visible to this role");
    }
    output::data(text.trim_end())
}

/// `netsuite cert revoke ID`.
pub async fn revoke_command(
    requested: Option<&str>,
    certificate_id: &str,
    yes: bool,
    as_json: bool,
) -> Result<()> {
    let identity = m2m_identity(requested)?;
    let certificate_id = certificate_id.trim();
    if identity.profile.certificate_id.as_deref() == Some(certificate_id) {
        return Err(UserError::usage(format!(
            "{certificate_id} is the certificate {} uses: revoking it stops the profile",
            identity.describe()
        ))
        .hint(format!(
            "switch to a new certificate first: `netsuite cert rotate --profile {}`",
            identity.name
        ))
        .into());
    }
    output::confirm(
        &format!(
            "revoke the certificate {certificate_id} of integration {}? NetSuite refuses its tokens from then on",
            identity.profile.client_id
        ),
        yes,
    )?;
    let client = identity.client()?;
    let status = CertificateApi::new(&client, &identity.profile.client_id)
        .revoke(certificate_id)
        .await?;
    if as_json {
        return output::json(&json!({"certificate_id": certificate_id, "status": status}));
    }
    crate::output::say!("revoked the certificate {certificate_id} (status {status})");
    Ok(())
}
