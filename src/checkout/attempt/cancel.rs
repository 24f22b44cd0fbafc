//! Cancelling an order: on expiry, at the cashier's word, after a restart, or because the sale
//! of an approved payment could not be saved. WeChat accepts no cancel before 15 s after the
//! order: that wait is a timer like any other.

use super::{AttemptOutcome, Flow};
use crate::checkout::action::Effect;
use crate::checkout::notice::Notice;
use crate::checkout::payment::{PayMode, PayStatus, Timer, TimerKind};
use crate::network::{CancelAction, CancelResponse, ResultStatus};

impl Flow<'_> {
    /// Stop waiting and cancel the order (WeChat: not before 15 s after creation).
    pub fn begin_cancel(&mut self, why: &str) {
        if self.attempt.mode == PayMode::Card {
            return;
        }
        let earliest = self.attempt.created_at + self.attempt.plan.cancel_min_age;
        *self.status = PayStatus::Cancelling {
            why: why.to_string(),
        };
        // Only a wallet with a minimum age makes the cancel wait (a resumed attempt's family is
        // unknown: the wallet's own "retry at" answer then sets the time).
        if !self.attempt.plan.cancel_min_age.is_zero() && earliest > self.now {
            let min_age = self.attempt.plan.cancel_min_age.as_secs();
            self.out.notice = Some(Notice::info(format!(
                "Reversal waits until {min_age} s after the order, as the wallet requires."
            )));
            let n = self.attempt.cancel_tries;
            let request_id = self.id();
            return self.effect(Effect::SetTimer {
                at: earliest,
                timer: Timer {
                    request_id,
                    kind: TimerKind::Cancel { n },
                },
            });
        }
        self.send_cancel()
    }

    /// Sends the cancel, and sets the timer that retries it if no answer comes back.
    pub(super) fn send_cancel(&mut self) {
        if self.attempt.cancel_tries > self.attempt.plan.cancel_retries {
            // The reversal stays owed: the next start-up and `qrtill reconcile` send it again.
            *self.status = PayStatus::NeedsManual {
                why: "the cancel was never confirmed: the counter sends it again at its next \
                      start and in qrtill reconcile; until then settle it with the acquirer \
                      before taking another payment"
                    .into(),
            };
            return self.finish(AttemptOutcome::CancelUnconfirmed);
        }
        self.attempt.cancel_tries += 1;
        let n = self.attempt.cancel_tries;
        let retry_at = self.now + self.attempt.plan.cancel_retry_interval;
        self.trace(true, "cancel", format!("try {n}"));
        let request_id = self.id();
        self.effect(Effect::Cancel {
            request_id: request_id.clone(),
        });
        self.effect(Effect::SetTimer {
            at: retry_at,
            timer: Timer {
                request_id,
                kind: TimerKind::Cancel { n },
            },
        });
    }

    pub fn on_cancel_reply(&mut self, r: CancelResponse) {
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
        self.trace(false, "cancel", detail);
        let PayStatus::Cancelling { why } = self.status.clone() else {
            return;
        };
        match (r.result.status, r.action) {
            (ResultStatus::Success, action) => {
                let refunded = action == Some(CancelAction::Refund);
                *self.status = PayStatus::Cancelled {
                    refunded,
                    why: why.clone(),
                };
                self.finish(AttemptOutcome::Cancelled { why, refunded });
            }
            _ if r.retry || r.result.status == ResultStatus::Unknown => {
                // Retry at the time the wallet names (WeChat's 15 s) or the plan's interval.
                let n = self.attempt.cancel_tries;
                let named = r.retry_at.filter(|t| *t > self.now);
                let at = named.unwrap_or(self.now + self.attempt.plan.cancel_retry_interval);
                if named.is_some() {
                    // The retry timer set with the cancel must not send it before then.
                    self.attempt.cancel_not_before = named;
                }
                let request_id = self.id();
                self.effect(Effect::SetTimer {
                    at,
                    timer: Timer {
                        request_id,
                        kind: TimerKind::Cancel { n },
                    },
                });
            }
            _ => {
                let code = r.result.code;
                self.needs_manual(&format!("cancel refused ({code})"))
            }
        }
    }

    /// The payment was approved but the journal could not save its sale: the money goes back
    /// through the cancel (a refund once paid), or a person settles it.
    pub fn on_commit_failed(&mut self, reason: &str) {
        if *self.status != PayStatus::Approved {
            return;
        }
        let why = format!("the sale could not be saved: {reason}");
        if self.attempt.mode == PayMode::Card {
            // There is no card reversal at this counter: the terminal's batch shows the charge.
            return self.needs_manual(&format!("card approved, but {why}"));
        }
        self.begin_cancel(&why);
    }
}
