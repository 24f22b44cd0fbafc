//! The acquirer API the counter calls: pay, query, cancel, refund and card authorization, each
//! keyed by the counter's idempotent request id.

use super::api::{
    CancelAction, CancelResponse, Delivery, PayMethod, PayRequest, PayResponse, PaymentStage,
    QueryResponse, RefundRequest, RefundResponse, RefundView,
};
use super::book::WalletMode;
use super::card::{
    CardAuth, CardDecline, CardRequest, CardResponse, find_test_card, luhn_valid, mask_pan,
};
use super::codes::{ResultCode, ResultInfo};
use super::state::{CodeChannel, MoveKind, Order, RefundRecord};
use super::{BACKEND_LATENCY_MS, CARD_LATENCY_MS, Call, Fault, MAX_ORDER_CODE_MS, Network};
use crate::clock::Timestamp;
use crate::money::Money;

/// Latency of a pay reply when the wallet is not known (bad code, order code).
const DEFAULT_PAY_LATENCY_MS: [u64; 2] = [300, 800];

fn ms(t: Timestamp) -> String {
    t.millis().to_string()
}

impl Network {
    /// A wallet-side id in the shape of Alipay's `trade_no`: date (UTC+8) + 2200 + 16 digits.
    fn payment_id_for(&self, request_id: &str, now: Timestamp) -> String {
        let date: String = now
            .format_local(480)
            .chars()
            .filter(char::is_ascii_digit)
            .take(8)
            .collect();
        let n = self.roll(&["payment-id", request_id], [0, 9_999_999_999_999_999]);
        format!("{date}2200{n:016}")
    }

    pub(super) fn new_order(&self, req: &PayRequest, mode: WalletMode, now: Timestamp) -> Order {
        Order {
            request_id: req.payment_request_id.clone(),
            payment_id: self.payment_id_for(&req.payment_request_id, now),
            amount: req.amount,
            method: req.method.clone(),
            mode,
            created_at: now,
            stage: PaymentStage::Failed,
            failure: None,
            wallet: None,
            shopper: None,
            quote: None,
            gross_wallet_amount: None,
            wallet_amount: None,
            promotion: None,
            settlement_amount: None,
            needs_password: false,
            paid_at: None,
            scheduled: None,
            closes_at: None,
            refunded: Money::zero(req.amount.currency()),
            returned_wallet: None,
            refund_count: 0,
            cancel: None,
        }
    }

    /// Pay. Payment code: the wallet decides at once (S/F) or asks the shopper (U). Order code:
    /// the order waits for a shopper to scan (U, "not yet scanned").
    pub fn pay(&mut self, req: PayRequest, now: Timestamp) -> Delivery<PayResponse> {
        self.tick(now);
        let id = req.payment_request_id.clone();
        let respond = |net: &Network, result: ResultInfo, with_view: bool, latency: [u64; 2]| {
            let order = net.orders.get(&id);
            let body = PayResponse {
                payment_request_id: id.clone(),
                result,
                payment: order.filter(|_| with_view).map(|o| net.view(o)),
            };
            Delivery {
                deliver_at: net.reply_at(order, now, &["pay", &id, &ms(now)], latency),
                body,
            }
        };
        if id.is_empty() || id.len() > 64 || req.amount.is_negative() || req.amount.is_zero() {
            let why = "paymentRequestId must be 1-64 chars and the amount positive.";
            return respond(
                self,
                ResultInfo::with_message(ResultCode::ParamIllegal, why),
                false,
                DEFAULT_PAY_LATENCY_MS,
            );
        }
        if self.tombstones.contains_key(&id) {
            let why = "This request id was cancelled before it was paid: use a new one.";
            return respond(
                self,
                ResultInfo::with_message(ResultCode::OrderIsClosed, why),
                false,
                DEFAULT_PAY_LATENCY_MS,
            );
        }
        if let Some(existing) = self.orders.get(&id) {
            let latency = self.pay_latency(existing);
            if existing.amount != req.amount || existing.method != req.method {
                let why =
                    "Same paymentRequestId with a different amount or code: start a new attempt.";
                return respond(
                    self,
                    ResultInfo::with_message(ResultCode::RepeatReqInconsistent, why),
                    false,
                    latency,
                );
            }
            // Idempotent: the same request gets the same (current) answer, never a second charge.
            let result = self.payment_result(existing);
            return respond(self, result, true, latency);
        }
        let fault = self.take_fault(Call::Pay);
        if fault == Some(Fault::Throttle(Call::Pay)) {
            return respond(
                self,
                ResultInfo::of(ResultCode::RequestTrafficExceedLimit),
                false,
                DEFAULT_PAY_LATENCY_MS,
            );
        }
        let rejected = match &req.method {
            PayMethod::PaymentCode { code } => {
                self.start_code_payment(&req, code, now);
                None
            }
            PayMethod::OrderCode {
                bill_number,
                expires_at,
            } => self.start_order_code(&req, bill_number, *expires_at, now),
            PayMethod::EntryCode { .. } => Some(ResultInfo::with_message(
                ResultCode::ParamIllegal,
                "Entry-code payments are started by the shopper, not by a pay request.",
            )),
        };
        if let Some(result) = rejected {
            return respond(self, result, false, DEFAULT_PAY_LATENCY_MS);
        }
        let flushed = self.flush().is_ok();
        let Some(order) = self.orders.get(&id) else {
            return respond(
                self,
                ResultInfo::of(ResultCode::UnknownException),
                false,
                DEFAULT_PAY_LATENCY_MS,
            );
        };
        let latency = self.pay_latency(order);
        let result = match order.stage {
            PaymentStage::AwaitingScan => ResultInfo::with_message(
                ResultCode::PaymentInProcess,
                "Order code created: show it and wait for the shopper to scan.",
            ),
            _ => self.payment_result(order),
        };
        let mut reply = respond(self, result, true, latency);
        if !flushed || fault == Some(Fault::SystemError(Call::Pay)) {
            reply.body.result = ResultInfo::of(ResultCode::UnknownException);
            reply.body.payment = None;
        }
        if fault == Some(Fault::DropReply(Call::Pay)) {
            reply.deliver_at = None;
        }
        reply
    }

    fn pay_latency(&self, o: &Order) -> [u64; 2] {
        o.wallet
            .as_ref()
            .and_then(|w| self.book.wallet(w))
            .map(|w| w.pay_latency_ms)
            .unwrap_or(DEFAULT_PAY_LATENCY_MS)
    }

    fn start_code_payment(&mut self, req: &PayRequest, code: &str, now: Timestamp) {
        let id = req.payment_request_id.clone();
        let mut order = self.new_order(req, WalletMode::PaymentCode, now);
        order.wallet = self.book.route(code).map(|w| w.id.clone());
        let issued = self.codes.get(code).cloned();
        let outcome = match &issued {
            None => Err(ResultCode::InvalidCode),
            Some(c) if c.used_by.is_some() || c.withdrawn => Err(ResultCode::InvalidCode),
            Some(c) if now >= c.expires_at => Err(ResultCode::ExpiredCode),
            Some(c) => Ok(c.clone()),
        };
        // Single use: the first pay that presents a code consumes it, whatever happens next.
        if let Some(c) = self.codes.get_mut(code)
            && c.used_by.is_none()
        {
            c.used_by = Some(id.clone());
            self.dirty_codes.insert(code.to_string());
        }
        let issued = match outcome {
            Err(failure) => {
                if let Some(c) = &issued {
                    order.shopper = Some(c.shopper.clone());
                }
                order.failure = Some(failure);
                self.insert_order(order);
                if let (Some(c), Some(screen)) = (issued, self.result_screen(&id)) {
                    self.last_screens.insert(c.shopper, (now, screen));
                }
                return;
            }
            Ok(c) => c,
        };
        let Some((wallet, shopper)) = self
            .wallet_of(&issued.shopper)
            .map(|(w, s)| (w.clone(), s.clone()))
        else {
            order.failure = Some(ResultCode::InvalidCode);
            self.insert_order(order);
            return;
        };
        order.mode = match issued.channel {
            CodeChannel::Scan => WalletMode::PaymentCode,
            CodeChannel::Tap => WalletMode::Tap,
        };
        order.wallet = Some(wallet.id.clone());
        order.shopper = Some(shopper.id.clone());
        match self.assess(&shopper, &wallet, req.amount, order.mode, now) {
            Err(failure) => {
                order.failure = Some(failure);
                self.insert_order(order);
                if let Some(screen) = self.result_screen(&id) {
                    self.last_screens.insert(shopper.id.clone(), (now, screen));
                }
            }
            Ok(a) => {
                // Taps always ask for a confirm on the phone; a scanned code only when the
                // password rule says so ("offline-to-online mode").
                let needs_confirm = a.needs_password || order.mode == WalletMode::Tap;
                order.quote = Some(a.quote);
                order.gross_wallet_amount = Some(a.gross);
                order.wallet_amount = Some(a.charge);
                order.promotion = a.promotion;
                order.settlement_amount = Some(a.settlement);
                order.needs_password = a.needs_password;
                if needs_confirm {
                    order.stage = PaymentStage::AwaitingShopper;
                    order.closes_at = Some(Timestamp(
                        now.millis() + i64::from(wallet.auto_close_s) * 1000,
                    ));
                    order.scheduled = self.schedule_for(&shopper, &wallet, &id, order.mode, now);
                    self.insert_order(order);
                    self.last_screens.remove(&shopper.id);
                } else {
                    order.stage = PaymentStage::AwaitingShopper;
                    self.insert_order(order);
                    self.charge(&id, now);
                }
            }
        }
    }

    fn start_order_code(
        &mut self,
        req: &PayRequest,
        bill_number: &str,
        expires_at: Timestamp,
        now: Timestamp,
    ) -> Option<ResultInfo> {
        if bill_number.is_empty() || expires_at <= now {
            return Some(ResultInfo::with_message(
                ResultCode::ParamIllegal,
                "An order code needs a bill number and an expiry in the future.",
            ));
        }
        let clash = self
            .bills
            .get(bill_number)
            .and_then(|id| self.orders.get(id))
            .is_some_and(|o| o.stage.is_open());
        if clash {
            return Some(ResultInfo::with_message(
                ResultCode::ParamIllegal,
                "That bill number belongs to another open order.",
            ));
        }
        let mut order = self.new_order(req, WalletMode::OrderCode, now);
        order.stage = PaymentStage::AwaitingScan;
        order.closes_at = Some(expires_at.min(Timestamp(now.millis() + MAX_ORDER_CODE_MS)));
        self.bills
            .insert(bill_number.to_string(), order.request_id.clone());
        self.insert_order(order);
        None
    }

    pub(super) fn insert_order(&mut self, order: Order) {
        let id = order.request_id.clone();
        if order.stage.is_open() {
            self.open_orders.insert(id.clone());
        } else {
            self.open_orders.remove(&id);
        }
        self.dirty_orders.insert(id.clone());
        self.orders.insert(id, order);
    }

    /// Inquiry. The call result (did the inquiry work?) is separate from the payment result.
    pub fn query(&mut self, payment_request_id: &str, now: Timestamp) -> Delivery<QueryResponse> {
        self.tick(now);
        let _ = self.flush();
        let id = payment_request_id.to_string();
        let fault = self.take_fault(Call::Query);
        let order = self.orders.get(&id);
        let mut body = match (order, self.tombstones.contains_key(&id)) {
            (Some(o), _) => QueryResponse {
                payment_request_id: id.clone(),
                result: ResultInfo::call_ok("Inquiry succeeded."),
                payment_result: Some(self.payment_result(o)),
                payment: Some(self.view(o)),
            },
            (None, true) => QueryResponse {
                payment_request_id: id.clone(),
                result: ResultInfo::call_ok("Inquiry succeeded."),
                payment_result: Some(ResultInfo::with_message(
                    ResultCode::OrderIsClosed,
                    "Cancelled before any payment arrived.",
                )),
                payment: None,
            },
            (None, false) => QueryResponse {
                payment_request_id: id.clone(),
                result: ResultInfo::with_message(
                    ResultCode::OrderNotExist,
                    "No payment with this request id.",
                ),
                payment_result: None,
                payment: None,
            },
        };
        let mut deliver_at =
            self.reply_at(order, now, &["query", &id, &ms(now)], BACKEND_LATENCY_MS);
        match fault {
            Some(Fault::Throttle(_)) => {
                body.result = ResultInfo::of(ResultCode::RequestTrafficExceedLimit);
                body.payment_result = None;
                body.payment = None;
            }
            Some(Fault::SystemError(_)) => {
                body.result = ResultInfo::of(ResultCode::UnknownException);
                body.payment_result = None;
                body.payment = None;
            }
            Some(Fault::DropReply(_)) => deliver_at = None,
            None => {}
        }
        Delivery { deliver_at, body }
    }

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
        if fault == Some(Fault::Throttle(Call::Cancel)) {
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
        if fault == Some(Fault::Throttle(Call::Refund)) {
            body.result = ResultInfo::of(ResultCode::RequestTrafficExceedLimit);
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

    fn record_refund(&mut self, req: &RefundRequest, view: RefundView) {
        let rec = RefundRecord {
            request_amount: req.amount,
            view,
        };
        self.pending.refunds.push(rec.clone());
        self.refunds.insert(req.refund_request_id.clone(), rec);
    }

    /// Card tap: the issuer approves or declines the test card at once.
    pub fn card_authorize(&mut self, req: CardRequest, now: Timestamp) -> Delivery<CardResponse> {
        self.tick(now);
        let fault = self.take_fault(Call::Card);
        let latency_key = ["card", req.request_id.as_str(), &ms(now)];
        let last4: String = req
            .pan
            .chars()
            .rev()
            .take(4)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        if let Some(existing) = self.cards.get(&req.request_id) {
            let mut resp = existing.response.clone();
            if existing.pan_fingerprint != last4 || existing.response.amount != req.amount {
                resp.result = ResultInfo::of(ResultCode::RepeatReqInconsistent);
                resp.approved = false;
            }
            return Delivery::at(self.after(now, &latency_key, CARD_LATENCY_MS), resp);
        }
        let mut resp = CardResponse {
            request_id: req.request_id.clone(),
            result: ResultInfo::call_ok("Approved."),
            approved: false,
            decline: None,
            response_code: "00".to_string(),
            brand: None,
            masked_pan: mask_pan(&req.pan),
            aid: None,
            auth_code: None,
            amount: req.amount,
            authorized_at: now,
        };
        if fault == Some(Fault::Throttle(Call::Card)) {
            resp.result = ResultInfo::of(ResultCode::RequestTrafficExceedLimit);
            resp.response_code = "91".to_string();
            return Delivery::at(self.after(now, &latency_key, CARD_LATENCY_MS), resp);
        }
        let card = find_test_card(&req.pan).filter(|_| luhn_valid(&req.pan));
        let decline = match card {
            None => Some(CardDecline::InvalidCard),
            Some(c) => c.outcome,
        };
        if req.request_id.is_empty() || req.amount.is_zero() || req.amount.is_negative() {
            resp.result = ResultInfo::of(ResultCode::ParamIllegal);
            resp.response_code = "30".to_string();
            return Delivery::at(self.after(now, &latency_key, CARD_LATENCY_MS), resp);
        }
        resp.brand = card.map(|c| c.brand);
        resp.aid = card.map(|c| c.brand.aid().to_string());
        match decline {
            Some(d) => {
                resp.decline = Some(d);
                resp.response_code = d.response_code().to_string();
                resp.result = ResultInfo::with_message(
                    ResultCode::ProcessFail,
                    format!("{}: {}", d.wire(), d.cashier_advice()),
                );
            }
            None => {
                resp.approved = true;
                let n = self.roll(&["auth-code", &req.request_id], [0, 999_999]);
                resp.auth_code = Some(format!("{n:06}"));
            }
        }
        let auth = CardAuth {
            pan_fingerprint: last4,
            response: resp.clone(),
            refunded: Money::zero(req.amount.currency()),
            refund_count: 0,
            voided: false,
        };
        self.cards.insert(req.request_id.clone(), auth);
        self.dirty_cards.insert(req.request_id.clone());
        if self.flush().is_err() || fault == Some(Fault::SystemError(Call::Card)) {
            resp.result = ResultInfo::of(ResultCode::UnknownException);
        }
        let deliver_at = (fault != Some(Fault::DropReply(Call::Card)))
            .then(|| self.after(now, &latency_key, CARD_LATENCY_MS));
        Delivery {
            deliver_at,
            body: resp,
        }
    }

    fn void_card(&mut self, id: &str, now: Timestamp, body: &mut CancelResponse) {
        let Some(auth) = self.cards.get_mut(id) else {
            return;
        };
        if !auth.response.approved {
            body.action = Some(CancelAction::Close);
        } else if !auth.refunded.is_zero() {
            body.result = ResultInfo::with_message(
                ResultCode::ProcessFail,
                "Already refunded: use refund for the rest.",
            );
        } else {
            auth.voided = true;
            body.action = Some(CancelAction::Refund);
            body.result =
                ResultInfo::call_ok(format!("Card authorization voided at {}.", now.millis()));
        }
        self.dirty_cards.insert(id.to_string());
    }

    fn refund_card(
        &mut self,
        req: &RefundRequest,
        now: Timestamp,
        out: &mut Option<RefundView>,
    ) -> ResultInfo {
        let Some(auth) = self.cards.get(&req.payment_request_id).cloned() else {
            return ResultInfo::of(ResultCode::OrderNotExist);
        };
        if !auth.response.approved || auth.voided {
            return ResultInfo::with_message(
                ResultCode::OrderIsClosed,
                "Only an approved card payment can be refunded.",
            );
        }
        if req.amount.currency() != auth.response.amount.currency() {
            return ResultInfo::with_message(
                ResultCode::ParamIllegal,
                "Refund in the payment's currency.",
            );
        }
        let Ok(refundable) = auth.response.amount.checked_sub(auth.refunded) else {
            return ResultInfo::of(ResultCode::ProcessFail);
        };
        if req.amount.amount() > refundable.amount() {
            return ResultInfo::with_message(
                ResultCode::RefundAmountExceed,
                format!("Refund exceeds the refundable {}.", refundable.with_code()),
            );
        }
        let Ok(total) = auth.refunded.checked_add(req.amount) else {
            return ResultInfo::of(ResultCode::ProcessFail);
        };
        if let Some(a) = self.cards.get_mut(&req.payment_request_id) {
            a.refunded = total;
            a.refund_count += 1;
        }
        self.dirty_cards.insert(req.payment_request_id.clone());
        let view = RefundView {
            refund_request_id: req.refund_request_id.clone(),
            refund_id: self.payment_id_for(&req.refund_request_id, now),
            payment_request_id: req.payment_request_id.clone(),
            amount: req.amount,
            wallet_amount: req.amount,
            rate: crate::money::Decimal::ONE,
            refunded_total: total,
            refunded_at: now,
        };
        self.record_refund(req, view.clone());
        *out = Some(view);
        ResultInfo::call_ok("Card refund accepted.")
    }
}
