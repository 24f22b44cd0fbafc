//! The store ledger on PostgreSQL. Lanes stay offline-first: a sale is approved once the lane's
//! SQLite journal holds it; the journal's append-only `outbox` (sales, final refunds and
//! post-voids, shift events, Z reports, in commit order) is then copied to PostgreSQL by
//! `outbox::Replicator`, each fact keyed by (store, lane, journal row) so a copy repeated after
//! a crash or a lost reply changes nothing.

pub mod catalog;
pub mod catalog_watch;
pub mod cross_lane;
pub mod migrations;
pub mod outbox;
pub mod refunds;
pub mod report;
pub mod z_figures;

use std::time::Duration;

pub use outbox::{Replicator, StatusHandle, StoreStatus, sync_once};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("store.url: {0}")]
    Url(String),
    #[error("store database: {0}")]
    Db(#[from] postgres::Error),
    #[error("lane journal: {0}")]
    Journal(#[from] rusqlite::Error),
    #[error(
        "the store database has schema version {found}; this qrtill knows up to {known}: upgrade qrtill"
    )]
    TooNew { found: i64, known: i64 },
    #[error("the store database has no qrtill schema (or an older one): run `qrtill store init`")]
    NotInitialised,
    #[error("report: {0}")]
    Report(String),
}

/// How long a lane waits for the store server before it counts as offline.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);

/// One connection to the store database named by `url` (`postgres://user@host:port/db`).
pub fn connect(url: &str) -> Result<postgres::Client, StoreError> {
    let mut config: postgres::Config = url.parse().map_err(|e: postgres::Error| {
        StoreError::Url(format!(
            "\"{url}\": {e} (use postgres://USER@HOST:PORT/DATABASE)"
        ))
    })?;
    config.connect_timeout(CONNECT_TIMEOUT);
    Ok(config.connect(postgres::NoTls)?)
}
