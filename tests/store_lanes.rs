//! Three headless lanes, one `qrtill network serve` process and one PostgreSQL cluster
//! together: every lane sells by wallet through the shared service and replicates to the
//! store; the store's Z equals the sum of the three lanes' journals to the cent, and the
//! shared network ledger charged nobody twice.

use crate::netserve_support;
use crate::pg_support;

use netserve_support::{PATIENCE, Service, lane, run_until};
use pg_support::PgCluster;
use qrtill::checkout::{Action, Screen};
use qrtill::config::Config;
use qrtill::harness;
use qrtill::network::LedgerStore;
use qrtill::runtime::PhoneAction;
use qrtill::store::outbox::{LaneId, business_date};
use qrtill::store::{Replicator, migrations, report};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

const ITEMS: [&str; 3] = ["2000000000138", "2000000000268", "2000000000916"];

#[test]
fn three_lanes_share_the_network_service_and_the_store() {
    let pg = PgCluster::start();
    let mut client = qrtill::store::connect(&pg.url()).expect("store reachable");
    migrations::init(&mut client).expect("schema created");
    let root = tempfile::tempdir().expect("temp dir");
    let svc = Service::start(&root.path().join("network"), "127.0.0.1:0");
    let store_id = Config::default().store.store_id;
    let offset = Config::default().store.utc_offset_minutes;

    let mut lanes = Vec::new();
    for id in ["01", "02", "03"] {
        let dir = root.path().join(format!("lane{id}"));
        std::fs::create_dir_all(&dir).expect("lane dir");
        let rt = lane(&dir, id, &svc.url());
        let rep = Replicator::spawn(
            qrtill::store::pool(&pg.url()).expect("store.url parses"),
            dir.join("journal.sqlite"),
            LaneId {
                store_id: store_id.clone(),
                lane_id: id.into(),
                utc_offset_minutes: offset,
            },
        )
        .expect("replication thread");
        lanes.push((dir, rt, rep));
    }
    // Every lane sells twice by payment code to the same shopper: one wallet, three lanes.
    let shopper = harness::easy_shoppers(lanes[0].1.network())
        .into_iter()
        .next()
        .expect("an auto-confirming shopper");
    for round in 0..2 {
        for (i, (_, rt, _)) in lanes.iter_mut().enumerate() {
            harness::scan(rt, ITEMS[(i + round) % ITEMS.len()]);
            rt.dispatch(Action::PayCode);
            let scanned = rt.phone(&shopper, PhoneAction::PresentCode);
            assert!(scanned.is_ok(), "{scanned:?}");
            run_until(rt, "the receipt", |s| matches!(s, Screen::Receipt { .. }));
            rt.dispatch(Action::Enter);
        }
    }
    // Each lane's thread replicates on its own: wait for the store to hold all six.
    let start = Instant::now();
    let held = |c: &mut postgres::Client| -> i64 {
        c.query_one("SELECT count(*) FROM sales", &[])
            .expect("count")
            .get(0)
    };
    while held(&mut client) < 6 {
        assert!(start.elapsed() < PATIENCE, "replication never caught up");
        std::thread::sleep(Duration::from_millis(20));
    }
    // Nothing more arrives: every lane's position is its journal's last row.
    for (dir, _, rep) in &lanes {
        let start = Instant::now();
        while !(rep.status().online && rep.status().waiting == 0) {
            assert!(
                start.elapsed() < PATIENCE,
                "{} never caught up",
                dir.display()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
    assert_eq!(held(&mut client), 6, "no sale twice");

    let mut expected: BTreeMap<String, (i64, i64)> = BTreeMap::new();
    for (_, rt, _) in &lanes {
        let sales = rt.journal().all_sales().expect("journal reads");
        assert_eq!(sales.len(), 2);
        for s in sales {
            let e = expected
                .entry(business_date(s.completed_at, offset))
                .or_default();
            e.0 += 1;
            e.1 += s.total.to_minor();
        }
    }
    for (date, (sales, total)) in &expected {
        let z = report::z(&mut client, &store_id, date).expect("store z");
        let got = z.totals();
        assert_eq!(got.len(), 1, "one currency: {got:?}");
        assert_eq!((got[0].1, got[0].2), (*sales, *total), "store Z for {date}");
    }
    let listed = report::lanes(&mut client, &store_id).expect("lanes");
    assert_eq!(listed.len(), 3);
    assert!(listed.iter().all(|l| l.lag == 0), "{listed:?}");

    drop(lanes);
    drop(svc);
    let ledger =
        LedgerStore::open(&root.path().join("network").join("network.sqlite")).expect("ledger");
    assert_eq!(
        ledger.repeated_charges().expect("ledger reads"),
        Vec::<(String, u64)>::new()
    );
}
