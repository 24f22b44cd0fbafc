//! A lane against a real `qrtill network serve` process on loopback: a wallet sale over HTTP,
//! and a service SIGKILLed in the middle of a payment and restarted, after which the lane
//! resolves its open payment through query (and the books of both sides agree).

mod netserve_support;

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
    svc.kill();
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
    assert_eq!(order.stage, PaymentStage::Paid);
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
