//! X and Z reports on long shifts (issue 10 targets: a Z report over a shift of 1,000,000 sales
//! in under 1 s; an X report on screen in under 50 ms with 100,000 sales in the shift).
//!
//! - `reports/z_1m_sales`: what closing does to make the Z: read the shift's running totals and
//!   drawer moves (`Journal::shift_data`), build the figures with the blind count, and lay out
//!   the 42-column print. (The close then inserts one row; the Z itself is written once, so it
//!   cannot be repeated per iteration.)
//! - `reports/x_on_screen_100k_sales`: `x_report` (totals, moves, refunds of the shift) and one
//!   frame of the report view at 120×40 into a `TestBackend`.
//!
//! The shifts are filled through `Journal::commit_sale` into an in-memory journal (so each sale
//! moves the running totals exactly as the counter's commits do), with 40 items, 3 tenders and
//! sales spread over 12 hours. Filling 1M sales takes a while; `REPORTS_BENCH_Z_SALES=N` changes
//! the size. Run: `cargo bench --bench reports`.

use criterion::Criterion;
use qrtill::checkout::payment::PayMode;
use qrtill::checkout::sale::{
    CardTender, CompletedSale, SaleLine, SaleTender, TaxLine, WalletTender,
};
use qrtill::clock::Timestamp;
use qrtill::config::Config;
use qrtill::journal::Journal;
use qrtill::money::{Currency, Money};
use qrtill::report::{build, to_text, x_report};
use qrtill::shift::{CashMove, Count, MoveKind};
use qrtill::ui::report_view::ReportView;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use std::hint::black_box;
use std::time::Instant;

const T0: i64 = 1_764_518_400_000;

fn usd(minor: i64) -> Money {
    Money::from_minor(minor, Currency::USD).unwrap()
}

fn sale(i: u64) -> CompletedSale {
    let price = 100 + (i % 977) as i64;
    let tax = price / 12;
    let total = price + tax;
    let tender = match i % 3 {
        0 => SaleTender::Cash {
            tendered: usd(total),
            change: usd(0),
        },
        1 => SaleTender::Card(CardTender {
            brand: "Visa".into(),
            masked_pan: "****1111".into(),
            aid: "A0000000031010".into(),
            auth_code: "123456".into(),
            amount: usd(total),
            payment_request_id: String::new(),
        }),
        _ => SaleTender::Wallet(WalletTender {
            brand: "Alipay+".into(),
            mode: PayMode::PaymentCode,
            payment_request_id: format!("P{i}"),
            wallet_txn_id: format!("W{i}"),
            masked_account: "****".into(),
            amount: usd(total),
            wallet_amount: Some(Money::from_minor(total * 7, Currency::CNY).unwrap()),
            rate: Some("7".parse().unwrap()),
            promotion: None,
            settlement: None,
        }),
    };
    CompletedSale {
        lane_id: "03".into(),
        sale_no: 0,
        // 12 hours.
        completed_at: Timestamp(T0 + (i as i64 * 37) % 43_200_000),
        lines: vec![SaleLine {
            barcode: format!("40000000{:05}", i % 40),
            name: format!("Item {}", i % 40),
            qty: 1,
            unit_price: usd(price),
            line_total: usd(price),
            tax_category: "prepared".into(),
        }],
        subtotal: usd(price),
        tax: usd(tax),
        total: usd(total),
        tax_lines: vec![TaxLine {
            label: "Sales tax".into(),
            rate: "0.08625".parse().unwrap(),
            amount: usd(tax),
        }],
        tender,
    }
}

fn shift_of(n: u64) -> Journal {
    let started = Instant::now();
    let mut j = Journal::in_memory().unwrap();
    j.open_shift_with(
        "03",
        "01",
        &Count {
            pieces: vec![(2000, 5)],
        },
        Timestamp(T0),
    )
    .unwrap();
    for i in 0..n {
        j.commit_sale(sale(i), None).unwrap();
        if i % 1000 == 0 {
            let mv = CashMove {
                kind: MoveKind::PaidIn,
                at: Timestamp(T0 + 1),
                by: "01".into(),
                approved_by: None,
                amount_minor: 100,
                reason: "change".into(),
            };
            j.record_move("03", &mv).unwrap();
        }
    }
    eprintln!("reports: {n} sales committed in {:.1?}", started.elapsed());
    j
}

fn sized(var: &str, default: u64) -> u64 {
    std::env::var(var)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn benches(c: &mut Criterion) {
    let config = Config::default();
    let mut group = c.benchmark_group("reports");
    group.sample_size(20);

    let n = sized("REPORTS_BENCH_X_SALES", 100_000);
    let j = shift_of(n);
    let mut terminal = Terminal::new(TestBackend::new(120, 40)).unwrap();
    group.bench_function(format!("x_on_screen_{}k_sales", n / 1000), |b| {
        b.iter(|| {
            let r = x_report(&j, &config, Timestamp(T0 + 50_000_000))
                .unwrap()
                .unwrap();
            terminal
                .draw(|f| f.render_widget(&ReportView { report: &r }, f.area()))
                .unwrap();
            black_box(r.sales_count)
        })
    });
    drop(j);

    let n = sized("REPORTS_BENCH_Z_SALES", 1_000_000);
    let j = shift_of(n);
    let shift = j.open_shift("03").unwrap().unwrap();
    let counted = Count {
        pieces: vec![(2000, 50)],
    };
    let closed_at = Timestamp(T0 + 50_000_000);
    group.bench_function(format!("z_{}k_sales", n / 1000), |b| {
        b.iter(|| {
            let data = j.shift_data(shift.id).unwrap();
            let r = build(
                &data,
                Default::default(),
                Some((1, closed_at, &counted)),
                Currency::USD,
                -480,
            );
            black_box(to_text(&r, "Moonlight Café").len())
        })
    });
    group.finish();
}

criterion::criterion_group!(reports, benches);
criterion::criterion_main!(reports);
