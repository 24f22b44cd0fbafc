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
    #[error("store database: {0}")]
    Pool(#[from] r2d2::Error),
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

/// How long the refund desk waits for a connection while replication's last attempt failed:
/// enough to take one the pool already holds or opens at once, not the connect timeout.
const KNOWN_DOWN_WAIT: Duration = Duration::from_millis(250);

/// How long the refund desk waits for a pooled connection, given what replication last saw
/// (`None` without a replicator, as in `qrtill refund`). The counter's header says
/// "store offline" exactly when this is the short wait, so a cashier who scans another lane's
/// receipt then is told at once instead of after the connect timeout.
pub fn connection_wait(status: Option<&StoreStatus>) -> Duration {
    match status {
        Some(s) if s.tried && !s.online => KNOWN_DOWN_WAIT,
        _ => CONNECT_TIMEOUT,
    }
}

/// Connections a lane keeps to the store: one each for replication, the catalogue watch and
/// the refund desk, which never wait on each other.
const LANE_CONNECTIONS: u32 = 3;

/// The lane's pooled connections to the store (r2d2). Cloning shares the pool.
pub type Pool = r2d2::Pool<r2d2_postgres::PostgresConnectionManager<postgres::NoTls>>;
/// A connection borrowed from the pool; it goes back when dropped, unless it broke.
pub type Pooled = r2d2::PooledConnection<r2d2_postgres::PostgresConnectionManager<postgres::NoTls>>;

fn config(url: &str) -> Result<postgres::Config, StoreError> {
    let mut config: postgres::Config = url.parse().map_err(|e: postgres::Error| {
        StoreError::Url(format!(
            "\"{url}\": {e} (use postgres://USER@HOST:PORT/DATABASE)"
        ))
    })?;
    config.connect_timeout(CONNECT_TIMEOUT);
    Ok(config)
}

/// One connection to the store database named by `url` (`postgres://user@host:port/db`), for
/// the one-shot `qrtill store` commands.
pub fn connect(url: &str) -> Result<postgres::Client, StoreError> {
    Ok(config(url)?.connect(postgres::NoTls)?)
}

/// The lane's pool for `url`. It opens no connection here (a lane starts while the store is
/// down) and keeps one ready once the store answers; a connection that broke (the server
/// restarted) is dropped when it comes back, and `get` waits at most the connect timeout.
pub fn pool(url: &str) -> Result<Pool, StoreError> {
    let manager = r2d2_postgres::PostgresConnectionManager::new(config(url)?, postgres::NoTls);
    Ok(r2d2::Pool::builder()
        .max_size(LANE_CONNECTIONS)
        .min_idle(Some(1))
        .connection_timeout(CONNECT_TIMEOUT)
        .error_handler(Box::new(LogErrors))
        .build_unchecked(manager))
}

/// r2d2's background connection attempts fail while the store is down: a debug line each (the
/// threads that need the store warn once per failed try already).
#[derive(Debug)]
struct LogErrors;

impl r2d2::HandleError<postgres::Error> for LogErrors {
    fn handle_error(&self, error: postgres::Error) {
        tracing::debug!(%error, "store connection not opened");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seen(tried: bool, online: bool) -> StoreStatus {
        StoreStatus {
            tried,
            online,
            ..StoreStatus::default()
        }
    }

    #[test]
    fn the_desk_waits_briefly_only_while_replication_finds_the_store_down() {
        assert_eq!(
            connection_wait(Some(&seen(true, false))),
            Duration::from_millis(250)
        );
        // No replicator (`qrtill refund`), not tried yet, or last seen up: the connect timeout.
        assert_eq!(connection_wait(None), Duration::from_secs(3));
        assert_eq!(
            connection_wait(Some(&seen(false, false))),
            Duration::from_secs(3)
        );
        assert_eq!(
            connection_wait(Some(&seen(true, true))),
            Duration::from_secs(3)
        );
    }
}
