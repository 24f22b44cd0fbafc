//! Frame and keystroke cost of the counter (issue 2 targets: a frame under 1 ms).
//!
//! - `render/…`: the basket screen with 50 lines at 120×40, drawn by the real `CounterView`
//!   through ratatui's `Terminal` into a `TestBackend` (what the TUI does per redraw), and the
//!   widget alone into a fresh buffer.
//! - `handle/…`: one `Checkout::handle` of a scan's Enter (lookup, add or bump a line, totals).
//!
//! - `pay_screen/…`: the wallet-QR pay screen redrawn with the loop's UI state kept (the QR
//!   matrix cached) and with fresh state per frame (encoded every redraw, as before the cache).
//!
//! Run: `cargo bench --bench render`.

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use qrtill::catalog::{Catalog, Item, gtin};
use qrtill::checkout::{Action, Checkout, Event};
use qrtill::clock::ManualClock;
use qrtill::config::Config;
use qrtill::harness::{self, scan};
use qrtill::journal::Journal;
use qrtill::money::Money;
use qrtill::runtime::{Runtime, ScreenPrinter};
use qrtill::ui::CounterView;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::widgets::Widget;
use std::hint::black_box;
use std::sync::Arc;

const LINES: usize = 50;

/// The demo catalogue (48 items) plus a few generated ones, so a basket can hold 50 lines.
fn catalog(config: &Config) -> Catalog {
    let demo = harness::demo_catalog(config).expect("the embedded demo catalogue loads");
    let mut items: Vec<Item> = demo.iter().map(|i| i.to_item()).collect();
    let mut n = 0u64;
    while items.len() < LINES + 1 {
        n += 1;
        // In-store EAN-13 range 209 (restricted circulation), clear of the demo's codes.
        let body = format!("209{n:09}");
        let barcode = format!("{body}{}", gtin::check_digit(body.as_bytes()));
        let key = gtin::parse(&barcode)
            .expect("a generated code has a valid check digit")
            .key();
        items.push(Item {
            barcode,
            gtin: key,
            name: format!("Seasonal pastry no. {n}"),
            price: Money::parse("3.25", config.currency()).expect("3.25 is a USD amount"),
            tax_category: "prepared".into(),
        });
    }
    Catalog::from_items(items).expect("generated barcodes are unique")
}

/// A counter whose basket has `lines` distinct lines (every third one at qty 2).
fn counter(config: &Config, lines: usize) -> Runtime<ManualClock> {
    let catalog = Arc::new(catalog(config));
    let journal = Journal::in_memory().expect("an in-memory journal opens");
    let mut rt = harness::runtime(
        config,
        catalog.clone(),
        journal,
        Box::new(ScreenPrinter::default()),
    )
    .expect("a demo runtime");
    for (i, item) in catalog.iter().take(lines).enumerate() {
        scan(&mut rt, &item.barcode);
        if i % 3 == 0 {
            scan(&mut rt, &item.barcode);
        }
    }
    assert_eq!(rt.checkout.basket.lines().len(), lines, "basket lines");
    rt
}

fn render(c: &mut Criterion) {
    let config = Config::default();
    let rt = counter(&config, LINES);
    let panes = qrtill::ui::Panes::default();
    let view = CounterView {
        checkout: &rt.checkout,
        config: &config,
        now: rt.now(),
        network: Some(rt.network()),
        panes: &panes,
    };
    let mut group = c.benchmark_group("render");

    let mut terminal = Terminal::new(TestBackend::new(120, 40)).expect("a test terminal");
    // Drawn once outside the timing too, so the check below holds when a filter skips it.
    terminal
        .draw(|f| f.render_widget(&view, f.area()))
        .expect("draw into a TestBackend");
    group.bench_function("basket_50_lines_120x40_frame", |b| {
        b.iter(|| {
            terminal
                .draw(|f| f.render_widget(black_box(&view), f.area()))
                .expect("draw into a TestBackend");
        })
    });
    let screen = terminal.backend().to_string();
    assert!(
        screen.contains("TOTAL"),
        "the frame is the basket screen:\n{screen}"
    );

    let area = Rect::new(0, 0, 120, 40);
    let mut buf = Buffer::empty(area);
    group.bench_function("basket_50_lines_120x40_widget_only", |b| {
        b.iter(|| {
            buf.reset();
            black_box(&view).render(area, &mut buf);
        })
    });

    // The same screen with an empty basket: the fixed cost of a frame, for comparison.
    let empty = counter(&config, 0);
    let empty_view = CounterView {
        checkout: &empty.checkout,
        config: &config,
        now: empty.now(),
        network: Some(empty.network()),
        panes: &panes,
    };
    group.bench_function("basket_empty_120x40_widget_only", |b| {
        b.iter(|| {
            buf.reset();
            black_box(&empty_view).render(area, &mut buf);
        })
    });
    group.finish();
}

fn handle(c: &mut Criterion) {
    let config = Config::default();
    let rt = counter(&config, LINES - 1);
    let settings = rt.checkout.settings().clone();
    let catalog = Arc::new(catalog(&config));
    let barcode_of = |i| match catalog.get(i) {
        Some(item) => item.barcode,
        None => panic!("the bench catalogue has no item {i}"),
    };
    let new_item = barcode_of(LINES - 1);
    let in_basket = barcode_of(7);
    let now = rt.now();
    // A checkout with the 49-line basket and `code` typed, ready for the scanner's Enter.
    let ready = |code: &str| {
        let mut checkout = Checkout::new(settings.clone(), catalog.clone());
        checkout.basket = rt.checkout.basket.clone();
        checkout.scan_input = code.to_string();
        checkout
    };

    let mut group = c.benchmark_group("handle");
    group.bench_function("scan_enter_adds_line_50", |b| {
        b.iter_batched_ref(
            || ready(&new_item),
            |checkout| black_box(checkout.handle(Event::Action(Action::Enter), now)),
            BatchSize::SmallInput,
        )
    });
    group.bench_function("scan_enter_bumps_qty", |b| {
        b.iter_batched_ref(
            || ready(&in_basket),
            |checkout| black_box(checkout.handle(Event::Action(Action::Enter), now)),
            BatchSize::SmallInput,
        )
    });
    group.finish();

    // The benched scans really do what their names say.
    let mut check = ready(&new_item);
    check.handle(Event::Action(Action::Enter), now);
    assert_eq!(check.basket.lines().len(), LINES);
    let mut check = ready(&in_basket);
    check.handle(Event::Action(Action::Enter), now);
    assert_eq!(check.basket.lines().len(), LINES - 1);
}

fn view_of<'a>(
    rt: &'a Runtime<ManualClock>,
    config: &'a Config,
    panes: &'a qrtill::ui::Panes,
) -> CounterView<'a> {
    CounterView {
        checkout: &rt.checkout,
        config,
        now: rt.now(),
        network: Some(rt.network()),
        panes,
    }
}

/// The wallet-QR pay screen (QR first), redrawn as the loop redraws it every countdown
/// second. `kept_state`: the loop's `Panes` (and its QR cache) kept across frames, as the loop
/// does. `fresh_state`: a new `Panes` per frame, so the QR matrix is encoded on every redraw,
/// which is what every frame did before the cache (the "before" figure).
fn pay_screen(c: &mut Criterion) {
    let config = Config::default();
    let mut rt = harness::demo_runtime().expect("a demo runtime");
    scan(&mut rt, "2000000000138");
    scan(&mut rt, "2000000002606");
    rt.dispatch(Action::PayWalletQr);
    assert!(
        matches!(rt.checkout.screen, qrtill::checkout::Screen::Pay(_)),
        "on the pay screen"
    );
    let kept = qrtill::ui::Panes::default();
    let view = |panes| view_of(&rt, &config, panes);
    let mut group = c.benchmark_group("pay_screen");
    for (w, h) in [(80u16, 24u16), (120, 40)] {
        let mut terminal = Terminal::new(TestBackend::new(w, h)).expect("a test terminal");
        terminal
            .draw(|f| f.render_widget(&view(&kept), f.area()))
            .expect("draw into a TestBackend");
        let screen = terminal.backend().to_string();
        assert!(screen.contains("█"), "the frame shows the QR:\n{screen}");
        group.bench_function(format!("wallet_qr_{w}x{h}_kept_state"), |b| {
            b.iter(|| {
                terminal
                    .draw(|f| f.render_widget(black_box(&view(&kept)), f.area()))
                    .expect("draw into a TestBackend");
            })
        });
        group.bench_function(format!("wallet_qr_{w}x{h}_fresh_state"), |b| {
            b.iter(|| {
                let fresh = qrtill::ui::Panes::default();
                terminal
                    .draw(|f| f.render_widget(black_box(&view_of(&rt, &config, &fresh)), f.area()))
                    .expect("draw into a TestBackend");
            })
        });
    }
    group.finish();
}

criterion_group!(benches, render, handle, pay_screen);
criterion_main!(benches);
