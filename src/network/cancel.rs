//! `cancel`: close an unpaid order, reverse a paid one, or close an unknown id for good.

use super::api::{CancelAction, CancelResponse, Delivery, PaymentStage};
use super::book::WalletMode;
use super::codes::{ResultCode, ResultInfo};
use super::state::{MoveKind, Order};
use super::{BACKEND_LATENCY_MS, Call, Fault, Network, ms};
use crate::clock::Timestamp;

impl Network {
    /// Cancel / reverse: closes an unpaid order, or returns the money of a paid one
    /// (`action` close vs refund). Unknown ids are closed for good (a later pay is refused).
    pub fn cancel(&mut self, payment_request_id: &str, now: Timestamp) -> Delivery<CancelResponse> {
        self.tick(now);
        let id = payment_request_id.to_string();
        let fault = self.take_fault(Call::Cancel);
        let mut body = CancelResponse {
            payment_request_id: id.clone(),
            result: ResultInfo::call_ok("Cancelled."),
            action: None,
            retry: false,
            retry_at: None,
            payment: None,
        };
        // Unreadable history must not become a tombstone over a paid order: retry instead.
        let unreadable = self.recall_or_note(&id);
        if unreadable || fault == Some(Fault::Throttle(Call::Cancel)) {
            body.result = ResultInfo::with_message(
                ResultCode::UnknownException,
                "Cancel not done yet: retry.",
            );
            body.retry = true;
            let at = self.reply_at(
                self.orders.get(&id),
                now,
                &["cancel", &id, &ms(now)],
                BACKEND_LATENCY_MS,
            );
            return Delivery {
                deliver_at: at,
                body,
            };
        }
        if self.cards.contains_key(&id) {
            self.void_card(&id, now, &mut body);
        } else if let Some(order) = self.orders.get(&id).cloned() {
            self.cancel_order(&order, now, &mut body);
        } else {
            // Never seen (e.g. the pay was lost before it arrived): close the id for good.
            if !self.tombstones.contains_key(&id) {
                self.tombstones.insert(id.clone(), now);
                self.pending.tombstones.push((id.clone(), now));
            }
            body.action = Some(CancelAction::Close);
            body.result =
                ResultInfo::call_ok("No payment with this id; it is closed and can never be paid.");
        }
        let flushed = self.flush().is_ok();
        body.payment = self.orders.get(&id).map(|o| self.view(o));
        let mut deliver_at = self.reply_at(
            self.orders.get(&id),
            now,
            &["cancel", &id, &ms(now)],
            BACKEND_LATENCY_MS,
        );
        if !flushed || fault == Some(Fault::SystemError(Call::Cancel)) {
            body.result = ResultInfo::of(ResultCode::UnknownException);
            body.retry = true;
        }
        if fault == Some(Fault::DropReply(Call::Cancel)) {
            deliver_at = None;
        }
        Delivery { deliver_at, body }
    }

    fn cancel_order(&mut self, order: &Order, now: Timestamp, body: &mut CancelResponse) {
        let id = order.request_id.clone();
        if let Some((action, _)) = order.cancel {
            body.action = Some(action);
            body.result = ResultInfo::call_ok("Already cancelled.");
            return;
        }
        let wallet = order
            .wallet
            .as_ref()
            .and_then(|w| self.book.wallet(w))
            .cloned();
        if let Some(w) = &wallet {
            if now >= w.cancel_window.closes_at(order.created_at) {
                body.result = ResultInfo::of(ResultCode::CancelWindowExceed);
                return;
            }
            let earliest =
                Timestamp(order.created_at.millis() + i64::from(w.poll.cancel_min_age_s) * 1000);
            if now < earliest && order.mode != WalletMode::OrderCode {
                body.result = ResultInfo::with_message(
                    ResultCode::ReverseTooEarly,
                    format!(
                        "{} accepts a reverse only {} s after the order.",
                        w.brand, w.poll.cancel_min_age_s
                    ),
                );
                body.retry = true;
                body.retry_at = Some(earliest);
                return;
            }
        }
        match order.stage {
            PaymentStage::AwaitingScan
            | PaymentStage::AwaitingShopper
            | PaymentStage::Failed
            | PaymentStage::Closed => {
                self.finish_unpaid(
                    &id,
                    PaymentStage::Cancelled,
                    order.failure.unwrap_or(ResultCode::OrderIsClosed),
                    now,
                );
                if let Some(o) = self.orders.get_mut(&id) {
                    o.cancel = Some((CancelAction::Close, now));
                    if order.stage.is_open() {
                        o.failure = Some(ResultCode::OrderIsClosed);
                    }
                }
                body.action = Some(CancelAction::Close);
            }
            PaymentStage::Paid => {
                let (Some(shopper), Some(charged)) = (order.shopper.clone(), order.wallet_amount)
                else {
                    body.result = ResultInfo::of(ResultCode::ProcessFail);
                    return;
                };
                self.move_balance(&shopper, MoveKind::Reversal, charged, &id, now);
                if let Some(o) = self.orders.get_mut(&id) {
                    o.stage = PaymentStage::Reversed;
                    o.returned_wallet = Some(charged);
                    o.cancel = Some((CancelAction::Refund, now));
                }
                self.dirty_orders.insert(id.clone());
                if let Some(screen) = self.result_screen(&id) {
                    self.last_screens.insert(shopper, (now, screen));
                }
                body.action = Some(CancelAction::Refund);
                body.result =
                    ResultInfo::call_ok("Cancelled after payment: the charge was returned.");
            }
            PaymentStage::PartiallyRefunded | PaymentStage::Refunded => {
                body.result = ResultInfo::with_message(
                    ResultCode::ProcessFail,
                    "Already (partly) refunded: use refund for the rest.",
                );
            }
            PaymentStage::Cancelled | PaymentStage::Reversed => {
                body.result = ResultInfo::call_ok("Already cancelled.");
            }
        }
    }
}
