//! Reconciliation: the merchant journal against the network's ledger. Two parties keep their
//! own books; after any crash and recovery they must agree: every payment the wallet took (and
//! did not give back) is exactly one sale, and no sale claims a payment the wallet does not have.

use crate::checkout::sale::{CompletedSale, SaleTender};
use crate::journal::{AttemptState, Journal, JournalError};
use crate::network::state::Order;
use crate::network::{LedgerError, LedgerStore, PaymentStage};

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Reconciliation {
    /// Payments the wallet holds that match exactly one sale.
    pub matched: usize,
    /// Attempts still open (recovery has not run) or waiting for a person.
    pub unresolved: Vec<String>,
    /// Static-entry-code payments the counter journaled as unmatched (a shopper typed another
    /// amount, or paid with no static screen open): money held with no sale, on purpose. Listed
    /// for the cashier to refund or settle; not a disagreement between the books.
    pub unmatched: Vec<String>,
    /// Disagreements between the two books; empty when they reconcile.
    pub problems: Vec<String>,
    /// Refunds and post-voids the network holds as the journal does.
    pub refunds_matched: usize,
}

impl Reconciliation {
    pub fn balanced(&self) -> bool {
        self.problems.is_empty()
    }

    /// A short human report, one finding per line.
    pub fn report(&self) -> String {
        let mut out = format!(
            "{} payment(s) match their sale; {} unresolved; {} problem(s)\n",
            self.matched,
            self.unresolved.len(),
            self.problems.len()
        );
        if self.refunds_matched > 0 {
            out.push_str(&format!("{} refund(s) match\n", self.refunds_matched));
        }
        for u in &self.unmatched {
            out.push_str(&format!("unmatched: {u}\n"));
        }
        for u in &self.unresolved {
            out.push_str(&format!("unresolved: {u}\n"));
        }
        for p in &self.problems {
            out.push_str(&format!("PROBLEM: {p}\n"));
        }
        out
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ReconcileError {
    #[error(transparent)]
    Journal(#[from] JournalError),
    #[error(transparent)]
    Ledger(#[from] LedgerError),
}

/// Compares the journal with the network's ledger. Both sides are streamed in payment request
/// id order and merged, so memory stays flat however long the history is.
pub fn reconcile(
    journal: &Journal,
    ledger: &LedgerStore,
) -> Result<Reconciliation, ReconcileError> {
    let mut r = Reconciliation::default();
    let waiting = [
        AttemptState::Pending.as_str(),
        AttemptState::NeedsManual.as_str(),
    ];
    for (id, state) in journal.attempts_in_states(&waiting)? {
        r.unresolved.push(format!("{id} is {state}"));
    }
    let mut sale_cursor = journal.wallet_sale_cursor()?;
    let mut sales = sale_cursor.sales()?.peekable();
    let mut order_cursor = ledger.order_cursor()?;
    let mut orders = order_cursor.orders()?.peekable();
    loop {
        let next_sale = match sales.peek() {
            Some(Ok(s)) => request_id(s).map(str::to_string),
            Some(Err(_)) => match sales.next() {
                Some(Err(e)) => return Err(e.into()),
                _ => None,
            },
            None => None,
        };
        let next_order = match orders.peek() {
            Some(Ok(o)) => Some(o.request_id.clone()),
            Some(Err(_)) => match orders.next() {
                Some(Err(e)) => return Err(e.into()),
                _ => None,
            },
            None => None,
        };
        let id = match (next_sale, next_order) {
            (None, None) => break,
            (Some(a), Some(b)) => a.min(b),
            (Some(a), None) => a,
            (None, Some(b)) => b,
        };
        let mut group: Vec<CompletedSale> = Vec::new();
        while let Some(Ok(s)) = sales.peek() {
            if request_id(s) != Some(id.as_str()) {
                break;
            }
            if let Some(Ok(s)) = sales.next() {
                group.push(s);
            }
        }
        let order = match orders.peek() {
            Some(Ok(o)) if o.request_id == id => orders.next().transpose()?,
            _ => None,
        };
        match order {
            Some(o) => check_payment(journal, &o, &group, &mut r)?,
            None => r.problems.push(format!(
                "{id}: sale(s) {:?} name a payment the network never saw",
                numbers(&group)
            )),
        }
    }
    crate::reconcile_refunds::check(journal, ledger, &mut r)?;
    for (id, charges) in ledger.repeated_charges()? {
        r.problems.push(format!(
            "{id}: the shopper was charged {charges} times for one payment (double charge)"
        ));
    }
    Ok(r)
}

fn request_id(sale: &CompletedSale) -> Option<&str> {
    match &sale.tender {
        SaleTender::Wallet(w) => Some(w.payment_request_id.as_str()),
        _ => None,
    }
}

/// "lane/number" of each sale, as the receipt prints them.
fn numbers(sales: &[CompletedSale]) -> Vec<String> {
    sales
        .iter()
        .map(|s| format!("{}/{}", s.lane_id, s.sale_no))
        .collect()
}

/// One wallet order against the sales that name it.
fn check_payment(
    journal: &Journal,
    o: &Order,
    sales: &[CompletedSale],
    r: &mut Reconciliation,
) -> Result<(), ReconcileError> {
    let id = &o.request_id;
    let wallet_holds = o.stage.was_paid() && o.stage != PaymentStage::Reversed;
    let state = journal.attempt_state_name(id)?;
    let is = |s: AttemptState| state.as_deref() == Some(s.as_str());
    match (wallet_holds, sales) {
        (true, [sale]) if sale.total != o.amount => r.problems.push(format!(
            "{id}: amounts differ: sale {} says {}, the wallet took {}",
            numbers(sales).join(", "),
            sale.total.with_code(),
            o.amount.with_code()
        )),
        (true, [_]) => r.matched += 1,
        (true, []) if is(AttemptState::NeedsManual) || is(AttemptState::Pending) => {}
        (true, []) if is(AttemptState::Unmatched) => r.unmatched.push(format!(
            "{id}: static-code payment of {} held with no sale ({}); refund it or settle it by hand",
            o.amount.with_code(),
            journal
                .attempt_outcome(id)?
                .unwrap_or_else(|| "no note".to_string())
        )),
        (true, []) => r.problems.push(format!(
            "{id}: the wallet took the payment but the journal has no sale"
        )),
        (_, many) if many.len() > 1 => r.problems.push(format!(
            "{id}: {} sales {:?} for one payment (charged once, sold twice)",
            many.len(),
            numbers(many)
        )),
        (false, [sale]) if o.stage == PaymentStage::Reversed && voided(journal, sale)? => {}
        (false, [_]) => r.problems.push(format!(
            "{id}: sale {} exists but the wallet holds no payment ({:?})",
            numbers(sales).join(", "),
            o.stage
        )),
        _ => {}
    }
    if state.is_none() {
        r.problems.push(format!(
            "{id}: the network has a payment the journal never recorded"
        ));
    }
    Ok(())
}

/// Whether `sale` was post-voided (a settled void in the journal): its payment was cancelled
/// on purpose, so a reversed payment with a sale is expected.
fn voided(journal: &Journal, sale: &CompletedSale) -> Result<bool, ReconcileError> {
    Ok(journal
        .refunds_of_sale(&sale.lane_id, sale.sale_no)?
        .iter()
        .any(|r| {
            r.refund.kind == crate::journal::RefundKind::Void
                && r.state == crate::journal::RefundState::Settled
        }))
}
