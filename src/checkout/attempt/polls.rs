//! Timers: polls while the answer is unknown, the deadline, cancel retries, resends after a
//! throttle, and the card's timeout.

use super::{AttemptOutcome, Flow};
use crate::checkout::action::Effect;
use crate::checkout::payment::{MAX_RESENDS, PayMode, PayStatus, Timer, TimerKind};
use std::time::Duration;

impl Flow<'_> {
    fn set_timer(&mut self, at: crate::clock::Timestamp, kind: TimerKind) {
        let request_id = self.id();
        self.effect(Effect::SetTimer {
            at,
            timer: Timer { request_id, kind },
        });
    }

    /// The acquirer throttled the pay: send the same request again after a second, a few times.
    pub(super) fn schedule_resend(&mut self) {
        if *self.status != PayStatus::Sending || self.attempt.resends >= MAX_RESENDS {
            return;
        }
        let n = self.attempt.resends;
        self.set_timer(self.now + Duration::from_secs(1), TimerKind::Resend { n });
    }

    /// Polls again at the plan's interval; past the deadline (an attempt resumed after a
    /// restart starts there) the answer is still unknown, so the order is cancelled now.
    pub(super) fn poll_or_give_up(&mut self) {
        if !self.status.is_live() {
            return;
        }
        if self.now >= self.attempt.deadline {
            let why = self.deadline_reason();
            return self.begin_cancel(why);
        }
        let at = self.now + self.attempt.plan.interval;
        if at < self.attempt.deadline {
            let n = self.attempt.polls;
            self.set_timer(at, TimerKind::Poll { n });
        }
    }

    fn deadline_reason(&self) -> &'static str {
        if self.attempt.resumed {
            "the counter restarted before the answer"
        } else if self.attempt.mode == PayMode::WalletQr {
            "the QR code expired"
        } else {
            "no answer before the deadline"
        }
    }

    /// Sends the next query, and sets the poll after it now, so a lost reply does not stop
    /// the polling.
    pub(super) fn query(&mut self) {
        self.attempt.polls += 1;
        self.trace(true, "query", String::new());
        let request_id = self.id();
        self.effect(Effect::Query { request_id });
        let at = self.now + self.attempt.plan.interval;
        if at < self.attempt.deadline {
            let n = self.attempt.polls;
            self.set_timer(at, TimerKind::Poll { n });
        }
    }

    pub fn on_timer(&mut self, kind: TimerKind) {
        let live = self.status.is_live();
        match kind {
            TimerKind::Poll { n } if live && n == self.attempt.polls => self.query(),
            TimerKind::Deadline if live => {
                let why = self.deadline_reason();
                self.begin_cancel(why);
            }
            TimerKind::Cancel { n }
                if matches!(self.status, PayStatus::Cancelling { .. })
                    && n == self.attempt.cancel_tries
                    && self.attempt.cancel_not_before.is_none_or(|t| self.now >= t) =>
            {
                self.send_cancel()
            }
            TimerKind::Resend { n }
                if *self.status == PayStatus::Sending && n == self.attempt.resends =>
            {
                self.attempt.resends += 1;
                if let Some(request) = self.attempt.request.clone() {
                    self.trace(true, "pay", "resent after a throttle".into());
                    self.effect(Effect::ResendPay { request });
                }
            }
            TimerKind::CardTimeout if *self.status == PayStatus::Sending => {
                *self.status = PayStatus::NeedsManual {
                    why: "no answer from the card network: check the terminal's batch before charging again".into(),
                };
                self.finish(AttemptOutcome::Manual("card timeout".into()));
            }
            _ => {}
        }
    }
}
