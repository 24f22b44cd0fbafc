//! Completed sales: commit with a gap-free number, read back by number.

use super::{Journal, JournalError, MigrationOrSql};
use crate::checkout::sale::CompletedSale;
use rusqlite::{Connection, OpenFlags, OptionalExtension, TransactionBehavior, params};
use std::path::Path;

/// Both maxima come from an index (migration 3), so this costs the same for any history.
const LATEST_TIME_SQL: &str = "SELECT MAX(t) FROM (SELECT MAX(completed_at) AS t FROM sales
                                UNION ALL SELECT MAX(updated_at) FROM attempts
                                UNION ALL SELECT MAX(at) FROM refund_events)";

impl Journal {
    /// Opens an existing journal for reading only (`reconcile --dry-run`): nothing is created,
    /// migrated or written, so it works beside a running counter.
    pub fn open_read_only(path: &Path) -> Result<Self, JournalError> {
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|source| JournalError::Sqlite {
            path: path.to_path_buf(),
            source,
        })?;
        let journal = Self {
            conn,
            path: path.to_path_buf(),
            failing_writes: 0,
        };
        let found: i64 = journal
            .conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .map_err(|e| journal.wrap(e.into()))?;
        if found > super::migrations::LATEST {
            return Err(journal.wrap(MigrationOrSql::TooNew(found)));
        }
        Ok(journal)
    }

    /// Commits `sale`, assigning the next sale number for its lane, and returns the stored sale.
    ///
    /// If `attempt` names a payment attempt, that attempt is marked `paid` and linked to the sale
    /// in the same transaction, so an approved payment and its sale are never seen apart.
    pub fn commit_sale(
        &mut self,
        mut sale: CompletedSale,
        attempt: Option<&str>,
    ) -> Result<CompletedSale, JournalError> {
        self.injected_fault()?;
        let result = (|| -> Result<CompletedSale, MigrationOrSql> {
            let tx = self
                .conn
                .transaction_with_behavior(TransactionBehavior::Immediate)?;
            let next: i64 = tx.query_row(
                "SELECT COALESCE(MAX(sale_no), 0) + 1 FROM sales WHERE lane_id = ?1",
                params![sale.lane_id],
                |r| r.get(0),
            )?;
            sale.sale_no = next as u64;
            let body = serde_json::to_string(&sale)
                .map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))?;
            tx.execute(
                "INSERT INTO sales (lane_id, sale_no, completed_at, total_minor, currency, tender, body)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![
                    sale.lane_id,
                    next,
                    sale.completed_at.millis(),
                    sale.total.to_minor(),
                    sale.total.currency().code(),
                    sale.tender.kind(),
                    body
                ],
            )?;
            let sale_row = tx.last_insert_rowid();
            if let Some(request_id) = attempt {
                let sale_id = tx.last_insert_rowid();
                tx.execute(
                    "UPDATE attempts SET state = 'paid', sale_id = ?2, updated_at = ?3
                     WHERE request_id = ?1",
                    params![request_id, sale_id, sale.completed_at.millis()],
                )?;
            }
            // The open shift's running totals move in the same transaction as the sale.
            super::shifts::add_sale(&tx, &sale, sale_row)?;
            tx.commit()?;
            Ok(sale)
        })();
        result.map_err(|e| self.wrap(e))
    }

    /// The sale with number `sale_no` on `lane_id`, if any (another lane's sale when it was
    /// fetched from the store to be refunded here).
    pub fn sale(&self, lane_id: &str, sale_no: u64) -> Result<Option<CompletedSale>, JournalError> {
        let body: Option<String> = self
            .conn
            .query_row(
                "SELECT body FROM sales WHERE lane_id = ?1 AND sale_no = ?2",
                params![lane_id, sale_no as i64],
                |r| r.get(0),
            )
            .optional()
            .and_then(|own| match own {
                Some(b) => Ok(Some(b)),
                None => Self::foreign_sale_body(&self.conn, lane_id, sale_no),
            })
            .map_err(|e| self.wrap(e.into()))?;
        body.map(|b| self.decode(&b)).transpose()
    }

    /// The most recent sale on `lane_id`, if any.
    pub fn last_sale(&self, lane_id: &str) -> Result<Option<CompletedSale>, JournalError> {
        let body: Option<String> = self
            .conn
            .query_row(
                "SELECT body FROM sales WHERE lane_id = ?1 ORDER BY sale_no DESC LIMIT 1",
                params![lane_id],
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| self.wrap(e.into()))?;
        body.map(|b| self.decode(&b)).transpose()
    }

    /// The latest time the journal has recorded (a sale or an attempt update), if any: a run on
    /// a virtual clock starts after it, so journal times never go backwards.
    pub fn latest_time(&self) -> Result<Option<crate::clock::Timestamp>, JournalError> {
        self.conn
            .query_row(LATEST_TIME_SQL, [], |r| r.get::<_, Option<i64>>(0))
            .map(|t| t.map(crate::clock::Timestamp))
            .map_err(|e| self.wrap(e.into()))
    }

    /// Every sale on every lane, in commit order.
    pub fn all_sales(&self) -> Result<Vec<CompletedSale>, JournalError> {
        let mut stmt = self
            .conn
            .prepare("SELECT body FROM sales ORDER BY id")
            .map_err(|e| self.wrap(e.into()))?;
        let bodies = stmt
            .query_map([], |r| r.get::<_, String>(0))
            .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
            .map_err(|e| self.wrap(e.into()))?;
        bodies.iter().map(|b| self.decode(b)).collect()
    }

    /// All sale numbers on `lane_id`, ascending (used to check the numbering is gap-free).
    pub fn sale_numbers(&self, lane_id: &str) -> Result<Vec<u64>, JournalError> {
        let mut stmt = self
            .conn
            .prepare("SELECT sale_no FROM sales WHERE lane_id = ?1 ORDER BY sale_no")
            .map_err(|e| self.wrap(e.into()))?;
        let rows = stmt
            .query_map(params![lane_id], |r| r.get::<_, i64>(0))
            .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
            .map_err(|e| self.wrap(e.into()))?;
        Ok(rows.into_iter().map(|n| n as u64).collect())
    }

    /// Every wallet sale ordered by its payment request id, read one row at a time: the
    /// journal side of reconciliation (see `WalletSaleCursor`).
    pub fn wallet_sale_cursor(&self) -> Result<WalletSaleCursor<'_>, JournalError> {
        let stmt = self
            .conn
            .prepare(
                "SELECT body FROM sales WHERE tender = 'wallet'
                 ORDER BY json_extract(body, '$.tender.payment_request_id'), id",
            )
            .map_err(|e| self.wrap(e.into()))?;
        Ok(WalletSaleCursor {
            journal: self,
            stmt,
        })
    }

    /// The stored state name of the attempt `request_id` (see `AttemptState::as_str`), read
    /// through the primary key.
    pub fn attempt_state_name(&self, request_id: &str) -> Result<Option<String>, JournalError> {
        self.conn
            .prepare_cached("SELECT state FROM attempts WHERE request_id = ?1")
            .and_then(|mut s| s.query_row(params![request_id], |r| r.get(0)).optional())
            .map_err(|e| self.wrap(e.into()))
    }

    /// The outcome text journaled for one attempt (by primary key).
    pub fn attempt_outcome(&self, request_id: &str) -> Result<Option<String>, JournalError> {
        self.conn
            .prepare_cached("SELECT outcome FROM attempts WHERE request_id = ?1")
            .and_then(|mut s| {
                s.query_row(params![request_id], |r| r.get::<_, Option<String>>(0))
                    .optional()
            })
            .map(Option::flatten)
            .map_err(|e| self.wrap(e.into()))
    }

    /// Attempts in one of `states` (state names), as (request id, state), through the state
    /// index: the few still open, not the history.
    pub fn attempts_in_states(
        &self,
        states: &[&str],
    ) -> Result<Vec<(String, String)>, JournalError> {
        let mut out = Vec::new();
        for state in states {
            let mut stmt = self
                .conn
                .prepare_cached(
                    "SELECT request_id, state FROM attempts WHERE state = ?1
                     ORDER BY created_at, rowid",
                )
                .map_err(|e| self.wrap(e.into()))?;
            let rows = stmt
                .query_map(params![state], |r| Ok((r.get(0)?, r.get(1)?)))
                .and_then(|rows| rows.collect::<Result<Vec<(String, String)>, _>>())
                .map_err(|e| self.wrap(e.into()))?;
            out.extend(rows);
        }
        Ok(out)
    }

    fn decode(&self, body: &str) -> Result<CompletedSale, JournalError> {
        serde_json::from_str(body).map_err(|e| self.corrupt(e))
    }
}

/// A prepared walk over the wallet sales; `sales()` runs it.
pub struct WalletSaleCursor<'a> {
    journal: &'a Journal,
    stmt: rusqlite::Statement<'a>,
}

impl WalletSaleCursor<'_> {
    /// The wallet sales in payment request id order, decoded as they are read.
    pub fn sales(
        &mut self,
    ) -> Result<impl Iterator<Item = Result<CompletedSale, JournalError>> + '_, JournalError> {
        let journal = self.journal;
        let rows = self
            .stmt
            .query_map([], |r| r.get::<_, String>(0))
            .map_err(|e| journal.wrap(e.into()))?;
        Ok(rows.map(move |body| {
            body.map_err(|e| journal.wrap(e.into()))
                .and_then(|b| journal.decode(&b))
        }))
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use crate::checkout::sale::{CompletedSale, SaleLine, SaleTender};
    use crate::clock::Timestamp;
    use crate::journal::Journal;
    use crate::money::{Currency, Money};

    fn usd(minor: i64) -> Money {
        Money::from_minor(minor, Currency::USD).unwrap()
    }

    pub(crate) fn cash_sale(lane: &str, total: i64) -> CompletedSale {
        CompletedSale {
            lane_id: lane.into(),
            sale_no: 0,
            completed_at: Timestamp(1_000),
            lines: vec![SaleLine {
                barcode: "4006381333931".into(),
                name: "Flat white".into(),
                qty: 1,
                unit_price: usd(total),
                line_total: usd(total),
                tax_category: "prepared".into(),
            }],
            subtotal: usd(total),
            tax: usd(0),
            total: usd(total),
            tax_lines: vec![],
            tender: SaleTender::Cash {
                tendered: usd(total),
                change: usd(0),
            },
        }
    }

    #[test]
    fn sale_numbers_are_gap_free_per_lane() {
        let mut j = Journal::in_memory().unwrap();
        for lane in ["03", "04", "03", "03"] {
            j.commit_sale(cash_sale(lane, 450), None).unwrap();
        }
        assert_eq!(j.sale_numbers("03").unwrap(), vec![1, 2, 3]);
        assert_eq!(j.sale_numbers("04").unwrap(), vec![1]);
        assert_eq!(j.last_sale("03").unwrap().unwrap().sale_no, 3);
    }

    #[test]
    fn a_stored_sale_reads_back_identical() {
        let mut j = Journal::in_memory().unwrap();
        let stored = j.commit_sale(cash_sale("03", 1234), None).unwrap();
        assert_eq!(j.sale("03", stored.sale_no).unwrap(), Some(stored));
        assert_eq!(j.sale("03", 99).unwrap(), None);
    }

    #[test]
    fn sales_cannot_be_rewritten() {
        let j = Journal::in_memory().unwrap();
        let mut j = j;
        j.commit_sale(cash_sale("03", 100), None).unwrap();
        let err = j.conn.execute("UPDATE sales SET total_minor = 1", []);
        assert!(err.is_err());
        let err = j.conn.execute("DELETE FROM sales", []);
        assert!(err.is_err());
    }

    #[test]
    fn start_up_reads_go_through_indexes_not_over_history() {
        let j = Journal::in_memory().unwrap();
        for sql in [
            super::LATEST_TIME_SQL,
            "SELECT state FROM attempts WHERE request_id = 'x'",
            "SELECT body FROM sales WHERE lane_id = '03' ORDER BY sale_no DESC LIMIT 1",
            "SELECT request_id FROM attempts WHERE sale_id = 1",
        ] {
            let mut stmt = j
                .conn
                .prepare(&format!("EXPLAIN QUERY PLAN {sql}"))
                .unwrap();
            let plan: Vec<String> = stmt
                .query_map([], |r| r.get::<_, String>(3))
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap();
            assert!(
                plan.iter().all(|step| !step.starts_with("SCAN")),
                "{sql}: {plan:?}"
            );
        }
    }

    #[test]
    fn reopening_a_file_keeps_sales_and_schema() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("journal.sqlite");
        {
            let mut j = Journal::open(&path).unwrap();
            j.commit_sale(cash_sale("03", 100), None).unwrap();
        }
        let mut j = Journal::open(&path).unwrap();
        let s = j.commit_sale(cash_sale("03", 200), None).unwrap();
        assert_eq!(s.sale_no, 2);
        let mode: String = j
            .conn
            .pragma_query_value(None, "journal_mode", |r| r.get(0))
            .unwrap();
        assert_eq!(mode, "wal");
    }
}
