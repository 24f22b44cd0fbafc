//! The sales-history screens through the shared runtime: open the history from the basket,
//! narrow it by typing, page through it, open a sale, reprint it, go back; and a scanned sale
//! reference on the basket opens its sale. Snapshots of the list and an opened sale at 80×24
//! and 120×40.

use crate::screen_support;

use qrtill::checkout::history::HISTORY_PAGE;
use qrtill::checkout::{Action, PrintStatus, Screen};
use qrtill::clock::ManualClock;
use qrtill::harness::{self, scan, type_text};
use qrtill::runtime::Runtime;
use qrtill::ui::keymap::{InputMode, KeyContext, UiAction, action_for};
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use screen_support::render;
use std::time::Duration;

/// Three items of the demo catalogue, one per sale.
const ITEMS: [&str; 3] = ["2000000000138", "2000000002606", "2010000003770"];

/// The demo counter with one cash sale per barcode, a minute apart.
fn with_sales(barcodes: &[&str]) -> Runtime<ManualClock> {
    let mut rt = harness::demo_runtime().unwrap();
    for b in barcodes {
        scan(&mut rt, b);
        rt.dispatch(Action::PayCash);
        rt.dispatch(Action::QuickTender(0));
        assert!(
            matches!(rt.checkout.screen, Screen::Receipt { .. }),
            "{:?}",
            rt.checkout.notice
        );
        rt.dispatch(Action::Enter);
        rt.advance(Duration::from_secs(60));
    }
    rt
}

fn history(rt: &Runtime<ManualClock>) -> &qrtill::checkout::history::HistoryState {
    match &rt.checkout.screen {
        Screen::History(h) => h,
        other => panic!("not the history: {other:?}"),
    }
}

fn shown(rt: &Runtime<ManualClock>) -> Vec<u64> {
    history(rt).rows.iter().map(|r| r.sale_no).collect()
}

fn opened_no(rt: &Runtime<ManualClock>) -> u64 {
    match &rt.checkout.screen {
        Screen::SaleDetail(d) => d.record.sale.sale_no,
        other => panic!("no sale opened: {other:?}"),
    }
}

fn item_name(rt: &Runtime<ManualClock>, barcode: &str) -> String {
    rt.checkout
        .catalog()
        .lookup(barcode)
        .unwrap()
        .name
        .to_string()
}

#[test]
fn the_history_lists_newest_first_and_narrows_as_you_type() {
    let mut rt = with_sales(&ITEMS);
    rt.dispatch(Action::History);
    assert_eq!(shown(&rt), vec![3, 2, 1]);
    // The first word of sale 2's item, typed letter by letter.
    let word = item_name(&rt, ITEMS[1])
        .split_whitespace()
        .next()
        .unwrap()
        .to_lowercase();
    type_text(&mut rt, &word);
    assert_eq!(shown(&rt), vec![2], "filter {word:?}");
    for _ in 0..word.len() {
        rt.dispatch(Action::Backspace);
    }
    assert_eq!(shown(&rt), vec![3, 2, 1]);
    type_text(&mut rt, "card");
    assert!(shown(&rt).is_empty(), "no card sales were rung");
    for _ in 0.."card".len() {
        rt.dispatch(Action::Backspace);
    }
    type_text(&mut rt, "#1");
    assert_eq!(shown(&rt), vec![1]);
    rt.dispatch(Action::Back);
    assert_eq!(rt.checkout.screen, Screen::Basket);
}

#[test]
fn open_reprint_and_back_to_the_same_filtered_list() {
    let mut rt = with_sales(&ITEMS);
    rt.dispatch(Action::History);
    type_text(&mut rt, "cash");
    rt.dispatch(Action::Down);
    rt.dispatch(Action::Enter);
    assert_eq!(opened_no(&rt), 2);
    let record = rt.checkout.opened_sale().map(|r| r.sale.clone());
    assert_eq!(record, rt.journal().sale("03", 2).unwrap());
    rt.dispatch(Action::Reprint);
    match &rt.checkout.screen {
        Screen::SaleDetail(d) => assert_eq!(d.print, Some(PrintStatus::Printing)),
        other => panic!("{other:?}"),
    }
    rt.advance(Duration::from_millis(100));
    match &rt.checkout.screen {
        Screen::SaleDetail(d) => assert_eq!(d.print, Some(PrintStatus::Printed)),
        other => panic!("{other:?}"),
    }
    rt.dispatch(Action::Back);
    let h = history(&rt);
    assert_eq!(h.input, "cash");
    assert_eq!(h.selected, 1);
    rt.dispatch(Action::Back);
    assert_eq!(rt.checkout.screen, Screen::Basket);
}

#[test]
fn the_basket_is_kept_while_browsing_the_history() {
    let mut rt = with_sales(&ITEMS[..1]);
    scan(&mut rt, ITEMS[2]);
    rt.dispatch(Action::History);
    rt.dispatch(Action::Enter);
    assert_eq!(opened_no(&rt), 1);
    rt.dispatch(Action::Back);
    rt.dispatch(Action::Back);
    assert_eq!(rt.checkout.basket.lines().len(), 1);
    assert_eq!(rt.checkout.basket.lines()[0].item.barcode, ITEMS[2]);
}

#[test]
fn pages_follow_each_other_with_arrows_and_page_keys() {
    let mut rt = harness::demo_runtime().unwrap();
    let n = HISTORY_PAGE as u64 + 5;
    for _ in 0..n {
        let sale = {
            scan(&mut rt, ITEMS[0]);
            let s = rt.checkout.sale(
                qrtill::checkout::sale::SaleTender::Cash {
                    tendered: rt.checkout.totals().total,
                    change: qrtill::money::Money::zero(rt.checkout.totals().total.currency()),
                },
                rt.now(),
            );
            rt.dispatch(Action::ClearBasket);
            rt.dispatch(Action::Char('y'));
            s
        };
        rt.journal_mut().commit_sale(sale, None).unwrap();
    }
    rt.dispatch(Action::History);
    assert_eq!(shown(&rt).first(), Some(&n));
    assert!(history(&rt).more);
    for _ in 0..HISTORY_PAGE - 1 {
        rt.dispatch(Action::Down);
    }
    assert_eq!(history(&rt).selected, HISTORY_PAGE - 1);
    // ↓ at the end of the page reads the next one.
    rt.dispatch(Action::Down);
    assert_eq!(shown(&rt), (1..=5).rev().collect::<Vec<u64>>());
    assert_eq!((history(&rt).page(), history(&rt).selected), (2, 0));
    assert!(!history(&rt).more);
    // ↑ at its top goes back to the last row of page 1.
    rt.dispatch(Action::Up);
    assert_eq!(history(&rt).page(), 1);
    assert_eq!(history(&rt).selected, HISTORY_PAGE - 1);
    assert_eq!(shown(&rt)[HISTORY_PAGE - 1], 6);
    rt.dispatch(Action::PageDown);
    assert_eq!(history(&rt).page(), 2);
    rt.dispatch(Action::PageUp);
    assert_eq!((history(&rt).page(), history(&rt).selected), (1, 0));
}

#[test]
fn a_scanned_sale_reference_opens_the_sale_from_the_basket() {
    let mut rt = with_sales(&ITEMS);
    scan(&mut rt, "S0007-L03-000002");
    assert_eq!(opened_no(&rt), 2);
    rt.dispatch(Action::Back);
    assert_eq!(rt.checkout.screen, Screen::Basket, "back to the basket");

    scan(&mut rt, "S0007-L03-000099");
    assert_eq!(rt.checkout.screen, Screen::Basket);
    let note = rt.checkout.notice.clone().unwrap().text;
    assert!(note.contains("No sale 99 on lane 03"), "{note}");

    scan(&mut rt, "S0008-L03-000002");
    let note = rt.checkout.notice.clone().unwrap().text;
    assert!(note.contains("store 0008"), "{note}");

    scan(&mut rt, "S12");
    let note = rt.checkout.notice.clone().unwrap().text;
    assert!(note.contains("not a sale reference"), "{note}");
    assert!(rt.checkout.scan_input.is_empty());
}

#[test]
fn while_a_reference_is_scanned_letters_and_dashes_are_typed_not_keys() {
    let mut rt = harness::demo_runtime().unwrap();
    let key = |c: char| KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE);
    let on = |rt: &Runtime<ManualClock>| KeyContext::counter(InputMode::of(&rt.checkout));
    // On the basket '-' lowers a quantity; after 'S' it is part of the reference.
    assert_eq!(
        action_for(key('-'), on(&rt)),
        Some(UiAction::Checkout(Action::QtyDown))
    );
    rt.dispatch(Action::Char('S'));
    assert_eq!(InputMode::of(&rt.checkout), InputMode::Reference);
    for c in ['-', 'L', 'x', 'v', 'q'] {
        assert_eq!(
            action_for(key(c), on(&rt)),
            Some(UiAction::Checkout(Action::Char(c))),
            "{c}"
        );
    }
    rt.dispatch(Action::Back);
    assert_eq!(InputMode::of(&rt.checkout), InputMode::Basket);
}

fn snap(name: &str, rt: &Runtime<ManualClock>) {
    for (w, h) in [(80, 24), (120, 40)] {
        insta::assert_snapshot!(format!("{name}_{w}x{h}"), render(rt, w, h));
    }
}

#[test]
fn history_list_snapshot() {
    let mut rt = with_sales(&ITEMS);
    rt.dispatch(Action::History);
    let screen = render(&rt, 80, 24);
    assert!(screen.contains("Sales history"), "{screen}");
    assert!(screen.contains("Page 1 · 3 sale(s)"), "{screen}");
    snap("history_list", &rt);
    type_text(&mut rt, "cash 2026-11");
    let screen = render(&rt, 120, 40);
    assert!(screen.contains("2026-11: not a day"), "{screen}");
    snap("history_filtered", &rt);
}

#[test]
fn opened_sale_snapshot() {
    let mut rt = with_sales(&ITEMS);
    rt.dispatch(Action::History);
    rt.dispatch(Action::Enter);
    let screen = render(&rt, 120, 40);
    assert!(screen.contains("Sale 3"), "{screen}");
    assert!(screen.contains("S0007-L03-000003"), "{screen}");
    assert!(screen.contains("No refunds."), "{screen}");
    snap("opened_sale", &rt);
}

#[test]
fn opened_sale_with_a_refund_snapshot() {
    use qrtill::journal::{NewRefund, RefundEvent, RefundKind, RefundLine, RefundState};
    let mut rt = with_sales(&ITEMS);
    let sale = rt.journal().sale("03", 2).unwrap().unwrap();
    let line = &sale.lines[0];
    let at = rt.now();
    let refund = NewRefund {
        refund_request_id: "RF-1".into(),
        lane_id: "03".into(),
        sale_no: 2,
        kind: RefundKind::Refund,
        reason: "Wrong item".into(),
        tender: "cash".into(),
        brand: None,
        amount: line.line_total,
        tax: qrtill::money::Money::zero(line.line_total.currency()),
        wallet_amount: None,
        rate: None,
        lines: vec![RefundLine {
            line: 0,
            qty: 1,
            amount: line.line_total,
            tax: qrtill::money::Money::zero(line.line_total.currency()),
        }],
        created_at: at,
    };
    rt.journal_mut().begin_refund(&refund).unwrap();
    rt.journal_mut()
        .record_refund_event("RF-1", &RefundEvent::new(RefundState::Settled, at))
        .unwrap();
    rt.dispatch(Action::History);
    assert_eq!(
        history(&rt).rows[1].refunded,
        line.line_total,
        "the list shows what was refunded"
    );
    rt.dispatch(Action::Down);
    rt.dispatch(Action::Enter);
    let screen = render(&rt, 120, 40);
    assert!(
        screen.contains(&format!("refunded {}", line.line_total.with_code())),
        "{screen}"
    );
    assert!(screen.contains("settled · Wrong item"), "{screen}");
    snap("opened_sale_refunded", &rt);
}
