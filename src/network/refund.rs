//! `refund`: all or part of a paid payment at its original FX rate, idempotent per refund id.

use super::api::{Delivery, PaymentStage, RefundRequest, RefundResponse, RefundView};
use super::codes::{ResultCode, ResultInfo};
use super::state::{MoveKind, RefundRecord};
use super::{BACKEND_LATENCY_MS, Call, Fault, Network, ms};
use crate::clock::Timestamp;
use crate::money::Money;

impl Network {
    /// Refund all or part of a paid payment at its original FX rate; idempotent per refund id.
    pub fn refund(&mut self, req: RefundRequest, now: Timestamp) -> Delivery<RefundResponse> {
        self.tick(now);
        let rid = req.refund_request_id.clone();
        let fault = self.take_fault(Call::Refund);
        let mut body = RefundResponse {
            refund_request_id: rid.clone(),
            result: ResultInfo::success(),
            refund: None,
        };
        let unreadable = match self.recall_refund(&rid) {
            Ok(()) => self.recall_or_note(&req.payment_request_id),
            Err(e) => {
                self.ledger_error = Some(e.to_string());
                true
            }
        };
        if fault == Some(Fault::Throttle(Call::Refund)) {
            body.result = ResultInfo::of(ResultCode::RequestTrafficExceedLimit);
        } else if unreadable {
            // Without its history a refund could move money twice: answer U, move nothing.
            body.result = ResultInfo::of(ResultCode::UnknownException);
        } else if let Some(done) = self.refunds.get(&rid) {
            if done.view.payment_request_id != req.payment_request_id
                || done.request_amount != req.amount
            {
                body.result = ResultInfo::of(ResultCode::RepeatReqInconsistent);
            } else {
                body.result = ResultInfo::call_ok("Refund already done (no funds moved again).");
                body.refund = Some(done.view.clone());
            }
        } else if rid.is_empty()
            || rid.len() > 64
            || req.amount.is_negative()
            || req.amount.is_zero()
        {
            body.result = ResultInfo::with_message(
                ResultCode::ParamIllegal,
                "refundRequestId 1-64 chars, amount positive.",
            );
        } else if self.cards.contains_key(&req.payment_request_id) {
            body.result = self.refund_card(&req, now, &mut body.refund);
        } else {
            body.result = self.refund_order(&req, now, &mut body.refund);
        }
        let flushed = self.flush().is_ok();
        let order = self.orders.get(&req.payment_request_id);
        let mut deliver_at =
            self.reply_at(order, now, &["refund", &rid, &ms(now)], BACKEND_LATENCY_MS);
        if !flushed || fault == Some(Fault::SystemError(Call::Refund)) {
            body.result = ResultInfo::of(ResultCode::UnknownException);
            body.refund = None;
        }
        if fault == Some(Fault::DropReply(Call::Refund)) {
            deliver_at = None;
        }
        Delivery { deliver_at, body }
    }

    fn refund_order(
        &mut self,
        req: &RefundRequest,
        now: Timestamp,
        out: &mut Option<RefundView>,
    ) -> ResultInfo {
        let Some(o) = self.orders.get(&req.payment_request_id).cloned() else {
            return ResultInfo::with_message(
                ResultCode::OrderNotExist,
                "No payment with this request id.",
            );
        };
        if !matches!(
            o.stage,
            PaymentStage::Paid | PaymentStage::PartiallyRefunded
        ) {
            return ResultInfo::with_message(
                ResultCode::OrderIsClosed,
                "Only a paid payment can be refunded.",
            );
        }
        let (Some(wallet), Some(shopper), Some(quote), Some(charged), Some(paid_at)) = (
            o.wallet.as_ref().and_then(|w| self.book.wallet(w)).cloned(),
            o.shopper.clone(),
            o.quote.clone(),
            o.wallet_amount,
            o.paid_at,
        ) else {
            return ResultInfo::of(ResultCode::ProcessFail);
        };
        if req.amount.currency() != o.amount.currency() {
            return ResultInfo::with_message(
                ResultCode::ParamIllegal,
                "Refund in the payment's currency.",
            );
        }
        let window_ms = i64::from(wallet.refund_window_days) * 86_400_000;
        if now.millis() > paid_at.millis().saturating_add(window_ms) {
            return ResultInfo::of(ResultCode::RefundWindowExceed);
        }
        if o.refund_count >= wallet.max_refunds {
            return ResultInfo::of(ResultCode::RefundCountExceed);
        }
        // The merchant can give back what it was settled (a merchant-funded discount is not its).
        let base = o.settlement_amount.unwrap_or(o.amount);
        let Ok(refundable) = base.checked_sub(o.refunded) else {
            return ResultInfo::of(ResultCode::ProcessFail);
        };
        if req.amount.amount() > refundable.amount() {
            return ResultInfo::with_message(
                ResultCode::RefundAmountExceed,
                format!("Refund exceeds the refundable {}.", refundable.with_code()),
            );
        }
        let returned = o.returned_wallet.unwrap_or(Money::zero(charged.currency()));
        let Ok(left_for_shopper) = charged.checked_sub(returned) else {
            return ResultInfo::of(ResultCode::ProcessFail);
        };
        let completes = req.amount == refundable;
        // Pro rata of what the shopper paid, at the original rate and rounding; the last
        // refund takes exactly what is left, so the sum never exceeds the charge.
        let wallet_refund = if completes {
            left_for_shopper
        } else {
            let exact = charged.amount() * req.amount.amount() / base.amount();
            let rounded = quote
                .rounding
                .strategy
                .round(exact, quote.rounding.decimals);
            let capped = rounded.min(left_for_shopper.amount());
            Money::new(capped, charged.currency()).unwrap_or(left_for_shopper)
        };
        let Ok(refunded_total) = o.refunded.checked_add(req.amount) else {
            return ResultInfo::of(ResultCode::ProcessFail);
        };
        let new_returned = returned.checked_add(wallet_refund).unwrap_or(charged);
        let id = o.request_id.clone();
        if let Some(m) = self.orders.get_mut(&id) {
            m.refunded = refunded_total;
            m.returned_wallet = Some(new_returned);
            m.refund_count += 1;
            m.stage = if completes {
                PaymentStage::Refunded
            } else {
                PaymentStage::PartiallyRefunded
            };
        }
        self.dirty_orders.insert(id.clone());
        self.move_balance(
            &shopper,
            MoveKind::Refund,
            wallet_refund,
            &req.refund_request_id,
            now,
        );
        let view = RefundView {
            refund_request_id: req.refund_request_id.clone(),
            refund_id: self.payment_id_for(&req.refund_request_id, now),
            payment_request_id: id,
            amount: req.amount,
            wallet_amount: wallet_refund,
            rate: quote.rate,
            refunded_total,
            refunded_at: now,
        };
        self.record_refund(req, view.clone());
        *out = Some(view);
        ResultInfo::call_ok(if completes {
            "Refunded in full."
        } else {
            "Partially refunded."
        })
    }

    pub(crate) fn record_refund(&mut self, req: &RefundRequest, view: RefundView) {
        let rec = RefundRecord {
            request_amount: req.amount,
            view,
        };
        self.pending.refunds.push(rec.clone());
        self.refunds.insert(req.refund_request_id.clone(), rec);
    }
}
