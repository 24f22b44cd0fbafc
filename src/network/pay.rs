//! `pay`: a new payment by payment code or order code, and its idempotent repeats.

use super::api::{Delivery, PayMethod, PayRequest, PayResponse, PaymentStage};
use super::book::WalletMode;
use super::codes::{ResultCode, ResultInfo};
use super::state::{CodeChannel, Order, OrderMethod, code_digest};
use super::{Call, Fault, MAX_ORDER_CODE_MS, Network, ms};
use crate::clock::Timestamp;
use crate::money::Money;

/// Latency of a pay reply when the wallet is not known (bad code, order code).
const DEFAULT_PAY_LATENCY_MS: [u64; 2] = [300, 800];

impl Network {
    /// A wallet-side id in the shape of Alipay's `trade_no`: date (UTC+8) + 2200 + 16 digits.
    pub(crate) fn payment_id_for(&self, request_id: &str, now: Timestamp) -> String {
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
            method: OrderMethod::of(&req.method),
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
        // A repeat of an old id must find its order: unreadable history is a U, never a new order.
        if self.recall_or_note(&id) {
            return respond(
                self,
                ResultInfo::of(ResultCode::UnknownException),
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
            if existing.amount != req.amount || existing.method != OrderMethod::of(&req.method) {
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
        let digest = code_digest(code);
        if let Err(e) = self.recall_code(&digest) {
            // Unreadable: the code cannot be checked, so the payment fails without a charge.
            self.ledger_error = Some(e.to_string());
            order.failure = Some(ResultCode::UnknownException);
            self.insert_order(order);
            return;
        }
        let issued = self.codes.get(&digest).cloned();
        let outcome = match &issued {
            None => Err(ResultCode::InvalidCode),
            Some(c) if c.used_by.is_some() || c.withdrawn => Err(ResultCode::InvalidCode),
            Some(c) if now >= c.expires_at => Err(ResultCode::ExpiredCode),
            Some(c) => Ok(c.clone()),
        };
        // Single use: the first pay that presents a code consumes it, whatever happens next.
        if let Some(c) = self.codes.get_mut(&digest)
            && c.used_by.is_none()
        {
            c.used_by = Some(id.clone());
            // The digits leave memory once presented.
            c.code = None;
            self.dirty_codes.insert(digest.clone());
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
}
