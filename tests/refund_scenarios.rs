//! Refunds at the counter: wallets.md §10 scenarios 20-22 and the refund cases of issue 9,
//! played through the shared runtime on a virtual clock against the simulated network. Each
//! test checks the journal (append-only refund rows) and the network's ledger and balances.

use crate::wallet_support;

use qrtill::checkout::Action;
use qrtill::checkout::refund::desk::{self, DeskError, Done, RefundOrder};
use qrtill::checkout::refund::{Choice, PlanError, Status};
use qrtill::checkout::sale::{CompletedSale, SaleTender, WalletTender};
use qrtill::config::Config;
use qrtill::journal::{Journal, RefundKind, RefundState};
use qrtill::money::fx::{DEFAULT_FX_TOML, FxTable};
use qrtill::money::{Currency, Decimal, Money};
use qrtill::network::{Call, Fault, LedgerStore, MoveKind, PaymentStage, ResultCode};
use qrtill::runtime::PhoneAction;
use std::time::Duration;
use wallet_support::*;

fn order(sale_no: u64, choice: Choice) -> RefundOrder {
    RefundOrder {
        lane_id: LANE.into(),
        sale_no,
        choice,
        reason: "Damaged".into(),
        kind: RefundKind::Refund,
        cash_instead: false,
    }
}

fn refund_with(till: &mut Till, o: RefundOrder) -> Result<Done, DeskError> {
    let config = Config::default();
    let prepared = desk::prepare(
        till.rt.journal(),
        &config.tax,
        o,
        till.rt.now(),
        config.store.utc_offset_minutes,
    )?;
    desk::run(&mut till.rt, prepared, &config.refund)
}

fn refund(till: &mut Till, sale_no: u64, choice: Choice) -> Result<Done, DeskError> {
    refund_with(till, order(sale_no, choice))
}

fn wallet(sale: &CompletedSale) -> &WalletTender {
    match &sale.tender {
        SaleTender::Wallet(w) => w,
        other => panic!("expected a wallet tender, got {other:?}"),
    }
}

fn pay_by_code(till: &mut Till, items: &[&str], who: &str) -> (CompletedSale, String) {
    till.ring_up(items);
    till.key(Action::PayCode);
    till.phone(who, PhoneAction::PresentCode);
    let id = till.request_id();
    till.wait_secs(3);
    let sale = till.sales().pop().expect("a sale");
    assert_eq!(wallet(&sale).payment_request_id, id);
    till.key(Action::Enter); // back to the basket
    (sale, id)
}

fn pay_cash(till: &mut Till, items: &[&str]) -> CompletedSale {
    till.ring_up(items);
    till.key(Action::PayCash);
    till.key(Action::QuickTender(0));
    till.wait_secs(1);
    till.key(Action::Enter);
    till.sales().pop().expect("a cash sale")
}

fn settled_wallet(done: &Done) -> Money {
    match &done.status {
        Status::Settled {
            wallet_amount: Some(m),
            ..
        } => *m,
        other => panic!("not settled with a wallet amount: {other:?}"),
    }
}

fn refund_moves(till: &Till, who: &str) -> Vec<Money> {
    till.rt
        .network()
        .balance_moves()
        .into_iter()
        .filter(|m| m.shopper == shopper(who) && m.kind == MoveKind::Refund)
        .map(|m| m.amount)
        .collect()
}

// 20. Partial refund then over-refund · paid, refund part (ok) → more than is left is refused
// saying what is left → the rest → full; the trade is closed (fully refunded).
#[test]
fn s20_partial_refund_then_over_refund_then_the_rest() {
    let mut till = Till::new();
    let (sale, id) = pay_by_code(&mut till, &[FLAT_WHITE, FLAT_WHITE, LATTE], "li-na");
    let first = refund(&mut till, sale.sale_no, Choice::Lines(vec![(0, 1)])).expect("refund");
    assert!(
        matches!(first.status, Status::Settled { .. }),
        "{:?}",
        first.status
    );
    assert_eq!(till.ledger(&id).stage, PaymentStage::PartiallyRefunded);

    let over = refund(&mut till, sale.sale_no, Choice::Lines(vec![(0, 2)])).unwrap_err();
    assert!(
        matches!(
            over,
            DeskError::Plan(PlanError::OverRemainder {
                left: 1,
                asked: 2,
                ..
            })
        ),
        "{over}"
    );
    assert!(over.to_string().contains("only 1 left"), "{over}");

    let rest = refund(&mut till, sale.sale_no, Choice::Whole).expect("the rest");
    assert!(matches!(rest.status, Status::Settled { .. }));
    let row = till.ledger(&id);
    assert_eq!(row.stage, PaymentStage::Refunded);
    assert_eq!(row.refunded, sale.total);
    // Both currencies come back exactly: the shopper got every fen they paid.
    let back = settled_wallet(&first)
        .checked_add(settled_wallet(&rest))
        .unwrap();
    assert_eq!(Some(back), wallet(&sale).wallet_amount);
    assert_eq!(row.returned, wallet(&sale).wallet_amount);
    let j = till.rt.journal();
    assert_eq!(
        j.refunded_total(LANE, sale.sale_no).unwrap(),
        Some(sale.total)
    );
    assert_eq!(j.refunds_of_sale(LANE, sale.sale_no).unwrap().len(), 2);
    let nothing = refund(&mut till, sale.sale_no, Choice::Whole).unwrap_err();
    assert!(nothing.to_string().contains("nothing left"), "{nothing}");
    assert_books_agree(&till, 2);
}

/// `qrtill reconcile`'s comparison: the journal's refunds match the network's ledger.
fn assert_books_agree(till: &Till, refunds: usize) {
    let r = qrtill::reconcile::reconcile(till.rt.journal(), till.rt.network().ledger())
        .expect("reconcile");
    assert!(r.balanced(), "{}", r.report());
    assert_eq!(r.refunds_matched, refunds, "{}", r.report());
}

// 21. Refund retried with the same id · the reply is lost → the counter sends the same refund
// request id again → one refund (no funds moved twice).
#[test]
fn s21_lost_refund_reply_is_retried_with_the_same_id_and_refunds_once() {
    let mut till = Till::new();
    let (sale, id) = pay_by_code(&mut till, &[FLAT_WHITE, LATTE], "li-na");
    let before = till.balance("li-na");
    till.rt
        .network_mut()
        .inject_fault(Fault::DropReply(Call::Refund));
    let done = refund(&mut till, sale.sale_no, Choice::Whole).expect("refund");
    assert!(
        matches!(done.status, Status::Settled { .. }),
        "{:?}",
        done.status
    );
    let moves = refund_moves(&till, "li-na");
    assert_eq!(moves.len(), 1, "one refund moved money: {moves:?}");
    assert_eq!(Some(moves[0]), wallet(&sale).wallet_amount);
    assert_eq!(till.balance("li-na"), before.checked_add(moves[0]).unwrap());
    assert_eq!(till.ledger(&id).refunded, sale.total);
    let rec = till
        .rt
        .journal()
        .refund(&done.record.refund.refund_request_id)
        .unwrap()
        .unwrap();
    assert_eq!(rec.state, RefundState::Settled);
}

// 22. Refund after the window · a 400-day-old sale → the wallet refuses (window over); the
// advice is shown and the store offers cash; nothing is taken off the remainder.
#[test]
fn s22_refund_after_the_window_is_refused_and_cash_is_offered() {
    let mut till = Till::new();
    let (sale, _) = pay_by_code(&mut till, &[FLAT_WHITE], "li-na");
    till.wait(Duration::from_secs(400 * 86_400));
    let done = refund(&mut till, sale.sale_no, Choice::Whole).expect("ran");
    let Status::Refused {
        code, offer_cash, ..
    } = &done.status
    else {
        panic!("{:?}", done.status)
    };
    assert_eq!(*code, ResultCode::RefundWindowExceed);
    assert!(offer_cash);
    assert!(code.cashier_advice().contains("window"));
    assert_eq!(done.record.state, RefundState::Failed);
    assert_eq!(
        till.rt
            .journal()
            .refunded_quantities(LANE, sale.sale_no)
            .unwrap(),
        Vec::<u32>::new()
    );
    // The offered cash refund goes through and opens the drawer.
    let cash = refund_with(
        &mut till,
        RefundOrder {
            cash_instead: true,
            ..order(sale.sale_no, Choice::Whole)
        },
    )
    .expect("cash");
    assert!(cash.drawer);
    assert_eq!(cash.record.refund.tender, "cash");
    assert_eq!(
        till.rt
            .journal()
            .refunded_total(LANE, sale.sale_no)
            .unwrap(),
        Some(sale.total)
    );
    assert!(refund_moves(&till, "li-na").is_empty());
}

#[test]
fn two_partial_cash_refunds_then_a_third_is_refused_over_the_remainder() {
    let mut till = Till::new();
    let sale = pay_cash(&mut till, &[FLAT_WHITE, FLAT_WHITE, FLAT_WHITE]);
    assert_eq!(sale.lines[0].qty, 3);
    for _ in 0..2 {
        let d = refund(&mut till, sale.sale_no, Choice::Lines(vec![(0, 1)])).expect("partial");
        assert!(d.drawer, "cash refunds open the drawer");
    }
    let err = refund(&mut till, sale.sale_no, Choice::Lines(vec![(0, 2)])).unwrap_err();
    assert_eq!(
        err.to_string(),
        "line 1 (Flat white 12oz): 2 asked, only 1 left to refund"
    );
    let j = till.rt.journal();
    assert_eq!(j.refunded_quantities(LANE, sale.sale_no).unwrap(), vec![2]);
    assert_eq!(j.refunds_of_sale(LANE, sale.sale_no).unwrap().len(), 2);
}

#[test]
fn a_refund_after_the_fx_table_changed_uses_the_booked_rate() {
    let dir = tempfile::tempdir().expect("tmp");
    let (jp, lp) = (
        dir.path().join("journal.sqlite"),
        dir.path().join("network.sqlite"),
    );
    let mut till = Till::on(runtime_on(
        Journal::open(&jp).expect("journal"),
        network_on(
            LedgerStore::open(&lp).expect("ledger"),
            FxTable::embedded().expect("fx"),
        ),
        qrtill::harness::DEMO_START,
    ));
    let (sale, _) = pay_by_code(&mut till, &[FLAT_WHITE, LATTE], "li-na");
    let booked = wallet(&sale).rate.expect("booked rate");
    assert_eq!(booked, "7.2212265".parse::<Decimal>().unwrap());
    let later = till.rt.now() + Duration::from_secs(7 * 86_400);
    drop(till);
    // A week later the table says 7.50.
    let moved = DEFAULT_FX_TOML.replace("mid = \"7.1853\"", "mid = \"7.50\"");
    assert_ne!(moved, DEFAULT_FX_TOML);
    let fx = FxTable::parse(&moved, "moved fx").expect("fx");
    let mut till = Till::on(runtime_on(
        Journal::open(&jp).expect("journal"),
        network_on(LedgerStore::open(&lp).expect("ledger"), fx),
        later,
    ));
    let done = refund(&mut till, sale.sale_no, Choice::Lines(vec![(0, 1)])).expect("refund");
    assert_eq!(done.record.refund.rate, Some(booked));
    // 4.50 + its tax share 0.39 = 4.89 of 10.05; CNY 72.57 x 4.89 / 10.05 = 35.31.
    assert_eq!(done.record.refund.amount.with_code(), "USD 4.89");
    assert_eq!(
        wallet(&sale)
            .wallet_amount
            .map(|m| m.with_code())
            .as_deref(),
        Some("CNY 72.57")
    );
    assert_eq!(settled_wallet(&done).with_code(), "CNY 35.31");
    // At today's 7.50 (+ spread) it would have been about CNY 36.86.
    assert_eq!(
        done.record.settled_wallet_amount,
        Some(settled_wallet(&done))
    );
}

#[test]
fn a_wallet_funded_promotion_sale_refunds_the_full_amount_and_what_the_shopper_paid() {
    let mut till = Till::new();
    let (sale, id) = pay_by_code(&mut till, &[FLAT_WHITE, LATTE], "chan-tai-man");
    let w = wallet(&sale);
    assert_eq!(
        w.wallet_amount.map(|m| m.with_code()).as_deref(),
        Some("HKD 77.91")
    );
    let done = refund(&mut till, sale.sale_no, Choice::Whole).expect("refund");
    // The merchant gives back all it was settled; the shopper gets what they paid (the
    // wallet keeps its own voucher).
    assert_eq!(done.record.refund.amount.with_code(), "USD 10.05");
    assert_eq!(settled_wallet(&done).with_code(), "HKD 77.91");
    assert_eq!(till.ledger(&id).merchant_net.with_code(), "USD 0.00");
}

#[test]
fn a_wechat_refund_of_a_merchant_funded_discount_gives_back_what_was_settled() {
    let mut till = Till::new();
    let (sale, id) = pay_by_code(&mut till, &[FLAT_WHITE, FLAT_WHITE, FLAT_WHITE], "liu-yang");
    let w = wallet(&sale);
    assert_eq!(w.brand, "WeChat Pay");
    assert_eq!(
        w.settlement.map(|m| m.with_code()).as_deref(),
        Some("USD 13.97")
    );
    let one = refund(&mut till, sale.sale_no, Choice::Lines(vec![(0, 1)])).expect("one");
    // A third of USD 14.66 scaled by 13.97 / 14.66: 4.8866.. x 0.9529.. = 4.6566 -> 4.66.
    assert_eq!(one.record.refund.amount.with_code(), "USD 4.66");
    let rest = refund(&mut till, sale.sale_no, Choice::Whole).expect("rest");
    assert_eq!(rest.record.refund.amount.with_code(), "USD 9.31");
    let row = till.ledger(&id);
    assert_eq!(row.stage, PaymentStage::Refunded);
    assert_eq!(row.merchant_net.with_code(), "USD 0.00");
    let back = settled_wallet(&one)
        .checked_add(settled_wallet(&rest))
        .unwrap();
    assert_eq!(Some(back), w.wallet_amount, "CNY 100.86 back in two parts");
}

#[test]
fn a_kakao_pay_refund_is_in_whole_won() {
    let mut till = Till::new();
    till.ring_up(&[FLAT_WHITE, LATTE]);
    till.key(Action::PayCode);
    till.phone("kim-minjun", PhoneAction::PresentCode);
    till.wait_secs(20);
    till.phone("kim-minjun", PhoneAction::EnterPassword);
    till.wait_secs(5);
    till.key(Action::Enter);
    let sale = till.sales().pop().expect("sale");
    assert_eq!(
        wallet(&sale)
            .wallet_amount
            .map(|m| m.with_code())
            .as_deref(),
        Some("KRW 13821")
    );
    let part = refund(&mut till, sale.sale_no, Choice::Lines(vec![(1, 1)])).expect("latte");
    let krw = settled_wallet(&part);
    assert_eq!(krw.currency(), Currency::KRW);
    // Latte 4.75 + tax share 0.41 = 5.16 of 10.05 -> KRW 13821 x 5.16 / 10.05 = 7096.1 -> 7096.
    assert_eq!(part.record.refund.amount.with_code(), "USD 5.16");
    assert_eq!(krw.with_code(), "KRW 7096");
    let rest = refund(&mut till, sale.sale_no, Choice::Whole).expect("rest");
    assert_eq!(settled_wallet(&rest).with_code(), "KRW 6725");
}

#[test]
fn a_refund_while_the_wallet_is_offline_stays_open_and_is_resolved_later() {
    let mut till = Till::new();
    let (sale, id) = pay_by_code(&mut till, &[FLAT_WHITE], "li-na");
    let now = till.rt.now();
    till.rt
        .network_mut()
        .set_offline(&shopper("li-na"), true, now)
        .expect("offline");
    let done = refund(&mut till, sale.sale_no, Choice::Whole).expect("ran");
    assert!(
        matches!(done.status, Status::Open { .. }),
        "{:?}",
        done.status
    );
    let open = till.rt.journal().open_refunds().unwrap();
    assert_eq!(open.len(), 1);
    assert_eq!(open[0].state, RefundState::Unknown);
    // The units stay held while the refund is open: no second refund can take them.
    let again = refund(&mut till, sale.sale_no, Choice::Whole).unwrap_err();
    assert!(again.to_string().contains("nothing left"), "{again}");

    till.wait_secs(60);
    let now = till.rt.now();
    till.rt
        .network_mut()
        .set_offline(&shopper("li-na"), false, now)
        .expect("online");
    let resumed = desk::resume_open(&mut till.rt, &Config::default().refund).expect("resume");
    assert_eq!(resumed.len(), 1);
    assert_eq!(resumed[0].1, "settled (refund)");
    assert!(till.rt.journal().open_refunds().unwrap().is_empty());
    assert_eq!(
        refund_moves(&till, "li-na").len(),
        1,
        "one refund in the ledger"
    );
    assert_eq!(till.ledger(&id).refunded, sale.total);
    assert_eq!(
        till.rt
            .journal()
            .refunded_total(LANE, sale.sale_no)
            .unwrap(),
        Some(sale.total)
    );
}

#[test]
fn a_post_void_the_same_day_cancels_the_wallet_payment() {
    let mut till = Till::new();
    let (sale, id) = pay_by_code(&mut till, &[FLAT_WHITE], "li-na");
    let done = refund_with(
        &mut till,
        RefundOrder {
            kind: RefundKind::Void,
            ..order(sale.sale_no, Choice::Whole)
        },
    )
    .expect("void");
    assert!(
        matches!(done.status, Status::Settled { how: "cancel", .. }),
        "{:?}",
        done.status
    );
    assert_eq!(till.ledger(&id).stage, PaymentStage::Reversed);
    assert_eq!(done.record.refund.kind, RefundKind::Void);
    assert_books_agree(&till, 1);
}

#[test]
fn a_post_void_on_another_business_day_is_refused() {
    let mut till = Till::new();
    let (sale, _) = pay_by_code(&mut till, &[FLAT_WHITE], "li-na");
    till.wait(Duration::from_secs(2 * 86_400));
    let err = refund_with(
        &mut till,
        RefundOrder {
            kind: RefundKind::Void,
            ..order(sale.sale_no, Choice::Whole)
        },
    )
    .unwrap_err();
    assert!(err.to_string().contains("current business day"), "{err}");
}

#[test]
fn a_card_sale_is_refunded_on_the_test_card_in_two_parts() {
    let mut till = Till::new();
    till.ring_up(&[FLAT_WHITE, LATTE]);
    till.key(Action::PayCard);
    till.key(Action::Char('3'));
    let id = till.request_id();
    till.wait_secs(3);
    till.key(Action::Enter);
    let sale = till.sales().pop().expect("card sale");
    assert!(matches!(sale.tender, SaleTender::Card(_)));
    let one = refund(&mut till, sale.sale_no, Choice::Lines(vec![(0, 1)])).expect("part");
    assert!(
        matches!(one.status, Status::Settled { how: "refund", .. }),
        "{:?}",
        one.status
    );
    assert!(!one.drawer, "a card refund does not open the drawer");
    let rest = refund(&mut till, sale.sale_no, Choice::Whole).expect("rest");
    assert!(
        matches!(rest.status, Status::Settled { .. }),
        "{:?}",
        rest.status
    );
    let card = till
        .rt
        .network()
        .ledger()
        .card(&id)
        .expect("ledger")
        .expect("card authorization");
    assert_eq!(card.refunded, sale.total);
    assert_eq!(card.refund_count, 2);
}
