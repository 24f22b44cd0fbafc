//! How long a lane takes to say `store offline: only this lane's sales can be refunded` when a
//! cashier scans another lane's receipt and the store cannot be reached: with replication not
//! yet knowing (the pool's connect timeout, 3 s) and with replication finding the store down
//! (the header's "store offline": `store::connection_wait`'s short wait).
//!
//! A headless lane (in-memory journal, demo network, wall clock) joined to a store at a
//! loopback port nothing listens on; each round scans a receipt of lane 01 and times the scan
//! until the notice is set. Rounds last seconds, so this prints its own figures rather than
//! running criterion's hundreds of samples.
//!
//! Run: `cargo bench --bench store_offline`.

use qrtill::clock::SystemClock;
use qrtill::config::Config;
use qrtill::harness;
use qrtill::journal::Journal;
use qrtill::runtime::{Runtime, STORE_OFFLINE, ScreenPrinter};
use qrtill::store::outbox::LaneId;
use qrtill::store::{StatusHandle, StoreStatus};
use std::sync::Arc;
use std::time::{Duration, Instant};

const ROUNDS: usize = 3;

/// A loopback URL that refuses connections: a port the OS handed out, then closed.
fn unreachable_url() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    let port = listener.local_addr().expect("its address").port();
    drop(listener);
    format!("postgres://postgres@127.0.0.1:{port}/postgres")
}

fn lane(store_down_seen: bool) -> Runtime<SystemClock> {
    let mut config = Config::default();
    config.store.lane_id = "03".into();
    let catalog = Arc::new(harness::demo_catalog(&config).expect("demo catalogue"));
    let network = harness::demo_network(harness::DEMO_SEED).expect("demo network");
    let mut rt = harness::assemble(
        &config,
        catalog,
        Journal::in_memory().expect("journal"),
        Box::new(ScreenPrinter::default()),
        network,
        SystemClock::default(),
    );
    let pool = qrtill::store::pool(&unreachable_url()).expect("the URL parses");
    rt.use_store(pool, LaneId::of(&config));
    if store_down_seen {
        rt.watch_store_status(StatusHandle::new(StoreStatus {
            tried: true,
            online: false,
            ..StoreStatus::default()
        }));
    }
    rt
}

fn time_rounds(store_down_seen: bool) -> Vec<Duration> {
    let mut rt = lane(store_down_seen);
    (1..=ROUNDS)
        .map(|n| {
            let started = Instant::now();
            harness::scan(&mut rt, &format!("S0007-L01-{n:06}"));
            let took = started.elapsed();
            let notice = format!("{:?}", rt.checkout.notice);
            assert!(notice.contains(STORE_OFFLINE), "{notice}");
            took
        })
        .collect()
}

fn show(what: &str, mut times: Vec<Duration>) {
    times.sort();
    let ms: Vec<String> = times
        .iter()
        .map(|t| format!("{} ms", t.as_millis()))
        .collect();
    println!(
        "{what}: median {} ms ({})",
        times[times.len() / 2].as_millis(),
        ms.join(", ")
    );
}

fn main() {
    show(
        "store down, replication not yet knowing (connect timeout)",
        time_rounds(false),
    );
    show(
        "store down, replication finding it down (header: store offline)",
        time_rounds(true),
    );
}
