//! Files the command trusts: the ones it reads for the user (keys, certificates,
//! request bodies, queries) stop at a size cap (`/dev/zero` is not read forever), and
//! the ones that decide where secrets go (the config directory, `config.toml`, the
//! token directory) are refused when another user could have written them.

use std::io::Read;
use std::path::Path;

use anyhow::Result;

use crate::error::UserError;

/// The most read of a private key or certificate (a PEM is a few KiB).
pub const KEY_CAP: u64 = 1 << 20;
/// The most read of `--data @FILE` or `-` (NetSuite refuses larger request bodies).
pub const DATA_CAP: u64 = 64 << 20;
/// The most read of a query file.
pub const QUERY_CAP: u64 = 4 << 20;

/// `n` bytes as `N MiB` or `N KiB`.
fn size(n: u64) -> String {
    if n >= 1 << 20 {
        format!("{} MiB", n >> 20)
    } else {
        format!("{} KiB", n >> 10)
    }
}

/// Reads at most `cap` bytes of `from`; more is an error of kind `FileTooLarge`.
pub fn read_capped(from: impl Read, cap: u64) -> std::io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    from.take(cap + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > cap {
        return Err(std::io::Error::new(
            std::io::ErrorKind::FileTooLarge,
            format!("it is larger than {}, the most read here", size(cap)),
        ));
    }
    Ok(bytes)
}

/// Reads the file at `path` with [`read_capped`].
pub fn read_file_capped(path: &Path, cap: u64) -> std::io::Result<Vec<u8>> {
    read_capped(std::fs::File::open(path)?, cap)
}

/// `bytes` as UTF-8 text, or an error naming `what` (and DER, when it looks like it).
pub fn text(bytes: Vec<u8>, what: &str) -> Result<String> {
    String::from_utf8(bytes).map_err(|e| {
        let bytes = e.as_bytes();
        if bytes.first() == Some(&0x30) {
            UserError::usage(format!("{what} is DER (binary): expected PEM"))
                .hint("convert it to PEM: `openssl pkey -inform DER -in FILE -out private-key.pem` (a key) or `openssl x509 -inform DER -in FILE -out certificate.pem` (a certificate)")
                .into()
        } else {
            UserError::usage(format!("{what} is not text (UTF-8)"))
                .hint("check the path: give the text file itself")
                .into()
        }
    })
}

/// Refuses `path` (see [`netsuite_client::private_file::check_trusted`]) with the fix
/// as the hint.
pub fn check_trusted(path: &Path, what: &str, mode: u32) -> Result<()> {
    netsuite_client::private_file::check_trusted(path, what, mode)
        .map_err(|u| UserError::usage(u.reason).hint(u.fix).into())
}

/// Warns (as `ssh` does) when a private key file is readable by group or others.
pub fn warn_if_readable(path: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if let Ok(meta) = std::fs::metadata(path)
            && meta.is_file()
            && meta.permissions().mode() & 0o044 != 0
        {
            eprintln!(
                "warning: the private key {} is readable by group or others (mode {:03o}): anyone who reads it can act as the integration; chmod 600 {}",
                path.display(),
                meta.permissions().mode() & 0o777,
                path.display()
            );
        }
    }
    #[cfg(not(unix))]
    let _ = path;
}
