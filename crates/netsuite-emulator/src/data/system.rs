//! The system API: `GET /services/rest/system/v1/governanceLimits`.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::record::types::ADMINISTRATOR;
use super::rest::{self, REST_SCOPE, SINGULAR_CONTENT_TYPE};
use super::state::DataPlane;
use crate::error::RestError;

/// Where the governance limits are read.
pub(crate) const GOVERNANCE_LIMITS_PATH: &str = "/services/rest/system/v1/governanceLimits";

/// `GET /services/rest/system/v1/governanceLimits`.
pub(crate) async fn limits(State(emu): State<DataPlane>, headers: HeaderMap) -> Response {
    emu.run_blocking(move |emu| {
        let principal = match emu.bearer().authorize(&headers, REST_SCOPE) {
            Ok(p) => p,
            Err(r) => return Ok(r),
        };
        // NetSuite answers governanceLimits to administrators only.
        if principal.role != ADMINISTRATOR {
            return Ok(RestError::new(
                StatusCode::FORBIDDEN,
                "INSUFFICIENT_PERMISSION",
                "Your current role does not have permission to view the integration governance limits.",
            )
            .into_response());
        }
        let limit = emu.governor().concurrency_limit();
        let body = json!({
            "accountConcurrencyLimit": limit,
            "accountUnallocatedConcurrencyLimit": limit,
            "integrationLimitType": "accountLimit",
        });
        Ok(rest::json_response(
            StatusCode::OK,
            SINGULAR_CONTENT_TYPE,
            body.to_string(),
        ))
    })
    .await
    .unwrap_or_else(IntoResponse::into_response)
}
