//! NetSuite's concurrency governance, seen from the client: one limiter per account
//! that adapts how many requests are in flight (additive increase, multiplicative
//! decrease) under a ceiling, and the retry policy (exponential backoff with jitter,
//! honouring `Retry-After`).
//!
//! NetSuite counts concurrent requests per account across REST, SuiteQL and RESTlets
//! and refuses those over the limit at once (REST: 429 `CONCURRENCY_LIMIT_EXCEEDED`;
//! RESTlets: 400 `SSS_REQUEST_LIMIT_EXCEEDED`). The ceiling comes from
//! `--concurrency` ([`Governor::set_ceiling`]) or from
//! `GET /services/rest/system/v1/governanceLimits`
//! ([`crate::Client::discover_concurrency`]); until then it is 5, the limit of
//! Standard and developer accounts. Every clone of a [`crate::Client`], and every
//! client of the same account in the process, shares one [`Governor`].
//!
//! The window starts at the ceiling. A success adds `1/window` (about one slot per
//! round of requests), up to the ceiling; a governance refusal halves it (not below
//! one), once per round: refusals of requests that started before the last decrease
//! do not decrease it again. Slots are a fair (FIFO) semaphore resized to the
//! window; a shrink takes slots back as requests in flight finish.
//!
//! A governor has two implementations behind the same API: in-process (the above),
//! and shared on Redis ([`Governor::shared`]), where every process and host pointed at
//! the same Redis shares one budget per account. There each slot is a lease in a
//! sorted set, taken and given back by Lua scripts on Redis's clock; the ceiling
//! and the AIMD window live in Redis, so every holder backs off together. A lease
//! lives 30 s and is renewed every 10 s while its request runs, so a crashed
//! holder's slots come back within 30 s. Waiting is first come, first served
//! (tickets) and bounded ([`SharedOptions::wait()`]). When Redis cannot be reached the
//! governor falls back to the in-process limiter ([`Fallback::Local`], one loud
//! warning, counted in [`GovernorStats::fallbacks`]) or fails the request before it
//! is sent ([`Fallback::Fail`]); when Redis answers again, shared mode resumes.

mod shared;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock, Weak};
use std::time::{Duration, Instant};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

pub use shared::{Fallback, SharedOptions};

use crate::Error;

/// NetSuite's smallest account concurrency limit (Standard and developer accounts),
/// used until a ceiling is set or discovered.
pub const DEFAULT_CEILING: u32 = 5;

/// How often a governor that fell back to its local limiter asks Redis again.
const RETRY_REDIS_EVERY: Duration = Duration::from_millis(500);

#[derive(Debug)]
struct State {
    ceiling: u32,
    window: f64,
    /// Slots the semaphore holds in all (`floor(window)`, at least 1).
    slots: u32,
    /// Slots still to take away as permits come back.
    debt: u32,
    in_flight: u32,
    epoch: u64,
    discovered: bool,
    throttled: u64,
    peak: u32,
    /// Shared mode only: when Redis was last asked while it was down.
    redis_down: Option<Instant>,
    fallbacks: u64,
}

/// The concurrency limiter of one account. Waiters are served in the order they
/// came (a fair semaphore), so that no caller starves and an export's partitions
/// advance together.
#[derive(Debug)]
pub struct Governor {
    state: Mutex<State>,
    slots: Arc<Semaphore>,
    shared: Option<shared::Shared>,
}

/// A slot to send one request; released when dropped.
#[derive(Debug)]
pub struct Permit {
    governor: Arc<Governor>,
    permit: Option<OwnedSemaphorePermit>,
    epoch: u64,
    lease: Option<shared::Lease>,
}

/// What the limiter looks like now.
#[derive(Clone, Copy, Debug, PartialEq)]
#[non_exhaustive]
pub struct GovernorStats {
    /// The ceiling.
    pub ceiling: u32,
    /// The adaptive window (requests allowed in flight is its floor).
    pub window: f64,
    /// Requests in flight (from this process).
    pub in_flight: u32,
    /// Governance refusals seen (by this process).
    pub throttled: u64,
    /// The most requests ever in flight at once (from this process).
    pub peak: u32,
    /// Shared mode: the account-wide figures Redis gave with the last lease.
    pub shared: Option<SharedStats>,
    /// Times a shared governor fell back to its local limiter because Redis could not
    /// be reached.
    pub fallbacks: u64,
}

/// The account-wide figures of a shared governor.
#[derive(Clone, Copy, Debug, PartialEq)]
#[non_exhaustive]
pub struct SharedStats {
    /// Whether Redis answered last time (false: the local limiter is in use).
    pub up: bool,
    /// Leases held by every worker of the account.
    pub held: u32,
    /// The most leases ever held at once.
    pub peak: u32,
    /// Governance refusals reported by every worker.
    pub throttled: u64,
}

fn registry() -> &'static Mutex<HashMap<String, Weak<Governor>>> {
    static REGISTRY: OnceLock<Mutex<HashMap<String, Weak<Governor>>>> = OnceLock::new();
    REGISTRY.get_or_init(Default::default)
}

impl Governor {
    /// A limiter with `ceiling` (at least 1).
    pub fn new(ceiling: u32) -> Arc<Self> {
        Arc::new(Self::local(ceiling, None))
    }

    fn local(ceiling: u32, shared: Option<shared::Shared>) -> Self {
        let ceiling = ceiling.max(1);
        Self {
            state: Mutex::new(State {
                ceiling,
                window: f64::from(ceiling),
                slots: ceiling,
                debt: 0,
                in_flight: 0,
                epoch: 0,
                discovered: false,
                throttled: 0,
                peak: 0,
                redis_down: None,
                fallbacks: 0,
            }),
            slots: Arc::new(Semaphore::new(ceiling as usize)),
            shared,
        }
    }

    /// A governor shared on Redis by every process and host given the same URL and
    /// account. No connection is made until the first request; a URL that is not a
    /// Redis URL is an [`Error::InvalidRequest`].
    pub fn shared(options: SharedOptions) -> Result<Arc<Self>, Error> {
        let shared =
            shared::Shared::new(options).map_err(|reason| Error::InvalidRequest { reason })?;
        Ok(Arc::new(Self::local(DEFAULT_CEILING, Some(shared))))
    }

    /// The shared governor's options, when it is one.
    pub fn shared_options(&self) -> Option<&SharedOptions> {
        self.shared.as_ref().map(|s| &s.options)
    }

    /// The shared governor's holder id in Redis (`HOST:PID:RANDOM`), when it is one:
    /// every lease of this process is a member starting with it.
    pub fn holder(&self) -> Option<&str> {
        self.shared.as_ref().map(shared::Shared::holder)
    }

    /// The process-wide limiter of the account served at `key` (the SuiteTalk base
    /// URL): created on first use, shared while any client holds it.
    pub fn for_account(key: &str) -> Arc<Self> {
        let mut map = registry().lock().unwrap_or_else(|e| e.into_inner());
        if let Some(g) = map.get(key).and_then(Weak::upgrade) {
            return g;
        }
        map.retain(|_, w| w.strong_count() > 0);
        let g = Self::new(DEFAULT_CEILING);
        map.insert(key.to_owned(), Arc::downgrade(&g));
        g
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Makes the semaphore hold `floor(window)` slots (under the state lock).
    fn resize(&self, s: &mut State) {
        let target = (s.window.floor() as u32).clamp(1, s.ceiling);
        if target > s.slots {
            let mut add = target - s.slots;
            let pay = add.min(s.debt);
            s.debt -= pay;
            add -= pay;
            self.slots.add_permits(add as usize);
        } else if target < s.slots {
            let remove = s.slots - target;
            let taken = self.slots.forget_permits(remove as usize) as u32;
            s.debt += remove - taken;
        }
        s.slots = target;
    }

    /// Sets the ceiling (at least 1); the window is clamped to it and, when it was
    /// at the old ceiling, raised to the new one. A shared governor also sets it in
    /// Redis, for every worker of the account, with its next request.
    pub fn set_ceiling(&self, ceiling: u32) {
        let ceiling = ceiling.max(1);
        let mut s = self.lock();
        let at_ceiling = s.window >= f64::from(s.ceiling);
        s.ceiling = ceiling;
        if at_ceiling || s.window > f64::from(ceiling) {
            s.window = f64::from(ceiling);
        }
        s.discovered = true;
        self.resize(&mut s);
        if let Some(sh) = &self.shared {
            sh.set_ceiling(ceiling);
        }
    }

    /// Whether a ceiling was set or discovered (rather than the default).
    pub fn has_ceiling(&self) -> bool {
        self.lock().discovered
    }

    /// The ceiling (a shared governor's: the account's in Redis, once known).
    pub fn ceiling(&self) -> u32 {
        let s = self.lock();
        match self.shared.as_ref().and_then(shared::Shared::view) {
            Some(v) if s.redis_down.is_none() => v.ceiling,
            _ => s.ceiling,
        }
    }

    /// Counters and the window.
    pub fn stats(&self) -> GovernorStats {
        let s = self.lock();
        let view = self.shared.as_ref().and_then(shared::Shared::view);
        let up = s.redis_down.is_none();
        let (ceiling, window) = match view {
            Some(v) if up => (v.ceiling, v.window),
            _ => (s.ceiling, s.window),
        };
        GovernorStats {
            ceiling,
            window,
            in_flight: s.in_flight,
            throttled: s.throttled,
            peak: s.peak,
            shared: self.shared.as_ref().map(|_| {
                let v = view.unwrap_or_default();
                SharedStats {
                    up: up && view.is_some(),
                    held: v.held,
                    peak: v.peak,
                    throttled: v.throttled,
                }
            }),
            fallbacks: s.fallbacks,
        }
    }

    /// Waits for a slot (first come, first served). Only a shared governor can fail:
    /// no slot came free within its wait, or Redis cannot be reached and the fallback
    /// is [`Fallback::Fail`]. Either way the request was not sent.
    pub async fn acquire(self: &Arc<Self>) -> Result<Permit, Error> {
        if let Some(sh) = &self.shared
            && self.should_ask_redis(sh)
        {
            let default_ceiling = self.lock().ceiling;
            match sh.acquire(default_ceiling).await {
                Ok(lease) => {
                    self.redis_up(sh);
                    let mut s = self.lock();
                    s.in_flight += 1;
                    s.peak = s.peak.max(s.in_flight);
                    return Ok(Permit {
                        governor: Arc::clone(self),
                        permit: None,
                        epoch: lease.epoch,
                        lease: Some(lease),
                    });
                }
                Err(shared::SharedError::Timeout { waited, view }) => {
                    return Err(Error::GovernorTimeout {
                        account: sh.options.account.clone(),
                        waited_secs: waited.as_secs(),
                        held: view.held,
                        slots: (view.window.floor() as u32).max(1),
                        url: sh.options.display_url(),
                    });
                }
                Err(shared::SharedError::Unavailable(reason)) => self.redis_down(sh, reason)?,
            }
        }
        let permit = Arc::clone(&self.slots)
            .acquire_owned()
            .await
            .expect("the governor's semaphore is never closed");
        let mut s = self.lock();
        s.in_flight += 1;
        s.peak = s.peak.max(s.in_flight);
        Ok(Permit {
            governor: Arc::clone(self),
            permit: Some(permit),
            epoch: s.epoch,
            lease: None,
        })
    }

    /// Whether to ask Redis now: always while it answers (or when falling back is
    /// not allowed), else every [`RETRY_REDIS_EVERY`].
    fn should_ask_redis(&self, sh: &shared::Shared) -> bool {
        let mut s = self.lock();
        match s.redis_down {
            Some(last) if sh.options.fallback == Fallback::Local => {
                if last.elapsed() < RETRY_REDIS_EVERY {
                    return false;
                }
                s.redis_down = Some(Instant::now());
                true
            }
            _ => true,
        }
    }

    fn redis_up(&self, sh: &shared::Shared) {
        let mut s = self.lock();
        if s.redis_down.take().is_some() {
            eprintln!(
                "governor: Redis at {} answers again: shared mode resumed (account {})",
                sh.options.display_url(),
                sh.options.account
            );
        }
    }

    /// Redis cannot be reached: an error with [`Fallback::Fail`], else the local
    /// limiter, with one loud warning per outage.
    fn redis_down(&self, sh: &shared::Shared, reason: String) -> Result<(), Error> {
        let url = sh.options.display_url();
        if sh.options.fallback == Fallback::Fail {
            return Err(Error::GovernorUnavailable { url, reason });
        }
        let mut s = self.lock();
        if s.redis_down.is_none() {
            s.fallbacks += 1;
            eprintln!(
                "warning: the shared governor at {url} cannot be reached ({reason}).\n\
                 warning: This process falls back to its own limit of {} request(s) at once for account {};\n\
                 warning: with other workers it may exceed the account's limit (refusals are retried)\n\
                 warning: until Redis answers again. (--governor-fallback fail refuses to go on.)",
                s.ceiling, sh.options.account
            );
        }
        s.redis_down = Some(Instant::now());
        Ok(())
    }
}

impl Permit {
    /// The request went through: widen the window a little.
    pub fn success(&self) {
        if let Some(lease) = &self.lease {
            lease
                .outcome
                .store(b's', std::sync::atomic::Ordering::Relaxed);
            return;
        }
        let mut s = self.governor.lock();
        let ceiling = f64::from(s.ceiling);
        if s.window < ceiling {
            s.window = (s.window + 1.0 / s.window.max(1.0)).min(ceiling);
            self.governor.resize(&mut s);
        }
    }

    /// Governance refused the request: halve the window, once per round.
    pub fn throttled(&self) {
        let mut s = self.governor.lock();
        s.throttled += 1;
        if let Some(lease) = &self.lease {
            lease
                .outcome
                .store(b't', std::sync::atomic::Ordering::Relaxed);
            return;
        }
        if self.epoch == s.epoch {
            s.window = (s.window / 2.0).max(1.0);
            s.epoch += 1;
            self.governor.resize(&mut s);
        }
    }

    /// Whether this slot is a lease of a shared governor (not a local one).
    pub fn is_lease(&self) -> bool {
        self.lease.is_some()
    }

    /// Gives the slot back and, for a lease, waits until Redis has it back (dropping
    /// a permit gives a lease back in the background).
    pub async fn release(mut self) {
        if let (Some(lease), Some(sh)) = (self.lease.take(), self.governor.shared.as_ref()) {
            // A lease Redis did not take back expires by itself.
            let _ = sh.release(&lease).await;
        }
    }
}

impl Drop for Permit {
    fn drop(&mut self) {
        let mut s = self.governor.lock();
        s.in_flight = s.in_flight.saturating_sub(1);
        if let Some(p) = self.permit.take() {
            if s.debt > 0 {
                s.debt -= 1;
                p.forget();
            } else {
                drop(p);
            }
        }
        drop(s);
        if let Some(lease) = self.lease.take()
            && let Ok(rt) = tokio::runtime::Handle::try_current()
        {
            let governor = Arc::clone(&self.governor);
            rt.spawn(async move {
                if let Some(sh) = governor.shared.as_ref() {
                    // A lease Redis did not take back expires by itself.
                    let _ = sh.release(&lease).await;
                }
            });
        }
    }
}

/// How failed requests are retried.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included (governance refusals, 5xx and transport
    /// failures each count).
    pub max_attempts: u32,
    /// The first backoff; doubled each attempt.
    pub base_delay: Duration,
    /// The longest backoff (a longer `Retry-After` is still honoured).
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    /// Eight attempts, 250 ms doubling to at most 30 s.
    fn default() -> Self {
        Self {
            max_attempts: 8,
            base_delay: Duration::from_millis(250),
            max_delay: Duration::from_secs(30),
        }
    }
}

impl RetryPolicy {
    /// No retries at all.
    pub fn none() -> Self {
        Self {
            max_attempts: 1,
            ..Self::default()
        }
    }

    /// The wait before attempt `attempt + 1` (`attempt` counts from 1): "equal
    /// jitter", half of `base * 2^(attempt-1)` (capped) plus a random part of the
    /// other half; `Retry-After` when the server sent one, plus up to a base delay of
    /// jitter so that refused clients do not come back in step.
    pub fn delay(&self, attempt: u32, retry_after: Option<Duration>, random: u64) -> Duration {
        let unit = (random >> 11) as f64 / (1u64 << 53) as f64;
        if let Some(ra) = retry_after {
            return ra + self.base_delay.mul_f64(unit);
        }
        let exp = attempt.saturating_sub(1).min(30);
        let full = self
            .base_delay
            .saturating_mul(1u32 << exp)
            .min(self.max_delay);
        full / 2 + (full / 2).mul_f64(unit)
    }
}

/// 64 random bits for jitter.
pub(crate) fn random_u64() -> u64 {
    use aws_lc_rs::rand::SecureRandom;
    let mut b = [0u8; 8];
    if aws_lc_rs::rand::SystemRandom::new().fill(&mut b).is_err() {
        // Jitter only: the clock's nanoseconds will do.
        return std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos() as u64)
            .unwrap_or(0);
    }
    u64::from_le_bytes(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn window_limits_in_flight_and_adapts() {
        let g = Governor::new(4);
        let permits: Vec<Permit> =
            futures_util::future::join_all((0..4).map(|_| async { g.acquire().await.unwrap() }))
                .await;
        assert_eq!(g.stats().in_flight, 4);
        // A fifth waits.
        let fifth = tokio::time::timeout(Duration::from_millis(20), g.acquire()).await;
        assert!(fifth.is_err());
        // All four refused: one halving only (same round).
        for p in &permits {
            p.throttled();
        }
        assert_eq!(g.stats().window, 2.0);
        assert_eq!(g.stats().throttled, 4);
        drop(permits);
        let a = g.acquire().await.unwrap();
        let b = g.acquire().await.unwrap();
        assert!(
            tokio::time::timeout(Duration::from_millis(20), g.acquire())
                .await
                .is_err()
        );
        // A refusal in the new round halves again.
        a.throttled();
        assert_eq!(g.stats().window, 1.0);
        drop(a);
        drop(b);
        // Successes widen it back, never above the ceiling.
        for _ in 0..20 {
            g.acquire().await.unwrap().success();
        }
        assert_eq!(g.stats().window, 4.0);
        assert_eq!(g.stats().peak, 4);
    }

    #[tokio::test]
    async fn waiter_wakes_on_release() {
        let g = Governor::new(1);
        let p = g.acquire().await.unwrap();
        let g2 = Arc::clone(&g);
        let waiter = tokio::spawn(async move {
            let _p = g2.acquire().await;
        });
        tokio::time::sleep(Duration::from_millis(10)).await;
        assert!(!waiter.is_finished());
        drop(p);
        tokio::time::timeout(Duration::from_secs(2), waiter)
            .await
            .unwrap()
            .unwrap();
    }

    #[test]
    fn ceiling_changes() {
        let g = Governor::new(5);
        assert!(!g.has_ceiling());
        g.set_ceiling(20);
        assert_eq!(g.stats().window, 20.0);
        g.set_ceiling(3);
        assert_eq!(g.stats().window, 3.0);
        assert!(g.has_ceiling());
        g.set_ceiling(0);
        assert_eq!(g.ceiling(), 1);
    }

    #[test]
    fn shared_per_account() {
        let a = Governor::for_account("http://127.0.0.1:1/governance-test");
        let b = Governor::for_account("http://127.0.0.1:1/governance-test");
        assert!(Arc::ptr_eq(&a, &b));
        let c = Governor::for_account("http://127.0.0.1:2/governance-test");
        assert!(!Arc::ptr_eq(&a, &c));
    }

    #[test]
    fn backoff() {
        let p = RetryPolicy::default();
        let d1 = p.delay(1, None, 0);
        assert_eq!(d1, Duration::from_millis(125));
        let d1max = p.delay(1, None, u64::MAX);
        assert!(d1max <= Duration::from_millis(250) && d1max > Duration::from_millis(240));
        assert_eq!(p.delay(3, None, 0), Duration::from_millis(500));
        assert_eq!(p.delay(40, None, 0), Duration::from_secs(15));
        let ra = p.delay(1, Some(Duration::from_secs(2)), 0);
        assert_eq!(ra, Duration::from_secs(2));
        assert!(p.delay(1, Some(Duration::from_secs(2)), u64::MAX) <= Duration::from_millis(2250));
    }
}
