//! Client authentication at the token and revoke endpoints, against the integration
//! records: confidential clients by `Basic client_id:client_secret`, public clients by
//! `client_id` alone.

use aws_lc_rs::constant_time;
use rusqlite::Connection;

use super::audit::AuditCode;
use super::identifier;
use super::integration::{self, Integration};
use super::refusal::Rejection;
use super::request::{ClientAuthMethod, ClientCredentials};
use netsuite_auth::OAuthErrorCode;

fn failed(detail: String) -> Rejection {
    Rejection::new(
        OAuthErrorCode::InvalidClient,
        AuditCode::ClientAuthenticationFailed,
        detail,
    )
}

/// A client id worth writing to the audit trail: NetSuite's 64 hex characters.
pub(crate) fn plausible_client_id(id: &str) -> bool {
    id.len() == 64 && id.bytes().all(|b| b.is_ascii_hexdigit())
}

/// The integration of `creds`, when it authenticates; `invalid_client` (401) otherwise.
pub(crate) fn verify(
    conn: &Connection,
    creds: &ClientCredentials,
) -> Result<Result<Integration, Rejection>, rusqlite::Error> {
    let id = creds.client_id.as_str();
    let tag = |r: Rejection| {
        if plausible_client_id(id) {
            r.client(id)
        } else {
            r
        }
    };
    let Some(integration) = integration::get(conn, id)? else {
        return Ok(Err(tag(failed(format!(
            "no integration record has the client id {:?}",
            crate::error::truncate(id, 80)
        )))));
    };
    let secret_hash = integration::secret_sha256(conn, id)?;
    let outcome = match (creds.method, &secret_hash, &creds.secret) {
        (ClientAuthMethod::ClientId, Some(_), _) => Err(failed(format!(
            "integration {:?} is a confidential client: authenticate with Authorization: Basic base64(client_id:client_secret)",
            integration.name
        ))),
        (ClientAuthMethod::Basic, None, _) => Err(failed(format!(
            "integration {:?} is a public client and has no secret: send client_id in the body instead of a Basic header",
            integration.name
        ))),
        (ClientAuthMethod::Basic, Some(stored), Some(given)) => {
            let given = identifier::sha256_hex(given);
            if constant_time::verify_slices_are_equal(given.as_bytes(), stored.as_bytes()).is_ok() {
                Ok(())
            } else {
                Err(failed(format!(
                    "the client secret is wrong for integration {:?}",
                    integration.name
                )))
            }
        }
        (ClientAuthMethod::Basic, Some(_), None) => {
            Err(failed("the Basic credentials carry no secret".into()))
        }
        (ClientAuthMethod::ClientId, None, _) => Ok(()),
    };
    if let Err(r) = outcome {
        return Ok(Err(r.client(id)));
    }
    if integration.blocked {
        return Ok(Err(Rejection::new(
            OAuthErrorCode::InvalidClient,
            AuditCode::InvalidIntegration,
            format!("the integration record {:?} is blocked", integration.name),
        )
        .client(id)));
    }
    Ok(Ok(integration))
}
