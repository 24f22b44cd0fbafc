//! The shift screens at the counter, driven through the runtime the TUI drives: the prompt to
//! open a shift when selling starts without one (the first scan kept), the float count, the
//! blind close with its variance and the supervisor PIN, and the Z written through the same
//! code as `qrtill shift close`. Snapshots at 80×24 and 120×40 through `CounterView`.

use crate::screen_support;

use qrtill::checkout::refund::policy::RefundPolicy;
use qrtill::checkout::{Action, Screen, ShiftStage};
use qrtill::clock::ManualClock;
use qrtill::config::Config;
use qrtill::harness::{self, scan, type_text};
use qrtill::pin::PinGate;
use qrtill::runtime::Runtime;
use screen_support::render;

const FLAT_WHITE: &str = "2000000000138";
const LANE: &str = "03";

/// A counter that needs a shift to sell, as the binary builds it (no shift open yet).
fn counter() -> Runtime<ManualClock> {
    let mut rt = harness::demo_runtime().unwrap();
    rt.checkout.require_shift(true);
    rt
}

fn stage(rt: &Runtime<ManualClock>) -> ShiftStage {
    match &rt.checkout.screen {
        Screen::Shift(s) => s.stage.clone(),
        other => panic!("not a shift screen: {other:?}"),
    }
}

/// Types a count as the cashier does: for each denomination row from the top, its quantity
/// (none for zero), then ↓ to the next row.
fn count(rt: &mut Runtime<ManualClock>, quantities: &[u32]) {
    for q in quantities {
        if *q > 0 {
            type_text(rt, &q.to_string());
        }
        rt.dispatch(Action::Down);
    }
}

/// Opens the shift through the prompt: cashier "07", a float of five 20s (100.00).
fn open_with_float(rt: &mut Runtime<ManualClock>) {
    rt.dispatch(Action::PayCash);
    assert!(matches!(stage(rt), ShiftStage::Cashier { .. }));
    rt.dispatch(Action::Backspace);
    rt.dispatch(Action::Backspace);
    type_text(rt, "07");
    rt.dispatch(Action::Enter);
    // 100, 50, then 20 × 5.
    count(rt, &[0, 0, 5]);
    rt.dispatch(Action::Enter);
    assert_eq!(rt.checkout.screen, Screen::Basket);
    // The header names the shift's cashier from now on, not the configured "01".
    assert_eq!(rt.checkout.shift_cashier(), Some("07"));
}

/// One cash sale of a flat white: 4.50 + 8.625% tax (0.39, half-up) = 4.89, paid exactly.
fn cash_sale(rt: &mut Runtime<ManualClock>) {
    scan(rt, FLAT_WHITE);
    rt.dispatch(Action::PayCash);
    rt.dispatch(Action::QuickTender(0));
    assert!(matches!(rt.checkout.screen, Screen::Receipt { .. }));
    rt.dispatch(Action::Enter);
}

fn snap(name: &str, rt: &Runtime<ManualClock>) {
    for (w, h) in [(80, 24), (120, 40)] {
        insta::assert_snapshot!(format!("{name}_{w}x{h}"), render(rt, w, h));
    }
}

#[test]
fn the_first_scan_without_a_shift_opens_one_and_is_added_after() {
    let mut rt = counter();
    scan(&mut rt, FLAT_WHITE);
    assert!(
        rt.checkout.basket.is_empty(),
        "nothing sold outside a shift"
    );
    assert!(matches!(stage(&rt), ShiftStage::Cashier { ref input } if input == "01"));
    rt.dispatch(Action::Enter);
    // 100 × 1, 50 × 0, 20 × 2, 10 × 0, 5 × 1, 2 × 0, 1 × 10, 0.50 × 0, 0.25 × 8.
    count(&mut rt, &[1, 0, 2, 0, 1, 0, 10, 0, 8]);
    let ShiftStage::OpenCount { entry, .. } = stage(&rt) else {
        panic!("not counting: {:?}", stage(&rt));
    };
    assert_eq!(entry.total_minor(), 10_000 + 4_000 + 500 + 1_000 + 200);
    rt.dispatch(Action::Enter);

    assert_eq!(rt.checkout.screen, Screen::Basket);
    assert_eq!(
        rt.checkout.basket.lines().len(),
        1,
        "the kept scan was added"
    );
    assert_eq!(rt.checkout.basket.lines()[0].item.barcode, FLAT_WHITE);
    let notice = rt
        .checkout
        .notice
        .clone()
        .map(|n| n.text)
        .unwrap_or_default();
    assert!(
        notice.contains("Shift 1 open") && notice.contains("Flat white"),
        "{notice}"
    );
    let open = rt.journal().open_shift(LANE).unwrap().expect("journaled");
    assert_eq!(
        (open.cashier.as_str(), open.float.total_minor()),
        ("01", 15_700)
    );
    // The next scan sells at once.
    scan(&mut rt, FLAT_WHITE);
    assert_eq!(rt.checkout.basket.lines()[0].qty, 2);
}

#[test]
fn leaving_the_prompt_opens_nothing_and_adds_nothing() {
    let mut rt = counter();
    scan(&mut rt, FLAT_WHITE);
    rt.dispatch(Action::Back);
    assert_eq!(rt.checkout.screen, Screen::Basket);
    assert!(rt.checkout.basket.is_empty());
    assert!(rt.journal().open_shift(LANE).unwrap().is_none());
    let notice = rt
        .checkout
        .notice
        .clone()
        .map(|n| n.text)
        .unwrap_or_default();
    assert!(notice.contains("scan was not added"), "{notice}");
}

#[test]
fn headless_runs_and_an_open_shift_are_never_prompted() {
    // Not required (simulate, scenarios, the demo): the scan sells at once.
    let mut rt = harness::demo_runtime().unwrap();
    scan(&mut rt, FLAT_WHITE);
    assert_eq!(rt.checkout.basket.lines().len(), 1);
    // Required, with a shift the journal already holds when the counter starts.
    let config = Config::default();
    let mut journal = qrtill::journal::Journal::in_memory().unwrap();
    journal
        .open_shift_with(
            LANE,
            "09",
            &qrtill::shift::Count::default(),
            harness::DEMO_START,
        )
        .unwrap();
    let catalog = std::sync::Arc::new(harness::demo_catalog(&config).unwrap());
    let printer = Box::new(qrtill::runtime::ScreenPrinter::default());
    let mut rt = harness::runtime(&config, catalog, journal, printer).unwrap();
    rt.checkout.require_shift(true);
    scan(&mut rt, FLAT_WHITE);
    assert_eq!(rt.checkout.basket.lines().len(), 1);
    assert_eq!(
        rt.checkout.shift_desk().open.as_ref().map(|o| o.id),
        Some(1)
    );
}

#[test]
fn the_close_is_blind_then_shows_the_variance_and_writes_the_z() {
    let mut rt = counter();
    open_with_float(&mut rt);
    cash_sale(&mut rt);
    rt.dispatch(Action::CloseShift);
    assert!(matches!(stage(&rt), ShiftStage::CloseCount { .. }));
    // 20 × 5, 1 × 4, 0.25 × 3, 0.10 × 1 = 104.85 against 104.89 expected.
    count(&mut rt, &[0, 0, 5, 0, 0, 0, 4, 0, 3, 1]);
    let blind = render(&rt, 120, 40);
    assert!(blind.contains("104.85"), "the running total shows: {blind}");
    assert!(
        !blind.contains("104.89"),
        "the expected cash is hidden: {blind}"
    );
    rt.dispatch(Action::Enter);
    let ShiftStage::Review(review) = stage(&rt) else {
        panic!("no review: {:?}", stage(&rt));
    };
    assert_eq!(review.variance_minor, -4);
    assert!(!review.needs_pin, "0.04 is under the 5.00 threshold");
    let shown = render(&rt, 80, 24);
    assert!(
        shown.contains("104.89") && shown.contains("104.85") && shown.contains("-0.04"),
        "{shown}"
    );
    rt.dispatch(Action::Enter);
    assert!(matches!(stage(&rt), ShiftStage::Closed(_)));
    let z = qrtill::report::stored_z(rt.journal(), LANE, Some(1))
        .unwrap()
        .expect("Z1 written");
    assert_eq!(
        (
            z.cash_expected.to_string(),
            z.cash_counted.map(|c| c.to_string()),
            z.sales_count
        ),
        ("104.89".into(), Some("104.85".into()), 1)
    );
    assert!(rt.journal().open_shift(LANE).unwrap().is_none());
    rt.dispatch(Action::Enter);
    // Closed: the next scan asks for a new shift.
    scan(&mut rt, FLAT_WHITE);
    assert!(matches!(stage(&rt), ShiftStage::Cashier { .. }));
}

#[test]
fn a_variance_over_the_threshold_needs_the_supervisor_pin() {
    let mut rt = counter();
    let hash = qrtill::pin::hash("2468").unwrap();
    rt.checkout
        .set_refund_desk(RefundPolicy::default(), PinGate::new(Some(hash)));
    open_with_float(&mut rt);
    cash_sale(&mut rt);
    rt.dispatch(Action::CloseShift);
    // 20 × 4 = 80.00 against 104.89: 24.89 short.
    count(&mut rt, &[0, 0, 4]);
    rt.dispatch(Action::Enter);
    let review = render(&rt, 80, 24);
    assert!(
        review.contains(" 80.00 ") && review.contains("-24.89"),
        "counted at the currency's scale: {review}"
    );
    rt.dispatch(Action::Enter);
    assert!(matches!(stage(&rt), ShiftStage::Pin { .. }));
    type_text(&mut rt, "1111");
    rt.dispatch(Action::Enter);
    let ShiftStage::Pin { message, .. } = stage(&rt) else {
        panic!("left the PIN: {:?}", stage(&rt));
    };
    assert!(message.unwrap_or_default().contains("Wrong PIN"));
    assert!(
        rt.journal().open_shift(LANE).unwrap().is_some(),
        "not closed"
    );
    let masked = render(&rt, 80, 24);
    assert!(masked.contains("A cash variance of USD -24.89"), "{masked}");
    type_text(&mut rt, "2468");
    assert!(render(&rt, 80, 24).contains("PIN: ●●●●_"));
    rt.dispatch(Action::Enter);
    assert!(matches!(stage(&rt), ShiftStage::Closed(_)));
    let z = qrtill::report::stored_z(rt.journal(), LANE, Some(1))
        .unwrap()
        .expect("Z1 written");
    assert_eq!(
        z.cash_variance.map(|v| v.to_string()),
        Some("-24.89".into())
    );
}

#[test]
fn the_close_key_waits_for_the_sale_to_finish() {
    let mut rt = counter();
    open_with_float(&mut rt);
    scan(&mut rt, FLAT_WHITE);
    rt.dispatch(Action::CloseShift);
    assert_eq!(rt.checkout.screen, Screen::Basket);
    let notice = rt
        .checkout
        .notice
        .clone()
        .map(|n| n.text)
        .unwrap_or_default();
    assert!(notice.contains("Finish or clear the sale"), "{notice}");
}

#[test]
fn shift_open_count_snapshot() {
    let mut rt = counter();
    scan(&mut rt, FLAT_WHITE);
    rt.dispatch(Action::Enter);
    count(&mut rt, &[1, 0, 2]);
    type_text(&mut rt, "3");
    snap("shift_open_count", &rt);
}

#[test]
fn shift_close_blind_snapshot() {
    let mut rt = counter();
    open_with_float(&mut rt);
    cash_sale(&mut rt);
    rt.dispatch(Action::CloseShift);
    count(&mut rt, &[0, 0, 5, 0, 0, 0, 4]);
    snap("shift_close_blind", &rt);
}

#[test]
fn shift_close_variance_snapshot() {
    let mut rt = counter();
    open_with_float(&mut rt);
    cash_sale(&mut rt);
    rt.dispatch(Action::CloseShift);
    count(&mut rt, &[0, 0, 5, 0, 0, 0, 4, 0, 3, 1]);
    rt.dispatch(Action::Enter);
    snap("shift_close_variance", &rt);
    rt.dispatch(Action::Enter);
    snap("shift_z", &rt);
}
