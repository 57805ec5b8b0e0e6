//! Account concurrency governance and the fault gate in front of the data plane.
//!
//! NetSuite governs concurrent requests per account across REST, SuiteQL and
//! RESTlets: a request over the limit is refused at once (REST: 429
//! `CONCURRENCY_LIMIT_EXCEEDED`; RESTlets: 400 `SSS_REQUEST_LIMIT_EXCEEDED`). The gate
//! is a middleware on the whole router: it counts data-plane requests in flight
//! (latency added by fault injection included, as a slow NetSuite request counts),
//! refuses those over the limit, and applies [`Faults`]. The token endpoint is not
//! governed; it only gets `slow_token_ms`.

use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use netsuite_auth::account::{RESTLET_PATH, TOKEN_PATH};
use serde::Serialize;

use super::fault::{self, Faults, Outcome};
use crate::error::Error;
use crate::error::RestError;

/// NetSuite's default account concurrency limit (developer and Standard accounts).
pub const DEFAULT_CONCURRENCY_LIMIT: u32 = 5;

/// The detail of a REST 429.
pub const CONCURRENCY_DETAIL: &str = "Concurrent request limit exceeded. Request blocked.";

/// Governance counters and settings, as `GET /admin/api/governance` shows them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct GovernanceStats {
    /// The account concurrency limit.
    pub concurrency_limit: u32,
    /// `Retry-After` seconds sent with 429s, if any.
    pub retry_after_secs: Option<u64>,
    /// Data-plane requests in flight now.
    pub in_flight: u32,
    /// The most requests ever in flight at once (since the last reset).
    pub peak_in_flight: u32,
    /// Requests admitted.
    pub admitted: u64,
    /// Requests refused for the concurrency limit.
    pub rejected: u64,
    /// Injected 429s (or RESTlet `SSS_REQUEST_LIMIT_EXCEEDED`).
    #[serde(rename = "injected429")]
    pub injected_429: u64,
    /// Injected 5xx answers.
    #[serde(rename = "injected5xx")]
    pub injected_5xx: u64,
    /// Injected dropped connections.
    pub dropped: u64,
}

/// What the data plane saw, as `GET /admin/api/stats` shows it: since the start, or
/// since the last reset (`POST /admin/api/stats/reset`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
#[non_exhaustive]
pub struct Stats {
    /// Data-plane requests answered (REST, SuiteQL, RESTlets), refused ones included.
    pub requests: u64,
    /// Data-plane requests in flight now.
    pub in_flight: u32,
    /// The most requests in flight at once.
    pub peak_in_flight: u32,
    /// REST 429 `CONCURRENCY_LIMIT_EXCEEDED` answers (over the limit, or injected).
    pub rejected_429: u64,
    /// RESTlet 400 `SSS_REQUEST_LIMIT_EXCEEDED` answers (over the limit, or injected).
    pub rejected_restlet_limit: u64,
}

/// Largest concurrency limit accepted.
pub const MAX_CONCURRENCY_LIMIT: u32 = 10_000;

/// The longest `Retry-After` the emulator sends, in seconds (one hour).
pub const MAX_RETRY_AFTER_SECS: u64 = 3600;

/// Live governance state.
#[derive(Debug)]
pub(crate) struct Governor {
    limit: AtomicU32,
    retry_after: AtomicU64,
    in_flight: AtomicU32,
    peak: AtomicU32,
    admitted: AtomicU64,
    rejected: AtomicU64,
    faults: RwLock<Arc<Faults>>,
    sequence: AtomicU64,
    injected: fault::Counters,
    requests: AtomicU64,
    rejected_429: AtomicU64,
    rejected_restlet_limit: AtomicU64,
}

impl Governor {
    pub(crate) fn new(limit: u32, retry_after: Option<u64>, faults: Faults) -> Self {
        Self {
            limit: AtomicU32::new(limit),
            retry_after: AtomicU64::new(retry_after.map_or(0, |s| s.saturating_add(1))),
            in_flight: AtomicU32::new(0),
            peak: AtomicU32::new(0),
            admitted: AtomicU64::new(0),
            rejected: AtomicU64::new(0),
            faults: RwLock::new(Arc::new(faults)),
            sequence: AtomicU64::new(0),
            injected: fault::Counters::default(),
            requests: AtomicU64::new(0),
            rejected_429: AtomicU64::new(0),
            rejected_restlet_limit: AtomicU64::new(0),
        }
    }

    fn current_faults(&self) -> Arc<Faults> {
        Arc::clone(
            &self
                .faults
                .read()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        )
    }

    fn retry_after(&self) -> Option<u64> {
        match self.retry_after.load(Ordering::Relaxed) {
            0 => None,
            n => Some(n - 1),
        }
    }

    /// Takes a slot unless the limit is reached.
    fn try_acquire(&self) -> bool {
        let limit = self.limit.load(Ordering::Relaxed);
        let taken = self
            .in_flight
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                (n < limit).then_some(n + 1)
            });
        match taken {
            Ok(before) => {
                self.peak.fetch_max(before + 1, Ordering::Relaxed);
                self.admitted.fetch_add(1, Ordering::Relaxed);
                true
            }
            Err(_) => {
                self.rejected.fetch_add(1, Ordering::Relaxed);
                false
            }
        }
    }

    fn release(&self) {
        self.in_flight.fetch_sub(1, Ordering::AcqRel);
    }

    fn stats(&self) -> GovernanceStats {
        GovernanceStats {
            concurrency_limit: self.limit.load(Ordering::Relaxed),
            retry_after_secs: self.retry_after(),
            in_flight: self.in_flight.load(Ordering::Relaxed),
            peak_in_flight: self.peak.load(Ordering::Relaxed),
            admitted: self.admitted.load(Ordering::Relaxed),
            rejected: self.rejected.load(Ordering::Relaxed),
            injected_429: self.injected.too_many.load(Ordering::Relaxed),
            injected_5xx: self.injected.server_errors.load(Ordering::Relaxed),
            dropped: self.injected.dropped.load(Ordering::Relaxed),
        }
    }

    fn reset_counters(&self) {
        self.peak
            .store(self.in_flight.load(Ordering::Relaxed), Ordering::Relaxed);
        for c in [
            &self.admitted,
            &self.rejected,
            &self.injected.too_many,
            &self.injected.server_errors,
            &self.injected.dropped,
            &self.requests,
            &self.rejected_429,
            &self.rejected_restlet_limit,
        ] {
            c.store(0, Ordering::Relaxed);
        }
    }
}

/// Releases a concurrency slot when dropped (also when the client goes away).
struct Slot(Arc<Governor>);

impl Drop for Slot {
    fn drop(&mut self) {
        self.0.release();
    }
}

/// `Retry-After` seconds within 0 to [`MAX_RETRY_AFTER_SECS`].
pub(crate) fn check_retry_after(secs: Option<u64>) -> Result<(), Error> {
    match secs {
        Some(s) if s > MAX_RETRY_AFTER_SECS => Err(Error::InvalidSettings {
            reason: format!(
                "Retry-After must be between 0 and {MAX_RETRY_AFTER_SECS} seconds, not {s}"
            ),
        }),
        _ => Ok(()),
    }
}

impl Governor {
    /// The fault injection settings in force.
    pub(crate) fn faults(&self) -> Faults {
        (*self.current_faults()).clone()
    }

    /// Replaces the fault injection settings; the sequence of decisions restarts, so
    /// a seed gives the same faults from here on.
    pub(crate) fn set_faults(&self, faults: Faults) -> Result<(), Error> {
        faults
            .validate()
            .map_err(|reason| Error::InvalidSettings { reason })?;
        *self
            .faults
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Arc::new(faults);
        self.sequence.store(0, Ordering::Relaxed);
        Ok(())
    }

    /// The account concurrency limit.
    pub(crate) fn concurrency_limit(&self) -> u32 {
        self.limit.load(Ordering::Relaxed)
    }

    /// Changes the account concurrency limit (1 to [`MAX_CONCURRENCY_LIMIT`]); requests
    /// in flight keep their slots.
    pub(crate) fn set_concurrency_limit(&self, limit: u32) -> Result<(), Error> {
        if !(1..=MAX_CONCURRENCY_LIMIT).contains(&limit) {
            return Err(Error::InvalidSettings {
                reason: format!(
                    "the concurrency limit must be between 1 and {MAX_CONCURRENCY_LIMIT}, not {limit}"
                ),
            });
        }
        self.limit.store(limit, Ordering::Relaxed);
        Ok(())
    }

    /// Sends `Retry-After: secs` with 429s (NetSuite's behaviour is unconfirmed; none
    /// by default).
    pub(crate) fn set_retry_after(&self, secs: Option<u64>) -> Result<(), Error> {
        check_retry_after(secs)?;
        self.retry_after
            .store(secs.map_or(0, |s| s.saturating_add(1)), Ordering::Relaxed);
        Ok(())
    }

    /// Governance counters and settings.
    pub(crate) fn governance(&self) -> GovernanceStats {
        self.stats()
    }

    /// Zeroes the counters (the peak restarts from the requests in flight now).
    pub(crate) fn reset_governance_counters(&self) {
        self.reset_counters();
    }

    /// Requests seen, in flight, at peak, and governance refusals answered.
    pub(crate) fn traffic(&self) -> Stats {
        Stats {
            requests: self.requests.load(Ordering::Relaxed),
            in_flight: self.in_flight.load(Ordering::Relaxed),
            peak_in_flight: self.peak.load(Ordering::Relaxed),
            rejected_429: self.rejected_429.load(Ordering::Relaxed),
            rejected_restlet_limit: self.rejected_restlet_limit.load(Ordering::Relaxed),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Channel {
    Token,
    Rest,
    Restlet,
    /// The AI Connector (MCP): its POSTs are governed, its SSE streams (GET) not.
    Mcp,
}

fn classify(path: &str) -> Option<Channel> {
    if path == TOKEN_PATH {
        Some(Channel::Token)
    } else if path.starts_with("/services/rest/") && !path.starts_with("/services/rest/auth/") {
        Some(Channel::Rest)
    } else if path == RESTLET_PATH {
        Some(Channel::Restlet)
    } else if path.starts_with(super::mcp::front::PATH_PREFIX) {
        Some(Channel::Mcp)
    } else {
        None
    }
}

fn too_many(g: &Governor, channel: Channel) -> Response {
    let retry_after = g.retry_after();
    match channel {
        Channel::Restlet => &g.rejected_restlet_limit,
        _ => &g.rejected_429,
    }
    .fetch_add(1, Ordering::Relaxed);
    let mut resp = match channel {
        Channel::Restlet => super::rest::suitescript_error(
            StatusCode::BAD_REQUEST,
            "SSS_REQUEST_LIMIT_EXCEEDED",
            "The request could not be processed: the account's concurrent request limit was exceeded. Retry later.",
        ),
        Channel::Mcp => super::mcp::front::too_many_requests(),
        _ => RestError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "CONCURRENCY_LIMIT_EXCEEDED",
            CONCURRENCY_DETAIL,
        )
        .into_response(),
    };
    if let Some(secs) = retry_after
        && let Ok(v) = HeaderValue::from_str(&secs.to_string())
    {
        resp.headers_mut().insert(header::RETRY_AFTER, v);
    }
    resp
}

/// The middleware: governance and faults for data-plane paths, slowness for the token
/// endpoint, nothing for the rest.
pub(crate) async fn gate(State(g): State<Arc<Governor>>, req: Request, next: Next) -> Response {
    let Some(channel) = classify(req.uri().path()) else {
        return next.run(req).await;
    };
    if channel == Channel::Mcp && req.method() != axum::http::Method::POST {
        return next.run(req).await;
    }
    let faults = g.current_faults();
    if channel == Channel::Token {
        if faults.slow_token_ms > 0 {
            tokio::time::sleep(Duration::from_millis(faults.slow_token_ms)).await;
        }
        return next.run(req).await;
    }
    g.requests.fetch_add(1, Ordering::Relaxed);
    if !g.try_acquire() {
        return too_many(&g, channel);
    }
    let slot = Slot(Arc::clone(&g));
    if faults.is_active() {
        let n = g.sequence.fetch_add(1, Ordering::Relaxed);
        let draw = fault::draw(&faults, n);
        if draw.latency_ms > 0 {
            tokio::time::sleep(Duration::from_millis(draw.latency_ms)).await;
        }
        g.injected.count(draw.outcome);
        match draw.outcome {
            Outcome::Pass => {}
            Outcome::TooMany => return too_many(&g, channel),
            Outcome::ServerError(status) => {
                return match channel {
                    Channel::Restlet if status == 500 => super::rest::suitescript_error(
                        StatusCode::INTERNAL_SERVER_ERROR,
                        "UNEXPECTED_ERROR",
                        "An unexpected SuiteScript error has occurred",
                    ),
                    _ => fault::server_error(status),
                };
            }
            Outcome::Drop => return fault::dropped(),
        }
    }
    let resp = next.run(req).await;
    drop(slot);
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots() {
        let g = Governor::new(2, None, Faults::none());
        assert!(g.try_acquire());
        assert!(g.try_acquire());
        assert!(!g.try_acquire());
        g.release();
        assert!(g.try_acquire());
        let s = g.stats();
        assert_eq!(
            (s.in_flight, s.peak_in_flight, s.admitted, s.rejected),
            (2, 2, 3, 1)
        );
        g.release();
        g.release();
        g.reset_counters();
        assert_eq!(g.stats().peak_in_flight, 0);
        assert_eq!(g.stats().rejected, 0);
    }

    #[test]
    fn paths() {
        assert_eq!(
            classify("/services/rest/record/v1/customer"),
            Some(Channel::Rest)
        );
        assert_eq!(
            classify("/services/rest/query/v1/suiteql"),
            Some(Channel::Rest)
        );
        assert_eq!(classify(TOKEN_PATH), Some(Channel::Token));
        assert_eq!(classify("/services/rest/auth/oauth2/v1/revoke"), None);
        assert_eq!(classify(RESTLET_PATH), Some(Channel::Restlet));
        assert_eq!(classify("/admin/api/faults"), None);
        assert_eq!(classify("/services/mcp/v1/all"), Some(Channel::Mcp));
    }
}
