//! Snapshots of the refund screen at 80×24 and 120×40: choosing lines, the PIN entry (masked)
//! and its lockout, and the result with the refund slip.

use crate::screen_support;

use qrtill::checkout::refund::policy::RefundPolicy;
use qrtill::checkout::{Action, Screen};
use qrtill::clock::ManualClock;
use qrtill::harness::{self, scan, type_text};
use qrtill::pin::PinGate;
use qrtill::runtime::Runtime;
use screen_support::render;

const ITEMS: [&str; 3] = ["2000000000138", "2000000000138", "2000000000527"];

/// One cash sale of `ITEMS`, opened from its receipt reference, on the refund screen.
fn refund_screen(pin: Option<&str>) -> Runtime<ManualClock> {
    let mut rt = harness::demo_runtime().unwrap();
    for b in ITEMS {
        scan(&mut rt, b);
    }
    rt.dispatch(Action::PayCash);
    rt.dispatch(Action::QuickTender(0));
    rt.dispatch(Action::Enter);
    type_text(&mut rt, "S0007-L03-000001");
    rt.dispatch(Action::Enter);
    let hash = pin.map(|p| qrtill::pin::hash(p).unwrap());
    rt.checkout
        .set_refund_desk(RefundPolicy::default(), PinGate::new(hash));
    rt.dispatch(Action::Refund);
    assert!(matches!(rt.checkout.screen, Screen::Refund(_)));
    rt
}

fn snap(name: &str, rt: &Runtime<ManualClock>) {
    for (w, h) in [(80, 24), (120, 40)] {
        insta::assert_snapshot!(format!("{name}_{w}x{h}"), render(rt, w, h));
    }
}

#[test]
fn refund_line_choice_snapshot() {
    let mut rt = refund_screen(None);
    rt.dispatch(Action::QtyUp);
    rt.dispatch(Action::Down);
    let screen = render(&rt, 120, 40);
    assert!(screen.contains("Lines to refund"), "{screen}");
    snap("refund_lines", &rt);
}

#[test]
fn refund_pin_entry_is_masked_snapshot() {
    let mut rt = refund_screen(Some("2468"));
    rt.dispatch(Action::Char('a'));
    rt.dispatch(Action::Enter);
    rt.dispatch(Action::Enter);
    type_text(&mut rt, "135");
    let screen = render(&rt, 80, 24);
    assert!(screen.contains("PIN: ●●●_"), "{screen}");
    assert!(!screen.contains("135"), "{screen}");
    snap("refund_pin", &rt);
    // Three wrong entries: the lockout shows on screen.
    for wrong in ["0", "1111", "2222"] {
        type_text(&mut rt, wrong);
        rt.dispatch(Action::Enter);
    }
    let screen = render(&rt, 80, 24);
    assert!(screen.contains("try again in 60 s"), "{screen}");
    snap("refund_pin_locked", &rt);
}

#[test]
fn refund_result_with_the_slip_snapshot() {
    let mut rt = refund_screen(Some("2468"));
    rt.dispatch(Action::QtyUp);
    rt.dispatch(Action::Enter);
    rt.dispatch(Action::Enter);
    type_text(&mut rt, "2468");
    rt.dispatch(Action::Enter);
    let screen = render(&rt, 120, 40);
    assert!(screen.contains("REFUNDED"), "{screen}");
    assert!(screen.contains("Refund slip"), "{screen}");
    snap("refund_result", &rt);
}
