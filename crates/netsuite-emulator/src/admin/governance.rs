//! The admin JSON API's governance and fault injection settings:
//! `GET|PUT /admin/api/governance` and `GET|PUT /admin/api/faults`; what the data
//! plane saw: `GET /admin/api/stats`, `POST /admin/api/stats/reset`.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use serde_json::json;

use crate::data::fault::Faults;
use crate::data::state::DataPlane;

/// Changes to governance through `PUT /admin/api/governance`; absent fields stay.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct GovernanceUpdate {
    concurrency_limit: Option<u32>,
    #[serde(default, with = "double_option")]
    retry_after_secs: Option<Option<u64>>,
    #[serde(default)]
    reset_counters: bool,
}

mod double_option {
    use serde::{Deserialize, Deserializer};

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<Option<u64>>, D::Error> {
        Option::<u64>::deserialize(d).map(Some)
    }
}

fn admin_json(status: StatusCode, body: serde_json::Value) -> Response {
    crate::data::rest::json_response(status, "application/json", body.to_string())
}

fn admin_error(reason: impl std::fmt::Display) -> Response {
    admin_json(
        StatusCode::BAD_REQUEST,
        json!({"error": reason.to_string()}),
    )
}

/// `GET /admin/api/faults`.
pub(super) async fn get_faults(State(emu): State<DataPlane>) -> Response {
    admin_json(StatusCode::OK, json!(emu.faults()))
}

/// `PUT /admin/api/faults`: the whole settings (absent fields are zero).
pub(super) async fn put_faults(State(emu): State<DataPlane>, body: Bytes) -> Response {
    let faults: Faults = match serde_json::from_slice(&body) {
        Ok(f) => f,
        Err(e) => return admin_error(format!("invalid fault settings: {e}")),
    };
    match emu.set_faults(faults) {
        Ok(()) => admin_json(StatusCode::OK, json!(emu.faults())),
        Err(e) => admin_error(e),
    }
}

/// `GET /admin/api/governance`.
pub(super) async fn get_governance(State(emu): State<DataPlane>) -> Response {
    admin_json(StatusCode::OK, json!(emu.governance()))
}

/// `PUT /admin/api/governance`: `concurrencyLimit`, `retryAfterSecs`, `resetCounters`.
pub(super) async fn put_governance(State(emu): State<DataPlane>, body: Bytes) -> Response {
    let update: GovernanceUpdate = match serde_json::from_slice(&body) {
        Ok(u) => u,
        Err(e) => return admin_error(format!("invalid governance settings: {e}")),
    };
    if let Some(limit) = update.concurrency_limit
        && let Err(e) = emu.set_concurrency_limit(limit)
    {
        return admin_error(e);
    }
    if let Some(r) = update.retry_after_secs
        && let Err(e) = emu.set_retry_after(r)
    {
        return admin_error(e);
    }
    if update.reset_counters {
        emu.reset_governance_counters();
    }
    admin_json(StatusCode::OK, json!(emu.governance()))
}

/// `GET /admin/api/stats`: `{"requests", "in_flight", "peak_in_flight",
/// "rejected_429", "rejected_restlet_limit"}`.
pub(super) async fn get_stats(State(emu): State<DataPlane>) -> Response {
    admin_json(StatusCode::OK, json!(emu.stats()))
}

/// `POST /admin/api/stats/reset`: zeroes the counters (the peak restarts from the
/// requests in flight now) and answers the stats after the reset.
pub(super) async fn reset_stats(State(emu): State<DataPlane>) -> Response {
    emu.reset_governance_counters();
    admin_json(StatusCode::OK, json!(emu.stats()))
}
