//! Counters, and `/_proxy/metrics` in Prometheus' text format (version 0.0.4).

use std::fmt::Write as _;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::time::Duration;

use netsuite_client::governance::GovernorStats;

/// Upper bounds of the queue-wait histogram, in seconds.
pub const QUEUE_BUCKETS: [f64; 12] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0, 5.0, 30.0,
];

/// The proxy's counters; all lock-free.
#[derive(Debug)]
pub struct Metrics {
    by_status: Box<[AtomicU64]>,
    in_flight: AtomicI64,
    queued: AtomicI64,
    queue_buckets: [AtomicU64; QUEUE_BUCKETS.len()],
    queue_count: AtomicU64,
    queue_sum_micros: AtomicU64,
    throttled: AtomicU64,
    retries: AtomicU64,
    renewals: AtomicU64,
}

/// A point-in-time copy of the counters (for tests and embedding).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Snapshot {
    /// Requests answered, by HTTP status (status, count), ascending.
    pub by_status: Vec<(u16, u64)>,
    /// Requests being handled now (their response bodies included).
    pub in_flight: i64,
    /// Requests waiting for a governance slot now.
    pub queued: i64,
    /// Governance refusals (429 / `SSS_REQUEST_LIMIT_EXCEEDED`) absorbed by retrying.
    pub throttled: u64,
    /// Attempts repeated (refusals, 401 renewals, 5xx and broken connections).
    pub retries: u64,
    /// Token renewals made by this proxy.
    pub renewals: u64,
    /// Waits measured for a governance slot.
    pub queue_waits: u64,
}

impl Default for Metrics {
    fn default() -> Self {
        Self {
            by_status: (0..600).map(|_| AtomicU64::new(0)).collect(),
            in_flight: AtomicI64::new(0),
            queued: AtomicI64::new(0),
            queue_buckets: Default::default(),
            queue_count: AtomicU64::new(0),
            queue_sum_micros: AtomicU64::new(0),
            throttled: AtomicU64::new(0),
            retries: AtomicU64::new(0),
            renewals: AtomicU64::new(0),
        }
    }
}

impl Metrics {
    pub(crate) fn answered(&self, status: u16) {
        if let Some(c) = self.by_status.get(usize::from(status)) {
            c.fetch_add(1, Ordering::Relaxed);
        }
    }

    pub(crate) fn enter(&self) {
        self.in_flight.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn leave(&self) {
        self.in_flight.fetch_sub(1, Ordering::Relaxed);
    }

    pub(crate) fn queue_enter(&self) {
        self.queued.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn queue_leave(&self, waited: Duration) {
        self.queued.fetch_sub(1, Ordering::Relaxed);
        let secs = waited.as_secs_f64();
        for (i, le) in QUEUE_BUCKETS.iter().enumerate() {
            if secs <= *le {
                self.queue_buckets[i].fetch_add(1, Ordering::Relaxed);
            }
        }
        self.queue_count.fetch_add(1, Ordering::Relaxed);
        self.queue_sum_micros
            .fetch_add(waited.as_micros() as u64, Ordering::Relaxed);
    }

    pub(crate) fn throttled(&self) {
        self.throttled.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn retried(&self) {
        self.retries.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn renewed(&self) {
        self.renewals.fetch_add(1, Ordering::Relaxed);
    }

    /// A copy of the counters.
    pub fn snapshot(&self) -> Snapshot {
        Snapshot {
            by_status: self
                .by_status
                .iter()
                .enumerate()
                .filter_map(|(s, c)| {
                    let n = c.load(Ordering::Relaxed);
                    (n > 0).then_some((s as u16, n))
                })
                .collect(),
            in_flight: self.in_flight.load(Ordering::Relaxed),
            queued: self.queued.load(Ordering::Relaxed),
            throttled: self.throttled.load(Ordering::Relaxed),
            retries: self.retries.load(Ordering::Relaxed),
            renewals: self.renewals.load(Ordering::Relaxed),
            queue_waits: self.queue_count.load(Ordering::Relaxed),
        }
    }

    /// The Prometheus text exposition.
    pub fn render(&self, governor: &GovernorStats) -> String {
        let s = self.snapshot();
        let mut o = String::with_capacity(2048);
        let _ = writeln!(
            o,
            "# HELP netsuite_proxy_requests_total Requests answered, by HTTP status.\n# TYPE netsuite_proxy_requests_total counter"
        );
        for (status, n) in &s.by_status {
            let _ = writeln!(
                o,
                "netsuite_proxy_requests_total{{status=\"{status}\"}} {n}"
            );
        }
        let gauge = |o: &mut String, name: &str, kind: &str, help: &str, v: String| {
            let _ = writeln!(o, "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {v}");
        };
        gauge(
            &mut o,
            "netsuite_proxy_in_flight",
            "gauge",
            "Requests being handled, response bodies included.",
            s.in_flight.to_string(),
        );
        gauge(
            &mut o,
            "netsuite_proxy_queued",
            "gauge",
            "Requests waiting for a governance slot.",
            s.queued.to_string(),
        );
        let _ = writeln!(
            o,
            "# HELP netsuite_proxy_queue_wait_seconds Time spent waiting for a governance slot.\n# TYPE netsuite_proxy_queue_wait_seconds histogram"
        );
        for (i, le) in QUEUE_BUCKETS.iter().enumerate() {
            let _ = writeln!(
                o,
                "netsuite_proxy_queue_wait_seconds_bucket{{le=\"{le}\"}} {}",
                self.queue_buckets[i].load(Ordering::Relaxed)
            );
        }
        let count = self.queue_count.load(Ordering::Relaxed);
        let _ = writeln!(
            o,
            "netsuite_proxy_queue_wait_seconds_bucket{{le=\"+Inf\"}} {count}\nnetsuite_proxy_queue_wait_seconds_sum {}\nnetsuite_proxy_queue_wait_seconds_count {count}",
            self.queue_sum_micros.load(Ordering::Relaxed) as f64 / 1e6
        );
        gauge(
            &mut o,
            "netsuite_proxy_throttled_total",
            "counter",
            "Governance refusals (429 CONCURRENCY_LIMIT_EXCEEDED, RESTlet SSS_REQUEST_LIMIT_EXCEEDED) absorbed by retrying.",
            s.throttled.to_string(),
        );
        gauge(
            &mut o,
            "netsuite_proxy_retries_total",
            "counter",
            "Attempts repeated: refusals, renewals after a 401, 5xx answers and broken connections.",
            s.retries.to_string(),
        );
        gauge(
            &mut o,
            "netsuite_proxy_token_renewals_total",
            "counter",
            "Access tokens obtained or refreshed by this proxy.",
            s.renewals.to_string(),
        );
        gauge(
            &mut o,
            "netsuite_proxy_governor_window",
            "gauge",
            "Requests the account's governor lets through at once now (adaptive).",
            format!("{}", governor.window.floor()),
        );
        gauge(
            &mut o,
            "netsuite_proxy_governor_ceiling",
            "gauge",
            "The account's concurrency ceiling.",
            governor.ceiling.to_string(),
        );
        gauge(
            &mut o,
            "netsuite_proxy_governor_peak_in_flight",
            "gauge",
            "The most requests this process had at NetSuite at once.",
            governor.peak.to_string(),
        );
        gauge(
            &mut o,
            "netsuite_proxy_governor_fallbacks_total",
            "counter",
            "Times the shared governor could not reach Redis and fell back to this process's own limit.",
            governor.fallbacks.to_string(),
        );
        if let Some(shared) = governor.shared {
            gauge(
                &mut o,
                "netsuite_proxy_governor_shared_up",
                "gauge",
                "1 while the shared governor's Redis answers, 0 while the local limit is in use.",
                u8::from(shared.up).to_string(),
            );
            gauge(
                &mut o,
                "netsuite_proxy_governor_shared_held",
                "gauge",
                "Leases held by every worker of the account at the last look.",
                shared.held.to_string(),
            );
        }
        o
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_prometheus_text() {
        let m = Metrics::default();
        m.answered(200);
        m.answered(200);
        m.answered(502);
        m.queue_enter();
        m.queue_leave(Duration::from_millis(3));
        m.throttled();
        m.renewed();
        let g = netsuite_client::Governor::new(5).stats();
        let text = m.render(&g);
        assert!(text.contains("netsuite_proxy_requests_total{status=\"200\"} 2\n"));
        assert!(text.contains("netsuite_proxy_requests_total{status=\"502\"} 1\n"));
        assert!(text.contains("netsuite_proxy_queue_wait_seconds_bucket{le=\"0.0025\"} 0\n"));
        assert!(text.contains("netsuite_proxy_queue_wait_seconds_bucket{le=\"0.005\"} 1\n"));
        assert!(text.contains("netsuite_proxy_queue_wait_seconds_bucket{le=\"+Inf\"} 1\n"));
        assert!(text.contains("netsuite_proxy_queue_wait_seconds_count 1\n"));
        assert!(text.contains("netsuite_proxy_throttled_total 1\n"));
        assert!(text.contains("netsuite_proxy_token_renewals_total 1\n"));
        assert!(text.contains("netsuite_proxy_governor_ceiling 5\n"));
        assert!(text.contains("netsuite_proxy_governor_fallbacks_total 0\n"));
        assert!(!text.contains("shared_up"));
        assert!(text.contains("netsuite_proxy_queued 0\n"));
        // Every sample line is `name{labels} value` or `name value`.
        for line in text.lines().filter(|l| !l.starts_with('#')) {
            let (_, v) = line.rsplit_once(' ').unwrap();
            assert!(v.parse::<f64>().is_ok(), "{line}");
        }
    }
}
