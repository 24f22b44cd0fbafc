use super::*;
use crate::money::Currency;
use crate::network::{RefundView, ResultInfo};

fn usd(minor: i64) -> Money {
    Money::from_minor(minor, Currency::USD).unwrap()
}

fn request() -> RefundRequest {
    RefundRequest {
        refund_request_id: "RF03-7-1".into(),
        payment_request_id: "P1".into(),
        amount: usd(2000),
        reason: "Damaged".into(),
    }
}

fn reply(result: ResultInfo) -> RefundResponse {
    let refund = result.is_success().then(|| RefundView {
        refund_request_id: "RF03-7-1".into(),
        refund_id: "N1".into(),
        payment_request_id: "P1".into(),
        amount: usd(2000),
        wallet_amount: Money::from_minor(14400, Currency::CNY).unwrap(),
        rate: "7.2".parse().unwrap(),
        refunded_total: usd(2000),
        refunded_at: Timestamp(5),
    });
    RefundResponse {
        refund_request_id: "RF03-7-1".into(),
        result,
        refund,
    }
}

fn states(steps: &[Step]) -> Vec<RefundState> {
    steps
        .iter()
        .filter_map(|s| match s {
            Step::Record(e) => Some(e.state),
            _ => None,
        })
        .collect()
}

#[test]
fn unknown_answers_are_asked_again_with_the_same_id_then_left_open() {
    let mut a = RefundAttempt::new("RF03-7-1", Route::Refund(request()), true);
    let first = a.start(Timestamp(0));
    assert_eq!(first, vec![Step::SendRefund(request())]);
    let steps = a.on_refund(None, Timestamp(10));
    assert_eq!(states(&steps), vec![RefundState::Unknown]);
    assert_eq!(
        steps.last(),
        Some(&Step::RetryAt(Timestamp(10) + RETRY_AFTER))
    );
    for _ in 1..MAX_TRIES {
        assert_eq!(a.retry(), vec![Step::SendRefund(request())]);
        let u = reply(ResultInfo::of(ResultCode::UnknownException));
        let steps = a.on_refund(Some(&u), Timestamp(20));
        // The unknown state is journaled once, not at every try.
        assert!(states(&steps).is_empty());
    }
    assert!(matches!(a.status, Status::Open { .. }), "{:?}", a.status);
    assert_eq!(a.tries, MAX_TRIES);
}

#[test]
fn a_success_settles_with_the_wallet_figures() {
    let mut a = RefundAttempt::new("RF03-7-1", Route::Refund(request()), true);
    a.start(Timestamp(0));
    let steps = a.on_refund(Some(&reply(ResultInfo::success())), Timestamp(3));
    let Some(Step::Record(e)) = steps.first() else {
        panic!("{steps:?}")
    };
    assert_eq!(e.state, RefundState::Settled);
    assert_eq!(e.wallet_amount.map(|m| m.plain()), Some("144.00".into()));
    assert_eq!(e.network_id.as_deref(), Some("N1"));
}

#[test]
fn a_refusal_shows_the_code_and_the_policy_may_offer_cash() {
    for (offer, code, expect) in [
        (true, ResultCode::RefundWindowExceed, true),
        (false, ResultCode::RefundWindowExceed, false),
        (true, ResultCode::RefundAmountExceed, false),
    ] {
        let mut a = RefundAttempt::new("RF03-7-1", Route::Refund(request()), offer);
        a.start(Timestamp(0));
        let steps = a.on_refund(Some(&reply(ResultInfo::of(code))), Timestamp(3));
        assert_eq!(states(&steps), vec![RefundState::Failed]);
        let Status::Refused { offer_cash, .. } = a.status else {
            panic!("{:?}", a.status)
        };
        assert_eq!(offer_cash, expect, "{code}");
    }
}

#[test]
fn a_void_too_late_to_cancel_refunds_instead() {
    let route = Route::Cancel {
        payment_request_id: "P1".into(),
        fallback: request(),
    };
    let mut a = RefundAttempt::new("RF03-7-1", route, true);
    assert_eq!(a.start(Timestamp(0)), vec![Step::SendCancel("P1".into())]);
    let refused = CancelResponse {
        payment_request_id: "P1".into(),
        result: ResultInfo::of(ResultCode::CancelWindowExceed),
        action: None,
        retry: false,
        retry_at: None,
        payment: None,
    };
    let steps = a.on_cancel(Some(&refused), Timestamp(1));
    assert_eq!(states(&steps), vec![RefundState::Requested]);
    assert_eq!(steps.last(), Some(&Step::SendRefund(request())));
    assert_eq!(a.route, Route::Refund(request()));
}

#[test]
fn cash_is_journaled_settled_before_the_drawer_opens() {
    let mut a = RefundAttempt::new("RF03-7-1", Route::Cash, true);
    let steps = a.start(Timestamp(0));
    assert_eq!(states(&steps), vec![RefundState::Settled]);
    assert_eq!(steps.last(), Some(&Step::KickDrawer));
}
