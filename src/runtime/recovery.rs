//! Start-up recovery: every attempt the journal holds without a final state (the counter
//! stopped between sending a request and recording its outcome) is resolved with the network,
//! by query first and then cancel. A payment the wallet approved becomes its sale; nothing is
//! lost and nothing is charged twice.

use super::Runtime;
use crate::checkout::sale::{CompletedSale, SaleTender};
use crate::clock::Clock;
use crate::journal::{AttemptRecord, AttemptState};
use crate::network::{CancelAction, PaymentStage, PaymentView, ResultStatus};

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
    /// The wallet asked for the cancel to be retried later (WeChat: not before 15 s after the
    /// order); the runtime retries it then, on its own.
    Waiting {
        request_id: String,
        until: crate::clock::Timestamp,
    },
}

impl<C: Clock> Runtime<C> {
    /// Resolves every open attempt. Call once at start-up, before the first sale.
    pub fn recover(&mut self) -> Vec<Recovered> {
        let open = match self.journal.open_attempts() {
            Ok(open) => open,
            Err(e) => {
                tracing::error!(error = %e, "cannot read open attempts");
                return vec![];
            }
        };
        let now = self.clock.now();
        self.network.advance(now);
        let mut report = Vec::new();
        for attempt in open {
            let outcome = self.recover_one(&attempt);
            tracing::info!(?outcome, "recovered attempt");
            report.push(outcome);
        }
        report
    }

    fn recover_one(&mut self, attempt: &AttemptRecord) -> Recovered {
        let now = self.clock.now();
        let id = attempt.request_id.clone();
        if attempt.mode == "card" {
            // The card network is asked again only with the card present; the PAN is never
            // journaled, so a person checks the terminal batch.
            return self.finish(
                &id,
                AttemptState::NeedsManual,
                "card authorization in flight when the counter stopped: check the terminal batch",
            );
        }
        let query = self.network.query(&id, now);
        if query.arrives()
            && query.body.result.status == ResultStatus::Success
            && let Some(pr) = &query.body.payment_result
        {
            match pr.status {
                ResultStatus::Success => {
                    if let Some(view) = &query.body.payment {
                        return self.commit_recovered(attempt, view);
                    }
                }
                // A cancel sent before the stop may have returned a charge: that is a reversal.
                ResultStatus::Failed
                    if query
                        .body
                        .payment
                        .as_ref()
                        .is_some_and(|v| v.stage == PaymentStage::Reversed) =>
                {
                    self.finish_quiet(
                        &id,
                        AttemptState::Reversed,
                        "cancelled before the stop; charge returned",
                    );
                    return Recovered::Reversed { request_id: id };
                }
                ResultStatus::Failed => {
                    return self.finish(&id, AttemptState::Failed, pr.code.wire());
                }
                ResultStatus::Unknown => {}
            }
        }
        // Unknown, not found, or no answer: cancel. A cancel of an id the network never saw
        // closes it for good, so a pay still in flight can no longer succeed.
        let cancel = self.network.cancel(&id, now);
        if !cancel.arrives() {
            return self.finish(
                &id,
                AttemptState::NeedsManual,
                "no answer to query or cancel",
            );
        }
        if cancel.body.result.status != ResultStatus::Success
            && cancel.body.retry
            && let Some(until) = cancel.body.retry_at.filter(|t| *t > now)
        {
            // Leave the attempt open and come back when the wallet allows the cancel.
            self.recovery_waits.push((until, attempt.clone()));
            return Recovered::Waiting {
                request_id: id,
                until,
            };
        }
        match (cancel.body.result.status, cancel.body.action) {
            (ResultStatus::Success, Some(CancelAction::Refund)) => {
                self.finish_quiet(
                    &id,
                    AttemptState::Reversed,
                    "cancelled at start-up; charge returned",
                );
                Recovered::Reversed { request_id: id }
            }
            (ResultStatus::Success, _) => self.finish(
                &id,
                AttemptState::Failed,
                "cancelled at start-up; nothing charged",
            ),
            _ => self.finish(
                &id,
                AttemptState::NeedsManual,
                &format!(
                    "cancel at start-up answered {}",
                    cancel.body.result.code.wire()
                ),
            ),
        }
    }

    /// Retries the recoveries whose wait is over (see `Recovered::Waiting`).
    pub(super) fn retry_due_recoveries(&mut self) -> bool {
        let now = self.clock.now();
        let (due, later): (Vec<_>, Vec<_>) = std::mem::take(&mut self.recovery_waits)
            .into_iter()
            .partition(|(at, _)| *at <= now);
        self.recovery_waits = later;
        for (_, attempt) in &due {
            let outcome = self.recover_one(attempt);
            tracing::info!(?outcome, "recovered attempt after waiting");
        }
        !due.is_empty()
    }

    fn commit_recovered(&mut self, attempt: &AttemptRecord, view: &PaymentView) -> Recovered {
        let id = attempt.request_id.clone();
        let Ok(mut sale) = serde_json::from_str::<CompletedSale>(&attempt.basket) else {
            return self.finish(
                &id,
                AttemptState::NeedsManual,
                "paid, but the journaled basket is unreadable",
            );
        };
        let mode = match &sale.tender {
            SaleTender::Wallet(w) => w.mode.clone(),
            _ => attempt.mode.clone(),
        };
        sale.tender = SaleTender::Wallet(crate::checkout::payment::tender_from_view(
            &id,
            &mode,
            view.amount,
            Some(view),
        ));
        sale.completed_at = view.paid_at.unwrap_or(self.clock.now());
        match self.journal.commit_sale(sale, Some(&id)) {
            Ok(stored) => Recovered::Committed {
                request_id: id,
                sale_no: stored.sale_no,
            },
            Err(e) => Recovered::Manual {
                request_id: id,
                why: format!("paid, but the sale could not be saved: {e}"),
            },
        }
    }

    fn finish_quiet(&mut self, id: &str, state: AttemptState, outcome: &str) {
        if let Err(e) = self
            .journal
            .finish_attempt(id, state, outcome, self.clock.now())
        {
            tracing::error!(error = %e, id, "recovery outcome not journaled");
        }
    }

    fn finish(&mut self, id: &str, state: AttemptState, outcome: &str) -> Recovered {
        self.finish_quiet(id, state, outcome);
        match state {
            AttemptState::NeedsManual => Recovered::Manual {
                request_id: id.to_string(),
                why: outcome.to_string(),
            },
            _ => Recovered::Closed {
                request_id: id.to_string(),
                outcome: outcome.to_string(),
            },
        }
    }
}
