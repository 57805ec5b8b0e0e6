//! Oracle format models (`TO_CHAR`, `TO_DATE`, `TO_NUMBER`) and date literals.

use crate::Error;
use crate::sql::{DATETIME_FORMAT, string};

/// How a name element is capitalised, from how the format spells it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Case {
    /// `MON` -> `JAN`
    Upper,
    /// `Mon` -> `Jan`
    Capital,
    /// `mon` -> `jan`
    Lower,
}

impl Case {
    fn of(text: &str) -> Case {
        let mut chars = text.chars().filter(char::is_ascii_alphabetic);
        match (chars.next(), chars.next()) {
            (Some(a), _) if a.is_ascii_lowercase() => Case::Lower,
            (Some(_), Some(b)) if b.is_ascii_lowercase() => Case::Capital,
            _ => Case::Upper,
        }
    }

    fn apply(self, name: &str) -> String {
        match self {
            Case::Upper => name.to_ascii_uppercase(),
            Case::Lower => name.to_ascii_lowercase(),
            Case::Capital => name.to_owned(),
        }
    }
}

/// One element of a date format model.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum DateElement {
    /// `YYYY`, `RRRR`
    Year4,
    /// `YYY`
    Year3,
    /// `YY`
    Year2,
    /// `RR` (two digits, 1950-2049)
    RoundYear2,
    /// `Y`
    Year1,
    /// `MM`
    Month,
    /// `MON`
    MonthAbbr(Case),
    /// `MONTH`
    MonthName(Case),
    /// `DD`
    Day,
    /// `DDD`
    DayOfYear,
    /// `D` (1 = Sunday)
    DayOfWeek,
    /// `DY`
    DayAbbr(Case),
    /// `DAY`
    DayName(Case),
    /// `HH24`
    Hour24,
    /// `HH`, `HH12`
    Hour12,
    /// `MI`
    Minute,
    /// `SS`
    Second,
    /// `AM`, `PM`, `A.M.`, `P.M.`
    Meridian { dots: bool, case: Case },
    /// `Q`
    Quarter,
    /// `IW`
    IsoWeek,
    /// `WW`
    Week,
    /// `J`
    Julian,
    /// `FM`: toggles fill mode (no padding).
    FillMode,
    /// `FX`: exact matching (ignored).
    Exact,
    /// Punctuation, spaces and `"quoted text"`.
    Literal(String),
}

const ELEMENT_NAMES: &[&str] = &[
    "A.M.", "P.M.", "HH24", "HH12", "MONTH", "RRRR", "YYYY", "DDD", "DAY", "MON", "YYY", "HH",
    "MI", "MM", "SS", "DD", "DY", "YY", "RR", "AM", "PM", "IW", "WW", "FM", "FX", "Q", "D", "J",
    "Y",
];

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

const DAYS: [&str; 7] = [
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
];

/// Parses a date format model such as `YYYY-MM-DD HH24:MI:SS`.
pub(crate) fn parse_date_format(format: &str) -> Result<Vec<DateElement>, Error> {
    let bad =
        |what: &str| Error::unsupported(format!("date format element '{what}' in '{format}'"));
    let mut out = Vec::new();
    let mut rest = format;
    while let Some(c) = rest.chars().next() {
        if c == '"' {
            let end = rest[1..].find('"').ok_or_else(|| {
                Error::invalid(format!("unterminated quoted text in format '{format}'"))
            })?;
            out.push(DateElement::Literal(rest[1..=end].to_owned()));
            rest = &rest[end + 2..];
            continue;
        }
        if matches!(c, ' ' | '-' | '/' | ',' | '.' | ';' | ':') {
            out.push(DateElement::Literal(c.to_string()));
            rest = &rest[1..];
            continue;
        }
        let name = ELEMENT_NAMES
            .iter()
            .find(|n| {
                rest.len() >= n.len()
                    && rest.is_char_boundary(n.len())
                    && rest[..n.len()].eq_ignore_ascii_case(n)
            })
            .ok_or_else(|| bad(&rest.chars().take(8).collect::<String>()))?;
        let text = &rest[..name.len()];
        let case = Case::of(text);
        out.push(match *name {
            "YYYY" | "RRRR" => DateElement::Year4,
            "YYY" => DateElement::Year3,
            "YY" => DateElement::Year2,
            "RR" => DateElement::RoundYear2,
            "Y" => DateElement::Year1,
            "MM" => DateElement::Month,
            "MON" => DateElement::MonthAbbr(case),
            "MONTH" => DateElement::MonthName(case),
            "DD" => DateElement::Day,
            "DDD" => DateElement::DayOfYear,
            "D" => DateElement::DayOfWeek,
            "DY" => DateElement::DayAbbr(case),
            "DAY" => DateElement::DayName(case),
            "HH24" => DateElement::Hour24,
            "HH" | "HH12" => DateElement::Hour12,
            "MI" => DateElement::Minute,
            "SS" => DateElement::Second,
            "AM" | "PM" => DateElement::Meridian { dots: false, case },
            "A.M." | "P.M." => DateElement::Meridian { dots: true, case },
            "Q" => DateElement::Quarter,
            "IW" => DateElement::IsoWeek,
            "WW" => DateElement::Week,
            "J" => DateElement::Julian,
            "FM" => DateElement::FillMode,
            _ => DateElement::Exact,
        });
        rest = &rest[name.len()..];
    }
    Ok(out)
}

/// Whether a format model is a date format (rather than a number format).
pub(crate) fn looks_like_date_format(format: &str) -> bool {
    parse_number_format(format).is_none() && parse_date_format(format).is_ok()
}

enum Piece {
    Strftime(String),
    Sql(String),
}

/// `TO_CHAR(value, format)` for a date or date-time `value` (SQL text).
pub(crate) fn to_char_date(value: &str, elements: &[DateElement]) -> String {
    let strftime = |f: &str| format!("strftime('{f}', {value})");
    let integer = |f: &str| format!("CAST({} AS INTEGER)", strftime(f));
    let mut pieces: Vec<Piece> = Vec::new();
    let mut fill = true;
    let names = |list: &[&str], key: &str, case: Case, pad: usize, first: usize| {
        let mut out = format!("CASE {}", strftime(key));
        for (i, name) in list.iter().enumerate() {
            let key = if key == "%m" {
                format!("{:02}", i + first)
            } else {
                format!("{}", i + first)
            };
            let mut name = case.apply(name);
            while name.len() < pad {
                name.push(' ');
            }
            out.push_str(&format!(" WHEN '{key}' THEN {}", string(&name)));
        }
        out.push_str(" END");
        out
    };
    for e in elements {
        let piece = match e {
            DateElement::Year4 => Piece::Strftime("%Y".into()),
            DateElement::Year3 => Piece::Sql(format!("substr({}, 2)", strftime("%Y"))),
            DateElement::Year2 | DateElement::RoundYear2 => {
                Piece::Sql(format!("substr({}, 3)", strftime("%Y")))
            }
            DateElement::Year1 => Piece::Sql(format!("substr({}, 4)", strftime("%Y"))),
            DateElement::Month if fill => Piece::Strftime("%m".into()),
            DateElement::Month => Piece::Sql(integer("%m")),
            DateElement::MonthAbbr(case) => {
                let abbr: Vec<&str> = MONTHS.iter().map(|m| &m[..3]).collect();
                Piece::Sql(names(&abbr, "%m", *case, 0, 1))
            }
            DateElement::MonthName(case) => {
                Piece::Sql(names(&MONTHS, "%m", *case, if fill { 9 } else { 0 }, 1))
            }
            DateElement::Day if fill => Piece::Strftime("%d".into()),
            DateElement::Day => Piece::Sql(integer("%d")),
            DateElement::DayOfYear if fill => Piece::Strftime("%j".into()),
            DateElement::DayOfYear => Piece::Sql(integer("%j")),
            DateElement::DayOfWeek => Piece::Sql(format!("({} + 1)", integer("%w"))),
            DateElement::DayAbbr(case) => {
                let abbr: Vec<&str> = DAYS.iter().map(|d| &d[..3]).collect();
                Piece::Sql(names(&abbr, "%w", *case, 0, 0))
            }
            DateElement::DayName(case) => {
                Piece::Sql(names(&DAYS, "%w", *case, if fill { 9 } else { 0 }, 0))
            }
            DateElement::Hour24 if fill => Piece::Strftime("%H".into()),
            DateElement::Hour24 => Piece::Sql(integer("%H")),
            DateElement::Hour12 if fill => Piece::Strftime("%I".into()),
            DateElement::Hour12 => Piece::Sql(integer("%I")),
            DateElement::Minute if fill => Piece::Strftime("%M".into()),
            DateElement::Minute => Piece::Sql(integer("%M")),
            DateElement::Second if fill => Piece::Strftime("%S".into()),
            DateElement::Second => Piece::Sql(integer("%S")),
            DateElement::Meridian { dots: false, case } => match case {
                Case::Lower => Piece::Strftime("%P".into()),
                _ => Piece::Strftime("%p".into()),
            },
            DateElement::Meridian { dots: true, case } => Piece::Sql(format!(
                "CASE WHEN {} < '12' THEN {} ELSE {} END",
                strftime("%H"),
                string(&case.apply("A.M.")),
                string(&case.apply("P.M."))
            )),
            DateElement::Quarter => Piece::Sql(format!("(({} + 2) / 3)", integer("%m"))),
            DateElement::IsoWeek if fill => Piece::Strftime("%V".into()),
            DateElement::IsoWeek => Piece::Sql(integer("%V")),
            DateElement::Week => {
                let n = format!("(({} - 1) / 7 + 1)", integer("%j"));
                if fill {
                    Piece::Sql(format!("printf('%02d', {n})"))
                } else {
                    Piece::Sql(n)
                }
            }
            DateElement::Julian => Piece::Sql(format!("CAST(julianday({value}) + 0.5 AS INTEGER)")),
            DateElement::FillMode => {
                fill = !fill;
                continue;
            }
            DateElement::Exact => continue,
            DateElement::Literal(text) => {
                Piece::Strftime(text.replace('%', "%%").replace('\'', "''"))
            }
        };
        match (pieces.last_mut(), piece) {
            (Some(Piece::Strftime(prev)), Piece::Strftime(next)) => prev.push_str(&next),
            (_, piece) => pieces.push(piece),
        }
    }
    let parts: Vec<String> = pieces
        .into_iter()
        .map(|p| match p {
            Piece::Strftime(f) => strftime(&f),
            Piece::Sql(s) => s,
        })
        .collect();
    match parts.len() {
        0 => "NULL".to_owned(),
        1 => parts.into_iter().next().unwrap_or_default(),
        _ => format!("({})", parts.join(" || ")),
    }
}

/// A date (and time) read from a literal.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct DateValue {
    pub(crate) year: u32,
    pub(crate) month: u32,
    pub(crate) day: u32,
    pub(crate) hour: u32,
    pub(crate) minute: u32,
    pub(crate) second: u32,
    /// Whether the literal had a time of day.
    pub(crate) has_time: bool,
}

impl DateValue {
    /// `YYYY-MM-DD`
    pub(crate) fn date_text(&self) -> String {
        format!("{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }

    /// `YYYY-MM-DDTHH:MM:SSZ`
    pub(crate) fn datetime_text(&self) -> String {
        format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
            self.year, self.month, self.day, self.hour, self.minute, self.second
        )
    }

    fn validate(self) -> Option<DateValue> {
        let leap = (self.year.is_multiple_of(4) && !self.year.is_multiple_of(100))
            || self.year.is_multiple_of(400);
        let days = match self.month {
            1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
            4 | 6 | 9 | 11 => 30,
            2 if leap => 29,
            2 => 28,
            _ => return None,
        };
        (self.year >= 1
            && self.year <= 9999
            && self.day >= 1
            && self.day <= days
            && self.hour < 24
            && self.minute < 60
            && self.second < 60)
            .then_some(self)
    }
}

/// Reads a literal with a date format model, as `TO_DATE('...', '...')` does.
pub(crate) fn parse_date_literal(
    value: &str,
    elements: &[DateElement],
) -> Result<DateValue, Error> {
    let mismatch = || Error::invalid(format!("date '{value}' does not match its format"));
    let mut rest = value.trim_start();
    let (mut year, mut month, mut day) = (None, None, None);
    let (mut hour, mut minute, mut second) = (0u32, 0u32, 0u32);
    let mut has_time = false;
    let mut hour12 = None;
    let mut pm = None;
    let digits = |rest: &mut &str, max: usize| -> Option<u32> {
        let s = rest.trim_start();
        let n = s.bytes().take(max).take_while(u8::is_ascii_digit).count();
        if n == 0 {
            return None;
        }
        let v = s[..n].parse().ok()?;
        *rest = &s[n..];
        Some(v)
    };
    let word = |rest: &mut &str, names: &[&str]| -> Option<usize> {
        for (i, name) in names.iter().enumerate() {
            for candidate in [*name, &name[..3]] {
                if rest.len() >= candidate.len()
                    && rest.is_char_boundary(candidate.len())
                    && rest[..candidate.len()].eq_ignore_ascii_case(candidate)
                {
                    *rest = &rest[candidate.len()..];
                    return Some(i);
                }
            }
        }
        None
    };
    for e in elements {
        match e {
            DateElement::Year4 => year = Some(digits(&mut rest, 4).ok_or_else(mismatch)?),
            DateElement::Year2 => year = Some(2000 + digits(&mut rest, 2).ok_or_else(mismatch)?),
            DateElement::RoundYear2 => {
                let y = digits(&mut rest, 4).ok_or_else(mismatch)?;
                year = Some(match y {
                    0..=49 => 2000 + y,
                    50..=99 => 1900 + y,
                    _ => y,
                });
            }
            DateElement::Month => month = Some(digits(&mut rest, 2).ok_or_else(mismatch)?),
            DateElement::MonthAbbr(_) | DateElement::MonthName(_) => {
                let i = word(&mut rest, &MONTHS).ok_or_else(mismatch)?;
                month = Some(u32::try_from(i).unwrap_or(0) + 1);
            }
            DateElement::Day => day = Some(digits(&mut rest, 2).ok_or_else(mismatch)?),
            DateElement::DayAbbr(_) | DateElement::DayName(_) => {
                word(&mut rest, &DAYS).ok_or_else(mismatch)?;
            }
            DateElement::Hour24 => {
                hour = digits(&mut rest, 2).ok_or_else(mismatch)?;
                has_time = true;
            }
            DateElement::Hour12 => {
                hour12 = Some(digits(&mut rest, 2).ok_or_else(mismatch)?);
                has_time = true;
            }
            DateElement::Minute => {
                minute = digits(&mut rest, 2).ok_or_else(mismatch)?;
                has_time = true;
            }
            DateElement::Second => {
                second = digits(&mut rest, 2).ok_or_else(mismatch)?;
                has_time = true;
            }
            DateElement::Meridian { .. } => {
                let s = rest.trim_start();
                let upper = s.get(..4).unwrap_or(s).to_ascii_uppercase();
                let (is_pm, len) = if upper.starts_with("A.M.") {
                    (false, 4)
                } else if upper.starts_with("P.M.") {
                    (true, 4)
                } else if upper.starts_with("AM") {
                    (false, 2)
                } else if upper.starts_with("PM") {
                    (true, 2)
                } else {
                    return Err(mismatch());
                };
                pm = Some(is_pm);
                rest = &s[len..];
            }
            DateElement::Literal(text) => {
                if text.chars().all(|c| !c.is_alphanumeric()) {
                    // Oracle matches any punctuation with any punctuation.
                    rest = rest.trim_start_matches(|c: char| !c.is_alphanumeric());
                } else if rest.len() >= text.len()
                    && rest.is_char_boundary(text.len())
                    && rest[..text.len()].eq_ignore_ascii_case(text)
                {
                    rest = &rest[text.len()..];
                } else {
                    return Err(mismatch());
                }
            }
            DateElement::FillMode | DateElement::Exact => {}
            DateElement::Year3
            | DateElement::Year1
            | DateElement::DayOfYear
            | DateElement::DayOfWeek
            | DateElement::Quarter
            | DateElement::IsoWeek
            | DateElement::Week
            | DateElement::Julian => {
                return Err(Error::unsupported(format!(
                    "date format element {e:?} in TO_DATE"
                )));
            }
        }
    }
    if !rest.trim().is_empty() {
        return Err(mismatch());
    }
    if let Some(h) = hour12 {
        if !(1..=12).contains(&h) {
            return Err(mismatch());
        }
        hour = match pm {
            Some(true) if h < 12 => h + 12,
            Some(false) if h == 12 => 0,
            _ => h,
        };
    }
    let (Some(year), Some(month), Some(day)) = (year, month, day) else {
        return Err(Error::unsupported(
            "TO_DATE format without a year, month and day",
        ));
    };
    DateValue {
        year,
        month,
        day,
        hour,
        minute,
        second,
        has_time,
    }
    .validate()
    .ok_or_else(|| Error::invalid(format!("date '{value}' is not a valid date")))
}

/// Reads a literal compared with a date: `YYYY-MM-DD`, `YYYY-MM-DD HH:MM:SS`,
/// `YYYY-MM-DDTHH:MM:SSZ` or NetSuite's default `M/D/YYYY`.
pub(crate) fn parse_loose_date(value: &str) -> Option<DateValue> {
    let v = value.trim();
    let iso = |fmt: &str| {
        parse_date_format(fmt)
            .ok()
            .and_then(|f| parse_date_literal(v, &f).ok())
    };
    if v.contains('/') {
        return iso("MM/DD/YYYY");
    }
    let v = v.strip_suffix('Z').unwrap_or(v);
    let (date, time) = match v.split_once(['T', ' ']) {
        Some((d, t)) => (d, Some(t)),
        None => (v, None),
    };
    if date.len() != 10 {
        return None;
    }
    let mut d = parse_date_literal(date, &parse_date_format("YYYY-MM-DD").ok()?).ok()?;
    if let Some(time) = time {
        let fmt = if time.len() == 5 {
            "HH24:MI"
        } else {
            "HH24:MI:SS"
        };
        let t = parse_date_literal(
            &format!("2000-01-01 {time}"),
            &parse_date_format(&format!("YYYY-MM-DD {fmt}")).ok()?,
        )
        .ok()?;
        d.hour = t.hour;
        d.minute = t.minute;
        d.second = t.second;
        d.has_time = true;
    }
    Some(d)
}

/// Reads a string compared with a date: in the user's date format first (as
/// NetSuite's implicit conversion does), else as [`parse_loose_date`].
pub(crate) fn parse_compared_date(
    value: &str,
    user: Option<crate::DateFormat>,
) -> Option<DateValue> {
    if let Some((year, month, day, time)) = user.and_then(|f| f.read(value)) {
        let (hour, minute) = time.unwrap_or((0, 0));
        return DateValue {
            year,
            month,
            day,
            hour,
            minute,
            second: 0,
            has_time: time.is_some(),
        }
        .validate();
    }
    parse_loose_date(value)
}

/// `TO_DATE(value, format)` for a `value` that is not a literal (SQL text);
/// `Ok((sql, has_time))`.
pub(crate) fn to_date_sql(value: &str, elements: &[DateElement]) -> Result<(String, bool), Error> {
    use DateElement as E;
    let unsupported = || {
        Error::unsupported(
            "this TO_DATE format on a value that is not a literal (use YYYY, MM, DD, HH24, MI, SS)",
        )
    };
    let fields: Vec<&DateElement> = elements
        .iter()
        .filter(|e| !matches!(e, E::Literal(_) | E::FillMode | E::Exact))
        .collect();
    let separators: Vec<char> = elements
        .iter()
        .filter_map(|e| match e {
            E::Literal(t) => Some(t.chars().collect::<Vec<_>>()),
            _ => None,
        })
        .flatten()
        .collect();
    let field_order: Vec<usize> = fields
        .iter()
        .map(|f| match f {
            E::Year4 => Ok(0),
            E::Month => Ok(1),
            E::Day => Ok(2),
            E::Hour24 => Ok(3),
            E::Minute => Ok(4),
            E::Second => Ok(5),
            _ => Err(unsupported()),
        })
        .collect::<Result<_, _>>()?;
    let mut seen = [false; 6];
    for &i in &field_order {
        if std::mem::replace(&mut seen[i], true) {
            return Err(unsupported());
        }
    }
    if !(seen[0] && seen[1] && seen[2]) {
        return Err(Error::unsupported(
            "TO_DATE format without a year, month and day",
        ));
    }
    let has_time = seen[3] || seen[4] || seen[5];
    let iso_date = [
        E::Year4,
        E::Literal("-".into()),
        E::Month,
        E::Literal("-".into()),
        E::Day,
    ];
    if elements == iso_date {
        return Ok((format!("date({value})"), false));
    }
    let mut iso_datetime = iso_date.to_vec();
    iso_datetime.extend([
        E::Literal(" ".into()),
        E::Hour24,
        E::Literal(":".into()),
        E::Minute,
        E::Literal(":".into()),
        E::Second,
    ]);
    if elements == iso_datetime.as_slice() {
        return Ok((format!("strftime('{DATETIME_FORMAT}', {value})"), true));
    }
    let mut guard = None;
    let parts: Vec<String> = if separators.is_empty() {
        // Fixed widths: YYYY then two digits each.
        let mut start = 1;
        let mut parts = vec![String::new(); 6];
        for &i in &field_order {
            let width = if i == 0 { 4 } else { 2 };
            parts[i] = format!("substr({value}, {start}, {width})");
            start += width;
        }
        parts
    } else {
        // Split on the separators: '["f1","f2",...]' read with json_extract.
        let mut split = format!("replace(replace({value}, '\"', ''), '\\', '')");
        let mut distinct: Vec<char> = separators.clone();
        distinct.sort_unstable();
        distinct.dedup();
        for s in distinct {
            split = format!("replace({split}, {}, '\",\"')", string(&s.to_string()));
        }
        let json = format!("'[\"' || {split} || '\"]'");
        let mut parts = vec![String::new(); 6];
        for (pos, &i) in field_order.iter().enumerate() {
            parts[i] = format!("json_extract({json}, '$[{pos}]')");
        }
        guard = Some(json);
        parts
    };
    if elements
        .windows(2)
        .any(|w| !matches!(w[0], E::Literal(_)) && !matches!(w[1], E::Literal(_)))
        && !separators.is_empty()
    {
        return Err(unsupported());
    }
    let zero = |s: &String| {
        if s.is_empty() {
            "0".to_owned()
        } else {
            s.clone()
        }
    };
    let text = if has_time {
        format!(
            "strftime('{DATETIME_FORMAT}', printf('%04d-%02d-%02d %02d:%02d:%02d', {}, {}, {}, {}, {}, {}))",
            parts[0],
            parts[1],
            parts[2],
            zero(&parts[3]),
            zero(&parts[4]),
            zero(&parts[5])
        )
    } else {
        format!(
            "date(printf('%04d-%02d-%02d', {}, {}, {}))",
            parts[0], parts[1], parts[2]
        )
    };
    // Text that does not split into valid JSON is not a date: NULL.
    let text = match guard {
        Some(json) => format!("CASE WHEN json_valid({json}) THEN {text} END"),
        None => text,
    };
    Ok((text, has_time))
}

/// A number format model such as `FM999,990.00`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct NumberFormat {
    fill: bool,
    /// Digit positions before the decimal point.
    integer_digits: usize,
    /// Digits always shown before the decimal point (from the first `0`).
    min_integer_digits: usize,
    decimals: usize,
    /// Whether the decimal positions are all `9` (trailing zeros dropped in FM).
    optional_decimals: bool,
    group: bool,
    /// Width of the format, for padding.
    width: usize,
}

/// Parses a number format model of `9`, `0`, `,`/`G`, `.`/`D`, with an
/// optional `FM` prefix.
pub(crate) fn parse_number_format(format: &str) -> Option<NumberFormat> {
    let (fill, body) = match format.get(..2) {
        Some(p) if p.eq_ignore_ascii_case("FM") => (true, &format[2..]),
        _ => (false, format),
    };
    let (int_part, dec_part) = match body.find(['.', 'D', 'd']) {
        Some(i) => (&body[..i], Some(&body[i + 1..])),
        None => (body, None),
    };
    if body.is_empty()
        || !int_part
            .chars()
            .all(|c| matches!(c, '9' | '0' | ',' | 'G' | 'g'))
        || int_part.starts_with([',', 'G', 'g'])
        || !dec_part
            .unwrap_or("")
            .chars()
            .all(|c| matches!(c, '9' | '0'))
    {
        return None;
    }
    let integer_digits = int_part.chars().filter(|c| matches!(c, '9' | '0')).count();
    let min_integer_digits = int_part.find('0').map_or(0, |i| {
        int_part[i..]
            .chars()
            .filter(|c| matches!(c, '9' | '0'))
            .count()
    });
    let decimals = dec_part.map_or(0, str::len);
    if integer_digits == 0 && decimals == 0 {
        return None;
    }
    let optional_decimals = dec_part.is_some_and(|d| d.chars().all(|c| c == '9'));
    if decimals > 0 && !optional_decimals && dec_part.is_some_and(|d| d.contains('9')) {
        return None;
    }
    Some(NumberFormat {
        fill,
        integer_digits,
        min_integer_digits,
        decimals,
        optional_decimals,
        group: int_part.contains([',', 'G', 'g']),
        width: body.chars().count(),
    })
}

impl NumberFormat {
    /// Whether `TO_NUMBER` must drop group separators.
    pub(crate) fn has_group(&self) -> bool {
        self.group
    }
}

/// `TO_CHAR(value, format)` for a number `value` (SQL text).
pub(crate) fn to_char_number(value: &str, f: &NumberFormat) -> Result<String, Error> {
    if f.group && f.min_integer_digits > 1 {
        return Err(Error::unsupported(
            "number format with both leading zeros and group separators",
        ));
    }
    let abs = format!("abs({value})");
    let flags = if f.group { "," } else { "" };
    let mut digits = if f.min_integer_digits > 1 {
        let width = f.min_integer_digits + if f.decimals > 0 { f.decimals + 1 } else { 0 };
        format!("printf('%0{width}.{}f', {abs})", f.decimals)
    } else {
        format!("printf('%{flags}.{}f', {abs})", f.decimals)
    };
    if f.min_integer_digits == 0 && f.decimals > 0 {
        // Oracle shows no zero before the decimal point: .50
        digits = format!(
            "CASE WHEN substr({digits}, 1, 2) = '0.' THEN substr({digits}, 2) ELSE {digits} END"
        );
    }
    if f.fill && f.decimals > 0 && f.optional_decimals {
        digits = format!("rtrim({digits}, '0')");
    }
    let signed = format!("CASE WHEN {value} < 0 THEN '-' ELSE '' END || {digits}");
    let body = if f.fill {
        signed
    } else {
        format!("printf('%{}s', {signed})", f.width + 1)
    };
    let limit = format!("1e{}", f.integer_digits);
    let overflow = string(&"#".repeat(f.width + 1));
    Ok(format!(
        "CASE WHEN {value} IS NULL THEN NULL WHEN round({abs}, {}) >= {limit} THEN {overflow} ELSE {body} END",
        f.decimals
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn date_formats_parse() {
        use DateElement as E;
        assert_eq!(
            parse_date_format("YYYY-MM-DD HH24:MI:SS").unwrap(),
            vec![
                E::Year4,
                E::Literal("-".into()),
                E::Month,
                E::Literal("-".into()),
                E::Day,
                E::Literal(" ".into()),
                E::Hour24,
                E::Literal(":".into()),
                E::Minute,
                E::Literal(":".into()),
                E::Second
            ]
        );
        assert_eq!(
            parse_date_format("Mon \"of\" yyyy").unwrap(),
            vec![
                E::MonthAbbr(Case::Capital),
                E::Literal(" ".into()),
                E::Literal("of".into()),
                E::Literal(" ".into()),
                E::Year4
            ]
        );
        assert!(parse_date_format("YYYY-XX").is_err());
        assert!(looks_like_date_format("MM/DD/YYYY"));
        assert!(!looks_like_date_format("999.99"));
    }

    #[test]
    fn date_literals() {
        let f = |v: &str, fmt: &str| parse_date_literal(v, &parse_date_format(fmt).unwrap());
        assert_eq!(
            f("2024-01-15", "YYYY-MM-DD").unwrap().date_text(),
            "2024-01-15"
        );
        assert_eq!(
            f("1/5/2024", "MM/DD/YYYY").unwrap().date_text(),
            "2024-01-05"
        );
        assert_eq!(
            f("15.01.2024", "DD.MM.YYYY").unwrap().date_text(),
            "2024-01-15"
        );
        let dt = f("2024-01-15 13:45:07", "YYYY-MM-DD HH24:MI:SS").unwrap();
        assert!(dt.has_time);
        assert_eq!(dt.datetime_text(), "2024-01-15T13:45:07Z");
        assert_eq!(
            f("15-JAN-24", "DD-MON-RR").unwrap().date_text(),
            "2024-01-15"
        );
        assert_eq!(
            f("01/15/2024 01:30 PM", "MM/DD/YYYY HH:MI AM")
                .unwrap()
                .datetime_text(),
            "2024-01-15T13:30:00Z"
        );
        assert!(f("2024-02-30", "YYYY-MM-DD").is_err());
        assert!(f("2024-01-15x", "YYYY-MM-DD").is_err());
        assert!(f("2024-01", "YYYY-MM").is_err());
    }

    #[test]
    fn loose_dates() {
        assert_eq!(
            parse_loose_date("1/15/2024").unwrap().date_text(),
            "2024-01-15"
        );
        assert_eq!(
            parse_loose_date("2024-01-15").unwrap().date_text(),
            "2024-01-15"
        );
        let t = parse_loose_date("2024-01-15T08:00:00Z").unwrap();
        assert!(t.has_time);
        assert_eq!(t.datetime_text(), "2024-01-15T08:00:00Z");
        assert_eq!(
            parse_loose_date("2024-01-15 08:30")
                .unwrap()
                .datetime_text(),
            "2024-01-15T08:30:00Z"
        );
        assert!(parse_loose_date("hello").is_none());
        assert!(parse_loose_date("2024-13-01").is_none());
    }

    #[test]
    fn compared_dates_read_the_user_format_first() {
        let dmy = crate::DateFormat::parse("D/M/YYYY");
        assert_eq!(
            parse_compared_date("10/1/2025", dmy).unwrap().date_text(),
            "2025-01-10"
        );
        assert_eq!(
            parse_compared_date("10/1/2025", None).unwrap().date_text(),
            "2025-10-01"
        );
        let t = parse_compared_date("15.01.2027 8:00 am", crate::DateFormat::parse("DD.MM.YYYY"))
            .unwrap();
        assert_eq!(t.datetime_text(), "2027-01-15T08:00:00Z");
        // Not in the user's format: ISO still reads; a date that is not one: none.
        assert_eq!(
            parse_compared_date("2025-01-10", dmy).unwrap().date_text(),
            "2025-01-10"
        );
        assert!(parse_compared_date("31/2/2025", dmy).is_none());
    }

    #[test]
    fn number_formats() {
        let f = parse_number_format("FM999,990.00").unwrap();
        assert!(f.fill && f.group);
        assert_eq!(
            (f.integer_digits, f.min_integer_digits, f.decimals),
            (6, 1, 2)
        );
        assert!(parse_number_format("999.99").is_some());
        assert!(parse_number_format("YYYY").is_none());
        assert!(parse_number_format("9.909").is_none());
    }
}
