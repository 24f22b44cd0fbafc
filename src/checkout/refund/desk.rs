//! Runs a refund at the counter: plans it from the journal, journals it before anything is
//! sent, then drives the refund attempt machine against the network on the runtime's clock.
//! The CLI, the refund screen and start-up recovery all go through here.

use super::flow::{REPLY_TIMEOUT, RefundAttempt, Route, Status, Step};
use super::plan::{self, Choice, Plan, PlanError, Taken};
use super::policy::{RefundPolicy, same_shift};
use crate::checkout::sale::{CompletedSale, SaleTender};
use crate::checkout::tax::TaxRules;
use crate::clock::Timestamp;
use crate::journal::{
    BeginRefund, Journal, JournalError, NewRefund, RefundKind, RefundRecord, RefundState,
};
use crate::money::{Money, MoneyError};
use crate::network::RefundRequest;
use crate::runtime::{Runtime, WaitClock};

/// What the cashier asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefundOrder {
    pub lane_id: String,
    pub sale_no: u64,
    pub choice: Choice,
    /// One of the policy's reasons.
    pub reason: String,
    pub kind: RefundKind,
    /// Give the money back in cash whatever the tender (the store's offer after a wallet
    /// refused for good).
    pub cash_instead: bool,
}

/// A planned refund, before the PIN and before anything is journaled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prepared {
    pub order: RefundOrder,
    pub sale: CompletedSale,
    pub plan: Plan,
    /// Refunds of this sale so far (any state).
    pub earlier: Vec<RefundRecord>,
}

/// A refund that ran: its journal record and what became of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Done {
    pub sale: CompletedSale,
    pub record: RefundRecord,
    pub status: Status,
    /// The drawer opened (cash).
    pub drawer: bool,
    /// What had gone back on the sale before this refund (settled).
    pub refunded_before: Money,
}

#[derive(Debug, thiserror::Error)]
pub enum DeskError {
    #[error("no sale {sale_no} on lane {lane_id}")]
    NoSuchSale { lane_id: String, sale_no: u64 },
    #[error("{0}")]
    Plan(#[from] PlanError),
    #[error("post-void refused: {0}")]
    Void(String),
    #[error("{0}")]
    Journal(#[from] JournalError),
    #[error("amount: {0}")]
    Money(#[from] MoneyError),
    #[error("refund id {0} is already journaled for a different refund: try again")]
    IdTaken(String),
    /// The store refused the reservation, or cannot be reached for another lane's sale.
    #[error("{0}")]
    Store(String),
}

/// Plans `order` against the journal; nothing is written.
pub fn prepare(
    journal: &Journal,
    tax: &TaxRules,
    order: RefundOrder,
    now: Timestamp,
    utc_offset_minutes: i32,
) -> Result<Prepared, DeskError> {
    let sale = journal
        .sale(&order.lane_id, order.sale_no)?
        .ok_or_else(|| DeskError::NoSuchSale {
            lane_id: order.lane_id.clone(),
            sale_no: order.sale_no,
        })?;
    let earlier = journal.refunds_of_sale(&order.lane_id, order.sale_no)?;
    if order.kind == RefundKind::Void {
        if earlier.iter().any(|r| r.state != RefundState::Failed) {
            return Err(DeskError::Void(
                "the sale is already (partly) refunded: refund the rest instead".into(),
            ));
        }
        // The sale's shift must still be open; a sale made outside shifts keeps the
        // business-day rule.
        let in_shift = match journal.sale_in_open_shift(&order.lane_id, order.sale_no)? {
            Some(open) => open,
            None => same_shift(sale.completed_at, now, utc_offset_minutes),
        };
        if !in_shift {
            return Err(DeskError::Void(
                "only sales of the current business day can be voided: refund it instead".into(),
            ));
        }
    }
    let rate_of = |code: &str| tax.category(code).map(|c| c.rate);
    let basis = plan::basis(&sale, &rate_of)?;
    let taken = Taken::from_records(&earlier);
    let choice = match order.kind {
        RefundKind::Void => Choice::Whole,
        RefundKind::Refund => order.choice.clone(),
    };
    let plan = plan::plan(&sale, &basis, &taken, &choice)?;
    Ok(Prepared {
        order,
        sale,
        plan,
        earlier,
    })
}

/// The refund request id of the `n`th refund of a sale at lane `by_lane`: stable, so a retry
/// of the same journaled refund reuses it (wallets allow up to 64 characters). A refund of
/// another lane's sale names the refunding lane too: ids stay unique across the store's lanes.
fn refund_request_id(sale: &CompletedSale, n: usize, by_lane: &str) -> String {
    if by_lane == sale.lane_id {
        format!("RF{}-{}-{}", sale.lane_id, sale.sale_no, n)
    } else {
        format!("RF{}-{}-{}-L{by_lane}", sale.lane_id, sale.sale_no, n)
    }
}

/// How the money of `sale` goes back.
fn route(
    journal: &Journal,
    sale: &CompletedSale,
    kind: RefundKind,
    request: RefundRequest,
) -> Result<Route, DeskError> {
    Ok(match &sale.tender {
        SaleTender::Cash { .. } => Route::Cash,
        SaleTender::Wallet(w) => {
            let request = RefundRequest {
                payment_request_id: w.payment_request_id.clone(),
                ..request
            };
            match kind {
                RefundKind::Void => Route::Cancel {
                    payment_request_id: w.payment_request_id.clone(),
                    fallback: request,
                },
                RefundKind::Refund => Route::Refund(request),
            }
        }
        SaleTender::Card(card) => {
            // The authorization the sale names; for older sales, the attempt linked to it.
            let payment_request_id = if card.payment_request_id.is_empty() {
                journal
                    .payment_request_of_sale(&sale.lane_id, sale.sale_no)?
                    .unwrap_or_default()
            } else {
                card.payment_request_id.clone()
            };
            Route::Refund(RefundRequest {
                payment_request_id,
                ..request
            })
        }
    })
}

fn tender_of(sale: &CompletedSale) -> (String, Option<String>) {
    let brand = match &sale.tender {
        SaleTender::Cash { .. } => None,
        SaleTender::Wallet(w) => Some(w.brand.clone()),
        SaleTender::Card(c) => Some(c.brand.clone()),
    };
    (sale.tender.kind().to_string(), brand)
}

/// A refund journaled and ready to send: its record and how the money goes back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Begun {
    pub sale: CompletedSale,
    pub record: RefundRecord,
    pub route: Route,
    /// What had gone back on the sale before this refund (settled).
    pub refunded_before: Money,
}

/// Journals `prepared` (before anything is sent) and works out its route. The command line
/// drives the result with `run`; the refund screen drives it step by step through the runtime.
pub fn begin(
    journal: &mut Journal,
    prepared: Prepared,
    now: Timestamp,
    by_lane: &str,
) -> Result<Begun, DeskError> {
    let Prepared {
        order,
        sale,
        plan,
        earlier,
    } = prepared;
    let id = refund_request_id(&sale, earlier.len() + 1, by_lane);
    let (tender, brand) = if order.cash_instead {
        ("cash".to_string(), None)
    } else {
        tender_of(&sale)
    };
    let new = NewRefund {
        refund_request_id: id.clone(),
        lane_id: sale.lane_id.clone(),
        sale_no: sale.sale_no,
        kind: order.kind,
        reason: order.reason.clone(),
        tender,
        brand,
        amount: plan.amount,
        tax: plan.tax,
        wallet_amount: plan.wallet_amount.filter(|_| !order.cash_instead),
        rate: plan.rate.filter(|_| !order.cash_instead),
        lines: plan.lines.clone(),
        created_at: now,
    };
    let refunded_before = journal
        .refunded_total(&sale.lane_id, sale.sale_no)?
        .unwrap_or(Money::zero(sale.total.currency()));
    let record = match journal.begin_refund(&new)? {
        BeginRefund::Started(r) => r,
        BeginRefund::AlreadyJournaled(_) => return Err(DeskError::IdTaken(id)),
        BeginRefund::OverRemainder { line, left } => {
            let name = sale
                .lines
                .get(line as usize)
                .map(|l| l.name.clone())
                .unwrap_or_default();
            return Err(PlanError::OverRemainder {
                line: line + 1,
                name,
                asked: plan
                    .lines
                    .iter()
                    .find(|l| l.line == line)
                    .map_or(0, |l| l.qty),
                left,
            }
            .into());
        }
        BeginRefund::NoSuchSale => {
            return Err(DeskError::NoSuchSale {
                lane_id: sale.lane_id.clone(),
                sale_no: sale.sale_no,
            });
        }
    };
    tracing::info!(refund = %id, sale_no = sale.sale_no, amount = %plan.amount, "refund journaled");
    let request = RefundRequest {
        refund_request_id: id.clone(),
        payment_request_id: String::new(),
        amount: plan.amount,
        reason: order.reason.clone(),
    };
    let route = if order.cash_instead {
        Route::Cash
    } else {
        route(journal, &sale, order.kind, request)?
    };
    Ok(Begun {
        sale,
        record,
        route,
        refunded_before,
    })
}

/// Journals `prepared`, then runs it to a result the screen can show.
pub fn run<C: WaitClock>(
    rt: &mut Runtime<C>,
    prepared: Prepared,
    policy: &RefundPolicy,
) -> Result<Done, DeskError> {
    let now = rt.now();
    let Begun {
        sale,
        record,
        route,
        refunded_before,
    } = rt.begin_refund(prepared, now)?;
    let id = record.refund.refund_request_id.clone();
    let mut attempt = RefundAttempt::new(&id, route, policy.offer_cash);
    let drawer = drive(rt, &mut attempt);
    let record = rt.journal().refund(&id)?.unwrap_or(record);
    Ok(Done {
        sale,
        record,
        status: attempt.status,
        drawer,
        refunded_before,
    })
}

/// Carries out the machine's steps until it reports a result; true when the drawer opened.
fn drive<C: WaitClock>(rt: &mut Runtime<C>, attempt: &mut RefundAttempt) -> bool {
    let mut drawer = false;
    let mut queue: std::collections::VecDeque<Step> = attempt.start(rt.now()).into();
    while let Some(step) = queue.pop_front() {
        let next = match step {
            Step::Record(event) => {
                // Not journaled: the refund stays open in the journal and is asked again (same
                // id, so nothing moves twice) at the next start-up.
                if let Err(e) = rt
                    .journal_mut()
                    .record_refund_event(&attempt.refund_request_id, &event)
                {
                    tracing::error!(error = %e, refund = %attempt.refund_request_id, "refund state not journaled");
                }
                rt.after_refund_event(&attempt.refund_request_id, &event);
                Vec::new()
            }
            Step::KickDrawer => {
                drawer = true;
                Vec::new()
            }
            Step::RetryAt(t) => {
                rt.clock().wait_until(t);
                attempt.retry()
            }
            Step::SendRefund(req) => {
                let now = rt.now();
                let d = rt.link().refund(req, now);
                let reply = wait_for(rt, d.deliver_at, now);
                attempt.on_refund(reply.then_some(&d.body), rt.now())
            }
            Step::SendCancel(payment_request_id) => {
                let now = rt.now();
                let d = rt.link().cancel(&payment_request_id, now);
                let reply = wait_for(rt, d.deliver_at, now);
                attempt.on_cancel(reply.then_some(&d.body), rt.now())
            }
        };
        queue.extend(next);
    }
    drawer
}

/// Waits for a reply due at `at`; false (after the timeout) when it never comes.
fn wait_for<C: WaitClock>(rt: &Runtime<C>, at: Option<Timestamp>, sent: Timestamp) -> bool {
    match at {
        Some(t) if t <= sent + REPLY_TIMEOUT => {
            rt.clock().wait_until(t);
            true
        }
        _ => {
            rt.clock().wait_until(sent + REPLY_TIMEOUT);
            false
        }
    }
}

/// Resolves every refund the journal holds open (the counter stopped, or the wallet did not
/// answer): the same id is sent again, so a refund that went through is only confirmed. Cash
/// refunds left `requested` never reached the drawer (cash is journaled settled first), so
/// they are closed as failed.
pub fn resume_open<C: WaitClock>(
    rt: &mut Runtime<C>,
    policy: &RefundPolicy,
) -> Result<Vec<(String, String)>, DeskError> {
    let mut out = Vec::new();
    for open in rt.journal().open_refunds()? {
        let id = open.refund.refund_request_id.clone();
        let Some(sale) = rt
            .journal()
            .sale(&open.refund.lane_id, open.refund.sale_no)?
        else {
            continue;
        };
        let request = RefundRequest {
            refund_request_id: id.clone(),
            payment_request_id: String::new(),
            amount: open.refund.amount,
            reason: open.refund.reason.clone(),
        };
        let mut route = route(rt.journal(), &sale, open.refund.kind, request)?;
        if open.refund.tender == "cash" || route == Route::Cash {
            let event = crate::journal::RefundEvent {
                detail: Some("stopped before the drawer opened: no cash paid out".into()),
                ..crate::journal::RefundEvent::new(RefundState::Failed, rt.now())
            };
            rt.journal_mut().record_refund_event(&id, &event)?;
            out.push((id, "cash refund closed: no cash paid out".into()));
            continue;
        }
        // A void that already fell back to a refund carries on as a refund.
        if let Route::Cancel { fallback, .. } = &route
            && open
                .detail
                .as_deref()
                .is_some_and(|d| d.contains("refunding"))
        {
            route = Route::Refund(fallback.clone());
        }
        let mut attempt = RefundAttempt::new(&id, route, policy.offer_cash);
        drive(rt, &mut attempt);
        tracing::info!(refund = %id, status = ?attempt.status, "open refund resumed");
        out.push((id, describe(&attempt.status)));
    }
    Ok(out)
}

/// One line for a refund's result (recovery logs, `qrtill reconcile`).
pub fn describe(status: &Status) -> String {
    match status {
        Status::Pending => "pending".into(),
        Status::Settled { how, .. } => format!("settled ({how})"),
        Status::Refused { code, message, .. } => format!("refused: {code}: {message}"),
        Status::Open { why } => format!("open: {why}"),
    }
}

/// `resume_open` at the counter's start-up, with what it did logged (never a PIN).
pub fn log_resumed<C: WaitClock>(rt: &mut Runtime<C>, policy: &RefundPolicy) {
    match resume_open(rt, policy) {
        Ok(done) => {
            for (id, what) in done {
                tracing::warn!(refund = %id, %what, "refund left open by the last run resumed");
            }
        }
        Err(e) => tracing::error!(error = %e, "open refunds not resumed"),
    }
}
