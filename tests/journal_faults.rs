//! A journal write that fails during a sale (a full disk), injected at the journal boundary with
//! `Journal::fail_next_writes`: the error is SQLite's "database or disk is full", so the counter
//! takes the same path as on a real full disk.
//! - the sale never shows PAID and nothing is recorded as paid;
//! - an approved wallet payment is cancelled (the wallet returns the charge);
//! - an approved card payment is flagged for the cashier to settle;
//! - cash: the screen says the journal write failed and the drawer is not kicked.

use crate::wallet_support;

use qrtill::checkout::payment::PayStatus;
use qrtill::checkout::{Action, NoticeLevel, Screen};
use qrtill::journal::AttemptState;
use qrtill::money::Currency;
use qrtill::network::{Call, Fault, PaymentStage};
use qrtill::runtime::PhoneAction;
use wallet_support::*;

fn notice(till: &Till) -> String {
    let n = till.rt.checkout.notice.as_ref().expect("a notice");
    assert_eq!(n.level, NoticeLevel::Error, "{n:?}");
    n.text.clone()
}

#[test]
fn an_approved_wallet_payment_whose_sale_cannot_be_saved_is_refunded() {
    let mut till = Till::new();
    till.ring_up(&[FLAT_WHITE, LATTE]);
    let before = till.balance("li-na");
    till.key(Action::PayCode);
    // The attempt row is written before the pay leaves; the next write, the sale, fails.
    till.phone("li-na", PhoneAction::PresentCode);
    let id = till.request_id();
    till.rt.journal_mut().fail_next_writes(1);
    till.wait_secs(20);

    assert!(
        !till.seen.iter().any(|s| s == "Receipt"),
        "never shown as paid: {:?}",
        till.seen
    );
    assert_eq!(
        till.seen.last().map(String::as_str),
        Some("Cancelled refunded"),
        "{:?}",
        till.seen
    );
    assert!(till.sales().is_empty(), "no sale recorded");
    let attempt = till.attempt(&id);
    assert_eq!(attempt.state, AttemptState::Reversed);
    let outcome = attempt.outcome.unwrap_or_default();
    assert!(outcome.contains("the sale could not be saved"), "{outcome}");
    assert!(outcome.contains("disk is full"), "{outcome}");
    assert_eq!(till.ledger(&id).stage, PaymentStage::Reversed);
    assert_eq!(
        till.balance("li-na"),
        before,
        "the shopper got the money back"
    );
    let text = notice(&till);
    assert!(text.contains("Sale NOT saved"), "{text}");
    assert!(text.contains("journal write failed"), "{text}");
    assert!(till.reconcile().manual.is_empty());
    // The basket is still there for another try.
    assert!(!till.rt.checkout.basket.is_empty());
}

#[test]
fn a_wallet_payment_is_flagged_when_neither_sale_nor_cancel_goes_through() {
    let mut till = Till::new();
    till.ring_up(&[FLAT_WHITE]);
    till.key(Action::PayCode);
    till.phone("li-na", PhoneAction::PresentCode);
    let id = till.request_id();
    till.rt.journal_mut().fail_next_writes(1);
    // The acquirer turns away every cancel (not processed, "retry"): the refund never happens.
    for _ in 0..8 {
        till.rt
            .network_mut()
            .inject_fault(Fault::Throttle(Call::Cancel));
    }
    till.wait_secs(60);
    assert!(!till.seen.iter().any(|s| s == "Receipt"), "{:?}", till.seen);
    assert_eq!(
        till.seen.last().map(String::as_str),
        Some("NeedsManual"),
        "{:?}",
        till.seen
    );
    assert_eq!(till.sent(&id).iter().filter(|c| **c == "cancel").count(), 4);
    assert!(till.sales().is_empty());
    let attempt = till.attempt(&id);
    assert_eq!(attempt.state, AttemptState::NeedsManual);
    assert_eq!(
        attempt.outcome.as_deref(),
        Some("the cancel was never confirmed")
    );
    // The wallet still holds the charge: exactly the case a person must settle.
    assert_eq!(till.ledger(&id).stage, PaymentStage::Paid);
}

#[test]
fn an_approved_card_whose_sale_cannot_be_saved_needs_the_cashier() {
    let mut till = Till::new();
    till.ring_up(&[FLAT_WHITE]);
    till.key(Action::PayCard);
    till.key(Action::Char('1'));
    let id = till.request_id();
    till.rt.journal_mut().fail_next_writes(1);
    till.wait_secs(5);
    assert!(!till.seen.iter().any(|s| s == "Receipt"), "{:?}", till.seen);
    match till.status() {
        Some(PayStatus::NeedsManual { why }) => {
            assert!(why.contains("card approved"), "{why}");
            assert!(why.contains("could not be saved"), "{why}");
        }
        other => panic!("{other:?}"),
    }
    assert!(till.sales().is_empty());
    assert_eq!(till.attempt(&id).state, AttemptState::NeedsManual);
    assert!(notice(&till).contains("journal write failed"));
}

#[test]
fn a_cash_sale_that_cannot_be_saved_is_not_paid_and_keeps_the_drawer_shut() {
    let mut till = Till::new();
    till.ring_up(&[FLAT_WHITE]);
    till.key(Action::PayCash);
    till.rt.journal_mut().fail_next_writes(1);
    till.key(Action::QuickTender(0));
    assert!(
        matches!(till.rt.checkout.screen, Screen::Cash { .. }),
        "{:?}",
        till.seen
    );
    assert!(!till.seen.iter().any(|s| s == "Receipt"), "{:?}", till.seen);
    assert!(till.sales().is_empty());
    let text = notice(&till);
    assert!(text.contains("journal write failed"), "{text}");
    assert!(text.contains("drawer stays shut"), "{text}");
    // The next write works: the same tender now becomes the sale.
    till.key(Action::QuickTender(0));
    assert_eq!(till.sales().len(), 1);
    assert_eq!(till.sales()[0].total, money("4.89", Currency::USD));
}

#[test]
fn an_attempt_that_cannot_be_journaled_is_never_sent() {
    let mut till = Till::new();
    till.ring_up(&[FLAT_WHITE]);
    till.key(Action::PayCode);
    till.rt.journal_mut().fail_next_writes(1);
    till.phone("li-na", PhoneAction::PresentCode);
    till.wait_secs(5);
    match till.status() {
        Some(PayStatus::Declined { code, advice }) => {
            assert_eq!(code.to_string(), "NOT_SENT");
            assert!(advice.contains("could not be journaled"), "{advice}");
        }
        other => panic!("{other:?}"),
    }
    assert!(till.attempts().is_empty());
    assert!(
        till.rt.network().ledger_payments().is_empty(),
        "nothing reached the wallet"
    );
}
