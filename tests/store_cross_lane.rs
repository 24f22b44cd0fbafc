//! A return across lanes, with real parts: PostgreSQL (a throwaway cluster), the network
//! service (`qrtill network serve`) and two in-process lanes, 01 and 03, on the wall clock.
//! A wallet sale of lane 01 is scanned by its receipt reference at lane 03 and refunded there
//! through the refund screen; the store's remainder then stops lane 01 refunding it again.
//! With the store stopped, lane 03 refuses lane 01's receipt and lane 01 still refunds its own
//! sale; that refund reaches the store when it returns, and lane 03 then finds nothing left.

use crate::e2e_support;
use crate::netserve_support;
use crate::pg_support;

use netserve_support::{Service, run_until};
use pg_support::PgCluster;
use qrtill::checkout::refund::Status;
use qrtill::checkout::refund::policy::RefundPolicy;
use qrtill::checkout::{Action, CompletedSale, RefundStage, Screen};
use qrtill::clock::SystemClock;
use qrtill::config::Config;
use qrtill::harness;
use qrtill::journal::RefundState;
use qrtill::pin::PinGate;
use qrtill::runtime::{PhoneAction, Runtime, STORE_OFFLINE};
use qrtill::store::cross_lane::remaining;
use qrtill::store::outbox::{LaneId, open_journal};
use qrtill::store::{StatusHandle, StoreStatus};
use std::path::Path;
use std::sync::{Arc, Barrier};

const FLAT_WHITE: &str = "2000000000138";

fn lane_id(lane: &str) -> LaneId {
    LaneId {
        store_id: Config::default().store.store_id,
        lane_id: lane.to_string(),
        utc_offset_minutes: 0,
    }
}

/// A lane of the store: payments to the service, refunds reserved in PostgreSQL, no PIN.
fn store_lane(dir: &Path, lane: &str, net: &str, store: &str) -> Runtime<SystemClock> {
    std::fs::create_dir_all(dir).expect("lane dir");
    let mut rt = netserve_support::lane(dir, lane, net);
    rt.use_store(
        qrtill::store::pool(store).expect("store.url parses"),
        lane_id(lane),
    );
    rt.checkout.set_refund_desk(
        RefundPolicy {
            no_pin_up_to: rust_decimal::Decimal::from(100_000),
            ..RefundPolicy::default()
        },
        PinGate::new(None),
    );
    rt
}

/// One wallet sale of a flat white at `rt`, paid by an auto-confirming shopper.
fn wallet_sale(rt: &mut Runtime<SystemClock>) -> CompletedSale {
    let shopper = harness::easy_shoppers(rt.network())
        .into_iter()
        .next()
        .expect("an auto-confirming shopper");
    harness::scan(rt, FLAT_WHITE);
    rt.dispatch(Action::PayCode);
    let code = rt.phone(&shopper, PhoneAction::PresentCode);
    assert!(code.is_ok(), "payment code: {code:?}");
    run_until(rt, "the receipt", |s| matches!(s, Screen::Receipt { .. }));
    let Screen::Receipt { sale, .. } = &rt.checkout.screen else {
        unreachable!("run_until returned on a receipt");
    };
    let sale = (**sale).clone();
    rt.dispatch(Action::Enter);
    sale
}

fn sync(store: &str, dir: &Path, lane: &str) {
    let mut c = qrtill::store::connect(store).expect("store reachable");
    let j = open_journal(&dir.join("journal.sqlite")).expect("lane journal");
    qrtill::store::sync_once(&mut c, &j, &lane_id(lane)).expect("replicated");
}

/// The text a scanner types from the receipt of `sale` (its QR code or barcode).
fn reference(sale: &CompletedSale) -> String {
    qrtill::checkout::slip::sale_reference(&Config::default(), sale)
}

/// Scans `sale`'s receipt, refunds the whole sale with the first reason, and waits for the
/// refund screen's result.
fn refund_by_receipt(rt: &mut Runtime<SystemClock>, sale: &CompletedSale) -> RefundStage {
    harness::scan(rt, &reference(sale));
    let Screen::SaleDetail(opened) = &rt.checkout.screen else {
        panic!(
            "the receipt opened no sale: {:?} / {:?}",
            rt.checkout.screen, rt.checkout.notice
        );
    };
    assert_eq!(
        opened.record.sale.lane_id, sale.lane_id,
        "marked with its lane"
    );
    assert_eq!(opened.record.sale.total, sale.total);
    rt.dispatch(Action::Refund);
    rt.dispatch(Action::Char('a'));
    rt.dispatch(Action::Enter);
    rt.dispatch(Action::Enter);
    run_until(
        rt,
        "the refund's result",
        |s| matches!(s, Screen::Refund(r) if matches!(r.stage, RefundStage::Done { .. } | RefundStage::Failed(_))),
    );
    let Screen::Refund(r) = &rt.checkout.screen else {
        unreachable!("run_until returned on the refund screen");
    };
    let stage = r.stage.clone();
    rt.dispatch(Action::Back);
    rt.dispatch(Action::Back);
    stage
}

fn left_in_store(store: &str, sale: &CompletedSale) -> Option<i64> {
    let mut c = qrtill::store::connect(store).expect("store reachable");
    remaining(
        &mut c,
        &Config::default().store.store_id,
        &sale.lane_id,
        sale.sale_no,
    )
    .expect("remainder reads")
}

#[test]
fn a_sale_of_lane_01_is_refunded_at_lane_03_by_its_receipt_and_the_store_keeps_the_remainder() {
    let pg = PgCluster::start();
    let store = pg.url();
    let mut c = qrtill::store::connect(&store).expect("store");
    qrtill::store::migrations::init(&mut c).expect("store init");
    let root = tempfile::tempdir().expect("temp dir");
    let svc = Service::start(&root.path().join("network"), "127.0.0.1:0");
    let (d1, d3) = (root.path().join("lane01"), root.path().join("lane03"));
    let mut lane1 = store_lane(&d1, "01", &svc.url(), &store);
    let mut lane3 = store_lane(&d3, "03", &svc.url(), &store);

    let first = wallet_sale(&mut lane1);
    let second = wallet_sale(&mut lane1);
    assert_eq!((first.sale_no, second.sale_no), (1, 2));

    // Not replicated yet: lane 03 cannot know the sale.
    harness::scan(&mut lane3, &reference(&first));
    assert!(
        !matches!(lane3.checkout.screen, Screen::SaleDetail(_)),
        "{:?}",
        lane3.checkout.screen
    );
    sync(&store, &d1, "01");
    let total = first.total.to_minor();
    assert_eq!(left_in_store(&store, &first), Some(total));

    // Lane 03 refunds lane 01's first sale, found by its receipt.
    let stage = refund_by_receipt(&mut lane3, &first);
    let RefundStage::Done { record, status, .. } = stage else {
        panic!("refund at lane 03: {stage:?}");
    };
    assert!(matches!(status, Status::Settled { .. }), "{status:?}");
    assert!(
        record.refund.refund_request_id.ends_with("-L03"),
        "names the refunding lane: {}",
        record.refund.refund_request_id
    );
    let here = lane3.journal().refunds_of_sale("01", 1).expect("journal");
    assert_eq!(
        here.len(),
        1,
        "journaled at lane 03, against lane 01's sale"
    );
    assert_eq!(here[0].state, RefundState::Settled);
    assert_eq!(here[0].refund.amount, first.total);
    // Lane 01's own journal knows nothing of it; the store does.
    assert!(
        lane1
            .journal()
            .refunds_of_sale("01", 1)
            .expect("journal")
            .is_empty()
    );
    assert_eq!(left_in_store(&store, &first), Some(0));
    // The service's ledger moved the money back once (its wallet refund id is lane 03's).
    drop(c);

    // Lane 01 tries the same sale: its journal would allow it, the store does not.
    let stage = refund_by_receipt(&mut lane1, &first);
    let RefundStage::Failed(why) = &stage else {
        panic!("lane 01 refunded a sale lane 03 already refunded: {stage:?}");
    };
    assert!(why.contains("only"), "{why}");
    let mine = lane1.journal().refunds_of_sale("01", 1).expect("journal");
    assert_eq!(mine.len(), 1);
    assert_eq!(
        mine[0].state,
        RefundState::Failed,
        "the refusal is journaled"
    );
    assert_eq!(
        left_in_store(&store, &first),
        Some(0),
        "nothing more reserved"
    );

    // The store goes away, and lane 03's replication finds it down (the header's "store
    // offline"): the desk then asks the pool only briefly, and says so.
    let seen = StatusHandle::new(StoreStatus {
        tried: true,
        online: true,
        ..StoreStatus::default()
    });
    lane3.watch_store_status(seen.clone());
    pg.stop();
    seen.set(StoreStatus {
        tried: true,
        online: false,
        ..StoreStatus::default()
    });
    harness::scan(&mut lane3, &reference(&second));
    let notice = format!("{:?}", lane3.checkout.notice);
    assert!(notice.contains(STORE_OFFLINE), "{notice}");
    assert!(!matches!(lane3.checkout.screen, Screen::SaleDetail(_)));
    // Lane 01 refunds its own sale from its journal's remainder.
    let stage = refund_by_receipt(&mut lane1, &second);
    assert!(
        matches!(
            stage,
            RefundStage::Done {
                status: Status::Settled { .. },
                ..
            }
        ),
        "own sale with the store offline: {stage:?}"
    );

    // Back: lane 01's offline refund is recorded, and lane 03 finds nothing left.
    pg.start_again();
    seen.set(StoreStatus {
        tried: true,
        online: true,
        ..StoreStatus::default()
    });
    sync(&store, &d1, "01");
    let late = lane1.store_catch_up().expect("store back");
    assert_eq!((late.recorded, late.waiting), (1, 0), "{late:?}");
    assert!(late.over.is_empty());
    assert_eq!(left_in_store(&store, &second), Some(0));
    let again = lane1.store_catch_up().expect("store back");
    assert_eq!(again.recorded, 0, "recorded once");
    // A receipt of lane 01 the store never had: the notice says where it was looked for.
    harness::scan(&mut lane3, "S0007-L01-000999");
    let notice = format!("{:?}", lane3.checkout.notice);
    assert!(
        notice.contains("No sale 999 on lane 01 in this journal or the store"),
        "{notice}"
    );
    let stage = refund_by_receipt(&mut lane3, &second);
    let RefundStage::Failed(why) = &stage else {
        panic!("lane 03 refunded a sale lane 01 refunded offline: {stage:?}");
    };
    assert!(why.contains("only"), "{why}");

    // A card sale of lane 01 is refunded at lane 03 too: the sale the store hands over names
    // its authorization, which lane 03's own journal never saw.
    let card = card_sale(&mut lane1);
    sync(&store, &d1, "01");
    let stage = refund_by_receipt(&mut lane3, &card);
    let RefundStage::Done { status, record, .. } = stage else {
        panic!("card refund at lane 03: {stage:?}");
    };
    assert!(matches!(status, Status::Settled { .. }), "{status:?}");
    // The slip is lane 03's (where the money went back), and names lane 01's sale.
    let mut config = Config::default();
    config.store.lane_id = "03".into();
    let slip = qrtill::checkout::refund::slip::refund_slip(
        &config,
        &card,
        &record,
        Some(&status),
        card.total,
    );
    let text = qrtill::receipt::refund::render_refund_text(&slip, Default::default());
    assert!(text.contains("Lane 03"), "{text}");
    assert!(text.contains("S0007-L01-"), "{text}");
    let qrtill::checkout::sale::SaleTender::Card(tender) = &card.tender else {
        panic!("not a card sale: {:?}", card.tender);
    };
    assert!(!tender.payment_request_id.is_empty(), "{tender:?}");
    assert_eq!(left_in_store(&store, &card), Some(0));

    two_lanes_refund_each_sale_at_once(&store, root.path());
}

/// One card sale of a flat white at `rt` (a test Mastercard tapped).
fn card_sale(rt: &mut Runtime<SystemClock>) -> CompletedSale {
    harness::scan(rt, FLAT_WHITE);
    rt.dispatch(Action::PayCard);
    rt.dispatch(Action::Char('3'));
    run_until(rt, "the card receipt", |s| {
        matches!(s, Screen::Receipt { .. })
    });
    let Screen::Receipt { sale, .. } = &rt.checkout.screen else {
        unreachable!("run_until returned on a receipt");
    };
    let sale = (**sale).clone();
    rt.dispatch(Action::Enter);
    sale
}

const ROUNDS: u64 = 100;

/// The concurrency check of store_refunds.rs, through the real refund flow: lanes 06 and 07
/// scan the same cash sale of lane 05 and refund all of it at the same moment, `ROUNDS` times.
fn two_lanes_refund_each_sale_at_once(store: &str, root: &Path) {
    let d5 = root.join("lane05");
    std::fs::create_dir_all(&d5).expect("lane dir");
    std::fs::write(
        d5.join("config.toml"),
        format!("[store]\nlane_id = \"05\"\nurl = \"{store}\"\n"),
    )
    .expect("config");
    for args in [
        &["simulate", "--sales", &ROUNDS.to_string()][..],
        &["store", "sync"],
    ] {
        let out = e2e_support::run_qrtill(&d5, args);
        assert!(out.status.success(), "{args:?}: {out:?}");
    }
    let sales = qrtill::journal::Journal::open(&d5.join("journal.sqlite"))
        .expect("lane 05 journal")
        .all_sales()
        .expect("sales");
    assert_eq!(sales.len() as u64, ROUNDS);
    let sales = Arc::new(sales);
    let barrier = Arc::new(Barrier::new(2));
    let lanes: Vec<_> = ["06", "07"]
        .into_iter()
        .map(|lane| {
            let (sales, barrier, store, dir) = (
                Arc::clone(&sales),
                Arc::clone(&barrier),
                store.to_string(),
                root.join(format!("lane{lane}")),
            );
            std::thread::spawn(move || {
                std::fs::create_dir_all(&dir).expect("lane dir");
                let mut config = Config::default();
                config.store.lane_id = lane.to_string();
                let catalog = Arc::new(harness::demo_catalog(&config).expect("catalogue"));
                let journal =
                    qrtill::journal::Journal::open(&dir.join("journal.sqlite")).expect("journal");
                let mut rt = harness::assemble(
                    &config,
                    catalog,
                    journal,
                    Box::new(qrtill::runtime::ScreenPrinter::default()),
                    harness::demo_network(harness::DEMO_SEED).expect("network"),
                    SystemClock::default(),
                );
                rt.use_store(
                    qrtill::store::pool(&store).expect("store.url parses"),
                    lane_id(lane),
                );
                rt.checkout.set_refund_desk(
                    RefundPolicy {
                        no_pin_up_to: rust_decimal::Decimal::from(100_000),
                        ..RefundPolicy::default()
                    },
                    PinGate::new(None),
                );
                let mut settled = Vec::new();
                for sale in sales.iter() {
                    barrier.wait();
                    let stage = refund_by_receipt(&mut rt, sale);
                    settled.push(matches!(
                        stage,
                        RefundStage::Done {
                            status: Status::Settled { .. },
                            ..
                        }
                    ));
                }
                settled
            })
        })
        .collect();
    let settled: Vec<Vec<bool>> = lanes
        .into_iter()
        .map(|h| h.join().expect("lane thread"))
        .collect();
    for (i, sale) in sales.iter().enumerate() {
        let won = settled.iter().filter(|s| s[i]).count();
        assert_eq!(
            won, 1,
            "sale {} of lane 05: {won} lanes refunded it",
            sale.sale_no
        );
    }
    // From the store's table itself, not from what the lanes said.
    let mut c = qrtill::store::connect(store).expect("store");
    let over: i64 = c
        .query_one(
            "SELECT count(*) FROM sales s WHERE s.lane_id = '05' AND
                 (SELECT coalesce(sum(amount_minor), 0) FROM refunds r
                  WHERE r.sale_lane = s.lane_id AND r.sale_no = s.sale_no) > s.total_minor",
            &[],
        )
        .expect("query")
        .get(0);
    assert_eq!(over, 0, "no sale refunded past its total");
    let reserved: i64 = c
        .query_one("SELECT count(*) FROM refunds WHERE sale_lane = '05'", &[])
        .expect("query")
        .get(0);
    assert_eq!(reserved as u64, ROUNDS, "one reservation per sale");
}
