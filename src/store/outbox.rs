//! Replication of the lane's journal to the store database. The journal's `sales` table is
//! append-only (triggers refuse updates and deletes) and ordered by its row id, so it serves as
//! the outbox: the store remembers, per lane, the highest row id it holds, and the lane sends
//! what follows. Each batch is one PostgreSQL transaction that inserts the sales (a row already
//! there is skipped by its primary key, so a batch resent after a crash or a lost commit reply
//! changes nothing), adds the inserted ones to the day's aggregates, and moves the lane's
//! position, all or nothing.

use super::StoreError;
use crate::clock::Timestamp;
use rusqlite::{OpenFlags, params};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Sales per PostgreSQL transaction.
const BATCH: i64 = 500;
/// Retry delays while the store is unreachable: doubling from the first to the cap.
const BACKOFF_FIRST: Duration = Duration::from_millis(250);
const BACKOFF_CAP: Duration = Duration::from_secs(5);
/// How often a caught-up lane looks for new sales in its journal.
const IDLE_POLL: Duration = Duration::from_millis(200);

/// Which lane this is, as the store knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LaneId {
    pub store_id: String,
    pub lane_id: String,
    /// For the business date of each sale (the store's local calendar day).
    pub utc_offset_minutes: i32,
}

impl LaneId {
    pub fn of(config: &crate::config::Config) -> LaneId {
        LaneId {
            store_id: config.store.store_id.clone(),
            lane_id: config.store.lane_id.clone(),
            utc_offset_minutes: config.store.utc_offset_minutes,
        }
    }
}

/// What the counter shows about replication.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StoreStatus {
    /// Replication has tried to reach the store at least once.
    pub tried: bool,
    /// The last attempt to reach the store worked.
    pub online: bool,
    /// Journal entries the store does not hold yet (as far as the lane knows).
    pub waiting: u64,
    pub last_error: Option<String>,
}

impl StoreStatus {
    /// The counter's one-line summary, e.g. `store offline, 3 waiting`.
    pub fn line(&self) -> String {
        if !self.tried {
            return "store: connecting".into();
        }
        match (self.online, self.waiting) {
            (true, 0) => "store online".into(),
            (true, n) => format!("store online, {n} waiting"),
            (false, n) => format!("store offline, {n} waiting"),
        }
    }
}

/// The lane's journal, opened read-only beside the counter (WAL: readers never block it).
pub fn open_journal(path: &Path) -> Result<rusqlite::Connection, StoreError> {
    let conn = rusqlite::Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.busy_timeout(Duration::from_secs(5))?;
    Ok(conn)
}

/// The store's local calendar day of `t`, `YYYY-MM-DD`.
pub fn business_date(t: Timestamp, utc_offset_minutes: i32) -> String {
    t.format_local(utc_offset_minutes)
        .chars()
        .take(10)
        .collect()
}

fn journal_head(journal: &rusqlite::Connection) -> Result<i64, StoreError> {
    Ok(journal.query_row("SELECT coalesce(max(id), 0) FROM sales", [], |r| r.get(0))?)
}

fn waiting_after(journal: &rusqlite::Connection, seq: i64) -> Result<u64, StoreError> {
    let n: i64 = journal.query_row("SELECT count(*) FROM sales WHERE id > ?1", [seq], |r| {
        r.get(0)
    })?;
    Ok(n.max(0) as u64)
}

struct Row {
    seq: i64,
    sale_no: i64,
    completed_at: i64,
    total_minor: i64,
    currency: String,
    tender: String,
    body: String,
}

fn rows_after(journal: &rusqlite::Connection, seq: i64) -> Result<Vec<Row>, StoreError> {
    let mut stmt = journal.prepare_cached(
        "SELECT id, sale_no, completed_at, total_minor, currency, tender, body
         FROM sales WHERE id > ?1 ORDER BY id LIMIT ?2",
    )?;
    let rows = stmt
        .query_map(params![seq, BATCH], |r| {
            Ok(Row {
                seq: r.get(0)?,
                sale_no: r.get(1)?,
                completed_at: r.get(2)?,
                total_minor: r.get(3)?,
                currency: r.get(4)?,
                tender: r.get(5)?,
                body: r.get(6)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// What one pass copied.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Synced {
    /// Sales inserted by this pass (a resent sale the store already held is not counted).
    pub inserted: u64,
    /// The store's position for this lane afterwards.
    pub replicated_seq: i64,
}

/// The store's position for `lane` (0 for a lane it has never heard of).
pub fn position(client: &mut postgres::Client, lane: &LaneId) -> Result<i64, StoreError> {
    let row = client.query_opt(
        "SELECT replicated_seq FROM lanes WHERE store_id = $1 AND lane_id = $2",
        &[&lane.store_id, &lane.lane_id],
    )?;
    Ok(row.map_or(0, |r| r.get(0)))
}

/// Copies everything the store lacks from `journal`, in order, batch by batch.
pub fn sync_once(
    client: &mut postgres::Client,
    journal: &rusqlite::Connection,
    lane: &LaneId,
) -> Result<Synced, StoreError> {
    let mut done = Synced {
        inserted: 0,
        replicated_seq: position(client, lane)?,
    };
    loop {
        let head = journal_head(journal)?;
        let rows = rows_after(journal, done.replicated_seq)?;
        let last = rows.last().map_or(done.replicated_seq, |r| r.seq);
        let mut tx = client.transaction()?;
        for r in &rows {
            let date = business_date(Timestamp(r.completed_at), lane.utc_offset_minutes);
            let n = tx.execute(
                "INSERT INTO sales (store_id, lane_id, seq, sale_no, completed_at, business_date,
                                    total_minor, currency, tender, body)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
                 ON CONFLICT DO NOTHING",
                &[
                    &lane.store_id,
                    &lane.lane_id,
                    &r.seq,
                    &r.sale_no,
                    &r.completed_at,
                    &date,
                    &r.total_minor,
                    &r.currency,
                    &r.tender,
                    &r.body,
                ],
            )?;
            if n == 1 {
                tx.execute(
                    "INSERT INTO day_totals AS d (store_id, business_date, lane_id, currency,
                                                  tender, sales, total_minor)
                     VALUES ($1, $2, $3, $4, $5, 1, $6)
                     ON CONFLICT (store_id, business_date, lane_id, currency, tender)
                     DO UPDATE SET sales = d.sales + 1, total_minor = d.total_minor + $6",
                    &[
                        &lane.store_id,
                        &date,
                        &lane.lane_id,
                        &r.currency,
                        &r.tender,
                        &r.total_minor,
                    ],
                )?;
                done.inserted += 1;
            }
        }
        tx.execute(
            "INSERT INTO lanes AS l (store_id, lane_id, replicated_seq, journal_seq, last_contact)
             VALUES ($1, $2, $3, $4, now())
             ON CONFLICT (store_id, lane_id) DO UPDATE SET
                 replicated_seq = greatest(l.replicated_seq, $3),
                 journal_seq = $4,
                 last_contact = now()",
            &[&lane.store_id, &lane.lane_id, &last, &head],
        )?;
        tx.commit()?;
        done.replicated_seq = done.replicated_seq.max(last);
        if (rows.len() as i64) < BATCH {
            return Ok(done);
        }
    }
}

/// The lane's replication thread: copies new sales as they are journaled, and keeps trying,
/// with backoff, while the store is unreachable. The counter reads `status()`.
pub struct Replicator {
    status: Arc<Mutex<StoreStatus>>,
    stop: Arc<AtomicBool>,
}

impl std::fmt::Debug for Replicator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Replicator")
            .field("status", &self.status())
            .finish()
    }
}

impl Replicator {
    pub fn spawn(url: String, journal_path: PathBuf, lane: LaneId) -> std::io::Result<Replicator> {
        let status = Arc::new(Mutex::new(StoreStatus::default()));
        let stop = Arc::new(AtomicBool::new(false));
        let worker = Worker {
            url,
            journal_path,
            lane,
            status: Arc::clone(&status),
            stop: Arc::clone(&stop),
        };
        std::thread::Builder::new()
            .name("store-replication".into())
            .spawn(move || worker.run())?;
        Ok(Replicator { status, stop })
    }

    pub fn status(&self) -> StoreStatus {
        self.handle().get()
    }

    /// A reader of the status for the screen, which outlives no replicator it matters for.
    pub fn handle(&self) -> StatusHandle {
        StatusHandle(Arc::clone(&self.status))
    }
}

/// Shared read access to a replicator's status (the counter's header shows its `line`).
#[derive(Debug, Clone)]
pub struct StatusHandle(Arc<Mutex<StoreStatus>>);

impl StatusHandle {
    pub fn get(&self) -> StoreStatus {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }
}

/// Two handles are equal when they read the same replicator.
impl PartialEq for StatusHandle {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl Eq for StatusHandle {}

impl Drop for Replicator {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

struct Worker {
    url: String,
    journal_path: PathBuf,
    lane: LaneId,
    status: Arc<Mutex<StoreStatus>>,
    stop: Arc<AtomicBool>,
}

impl Worker {
    fn set(&self, s: StoreStatus) {
        *self.status.lock().unwrap_or_else(|p| p.into_inner()) = s;
    }

    fn run(self) {
        let mut client: Option<postgres::Client> = None;
        let mut journal: Option<rusqlite::Connection> = None;
        // The store's position as last seen, for counting what waits while it is away.
        let mut known_seq = 0_i64;
        let mut backoff = BACKOFF_FIRST;
        while !self.stop.load(Ordering::Relaxed) {
            let result = (|| -> Result<Synced, StoreError> {
                if journal.is_none() {
                    journal = Some(open_journal(&self.journal_path)?);
                }
                if client.is_none() {
                    client = Some(super::connect(&self.url)?);
                }
                match (client.as_mut(), journal.as_ref()) {
                    (Some(c), Some(j)) => sync_once(c, j, &self.lane),
                    _ => Err(StoreError::NotInitialised),
                }
            })();
            match result {
                Ok(done) => {
                    known_seq = done.replicated_seq;
                    let waiting = journal
                        .as_ref()
                        .and_then(|j| waiting_after(j, known_seq).ok())
                        .unwrap_or(0);
                    self.set(StoreStatus {
                        tried: true,
                        online: true,
                        waiting,
                        last_error: None,
                    });
                    backoff = BACKOFF_FIRST;
                    std::thread::sleep(IDLE_POLL);
                }
                Err(e) => {
                    tracing::warn!(error = %e, "store replication failed; retrying");
                    client = None;
                    let waiting = journal
                        .as_ref()
                        .and_then(|j| waiting_after(j, known_seq).ok())
                        .unwrap_or(0);
                    self.set(StoreStatus {
                        tried: true,
                        online: false,
                        waiting,
                        last_error: Some(e.to_string()),
                    });
                    std::thread::sleep(backoff);
                    backoff = (backoff * 2).min(BACKOFF_CAP);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn business_date_is_the_local_day() {
        // 2026-11-30 23:30 UTC is already 1 December at UTC+8.
        let t = Timestamp(1_796_081_400_000);
        assert_eq!(business_date(t, 0), "2026-11-30");
        assert_eq!(business_date(t, 480), "2026-12-01");
    }

    #[test]
    fn the_status_line_says_what_waits() {
        assert_eq!(StoreStatus::default().line(), "store: connecting");
        let s = StoreStatus {
            tried: true,
            online: false,
            waiting: 3,
            last_error: None,
        };
        assert_eq!(s.line(), "store offline, 3 waiting");
    }
}
