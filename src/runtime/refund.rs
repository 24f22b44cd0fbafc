//! Carries out the refund screen's effects: journal reads and writes, refund and cancel
//! requests. Replies go into the inbox at the time they are due; a reply later than the flow's
//! `REPLY_TIMEOUT` (or none) is delivered as "no reply" at the timeout, as `desk::run` waits.

use super::Runtime;
use crate::checkout::refund::desk;
use crate::checkout::refund::flow::REPLY_TIMEOUT;
use crate::checkout::refund::plan::{Taken, remainder};
use crate::checkout::{Event, RefundEffect, RefundNews};
use crate::clock::{Clock, Timestamp};
use crate::network::Delivery;

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
        };
        Some(refund_event(news))
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
