//! Reconciliation: the merchant journal against the network's ledger. Two parties keep their
//! own books; after any crash and recovery they must agree: every payment the wallet took (and
//! did not give back) is exactly one sale, and no sale claims a payment the wallet does not have.

use crate::checkout::sale::SaleTender;
use crate::journal::{AttemptState, Journal, JournalError};
use crate::network::{LedgerPayment, PaymentStage};
use std::collections::BTreeMap;

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

/// Compares the journal with the network's ledger.
pub fn reconcile(
    journal: &Journal,
    ledger: &[LedgerPayment],
) -> Result<Reconciliation, JournalError> {
    let mut r = Reconciliation::default();
    let mut sales_by_request: BTreeMap<String, Vec<u64>> = BTreeMap::new();
    for sale in journal.all_sales()? {
        let id = match &sale.tender {
            SaleTender::Wallet(w) => Some(w.payment_request_id.clone()),
            _ => None,
        };
        if let Some(id) = id {
            sales_by_request.entry(id).or_default().push(sale.sale_no);
        }
    }
    let all_attempts = journal.all_attempts()?;
    let outcomes: BTreeMap<&str, &str> = all_attempts
        .iter()
        .filter_map(|a| Some((a.request_id.as_str(), a.outcome.as_deref()?)))
        .collect();
    let attempts: BTreeMap<String, AttemptState> = all_attempts
        .iter()
        .map(|a| (a.request_id.clone(), a.state))
        .collect();
    for (id, state) in &attempts {
        if matches!(state, AttemptState::Pending | AttemptState::NeedsManual) {
            r.unresolved.push(format!("{id} is {}", state.as_str()));
        }
    }
    for p in ledger.iter().filter(|p| !p.card) {
        let sales = sales_by_request
            .get(&p.payment_request_id)
            .map_or(0, Vec::len);
        let wallet_holds = p.stage.was_paid() && p.stage != PaymentStage::Reversed;
        let state = attempts.get(&p.payment_request_id);
        match (wallet_holds, sales) {
            (true, 1) => r.matched += 1,
            (true, 0) if state == Some(&AttemptState::NeedsManual) => {}
            (true, 0) if state == Some(&AttemptState::Pending) => {}
            (true, 0) if state == Some(&AttemptState::Unmatched) => r.unmatched.push(format!(
                "{}: static-code payment of {} held with no sale ({}); refund it or settle it by hand",
                p.payment_request_id,
                p.amount,
                outcomes
                    .get(p.payment_request_id.as_str())
                    .copied()
                    .unwrap_or("no note")
            )),
            (true, 0) => r.problems.push(format!(
                "{}: the wallet took the payment but the journal has no sale",
                p.payment_request_id
            )),
            (_, n) if n > 1 => r.problems.push(format!(
                "{}: {n} sales for one payment (charged once, sold twice)",
                p.payment_request_id
            )),
            (false, 1) => r.problems.push(format!(
                "{}: a sale exists but the wallet holds no payment ({:?})",
                p.payment_request_id, p.stage
            )),
            _ => {}
        }
        if state.is_none() {
            r.problems.push(format!(
                "{}: the network has a payment the journal never recorded",
                p.payment_request_id
            ));
        }
    }
    let known: std::collections::BTreeSet<&str> = ledger
        .iter()
        .map(|p| p.payment_request_id.as_str())
        .collect();
    for (id, sales) in &sales_by_request {
        if !known.contains(id.as_str()) {
            r.problems.push(format!(
                "{id}: sale(s) {sales:?} name a payment the network never saw"
            ));
        }
    }
    Ok(r)
}
