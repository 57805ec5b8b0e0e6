//! Fault injection on the data plane (REST, SuiteQL, RESTlets): added latency (fixed,
//! or spread uniformly by a jitter), a share of 429s, a share of 5xx answers, a share
//! of connections closed without an answer, and a slow token endpoint.
//!
//! Decisions are deterministic: request number `n` (counted from the last
//! [`crate::Emulator::set_faults`]) draws from SplitMix64 of the seed and `n`, so the
//! same seed and the same order of requests give the same faults.

use std::sync::atomic::{AtomicU64, Ordering};

use axum::body::{Body, Bytes};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

use crate::error::RestError;

/// What to inject. All zero (the default) injects nothing.
///
/// Shares are fractions of requests between 0 and 1; their sum must not exceed 1.
/// Serialized in camelCase for the admin API (`GET/PUT /admin/api/faults`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct Faults {
    /// Latency added to every data-plane request, in milliseconds. The request holds
    /// its concurrency slot meanwhile, as a slow NetSuite request does.
    pub latency_ms: u64,
    /// Spread of the latency: each request waits `latency_ms ± latency_jitter_ms`
    /// (uniform, never below zero).
    pub latency_jitter_ms: u64,
    /// Share of requests answered 429 (REST: `CONCURRENCY_LIMIT_EXCEEDED`; RESTlets:
    /// 400 `SSS_REQUEST_LIMIT_EXCEEDED`).
    #[serde(rename = "share429")]
    pub share_429: f64,
    /// Share of requests answered 500, 502 or 503.
    #[serde(rename = "share5xx")]
    pub share_5xx: f64,
    /// Share of requests whose connection is closed without an answer.
    pub share_drop: f64,
    /// Seed of the decisions.
    pub seed: u64,
    /// Latency added to the token endpoint, in milliseconds.
    pub slow_token_ms: u64,
}

impl Faults {
    /// No faults.
    pub fn none() -> Self {
        Self::default()
    }

    /// Whether any data-plane fault or latency is set.
    pub fn is_active(&self) -> bool {
        self.latency_ms > 0
            || self.latency_jitter_ms > 0
            || self.share_429 > 0.0
            || self.share_5xx > 0.0
            || self.share_drop > 0.0
    }

    /// Checks the shares: each in `[0, 1]`, summing to at most 1.
    pub fn validate(&self) -> Result<(), String> {
        for (name, v) in [
            ("share429", self.share_429),
            ("share5xx", self.share_5xx),
            ("shareDrop", self.share_drop),
        ] {
            if !(0.0..=1.0).contains(&v) {
                return Err(format!("{name} must be between 0 and 1, not {v}"));
            }
        }
        let sum = self.share_429 + self.share_5xx + self.share_drop;
        if sum > 1.0 + 1e-9 {
            return Err(format!(
                "the shares of 429s, 5xx and drops add up to {sum}, more than 1"
            ));
        }
        const DAY_MS: u64 = 86_400_000;
        if self.latency_ms > DAY_MS
            || self.latency_jitter_ms > DAY_MS
            || self.slow_token_ms > DAY_MS
        {
            return Err("latencies must be at most one day".into());
        }
        Ok(())
    }
}

/// What happens to one request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Outcome {
    Pass,
    TooMany,
    ServerError(u16),
    Drop,
}

/// One request's draw: the latency to add and the outcome.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Draw {
    pub latency_ms: u64,
    pub outcome: Outcome,
}

/// SplitMix64.
pub(crate) fn mix(n: u64) -> u64 {
    let mut z = n.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

fn unit(r: u64) -> f64 {
    (r >> 11) as f64 / (1u64 << 53) as f64
}

/// The draw of request number `n` under `faults`.
pub(crate) fn draw(faults: &Faults, n: u64) -> Draw {
    let r1 = mix(faults.seed ^ mix(n));
    let r2 = mix(r1);
    let r3 = mix(r2);
    let latency_ms = if faults.latency_jitter_ms == 0 {
        faults.latency_ms
    } else {
        let span = 2 * faults.latency_jitter_ms + 1;
        (faults.latency_ms + r2 % span).saturating_sub(faults.latency_jitter_ms)
    };
    let u = unit(r1);
    let outcome = if u < faults.share_drop {
        Outcome::Drop
    } else if u < faults.share_drop + faults.share_429 {
        Outcome::TooMany
    } else if u < faults.share_drop + faults.share_429 + faults.share_5xx {
        Outcome::ServerError([500, 502, 503][(r3 % 3) as usize])
    } else {
        Outcome::Pass
    };
    Draw {
        latency_ms,
        outcome,
    }
}

/// Counts of injected faults.
#[derive(Debug, Default)]
pub(crate) struct Counters {
    pub too_many: AtomicU64,
    pub server_errors: AtomicU64,
    pub dropped: AtomicU64,
}

impl Counters {
    pub(crate) fn count(&self, outcome: Outcome) {
        let c = match outcome {
            Outcome::Pass => return,
            Outcome::TooMany => &self.too_many,
            Outcome::ServerError(_) => &self.server_errors,
            Outcome::Drop => &self.dropped,
        };
        c.fetch_add(1, Ordering::Relaxed);
    }
}

/// A response whose body fails at once: hyper closes the connection without
/// sending a complete answer.
pub(crate) fn dropped() -> Response {
    let mut resp = Response::new(Body::new(Broken));
    *resp.status_mut() = StatusCode::OK;
    resp
}

#[derive(Debug)]
struct Broken;

impl http_body::Body for Broken {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        self: std::pin::Pin<&mut Self>,
        _cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
        std::task::Poll::Ready(Some(Err(std::io::Error::new(
            std::io::ErrorKind::ConnectionAborted,
            "netsuite-emulator: injected dropped connection",
        ))))
    }
}

/// An injected 5xx: NetSuite's 500 body, or a gateway's HTML page for 502 and 503.
pub(crate) fn server_error(status: u16) -> Response {
    match status {
        500 => RestError::unexpected().into_response(),
        _ => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
            let reason = status.canonical_reason().unwrap_or("Error");
            let html = format!(
                "<html><head><title>{code} {reason}</title></head><body><h1>{reason}</h1><p>The server is temporarily unable to service your request. Please try again later.</p></body></html>",
                code = status.as_u16()
            );
            let mut resp = (status, html).into_response();
            resp.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/html; charset=UTF-8"),
            );
            resp
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_are_honoured_and_deterministic() {
        let f = Faults {
            share_429: 0.2,
            share_5xx: 0.02,
            share_drop: 0.01,
            seed: 42,
            latency_ms: 50,
            latency_jitter_ms: 20,
            ..Faults::default()
        };
        f.validate().unwrap();
        let n = 100_000;
        let mut counts = [0u64; 4];
        for i in 0..n {
            let d = draw(&f, i);
            assert!((30..=70).contains(&d.latency_ms), "{d:?}");
            counts[match d.outcome {
                Outcome::Pass => 0,
                Outcome::TooMany => 1,
                Outcome::ServerError(_) => 2,
                Outcome::Drop => 3,
            }] += 1;
            assert_eq!(draw(&f, i), d);
        }
        let share = |c: u64| c as f64 / n as f64;
        assert!((share(counts[1]) - 0.2).abs() < 0.01, "{counts:?}");
        assert!((share(counts[2]) - 0.02).abs() < 0.005, "{counts:?}");
        assert!((share(counts[3]) - 0.01).abs() < 0.003, "{counts:?}");
        let other = Faults {
            seed: 43,
            ..f.clone()
        };
        assert!((0..100).any(|i| draw(&other, i) != draw(&f, i)));
        assert_eq!(
            draw(&Faults::none(), 7),
            Draw {
                latency_ms: 0,
                outcome: Outcome::Pass
            }
        );
    }

    #[test]
    fn validation() {
        assert!(
            Faults {
                share_429: 1.5,
                ..Faults::default()
            }
            .validate()
            .is_err()
        );
        assert!(
            Faults {
                share_429: -0.1,
                ..Faults::default()
            }
            .validate()
            .is_err()
        );
        assert!(
            Faults {
                share_429: 0.6,
                share_drop: 0.6,
                ..Faults::default()
            }
            .validate()
            .is_err()
        );
        assert!(
            Faults {
                share_429: f64::NAN,
                ..Faults::default()
            }
            .validate()
            .is_err()
        );
        let json = serde_json::to_value(Faults {
            share_429: 0.5,
            ..Faults::default()
        })
        .unwrap();
        assert_eq!(json["share429"], 0.5);
        assert_eq!(json["latencyMs"], 0);
        let back: Faults = serde_json::from_str(r#"{"shareDrop":0.1}"#).unwrap();
        assert_eq!(back.share_drop, 0.1);
        assert!(serde_json::from_str::<Faults>(r#"{"nope":1}"#).is_err());
    }
}
