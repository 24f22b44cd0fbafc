//! Unit tests of the acquirer and wallet rules; the §10 scenarios live in tests/network_*.rs.

use super::*;
use crate::money::Currency;
use crate::money::fx::FxTable;

const T0: Timestamp = Timestamp(1_778_760_000_000); // 2026-05-14 20:00 UTC+8

fn net() -> Network {
    Network::open(
        LedgerStore::in_memory().expect("ledger"),
        WalletBook::embedded().expect("book"),
        FxTable::embedded().expect("fx"),
        7,
    )
    .expect("network opens")
}

fn usd(minor: i64) -> Money {
    Money::from_minor(minor, Currency::USD).expect("usd")
}

fn at(ms: i64) -> Timestamp {
    Timestamp(T0.millis() + ms)
}

fn pay_code(n: &mut Network, id: &str, code: &str, amount: Money, now: Timestamp) -> PayResponse {
    n.pay(
        PayRequest {
            payment_request_id: id.into(),
            amount,
            method: PayMethod::PaymentCode { code: code.into() },
        },
        now,
    )
    .body
}

#[test]
fn payment_code_without_password_is_paid_at_once_and_names_the_wallet() {
    let mut n = net();
    let li = ShopperId::new("li-na");
    let code = n.issue_payment_code(&li, T0).unwrap();
    assert!(code.starts_with("25") && code.len() == 18, "{code}");
    let d = n.pay(
        PayRequest {
            payment_request_id: "A1".into(),
            amount: usd(1234),
            method: PayMethod::PaymentCode { code },
        },
        T0,
    );
    let at = d.deliver_at.expect("reply arrives");
    assert!(at.millis() - T0.millis() >= 300 && at.millis() - T0.millis() <= 1500);
    let r = d.body;
    assert_eq!(r.result.status, ResultStatus::Success);
    let p = r.payment.unwrap();
    assert_eq!(p.wallet.unwrap().brand_name, "Alipay");
    assert_eq!(p.customer_id.as_deref(), Some("159****5620"));
    assert_eq!(p.wallet_amount.unwrap().with_code(), "CNY 89.11");
    assert_eq!(n.balance(&li).unwrap().with_code(), "CNY 4910.89");
    assert_eq!(p.payment_id.len(), 28);
}

#[test]
fn same_seed_same_latencies_and_ids() {
    let run = || {
        let mut n = net();
        let code = n.issue_payment_code(&ShopperId::new("li-na"), T0).unwrap();
        let d = n.pay(
            PayRequest {
                payment_request_id: "A1".into(),
                amount: usd(100),
                method: PayMethod::PaymentCode { code: code.clone() },
            },
            T0,
        );
        (code, d.deliver_at, d.body.payment.map(|p| p.payment_id))
    };
    assert_eq!(run(), run());
}

#[test]
fn password_payment_waits_then_auto_confirms_with_a_notification() {
    let mut n = net();
    let wang = ShopperId::new("wang-fang");
    let code = n.issue_payment_code(&wang, T0).unwrap();
    let r = pay_code(&mut n, "A2", &code, usd(500), T0);
    assert_eq!(r.result.code, ResultCode::PaymentInProcess);
    assert_eq!(r.result.status, ResultStatus::Unknown);
    let wake = n.next_wakeup().expect("shopper will confirm");
    assert!(wake >= at(5_000) && wake <= at(25_000));
    assert!(matches!(
        n.phone_screen(&wang, T0).unwrap(),
        PhoneScreen::Confirm {
            needs_password: true,
            ..
        }
    ));
    let q = n.query("A2", at(3_000)).body;
    assert_eq!(q.result.status, ResultStatus::Success);
    assert_eq!(q.payment_result.unwrap().code, ResultCode::PaymentInProcess);
    let notes = n.advance(wake);
    assert_eq!(notes.len(), 1);
    assert_eq!(notes[0].body.payment_result.code, ResultCode::Success);
    assert!(notes[0].deliver_at.unwrap() > wake);
    assert!(matches!(
        n.phone_screen(&wang, wake).unwrap(),
        PhoneScreen::Paid { .. }
    ));
}

#[test]
fn query_of_an_unknown_id_is_a_failed_call_not_a_failed_payment() {
    let mut n = net();
    let q = n.query("nope", T0).body;
    assert_eq!(q.result.status, ResultStatus::Failed);
    assert_eq!(q.result.code, ResultCode::OrderNotExist);
    assert!(q.payment_result.is_none());
}

#[test]
fn order_code_waits_for_a_scan_and_the_query_says_not_yet_scanned() {
    let mut n = net();
    let r = n
        .pay(
            PayRequest {
                payment_request_id: "M1".into(),
                amount: usd(1000),
                method: PayMethod::OrderCode {
                    bill_number: "B-1".into(),
                    expires_at: at(120_000),
                },
            },
            T0,
        )
        .body;
    assert_eq!(r.result.code, ResultCode::PaymentInProcess);
    assert!(r.payment.as_ref().unwrap().wallet.is_none());
    let q = n.query("M1", at(3_000)).body;
    assert_eq!(q.payment.unwrap().stage, PaymentStage::AwaitingScan);
    assert!(
        q.payment_result
            .unwrap()
            .message
            .contains("not yet scanned")
    );
    let li = ShopperId::new("li-na");
    let screen = n
        .scan_order_code(&li, "B-1", usd(1000), at(10_000))
        .unwrap();
    assert!(matches!(screen, PhoneScreen::Confirm { .. }));
    let done = n.enter_password(&li, at(12_000)).unwrap();
    assert!(matches!(done, PhoneScreen::Paid { .. }));
    let q = n.query("M1", at(13_000)).body;
    assert_eq!(q.payment_result.unwrap().code, ResultCode::Success);
    assert_eq!(q.payment.unwrap().wallet.unwrap().brand_name, "Alipay");
}

#[test]
fn a_scan_with_a_different_amount_is_refused_by_the_phone() {
    let mut n = net();
    n.pay(
        PayRequest {
            payment_request_id: "M2".into(),
            amount: usd(1000),
            method: PayMethod::OrderCode {
                bill_number: "B-2".into(),
                expires_at: at(60_000),
            },
        },
        T0,
    );
    let err = n
        .scan_order_code(&ShopperId::new("li-na"), "B-2", usd(999), at(1_000))
        .unwrap_err();
    assert!(matches!(err, PhoneError::AmountMismatch { .. }));
}

#[test]
fn cancel_of_an_unknown_id_closes_it_for_good() {
    let mut n = net();
    let c = n.cancel("ghost", T0).body;
    assert_eq!(c.action, Some(CancelAction::Close));
    let code = n.issue_payment_code(&ShopperId::new("li-na"), T0).unwrap();
    let r = pay_code(&mut n, "ghost", &code, usd(100), at(1_000));
    assert_eq!(r.result.code, ResultCode::OrderIsClosed);
}

#[test]
fn throttled_pay_is_not_processed_and_a_retry_goes_through() {
    let mut n = net();
    n.inject_fault(Fault::Throttle(Call::Pay));
    let code = n.issue_payment_code(&ShopperId::new("li-na"), T0).unwrap();
    let r = pay_code(&mut n, "T1", &code, usd(100), T0);
    assert_eq!(r.result.code, ResultCode::RequestTrafficExceedLimit);
    let r = pay_code(&mut n, "T1", &code, usd(100), at(2_000));
    assert_eq!(r.result.code, ResultCode::Success);
}

#[test]
fn card_test_pans_approve_or_decline_with_named_reasons() {
    let mut n = net();
    let ok = n
        .card_authorize(
            CardRequest {
                request_id: "C1".into(),
                pan: "4111111111111111".into(),
                amount: usd(2349),
            },
            T0,
        )
        .body;
    assert!(ok.approved);
    assert_eq!(ok.brand, Some(CardBrand::Visa));
    assert_eq!(ok.aid.as_deref(), Some("A0000000031010"));
    assert_eq!(ok.masked_pan, "************1111");
    assert_eq!(ok.auth_code.as_ref().map(String::len), Some(6));
    let no = n
        .card_authorize(
            CardRequest {
                request_id: "C2".into(),
                pan: "4000000000000051".into(),
                amount: usd(2349),
            },
            T0,
        )
        .body;
    assert!(!no.approved);
    assert_eq!(no.decline, Some(CardDecline::InsufficientFunds));
    assert_eq!(no.response_code, "51");
}

#[test]
fn indicative_amount_uses_the_reference_table_and_poll_profiles_differ() {
    let n = net();
    let (q, cny) = n
        .indicative(usd(1234), &WalletId("alipay-cn".into()), T0)
        .unwrap();
    assert_eq!(q.pair.to_string(), "USD/CNY");
    assert_eq!(cny.with_code(), "CNY 89.11");
    let wechat = n.poll_profile(&WalletId("wechat".into())).unwrap();
    let alipay = n.poll_profile(&WalletId("alipay-cn".into())).unwrap();
    assert_eq!((wechat.interval_s, wechat.cancel_min_age_s), (10, 15));
    assert_eq!((alipay.interval_s, alipay.deadline_s), (3, 60));
    assert!(n.indicative(usd(1), &WalletId("nope".into()), T0).is_none());
}
