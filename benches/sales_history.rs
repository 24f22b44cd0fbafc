//! Sales history on a long journal (issue 9 targets: with 1,000,000 sales, the history's first
//! page shows in under 20 ms and a filter keystroke answers in under 50 ms).
//!
//! - `sales_history/first_page`: from the basket, `h` (the runtime reads the first page from
//!   the journal) and the frame drawn by the real `CounterView` into a 120×40 `TestBackend`.
//! - `sales_history/keystroke/<filter>`: the history open with all but the last character of
//!   `<filter>` typed; one keystroke (the runtime re-reads the first page) and the frame. The
//!   character is erased again outside the timing.
//!
//! The journal is generated once per run into a temp dir: a dozen template sales (cash, card,
//! five wallets; different items and totals) are committed through `Journal::commit_sale`, then
//! copied by SQL in one transaction, each copy with its own sale number and a time 20 s after
//! the one before (so the item-word index is filled by the journal's own trigger).
//!
//! Run: `cargo bench --bench sales_history`. `SALES_HISTORY_SALES=N` changes the size.

use criterion::Criterion;
use qrtill::checkout::payment::PayMode;
use qrtill::checkout::sale::{CardTender, CompletedSale, SaleLine, SaleTender, WalletTender};
use qrtill::checkout::{Action, Screen};
use qrtill::clock::{ManualClock, Timestamp};
use qrtill::config::Config;
use qrtill::harness::{self, DEMO_SEED, DEMO_START};
use qrtill::journal::Journal;
use qrtill::money::{Currency, Money};
use qrtill::runtime::{Runtime, ScreenPrinter};
use qrtill::ui::{CounterView, Panes};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use rusqlite::{Connection, params};
use std::hint::black_box;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

fn sales_wanted() -> u64 {
    std::env::var("SALES_HISTORY_SALES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000)
}

fn usd(minor: i64) -> Money {
    Money::from_minor(minor, Currency::USD).expect("a USD amount")
}

/// (tender, items, total in cents) of the template sales.
const TEMPLATES: [(&str, &[&str], i64); 12] = [
    ("cash", &["Drip coffee 16oz"], 353),
    ("card", &["Latte 16oz", "Blueberry muffin"], 879),
    ("Alipay", &["Green tea 16oz"], 353),
    ("Kakao Pay", &["Chai latte 16oz"], 543),
    ("WeChat Pay", &["Butter croissant", "Flat white 12oz"], 810),
    (
        "GCash",
        &["Almond croissant", "Cappuccino 12oz", "Banana"],
        1548,
    ),
    ("cash", &["Cold brew 16oz"], 538),
    ("card", &["USB-C charging cable 3ft braided"], 1411),
    (
        "AlipayHK",
        &["Latte 16oz", "Potato chips sea salt 1oz"],
        1028,
    ),
    (
        "cash",
        &["Compact umbrella", "Spearmint gum 15 sticks"],
        1981,
    ),
    ("TrueMoney", &["Milk chocolate bar 1.55oz", "Banana"], 454),
    ("Alipay", &["Reusable coffee cup 12oz"], 1081),
];

fn template(lane: &str, (tender, items, total): (&str, &[&str], i64)) -> CompletedSale {
    let lines: Vec<SaleLine> = items
        .iter()
        .map(|name| SaleLine {
            barcode: "2000000000138".into(),
            name: (*name).into(),
            qty: 1,
            unit_price: usd(total / items.len() as i64),
            line_total: usd(total / items.len() as i64),
            tax_category: "prepared".into(),
        })
        .collect();
    let tender = match tender {
        "cash" => SaleTender::Cash {
            tendered: usd(total),
            change: usd(0),
        },
        "card" => SaleTender::Card(CardTender {
            brand: "Visa".into(),
            masked_pan: "**** **** **** 0010".into(),
            aid: "A0000000031010".into(),
            auth_code: "123456".into(),
            amount: usd(total),
            payment_request_id: String::new(),
        }),
        brand => SaleTender::Wallet(WalletTender {
            brand: brand.into(),
            mode: PayMode::PaymentCode,
            payment_request_id: "bench".into(),
            wallet_txn_id: "2026112122001".into(),
            masked_account: "***1234".into(),
            amount: usd(total),
            wallet_amount: None,
            rate: None,
            promotion: None,
            settlement: None,
        }),
    };
    CompletedSale {
        lane_id: lane.into(),
        sale_no: 0,
        completed_at: DEMO_START,
        lines,
        subtotal: usd(total),
        tax: usd(0),
        total: usd(total),
        tax_lines: vec![],
        tender,
    }
}

/// Writes `n` sales into `dir/journal.sqlite`.
fn generate(dir: &Path, n: u64, lane: &str) {
    let path = dir.join("journal.sqlite");
    {
        let mut journal = Journal::open(&path).expect("the journal opens");
        for t in TEMPLATES {
            journal
                .commit_sale(template(lane, t), None)
                .expect("a template sale");
        }
    }
    let t = TEMPLATES.len() as i64;
    let mut conn = Connection::open(&path).expect("journal");
    let tx = conn.transaction().expect("tx");
    // Copy i (t < i <= n) is template ((i - 1) % t) + 1, at DEMO_START + i * 20 s.
    tx.execute(
        "WITH RECURSIVE k(i) AS (SELECT ?2 + 1 UNION ALL SELECT i + 1 FROM k WHERE i < ?1)
         INSERT INTO sales (lane_id, sale_no, completed_at, total_minor, currency, tender, body)
         SELECT s.lane_id, i, ?3 + i * 20000, s.total_minor, s.currency, s.tender,
                json_set(s.body, '$.sale_no', i, '$.completed_at', ?3 + i * 20000)
         FROM k JOIN sales s ON s.id = ((i - 1) % ?2) + 1",
        params![n as i64, t, DEMO_START.millis()],
    )
    .expect("copy the templates");
    tx.commit().expect("commit");
}

fn draw(rt: &Runtime<ManualClock>, config: &Config, terminal: &mut Terminal<TestBackend>) {
    let panes = Panes::default();
    terminal
        .draw(|f| {
            let view = CounterView {
                checkout: &rt.checkout,
                config,
                now: rt.now(),
                network: Some(rt.network()),
                panes: &panes,
            };
            f.render_widget(&view, f.area());
        })
        .expect("draw into a TestBackend");
}

fn rows_shown(rt: &Runtime<ManualClock>) -> usize {
    match &rt.checkout.screen {
        Screen::History(h) => h.rows.len(),
        other => panic!("not the history: {other:?}"),
    }
}

fn main() {
    let n = sales_wanted();
    let dir = tempfile::tempdir().expect("a temp dir");
    let config = Config::default();
    let started = Instant::now();
    generate(dir.path(), n, &config.store.lane_id);
    eprintln!("generated {n} sales in {:.1?}", started.elapsed());

    let catalog = Arc::new(harness::demo_catalog(&config).expect("the demo catalogue"));
    let journal = Journal::open(&dir.path().join("journal.sqlite")).expect("the journal opens");
    let network = harness::demo_network(DEMO_SEED).expect("the demo network");
    let mut rt = harness::assemble(
        &config,
        catalog,
        journal,
        Box::new(ScreenPrinter::default()),
        network,
        ManualClock::new(Timestamp(DEMO_START.millis() + n as i64 * 20_000 + 60_000)),
    );
    let mut terminal = Terminal::new(TestBackend::new(120, 40)).expect("a test terminal");

    let mut c = Criterion::default()
        .configure_from_args()
        .sample_size(30)
        .measurement_time(Duration::from_secs(4));
    let mut group = c.benchmark_group("sales_history");
    group.bench_function("first_page", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let t = Instant::now();
                rt.dispatch(Action::History);
                draw(&rt, &config, &mut terminal);
                total += t.elapsed();
                assert_eq!(rows_shown(&rt), 40.min(n as usize));
                black_box(terminal.backend().buffer());
                rt.dispatch(Action::Back);
            }
            total
        })
    });

    // Filters as a cashier types them; the last character is the measured keystroke.
    let filters = [
        ("cash", "cash"),
        ("wallet_brand", "kakao"),
        ("wallet_any", "wallet"),
        ("item_word", "croissant"),
        ("item_prefix", "c"),
        ("item_two_words", "latte muff"),
        ("item_and_tender", "latte alipayhk"),
        ("rare_item_and_tender", "umbrella card"),
        ("sale_number", "#500000"),
        ("exact_total", "15.48"),
        ("total_over", ">15"),
        ("day", "2026-11-25"),
    ];
    for (name, text) in filters {
        rt.dispatch(Action::History);
        let (typed, last) = text.split_at(text.len() - 1);
        harness::type_text(&mut rt, typed);
        let last = last.chars().next().expect("a last character");
        group.bench_function(format!("keystroke/{name}"), |b| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    let t = Instant::now();
                    rt.dispatch(Action::Char(last));
                    draw(&rt, &config, &mut terminal);
                    total += t.elapsed();
                    black_box(terminal.backend().buffer());
                    rt.dispatch(Action::Backspace);
                }
                total
            })
        });
        // Once more outside the timing, to report what the filter found.
        rt.dispatch(Action::Char(last));
        eprintln!(
            "{name} ({text}): {} row(s) on the first page",
            rows_shown(&rt)
        );
        rt.dispatch(Action::Back);
    }
    group.finish();
    c.final_summary();
}
