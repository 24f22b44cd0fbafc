//! Sales-history reads from the journal: newest first, pages that continue without gaps or
//! repeats (also while sales are added), and filters that combine. Expected results come from
//! the test's own list of what it committed, not from the journal.

use qrtill::checkout::history::{HistoryQuery, HistoryRow};
use qrtill::checkout::history_filter::{
    AmountFilter, FilterContext, HistoryFilter, TenderFilter, parse_filter,
};
use qrtill::checkout::payment::PayMode;
use qrtill::checkout::sale::{CardTender, CompletedSale, SaleLine, SaleTender, WalletTender};
use qrtill::clock::Timestamp;
use qrtill::journal::{
    BeginRefund, Journal, NewRefund, RefundEvent, RefundKind, RefundLine, RefundState,
};
use qrtill::money::{Currency, Money};

const LANE: &str = "03";
/// 2026-11-21 00:00 at UTC-8.
const DAY: i64 = 1_795_248_000_000;
const HOUR: i64 = 3_600_000;

fn usd(minor: i64) -> Money {
    Money::from_minor(minor, Currency::USD).unwrap()
}

const ITEMS: [&str; 4] = [
    "Flat white",
    "Banana bread",
    "Green tea 16oz",
    "Café au lait",
];
const TENDERS: [&str; 5] = ["cash", "card", "Alipay", "Kakao Pay", "WeChat Pay"];

/// What the test committed, to compute expectations from.
#[derive(Debug, Clone)]
struct Rung {
    sale_no: u64,
    at: i64,
    total: i64,
    tender: &'static str,
    items: Vec<&'static str>,
}

fn sale(lane: &str, r: &Rung) -> CompletedSale {
    let lines = r
        .items
        .iter()
        .map(|name| SaleLine {
            barcode: "4006381333931".into(),
            name: (*name).into(),
            qty: 1,
            unit_price: usd(r.total),
            line_total: usd(r.total),
            tax_category: "prepared".into(),
        })
        .collect();
    let tender = match r.tender {
        "cash" => SaleTender::Cash {
            tendered: usd(r.total),
            change: usd(0),
        },
        "card" => SaleTender::Card(CardTender {
            brand: "Visa".into(),
            masked_pan: "**** 0010".into(),
            aid: "A0000000031010".into(),
            auth_code: "123456".into(),
            amount: usd(r.total),
            payment_request_id: String::new(),
        }),
        brand => SaleTender::Wallet(WalletTender {
            brand: brand.into(),
            mode: PayMode::PaymentCode,
            payment_request_id: format!("S0007L{lane}A{:06}", r.sale_no),
            wallet_txn_id: "T1".into(),
            masked_account: "***".into(),
            amount: usd(r.total),
            wallet_amount: None,
            rate: None,
            promotion: None,
            settlement: None,
        }),
    };
    CompletedSale {
        lane_id: lane.into(),
        sale_no: 0,
        completed_at: Timestamp(r.at),
        lines,
        subtotal: usd(r.total),
        tax: usd(0),
        total: usd(r.total),
        tax_lines: vec![],
        tender,
    }
}

/// `n` sales an hour apart from DAY 00:00, tenders, items and totals cycling at different
/// periods so every combination occurs.
fn ring(journal: &mut Journal, n: u64) -> Vec<Rung> {
    (1..=n)
        .map(|i| {
            let k = i as usize;
            let r = Rung {
                sale_no: i,
                at: DAY + i as i64 * HOUR,
                total: 100 * (1 + (i as i64 % 7)),
                tender: TENDERS[k % TENDERS.len()],
                items: if k.is_multiple_of(3) {
                    vec![ITEMS[k % 4], ITEMS[(k + 1) % 4]]
                } else {
                    vec![ITEMS[k % 4]]
                },
            };
            let stored = journal.commit_sale(sale(LANE, &r), None).unwrap();
            assert_eq!(stored.sale_no, i);
            r
        })
        .collect()
}

fn query(filter: HistoryFilter, before: Option<i64>) -> HistoryQuery {
    HistoryQuery {
        lane_id: LANE.into(),
        filter,
        before,
        limit: 40,
    }
}

/// Every page of `filter`, walked by the cursor: the sale numbers in order.
fn walk(journal: &Journal, filter: &HistoryFilter) -> Vec<u64> {
    let mut out = Vec::new();
    let mut before = None;
    for _ in 0..100 {
        let page = journal
            .history_page(&query(filter.clone(), before))
            .unwrap();
        assert!(page.rows.len() <= 40);
        out.extend(page.rows.iter().map(|r| r.sale_no));
        if !page.more {
            return out;
        }
        assert_eq!(page.rows.len(), 40, "a page before the last is full");
        before = page.rows.last().map(|r| r.id);
    }
    panic!("more than 100 pages");
}

/// The sale numbers of `rungs` that `keep` accepts, newest first.
fn expected(rungs: &[Rung], keep: impl Fn(&Rung) -> bool) -> Vec<u64> {
    rungs
        .iter()
        .rev()
        .filter(|r| keep(r))
        .map(|r| r.sale_no)
        .collect()
}

fn ctx() -> FilterContext {
    FilterContext {
        currency: Currency::USD,
        utc_offset_minutes: -480,
        brands: vec!["Alipay".into(), "Kakao Pay".into(), "WeChat Pay".into()],
    }
}

#[test]
fn newest_first_in_full_pages_without_gaps_or_repeats() {
    let mut j = Journal::in_memory().unwrap();
    let rungs = ring(&mut j, 95);
    let all = walk(&j, &HistoryFilter::default());
    assert_eq!(all, expected(&rungs, |_| true));
    let first = j
        .history_page(&query(HistoryFilter::default(), None))
        .unwrap();
    assert!(first.more);
    assert_eq!(first.rows[0].sale_no, 95);
    assert_eq!(first.rows[0].total, usd(100 * (1 + 95 % 7)));
    assert_eq!(first.rows[0].completed_at, Timestamp(DAY + 95 * HOUR));
}

#[test]
fn a_page_continues_below_its_cursor_while_new_sales_arrive() {
    let mut j = Journal::in_memory().unwrap();
    ring(&mut j, 60);
    let first = j
        .history_page(&query(HistoryFilter::default(), None))
        .unwrap();
    let cursor = first.rows.last().map(|r| r.id);
    // Five more sales after the first page was read.
    for i in 61..=65 {
        let r = Rung {
            sale_no: i,
            at: DAY + i as i64 * HOUR,
            total: 100,
            tender: "cash",
            items: vec!["Flat white"],
        };
        j.commit_sale(sale(LANE, &r), None).unwrap();
    }
    let second = j
        .history_page(&query(HistoryFilter::default(), cursor))
        .unwrap();
    let numbers: Vec<u64> = first
        .rows
        .iter()
        .chain(&second.rows)
        .map(|r| r.sale_no)
        .collect();
    assert_eq!(numbers, (1..=60).rev().collect::<Vec<u64>>());
    assert!(!second.more);
    // The newest page now starts at the new sales.
    let fresh = j
        .history_page(&query(HistoryFilter::default(), None))
        .unwrap();
    assert_eq!(fresh.rows[0].sale_no, 65);
}

#[test]
fn each_filter_narrows_as_the_committed_list_says() {
    let mut j = Journal::in_memory().unwrap();
    let rungs = ring(&mut j, 120);
    let f = |text: &str| parse_filter(text, &ctx()).filter;

    assert_eq!(
        walk(&j, &f("cash")),
        expected(&rungs, |r| r.tender == "cash")
    );
    assert_eq!(
        walk(&j, &f("card")),
        expected(&rungs, |r| r.tender == "card")
    );
    let wallets = ["Alipay", "Kakao Pay", "WeChat Pay"];
    assert_eq!(
        walk(&j, &f("wallet")),
        expected(&rungs, |r| wallets.contains(&r.tender))
    );
    assert_eq!(
        walk(&j, &f("kakao")),
        expected(&rungs, |r| r.tender == "Kakao Pay")
    );
    assert_eq!(walk(&j, &f("#77")), vec![77]);
    assert_eq!(walk(&j, &f("3.00")), expected(&rungs, |r| r.total == 300));
    assert_eq!(
        walk(&j, &f(">5 <=7")),
        expected(&rungs, |r| r.total > 500 && r.total <= 700)
    );
    // Day 2 of the run: sales 24..=47 (an hour apart from DAY 00:00).
    assert_eq!(
        walk(&j, &f("2026-11-22")),
        expected(&rungs, |r| r.at >= DAY + 24 * HOUR
            && r.at < DAY + 48 * HOUR)
    );
    assert_eq!(
        walk(&j, &f("..2026-11-21")),
        expected(&rungs, |r| r.at < DAY + 24 * HOUR)
    );
    assert_eq!(
        walk(&j, &f("2026-11-25..")),
        expected(&rungs, |r| r.at >= DAY + 96 * HOUR)
    );
    assert!(walk(&j, &f("2026-12-25")).is_empty());
}

#[test]
fn item_words_match_word_starts_in_any_case_and_all_must_match() {
    let mut j = Journal::in_memory().unwrap();
    let rungs = ring(&mut j, 90);
    let f = |text: &str| parse_filter(text, &ctx()).filter;
    let has = |r: &Rung, word: &str| {
        r.items.iter().any(|i| {
            i.to_lowercase()
                .split_whitespace()
                .any(|w| w.starts_with(word))
        })
    };
    assert_eq!(walk(&j, &f("ban")), expected(&rungs, |r| has(r, "ban")));
    assert_eq!(
        walk(&j, &f("FLAT Wh")),
        expected(&rungs, |r| has(r, "flat") && has(r, "wh"))
    );
    // Two items in one sale: words from both.
    assert_eq!(
        walk(&j, &f("banana tea")),
        expected(&rungs, |r| has(r, "banana") && has(r, "tea"))
    );
    assert!(!walk(&j, &f("banana tea")).is_empty());
    // Accents fold: "cafe" finds "Café".
    assert_eq!(walk(&j, &f("cafe")), expected(&rungs, |r| has(r, "café")));
    assert!(walk(&j, &f("zebra")).is_empty());
    // With a tender, a sale number or a day.
    for tender in ["cash", "card", "wallet", "kakao", "alipay"] {
        let kept = |r: &Rung| match tender {
            "wallet" => !["cash", "card"].contains(&r.tender),
            "kakao" => r.tender == "Kakao Pay",
            "alipay" => r.tender == "Alipay",
            t => r.tender == t,
        };
        assert_eq!(
            walk(&j, &f(&format!("ban {tender}"))),
            expected(&rungs, |r| has(r, "ban") && kept(r)),
            "ban {tender}"
        );
    }
    assert_eq!(walk(&j, &f("#6 green")), vec![6]);
    assert!(walk(&j, &f("#5 green")).is_empty());
    assert_eq!(
        walk(&j, &f("tea 2026-11-22")),
        expected(&rungs, |r| has(r, "tea")
            && r.at >= DAY + 24 * HOUR
            && r.at < DAY + 48 * HOUR)
    );
    // Quotes and FTS syntax in a word are text, not query syntax.
    assert!(walk(&j, &f("\"ban")).len() == walk(&j, &f("ban")).len());
    assert!(walk(&j, &f("ban* OR")).is_empty());
}

#[test]
fn filters_combine() {
    let mut j = Journal::in_memory().unwrap();
    let rungs = ring(&mut j, 150);
    let filter = HistoryFilter {
        tender: Some(TenderFilter::Brand("Alipay".into())),
        amount: Some(AmountFilter {
            min_minor: Some(300),
            max_minor: None,
        }),
        words: vec!["green".into()],
        since: Some(Timestamp(DAY + 24 * HOUR)),
        until: Some(Timestamp(DAY + 120 * HOUR)),
        sale_no: None,
    };
    let want = expected(&rungs, |r| {
        r.tender == "Alipay"
            && r.total >= 300
            && r.items.iter().any(|i| i.starts_with("Green"))
            && r.at >= DAY + 24 * HOUR
            && r.at < DAY + 120 * HOUR
    });
    assert!(!want.is_empty(), "the data has such sales");
    assert_eq!(walk(&j, &filter), want);
}

#[test]
fn another_lane_is_not_listed() {
    let mut j = Journal::in_memory().unwrap();
    ring(&mut j, 3);
    let r = Rung {
        sale_no: 1,
        at: DAY,
        total: 100,
        tender: "cash",
        items: vec!["Flat white"],
    };
    j.commit_sale(sale("04", &r), None).unwrap();
    assert_eq!(walk(&j, &HistoryFilter::default()), vec![3, 2, 1]);
}

fn refund(no: u64, request: &str, line: u32, minor: i64) -> NewRefund {
    NewRefund {
        refund_request_id: request.into(),
        lane_id: LANE.into(),
        sale_no: no,
        kind: RefundKind::Refund,
        reason: "Damaged".into(),
        tender: "cash".into(),
        brand: None,
        amount: usd(minor),
        tax: usd(0),
        wallet_amount: None,
        rate: None,
        lines: vec![RefundLine {
            line,
            qty: 1,
            amount: usd(minor),
            tax: usd(0),
        }],
        created_at: Timestamp(DAY + 200 * HOUR),
    }
}

fn row(j: &Journal, sale_no: u64) -> HistoryRow {
    let filter = HistoryFilter {
        sale_no: Some(sale_no),
        ..HistoryFilter::default()
    };
    j.history_page(&query(filter, None)).unwrap().rows.remove(0)
}

#[test]
fn settled_refunds_count_and_open_ones_do_not() {
    let mut j = Journal::in_memory().unwrap();
    ring(&mut j, 10);
    // Sale 6 (two lines): a settled refund of 1.50 on one line, a requested one of 2.00 on
    // the other.
    let started = |b: BeginRefund| matches!(b, BeginRefund::Started(_));
    assert!(started(j.begin_refund(&refund(6, "R1", 0, 150)).unwrap()));
    j.record_refund_event(
        "R1",
        &RefundEvent::new(RefundState::Settled, Timestamp(DAY + 201 * HOUR)),
    )
    .unwrap();
    assert!(started(j.begin_refund(&refund(6, "R2", 1, 200)).unwrap()));
    assert_eq!(row(&j, 6).refunded, usd(150));
    assert_eq!(row(&j, 5).refunded, usd(0));

    let record = j.sale_record(LANE, 6).unwrap().unwrap();
    assert_eq!(record.refunds.len(), 2);
    assert_eq!(record.refunded(), usd(150));
    let text = record.refunds_text(-480).join("\n");
    assert!(text.contains("-USD 1.50"), "{text}");
    assert!(text.contains("requested · Damaged"), "{text}");
    assert!(text.contains("1 x Green tea 16oz"), "{text}");
    assert!(text.contains("1 x Café au lait"), "{text}");
    assert!(text.contains("Refunded in all: USD 1.50"), "{text}");
    assert_eq!(j.sale_record(LANE, 99).unwrap(), None);
}
