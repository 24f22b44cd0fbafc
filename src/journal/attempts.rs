//! Payment attempts. The row is written *before* the pay request leaves the counter and updated
//! when the outcome arrives, so after a crash every attempt without a final state can be resolved.

use super::{Journal, JournalError};
use crate::checkout::attempt::record::CANCEL_UNCONFIRMED;
pub use crate::checkout::attempt::{AttemptOutcome, AttemptRecord, AttemptState};
use crate::checkout::payment::PayMode;
use crate::checkout::sale::CompletedSale;
use crate::clock::Timestamp;
use crate::money::Money;
use rusqlite::params;

impl Journal {
    /// Records a new attempt in state `pending`. Call before the pay request leaves.
    pub fn begin_attempt(&mut self, a: &AttemptRecord) -> Result<(), JournalError> {
        self.injected_fault()?;
        // Stored as text: the mode's name and the basket's JSON (an unreadable one as "").
        let basket = match &a.basket {
            Some(sale) => serde_json::to_string(sale).map_err(|e| self.corrupt(e))?,
            None => String::new(),
        };
        self.conn
            .execute(
                "INSERT INTO attempts (request_id, lane_id, mode, amount, currency, state,
                                       created_at, updated_at, basket, outcome)
                 VALUES (?1, ?2, ?3, ?4, ?5, 'pending', ?6, ?6, ?7, ?8)",
                params![
                    a.request_id,
                    a.lane_id,
                    a.mode.as_str(),
                    a.amount.plain(),
                    a.amount.currency().code(),
                    a.created_at.millis(),
                    basket,
                    a.outcome
                ],
            )
            .map(|_| ())
            .map_err(|e| self.wrap(e.into()))
    }

    /// Records a final (or manual) outcome for an attempt that did not end in a sale.
    pub fn finish_attempt(
        &mut self,
        request_id: &str,
        outcome: &AttemptOutcome,
        now: Timestamp,
    ) -> Result<(), JournalError> {
        self.injected_fault()?;
        let state = outcome.state();
        self.conn
            .execute(
                "UPDATE attempts SET state = ?2, outcome = ?3, updated_at = ?4
                 WHERE request_id = ?1 AND state NOT IN ('paid')",
                params![
                    request_id,
                    state.as_str(),
                    outcome.to_string(),
                    now.millis()
                ],
            )
            .map(|_| ())
            .map_err(|e| self.wrap(e.into()))
    }

    /// Every attempt that is not final: the start-up recovery resolves these.
    pub fn open_attempts(&self) -> Result<Vec<AttemptRecord>, JournalError> {
        self.attempts_where("state IN ('pending')", &[])
    }

    /// Wallet attempts whose cancel was never confirmed (`AttemptOutcome::CancelUnconfirmed`):
    /// recovery sends the reversal again.
    pub fn owed_reversals(&self) -> Result<Vec<AttemptRecord>, JournalError> {
        self.attempts_where(
            "state = 'needs_manual' AND mode <> ?1 AND outcome = ?2",
            &[&PayMode::Card.as_str(), &CANCEL_UNCONFIRMED],
        )
    }

    /// The attempt with `request_id`, if any.
    pub fn attempt(&self, request_id: &str) -> Result<Option<AttemptRecord>, JournalError> {
        Ok(self
            .attempts_where("request_id = ?1", &[&request_id])?
            .into_iter()
            .next())
    }

    /// Every attempt, oldest first (reconciliation and reports).
    pub fn all_attempts(&self) -> Result<Vec<AttemptRecord>, JournalError> {
        self.attempts_where("1 = 1", &[])
    }

    /// How many attempts the journal holds (used to number new request ids).
    pub fn attempt_count(&self) -> Result<u64, JournalError> {
        self.conn
            .query_row("SELECT COUNT(*) FROM attempts", [], |r| r.get::<_, i64>(0))
            .map(|n| n as u64)
            .map_err(|e| self.wrap(e.into()))
    }

    fn attempts_where(
        &self,
        filter: &str,
        params: &[&dyn rusqlite::ToSql],
    ) -> Result<Vec<AttemptRecord>, JournalError> {
        let sql = format!(
            "SELECT request_id, lane_id, mode, amount, currency, state, created_at, basket, outcome
             FROM attempts WHERE {filter} ORDER BY created_at, rowid"
        );
        let mut stmt = self.conn.prepare(&sql).map_err(|e| self.wrap(e.into()))?;
        type Row = (
            String,
            String,
            String,
            String,
            String,
            String,
            i64,
            String,
            Option<String>,
        );
        let rows: Vec<Row> = stmt
            .query_map(params, |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                    r.get(6)?,
                    r.get(7)?,
                    r.get(8)?,
                ))
            })
            .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
            .map_err(|e| self.wrap(e.into()))?;
        rows.into_iter()
            .map(
                |(request_id, lane_id, mode, amount, currency, state, created, basket, outcome)| {
                    let currency =
                        crate::money::currency_from_code(&currency).map_err(|e| self.corrupt(e))?;
                    let amount = Money::parse(&amount, currency).map_err(|e| self.corrupt(e))?;
                    let state = AttemptState::parse(&state)
                        .ok_or_else(|| self.corrupt(format!("unknown attempt state {state}")))?;
                    let mode = PayMode::parse(&mode)
                        .ok_or_else(|| self.corrupt(format!("unknown payment mode {mode}")))?;
                    // A basket that does not read back is not fatal: the attempt is still
                    // resolved, and a paid one goes to a person.
                    let basket = serde_json::from_str::<CompletedSale>(&basket).ok();
                    Ok(AttemptRecord {
                        request_id,
                        lane_id,
                        mode,
                        amount,
                        state,
                        created_at: Timestamp(created),
                        basket,
                        outcome,
                    })
                },
            )
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::Currency;

    fn attempt(id: &str) -> AttemptRecord {
        AttemptRecord {
            request_id: id.into(),
            lane_id: "03".into(),
            mode: PayMode::PaymentCode,
            amount: Money::from_minor(2349, Currency::USD).unwrap(),
            state: AttemptState::Pending,
            created_at: Timestamp(5),
            basket: None,
            outcome: None,
        }
    }

    #[test]
    fn pending_attempts_are_open_until_finished() {
        let mut j = Journal::in_memory().unwrap();
        j.begin_attempt(&attempt("A1")).unwrap();
        j.begin_attempt(&attempt("A2")).unwrap();
        assert_eq!(j.open_attempts().unwrap().len(), 2);
        let declined = AttemptOutcome::Declined(crate::network::ResultCode::RiskReject);
        j.finish_attempt("A1", &declined, Timestamp(9)).unwrap();
        let open = j.open_attempts().unwrap();
        assert_eq!(open.len(), 1);
        assert_eq!(open[0].request_id, "A2");
        assert_eq!(open[0].amount.plain(), "23.49");
        let all = j.all_attempts().unwrap();
        assert_eq!(all[0].outcome.as_deref(), Some("RISK_REJECT"));
        assert_eq!(all[0].state, AttemptState::Failed);
    }

    #[test]
    fn only_wallet_cancels_never_confirmed_are_owed_reversals() {
        let mut j = Journal::in_memory().unwrap();
        for id in ["A1", "A2", "A3"] {
            j.begin_attempt(&attempt(id)).unwrap();
        }
        let card = AttemptRecord {
            mode: PayMode::Card,
            ..attempt("A4")
        };
        j.begin_attempt(&card).unwrap();
        j.finish_attempt("A1", &AttemptOutcome::CancelUnconfirmed, Timestamp(9))
            .unwrap();
        let manual = AttemptOutcome::Manual("card timeout".into());
        j.finish_attempt("A2", &manual, Timestamp(9)).unwrap();
        j.finish_attempt("A4", &AttemptOutcome::CancelUnconfirmed, Timestamp(9))
            .unwrap();
        let owed: Vec<String> = j
            .owed_reversals()
            .unwrap()
            .into_iter()
            .map(|a| a.request_id)
            .collect();
        assert_eq!(owed, ["A1"]);
        let open: Vec<String> = j
            .open_attempts()
            .unwrap()
            .into_iter()
            .map(|a| a.request_id)
            .collect();
        assert_eq!(open, ["A3"], "an owed reversal is not an open attempt");
    }

    #[test]
    fn rows_in_the_stored_text_form_read_back_typed() {
        let mut j = Journal::in_memory().unwrap();
        let sale = crate::journal::sales::tests::cash_sale("03", 2349);
        let mut a = attempt("A1");
        a.basket = Some(sale.clone());
        j.begin_attempt(&a).unwrap();
        // A row as an older qrtill wrote it: text mode, and a basket that does not parse.
        j.conn
            .execute(
                "INSERT INTO attempts (request_id, lane_id, mode, amount, currency, state,
                                       created_at, updated_at, basket, outcome)
                 VALUES ('A2', '03', 'wallet_qr', '1.00', 'USD', 'pending', 6, 6, '{', NULL)",
                [],
            )
            .unwrap();
        let open = j.open_attempts().unwrap();
        assert_eq!(open[0].mode, PayMode::PaymentCode);
        assert_eq!(open[0].basket.as_ref(), Some(&sale));
        assert_eq!(open[1].mode, PayMode::WalletQr);
        assert_eq!(open[1].basket, None);
    }

    #[test]
    fn an_unknown_mode_is_reported_as_corrupt() {
        let j = Journal::in_memory().unwrap();
        j.conn
            .execute(
                "INSERT INTO attempts (request_id, lane_id, mode, amount, currency, state,
                                       created_at, updated_at, basket, outcome)
                 VALUES ('A9', '03', 'barter', '1.00', 'USD', 'pending', 6, 6, '', NULL)",
                [],
            )
            .unwrap();
        let err = j.open_attempts().unwrap_err().to_string();
        assert!(err.contains("unknown payment mode barter"), "{err}");
    }

    #[test]
    fn the_same_request_id_cannot_be_journaled_twice() {
        let mut j = Journal::in_memory().unwrap();
        j.begin_attempt(&attempt("A1")).unwrap();
        assert!(j.begin_attempt(&attempt("A1")).is_err());
    }

    #[test]
    fn a_paid_attempt_is_never_downgraded() {
        let mut j = Journal::in_memory().unwrap();
        j.begin_attempt(&attempt("A1")).unwrap();
        let sale = crate::journal::sales::tests::cash_sale("03", 2349);
        j.commit_sale(sale, Some("A1")).unwrap();
        let late = AttemptOutcome::Declined(crate::network::ResultCode::OrderIsClosed);
        j.finish_attempt("A1", &late, Timestamp(10)).unwrap();
        let all = j.all_attempts().unwrap();
        assert_eq!(all[0].state, AttemptState::Paid);
    }
}
