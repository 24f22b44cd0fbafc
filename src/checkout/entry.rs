//! The static entry code at the counter (wallets.md §1.3, scenario 31). The counter shows the
//! store's fixed QR (no amount) and sends no pay request; the shopper types the amount on their
//! phone and the network notifies the merchant. The counter matches by amount and time:
//!
//! - a paid notification whose amount equals the basket total, for a payment created while the
//!   static screen is open, completes the sale (journaled as a paid attempt with the network's
//!   request id, then committed; PAID only after the commit);
//! - any other paid entry-code notification (different amount, created before the screen
//!   opened, or no static screen open) is journaled as an `unmatched` attempt, so it is never
//!   lost: the cashier refunds it or settles it by hand, and `qrtill reconcile` lists it.

use super::Action;
use super::action::Effect;
use super::attempt::{AttemptRecord, AttemptState, tender_from_view};
use super::machine::{Checkout, Notice, Screen};
use super::payment::PayMode;
use super::sale::{CompletedSale, SaleTender};
use crate::clock::Timestamp;
use crate::emv::StaticQr;
use crate::money::Money;
use crate::network::{Notification, ResultCode};

/// What the static screen shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaticState {
    /// The store's static code (EMV MPM, point of initiation 11, no amount). Empty when the
    /// merchant configuration cannot be encoded (`error` says why).
    pub payload: String,
    pub error: Option<String>,
    /// The basket total the shopper must type.
    pub expected: Money,
    /// Payments created before this are not this sale's.
    pub opened_at: Timestamp,
    /// The matching payment being committed, once one arrived.
    pub committing: Option<String>,
    /// Payments that arrived while the screen was open but did not match, newest last.
    pub unmatched: Vec<UnmatchedPayment>,
}

/// A paid entry-code payment the counter did not take as the sale.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnmatchedPayment {
    pub request_id: String,
    pub amount: Money,
    pub brand: String,
}

impl Checkout {
    /// F4 on the basket: show the static code for the current total.
    pub(super) fn open_static(&mut self, now: Timestamp) {
        if self.basket.is_empty() {
            self.notice = Some(Notice::warn("The basket is empty: scan an item first."));
            return;
        }
        let qr = StaticQr::new(
            &self.settings.merchant,
            self.settings.currency,
            Some(format!("L{}", self.settings.lane_id)),
        );
        let (payload, error) = match qr.try_payload() {
            Ok(p) => (p, None),
            Err(e) => (String::new(), Some(e.to_string())),
        };
        let expected = self.totals().total;
        self.notice = None;
        self.screen = Screen::Static(Box::new(StaticState {
            payload,
            error,
            expected,
            opened_at: now,
            committing: None,
            unmatched: Vec::new(),
        }));
    }

    /// Keys on the static screen: only Esc (back to the basket) while nothing is committing.
    pub(super) fn on_static_action(&mut self, state: StaticState, action: Action) -> Vec<Effect> {
        if action == Action::Back && state.committing.is_none() {
            self.screen = Screen::Basket;
            self.notice = Some(Notice::info(
                "Left the static code: a payment arriving now is kept as unmatched.",
            ));
        }
        vec![]
    }

    /// A notification about an order the acquirer created for the static code.
    pub(super) fn on_entry_notify(&mut self, n: Notification, now: Timestamp) -> Vec<Effect> {
        let id = n.payment_request_id.clone();
        let view = n.payment;
        let paid = n.payment_result.code == ResultCode::Success && view.stage.was_paid();
        let detail = format!(
            "static code {} {}",
            view.amount,
            n.payment_result.code.wire()
        );
        self.trace(now, false, "notify", &id, detail);
        if !paid {
            // Declined or closed on the phone: nothing was charged, nothing to match.
            return vec![];
        }
        let tender = tender_from_view(&id, PayMode::StaticCode, view.amount, Some(&view));
        let brand = tender.brand.clone();
        let record =
            |basket: Option<CompletedSale>, state, outcome: Option<String>| AttemptRecord {
                request_id: id.clone(),
                lane_id: self.settings.lane_id.clone(),
                mode: PayMode::StaticCode,
                amount: view.amount,
                state,
                created_at: view.created_at,
                basket,
                outcome,
            };
        let open = match &self.screen {
            Screen::Static(s) => Some((s.expected, s.opened_at, s.committing.is_none())),
            _ => None,
        };
        match open {
            Some((expected, opened_at, true))
                if view.amount == expected && view.created_at >= opened_at =>
            {
                let sale = self.sale(SaleTender::Wallet(tender), now);
                let record = record(Some(sale.clone()), AttemptState::Pending, None);
                if let Screen::Static(s) = &mut self.screen {
                    s.committing = Some(id);
                }
                self.notice = Some(Notice::info(format!(
                    "{brand} paid {}: saving the sale…",
                    view.amount
                )));
                vec![Effect::CommitStaticSale {
                    record: Box::new(record),
                    sale,
                }]
            }
            Some((expected, ..)) => {
                let why = format!("received {} from {brand}, expected {expected}", view.amount);
                self.notice = Some(Notice::warn(format!(
                    "Static code: {why}. Not taken as this sale: it is kept as an unmatched payment (refund it, or settle it with a supervisor). Ask the shopper to pay {expected}."
                )));
                if let Screen::Static(s) = &mut self.screen {
                    s.unmatched.push(UnmatchedPayment {
                        request_id: id.clone(),
                        amount: view.amount,
                        brand,
                    });
                }
                let record = record(None, AttemptState::Unmatched, Some(why));
                vec![Effect::RecordUnmatched { record }]
            }
            None => {
                let why = format!(
                    "received {} from {brand} with no static code open",
                    view.amount
                );
                self.notice = Some(Notice::warn(format!(
                    "Static code: {why}. Kept as an unmatched payment: refund it, or settle it with a supervisor (`qrtill reconcile` lists it)."
                )));
                let record = record(None, AttemptState::Unmatched, Some(why));
                vec![Effect::RecordUnmatched { record }]
            }
        }
    }

    /// An entry-code payment's journal result, unless it is an attempt resumed after a restart
    /// (those settle through the attempt machine like any other).
    pub(super) fn is_entry_commit(&self, request_id: &str) -> bool {
        crate::network::is_entry_payment(request_id)
            && !self
                .resumed
                .iter()
                .any(|r| r.attempt.request_id == request_id)
    }

    /// The journal saved (or could not save) an entry-code payment.
    pub(super) fn on_entry_committed(
        &mut self,
        request_id: &str,
        committed: Result<Box<CompletedSale>, String>,
    ) -> Vec<Effect> {
        let on_screen = matches!(
            &self.screen,
            Screen::Static(s) if s.committing.as_deref() == Some(request_id)
        );
        match committed {
            Ok(sale) if on_screen => self.on_committed(sale),
            Ok(_) => vec![],
            Err(reason) => {
                if let Screen::Static(s) = &mut self.screen
                    && on_screen
                {
                    s.committing = None;
                }
                self.notice = Some(Notice::error(format!(
                    "Static-code payment {request_id} NOT saved: the journal write failed ({reason}). The shopper has paid: do not treat the sale as paid; call a supervisor (the network's ledger holds the payment, `qrtill reconcile` names it)."
                )));
                vec![]
            }
        }
    }
}
