//! Attempts left open by a stopped counter, resumed at start-up. They run through the same
//! rules as a live attempt, starting with a query at a deadline that has already passed: a paid
//! one becomes its sale, an unknown one is cancelled.

use super::{Attempt, AttemptOutcome, AttemptRecord, AttemptState, Flow, Out};
use crate::checkout::action::Effect;
use crate::checkout::payment::{PayMode, PayStatus, PollPlans, Timer, TimerKind};
use crate::checkout::sale::CompletedSale;
use crate::clock::Timestamp;

/// An attempt being resolved after a restart, with the basket its sale will hold.
#[derive(Debug, Clone, PartialEq)]
pub struct Resumed {
    pub status: PayStatus,
    pub attempt: Attempt,
    /// `None` when the journaled basket could not be read.
    pub basket: Option<CompletedSale>,
}

impl Resumed {
    /// Resumes `record` at `now`; the first requests and timers go to `out`.
    pub fn start(record: AttemptRecord, plans: &PollPlans, now: Timestamp, out: &mut Out) -> Self {
        let mut attempt = Attempt {
            request_id: record.request_id,
            mode: record.mode,
            amount: record.amount,
            created_at: record.created_at,
            // Nothing is on screen any more: the first unknown answer ends the wait.
            deadline: now,
            qr_payload: None,
            family: None,
            plan: plans.for_family(None),
            polls: 0,
            cancel_tries: 0,
            cancel_not_before: None,
            payment: None,
            card: None,
            request: None,
            resends: 0,
            resumed: true,
        };
        let mut status = PayStatus::Sending;
        let mut flow = Flow {
            status: &mut status,
            attempt: &mut attempt,
            out,
            now,
        };
        if record.state == AttemptState::NeedsManual {
            // An owed reversal (`Journal::owed_reversals`): cancel, never commit.
            flow.begin_cancel("an earlier cancel was never confirmed");
        } else {
            flow.resume();
        }
        Resumed {
            status,
            attempt,
            basket: record.basket,
        }
    }

    pub fn flow<'a>(&'a mut self, out: &'a mut Out, now: Timestamp) -> Flow<'a> {
        Flow {
            status: &mut self.status,
            attempt: &mut self.attempt,
            out,
            now,
        }
    }

    /// Settled: nothing more will happen to it.
    pub fn is_settled(&self) -> bool {
        self.status.is_final()
    }
}

impl Flow<'_> {
    fn resume(&mut self) {
        if self.attempt.mode == PayMode::Card {
            // The card network is asked again only with the card present; the PAN is never
            // journaled, so a person checks the terminal batch.
            *self.status = PayStatus::NeedsManual {
                why: "card authorization in flight when the counter stopped: check the terminal batch".into(),
            };
            return self.finish(AttemptOutcome::Manual(
                "card authorization in flight when the counter stopped: check the terminal batch"
                    .into(),
            ));
        }
        self.query();
        // If the query's answer never comes, the deadline timer cancels.
        let at = self.now + self.attempt.plan.interval;
        let request_id = self.id();
        self.effect(Effect::SetTimer {
            at,
            timer: Timer {
                request_id,
                kind: TimerKind::Deadline,
            },
        });
    }
}
