//! The refund attempt machine: one pure decision point for a refund's fate, fed the replies of
//! the network (or none, when a reply never came). The driver (`desk.rs`) journals the refund
//! before the first request, carries out the steps and feeds the replies back.
//!
//! Rules (wallets.md §3.3, §5): the refund request id is idempotent and every retry reuses it;
//! an unknown answer (`U`, a throttle or no reply) is asked again with the same id, which the
//! network answers with the refund's result without moving money twice; a final refusal is
//! shown with the advice of network/codes.rs, and the store may then offer cash. A post-void
//! cancels the wallet payment; when the wallet no longer allows a cancel, it refunds instead.
//! Cash is journaled as settled before the drawer opens.

use crate::clock::Timestamp;
use crate::journal::{RefundEvent, RefundState};
use crate::money::Money;
use crate::network::{
    CancelAction, CancelResponse, RefundRequest, RefundResponse, ResultCode, ResultStatus,
};
use std::time::Duration;

/// Tries (the first send included) before an unanswered refund is left open for later.
pub const MAX_TRIES: u32 = 4;
/// Wait before asking again after an unknown answer.
pub const RETRY_AFTER: Duration = Duration::from_secs(2);
/// How long the counter waits for a reply before it counts as unanswered.
pub const REPLY_TIMEOUT: Duration = Duration::from_secs(5);

/// How the money goes back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    /// Out of the drawer.
    Cash,
    /// A refund request to the network (wallet or test card).
    Refund(RefundRequest),
    /// A post-void: cancel the wallet payment, or refund it with `fallback` if too late.
    Cancel {
        payment_request_id: String,
        fallback: RefundRequest,
    },
}

/// Where the refund stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    /// Journaled, waiting for an answer.
    Pending,
    /// The money went back.
    Settled {
        wallet_amount: Option<Money>,
        network_id: Option<String>,
        /// "refund" or "cancel": how the network returned it.
        how: &'static str,
    },
    /// The network refused for good.
    Refused {
        code: ResultCode,
        message: String,
        /// The store's policy offers cash instead.
        offer_cash: bool,
    },
    /// No definite answer after the retries: left open, asked again at the next start-up or
    /// by `qrtill reconcile`, with the same id.
    Open { why: String },
}

/// What the driver must do next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    SendRefund(RefundRequest),
    SendCancel(String),
    /// Append this state to the journaled refund.
    Record(RefundEvent),
    KickDrawer,
    /// Come back (and send again) at this time.
    RetryAt(Timestamp),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefundAttempt {
    pub refund_request_id: String,
    pub route: Route,
    pub tries: u32,
    pub status: Status,
    /// Policy: offer cash when the wallet refuses.
    pub offer_cash: bool,
    recorded_unknown: bool,
}

/// Refusals after which cash is a fair way to give the money back; the others point at a
/// counter or data problem and go to a person.
fn cash_may_replace(code: ResultCode) -> bool {
    matches!(
        code,
        ResultCode::RefundWindowExceed
            | ResultCode::RefundCountExceed
            | ResultCode::OrderIsClosed
            | ResultCode::ProcessFail
            | ResultCode::UserAmountExceedLimit
    )
}

impl RefundAttempt {
    pub fn new(refund_request_id: &str, route: Route, offer_cash: bool) -> Self {
        Self {
            refund_request_id: refund_request_id.to_string(),
            route,
            tries: 0,
            status: Status::Pending,
            offer_cash,
            recorded_unknown: false,
        }
    }

    /// The first steps, once the refund is journaled (or resumed from the journal).
    pub fn start(&mut self, now: Timestamp) -> Vec<Step> {
        match &self.route {
            Route::Cash => {
                self.status = Status::Settled {
                    wallet_amount: None,
                    network_id: None,
                    how: "cash",
                };
                vec![
                    Step::Record(RefundEvent {
                        detail: Some("cash out of the drawer".into()),
                        ..RefundEvent::new(RefundState::Settled, now)
                    }),
                    Step::KickDrawer,
                ]
            }
            _ => self.send(),
        }
    }

    fn send(&mut self) -> Vec<Step> {
        self.tries += 1;
        match &self.route {
            Route::Cash => Vec::new(),
            Route::Refund(req) => vec![Step::SendRefund(req.clone())],
            Route::Cancel {
                payment_request_id, ..
            } => vec![Step::SendCancel(payment_request_id.clone())],
        }
    }

    /// A refund reply, or `None` when none came within `REPLY_TIMEOUT`.
    pub fn on_refund(&mut self, reply: Option<&RefundResponse>, now: Timestamp) -> Vec<Step> {
        let Some(reply) = reply else {
            return self.unknown("no reply", now);
        };
        match reply.result.status {
            ResultStatus::Success => {
                let view = reply.refund.as_ref();
                let wallet_amount = view.map(|v| v.wallet_amount);
                let network_id = view.map(|v| v.refund_id.clone());
                self.settle(wallet_amount, network_id, "refund", now)
            }
            ResultStatus::Unknown => {
                let why = reply.result.code.wire().to_string();
                self.unknown(&why, now)
            }
            ResultStatus::Failed => self.refuse(reply.result.code, &reply.result.message, now),
        }
    }

    /// A cancel reply (post-void), or `None` when none came.
    pub fn on_cancel(&mut self, reply: Option<&CancelResponse>, now: Timestamp) -> Vec<Step> {
        let Some(reply) = reply else {
            return self.unknown("no reply", now);
        };
        match reply.result.status {
            ResultStatus::Success if !reply.retry => {
                let wallet_amount = reply.payment.as_ref().and_then(|p| p.wallet_amount);
                let network_id = reply.payment.as_ref().map(|p| p.payment_id.clone());
                let how = match reply.action {
                    Some(CancelAction::Close) => "cancel (closed)",
                    _ => "cancel",
                };
                self.settle(wallet_amount, network_id, how, now)
            }
            ResultStatus::Failed => {
                // Too late to cancel, or already refunded (by this void's own fallback before a
                // restart): refund with the refund's own id, which the network keeps idempotent.
                let Route::Cancel { fallback, .. } = &self.route else {
                    return self.refuse(reply.result.code, &reply.result.message, now);
                };
                if matches!(
                    reply.result.code,
                    ResultCode::CancelWindowExceed
                        | ResultCode::OrderIsClosed
                        | ResultCode::ProcessFail
                ) {
                    self.route = Route::Refund(fallback.clone());
                    self.tries = 0;
                    let mut steps = vec![Step::Record(RefundEvent {
                        detail: Some(format!("cancel refused ({}): refunding", reply.result.code)),
                        ..RefundEvent::new(RefundState::Requested, now)
                    })];
                    steps.extend(self.send());
                    steps
                } else {
                    self.refuse(reply.result.code, &reply.result.message, now)
                }
            }
            _ => {
                let at = reply.retry_at.filter(|t| *t > now);
                let mut steps = self.unknown(reply.result.code.wire(), now);
                if let (Some(at), Some(Step::RetryAt(t))) = (at, steps.last_mut()) {
                    *t = (*t).max(at);
                }
                steps
            }
        }
    }

    fn settle(
        &mut self,
        wallet_amount: Option<Money>,
        network_id: Option<String>,
        how: &'static str,
        now: Timestamp,
    ) -> Vec<Step> {
        self.status = Status::Settled {
            wallet_amount,
            network_id: network_id.clone(),
            how,
        };
        vec![Step::Record(RefundEvent {
            wallet_amount,
            network_id,
            detail: Some(how.to_string()),
            ..RefundEvent::new(RefundState::Settled, now)
        })]
    }

    fn refuse(&mut self, code: ResultCode, message: &str, now: Timestamp) -> Vec<Step> {
        self.status = Status::Refused {
            code,
            message: message.to_string(),
            offer_cash: self.offer_cash && cash_may_replace(code),
        };
        vec![Step::Record(RefundEvent {
            detail: Some(code.wire().to_string()),
            ..RefundEvent::new(RefundState::Failed, now)
        })]
    }

    fn unknown(&mut self, why: &str, now: Timestamp) -> Vec<Step> {
        let mut steps = Vec::new();
        if !self.recorded_unknown {
            self.recorded_unknown = true;
            steps.push(Step::Record(RefundEvent {
                detail: Some(why.to_string()),
                ..RefundEvent::new(RefundState::Unknown, now)
            }));
        }
        if self.tries >= MAX_TRIES {
            self.status = Status::Open {
                why: format!(
                    "no answer after {} tries ({why}): the refund stays open and is asked again with the same id at the next start or by `qrtill reconcile`",
                    self.tries
                ),
            };
        } else {
            steps.push(Step::RetryAt(now + RETRY_AFTER));
        }
        steps
    }

    /// Sends again after a `RetryAt`.
    pub fn retry(&mut self) -> Vec<Step> {
        if self.status == Status::Pending {
            self.send()
        } else {
            Vec::new()
        }
    }

    /// Whether the machine has reached a state the screen can report.
    pub fn is_done(&self) -> bool {
        self.status != Status::Pending
    }
}

#[cfg(test)]
#[path = "flow_tests.rs"]
mod tests;
