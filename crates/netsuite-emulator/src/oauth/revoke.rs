//! `POST /services/rest/auth/oauth2/v1/revoke`: `token=<refresh token>`, with the
//! client authenticated as at the token endpoint. Revokes the refresh token's chain
//! (the refresh token and every access token issued in it) and answers 200 with an
//! empty body. As RFC 7009 asks, a token that is unknown, malformed, or another
//! client's is not an error (200, nothing revoked; the audit trail says why); an
//! access token revokes only itself.

use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use super::access_token;
use super::audit::AuditCode;
use super::chain;
use super::refusal::{Checked, Rejection, Stop, error_response};
use super::request::{Form, invalid_request};
use super::state::OAuthPlane;
use super::token::{FormPost, authenticate_client};
use crate::error::Error;
use netsuite_auth::OAuthErrorCode;

/// The axum handler.
pub(crate) async fn handle(State(emu): State<OAuthPlane>, req: Request) -> Response {
    let request = FormPost::read(req).await;
    let account = emu.account().clone();
    match emu.run_blocking(move |emu| Ok(revoke(emu, &request))).await {
        Ok(resp) => resp,
        Err(e) => {
            eprintln!("netsuite-emulator: {}", crate::error::chain(&e));
            error_response(&OAuthErrorCode::ServerError, None, &account)
        }
    }
}

fn ok() -> Response {
    let mut resp = StatusCode::OK.into_response();
    let h = resp.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(header::CONTENT_LENGTH, HeaderValue::from_static("0"));
    resp
}

fn revoke(emu: &OAuthPlane, request: &FormPost) -> Response {
    let now = emu.clock().now();
    match check(emu, request) {
        Ok(None) => ok(),
        Ok(Some(note)) => {
            emu.log(now, &note);
            ok()
        }
        Err(Stop::Refused(r)) => emu.refuse(now, r),
        Err(Stop::Failed(e)) => {
            eprintln!("netsuite-emulator: {}", crate::error::chain(&e));
            error_response(&OAuthErrorCode::ServerError, None, emu.account())
        }
    }
}

/// `Ok(None)`: revoked; `Ok(Some(note))`: nothing revoked, for the audit trail.
fn check(emu: &OAuthPlane, request: &FormPost) -> Checked<Option<Rejection>> {
    let body = request
        .body
        .as_ref()
        .map_err(|e| invalid_request(e.clone()))?;
    let form = Form::parse(
        request.content_type.as_ref().map(HeaderValue::as_bytes),
        body,
    )?;
    let integration = authenticate_client(emu, request, &form)?;
    let client = integration.client_id.as_str();
    let Some(token) = form.non_empty("token") else {
        return Err(
            invalid_request("token is missing; send token=<refresh token>")
                .client(client)
                .into(),
        );
    };
    if let Some(hint) = form.get("token_type_hint")
        && !matches!(hint, "refresh_token" | "access_token")
    {
        return Err(Rejection::new(
            OAuthErrorCode::InvalidRequest,
            AuditCode::InvalidRequest,
            format!(
                "token_type_hint {:?} is not refresh_token or access_token",
                crate::error::truncate(hint, 40)
            ),
        )
        .client(client)
        .into());
    }
    let note = |detail: String| {
        Ok(Some(
            Rejection::new(
                OAuthErrorCode::InvalidRequest,
                AuditCode::TokenRejected,
                detail,
            )
            .client(client),
        ))
    };
    let claims = match emu.signer().verify(token) {
        Ok(c) => c,
        Err(why) => {
            return note(format!(
                "revoke: the token is not this account's ({why}); nothing revoked"
            ));
        }
    };
    let jti = claims
        .get("jti")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let label = emu.store().label().to_owned();
    let st = |e| crate::store::storage(&label, e);
    if access_token::is_refresh_jti(&jti) {
        let outcome: Result<Option<String>, Error> = emu.store().write(|tx| {
            let Some(row) = chain::find_refresh(tx, &jti).map_err(st)? else {
                return Ok(Some(
                    "revoke: the refresh token is unknown (pruned?); nothing revoked".to_owned(),
                ));
            };
            if row.client_id != client {
                return Ok(Some(format!(
                    "revoke: the refresh token belongs to another client ({}); nothing revoked",
                    row.client_id
                )));
            }
            chain::revoke_chain(tx, &row.chain_id, "revoked at the revoke endpoint").map_err(st)?;
            Ok(None)
        });
        return match outcome? {
            None => Ok(None),
            Some(detail) => note(detail),
        };
    }
    let outcome: Result<Option<String>, Error> =
        emu.store().write(
            |tx| match chain::access_token_owner(tx, &jti).map_err(st)? {
                None => Ok(Some(
                    "revoke: the access token is unknown (pruned?); nothing revoked".to_owned(),
                )),
                Some((owner, _)) if owner != client => Ok(Some(format!(
                    "revoke: the access token belongs to another client ({owner}); nothing revoked"
                ))),
                Some(_) => {
                    chain::revoke_access_token(tx, &jti).map_err(st)?;
                    Ok(None)
                }
            },
        );
    match outcome? {
        None => Ok(None),
        Some(detail) => note(detail),
    }
}
