//! The decision point: one pure machine decides a payment attempt's fate from the replies,
//! notifications and timers it is fed. The pay screen's live attempt and the attempts resumed
//! from the journal after a restart (`resume.rs`) run through the same rules; the checkout only
//! routes events to the right attempt and turns an approval into a sale.
//!
//! Rules (wallets.md §1): each attempt has its own idempotent request id, journaled before the
//! request leaves; an in-process answer is polled at the family's interval until a deadline,
//! then cancelled; a cancel that is not confirmed is retried, and after the last retry the
//! attempt is flagged for manual resolution; once a cancel is sent, its answer decides the
//! outcome, not a late success. A sale the journal cannot save is cancelled the same way.

mod cancel;
mod card;
mod polls;
pub mod record;
mod replies;
mod resume;
mod tender;

pub use record::{AttemptOutcome, AttemptRecord, AttemptState};
pub use resume::Resumed;
pub use tender::tender_from_view;

use super::action::Effect;
use super::notice::Notice;
use super::payment::{PayMode, PayStatus, PollPlan, TraceEntry};
use super::sale::SaleTender;
use crate::clock::Timestamp;
use crate::emv::WalletFamily;
use crate::money::Money;
use crate::network::{PayRequest, PaymentView};

/// One payment attempt: its idempotent request id and everything the counter knows of it.
#[derive(Debug, Clone, PartialEq)]
pub struct Attempt {
    pub request_id: String,
    pub mode: PayMode,
    pub amount: Money,
    pub created_at: Timestamp,
    /// When the counter gives up and cancels (QR expiry or the polling deadline).
    pub deadline: Timestamp,
    /// The dynamic EMV payload on screen (wallet QR only).
    pub qr_payload: Option<String>,
    pub family: Option<WalletFamily>,
    pub plan: PollPlan,
    /// Queries sent so far; a poll timer carries the count it was set for.
    pub polls: u32,
    pub cancel_tries: u32,
    /// No cancel before this time: the wallet named it when it asked for a retry.
    pub cancel_not_before: Option<Timestamp>,
    /// The wallet's latest view of the payment.
    pub payment: Option<PaymentView>,
    /// Masked card number for a card tap.
    pub card: Option<String>,
    /// The pay request as sent, to resend with the same request id when the acquirer throttles.
    pub request: Option<PayRequest>,
    /// How many times the pay was resent after a throttle.
    pub resends: u32,
    /// Resumed from the journal after a restart, not started at this run's pay screen.
    pub resumed: bool,
}

/// What one step of the machine asks of the checkout.
#[derive(Debug, Default)]
pub struct Out {
    /// Requests, timers and journal writes, in order.
    pub effects: Vec<Effect>,
    /// The payment is approved: commit a sale with this tender.
    pub approved: Option<SaleTender>,
    /// A message for the cashier (shown only for the attempt on screen).
    pub notice: Option<Notice>,
    pub trace: Vec<TraceEntry>,
}

/// An attempt and its status, borrowed for one step of the machine.
pub struct Flow<'a> {
    pub status: &'a mut PayStatus,
    pub attempt: &'a mut Attempt,
    pub out: &'a mut Out,
    pub now: Timestamp,
}

impl Flow<'_> {
    fn id(&self) -> String {
        self.attempt.request_id.clone()
    }

    fn trace(&mut self, outgoing: bool, call: &'static str, detail: String) {
        self.out.trace.push(TraceEntry {
            at: self.now,
            outgoing,
            call,
            request_id: self.attempt.request_id.clone(),
            detail,
        });
    }

    fn effect(&mut self, e: Effect) {
        self.out.effects.push(e);
    }

    /// Ends the attempt without a sale, with `outcome` journaled.
    fn finish(&mut self, outcome: AttemptOutcome) {
        let request_id = self.id();
        self.out.effects.push(Effect::FinishAttempt {
            request_id,
            outcome,
        });
    }

    pub fn needs_manual(&mut self, why: &str) {
        *self.status = PayStatus::NeedsManual {
            why: format!("{why}: settle it with the acquirer before taking another payment"),
        };
        self.finish(AttemptOutcome::Manual(why.to_string()));
    }
}

#[cfg(test)]
mod tests;
