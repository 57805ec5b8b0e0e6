//! The data plane's state: the store, the bearer check, governance and the cached
//! counts of collections and SuiteQL results.

use std::sync::Arc;

use netsuite_auth::account::AccountId;
use netsuite_suiteql::Model;

use super::fault::Faults;
use super::governance::{GovernanceStats, Governor, Stats};
use super::seed;
use super::total_results::Totals;
use crate::clock::Clock;
use crate::error::Error;
use crate::oauth::bearer::Bearer;
use crate::store::{self, Store};

/// What the data plane is configured with.
#[derive(Debug, Clone)]
pub(crate) struct Settings {
    /// The account it pretends to be.
    pub account: AccountId,
    /// The clock it reads.
    pub clock: Clock,
    /// Load the demo data on open.
    pub demo: bool,
    /// Demo transactions to have.
    pub demo_scale: u64,
    /// The account concurrency limit.
    pub concurrency_limit: u32,
    /// `Retry-After` seconds on 429s.
    pub retry_after_secs: Option<u64>,
    /// Fault injection.
    pub faults: Faults,
    /// The data model of the tables and record types.
    pub model: &'static Model,
    /// How long one SuiteQL statement may run.
    pub suiteql_time_limit: std::time::Duration,
    /// Where links in replies point.
    pub links: crate::origin::LinkBase,
    /// The AI Connector's undocumented behaviours.
    pub mcp: super::mcp::front::Settings,
}

struct Inner {
    account: AccountId,
    clock: Clock,
    model: &'static Model,
    store: Store,
    bearer: Bearer,
    governor: Arc<Governor>,
    counts: Totals,
    suiteql_time_limit: std::time::Duration,
    links: crate::origin::LinkBase,
    mcp: super::mcp::front::Settings,
    /// What to do when the server stops (end the AI Connector's open sessions).
    on_stop: std::sync::Mutex<Vec<Box<dyn Fn() + Send + Sync>>>,
    /// SuiteQL statements running now.
    running: std::sync::atomic::AtomicUsize,
}

/// The data plane's state. Cheap to clone (an `Arc` inside).
#[derive(Clone)]
pub(crate) struct DataPlane {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for DataPlane {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DataPlane")
            .field("account", &self.inner.account)
            .field("store", &self.inner.store)
            .finish()
    }
}

impl DataPlane {
    /// Opens the plane on a migrated store: writes the base records every account has
    /// and, when asked, the demo data up to its scale.
    pub(crate) fn open(store: Store, bearer: Bearer, settings: Settings) -> Result<Self, Error> {
        store.write(|tx| {
            seed::seed(tx, settings.demo, settings.demo_scale)
                .map_err(|e| store::storage(store.label(), e))
        })?;
        let governor = Governor::new(
            settings.concurrency_limit,
            settings.retry_after_secs,
            settings.faults,
        );
        Ok(Self {
            inner: Arc::new(Inner {
                account: settings.account,
                clock: settings.clock,
                model: settings.model,
                store,
                bearer,
                governor: Arc::new(governor),
                counts: Totals::default(),
                suiteql_time_limit: settings.suiteql_time_limit,
                links: settings.links,
                mcp: settings.mcp,
                on_stop: std::sync::Mutex::new(Vec::new()),
                running: std::sync::atomic::AtomicUsize::new(0),
            }),
        })
    }

    /// The base URL of links in the reply to this request.
    pub(crate) fn link_base(
        &self,
        uri: &axum::http::Uri,
        headers: &axum::http::HeaderMap,
    ) -> String {
        self.inner
            .links
            .for_request(uri, headers, &self.inner.account)
    }

    /// The AI Connector's settings.
    pub(crate) fn mcp(&self) -> &super::mcp::front::Settings {
        &self.inner.mcp
    }

    /// Runs `f` when the server stops accepting connections ([`DataPlane::stop`]).
    pub(crate) fn on_stop(&self, f: Box<dyn Fn() + Send + Sync>) {
        self.stops().push(f);
    }

    /// The server stops: ends what would keep a connection open (SSE streams).
    pub(crate) fn stop(&self) {
        for f in self.stops().iter() {
            f();
        }
    }

    fn stops(&self) -> std::sync::MutexGuard<'_, Vec<Box<dyn Fn() + Send + Sync>>> {
        self.inner
            .on_stop
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    pub(crate) fn clock(&self) -> &Clock {
        &self.inner.clock
    }

    /// The data model its tables, records and SuiteQL follow.
    pub(crate) fn model(&self) -> &'static Model {
        self.inner.model
    }

    pub(crate) fn store(&self) -> &Store {
        &self.inner.store
    }

    /// The OAuth plane's bearer check.
    pub(crate) fn bearer(&self) -> &Bearer {
        &self.inner.bearer
    }

    pub(crate) fn governor(&self) -> &Arc<Governor> {
        &self.inner.governor
    }

    /// How long one SuiteQL statement may run.
    pub(crate) fn suiteql_time_limit(&self) -> std::time::Duration {
        self.inner.suiteql_time_limit
    }

    /// The count of SuiteQL statements running now.
    pub(crate) fn running_statements(&self) -> &std::sync::atomic::AtomicUsize {
        &self.inner.running
    }

    /// Cached counts of collections and SuiteQL results.
    pub(crate) fn counts(&self) -> &Totals {
        &self.inner.counts
    }

    /// Runs blocking work (SQLite) on tokio's blocking pool.
    pub(crate) async fn run_blocking<T, F>(&self, f: F) -> Result<T, Error>
    where
        F: FnOnce(&DataPlane) -> Result<T, Error> + Send + 'static,
        T: Send + 'static,
    {
        self.inner.store.run_blocking(self, f).await
    }

    /// The fault injection settings in force.
    pub(crate) fn faults(&self) -> Faults {
        self.governor().faults()
    }

    /// Replaces the fault injection settings.
    pub(crate) fn set_faults(&self, faults: Faults) -> Result<(), Error> {
        self.governor().set_faults(faults)
    }

    /// The account concurrency limit.
    pub(crate) fn concurrency_limit(&self) -> u32 {
        self.governor().concurrency_limit()
    }

    /// Changes the account concurrency limit.
    pub(crate) fn set_concurrency_limit(&self, limit: u32) -> Result<(), Error> {
        self.governor().set_concurrency_limit(limit)
    }

    /// Sends `Retry-After: secs` with 429s.
    pub(crate) fn set_retry_after(&self, secs: Option<u64>) -> Result<(), Error> {
        self.governor().set_retry_after(secs)
    }

    /// Governance counters and settings.
    pub(crate) fn governance(&self) -> GovernanceStats {
        self.governor().governance()
    }

    /// Requests seen, in flight, at peak, and governance refusals answered.
    pub(crate) fn stats(&self) -> Stats {
        self.governor().traffic()
    }

    /// Zeroes the governance counters.
    pub(crate) fn reset_governance_counters(&self) {
        self.governor().reset_governance_counters();
    }
}
