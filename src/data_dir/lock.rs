//! One counter or writing subcommand per data directory: an OS advisory lock (`flock`) on
//! `DATA/qrtill.lock`, which holds the owner's pid for the message. The kernel drops the lock
//! when the process ends, however it ends (SIGKILL included), so a stale file never blocks.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, SeekFrom, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

pub const LOCK_FILE: &str = "qrtill.lock";

#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error("data directory {} is in use by process {pid}", dir.display())]
    InUse { dir: PathBuf, pid: String },
    #[error("data directory {}: cannot lock {}: {source}", dir.display(), file.display())]
    Io {
        dir: PathBuf,
        file: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// Held for the life of the process; dropping it (or exiting) releases the directory.
#[derive(Debug)]
pub struct DirLock {
    _file: File,
}

/// Takes the data directory for this process, or says which process has it. Never waits.
pub fn lock(dir: &Path) -> Result<DirLock, LockError> {
    let path = dir.join(LOCK_FILE);
    let io = |source| LockError::Io {
        dir: dir.to_path_buf(),
        file: path.clone(),
        source,
    };
    // Not truncated on open: the file holds the owner's pid until we own the lock.
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .mode(0o600)
        .open(&path)
        .map_err(io)?;
    match file.try_lock() {
        Ok(()) => {}
        Err(TryLockError::WouldBlock) => {
            let mut text = String::new();
            // The owner may be between truncating and writing its pid: then it is unknown.
            let pid = match file.read_to_string(&mut text) {
                Ok(_) if !text.trim().is_empty() => text.trim().to_string(),
                _ => "unknown (another qrtill)".to_string(),
            };
            return Err(LockError::InUse {
                dir: dir.to_path_buf(),
                pid,
            });
        }
        Err(TryLockError::Error(e)) => return Err(io(e)),
    }
    file.set_len(0)
        .and_then(|()| file.seek(SeekFrom::Start(0)))
        .and_then(|_| writeln!(file, "{}", std::process::id()))
        .and_then(|()| file.flush())
        .map_err(io)?;
    Ok(DirLock { _file: file })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_lock_on_the_same_directory_names_the_owner() {
        let dir = tempfile::tempdir().unwrap();
        let held = lock(dir.path()).unwrap();
        // Another open file description conflicts, as another process would.
        match lock(dir.path()) {
            Err(LockError::InUse { pid, .. }) => {
                assert_eq!(pid, std::process::id().to_string())
            }
            other => panic!("expected InUse, got {other:?}"),
        }
        drop(held);
        assert!(lock(dir.path()).is_ok(), "released on drop");
    }
}
