//! Static-entry-code payments the counter could not match to a sale. They are attempt rows in
//! state `unmatched` (mode `static_code`), written in one statement so the payment is never
//! lost and never resumed as an open attempt.

use super::{Journal, JournalError};
use crate::checkout::attempt::AttemptRecord;
use rusqlite::params;

impl Journal {
    /// Records `a` as unmatched. A second notification of the same payment changes nothing.
    pub fn record_unmatched(&mut self, a: &AttemptRecord) -> Result<(), JournalError> {
        self.injected_fault()?;
        self.conn
            .execute(
                "INSERT OR IGNORE INTO attempts (request_id, lane_id, mode, amount, currency,
                                                 state, created_at, updated_at, basket, outcome)
                 VALUES (?1, ?2, ?3, ?4, ?5, 'unmatched', ?6, ?6, '', ?7)",
                params![
                    a.request_id,
                    a.lane_id,
                    a.mode.as_str(),
                    a.amount.plain(),
                    a.amount.currency().code(),
                    a.created_at.millis(),
                    a.outcome
                ],
            )
            .map(|_| ())
            .map_err(|e| self.wrap(e.into()))
    }

    /// Every unmatched static-code payment, oldest first.
    pub fn unmatched_payments(&self) -> Result<Vec<AttemptRecord>, JournalError> {
        Ok(self
            .all_attempts()?
            .into_iter()
            .filter(|a| a.state == crate::checkout::attempt::AttemptState::Unmatched)
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checkout::attempt::AttemptState;
    use crate::checkout::payment::PayMode;
    use crate::clock::Timestamp;
    use crate::money::{Currency, Money};

    #[test]
    fn an_unmatched_payment_is_kept_once_and_never_reopened() {
        let mut j = Journal::in_memory().unwrap();
        let a = AttemptRecord {
            request_id: "ENTRY-1-1".into(),
            lane_id: "03".into(),
            mode: PayMode::StaticCode,
            amount: Money::from_minor(500, Currency::SGD).unwrap(),
            state: AttemptState::Unmatched,
            created_at: Timestamp(7),
            basket: None,
            outcome: Some("received SGD 5.00 from Alipay+, expected SGD 4.20".into()),
        };
        j.record_unmatched(&a).unwrap();
        j.record_unmatched(&a).unwrap();
        let rows = j.unmatched_payments().unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].amount.plain(), "5.00");
        assert_eq!(rows[0].mode, PayMode::StaticCode);
        assert_eq!(rows[0].outcome, a.outcome);
        assert!(j.open_attempts().unwrap().is_empty());
    }
}
