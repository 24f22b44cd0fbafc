//! Screen snapshots: the real views rendered into ratatui's TestBackend at 80×24 and 120×40,
//! driven through the shared runtime on the demo store at a fixed virtual time.

use crate::screen_support;

use qrtill::checkout::Action;
use qrtill::checkout::Screen;
use qrtill::checkout::payment::PayStatus;
use qrtill::clock::ManualClock;
use qrtill::harness::{self, scan, type_text};
use qrtill::network::ShopperId;
use qrtill::runtime::PhoneAction;
use qrtill::runtime::Runtime;
use qrtill::ui::Panes;
use screen_support::{render, render_with};
use std::time::Duration;

const SIZES: [(u16, u16); 2] = [(80, 24), (120, 40)];

fn basket() -> Runtime<ManualClock> {
    let mut rt = harness::demo_runtime().unwrap();
    scan(&mut rt, "2000000000138");
    scan(&mut rt, "2000000000138");
    scan(&mut rt, "2000000002606"); // a long sandwich name
    scan(&mut rt, "2010000003770");
    rt
}

fn snap(name: &str, rt: &Runtime<ManualClock>) {
    for (w, h) in SIZES {
        let screen = render(rt, w, h);
        insta::assert_snapshot!(format!("{name}_{w}x{h}"), screen);
    }
}

#[test]
fn basket_screen() {
    let rt = basket();
    let screen = render(&rt, 80, 24);
    assert!(screen.contains("TOTAL"));
    assert!(screen.contains("2 x 4.50"));
    snap("basket", &rt);
}

#[test]
fn empty_basket_screen_shows_the_scan_prompt() {
    let rt = harness::demo_runtime().unwrap();
    assert!(render(&rt, 80, 24).contains("Basket is empty"));
    snap("empty", &rt);
}

#[test]
fn search_screen() {
    let mut rt = basket();
    rt.dispatch(Action::Search);
    type_text(&mut rt, "coff");
    let screen = render(&rt, 120, 40);
    assert!(screen.contains("Drip coffee 12oz"));
    snap("search", &rt);
}

#[test]
fn cash_screen_shows_quick_tenders_and_change() {
    let mut rt = basket();
    rt.dispatch(Action::PayCash);
    type_text(&mut rt, "50");
    let screen = render(&rt, 80, 24);
    assert!(screen.contains("Change due"));
    assert!(screen.contains("(exact)"));
    snap("cash", &rt);
}

#[test]
fn receipt_screen_after_a_cash_sale() {
    let mut rt = basket();
    rt.dispatch(Action::PayCash);
    rt.dispatch(Action::QuickTender(0));
    rt.tick();
    let screen = render(&rt, 120, 40);
    assert!(screen.contains("PAID · Sale 1"));
    assert!(screen.contains("Receipt printed"));
    snap("receipt", &rt);
}

#[test]
fn help_overlay_lists_the_keys_of_the_screen() {
    let mut rt = basket();
    rt.dispatch(Action::Help);
    let screen = render(&rt, 80, 24);
    assert!(screen.contains("void the line") || screen.contains("void line"));
    snap("help", &rt);
}

#[test]
fn a_small_terminal_gets_an_enlarge_hint_not_a_panic() {
    let rt = basket();
    for (w, h) in [(79, 24), (80, 23), (20, 5), (1, 1)] {
        let screen = render(&rt, w, h);
        if w >= 20 {
            assert!(screen.contains("Enlarge"), "{w}x{h}: {screen}");
        }
    }
    insta::assert_snapshot!("small_60x20", render(&rt, 60, 20));
}

fn pay_status(rt: &Runtime<ManualClock>) -> PayStatus {
    match &rt.checkout.screen {
        Screen::Pay(p) => p.status.clone(),
        other => panic!("not paying: {other:?}"),
    }
}

fn snap_pay(name: &str, rt: &Runtime<ManualClock>) {
    for (w, h) in [(80, 24), (120, 40)] {
        insta::assert_snapshot!(format!("pay_{name}_{w}x{h}"), render(rt, w, h));
    }
}

#[test]
fn pay_screen_waiting_for_scan_with_countdown() {
    let mut rt = basket();
    rt.dispatch(Action::PayWalletQr);
    rt.advance(Duration::from_secs(4));
    assert_eq!(pay_status(&rt), PayStatus::WaitingForScan);
    let screen = render(&rt, 120, 40);
    assert!(screen.contains("Waiting for scan"), "{screen}");
    assert!(screen.contains("Expires in 1:56"), "{screen}");
    assert!(screen.contains("(indicative)"), "{screen}");
    snap_pay("waiting_for_scan", &rt);
}

#[test]
fn pay_screen_shopper_confirming_then_approved_receipt() {
    let mut rt = basket();
    let kim = ShopperId("kim-minjun".into());
    rt.dispatch(Action::PayCode);
    assert_eq!(pay_status(&rt), PayStatus::AwaitingCode);
    snap_pay("awaiting_code", &rt);
    rt.phone(&kim, PhoneAction::PresentCode).unwrap();
    rt.advance(Duration::from_secs(3));
    assert_eq!(pay_status(&rt), PayStatus::ShopperConfirming);
    let screen = render(&rt, 120, 40);
    assert!(screen.contains("Kakao Pay charges KRW"), "{screen}");
    snap_pay("shopper_confirming", &rt);
    rt.phone(&kim, PhoneAction::EnterPassword).unwrap();
    rt.advance(Duration::from_secs(4));
    let screen = render(&rt, 120, 40);
    assert!(screen.contains("PAID · Sale 1"), "{screen}");
    assert!(screen.contains("Kakao Pay"), "{screen}");
    insta::assert_snapshot!("receipt_kakao_pay_120x40", screen);
}

#[test]
fn pay_screen_declined_says_what_to_do_next() {
    let mut rt = basket();
    let maria = ShopperId("maria-santos".into()); // GCash, low balance
    rt.dispatch(Action::PayCode);
    rt.phone(&maria, PhoneAction::PresentCode).unwrap();
    rt.advance(Duration::from_secs(3));
    assert!(
        matches!(pay_status(&rt), PayStatus::Declined { .. }),
        "{:?}",
        pay_status(&rt)
    );
    let screen = render(&rt, 120, 40);
    assert!(
        screen.contains("Insufficient balance: choose another"),
        "{screen}"
    );
    snap_pay("declined", &rt);
}

#[test]
fn pay_screen_card_choices_and_cancelled_qr() {
    let mut rt = basket();
    rt.dispatch(Action::PayCard);
    snap_pay("awaiting_card", &rt);
    rt.dispatch(Action::Back);
    rt.dispatch(Action::PayWalletQr);
    rt.advance(Duration::from_secs(1));
    rt.dispatch(Action::Back);
    rt.advance(Duration::from_secs(1));
    assert!(matches!(
        pay_status(&rt),
        PayStatus::Cancelled {
            refunded: false,
            ..
        }
    ));
    snap_pay("cancelled", &rt);
}

#[test]
fn shopper_phone_pane_and_trace_pane() {
    let mut rt = basket();
    let li = ShopperId("li-na".into());
    rt.dispatch(Action::PayWalletQr);
    rt.advance(Duration::from_secs(4));
    rt.phone(&li, PhoneAction::ScanCounterQr).unwrap();
    rt.advance(Duration::from_secs(1));
    let panes = Panes {
        phone: true,
        phone_focus: true,
        trace: true,
        shopper: 0,
        phone_message: Some("Scanned the counter's QR".into()),
        ..Default::default()
    };
    let screen = render_with(&rt, 120, 40, &panes);
    assert!(screen.contains("Li Na"), "{screen}");
    assert!(screen.contains("Confirm payment"), "{screen}");
    assert!(screen.contains("Protocol trace"), "{screen}");
    assert!(screen.contains("→ pay"), "{screen}");
    assert!(screen.contains("→ query"), "{screen}");
    insta::assert_snapshot!("phone_and_trace_120x40", screen);
    insta::assert_snapshot!("phone_and_trace_80x24", render_with(&rt, 80, 24, &panes));
}
