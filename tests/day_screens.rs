//! The report screen (X and Z) at 80×24 and 120×40, as TestBackend snapshots.

use qrtill::checkout::payment::PayMode;
use qrtill::checkout::sale::{CompletedSale, SaleLine, SaleTender, WalletTender};
use qrtill::clock::Timestamp;
use qrtill::config::Config;
use qrtill::journal::Journal;
use qrtill::money::{Currency, Money};
use qrtill::report::{Report, close_with_z, x_report};
use qrtill::shift::{CashMove, Count, MoveKind};
use qrtill::ui::report_view::ReportView;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

fn usd(minor: i64) -> Money {
    Money::from_minor(minor, Currency::USD).unwrap()
}

fn sale(total: i64, at: i64, tender: SaleTender) -> CompletedSale {
    CompletedSale {
        lane_id: "03".into(),
        sale_no: 0,
        completed_at: Timestamp(at),
        lines: vec![SaleLine {
            barcode: "4006381333931".into(),
            name: "Flat white".into(),
            qty: 1,
            unit_price: usd(total),
            line_total: usd(total),
            tax_category: "prepared".into(),
        }],
        subtotal: usd(total),
        tax: usd(0),
        total: usd(total),
        tax_lines: vec![],
        tender,
    }
}

/// Six sales over three hours (cash and Alipay+), a paid-out; X before and Z after the close.
fn day() -> (Report, Report) {
    let mut j = Journal::in_memory().unwrap();
    let config = Config::default();
    let t0 = 1_764_518_400_000; // 08:00 local (UTC-8)
    let float = Count {
        pieces: vec![(2000, 5)],
    };
    j.open_shift_with("03", "01", &float, Timestamp(t0))
        .unwrap();
    for (i, amount) in [450i64, 1299, 325, 880, 2100, 615].iter().enumerate() {
        let at = t0 + 600_000 + i as i64 * 2_000_000;
        let tender = if i % 3 == 1 {
            SaleTender::Wallet(WalletTender {
                brand: "Alipay+".into(),
                mode: PayMode::PaymentCode,
                payment_request_id: format!("P{i}"),
                wallet_txn_id: format!("W{i}"),
                masked_account: "****".into(),
                amount: usd(*amount),
                wallet_amount: Some(Money::from_minor(amount * 72 / 10, Currency::CNY).unwrap()),
                rate: None,
                promotion: None,
                settlement: None,
            })
        } else {
            SaleTender::Cash {
                tendered: usd(*amount),
                change: usd(0),
            }
        };
        j.commit_sale(sale(*amount, at, tender), None).unwrap();
    }
    let out = CashMove {
        kind: MoveKind::PaidOut,
        at: Timestamp(t0 + 9_000_000),
        by: "01".into(),
        approved_by: None,
        amount_minor: 500,
        reason: "milk".into(),
    };
    j.record_move("03", &out).unwrap();
    let now = Timestamp(t0 + 12_000_000);
    let x = x_report(&j, &config, now).unwrap().unwrap();
    let counted = Count {
        pieces: vec![(2000, 6), (100, 9)],
    };
    let (_, z) = close_with_z(&mut j, &config, &counted, "01", None, now).unwrap();
    (x, z)
}

fn render(report: &Report, w: u16, h: u16) -> String {
    let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
    terminal
        .draw(|f| f.render_widget(&ReportView { report }, f.area()))
        .unwrap();
    terminal.backend().to_string()
}

#[test]
fn report_screens_at_both_sizes() {
    let (x, z) = day();
    for (w, h) in [(80, 24), (120, 40)] {
        insta::assert_snapshot!(format!("day_x_report_{w}x{h}"), render(&x, w, h));
        insta::assert_snapshot!(format!("day_z_report_{w}x{h}"), render(&z, w, h));
    }
}

#[test]
fn the_z_screen_shows_its_number_count_and_variance() {
    let (_, z) = day();
    let screen = render(&z, 80, 24);
    assert!(screen.contains("Z report Z1"), "{screen}");
    // 5 × 20.00 float + 22.70 cash sales (4.50 + 3.25 + 8.80 + 6.15) − 5.00 paid out = 117.70
    // expected; 6 × 20.00 + 9 × 1.00 = 129.00 counted.
    assert!(screen.contains("117.70"), "{screen}");
    assert!(screen.contains("var 11.30"), "{screen}");
}

/// `report z --format png`: the hourly rows become one bar chart whose bars are the hours' cents
/// (08:00 = 4.50 + 12.99, 09:00 = 3.25 + 8.80, 10:00 = 21.00 + 6.15), drawn on 512-dot paper.
#[test]
fn the_z_picture_draws_sales_per_hour_as_bars_of_the_hours_cents() {
    use qrtill::receipt::PageBlock;
    let (_, z) = day();
    let blocks = qrtill::report::report_blocks(&z, "Shop");
    let bars: Vec<_> = blocks
        .iter()
        .filter_map(|b| match b {
            PageBlock::Bars(b) => Some(b),
            _ => None,
        })
        .collect();
    assert_eq!(bars.len(), 1, "one chart");
    let values: Vec<u64> = bars[0].iter().map(|b| b.value).collect();
    assert_eq!(values, vec![1749, 1205, 2715]);
    assert!(
        bars[0][0].label.starts_with("08:00"),
        "{:?}",
        bars[0][0].label
    );
    // The printed text has one row per hour; the picture has none left as text.
    let text = qrtill::report::to_text(&z, "Shop");
    let hour_row = |l: &str| {
        ["08:00 ", "09:00 ", "10:00 "]
            .iter()
            .any(|h| l.starts_with(h))
    };
    assert_eq!(text.lines().filter(|l| hour_row(l)).count(), 3);
    assert!(
        !blocks
            .iter()
            .any(|b| matches!(b, PageBlock::Text { text, .. } if hour_row(text))),
        "no hourly text rows left in the picture"
    );
    let png = qrtill::report::report_png(&z, "Shop").expect("encodes");
    let decoder = png::Decoder::new(std::io::Cursor::new(png));
    let reader = decoder.read_info().expect("a PNG");
    assert_eq!(reader.info().width, 512);
    assert!(reader.info().height > 24 * 20, "a page of lines");
}
