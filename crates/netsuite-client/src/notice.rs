//! Long waits said where a person sees them: every retry wait of a [`crate::Client`]
//! longer than [`NOTICE_AFTER`] (a governance backoff, a server's `Retry-After`) is
//! passed to the function set with [`on_long_wait`] (the CLI prints it on stderr),
//! and traced at info level, so that a slow command is never silent.

use std::sync::OnceLock;
use std::time::Duration;

/// Waits longer than this are announced.
pub const NOTICE_AFTER: Duration = Duration::from_secs(3);

static HOOK: OnceLock<fn(Duration, &str)> = OnceLock::new();

/// Sets (once per process) the function told of each long wait: how long, and what
/// for (`retrying GET https://...: HTTP 429 ...`).
pub fn on_long_wait(f: fn(Duration, &str)) {
    let _ = HOOK.set(f);
}

/// Sleeps `delay`, announcing it first when it is long.
pub(crate) async fn sleep(delay: Duration, what: impl FnOnce() -> String) {
    if delay > NOTICE_AFTER {
        let what = what();
        tracing::info!(delay_s = delay.as_secs(), %what, "long wait");
        if let Some(f) = HOOK.get() {
            f(delay, &what);
        }
    }
    tokio::time::sleep(delay).await;
}
