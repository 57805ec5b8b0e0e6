//! The date formats a NetSuite user can choose (Home > Set Preferences > Date
//! Format), and how SuiteQL answers show stored dates in them.
//!
//! Dates are stored as ISO text (`2025-01-10`, `2025-01-10T15:04:05Z`); NetSuite's
//! SuiteQL answers give them in the user's date format (`1/10/2025` by default),
//! and date-times with the time of day in NetSuite's default time format
//! (`h:mm am`: `1/10/2025 3:04 pm`, in UTC), never with ISO's `T…Z`.

use std::fmt;

/// Whether an output column holds dates or date-times.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum DateKind {
    /// A date (`YYYY-MM-DD` stored).
    Date,
    /// A date and time (`YYYY-MM-DDTHH:MM:SSZ` stored, UTC).
    DateTime,
}

/// The order of the day, month and year.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Order {
    MonthDayYear,
    DayMonthYear,
    YearMonthDay,
}

/// One of NetSuite's date formats, e.g. `M/D/YYYY` (the default).
///
/// ```
/// use netsuite_suiteql::{DateFormat, DateKind};
/// let f = DateFormat::parse("D-Mon-YYYY").unwrap();
/// assert_eq!(f.display(DateKind::Date, "2025-01-10").as_deref(), Some("10-Jan-2025"));
/// let us = DateFormat::default();
/// assert_eq!(
///     us.display(DateKind::DateTime, "2025-01-10T15:04:05Z").as_deref(),
///     Some("1/10/2025 3:04 pm")
/// );
/// assert!(DateFormat::parse("YY/MM/DD").is_none());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DateFormat {
    name: &'static str,
    order: Order,
    separator: char,
    /// Two-digit days and months (`01`) rather than `1`.
    padded: bool,
    /// The month as its abbreviation (`Jan`).
    month_abbr: bool,
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

const fn format(
    name: &'static str,
    order: Order,
    separator: char,
    padded: bool,
    month_abbr: bool,
) -> DateFormat {
    DateFormat {
        name,
        order,
        separator,
        padded,
        month_abbr,
    }
}

/// Every format [`DateFormat::parse`] accepts.
const FORMATS: [DateFormat; 12] = [
    format("M/D/YYYY", Order::MonthDayYear, '/', false, false),
    format("MM/DD/YYYY", Order::MonthDayYear, '/', true, false),
    format("D/M/YYYY", Order::DayMonthYear, '/', false, false),
    format("DD/MM/YYYY", Order::DayMonthYear, '/', true, false),
    format("D.M.YYYY", Order::DayMonthYear, '.', false, false),
    format("DD.MM.YYYY", Order::DayMonthYear, '.', true, false),
    format("D-Mon-YYYY", Order::DayMonthYear, '-', false, true),
    format("DD-Mon-YYYY", Order::DayMonthYear, '-', true, true),
    format("YYYY/M/D", Order::YearMonthDay, '/', false, false),
    format("YYYY/MM/DD", Order::YearMonthDay, '/', true, false),
    format("YYYY-M-D", Order::YearMonthDay, '-', false, false),
    format("YYYY-MM-DD", Order::YearMonthDay, '-', true, false),
];

impl Default for DateFormat {
    /// `M/D/YYYY`, NetSuite's default (US) date format.
    fn default() -> DateFormat {
        FORMATS[0]
    }
}

impl fmt::Display for DateFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name)
    }
}

/// Year, month, day, and the time of day if there is one.
type Parts = (u32, u32, u32, Option<(u32, u32)>);

impl DateFormat {
    /// Every accepted format, by name: `M/D/YYYY`, `MM/DD/YYYY`, `D/M/YYYY`,
    /// `DD/MM/YYYY`, `D.M.YYYY`, `DD.MM.YYYY`, `D-Mon-YYYY`, `DD-Mon-YYYY`,
    /// `YYYY/M/D`, `YYYY/MM/DD`, `YYYY-M-D`, `YYYY-MM-DD`.
    #[must_use]
    pub fn names() -> Vec<&'static str> {
        FORMATS.iter().map(|f| f.name).collect()
    }

    /// The format named `name` (case-insensitive), if NetSuite offers it.
    #[must_use]
    pub fn parse(name: &str) -> Option<DateFormat> {
        let name = name.trim();
        FORMATS
            .iter()
            .find(|f| f.name.eq_ignore_ascii_case(name))
            .copied()
    }

    /// Its name, e.g. `M/D/YYYY`.
    #[must_use]
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// A stored value (`YYYY-MM-DD` or `YYYY-MM-DDTHH:MM:SSZ`) as NetSuite shows
    /// it: the date in this format, and for a [`DateKind::DateTime`] the time of
    /// day as `h:mm am` (UTC). `None` when `stored` is not such a value.
    #[must_use]
    pub fn display(&self, kind: DateKind, stored: &str) -> Option<String> {
        let (year, month, day, time) = parse_stored(stored)?;
        let month_text = if self.month_abbr {
            MONTHS[month as usize - 1].to_owned()
        } else if self.padded {
            format!("{month:02}")
        } else {
            month.to_string()
        };
        let day_text = if self.padded {
            format!("{day:02}")
        } else {
            day.to_string()
        };
        let year_text = format!("{year:04}");
        let [a, b, c] = match self.order {
            Order::MonthDayYear => [month_text, day_text, year_text],
            Order::DayMonthYear => [day_text, month_text, year_text],
            Order::YearMonthDay => [year_text, month_text, day_text],
        };
        let s = self.separator;
        let mut out = format!("{a}{s}{b}{s}{c}");
        if kind == DateKind::DateTime {
            let (hour, minute) = time.unwrap_or((0, 0));
            let (h12, meridian) = match hour {
                0 => (12, "am"),
                1..=11 => (hour, "am"),
                12 => (12, "pm"),
                _ => (hour - 12, "pm"),
            };
            out.push_str(&format!(" {h12}:{minute:02} {meridian}"));
        }
        Some(out)
    }
}

impl DateFormat {
    /// Reads text in this format, as an answer shows it (`1/10/2025`, or
    /// `1/10/2025 3:04 pm` for a date-time): what NetSuite's implicit conversion
    /// does with a string compared with a date. Ranges are checked loosely (day
    /// 1 to 31); the caller validates the date.
    pub(crate) fn read(&self, text: &str) -> Option<Parts> {
        let text = text.trim();
        let (date, time) = match text.split_once(' ') {
            Some((d, t)) => (d, Some(t.trim())),
            None => (text, None),
        };
        let mut parts = date.split(self.separator);
        let (a, b, c) = (parts.next()?, parts.next()?, parts.next()?);
        if parts.next().is_some() {
            return None;
        }
        let (year, month, day) = match self.order {
            Order::MonthDayYear => (c, a, b),
            Order::DayMonthYear => (c, b, a),
            Order::YearMonthDay => (a, b, c),
        };
        let digits = |s: &str, min: usize, max: usize| -> Option<u32> {
            (s.len() >= min && s.len() <= max && s.bytes().all(|b| b.is_ascii_digit()))
                .then(|| s.parse().ok())
                .flatten()
        };
        let month = if self.month_abbr {
            let i = MONTHS.iter().position(|m| m.eq_ignore_ascii_case(month))?;
            u32::try_from(i).ok()? + 1
        } else {
            digits(month, 1, 2)?
        };
        let (year, day) = (digits(year, 4, 4)?, digits(day, 1, 2)?);
        if !(1..=12).contains(&month) || !(1..=31).contains(&day) {
            return None;
        }
        let time = match time {
            None => None,
            Some(t) => Some(read_time(t)?),
        };
        Some((year, month, day, time))
    }
}

/// `h:mm am` (or `pm`, any case, the space optional) as hours and minutes.
fn read_time(text: &str) -> Option<(u32, u32)> {
    let lower = text.to_ascii_lowercase();
    let (clock, pm) = if let Some(c) = lower.strip_suffix("pm") {
        (c.trim_end(), true)
    } else {
        (lower.strip_suffix("am")?.trim_end(), false)
    };
    let (h, m) = clock.split_once(':')?;
    let ok =
        |s: &str, len: &[usize]| len.contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit());
    if !ok(h, &[1, 2]) || !ok(m, &[2]) {
        return None;
    }
    let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
    if !(1..=12).contains(&h) || m > 59 {
        return None;
    }
    Some((h % 12 + if pm { 12 } else { 0 }, m))
}

/// Reads `YYYY-MM-DD`, optionally followed by `THH:MM[:SS][Z]` (or a space).
fn parse_stored(stored: &str) -> Option<Parts> {
    let b = stored.as_bytes();
    let number = |from: usize, len: usize| -> Option<u32> {
        let part = stored.get(from..from + len)?;
        if !part.bytes().all(|c| c.is_ascii_digit()) {
            return None;
        }
        part.parse().ok()
    };
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let (year, month, day) = (number(0, 4)?, number(5, 2)?, number(8, 2)?);
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return None;
    }
    let time = match b.get(10) {
        None => None,
        Some(b'T' | b' ') if b.len() >= 16 && b[13] == b':' => {
            let (hour, minute) = (number(11, 2)?, number(14, 2)?);
            if hour > 23 || minute > 59 {
                return None;
            }
            Some((hour, minute))
        }
        Some(_) => return None,
    };
    Some((year, month, day, time))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_format_shows_a_date() {
        let shown: Vec<String> = FORMATS
            .iter()
            .map(|f| f.display(DateKind::Date, "2025-01-05").unwrap())
            .collect();
        assert_eq!(
            shown,
            [
                "1/5/2025",
                "01/05/2025",
                "5/1/2025",
                "05/01/2025",
                "5.1.2025",
                "05.01.2025",
                "5-Jan-2025",
                "05-Jan-2025",
                "2025/1/5",
                "2025/01/05",
                "2025-1-5",
                "2025-01-05"
            ]
        );
        let dec = DateFormat::parse("d-mon-yyyy").unwrap();
        assert_eq!(dec.name(), "D-Mon-YYYY");
        assert_eq!(
            dec.display(DateKind::Date, "2024-12-31").unwrap(),
            "31-Dec-2024"
        );
    }

    #[test]
    fn date_times_have_the_time_of_day() {
        let f = DateFormat::default();
        let at = |stored: &str| f.display(DateKind::DateTime, stored).unwrap();
        assert_eq!(at("2025-01-10T15:04:05Z"), "1/10/2025 3:04 pm");
        assert_eq!(at("2025-01-10T00:30:00Z"), "1/10/2025 12:30 am");
        assert_eq!(at("2025-01-10T12:00:59Z"), "1/10/2025 12:00 pm");
        assert_eq!(at("2025-01-10T09:07:00Z"), "1/10/2025 9:07 am");
        assert_eq!(at("2025-01-10 23:59:00"), "1/10/2025 11:59 pm");
        // A date in a date-time column: midnight.
        assert_eq!(at("2025-01-10"), "1/10/2025 12:00 am");
        // A date-time in a date column: the date.
        assert_eq!(
            f.display(DateKind::Date, "2025-01-10T15:04:05Z").unwrap(),
            "1/10/2025"
        );
    }

    #[test]
    fn other_text_is_not_a_stored_date() {
        let f = DateFormat::default();
        for text in [
            "",
            "hello",
            "1/10/2025",
            "2025-13-01",
            "2025-01-32",
            "2025-1-10",
            "2025-01-10x",
            "2025-01-10T25:00:00Z",
            "２０２５-01-10",
        ] {
            assert_eq!(f.display(DateKind::Date, text), None, "{text:?}");
        }
    }

    #[test]
    fn answers_read_back() {
        for f in FORMATS {
            for (kind, stored, parts) in [
                (DateKind::Date, "2024-12-01", (2024, 12, 1, None)),
                (DateKind::Date, "2025-01-10", (2025, 1, 10, None)),
                (
                    DateKind::DateTime,
                    "2025-01-10T15:04:00Z",
                    (2025, 1, 10, Some((15, 4))),
                ),
                (
                    DateKind::DateTime,
                    "2025-01-10T00:30:00Z",
                    (2025, 1, 10, Some((0, 30))),
                ),
                (
                    DateKind::DateTime,
                    "2025-01-10T12:00:00Z",
                    (2025, 1, 10, Some((12, 0))),
                ),
            ] {
                let shown = f.display(kind, stored).unwrap();
                assert_eq!(f.read(&shown), Some(parts), "{f} {shown}");
            }
        }
        let us = DateFormat::default();
        assert_eq!(
            us.read("1/10/2025 3:04PM"),
            Some((2025, 1, 10, Some((15, 4))))
        );
        for bad in [
            "",
            "1/10",
            "1/10/25",
            "13/1/2025",
            "1/32/2025",
            "1/10/2025/1",
            "1-10-2025",
            "1/10/2025 13:00 pm",
            "1/10/2025 3:04",
            "a/b/cdef",
        ] {
            assert_eq!(us.read(bad), None, "{bad}");
        }
        let mon = DateFormat::parse("D-Mon-YYYY").unwrap();
        assert_eq!(mon.read("10-JAN-2025"), Some((2025, 1, 10, None)));
        assert_eq!(mon.read("10-01-2025"), None);
    }

    #[test]
    fn names_parse_and_others_do_not() {
        for name in DateFormat::names() {
            assert_eq!(DateFormat::parse(name).unwrap().to_string(), name);
        }
        assert_eq!(
            DateFormat::parse(" mm/dd/yyyy ").unwrap().name(),
            "MM/DD/YYYY"
        );
        for bad in ["", "YY/MM/DD", "M/D/YY", "DD MONTH, YYYY", "%Y-%m-%d"] {
            assert!(DateFormat::parse(bad).is_none(), "{bad}");
        }
        assert_eq!(DateFormat::default().name(), "M/D/YYYY");
    }
}
