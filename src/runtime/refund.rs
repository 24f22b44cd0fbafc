//! Carries out the refund screen's effects: journal reads and writes, refund and cancel
//! requests. Replies go into the inbox at the time they are due; a reply later than the flow's
//! `REPLY_TIMEOUT` (or none) is delivered as "no reply" at the timeout, as `desk::run` waits.

use super::Runtime;
use crate::checkout::refund::flow::REPLY_TIMEOUT;
use crate::checkout::refund::plan::{Taken, remainder};
use crate::checkout::refund::policy::RefundPolicy;
use crate::checkout::refund::slip::refund_slip;
use crate::checkout::refund::{Status, desk};
use crate::checkout::sale::CompletedSale;
use crate::checkout::slip::SlipStore;
use crate::checkout::{Event, RefundEffect, RefundNews};
use crate::clock::{Clock, Timestamp};
use crate::journal::RefundRecord;
use crate::money::Money;
use crate::network::Delivery;
use crate::pin::PinGate;
use crate::receipt::refund::RefundSlip;
use std::path::Path;

/// A finished refund, for its slip: the sale, the refund as journaled, the flow's result and
/// what the sale has had back so far.
#[derive(Debug, Clone, PartialEq)]
pub struct RefundPrint {
    pub sale: CompletedSale,
    pub record: RefundRecord,
    pub status: Status,
    pub refunded_so_far: Money,
}

impl RefundPrint {
    /// The slip, built as `qrtill refund` builds it.
    pub fn slip(&self, config: &impl SlipStore) -> RefundSlip {
        refund_slip(
            config,
            &self.sale,
            &self.record,
            Some(&self.status),
            self.refunded_so_far,
        )
    }
}

impl<C: Clock> Runtime<C> {
    pub(super) fn execute_refund(&mut self, effect: RefundEffect, now: Timestamp) -> Option<Event> {
        let news = match effect {
            RefundEffect::LoadRefundable { lane_id, sale_no } => {
                let left = self.refundable(&lane_id, sale_no);
                RefundNews::Refundable { sale_no, left }
            }
            RefundEffect::Prepare(order) => {
                let settings = self.checkout.settings();
                let prepared = desk::prepare(
                    &self.journal,
                    &settings.tax,
                    order,
                    now,
                    settings.history.utc_offset_minutes,
                );
                RefundNews::Prepared(prepared.map(Box::new).map_err(|e| e.to_string()))
            }
            RefundEffect::Begin(prepared) => RefundNews::Begun(
                self.begin_refund(*prepared, now)
                    .map(Box::new)
                    .map_err(|e| e.to_string()),
            ),
            RefundEffect::Record { id, event } => {
                let recorded = self.journal.record_refund_event(&id, &event);
                // The journal first; then the store hears of a refusal (store_refund.rs).
                self.after_refund_event(&id, &event);
                if let Err(e) = recorded {
                    tracing::error!(error = %e, refund = %id, "refund state not journaled");
                    RefundNews::Recorded {
                        id,
                        record: Err(e.to_string()),
                    }
                } else {
                    let record = self
                        .journal
                        .refund(&id)
                        .map(|r| r.map(Box::new))
                        .map_err(|e| e.to_string());
                    RefundNews::Recorded { id, record }
                }
            }
            RefundEffect::SendRefund(request) => {
                let id = request.refund_request_id.clone();
                let d = self.link().refund(request, now);
                let (at, reply) = in_time(d, now);
                self.schedule(
                    Some(at),
                    refund_event(RefundNews::RefundReply { id, reply }),
                );
                return None;
            }
            RefundEffect::SendCancel {
                id,
                payment_request_id,
            } => {
                let d = self.link().cancel(&payment_request_id, now);
                let (at, reply) = in_time(d, now);
                self.schedule(
                    Some(at),
                    refund_event(RefundNews::CancelReply { id, reply }),
                );
                return None;
            }
            RefundEffect::RetryAt { id, at } => {
                self.schedule(Some(at), refund_event(RefundNews::Retry { id }));
                return None;
            }
            RefundEffect::PrintSlip { id, sale, status } => {
                match self.refund_print(&id, *sale, *status) {
                    // The same printer as the sale receipts; it reports through `poll_refunds`.
                    Ok(print) => {
                        self.printer.submit_refund(&print, false);
                        return None;
                    }
                    Err(why) => RefundNews::Printed {
                        id,
                        result: Err(why),
                    },
                }
            }
            RefundEffect::SaveLock(state) => RefundNews::LockSaved(match &self.pin_lock_dir {
                Some(dir) => crate::pin::save_lock(dir, state).map_err(|e| e.to_string()),
                // A runtime without a data directory (tests, demos) keeps the lock in memory.
                None => Ok(()),
            }),
        };
        Some(refund_event(news))
    }

    /// The counter's refund desk: the store's policy and the PIN gate as `qrtill refund` finds
    /// it in `data_dir` (the hash and the saved wrong entries and lock), which the counter then
    /// saves back after every entry that changes it, as `qrtill refund` does.
    pub fn open_refund_desk(&mut self, policy: RefundPolicy, data_dir: &Path) {
        // An unreadable PIN file only disables PIN-checked refunds.
        let hash = crate::pin::load(data_dir).unwrap_or_else(|e| {
            tracing::error!(error = %e, "supervisor PIN not readable: refunds needing it are refused");
            None
        });
        let gate = PinGate::resume(hash, crate::pin::load_lock(data_dir));
        self.checkout.set_refund_desk(policy, gate);
        self.pin_lock_dir = Some(data_dir.to_path_buf());
    }

    /// Hands finished refund-slip jobs to the refund screen; true when there were any.
    pub(super) fn poll_refund_slips(&mut self) -> bool {
        let done = self.printer.poll_refunds();
        let any = !done.is_empty();
        for (id, result) in done {
            self.feed(refund_event(RefundNews::Printed { id, result }));
        }
        any
    }

    /// What the slip of refund `id` needs, read back from the journal after its last write.
    fn refund_print(
        &self,
        id: &str,
        sale: CompletedSale,
        status: Status,
    ) -> Result<RefundPrint, String> {
        let record = self
            .journal
            .refund(id)
            .map_err(|e| e.to_string())?
            .ok_or_else(|| format!("refund {id} is not in the journal"))?;
        let refunded_so_far = self
            .journal
            .refunded_total(&sale.lane_id, sale.sale_no)
            .map_err(|e| e.to_string())?
            .unwrap_or(Money::zero(sale.total.currency()));
        Ok(RefundPrint {
            sale,
            record,
            status,
            refunded_so_far,
        })
    }

    /// Units left to refund on each line of a sale.
    fn refundable(&self, lane_id: &str, sale_no: u64) -> Result<Vec<u32>, String> {
        let sale = self
            .journal
            .sale(lane_id, sale_no)
            .map_err(|e| e.to_string())?
            .ok_or_else(|| format!("no sale {sale_no} on lane {lane_id}"))?;
        let earlier = self
            .journal
            .refunds_of_sale(lane_id, sale_no)
            .map_err(|e| e.to_string())?;
        Ok(remainder(&sale, &Taken::from_records(&earlier)))
    }
}

fn refund_event(news: RefundNews) -> Event {
    Event::Refund(Box::new(news))
}

/// When the screen hears of a request sent at `sent`: the reply when it comes within the
/// timeout, else "no reply" at the timeout.
fn in_time<T>(d: Delivery<T>, sent: Timestamp) -> (Timestamp, Option<Box<T>>) {
    match d.deliver_at {
        Some(at) if at <= sent + REPLY_TIMEOUT => (at, Some(Box::new(d.body))),
        _ => (sent + REPLY_TIMEOUT, None),
    }
}
