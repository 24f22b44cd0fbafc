//! A lane against a real `qrtill network serve` process on loopback: a wallet sale over HTTP,
//! and a service SIGKILLed in the middle of a payment and restarted, after which the lane
//! resolves its open payment through query (and the books of both sides agree).

use crate::e2e_support;
use crate::netserve_support;

use netserve_support::{Service, lane, run_until};
use qrtill::checkout::payment::PayStatus;
use qrtill::checkout::{Action, Screen};
use qrtill::harness;
use qrtill::journal::Journal;
use qrtill::network::{LedgerStore, PaymentStage, ShopperId};
use qrtill::runtime::PhoneAction;
use std::time::Instant;

const FLAT_WHITE: &str = "2000000000138";

fn receipt(s: &Screen) -> bool {
    matches!(s, Screen::Receipt { .. })
}

/// The lane's payment request id of the attempt on the pay screen.
fn open_request_id(s: &Screen) -> Option<String> {
    match s {
        Screen::Pay(p) => p.attempt.as_ref().map(|a| a.request_id.clone()),
        _ => None,
    }
}

#[test]
fn a_lane_sells_by_wallet_through_the_network_service() {
    let dir = tempfile::tempdir().expect("temp dir");
    let svc_dir = dir.path().join("network");
    let lane_dir = dir.path().join("lane1");
    std::fs::create_dir_all(&lane_dir).expect("lane dir");
    let mut svc = Service::start(&svc_dir, "127.0.0.1:0");
    let mut rt = lane(&lane_dir, "01", &svc.url());
    let shopper = harness::easy_shoppers(rt.network())
        .into_iter()
        .next()
        .expect("an auto-confirming shopper");

    harness::scan(&mut rt, FLAT_WHITE);
    rt.dispatch(Action::PayCode);
    let scanned = rt.phone(&shopper, PhoneAction::PresentCode);
    assert!(
        scanned.is_ok(),
        "payment code from the service: {scanned:?}"
    );
    let request_id = open_request_id(&rt.checkout.screen).expect("an attempt is open");
    assert!(request_id.starts_with("S"), "{request_id}");
    run_until(&mut rt, "the receipt", receipt);

    let sales = rt.journal().all_sales().expect("journal reads");
    assert_eq!(sales.len(), 1, "one sale committed on the lane");
    drop(rt);

    // The supervisor refunds it from the command line on the same lane: the refund goes to the
    // service that took the payment, not to an in-process network that never saw it.
    std::fs::write(
        lane_dir.join("config.toml"),
        format!(
            "[store]\nlane_id = \"01\"\n[network]\nurl = \"{}\"\n[refund]\nno-pin-up-to = \"1000\"\n",
            svc.url()
        ),
    )
    .expect("lane config written");
    let sale_no = sales[0].sale_no.to_string();
    let refund = e2e_support::run_qrtill(
        &lane_dir,
        &["refund", &sale_no, "--all", "--reason", "Damaged"],
    );
    assert!(
        refund.status.success(),
        "qrtill refund: {}{}",
        String::from_utf8_lossy(&refund.stdout),
        String::from_utf8_lossy(&refund.stderr)
    );
    // Reconcile on the lane asks the service about open work and says where the books are.
    let rec = e2e_support::run_qrtill(&lane_dir, &["reconcile"]);
    let said = String::from_utf8_lossy(&rec.stdout);
    assert!(rec.status.success(), "{said}");
    assert!(said.contains("network service at"), "{said}");
    svc.kill();
    // The lane's journal against the service's ledger, from the command line.
    let ledger_path = svc_dir.join("network.sqlite");
    let dry = e2e_support::run_qrtill(
        &lane_dir,
        &[
            "reconcile",
            "--dry-run",
            "--ledger",
            ledger_path.to_str().expect("utf-8 path"),
        ],
    );
    assert!(
        dry.status.success(),
        "{}{}",
        String::from_utf8_lossy(&dry.stdout),
        String::from_utf8_lossy(&dry.stderr)
    );
    // The service's own ledger holds the payment, paid once, under the lane's request id.
    let ledger = LedgerStore::open(&svc_dir.join("network.sqlite")).expect("ledger opens");
    let order = ledger
        .order(&request_id)
        .expect("ledger reads")
        .expect("the service holds the lane's payment");
    assert_eq!(
        ledger.repeated_charges().expect("ledger reads"),
        Vec::<(String, u64)>::new(),
        "nobody charged twice"
    );
    assert_eq!(
        order.stage,
        PaymentStage::Refunded,
        "paid once, then refunded whole"
    );
    let refunds: Vec<_> = ledger
        .all_refunds()
        .expect("ledger reads")
        .into_iter()
        .filter(|r| r.view.payment_request_id == request_id)
        .collect();
    assert_eq!(
        refunds.len(),
        1,
        "the service refunded the lane's payment once"
    );
    assert_eq!(refunds[0].view.amount, sales[0].total);
    let journal = Journal::open(&lane_dir.join("journal.sqlite")).expect("journal reopens");
    let rec = qrtill::reconcile::reconcile(&journal, &ledger).expect("reconcile runs");
    assert!(rec.balanced(), "{}", rec.report());
    assert_eq!(rec.matched, 1, "{}", rec.report());
}

#[test]
fn a_service_killed_mid_payment_restarts_and_the_lane_resolves_its_payment() {
    let dir = tempfile::tempdir().expect("temp dir");
    let svc_dir = dir.path().join("network");
    let lane_dir = dir.path().join("lane1");
    std::fs::create_dir_all(&lane_dir).expect("lane dir");
    let mut svc = Service::start(&svc_dir, "127.0.0.1:0");
    let addr = svc.addr.clone();
    let mut rt = lane(&lane_dir, "02", &svc.url());
    // Kakao Pay, password always, confirms only when told: the payment waits on the phone.
    let shopper = ShopperId("kim-minjun".into());

    harness::scan(&mut rt, FLAT_WHITE);
    rt.dispatch(Action::PayCode);
    let scanned = rt.phone(&shopper, PhoneAction::PresentCode);
    assert!(
        scanned.is_ok(),
        "payment code from the service: {scanned:?}"
    );
    let request_id = open_request_id(&rt.checkout.screen).expect("an attempt is open");
    // The pay request reached the service, which now waits for the shopper's password.
    run_until(
        &mut rt,
        "the shopper's prompt",
        |s| matches!(s, Screen::Pay(p) if p.status == PayStatus::ShopperConfirming),
    );

    svc.kill();
    // The lane keeps running against a dead service: its queries are replies that never come.
    let down = Instant::now();
    while down.elapsed() < std::time::Duration::from_secs(3) {
        rt.tick();
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    assert!(
        !receipt(&rt.checkout.screen),
        "nothing is paid while the service is down"
    );

    let _svc = Service::start(&svc_dir, &addr);
    // Restored from its ledger, the service still holds the order open for the password.
    let start = Instant::now();
    loop {
        match rt.phone(&shopper, PhoneAction::EnterPassword) {
            Ok(_) => break,
            Err(e) => assert!(
                start.elapsed() < netserve_support::PATIENCE,
                "password never accepted after the restart: {e}"
            ),
        }
    }
    run_until(&mut rt, "the receipt", receipt);
    drop(rt);
    drop(_svc);

    let ledger = LedgerStore::open(&svc_dir.join("network.sqlite")).expect("ledger opens");
    let order = ledger
        .order(&request_id)
        .expect("ledger reads")
        .expect("the service holds the lane's payment");
    assert_eq!(
        ledger.repeated_charges().expect("ledger reads"),
        Vec::<(String, u64)>::new(),
        "nobody charged twice"
    );
    assert_eq!(order.stage, PaymentStage::Paid);
    let journal = Journal::open(&lane_dir.join("journal.sqlite")).expect("journal reopens");
    let rec = qrtill::reconcile::reconcile(&journal, &ledger).expect("reconcile runs");
    assert!(rec.balanced(), "{}", rec.report());
    assert_eq!(rec.matched, 1, "{}", rec.report());
}

/// Starts a payment-code sale of one flat white paid by `shopper` (who confirms by hand or
/// never) and waits until the service asks the shopper; returns the attempt's request id.
fn open_payment(
    rt: &mut qrtill::runtime::Runtime<qrtill::clock::SystemClock>,
    shopper: &ShopperId,
) -> String {
    harness::scan(rt, FLAT_WHITE);
    rt.dispatch(Action::PayCode);
    let scanned = rt.phone(shopper, PhoneAction::PresentCode);
    assert!(
        scanned.is_ok(),
        "payment code from the service: {scanned:?}"
    );
    let request_id = open_request_id(&rt.checkout.screen).expect("an attempt is open");
    run_until(
        rt,
        "the shopper's prompt",
        |s| matches!(s, Screen::Pay(p) if p.status == PayStatus::ShopperConfirming),
    );
    request_id
}

#[test]
fn several_lanes_recover_their_open_payments_after_the_service_is_killed() {
    use qrtill::netserve::PaymentLink as _;
    use qrtill::runtime::Recovered;

    let dir = tempfile::tempdir().expect("temp dir");
    let svc_dir = dir.path().join("network");
    let mut svc = Service::start(&svc_dir, "127.0.0.1:0");
    let addr = svc.addr.clone();
    let url = svc.url();
    let lane_dir = |id: &str| {
        let d = dir.path().join(format!("lane{id}"));
        std::fs::create_dir_all(&d).expect("lane dir");
        d
    };
    let (d11, d12, d13) = (lane_dir("11"), lane_dir("12"), lane_dir("13"));
    // Three lanes, three open payments, each waiting on its shopper's phone:
    // lane 11 keeps running (Chen Jie confirms once the service is back),
    // lane 12 crashes too and its shopper never answers (recovery must cancel),
    // lane 13 crashes too and its shopper confirms while it is down (recovery must query).
    let chen = ShopperId("chen-jie".into());
    let park = ShopperId("park-jiwoo".into());
    let kim = ShopperId("kim-minjun".into());
    let mut rt11 = lane(&d11, "11", &url);
    let mut rt12 = lane(&d12, "12", &url);
    let mut rt13 = lane(&d13, "13", &url);
    let id11 = open_payment(&mut rt11, &chen);
    let id12 = open_payment(&mut rt12, &park);
    let id13 = open_payment(&mut rt13, &kim);

    svc.kill();
    drop(rt12);
    drop(rt13);
    for _ in 0..20 {
        rt11.tick();
    }
    assert!(
        !receipt(&rt11.checkout.screen),
        "nothing is paid while the service is down"
    );

    let svc = Service::start(&svc_dir, &addr);
    // Kim confirms on the phone while lane 13 is still down.
    let mut phone = qrtill::netserve::RemoteNetwork::connect(&url, "phone-of-kim");
    let start = Instant::now();
    while let Err(e) = phone.enter_password(&kim, rt11.now()) {
        assert!(
            start.elapsed() < netserve_support::PATIENCE,
            "Kim's password never accepted after the restart: {e}"
        );
    }
    let start = Instant::now();
    while let Err(e) = rt11.phone(&chen, PhoneAction::EnterPassword) {
        assert!(
            start.elapsed() < netserve_support::PATIENCE,
            "Chen's password never accepted after the restart: {e}"
        );
    }
    run_until(&mut rt11, "the receipt", receipt);

    // The crashed lanes start again and resolve what their journals hold open.
    let mut rt12 = lane(&d12, "12", &url);
    let got12 = rt12.recover();
    assert!(
        matches!(got12.as_slice(), [Recovered::Closed { request_id, .. }] if *request_id == id12),
        "lane 12 cancels its unanswered payment: {got12:?}"
    );
    let mut rt13 = lane(&d13, "13", &url);
    let got13 = rt13.recover();
    assert!(
        matches!(got13.as_slice(), [Recovered::Committed { request_id, .. }] if *request_id == id13),
        "lane 13 commits the payment its shopper confirmed: {got13:?}"
    );

    let mut sold = Vec::new();
    for rt in [&rt11, &rt12, &rt13] {
        let j = rt.journal();
        assert_eq!(j.open_attempts().expect("journal reads").len(), 0);
        sold.push(j.all_sales().expect("journal reads").len());
    }
    assert_eq!(sold, vec![1, 0, 1], "sales per lane 11, 12, 13");
    drop((rt11, rt12, rt13, svc));

    let ledger = LedgerStore::open(&svc_dir.join("network.sqlite")).expect("ledger opens");
    assert_eq!(
        ledger.repeated_charges().expect("ledger reads"),
        Vec::<(String, u64)>::new(),
        "nobody charged twice"
    );
    let stage = |id: &str| {
        ledger
            .order(id)
            .expect("ledger reads")
            .unwrap_or_else(|| panic!("the service holds {id}"))
            .stage
    };
    assert_eq!(stage(&id11), PaymentStage::Paid);
    assert_eq!(stage(&id12), PaymentStage::Cancelled);
    assert_eq!(stage(&id13), PaymentStage::Paid);
    let mut paid = 0;
    ledger
        .for_each_order(|o| {
            paid += usize::from(o.stage == PaymentStage::Paid);
            Ok(())
        })
        .expect("ledger reads");
    assert_eq!(paid, 2, "the service's paid orders = the lanes' sales");
}

/// Reads server-sent events from `reader` until one `notes` event's page reaches `last`;
/// returns the notifications of every `notes` event read, in order.
fn sse_notes_until(lines: &std::sync::mpsc::Receiver<String>, last: u64) -> Vec<serde_json::Value> {
    let mut notes = Vec::new();
    let mut event = String::new();
    loop {
        let line = lines
            .recv_timeout(netserve_support::PATIENCE)
            .expect("the event stream goes on");
        if let Some(name) = line.strip_prefix("event: ") {
            event = name.to_string();
        } else if let Some(data) = line.strip_prefix("data: ") {
            assert_eq!(event, "notes", "only notes events carry data");
            let page: serde_json::Value = serde_json::from_str(data).expect("page is JSON");
            notes.extend(page["notes"].as_array().expect("notes").iter().cloned());
            if page["last"].as_u64().expect("last") >= last {
                return notes;
            }
        }
    }
}

#[test]
fn the_service_pushes_a_lanes_notifications_as_server_sent_events() {
    use std::io::BufRead as _;
    let dir = tempfile::tempdir().expect("temp dir");
    let svc = Service::start(&dir.path().join("network"), "127.0.0.1:0");
    let lane_dir = dir.path().join("lane21");
    std::fs::create_dir_all(&lane_dir).expect("lane dir");
    let mut rt = lane(&lane_dir, "21", &svc.url());
    let mut config = qrtill::config::Config::default();
    config.store.lane_id = "21".into();
    let prefix = qrtill::netserve::lane_prefix(&config);

    // A real HTTP client holds the stream open before the sale; a thread hands its lines over.
    let (tx, lines) = std::sync::mpsc::channel();
    let events = format!("{}/events?prefix={prefix}", svc.url());
    let (up_tx, up) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let resp = ureq::get(&events).call().expect("GET /events answers");
        let kind = resp
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string();
        up_tx.send(kind).expect("test waits");
        let reader = std::io::BufReader::new(resp.into_body().into_reader());
        for line in reader.lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let kind = up
        .recv_timeout(netserve_support::PATIENCE)
        .expect("the stream opens");
    assert_eq!(kind, "text/event-stream");

    // Wang Fang's wallet asks for a password, which she enters once the pay call has returned:
    // the order becomes paid after that call, which the service notifies. (Left alone she
    // confirms by herself 5-25 s later on the wall clock, close to the lane's poll deadline.)
    let shopper = ShopperId("wang-fang".into());
    harness::scan(&mut rt, FLAT_WHITE);
    rt.dispatch(Action::PayCode);
    let scanned = rt.phone(&shopper, PhoneAction::PresentCode);
    assert!(scanned.is_ok(), "{scanned:?}");
    let confirmed = rt.phone(&shopper, PhoneAction::EnterPassword);
    assert!(confirmed.is_ok(), "{confirmed:?}");
    let request_id = open_request_id(&rt.checkout.screen).expect("an attempt is open");
    run_until(&mut rt, "the receipt", receipt);

    // The long poll's view of the same log is the reference, once it holds the paid order's.
    let of_sale = |notes: &[serde_json::Value]| {
        notes
            .iter()
            .filter(|n| n["delivery"]["body"]["payment_request_id"] == request_id.as_str())
            .count()
    };
    let start = Instant::now();
    let (polled, last) = loop {
        let page: serde_json::Value = ureq::get(&format!(
            "{}/notifications?prefix={prefix}&wait_ms=0",
            svc.url()
        ))
        .call()
        .expect("GET /notifications answers")
        .body_mut()
        .read_json()
        .expect("page is JSON");
        let notes = page["notes"].as_array().expect("notes").clone();
        if of_sale(&notes) > 0 {
            break (notes, page["last"].as_u64().expect("last"));
        }
        assert!(
            start.elapsed() < netserve_support::PATIENCE,
            "the paid order was never notified"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    let pushed = sse_notes_until(&lines, last);
    assert_eq!(
        pushed, polled,
        "the stream carries what the long poll returns"
    );
    assert_eq!(
        of_sale(&pushed),
        1,
        "one notification for the paid order: {pushed:?}"
    );
}

/// The shopper's phone at a lane of a store: every action reaches the service's wallets, and
/// what the phone shows (screen, balance, offline) is the service's, mirrored into the lane's
/// screens. The lane's in-process network never sees the payment, so a phone drawn from it
/// would show nothing to confirm.
#[test]
fn the_shopper_phone_plays_against_the_network_service() {
    let dir = tempfile::tempdir().expect("temp dir");
    let svc_dir = dir.path().join("network");
    let lane_dir = dir.path().join("lane1");
    std::fs::create_dir_all(&lane_dir).expect("lane dir");
    let svc = Service::start(&svc_dir, "127.0.0.1:0");
    let mut rt = lane(&lane_dir, "01", &svc.url());
    // A shopper who confirms by hand, with a wallet that scans the counter's QR code.
    let shopper = rt
        .network()
        .shoppers()
        .iter()
        .find(|s| {
            s.behaviour == qrtill::network::ConfirmBehaviour::Manual
                && !s.risk_flagged
                && rt
                    .network()
                    .book()
                    .wallet(&s.wallet)
                    .is_some_and(|w| w.supports(qrtill::network::WalletMode::OrderCode))
        })
        .map(|s| s.id.clone())
        .expect("a shopper who confirms on the phone");

    // The phones arrive from the service (its watcher thread): wait for the first board.
    let start = Instant::now();
    while !rt.phones_mirrored() {
        assert!(start.elapsed().as_secs() < 5, "no phones from the service");
        std::thread::sleep(std::time::Duration::from_millis(20));
        rt.tick();
    }
    let before = rt
        .network()
        .balance(&shopper)
        .expect("the service's balance");

    harness::scan(&mut rt, FLAT_WHITE);
    rt.dispatch(Action::PayWalletQr);
    let scanned = rt.phone(&shopper, PhoneAction::ScanCounterQr);
    assert!(
        scanned.is_ok(),
        "the service read the counter's QR: {scanned:?}"
    );
    let request_id = open_request_id(&rt.checkout.screen).expect("an attempt is open");
    match rt.phone_screen(&shopper) {
        Some(qrtill::network::PhoneScreen::Confirm {
            payment_request_id, ..
        }) => assert_eq!(payment_request_id, request_id),
        other => panic!("the phone should ask to confirm the lane's payment: {other:?}"),
    }
    let confirmed = rt.phone(&shopper, PhoneAction::EnterPassword);
    assert!(confirmed.is_ok(), "{confirmed:?}");
    run_until(&mut rt, "the receipt", receipt);
    let Screen::Receipt { sale, .. } = &rt.checkout.screen else {
        unreachable!("run_until returned on a receipt");
    };
    let qrtill::checkout::sale::SaleTender::Wallet(w) = &sale.tender else {
        panic!("not a wallet sale: {:?}", sale.tender);
    };
    let paid = w.wallet_amount.expect("a cross-currency wallet sale");
    rt.dispatch(Action::Enter);
    // The balance the phone shows is the service's, less what the wallet paid.
    let start = Instant::now();
    let after = loop {
        rt.tick();
        let now = rt.network().balance(&shopper).expect("balance");
        if now != before || start.elapsed().as_secs() >= 5 {
            break now;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    assert_eq!(
        after.amount(),
        before.amount() - paid.amount(),
        "{before:?} -> {after:?}, paid {paid:?}"
    );

    // The demo desk's offline switch turns the service's phone off, and back on.
    let off = rt.phone(&shopper, PhoneAction::ToggleOffline);
    assert!(off.is_ok(), "{off:?}");
    assert_eq!(
        rt.phone_screen(&shopper),
        Some(qrtill::network::PhoneScreen::Offline)
    );
    let on = rt.phone(&shopper, PhoneAction::ToggleOffline);
    assert!(on.is_ok(), "{on:?}");
    assert_ne!(
        rt.phone_screen(&shopper),
        Some(qrtill::network::PhoneScreen::Offline)
    );
}

/// A lane's copy of the phones can be up to one fetch old. A code the phone showed and another
/// lane then used must not be presented again: the lane asks the service for the code.
#[test]
fn a_code_another_lane_used_is_never_presented_again() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (a_dir, b_dir) = (dir.path().join("lane1"), dir.path().join("lane2"));
    for d in [&a_dir, &b_dir] {
        std::fs::create_dir_all(d).expect("lane dir");
    }
    let svc = Service::start(&dir.path().join("network"), "127.0.0.1:0");
    let mut a = lane(&a_dir, "01", &svc.url());
    let mut b = lane(&b_dir, "02", &svc.url());
    let shopper = harness::easy_shoppers(a.network())
        .into_iter()
        .next()
        .expect("an auto-confirming shopper");

    // The phone shows a code (lane 01's copy of the phone now shows it too)...
    let shown = a.phone(&shopper, PhoneAction::ShowCode);
    assert!(shown.is_ok(), "{shown:?}");
    let Some(qrtill::network::PhoneScreen::ShowCode { code, .. }) = a.phone_screen(&shopper) else {
        panic!("lane 01 shows no code: {:?}", a.phone_screen(&shopper));
    };
    // ... and lane 02's cashier scans it first.
    harness::scan(&mut b, FLAT_WHITE);
    b.dispatch(Action::PayCode);
    harness::scan(&mut b, &code);
    run_until(&mut b, "lane 02's receipt", receipt);

    // The shopper presents the phone at lane 01 at once: a fresh code, and a sale.
    harness::scan(&mut a, FLAT_WHITE);
    a.dispatch(Action::PayCode);
    let presented = a.phone(&shopper, PhoneAction::PresentCode);
    assert!(presented.is_ok(), "{presented:?}");
    assert!(
        !presented.as_deref().unwrap_or_default().contains(&code),
        "lane 01 presented the used code again: {presented:?}"
    );
    run_until(&mut a, "lane 01's receipt", receipt);
    drop(svc);
}
