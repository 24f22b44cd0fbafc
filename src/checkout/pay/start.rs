//! Starting an attempt at the pay screen: a new request id, the journal row, the request, and
//! the first timers.

use crate::checkout::action::Effect;
use crate::checkout::attempt::{Attempt, AttemptRecord, AttemptState};
use crate::checkout::machine::{Checkout, Notice};
use crate::checkout::payment::{DeclineCode, PayMode, PayStatus, Timer, TimerKind};
use crate::checkout::sale::{SaleTender, WalletTender};
use crate::clock::Timestamp;
use crate::emv::{DynamicQr, WalletFamily};
use crate::network::{CardRequest, PayMethod, PayRequest, TEST_CARDS};

impl Checkout {
    fn next_request_id(&mut self) -> String {
        self.attempt_seq += 1;
        format!(
            "S{}L{}A{:06}",
            self.settings().store_id,
            self.settings().lane_id,
            self.attempt_seq
        )
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
            cancel_not_before: None,
            payment: None,
            card: None,
            request: None,
            resends: 0,
            resumed: false,
        }
    }

    /// The journal row for `attempt`: the sale as it will be committed, minus the tender the
    /// network will report, so a payment approved just before a crash can still become a sale.
    fn attempt_record(&self, attempt: &Attempt, now: Timestamp) -> AttemptRecord {
        let pending = self.sale(
            SaleTender::Wallet(WalletTender {
                brand: String::new(),
                mode: attempt.mode,
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
            mode: attempt.mode,
            amount: attempt.amount,
            state: AttemptState::Pending,
            created_at: now,
            basket: Some(pending),
            outcome: None,
        }
    }

    pub(in crate::checkout) fn start_qr_attempt(&mut self, now: Timestamp) -> Vec<Effect> {
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

    pub(in crate::checkout) fn start_code_attempt(
        &mut self,
        mode: PayMode,
        code: &str,
        now: Timestamp,
    ) -> Vec<Effect> {
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

    pub(in crate::checkout) fn start_card(&mut self, index: usize, now: Timestamp) -> Vec<Effect> {
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

    /// The journal refused the attempt's row, so its request never left.
    pub(in crate::checkout) fn on_pay_not_sent(
        &mut self,
        request_id: &str,
        reason: &str,
    ) -> Vec<Effect> {
        if let Some(p) = self.pay_state_mut().filter(|p| {
            p.attempt
                .as_ref()
                .is_some_and(|a| a.request_id == request_id)
        }) {
            p.status = PayStatus::Declined {
                code: DeclineCode::NotSent,
                advice: format!(
                    "The attempt could not be journaled, so nothing was sent ({reason}). Try again or take cash."
                ),
            };
        }
        vec![]
    }
}
