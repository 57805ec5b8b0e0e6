//! Files that hold secrets: 0600 files in 0700 directories, written atomically
//! (temporary file, fsync, rename, fsync of the directory), and the check that
//! refuses a secret file other users can read. The token store, its key file and
//! the CLI's keys and profiles all go through here.

use std::fs;
use std::io::Write;
use std::path::Path;

use crate::Error;

/// The token-store error for `path`.
pub(crate) fn store_err(path: &Path, reason: impl std::fmt::Display) -> Error {
    Error::TokenStore {
        path: path.to_owned(),
        reason: reason.to_string(),
    }
}

/// Refuses a file that group or others can read or write.
pub(crate) fn check_private_mode(path: &Path) -> Result<(), Error> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = fs::metadata(path)
            .map_err(|e| store_err(path, e))?
            .permissions()
            .mode();
        if mode & 0o077 != 0 {
            return Err(store_err(
                path,
                format!(
                    "the file is open to other users (mode {:o}); it must be 0600",
                    mode & 0o777
                ),
            ));
        }
    }
    Ok(())
}

/// Why a file or directory that decides where secrets go (a config directory, a
/// config file, a token directory) cannot be trusted, and the command that fixes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Untrusted {
    /// What is wrong (`the config file ... is writable by group or others`).
    pub reason: String,
    /// The fix (`chmod 600 ...`, `chown ...`).
    pub fix: String,
}

impl std::fmt::Display for Untrusted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.reason)
    }
}

impl std::error::Error for Untrusted {}

/// Refuses `path` (named `what`) when another user owns it or group or others can
/// write it: whoever can write it decides where tokens and secrets are sent. `mode`
/// is the one the fix suggests (`0o700` for directories, `0o600` for files). A
/// missing path is fine. Symbolic links are followed (the target is what is read).
pub fn check_trusted(path: &Path, what: &str, mode: u32) -> Result<(), Untrusted> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let Ok(meta) = fs::metadata(path) else {
            return Ok(());
        };
        let me = rustix::process::geteuid().as_raw();
        if meta.uid() != me {
            return Err(Untrusted {
                reason: format!(
                    "the {what} {} belongs to user id {}, not to you (user id {me})",
                    path.display(),
                    meta.uid()
                ),
                fix: format!(
                    "use one of your own (NETSUITE_CONFIG_DIR), or take it over: chown {me} {}",
                    path.display()
                ),
            });
        }
        if meta.mode() & 0o022 != 0 {
            return Err(Untrusted {
                reason: format!(
                    "the {what} {} is writable by group or others (mode {:03o}), so another user could decide where tokens and secrets go",
                    path.display(),
                    meta.mode() & 0o777
                ),
                fix: format!("chmod {mode:o} {}", path.display()),
            });
        }
    }
    #[cfg(not(unix))]
    let _ = (path, what, mode);
    Ok(())
}

/// Creates `dir` (and parents) with mode 0700 where this creates it.
pub fn create_private_dir(dir: &Path) -> Result<(), Error> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .map_err(|e| store_err(dir, e))
    }
    #[cfg(not(unix))]
    {
        fs::create_dir_all(dir).map_err(|e| store_err(dir, e))
    }
}

/// Writes `bytes` to `path` atomically: a 0600 temporary file in the same 0700
/// directory, fsync, rename, fsync of the directory.
pub fn write_private(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    let dir = path
        .parent()
        .ok_or_else(|| store_err(path, "no parent directory"))?;
    create_private_dir(dir)?;
    let mut tmp = tempfile::Builder::new()
        .prefix(".tmp-")
        .tempfile_in(dir)
        .map_err(|e| store_err(dir, e))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(tmp.path(), fs::Permissions::from_mode(0o600))
            .map_err(|e| store_err(tmp.path(), e))?;
    }
    tmp.write_all(bytes).map_err(|e| store_err(path, e))?;
    tmp.as_file().sync_all().map_err(|e| store_err(path, e))?;
    tmp.persist(path).map_err(|e| store_err(path, e.error))?;
    if let Ok(d) = fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}
