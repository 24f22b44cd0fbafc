//! Shifts, drawer moves, running totals and Z reports (migration 6).
//!
//! A sale joins the lane's open shift inside `commit_sale`'s transaction (`add_sale`), which
//! bumps a few keyed rows of `shift_totals`; X and Z reports read those rows, never the sale
//! bodies. A shift is open until its Z report row exists; at most one is open per lane, and it
//! is always the lane's latest.

use super::{Journal, JournalError, MigrationOrSql};
use crate::checkout::sale::{CompletedSale, SaleTender};
use crate::clock::Timestamp;
use crate::shift::{CashMove, Count, MoveKind};
use rusqlite::{OptionalExtension, Transaction, TransactionBehavior, params};

#[derive(Debug, thiserror::Error)]
pub enum ShiftError {
    #[error(transparent)]
    Journal(#[from] JournalError),
    #[error("shift {shift} is already open on lane {lane} (since it was opened by {cashier})")]
    AlreadyOpen {
        lane: String,
        shift: i64,
        cashier: String,
    },
    #[error("no shift is open on lane {lane}: open one first (qrtill shift open)")]
    NoOpenShift { lane: String },
    #[error("shift {0} does not exist")]
    NoSuchShift(i64),
}

/// One shift as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShiftRow {
    pub id: i64,
    pub lane_id: String,
    pub cashier: String,
    pub opened_at: Timestamp,
    pub float: Count,
}

/// One keyed running total (see `add_sale` for the keys).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TotalRow {
    pub key: String,
    pub currency2: String,
    pub label: String,
    pub count: i64,
    pub amount_minor: i64,
    pub amount2_minor: i64,
}

/// A written Z report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZRow {
    pub lane_id: String,
    pub z_no: i64,
    pub shift_id: i64,
    pub closed_at: Timestamp,
    pub body: String,
}

/// Everything a report needs about one shift, read without touching a sale body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShiftData {
    pub shift: ShiftRow,
    pub moves: Vec<CashMove>,
    pub totals: Vec<TotalRow>,
}

/// Adds `amount` to one keyed total of `shift`.
#[allow(clippy::too_many_arguments)]
fn bump(
    tx: &Transaction<'_>,
    shift: i64,
    key: &str,
    currency2: &str,
    label: &str,
    count: i64,
    amount: i64,
    amount2: i64,
) -> rusqlite::Result<()> {
    tx.prepare_cached(
        "INSERT INTO shift_totals (shift_id, key, currency2, label, count, amount_minor, amount2_minor)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT (shift_id, key, currency2) DO UPDATE SET
             count = count + excluded.count,
             amount_minor = amount_minor + excluded.amount_minor,
             amount2_minor = amount2_minor + excluded.amount2_minor",
    )?
    .execute(params![shift, key, currency2, label, count, amount, amount2])?;
    Ok(())
}

/// The open shift's id on `lane`, inside a transaction.
fn open_shift_id(tx: &rusqlite::Connection, lane: &str) -> rusqlite::Result<Option<i64>> {
    tx.prepare_cached(
        "SELECT s.id FROM (SELECT id FROM shifts WHERE lane_id = ?1 ORDER BY id DESC LIMIT 1) s
         WHERE NOT EXISTS (SELECT 1 FROM z_reports z WHERE z.shift_id = s.id)",
    )?
    .query_row(params![lane], |r| r.get(0))
    .optional()
}

/// Joins a just-inserted sale (row `sale_row`) to its lane's open shift and moves the running
/// totals. Keys: `sales` (count, total, tax in amount2), `first_sale`/`last_sale` (count = sale
/// number), `tender:cash`, `tender:card:BRAND`, `tender:wallet:BRAND` (amount2 in the wallet
/// currency `currency2`), `tax:LABEL@RATE`, `hour:H` (H = hours since the epoch, UTC),
/// `item:BARCODE` (count = quantity), `promo:wallet`/`promo:merchant`. A sale outside any shift
/// joins none.
pub(super) fn add_sale(
    tx: &Transaction<'_>,
    sale: &CompletedSale,
    sale_row: i64,
) -> rusqlite::Result<()> {
    let Some(shift) = open_shift_id(tx, &sale.lane_id)? else {
        return Ok(());
    };
    tx.prepare_cached("INSERT INTO shift_sales (sale_id, shift_id) VALUES (?1, ?2)")?
        .execute(params![sale_row, shift])?;
    let total = sale.total.to_minor();
    bump(tx, shift, "sales", "", "", 1, total, sale.tax.to_minor())?;
    let no = sale.sale_no as i64;
    tx.prepare_cached(
        "INSERT INTO shift_totals (shift_id, key, currency2, label, count, amount_minor, amount2_minor)
         VALUES (?1, 'first_sale', '', '', ?2, 0, 0) ON CONFLICT DO NOTHING",
    )?
    .execute(params![shift, no])?;
    tx.prepare_cached(
        "INSERT INTO shift_totals (shift_id, key, currency2, label, count, amount_minor, amount2_minor)
         VALUES (?1, 'last_sale', '', '', ?2, 0, 0)
         ON CONFLICT (shift_id, key, currency2) DO UPDATE SET count = excluded.count",
    )?
    .execute(params![shift, no])?;
    match &sale.tender {
        SaleTender::Cash { .. } => bump(tx, shift, "tender:cash", "", "Cash", 1, total, 0)?,
        SaleTender::Card(c) => {
            let key = format!("tender:card:{}", c.brand);
            bump(tx, shift, &key, "", &c.brand, 1, c.amount.to_minor(), 0)?
        }
        SaleTender::Wallet(w) => {
            let key = format!("tender:wallet:{}", w.brand);
            let (cur2, amount2) = match &w.wallet_amount {
                Some(m) => (m.currency().code(), m.to_minor()),
                None => ("", 0),
            };
            bump(
                tx,
                shift,
                &key,
                cur2,
                &w.brand,
                1,
                w.amount.to_minor(),
                amount2,
            )?;
            if let Some(p) = &w.promotion {
                let (key, label) = match p.funded_by {
                    crate::network::FundedBy::Wallet => ("promo:wallet", "Wallet-funded"),
                    crate::network::FundedBy::Merchant => ("promo:merchant", "Merchant-funded"),
                };
                bump(tx, shift, key, "", label, 1, p.amount.to_minor(), 0)?;
            }
        }
    }
    for t in &sale.tax_lines {
        let key = format!("tax:{}@{}", t.label, t.rate);
        bump(tx, shift, &key, "", &t.label, 1, t.amount.to_minor(), 0)?;
    }
    // Per UTC quarter hour: the report groups them by the store's local hour, whatever the
    // offset (report/figures.rs `hourly_figures`).
    let quarter = sale.completed_at.millis().div_euclid(900_000);
    bump(tx, shift, &format!("q15:{quarter}"), "", "", 1, total, 0)?;
    for l in &sale.lines {
        let key = format!("item:{}", l.barcode);
        bump(
            tx,
            shift,
            &key,
            "",
            &l.name,
            i64::from(l.qty),
            l.line_total.to_minor(),
            0,
        )?;
    }
    Ok(())
}

impl Journal {
    fn sql<T>(&self, r: rusqlite::Result<T>) -> Result<T, JournalError> {
        r.map_err(|e| self.wrap(e.into()))
    }

    /// The open shift on `lane`, if any (after a crash too: nothing closes a shift but its Z).
    pub fn open_shift(&self, lane: &str) -> Result<Option<ShiftRow>, JournalError> {
        let id = self.sql(open_shift_id(&self.conn, lane))?;
        id.map(|id| self.shift_row(id)).transpose()
    }

    fn shift_row(&self, id: i64) -> Result<ShiftRow, JournalError> {
        let row = self.sql(
            self.conn
                .prepare_cached(
                    "SELECT lane_id, cashier, opened_at, float_count FROM shifts WHERE id = ?1",
                )
                .and_then(|mut s| {
                    s.query_row(params![id], |r| {
                        Ok((
                            r.get::<_, String>(0)?,
                            r.get::<_, String>(1)?,
                            r.get::<_, i64>(2)?,
                            r.get::<_, String>(3)?,
                        ))
                    })
                }),
        )?;
        let float: Count = serde_json::from_str(&row.3).map_err(|e| self.corrupt(e))?;
        Ok(ShiftRow {
            id,
            lane_id: row.0,
            cashier: row.1,
            opened_at: Timestamp(row.2),
            float,
        })
    }

    /// Opens a shift on `lane` with a counted float. Refused while one is open there.
    pub fn open_shift_with(
        &mut self,
        lane: &str,
        cashier: &str,
        float: &Count,
        now: Timestamp,
    ) -> Result<ShiftRow, ShiftError> {
        self.injected_fault()?;
        let body = serde_json::to_string(float).map_err(|e| self.corrupt(e))?;
        let result = (|| -> Result<Result<i64, (i64, String)>, MigrationOrSql> {
            let tx = self
                .conn
                .transaction_with_behavior(TransactionBehavior::Immediate)?;
            if let Some(open) = open_shift_id(&tx, lane)? {
                let who: String =
                    tx.query_row("SELECT cashier FROM shifts WHERE id = ?1", [open], |r| {
                        r.get(0)
                    })?;
                return Ok(Err((open, who)));
            }
            tx.execute(
                "INSERT INTO shifts (lane_id, cashier, opened_at, float_minor, float_count)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![lane, cashier, now.millis(), float.total_minor(), body],
            )?;
            let id = tx.last_insert_rowid();
            tx.commit()?;
            Ok(Ok(id))
        })();
        match result.map_err(|e| self.wrap(e))? {
            Ok(id) => Ok(self.shift_row(id)?),
            Err((shift, cashier)) => Err(ShiftError::AlreadyOpen {
                lane: lane.into(),
                shift,
                cashier,
            }),
        }
    }

    /// Journals a paid-in, paid-out or no-sale on the open shift of `lane`.
    pub fn record_move(&mut self, lane: &str, mv: &CashMove) -> Result<(), ShiftError> {
        self.injected_fault()?;
        let Some(shift) = self.open_shift(lane)? else {
            return Err(ShiftError::NoOpenShift { lane: lane.into() });
        };
        let r = self.conn.execute(
            "INSERT INTO shift_moves (shift_id, kind, at, by_whom, approved_by, amount_minor, reason)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                shift.id,
                mv.kind.as_str(),
                mv.at.millis(),
                mv.by,
                mv.approved_by,
                mv.amount_minor,
                mv.reason
            ],
        );
        self.sql(r)?;
        Ok(())
    }

    /// The shift, its drawer moves and its running totals.
    pub fn shift_data(&self, shift_id: i64) -> Result<ShiftData, ShiftError> {
        let exists: Option<i64> = self.sql(
            self.conn
                .query_row("SELECT id FROM shifts WHERE id = ?1", [shift_id], |r| {
                    r.get(0)
                })
                .optional(),
        )?;
        if exists.is_none() {
            return Err(ShiftError::NoSuchShift(shift_id));
        }
        let shift = self.shift_row(shift_id)?;
        let mut stmt = self.sql(self.conn.prepare_cached(
            "SELECT kind, at, by_whom, approved_by, amount_minor, reason FROM shift_moves
             WHERE shift_id = ?1 ORDER BY id",
        ))?;
        let raw = self.sql(
            stmt.query_map([shift_id], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, Option<String>>(3)?,
                    r.get::<_, i64>(4)?,
                    r.get::<_, String>(5)?,
                ))
            })
            .and_then(|rows| rows.collect::<Result<Vec<_>, _>>()),
        )?;
        let mut moves = Vec::with_capacity(raw.len());
        for (kind, at, by, approved_by, amount_minor, reason) in raw {
            let kind = MoveKind::parse(&kind)
                .ok_or_else(|| self.corrupt(format!("drawer move kind '{kind}'")))?;
            moves.push(CashMove {
                kind,
                at: Timestamp(at),
                by,
                approved_by,
                amount_minor,
                reason,
            });
        }
        let mut stmt = self.sql(self.conn.prepare_cached(
            "SELECT key, currency2, label, count, amount_minor, amount2_minor FROM shift_totals
             WHERE shift_id = ?1 ORDER BY key, currency2",
        ))?;
        let totals = self.sql(
            stmt.query_map([shift_id], |r| {
                Ok(TotalRow {
                    key: r.get(0)?,
                    currency2: r.get(1)?,
                    label: r.get(2)?,
                    count: r.get(3)?,
                    amount_minor: r.get(4)?,
                    amount2_minor: r.get(5)?,
                })
            })
            .and_then(|rows| rows.collect::<Result<Vec<_>, _>>()),
        )?;
        Ok(ShiftData {
            shift,
            moves,
            totals,
        })
    }

    /// Closes the open shift on `lane` with the blind count and writes its Z report, numbered
    /// next on the lane, in one transaction. `make_body(z_no, data)` renders the stored body from
    /// the figures read inside that transaction, so no sale can slip in between.
    pub fn close_shift<F>(
        &mut self,
        lane: &str,
        counted: &Count,
        closed_by: &str,
        approved_by: Option<&str>,
        now: Timestamp,
        make_body: F,
    ) -> Result<ZRow, ShiftError>
    where
        F: FnOnce(i64, &ShiftData) -> String,
    {
        self.injected_fault()?;
        let counted_text = serde_json::to_string(counted).map_err(|e| self.corrupt(e))?;
        // Hold the write lock while reading the figures and writing the Z.
        self.sql(self.conn.execute_batch("BEGIN IMMEDIATE"))?;
        let result = (|| -> Result<ZRow, ShiftError> {
            let Some(shift) = self.open_shift(lane)? else {
                return Err(ShiftError::NoOpenShift { lane: lane.into() });
            };
            let data = self.shift_data(shift.id)?;
            let z_no: i64 = self.sql(self.conn.query_row(
                "SELECT COALESCE(MAX(z_no), 0) + 1 FROM z_reports WHERE lane_id = ?1",
                [lane],
                |r| r.get(0),
            ))?;
            let body = make_body(z_no, &data);
            let r = self.conn.execute(
                "INSERT INTO z_reports (lane_id, z_no, shift_id, closed_at, closed_by, approved_by,
                                        counted_minor, counted_count, body)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                params![
                    lane,
                    z_no,
                    shift.id,
                    now.millis(),
                    closed_by,
                    approved_by,
                    counted.total_minor(),
                    counted_text,
                    body
                ],
            );
            self.sql(r)?;
            Ok(ZRow {
                lane_id: lane.into(),
                z_no,
                shift_id: shift.id,
                closed_at: now,
                body,
            })
        })();
        let end = if result.is_ok() { "COMMIT" } else { "ROLLBACK" };
        let ended = self.sql(self.conn.execute_batch(end));
        match (result, ended) {
            (Ok(z), Ok(())) => Ok(z),
            (Err(e), _) => Err(e),
            (Ok(_), Err(e)) => Err(e.into()),
        }
    }

    /// Z report `z_no` of `lane`, or the latest when `None`.
    pub fn z_report(&self, lane: &str, z_no: Option<i64>) -> Result<Option<ZRow>, JournalError> {
        let sql = "SELECT z_no, shift_id, closed_at, body FROM z_reports WHERE lane_id = ?1
                   AND (?2 IS NULL OR z_no = ?2) ORDER BY z_no DESC LIMIT 1";
        self.sql(
            self.conn
                .query_row(sql, params![lane, z_no], |r| {
                    Ok(ZRow {
                        lane_id: lane.into(),
                        z_no: r.get(0)?,
                        shift_id: r.get(1)?,
                        closed_at: Timestamp(r.get(2)?),
                        body: r.get(3)?,
                    })
                })
                .optional(),
        )
    }

    /// Every Z report on every lane, oldest first (settlement matches against them).
    pub fn z_reports(&self) -> Result<Vec<ZRow>, JournalError> {
        let mut stmt = self.sql(self.conn.prepare(
            "SELECT lane_id, z_no, shift_id, closed_at, body FROM z_reports ORDER BY id",
        ))?;
        self.sql(
            stmt.query_map([], |r| {
                Ok(ZRow {
                    lane_id: r.get(0)?,
                    z_no: r.get(1)?,
                    shift_id: r.get(2)?,
                    closed_at: Timestamp(r.get(3)?),
                    body: r.get(4)?,
                })
            })
            .and_then(|rows| rows.collect::<Result<Vec<_>, _>>()),
        )
    }

    /// The shift a sale (by lane and number) was rung up in, if any.
    pub fn shift_of_sale(&self, lane: &str, sale_no: u64) -> Result<Option<i64>, JournalError> {
        self.sql(
            self.conn
                .query_row(
                    "SELECT ss.shift_id FROM sales s JOIN shift_sales ss ON ss.sale_id = s.id
                     WHERE s.lane_id = ?1 AND s.sale_no = ?2",
                    params![lane, sale_no as i64],
                    |r| r.get(0),
                )
                .optional(),
        )
    }

    /// Whether sale `sale_no` of `lane` was rung up in the lane's open shift: `None` when it
    /// joined no shift (sold outside shifts), so a caller can fall back to another rule.
    pub fn sale_in_open_shift(
        &self,
        lane: &str,
        sale_no: u64,
    ) -> Result<Option<bool>, JournalError> {
        let Some(shift) = self.shift_of_sale(lane, sale_no)? else {
            return Ok(None);
        };
        let open = self.sql(open_shift_id(&self.conn, lane))?;
        Ok(Some(open == Some(shift)))
    }

    /// The sales of one shift, decoded (for checks and tests; reports use the totals).
    pub fn shift_sales(&self, shift_id: i64) -> Result<Vec<CompletedSale>, JournalError> {
        let mut stmt = self.sql(self.conn.prepare(
            "SELECT s.body FROM shift_sales ss JOIN sales s ON s.id = ss.sale_id
             WHERE ss.shift_id = ?1 ORDER BY s.id",
        ))?;
        let bodies = self.sql(
            stmt.query_map([shift_id], |r| r.get::<_, String>(0))
                .and_then(|rows| rows.collect::<Result<Vec<_>, _>>()),
        )?;
        bodies
            .iter()
            .map(|b| serde_json::from_str(b).map_err(|e| self.corrupt(e)))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::journal::sales::tests::cash_sale;

    fn float() -> Count {
        Count {
            pieces: vec![(2000, 5), (100, 10)],
        }
    }

    #[test]
    fn one_open_shift_per_lane_and_a_z_closes_it() {
        let mut j = Journal::in_memory().unwrap();
        let s = j
            .open_shift_with("03", "01", &float(), Timestamp(10))
            .unwrap();
        assert_eq!(s.float.total_minor(), 11_000);
        let again = j.open_shift_with("03", "02", &float(), Timestamp(11));
        assert!(matches!(again, Err(ShiftError::AlreadyOpen { shift, .. }) if shift == s.id));
        j.open_shift_with("04", "02", &float(), Timestamp(11))
            .unwrap();
        let z = j
            .close_shift("03", &float(), "01", None, Timestamp(20), |n, _| {
                format!("Z{n}")
            })
            .unwrap();
        assert_eq!((z.z_no, z.body.as_str()), (1, "Z1"));
        assert_eq!(j.open_shift("03").unwrap(), None);
        let s2 = j
            .open_shift_with("03", "01", &float(), Timestamp(30))
            .unwrap();
        let z2 = j
            .close_shift("03", &float(), "01", None, Timestamp(40), |n, _| {
                format!("Z{n}")
            })
            .unwrap();
        assert_eq!((z2.z_no, z2.shift_id), (2, s2.id));
        assert_eq!(j.z_report("03", Some(1)).unwrap().unwrap().body, "Z1");
        assert_eq!(j.z_report("03", None).unwrap().unwrap().body, "Z2");
    }

    #[test]
    fn sales_join_the_open_shift_only() {
        let mut j = Journal::in_memory().unwrap();
        j.commit_sale(cash_sale("03", 100), None).unwrap();
        let s = j
            .open_shift_with("03", "01", &float(), Timestamp(10))
            .unwrap();
        j.commit_sale(cash_sale("03", 250), None).unwrap();
        j.commit_sale(cash_sale("03", 300), None).unwrap();
        let d = j.shift_data(s.id).unwrap();
        let get = |k: &str| d.totals.iter().find(|t| t.key == k).cloned().unwrap();
        assert_eq!((get("sales").count, get("sales").amount_minor), (2, 550));
        assert_eq!(get("first_sale").count, 2);
        assert_eq!(get("last_sale").count, 3);
        assert_eq!(get("tender:cash").amount_minor, 550);
        assert_eq!(j.shift_of_sale("03", 1).unwrap(), None);
        assert_eq!(j.shift_of_sale("03", 2).unwrap(), Some(s.id));
    }

    #[test]
    fn a_closed_shift_and_its_z_cannot_change() {
        let mut j = Journal::in_memory().unwrap();
        let s = j
            .open_shift_with("03", "01", &float(), Timestamp(10))
            .unwrap();
        j.commit_sale(cash_sale("03", 250), None).unwrap();
        j.close_shift("03", &float(), "01", None, Timestamp(20), |_, _| "z".into())
            .unwrap();
        for sql in [
            "UPDATE z_reports SET body = 'x'",
            "DELETE FROM z_reports",
            "UPDATE shift_totals SET amount_minor = 0",
            "DELETE FROM shift_totals",
            "UPDATE shifts SET cashier = 'x'",
        ] {
            assert!(j.conn.execute(sql, []).is_err(), "{sql}");
        }
        let late = j.conn.execute(
            "INSERT INTO shift_moves (shift_id, kind, at, by_whom, amount_minor, reason)
             VALUES (?1, 'no_sale', 1, 'x', 0, 'x')",
            [s.id],
        );
        assert!(late.is_err());
        // A sale after the close joins no shift and leaves the Z's totals alone.
        j.commit_sale(cash_sale("03", 999), None).unwrap();
        let d = j.shift_data(s.id).unwrap();
        let sales = d.totals.iter().find(|t| t.key == "sales").unwrap();
        assert_eq!(sales.amount_minor, 250);
    }

    #[test]
    fn moves_need_an_open_shift_and_read_back() {
        let mut j = Journal::in_memory().unwrap();
        let mv = CashMove {
            kind: MoveKind::PaidOut,
            at: Timestamp(15),
            by: "01".into(),
            approved_by: Some("99".into()),
            amount_minor: 1250,
            reason: "window cleaner".into(),
        };
        assert!(matches!(
            j.record_move("03", &mv),
            Err(ShiftError::NoOpenShift { .. })
        ));
        let s = j
            .open_shift_with("03", "01", &float(), Timestamp(10))
            .unwrap();
        j.record_move("03", &mv).unwrap();
        assert_eq!(j.shift_data(s.id).unwrap().moves, vec![mv]);
    }

    #[test]
    fn a_sale_is_in_the_open_shift_only_until_its_z() {
        let mut j = Journal::in_memory().unwrap();
        j.commit_sale(cash_sale("03", 100), None).unwrap();
        j.open_shift_with("03", "01", &float(), Timestamp(10))
            .unwrap();
        j.commit_sale(cash_sale("03", 200), None).unwrap();
        assert_eq!(j.sale_in_open_shift("03", 1).unwrap(), None);
        assert_eq!(j.sale_in_open_shift("03", 2).unwrap(), Some(true));
        j.close_shift("03", &float(), "01", None, Timestamp(20), |_, _| "z".into())
            .unwrap();
        j.open_shift_with("03", "01", &float(), Timestamp(30))
            .unwrap();
        assert_eq!(j.sale_in_open_shift("03", 2).unwrap(), Some(false));
    }

    #[test]
    fn a_shift_survives_reopening_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("journal.sqlite");
        let opened = {
            let mut j = Journal::open(&path).unwrap();
            j.open_shift_with("03", "01", &float(), Timestamp(10))
                .unwrap()
        };
        let j = Journal::open(&path).unwrap();
        assert_eq!(j.open_shift("03").unwrap(), Some(opened));
    }
}
