//! Checks a SQLite file of the data directory before qrtill writes to it: a file that is not a
//! database, is cut short, belongs to another program, or was written by a newer qrtill is
//! refused with its name and what to do, and is never modified.
//!
//! qrtill marks its files with `PRAGMA application_id`. A file from an older qrtill has no mark;
//! it is recognised by its own tables (see `StoreKind::schema_version`) and marked on first open.

use rusqlite::{Connection, OpenFlags, OptionalExtension};
use std::io::Read;
use std::path::{Path, PathBuf};

/// What one of qrtill's database files is, for the checks.
#[derive(Debug, Clone, Copy)]
pub struct StoreKind {
    /// What the user knows it as, e.g. "journal".
    pub label: &'static str,
    pub application_id: i32,
    /// The newest schema version this build understands.
    pub supported: i64,
    /// The schema version stored in a file of this kind, or `None` when the file holds none of
    /// this kind's tables.
    pub schema_version: fn(&Connection) -> rusqlite::Result<Option<i64>>,
}

#[derive(Debug, thiserror::Error)]
pub enum StoreFileError {
    #[error(
        "the {label} {} is {problem}. Move it aside (or restore a backup) and restart: qrtill will create a fresh {label}",
        path.display()
    )]
    Unusable {
        label: &'static str,
        path: PathBuf,
        problem: String,
    },
    #[error(
        "the {label} {} has schema version {found}, newer than this qrtill understands ({supported}): run the newer qrtill, or move the file aside and restart to start a fresh {label}",
        path.display()
    )]
    TooNew {
        label: &'static str,
        path: PathBuf,
        found: i64,
        supported: i64,
    },
    #[error("the {label} {}: {source}", path.display())]
    Io {
        label: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("the {label} {}: {source}", path.display())]
    Sqlite {
        label: &'static str,
        path: PathBuf,
        #[source]
        source: rusqlite::Error,
    },
}

const MAGIC: &[u8; 16] = b"SQLite format 3\0";

/// Checks `path` (see the module comment); creates it empty with mode 0600 if it is missing,
/// and marks a file without a mark as qrtill's. On error nothing was written to the file.
pub fn prepare(path: &Path, kind: &StoreKind) -> Result<(), StoreFileError> {
    let mark_needed = is_unmarked(path, kind)?;
    super::create_private_file(path).map_err(|source| StoreFileError::Io {
        label: kind.label,
        path: path.to_path_buf(),
        source,
    })?;
    if mark_needed {
        let sql = |source| StoreFileError::Sqlite {
            label: kind.label,
            path: path.to_path_buf(),
            source,
        };
        let conn = Connection::open(path).map_err(sql)?;
        // A reader (`receipt`) may be opening the same new file at this moment.
        conn.busy_timeout(std::time::Duration::from_secs(5))
            .map_err(sql)?;
        conn.pragma_update(None, "application_id", kind.application_id)
            .map_err(sql)?;
    }
    Ok(())
}

/// Checks `path` without creating or writing anything (a missing file passes).
pub fn check(path: &Path, kind: &StoreKind) -> Result<(), StoreFileError> {
    is_unmarked(path, kind).map(|_| ())
}

/// `Ok(true)` when the file is usable and not yet marked as qrtill's.
fn is_unmarked(path: &Path, kind: &StoreKind) -> Result<bool, StoreFileError> {
    let unusable = |problem: String| StoreFileError::Unusable {
        label: kind.label,
        path: path.to_path_buf(),
        problem,
    };
    let len = match std::fs::metadata(path) {
        Ok(m) if !m.is_file() => return Err(unusable("not a regular file".into())),
        Ok(m) => m.len(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(true),
        Err(source) => {
            return Err(StoreFileError::Io {
                label: kind.label,
                path: path.to_path_buf(),
                source,
            });
        }
    };
    // SQLite treats an empty file as an empty database; qrtill creates its files empty.
    if len == 0 {
        return Ok(true);
    }
    let mut header = [0u8; 100];
    let read = std::fs::File::open(path).and_then(|mut f| f.read_exact(&mut header));
    if read.is_err() || &header[..16] != MAGIC {
        return Err(unusable(format!(
            "not a SQLite database ({len} bytes that do not start with a SQLite header)"
        )));
    }
    if let Some(problem) = truncation(&header, len, &wal_path(path)) {
        return Err(unusable(problem));
    }
    // Read-only: a refused file must stay as it was.
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let broken = |e: rusqlite::Error| unusable(format!("unreadable as a database ({e})"));
    let conn = Connection::open_with_flags(path, flags).map_err(broken)?;
    let app_id: i32 = conn
        .pragma_query_value(None, "application_id", |r| r.get(0))
        .map_err(broken)?;
    let tables = table_names(&conn).map_err(broken)?;
    let version = if tables.is_empty() {
        None
    } else {
        (kind.schema_version)(&conn).map_err(broken)?
    };
    if app_id != kind.application_id && app_id != 0 {
        return Err(unusable(format!(
            "another program's SQLite file (application_id {app_id:#010x}, not qrtill's {:#010x})",
            kind.application_id
        )));
    }
    if app_id == 0 && !tables.is_empty() && version.is_none() {
        return Err(unusable(format!(
            "another program's SQLite file (its tables: {}; none is a qrtill {})",
            tables.join(", "),
            kind.label
        )));
    }
    if let Some(found) = version.filter(|v| *v > kind.supported) {
        return Err(StoreFileError::TooNew {
            label: kind.label,
            path: path.to_path_buf(),
            found,
            supported: kind.supported,
        });
    }
    Ok(app_id == 0)
}

/// A file shorter than its header says, with no write-ahead log that could hold the rest.
/// SQLite writes whole pages, so a length that is not a multiple of the page size is cut too.
fn truncation(header: &[u8; 100], len: u64, wal: &Path) -> Option<String> {
    let be32 = |at: usize| {
        u32::from_be_bytes([header[at], header[at + 1], header[at + 2], header[at + 3]])
    };
    let page_size = match u16::from_be_bytes([header[16], header[17]]) {
        1 => 65_536u64,
        n if n >= 512 && n.is_power_of_two() => u64::from(n),
        n => return Some(format!("damaged (page size {n} in its header)")),
    };
    let cut = || Some(format!("cut short ({len} bytes; its header says more)"));
    if !len.is_multiple_of(page_size) {
        return cut();
    }
    let wal_holds_pages = std::fs::metadata(wal).map(|m| m.len() > 0).unwrap_or(false);
    // The page count is valid only when the "version valid for" field matches the change counter.
    let pages = u64::from(be32(28));
    if !wal_holds_pages && be32(92) == be32(24) && pages > 0 && len < pages * page_size {
        return cut();
    }
    None
}

fn wal_path(path: &Path) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push("-wal");
    PathBuf::from(s)
}

fn table_names(conn: &Connection) -> rusqlite::Result<Vec<String>> {
    let mut stmt = conn.prepare(
        "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
    )?;
    stmt.query_map([], |r| r.get(0))?.collect()
}

/// Whether every one of `tables` exists: how a `schema_version` function tells its own files.
pub fn has_tables(conn: &Connection, tables: &[&str]) -> rusqlite::Result<bool> {
    for name in tables {
        let found: Option<i64> = conn
            .query_row(
                "SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = ?1",
                [name],
                |r| r.get(0),
            )
            .optional()?;
        if found.is_none() {
            return Ok(false);
        }
    }
    Ok(true)
}
