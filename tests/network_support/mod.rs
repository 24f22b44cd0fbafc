//! Shared fixtures for the network scenario tests.
#![allow(dead_code)]

use qrtill::clock::Timestamp;
use qrtill::money::fx::FxTable;
use qrtill::money::{Currency, Money};
use qrtill::network::*;

/// 2026-05-14 20:00:00 UTC+8.
pub const T0: Timestamp = Timestamp(1_778_760_000_000);

pub fn at(ms: i64) -> Timestamp {
    Timestamp(T0.millis() + ms)
}

pub fn secs(s: i64) -> Timestamp {
    at(s * 1000)
}

pub fn network() -> Network {
    network_on(LedgerStore::in_memory().expect("ledger"))
}

pub fn network_on(ledger: LedgerStore) -> Network {
    Network::open(
        ledger,
        WalletBook::embedded().expect("book"),
        FxTable::embedded().expect("fx"),
        42,
    )
    .expect("network opens")
}

pub fn usd(minor: i64) -> Money {
    Money::from_minor(minor, Currency::USD).expect("usd")
}

pub fn money(text: &str, currency: Currency) -> Money {
    Money::parse(text, currency).expect("amount")
}

pub fn shopper(id: &str) -> ShopperId {
    ShopperId::new(id)
}

pub fn code_request(id: &str, code: &str, amount: Money) -> PayRequest {
    PayRequest {
        payment_request_id: id.into(),
        amount,
        method: PayMethod::PaymentCode { code: code.into() },
    }
}

pub fn order_request(id: &str, bill: &str, amount: Money, expires_at: Timestamp) -> PayRequest {
    PayRequest {
        payment_request_id: id.into(),
        amount,
        method: PayMethod::OrderCode {
            bill_number: bill.into(),
            expires_at,
        },
    }
}

pub fn refund_request(rid: &str, pid: &str, amount: Money) -> RefundRequest {
    RefundRequest {
        refund_request_id: rid.into(),
        payment_request_id: pid.into(),
        amount,
        reason: "customer request".into(),
    }
}

/// Issues a code for `who` and pays `amount` with it at `now`.
pub fn pay_with_code(
    net: &mut Network,
    who: &str,
    id: &str,
    amount: Money,
    now: Timestamp,
) -> Delivery<PayResponse> {
    let code = net.issue_payment_code(&shopper(who), now).expect("code");
    net.pay(code_request(id, &code, amount), now)
}

/// Checks the ledger invariants: each balance equals its moves, no request is charged twice,
/// and nobody gets back more than they were charged.
pub fn assert_ledger_reconciles(net: &Network) {
    for s in net.shoppers() {
        let balance = net.balance(&s.id).expect("balance");
        let sum = net
            .balance_moves()
            .iter()
            .filter(|m| m.shopper == s.id)
            .try_fold(Money::zero(balance.currency()), |acc, m| {
                acc.checked_add(m.amount)
            })
            .expect("same currency");
        assert_eq!(sum, balance, "moves of {} add up to the balance", s.id);
        assert!(!balance.is_negative(), "{} never goes negative", s.id);
    }
    let moves = net.balance_moves();
    for p in net.ledger_payments().iter().filter(|p| !p.card) {
        let charges: Vec<&BalanceMove> = moves
            .iter()
            .filter(|m| m.kind == MoveKind::Charge && m.reference == p.payment_request_id)
            .collect();
        assert!(
            charges.len() <= 1,
            "{} charged {} times",
            p.payment_request_id,
            charges.len()
        );
        assert_eq!(
            charges.len() == 1,
            p.charged.is_some(),
            "{} charge recorded",
            p.payment_request_id
        );
        if let (Some(charged), Some(returned)) = (p.charged, p.returned) {
            assert!(
                returned.amount() <= charged.amount(),
                "{} over-returned",
                p.payment_request_id
            );
        }
        assert!(!p.merchant_net.is_negative());
    }
}
