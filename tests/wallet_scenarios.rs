//! wallets.md §10 scenarios played at the counter through the shared runtime with a virtual
//! clock: the cashier's keys, the shopper's phone and the simulated network. Each test is named
//! after its §10 number and asserts what the pay screen showed (in order), the protocol trace,
//! the merchant journal and the network's ledger, and reconciles the two.
//!
//! Not played here (no counter flow for them): 20-22 (refunds: the counter has no refund
//! screen; tests/network_scenarios.rs covers them at the acquirer) and 31 (static entry code:
//! the counter only shows dynamic order codes).

use crate::wallet_support;

use qrtill::checkout::payment::{PayStatus, TimerKind};
use qrtill::checkout::sale::{SaleTender, WalletTender};
use qrtill::checkout::slip::receipt_for;
use qrtill::checkout::{Action, Checkout, CompletedSale, Effect, Event, NetReply};
use qrtill::clock::Timestamp;
use qrtill::config::Config;
use qrtill::journal::{AttemptState, Journal};
use qrtill::money::fx::{DEFAULT_FX_TOML, FxTable};
use qrtill::money::{Currency, Decimal};
use qrtill::network::{
    Call, Fault, LedgerStore, PayMethod, PayRequest, PaymentStage, PhoneScreen, ResultCode,
    TEST_CARDS,
};
use qrtill::receipt::{PaperWidth, render_text_string};
use qrtill::runtime::PhoneAction;
use std::sync::Arc;
use std::time::Duration;
use wallet_support::*;

fn wallet(sale: &CompletedSale) -> &WalletTender {
    match &sale.tender {
        SaleTender::Wallet(w) => w,
        other => panic!("expected a wallet tender, got {other:?}"),
    }
}

fn only_sale(till: &Till) -> CompletedSale {
    let sales = till.sales();
    assert_eq!(sales.len(), 1, "exactly one sale");
    sales.into_iter().next().expect("one sale")
}

fn receipt_text(sale: &CompletedSale) -> String {
    render_text_string(
        &receipt_for(sale, &Config::default(), None),
        PaperWidth::W48,
    )
}

/// The receipt's lines with runs of spaces collapsed, for exact comparisons of label and value.
fn receipt_lines(sale: &CompletedSale) -> Vec<String> {
    receipt_text(sale)
        .lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect()
}

fn dec(s: &str) -> Decimal {
    s.parse().expect("decimal")
}

/// The code the shopper's phone shows right now.
fn shown_code(till: &mut Till, who: &str) -> String {
    till.phone(who, PhoneAction::ShowCode);
    match till.rt.phone_screen(&shopper(who)) {
        Some(PhoneScreen::ShowCode { code, .. }) => code,
        other => panic!("{who}'s phone shows {other:?}"),
    }
}

fn advice(till: &Till) -> String {
    match till.status() {
        Some(PayStatus::Declined { advice, .. }) => advice,
        other => panic!("not declined: {other:?}"),
    }
}

fn notice(till: &Till) -> String {
    till.rt
        .checkout
        .notice
        .as_ref()
        .map(|n| n.text.clone())
        .unwrap_or_default()
}

fn assert_clean(till: &Till) {
    let r = till.reconcile();
    assert!(
        r.manual.is_empty(),
        "nothing flagged manual: {:?}",
        r.manual
    );
    assert!(
        r.pending.is_empty(),
        "nothing left pending: {:?}",
        r.pending
    );
}

// 1. Happy UPM, no password · AlipayCN → paid at once; receipt in CNY with the rate.
#[test]
fn s01_alipay_code_paid_at_once() {
    let mut till = Till::new();
    till.ring_up(&[FLAT_WHITE, LATTE]); // 9.25 + 8.625 % tax = USD 10.05
    till.key(Action::PayCode);
    till.phone("li-na", PhoneAction::PresentCode);
    let id = till.request_id();
    let paid_at = till.wait_until("Receipt", Duration::from_secs(2));
    assert!(
        paid_at <= 1_500,
        "paid within the pay latency, took {paid_at} ms"
    );
    till.wait_secs(5);
    assert_eq!(till.seen, ["Basket", "AwaitingCode", "Sending", "Receipt"]);
    assert_eq!(till.sent(&id), ["pay"], "no polling needed");
    assert_eq!(till.heard(&id), ["pay S SUCCESS"]);

    let sale = only_sale(&till);
    let w = wallet(&sale);
    assert_eq!(w.brand, "Alipay");
    assert_eq!(w.mode.as_str(), "payment_code");
    assert_eq!(w.payment_request_id, id);
    assert_eq!(w.masked_account, "159****5620");
    assert_eq!(w.amount.with_code(), "USD 10.05");
    // 7.1853 mid + 50 bps = 7.2212265; 10.05 x 7.2212265 = 72.5733... -> CNY 72.57 (half-up).
    assert_eq!(w.rate, Some(dec("7.2212265")));
    assert_eq!(
        w.wallet_amount.map(|m| m.with_code()).as_deref(),
        Some("CNY 72.57")
    );
    assert_eq!(till.attempt(&id).state, AttemptState::Paid);
    let row = till.ledger(&id);
    assert_eq!(row.stage, PaymentStage::Paid);
    assert_eq!(till.balance("li-na"), money("4927.43", Currency::CNY));
    let text = receipt_text(&sale);
    assert!(
        text.contains("72.57") && text.contains("7.2212265"),
        "{text}"
    );
    assert_clean(&till);
}

// 1 (pure). The checkout journals the attempt before the pay leaves, and says "approved" only
// by asking for the sale's commit with the wallet's figures.
#[test]
fn s01_pure_checkout_effects_journal_before_pay_and_commit_on_success() {
    let config = Config::default();
    let catalog = Arc::new(qrtill::harness::demo_catalog(&config).expect("catalogue"));
    let mut net = network_on(
        LedgerStore::in_memory().expect("ledger"),
        FxTable::embedded().expect("fx"),
    );
    let mut co = Checkout::new(qrtill::harness::settings(&config, &net), catalog);
    let t0 = qrtill::harness::DEMO_START;
    let code = net.issue_payment_code(&shopper("li-na"), t0).expect("code");
    for c in FLAT_WHITE.chars() {
        co.handle(Event::Action(Action::Char(c)), t0);
    }
    co.handle(Event::Action(Action::Enter), t0);
    assert!(co.handle(Event::Action(Action::PayCode), t0).is_empty());
    for c in code.chars() {
        assert!(co.handle(Event::Action(Action::Char(c)), t0).is_empty());
    }
    let effects = co.handle(Event::Action(Action::Enter), t0);
    assert_eq!(effects.len(), 3, "{effects:?}");
    let Effect::Pay { record, request } = &effects[0] else {
        panic!("first the journaled pay: {effects:?}");
    };
    assert_eq!(record.state, AttemptState::Pending);
    assert_eq!(record.request_id, request.payment_request_id);
    assert_eq!(record.request_id, "S0007L03A000001");
    assert_eq!(
        request.method,
        PayMethod::PaymentCode { code: code.clone() }
    );
    assert_eq!(request.amount.with_code(), "USD 4.89");
    let timers: Vec<(i64, TimerKind)> = effects[1..]
        .iter()
        .map(|e| match e {
            Effect::SetTimer { at, timer } => (at.millis() - t0.millis(), timer.kind),
            other => panic!("a timer, got {other:?}"),
        })
        .collect();
    assert_eq!(
        timers,
        [
            (3_000, TimerKind::Poll { n: 0 }),
            (60_000, TimerKind::Deadline)
        ]
    );
    assert!(
        matches!(&co.screen, qrtill::checkout::Screen::Pay(p) if p.status == PayStatus::Sending)
    );

    let reply = net.pay(request.clone(), t0).body;
    let at = t0 + Duration::from_millis(700);
    let effects = co.handle(Event::Net(Box::new(NetReply::Pay(reply))), at);
    assert!(
        matches!(&co.screen, qrtill::checkout::Screen::Pay(p) if p.status == PayStatus::Approved)
    );
    let [Effect::CommitSale { sale, attempt }] = effects.as_slice() else {
        panic!("one commit: {effects:?}");
    };
    assert_eq!(attempt.as_deref(), Some("S0007L03A000001"));
    let w = wallet(sale);
    assert_eq!(w.brand, "Alipay");
    assert_eq!(
        w.wallet_amount.map(|m| m.with_code()).as_deref(),
        Some("CNY 35.31")
    );
    assert_eq!(sale.completed_at, at);
}

// 2. UPM with password (USER_PAYING) · AlipayCN → "shopper confirming", polls every 3 s return
// U until the shopper confirms; then paid.
#[test]
fn s02_alipay_password_prompt_polled_until_paid() {
    let mut till = Till::new();
    till.ring_up(&[FLAT_WHITE, LATTE]);
    till.key(Action::PayCode);
    till.phone("wang-fang", PhoneAction::PresentCode);
    let id = till.request_id();
    till.wait_secs(40);
    assert_eq!(
        till.seen,
        [
            "Basket",
            "AwaitingCode",
            "Sending",
            "ShopperConfirming",
            "Receipt"
        ]
    );
    let heard = till.heard(&id);
    assert_eq!(heard[0], "pay U PAYMENT_IN_PROCESS");
    assert!(
        heard
            .iter()
            .any(|h| h == "query S · payment U PAYMENT_IN_PROCESS"),
        "{heard:?}"
    );
    let queries = till.sent_at(&id, "query");
    assert!(!queries.is_empty());
    for (i, t) in queries.iter().enumerate() {
        assert_eq!(*t, 3_000 * (i as i64 + 1), "query every 3 s");
    }
    assert!(queries.len() <= 9, "auto-confirm is 5-25 s: {queries:?}");
    let sale = only_sale(&till);
    assert_eq!(wallet(&sale).masked_account, "186****2156");
    assert_eq!(till.attempt(&id).state, AttemptState::Paid);
    assert_eq!(till.ledger(&id).stage, PaymentStage::Paid);
    assert_clean(&till);
}

// 2 / 25. A Kakao Pay tourist pays by payment code and types the password by hand; the sale is
// in USD, the wallet charges KRW (0 decimals) at the rate it reports.
#[test]
fn s02_kakao_pay_tourist_enters_password_and_pays_in_krw() {
    let mut till = Till::new();
    till.ring_up(&[FLAT_WHITE, LATTE]);
    till.key(Action::PayCode);
    till.phone("kim-minjun", PhoneAction::PresentCode);
    let id = till.request_id();
    till.wait_secs(20);
    assert_eq!(till.status(), Some(PayStatus::ShopperConfirming));
    match till.rt.phone_screen(&shopper("kim-minjun")) {
        Some(PhoneScreen::Confirm {
            needs_password,
            wallet_amount,
            payment_request_id,
            ..
        }) => {
            assert!(needs_password);
            assert_eq!(payment_request_id, id);
            assert_eq!(wallet_amount.with_code(), "KRW 13821");
        }
        other => panic!("phone should ask for the password: {other:?}"),
    }
    till.phone("kim-minjun", PhoneAction::EnterPassword);
    till.wait_secs(5);
    assert_eq!(
        till.seen,
        [
            "Basket",
            "AwaitingCode",
            "Sending",
            "ShopperConfirming",
            "Receipt"
        ]
    );
    assert!(
        till.heard(&id).iter().any(|h| h == "notify S SUCCESS"),
        "the notification brought the news: {:?}",
        till.heard(&id)
    );
    let sale = only_sale(&till);
    let w = wallet(&sale);
    assert_eq!(w.brand, "Kakao Pay");
    // 1368.40 mid + 50 bps = 1375.242; 10.05 x 1375.242 = 13821.18 -> KRW 13821.
    assert_eq!(w.rate, Some(dec("1375.242")));
    let krw = w.wallet_amount.expect("KRW amount");
    assert_eq!(
        (krw.currency(), krw.plain()),
        (Currency::KRW, "13821".to_string())
    );
    assert_eq!(till.balance("kim-minjun"), money("786179", Currency::KRW));
    assert_eq!(till.attempt(&id).state, AttemptState::Paid);
    assert_clean(&till);
}

// 3. Shopper abandons the password prompt · Kakao Pay → polls stay U → at 60 s the counter
// cancels → cancelled, not charged.
#[test]
fn s03_abandoned_prompt_is_cancelled_at_the_deadline() {
    let mut till = Till::new();
    till.ring_up(&[FLAT_WHITE]);
    till.key(Action::PayCode);
    till.phone("park-jiwoo", PhoneAction::PresentCode);
    let id = till.request_id();
    till.wait_secs(59);
    assert_eq!(till.status(), Some(PayStatus::ShopperConfirming));
    till.wait_secs(5);
    assert_eq!(
        till.seen,
        [
            "Basket",
            "AwaitingCode",
            "Sending",
            "ShopperConfirming",
            "Cancelling",
            "Cancelled"
        ]
    );
    assert_eq!(till.sent_at(&id, "query").len(), 19, "3 s .. 57 s");
    assert_eq!(till.sent_at(&id, "cancel"), [60_000]);
    match till.status() {
        Some(PayStatus::Cancelled { refunded, why }) => {
            assert!(!refunded);
            assert_eq!(why, "no answer before the deadline");
        }
        other => panic!("{other:?}"),
    }
    assert!(till.sales().is_empty());
    let a = till.attempt(&id);
    assert_eq!(a.state, AttemptState::Failed);
    assert!(a.outcome.unwrap_or_default().contains("nothing charged"));
    let row = till.ledger(&id);
    assert_eq!(row.stage, PaymentStage::Cancelled);
    assert_eq!(row.charged, None);
    assert_eq!(till.balance("park-jiwoo"), money("500000", Currency::KRW));
    assert_clean(&till);
}

// 4. Cashier presses Cancel during the confirm · WeChat → the counter waits until 15 s after
// the order, then reverses → not charged.
#[test]
fn s04_wechat_cashier_cancel_waits_for_the_15_second_reverse_rule() {
    let mut till = Till::new();
    till.ring_up(&[FLAT_WHITE]);
    till.key(Action::PayCode);
    till.phone("wu-wei", PhoneAction::PresentCode);
    let id = till.request_id();
    till.wait_secs(12);
    assert_eq!(till.status(), Some(PayStatus::ShopperConfirming));
    assert_eq!(till.heard(&id)[0], "pay U USERPAYING");
    till.key(Action::Back);
    assert!(matches!(till.status(), Some(PayStatus::Cancelling { .. })));
    assert!(notice(&till).contains("15 s"), "{}", notice(&till));
    till.wait_secs(2);
    assert!(
        till.sent_at(&id, "cancel").is_empty(),
        "no reverse before 15 s"
    );
    till.wait_secs(5);
    assert_eq!(till.sent_at(&id, "cancel"), [15_000]);
    assert_eq!(
        till.sent_at(&id, "query"),
        [10_000],
        "WeChat polls every 10 s"
    );
    assert_eq!(
        till.seen,
        [
            "Basket",
            "AwaitingCode",
            "Sending",
            "ShopperConfirming",
            "Cancelling",
            "Cancelled"
        ]
    );
    assert_eq!(till.attempt(&id).state, AttemptState::Failed);
    assert_eq!(till.ledger(&id).stage, PaymentStage::Cancelled);
    assert_eq!(till.balance("wu-wei"), money("3000.00", Currency::CNY));
    assert_clean(&till);
}

// 4 (pure). Back on a WeChat attempt younger than 15 s sets a timer, not a cancel.
#[test]
fn s04_pure_wechat_back_before_15_s_sets_a_cancel_timer() {
    let mut till = Till::new();
    till.ring_up(&[FLAT_WHITE]);
    till.key(Action::PayCode);
    till.phone("wu-wei", PhoneAction::PresentCode);
    till.wait_secs(12);
    let now = till.rt.now();
    let effects = till.rt.checkout.handle(Event::Action(Action::Back), now);
    match effects.as_slice() {
        [Effect::SetTimer { at, timer }] => {
            assert_eq!(at.millis() - till.start.millis(), 15_000);
            assert_eq!(timer.kind, TimerKind::Cancel { n: 0 });
        }
        other => panic!("only a timer: {other:?}"),
    }
}

// 5. Insufficient balance · GCash → declined with advice; the retry is a new order id.
#[test]
fn s05_gcash_low_balance_declines_and_the_retry_gets_a_new_request_id() {
    let mut till = Till::new();
    till.ring_up(&[FLAT_WHITE, LATTE]);
    till.key(Action::PayCode);
    till.phone("maria-santos", PhoneAction::PresentCode);
    let first = till.request_id();
    till.wait_secs(3);
    assert_eq!(till.status().map(|s| s.is_final()), Some(true));
    assert_eq!(
        advice(&till),
        "Insufficient balance: choose another payment method."
    );
    till.key(Action::Enter);
    assert_eq!(till.status(), Some(PayStatus::AwaitingCode));
    till.phone("li-na", PhoneAction::PresentCode);
    let second = till.request_id();
    till.wait_secs(3);
    assert_ne!(first, second);
    assert_eq!(
        till.seen,
        [
            "Basket",
            "AwaitingCode",
            "Sending",
            "Declined USER_BALANCE_NOT_ENOUGH",
            "AwaitingCode",
            "Sending",
            "Receipt"
        ]
    );
    let a = till.attempt(&first);
    assert_eq!(
        (a.state, a.outcome.as_deref()),
        (AttemptState::Failed, Some("USER_BALANCE_NOT_ENOUGH"))
    );
    assert_eq!(
        till.ledger(&first).failure,
        Some(ResultCode::UserBalanceNotEnough)
    );
    assert_eq!(till.ledger(&first).charged, None);
    assert_eq!(till.balance("maria-santos"), money("50.00", Currency::PHP));
    assert_eq!(wallet(&only_sale(&till)).payment_request_id, second);
    assert_clean(&till);
}

// 6. Expired code · Alipay+ (Kakao Pay) → a code older than a minute → EXPIRED_CODE → "ask the
// shopper to refresh".
#[test]
fn s06_expired_code_asks_the_shopper_to_refresh() {
    let mut till = Till::new();
    till.ring_up(&[FLAT_WHITE]);
    let code = shown_code(&mut till, "kim-minjun");
    assert_eq!(code.len(), 24, "an Alipay+ code");
    till.wait_secs(61);
    till.key(Action::PayCode);
    till.type_text(&code);
    till.key(Action::Enter);
    let id = till.request_id();
    till.wait_secs(3);
    assert_eq!(
        till.seen,
        ["Basket", "AwaitingCode", "Sending", "Declined EXPIRED_CODE"]
    );
    assert_eq!(
        advice(&till),
        "Code expired: ask the shopper to refresh and scan again."
    );
    assert_eq!(till.attempt(&id).state, AttemptState::Failed);
    assert_eq!(till.ledger(&id).failure, Some(ResultCode::ExpiredCode));
    assert!(till.sales().is_empty());
    assert_clean(&till);
}

// 7. Reused code after a failure · AlipayCN → the first attempt fails (balance); the cashier
// scans the same code again → INVALID_CODE; a fresh code pays. Every attempt has its own id.
#[test]
fn s07_reused_code_after_a_failure_is_invalid_and_a_fresh_code_pays() {
    let mut till = Till::new();
    till.ring_up(&[FLAT_WHITE]);
    let code = shown_code(&mut till, "li-na");
    till.phone("li-na", PhoneAction::LowBalance);
    till.key(Action::PayCode);
    till.type_text(&code);
    till.key(Action::Enter);
    let first = till.request_id();
    till.wait_secs(3);
    till.key(Action::Enter); // new attempt
    till.type_text(&code);
    till.key(Action::Enter);
    let second = till.request_id();
    till.wait_secs(3);
    assert_eq!(
        advice(&till),
        "Invalid or used code: ask the shopper to refresh and scan again."
    );
    let restored = money("5000.00", Currency::CNY);
    let now = till.rt.now();
    till.rt
        .network_mut()
        .set_balance(&shopper("li-na"), restored, now)
        .expect("balance");
    till.key(Action::Enter);
    till.phone("li-na", PhoneAction::PresentCode);
    let third = till.request_id();
    till.wait_secs(3);
    assert_eq!(
        till.seen,
        [
            "Basket",
            "AwaitingCode",
            "Sending",
            "Declined USER_BALANCE_NOT_ENOUGH",
            "AwaitingCode",
            "Sending",
            "Declined INVALID_CODE",
            "AwaitingCode",
            "Sending",
            "Receipt"
        ]
    );
    let ids = [first.as_str(), second.as_str(), third.as_str()];
    assert_eq!(
        ids,
        ["S0007L03A000001", "S0007L03A000002", "S0007L03A000003"]
    );
    let states: Vec<_> = till.attempts().iter().map(|a| a.state).collect();
    assert_eq!(
        states,
        [
            AttemptState::Failed,
            AttemptState::Failed,
            AttemptState::Paid
        ]
    );
    assert_eq!(till.ledger(&second).failure, Some(ResultCode::InvalidCode));
    assert_eq!(wallet(&only_sale(&till)).payment_request_id, third);
    assert_clean(&till);
}

// 8. Wrong code type · a product barcode scanned on the pay screen is refused by the counter's
// classifier: nothing is sent, and the next scan is read on its own.
#[test]
fn s08_product_barcode_on_the_pay_screen_is_not_a_payment_code() {
    let mut till = Till::new();
    till.ring_up(&[FLAT_WHITE]);
    till.key(Action::PayCode);
    till.type_text(FLAT_WHITE);
    till.key(Action::Enter);
    assert_eq!(till.status(), Some(PayStatus::AwaitingCode));
    let msg = notice(&till);
    assert!(
        msg.contains("Not a payment code") && msg.contains("EAN-13"),
        "{msg}"
    );
    assert!(till.attempts().is_empty(), "nothing journaled");
    assert!(
        till.rt.network().ledger_payments().is_empty(),
        "nothing sent"
    );
    // The shopper's real code, scanned next, pays.
    till.phone("li-na", PhoneAction::PresentCode);
    till.wait_secs(3);
    assert_eq!(till.seen, ["Basket", "AwaitingCode", "Sending", "Receipt"]);
    assert_eq!(till.sales().len(), 1);
    assert_clean(&till);
}

// 9. WeChat Pay HK wallet at a cross-border merchant (code starts 15) → refused at the counter.
#[test]
fn s09_wechat_pay_hk_code_is_not_accepted_here() {
    let mut till = Till::new();
    till.ring_up(&[FLAT_WHITE]);
    till.key(Action::PayCode);
    till.type_text("151234567890123456");
    till.key(Action::Enter);
    assert_eq!(till.status(), Some(PayStatus::AwaitingCode));
    let msg = notice(&till);
    assert!(
        msg.contains("WeChat Pay HK") && msg.contains("not accepted"),
        "{msg}"
    );
    assert!(msg.contains("another wallet or payment method"), "{msg}");
    assert!(till.attempts().is_empty());
    assert!(till.rt.network().ledger_payments().is_empty());
    assert_eq!(till.seen, ["Basket", "AwaitingCode"]);
}

// 10. Risk rejection · AlipayCN → RISK_REJECT.
#[test]
fn s10_risk_flagged_shopper_is_rejected() {
    let mut till = Till::new();
    till.ring_up(&[FLAT_WHITE]);
    till.key(Action::PayCode);
    till.phone("zhao-lei", PhoneAction::PresentCode);
    let id = till.request_id();
    till.wait_secs(3);
    assert_eq!(
        till.seen,
        ["Basket", "AwaitingCode", "Sending", "Declined RISK_REJECT"]
    );
    assert!(advice(&till).contains("risk check"));
    assert_eq!(till.attempt(&id).outcome.as_deref(), Some("RISK_REJECT"));
    assert_eq!(till.ledger(&id).charged, None);
    assert_eq!(till.balance("zhao-lei"), money("8000.00", Currency::CNY));
    assert_clean(&till);
}

// 11. Network timeout, then late success · the pay reply is lost → the counter queries (U),
// then S → paid; the sale is committed once although query and notification both report it.
#[test]
fn s11_lost_pay_reply_then_polls_find_the_payment() {
    let mut till = Till::new();
    till.ring_up(&[FLAT_WHITE]);
    till.rt
        .network_mut()
        .inject_fault(Fault::DropReply(Call::Pay));
    till.key(Action::PayCode);
    till.phone("wang-fang", PhoneAction::PresentCode);
    let id = till.request_id();
    till.wait_secs(2);
    assert_eq!(till.status(), Some(PayStatus::Sending), "no reply yet");
    till.wait_secs(40);
    assert_eq!(
        till.seen,
        [
            "Basket",
            "AwaitingCode",
            "Sending",
            "ShopperConfirming",
            "Receipt"
        ]
    );
    let heard = till.heard(&id);
    assert!(!heard.iter().any(|h| h.starts_with("pay")), "{heard:?}");
    assert_eq!(heard[0], "query S · payment U PAYMENT_IN_PROCESS");
    assert_eq!(till.sales().len(), 1, "one sale, one receipt");
    assert_eq!(till.attempt(&id).state, AttemptState::Paid);
    assert_clean(&till);
}

// 12. Timeout, query says not exist, cancel anyway · the pay never reached the wallet (the
// acquirer did not process it) → queries say ORDER_NOT_EXIST → the deadline cancel closes the
// id for good (a late pay with it is refused) → a new attempt with a new id pays.
#[test]
fn s12_unknown_order_is_cancelled_anyway_and_retried_with_a_new_id() {
    let mut till = Till::new();
    till.ring_up(&[FLAT_WHITE]);
    till.rt
        .network_mut()
        .inject_fault(Fault::Throttle(Call::Pay));
    // More throttles than the counter resends: the pay never reaches the wallet.
    for _ in 0..qrtill::checkout::payment::MAX_RESENDS {
        till.rt
            .network_mut()
            .inject_fault(Fault::Throttle(Call::Pay));
    }
    till.key(Action::PayCode);
    let code = shown_code(&mut till, "li-na");
    till.phone("li-na", PhoneAction::PresentCode);
    let id = till.request_id();
    till.wait_secs(10);
    assert!(
        till.heard(&id)
            .iter()
            .any(|h| h == "query F ORDER_NOT_EXIST"),
        "{:?}",
        till.heard(&id)
    );
    till.wait_secs(55);
    assert!(matches!(
        till.status(),
        Some(PayStatus::Cancelled {
            refunded: false,
            ..
        })
    ));
    assert!(
        till.heard(&id)
            .iter()
            .any(|h| h == "cancel S SUCCESS action=close"),
        "{:?}",
        till.heard(&id)
    );
    assert!(till.ledger_row(&id).is_none(), "the wallet never saw it");
    assert_eq!(till.attempt(&id).state, AttemptState::Failed);
    // A pay arriving late with that id can never be paid.
    let now = till.rt.now();
    let amount = till.attempt(&id).amount;
    let late = till.rt.network_mut().pay(
        PayRequest {
            payment_request_id: id.clone(),
            amount,
            method: PayMethod::PaymentCode { code },
        },
        now,
    );
    assert_eq!(late.body.result.code, ResultCode::OrderIsClosed);
    till.key(Action::Enter);
    till.phone("li-na", PhoneAction::PresentCode);
    let retry = till.request_id();
    till.wait_secs(3);
    assert_ne!(retry, id);
    assert_eq!(till.seen.last().map(String::as_str), Some("Receipt"));
    assert_clean(&till);
}

// 13. Late success after cancel · Alipay+ → the shopper confirms just before the deadline, the
// counter's cancel reaches the wallet first → the success notification arriving after the
// cancel changes nothing: cancelled, the wallet returned the money, no sale.
#[test]
fn s13_success_notice_after_the_cancel_keeps_the_order_cancelled() {
    let mut till = Till::new();
    till.ring_up(&[FLAT_WHITE]);
    till.key(Action::PayCode);
    till.phone("kim-minjun", PhoneAction::PresentCode);
    let id = till.request_id();
    till.wait(Duration::from_millis(59_990));
    till.phone("kim-minjun", PhoneAction::EnterPassword);
    till.wait_secs(5);
    assert_eq!(
        till.seen,
        [
            "Basket",
            "AwaitingCode",
            "Sending",
            "ShopperConfirming",
            "Cancelling",
            "Cancelled refunded"
        ]
    );
    // The cancel's success reached the counter first; the wallet's success notice after it.
    let heard = till.heard(&id);
    let notify = heard.iter().position(|h| h == "notify S SUCCESS");
    let cancel = heard
        .iter()
        .position(|h| h == "cancel S SUCCESS action=refund");
    match (cancel, notify) {
        (Some(c), Some(n)) => assert!(c < n, "the notice came after the cancel: {heard:?}"),
        _ => panic!("both a refunding cancel and a success notice were heard: {heard:?}"),
    }
    assert_eq!(
        heard.iter().filter(|h| h.starts_with("notify")).count(),
        1,
        "{heard:?}"
    );
    assert!(
        till.sales().is_empty(),
        "the cancel decides, not the late success"
    );
    assert_eq!(till.attempt(&id).state, AttemptState::Reversed);
    let row = till.ledger(&id);
    assert_eq!(row.stage, PaymentStage::Reversed);
    assert_eq!(row.returned, row.charged);
    assert_eq!(till.balance("kim-minjun"), money("800000", Currency::KRW));
    assert_clean(&till);
}

// 14. WeChat paid between the last query and the reverse → the reverse refunds it; the counter
// shows "reversed, not charged".
#[test]
fn s14_wechat_paid_between_query_and_reverse_is_refunded_by_the_reverse() {
    let mut till = Till::new();
    till.ring_up(&[FLAT_WHITE]);
    till.key(Action::PayCode);
    till.phone("wu-wei", PhoneAction::PresentCode);
    let id = till.request_id();
    till.wait_secs(12);
    till.key(Action::Back);
    till.wait_secs(1);
    till.phone("wu-wei", PhoneAction::EnterPassword);
    assert_eq!(
        till.ledger(&id).stage,
        PaymentStage::Paid,
        "the wallet took it"
    );
    till.wait_secs(5);
    assert_eq!(
        till.seen,
        [
            "Basket",
            "AwaitingCode",
            "Sending",
            "ShopperConfirming",
            "Cancelling",
            "Cancelled refunded"
        ]
    );
    assert_eq!(till.sent_at(&id, "cancel"), [15_000]);
    assert!(till.sales().is_empty());
    assert_eq!(till.attempt(&id).state, AttemptState::Reversed);
    assert_eq!(till.ledger(&id).stage, PaymentStage::Reversed);
    assert_eq!(till.balance("wu-wei"), money("3000.00", Currency::CNY));
    assert_clean(&till);
}

// 15. Cancel needs retry · Alipay → the cancel is answered "retry" twice, then succeeds.
#[test]
fn s15_cancel_answered_retry_twice_then_closes() {
    let mut till = Till::new();
    till.ring_up(&[FLAT_WHITE]);
    till.key(Action::PayCode);
    till.phone("chen-jie", PhoneAction::PresentCode);
    let id = till.request_id();
    till.wait_secs(5);
    till.rt
        .network_mut()
        .inject_fault(Fault::Throttle(Call::Cancel));
    till.rt
        .network_mut()
        .inject_fault(Fault::Throttle(Call::Cancel));
    till.key(Action::Back);
    till.wait_secs(10);
    assert_eq!(till.sent_at(&id, "cancel"), [5_000, 7_000, 9_000]);
    let cancels: Vec<String> = till
        .heard(&id)
        .into_iter()
        .filter(|h| h.starts_with("cancel"))
        .collect();
    assert_eq!(
        cancels,
        [
            "cancel U UNKNOWN_EXCEPTION",
            "cancel U UNKNOWN_EXCEPTION",
            "cancel S SUCCESS action=close"
        ]
    );
    assert_eq!(
        till.seen,
        [
            "Basket",
            "AwaitingCode",
            "Sending",
            "ShopperConfirming",
            "Cancelling",
            "Cancelled"
        ]
    );
    assert_eq!(till.attempt(&id).state, AttemptState::Failed);
    assert_eq!(till.ledger(&id).stage, PaymentStage::Cancelled);
    assert_clean(&till);
}

// 16. Cancel unresolved → manual · the cancel gets no answer on any try → NEEDS_MANUAL.
#[test]
fn s16_cancel_never_answered_flags_the_sale_for_manual_resolution() {
    let mut till = Till::new();
    till.ring_up(&[FLAT_WHITE]);
    till.key(Action::PayCode);
    till.phone("chen-jie", PhoneAction::PresentCode);
    let id = till.request_id();
    till.wait_secs(5);
    for _ in 0..4 {
        till.rt
            .network_mut()
            .inject_fault(Fault::DropReply(Call::Cancel));
    }
    till.key(Action::Back);
    till.wait_secs(20);
    assert_eq!(
        till.sent_at(&id, "cancel"),
        [5_000, 7_000, 9_000, 11_000],
        "1 + 3 retries"
    );
    assert_eq!(
        till.seen,
        [
            "Basket",
            "AwaitingCode",
            "Sending",
            "ShopperConfirming",
            "Cancelling",
            "NeedsManual"
        ]
    );
    match till.status() {
        Some(PayStatus::NeedsManual { why }) => {
            assert!(why.contains("settle it with the acquirer"))
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(till.attempt(&id).state, AttemptState::NeedsManual);
    let r = till.reconcile();
    assert_eq!(
        r.manual.get(&id),
        Some(&Some(PaymentStage::Cancelled)),
        "the wallet did close it; only the counter never heard"
    );
    assert!(till.sales().is_empty());
}

// 16 (offline). The shopper's phone is offline: no reply ever arrives, polls go unanswered,
// the deadline cancel is retried and the attempt is flagged for manual resolution.
#[test]
fn s16_offline_shopper_gets_no_replies_and_ends_needing_manual() {
    let mut till = Till::new();
    till.ring_up(&[FLAT_WHITE]);
    till.phone("chen-jie", PhoneAction::ToggleOffline);
    till.key(Action::PayCode);
    till.phone("chen-jie", PhoneAction::PresentCode);
    let id = till.request_id();
    till.wait_secs(80);
    assert_eq!(
        till.seen,
        [
            "Basket",
            "AwaitingCode",
            "Sending",
            "Cancelling",
            "NeedsManual"
        ]
    );
    assert!(
        till.heard(&id).is_empty(),
        "nothing came back: {:?}",
        till.heard(&id)
    );
    assert_eq!(till.sent_at(&id, "query").len(), 19);
    assert_eq!(
        till.sent_at(&id, "cancel"),
        [60_000, 62_000, 64_000, 66_000]
    );
    assert_eq!(till.attempt(&id).state, AttemptState::NeedsManual);
    assert_eq!(till.ledger(&id).charged, None);
    assert_eq!(till.balance("chen-jie"), money("2000.00", Currency::CNY));
    let r = till.reconcile();
    assert_eq!(r.manual.len(), 1);
}

// 17. Duplicate scan / double submit → one pay, one charge, one sale.
#[test]
fn s17_duplicate_enter_never_charges_twice() {
    let mut till = Till::new();
    till.ring_up(&[FLAT_WHITE]);
    till.key(Action::PayCode);
    till.phone("wang-fang", PhoneAction::PresentCode);
    let id = till.request_id();
    for _ in 0..3 {
        till.key(Action::Enter);
    }
    let again = till.phone_refused("wang-fang", PhoneAction::PresentCode);
    assert!(again.contains("not waiting for a payment code"), "{again}");
    till.wait_secs(40);
    till.key(Action::Enter); // leaves the receipt for an empty basket
    till.key(Action::PayCode);
    assert_eq!(
        till.seen,
        [
            "Basket",
            "AwaitingCode",
            "Sending",
            "ShopperConfirming",
            "Receipt",
            "Basket"
        ]
    );
    assert_eq!(till.sent(&id).iter().filter(|c| **c == "pay").count(), 1);
    assert_eq!(till.attempts().len(), 1);
    assert_eq!(till.rt.network().ledger_payments().len(), 1);
    let charges = till
        .rt
        .network()
        .balance_moves()
        .iter()
        .filter(|m| m.reference == id && m.kind == qrtill::network::MoveKind::Charge)
        .count();
    assert_eq!(charges, 1);
    assert_clean(&till);
}

/// A paid sale by li-na whose code is known, for the idempotency scenarios.
fn paid_by_li_na(till: &mut Till) -> (String, String) {
    till.ring_up(&[FLAT_WHITE]);
    till.key(Action::PayCode);
    let code = shown_code(till, "li-na");
    till.phone("li-na", PhoneAction::PresentCode);
    let id = till.request_id();
    till.wait_secs(3);
    assert_eq!(till.sales().len(), 1);
    (id, code)
}

/// Counter A sells a flat white to li-na by payment code; then a replacement counter on the same
/// lane starts with a fresh journal (so its first request id is A's again) on the same network.
/// Returns the replacement, the request id, li-na's code and A's sale.
fn replacement_lane_after_li_na_paid(
    ledger: &std::path::Path,
) -> (Till, String, String, CompletedSale) {
    let network = || {
        network_on(
            LedgerStore::open(ledger).expect("ledger"),
            FxTable::embedded().expect("fx"),
        )
    };
    let mut a = Till::on(runtime_on(
        Journal::in_memory().expect("journal"),
        network(),
        qrtill::harness::DEMO_START,
    ));
    let (id, code) = paid_by_li_na(&mut a);
    let sale = only_sale(&a);
    drop(a);
    let b = Till::on(runtime_on(
        Journal::in_memory().expect("journal"),
        network(),
        Timestamp(qrtill::harness::DEMO_START.millis() + 60_000),
    ));
    (b, id, code, sale)
}

/// Charge moves on the shopper's balance for payment `id`.
fn charges(till: &Till, id: &str) -> usize {
    till.rt
        .network()
        .balance_moves()
        .iter()
        .filter(|m| m.reference == id && m.kind == qrtill::network::MoveKind::Charge)
        .count()
}

// 18. Same id, different amount → REPEAT_REQ_INCONSISTENT · a replacement counter on the lane
// reuses the request id of a paid sale for another basket, and the cashier scans the shopper's
// old code: the counter declines with the wallet's advice, and nothing moves.
#[test]
fn s18_same_request_id_with_another_amount_is_inconsistent() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (mut b, id, code, _) = replacement_lane_after_li_na_paid(&dir.path().join("ledger.sqlite"));
    let balance = b.balance("li-na");
    b.ring_up(&[LATTE]);
    b.key(Action::PayCode);
    b.type_text(&code);
    b.key(Action::Enter);
    assert_eq!(b.request_id(), id, "the fresh journal reuses the id");
    b.wait_secs(3);
    assert_eq!(
        b.seen,
        [
            "Basket",
            "AwaitingCode",
            "Sending",
            "Declined REPEAT_REQ_INCONSISTENT"
        ]
    );
    assert_eq!(
        advice(&b),
        "Same request id with different details: start a new attempt."
    );
    assert!(b.sales().is_empty(), "no sale on the replacement counter");
    assert_eq!(b.attempt(&id).state, AttemptState::Failed);
    assert_eq!(b.balance("li-na"), balance, "nothing moves");
    assert_eq!(
        charges(&b, &id),
        1,
        "still the one charge of the first sale"
    );
    let row = b.ledger(&id);
    assert_eq!(
        row.amount.with_code(),
        "USD 4.89",
        "the paid order is untouched"
    );
    assert_eq!(row.stage, PaymentStage::Paid);
}

// 19. Re-paying a paid order id · the replacement counter sends the paid request again (same
// id, same amount, the same code): the wallet answers with the same success, and the counter
// treats it as paid, with the first payment's transaction and no new charge.
#[test]
fn s19_repeating_a_paid_request_returns_the_same_success() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (mut b, id, code, first) =
        replacement_lane_after_li_na_paid(&dir.path().join("ledger.sqlite"));
    let balance = b.balance("li-na");
    b.ring_up(&[FLAT_WHITE]);
    b.key(Action::PayCode);
    b.type_text(&code);
    b.key(Action::Enter);
    assert_eq!(b.request_id(), id, "the fresh journal reuses the id");
    b.wait_secs(3);
    assert_eq!(b.seen, ["Basket", "AwaitingCode", "Sending", "Receipt"]);
    let again = only_sale(&b);
    let (w1, w2) = (wallet(&first), wallet(&again));
    assert_eq!(w2.payment_request_id, id);
    assert_eq!(
        w2.wallet_txn_id, w1.wallet_txn_id,
        "the same wallet transaction"
    );
    assert_eq!(w2.wallet_amount, w1.wallet_amount);
    assert_eq!(again.total.with_code(), "USD 4.89");
    assert_eq!(b.sent(&id), ["pay"], "one pay, no query or cancel");
    assert_eq!(b.balance("li-na"), balance, "no new charge");
    assert_eq!(charges(&b, &id), 1);
    assert_eq!(b.attempt(&id).state, AttemptState::Paid);
}

// 23. Cancel after cut-off · a Kakao Pay sale just before midnight UTC+8; the counter stops
// before hearing the result and restarts after 00:15; the query reply is lost, so recovery
// cancels, and the wallet refuses (CANCEL_WINDOW_EXCEED): flagged for a refund by a person.
#[test]
fn s23_cancel_after_the_cut_off_is_refused_and_flagged() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (jp, lp) = (
        dir.path().join("journal.sqlite"),
        dir.path().join("ledger.sqlite"),
    );
    // 23:59:30 UTC+8 on the demo day.
    let day = 86_400_000;
    let local = qrtill::harness::DEMO_START.millis() + 8 * 3_600_000;
    let start = Timestamp((local / day + 1) * day - 30_000 - 8 * 3_600_000);
    let id = {
        let rt = runtime_on(
            Journal::open(&jp).expect("journal"),
            network_on(
                LedgerStore::open(&lp).expect("ledger"),
                FxTable::embedded().expect("fx"),
            ),
            start,
        );
        let mut till = Till::on(rt);
        till.ring_up(&[FLAT_WHITE]);
        till.key(Action::PayCode);
        till.phone("kim-minjun", PhoneAction::PresentCode);
        till.wait_secs(10);
        till.phone("kim-minjun", PhoneAction::EnterPassword);
        till.request_id()
        // The counter stops here, before the notification arrives.
    };
    let restart = Timestamp(start.millis() + 30_000 + 20 * 60_000); // 00:20 UTC+8
    let mut rt = reopen(&jp, &lp, restart);
    rt.network_mut().inject_fault(Fault::DropReply(Call::Query));
    let report = rt.recover();
    match report.as_slice() {
        [qrtill::runtime::Recovered::Manual { request_id, why }] => {
            assert_eq!(request_id, &id);
            assert!(why.contains("CANCEL_WINDOW_EXCEED"), "{why}");
        }
        other => panic!("{other:?}"),
    }
    let r = reconcile(&rt);
    assert_eq!(
        r.manual.get(&id),
        Some(&Some(PaymentStage::Paid)),
        "money held, no sale"
    );
    assert_eq!(r.sales, 0);
    // The journal: no sale, the attempt flagged with the wallet's refusal.
    assert!(sales(rt.journal()).is_empty(), "no sale was committed");
    let attempt = rt
        .journal()
        .attempt(&id)
        .expect("journal readable")
        .expect("the attempt");
    assert_eq!(attempt.state, AttemptState::NeedsManual);
    assert!(
        attempt
            .outcome
            .as_deref()
            .is_some_and(|o| o.contains("CANCEL_WINDOW_EXCEED")),
        "{:?}",
        attempt.outcome
    );
    // The network: still paid, the shopper charged once and nothing returned, so a person must
    // refund it (the counter has no refund screen).
    let row = rt
        .network()
        .ledger_payments()
        .into_iter()
        .find(|p| p.payment_request_id == id)
        .expect("ledger row");
    assert_eq!(row.stage, PaymentStage::Paid);
    assert_eq!(row.amount, attempt.amount);
    let charged = row.charged.expect("the shopper was charged");
    assert_eq!(charged.currency(), Currency::KRW);
    assert!(
        row.returned.is_none_or(|m| m.is_zero()),
        "{:?}",
        row.returned
    );
    let opening = money("800000", Currency::KRW);
    let balance = rt
        .network()
        .balance(&shopper("kim-minjun"))
        .expect("balance");
    assert_eq!(balance.amount(), opening.amount() - charged.amount());
    drop(rt);
    // The receipt: the attempt's slip must not tell the shopper "not charged".
    std::fs::rename(&lp, dir.path().join("network.sqlite")).expect("rename ledger");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_qrtill"))
        .env_remove("QRTILL_DATA")
        .arg("--data")
        .arg(dir.path())
        .args(["receipt", &id])
        .output()
        .expect("qrtill runs");
    let (slip, why) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert_eq!(out.status.code(), Some(1), "{slip}{why}");
    assert!(!slip.contains("NOT PAID"), "{slip}");
    assert!(
        why.contains(&id) && why.contains("CANCEL_WINDOW_EXCEED") && why.contains("acquirer"),
        "{why}"
    );
}

// 24. FX moves after the indicative quote · the pay screen's indicative figure comes from the
// reference table (USD/CNY mid 7.1853, ≈ 7.22 with the spread); the wallet books at its own,
// moved rate (mid 7.19 here). The sale and the receipt carry the wallet's rate and amount,
// never the indicative ones.
#[test]
fn s24_the_sale_carries_the_rate_the_wallet_booked() {
    let moved = DEFAULT_FX_TOML.replace("mid = \"7.1853\"", "mid = \"7.19\"");
    assert_ne!(moved, DEFAULT_FX_TOML);
    let reference = network_on(
        LedgerStore::in_memory().expect("ledger"),
        FxTable::embedded().expect("fx"),
    );
    let fx = FxTable::parse(&moved, "moved fx").expect("fx");
    let mut till = Till::with_fx(fx);
    till.ring_up(&[FLAT_WHITE, LATTE]);
    // What the counter shows before the wallet answers: 7.1853 + 50 bps = 7.2212265;
    // 10.05 x 7.2212265 = 72.573 -> CNY 72.57.
    let (quote, shown) = reference
        .indicative(
            money("10.05", Currency::USD),
            &qrtill::network::WalletId("alipay-cn".into()),
            till.rt.now(),
        )
        .expect("an indicative quote");
    assert_eq!(quote.rate, dec("7.2212265"));
    assert_eq!(shown.with_code(), "CNY 72.57");
    till.key(Action::PayCode);
    till.phone("li-na", PhoneAction::PresentCode);
    till.wait_secs(3);
    let sale = only_sale(&till);
    let w = wallet(&sale);
    // Booked: 7.19 + 50 bps = 7.22595; 10.05 x 7.22595 = 72.6208 -> CNY 72.62.
    assert_eq!(w.rate, Some(dec("7.22595")));
    assert_eq!(
        w.wallet_amount.map(|m| m.with_code()).as_deref(),
        Some("CNY 72.62")
    );
    let lines = receipt_lines(&sale);
    for want in [
        "Customer paid 实付 CNY 72.62",
        "Rate 汇率 1 USD = 7.22595 CNY",
    ] {
        assert!(lines.iter().any(|l| l == want), "{want:?} in {lines:#?}");
    }
    let text = lines.join("\n");
    assert!(
        !text.contains("72.57") && !text.contains("7.2212265"),
        "nothing indicative on the receipt: {text}"
    );
    assert_clean(&till);
}

// 25. Zero-decimal currency · Kakao Pay debits KRW with no decimals, and the receipt prints
// no ".00" on the KRW amount.
#[test]
fn s25_krw_has_no_decimals_on_the_tender_or_the_receipt() {
    let mut till = Till::new();
    till.ring_up(&[FLAT_WHITE, LATTE]);
    till.key(Action::PayCode);
    till.phone("kim-minjun", PhoneAction::PresentCode);
    till.wait_secs(5);
    till.phone("kim-minjun", PhoneAction::EnterPassword);
    till.wait_secs(5);
    let sale = only_sale(&till);
    let krw = wallet(&sale).wallet_amount.expect("KRW");
    assert_eq!(krw.amount().scale(), 0);
    // 10.05 x (1368.40 + 50 bps) = 13821.18 -> KRW 13821.
    assert_eq!(krw.with_code(), "KRW 13821");
    let lines = receipt_lines(&sale);
    let krw_lines: Vec<&str> = lines
        .iter()
        .filter(|l| l.contains("KRW"))
        .map(String::as_str)
        .collect();
    assert_eq!(
        krw_lines,
        [
            "Customer paid 결제금액 KRW 13821",
            "Rate 환율 1 USD = 1375.242 KRW"
        ],
        "the KRW amount has no decimals"
    );
    assert_clean(&till);
}

// 26. IDR rounding · DANA rounds to whole rupiah with banker's rounding: USD 10.32 x 16331.25 =
// 168538.5 -> IDR 168538 (half-even; half-up would give 168539).
#[test]
fn s26_idr_rounds_half_even_to_whole_rupiah() {
    let mut till = Till::new();
    till.ring_up(&[LATTE, LATTE]);
    till.key(Action::PayCode);
    till.phone("putri", PhoneAction::PresentCode);
    till.wait_secs(3);
    let sale = only_sale(&till);
    let w = wallet(&sale);
    assert_eq!(w.amount.with_code(), "USD 10.32");
    assert_eq!(w.rate, Some(dec("16331.25")));
    let idr = w.wallet_amount.expect("IDR");
    assert_eq!(
        (idr.currency(), idr.amount()),
        (Currency::IDR, dec("168538"))
    );
    assert_eq!(
        idr.to_minor() % 100,
        0,
        "whole rupiah: minor units end in 00"
    );
    assert_clean(&till);
}

// 27. Wallet-funded promo · AlipayHK voucher HKD 1 off → the shopper pays HKD 1 less, the
// merchant is settled in full, and the promotion shows on the sale and the receipt.
#[test]
fn s27_wallet_funded_voucher_leaves_the_merchant_settlement_whole() {
    let mut till = Till::new();
    till.ring_up(&[FLAT_WHITE, LATTE]);
    till.key(Action::PayCode);
    till.phone("chan-tai-man", PhoneAction::PresentCode);
    let id = till.request_id();
    till.wait_secs(3);
    let sale = only_sale(&till);
    let w = wallet(&sale);
    assert_eq!(w.brand, "AlipayHK");
    // 7.8125 + 50 bps = 7.8515625; 10.05 x 7.8515625 = 78.908 -> HKD 78.91, less 1.00.
    assert_eq!(
        w.wallet_amount.map(|m| m.with_code()).as_deref(),
        Some("HKD 77.91")
    );
    let promo = w.promotion.as_ref().expect("promotion on the tender");
    assert_eq!(promo.funded_by, qrtill::network::FundedBy::Wallet);
    assert_eq!(promo.amount.with_code(), "HKD 1.00");
    assert_eq!(w.settlement, Some(w.amount), "merchant settled in full");
    assert_eq!(till.ledger(&id).merchant_net.with_code(), "USD 10.05");
    // The merchant's total stays whole; the voucher is its own line, named and marked
    // wallet-funded, between the amount and what the shopper paid.
    let lines = receipt_lines(&sale);
    assert!(
        lines.iter().any(|l| l == "TOTAL 合計 USD 10.05"),
        "{lines:#?}"
    );
    let from = lines
        .iter()
        .position(|l| l == "Amount 金額 USD 10.05")
        .unwrap_or_else(|| panic!("no amount line: {lines:#?}"));
    assert_eq!(
        lines[from + 1..from + 6],
        [
            "Wallet discount 錢包優惠 HKD -1.00",
            "HKD 1 off every HKD 10 (demo voucher)",
            "(wallet-funded) (錢包承擔)",
            "Customer paid 實付 HKD 77.91",
            "Rate 匯率 1 USD = 7.8515625 HKD",
        ],
        "{lines:#?}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l == "Merchant receives 商戶實收 USD 10.05"),
        "{lines:#?}"
    );
    assert_clean(&till);
}

// 28. Merchant-funded WeChat discount · CNY 5 off CNY 100 → the settlement is reduced by the
// discount priced back at the payment's rate.
#[test]
fn s28_merchant_funded_wechat_discount_reduces_the_settlement() {
    let mut till = Till::new();
    till.ring_up(&[FLAT_WHITE, FLAT_WHITE, FLAT_WHITE]); // 13.50 + tax = USD 14.66
    till.key(Action::PayCode);
    till.phone("liu-yang", PhoneAction::PresentCode);
    let id = till.request_id();
    till.wait_secs(3);
    let sale = only_sale(&till);
    let w = wallet(&sale);
    assert_eq!(w.brand, "WeChat Pay");
    assert_eq!(w.amount.with_code(), "USD 14.66");
    // 14.66 x 7.2212265 = 105.86 gross; CNY 5 off -> 100.86 charged.
    assert_eq!(
        w.wallet_amount.map(|m| m.with_code()).as_deref(),
        Some("CNY 100.86")
    );
    let promo = w.promotion.as_ref().expect("promotion");
    assert_eq!(promo.funded_by, qrtill::network::FundedBy::Merchant);
    assert_eq!(promo.amount.with_code(), "CNY 5.00");
    // CNY 5 / 7.2212265 = USD 0.6924 -> 0.69 (half-up): settled 13.97.
    assert_eq!(
        w.settlement.map(|m| m.with_code()).as_deref(),
        Some("USD 13.97")
    );
    assert_eq!(till.ledger(&id).merchant_net.with_code(), "USD 13.97");
    assert_clean(&till);
}

// 29. Merchant-presented QR, the shopper scans late · li-na's Alipay scans the counter's QR at
// 40 s → waiting for scan, then confirming, then paid.
#[test]
fn s29_alipay_shopper_scans_the_counter_qr_late_and_pays() {
    let mut till = Till::new();
    till.ring_up(&[FLAT_WHITE, LATTE]);
    till.key(Action::PayWalletQr);
    let id = till.request_id();
    let payload = match &till.rt.checkout.screen {
        qrtill::checkout::Screen::Pay(p) => p.attempt.as_ref().and_then(|a| a.qr_payload.clone()),
        _ => None,
    }
    .expect("a QR on screen");
    // The bill number (62/01) is the lane and the attempt's number, short enough for 80x24.
    let bill = qrtill::emv::mpm::decode(&payload)
        .expect("the QR decodes")
        .sub(62, 1)
        .expect("a bill number")
        .to_string();
    assert!(
        bill.starts_with("03") && id.ends_with(&bill[2..]),
        "{bill} vs {id}"
    );
    till.wait_secs(40);
    assert_eq!(till.status(), Some(PayStatus::WaitingForScan));
    assert_eq!(till.ledger(&id).stage, PaymentStage::AwaitingScan);
    till.phone("li-na", PhoneAction::ScanCounterQr);
    till.wait_secs(40);
    assert_eq!(
        till.seen,
        [
            "Basket",
            "Sending",
            "WaitingForScan",
            "ShopperConfirming",
            "Receipt"
        ]
    );
    let sale = only_sale(&till);
    let w = wallet(&sale);
    assert_eq!((w.brand.as_str(), w.mode.as_str()), ("Alipay", "wallet_qr"));
    assert_eq!(
        w.wallet_amount.map(|m| m.with_code()).as_deref(),
        Some("CNY 72.57")
    );
    assert_eq!(till.attempt(&id).state, AttemptState::Paid);
    assert_clean(&till);
}

// 30. Order code expires · nobody scans within the QR's life → the counter cancels the order;
// a late scan is told the order is closed.
#[test]
fn s30_qr_expires_and_a_late_scan_gets_order_is_closed() {
    let mut till = Till::new();
    till.ring_up(&[FLAT_WHITE]);
    till.key(Action::PayWalletQr);
    let id = till.request_id();
    till.wait_secs(125);
    assert_eq!(
        till.seen,
        [
            "Basket",
            "Sending",
            "WaitingForScan",
            "Cancelling",
            "Cancelled"
        ]
    );
    assert_eq!(till.sent_at(&id, "cancel"), [120_000]);
    match till.status() {
        Some(PayStatus::Cancelled { refunded, why }) => {
            assert!(!refunded);
            assert_eq!(why, "the QR code expired");
        }
        other => panic!("{other:?}"),
    }
    let refused = till.phone_refused("li-na", PhoneAction::ScanCounterQr);
    assert!(refused.starts_with("ORDER_IS_CLOSED"), "{refused}");
    match till.rt.phone_screen(&shopper("li-na")) {
        Some(PhoneScreen::Declined { code, .. }) => assert_eq!(code, ResultCode::OrderIsClosed),
        other => panic!("{other:?}"),
    }
    assert_eq!(till.attempt(&id).state, AttemptState::Failed);
    assert_eq!(till.ledger(&id).charged, None);
    assert_eq!(till.balance("li-na"), money("5000.00", Currency::CNY));
    assert_clean(&till);
}

// 32. Alipay Tap! · the phone taps the reader, the shopper confirms on the phone, paid in ~2 s.
#[test]
fn s32_alipay_tap_confirmed_on_the_phone_pays_in_seconds() {
    let mut till = Till::new();
    till.ring_up(&[FLAT_WHITE]);
    till.key(Action::PayTap);
    assert_eq!(till.status(), Some(PayStatus::AwaitingTap));
    till.phone("li-na", PhoneAction::Tap);
    let id = till.request_id();
    let paid_at = till.wait_until("Receipt", Duration::from_secs(5));
    assert!(paid_at <= 3_000, "paid in {paid_at} ms");
    assert_eq!(&till.seen[..3], ["Basket", "AwaitingTap", "Sending"]);
    assert_eq!(till.seen.last().map(String::as_str), Some("Receipt"));
    let sale = only_sale(&till);
    assert_eq!(wallet(&sale).mode.as_str(), "tap");
    assert_eq!(till.ledger(&id).stage, PaymentStage::Paid);
    assert_eq!(till.attempt(&id).mode.as_str(), "tap");
    assert_clean(&till);
}

// 33. Alipay+ NFC on the card terminal · a Mastercard contactless approval; the receipt shows
// the masked PAN and the AID, and does not name the wallet.
#[test]
fn s33_alipay_plus_nfc_is_a_mastercard_tap_on_the_receipt() {
    let mut till = Till::new();
    till.ring_up(&[FLAT_WHITE]);
    till.key(Action::PayCard);
    assert_eq!(TEST_CARDS[2].pan, "5200828282828210");
    till.key(Action::Char('3'));
    let id = till.request_id();
    till.wait_secs(3);
    assert_eq!(till.seen, ["Basket", "AwaitingCard", "Sending", "Receipt"]);
    let sale = only_sale(&till);
    let SaleTender::Card(card) = &sale.tender else {
        panic!("card tender: {:?}", sale.tender);
    };
    assert_eq!(card.brand, "Mastercard");
    assert_eq!(card.masked_pan, "************8210");
    assert_eq!(card.aid, "A0000000041010");
    assert_eq!(card.auth_code.len(), 6);
    let text = receipt_text(&sale);
    assert!(
        text.contains("A0000000041010") && text.contains("8210"),
        "{text}"
    );
    assert!(
        !text.contains("Kakao") && !text.contains("Alipay"),
        "{text}"
    );
    assert_eq!(till.attempt(&id).state, AttemptState::Paid);
    assert_clean(&till);
}

// 33 (declines). Test cards decline with named reasons and ISO response codes; Enter starts a
// new attempt.
#[test]
fn s33_card_declines_name_their_reasons() {
    let mut till = Till::new();
    till.ring_up(&[FLAT_WHITE]);
    till.key(Action::PayCard);
    let mut seen_codes = Vec::new();
    for key in ['7', '8', '9'] {
        till.key(Action::Char(key));
        till.wait_secs(3);
        match till.status() {
            Some(PayStatus::Declined { code, advice }) => {
                assert!(!advice.is_empty());
                seen_codes.push(code.to_string());
            }
            other => panic!("{other:?}"),
        }
        till.key(Action::Enter);
        assert_eq!(till.status(), Some(PayStatus::AwaitingCard));
    }
    assert_eq!(
        seen_codes,
        [
            "DO_NOT_HONOR (05)",
            "INSUFFICIENT_FUNDS (51)",
            "EXPIRED_CARD (54)"
        ]
    );
    let outcomes: Vec<_> = till
        .attempts()
        .into_iter()
        .map(|a| (a.state, a.outcome.unwrap_or_default()))
        .collect();
    assert_eq!(
        outcomes,
        [
            (AttemptState::Failed, "DO_NOT_HONOR".to_string()),
            (AttemptState::Failed, "INSUFFICIENT_FUNDS".to_string()),
            (AttemptState::Failed, "EXPIRED_CARD".to_string())
        ]
    );
    till.key(Action::Char('1'));
    till.wait_secs(3);
    assert_eq!(till.seen.last().map(String::as_str), Some("Receipt"));
    assert_clean(&till);
}

// 34. Transaction limit · Touch 'n Go over MYR 20,000 → USER_AMOUNT_EXCEED_LIMIT.
#[test]
fn s34_touch_n_go_over_the_limit_is_declined() {
    let mut till = Till::new();
    till.ring_up(&[FLAT_WHITE]);
    till.key(Action::SetQty);
    till.type_text("999");
    till.key(Action::Enter);
    assert_eq!(till.rt.checkout.totals().total.with_code(), "USD 4883.24");
    till.reset_seen();
    till.key(Action::PayCode);
    till.phone("tan-meiling", PhoneAction::PresentCode);
    let id = till.request_id();
    till.wait_secs(3);
    assert_eq!(
        till.seen,
        [
            "Basket",
            "AwaitingCode",
            "Sending",
            "Declined USER_AMOUNT_EXCEED_LIMIT"
        ]
    );
    assert!(advice(&till).contains("limit"));
    assert_eq!(till.ledger(&id).charged, None);
    assert_eq!(
        till.balance("tan-meiling"),
        money("30000.00", Currency::MYR)
    );
    assert_clean(&till);
}

// 35. Throttling · REQUEST_TRAFFIC_EXCEED_LIMIT on the inquiries → the counter keeps asking at
// its interval and gets the result.
#[test]
fn s35_throttled_queries_are_retried_until_paid() {
    let mut till = Till::new();
    till.ring_up(&[FLAT_WHITE]);
    till.rt
        .network_mut()
        .inject_fault(Fault::Throttle(Call::Query));
    till.rt
        .network_mut()
        .inject_fault(Fault::Throttle(Call::Query));
    till.key(Action::PayCode);
    till.phone("wang-fang", PhoneAction::PresentCode);
    let id = till.request_id();
    till.wait_secs(40);
    let heard = till.heard(&id);
    assert_eq!(
        heard
            .iter()
            .filter(|h| *h == "query U REQUEST_TRAFFIC_EXCEED_LIMIT")
            .count(),
        2,
        "{heard:?}"
    );
    let queries = till.sent_at(&id, "query");
    assert_eq!(&queries[..2], [3_000, 6_000]);
    assert_eq!(till.seen.last().map(String::as_str), Some("Receipt"));
    assert_eq!(till.sales().len(), 1);
    assert_clean(&till);
}

// 35 (pay). Known gap, not fixed here: a pay answered REQUEST_TRAFFIC_EXCEED_LIMIT (U, not
// processed) is never resent. The counter polls (ORDER_NOT_EXIST) until its 60 s deadline and
// cancels, so the shopper waits a minute for nothing (s12 shows that path is at least safe).
#[test]
fn s35_throttled_pay_is_resent_with_the_same_request_id() {
    let mut till = Till::new();
    till.ring_up(&[FLAT_WHITE]);
    till.rt
        .network_mut()
        .inject_fault(Fault::Throttle(Call::Pay));
    till.key(Action::PayCode);
    till.phone("li-na", PhoneAction::PresentCode);
    let id = till.request_id();
    till.wait_secs(10);
    assert_eq!(till.sent(&id).iter().filter(|c| **c == "pay").count(), 2);
    assert_eq!(till.seen.last().map(String::as_str), Some("Receipt"));
}

// 31. Static entry code · the shopper types the amount on the merchant page; the POS receives
// only a notify → the cashier's counter matches it by amount and time.
fn static_code_payload(till: &Till) -> String {
    match &till.rt.checkout.screen {
        qrtill::checkout::Screen::Static(s) => s.payload.clone(),
        other => panic!("no static code on screen: {other:?}"),
    }
}

#[test]
fn s31_static_entry_code_shopper_types_amount_and_counter_matches_the_notify() {
    let mut till = Till::new();
    till.ring_up(&[FLAT_WHITE, LATTE]); // USD 10.05
    till.key(Action::PayStatic);
    let payload = static_code_payload(&till);
    let qr = qrtill::emv::mpm::decode(&payload).expect("the static code decodes");
    assert_eq!(qr.text(1), Some("11"), "point of initiation: static");
    assert_eq!(qr.text(54), None, "no amount in a static code");
    assert_eq!(qr.text(53), Some("840"));
    // The counter sends nothing: no attempt, no order at the network.
    assert!(till.attempts().is_empty());
    assert!(till.rt.network().ledger_payments().is_empty());

    till.phone("li-na", PhoneAction::ScanCounterQr); // types the USD 10.05 the cashier says
    till.wait_until("Receipt", Duration::from_secs(60));
    assert_eq!(till.seen.len(), 3, "{:?}", till.seen);
    assert!(till.seen[1].starts_with("Static"), "{:?}", till.seen);
    assert_eq!(till.seen[2], "Receipt");

    let sale = only_sale(&till);
    let w = wallet(&sale);
    let id = w.payment_request_id.clone();
    assert!(id.starts_with("ENTRY-"), "the acquirer's own id: {id}");
    assert_eq!(
        (w.brand.as_str(), w.mode.as_str()),
        ("Alipay", "static_code")
    );
    assert_eq!(w.amount.with_code(), "USD 10.05");
    // 10.05 x 7.2212265 = 72.5733... -> CNY 72.57, as the wallet reported it.
    assert_eq!(w.rate, Some(dec("7.2212265")));
    assert_eq!(
        w.wallet_amount.map(|m| m.with_code()).as_deref(),
        Some("CNY 72.57")
    );
    // Committed as a paid attempt with the notification's payment id before PAID showed.
    assert_eq!(till.attempt(&id).state, AttemptState::Paid);
    assert_eq!(till.attempt(&id).mode.as_str(), "static_code");
    let row = till.ledger(&id);
    assert_eq!(row.stage, PaymentStage::Paid);
    assert_eq!(w.wallet_txn_id, row.payment_id);
    assert_eq!(till.balance("li-na"), money("4927.43", Currency::CNY));
    let text = receipt_text(&sale);
    let lines: Vec<&str> = text.lines().map(str::trim_end).collect();
    for want in STATIC_RECEIPT_LINES {
        assert!(lines.contains(want), "missing {want:?} in\n{text}");
    }
    let txn = format!("Wallet txn 交易号   {}", row.payment_id);
    assert!(lines.contains(&txn.as_str()), "missing {txn:?} in\n{text}");
    let r = qrtill::reconcile::reconcile(till.rt.journal(), till.rt.network().ledger())
        .expect("reconcile");
    assert_eq!(
        (r.matched, r.problems.len(), r.unmatched.len()),
        (1, 0, 0),
        "{}",
        r.report()
    );
    assert_clean(&till);
}

/// The wallet lines of the static-code sale's receipt (48 columns), worked out by hand.
const STATIC_RECEIPT_LINES: &[&str] = &[
    "TOTAL 合计                             USD 10.05",
    "Wallet 钱包                               Alipay",
    "Account 付款账户                     159****5620",
    "Amount 金额                            USD 10.05",
    "Customer paid 实付                     CNY 72.57",
    "Rate 汇率                  1 USD = 7.2212265 CNY",
    "Merchant receives 商户实收             USD 10.05",
    "Status 状态                    APPROVED 支付成功",
];

#[test]
fn s31_a_notify_with_another_amount_is_kept_as_unmatched_not_sold() {
    let mut till = Till::new();
    till.ring_up(&[FLAT_WHITE, LATTE]); // USD 10.05
    till.key(Action::PayStatic);
    let typed = money("5.00", Currency::USD);
    till.rt
        .pay_static_code(&shopper("li-na"), typed)
        .expect("the phone takes the typed amount");
    till.wait_secs(40);
    assert!(till.sales().is_empty(), "no sale for the wrong amount");
    assert!(
        matches!(till.rt.checkout.screen, qrtill::checkout::Screen::Static(_)),
        "still waiting: {:?}",
        till.seen
    );
    let said = notice(&till);
    assert!(
        said.contains("received USD 5.00 from Alipay, expected USD 10.05"),
        "{said}"
    );
    assert!(
        said.contains("unmatched") && said.contains("refund"),
        "{said}"
    );
    let attempts = till.attempts();
    assert_eq!(attempts.len(), 1);
    let a = &attempts[0];
    assert_eq!(a.state, AttemptState::Unmatched);
    assert_eq!(a.amount.with_code(), "USD 5.00");
    assert_eq!(till.ledger(&a.request_id).stage, PaymentStage::Paid);
    // reconcile lists it as unmatched, not as a missing sale.
    let r = qrtill::reconcile::reconcile(till.rt.journal(), till.rt.network().ledger())
        .expect("reconcile");
    assert!(r.problems.is_empty(), "{}", r.report());
    assert_eq!(r.unmatched.len(), 1, "{}", r.report());
    assert!(
        r.report().contains(&format!("unmatched: {}", a.request_id)),
        "{}",
        r.report()
    );
    assert_eq!(
        till.reconcile().unmatched.as_slice(),
        std::slice::from_ref(&a.request_id)
    );

    // The shopper pays the right amount: that one is the sale.
    till.phone("li-na", PhoneAction::ScanCounterQr);
    till.wait_until("Receipt", Duration::from_secs(60));
    let sale = only_sale(&till);
    assert_eq!(wallet(&sale).amount.with_code(), "USD 10.05");
    assert_ne!(wallet(&sale).payment_request_id, a.request_id);
}

#[test]
fn s31_a_notify_after_esc_left_the_static_screen_is_journaled_unmatched() {
    let mut till = Till::new();
    till.ring_up(&[FLAT_WHITE]);
    till.key(Action::PayStatic);
    let total = match &till.rt.checkout.screen {
        qrtill::checkout::Screen::Static(s) => s.expected,
        other => panic!("{other:?}"),
    };
    till.rt
        .pay_static_code(&shopper("li-na"), total)
        .expect("typed");
    till.key(Action::Back); // before the shopper confirmed
    assert_eq!(till.seen.last().map(String::as_str), Some("Basket"));
    till.wait_secs(40);
    assert!(till.sales().is_empty());
    let attempts = till.attempts();
    assert_eq!(attempts.len(), 1, "never lost");
    assert_eq!(attempts[0].state, AttemptState::Unmatched);
    assert!(
        notice(&till).contains("no static code open"),
        "{}",
        notice(&till)
    );
    assert_eq!(till.reconcile().unmatched.len(), 1);
}
