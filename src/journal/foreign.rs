//! Sales of other lanes of the store, as fetched from the store to be refunded here. They sit
//! beside this lane's own `sales` (never in them), so this lane's outbox, history and reports
//! never count them; refunds of them are journaled here like any other refund.

use super::{Journal, MigrationOrSql};
use crate::checkout::sale::CompletedSale;
use crate::journal::JournalError;
use rusqlite::{OptionalExtension, params};

impl Journal {
    /// Keeps `sale` (another lane's, from the store) so its refunds can be journaled here. A
    /// sale already kept stays as it was first fetched: a sale never changes after it is made.
    pub fn remember_foreign_sale(
        &mut self,
        sale: &CompletedSale,
        now: crate::clock::Timestamp,
    ) -> Result<(), JournalError> {
        self.injected_fault()?;
        let body = serde_json::to_string(sale).map_err(|e| self.corrupt(e))?;
        self.conn
            .execute(
                "INSERT OR IGNORE INTO foreign_sales (lane_id, sale_no, currency, body, fetched_at)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![
                    sale.lane_id,
                    sale.sale_no as i64,
                    sale.total.currency().code(),
                    body,
                    now.millis()
                ],
            )
            .map(|_| ())
            .map_err(|e| self.wrap(MigrationOrSql::from(e)))
    }

    /// The body of another lane's sale kept here, if any.
    pub(super) fn foreign_sale_body(
        conn: &rusqlite::Connection,
        lane_id: &str,
        sale_no: u64,
    ) -> rusqlite::Result<Option<String>> {
        conn.query_row(
            "SELECT body FROM foreign_sales WHERE lane_id = ?1 AND sale_no = ?2",
            params![lane_id, sale_no as i64],
            |r| r.get(0),
        )
        .optional()
    }
}

#[cfg(test)]
mod tests {
    use crate::clock::Timestamp;
    use crate::journal::sales::tests::cash_sale;
    use crate::journal::{BeginRefund, Journal, NewRefund, RefundKind, RefundLine, RefundState};
    use crate::money::{Currency, Money};

    fn usd(minor: i64) -> Money {
        Money::from_minor(minor, Currency::USD).unwrap()
    }

    fn refund(id: &str, lane: &str, sale_no: u64) -> NewRefund {
        NewRefund {
            refund_request_id: id.into(),
            lane_id: lane.into(),
            sale_no,
            kind: RefundKind::Refund,
            reason: "Damaged".into(),
            tender: "cash".into(),
            brand: None,
            amount: usd(450),
            tax: usd(0),
            wallet_amount: None,
            rate: None,
            lines: vec![RefundLine {
                line: 0,
                qty: 1,
                amount: usd(450),
                tax: usd(0),
            }],
            created_at: Timestamp(2_000),
        }
    }

    #[test]
    fn another_lanes_sale_is_refunded_here_but_never_counted_as_this_lanes() {
        let mut j = Journal::in_memory().unwrap();
        let mut theirs = cash_sale("01", 450);
        theirs.sale_no = 7;
        assert!(matches!(
            j.begin_refund(&refund("R1", "01", 7)).unwrap(),
            BeginRefund::NoSuchSale
        ));
        j.remember_foreign_sale(&theirs, Timestamp(1_500)).unwrap();
        // Kept as first fetched: a second fetch changes nothing.
        let mut changed = theirs.clone();
        changed.total = usd(1);
        j.remember_foreign_sale(&changed, Timestamp(1_600)).unwrap();
        assert_eq!(j.sale("01", 7).unwrap(), Some(theirs));
        let BeginRefund::Started(rec) = j.begin_refund(&refund("R1", "01", 7)).unwrap() else {
            panic!("not journaled")
        };
        assert_eq!(rec.state, RefundState::Requested);
        // The unit is gone: a second refund of it is refused from the journal.
        assert!(matches!(
            j.begin_refund(&refund("R2", "01", 7)).unwrap(),
            BeginRefund::OverRemainder { line: 0, left: 0 }
        ));
        assert_eq!(j.refunded_total("01", 7).unwrap(), Some(usd(0)));
        assert!(
            j.all_sales().unwrap().is_empty(),
            "not one of this lane's sales"
        );
    }

    #[test]
    fn a_journal_of_the_previous_version_keeps_its_refunds_through_the_migration() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("journal.sqlite");
        {
            let conn = rusqlite::Connection::open(&path).unwrap();
            conn.pragma_update(None, "foreign_keys", "ON").unwrap();
            let before = super::super::migrations::MIGRATIONS.len() - 1;
            for sql in &super::super::migrations::MIGRATIONS[..before] {
                conn.execute_batch(sql).unwrap();
            }
            conn.pragma_update(None, "user_version", before as i64)
                .unwrap();
        }
        // Written through the journal at the old version would need old code; write the rows
        // the old schema holds by SQL instead, then let `open` migrate.
        {
            let conn = rusqlite::Connection::open(&path).unwrap();
            let mut sale = cash_sale("03", 450);
            sale.sale_no = 1;
            conn.execute(
                "INSERT INTO sales (lane_id, sale_no, completed_at, total_minor, currency, tender, body)
                 VALUES ('03', 1, 1000, 450, 'USD', 'cash', ?1)",
                [serde_json::to_string(&sale).unwrap()],
            )
            .unwrap();
            conn.execute_batch(
                "INSERT INTO refunds (refund_request_id, lane_id, sale_no, refund_no, kind, reason,
                    tender, amount_minor, currency, tax_minor, created_at)
                 VALUES ('RF03-1-1', '03', 1, 1, 'refund', 'Damaged', 'cash', 450, 'USD', 0, 2000);
                 INSERT INTO refund_lines VALUES (1, 0, 1, 450, 0);
                 INSERT INTO refund_events (refund_id, state, at) VALUES (1, 'settled', 2001);",
            )
            .unwrap();
        }
        let j = Journal::open(&path).unwrap();
        let r = j.refund("RF03-1-1").unwrap().expect("kept");
        assert_eq!((r.state, r.refund.amount), (RefundState::Settled, usd(450)));
        assert_eq!(j.refunded_quantities("03", 1).unwrap(), vec![1]);
        let conn = rusqlite::Connection::open(&path).unwrap();
        let broken: i64 = conn
            .query_row("SELECT count(*) FROM pragma_foreign_key_check", [], |r| {
                r.get(0)
            })
            .unwrap();
        assert_eq!(broken, 0, "lines and events still point at their refund");
        // Still append-only.
        assert!(conn.execute("DELETE FROM refunds", []).is_err());
    }
}
