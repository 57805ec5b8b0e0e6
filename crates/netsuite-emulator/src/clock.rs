//! The emulator's clock (the system clock, or a fixed one that tests move by hand),
//! and the dates NetSuite writes (`YYYY-MM-DD`, `YYYY-MM-DDTHH:MM:SSZ`).

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// Where the emulator reads the time from.
///
/// Cloning shares the clock: advancing one clone advances them all, so a test can
/// keep a clone and move the time of a running emulator.
#[derive(Clone)]
pub struct Clock(Arc<Inner>);

struct Inner {
    fixed: bool,
    /// Fixed clocks: the time in unix seconds. System clocks: an offset in seconds.
    value: AtomicI64,
}

impl Clock {
    /// The system clock.
    pub fn system() -> Self {
        Self(Arc::new(Inner {
            fixed: false,
            value: AtomicI64::new(0),
        }))
    }

    /// A clock that stands at `unix_secs` until [`Clock::advance`] moves it.
    pub fn fixed(unix_secs: i64) -> Self {
        Self(Arc::new(Inner {
            fixed: true,
            value: AtomicI64::new(unix_secs),
        }))
    }

    /// Whether this is a fixed clock.
    pub fn is_fixed(&self) -> bool {
        self.0.fixed
    }

    /// The current time in unix seconds.
    pub fn now(&self) -> i64 {
        if self.0.fixed {
            self.0.value.load(Ordering::Relaxed)
        } else {
            system_millis().div_euclid(1000) + self.0.value.load(Ordering::Relaxed)
        }
    }

    /// The current time in unix milliseconds (whole seconds for a fixed clock).
    pub fn now_millis(&self) -> i64 {
        if self.0.fixed {
            self.0.value.load(Ordering::Relaxed).saturating_mul(1000)
        } else {
            system_millis() + self.0.value.load(Ordering::Relaxed).saturating_mul(1000)
        }
    }

    /// Moves the clock forward by `secs` (backward when negative).
    ///
    /// Meant for fixed clocks in tests; on the system clock it adds an offset.
    pub fn advance(&self, secs: i64) {
        self.0.value.fetch_add(secs, Ordering::Relaxed);
    }

    /// The current time as an [`time::OffsetDateTime`] (UTC).
    pub fn now_datetime(&self) -> time::OffsetDateTime {
        time::OffsetDateTime::from_unix_timestamp(self.now())
            .unwrap_or(time::OffsetDateTime::UNIX_EPOCH)
    }
}

fn system_millis() -> i64 {
    match SystemTime::now().duration_since(UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_millis()).unwrap_or(i64::MAX),
        Err(e) => -i64::try_from(e.duration().as_millis()).unwrap_or(i64::MAX),
    }
}

impl Default for Clock {
    fn default() -> Self {
        Self::system()
    }
}

impl fmt::Debug for Clock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.fixed {
            write!(f, "Clock::fixed({})", self.now())
        } else {
            write!(
                f,
                "Clock::system(offset {} s)",
                self.0.value.load(Ordering::Relaxed)
            )
        }
    }
}

/// `(year, month, day)` of a day count since 1970-01-01 (proleptic Gregorian).
pub(crate) fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// `YYYY-MM-DD` of a day count since 1970-01-01.
pub(crate) fn date_string(days: i64) -> String {
    let (y, m, d) = civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02}")
}

/// The time of a write: `YYYY-MM-DDTHH:MM:SSZ` and today's `YYYY-MM-DD`.
#[derive(Clone, Debug)]
pub(crate) struct Now {
    pub datetime: String,
    pub date: String,
}

impl Now {
    pub(crate) fn at(unix: i64) -> Self {
        let date = date_string(unix.div_euclid(86_400));
        let secs = unix.rem_euclid(86_400);
        Self {
            datetime: format!(
                "{date}T{:02}:{:02}:{:02}Z",
                secs / 3600,
                secs / 60 % 60,
                secs % 60
            ),
            date,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_clock_moves_only_when_told() {
        let c = Clock::fixed(1_800_000_000);
        let shared = c.clone();
        assert_eq!(c.now(), 1_800_000_000);
        shared.advance(3601);
        assert_eq!(c.now(), 1_800_003_601);
        assert_eq!(c.now_millis(), 1_800_003_601_000);
        assert!(c.is_fixed());
    }

    #[test]
    fn system_clock_is_near_now_and_takes_an_offset() {
        let c = Clock::system();
        let a = c.now();
        assert!(a > 1_700_000_000);
        c.advance(100);
        assert!(c.now() >= a + 100);
    }
}
