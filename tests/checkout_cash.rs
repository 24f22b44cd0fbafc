//! The counter's cash flow through the shared runtime with a virtual clock: scans, search,
//! basket edits, cash tender, and the journal. No terminal involved.

use qrtill::checkout::{Action, Checkout, Effect, Event, Screen};
use qrtill::clock::Timestamp;
use qrtill::config::Config;
use qrtill::harness::{self, DEMO_START, scan, type_text};
use std::sync::Arc;

const FLAT_WHITE: &str = "2000000000138"; // 4.50 prepared
const CROISSANT: &str = "2000000001692"; // almond croissant 3.75, prepared
const BANANA: &str = "2010000003770"; // grocery, tax exempt
const WATER_UPC_A: &str = "012345001079"; // UPC-A

fn notice(rt: &qrtill::runtime::Runtime<qrtill::clock::ManualClock>) -> String {
    rt.checkout
        .notice
        .as_ref()
        .map(|n| n.text.clone())
        .unwrap_or_default()
}

#[test]
fn scanning_adds_a_line_and_a_second_scan_bumps_the_quantity() {
    let mut rt = harness::demo_runtime().unwrap();
    scan(&mut rt, FLAT_WHITE);
    scan(&mut rt, CROISSANT);
    scan(&mut rt, FLAT_WHITE);
    let lines = rt.checkout.basket.lines();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0].item.name, "Flat white 12oz");
    assert_eq!(lines[0].qty, 2);
    assert_eq!(rt.checkout.totals().subtotal.plain(), "12.75");
}

#[test]
fn a_upc_a_scan_and_its_ean_13_form_are_the_same_item() {
    let mut rt = harness::demo_runtime().unwrap();
    scan(&mut rt, WATER_UPC_A);
    scan(&mut rt, &format!("0{WATER_UPC_A}"));
    assert_eq!(rt.checkout.basket.lines().len(), 1);
    assert_eq!(rt.checkout.basket.lines()[0].qty, 2);
}

#[test]
fn a_wrong_check_digit_is_refused_and_adds_nothing() {
    let mut rt = harness::demo_runtime().unwrap();
    scan(&mut rt, "2000000000139");
    assert!(rt.checkout.basket.is_empty());
    let msg = notice(&rt);
    assert!(msg.to_lowercase().contains("check digit"), "{msg}");
    assert!(msg.contains("nothing added"), "{msg}");
}

#[test]
fn an_unknown_code_is_refused_with_a_message() {
    let mut rt = harness::demo_runtime().unwrap();
    scan(&mut rt, "4006381333931");
    assert!(rt.checkout.basket.is_empty());
    assert!(
        notice(&rt).contains("not in the catalogue"),
        "{}",
        notice(&rt)
    );
}

#[test]
fn search_narrows_as_you_type_and_enter_adds_the_choice() {
    let mut rt = harness::demo_runtime().unwrap();
    rt.dispatch(Action::Search);
    type_text(&mut rt, "cro");
    let Screen::Search(state) = &rt.checkout.screen else {
        panic!("not searching");
    };
    let broad = state.results.len();
    assert!(broad >= 2, "croissants: {broad}");
    type_text(&mut rt, "issant alm");
    let Screen::Search(state) = &rt.checkout.screen else {
        panic!("not searching");
    };
    assert!(state.results.len() < broad);
    assert_eq!(state.results[0].name, "Almond croissant");
    rt.dispatch(Action::Enter);
    assert_eq!(rt.checkout.screen, Screen::Basket);
    assert_eq!(rt.checkout.basket.lines()[0].item.name, "Almond croissant");
}

#[test]
fn quantity_void_and_clear_change_the_totals_at_once() {
    let mut rt = harness::demo_runtime().unwrap();
    scan(&mut rt, FLAT_WHITE);
    scan(&mut rt, BANANA);
    rt.dispatch(Action::Up);
    rt.dispatch(Action::SetQty);
    type_text(&mut rt, "3");
    rt.dispatch(Action::Enter);
    assert_eq!(rt.checkout.basket.lines()[0].qty, 3);
    // 3 x 4.50 = 13.50 taxed at 8.625% = 1.164375 -> 1.16 (half-up); the banana is exempt.
    assert_eq!(rt.checkout.totals().tax.plain(), "1.16");
    rt.dispatch(Action::QtyDown);
    assert_eq!(rt.checkout.basket.lines()[0].qty, 2);
    rt.dispatch(Action::VoidLine);
    assert_eq!(rt.checkout.basket.lines().len(), 1);
    assert_eq!(rt.checkout.totals().tax.plain(), "0.00");

    rt.dispatch(Action::ClearBasket);
    assert_eq!(rt.checkout.screen, Screen::ConfirmClear);
    rt.dispatch(Action::Char('n'));
    assert_eq!(rt.checkout.basket.lines().len(), 1, "n keeps the basket");
    rt.dispatch(Action::ClearBasket);
    rt.dispatch(Action::Char('y'));
    assert!(rt.checkout.basket.is_empty());
}

#[test]
fn a_cash_tender_below_the_total_is_refused() {
    let mut rt = harness::demo_runtime().unwrap();
    scan(&mut rt, FLAT_WHITE);
    rt.dispatch(Action::PayCash);
    type_text(&mut rt, "4.00");
    rt.dispatch(Action::Enter);
    assert!(matches!(rt.checkout.screen, Screen::Cash { .. }));
    assert!(
        notice(&rt).contains("less than the total"),
        "{}",
        notice(&rt)
    );
    assert!(rt.journal().last_sale("03").unwrap().is_none());
}

#[test]
fn cash_sale_gives_change_and_lands_in_the_journal_with_the_next_number() {
    let mut rt = harness::demo_runtime().unwrap();
    for _ in 0..2 {
        scan(&mut rt, FLAT_WHITE);
        scan(&mut rt, CROISSANT);
        scan(&mut rt, BANANA);
        rt.dispatch(Action::PayCash);
        type_text(&mut rt, "20");
        rt.dispatch(Action::Enter);
        let Screen::Receipt { sale, .. } = &rt.checkout.screen else {
            panic!("no receipt: {:?}", rt.checkout.notice);
        };
        let stored = rt.journal().sale("03", sale.sale_no).unwrap().unwrap();
        assert_eq!(&stored, sale.as_ref());
        assert!(rt.checkout.basket.is_empty());
        rt.dispatch(Action::Enter);
    }
    let last = rt.journal().last_sale("03").unwrap().unwrap();
    assert_eq!(last.sale_no, 2);
    // 4.50 + 3.75 prepared = 8.25 -> tax 0.7115625 -> 0.71; banana 0.35 exempt: total 9.31.
    assert_eq!(last.total.plain(), "9.31");
    match last.tender {
        qrtill::checkout::sale::SaleTender::Cash { tendered, change } => {
            assert_eq!(tendered.plain(), "20.00");
            assert_eq!(change.plain(), "10.69");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(last.completed_at, DEMO_START);
}

#[test]
fn the_screen_says_paid_only_after_the_journal_commits() {
    // Drive the pure machine directly: the tender yields a CommitSale effect and a "saving"
    // screen; only the SaleCommitted event shows the receipt.
    let config = Config::default();
    let catalog = Arc::new(harness::demo_catalog(&config).unwrap());
    let network = harness::demo_network(1).unwrap();
    let mut m = Checkout::new(harness::settings(&config, &network), catalog);
    let now = Timestamp(5);
    for c in FLAT_WHITE.chars() {
        m.handle(Event::Action(Action::Char(c)), now);
    }
    m.handle(Event::Action(Action::Enter), now);
    m.handle(Event::Action(Action::PayCash), now);
    let effects = m.handle(Event::Action(Action::QuickTender(0)), now);
    let [
        Effect::CommitSale {
            sale,
            attempt: None,
        },
    ] = effects.as_slice()
    else {
        panic!("{effects:?}");
    };
    assert_eq!(m.screen, Screen::Committing);
    assert!(!m.basket.is_empty(), "the basket stays until the commit");

    // A failed commit returns to the cash screen with the basket intact.
    m.handle(
        Event::CommitFailed {
            attempt: None,
            reason: "disk full".into(),
        },
        now,
    );
    assert!(matches!(m.screen, Screen::Cash { .. }));
    let notice = &m.notice.as_ref().unwrap().text;
    assert!(notice.contains("NOT saved"), "{notice}");
    assert!(
        notice.contains("journal write failed (disk full)"),
        "{notice}"
    );
    assert!(!m.basket.is_empty());

    let mut stored = sale.clone();
    stored.sale_no = 7;
    let effects = m.handle(
        Event::SaleCommitted {
            sale: Box::new(stored),
            attempt: None,
        },
        now,
    );
    assert!(matches!(m.screen, Screen::Receipt { .. }));
    assert!(matches!(
        effects.as_slice(),
        [Effect::Print { reprint: false, .. }]
    ));
    assert!(m.basket.is_empty());
}

#[test]
fn quick_tenders_offer_exact_and_round_amounts() {
    let mut rt = harness::demo_runtime().unwrap();
    scan(&mut rt, FLAT_WHITE); // 4.50 + 0.39 tax = 4.89
    rt.dispatch(Action::PayCash);
    let offered: Vec<String> = rt
        .checkout
        .quick_tenders()
        .iter()
        .map(|m| m.plain())
        .collect();
    assert_eq!(offered, ["4.89", "5.00", "10.00", "20.00"]);
    rt.dispatch(Action::QuickTender(2));
    let last = rt.journal().last_sale("03").unwrap().unwrap();
    match last.tender {
        qrtill::checkout::sale::SaleTender::Cash { change, .. } => {
            assert_eq!(change.plain(), "5.11")
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn the_receipt_screen_reprints_and_a_scan_starts_the_next_sale() {
    let mut rt = harness::demo_runtime().unwrap();
    scan(&mut rt, FLAT_WHITE);
    rt.dispatch(Action::PayCash);
    rt.dispatch(Action::QuickTender(0));
    rt.tick();
    let Screen::Receipt { print, .. } = &rt.checkout.screen else {
        panic!("no receipt");
    };
    assert_eq!(*print, qrtill::checkout::PrintStatus::Printed);
    rt.dispatch(Action::Reprint);
    scan(&mut rt, BANANA);
    assert_eq!(rt.checkout.screen, Screen::Basket);
    assert_eq!(rt.checkout.basket.lines()[0].item.name, "Banana");
}
