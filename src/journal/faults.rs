//! A fault at the journal boundary, for tests: the next N writes fail as a full disk makes them
//! fail (`SQLITE_FULL`), so the counter takes the same path as on a real full disk.

use super::{Journal, JournalError};

impl Journal {
    /// Makes the next `n` writes (sale commits, attempt rows, attempt outcomes) fail with
    /// "database or disk is full" without touching the file.
    pub fn fail_next_writes(&mut self, n: u32) {
        self.failing_writes = n;
    }

    pub(super) fn injected_fault(&mut self) -> Result<(), JournalError> {
        if self.failing_writes == 0 {
            return Ok(());
        }
        self.failing_writes -= 1;
        Err(JournalError::Sqlite {
            path: self.path.clone(),
            source: rusqlite::Error::SqliteFailure(
                rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_FULL),
                Some("database or disk is full (injected fault)".into()),
            ),
        })
    }
}
