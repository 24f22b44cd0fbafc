//! The merchant journal: SQLite in WAL mode with `synchronous=FULL`, so a sale is on disk before
//! the screen says it is paid. Migrations are tracked in `PRAGMA user_version`.
//!
//! Sale numbers are assigned inside the same `BEGIN IMMEDIATE` transaction that inserts the
//! sale, so they are gap-free per lane and a killed process leaves either the whole sale or none.

mod attempts;
mod faults;
mod foreign;
mod history;
mod migrations;
mod refunds;
mod sales;
mod shifts;
mod unmatched;

pub use attempts::{AttemptOutcome, AttemptRecord, AttemptState};
pub use history::SaleListing;
pub use refunds::{
    BeginRefund, NewRefund, RefundEvent, RefundKind, RefundLine, RefundRecord, RefundState,
    RefundSummary,
};
pub use shifts::{ShiftData, ShiftError, ShiftRow, TotalRow, ZRow};

use rusqlite::Connection;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    #[error("journal {path}: {source}")]
    Sqlite {
        path: PathBuf,
        #[source]
        source: rusqlite::Error,
    },
    #[error(
        "journal {path}: stored record is unreadable ({detail}); the file may be from a newer qrtill"
    )]
    Corrupt { path: PathBuf, detail: String },
    #[error(
        "journal {path}: schema version {found} is newer than this qrtill understands ({supported})"
    )]
    TooNew {
        path: PathBuf,
        found: i64,
        supported: i64,
    },
    /// The file failed the checks before opening (not ours, damaged, newer); it was not touched.
    #[error(transparent)]
    File(#[from] crate::data_dir::StoreFileError),
}

/// How the data directory's checks know a journal file.
pub const JOURNAL_FILE: crate::data_dir::StoreKind = crate::data_dir::StoreKind {
    label: "journal",
    // "QRTJ": qrtill's journal.
    application_id: 0x5152_544A,
    supported: migrations::LATEST,
    schema_version: migrations::stored_version,
};

pub struct Journal {
    conn: Connection,
    path: PathBuf,
    /// Writes still to refuse (`fail_next_writes`, for fault tests).
    failing_writes: u32,
}

impl Journal {
    /// Opens (creating if needed, mode 0600) the journal at `path` and brings its schema up to
    /// date. A file that is not a qrtill journal, is damaged or is newer is refused untouched.
    pub fn open(path: &Path) -> Result<Self, JournalError> {
        crate::data_dir::prepare(path, &JOURNAL_FILE)?;
        let conn = Connection::open(path).map_err(|source| JournalError::Sqlite {
            path: path.to_path_buf(),
            source,
        })?;
        Self::init(conn, path.to_path_buf())
    }

    /// A journal in memory, for tests and benchmarks that do not need durability.
    pub fn in_memory() -> Result<Self, JournalError> {
        let conn = Connection::open_in_memory().map_err(|source| JournalError::Sqlite {
            path: PathBuf::from(":memory:"),
            source,
        })?;
        Self::init(conn, PathBuf::from(":memory:"))
    }

    fn init(conn: Connection, path: PathBuf) -> Result<Self, JournalError> {
        let mut journal = Self {
            conn,
            path,
            failing_writes: 0,
        };
        journal.configure()?;
        migrations::migrate(&mut journal.conn).map_err(|e| journal.wrap(e))?;
        Ok(journal)
    }

    fn configure(&self) -> Result<(), JournalError> {
        // WAL + FULL: every commit is fsynced; WAL + NORMAL could lose the last commits.
        self.conn
            .pragma_update(None, "journal_mode", "WAL")
            .and_then(|_| self.conn.pragma_update(None, "synchronous", "FULL"))
            .and_then(|_| self.conn.pragma_update(None, "foreign_keys", "ON"))
            .and_then(|_| self.conn.busy_timeout(std::time::Duration::from_secs(5)))
            .map_err(|e| self.wrap(e.into()))
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn wrap(&self, e: MigrationOrSql) -> JournalError {
        match e {
            MigrationOrSql::Sql(source) => JournalError::Sqlite {
                path: self.path.clone(),
                source,
            },
            MigrationOrSql::TooNew(found) => JournalError::TooNew {
                path: self.path.clone(),
                found,
                supported: migrations::LATEST,
            },
        }
    }

    fn corrupt(&self, detail: impl ToString) -> JournalError {
        JournalError::Corrupt {
            path: self.path.clone(),
            detail: detail.to_string(),
        }
    }
}

/// Internal error before a path is attached.
#[derive(Debug)]
enum MigrationOrSql {
    Sql(rusqlite::Error),
    TooNew(i64),
}

impl From<rusqlite::Error> for MigrationOrSql {
    fn from(e: rusqlite::Error) -> Self {
        MigrationOrSql::Sql(e)
    }
}
