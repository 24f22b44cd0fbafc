//! X/Z report integrity: random days of sales, refunds, post-voids and drawer moves, and the Z
//! figures checked against a naive sum over the journal's sale bodies (a separate path from the
//! running totals the report reads). Also the printed Z against golden files
//! (`UPDATE_GOLDEN=1 cargo test --test suite day_reports::` rewrites them).

use crate::common;

use common::golden::{assert_golden, hex_dump};
use proptest::prelude::*;
use qrtill::checkout::payment::PayMode;
use qrtill::checkout::sale::{
    CardTender, CompletedSale, SaleLine, SalePromotion, SaleTender, TaxLine, WalletTender,
};
use qrtill::clock::Timestamp;
use qrtill::config::Config;
use qrtill::journal::{
    BeginRefund, Journal, NewRefund, RefundEvent, RefundKind, RefundLine, RefundState,
};
use qrtill::money::{Currency, Decimal, Money};
use qrtill::network::FundedBy;
use qrtill::report::{Report, close_with_z, stored_z, to_escpos, to_text};
use qrtill::shift::{CashMove, Count, MoveKind};
use std::collections::BTreeMap;

fn usd(minor: i64) -> Money {
    Money::from_minor(minor, Currency::USD).unwrap()
}

fn dec(minor: i64) -> Decimal {
    Decimal::new(minor, 2)
}

#[derive(Debug, Clone)]
enum Op {
    Cash {
        price: i64,
        qty: u32,
        tax: i64,
    },
    Card {
        brand: usize,
        price: i64,
    },
    Wallet {
        brand: usize,
        price: i64,
        cny: i64,
        promo: Option<(i64, bool)>,
    },
    PaidIn(i64),
    PaidOut(i64),
    NoSale,
    /// Refund (or post-void) part of an earlier sale of this shift, picked by index.
    Refund {
        pick: usize,
        void: bool,
        part: i64,
    },
}

const CARDS: [&str; 2] = ["Visa", "UnionPay"];
const WALLETS: [&str; 3] = ["Alipay+", "WeChat Pay", "KakaoPay"];

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (1i64..20_000, 1u32..4, 0i64..500).prop_map(|(price, qty, tax)| Op::Cash { price, qty, tax }),
        2 => (0..CARDS.len(), 1i64..50_000).prop_map(|(brand, price)| Op::Card { brand, price }),
        3 => (0..WALLETS.len(), 1i64..50_000, 1i64..400_000,
              proptest::option::of((1i64..300, any::<bool>())))
            .prop_map(|(brand, price, cny, promo)| Op::Wallet { brand, price, cny, promo }),
        1 => (1i64..10_000).prop_map(Op::PaidIn),
        1 => (1i64..10_000).prop_map(Op::PaidOut),
        1 => Just(Op::NoSale),
        2 => (any::<usize>(), any::<bool>(), 1i64..100).prop_map(|(pick, void, part)| Op::Refund { pick, void, part }),
    ]
}

fn sale(total: i64, qty: u32, tax: i64, at: Timestamp, tender: SaleTender) -> CompletedSale {
    let unit = usd(total - tax);
    CompletedSale {
        lane_id: "03".into(),
        sale_no: 0,
        completed_at: at,
        lines: vec![SaleLine {
            barcode: format!("0000000000{:03}", (total % 7)),
            name: format!("Item {}", total % 7),
            qty,
            unit_price: unit,
            line_total: unit.times(qty).unwrap(),
            tax_category: "prepared".into(),
        }],
        subtotal: unit.times(qty).unwrap(),
        tax: usd(tax),
        total: usd(total),
        tax_lines: if tax > 0 {
            vec![TaxLine {
                label: "Sales tax".into(),
                rate: "0.08625".parse().unwrap(),
                amount: usd(tax),
            }]
        } else {
            vec![]
        },
        tender,
    }
}

fn wallet(brand: &str, price: i64, cny: i64, promo: Option<(i64, bool)>) -> SaleTender {
    SaleTender::Wallet(WalletTender {
        brand: brand.into(),
        mode: PayMode::PaymentCode,
        payment_request_id: format!("R{price}{cny}"),
        wallet_txn_id: format!("W{price}{cny}"),
        masked_account: "****1234".into(),
        amount: usd(price),
        wallet_amount: Some(Money::from_minor(cny, Currency::CNY).unwrap()),
        rate: Some("7.2".parse().unwrap()),
        promotion: promo.map(|(amount, by_wallet)| SalePromotion {
            description: "promo".into(),
            amount: usd(amount),
            funded_by: if by_wallet {
                FundedBy::Wallet
            } else {
                FundedBy::Merchant
            },
        }),
        settlement: None,
    })
}

/// Plays `ops` in one shift between sales before its open and after its close, and returns
/// the Z report and the moves as played.
fn play_day(
    ops: &[Op],
    float: &Count,
    counted: &Count,
) -> (Journal, Report, Vec<CashMove>, Timestamp, Timestamp) {
    let mut j = Journal::in_memory().unwrap();
    let config = Config::default();
    let mut t = Timestamp(1_764_489_600_000); // 2025-11-30 08:00 UTC
    let cash = |p| SaleTender::Cash {
        tendered: usd(p),
        change: usd(0),
    };
    // Outside any shift: must not count.
    j.commit_sale(sale(999, 1, 0, t, cash(999)), None).unwrap();
    t.0 += 60_000;
    let opened = t;
    j.open_shift_with("03", "07", float, t).unwrap();
    let mut moves = Vec::new();
    let mut sold: Vec<(u64, i64, String)> = Vec::new();
    for (i, op) in ops.iter().enumerate() {
        t.0 += 97_000 + (i as i64 % 5) * 1_300_000;
        match op {
            Op::Cash { price, qty, tax } => {
                let total = (price + tax) * i64::from(*qty);
                let tax = tax * i64::from(*qty);
                let s = j
                    .commit_sale(sale(total, *qty, tax, t, cash(total)), None)
                    .unwrap();
                sold.push((s.sale_no, total, "cash".into()));
            }
            Op::Card { brand, price } => {
                let tender = SaleTender::Card(CardTender {
                    brand: CARDS[*brand].into(),
                    masked_pan: "****".into(),
                    aid: "A0".into(),
                    auth_code: "1".into(),
                    amount: usd(*price),
                    payment_request_id: String::new(),
                });
                let s = j.commit_sale(sale(*price, 1, 0, t, tender), None).unwrap();
                sold.push((s.sale_no, *price, "card".into()));
            }
            Op::Wallet {
                brand,
                price,
                cny,
                promo,
            } => {
                let tender = wallet(WALLETS[*brand], *price, *cny, *promo);
                let s = j.commit_sale(sale(*price, 1, 0, t, tender), None).unwrap();
                sold.push((s.sale_no, *price, "wallet".into()));
            }
            Op::PaidIn(_) | Op::PaidOut(_) | Op::NoSale => {
                let (kind, amount) = match op {
                    Op::PaidIn(a) => (MoveKind::PaidIn, *a),
                    Op::PaidOut(a) => (MoveKind::PaidOut, *a),
                    _ => (MoveKind::NoSale, 0),
                };
                let mv = CashMove {
                    kind,
                    at: t,
                    by: "07".into(),
                    approved_by: None,
                    amount_minor: amount,
                    reason: format!("op {i}"),
                };
                j.record_move("03", &mv).unwrap();
                moves.push(mv);
            }
            Op::Refund { pick, void, part } => {
                if sold.is_empty() {
                    continue;
                }
                let (sale_no, total, tender) = sold[pick % sold.len()].clone();
                let amount = (total * part / 100).max(1).min(total);
                let id = format!("RF{i}");
                let begun = j
                    .begin_refund(&NewRefund {
                        refund_request_id: id.clone(),
                        lane_id: "03".into(),
                        sale_no,
                        kind: if *void {
                            RefundKind::Void
                        } else {
                            RefundKind::Refund
                        },
                        reason: "test".into(),
                        tender,
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
                        created_at: t,
                    })
                    .unwrap();
                if matches!(begun, BeginRefund::Started(_)) {
                    j.record_refund_event(&id, &RefundEvent::new(RefundState::Settled, t))
                        .unwrap();
                }
            }
        }
    }
    t.0 += 60_000;
    let closed = t;
    let (_, report) = close_with_z(&mut j, &config, counted, "07", None, t).unwrap();
    t.0 += 60_000;
    j.commit_sale(sale(777, 1, 0, t, cash(777)), None).unwrap();
    (j, report, moves, opened, closed)
}

/// The figures recomputed from the sale bodies and refund rows, by time window.
fn naive_check(
    j: &Journal,
    r: &Report,
    moves: &[CashMove],
    float: &Count,
    counted: &Count,
    opened: Timestamp,
    closed: Timestamp,
) {
    let sales: Vec<CompletedSale> = j
        .all_sales()
        .unwrap()
        .into_iter()
        .filter(|s| s.completed_at >= opened && s.completed_at <= closed)
        .collect();
    let sum = |f: &dyn Fn(&CompletedSale) -> Option<i64>| sales.iter().filter_map(f).sum::<i64>();
    let gross = sum(&|s| Some(s.total.to_minor()));
    assert_eq!(r.sales_count, sales.len() as i64);
    assert_eq!(r.gross, dec(gross));
    let refunds: Vec<_> = j
        .all_refunds()
        .unwrap()
        .into_iter()
        .filter(|x| x.state == RefundState::Settled)
        .collect();
    let refunded = |k: RefundKind| {
        refunds
            .iter()
            .filter(|x| x.refund.kind == k)
            .map(|x| x.refund.amount.to_minor())
            .sum::<i64>()
    };
    let (ref_minor, void_minor) = (refunded(RefundKind::Refund), refunded(RefundKind::Void));
    assert_eq!(r.refunds, dec(ref_minor));
    assert_eq!(r.post_voids, dec(void_minor));
    assert_eq!(r.net, dec(gross - ref_minor - void_minor));
    // Tenders.
    let mut tenders: BTreeMap<String, (i64, i64, i64)> = BTreeMap::new();
    for s in &sales {
        let (key, amount, w) = match &s.tender {
            SaleTender::Cash { .. } => ("cash".to_string(), s.total.to_minor(), 0),
            SaleTender::Card(c) => (format!("card:{}", c.brand), c.amount.to_minor(), 0),
            SaleTender::Wallet(w) => (
                format!("wallet:{}", w.brand),
                w.amount.to_minor(),
                w.wallet_amount.map_or(0, |m| m.to_minor()),
            ),
        };
        let e = tenders.entry(key).or_default();
        *e = (e.0 + 1, e.1 + amount, e.2 + w);
    }
    let reported: BTreeMap<String, (i64, i64, i64)> = r
        .tenders
        .iter()
        .map(|t| {
            (
                t.tender.clone(),
                (
                    t.count,
                    (t.amount * Decimal::from(100)).try_into().unwrap(),
                    t.wallet_amount
                        .map_or(0, |a| (a * Decimal::from(100)).try_into().unwrap()),
                ),
            )
        })
        .collect();
    assert_eq!(reported, tenders);
    // Tax and promotions.
    let tax = sum(&|s| Some(s.tax_lines.iter().map(|t| t.amount.to_minor()).sum()));
    assert_eq!(r.tax.iter().map(|t| t.amount).sum::<Decimal>(), dec(tax));
    for (funder, wanted) in [
        ("wallet", FundedBy::Wallet),
        ("merchant", FundedBy::Merchant),
    ] {
        let naive = sum(&|s| match &s.tender {
            SaleTender::Wallet(w) => w
                .promotion
                .as_ref()
                .filter(|p| p.funded_by == wanted)
                .map(|p| p.amount.to_minor()),
            _ => None,
        });
        let got = r
            .promotions
            .iter()
            .find(|p| p.funded_by == funder)
            .map_or(Decimal::ZERO, |p| p.amount);
        assert_eq!(got, dec(naive), "{funder}");
    }
    // Drawer.
    let moved = |k: MoveKind| {
        moves
            .iter()
            .filter(|m| m.kind == k)
            .map(|m| m.amount_minor)
            .sum::<i64>()
    };
    let cash_sales =
        sum(&|s| matches!(s.tender, SaleTender::Cash { .. }).then(|| s.total.to_minor()));
    let cash_refunds: i64 = refunds
        .iter()
        .filter(|x| x.refund.tender == "cash")
        .map(|x| x.refund.amount.to_minor())
        .sum();
    let expected = float.total_minor() + cash_sales + moved(MoveKind::PaidIn)
        - moved(MoveKind::PaidOut)
        - cash_refunds;
    assert_eq!(r.paid_in, dec(moved(MoveKind::PaidIn)));
    assert_eq!(r.paid_out, dec(moved(MoveKind::PaidOut)));
    assert_eq!(
        r.no_sale_count,
        moves.iter().filter(|m| m.kind == MoveKind::NoSale).count() as i64
    );
    assert_eq!(r.cash_expected, dec(expected));
    assert_eq!(r.cash_counted, Some(dec(counted.total_minor())));
    assert_eq!(r.cash_variance, Some(dec(counted.total_minor() - expected)));
    // Hours and numbers.
    assert_eq!(
        r.hourly.iter().map(|h| h.amount).sum::<Decimal>(),
        dec(gross)
    );
    assert_eq!(
        r.hourly.iter().map(|h| h.count).sum::<i64>(),
        sales.len() as i64
    );
    assert_eq!(r.first_sale, sales.first().map(|s| s.sale_no as i64));
    assert_eq!(r.last_sale, sales.last().map(|s| s.sale_no as i64));
    let item_total: i64 = sales
        .iter()
        .flat_map(|s| &s.lines)
        .map(|l| l.line_total.to_minor())
        .sum();
    if r.top_items.len() < 10 {
        assert_eq!(
            r.top_items.iter().map(|i| i.amount).sum::<Decimal>(),
            dec(item_total)
        );
    }
}

fn counts() -> (Count, Count) {
    let float = Count {
        pieces: vec![(2000, 5), (100, 10), (25, 8)],
    };
    let counted = Count {
        pieces: vec![(2000, 9), (100, 3), (25, 1)],
    };
    (float, counted)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]
    #[test]
    fn z_figures_equal_a_naive_sum_over_the_journal(ops in proptest::collection::vec(op(), 0..40)) {
        let (float, counted) = counts();
        let (j, report, moves, opened, closed) = play_day(&ops, &float, &counted);
        naive_check(&j, &report, &moves, &float, &counted, opened, closed);
        // The stored Z reads back as written.
        prop_assert_eq!(stored_z(&j, "03", Some(1)).unwrap(), Some(report));
    }
}

fn fixed_day() -> Vec<Op> {
    vec![
        Op::Cash {
            price: 450,
            qty: 2,
            tax: 39,
        },
        Op::Wallet {
            brand: 0,
            price: 1304,
            cny: 9416,
            promo: Some((50, false)),
        },
        Op::PaidOut(1250),
        Op::Card {
            brand: 0,
            price: 249,
        },
        Op::Wallet {
            brand: 1,
            price: 2999,
            cny: 21650,
            promo: Some((100, true)),
        },
        Op::NoSale,
        Op::Cash {
            price: 1200,
            qty: 1,
            tax: 104,
        },
        Op::Refund {
            pick: 0,
            void: false,
            part: 50,
        },
        Op::PaidIn(2000),
        Op::Refund {
            pick: 3,
            void: true,
            part: 100,
        },
    ]
}

#[test]
fn the_printed_z_matches_its_golden_files() {
    let (float, counted) = counts();
    let (_, report, ..) = play_day(&fixed_day(), &float, &counted);
    let text = to_text(&report, "Moonlight Café");
    for line in text.lines() {
        assert!(
            qrtill::receipt::width::width(line) <= 42,
            "too wide: {line:?}"
        );
    }
    assert_golden("z_day.w42.txt", &text);
    let bytes = to_escpos(
        &report,
        "Moonlight Café",
        qrtill::receipt::PrinterCharset::Gb18030,
    );
    assert_golden("z_day.w42.escpos.hex", &hex_dump(&bytes));
}

#[test]
fn the_fixed_day_passes_the_naive_check_too() {
    let (float, counted) = counts();
    let (j, report, moves, opened, closed) = play_day(&fixed_day(), &float, &counted);
    naive_check(&j, &report, &moves, &float, &counted, opened, closed);
    assert_eq!(report.number, Some(1));
    assert!(report.refunds > Decimal::ZERO && report.post_voids > Decimal::ZERO);
}
