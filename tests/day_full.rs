//! A full day through the shared runtime (virtual clock, simulated network): a shift opened
//! with a float, a cash sale, a wallet payment-code sale and a card sale rung up at the
//! counter, a refund and a post-void, a paid-out, then a close with a cash variance and its Z,
//! checked against the sales the journal holds.
//!
//! The refunds are journaled through the refunds tables directly: the refund screens belong to
//! the refunds work and are not on this branch.

use qrtill::checkout::sale::SaleTender;
use qrtill::checkout::{Action, Screen};
use qrtill::config::Config;
use qrtill::harness::{self, easy_shoppers, scan, wallet_sale};
use qrtill::journal::{BeginRefund, NewRefund, RefundEvent, RefundKind, RefundLine, RefundState};
use qrtill::money::{Currency, Decimal, Money};
use qrtill::report::close_with_z;
use qrtill::shift::{CashMove, Count, MoveKind};
use std::time::Duration;

const FLAT_WHITE: &str = "2000000000138";
const LATTE: &str = "2000000000268";

fn usd(minor: i64) -> Money {
    Money::from_minor(minor, Currency::USD).unwrap()
}

#[test]
fn a_day_of_every_tender_refunds_a_paid_out_and_a_short_drawer() {
    let config = Config::default();
    let mut rt = harness::demo_runtime().unwrap();
    let float = Count {
        pieces: vec![(2000, 5), (100, 10)],
    };
    let now = rt.now();
    rt.journal_mut()
        .open_shift_with("03", "07", &float, now)
        .unwrap();

    // Cash.
    scan(&mut rt, FLAT_WHITE);
    rt.dispatch(Action::PayCash);
    rt.dispatch(Action::QuickTender(0));
    assert!(matches!(rt.checkout.screen, Screen::Receipt { .. }));
    rt.dispatch(Action::Enter);
    // Wallet, by payment code.
    let shopper = easy_shoppers(rt.network())
        .into_iter()
        .next()
        .expect("an easy shopper");
    let wallet_no = wallet_sale(&mut rt, &shopper, &[LATTE]).unwrap();
    // Card (a test Mastercard).
    scan(&mut rt, FLAT_WHITE);
    rt.dispatch(Action::PayCard);
    rt.dispatch(Action::Char('3'));
    for _ in 0..20 {
        if matches!(rt.checkout.screen, Screen::Receipt { .. }) {
            break;
        }
        rt.advance(Duration::from_millis(500));
    }
    assert!(
        matches!(rt.checkout.screen, Screen::Receipt { .. }),
        "card sale done"
    );
    rt.dispatch(Action::Enter);

    let sales = rt.journal().all_sales().unwrap();
    assert_eq!(sales.len(), 3);
    let kinds: Vec<&str> = sales.iter().map(|s| s.tender.kind()).collect();
    assert_eq!(kinds, ["cash", "wallet", "card"]);
    let cash_total = sales[0].total.to_minor();

    // A partial refund of the cash sale and a post-void of the card sale.
    let at = rt.now();
    for (id, sale, kind, amount) in [
        ("RF1", &sales[0], RefundKind::Refund, 100),
        (
            "RF2",
            &sales[2],
            RefundKind::Void,
            sales[2].total.to_minor(),
        ),
    ] {
        let begun = rt
            .journal_mut()
            .begin_refund(&NewRefund {
                refund_request_id: id.into(),
                lane_id: "03".into(),
                sale_no: sale.sale_no,
                kind,
                reason: "test".into(),
                tender: sale.tender.kind().into(),
                brand: None,
                amount: usd(amount),
                tax: usd(0),
                wallet_amount: None,
                rate: None,
                lines: vec![RefundLine {
                    line: 0,
                    qty: 1,
                    amount: usd(amount),
                    tax: usd(0),
                }],
                created_at: at,
            })
            .unwrap();
        assert!(matches!(begun, BeginRefund::Started(_)), "{begun:?}");
        rt.journal_mut()
            .record_refund_event(id, &RefundEvent::new(RefundState::Settled, at))
            .unwrap();
    }
    let out = CashMove {
        kind: MoveKind::PaidOut,
        at,
        by: "07".into(),
        approved_by: None,
        amount_minor: 500,
        reason: "window cleaner".into(),
    };
    rt.journal_mut().record_move("03", &out).unwrap();

    // Close 0.25 short of the expected cash.
    let expected = 11_000 + cash_total - 100 - 500;
    let counted = Count {
        pieces: vec![
            (2000, expected as u32 / 2000),
            (1, (expected % 2000) as u32 - 25),
        ],
    };
    let close_at = rt.now() + Duration::from_secs(60);
    let (z, report) =
        close_with_z(rt.journal_mut(), &config, &counted, "07", None, close_at).unwrap();
    assert_eq!(z.z_no, 1);
    let dec = |m: i64| Decimal::new(m, 2);
    assert_eq!(report.sales_count, 3);
    assert_eq!(
        report.gross,
        dec(sales.iter().map(|s| s.total.to_minor()).sum())
    );
    assert_eq!(report.refunds, dec(100));
    assert_eq!(report.post_voids, dec(sales[2].total.to_minor()));
    assert_eq!(report.cash_expected, dec(expected));
    assert_eq!(report.cash_variance, Some(dec(-25)));
    assert_eq!((report.first_sale, report.last_sale), (Some(1), Some(3)));
    let tenders: Vec<&str> = report.tenders.iter().map(|t| t.tender.as_str()).collect();
    assert_eq!(tenders.len(), 3, "{tenders:?}");
    assert_eq!(tenders[0], "cash");
    let SaleTender::Wallet(w) = &sales[1].tender else {
        panic!("wallet")
    };
    let wallet = report
        .tenders
        .iter()
        .find(|t| t.tender == format!("wallet:{}", w.brand))
        .unwrap();
    assert_eq!(
        wallet.wallet_currency.as_deref(),
        w.wallet_amount.map(|m| m.currency().code())
    );
    assert!(
        report.tenders.iter().any(|t| t.tender == "card:Mastercard"),
        "{tenders:?}"
    );
    assert_eq!(wallet_no, 2);
    // No shift now: the next sale joins none, and the Z stays as written.
    assert!(rt.journal().open_shift("03").unwrap().is_none());
}
