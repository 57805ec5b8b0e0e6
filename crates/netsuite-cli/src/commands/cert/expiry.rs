//! Certificate expiry: reading a profile's certificate and the warning at
//! [`WARN_DAYS`] days or fewer (`cert inspect`, `profile list`, `auth status`,
//! `doctor`). Apart from the rest of `cert` so that the profile commands, which
//! `cert rotate` uses, import only this.

use std::path::Path;

use anyhow::{Context, Result};
use netsuite_auth::cert::{self, CertificateInfo};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::error::UserError;

/// A certificate with this many days left or fewer is warned about.
pub const WARN_DAYS: i64 = 30;

/// Reads and checks the certificate at `path` now.
pub fn read_certificate(path: &Path) -> Result<CertificateInfo> {
    let bytes = std::fs::read(path).map_err(|e| {
        UserError::new(format!(
            "cannot read the certificate {}: {e}",
            path.display()
        ))
        .hint(
            "check the path, or record another with `netsuite profile set NAME --certificate PATH`",
        )
    })?;
    cert::inspect(&bytes, OffsetDateTime::now_utc()).with_context(|| format!("{}", path.display()))
}

/// The warning for `what` (a certificate) when it has [`WARN_DAYS`] days left or fewer.
pub fn expiry_warning(what: &str, info: &CertificateInfo) -> Option<String> {
    let until = date(info.not_after);
    match info.days_left {
        d if d < 0 => Some(format!(
            "warning: {what} expired on {until}: NetSuite refuses its tokens; make and upload a new one with `netsuite cert rotate --manual` (NetSuite's UI)"
        )),
        d if d <= WARN_DAYS => Some(format!(
            "warning: {what} expires in {d} days ({until}): replace it before then with `netsuite cert rotate` (NetSuite's certificate API; --manual for the UI)"
        )),
        _ => None,
    }
}

/// A unix time as RFC 3339 (empty when out of range).
pub fn date(unix: i64) -> String {
    OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .and_then(|t| t.format(&Rfc3339).ok())
        .unwrap_or_default()
}
