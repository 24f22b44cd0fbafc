//! Refunds at the counter (issue 9): the refund screen sends its slip to the sale receipts'
//! printer (decoded back from the bytes a file printer got), kicks the drawer for cash only and
//! never in training, keeps the PIN lockout across a restart where `qrtill refund` keeps it,
//! and a wallet's refusal shows its advice with cash offered instead (snapshots at 80×24 and
//! 120×40), the cash refund then counting once.

use crate::common;

use crate::screen_support;

use common::escpos_decoder::{decode, text_lines};
use encoding_rs::GB18030;
use qrtill::checkout::refund::policy::RefundPolicy;
use qrtill::checkout::{Action, PrintStatus, RefundStage, Screen};
use qrtill::cli::spool::Spool;
use qrtill::clock::ManualClock;
use qrtill::config::Config;
use qrtill::harness::{self, scan, type_text};
use qrtill::journal::{Journal, RefundState};
use qrtill::money::{Currency, Decimal, Money};
use qrtill::network::ShopperId;
use qrtill::printer::PrinterTarget;
use qrtill::receipt::escpos::DRAWER_KICK;
use qrtill::runtime::{PhoneAction, ReceiptPrinter, Runtime, ScreenPrinter};
use screen_support::render;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

const FLAT_WHITE: &str = "2000000000138"; // 4.50 + 0.39 tax = 4.89

/// A counter on the demo network whose printer is `printer`, its refund desk opened on `data`
/// the way the counter opens it (`Runtime::open_refund_desk`).
fn counter(
    data: &Path,
    journal: Journal,
    printer: Box<dyn ReceiptPrinter>,
    policy: RefundPolicy,
) -> Runtime<ManualClock> {
    let config = Config::default();
    let catalog = Arc::new(harness::demo_catalog(&config).expect("demo catalogue"));
    let mut rt = harness::runtime(&config, catalog, journal, printer).expect("runtime");
    rt.open_refund_desk(policy, data);
    rt
}

fn no_pin() -> RefundPolicy {
    RefundPolicy {
        no_pin_up_to: Decimal::from(1000),
        ..RefundPolicy::default()
    }
}

fn file_printer(slips: &Path) -> Box<Spool> {
    Box::new(Spool::new(
        PrinterTarget::File(slips.to_path_buf()),
        &Config::default(),
    ))
}

fn notice(rt: &Runtime<ManualClock>) -> String {
    rt.checkout
        .notice
        .as_ref()
        .map(|n| n.text.clone())
        .unwrap_or_default()
}

/// Ticks the runtime until `done` holds: the print queue works on its own thread, in real time.
fn poll(rt: &mut Runtime<ManualClock>, what: &str, done: impl Fn(&Runtime<ManualClock>) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !done(rt) {
        assert!(
            Instant::now() < deadline,
            "{what}: not within 60 s; screen {:?}, notice {:?}",
            rt.checkout.screen,
            rt.checkout.notice
        );
        std::thread::sleep(Duration::from_millis(5));
        rt.tick();
    }
}

/// A cash sale of one flat white; back on the basket once its receipt is printed.
fn cash_sale(rt: &mut Runtime<ManualClock>) {
    scan(rt, FLAT_WHITE);
    rt.dispatch(Action::PayCash);
    rt.dispatch(Action::QuickTender(0));
    poll(rt, "the sale receipt", |rt| {
        matches!(
            rt.checkout.screen,
            Screen::Receipt {
                print: PrintStatus::Printed,
                ..
            }
        )
    });
    rt.dispatch(Action::Enter);
}

/// A payment-code sale of one flat white by li-na (Alipay, CNY), back on the basket once its
/// receipt is printed.
fn wallet_sale(rt: &mut Runtime<ManualClock>) -> u64 {
    scan(rt, FLAT_WHITE);
    rt.dispatch(Action::PayCode);
    rt.phone(&ShopperId("li-na".into()), PhoneAction::PresentCode)
        .expect("li-na shows her payment code");
    for _ in 0..120 {
        if matches!(rt.checkout.screen, Screen::Receipt { .. }) {
            break;
        }
        rt.advance(Duration::from_millis(500));
    }
    let Screen::Receipt { sale, .. } = &rt.checkout.screen else {
        panic!("no wallet sale: {:?}", rt.checkout.screen)
    };
    let no = sale.sale_no;
    poll(rt, "the wallet sale receipt", |rt| {
        matches!(
            rt.checkout.screen,
            Screen::Receipt {
                print: PrintStatus::Printed,
                ..
            }
        )
    });
    rt.dispatch(Action::Enter);
    no
}

/// Opens sale `no` from its receipt reference and starts refunding all of it with the first
/// reason; ends on the PIN entry, or running when no PIN is needed.
fn refund_all(rt: &mut Runtime<ManualClock>, no: u64) {
    type_text(rt, &format!("S0007-L03-{no:06}"));
    rt.dispatch(Action::Enter);
    assert!(
        matches!(rt.checkout.screen, Screen::SaleDetail(_)),
        "{:?}",
        rt.checkout.notice
    );
    rt.dispatch(Action::Refund);
    rt.dispatch(Action::Char('a'));
    rt.dispatch(Action::Enter);
    rt.dispatch(Action::Enter);
}

fn stage(rt: &Runtime<ManualClock>) -> &RefundStage {
    match &rt.checkout.screen {
        Screen::Refund(s) => &s.stage,
        other => panic!("not the refund screen: {other:?} {:?}", rt.checkout.notice),
    }
}

/// Runs the network until the refund screen has a result and the slip is printed.
fn finish_and_print(rt: &mut Runtime<ManualClock>) {
    for _ in 0..60 {
        if matches!(stage(rt), RefundStage::Done { .. }) {
            break;
        }
        rt.advance(Duration::from_millis(500));
    }
    let RefundStage::Done { record, .. } = stage(rt) else {
        panic!("no result: {:?}", stage(rt))
    };
    let printed = format!("Refund slip printed ({}).", record.refund.refund_request_id);
    poll(rt, "the refund slip", |rt| notice(rt) == printed);
}

fn file_len(path: &Path) -> usize {
    std::fs::read(path).map_or(0, |b| b.len())
}

/// The slip bytes printed since `from`, and their text lines with runs of spaces collapsed.
fn printed_since(path: &Path, from: usize) -> (Vec<u8>, Vec<String>) {
    let bytes = std::fs::read(path).expect("the printer file")[from..].to_vec();
    let items = decode(&bytes, Some(GB18030)).expect("the slip decodes");
    let lines = text_lines(&items)
        .iter()
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|l| !l.is_empty())
        .collect();
    (bytes, lines)
}

fn kicks(bytes: &[u8]) -> bool {
    bytes.windows(DRAWER_KICK.len()).any(|w| w == DRAWER_KICK)
}

fn has(lines: &[String], want: &str) -> bool {
    lines.iter().any(|l| l == want)
}

#[test]
fn the_counter_prints_the_refund_slip_and_kicks_the_drawer_for_cash_only() {
    let dir = tempfile::tempdir().expect("temp dir");
    let slips = dir.path().join("slips.bin");
    let mut rt = counter(
        dir.path(),
        Journal::in_memory().expect("journal"),
        file_printer(&slips),
        no_pin(),
    );
    cash_sale(&mut rt);
    let wallet_no = wallet_sale(&mut rt);
    assert_eq!(wallet_no, 2);

    // The cash sale: the slip as the cashier reads it, worked out by hand from the sale.
    let before = file_len(&slips);
    assert!(before > 0, "the sale receipts were printed first");
    refund_all(&mut rt, 1);
    finish_and_print(&mut rt);
    let (bytes, lines) = printed_since(&slips, before);
    for want in [
        "REFUND",
        "Original sale #1",
        "Ref S0007-L03-000001",
        "Flat white 12oz x1 USD -4.50",
        "Tax USD -0.39",
        "TOTAL USD -4.89",
        "Cash USD -4.89",
        "Refunded so far USD -4.89",
        "Status REFUNDED",
    ] {
        assert!(
            has(&lines, want),
            "{want:?} not on the cash slip: {lines:#?}"
        );
    }
    assert!(kicks(&bytes), "a cash refund opens the drawer");

    // The wallet sale: the money goes back to the wallet; the drawer stays shut.
    rt.dispatch(Action::Enter); // back to the sale
    rt.dispatch(Action::Back); // and to the basket
    let before = file_len(&slips);
    refund_all(&mut rt, wallet_no);
    finish_and_print(&mut rt);
    let (bytes, lines) = printed_since(&slips, before);
    assert!(has(&lines, "REFUND 退款"), "{lines:#?}");
    assert!(has(&lines, "Ref 单号 S0007-L03-000002"), "{lines:#?}");
    assert!(has(&lines, "TOTAL 合计 USD -4.89"), "{lines:#?}");
    assert!(has(&lines, "Wallet 钱包 Alipay"), "{lines:#?}");
    assert!(has(&lines, "Status 状态 REFUNDED 退款成功"), "{lines:#?}");
    assert!(!kicks(&bytes), "a wallet refund never opens the drawer");
    assert!(
        !lines.iter().any(|l| l.starts_with("Cash 现金")),
        "{lines:#?}"
    );
}

#[test]
fn in_training_the_refund_slip_prints_without_kicking_the_drawer() {
    let dir = tempfile::tempdir().expect("temp dir");
    let slips = dir.path().join("slips.bin");
    let printer = Box::new(qrtill::ui::training_mode::TrainingPrinter(file_printer(
        &slips,
    )));
    let mut rt = counter(
        dir.path(),
        Journal::in_memory().expect("journal"),
        printer,
        no_pin(),
    );
    cash_sale(&mut rt);
    let before = file_len(&slips);
    refund_all(&mut rt, 1);
    finish_and_print(&mut rt);
    let (bytes, lines) = printed_since(&slips, before);
    assert!(has(&lines, "Cash USD -4.89"), "{lines:#?}");
    assert!(!kicks(&bytes), "training never opens the drawer");
}

fn pin_stage_message(rt: &Runtime<ManualClock>) -> String {
    match stage(rt) {
        RefundStage::Pin { message, .. } => message.clone().unwrap_or_default(),
        other => panic!("not on the PIN: {other:?}"),
    }
}

fn enter_pin(rt: &mut Runtime<ManualClock>, pin: &str) -> String {
    type_text(rt, pin);
    rt.dispatch(Action::Enter);
    match stage(rt) {
        RefundStage::Pin { .. } => pin_stage_message(rt),
        other => format!("{other:?}"),
    }
}

#[test]
fn the_pin_lockout_survives_a_restart_of_the_counter() {
    let dir = tempfile::tempdir().expect("temp dir");
    qrtill::pin::store(dir.path(), "2468").expect("pin set");
    let journal = dir.path().join("journal.sqlite");
    let open = |clock_at: Duration| {
        let rt = counter(
            dir.path(),
            Journal::open(&journal).expect("journal"),
            Box::new(ScreenPrinter::default()),
            RefundPolicy::default(),
        );
        rt.clock().advance(clock_at);
        rt
    };

    let mut rt = open(Duration::ZERO);
    cash_sale(&mut rt);
    refund_all(&mut rt, 1);
    assert!(enter_pin(&mut rt, "1111").contains("2 more tries"));
    assert!(enter_pin(&mut rt, "1112").contains("1 more try"));
    drop(rt);

    // The counter starts again: the third wrong entry in a row locks.
    let mut rt = open(Duration::from_secs(10));
    refund_all(&mut rt, 1);
    let locked = enter_pin(&mut rt, "1113");
    assert!(locked.contains("PIN entry locked"), "{locked}");
    assert!(locked.contains("Try again in 60 s"), "{locked}");
    let until = rt.now() + qrtill::pin::LOCKOUT;
    assert_eq!(
        qrtill::pin::load_lock(dir.path()).locked_until,
        Some(until),
        "saved where `qrtill refund` reads it"
    );
    // Locked for 60 s on the injected clock, even for the right PIN, across another restart.
    drop(rt);
    let mut rt = open(Duration::from_secs(10 + 59));
    refund_all(&mut rt, 1);
    let still = enter_pin(&mut rt, "2468");
    assert!(still.contains("Try again in 1 s"), "{still}");
    rt.advance(Duration::from_secs(1));
    let accepted = enter_pin(&mut rt, "2468");
    assert!(!accepted.contains("locked"), "{accepted}");
    assert!(
        !matches!(stage(&rt), RefundStage::Pin { .. }),
        "{:?}",
        stage(&rt)
    );
    assert_eq!(
        qrtill::pin::load_lock(dir.path()),
        qrtill::pin::LockState::default(),
        "a right entry clears the saved count and lock"
    );
}

#[test]
fn wrong_pins_at_the_training_prompt_count_toward_the_saved_lock_too() {
    let dir = tempfile::tempdir().expect("temp dir");
    qrtill::pin::store(dir.path(), "2468").expect("pin set");
    let journal = dir.path().join("journal.sqlite");
    let open = || {
        counter(
            dir.path(),
            Journal::open(&journal).expect("journal"),
            Box::new(ScreenPrinter::default()),
            RefundPolicy::default(),
        )
    };
    let mut rt = open();
    for wrong in ["1111", "1112"] {
        rt.dispatch(Action::Training);
        type_text(&mut rt, wrong);
        rt.dispatch(Action::Enter);
        rt.dispatch(Action::Back);
    }
    assert_eq!(
        qrtill::pin::load_lock(dir.path()).wrong,
        2,
        "saved where `qrtill refund` reads it"
    );
    drop(rt);
    // After a restart the refund screen's first wrong entry is the third in a row: it locks.
    let mut rt = open();
    cash_sale(&mut rt);
    refund_all(&mut rt, 1);
    let locked = enter_pin(&mut rt, "1113");
    assert!(locked.contains("PIN entry locked"), "{locked}");
}

#[test]
fn a_wallet_refusal_shows_its_advice_and_c_gives_the_money_back_in_cash() {
    let dir = tempfile::tempdir().expect("temp dir");
    let slips: PathBuf = dir.path().join("slips.bin");
    let mut rt = counter(
        dir.path(),
        Journal::in_memory().expect("journal"),
        file_printer(&slips),
        no_pin(),
    );
    let no = wallet_sale(&mut rt);
    // Past Alipay's refund window (wallets.md §10, scenario 22).
    rt.advance(Duration::from_secs(400 * 86_400));
    let before = file_len(&slips);
    refund_all(&mut rt, no);
    finish_and_print(&mut rt);
    let RefundStage::Done { status, .. } = stage(&rt) else {
        unreachable!("finish_and_print checked the stage")
    };
    assert!(
        matches!(status, qrtill::checkout::refund::Status::Refused { code, offer_cash: true, .. }
            if *code == qrtill::network::ResultCode::RefundWindowExceed),
        "{status:?}"
    );
    let screen = render(&rt, 120, 40);
    assert!(
        screen.contains("Refund window is over: refund outside the wallet."),
        "{screen}"
    );
    assert!(
        screen.contains("c: give it back in cash instead"),
        "{screen}"
    );
    for (w, h) in [(80, 24), (120, 40)] {
        insta::assert_snapshot!(format!("wallet_refusal_{w}x{h}"), render(&rt, w, h));
    }
    let (refused, _) = printed_since(&slips, before);
    assert!(!kicks(&refused), "nothing left the drawer on a refusal");

    // Cash instead: the money leaves the drawer, once.
    let before = file_len(&slips);
    rt.dispatch(Action::Char('c'));
    finish_and_print(&mut rt);
    let (bytes, lines) = printed_since(&slips, before);
    assert!(kicks(&bytes), "the cash refund opens the drawer");
    assert!(has(&lines, "Cash 现金 USD -4.89"), "{lines:#?}");
    assert!(has(&lines, "TOTAL 合计 USD -4.89"), "{lines:#?}");
    let journal = rt.journal();
    let usd = |minor| Money::from_minor(minor, Currency::USD).expect("usd");
    assert_eq!(
        journal.refunded_total("03", no).expect("journal"),
        Some(usd(489))
    );
    let states: Vec<(String, RefundState)> = journal
        .refunds_of_sale("03", no)
        .expect("journal")
        .into_iter()
        .map(|r| (r.refund.tender.clone(), r.state))
        .collect();
    assert_eq!(
        states,
        vec![
            ("wallet".to_string(), RefundState::Failed),
            ("cash".to_string(), RefundState::Settled)
        ]
    );
}
