//! The QR drawn into a ratatui buffer really scans: cells → pixels → `rqrr` (an independent
//! decoder) → exactly the payload, which then passes `qr verify`.
//!
//! `scan` is the helper for the payment-screen test: render any screen into a `TestBackend`,
//! then `scan(buffer, qr_area)`.

use qrtill::emv::{DynamicQr, MerchantQrInfo};
use qrtill::money::{Currency, Decimal, Money};
use qrtill::ui::qr_code::testing::{buffer_to_pixels, render_payload};
use qrtill::ui::qr_code::{QrFit, fit};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

/// Every QR code rqrr finds in `area` of `buf`, decoded.
pub fn scan(buf: &Buffer, area: Rect) -> Vec<String> {
    let px = buffer_to_pixels(buf, area, 4);
    let mut img =
        rqrr::PreparedImage::prepare_from_greyscale(px.width, px.height, |x, y| px.get(x, y));
    img.detect_grids()
        .into_iter()
        .filter_map(|g| g.decode().ok().map(|(_, content)| content))
        .collect()
}

fn money(amount: Decimal, currency: Currency) -> Money {
    Money::new(amount, currency).unwrap_or_else(|e| panic!("test amount: {e}"))
}

/// A compact counter payload (94 characters): fits an 80×24 terminal at level L.
fn compact_payload() -> String {
    let info = MerchantQrInfo {
        merchant_name: "QRTILL".into(),
        merchant_city: "HK".into(),
        mcc: "5814".into(),
        country: "HK".into(),
        guid: "io.qrtill".into(),
        merchant_id: String::new(),
        default_currency: Currency::HKD,
    };
    DynamicQr::new(
        &info,
        money(Decimal::new(1234, 2), Currency::HKD),
        "S42",
        None,
    )
    .payload()
}

/// A typical counter payload (~120 characters) with merchant id and terminal label.
fn typical_payload() -> String {
    let info = MerchantQrInfo::demo();
    DynamicQr::new(
        &info,
        money(Decimal::new(1234, 2), Currency::SGD),
        "S0042-1",
        Some("T1".into()),
    )
    .payload()
}

/// Renders through a real `Terminal<TestBackend>` of the given size, QR in `area`.
fn render_on_terminal(payload: &str, width: u16, height: u16, area: Rect) -> Buffer {
    let mut terminal = Terminal::new(TestBackend::new(width, height))
        .unwrap_or_else(|e| panic!("test backend: {e}"));
    let QrFit::Fits(widget) = fit(payload, area) else {
        panic!("{} chars must fit {area:?}", payload.len())
    };
    terminal
        .draw(|f| f.render_widget(&widget, area))
        .unwrap_or_else(|e| panic!("draw: {e}"));
    terminal.backend().buffer().clone()
}

fn assert_scans_exactly(buf: &Buffer, area: Rect, payload: &str) {
    let found = scan(buf, area);
    assert_eq!(found, vec![payload.to_string()], "rqrr read from {area:?}");
    let verified = qrtill::cli::qr::verify(&found[0]);
    assert_eq!(verified.exit_code, 0, "{:?}", verified.stderr);
}

#[test]
fn compact_payment_code_scans_at_80x24() {
    let payload = compact_payload();
    assert!(payload.len() <= 106, "{} chars", payload.len());
    // QR-first layout: the code takes the full height on the left, amount text on the right.
    let area = Rect::new(0, 0, 50, 24);
    let buf = render_on_terminal(&payload, 80, 24, area);
    assert_scans_exactly(&buf, area, &payload);
}

#[test]
fn typical_payment_code_scans_at_100x30() {
    let payload = typical_payload();
    assert!(
        (110..=134).contains(&payload.len()),
        "{} chars",
        payload.len()
    );
    let area = Rect::new(2, 1, 60, 28);
    let buf = render_on_terminal(&payload, 100, 30, area);
    assert_scans_exactly(&buf, area, &payload);
}

#[test]
fn typical_payment_code_scans_at_160x48_at_level_m() {
    let payload = typical_payload();
    let area = Rect::new(10, 2, 100, 44);
    let QrFit::Fits(w) = fit(&payload, area) else {
        panic!("fits")
    };
    assert_eq!(w.symbol().ec_level(), qrtill::emv::symbol::EcLevel::M);
    let buf = render_on_terminal(&payload, 160, 48, area);
    assert_scans_exactly(&buf, area, &payload);
}

#[test]
fn utf8_payload_with_eci_scans_back_exactly() {
    // EMVCo Annex B: Chinese in template 64, so the symbol carries ECI 26 (UTF-8).
    let payload = "00020101021229300012D156000000000510A93FO3230Q31280012D15600000001030812345678520441115802CN5914BEST TRANSPORT6007BEIJING64200002ZH0104最佳运输0202北京540523.7253031565502016233030412340603***0708A60086670902ME91320016A0112233449988770708123456786304A13A";
    let area = Rect::new(0, 0, 160, 48);
    let (buf, fitted) = render_payload(payload, 160, 48, area);
    assert!(matches!(fitted, QrFit::Fits(_)));
    assert_scans_exactly(&buf, area, payload);
}

#[test]
fn typical_payload_in_a_50x20_area_asks_for_more_room() {
    // The smallest it can go is level L with the 3-module bottom quiet zone: 49 x 24.
    assert_eq!(
        fit(&typical_payload(), Rect::new(0, 0, 50, 20)),
        QrFit::TooSmall {
            needed_w: 49,
            needed_h: 24
        }
    );
}

#[test]
fn a_version_6_code_fits_24_rows_only_with_the_tight_bottom_quiet_zone() {
    let payload = typical_payload();
    let QrFit::Fits(w) = fit(&payload, Rect::new(0, 0, 50, 24)) else {
        panic!("does not fit 50x24");
    };
    assert!(w.is_tight());
    assert_eq!(w.size(), (49, 24));
    let QrFit::Fits(w) = fit(&payload, Rect::new(0, 0, 50, 25)) else {
        panic!("does not fit 50x25");
    };
    assert!(!w.is_tight(), "with 25 rows the full quiet zone is kept");
}

#[test]
fn nothing_is_drawn_when_the_code_does_not_fit() {
    let (buf, fitted) = render_payload(&typical_payload(), 80, 24, Rect::new(0, 0, 50, 20));
    assert!(matches!(fitted, QrFit::TooSmall { .. }));
    assert!(scan(&buf, Rect::new(0, 0, 80, 24)).is_empty());
    assert_eq!(buf, Buffer::empty(Rect::new(0, 0, 80, 24)));
}

#[test]
fn code_drawn_in_terminal_default_colours_would_not_scan() {
    // Same modules, but fg/bg left to a dark theme: the camera sees an inverted code.
    let payload = compact_payload();
    let area = Rect::new(0, 0, 50, 24);
    let mut buf = render_on_terminal(&payload, 80, 24, area);
    for cell in buf.content.iter_mut() {
        cell.set_style(ratatui::style::Style::reset());
    }
    assert!(scan(&buf, area).is_empty());
}

/// The real payment screen of the demo counter (wallet QR for a basket) at `w`×`h`.
fn payment_screen(w: u16, h: u16) -> (Buffer, String) {
    use qrtill::checkout::{Action, Screen};
    use qrtill::harness::{self, scan as scan_item};
    let mut rt = harness::demo_runtime().unwrap_or_else(|e| panic!("runtime: {e}"));
    scan_item(&mut rt, "2000000000138");
    scan_item(&mut rt, "2000000002606");
    rt.dispatch(Action::PayWalletQr);
    let Screen::Pay(pay) = &rt.checkout.screen else {
        panic!("not on the pay screen");
    };
    let payload = pay
        .attempt
        .as_ref()
        .and_then(|a| a.qr_payload.clone())
        .unwrap_or_else(|| panic!("no QR payload"));
    let config = qrtill::config::Config::default();
    let panes = qrtill::ui::Panes::default();
    let mut terminal =
        Terminal::new(TestBackend::new(w, h)).unwrap_or_else(|e| panic!("test backend: {e}"));
    terminal
        .draw(|f| {
            let view = qrtill::ui::CounterView {
                checkout: &rt.checkout,
                config: &config,
                now: rt.now(),
                network: Some(rt.network()),
                panes: &panes,
            };
            f.render_widget(&view, f.area());
        })
        .unwrap_or_else(|e| panic!("draw: {e}"));
    (terminal.backend().buffer().clone(), payload)
}

#[test]
fn the_payment_screen_scans_exactly_at_80x24_100x30_and_160x48() {
    for (w, h) in [(80, 24), (100, 30), (160, 48)] {
        let (buf, payload) = payment_screen(w, h);
        let found = scan(&buf, Rect::new(0, 0, w, h));
        assert_eq!(found, vec![payload.clone()], "payment screen at {w}x{h}");
        let verified = qrtill::cli::qr::verify(&payload);
        assert_eq!(verified.exit_code, 0, "{}", verified.stdout);
        // The amount is on screen beside the code, as text and in the payload.
        assert!(payload.contains("5405"), "amount tag: {payload}");
    }
}
