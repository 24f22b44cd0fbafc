//! Start-up recovery: every attempt the journal holds without a final state (the counter
//! stopped between sending a request and recording its outcome) is handed to the checkout,
//! which resolves it through the same attempt machine as a live payment (query first, then
//! cancel). A wallet cancel that was never confirmed is sent again, like a card terminal's
//! stored reversal: the wallet keeps the money until a reversal goes through. The runtime only
//! carries out the requests and records what became of each, for the report `qrtill
//! reconcile` prints and the counter logs.

use super::Runtime;
use crate::checkout::Event;
use crate::checkout::attempt::{AttemptOutcome, AttemptState};
use crate::clock::{Clock, ManualClock, SystemClock, Timestamp};
use std::collections::BTreeSet;
use std::time::Duration;

/// What recovery did with one open attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Recovered {
    /// Paid before the stop: committed as sale `sale_no`.
    Committed { request_id: String, sale_no: u64 },
    /// Definitely not paid (declined, or closed by the cancel).
    Closed { request_id: String, outcome: String },
    /// Paid, and the cancel returned the money to the shopper.
    Reversed { request_id: String },
    /// No definite answer: a person must settle it with the acquirer.
    Manual { request_id: String, why: String },
    /// Still settling when recovery stopped waiting (e.g. a WeChat cancel not allowed before
    /// the order is 15 s old): the counter settles it as it runs, or the next start-up does.
    Waiting { request_id: String },
}

/// The attempts a recovery is resolving and what became of them so far.
#[derive(Debug, Default)]
pub(super) struct RecoveryLog {
    ids: BTreeSet<String>,
    report: Vec<Recovered>,
}

impl RecoveryLog {
    pub(super) fn committed(&mut self, request_id: &str, sale_no: u64) {
        if self.ids.contains(request_id) {
            self.report.push(Recovered::Committed {
                request_id: request_id.to_string(),
                sale_no,
            });
        }
    }

    pub(super) fn finished(&mut self, request_id: &str, outcome: &AttemptOutcome) {
        if !self.ids.contains(request_id) {
            return;
        }
        let request_id = request_id.to_string();
        self.report.push(match outcome.state() {
            AttemptState::Reversed => Recovered::Reversed { request_id },
            AttemptState::NeedsManual => Recovered::Manual {
                request_id,
                why: outcome.to_string(),
            },
            _ => Recovered::Closed {
                request_id,
                outcome: outcome.to_string(),
            },
        });
    }
}

/// A clock recovery can wait on: the wall clock sleeps, a manual clock jumps.
pub trait WaitClock: Clock {
    fn wait_until(&self, t: Timestamp);
}

impl WaitClock for SystemClock {
    fn wait_until(&self, t: Timestamp) {
        std::thread::sleep(t.since(self.now()));
    }
}

impl WaitClock for ManualClock {
    fn wait_until(&self, t: Timestamp) {
        if t > self.now() {
            self.set(t);
        }
    }
}

/// The clock of a one-shot command (`qrtill refund`, `qrtill reconcile`): virtual against the
/// in-process network, whose waits then pass at once; the wall clock against the network
/// service (`network.url`), which keeps real time and would refuse a retry that came early.
#[derive(Debug)]
pub enum CommandClock {
    Virtual(ManualClock),
    Wall(SystemClock),
}

impl Clock for CommandClock {
    fn now(&self) -> Timestamp {
        match self {
            CommandClock::Virtual(c) => c.now(),
            CommandClock::Wall(c) => c.now(),
        }
    }
}

impl WaitClock for CommandClock {
    fn wait_until(&self, t: Timestamp) {
        match self {
            CommandClock::Virtual(c) => c.wait_until(t),
            CommandClock::Wall(c) => c.wait_until(t),
        }
    }
}

/// A bound on the steps of one recovery, in case an attempt never settles.
const MAX_STEPS: usize = 100_000;

/// How long recovery waits for resumed attempts to settle before it reports the rest as
/// waiting (a cancel retried at the wallet's time, a few query and cancel round trips).
const MAX_WAIT: Duration = Duration::from_secs(20);

impl<C: WaitClock> Runtime<C> {
    /// Resolves every open attempt and reports what became of each. Call once at start-up,
    /// before the first sale. It runs until every resumed attempt has settled, or for at most
    /// `MAX_WAIT`; what is still settling then is reported as `Waiting`.
    pub fn recover(&mut self) -> Vec<Recovered> {
        let open = match self.journal.open_attempts() {
            Ok(open) => open,
            Err(e) => {
                tracing::error!(error = %e, "cannot read open attempts");
                return vec![];
            }
        };
        // Reversals a wallet never confirmed are sent again (after the open attempts).
        let owed = self.journal.owed_reversals().unwrap_or_else(|e| {
            tracing::error!(error = %e, "cannot read owed reversals");
            vec![]
        });
        let open: Vec<_> = open.into_iter().chain(owed).collect();
        self.recovery = Some(RecoveryLog {
            ids: open.iter().map(|a| a.request_id.clone()).collect(),
            report: Vec::new(),
        });
        self.tick();
        for record in open {
            self.feed(Event::Resume(Box::new(record)));
        }
        let give_up = self.clock.now() + MAX_WAIT;
        let mut steps = 0;
        while !self.checkout.resuming().is_empty() && steps < MAX_STEPS {
            let Some(next) = self.next_deadline().filter(|t| *t <= give_up) else {
                break;
            };
            self.clock.wait_until(next);
            self.tick();
            steps += 1;
        }
        let mut report = self
            .recovery
            .take()
            .map(|log| log.report)
            .unwrap_or_default();
        for request_id in self.checkout.resuming() {
            report.push(Recovered::Waiting { request_id });
        }
        for outcome in &report {
            tracing::info!(?outcome, "recovered attempt");
        }
        report
    }
}
