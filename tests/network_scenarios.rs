//! wallets.md §10 scenarios that concern the network, played against the simulated acquirer
//! with a virtual clock. Each test is named after its scenario.

use crate::network_support;

use network_support::*;
use qrtill::money::Currency;
use qrtill::network::*;

fn pay_result(d: &Delivery<PayResponse>) -> ResultCode {
    d.body.result.code
}

fn query_code(net: &mut Network, id: &str, now: qrtill::clock::Timestamp) -> ResultCode {
    let q = net.query(id, now).body;
    assert!(q.result.is_success(), "inquiry call works: {:?}", q.result);
    q.payment_result.expect("payment result").code
}

// 1. Happy UPM, no password.
#[test]
fn network_success_without_password() {
    let mut net = network();
    let d = pay_with_code(&mut net, "li-na", "S1", usd(1234), T0);
    assert_eq!(pay_result(&d), ResultCode::Success);
    assert_eq!(d.body.result.status, ResultStatus::Success);
    let p = d.body.payment.expect("payment view");
    let brand = p.wallet.expect("wallet revealed");
    assert_eq!(
        (brand.brand_name.as_str(), brand.psp_id.as_str()),
        ("Alipay", "1022088000000000001")
    );
    let quote = p.quote.expect("reported quote");
    assert_eq!(quote.pair.to_string(), "USD/CNY");
    assert_eq!(p.wallet_amount.expect("charged").with_code(), "CNY 89.11");
    assert_eq!(p.settlement_amount, Some(usd(1234)));
    assert_eq!(
        net.balance(&shopper("li-na")),
        Some(money("4910.89", Currency::CNY))
    );
    assert!(d.deliver_at.expect("arrives") <= at(1_500));
    assert_ledger_reconciles(&net);
}

// 2. UPM with password: in process, polls stay U, then success.
#[test]
fn network_password_then_success() {
    let mut net = network();
    let d = pay_with_code(&mut net, "wang-fang", "S2", usd(1000), T0);
    assert_eq!(pay_result(&d), ResultCode::PaymentInProcess);
    assert_eq!(d.body.result.status, ResultStatus::Unknown);
    let confirm_at = net.next_wakeup().expect("shopper confirms later");
    let mut t = secs(3);
    while t < confirm_at {
        assert_eq!(query_code(&mut net, "S2", t), ResultCode::PaymentInProcess);
        t = t + std::time::Duration::from_secs(3);
    }
    assert_eq!(query_code(&mut net, "S2", t), ResultCode::Success);
    let notes = net.advance(t);
    assert_eq!(notes.len(), 1, "one success notification");
    assert_eq!(notes[0].body.payment_result.code, ResultCode::Success);
    assert_eq!(
        net.balance(&shopper("wang-fang")),
        Some(money("2927.79", Currency::CNY))
    );
    assert_ledger_reconciles(&net);
}

// 2b. A shopper who types the password by hand on the phone pane.
#[test]
fn network_manual_password_on_the_phone() {
    let mut net = network();
    let chen = shopper("chen-jie");
    let d = pay_with_code(&mut net, "chen-jie", "S2b", usd(500), T0);
    assert_eq!(pay_result(&d), ResultCode::PaymentInProcess);
    assert_eq!(
        net.next_wakeup(),
        Some(secs(180)),
        "only the auto-close is pending"
    );
    let screen = net.phone_screen(&chen, secs(4)).expect("screen");
    assert!(
        matches!(
            screen,
            PhoneScreen::Confirm {
                needs_password: true,
                ..
            }
        ),
        "{screen:?}"
    );
    let screen = net.enter_password(&chen, secs(9)).expect("confirm");
    assert!(matches!(screen, PhoneScreen::Paid { .. }), "{screen:?}");
    assert_eq!(query_code(&mut net, "S2b", secs(10)), ResultCode::Success);
    assert_eq!(net.advance(secs(10)).len(), 1);
    assert!(matches!(
        net.enter_password(&chen, secs(11)),
        Err(PhoneError::NothingToConfirm)
    ));
}

// Password refused (simulated shopper and by hand).
#[test]
fn network_password_refused() {
    let mut net = network();
    let d = pay_with_code(&mut net, "huang-min", "S3", usd(1000), T0);
    assert_eq!(
        pay_result(&d),
        ResultCode::UserPaying,
        "WeChat names it USERPAYING"
    );
    let wake = net.next_wakeup().expect("refusal scheduled");
    let notes = net.advance(wake);
    assert_eq!(
        notes[0].body.payment_result.code,
        ResultCode::UserPaymentVerificationFailed
    );
    assert_eq!(
        query_code(&mut net, "S3", wake),
        ResultCode::UserPaymentVerificationFailed
    );
    assert_eq!(
        net.balance(&shopper("huang-min")),
        Some(money("3000.00", Currency::CNY))
    );

    pay_with_code(&mut net, "chen-jie", "S3b", usd(1000), T0);
    let screen = net
        .refuse_password(&shopper("chen-jie"), secs(5))
        .expect("refuse");
    assert!(matches!(
        screen,
        PhoneScreen::Declined {
            code: ResultCode::UserPaymentVerificationFailed,
            ..
        }
    ));
    assert_eq!(
        query_code(&mut net, "S3b", secs(6)),
        ResultCode::UserPaymentVerificationFailed
    );
    assert_ledger_reconciles(&net);
}

// 3. Shopper abandons the prompt; at the poll deadline the counter cancels: not charged.
#[test]
fn network_shopper_abandons_then_cancel_closes() {
    let mut net = network();
    let park = shopper("park-jiwoo");
    let before = net.balance(&park);
    let d = pay_with_code(&mut net, "park-jiwoo", "S4", usd(2000), T0);
    assert_eq!(pay_result(&d), ResultCode::PaymentInProcess);
    assert_eq!(
        d.body
            .payment
            .expect("view")
            .wallet
            .expect("brand")
            .brand_name,
        "Kakao Pay"
    );
    for s in (3..=57).step_by(3) {
        assert_eq!(
            query_code(&mut net, "S4", secs(s)),
            ResultCode::PaymentInProcess
        );
    }
    let c = net.cancel("S4", secs(59)).body;
    assert!(c.result.is_success());
    assert_eq!(c.action, Some(CancelAction::Close));
    assert_eq!(
        query_code(&mut net, "S4", secs(60)),
        ResultCode::OrderIsClosed
    );
    assert_eq!(net.balance(&park), before, "not charged");
    assert!(
        net.advance(secs(120)).is_empty(),
        "a merchant cancel sends no notification"
    );
    assert_ledger_reconciles(&net);
}

// 5. Insufficient balance; a new attempt needs a new id and a fresh code.
#[test]
fn network_balance_too_low() {
    let mut net = network();
    let maria = shopper("maria-santos");
    let code = net.issue_payment_code(&maria, T0).expect("code");
    let d = net.pay(code_request("S5", &code, usd(500)), T0);
    assert_eq!(pay_result(&d), ResultCode::UserBalanceNotEnough);
    assert_eq!(d.body.result.status, ResultStatus::Failed);
    assert_eq!(
        d.body.result.message,
        "Insufficient balance: choose another payment method."
    );
    assert_eq!(net.balance(&maria), Some(money("50.00", Currency::PHP)));
    // 7. The same code rescanned after the failure is INVALID_CODE: codes are single use.
    let again = net.pay(code_request("S5-retry", &code, usd(500)), secs(5));
    assert_eq!(pay_result(&again), ResultCode::InvalidCode);
    net.set_balance(&maria, money("1000.00", Currency::PHP), secs(6))
        .expect("top up");
    let ok = pay_with_code(&mut net, "maria-santos", "S5-new", usd(500), secs(10));
    assert_eq!(pay_result(&ok), ResultCode::Success);
    // 5 x 56.496075 = 282.480375 -> PHP 282.48
    assert_eq!(net.balance(&maria), Some(money("717.52", Currency::PHP)));
    assert_ledger_reconciles(&net);
}

// 6. Expired code: a screenshot older than one minute.
#[test]
fn network_expired_code() {
    let mut net = network();
    let code = net.issue_payment_code(&shopper("li-na"), T0).expect("code");
    let d = net.pay(code_request("S6", &code, usd(100)), secs(61));
    assert_eq!(pay_result(&d), ResultCode::ExpiredCode);
    assert_eq!(
        d.body.result.message,
        "Code expired: ask the shopper to refresh and scan again."
    );
    let fresh = net
        .issue_payment_code(&shopper("li-na"), secs(61))
        .expect("code");
    assert_ne!(fresh, code);
    assert_eq!(
        pay_result(&net.pay(code_request("S6b", &fresh, usd(100)), secs(62))),
        ResultCode::Success
    );
}

// 7. Reused code after a success.
#[test]
fn network_reused_code_is_invalid() {
    let mut net = network();
    let code = net.issue_payment_code(&shopper("li-na"), T0).expect("code");
    assert_eq!(
        pay_result(&net.pay(code_request("S7a", &code, usd(100)), T0)),
        ResultCode::Success
    );
    let reuse = net.pay(code_request("S7b", &code, usd(100)), secs(2));
    assert_eq!(pay_result(&reuse), ResultCode::InvalidCode);
    assert_ledger_reconciles(&net);
}

// 8, 9. Codes nobody issued, and WeChat Pay HK codes (prefix 15), are invalid here.
#[test]
fn network_unknown_and_wechat_hk_codes_are_invalid() {
    let mut net = network();
    let fake = net.pay(code_request("S8", "250000000000000001", usd(100)), T0);
    assert_eq!(pay_result(&fake), ResultCode::InvalidCode);
    let hk = net.pay(code_request("S9", "150000000000000001", usd(100)), T0);
    assert_eq!(pay_result(&hk), ResultCode::InvalidCode);
    assert!(hk.body.payment.expect("view").wallet.is_none());
}

// 10. Risk rejection.
#[test]
fn network_risk_reject() {
    let mut net = network();
    let d = pay_with_code(&mut net, "zhao-lei", "S10", usd(100), T0);
    assert_eq!(pay_result(&d), ResultCode::RiskReject);
    assert_eq!(
        net.balance(&shopper("zhao-lei")),
        Some(money("8000.00", Currency::CNY))
    );
}

// 34. Over the wallet's per-payment limit: TNG caps at MYR 20,000.
#[test]
fn network_over_limit() {
    let mut net = network();
    // USD 5,000 x 4.445115 = MYR 22,225.58 > 20,000 (balance 30,000 would cover it).
    let d = pay_with_code(&mut net, "tan-meiling", "S34", usd(500_000), T0);
    assert_eq!(pay_result(&d), ResultCode::UserAmountExceedLimit);
    let ok = pay_with_code(&mut net, "tan-meiling", "S34b", usd(5_000), secs(5));
    assert_eq!(pay_result(&ok), ResultCode::Success);
}

// 29. Merchant-presented QR; queries before the scan say "not yet scanned".
#[test]
fn network_query_before_scan() {
    let mut net = network();
    let d = net.pay(order_request("S29", "BILL-29", usd(2349), secs(300)), T0);
    assert_eq!(pay_result(&d), ResultCode::PaymentInProcess);
    for s in (3..40).step_by(3) {
        let q = net.query("S29", secs(s)).body;
        let view = q.payment.expect("view");
        assert_eq!(view.stage, PaymentStage::AwaitingScan);
        assert_eq!(view.stage.trade_status(), "NOT_SCANNED");
        assert_eq!(
            q.payment_result.expect("result").status,
            ResultStatus::Unknown
        );
    }
    let chen = shopper("chen-jie");
    let screen = net
        .scan_order_code(&chen, "BILL-29", usd(2349), secs(40))
        .expect("scan");
    assert!(matches!(screen, PhoneScreen::Confirm { .. }), "{screen:?}");
    let q = net.query("S29", secs(42)).body.payment.expect("view");
    assert_eq!(q.stage.trade_status(), "WAIT_BUYER_PAY");
    net.enter_password(&chen, secs(55)).expect("confirm");
    let notes = net.advance(secs(55));
    assert_eq!(notes.len(), 1);
    assert_eq!(notes[0].body.payment_result.code, ResultCode::Success);
    assert_eq!(query_code(&mut net, "S29", secs(56)), ResultCode::Success);
    assert_ledger_reconciles(&net);
}

// 30. Order code expires; the wallet closes it and a late scan gets ORDER_IS_CLOSED.
#[test]
fn network_order_auto_close_then_late_scan_is_closed() {
    let mut net = network();
    net.pay(order_request("S30", "BILL-30", usd(800), secs(60)), T0);
    assert_eq!(net.next_wakeup(), Some(secs(60)));
    let notes = net.advance(secs(61));
    assert_eq!(notes.len(), 1);
    assert_eq!(notes[0].body.payment_result.code, ResultCode::OrderIsClosed);
    let screen = net
        .scan_order_code(&shopper("li-na"), "BILL-30", usd(800), secs(70))
        .expect("scan");
    assert!(
        matches!(
            screen,
            PhoneScreen::Declined {
                code: ResultCode::OrderIsClosed,
                ..
            }
        ),
        "{screen:?}"
    );
    assert_eq!(
        query_code(&mut net, "S30", secs(71)),
        ResultCode::OrderIsClosed
    );
    let c = net.cancel("S30", secs(72)).body;
    assert_eq!(
        c.action,
        Some(CancelAction::Close),
        "cancelling a closed order is harmless"
    );
}

// Cancel of an unpaid order (close) and of a paid one (refund).
#[test]
fn network_cancel_unpaid_order_closes_and_paid_order_refunds() {
    let mut net = network();
    net.pay(order_request("C1", "BILL-C1", usd(500), secs(120)), T0);
    let c = net.cancel("C1", secs(10)).body;
    assert_eq!(
        (c.result.code, c.action),
        (ResultCode::Success, Some(CancelAction::Close))
    );
    let late = net
        .scan_order_code(&shopper("li-na"), "BILL-C1", usd(500), secs(20))
        .expect("scan");
    assert!(matches!(
        late,
        PhoneScreen::Declined {
            code: ResultCode::OrderIsClosed,
            ..
        }
    ));

    let li = shopper("li-na");
    let before = net.balance(&li);
    assert_eq!(
        pay_result(&pay_with_code(&mut net, "li-na", "C2", usd(4200), T0)),
        ResultCode::Success
    );
    assert_ne!(net.balance(&li), before);
    let c = net.cancel("C2", secs(30)).body;
    assert_eq!(
        (c.result.code, c.action),
        (ResultCode::Success, Some(CancelAction::Refund))
    );
    assert_eq!(c.payment.expect("view").stage, PaymentStage::Reversed);
    assert_eq!(net.balance(&li), before, "charge returned");
    let again = net.cancel("C2", secs(31)).body;
    assert_eq!(
        again.action,
        Some(CancelAction::Refund),
        "same cancel, same answer"
    );
    assert_eq!(net.balance(&li), before, "and no second return");
    assert_ledger_reconciles(&net);
}

// 13. Late confirmation after the cancel: the order stays cancelled, nobody is charged.
#[test]
fn network_late_confirm_after_cancel_charges_nothing() {
    let mut net = network();
    let wang = shopper("wang-fang");
    let before = net.balance(&wang);
    pay_with_code(&mut net, "wang-fang", "S13", usd(1000), T0);
    let c = net.cancel("S13", secs(1)).body;
    assert_eq!(c.action, Some(CancelAction::Close));
    assert!(net.advance(secs(60)).is_empty());
    assert_eq!(net.balance(&wang), before);
    assert!(matches!(
        net.enter_password(&wang, secs(61)),
        Err(PhoneError::NothingToConfirm)
    ));
}

// 17. Duplicate submission: same id, same result, one charge.
#[test]
fn network_repeat_request_same_result() {
    let mut net = network();
    let code = net.issue_payment_code(&shopper("li-na"), T0).expect("code");
    let first = net.pay(code_request("S17", &code, usd(999)), T0).body;
    let second = net.pay(code_request("S17", &code, usd(999)), secs(2)).body;
    assert_eq!(first.result.code, ResultCode::Success);
    assert_eq!(second.result.code, ResultCode::Success);
    assert_eq!(
        first.payment.expect("first").payment_id,
        second.payment.expect("second").payment_id
    );
    let charges = net
        .balance_moves()
        .iter()
        .filter(|m| m.kind == MoveKind::Charge && m.reference == "S17")
        .count();
    assert_eq!(charges, 1);
    // In process, a repeat stays in process.
    let code = net
        .issue_payment_code(&shopper("wang-fang"), T0)
        .expect("code");
    let a = net
        .pay(code_request("S17b", &code, usd(999)), T0)
        .body
        .result
        .code;
    let b = net
        .pay(code_request("S17b", &code, usd(999)), secs(1))
        .body
        .result
        .code;
    assert_eq!(
        (a, b),
        (ResultCode::PaymentInProcess, ResultCode::PaymentInProcess)
    );
    assert_ledger_reconciles(&net);
}

// 18. Same id, different amount: REPEAT_REQ_INCONSISTENT, and the original stands.
#[test]
fn network_repeat_request_with_different_amount_is_inconsistent() {
    let mut net = network();
    let code = net.issue_payment_code(&shopper("li-na"), T0).expect("code");
    net.pay(code_request("S18", &code, usd(999)), T0);
    let d = net.pay(code_request("S18", &code, usd(1999)), secs(1));
    assert_eq!(pay_result(&d), ResultCode::RepeatReqInconsistent);
    assert_eq!(d.body.result.status, ResultStatus::Failed);
    let q = net.query("S18", secs(2)).body.payment.expect("view");
    assert_eq!(q.amount, usd(999));
}

// 4. WeChat: no reverse within 15 s of the order; at 15 s it goes through.
#[test]
fn network_wechat_reverse_before_15s_refused() {
    let mut net = network();
    let zhang = shopper("zhang-wei");
    let before = net.balance(&zhang);
    let d = pay_with_code(&mut net, "zhang-wei", "S4w", usd(1000), T0);
    assert_eq!(pay_result(&d), ResultCode::UserPaying);
    let early = net.cancel("S4w", secs(12)).body;
    assert_eq!(early.result.code, ResultCode::ReverseTooEarly);
    assert!(early.retry);
    assert_eq!(early.retry_at, Some(secs(15)));
    let ok = net.cancel("S4w", secs(15)).body;
    assert!(ok.result.is_success(), "{:?}", ok.result);
    assert!(ok.action.is_some());
    assert_eq!(
        net.balance(&zhang),
        before,
        "closed or reversed: not charged either way"
    );
    assert_ledger_reconciles(&net);
}

// 20. Partial refund, then over-refund refused, then the rest: TRADE_CLOSED.
#[test]
fn network_refund_partial_then_over_then_total() {
    let mut net = network();
    let li = shopper("li-na");
    let before = net.balance(&li);
    assert_eq!(
        pay_result(&pay_with_code(&mut net, "li-na", "R1", usd(5000), T0)),
        ResultCode::Success
    );
    let r = net
        .refund(refund_request("R1-a", "R1", usd(2000)), secs(60))
        .body;
    assert!(r.result.is_success());
    let v = r.refund.expect("refund");
    // 361.06 x 20/50 = 144.424 -> CNY 144.42 at the original rate.
    assert_eq!(v.wallet_amount, money("144.42", Currency::CNY));
    assert_eq!(v.rate.to_string(), "7.2212265");
    let over = net
        .refund(refund_request("R1-b", "R1", usd(4000)), secs(61))
        .body;
    assert_eq!(over.result.code, ResultCode::RefundAmountExceed);
    assert!(
        over.result.message.contains("USD 30.00"),
        "{}",
        over.result.message
    );
    let rest = net
        .refund(refund_request("R1-c", "R1", usd(3000)), secs(62))
        .body;
    assert!(rest.result.is_success());
    assert_eq!(rest.refund.expect("rest").refunded_total, usd(5000));
    let view = net.query("R1", secs(63)).body.payment.expect("view");
    assert_eq!(
        (view.stage, view.stage.trade_status()),
        (PaymentStage::Refunded, "TRADE_CLOSED")
    );
    assert_eq!(net.balance(&li), before, "every fen back");
    let none_left = net
        .refund(refund_request("R1-d", "R1", usd(1)), secs(64))
        .body;
    assert_eq!(none_left.result.code, ResultCode::OrderIsClosed);
    assert_ledger_reconciles(&net);
}

// 21. A refund retried with the same id moves money once.
#[test]
fn network_refund_retried_with_same_id_moves_money_once() {
    let mut net = network();
    pay_with_code(&mut net, "li-na", "R2", usd(5000), T0);
    let a = net
        .refund(refund_request("R2-a", "R2", usd(1000)), secs(10))
        .body;
    let b = net
        .refund(refund_request("R2-a", "R2", usd(1000)), secs(20))
        .body;
    assert!(a.result.is_success() && b.result.is_success());
    assert_eq!(a.refund, b.refund);
    let refunds = net
        .balance_moves()
        .iter()
        .filter(|m| m.kind == MoveKind::Refund)
        .count();
    assert_eq!(refunds, 1);
    let clash = net
        .refund(refund_request("R2-a", "R2", usd(2000)), secs(30))
        .body;
    assert_eq!(clash.result.code, ResultCode::RepeatReqInconsistent);
}

// 22. Refund after the window: refused.
#[test]
fn network_refund_after_window_is_refused() {
    let mut net = network();
    pay_with_code(&mut net, "li-na", "R3", usd(5000), T0);
    let late = net
        .refund(refund_request("R3-a", "R3", usd(1000)), secs(400 * 86_400))
        .body;
    assert_eq!(late.result.code, ResultCode::RefundWindowExceed);
}

// 23. Alipay+ cancel after the 00:15 UTC+8 cut-off: refund instead.
#[test]
fn network_cancel_after_cutoff_needs_a_refund() {
    let mut net = network();
    let sale = secs(3 * 3600 + 55 * 60); // 23:55 UTC+8
    assert_eq!(sale.format_local(480), "2026-05-14 23:55:00");
    let d = pay_with_code(&mut net, "kim-minjun", "S23", usd(1000), sale);
    assert_eq!(pay_result(&d), ResultCode::PaymentInProcess);
    net.enter_password(
        &shopper("kim-minjun"),
        sale + std::time::Duration::from_secs(8),
    )
    .expect("confirm");
    let c = net
        .cancel("S23", sale + std::time::Duration::from_secs(25 * 60))
        .body;
    assert_eq!(c.result.code, ResultCode::CancelWindowExceed);
    assert_eq!(
        c.result.message,
        "Too late to cancel: issue a refund instead."
    );
    let r = net.refund(
        refund_request("S23-r", "S23", usd(1000)),
        sale + std::time::Duration::from_secs(26 * 60),
    );
    assert!(r.body.result.is_success());
    assert_ledger_reconciles(&net);
}

// 11. Pay reply lost (timeout); query later finds the truth.
#[test]
fn network_timeout_then_late_success() {
    let mut net = network();
    net.inject_fault(Fault::DropReply(Call::Pay));
    let d = pay_with_code(&mut net, "wang-fang", "S11", usd(1000), T0);
    assert!(!d.arrives(), "the reply is lost");
    assert_eq!(
        query_code(&mut net, "S11", secs(5)),
        ResultCode::PaymentInProcess
    );
    let wake = net.next_wakeup().expect("confirm pending");
    assert_eq!(query_code(&mut net, "S11", wake), ResultCode::Success);
    assert_ledger_reconciles(&net);
}

// 15. Cancel answered with the retry flag twice, then done.
#[test]
fn network_cancel_needs_retry() {
    let mut net = network();
    net.pay(order_request("S15", "BILL-15", usd(100), secs(120)), T0);
    net.inject_fault(Fault::Throttle(Call::Cancel));
    net.inject_fault(Fault::Throttle(Call::Cancel));
    for s in [60, 62] {
        let c = net.cancel("S15", secs(s)).body;
        assert!(c.retry && c.action.is_none(), "{c:?}");
        assert_eq!(c.result.status, ResultStatus::Unknown);
    }
    let c = net.cancel("S15", secs(64)).body;
    assert_eq!(c.action, Some(CancelAction::Close));
}

// 16. Cancel never answered: the replies are lost, though the wallet did cancel.
#[test]
fn network_cancel_unresolved_replies_lost() {
    let mut net = network();
    pay_with_code(&mut net, "park-jiwoo", "S16", usd(1000), T0);
    for _ in 0..3 {
        net.inject_fault(Fault::DropReply(Call::Cancel));
    }
    for s in [60, 62, 64] {
        assert!(!net.cancel("S16", secs(s)).arrives());
    }
    assert_eq!(
        query_code(&mut net, "S16", secs(300)),
        ResultCode::OrderIsClosed
    );
}

// 35. Throttling: retry the same request after a backoff.
#[test]
fn network_throttled_request_retried_with_same_id() {
    let mut net = network();
    net.inject_fault(Fault::Throttle(Call::Query));
    pay_with_code(&mut net, "li-na", "S35", usd(100), T0);
    let q = net.query("S35", secs(1)).body;
    assert_eq!(
        (q.result.code, q.result.status),
        (ResultCode::RequestTrafficExceedLimit, ResultStatus::Unknown)
    );
    assert_eq!(query_code(&mut net, "S35", secs(3)), ResultCode::Success);
}

// Offline shopper: replies about their payments never arrive, the phone cannot confirm.
#[test]
fn network_offline_shopper_replies_never_arrive() {
    let mut net = network();
    let wang = shopper("wang-fang");
    let code = net.issue_payment_code(&wang, T0).expect("code");
    net.set_offline(&wang, true, T0).expect("offline");
    assert_eq!(
        net.phone_screen(&wang, T0).expect("screen"),
        PhoneScreen::Offline
    );
    let d = net.pay(code_request("S-off", &code, usd(1000)), secs(1));
    assert!(!d.arrives());
    assert!(!net.query("S-off", secs(5)).arrives());
    assert_eq!(
        net.next_wakeup(),
        Some(secs(181)),
        "nobody can confirm; only the auto-close"
    );
    assert!(matches!(
        net.enter_password(&wang, secs(6)),
        Err(PhoneError::Offline)
    ));
    net.set_offline(&wang, false, secs(10)).expect("online");
    let q = net.query("S-off", secs(11));
    assert!(q.arrives());
    assert_eq!(
        q.body.payment_result.expect("result").code,
        ResultCode::PaymentInProcess
    );
    let wake = net.next_wakeup().expect("shopper answers again");
    assert!(wake < secs(181));
    assert_eq!(query_code(&mut net, "S-off", wake), ResultCode::Success);
}

// 25. Zero-decimal currencies: JPY price, KRW wallet; no ".00" anywhere.
#[test]
fn network_fx_rounding_krw_and_jpy() {
    let mut net = network();
    let d = pay_with_code(&mut net, "kim-minjun", "FX1", usd(1234), T0);
    let p = d.body.payment.expect("view");
    // 12.34 x 1375.242 = 16970.486 -> KRW 16970
    assert_eq!(p.wallet_amount.expect("krw").with_code(), "KRW 16970");
    let jpy = money("1500", Currency::JPY);
    let d = pay_with_code(&mut net, "kim-minjun", "FX2", jpy, secs(100));
    let p = d.body.payment.expect("view");
    assert_eq!(p.amount.with_code(), "JPY 1500");
    assert_eq!(p.quote.expect("quote").pair.to_string(), "JPY/KRW");
    assert!(!p.wallet_amount.expect("krw").plain().contains('.'));
}

// 26. IDR rounds half-even to whole rupiah: the minor-unit value ends in 00.
#[test]
fn network_fx_rounding_idr_whole_rupiah() {
    let mut net = network();
    let d = pay_with_code(&mut net, "putri", "FX3", usd(1234), T0);
    let charged = d.body.payment.expect("view").wallet_amount.expect("idr");
    // 12.34 x 16331.25 = 201527.625 -> IDR 201528
    assert_eq!(charged.with_code(), "IDR 201528.00");
    assert_eq!(charged.to_minor() % 100, 0);
}

// 27. Wallet-funded voucher: the shopper pays less, the merchant gets the full amount.
#[test]
fn network_promotion_wallet_funded() {
    let mut net = network();
    let d = pay_with_code(
        &mut net,
        "chan-tai-man",
        "P1",
        money("10.00", Currency::HKD),
        T0,
    );
    let p = d.body.payment.expect("view");
    let promo = p.promotion.expect("voucher applied");
    assert_eq!(promo.funded_by, FundedBy::Wallet);
    assert_eq!(promo.promo_type, "CASHLESS_FIXED_VOUCHER");
    assert_eq!(promo.savings, money("1.00", Currency::HKD));
    assert!(promo.merchant_cost.is_zero());
    assert_eq!(p.wallet_amount, Some(money("9.00", Currency::HKD)));
    assert_eq!(p.settlement_amount, Some(money("10.00", Currency::HKD)));
    // A half refund returns half of what the shopper actually paid.
    let r = net
        .refund(
            refund_request("P1-r", "P1", money("5.00", Currency::HKD)),
            secs(30),
        )
        .body;
    assert_eq!(
        r.refund.expect("refund").wallet_amount,
        money("4.50", Currency::HKD)
    );
    assert_ledger_reconciles(&net);
}

// 28. Merchant-funded WeChat DISCOUNT: settlement reduced.
#[test]
fn network_promotion_merchant_funded() {
    let mut net = network();
    let d = pay_with_code(
        &mut net,
        "liu-yang",
        "P2",
        money("100.00", Currency::CNY),
        T0,
    );
    assert_eq!(pay_result(&d), ResultCode::Success);
    let p = d.body.payment.expect("view");
    let promo = p.promotion.expect("discount applied");
    assert_eq!(promo.funded_by, FundedBy::Merchant);
    assert_eq!(promo.merchant_cost, money("5.00", Currency::CNY));
    assert_eq!(p.wallet_amount, Some(money("95.00", Currency::CNY)));
    assert_eq!(p.settlement_amount, Some(money("95.00", Currency::CNY)));
    let row = net
        .ledger_payments()
        .into_iter()
        .find(|r| r.payment_request_id == "P2")
        .expect("row");
    assert_eq!(row.merchant_net, money("95.00", Currency::CNY));
    // Below the threshold nothing applies.
    let small = pay_with_code(
        &mut net,
        "liu-yang",
        "P3",
        money("99.99", Currency::CNY),
        secs(5),
    );
    assert!(small.body.payment.expect("view").promotion.is_none());
}

// 32. Alipay Tap!: the code arrives by tap and the phone asks for a quick confirm.
#[test]
fn network_tap_confirms_on_the_phone() {
    let mut net = network();
    let li = shopper("li-na");
    let code = net.tap_code(&li, T0).expect("tap");
    assert!(matches!(
        net.phone_screen(&li, T0).expect("screen"),
        PhoneScreen::ShowCode { tap: true, .. }
    ));
    let d = net.pay(code_request("TAP1", &code, usd(450)), T0);
    assert_eq!(pay_result(&d), ResultCode::PaymentInProcess);
    assert_eq!(d.body.payment.expect("view").mode, WalletMode::Tap);
    let wake = net.next_wakeup().expect("confirm");
    assert!(wake >= at(800) && wake <= at(2_000), "{wake:?}");
    assert_eq!(
        net.advance(wake)[0].body.payment_result.code,
        ResultCode::Success
    );
    assert!(matches!(
        net.tap_code(&shopper("kim-minjun"), T0),
        Err(PhoneError::ModeNotSupported { .. })
    ));
}

// 33. Card tap: approve, decline with a named reason, partial refund, idempotent.
#[test]
fn network_card_tap_approves_declines_and_refunds() {
    let mut net = network();
    let req = |id: &str, pan: &str| CardRequest {
        request_id: id.into(),
        pan: pan.into(),
        amount: usd(2349),
    };
    let ok = net.card_authorize(req("K1", "5200828282828210"), T0).body;
    assert!(ok.approved);
    assert_eq!(
        (ok.brand, ok.aid.as_deref()),
        (Some(CardBrand::Mastercard), Some("A0000000041010"))
    );
    assert_eq!(ok.masked_pan, "************8210");
    let same = net
        .card_authorize(req("K1", "5200828282828210"), secs(1))
        .body;
    assert_eq!(same.auth_code, ok.auth_code);
    let no = net.card_authorize(req("K2", "4000000000000002"), T0).body;
    assert_eq!(
        (no.approved, no.decline),
        (false, Some(CardDecline::DoNotHonor))
    );
    assert!(no.result.message.starts_with("DO_NOT_HONOR"));
    let junk = net.card_authorize(req("K3", "1234567812345678"), T0).body;
    assert_eq!(junk.decline, Some(CardDecline::InvalidCard));
    let r = net
        .refund(refund_request("K1-r", "K1", usd(1000)), secs(60))
        .body;
    assert!(r.result.is_success());
    let over = net
        .refund(refund_request("K1-r2", "K1", usd(2000)), secs(61))
        .body;
    assert_eq!(over.result.code, ResultCode::RefundAmountExceed);
    let rows = net.ledger_payments();
    let k1 = rows
        .iter()
        .find(|r| r.payment_request_id == "K1")
        .expect("row");
    assert_eq!(
        (k1.stage, k1.merchant_net),
        (PaymentStage::PartiallyRefunded, usd(1349))
    );
}
