//! The real `qrtill` binary in a real (tmux) terminal, paid by wallet: a Kakao Pay tourist shows
//! a payment code and types the password, an Alipay shopper scans the counter's QR, and a
//! shopper without enough balance is declined with advice. One person plays the whole sale from
//! the shopper-phone pane, as at a demo desk; the system clock runs, so the tests pick shoppers
//! who confirm by key (`y`) instead of waiting for auto-confirm.

use crate::e2e_support;

use e2e_support::{Tmux, pick_shopper, run_qrtill};
use rust_decimal::{Decimal, RoundingStrategy};
use std::str::FromStr;

/// Collapses runs of spaces so alignment does not matter, only the words and amounts.
fn words(line: &str) -> String {
    line.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The slip inside the on-screen receipt box, one entry per row, spaces collapsed, blank rows
/// dropped. The box is found by its `┌ Receipt` title; other panes (the phone) may sit beside
/// it, so each row is cut at the box's own right border, not at the last `│` of the line.
fn receipt_box(screen: &str) -> Vec<String> {
    let mut rows = screen.lines().skip_while(|l| !l.contains("┌ Receipt"));
    let Some(top) = rows.next() else {
        panic!("no receipt box on screen:\n{screen}");
    };
    // Only spaces precede the box on the receipt screen, so char and column positions agree.
    let left = top.chars().take_while(|&c| c != '┌').count();
    rows.take_while(|l| l.chars().nth(left) == Some('│'))
        .filter_map(|l| {
            let inside: String = l.chars().skip(left + 1).take_while(|&c| c != '│').collect();
            let inside = words(&inside);
            (!inside.is_empty()).then_some(inside)
        })
        .collect()
}

/// The slip printed by `qrtill receipt ...`, normalised like `receipt_box`.
fn printed_slip(stdout: &str) -> Vec<String> {
    stdout
        .lines()
        .map(words)
        .filter(|l| !l.is_empty())
        .collect()
}

/// The slip row whose words start with `label` (e.g. "Customer paid").
fn row<'a>(slip: &'a [String], label: &str) -> &'a str {
    match slip.iter().find(|l| l.starts_with(label)) {
        Some(l) => l,
        None => panic!("no {label:?} row on the slip:\n{}", slip.join("\n")),
    }
}

/// The amount after `currency ` in a slip row, e.g. `KRW 13821` -> 13821.
fn amount_after(row: &str, currency: &str) -> Decimal {
    let text = row
        .split(&format!("{currency} "))
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next());
    match text.map(Decimal::from_str) {
        Some(Ok(d)) => d,
        _ => panic!("no {currency} amount in {row:?}"),
    }
}

/// The rate in a row like `Rate 환율 1 USD = 1375.242 KRW`.
fn reported_rate(row: &str) -> Decimal {
    let text = row
        .split("1 USD = ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next());
    match text.map(Decimal::from_str) {
        Some(Ok(d)) => d,
        _ => panic!("no `1 USD = rate` in {row:?}"),
    }
}

/// Ctrl-Q, then a clean exit: the journal and the network ledger are closed before the CLI
/// commands below open them.
fn quit(t: &Tmux) {
    t.send_keys(&["C-q"]);
    assert_eq!(t.wait_exit_recorded(), 0, "Ctrl-Q quits cleanly");
}

/// `qrtill reconcile` on the test's data dir: exit 0 and exactly this summary line.
fn assert_reconciles(t: &Tmux, summary: &str) {
    let out = run_qrtill(t.data_dir(), &["reconcile"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "reconcile:\n{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.lines().any(|l| l == summary),
        "reconcile should report {summary:?}:\n{stdout}"
    );
    assert!(!stdout.contains("PROBLEM"), "{stdout}");
}

/// `qrtill receipt last` must succeed; returns its slip.
fn receipt_last(t: &Tmux) -> Vec<String> {
    let out = run_qrtill(t.data_dir(), &["receipt", "last"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "receipt last failed ({}): {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    printed_slip(&stdout)
}

#[test]
fn kakao_pay_tourist_pays_by_payment_code_with_a_password_prompt() {
    let t = Tmux::counter_recording_exit(&[], 120, 40);
    t.scan("2000000000138");
    t.wait_for("Added Flat white 12oz");
    t.scan("2000000000268");
    t.wait_for("Added Latte 12oz");

    t.send_keys(&["F6"]);
    t.wait_for("Code:");
    t.send_keys(&["F10"]);
    t.wait_for("Shopper phone (keys go here)");
    pick_shopper(&t, "Kim Min-jun");
    t.wait_for("Kakao Pay · 010****4821 · KRW");

    // The shopper holds the code under the scanner; Kakao Pay asks for the password.
    t.send_keys(&["p"]);
    t.wait_for("Enter the password");
    // The phone covers the pay screen: close it to read the counter's status.
    t.send_keys(&["F10"]);
    let confirming = t.wait_for("Shopper confirming");
    assert!(
        confirming.contains("Kakao Pay charges KRW"),
        "the response revealed the wallet and its currency:\n{confirming}"
    );
    assert!(
        !confirming.contains("PAID"),
        "nothing is paid before the password:\n{confirming}"
    );

    t.send_keys(&["F10"]);
    t.wait_for("Shopper phone (keys go here)");
    t.send_keys(&["y"]);
    let screen = t.wait_until("the paid receipt with its Ref row", |s| {
        s.contains("PAID · Sale 1") && receipt_box(s).iter().any(|l| l.starts_with("Ref"))
    });

    let on_screen = receipt_box(&screen);
    let slip = on_screen.join("\n");
    assert_eq!(row(&on_screen, "Wallet 지갑"), "Wallet 지갑 Kakao Pay");
    for korean in [
        "SALE 판매 #1",
        "TOTAL 합계",
        "Customer paid 결제금액",
        "Rate 환율",
    ] {
        assert!(
            on_screen.iter().any(|l| l.starts_with(korean)),
            "Korean label {korean:?} on the slip:\n{slip}"
        );
    }
    assert!(
        row(&on_screen, "Status").contains("APPROVED 승인"),
        "{slip}"
    );
    assert_eq!(row(&on_screen, "Account"), "Account 결제계정 010****4821");

    // KRW has no minor unit: a whole number of won, the USD total at the reported rate, half-up.
    let total = amount_after(row(&on_screen, "TOTAL"), "USD");
    let paid_row = row(&on_screen, "Customer paid");
    assert!(
        !paid_row.contains('.'),
        "KRW is printed without decimals: {paid_row:?}"
    );
    let won = amount_after(paid_row, "KRW");
    let rate = reported_rate(row(&on_screen, "Rate"));
    assert!(row(&on_screen, "Rate").ends_with(" KRW"), "{slip}");
    assert_eq!(
        won,
        (total * rate).round_dp_with_strategy(0, RoundingStrategy::MidpointAwayFromZero),
        "KRW paid = USD {total} x {rate}, half-up to whole won"
    );
    assert_eq!(
        row(&on_screen, "Merchant receives"),
        format!("Merchant receives 가맹점 정산 USD {total}"),
        "no promotion: the merchant gets the full amount"
    );

    quit(&t);
    let printed = receipt_last(&t);
    assert_eq!(
        printed, on_screen,
        "receipt last prints the same slip, KRW amount and rate included"
    );
    assert_reconciles(
        &t,
        "1 payment(s) match their sale; 0 unresolved; 0 problem(s)",
    );
}

#[test]
fn alipay_shopper_scans_the_counter_qr() {
    let t = Tmux::counter_recording_exit(&[], 120, 40);
    t.scan("2000000000138");
    t.wait_for("Added Flat white 12oz");

    t.send_keys(&["F5"]);
    let qr = t.wait_for("Waiting for scan");
    assert!(qr.contains("Expires in"), "a countdown to expiry:\n{qr}");
    assert!(
        qr.contains("(indicative)") && qr.contains("CNY"),
        "indicative wallet amounts:\n{qr}"
    );

    t.send_keys(&["F10"]);
    let phone = t.wait_for("Shopper phone (keys go here)");
    assert!(
        phone.contains("◀ Li Na ▶"),
        "the phone starts at Li Na:\n{phone}"
    );
    pick_shopper(&t, "Li Na");
    t.send_keys(&["s"]);
    let asked = t.wait_for("Confirm payment");
    assert!(asked.contains("Pay CNY"), "the phone asks in CNY:\n{asked}");

    // The counter learns of the scan by polling: close the phone to watch the status move on.
    t.send_keys(&["F10"]);
    let confirming = t.wait_for("Shopper confirming");
    assert!(!confirming.contains("PAID"), "{confirming}");
    t.send_keys(&["F10"]);
    t.wait_for("Shopper phone (keys go here)");
    t.send_keys(&["y"]);
    let screen = t.wait_until("the paid receipt with its Ref row", |s| {
        s.contains("PAID · Sale 1") && receipt_box(s).iter().any(|l| l.starts_with("Ref"))
    });

    let on_screen = receipt_box(&screen);
    let slip = on_screen.join("\n");
    assert_eq!(
        row(&on_screen, "Wallet 钱包"),
        "Wallet 钱包 Alipay",
        "{slip}"
    );
    let total = amount_after(row(&on_screen, "TOTAL"), "USD");
    let yuan = amount_after(row(&on_screen, "Customer paid 实付"), "CNY");
    let rate = reported_rate(row(&on_screen, "Rate 汇率"));
    assert_eq!(
        yuan,
        (total * rate).round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero),
        "CNY paid = USD {total} x {rate}, half-up to the fen"
    );
    assert_eq!(yuan.scale(), 2, "CNY has two decimals: {yuan}");

    quit(&t);
    let printed = receipt_last(&t);
    assert_eq!(printed, on_screen, "receipt last prints the same slip");
    assert_reconciles(
        &t,
        "1 payment(s) match their sale; 0 unresolved; 0 problem(s)",
    );
}

#[test]
fn declined_payment_says_what_to_do_next() {
    let t = Tmux::counter_recording_exit(&[], 120, 40);
    t.scan("2000000000138");
    t.wait_for("Added Flat white 12oz");

    t.send_keys(&["F6"]);
    t.wait_for("Code:");
    t.send_keys(&["F10"]);
    t.wait_for("Shopper phone (keys go here)");
    pick_shopper(&t, "Li Na");
    t.send_keys(&["b"]);
    t.wait_for("Balance set to CNY");
    t.send_keys(&["p"]);
    t.wait_for("USER_BALANCE_NOT_ENOUGH");

    t.send_keys(&["F10"]);
    let screen = t.wait_for("Insufficient balance");
    assert!(
        screen.contains("DECLINED USER_BALANCE_NOT_ENOUGH"),
        "the counter names the result code:\n{screen}"
    );
    assert!(
        screen.contains("Insufficient balance: choose another"),
        "the counter says what to do next:\n{screen}"
    );
    assert!(!screen.contains("PAID"), "{screen}");

    quit(&t);
    let out = run_qrtill(t.data_dir(), &["receipt", "last"]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "no sale was committed, yet receipt last said:\n{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert_reconciles(
        &t,
        "0 payment(s) match their sale; 0 unresolved; 0 problem(s)",
    );
}
