//! Wallet and card payments as transitions of the checkout: start an attempt, react to replies,
//! notifications and timers, cancel on expiry or on the cashier's word. Pure, like the rest of
//! the machine: every request, journal write and timer is an effect.
//!
//! Rules (wallets.md §1): each attempt has its own idempotent request id, journaled before the
//! request leaves; an in-process answer (U) is polled at the family's interval until a deadline,
//! then cancelled; a cancel that is not confirmed is retried, and after the last retry the attempt
//! is flagged for manual resolution; once a cancel is sent, its answer decides the outcome, not a
//! late success.

use super::action::{Effect, NetReply};
use super::machine::{Checkout, Notice, Screen};
use super::payment::{
    Attempt, PayMode, PayState, PayStatus, TRACE_LIMIT, Timer, TimerKind, TraceEntry,
    tender_from_view,
};
use super::sale::{CardTender, SaleTender, WalletTender};
use crate::checkout::Action;
use crate::clock::Timestamp;
use crate::emv::{DynamicQr, WalletFamily};
use crate::journal::{AttemptRecord, AttemptState};
use crate::network::{
    CancelAction, CardRequest, CardResponse, PayMethod, PayRequest, PaymentStage, PaymentView,
    ResultStatus, TEST_CARDS,
};

impl Checkout {
    /// F5–F8 on the basket: open the pay screen in `mode`.
    pub(super) fn open_pay(&mut self, mode: PayMode, now: Timestamp) -> Vec<Effect> {
        if self.basket.is_empty() {
            self.notice = Some(Notice::warn("The basket is empty: scan an item first."));
            return vec![];
        }
        self.notice = None;
        let status = match mode {
            PayMode::WalletQr => PayStatus::Sending,
            PayMode::PaymentCode => PayStatus::AwaitingCode,
            PayMode::Tap => PayStatus::AwaitingTap,
            PayMode::Card => PayStatus::AwaitingCard,
        };
        self.screen = Screen::Pay(Box::new(PayState {
            mode,
            status,
            attempt: None,
            input: String::new(),
        }));
        if mode == PayMode::WalletQr {
            return self.start_qr_attempt(now);
        }
        vec![]
    }

    fn next_request_id(&mut self) -> String {
        self.attempt_seq += 1;
        format!(
            "S{}L{}A{:06}",
            self.settings().store_id,
            self.settings().lane_id,
            self.attempt_seq
        )
    }

    fn pay_state(&self) -> Option<&PayState> {
        match &self.screen {
            Screen::Pay(p) => Some(p),
            _ => None,
        }
    }

    fn pay_state_mut(&mut self) -> Option<&mut PayState> {
        match &mut self.screen {
            Screen::Pay(p) => Some(p),
            _ => None,
        }
    }

    /// The attempt on screen, if `request_id` is it.
    fn current(&mut self, request_id: &str) -> Option<&mut PayState> {
        self.pay_state_mut().filter(|p| {
            p.attempt
                .as_ref()
                .is_some_and(|a| a.request_id == request_id)
        })
    }

    fn trace(
        &mut self,
        at: Timestamp,
        outgoing: bool,
        call: &'static str,
        id: &str,
        detail: String,
    ) {
        if self.trace.len() >= TRACE_LIMIT {
            self.trace.remove(0);
        }
        self.trace.push(TraceEntry {
            at,
            outgoing,
            call,
            request_id: id.to_string(),
            detail,
        });
    }

    fn new_attempt(
        &mut self,
        mode: PayMode,
        family: Option<WalletFamily>,
        now: Timestamp,
    ) -> Attempt {
        let plans = self.settings().plans;
        let plan = plans.for_family(family);
        let lifetime = match mode {
            PayMode::WalletQr => plans.qr_lifetime,
            PayMode::Card => plans.card_timeout,
            _ => plan.deadline,
        };
        Attempt {
            request_id: self.next_request_id(),
            mode,
            amount: self.totals().total,
            created_at: now,
            deadline: now + lifetime,
            qr_payload: None,
            family,
            plan,
            polls: 0,
            cancel_tries: 0,
            payment: None,
            card: None,
            request: None,
            resends: 0,
        }
    }

    /// The journal row for `attempt`: the sale as it will be committed, minus the tender the
    /// network will report, so a payment approved just before a crash can still become a sale.
    fn attempt_record(&self, attempt: &Attempt, now: Timestamp) -> AttemptRecord {
        let pending = self.sale(
            SaleTender::Wallet(WalletTender {
                brand: String::new(),
                mode: attempt.mode.as_str().into(),
                payment_request_id: attempt.request_id.clone(),
                wallet_txn_id: String::new(),
                masked_account: String::new(),
                amount: attempt.amount,
                wallet_amount: None,
                rate: None,
                promotion: None,
                settlement: None,
            }),
            now,
        );
        AttemptRecord {
            request_id: attempt.request_id.clone(),
            lane_id: self.settings().lane_id.clone(),
            mode: attempt.mode.as_str().into(),
            amount: attempt.amount,
            state: AttemptState::Pending,
            created_at: now,
            basket: serde_json::to_string(&pending).unwrap_or_default(),
            outcome: None,
        }
    }

    fn start_qr_attempt(&mut self, now: Timestamp) -> Vec<Effect> {
        let mut attempt = self.new_attempt(PayMode::WalletQr, None, now);
        // The bill number (tag 62/01) is the lane and attempt number: short, so the code fits
        // a version-6 QR on an 80×24 terminal, and unique within the store.
        let bill = format!("{}{:06}", self.settings().lane_id, self.attempt_seq);
        let qr = DynamicQr::new(
            &self.settings().merchant,
            attempt.amount,
            bill.clone(),
            None,
        );
        attempt.qr_payload = Some(qr.payload());
        let request = PayRequest {
            payment_request_id: attempt.request_id.clone(),
            amount: attempt.amount,
            method: PayMethod::OrderCode {
                bill_number: bill,
                expires_at: attempt.deadline,
            },
        };
        self.send_pay(attempt, request, now)
    }

    fn start_code_attempt(&mut self, mode: PayMode, code: &str, now: Timestamp) -> Vec<Effect> {
        // The digits are consumed whatever happens: a refused scan must not prefix the next one.
        if let Some(p) = self.pay_state_mut() {
            p.input.clear();
        }
        let family = match crate::emv::payment_code::classify(code) {
            Ok(WalletFamily::UnionPay) => {
                self.notice = Some(Notice::error(
                    "UnionPay QR is not enabled at this counter: choose another payment method.",
                ));
                return vec![];
            }
            Ok(family) => match family.cross_border() {
                Ok(()) => family,
                Err(e) => {
                    self.notice = Some(Notice::error(format!(
                        "{e}: ask for another wallet or payment method."
                    )));
                    return vec![];
                }
            },
            Err(e) => {
                self.notice = Some(Notice::error(format!(
                    "Not a payment code: {e}. Scan the code on the shopper's phone."
                )));
                return vec![];
            }
        };
        let attempt = self.new_attempt(mode, Some(family), now);
        let request = PayRequest {
            payment_request_id: attempt.request_id.clone(),
            amount: attempt.amount,
            method: PayMethod::PaymentCode {
                code: code.to_string(),
            },
        };
        self.notice = Some(Notice::info(format!("{} code: sending", family)));
        self.send_pay(attempt, request, now)
    }

    fn send_pay(
        &mut self,
        mut attempt: Attempt,
        request: PayRequest,
        now: Timestamp,
    ) -> Vec<Effect> {
        attempt.request = Some(request.clone());
        let record = self.attempt_record(&attempt, now);
        let id = attempt.request_id.clone();
        let first_poll = now + attempt.plan.interval;
        let deadline = attempt.deadline;
        let amount = attempt.amount.with_code();
        if let Some(p) = self.pay_state_mut() {
            p.status = PayStatus::Sending;
            p.attempt = Some(attempt);
            p.input.clear();
        }
        self.trace(now, true, "pay", &id, amount);
        vec![
            Effect::Pay { record, request },
            Effect::SetTimer {
                at: first_poll,
                timer: Timer {
                    request_id: id.clone(),
                    kind: TimerKind::Poll { n: 0 },
                },
            },
            Effect::SetTimer {
                at: deadline,
                timer: Timer {
                    request_id: id,
                    kind: TimerKind::Deadline,
                },
            },
        ]
    }

    fn start_card(&mut self, index: usize, now: Timestamp) -> Vec<Effect> {
        let Some(card) = TEST_CARDS.get(index) else {
            return vec![];
        };
        let mut attempt = self.new_attempt(PayMode::Card, None, now);
        attempt.card = Some(card.pan.to_string());
        let record = self.attempt_record(&attempt, now);
        let request = CardRequest {
            request_id: attempt.request_id.clone(),
            pan: card.pan.to_string(),
            amount: attempt.amount,
        };
        let id = attempt.request_id.clone();
        let timeout = attempt.deadline;
        if let Some(p) = self.pay_state_mut() {
            p.status = PayStatus::Sending;
            p.attempt = Some(attempt);
        }
        self.trace(
            now,
            true,
            "card",
            &id,
            format!("{} {}", card.brand.name(), request.amount.with_code()),
        );
        vec![
            Effect::CardAuthorize { record, request },
            Effect::SetTimer {
                at: timeout,
                timer: Timer {
                    request_id: id,
                    kind: TimerKind::CardTimeout,
                },
            },
        ]
    }

    /// Keys on the pay screen.
    pub(super) fn on_pay_action(&mut self, action: Action, now: Timestamp) -> Vec<Effect> {
        let Some(state) = self.pay_state().cloned() else {
            return vec![];
        };
        match (&state.status, action) {
            (PayStatus::AwaitingCode, Action::Char(c)) if c.is_ascii_digit() => {
                if let Some(p) = self.pay_state_mut()
                    && p.input.len() < 32
                {
                    p.input.push(c);
                }
                vec![]
            }
            (PayStatus::AwaitingCode, Action::Backspace) => {
                if let Some(p) = self.pay_state_mut() {
                    p.input.pop();
                }
                vec![]
            }
            (PayStatus::AwaitingCode, Action::Enter) if !state.input.is_empty() => {
                self.start_code_attempt(state.mode, &state.input, now)
            }
            (PayStatus::AwaitingCard, Action::Char(c)) if c.is_ascii_digit() => {
                // 1–9 pick the first nine test cards, 0 the tenth.
                let index = (c as usize - '0' as usize + 9) % 10;
                self.start_card(index, now)
            }
            (
                PayStatus::AwaitingCode | PayStatus::AwaitingTap | PayStatus::AwaitingCard,
                Action::Back,
            ) => self.leave_pay(),
            (status, Action::Back) if status.is_live() => {
                let id = state.attempt.map(|a| a.request_id).unwrap_or_default();
                self.begin_cancel(&id, "cancelled by the cashier", now)
            }
            (status, Action::Back) if status.is_final() => self.leave_pay(),
            (status, Action::Enter) if status.is_final() => {
                // A new attempt: new request id, and a fresh code from the shopper.
                self.open_pay(state.mode, now)
            }
            _ => vec![],
        }
    }

    fn leave_pay(&mut self) -> Vec<Effect> {
        self.screen = Screen::Basket;
        self.notice = Some(Notice::info("Back to the basket: choose a payment method."));
        vec![]
    }

    /// A tap arrives from the shopper's phone.
    pub(super) fn on_tapped(&mut self, code: String, now: Timestamp) -> Vec<Effect> {
        match self.pay_state() {
            Some(p) if p.mode == PayMode::Tap && p.status == PayStatus::AwaitingTap => {
                self.start_code_attempt(PayMode::Tap, &code, now)
            }
            _ => {
                self.notice = Some(Notice::warn(
                    "A tap arrived, but the counter is not waiting for one: press F7 first.",
                ));
                vec![]
            }
        }
    }

    pub(super) fn on_pay_not_sent(&mut self, request_id: &str, reason: &str) -> Vec<Effect> {
        if let Some(p) = self.current(request_id) {
            p.status = PayStatus::Declined {
                code: "NOT_SENT".into(),
                advice: format!(
                    "The attempt could not be journaled, so nothing was sent ({reason}). Try again or take cash."
                ),
            };
        }
        vec![]
    }

    pub(super) fn on_net(&mut self, reply: NetReply, now: Timestamp) -> Vec<Effect> {
        let id = match &reply {
            NetReply::Pay(r) => &r.payment_request_id,
            NetReply::Query(r) => &r.payment_request_id,
            NetReply::Cancel(r) => &r.payment_request_id,
            NetReply::Notify(n) => &n.payment_request_id,
            NetReply::Card(r) => &r.request_id,
        };
        if self.current(id).is_some() {
            // The answer supersedes "sending…" and similar hints.
            self.notice = None;
        }
        match reply {
            NetReply::Pay(r) => {
                let detail = format!("{} {}", r.result.status.wire(), r.result.code.wire());
                self.trace(now, false, "pay", &r.payment_request_id, detail);
                if r.result.code == crate::network::ResultCode::RequestTrafficExceedLimit {
                    return self.schedule_resend(&r.payment_request_id, now);
                }
                self.on_payment_news(
                    &r.payment_request_id,
                    r.result.status,
                    r.result.code.wire(),
                    r.payment,
                    now,
                )
            }
            NetReply::Query(r) => {
                let detail = match &r.payment_result {
                    Some(p) => format!(
                        "{} · payment {} {}",
                        r.result.status.wire(),
                        p.status.wire(),
                        p.code.wire()
                    ),
                    None => format!("{} {}", r.result.status.wire(), r.result.code.wire()),
                };
                self.trace(now, false, "query", &r.payment_request_id, detail);
                match (r.result.status, r.payment_result) {
                    (ResultStatus::Success, Some(p)) => self.on_payment_news(
                        &r.payment_request_id,
                        p.status,
                        p.code.wire(),
                        r.payment,
                        now,
                    ),
                    // The order is unknown (the pay never arrived) or the inquiry failed: keep
                    // polling until the deadline; the cancel then closes the id for good.
                    _ => self.schedule_poll(&r.payment_request_id, now),
                }
            }
            NetReply::Notify(n) => {
                let detail = format!(
                    "{} {}",
                    n.payment_result.status.wire(),
                    n.payment_result.code.wire()
                );
                self.trace(now, false, "notify", &n.payment_request_id, detail);
                self.on_payment_news(
                    &n.payment_request_id,
                    n.payment_result.status,
                    n.payment_result.code.wire(),
                    Some(n.payment),
                    now,
                )
            }
            NetReply::Cancel(r) => {
                let detail = format!(
                    "{} {}{}",
                    r.result.status.wire(),
                    r.result.code.wire(),
                    match r.action {
                        Some(CancelAction::Close) => " action=close",
                        Some(CancelAction::Refund) => " action=refund",
                        None => "",
                    }
                );
                self.trace(now, false, "cancel", &r.payment_request_id, detail);
                self.on_cancel_reply(r, now)
            }
            NetReply::Card(r) => {
                let detail = format!(
                    "{} {}",
                    r.response_code,
                    if r.approved { "APPROVED" } else { "DECLINED" }
                );
                self.trace(now, false, "card", &r.request_id, detail);
                self.on_card_reply(r, now)
            }
        }
    }

    /// A pay reply, query result or notification says where the payment is.
    fn on_payment_news(
        &mut self,
        request_id: &str,
        status: ResultStatus,
        code: &str,
        payment: Option<PaymentView>,
        now: Timestamp,
    ) -> Vec<Effect> {
        let Some(p) = self.current(request_id) else {
            return vec![];
        };
        if !p.status.is_live() {
            // Cancelling, approved or final: a late answer changes nothing (the cancel reply
            // decides, wallets.md §1.1).
            return vec![];
        }
        if let (Some(a), Some(view)) = (p.attempt.as_mut(), payment.as_ref()) {
            a.payment = Some(view.clone());
        }
        match status {
            ResultStatus::Success => self.approve(request_id, now),
            ResultStatus::Failed => {
                let advice = crate::network::ResultCode::from_wire(code)
                    .map(|c| c.cashier_advice().to_string())
                    .unwrap_or_else(|| "Declined: choose another payment method.".into());
                p.status = PayStatus::Declined {
                    code: code.to_string(),
                    advice: advice.clone(),
                };
                vec![Effect::FinishAttempt {
                    request_id: request_id.to_string(),
                    state: AttemptState::Failed,
                    outcome: code.to_string(),
                }]
            }
            ResultStatus::Unknown => {
                let stage = payment.as_ref().map(|v| v.stage);
                p.status = match stage {
                    Some(PaymentStage::AwaitingScan) => PayStatus::WaitingForScan,
                    Some(PaymentStage::AwaitingShopper) => PayStatus::ShopperConfirming,
                    _ if p.mode == PayMode::WalletQr && p.status == PayStatus::Sending => {
                        PayStatus::WaitingForScan
                    }
                    // Only the wallet's "in process" means the shopper is confirming; an
                    // unknown result keeps "sending" while the polls find out.
                    _ if p.status == PayStatus::Sending
                        && matches!(code, "PAYMENT_IN_PROCESS" | "USERPAYING") =>
                    {
                        PayStatus::ShopperConfirming
                    }
                    _ => p.status.clone(),
                };
                vec![]
            }
        }
    }

    /// The acquirer throttled the pay: send the same request again after a second, a few times.
    fn schedule_resend(&mut self, request_id: &str, now: Timestamp) -> Vec<Effect> {
        let Some(p) = self.current(request_id) else {
            return vec![];
        };
        let Some(a) = p.attempt.as_ref() else {
            return vec![];
        };
        if p.status != PayStatus::Sending || a.resends >= super::payment::MAX_RESENDS {
            return vec![];
        }
        vec![Effect::SetTimer {
            at: now + std::time::Duration::from_secs(1),
            timer: Timer {
                request_id: request_id.to_string(),
                kind: TimerKind::Resend { n: a.resends },
            },
        }]
    }

    fn schedule_poll(&mut self, request_id: &str, now: Timestamp) -> Vec<Effect> {
        let Some(p) = self.current(request_id) else {
            return vec![];
        };
        let Some(a) = p.attempt.as_ref() else {
            return vec![];
        };
        if !p.status.is_live() {
            return vec![];
        }
        let at = now + a.plan.interval;
        if at >= a.deadline {
            return vec![];
        }
        vec![Effect::SetTimer {
            at,
            timer: Timer {
                request_id: request_id.to_string(),
                kind: TimerKind::Poll { n: a.polls },
            },
        }]
    }

    pub(super) fn on_timer(&mut self, timer: Timer, now: Timestamp) -> Vec<Effect> {
        let Some(p) = self.current(&timer.request_id) else {
            return vec![];
        };
        let Some(a) = p.attempt.as_mut() else {
            return vec![];
        };
        match timer.kind {
            TimerKind::Poll { n } if p.status.is_live() && n == a.polls => {
                a.polls += 1;
                let id = a.request_id.clone();
                self.trace(now, true, "query", &id, String::new());
                let mut effects = vec![Effect::Query {
                    request_id: id.clone(),
                }];
                // The next poll is set now, so a lost query reply does not stop the polling.
                effects.extend(self.schedule_poll(&id, now));
                effects
            }
            TimerKind::Deadline if p.status.is_live() => {
                let why = if p.mode == PayMode::WalletQr {
                    "the QR code expired"
                } else {
                    "no answer before the deadline"
                };
                self.begin_cancel(&timer.request_id, why, now)
            }
            TimerKind::Cancel { n }
                if matches!(p.status, PayStatus::Cancelling { .. }) && n == a.cancel_tries =>
            {
                self.send_cancel(&timer.request_id, now)
            }
            TimerKind::Resend { n } if p.status == PayStatus::Sending && n == a.resends => {
                a.resends += 1;
                let Some(request) = a.request.clone() else {
                    return vec![];
                };
                let id = a.request_id.clone();
                self.trace(now, true, "pay", &id, "resent after a throttle".into());
                vec![Effect::ResendPay { request }]
            }
            TimerKind::CardTimeout if p.status == PayStatus::Sending => {
                p.status = PayStatus::NeedsManual {
                    why: "no answer from the card network: check the terminal's batch before charging again".into(),
                };
                vec![Effect::FinishAttempt {
                    request_id: timer.request_id,
                    state: AttemptState::NeedsManual,
                    outcome: "card timeout".into(),
                }]
            }
            _ => vec![],
        }
    }

    /// Stop waiting and cancel the order (WeChat: not before 15 s after creation).
    fn begin_cancel(&mut self, request_id: &str, why: &str, now: Timestamp) -> Vec<Effect> {
        let Some(p) = self.current(request_id) else {
            return vec![];
        };
        let Some(a) = p.attempt.as_ref() else {
            return vec![];
        };
        if p.mode == PayMode::Card {
            return vec![];
        }
        let earliest = a.created_at + a.plan.cancel_min_age;
        let n = a.cancel_tries;
        let min_age = a.plan.cancel_min_age.as_secs();
        p.status = PayStatus::Cancelling {
            why: why.to_string(),
        };
        if earliest > now {
            self.notice = Some(Notice::info(format!(
                "Reversal waits until {min_age} s after the order, as the wallet requires."
            )));
            return vec![Effect::SetTimer {
                at: earliest,
                timer: Timer {
                    request_id: request_id.to_string(),
                    kind: TimerKind::Cancel { n },
                },
            }];
        }
        self.send_cancel(request_id, now)
    }

    /// Sends the cancel, and sets the timer that retries it if no answer comes back.
    fn send_cancel(&mut self, request_id: &str, now: Timestamp) -> Vec<Effect> {
        let Some(p) = self.current(request_id) else {
            return vec![];
        };
        let Some(a) = p.attempt.as_mut() else {
            return vec![];
        };
        if a.cancel_tries > a.plan.cancel_retries {
            return self.needs_manual(request_id, "the cancel was never confirmed");
        }
        a.cancel_tries += 1;
        let n = a.cancel_tries;
        let retry_at = now + a.plan.cancel_retry_interval;
        self.trace(now, true, "cancel", request_id, format!("try {n}"));
        vec![
            Effect::Cancel {
                request_id: request_id.to_string(),
            },
            Effect::SetTimer {
                at: retry_at,
                timer: Timer {
                    request_id: request_id.to_string(),
                    kind: TimerKind::Cancel { n },
                },
            },
        ]
    }

    fn needs_manual(&mut self, request_id: &str, why: &str) -> Vec<Effect> {
        if let Some(p) = self.current(request_id) {
            p.status = PayStatus::NeedsManual {
                why: format!("{why}: settle it with the acquirer before taking another payment"),
            };
        }
        vec![Effect::FinishAttempt {
            request_id: request_id.to_string(),
            state: AttemptState::NeedsManual,
            outcome: why.to_string(),
        }]
    }

    fn on_cancel_reply(
        &mut self,
        r: crate::network::CancelResponse,
        now: Timestamp,
    ) -> Vec<Effect> {
        let id = r.payment_request_id.clone();
        let Some(p) = self.current(&id) else {
            return vec![];
        };
        let PayStatus::Cancelling { why } = p.status.clone() else {
            return vec![];
        };
        let Some(a) = p.attempt.as_mut() else {
            return vec![];
        };
        match (r.result.status, r.action) {
            (ResultStatus::Success, action) => {
                let refunded = action == Some(CancelAction::Refund);
                p.status = PayStatus::Cancelled {
                    refunded,
                    why: why.clone(),
                };
                let (state, outcome) = if refunded {
                    (
                        AttemptState::Reversed,
                        format!("cancelled ({why}); the wallet returned the charge"),
                    )
                } else {
                    (
                        AttemptState::Failed,
                        format!("cancelled ({why}); nothing charged"),
                    )
                };
                vec![Effect::FinishAttempt {
                    request_id: id,
                    state,
                    outcome,
                }]
            }
            _ if r.retry || r.result.status == ResultStatus::Unknown => {
                // Retry at the time the wallet names (WeChat's 15 s) or the plan's interval.
                let n = a.cancel_tries;
                let at = r
                    .retry_at
                    .filter(|t| *t > now)
                    .unwrap_or(now + a.plan.cancel_retry_interval);
                vec![Effect::SetTimer {
                    at,
                    timer: Timer {
                        request_id: id,
                        kind: TimerKind::Cancel { n },
                    },
                }]
            }
            _ => {
                let code = r.result.code.wire();
                self.needs_manual(&id, &format!("cancel refused ({code})"))
            }
        }
    }

    fn on_card_reply(&mut self, r: CardResponse, now: Timestamp) -> Vec<Effect> {
        let Some(p) = self.current(&r.request_id) else {
            return vec![];
        };
        if p.status != PayStatus::Sending {
            return vec![];
        }
        if r.approved {
            p.status = PayStatus::Approved;
            let tender = SaleTender::Card(CardTender {
                brand: r
                    .brand
                    .map(|b| b.name().to_string())
                    .unwrap_or_else(|| "Card".into()),
                masked_pan: r.masked_pan.clone(),
                aid: r.aid.clone().unwrap_or_default(),
                auth_code: r.auth_code.clone().unwrap_or_default(),
                amount: r.amount,
            });
            let sale = self.sale(tender, now);
            return vec![Effect::CommitSale {
                sale,
                attempt: Some(r.request_id),
            }];
        }
        let reason = r
            .decline
            .map(|d| d.wire().to_string())
            .unwrap_or_else(|| r.result.code.wire().to_string());
        p.status = PayStatus::Declined {
            code: format!("{} ({})", reason, r.response_code),
            advice: r
                .decline
                .map(|d| d.cashier_advice().to_string())
                .unwrap_or_else(|| "Card declined: ask for another card or method.".into()),
        };
        vec![Effect::FinishAttempt {
            request_id: r.request_id,
            state: AttemptState::Failed,
            outcome: reason,
        }]
    }

    /// The wallet says paid: commit the sale with what the wallet reported.
    fn approve(&mut self, request_id: &str, now: Timestamp) -> Vec<Effect> {
        let Some(p) = self.current(request_id) else {
            return vec![];
        };
        let Some(a) = p.attempt.clone() else {
            return vec![];
        };
        p.status = PayStatus::Approved;
        let tender = SaleTender::Wallet(tender_from_view(
            &a.request_id,
            a.mode.as_str(),
            a.amount,
            a.payment.as_ref(),
        ));
        let sale = self.sale(tender, now);
        vec![Effect::CommitSale {
            sale,
            attempt: Some(request_id.to_string()),
        }]
    }
}
