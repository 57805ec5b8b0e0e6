//! The REST record API (`/services/rest/record/v1`) on SQLite, in NetSuite's shape:
//! get by internal id or `eid:`, `fields=`, `expandSubResources=true`, sublists and
//! their lines, collections with `limit`/`offset`/`q`, create (204 + `Location`),
//! update (PATCH; `null` clears), upsert (PUT on `eid:`), delete, the metadata
//! catalog, and `Prefer: respond-async`.
//!
//! Record types of the data model (`netsuite_suiteql::Model`) live in tables shared with SuiteQL; every other
//! known type (vendors, custom records, ...) is a JSON document in the `record` table,
//! whose stored hrefs are paths (`/services/rest/record/v1/customer/101`) that get the
//! base URL put in front when served. Links use the request's own host.

pub(crate) mod document;
pub(crate) mod handler;
pub(crate) mod metadata;
pub(crate) mod read;
pub mod types;
pub(crate) mod write;

use axum::Router;
use axum::extract::FromRef;
use axum::routing::{any, get};
use netsuite_auth::account::RECORD_PATH;

pub use crate::data::rest::{COLLECTION_CONTENT_TYPE, SINGULAR_CONTENT_TYPE};
pub use handler::SCOPE;
pub use types::{RecordKey, canonical_type, parse_key};

use super::state::DataPlane;
use handler::dispatch;

/// The record API's routes.
pub(crate) fn routes<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    DataPlane: FromRef<S>,
{
    Router::new()
        .route(
            &format!("{RECORD_PATH}/metadata-catalog"),
            get(metadata::catalog),
        )
        .route(
            &format!("{RECORD_PATH}/metadata-catalog/"),
            get(metadata::catalog),
        )
        .route(
            &format!("{RECORD_PATH}/metadata-catalog/{{record_type}}"),
            get(metadata::record_type),
        )
        .route(&format!("{RECORD_PATH}/{{a}}"), any(dispatch))
        .route(&format!("{RECORD_PATH}/{{a}}/{{b}}"), any(dispatch))
        .route(&format!("{RECORD_PATH}/{{a}}/{{b}}/{{c}}"), any(dispatch))
        .route(
            &format!("{RECORD_PATH}/{{a}}/{{b}}/{{c}}/{{d}}"),
            any(dispatch),
        )
}
