//! Replication of the lane's journal to the store database.
//!
//! The sequence: one outbox for every kind. Journal migration 7 adds an append-only `outbox`
//! table that triggers fill in the same SQLite transaction as each final fact: a sale, a
//! shift opened, a drawer move (paid-in, paid-out, no-sale), a refund or post-void reaching
//! its final state (settled or failed; a refund still open is not sent), a Z report written.
//! Its `seq` is therefore the journal's commit order across all those tables, and one number
//! per lane says how far the store is (`lanes.replicated_seq`) and how far behind (`store
//! lanes`). We chose this over one position per table so that order holds across kinds (a
//! refund never reaches the store before its sale, a Z never before its shift's moves).
//!
//! Each batch is one PostgreSQL transaction that inserts the facts (each keyed by its own
//! journal row, so a row the store holds already is skipped and a batch resent after a crash or
//! a lost commit reply changes nothing), adds the inserted ones to the day's aggregates, and
//! moves the lane's position, all or nothing.

use super::StoreError;
use crate::clock::Timestamp;
use rusqlite::{OpenFlags, params};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Outbox entries per PostgreSQL transaction.
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
    Ok(journal.query_row("SELECT coalesce(max(seq), 0) FROM outbox", [], |r| r.get(0))?)
}

fn waiting_after(journal: &rusqlite::Connection, seq: i64) -> Result<u64, StoreError> {
    let n: i64 = journal.query_row("SELECT count(*) FROM outbox WHERE seq > ?1", [seq], |r| {
        r.get(0)
    })?;
    Ok(n.max(0) as u64)
}

/// The outbox entries after `seq`, oldest first: (seq, kind, row id in the kind's table).
fn entries_after(
    journal: &rusqlite::Connection,
    seq: i64,
) -> Result<Vec<(i64, String, i64)>, StoreError> {
    let mut stmt = journal.prepare_cached(
        "SELECT seq, kind, row_id FROM outbox WHERE seq > ?1 ORDER BY seq LIMIT ?2",
    )?;
    let rows = stmt
        .query_map(params![seq, BATCH], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// What one pass copied.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Synced {
    /// Sales inserted by this pass (a resent sale the store already held is not counted).
    pub inserted: u64,
    /// Refunds and post-voids in their final state inserted by this pass.
    pub refunds: u64,
    /// Shift openings and drawer moves (paid-in, paid-out, no-sale) inserted by this pass.
    pub shift_events: u64,
    /// Z reports inserted by this pass.
    pub z_reports: u64,
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

/// A journal row an outbox entry names is missing: the journal is damaged.
fn missing(kind: &str, row_id: i64) -> StoreError {
    StoreError::Report(format!(
        "the lane journal's outbox names {kind} row {row_id}, which is not there"
    ))
}

fn copy_sale(
    tx: &mut postgres::Transaction<'_>,
    journal: &rusqlite::Connection,
    lane: &LaneId,
    row_id: i64,
) -> Result<bool, StoreError> {
    let mut stmt = journal.prepare_cached(
        "SELECT id, sale_no, completed_at, total_minor, currency, tender, body
         FROM sales WHERE id = ?1",
    )?;
    let mut rows = stmt.query([row_id])?;
    let Some(r) = rows.next()? else {
        return Err(missing("sale", row_id));
    };
    let (seq, sale_no, completed_at, total_minor): (i64, i64, i64, i64) =
        (r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?);
    let (currency, tender, body): (String, String, String) = (r.get(4)?, r.get(5)?, r.get(6)?);
    let date = business_date(Timestamp(completed_at), lane.utc_offset_minutes);
    let n = tx.execute(
        "INSERT INTO sales (store_id, lane_id, seq, sale_no, completed_at, business_date,
                            total_minor, currency, tender, body)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
         ON CONFLICT DO NOTHING",
        &[
            &lane.store_id,
            &lane.lane_id,
            &seq,
            &sale_no,
            &completed_at,
            &date,
            &total_minor,
            &currency,
            &tender,
            &body,
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
                &currency,
                &tender,
                &total_minor,
            ],
        )?;
    }
    Ok(n == 1)
}

fn copy_refund(
    tx: &mut postgres::Transaction<'_>,
    journal: &rusqlite::Connection,
    lane: &LaneId,
    event_id: i64,
) -> Result<bool, StoreError> {
    let mut stmt = journal.prepare_cached(
        "SELECT r.id, r.refund_no, r.lane_id, r.sale_no, r.kind, e.state, r.tender,
                r.amount_minor, r.tax_minor, r.currency, e.at
         FROM refund_events e JOIN refunds r ON r.id = e.refund_id WHERE e.id = ?1",
    )?;
    let mut rows = stmt.query([event_id])?;
    let Some(r) = rows.next()? else {
        return Err(missing("refund event", event_id));
    };
    let (id, refund_no, sale_lane, sale_no): (i64, i64, String, i64) =
        (r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?);
    let (kind, state, tender): (String, String, String) = (r.get(4)?, r.get(5)?, r.get(6)?);
    let (amount, tax, currency, at): (i64, i64, String, i64) =
        (r.get(7)?, r.get(8)?, r.get(9)?, r.get(10)?);
    let date = business_date(Timestamp(at), lane.utc_offset_minutes);
    let n = tx.execute(
        "INSERT INTO lane_refunds (store_id, lane_id, refund_id, refund_no, sale_lane, sale_no,
                                   kind, state, tender, amount_minor, tax_minor, currency, at,
                                   business_date)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
         ON CONFLICT DO NOTHING",
        &[
            &lane.store_id,
            &lane.lane_id,
            &id,
            &refund_no,
            &sale_lane,
            &sale_no,
            &kind,
            &state,
            &tender,
            &amount,
            &tax,
            &currency,
            &at,
            &date,
        ],
    )?;
    Ok(n == 1)
}

fn copy_shift(
    tx: &mut postgres::Transaction<'_>,
    journal: &rusqlite::Connection,
    lane: &LaneId,
    row_id: i64,
) -> Result<bool, StoreError> {
    let mut stmt = journal
        .prepare_cached("SELECT id, cashier, opened_at, float_minor FROM shifts WHERE id = ?1")?;
    let mut rows = stmt.query([row_id])?;
    let Some(r) = rows.next()? else {
        return Err(missing("shift", row_id));
    };
    let (id, cashier, opened_at, float): (i64, String, i64, i64) =
        (r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?);
    let n = tx.execute(
        "INSERT INTO lane_shifts (store_id, lane_id, shift_id, cashier, opened_at, float_minor)
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
        &[
            &lane.store_id,
            &lane.lane_id,
            &id,
            &cashier,
            &opened_at,
            &float,
        ],
    )?;
    Ok(n == 1)
}

fn copy_move(
    tx: &mut postgres::Transaction<'_>,
    journal: &rusqlite::Connection,
    lane: &LaneId,
    row_id: i64,
) -> Result<bool, StoreError> {
    let mut stmt = journal.prepare_cached(
        "SELECT id, shift_id, kind, at, by_whom, amount_minor, reason
         FROM shift_moves WHERE id = ?1",
    )?;
    let mut rows = stmt.query([row_id])?;
    let Some(r) = rows.next()? else {
        return Err(missing("drawer move", row_id));
    };
    let (id, shift_id, kind, at): (i64, i64, String, i64) =
        (r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?);
    let (by, amount, reason): (String, i64, String) = (r.get(4)?, r.get(5)?, r.get(6)?);
    let date = business_date(Timestamp(at), lane.utc_offset_minutes);
    let n = tx.execute(
        "INSERT INTO drawer_moves (store_id, lane_id, move_id, shift_id, kind, at,
                                   business_date, by_whom, amount_minor, reason)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT DO NOTHING",
        &[
            &lane.store_id,
            &lane.lane_id,
            &id,
            &shift_id,
            &kind,
            &at,
            &date,
            &by,
            &amount,
            &reason,
        ],
    )?;
    Ok(n == 1)
}

/// Copies a Z report and, when the store did not hold it yet, adds its figures to the day's.
fn copy_z(
    tx: &mut postgres::Transaction<'_>,
    journal: &rusqlite::Connection,
    lane: &LaneId,
    row_id: i64,
) -> Result<bool, StoreError> {
    let mut stmt = journal
        .prepare_cached("SELECT z_no, shift_id, closed_at, body FROM z_reports WHERE id = ?1")?;
    let mut rows = stmt.query([row_id])?;
    let Some(r) = rows.next()? else {
        return Err(missing("Z report", row_id));
    };
    let (z_no, shift_id, closed_at, body): (i64, i64, i64, String) =
        (r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?);
    let report: crate::report::Report = serde_json::from_str(&body).map_err(|e| {
        StoreError::Report(format!(
            "Z{z_no} of lane {} in the journal: {e}",
            lane.lane_id
        ))
    })?;
    let figures = super::z_figures::flatten(&report)?;
    let date = business_date(Timestamp(closed_at), lane.utc_offset_minutes);
    let n = tx.execute(
        "INSERT INTO z_reports (store_id, lane_id, z_no, shift_id, closed_at, business_date,
                                currency, body)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING",
        &[
            &lane.store_id,
            &lane.lane_id,
            &z_no,
            &shift_id,
            &closed_at,
            &date,
            &report.currency,
            &body,
        ],
    )?;
    if n == 1 {
        for f in figures {
            tx.execute(
                "INSERT INTO z_day_figures AS d (store_id, business_date, lane_id, currency, key,
                                                 currency2, label, count, amount_minor,
                                                 amount2_minor)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
                 ON CONFLICT (store_id, business_date, lane_id, currency, key, currency2)
                 DO UPDATE SET count = d.count + $8, amount_minor = d.amount_minor + $9,
                               amount2_minor = d.amount2_minor + $10",
                &[
                    &lane.store_id,
                    &date,
                    &lane.lane_id,
                    &report.currency,
                    &f.key,
                    &f.currency2,
                    &f.label,
                    &f.count,
                    &f.amount_minor,
                    &f.amount2_minor,
                ],
            )?;
        }
    }
    Ok(n == 1)
}

/// Copies everything the store lacks from `journal`'s outbox, in order, batch by batch.
pub fn sync_once(
    client: &mut postgres::Client,
    journal: &rusqlite::Connection,
    lane: &LaneId,
) -> Result<Synced, StoreError> {
    let mut done = Synced {
        replicated_seq: position(client, lane)?,
        ..Synced::default()
    };
    loop {
        let head = journal_head(journal)?;
        let entries = entries_after(journal, done.replicated_seq)?;
        let last = entries.last().map_or(done.replicated_seq, |e| e.0);
        let mut tx = client.transaction()?;
        // Counted only once the batch commits.
        let mut batch = Synced::default();
        for (_, kind, row_id) in &entries {
            let t = &mut tx;
            match kind.as_str() {
                "sale" => batch.inserted += u64::from(copy_sale(t, journal, lane, *row_id)?),
                "refund" => batch.refunds += u64::from(copy_refund(t, journal, lane, *row_id)?),
                "shift" => batch.shift_events += u64::from(copy_shift(t, journal, lane, *row_id)?),
                "move" => batch.shift_events += u64::from(copy_move(t, journal, lane, *row_id)?),
                "z" => batch.z_reports += u64::from(copy_z(t, journal, lane, *row_id)?),
                other => {
                    return Err(StoreError::Report(format!(
                        "the lane journal's outbox holds an unknown kind {other:?}: upgrade qrtill"
                    )));
                }
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
        done.inserted += batch.inserted;
        done.refunds += batch.refunds;
        done.shift_events += batch.shift_events;
        done.z_reports += batch.z_reports;
        done.replicated_seq = done.replicated_seq.max(last);
        if (entries.len() as i64) < BATCH {
            return Ok(done);
        }
    }
}

/// The lane's replication thread: copies new facts as they are journaled, and keeps trying,
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
    pub fn spawn(
        pool: super::Pool,
        journal_path: PathBuf,
        lane: LaneId,
    ) -> std::io::Result<Replicator> {
        let status = Arc::new(Mutex::new(StoreStatus::default()));
        let stop = Arc::new(AtomicBool::new(false));
        let worker = Worker {
            pool,
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
    /// A status no replicator writes yet: a screen's, until `set`.
    pub fn new(status: StoreStatus) -> StatusHandle {
        StatusHandle(Arc::new(Mutex::new(status)))
    }

    pub fn get(&self) -> StoreStatus {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    pub fn set(&self, status: StoreStatus) {
        *self.0.lock().unwrap_or_else(|p| p.into_inner()) = status;
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
    pool: super::Pool,
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
        // Held while replication works; given back (or dropped, if it broke) on a failure.
        let mut client: Option<super::Pooled> = None;
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
                    client = Some(self.pool.get()?);
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
