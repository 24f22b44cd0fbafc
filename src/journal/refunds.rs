//! Refunds and post-voids, append-only (migration 4).
//!
//! A refund is journaled (row, lines and a `requested` event, in one transaction) before its
//! request leaves the counter; every later state is a new `refund_events` row, and a refund's
//! state is its newest event. What is left to refund on a sale is derived from these rows: a
//! refund counts against the sale unless its newest event is `failed`.

use super::{Journal, JournalError, MigrationOrSql};
use crate::checkout::sale::CompletedSale;
use crate::clock::Timestamp;
use crate::money::{Decimal, Money};
use rusqlite::{OptionalExtension, TransactionBehavior, params};

/// A refund of chosen lines, or a post-void of the whole sale.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefundKind {
    Refund,
    Void,
}

impl RefundKind {
    pub fn as_str(self) -> &'static str {
        match self {
            RefundKind::Refund => "refund",
            RefundKind::Void => "void",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "refund" => Some(RefundKind::Refund),
            "void" => Some(RefundKind::Void),
            _ => None,
        }
    }
}

/// Where a refund stands: its newest event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefundState {
    /// Journaled; the request may or may not have left the counter.
    Requested,
    /// Sent, answer unknown (no reply or `U`): still open, to be queried with the same id.
    Unknown,
    /// The money went back.
    Settled,
    /// Refused for good; the amounts are free to refund again.
    Failed,
}

impl RefundState {
    pub fn as_str(self) -> &'static str {
        match self {
            RefundState::Requested => "requested",
            RefundState::Unknown => "unknown",
            RefundState::Settled => "settled",
            RefundState::Failed => "failed",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "requested" => Some(RefundState::Requested),
            "unknown" => Some(RefundState::Unknown),
            "settled" => Some(RefundState::Settled),
            "failed" => Some(RefundState::Failed),
            _ => None,
        }
    }

    pub fn is_open(self) -> bool {
        matches!(self, RefundState::Requested | RefundState::Unknown)
    }
}

/// One refunded sale line: `line` indexes the sale's `lines`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefundLine {
    pub line: u32,
    pub qty: u32,
    /// The line's refunded amount before tax, in the sale currency.
    pub amount: Money,
    pub tax: Money,
}

/// A refund as planned, before it is sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRefund {
    pub refund_request_id: String,
    /// The refunded sale (its lane and number).
    pub lane_id: String,
    pub sale_no: u64,
    pub kind: RefundKind,
    pub reason: String,
    /// "cash", "card" or "wallet", as the sale's tender.
    pub tender: String,
    /// The wallet or card brand, if any.
    pub brand: Option<String>,
    /// What goes back in the sale currency, tax included.
    pub amount: Money,
    pub tax: Money,
    /// For wallets: the planned amount in the wallet currency at the booked rate.
    pub wallet_amount: Option<Money>,
    /// The rate booked at payment time (wallet currency per unit of sale currency).
    pub rate: Option<Decimal>,
    pub lines: Vec<RefundLine>,
    pub created_at: Timestamp,
}

/// A later state of a refund.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefundEvent {
    pub state: RefundState,
    pub at: Timestamp,
    /// What the wallet reported it returned, in the wallet currency.
    pub wallet_amount: Option<Money>,
    /// The network's id for the refund (or the cancel).
    pub network_id: Option<String>,
    /// A result code or a short note (never a PIN).
    pub detail: Option<String>,
}

impl RefundEvent {
    pub fn new(state: RefundState, at: Timestamp) -> Self {
        Self {
            state,
            at,
            wallet_amount: None,
            network_id: None,
            detail: None,
        }
    }
}

/// A journaled refund with its current state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefundRecord {
    pub refund_no: u64,
    pub refund: NewRefund,
    pub state: RefundState,
    /// When the newest event was written.
    pub updated_at: Timestamp,
    /// Set once settled: the wallet-reported amount (else the planned one) and the network id.
    pub settled_wallet_amount: Option<Money>,
    pub network_id: Option<String>,
    pub detail: Option<String>,
}

/// The outcome of `begin_refund`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BeginRefund {
    /// Journaled now; send the request.
    Started(RefundRecord),
    /// This refund request id was already journaled (a retry): carry on with it.
    AlreadyJournaled(RefundRecord),
    /// Refused: `line` (an index into the sale's lines) has only `left` units left to refund.
    OverRemainder { line: u32, left: u32 },
    /// No sale with that lane and number.
    NoSuchSale,
}

/// A settled refund as reports need it (`refunds_between`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefundSummary {
    pub lane_id: String,
    pub sale_no: u64,
    pub refund_no: u64,
    pub kind: RefundKind,
    pub tender: String,
    pub brand: Option<String>,
    /// Tax included, in the sale currency.
    pub amount: Money,
    pub tax: Money,
    pub wallet_amount: Option<Money>,
    pub completed_at: Timestamp,
}

/// The newest event of refund `r.id`.
const LATEST_STATE: &str =
    "(SELECT e.state FROM refund_events e WHERE e.refund_id = r.id ORDER BY e.id DESC LIMIT 1)";

fn money(minor: i64, code: &str) -> Result<Money, String> {
    let currency = crate::money::currency_from_code(code).map_err(|e| e.to_string())?;
    Money::from_minor(minor, currency).map_err(|e| e.to_string())
}

fn opt_money(minor: Option<i64>, code: Option<String>) -> Result<Option<Money>, String> {
    match (minor, code) {
        (Some(m), Some(c)) => money(m, &c).map(Some),
        _ => Ok(None),
    }
}

impl Journal {
    /// Journals `refund` (row, lines, `requested` event) in one transaction, unless its request
    /// id is already journaled or a line would go beyond what is left of the sale.
    pub fn begin_refund(&mut self, refund: &NewRefund) -> Result<BeginRefund, JournalError> {
        if let Some(existing) = self.refund(&refund.refund_request_id)? {
            return Ok(BeginRefund::AlreadyJournaled(existing));
        }
        self.injected_fault()?;
        let result = (|| -> Result<Result<(), BeginRefund>, MigrationOrSql> {
            let tx = self
                .conn
                .transaction_with_behavior(TransactionBehavior::Immediate)?;
            let body: Option<String> = tx
                .query_row(
                    "SELECT body FROM sales WHERE lane_id = ?1 AND sale_no = ?2",
                    params![refund.lane_id, refund.sale_no as i64],
                    |r| r.get(0),
                )
                .optional()?;
            let body = match body {
                Some(b) => Some(b),
                None => Self::foreign_sale_body(&tx, &refund.lane_id, refund.sale_no)?,
            };
            let Some(body) = body else {
                return Ok(Err(BeginRefund::NoSuchSale));
            };
            let sale: CompletedSale = serde_json::from_str(&body)
                .map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))?;
            // Checked again inside the write lock: two counters refunding the same sale at once
            // cannot both take the last unit.
            let taken = refunded_qty(&tx, &refund.lane_id, refund.sale_no)?;
            for l in &refund.lines {
                let sold = sale.lines.get(l.line as usize).map_or(0, |s| s.qty);
                let already = taken.get(l.line as usize).copied().unwrap_or(0);
                let left = sold.saturating_sub(already);
                if l.qty > left {
                    return Ok(Err(BeginRefund::OverRemainder { line: l.line, left }));
                }
            }
            let next: i64 = tx.query_row(
                "SELECT COALESCE(MAX(refund_no), 0) + 1 FROM refunds WHERE lane_id = ?1",
                params![refund.lane_id],
                |r| r.get(0),
            )?;
            tx.execute(
                "INSERT INTO refunds (refund_request_id, lane_id, sale_no, refund_no, kind, reason,
                    tender, brand, amount_minor, currency, tax_minor, wallet_minor,
                    wallet_currency, rate, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
                params![
                    refund.refund_request_id,
                    refund.lane_id,
                    refund.sale_no as i64,
                    next,
                    refund.kind.as_str(),
                    refund.reason,
                    refund.tender,
                    refund.brand,
                    refund.amount.to_minor(),
                    refund.amount.currency().code(),
                    refund.tax.to_minor(),
                    refund.wallet_amount.map(|m| m.to_minor()),
                    refund.wallet_amount.map(|m| m.currency().code()),
                    refund.rate.map(|r| r.to_string()),
                    refund.created_at.millis(),
                ],
            )?;
            let id = tx.last_insert_rowid();
            for l in &refund.lines {
                tx.execute(
                    "INSERT INTO refund_lines (refund_id, line_index, qty, amount_minor, tax_minor)
                     VALUES (?1, ?2, ?3, ?4, ?5)",
                    params![id, l.line, l.qty, l.amount.to_minor(), l.tax.to_minor()],
                )?;
            }
            tx.execute(
                "INSERT INTO refund_events (refund_id, state, at) VALUES (?1, 'requested', ?2)",
                params![id, refund.created_at.millis()],
            )?;
            tx.commit()?;
            Ok(Ok(()))
        })();
        match result.map_err(|e| self.wrap(e))? {
            Err(refused) => Ok(refused),
            Ok(()) => self
                .refund(&refund.refund_request_id)?
                .map(BeginRefund::Started)
                .ok_or_else(|| self.corrupt("a refund just journaled does not read back")),
        }
    }

    /// Appends a state to the refund `refund_request_id`. A refund already settled or failed
    /// keeps its final state: a late event is not recorded.
    pub fn record_refund_event(
        &mut self,
        refund_request_id: &str,
        event: &RefundEvent,
    ) -> Result<(), JournalError> {
        self.injected_fault()?;
        self.conn
            .execute(
                &format!(
                    "INSERT INTO refund_events (refund_id, state, at, wallet_minor,
                        wallet_currency, network_id, detail)
                     SELECT r.id, ?2, ?3, ?4, ?5, ?6, ?7 FROM refunds r
                     WHERE r.refund_request_id = ?1
                       AND {LATEST_STATE} IN ('requested', 'unknown')"
                ),
                params![
                    refund_request_id,
                    event.state.as_str(),
                    event.at.millis(),
                    event.wallet_amount.map(|m| m.to_minor()),
                    event.wallet_amount.map(|m| m.currency().code()),
                    event.network_id,
                    event.detail,
                ],
            )
            .map(|_| ())
            .map_err(|e| self.wrap(e.into()))
    }

    /// The refund with this request id, if journaled.
    pub fn refund(&self, refund_request_id: &str) -> Result<Option<RefundRecord>, JournalError> {
        Ok(self
            .refunds_where("r.refund_request_id = ?1", &[&refund_request_id])?
            .into_iter()
            .next())
    }

    /// Every refund of one sale, oldest first, whatever its state.
    pub fn refunds_of_sale(
        &self,
        lane_id: &str,
        sale_no: u64,
    ) -> Result<Vec<RefundRecord>, JournalError> {
        self.refunds_where(
            "r.lane_id = ?1 AND r.sale_no = ?2",
            &[&lane_id, &(sale_no as i64)],
        )
    }

    /// Refunds still open (requested or unknown): the start-up recovery resolves these.
    pub fn open_refunds(&self) -> Result<Vec<RefundRecord>, JournalError> {
        self.refunds_where(&format!("{LATEST_STATE} IN ('requested', 'unknown')"), &[])
    }

    /// Every refund, oldest first (reconciliation).
    pub fn all_refunds(&self) -> Result<Vec<RefundRecord>, JournalError> {
        self.refunds_where("1 = 1", &[])
    }

    /// Units of each sale line (by index) that are refunded or being refunded (not failed).
    pub fn refunded_quantities(
        &self,
        lane_id: &str,
        sale_no: u64,
    ) -> Result<Vec<u32>, JournalError> {
        refunded_qty(&self.conn, lane_id, sale_no).map_err(|e| self.wrap(e.into()))
    }

    /// What has gone back on one sale (settled refunds and voids, tax included), in the sale
    /// currency; `None` when there is no such sale.
    pub fn refunded_total(
        &self,
        lane_id: &str,
        sale_no: u64,
    ) -> Result<Option<Money>, JournalError> {
        let currency: Option<String> = self
            .conn
            .prepare_cached(
                "SELECT currency FROM sales WHERE lane_id = ?1 AND sale_no = ?2
                 UNION ALL SELECT currency FROM foreign_sales WHERE lane_id = ?1 AND sale_no = ?2",
            )
            .and_then(|mut s| {
                s.query_row(params![lane_id, sale_no as i64], |r| r.get(0))
                    .optional()
            })
            .map_err(|e| self.wrap(e.into()))?;
        let Some(currency) = currency else {
            return Ok(None);
        };
        let minor: i64 = self
            .conn
            .prepare_cached(&format!(
                "SELECT COALESCE(SUM(r.amount_minor), 0) FROM refunds r
                 WHERE r.lane_id = ?1 AND r.sale_no = ?2 AND {LATEST_STATE} = 'settled'"
            ))
            .and_then(|mut s| s.query_row(params![lane_id, sale_no as i64], |r| r.get(0)))
            .map_err(|e| self.wrap(e.into()))?;
        money(minor, &currency)
            .map(Some)
            .map_err(|e| self.corrupt(e))
    }

    /// The payment attempt that paid sale `sale_no` (a card or wallet sale), by its link.
    pub fn payment_request_of_sale(
        &self,
        lane_id: &str,
        sale_no: u64,
    ) -> Result<Option<String>, JournalError> {
        self.conn
            .prepare_cached(
                "SELECT a.request_id FROM attempts a JOIN sales s ON s.id = a.sale_id
                 WHERE s.lane_id = ?1 AND s.sale_no = ?2 ORDER BY a.rowid LIMIT 1",
            )
            .and_then(|mut s| {
                s.query_row(params![lane_id, sale_no as i64], |r| r.get(0))
                    .optional()
            })
            .map_err(|e| self.wrap(e.into()))
    }

    /// Refunds and voids settled in `[from, to)`, by settlement time: what a day report counts.
    pub fn refunds_between(
        &self,
        from: Timestamp,
        to: Timestamp,
    ) -> Result<Vec<RefundSummary>, JournalError> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT r.lane_id, r.sale_no, r.refund_no, r.kind, r.tender, r.brand,
                        r.amount_minor, r.currency, r.tax_minor,
                        COALESCE(e.wallet_minor, r.wallet_minor),
                        COALESCE(e.wallet_currency, r.wallet_currency), e.at
                 FROM refund_events e JOIN refunds r ON r.id = e.refund_id
                 WHERE e.state = 'settled' AND e.at >= ?1 AND e.at < ?2
                 ORDER BY e.at, e.id",
            )
            .map_err(|e| self.wrap(e.into()))?;
        type Row = (
            String,
            i64,
            i64,
            String,
            String,
            Option<String>,
            i64,
            String,
            i64,
            Option<i64>,
            Option<String>,
            i64,
        );
        let rows: Vec<Row> = stmt
            .query_map(params![from.millis(), to.millis()], |r| {
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
                    r.get(9)?,
                    r.get(10)?,
                    r.get(11)?,
                ))
            })
            .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
            .map_err(|e| self.wrap(e.into()))?;
        rows.into_iter()
            .map(
                |(lane, sale_no, refund_no, kind, tender, brand, amt, cur, tax, wm, wc, at)| {
                    let kind = RefundKind::parse(&kind)
                        .ok_or_else(|| self.corrupt(format!("unknown refund kind {kind}")))?;
                    Ok(RefundSummary {
                        lane_id: lane,
                        sale_no: sale_no as u64,
                        refund_no: refund_no as u64,
                        kind,
                        tender,
                        brand,
                        amount: money(amt, &cur).map_err(|e| self.corrupt(e))?,
                        tax: money(tax, &cur).map_err(|e| self.corrupt(e))?,
                        wallet_amount: opt_money(wm, wc).map_err(|e| self.corrupt(e))?,
                        completed_at: Timestamp(at),
                    })
                },
            )
            .collect()
    }

    fn refunds_where(
        &self,
        filter: &str,
        args: &[&dyn rusqlite::ToSql],
    ) -> Result<Vec<RefundRecord>, JournalError> {
        let sql = format!(
            "SELECT r.id, r.refund_request_id, r.lane_id, r.sale_no, r.refund_no, r.kind,
                    r.reason, r.tender, r.brand, r.amount_minor, r.currency, r.tax_minor,
                    r.wallet_minor, r.wallet_currency, r.rate, r.created_at
             FROM refunds r WHERE {filter} ORDER BY r.id"
        );
        let mut stmt = self.conn.prepare(&sql).map_err(|e| self.wrap(e.into()))?;
        let heads = stmt
            .query_map(args, |r| {
                Ok(Head {
                    id: r.get(0)?,
                    request_id: r.get(1)?,
                    lane_id: r.get(2)?,
                    sale_no: r.get(3)?,
                    refund_no: r.get(4)?,
                    kind: r.get(5)?,
                    reason: r.get(6)?,
                    tender: r.get(7)?,
                    brand: r.get(8)?,
                    amount: r.get(9)?,
                    currency: r.get(10)?,
                    tax: r.get(11)?,
                    wallet_minor: r.get(12)?,
                    wallet_currency: r.get(13)?,
                    rate: r.get(14)?,
                    created_at: r.get(15)?,
                })
            })
            .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
            .map_err(|e| self.wrap(e.into()))?;
        heads.into_iter().map(|h| self.complete(h)).collect()
    }

    /// Reads a refund's lines and newest event.
    fn complete(&self, h: Head) -> Result<RefundRecord, JournalError> {
        let bad = |e: String| self.corrupt(e);
        let currency = &h.currency;
        let lines = self
            .conn
            .prepare_cached(
                "SELECT line_index, qty, amount_minor, tax_minor FROM refund_lines
                 WHERE refund_id = ?1 ORDER BY line_index",
            )
            .and_then(|mut s| {
                s.query_map(params![h.id], |r| {
                    Ok((
                        r.get::<_, u32>(0)?,
                        r.get::<_, u32>(1)?,
                        r.get::<_, i64>(2)?,
                        r.get::<_, i64>(3)?,
                    ))
                })
                .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
            })
            .map_err(|e| self.wrap(e.into()))?
            .into_iter()
            .map(|(line, qty, amount, tax)| {
                Ok(RefundLine {
                    line,
                    qty,
                    amount: money(amount, currency)?,
                    tax: money(tax, currency)?,
                })
            })
            .collect::<Result<Vec<_>, String>>()
            .map_err(bad)?;
        type Latest = (
            String,
            i64,
            Option<i64>,
            Option<String>,
            Option<String>,
            Option<String>,
        );
        let latest: Latest = self
            .conn
            .prepare_cached(
                "SELECT state, at, wallet_minor, wallet_currency, network_id, detail
                 FROM refund_events WHERE refund_id = ?1 ORDER BY id DESC LIMIT 1",
            )
            .and_then(|mut s| {
                s.query_row(params![h.id], |r| {
                    Ok((
                        r.get(0)?,
                        r.get(1)?,
                        r.get(2)?,
                        r.get(3)?,
                        r.get(4)?,
                        r.get(5)?,
                    ))
                })
            })
            .map_err(|e| self.wrap(e.into()))?;
        let (state, at, wm, wc, network_id, detail) = latest;
        let state = RefundState::parse(&state)
            .ok_or_else(|| self.corrupt(format!("unknown refund state {state}")))?;
        let kind = RefundKind::parse(&h.kind)
            .ok_or_else(|| self.corrupt(format!("unknown refund kind {}", h.kind)))?;
        let rate = h
            .rate
            .map(|r| r.parse::<Decimal>())
            .transpose()
            .map_err(|e| self.corrupt(e))?;
        let wallet_amount = opt_money(h.wallet_minor, h.wallet_currency).map_err(bad)?;
        let settled_wallet_amount = match (state, opt_money(wm, wc).map_err(bad)?) {
            (RefundState::Settled, Some(m)) => Some(m),
            (RefundState::Settled, None) => wallet_amount,
            _ => None,
        };
        Ok(RefundRecord {
            refund_no: h.refund_no as u64,
            refund: NewRefund {
                refund_request_id: h.request_id,
                lane_id: h.lane_id,
                sale_no: h.sale_no as u64,
                kind,
                reason: h.reason,
                tender: h.tender,
                brand: h.brand,
                amount: money(h.amount, currency).map_err(bad)?,
                tax: money(h.tax, currency).map_err(bad)?,
                wallet_amount,
                rate,
                lines,
                created_at: Timestamp(h.created_at),
            },
            state,
            updated_at: Timestamp(at),
            settled_wallet_amount,
            network_id,
            detail,
        })
    }
}

struct Head {
    id: i64,
    request_id: String,
    lane_id: String,
    sale_no: i64,
    refund_no: i64,
    kind: String,
    reason: String,
    tender: String,
    brand: Option<String>,
    amount: i64,
    currency: String,
    tax: i64,
    wallet_minor: Option<i64>,
    wallet_currency: Option<String>,
    rate: Option<String>,
    created_at: i64,
}

/// Units per sale line (by index) held by refunds that have not failed.
fn refunded_qty(
    conn: &rusqlite::Connection,
    lane_id: &str,
    sale_no: u64,
) -> rusqlite::Result<Vec<u32>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT l.line_index, SUM(l.qty) FROM refund_lines l JOIN refunds r ON r.id = l.refund_id
         WHERE r.lane_id = ?1 AND r.sale_no = ?2 AND {LATEST_STATE} != 'failed'
         GROUP BY l.line_index"
    ))?;
    let rows = stmt
        .query_map(params![lane_id, sale_no as i64], |r| {
            Ok((r.get::<_, u32>(0)?, r.get::<_, u32>(1)?))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    let mut out = Vec::new();
    for (line, qty) in rows {
        let i = line as usize;
        if out.len() <= i {
            out.resize(i + 1, 0);
        }
        out[i] = qty;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::journal::sales::tests::cash_sale;
    use crate::money::Currency;

    fn usd(minor: i64) -> Money {
        Money::from_minor(minor, Currency::USD).unwrap()
    }

    fn refund(id: &str, sale_no: u64, qty: u32, at: i64) -> NewRefund {
        NewRefund {
            refund_request_id: id.into(),
            lane_id: "03".into(),
            sale_no,
            kind: RefundKind::Refund,
            reason: "Damaged".into(),
            tender: "cash".into(),
            brand: None,
            amount: usd(100 * i64::from(qty)),
            tax: usd(0),
            wallet_amount: None,
            rate: None,
            lines: vec![RefundLine {
                line: 0,
                qty,
                amount: usd(100 * i64::from(qty)),
                tax: usd(0),
            }],
            created_at: Timestamp(at),
        }
    }

    fn journal_with_sale() -> (Journal, u64, u32) {
        let mut j = Journal::in_memory().unwrap();
        let mut sale = cash_sale("03", 300);
        sale.lines[0].qty = 3;
        sale.lines[0].unit_price = usd(100);
        let sale = j.commit_sale(sale, None).unwrap();
        let qty = sale.lines[0].qty;
        (j, sale.sale_no, qty)
    }

    #[test]
    fn a_refund_is_journaled_once_per_request_id() {
        let (mut j, no, _) = journal_with_sale();
        let first = j.begin_refund(&refund("R1", no, 1, 10)).unwrap();
        let BeginRefund::Started(rec) = first else {
            panic!("{first:?}")
        };
        assert_eq!(rec.refund_no, 1);
        assert_eq!(rec.state, RefundState::Requested);
        let again = j.begin_refund(&refund("R1", no, 1, 11)).unwrap();
        assert!(
            matches!(again, BeginRefund::AlreadyJournaled(_)),
            "{again:?}"
        );
        assert_eq!(j.all_refunds().unwrap().len(), 1);
    }

    #[test]
    fn the_remainder_is_derived_from_refunds_that_did_not_fail() {
        let (mut j, no, sold) = journal_with_sale();
        assert!(matches!(
            j.begin_refund(&refund("R1", no, sold, 10)).unwrap(),
            BeginRefund::Started(_)
        ));
        let over = j.begin_refund(&refund("R2", no, 1, 11)).unwrap();
        assert_eq!(over, BeginRefund::OverRemainder { line: 0, left: 0 });
        // A failed refund frees its units.
        j.record_refund_event("R1", &RefundEvent::new(RefundState::Failed, Timestamp(12)))
            .unwrap();
        assert_eq!(j.refunded_quantities("03", no).unwrap(), Vec::<u32>::new());
        assert!(matches!(
            j.begin_refund(&refund("R3", no, 1, 13)).unwrap(),
            BeginRefund::Started(_)
        ));
        assert_eq!(j.refunded_quantities("03", no).unwrap(), vec![1]);
    }

    #[test]
    fn a_final_state_is_never_overwritten() {
        let (mut j, no, _) = journal_with_sale();
        j.begin_refund(&refund("R1", no, 1, 10)).unwrap();
        j.record_refund_event("R1", &RefundEvent::new(RefundState::Settled, Timestamp(11)))
            .unwrap();
        j.record_refund_event("R1", &RefundEvent::new(RefundState::Failed, Timestamp(12)))
            .unwrap();
        let rec = j.refund("R1").unwrap().unwrap();
        assert_eq!(rec.state, RefundState::Settled);
        assert_eq!(rec.updated_at, Timestamp(11));
    }

    #[test]
    fn totals_and_reports_count_settled_refunds_only() {
        let (mut j, no, _) = journal_with_sale();
        j.begin_refund(&refund("R1", no, 1, 10)).unwrap();
        j.begin_refund(&refund("R2", no, 1, 20)).unwrap();
        assert_eq!(j.refunded_total("03", no).unwrap(), Some(usd(0)));
        j.record_refund_event("R2", &RefundEvent::new(RefundState::Settled, Timestamp(25)))
            .unwrap();
        assert_eq!(j.refunded_total("03", no).unwrap(), Some(usd(100)));
        assert_eq!(j.refunded_total("03", no + 1).unwrap(), None);
        let day = j.refunds_between(Timestamp(0), Timestamp(100)).unwrap();
        assert_eq!(day.len(), 1);
        assert_eq!(day[0].refund_no, 2);
        assert_eq!(day[0].completed_at, Timestamp(25));
        assert!(
            j.refunds_between(Timestamp(26), Timestamp(100))
                .unwrap()
                .is_empty()
        );
        assert_eq!(j.open_refunds().unwrap().len(), 1);
    }

    #[test]
    fn the_latest_time_includes_refund_events() {
        let (mut j, no, _) = journal_with_sale();
        let sold = j.latest_time().unwrap().unwrap();
        let later = sold.millis() + 60_000;
        j.begin_refund(&refund("R1", no, 1, later)).unwrap();
        assert_eq!(j.latest_time().unwrap(), Some(Timestamp(later)));
        j.record_refund_event(
            "R1",
            &RefundEvent::new(RefundState::Settled, Timestamp(later + 5_000)),
        )
        .unwrap();
        assert_eq!(j.latest_time().unwrap(), Some(Timestamp(later + 5_000)));
    }

    #[test]
    fn a_refund_of_an_unknown_sale_is_refused() {
        let (mut j, no, _) = journal_with_sale();
        let got = j.begin_refund(&refund("R1", no + 5, 1, 10)).unwrap();
        assert_eq!(got, BeginRefund::NoSuchSale);
    }

    #[test]
    fn refund_rows_cannot_be_changed() {
        let (mut j, no, _) = journal_with_sale();
        j.begin_refund(&refund("R1", no, 1, 10)).unwrap();
        for sql in [
            "UPDATE refunds SET amount_minor = 1",
            "DELETE FROM refund_lines",
            "UPDATE refund_events SET state = 'failed'",
        ] {
            let err = j.conn.execute(sql, []).unwrap_err().to_string();
            assert!(err.contains("append-only"), "{sql}: {err}");
        }
    }
}
