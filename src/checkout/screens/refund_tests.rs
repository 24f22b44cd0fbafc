use super::*;
use crate::checkout::Event;
use crate::clock::ManualClock;
use crate::harness::{self, scan};
use crate::journal::RefundState;
use crate::money::Decimal;
use crate::runtime::Runtime;
use std::time::Duration;

const FLAT_WHITE: &str = "2000000000138";
const CAPPUCCINO: &str = "2000000000527";

/// The demo counter with one cash sale of `barcodes`, opened as from its receipt reference.
fn opened_cash_sale(barcodes: &[&str]) -> Runtime<ManualClock> {
    let mut rt = harness::demo_runtime().unwrap();
    for b in barcodes {
        scan(&mut rt, b);
    }
    rt.dispatch(Action::PayCash);
    rt.dispatch(Action::QuickTender(0));
    rt.dispatch(Action::Enter);
    harness::type_text(&mut rt, "S0007-L03-000001");
    rt.dispatch(Action::Enter);
    assert!(
        matches!(rt.checkout.screen, Screen::SaleDetail(_)),
        "{:?}",
        rt.checkout.notice
    );
    rt
}

fn screen(rt: &Runtime<ManualClock>) -> &RefundScreen {
    match &rt.checkout.screen {
        Screen::Refund(s) => s,
        other => panic!("not the refund screen: {other:?} {:?}", rt.checkout.notice),
    }
}

fn policy_without_pin() -> RefundPolicy {
    RefundPolicy {
        no_pin_up_to: Decimal::from(1000),
        ..RefundPolicy::default()
    }
}

#[test]
fn the_pin_is_needed_only_above_the_no_pin_amount() {
    let policy = RefundPolicy {
        no_pin_up_to: Decimal::from(5),
        ..RefundPolicy::default()
    };
    let usd = crate::money::Currency::USD;
    assert!(!needs_pin(&policy, Money::from_minor(500, usd).unwrap()));
    assert!(needs_pin(&policy, Money::from_minor(501, usd).unwrap()));
    // The default ("0"): every refund needs it.
    assert!(needs_pin(
        &RefundPolicy::default(),
        Money::from_minor(1, usd).unwrap()
    ));
}

#[test]
fn units_are_capped_at_what_is_left_and_nothing_chosen_is_refused() {
    let mut rt = opened_cash_sale(&[FLAT_WHITE, FLAT_WHITE, CAPPUCCINO]);
    rt.dispatch(Action::Refund);
    assert_eq!(screen(&rt).left, Some(vec![2, 1]));
    rt.dispatch(Action::Enter);
    assert_eq!(screen(&rt).stage, Stage::Lines, "nothing chosen stays put");
    assert!(rt.checkout.notice.is_some());
    for _ in 0..3 {
        rt.dispatch(Action::QtyUp);
    }
    assert_eq!(screen(&rt).chosen, vec![2, 0]);
    let policy = RefundPolicy::default();
    assert!(
        matches!(screen(&rt).order(&policy).choice, Choice::Lines(ref l) if *l == vec![(0, 2)])
    );
    rt.dispatch(Action::Char('a'));
    assert_eq!(screen(&rt).chosen, vec![2, 1]);
    assert_eq!(screen(&rt).order(&policy).choice, Choice::Whole);
    rt.dispatch(Action::Enter);
    assert_eq!(screen(&rt).stage, Stage::Reason);
    rt.dispatch(Action::Back);
    rt.dispatch(Action::Back);
    assert!(matches!(rt.checkout.screen, Screen::SaleDetail(_)));
}

#[test]
fn a_cash_refund_runs_through_the_flow_opens_the_drawer_and_is_journaled_settled() {
    let mut rt = opened_cash_sale(&[FLAT_WHITE, CAPPUCCINO]);
    rt.checkout
        .set_refund_desk(policy_without_pin(), PinGate::new(None));
    rt.dispatch(Action::Refund);
    rt.dispatch(Action::Down);
    rt.dispatch(Action::QtyUp);
    rt.dispatch(Action::Enter);
    rt.dispatch(Action::Down); // "Wrong item"
    rt.dispatch(Action::Enter);
    let Stage::Done {
        record,
        status,
        drawer,
        ..
    } = &screen(&rt).stage
    else {
        panic!("{:?}", screen(&rt).stage);
    };
    assert!(
        matches!(status, Status::Settled { how: "cash", .. }),
        "{status:?}"
    );
    assert!(*drawer);
    assert_eq!(
        record.state,
        RefundState::Settled,
        "the screen holds the journal's record"
    );
    assert_eq!(record.refund.reason, "Wrong item");
    let journaled = rt.journal().refunds_of_sale("03", 1).unwrap();
    assert_eq!(journaled.len(), 1);
    assert_eq!(journaled[0].state, RefundState::Settled);
    assert_eq!(journaled[0].refund.lines.len(), 1);
    assert_eq!(journaled[0].refund.lines[0].line, 1);
    // Enter goes back to the sale, read again with its refund.
    rt.dispatch(Action::Enter);
    let Screen::SaleDetail(opened) = &rt.checkout.screen else {
        panic!("{:?}", rt.checkout.screen);
    };
    assert_eq!(opened.record.refunds.len(), 1);
    // What is left now excludes the refunded unit.
    rt.dispatch(Action::Refund);
    assert_eq!(screen(&rt).left, Some(vec![1, 0]));
}

#[test]
fn three_wrong_pins_lock_entry_for_sixty_seconds_on_the_counter_clock() {
    let mut rt = opened_cash_sale(&[FLAT_WHITE]);
    let hash = crate::pin::hash("2468").unwrap();
    rt.checkout
        .set_refund_desk(RefundPolicy::default(), PinGate::new(Some(hash)));
    rt.dispatch(Action::Refund);
    rt.dispatch(Action::Char('a'));
    rt.dispatch(Action::Enter);
    rt.dispatch(Action::Enter);
    assert!(matches!(screen(&rt).stage, Stage::Pin { .. }));
    for wrong in ["1111", "2222", "3333"] {
        harness::type_text(&mut rt, wrong);
        rt.dispatch(Action::Enter);
    }
    let Stage::Pin {
        message,
        locked_until,
        entry,
        ..
    } = &screen(&rt).stage
    else {
        panic!("{:?}", screen(&rt).stage);
    };
    assert!(entry.is_empty(), "an entry is cleared once checked");
    let until = rt.now() + crate::pin::LOCKOUT;
    assert_eq!(*locked_until, Some(until));
    assert!(
        message.as_deref().unwrap_or("").contains("locked"),
        "{message:?}"
    );
    // The right PIN is not even looked at while locked.
    rt.advance(Duration::from_secs(59));
    harness::type_text(&mut rt, "2468");
    rt.dispatch(Action::Enter);
    assert!(matches!(screen(&rt).stage, Stage::Pin { .. }));
    assert!(rt.journal().refunds_of_sale("03", 1).unwrap().is_empty());
    rt.advance(Duration::from_secs(1));
    harness::type_text(&mut rt, "2468");
    rt.dispatch(Action::Enter);
    assert!(
        matches!(screen(&rt).stage, Stage::Done { .. }),
        "{:?}",
        screen(&rt).stage
    );
    assert_eq!(rt.journal().refunds_of_sale("03", 1).unwrap().len(), 1);
}

#[test]
fn a_wallet_refund_waits_for_the_network_without_blocking_then_settles() {
    let mut rt = harness::demo_runtime().unwrap();
    let shopper = harness::easy_shoppers(rt.network())[0].clone();
    let sale_no = harness::wallet_sale(&mut rt, &shopper, &[FLAT_WHITE]).unwrap();
    rt.checkout
        .set_refund_desk(policy_without_pin(), PinGate::new(None));
    rt.dispatch(Action::Back);
    harness::type_text(&mut rt, &format!("S0007-L03-{sale_no:06}"));
    rt.dispatch(Action::Enter);
    rt.dispatch(Action::Refund);
    rt.dispatch(Action::Char('a'));
    rt.dispatch(Action::Enter);
    rt.dispatch(Action::Enter);
    // The request is out; the screen is live until the reply is due on the virtual clock.
    assert!(
        matches!(screen(&rt).stage, Stage::Running { .. }),
        "{:?}",
        screen(&rt).stage
    );
    for _ in 0..40 {
        if matches!(screen(&rt).stage, Stage::Done { .. }) {
            break;
        }
        rt.advance(Duration::from_millis(500));
    }
    let Stage::Done {
        status,
        drawer,
        record,
        ..
    } = &screen(&rt).stage
    else {
        panic!("{:?}", screen(&rt).stage);
    };
    assert!(
        matches!(status, Status::Settled { how: "refund", .. }),
        "{status:?}"
    );
    assert!(!drawer, "no drawer for a wallet refund");
    assert_eq!(record.state, RefundState::Settled);
}

#[test]
fn a_post_void_voids_the_whole_sale() {
    let mut rt = opened_cash_sale(&[FLAT_WHITE, CAPPUCCINO]);
    rt.checkout
        .set_refund_desk(policy_without_pin(), PinGate::new(None));
    rt.dispatch(Action::PostVoid);
    assert_eq!(screen(&rt).stage, Stage::Reason);
    rt.dispatch(Action::Enter);
    let Stage::Done { record, .. } = &screen(&rt).stage else {
        panic!("{:?}", screen(&rt).stage);
    };
    assert_eq!(record.refund.kind, RefundKind::Void);
    assert_eq!(record.refund.reason, "Post-void");
    assert_eq!(record.refund.lines.len(), 2);
}

#[test]
fn late_news_for_another_refund_is_ignored() {
    let mut rt = opened_cash_sale(&[FLAT_WHITE]);
    rt.dispatch(Action::Refund);
    let before = screen(&rt).clone();
    let now = rt.now();
    let effects = rt.checkout.handle(
        Event::Refund(Box::new(RefundNews::Retry {
            id: "RF03-9-1".into(),
        })),
        now,
    );
    assert!(effects.is_empty());
    assert_eq!(*screen(&rt), before);
}
