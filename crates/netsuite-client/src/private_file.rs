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
