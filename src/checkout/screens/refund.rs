//! The refund screen, opened from a past sale (`f` refund, `v` post-void): choose the lines
//! and units (at most what is left of each), a reason from the store's list, the supervisor
//! PIN above the no-PIN amount, then the refund runs through the refund attempt machine
//! (`refund/flow.rs`) with its journal writes and network requests as effects, the same way a
//! payment attempt runs. The result shows the refund slip, the advice on a refusal and, by
//! policy, the offer to pay cash instead.

use super::refund_io::{RefundEffect, RefundNews};
use crate::checkout::Action;
use crate::checkout::action::Effect;
use crate::checkout::history::OpenedSale;
use crate::checkout::machine::{Checkout, Notice, Screen};
use crate::checkout::refund::desk::{Prepared, RefundOrder};
use crate::checkout::refund::plan::Choice;
use crate::checkout::refund::policy::RefundPolicy;
use crate::checkout::refund::{RefundAttempt, Status, Step};
use crate::clock::Timestamp;
use crate::journal::{RefundKind, RefundRecord};
use crate::money::Money;
use crate::pin::PinGate;

/// The store's refund rules and the PIN gate (with its count of wrong entries) for the counter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefundDesk {
    pub policy: RefundPolicy,
    pub gate: PinGate,
}

impl Default for RefundDesk {
    fn default() -> Self {
        Self {
            policy: RefundPolicy::default(),
            gate: PinGate::new(None),
        }
    }
}

/// Where the refund screen stands.
#[derive(Debug, Clone, PartialEq)]
pub enum Stage {
    /// Choosing lines and units.
    Lines,
    /// Choosing one of the policy's reasons.
    Reason,
    /// Planned; waiting for the journal's plan (amount) before the PIN or the start.
    Planning,
    /// The supervisor PIN, typed masked. `message` says what the last entry gave.
    Pin {
        prepared: Box<Prepared>,
        entry: String,
        message: Option<String>,
        locked_until: Option<Timestamp>,
    },
    /// Journaled and running: the attempt machine waits for the network.
    Running {
        attempt: Box<RefundAttempt>,
        record: Box<RefundRecord>,
        refunded_before: Money,
        drawer: bool,
    },
    /// Finished: the slip is built from `record` as the journal now holds it.
    Done {
        record: Box<RefundRecord>,
        status: Status,
        refunded_before: Money,
        drawer: bool,
    },
    /// The journal refused or could not be read: nothing was sent.
    Failed(String),
}

#[derive(Debug, Clone, PartialEq)]
pub struct RefundScreen {
    /// The sale as opened (the screen goes back to it).
    pub opened: Box<OpenedSale>,
    pub kind: RefundKind,
    /// Units left to refund on each line; `None` until the journal answered.
    pub left: Option<Vec<u32>>,
    /// Units chosen on each line.
    pub chosen: Vec<u32>,
    pub selected: usize,
    /// Index into the policy's reasons.
    pub reason: usize,
    pub stage: Stage,
    /// Give the money back in cash (the store's offer after a wallet refused for good).
    pub cash_instead: bool,
    /// The supervisor already accepted this refund (a cash retry does not ask again).
    pub pin_accepted: bool,
}

impl RefundScreen {
    pub fn new(opened: OpenedSale, kind: RefundKind, policy: &RefundPolicy) -> Self {
        let lines = opened.record.sale.lines.len();
        // A post-void starts on the reason, on "Post-void" when the store lists it.
        let (stage, reason) = match kind {
            RefundKind::Void => (
                Stage::Reason,
                policy
                    .reasons
                    .iter()
                    .position(|r| r.eq_ignore_ascii_case("post-void"))
                    .unwrap_or(0),
            ),
            RefundKind::Refund => (Stage::Lines, 0),
        };
        Self {
            opened: Box::new(opened),
            kind,
            left: None,
            chosen: vec![0; lines],
            selected: 0,
            reason,
            stage,
            cash_instead: false,
            pin_accepted: false,
        }
    }

    /// The order as chosen so far.
    pub fn order(&self, policy: &RefundPolicy) -> RefundOrder {
        let sale = &self.opened.record.sale;
        let whole = self.kind == RefundKind::Void
            || self.left.as_ref().is_some_and(|left| *left == self.chosen);
        let choice = if whole {
            Choice::Whole
        } else {
            Choice::Lines(
                self.chosen
                    .iter()
                    .enumerate()
                    .filter(|(_, q)| **q > 0)
                    .map(|(i, q)| (i as u32, *q))
                    .collect(),
            )
        };
        RefundOrder {
            lane_id: sale.lane_id.clone(),
            sale_no: sale.sale_no,
            choice,
            reason: policy.reasons.get(self.reason).cloned().unwrap_or_default(),
            kind: self.kind,
            cash_instead: self.cash_instead,
        }
    }

    /// The refund's id once journaled.
    fn refund_id(&self) -> Option<&str> {
        match &self.stage {
            Stage::Running { record, .. } | Stage::Done { record, .. } => {
                Some(&record.refund.refund_request_id)
            }
            _ => None,
        }
    }
}

/// Whether an amount needs the supervisor: anything above the policy's no-PIN amount.
pub fn needs_pin(policy: &RefundPolicy, amount: Money) -> bool {
    amount.amount() > policy.no_pin_up_to
}

impl Checkout {
    /// The refund policy and the PIN gate (a hash, never a PIN) the refund screen uses.
    pub fn set_refund_desk(&mut self, policy: RefundPolicy, gate: PinGate) {
        self.refund_desk = RefundDesk { policy, gate };
    }

    pub fn refund_desk(&self) -> &RefundDesk {
        &self.refund_desk
    }

    /// `f` (refund) or `v` (post-void) on an opened sale.
    pub(in crate::checkout) fn open_refund(
        &mut self,
        opened: OpenedSale,
        kind: RefundKind,
    ) -> Vec<Effect> {
        let sale = &opened.record.sale;
        let effect = Effect::Refund(RefundEffect::LoadRefundable {
            lane_id: sale.lane_id.clone(),
            sale_no: sale.sale_no,
        });
        self.notice = None;
        self.screen = Screen::Refund(Box::new(RefundScreen::new(
            opened,
            kind,
            &self.refund_desk.policy,
        )));
        vec![effect]
    }

    pub(in crate::checkout) fn on_refund_action(
        &mut self,
        mut s: RefundScreen,
        action: Action,
        now: Timestamp,
    ) -> Vec<Effect> {
        let mut effects = vec![];
        match (&mut s.stage, action) {
            (Stage::Lines, Action::Up) => s.selected = s.selected.saturating_sub(1),
            (Stage::Lines, Action::Down) if s.selected + 1 < s.chosen.len() => s.selected += 1,
            (Stage::Lines, Action::QtyUp | Action::Char('+')) => {
                let left = s.left.as_ref().and_then(|l| l.get(s.selected)).copied();
                if let (Some(left), Some(q)) = (left, s.chosen.get_mut(s.selected)) {
                    if *q < left {
                        *q += 1;
                    } else {
                        self.notice = Some(Notice::warn(format!(
                            "Only {left} left to refund on this line."
                        )));
                    }
                }
            }
            (Stage::Lines, Action::QtyDown | Action::Char('-')) => {
                if let Some(q) = s.chosen.get_mut(s.selected) {
                    *q = q.saturating_sub(1);
                }
            }
            (Stage::Lines, Action::Char('a')) => {
                if let Some(left) = &s.left {
                    s.chosen = left.clone();
                }
            }
            (Stage::Lines, Action::Enter) => {
                if s.chosen.iter().all(|q| *q == 0) {
                    self.notice = Some(Notice::warn(
                        "Nothing chosen: +/- sets units on a line, a takes everything left.",
                    ));
                } else {
                    self.notice = None;
                    s.stage = Stage::Reason;
                }
            }
            (Stage::Reason, Action::Up) => s.reason = s.reason.saturating_sub(1),
            (Stage::Reason, Action::Down)
                if s.reason + 1 < self.refund_desk.policy.reasons.len() =>
            {
                s.reason += 1
            }
            (Stage::Reason, Action::Enter) => {
                self.notice = None;
                effects.push(Effect::Refund(RefundEffect::Prepare(
                    s.order(&self.refund_desk.policy),
                )));
                s.stage = Stage::Planning;
            }
            (Stage::Reason, Action::Back) if s.kind == RefundKind::Refund => s.stage = Stage::Lines,
            (
                Stage::Pin {
                    prepared,
                    entry,
                    message,
                    locked_until,
                },
                key @ (Action::Char(_) | Action::Backspace | Action::Enter),
            ) => {
                let fields = super::pin_entry::PinFields {
                    entry,
                    message,
                    locked_until,
                };
                let (step, save) =
                    super::pin_entry::on_key(&key, &mut self.refund_desk.gate, now, fields);
                effects.extend(save);
                if step == crate::checkout::pin_prompt::PinStep::Accepted {
                    s.pin_accepted = true;
                    effects.push(Effect::Refund(RefundEffect::Begin(prepared.clone())));
                    s.stage = Stage::Planning;
                }
            }
            (
                Stage::Done {
                    status:
                        Status::Refused {
                            offer_cash: true, ..
                        },
                    ..
                },
                Action::Char('c'),
            ) => {
                // Cash instead: a new refund (the refused one is journaled as failed).
                s.cash_instead = true;
                effects.push(Effect::Refund(RefundEffect::Prepare(
                    s.order(&self.refund_desk.policy),
                )));
                s.stage = Stage::Planning;
            }
            (Stage::Done { .. } | Stage::Failed(_), Action::Enter | Action::Back) => {
                // Back to the sale, read again so its refunds show.
                let sale = &s.opened.record.sale;
                effects.push(Effect::OpenSale {
                    lane_id: sale.lane_id.clone(),
                    sale_no: sale.sale_no,
                });
                self.screen = Screen::SaleDetail(s.opened);
                return effects;
            }
            (Stage::Lines | Stage::Reason | Stage::Pin { .. }, Action::Back) => {
                self.notice = None;
                self.screen = Screen::SaleDetail(s.opened);
                return effects;
            }
            _ => {}
        }
        self.screen = Screen::Refund(Box::new(s));
        effects
    }

    /// The runtime answered one of the refund screen's effects.
    pub(in crate::checkout) fn on_refund_news(
        &mut self,
        news: RefundNews,
        now: Timestamp,
    ) -> Vec<Effect> {
        match news {
            // Shown on whatever screen the cashier is on by then.
            RefundNews::Printed { id, result } => {
                self.notice = Some(match result {
                    Ok(()) => Notice::info(format!("Refund slip printed ({id}).")),
                    Err(why) => Notice::error(format!(
                        "Refund slip NOT printed ({why}): the refund itself is saved; check the printer."
                    )),
                });
                return vec![];
            }
            RefundNews::LockSaved(Err(why)) => {
                self.notice = Some(Notice::error(format!(
                    "PIN lock not saved ({why}): a restart would forget the wrong entries."
                )));
                return vec![];
            }
            _ => {}
        }
        let Screen::Refund(s) = &mut self.screen else {
            return vec![];
        };
        let policy = &self.refund_desk.policy;
        match news {
            RefundNews::Refundable { sale_no, left } if sale_no == s.opened.record.sale.sale_no => {
                match left {
                    Ok(left) => {
                        if left.iter().all(|q| *q == 0) && s.kind == RefundKind::Refund {
                            s.stage =
                                Stage::Failed("Nothing is left to refund on this sale.".into());
                        }
                        s.left = Some(left);
                    }
                    Err(reason) => s.stage = Stage::Failed(reason),
                }
                vec![]
            }
            RefundNews::Prepared(result) if s.stage == Stage::Planning => match result {
                Ok(prepared) if s.pin_accepted || !needs_pin(policy, prepared.plan.amount) => {
                    vec![Effect::Refund(RefundEffect::Begin(prepared))]
                }
                Ok(prepared) => {
                    s.stage = Stage::Pin {
                        prepared,
                        entry: String::new(),
                        message: None,
                        locked_until: self.refund_desk.gate.locked_until(now),
                    };
                    vec![]
                }
                Err(reason) => {
                    s.stage = Stage::Failed(reason);
                    vec![]
                }
            },
            RefundNews::Begun(result) if s.stage == Stage::Planning => match result {
                Ok(begun) => {
                    let id = begun.record.refund.refund_request_id.clone();
                    let mut attempt = RefundAttempt::new(&id, begun.route, policy.offer_cash);
                    let steps = attempt.start(now);
                    s.stage = Stage::Running {
                        attempt: Box::new(attempt),
                        record: Box::new(begun.record),
                        refunded_before: begun.refunded_before,
                        drawer: false,
                    };
                    carry_out(s, steps)
                }
                Err(reason) => {
                    s.stage = Stage::Failed(reason);
                    vec![]
                }
            },
            RefundNews::Recorded { id, record } if s.refund_id() == Some(id.as_str()) => {
                match (record, &mut s.stage) {
                    (Ok(Some(new)), Stage::Running { record, .. } | Stage::Done { record, .. }) => {
                        *record = new
                    }
                    (Ok(_), _) => {}
                    // Not journaled: the refund stays open and is asked again at the next
                    // start-up with the same id; the screen says so.
                    (Err(reason), _) => {
                        self.notice = Some(Notice::error(format!(
                            "Refund state not saved in the journal ({reason}): it is asked again at the next start."
                        )))
                    }
                }
                vec![]
            }
            RefundNews::RefundReply { id, reply } if s.refund_id() == Some(id.as_str()) => {
                match &mut s.stage {
                    Stage::Running { attempt, .. } => {
                        let steps = attempt.on_refund(reply.as_deref(), now);
                        carry_out(s, steps)
                    }
                    _ => vec![],
                }
            }
            RefundNews::CancelReply { id, reply } if s.refund_id() == Some(id.as_str()) => {
                match &mut s.stage {
                    Stage::Running { attempt, .. } => {
                        let steps = attempt.on_cancel(reply.as_deref(), now);
                        carry_out(s, steps)
                    }
                    _ => vec![],
                }
            }
            RefundNews::Retry { id } if s.refund_id() == Some(id.as_str()) => match &mut s.stage {
                Stage::Running { attempt, .. } => {
                    let steps = attempt.retry();
                    carry_out(s, steps)
                }
                _ => vec![],
            },
            // A late answer for a screen that moved on.
            _ => vec![],
        }
    }
}

/// Turns the attempt machine's steps into effects; moves to `Done` once it has a result.
fn carry_out(s: &mut RefundScreen, steps: Vec<Step>) -> Vec<Effect> {
    let Stage::Running {
        attempt,
        record,
        refunded_before,
        drawer,
    } = &mut s.stage
    else {
        return vec![];
    };
    let id = attempt.refund_request_id.clone();
    let mut effects = vec![];
    for step in steps {
        let effect = match step {
            Step::Record(event) => RefundEffect::Record {
                id: id.clone(),
                event,
            },
            Step::SendRefund(request) => RefundEffect::SendRefund(request),
            Step::SendCancel(payment_request_id) => RefundEffect::SendCancel {
                id: id.clone(),
                payment_request_id,
            },
            Step::RetryAt(at) => RefundEffect::RetryAt { id: id.clone(), at },
            Step::KickDrawer => {
                *drawer = true;
                continue;
            }
        };
        effects.push(Effect::Refund(effect));
    }
    if attempt.is_done() {
        // After the journal writes above: the slip is printed from the record as saved.
        effects.push(Effect::Refund(RefundEffect::PrintSlip {
            id,
            sale: Box::new(s.opened.record.sale.clone()),
            status: Box::new(attempt.status.clone()),
        }));
        s.stage = Stage::Done {
            record: record.clone(),
            status: attempt.status.clone(),
            refunded_before: *refunded_before,
            drawer: *drawer,
        };
    }
    effects
}

#[cfg(test)]
#[path = "refund_tests.rs"]
mod tests;
