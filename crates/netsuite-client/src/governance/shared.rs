//! The shared governor's Redis side: one concurrency budget per account for every
//! process and host that points at the same Redis.
//!
//! Each slot is a lease, a member of a sorted set scored by its expiry (Redis's own
//! `TIME`, in milliseconds). Lua scripts take and give back leases atomically:
//!
//! - `{netsuite:ACCOUNT}:leases`: the leases held (member = holder id, score = expiry);
//! - `{netsuite:ACCOUNT}:queue`: the waiters, scored by their ticket (first come,
//!   first served);
//! - `{netsuite:ACCOUNT}:waiters`: when each waiter was last seen (a waiter that
//!   stops asking, a crashed process, leaves the queue after [`WAITER_MS`]);
//! - `{netsuite:ACCOUNT}:state`: the ceiling, the AIMD window, its epoch, the ticket
//!   counter, the peak and the governance refusals seen.
//!
//! The keys share the hash tag `{netsuite:ACCOUNT}`, so Redis Cluster keeps them in
//! one slot. A lease lives `lease` (30 s) of [`SharedOptions`] and is renewed every
//! `renew_every` (10 s) while its request runs; a crashed holder's
//! lease simply expires.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU8, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use redis::aio::{ConnectionManager, ConnectionManagerConfig};

/// How long a waiter that stopped asking keeps its place in the queue.
pub const WAITER_MS: u64 = 5_000;

/// How long one Redis call may take before Redis counts as unreachable.
const REDIS_TIMEOUT: Duration = Duration::from_secs(2);

/// What a shared governor does when Redis cannot be reached.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum Fallback {
    /// Go on with this process's own limiter (one loud warning, counted in
    /// [`super::GovernorStats::fallbacks`]); shared mode resumes when Redis answers.
    #[default]
    Local,
    /// Fail the request before it is sent.
    Fail,
}

impl std::str::FromStr for Fallback {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "local" => Ok(Self::Local),
            "fail" => Ok(Self::Fail),
            other => Err(format!("{other:?} is not a fallback: use local or fail")),
        }
    }
}

/// Where and how a shared governor keeps its leases.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct SharedOptions {
    /// The Redis URL (`redis://HOST:6379/0`, `rediss://` for TLS).
    pub url: String,
    /// The account id, in every key's hash tag.
    pub account: String,
    /// How long a request may wait for a slot before it fails.
    pub wait: Duration,
    /// What to do when Redis cannot be reached.
    pub fallback: Fallback,
    /// How long a lease lives unless renewed.
    pub lease: Duration,
    /// How often a running request renews its lease.
    pub renew_every: Duration,
}

impl SharedOptions {
    /// The defaults for `url` and `account`: wait up to 300 s, fall back to the local
    /// limiter, 30 s leases renewed every 10 s.
    pub fn new(url: impl Into<String>, account: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            account: account.into(),
            wait: Duration::from_secs(300),
            fallback: Fallback::Local,
            lease: Duration::from_secs(30),
            renew_every: Duration::from_secs(10),
        }
    }

    /// With another longest wait for a slot.
    pub fn wait(mut self, wait: Duration) -> Self {
        self.wait = wait;
        self
    }

    /// With another fallback.
    pub fn fallback(mut self, fallback: Fallback) -> Self {
        self.fallback = fallback;
        self
    }

    /// With another lease time and renewal period (the period is capped at a third
    /// of the lease).
    pub fn lease(mut self, lease: Duration, renew_every: Duration) -> Self {
        self.lease = lease.max(Duration::from_millis(100));
        self.renew_every = renew_every.min(self.lease / 3);
        self
    }

    /// The URL without its password, for messages.
    pub fn display_url(&self) -> String {
        redact(&self.url)
    }
}

/// `url` with any password replaced by `***`.
pub(crate) fn redact(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("***"));
            u.to_string()
        }
        Ok(u) => u.to_string(),
        Err(_) => "(an invalid URL)".into(),
    }
}

/// The account-wide figures Redis gave with the last lease.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub(crate) struct View {
    pub ceiling: u32,
    pub window: f64,
    pub held: u32,
    pub peak: u32,
    pub throttled: u64,
}

/// Why no lease was obtained.
#[derive(Debug)]
pub(crate) enum SharedError {
    /// Redis did not answer (or answered an error).
    Unavailable(String),
    /// No slot came free within the wait.
    Timeout { waited: Duration, view: View },
}

impl From<redis::RedisError> for SharedError {
    fn from(e: redis::RedisError) -> Self {
        Self::Unavailable(e.to_string())
    }
}

const ACQUIRE: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local leases, queue, waiters, state = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local member = ARGV[1]
redis.call('ZREMRANGEBYSCORE', leases, '-inf', now)
local dead = redis.call('ZRANGEBYSCORE', waiters, '-inf', now)
for _, w in ipairs(dead) do redis.call('ZREM', queue, w) end
redis.call('ZREMRANGEBYSCORE', waiters, '-inf', now)
local ceiling = tonumber(redis.call('HGET', state, 'ceiling'))
local window = tonumber(redis.call('HGET', state, 'window'))
if ARGV[5] ~= '' then
  local c = tonumber(ARGV[5])
  if ceiling == nil or window == nil or window >= ceiling or window > c then window = c end
  ceiling = c
  redis.call('HSET', state, 'ceiling', ceiling, 'window', tostring(window))
elseif ceiling == nil then
  ceiling = tonumber(ARGV[4])
  window = ceiling
  redis.call('HSET', state, 'ceiling', ceiling, 'window', tostring(window))
end
if window == nil then window = ceiling end
if not redis.call('ZSCORE', queue, member) then
  redis.call('ZADD', queue, redis.call('HINCRBY', state, 'seq', 1), member)
end
local held = redis.call('ZCARD', leases)
local slots = math.max(1, math.floor(window))
local rank = redis.call('ZRANK', queue, member)
local epoch = redis.call('HGET', state, 'epoch') or '0'
local throttled = redis.call('HGET', state, 'throttled') or '0'
local peak = tonumber(redis.call('HGET', state, 'peak') or '0')
local granted = 0
if rank < slots - held then
  redis.call('ZREM', queue, member)
  redis.call('ZREM', waiters, member)
  redis.call('ZADD', leases, now + tonumber(ARGV[2]), member)
  held = held + 1
  granted = 1
  if held > peak then
    peak = held
    redis.call('HSET', state, 'peak', peak)
  end
else
  redis.call('ZADD', waiters, now + tonumber(ARGV[3]), member)
end
return {tostring(granted), tostring(held), tostring(window), tostring(ceiling), epoch, tostring(peak), throttled}
";

const RELEASE: &str = r"
local removed = redis.call('ZREM', KEYS[1], ARGV[1])
local ceiling = tonumber(redis.call('HGET', KEYS[2], 'ceiling'))
if ceiling == nil then return removed end
local window = tonumber(redis.call('HGET', KEYS[2], 'window')) or ceiling
if ARGV[2] == 't' then
  redis.call('HINCRBY', KEYS[2], 'throttled', 1)
  local epoch = tonumber(redis.call('HGET', KEYS[2], 'epoch') or '0')
  if tonumber(ARGV[3]) == epoch then
    window = math.max(1, window / 2)
    redis.call('HSET', KEYS[2], 'window', tostring(window), 'epoch', epoch + 1)
  end
elseif ARGV[2] == 's' and window < ceiling then
  window = math.min(ceiling, window + 1 / math.max(1, window))
  redis.call('HSET', KEYS[2], 'window', tostring(window))
end
return removed
";

const RENEW: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
return redis.call('ZADD', KEYS[1], 'XX', 'CH', now + tonumber(ARGV[2]), ARGV[1])
";

const LEAVE: &str = r"
redis.call('ZREM', KEYS[1], ARGV[1])
return redis.call('ZREM', KEYS[2], ARGV[1])
";

/// The Redis keys of one account.
#[derive(Clone, Debug)]
pub(crate) struct Keys {
    pub leases: String,
    pub queue: String,
    pub waiters: String,
    pub state: String,
}

impl Keys {
    pub fn new(account: &str) -> Self {
        let tag = format!("{{netsuite:{}}}", account.to_ascii_lowercase());
        Self {
            leases: format!("{tag}:leases"),
            queue: format!("{tag}:queue"),
            waiters: format!("{tag}:waiters"),
            state: format!("{tag}:state"),
        }
    }
}

/// One account's leases on one Redis, for one process.
pub(crate) struct Shared {
    pub options: SharedOptions,
    client: redis::Client,
    conn: tokio::sync::Mutex<Option<ConnectionManager>>,
    keys: Keys,
    holder: String,
    next: AtomicU64,
    /// One waiter of this process at a time asks Redis; the others wait here in
    /// order (tokio's mutex is fair).
    gate: tokio::sync::Mutex<()>,
    pending_ceiling: Mutex<Option<u32>>,
    view: Mutex<Option<View>>,
    scripts: Scripts,
    /// A lease of this process was given back: the waiting head asks at once.
    released: tokio::sync::Notify,
}

struct Scripts {
    acquire: redis::Script,
    release: redis::Script,
    renew: redis::Script,
    leave: redis::Script,
}

impl std::fmt::Debug for Shared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Shared")
            .field("url", &self.options.display_url())
            .field("keys", &self.keys)
            .field("holder", &self.holder)
            .finish_non_exhaustive()
    }
}

/// A lease on one slot. Given back by [`Shared::release`] (or, failing that, it
/// expires).
#[derive(Debug)]
pub(crate) struct Lease {
    pub member: String,
    pub epoch: u64,
    /// `b's'` success, `b't'` throttled, 0 nothing to report.
    pub outcome: AtomicU8,
    renew: tokio::task::JoinHandle<()>,
}

impl Drop for Lease {
    fn drop(&mut self) {
        self.renew.abort();
    }
}

fn parse<T: std::str::FromStr>(v: Option<&String>) -> Result<T, SharedError> {
    v.and_then(|s| s.parse().ok())
        .ok_or_else(|| SharedError::Unavailable("Redis gave an unexpected answer".into()))
}

impl Shared {
    /// Checks the URL (no connection is made until the first request).
    pub fn new(options: SharedOptions) -> Result<Self, String> {
        let client = redis::Client::open(options.url.as_str()).map_err(|e| {
            format!(
                "{} is not a Redis URL ({e})",
                redact(&options.url).trim_end_matches('/')
            )
        })?;
        let holder = format!("{}:{}:{:x}", hostname(), std::process::id(), random_u32());
        Ok(Self {
            keys: Keys::new(&options.account),
            options,
            client,
            conn: tokio::sync::Mutex::new(None),
            holder,
            next: AtomicU64::new(0),
            gate: tokio::sync::Mutex::new(()),
            pending_ceiling: Mutex::new(None),
            view: Mutex::new(None),
            released: tokio::sync::Notify::new(),
            scripts: Scripts {
                acquire: redis::Script::new(ACQUIRE),
                release: redis::Script::new(RELEASE),
                renew: redis::Script::new(RENEW),
                leave: redis::Script::new(LEAVE),
            },
        })
    }

    /// This process's holder id (the prefix of its lease members).
    pub fn holder(&self) -> &str {
        &self.holder
    }

    /// The figures of the last answer, if any.
    pub fn view(&self) -> Option<View> {
        *self.view.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Makes the next acquisition set the account's ceiling in Redis.
    pub fn set_ceiling(&self, ceiling: u32) {
        *self
            .pending_ceiling
            .lock()
            .unwrap_or_else(|e| e.into_inner()) = Some(ceiling);
    }

    async fn connection(&self) -> Result<ConnectionManager, SharedError> {
        let mut slot = self.conn.lock().await;
        if let Some(c) = slot.as_ref() {
            return Ok(c.clone());
        }
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(Duration::from_millis(500)))
            .set_response_timeout(Some(REDIS_TIMEOUT))
            .set_number_of_retries(1)
            .set_max_delay(Duration::from_millis(200));
        let c = tokio::time::timeout(
            REDIS_TIMEOUT,
            ConnectionManager::new_with_config(self.client.clone(), config),
        )
        .await
        .map_err(|_| SharedError::Unavailable("connecting timed out".into()))??;
        *slot = Some(c.clone());
        Ok(c)
    }

    /// Waits (up to the wait) for a lease, in ticket order.
    pub async fn acquire(&self, default_ceiling: u32) -> Result<Lease, SharedError> {
        let started = Instant::now();
        let deadline = started + self.options.wait;
        let timeout = |view: Option<View>| SharedError::Timeout {
            waited: started.elapsed(),
            view: view.unwrap_or_default(),
        };
        let Ok(_gate) = tokio::time::timeout_at(deadline.into(), self.gate.lock()).await else {
            return Err(timeout(self.view()));
        };
        let mut conn = self.connection().await?;
        let member = format!(
            "{}:{}",
            self.holder,
            self.next.fetch_add(1, Ordering::Relaxed)
        );
        let lease_ms = self.options.lease.as_millis().to_string();
        let mut pause = Duration::from_micros(250);
        loop {
            let ceiling = self
                .pending_ceiling
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .take();
            let mut inv = self.scripts.acquire.prepare_invoke();
            inv.key(&self.keys.leases)
                .key(&self.keys.queue)
                .key(&self.keys.waiters)
                .key(&self.keys.state)
                .arg(&member)
                .arg(&lease_ms)
                .arg(WAITER_MS)
                .arg(default_ceiling)
                .arg(ceiling.map(|c| c.to_string()).unwrap_or_default());
            let call = inv.invoke_async::<Vec<String>>(&mut conn);
            let reply = match tokio::time::timeout(REDIS_TIMEOUT, call).await {
                Ok(Ok(r)) => r,
                Ok(Err(e)) => {
                    self.put_back(ceiling);
                    return Err(e.into());
                }
                Err(_) => {
                    self.put_back(ceiling);
                    return Err(SharedError::Unavailable(
                        "Redis did not answer in time".into(),
                    ));
                }
            };
            let granted = reply.first().is_some_and(|g| g == "1");
            let view = View {
                held: parse(reply.get(1))?,
                window: parse(reply.get(2))?,
                ceiling: parse(reply.get(3))?,
                peak: parse(reply.get(5))?,
                throttled: parse(reply.get(6))?,
            };
            *self.view.lock().unwrap_or_else(|e| e.into_inner()) = Some(view);
            if granted {
                let epoch = parse(reply.get(4))?;
                return Ok(self.lease(conn, member, epoch));
            }
            let now = Instant::now();
            if now >= deadline {
                self.leave(&mut conn, &member).await;
                return Err(timeout(Some(view)));
            }
            // Other processes' releases are seen by asking again (every 2 ms at
            // most); this process's wake the head waiter at once.
            tokio::select! {
                () = tokio::time::sleep(pause.min(deadline - now)) => {}
                () = self.released.notified() => {}
            }
            pause = (pause * 2).min(Duration::from_millis(2));
        }
    }

    fn put_back(&self, ceiling: Option<u32>) {
        if let Some(c) = ceiling {
            self.pending_ceiling
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .get_or_insert(c);
        }
    }

    async fn leave(&self, conn: &mut ConnectionManager, member: &str) {
        let mut inv = self.scripts.leave.prepare_invoke();
        inv.key(&self.keys.queue)
            .key(&self.keys.waiters)
            .arg(member);
        let call = inv.invoke_async::<i64>(conn);
        // Best effort: a waiter that stops asking leaves the queue by itself.
        let _ = tokio::time::timeout(REDIS_TIMEOUT, call).await;
    }

    /// A granted lease, with its renewal task.
    fn lease(&self, conn: ConnectionManager, member: String, epoch: u64) -> Lease {
        let key = self.keys.leases.clone();
        let m = member.clone();
        let every = self.options.renew_every;
        let lease_ms = self.options.lease.as_millis().to_string();
        let script = self.scripts.renew.clone();
        let renew = tokio::spawn(async move {
            let mut conn = conn;
            loop {
                tokio::time::sleep(every).await;
                let mut inv = script.prepare_invoke();
                inv.key(&key).arg(&m).arg(&lease_ms);
                let call = inv.invoke_async::<i64>(&mut conn);
                // A failed renewal is retried next period; the request is not touched.
                let _ = tokio::time::timeout(REDIS_TIMEOUT, call).await;
            }
        });
        Lease {
            member,
            epoch,
            outcome: AtomicU8::new(0),
            renew,
        }
    }

    /// Gives a lease back, reporting its outcome to the shared window.
    pub async fn release(&self, lease: &Lease) -> Result<(), SharedError> {
        lease.renew.abort();
        let mut conn = self.connection().await?;
        let outcome = match lease.outcome.load(Ordering::Relaxed) {
            b's' => "s",
            b't' => "t",
            _ => "",
        };
        let mut inv = self.scripts.release.prepare_invoke();
        inv.key(&self.keys.leases)
            .key(&self.keys.state)
            .arg(&lease.member)
            .arg(outcome)
            .arg(lease.epoch);
        let call = inv.invoke_async::<i64>(&mut conn);
        tokio::time::timeout(REDIS_TIMEOUT, call)
            .await
            .map_err(|_| SharedError::Unavailable("Redis did not answer in time".into()))??;
        self.released.notify_one();
        Ok(())
    }
}

fn random_u32() -> u32 {
    use aws_lc_rs::rand::SecureRandom;
    let mut b = [0u8; 4];
    if aws_lc_rs::rand::SystemRandom::new().fill(&mut b).is_err() {
        return std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
    }
    u32::from_le_bytes(b)
}

fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| std::fs::read_to_string("/etc/hostname"))
        .map(|s| s.trim().to_owned())
        .ok()
        .filter(|s| !s.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| "host".into())
}
