//! Refund matching for `qrtill reconcile`: every refund the journal holds against the network's
//! ledger, and every wallet payment's refunded total against the journal's settled refunds.
//! - settled in the journal (by refund) -> the ledger has that refund id, for that amount;
//! - settled by a post-void's cancel -> the ledger's payment is reversed;
//! - failed in the journal -> the ledger has no refund under that id (no money moved);
//! - still open -> listed as unresolved (recovery asks again with the same id);
//! - a payment's refunded total in the ledger equals the journal's settled network refunds.

use crate::journal::{Journal, RefundKind, RefundState};
use crate::network::{LedgerStore, PaymentStage};
use crate::reconcile::{ReconcileError, Reconciliation};
use std::collections::BTreeMap;

pub fn check(
    journal: &Journal,
    ledger: &LedgerStore,
    r: &mut Reconciliation,
) -> Result<(), ReconcileError> {
    // The journal's settled network refunds per payment (price currency, minor units).
    let mut per_payment: BTreeMap<String, i64> = BTreeMap::new();
    for rec in journal.all_refunds()? {
        let f = &rec.refund;
        let id = &f.refund_request_id;
        if f.tender == "cash" {
            continue;
        }
        let Some(sale) = journal.sale(&f.lane_id, f.sale_no)? else {
            continue;
        };
        let payment = match &sale.tender {
            crate::checkout::sale::SaleTender::Wallet(w) => Some(w.payment_request_id.clone()),
            _ => journal.payment_request_of_sale(&f.lane_id, f.sale_no)?,
        };
        let in_ledger = ledger.refund(id)?;
        match rec.state {
            RefundState::Requested | RefundState::Unknown => {
                r.unresolved
                    .push(format!("refund {id} is {}", rec.state.as_str()));
            }
            RefundState::Failed => {
                if in_ledger.is_some() {
                    r.problems.push(format!(
                        "refund {id}: the journal says it failed but the network refunded it"
                    ));
                }
            }
            RefundState::Settled => match in_ledger {
                Some(done) if done.request_amount != f.amount => r.problems.push(format!(
                    "refund {id}: amounts differ: journal {}, network {}",
                    f.amount.with_code(),
                    done.request_amount.with_code()
                )),
                Some(_) => {
                    r.refunds_matched += 1;
                    if let Some(p) = payment {
                        *per_payment.entry(p).or_default() += f.amount.to_minor();
                    }
                }
                None if f.kind == RefundKind::Void => {
                    let reversed = match &payment {
                        Some(p) => ledger
                            .order(p)?
                            .is_some_and(|o| o.stage == PaymentStage::Reversed),
                        None => false,
                    };
                    if reversed {
                        r.refunds_matched += 1;
                    } else {
                        r.problems.push(format!(
                            "void {id}: the journal says cancelled but the network's payment is not reversed"
                        ));
                    }
                }
                None => r.problems.push(format!(
                    "refund {id}: the journal says settled but the network has no such refund"
                )),
            },
        }
    }
    // Refunds the network made that the journal does not hold as settled, one order at a
    // time (the wallet payments the journal refunded are in `per_payment`).
    let mut mismatched = Vec::new();
    ledger.for_each_order(|o| {
        let journaled = per_payment.get(&o.request_id).copied().unwrap_or(0);
        if o.refunded.to_minor() != journaled {
            mismatched.push(format!(
                "{}: the network refunded {} but the journal holds {} minor units settled",
                o.request_id,
                o.refunded.with_code(),
                journaled
            ));
        }
        Ok(())
    })?;
    r.problems.extend(mismatched);
    Ok(())
}
