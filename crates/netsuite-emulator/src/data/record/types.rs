//! Which record types exist (the [`Model`]'s), and how a record is addressed in a URL.

use netsuite_suiteql::Model;

/// The canonical (lowercase) name of a record type, when `model` knows it (custom
/// records, `customrecord_*`, are known too). Types it does not know answer
/// "Record type '…' does not exist."
pub fn canonical_type(model: &Model, name: &str) -> Option<String> {
    let lower = name.to_ascii_lowercase();
    let custom = lower.starts_with("customrecord")
        && lower.len() <= 128
        && lower
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_');
    (custom || model.is_known_type(&lower)).then_some(lower)
}

/// How a record is addressed in a URL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RecordKey {
    /// An internal id.
    Internal(i64),
    /// `eid:<external id>`.
    External(String),
}

/// Parses the id segment: an integer internal id (no leading zeros) or `eid:<value>`.
pub fn parse_key(id: &str) -> Option<RecordKey> {
    if let Some(eid) = id.strip_prefix("eid:") {
        let ok = !eid.is_empty()
            && eid.len() <= 255
            && eid
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '|' | ' '));
        return ok.then(|| RecordKey::External(eid.to_owned()));
    }
    let digits = id.strip_prefix('-').unwrap_or(id);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) || digits.starts_with('0') {
        return None;
    }
    id.parse().ok().map(RecordKey::Internal)
}

/// NetSuite's role id of the Administrator.
pub(crate) const ADMINISTRATOR: i64 = 3;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_and_keys() {
        let m = Model::netsuite();
        assert_eq!(
            canonical_type(m, "salesOrder").as_deref(),
            Some("salesorder")
        );
        assert_eq!(
            canonical_type(m, "SALESORDER").as_deref(),
            Some("salesorder")
        );
        assert_eq!(canonical_type(m, "vendor").as_deref(), Some("vendor"));
        assert_eq!(
            canonical_type(m, "customrecord_foo").as_deref(),
            Some("customrecord_foo")
        );
        assert_eq!(canonical_type(m, "file"), None);
        assert_eq!(parse_key("304"), Some(RecordKey::Internal(304)));
        assert_eq!(parse_key("-5"), Some(RecordKey::Internal(-5)));
        assert_eq!(
            parse_key("eid:WEB-304"),
            Some(RecordKey::External("WEB-304".into()))
        );
        for bad in [
            "000",
            "0",
            "abc",
            "",
            "12a",
            "99999999999999999999",
            "eid:",
            "-",
        ] {
            assert_eq!(parse_key(bad), None, "{bad}");
        }
    }
}
