//! The attempt machine on its own: replies in, effects and fate out. The same answers give the
//! same fate whether the attempt is live at the counter or resumed after a restart.

use super::*;
use crate::checkout::payment::{PollPlan, PollPlans, TimerKind};
use crate::money::Currency;
use crate::network::{
    CancelResponse, PayResponse, PaymentStage, QueryResponse, ResultCode, ResultInfo, WalletMode,
};
use proptest::prelude::*;
use std::time::Duration;

const ID: &str = "S0007L03A000001";
const T0: Timestamp = Timestamp(1_000_000);

fn usd(minor: i64) -> Money {
    Money::from_minor(minor, Currency::USD).unwrap()
}

fn view(stage: PaymentStage) -> PaymentView {
    PaymentView {
        payment_request_id: ID.into(),
        payment_id: "2026112122001400000000000001".into(),
        mode: WalletMode::PaymentCode,
        stage,
        amount: usd(489),
        wallet: None,
        customer_id: Some("159****5620".into()),
        quote: None,
        gross_wallet_amount: None,
        wallet_amount: None,
        promotion: None,
        settlement_amount: None,
        created_at: T0,
        paid_at: (stage == PaymentStage::Paid).then_some(T0 + Duration::from_secs(20)),
        refunded: usd(0),
        bill_number: None,
        closes_at: None,
    }
}

fn live_attempt() -> Attempt {
    Attempt {
        request_id: ID.into(),
        mode: PayMode::PaymentCode,
        amount: usd(489),
        created_at: T0,
        deadline: T0 + PollPlan::ALIPAY.deadline,
        qr_payload: None,
        family: None,
        plan: PollPlan::ALIPAY,
        polls: 0,
        cancel_tries: 0,
        cancel_not_before: None,
        payment: None,
        card: None,
        request: None,
        resends: 0,
        resumed: false,
    }
}

fn record(mode: PayMode) -> AttemptRecord {
    AttemptRecord {
        request_id: ID.into(),
        lane_id: "03".into(),
        mode,
        amount: usd(489),
        state: AttemptState::Pending,
        created_at: T0,
        basket: None,
        outcome: None,
    }
}

/// What the wallet answers a query with.
#[derive(Debug, Clone, Copy)]
enum QueryAnswer {
    Paid,
    Declined(ResultCode),
    InProcess,
    NotFound,
    /// Reversed by a cancel the counter sent before it stopped.
    Reversed,
    Lost,
}

/// What the wallet answers a cancel with.
#[derive(Debug, Clone, Copy)]
enum CancelAnswer {
    Closed,
    Refunded,
    RetryLater,
    Refused,
    Lost,
}

fn query_reply(a: QueryAnswer) -> Option<QueryResponse> {
    let (payment_result, stage) = match a {
        QueryAnswer::Lost => return None,
        QueryAnswer::NotFound => {
            return Some(QueryResponse {
                payment_request_id: ID.into(),
                result: ResultInfo::of(ResultCode::OrderNotExist),
                payment_result: None,
                payment: None,
            });
        }
        QueryAnswer::Paid => (ResultInfo::success(), PaymentStage::Paid),
        QueryAnswer::Declined(code) => (ResultInfo::of(code), PaymentStage::Failed),
        QueryAnswer::InProcess => (
            ResultInfo::of(ResultCode::PaymentInProcess),
            PaymentStage::AwaitingShopper,
        ),
        QueryAnswer::Reversed => (
            ResultInfo::of(ResultCode::OrderIsClosed),
            PaymentStage::Reversed,
        ),
    };
    Some(QueryResponse {
        payment_request_id: ID.into(),
        result: ResultInfo::success(),
        payment_result: Some(payment_result),
        payment: Some(view(stage)),
    })
}

fn cancel_reply(a: CancelAnswer, now: Timestamp) -> Option<CancelResponse> {
    let (result, action, retry) = match a {
        CancelAnswer::Lost => return None,
        CancelAnswer::Closed => (ResultInfo::success(), Some(CancelAction::Close), false),
        CancelAnswer::Refunded => (ResultInfo::success(), Some(CancelAction::Refund), false),
        CancelAnswer::RetryLater => (ResultInfo::of(ResultCode::ReverseTooEarly), None, true),
        CancelAnswer::Refused => (ResultInfo::of(ResultCode::CancelWindowExceed), None, false),
    };
    Some(CancelResponse {
        payment_request_id: ID.into(),
        result,
        action,
        retry,
        retry_at: retry.then_some(now + Duration::from_secs(5)),
        payment: None,
    })
}

use crate::network::CancelAction;

/// An attempt with its status and everything it asked for, driven by scripted answers.
struct Driver {
    status: PayStatus,
    attempt: Attempt,
    now: Timestamp,
    effects: Vec<Effect>,
    approvals: usize,
}

impl Driver {
    fn step(&mut self, f: impl FnOnce(&mut Flow)) {
        let mut out = Out::default();
        f(&mut Flow {
            status: &mut self.status,
            attempt: &mut self.attempt,
            out: &mut out,
            now: self.now,
        });
        self.approvals += usize::from(out.approved.is_some());
        self.effects.extend(out.effects);
    }

    fn live() -> Self {
        let mut d = Driver {
            status: PayStatus::Sending,
            attempt: live_attempt(),
            now: T0 + Duration::from_millis(300),
            effects: vec![],
            approvals: 0,
        };
        let pay = PayResponse {
            payment_request_id: ID.into(),
            result: ResultInfo::of(ResultCode::PaymentInProcess),
            payment: Some(view(PaymentStage::AwaitingShopper)),
        };
        d.step(|f| f.on_pay_reply(pay));
        d
    }

    fn resumed(mode: PayMode) -> Self {
        let now = T0 + Duration::from_secs(300);
        let mut out = Out::default();
        let r = Resumed::start(record(mode), &PollPlans::default(), now, &mut out);
        Driver {
            status: r.status,
            attempt: r.attempt,
            now,
            effects: out.effects,
            approvals: usize::from(out.approved.is_some()),
        }
    }

    fn finishes(&self) -> Vec<&AttemptOutcome> {
        self.effects
            .iter()
            .filter_map(|e| match e {
                Effect::FinishAttempt { outcome, .. } => Some(outcome),
                _ => None,
            })
            .collect()
    }

    fn cancels(&self) -> usize {
        self.effects
            .iter()
            .filter(|e| matches!(e, Effect::Cancel { .. }))
            .count()
    }

    /// The latest cancel timer, as the runtime would deliver it.
    fn fire_cancel_timer(&mut self) -> bool {
        let Some((at, kind)) = self.effects.iter().rev().find_map(|e| match e {
            Effect::SetTimer { at, timer } if matches!(timer.kind, TimerKind::Cancel { .. }) => {
                Some((*at, timer.kind))
            }
            _ => None,
        }) else {
            return false;
        };
        self.now = self.now.max(at);
        self.step(|f| f.on_timer(kind));
        true
    }

    /// Feeds the query answer at `now`, then the cancel answers in turn until the attempt ends.
    fn play(&mut self, query: QueryAnswer, cancels: &[CancelAnswer]) {
        match query_reply(query) {
            Some(r) => self.step(|f| f.on_query_reply(r)),
            None => {
                // Lost: the deadline (timer) ends the wait.
                self.step(|f| f.on_timer(TimerKind::Deadline));
            }
        }
        let mut script = cancels.iter().copied();
        let mut answered = 0;
        for _ in 0..20 {
            if !matches!(self.status, PayStatus::Cancelling { .. }) {
                break;
            }
            if self.cancels() > answered {
                answered = self.cancels();
                let now = self.now;
                match script.next().and_then(|a| cancel_reply(a, now)) {
                    Some(r) => {
                        self.now = self.now + Duration::from_millis(200);
                        self.step(|f| f.on_cancel_reply(r));
                    }
                    None => {
                        self.fire_cancel_timer();
                    }
                }
            } else if !self.fire_cancel_timer() {
                break;
            }
        }
    }

    /// The fate, without the wording that says which path got there.
    fn fate(&self) -> (usize, Option<AttemptState>, &'static str) {
        let state = self.finishes().last().map(|o| o.state());
        let kind = match &self.status {
            PayStatus::Approved => "approved",
            PayStatus::Declined { .. } => "declined",
            PayStatus::Cancelled { refunded: true, .. } => "refunded",
            PayStatus::Cancelled {
                refunded: false, ..
            } => "closed",
            PayStatus::NeedsManual { .. } => "manual",
            PayStatus::Cancelling { .. } => "cancelling",
            _ => "open",
        };
        (self.approvals, state, kind)
    }
}

#[test]
fn an_in_process_answer_keeps_polling_until_the_deadline() {
    let mut d = Driver::live();
    assert_eq!(d.status, PayStatus::ShopperConfirming);
    d.now = T0 + Duration::from_secs(3);
    d.step(|f| f.on_timer(TimerKind::Poll { n: 0 }));
    d.step(|f| f.on_query_reply(query_reply(QueryAnswer::InProcess).unwrap()));
    assert_eq!(d.status, PayStatus::ShopperConfirming);
    assert_eq!(d.cancels(), 0);
    let polls = d
        .effects
        .iter()
        .filter(|e| matches!(e, Effect::Query { .. }))
        .count();
    assert_eq!(polls, 1);
}

#[test]
fn a_resumed_attempt_starts_with_a_query_and_cancels_an_unknown_order() {
    let mut d = Driver::resumed(PayMode::PaymentCode);
    assert!(
        matches!(d.effects[0], Effect::Query { .. }),
        "{:?}",
        d.effects
    );
    d.play(QueryAnswer::NotFound, &[CancelAnswer::Closed]);
    assert_eq!(d.cancels(), 1);
    match d.finishes().as_slice() {
        [
            AttemptOutcome::Cancelled {
                refunded: false,
                why,
            },
        ] => {
            assert_eq!(why, "the counter restarted before the answer")
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_cancel_no_try_of_which_is_answered_leaves_the_reversal_owed() {
    let mut d = Driver::resumed(PayMode::PaymentCode);
    d.play(QueryAnswer::Lost, &[CancelAnswer::Lost; 10]);
    assert_eq!(d.fate(), (0, Some(AttemptState::NeedsManual), "manual"));
    assert_eq!(d.finishes(), [&AttemptOutcome::CancelUnconfirmed]);
    assert_eq!(
        AttemptOutcome::CancelUnconfirmed.to_string(),
        "the cancel was never confirmed",
        "rows written before the variant existed hold this text"
    );
}

#[test]
fn an_owed_reversal_is_cancelled_at_the_next_start_and_never_becomes_a_sale() {
    let now = T0 + Duration::from_secs(600);
    let mut out = Out::default();
    let owed = AttemptRecord {
        state: AttemptState::NeedsManual,
        outcome: Some("the cancel was never confirmed".into()),
        ..record(PayMode::PaymentCode)
    };
    let r = Resumed::start(owed, &PollPlans::default(), now, &mut out);
    let mut d = Driver {
        status: r.status,
        attempt: r.attempt,
        now,
        effects: out.effects,
        approvals: usize::from(out.approved.is_some()),
    };
    assert!(
        matches!(d.effects.first(), Some(Effect::Cancel { .. })),
        "an owed reversal is sent straight away, without a query: {:?}",
        d.effects
    );
    assert!(!d.effects.iter().any(|e| matches!(e, Effect::Query { .. })));
    let reply = cancel_reply(CancelAnswer::Refunded, d.now);
    d.step(|f| f.on_cancel_reply(reply.expect("a scripted answer")));
    assert_eq!(d.fate(), (0, Some(AttemptState::Reversed), "refunded"));
}

#[test]
fn a_resumed_paid_attempt_is_approved_once_and_never_cancelled() {
    let mut d = Driver::resumed(PayMode::WalletQr);
    d.play(QueryAnswer::Paid, &[]);
    assert_eq!(d.fate(), (1, None, "approved"));
    assert_eq!(d.cancels(), 0);
}

#[test]
fn a_resumed_card_attempt_goes_to_a_person_without_asking_the_network() {
    let d = Driver::resumed(PayMode::Card);
    assert_eq!(d.fate(), (0, Some(AttemptState::NeedsManual), "manual"));
    assert!(
        d.effects
            .iter()
            .all(|e| matches!(e, Effect::FinishAttempt { .. })),
        "{:?}",
        d.effects
    );
}

#[test]
fn a_found_reversal_is_journaled_as_reversed() {
    let mut d = Driver::resumed(PayMode::PaymentCode);
    d.play(QueryAnswer::Reversed, &[]);
    assert_eq!(d.fate(), (0, Some(AttemptState::Reversed), "refunded"));
}

#[test]
fn a_sale_that_cannot_be_saved_is_cancelled_and_refunded() {
    let mut d = Driver::live();
    d.step(|f| f.on_query_reply(query_reply(QueryAnswer::Paid).unwrap()));
    assert_eq!(d.status, PayStatus::Approved);
    d.step(|f| f.on_commit_failed("database or disk is full"));
    assert!(matches!(d.status, PayStatus::Cancelling { .. }));
    assert_eq!(d.cancels(), 1);
    let r = cancel_reply(CancelAnswer::Refunded, d.now).unwrap();
    d.step(|f| f.on_cancel_reply(r));
    match d.finishes().as_slice() {
        [
            AttemptOutcome::Cancelled {
                refunded: true,
                why,
            },
        ] => {
            assert!(why.contains("could not be saved"), "{why}")
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_card_sale_that_cannot_be_saved_is_flagged_for_a_person() {
    let mut d = Driver::live();
    d.attempt.mode = PayMode::Card;
    d.status = PayStatus::Approved;
    d.step(|f| f.on_commit_failed("database or disk is full"));
    assert_eq!(d.cancels(), 0);
    assert_eq!(d.fate(), (0, Some(AttemptState::NeedsManual), "manual"));
}

#[test]
fn a_late_success_after_the_cancel_changes_nothing() {
    let mut d = Driver::live();
    d.step(|f| f.begin_cancel("cancelled by the cashier"));
    d.step(|f| f.on_query_reply(query_reply(QueryAnswer::Paid).unwrap()));
    assert_eq!(d.approvals, 0);
    assert!(matches!(d.status, PayStatus::Cancelling { .. }));
}

fn query_answer() -> impl Strategy<Value = QueryAnswer> {
    prop_oneof![
        Just(QueryAnswer::Paid),
        Just(QueryAnswer::Declined(ResultCode::UserBalanceNotEnough)),
        Just(QueryAnswer::Declined(ResultCode::RiskReject)),
        Just(QueryAnswer::InProcess),
        Just(QueryAnswer::NotFound),
        Just(QueryAnswer::Reversed),
        Just(QueryAnswer::Lost),
    ]
}

fn cancel_answer() -> impl Strategy<Value = CancelAnswer> {
    prop_oneof![
        Just(CancelAnswer::Closed),
        Just(CancelAnswer::Refunded),
        Just(CancelAnswer::RetryLater),
        Just(CancelAnswer::Refused),
        Just(CancelAnswer::Lost),
    ]
}

proptest! {
    // The same answers reach the same fate whether the attempt was live at the counter when its
    // deadline came or resumed after a restart; and every attempt ends exactly once: one sale
    // when approved, otherwise one journaled outcome.
    #[test]
    fn live_and_resumed_attempts_reach_the_same_fate(
        query in query_answer(),
        cancels in proptest::collection::vec(cancel_answer(), 0..8),
    ) {
        let mut live = Driver::live();
        live.now = live.attempt.deadline;
        live.play(query, &cancels);
        let mut resumed = Driver::resumed(PayMode::PaymentCode);
        resumed.play(query, &cancels);

        prop_assert_eq!(live.fate(), resumed.fate());
        for d in [&live, &resumed] {
            let (approvals, _, kind) = d.fate();
            prop_assert!(approvals <= 1);
            if approvals == 1 {
                prop_assert!(d.finishes().is_empty(), "approved and finished: {:?}", d.effects);
                prop_assert_eq!(kind, "approved");
            } else {
                prop_assert!(kind != "cancelling" && kind != "open", "never settled: {}", kind);
                prop_assert_eq!(d.finishes().len(), 1, "{:?}", d.effects);
            }
        }
    }
}
