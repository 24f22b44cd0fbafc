//! Routes replies, timers and journal results to the attempt they concern — the one on the pay
//! screen or one resumed after a restart — runs the attempt machine, and turns an approval into
//! the sale to commit. No outcome is decided here.

use crate::checkout::NetReply;
use crate::checkout::action::Effect;
use crate::checkout::attempt::{AttemptRecord, Flow, Out, Resumed};
use crate::checkout::machine::{Checkout, Notice, NoticeLevel};
use crate::checkout::payment::{TRACE_LIMIT, Timer, TraceEntry};
use crate::checkout::sale::{CompletedSale, SaleTender};
use crate::clock::Timestamp;

/// Which attempt a step ran on.
enum Place {
    OnScreen,
    Resumed(usize),
}

impl Checkout {
    pub(in crate::checkout) fn trace(
        &mut self,
        at: Timestamp,
        outgoing: bool,
        call: &'static str,
        id: &str,
        detail: String,
    ) {
        self.push_trace(TraceEntry {
            at,
            outgoing,
            call,
            request_id: id.to_string(),
            detail,
        });
    }

    fn push_trace(&mut self, entry: TraceEntry) {
        if self.trace.len() >= TRACE_LIMIT {
            self.trace.remove(0);
        }
        self.trace.push(entry);
    }

    fn on_screen(&self, request_id: &str) -> bool {
        self.pay_state()
            .and_then(|p| p.attempt.as_ref())
            .is_some_and(|a| a.request_id == request_id)
    }

    /// The request ids of attempts resumed after a restart that have not settled yet.
    pub fn resuming(&self) -> Vec<String> {
        self.resumed
            .iter()
            .map(|r| r.attempt.request_id.clone())
            .collect()
    }

    /// Runs one step of the attempt `request_id` (a late event for an attempt that is gone is
    /// ignored) and carries out what it asks.
    pub(in crate::checkout) fn run_flow(
        &mut self,
        request_id: &str,
        now: Timestamp,
        step: impl FnOnce(&mut Flow),
    ) -> Vec<Effect> {
        let mut out = Out::default();
        let place = if let Some(p) = self.pay_state_mut()
            && let Some(attempt) = p.attempt.as_mut()
            && attempt.request_id == request_id
        {
            step(&mut Flow {
                status: &mut p.status,
                attempt,
                out: &mut out,
                now,
            });
            Place::OnScreen
        } else if let Some(i) = self
            .resumed
            .iter()
            .position(|r| r.attempt.request_id == request_id)
        {
            step(&mut self.resumed[i].flow(&mut out, now));
            Place::Resumed(i)
        } else {
            return vec![];
        };
        self.apply(place, out, now)
    }

    fn apply(&mut self, place: Place, mut out: Out, now: Timestamp) -> Vec<Effect> {
        for entry in std::mem::take(&mut out.trace) {
            self.push_trace(entry);
        }
        let mut effects = std::mem::take(&mut out.effects);
        match place {
            Place::OnScreen => {
                if let Some(notice) = out.notice {
                    self.notice = Some(notice);
                }
                if let Some(tender) = out.approved {
                    let attempt = self.pay_state().and_then(|p| p.attempt.as_ref());
                    let attempt = attempt.map(|a| a.request_id.clone());
                    effects.push(Effect::CommitSale {
                        sale: self.sale(tender, now),
                        attempt,
                    });
                }
            }
            Place::Resumed(i) => {
                if let Some(tender) = out.approved {
                    match self.resumed_sale(i, tender, now) {
                        Some(sale) => effects.push(Effect::CommitSale {
                            sale,
                            attempt: Some(self.resumed[i].attempt.request_id.clone()),
                        }),
                        None => {
                            let mut more = Out::default();
                            self.resumed[i]
                                .flow(&mut more, now)
                                .needs_manual("paid, but the journaled basket is unreadable");
                            effects.extend(more.effects);
                        }
                    }
                }
                if self.resumed[i].is_settled() {
                    self.resumed.remove(i);
                }
            }
        }
        effects
    }

    /// The journaled basket with the tender the wallet reported, completed when it was paid.
    fn resumed_sale(&self, i: usize, tender: SaleTender, now: Timestamp) -> Option<CompletedSale> {
        let r = &self.resumed[i];
        let mut sale = r.basket.clone()?;
        sale.tender = tender;
        sale.completed_at = r
            .attempt
            .payment
            .as_ref()
            .and_then(|v| v.paid_at)
            .unwrap_or(now);
        Some(sale)
    }

    pub(in crate::checkout) fn on_net(&mut self, reply: NetReply, now: Timestamp) -> Vec<Effect> {
        if let NetReply::Notify(n) = &reply
            && crate::network::is_entry_payment(&n.payment_request_id)
        {
            return self.on_entry_notify(n.clone(), now);
        }
        let id = match &reply {
            NetReply::Pay(r) => r.payment_request_id.clone(),
            NetReply::Query(r) => r.payment_request_id.clone(),
            NetReply::Cancel(r) => r.payment_request_id.clone(),
            NetReply::Notify(n) => n.payment_request_id.clone(),
            NetReply::Card(r) => r.request_id.clone(),
        };
        if self.on_screen(&id)
            && self
                .notice
                .as_ref()
                .is_some_and(|n| n.level != NoticeLevel::Error)
        {
            // The answer supersedes "sending…" and similar hints (an error stays up).
            self.notice = None;
        }
        self.run_flow(&id, now, |f| match reply {
            NetReply::Pay(r) => f.on_pay_reply(r),
            NetReply::Query(r) => f.on_query_reply(r),
            NetReply::Cancel(r) => f.on_cancel_reply(r),
            NetReply::Notify(n) => f.on_notify(n),
            NetReply::Card(r) => f.on_card_reply(r),
        })
    }

    pub(in crate::checkout) fn on_timer(&mut self, timer: Timer, now: Timestamp) -> Vec<Effect> {
        self.run_flow(&timer.request_id, now, |f| f.on_timer(timer.kind))
    }

    /// An attempt the journal holds open: resolve it beside whatever the counter is doing.
    pub(in crate::checkout) fn on_resume(
        &mut self,
        record: AttemptRecord,
        now: Timestamp,
    ) -> Vec<Effect> {
        let known = self
            .resumed
            .iter()
            .any(|r| r.attempt.request_id == record.request_id);
        if known || self.on_screen(&record.request_id) {
            return vec![];
        }
        let mut out = Out::default();
        let resumed = Resumed::start(record, &self.settings().plans, now, &mut out);
        self.resumed.push(resumed);
        let i = self.resumed.len() - 1;
        self.apply(Place::Resumed(i), out, now)
    }

    /// The journal saved (or could not save) the sale of an approved attempt.
    pub(in crate::checkout) fn on_attempt_sale(
        &mut self,
        request_id: &str,
        committed: Result<Box<CompletedSale>, String>,
        now: Timestamp,
    ) -> Vec<Effect> {
        if self.is_entry_commit(request_id) {
            return self.on_entry_committed(request_id, committed);
        }
        if let Some(i) = self
            .resumed
            .iter()
            .position(|r| r.attempt.request_id == request_id)
        {
            return match committed {
                Ok(_) => {
                    self.resumed.remove(i);
                    vec![]
                }
                Err(reason) => self.run_flow(request_id, now, |f| f.on_commit_failed(&reason)),
            };
        }
        match committed {
            Ok(sale) if self.on_screen(request_id) => self.on_committed(sale),
            Ok(_) => vec![],
            Err(reason) => {
                if self.on_screen(request_id) {
                    self.notice = Some(Notice::error(format!(
                        "Sale NOT saved: the journal write failed ({reason}). Nothing is recorded as paid: the payment is cancelled, or flagged for you to settle."
                    )));
                }
                self.run_flow(request_id, now, |f| f.on_commit_failed(&reason))
            }
        }
    }
}
