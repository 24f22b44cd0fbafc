//! The audience's phone end to end: headless Chromium (Debian's `chromium` and
//! `chromium-driver`, over WebDriver) opens the URL read back from the counter's QR with an
//! independent decoder, picks a shopper persona, types the password and pays; the counter
//! shows PAID. A closed payment's token and a made-up one get a clear page and change nothing.

use crate::link_support;
use crate::netserve_support;
use crate::webdriver_support;

use link_support::{Counter, FLAT_WHITE, text_of};
use netserve_support::Service;
use qrtill::ui::qr_code::testing::buffer_to_pixels;
use ratatui::buffer::Buffer;
use ratatui::crossterm::event::KeyCode;
use rust_decimal::Decimal;
use std::time::{Duration, Instant};
use webdriver_support::{Browser, http};

/// The URLs in QR codes on a counter frame, read with rqrr.
fn urls_on(buf: &Buffer) -> Vec<String> {
    let px = buffer_to_pixels(buf, buf.area, 2);
    let mut img =
        rqrr::PreparedImage::prepare_from_greyscale(px.width, px.height, |x, y| px.get(x, y));
    img.detect_grids()
        .into_iter()
        .filter_map(|g| g.decode().ok().map(|(_, content)| content))
        .filter(|c| c.starts_with("http://"))
        .collect()
}

/// Rings up a flat white, opens the wallet QR and reads the counter's code from its frame.
fn counter_qr_url(counter: &Counter) -> String {
    counter.scan(FLAT_WHITE);
    counter.key(KeyCode::F(5));
    let end = Instant::now() + link_support::PATIENCE;
    loop {
        let frame = counter
            .frames
            .recv_timeout(Duration::from_secs(5))
            .unwrap_or_else(|e| panic!("no frame: {e}"));
        if let [url] = urls_on(&frame).as_slice() {
            return url.clone();
        }
        assert!(
            Instant::now() < end,
            "no URL QR on the counter:\n{}",
            text_of(&frame)
        );
    }
}

#[test]
fn a_browser_pays_from_the_url_in_the_counters_qr() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let counter = Counter::start(dir.path(), true);
    let web = counter
        .web
        .unwrap_or_else(|| panic!("web phone not started"));
    let url = counter_qr_url(&counter);
    assert!(url.starts_with(&format!("http://{web}/pay/")), "{url}");
    let token = url.rsplit('/').next().unwrap_or_default();
    assert_eq!(token.len(), 32, "128 bits in hex: {token}");

    let browser = Browser::start();
    browser.go(&url);
    assert_eq!(browser.text("#amount"), "USD 4.89");
    let page = browser.source();
    assert!(
        page.contains("MOONLIGHT CAFE"),
        "the decoded EMV payload is shown"
    );
    let width = browser.script(
        "const d = document.documentElement; d.querySelector('details').open = true; \
         return [d.clientWidth, d.scrollWidth];",
    );
    let (client, scroll) = (width[0].as_u64(), width[1].as_u64());
    assert!(client.is_some_and(|w| w <= 400), "a phone's width: {width}");
    assert_eq!(
        client, scroll,
        "nothing wider than the phone, EMV table open: {width}"
    );
    browser.click("option[value='kim-minjun']");
    browser.click("#pick");
    let charge = browser.text("#wallet-amount");
    assert!(
        charge.starts_with("KRW "),
        "the amount in the wallet currency: {charge}"
    );
    assert!(browser.text("#rate").contains("USD 4.89 at "));
    browser.type_into("#password", "123456");
    browser.click("#confirm");
    let result = browser.text("#result");
    assert!(result.contains("Paid"), "{result}");

    counter.wait_frame("PAID on the counter", |t| t.contains("PAID · Sale 1"));
    // The link works once.
    browser.go(&url);
    assert!(browser.text("#refused").contains("already used"));
    let closed = counter.close();
    assert_eq!(closed.sales.len(), 1);
    assert_eq!(closed.sales[0].total.with_code(), "USD 4.89");
}

#[test]
fn a_closed_or_made_up_token_gets_a_clear_page_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let counter = Counter::start(dir.path(), true);
    let web = counter
        .web
        .unwrap_or_else(|| panic!("web phone not started"));
    let url = counter_qr_url(&counter);
    let token = url.rsplit('/').next().unwrap_or_default().to_string();
    // The cashier cancels: this payment's code closes.
    counter.key(KeyCode::Esc);
    counter.wait_frame("the cancelled payment", |t| t.contains("CANCELLED"));

    let browser = Browser::start();
    browser.go(&url);
    let head = browser.text("#refused");
    assert!(
        head.contains("closed") || head.contains("expired"),
        "{head}"
    );
    assert!(!browser.source().contains("<form"), "nothing to submit");
    let made_up = format!("http://{web}/pay/{}", "0".repeat(32));
    browser.go(&made_up);
    assert!(browser.text("#refused").contains("not valid"));

    // Straight at the actions, without the page: refused the same way.
    let addr = web.to_string();
    let form = Some((
        "application/x-www-form-urlencoded",
        "shopper=kim-minjun&password=123456",
    ));
    let (status, body) = http(&addr, "POST", &format!("/pay/{token}/scan"), form);
    assert_eq!(status, 410, "{body}");
    let (status, _) = http(&addr, "POST", &format!("/pay/{token}/confirm"), form);
    assert_eq!(status, 410);
    let (status, _) = http(
        &addr,
        "POST",
        &format!("/pay/{}/confirm", "f".repeat(32)),
        form,
    );
    assert_eq!(status, 404);

    let before = {
        // A fresh counter's balances: the demo network with the same seed.
        let network = qrtill::harness::demo_network(qrtill::harness::DEMO_SEED)
            .unwrap_or_else(|e| panic!("{e}"));
        network
            .shoppers()
            .iter()
            .map(|s| {
                let b = network.balance(&s.id).map(|b| b.with_code());
                (s.id.0.clone(), b.unwrap_or_default())
            })
            .collect::<Vec<_>>()
    };
    let closed = counter.close();
    assert!(closed.sales.is_empty(), "nothing sold");
    assert_eq!(closed.balances, before, "no wallet was charged");
}

/// The service's balance of `shopper`, read from its phones board (`GET /phones`).
fn service_balance(service: &Service, shopper: &str) -> (Decimal, String) {
    let (status, body) = http(&service.addr, "GET", "/phones", None);
    assert_eq!(status, 200, "{body}");
    let board: serde_json::Value = serde_json::from_str(&body).unwrap_or_else(|e| panic!("{e}"));
    let phones = board["phones"].as_array().cloned().unwrap_or_default();
    let phone = phones
        .iter()
        .find(|p| p[0] == shopper)
        .unwrap_or_else(|| panic!("{shopper} not on the board: {body}"));
    let balance = &phone[1]["balance"];
    let amount = balance["amount"].as_str().unwrap_or_default();
    let amount: Decimal = amount.parse().unwrap_or_else(|e| panic!("{amount}: {e}"));
    (
        amount,
        balance["currency"].as_str().unwrap_or_default().into(),
    )
}

/// The web phone of a lane whose network is the service: the page's scan and confirm reach the
/// service's wallet, and the service's balance drops by exactly the amount the page showed.
#[test]
fn the_web_phone_pays_at_a_lane_of_the_network_service() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let service = Service::start(&dir.path().join("network"), "127.0.0.1:0");
    let lane = dir.path().join("lane");
    std::fs::create_dir_all(&lane).unwrap_or_else(|e| panic!("{e}"));
    let counter = Counter::start_at(&lane, true, Some(service.url()));
    let web = counter
        .web
        .unwrap_or_else(|| panic!("web phone not started"))
        .to_string();
    let (before, currency) = service_balance(&service, "kim-minjun");
    assert_eq!(currency, "KRW");

    let url = counter_qr_url(&counter);
    let token = url.rsplit('/').next().unwrap_or_default();
    let pick = Some(("application/x-www-form-urlencoded", "shopper=kim-minjun"));
    let (status, page) = http(&web, "POST", &format!("/pay/{token}/scan"), pick);
    assert_eq!(status, 200, "{page}");
    let shown = page
        .split("id=\"wallet-amount\">KRW ")
        .nth(1)
        .and_then(|rest| rest.split('<').next())
        .unwrap_or_else(|| panic!("no KRW amount on the confirm page:\n{page}"));
    let charged: Decimal = shown
        .replace(',', "")
        .parse()
        .unwrap_or_else(|e| panic!("{shown}: {e}"));

    let form = Some((
        "application/x-www-form-urlencoded",
        "shopper=kim-minjun&password=123456",
    ));
    let (status, page) = http(&web, "POST", &format!("/pay/{token}/confirm"), form);
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("Paid KRW"), "{page}");
    counter.wait_frame("PAID on the counter", |t| t.contains("PAID · Sale 1"));

    let (after, _) = service_balance(&service, "kim-minjun");
    assert_eq!(
        before - after,
        charged,
        "the service's wallet paid what the page showed"
    );
    let closed = counter.close();
    assert_eq!(closed.sales.len(), 1);
    assert_eq!(closed.sales[0].total.with_code(), "USD 4.89");
}
