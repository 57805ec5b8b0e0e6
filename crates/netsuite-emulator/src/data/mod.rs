//! The data plane: NetSuite's REST record API, SuiteQL, RESTlets, asynchronous jobs,
//! the system API, account concurrency governance and fault injection, and the seed
//! data every account starts with.
//!
//! It imports the OAuth plane only for the bearer check, and never the admin plane.
//! Its state is `state::DataPlane`, which handlers take through axum's `FromRef`.

pub(crate) mod async_job;
pub(crate) mod fault;
pub(crate) mod governance;
pub(crate) mod mcp;
pub mod record;
pub(crate) mod rest;
pub(crate) mod restlet;
pub(crate) mod seed;
pub(crate) mod state;
pub(crate) mod suiteql;
pub(crate) mod system;
pub(crate) mod total_results;

use axum::Router;
use axum::extract::FromRef;
use axum::routing::{any, get};
use netsuite_auth::account::{RESTLET_PATH, SUITEQL_PATH};

use state::DataPlane;

/// The data plane's routes: the REST record API and its metadata catalog, async
/// jobs, SuiteQL, RESTlets and the governance limits.
pub(crate) fn routes<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    DataPlane: FromRef<S>,
{
    Router::new()
        .merge(record::routes())
        .merge(async_job::routes())
        .route(SUITEQL_PATH, any(suiteql::handle))
        .route(RESTLET_PATH, any(restlet::handle))
        .route(system::GOVERNANCE_LIMITS_PATH, get(system::limits))
}
