use super::*;
use crate::checkout::payment::PayMode;
use crate::checkout::sale::{SaleLine, SalePromotion, WalletTender};
use crate::clock::Timestamp;
use crate::journal::{NewRefund, RefundKind, RefundRecord, RefundState};
use crate::money::Currency;
use crate::network::FundedBy;
use proptest::prelude::*;

fn usd(minor: i64) -> Money {
    Money::from_minor(minor, Currency::USD).unwrap()
}

fn line(name: &str, qty: u32, unit_minor: i64, cat: &str) -> SaleLine {
    SaleLine {
        barcode: String::new(),
        name: name.into(),
        qty,
        unit_price: usd(unit_minor),
        line_total: usd(unit_minor * i64::from(qty)),
        tax_category: cat.into(),
    }
}

fn rate_of(code: &str) -> Option<Decimal> {
    match code {
        "prepared" => Some("0.0875".parse().unwrap()),
        "food" => Some(Decimal::ZERO),
        _ => None,
    }
}

/// A sale whose tax is 8.75% of the prepared lines, rounded half-up once (per receipt).
fn sale(lines: Vec<SaleLine>, tender: Option<WalletTender>) -> CompletedSale {
    let subtotal: i64 = lines.iter().map(|l| l.line_total.to_minor()).sum();
    let prepared: Decimal = lines
        .iter()
        .filter(|l| l.tax_category == "prepared")
        .map(|l| l.line_total.amount())
        .sum();
    let tax = Money::rounded(
        prepared * rate_of("prepared").unwrap(),
        Currency::USD,
        Rounding::HalfUp,
    )
    .unwrap();
    let total = usd(subtotal).checked_add(tax).unwrap();
    let tender = match tender {
        Some(mut w) => {
            w.amount = total;
            SaleTender::Wallet(w)
        }
        None => SaleTender::Cash {
            tendered: total,
            change: usd(0),
        },
    };
    CompletedSale {
        lane_id: "03".into(),
        sale_no: 7,
        completed_at: Timestamp(0),
        lines,
        subtotal: usd(subtotal),
        tax,
        total,
        tax_lines: vec![],
        tender,
    }
}

fn wallet(paid: Money, rate: &str, promo: Option<(FundedBy, Money)>) -> WalletTender {
    WalletTender {
        brand: "Alipay+".into(),
        mode: PayMode::PaymentCode,
        payment_request_id: "P1".into(),
        wallet_txn_id: String::new(),
        masked_account: String::new(),
        amount: usd(0),
        wallet_amount: Some(paid),
        rate: Some(rate.parse().unwrap()),
        promotion: promo.map(|(funded_by, amount)| SalePromotion {
            description: "Promo".into(),
            amount,
            funded_by,
        }),
        settlement: None,
    }
}

/// A journal-shaped record of a plan, so `Taken::from_records` is exercised as the flow uses it.
fn record(p: &Plan, state: RefundState) -> RefundRecord {
    RefundRecord {
        refund_no: 1,
        refund: NewRefund {
            refund_request_id: "R".into(),
            lane_id: "03".into(),
            sale_no: 7,
            kind: RefundKind::Refund,
            reason: "Damaged".into(),
            tender: "wallet".into(),
            brand: None,
            amount: p.amount,
            tax: p.tax,
            wallet_amount: p.wallet_amount,
            rate: p.rate,
            lines: p.lines.clone(),
            created_at: Timestamp(0),
        },
        state,
        updated_at: Timestamp(0),
        settled_wallet_amount: None,
        network_id: None,
        detail: None,
    }
}

#[test]
fn tax_shares_add_up_to_the_sale_tax_and_skip_untaxed_lines() {
    let s = sale(
        vec![
            line("Flat white", 3, 333, "prepared"),
            line("Apple", 2, 50, "food"),
            line("Bagel", 1, 129, "prepared"),
        ],
        None,
    );
    let shares = allocate_tax(&s, &rate_of).unwrap();
    // 8.75% of 11.28 = 0.987 -> 0.99 (half-up) shared 9.99 : 1.29.
    assert_eq!(s.tax, usd(99));
    assert_eq!(shares, vec![usd(88), usd(0), usd(11)]);
}

#[test]
fn partial_refunds_take_tax_in_proportion_and_the_last_takes_the_rest() {
    let s = sale(vec![line("Flat white", 3, 333, "prepared")], None);
    let b = basis(&s, &rate_of).unwrap();
    assert_eq!(s.tax, usd(87)); // 9.99 x 8.75% = 0.874125 -> 0.87
    let mut records = Vec::new();
    let mut taxes = Vec::new();
    for _ in 0..3 {
        let taken = Taken::from_records(&records);
        let p = plan(&s, &b, &taken, &Choice::Lines(vec![(0, 1)])).unwrap();
        taxes.push(p.tax);
        records.push(record(&p, RefundState::Settled));
    }
    // 0.87 / 3 = 0.29 each; exact thirds here, so no remainder.
    assert_eq!(taxes, vec![usd(29), usd(29), usd(29)]);
    let s2 = sale(vec![line("Bagel", 3, 129, "prepared")], None);
    let b2 = basis(&s2, &rate_of).unwrap();
    assert_eq!(s2.tax, usd(34)); // 3.87 x 8.75% = 0.338625 -> 0.34
    let first = plan(&s2, &b2, &Taken::default(), &Choice::Lines(vec![(0, 2)])).unwrap();
    assert_eq!(first.tax, usd(23)); // 0.34 x 2/3 = 0.2266.. -> 0.23
    let taken = Taken::from_records(&[record(&first, RefundState::Settled)]);
    let last = plan(&s2, &b2, &taken, &Choice::Whole).unwrap();
    assert_eq!(last.tax, usd(11));
    assert_eq!(last.amount, usd(129 + 11));
    assert!(last.completes);
}

#[test]
fn over_the_remainder_is_refused_saying_what_is_left() {
    let s = sale(vec![line("Flat white", 3, 333, "prepared")], None);
    let b = basis(&s, &rate_of).unwrap();
    let p = plan(&s, &b, &Taken::default(), &Choice::Lines(vec![(0, 2)])).unwrap();
    let taken = Taken::from_records(&[record(&p, RefundState::Requested)]);
    let err = plan(&s, &b, &taken, &Choice::Lines(vec![(0, 2)])).unwrap_err();
    assert_eq!(
        err.to_string(),
        "line 1 (Flat white): 2 asked, only 1 left to refund"
    );
    // A failed refund gives its units back.
    let taken = Taken::from_records(&[record(&p, RefundState::Failed)]);
    assert!(plan(&s, &b, &taken, &Choice::Lines(vec![(0, 3)])).is_ok());
    let missing = plan(&s, &b, &Taken::default(), &Choice::Lines(vec![(4, 1)])).unwrap_err();
    assert!(
        missing.to_string().contains("line 5 does not exist"),
        "{missing}"
    );
}

#[test]
fn wallet_refunds_use_the_booked_rate_figures_of_the_sale() {
    // USD 10.87 paid as CNY 78.53 at the booked 7.2247: a later FX table does not matter, the
    // refund is a share of what the shopper paid.
    let s = sale(
        vec![line("Flat white", 3, 333, "prepared")],
        Some(wallet(
            Money::from_minor(7853, Currency::CNY).unwrap(),
            "7.2247",
            None,
        )),
    );
    let b = basis(&s, &rate_of).unwrap();
    let p = plan(&s, &b, &Taken::default(), &Choice::Lines(vec![(0, 1)])).unwrap();
    assert_eq!(p.amount, usd(333 + 29));
    // 78.53 x 3.62 / 10.86 = 26.1766.. -> 26.18 (half-even)
    assert_eq!(s.total, usd(1086));
    assert_eq!(
        p.wallet_amount,
        Some(Money::from_minor(2618, Currency::CNY).unwrap())
    );
    assert_eq!(p.rate, Some("7.2247".parse().unwrap()));
}

#[test]
fn a_merchant_funded_promotion_scales_what_goes_back_a_wallet_funded_one_does_not() {
    let lines = vec![line("Cake", 2, 500, "food")];
    let promo = Some((
        FundedBy::Merchant,
        Money::from_minor(700, Currency::CNY).unwrap(),
    ));
    let mut w = wallet(
        Money::from_minor(6500, Currency::CNY).unwrap(),
        "7.2",
        promo,
    );
    w.settlement = Some(usd(903)); // 10.00 - 0.97 the merchant funded
    let s = sale(lines.clone(), Some(w));
    let b = basis(&s, &rate_of).unwrap();
    assert_eq!(b.refundable, usd(903));
    let half = plan(&s, &b, &Taken::default(), &Choice::Lines(vec![(0, 1)])).unwrap();
    assert_eq!(half.amount, usd(452)); // 5.00 x 9.03 / 10.00 = 4.515 -> 4.52 (half-even)
    let taken = Taken::from_records(&[record(&half, RefundState::Settled)]);
    let rest = plan(&s, &b, &taken, &Choice::Whole).unwrap();
    assert_eq!(rest.amount, usd(451));
    assert_eq!(
        rest.wallet_amount
            .unwrap()
            .checked_add(half.wallet_amount.unwrap())
            .unwrap(),
        Money::from_minor(6500, Currency::CNY).unwrap()
    );

    let promo = Some((
        FundedBy::Wallet,
        Money::from_minor(700, Currency::CNY).unwrap(),
    ));
    let mut w = wallet(
        Money::from_minor(6500, Currency::CNY).unwrap(),
        "7.2",
        promo,
    );
    w.settlement = Some(usd(1000));
    let s = sale(lines, Some(w));
    let b = basis(&s, &rate_of).unwrap();
    let half = plan(&s, &b, &Taken::default(), &Choice::Lines(vec![(0, 1)])).unwrap();
    // The merchant gives back the full 5.00; the shopper half of the CNY 65.00 they paid.
    assert_eq!(half.amount, usd(500));
    assert_eq!(
        half.wallet_amount,
        Some(Money::from_minor(3250, Currency::CNY).unwrap())
    );
}

#[test]
fn krw_refunds_stay_in_whole_won() {
    let s = sale(
        vec![line("Tea", 3, 100, "food")],
        Some(wallet(
            Money::from_minor(4001, Currency::KRW).unwrap(),
            "1333.67",
            None,
        )),
    );
    let b = basis(&s, &rate_of).unwrap();
    let p = plan(&s, &b, &Taken::default(), &Choice::Lines(vec![(0, 1)])).unwrap();
    // 4001 / 3 = 1333.67 -> 1334 won
    assert_eq!(
        p.wallet_amount,
        Some(Money::from_minor(1334, Currency::KRW).unwrap())
    );
}

#[test]
fn nothing_left_is_said_plainly() {
    let s = sale(vec![line("Tea", 1, 100, "food")], None);
    let b = basis(&s, &rate_of).unwrap();
    let p = plan(&s, &b, &Taken::default(), &Choice::Whole).unwrap();
    let taken = Taken::from_records(&[record(&p, RefundState::Settled)]);
    let err = plan(&s, &b, &taken, &Choice::Whole).unwrap_err();
    assert_eq!(err, PlanError::NothingLeft(7));
}

fn arb_sale() -> impl Strategy<Value = CompletedSale> {
    let lines = prop::collection::vec((1u32..6, 1i64..5000, prop::bool::ANY), 1..5);
    let wallet_kind = prop_oneof![
        Just(None),
        (
            1i64..500_000,
            prop_oneof![Just(Currency::CNY), Just(Currency::KRW)],
            0u8..3
        )
            .prop_map(Some),
    ];
    (lines, wallet_kind).prop_map(|(lines, w)| {
        let lines: Vec<SaleLine> = lines
            .into_iter()
            .enumerate()
            .map(|(i, (q, p, taxed))| {
                line(
                    &format!("item{i}"),
                    q,
                    p,
                    if taxed { "prepared" } else { "food" },
                )
            })
            .collect();
        let base = sale(lines.clone(), None);
        let tender = w.map(|(paid, cur, promo)| {
            let funded = match promo {
                0 => None,
                1 => Some(FundedBy::Wallet),
                _ => Some(FundedBy::Merchant),
            };
            let mut t = wallet(
                Money::from_minor(paid, cur).unwrap(),
                "7.1",
                funded.map(|f| (f, Money::from_minor(1, cur).unwrap())),
            );
            // A merchant-funded promotion settles up to a third less than the total.
            t.settlement = Some(if funded == Some(FundedBy::Merchant) {
                usd(base.total.to_minor() - base.total.to_minor() / 3)
            } else {
                base.total
            });
            t
        });
        sale(lines, tender)
    })
}

proptest! {
    #[test]
    fn partial_refunds_never_exceed_the_sale_in_either_currency(
        s in arb_sale(),
        asks in prop::collection::vec((0u32..5, 0u32..7), 1..12),
    ) {
        let b = basis(&s, &rate_of).unwrap();
        let mut records: Vec<RefundRecord> = Vec::new();
        let mut units = vec![0u32; s.lines.len()];
        for (line, qty) in asks.iter().copied().chain(std::iter::once((u32::MAX, 0))) {
            let taken = Taken::from_records(&records);
            let choice = if line == u32::MAX {
                Choice::Whole
            } else {
                Choice::Lines(vec![(line, qty)])
            };
            match plan(&s, &b, &taken, &choice) {
                Ok(p) => {
                    for l in &p.lines {
                        units[l.line as usize] += l.qty;
                    }
                    records.push(record(&p, RefundState::Settled));
                }
                Err(PlanError::OverRemainder { line, asked, left, .. }) => {
                    let i = (line - 1) as usize;
                    prop_assert!(asked > left);
                    prop_assert_eq!(left, s.lines[i].qty - units[i]);
                }
                Err(PlanError::NoSuchLine { line, .. }) => {
                    prop_assert!(line as usize > s.lines.len());
                }
                Err(PlanError::Empty) => prop_assert_eq!(qty, 0),
                Err(PlanError::NothingLeft(_)) => {
                    prop_assert!(units.iter().zip(&s.lines).all(|(u, l)| *u == l.qty));
                }
                Err(e) => prop_assert!(false, "{e}"),
            }
        }
        // After the final whole refund everything is back, exactly.
        let mut amount = Decimal::ZERO;
        let mut wallet = Decimal::ZERO;
        let mut line_tax = vec![Decimal::ZERO; s.lines.len()];
        for r in &records {
            amount += r.refund.amount.amount();
            wallet += r.refund.wallet_amount.map_or(Decimal::ZERO, |m| m.amount());
            for l in &r.refund.lines {
                line_tax[l.line as usize] += l.tax.amount();
                prop_assert!(!l.tax.is_negative());
            }
            prop_assert!(!r.refund.amount.is_negative());
            prop_assert!(amount <= b.refundable.amount());
            prop_assert!(amount <= s.total.amount());
            if let Some(paid) = b.wallet_paid {
                prop_assert!(wallet <= paid.amount());
            }
        }
        for (i, l) in s.lines.iter().enumerate() {
            prop_assert_eq!(units[i], l.qty);
            prop_assert_eq!(line_tax[i], b.line_tax[i].amount());
        }
        prop_assert_eq!(amount, b.refundable.amount());
        if let Some(paid) = b.wallet_paid {
            prop_assert_eq!(wallet, paid.amount());
        }
    }
}
