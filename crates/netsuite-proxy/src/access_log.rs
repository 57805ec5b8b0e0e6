//! The access log: one JSON object per line and request. It holds the method, the
//! path (never the query), the status and timings; never a token, a header value
//! or a body.

use std::io::Write;
use std::sync::Mutex;

use serde::Serialize;

/// Where access log lines go.
pub struct AccessLog {
    out: Mutex<Box<dyn Write + Send>>,
}

impl std::fmt::Debug for AccessLog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccessLog").finish_non_exhaustive()
    }
}

/// One line.
#[derive(Debug, Serialize)]
pub struct Entry<'a> {
    /// When the request arrived (RFC 3339, UTC).
    pub time: String,
    /// `X-Request-Id`.
    pub request_id: &'a str,
    /// The method.
    pub method: &'a str,
    /// The path, without the query.
    pub path: &'a str,
    /// The status answered.
    pub status: u16,
    /// From sending the last attempt upstream to its response headers.
    pub upstream_ms: Option<f64>,
    /// Time spent waiting for governance slots.
    pub queue_ms: f64,
    /// Attempts repeated.
    pub retries: u32,
    /// From arrival to the end of the response body.
    pub total_ms: f64,
    /// Whether the response body was sent whole (false: the client went away, or
    /// the upstream body broke).
    pub complete: bool,
}

impl AccessLog {
    /// A log writing to `out` (a file, or stdout for `-`).
    pub fn new(out: Box<dyn Write + Send>) -> Self {
        Self {
            out: Mutex::new(out),
        }
    }

    /// Writes one line and flushes it (lines from concurrent requests never mix).
    pub fn write(&self, entry: &Entry<'_>) {
        let Ok(mut line) = serde_json::to_vec(entry) else {
            return;
        };
        line.push(b'\n');
        let mut out = self.out.lock().unwrap_or_else(|e| e.into_inner());
        // A full disk must not take the proxy down: the line is lost.
        let _ = out.write_all(&line).and_then(|()| out.flush());
    }
}
