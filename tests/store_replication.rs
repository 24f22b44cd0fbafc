//! The store ledger on a real, throwaway PostgreSQL cluster (tests/pg_support): versioned
//! schema, lanes replicating their journals in order and exactly once, PostgreSQL stopped in the
//! middle and started again, a replication killed mid-way, and a store Z equal to the sum of
//! the lanes' own sales to the cent.

mod e2e_support;
mod pg_support;

use e2e_support::run_qrtill;
use pg_support::PgCluster;
use qrtill::journal::Journal;
use qrtill::store::outbox::{LaneId, business_date};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

const PATIENCE: Duration = Duration::from_secs(120);

fn lane_dir(root: &Path, lane: &str, url: &str) -> PathBuf {
    let dir = root.join(format!("lane{lane}"));
    std::fs::create_dir_all(&dir).expect("lane dir");
    std::fs::write(
        dir.join("config.toml"),
        format!("[store]\nlane_id = \"{lane}\"\nurl = \"{url}\"\n"),
    )
    .expect("config written");
    dir
}

fn ok(out: &std::process::Output) -> String {
    assert!(
        out.status.success(),
        "qrtill failed ({:?}): {}{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn simulate(dir: &Path, sales: u32, seed: u32) {
    ok(&run_qrtill(
        dir,
        &[
            "simulate",
            "--sales",
            &sales.to_string(),
            "--basket-seed",
            &seed.to_string(),
        ],
    ));
}

/// Per business date: (sales, total in minor units), from the lane journals themselves.
fn journal_days(dirs: &[&Path]) -> BTreeMap<String, (i64, i64)> {
    let mut days = BTreeMap::new();
    let offset = qrtill::config::Config::default().store.utc_offset_minutes;
    for dir in dirs {
        let j = Journal::open_read_only(&dir.join("journal.sqlite")).expect("journal opens");
        for s in j.all_sales().expect("sales read") {
            let e = days
                .entry(business_date(s.completed_at, offset))
                .or_insert((0, 0));
            e.0 += 1;
            e.1 += s.total.to_minor();
        }
    }
    days
}

/// Per business date, from the store's Z report (JSON) over every lane.
fn store_days(
    any_lane: &Path,
    dates: impl Iterator<Item = String>,
) -> BTreeMap<String, (i64, i64)> {
    dates
        .map(|d| {
            let out = ok(&run_qrtill(
                any_lane,
                &["store", "report", "z", "--date", &d, "--format", "json"],
            ));
            let z: serde_json::Value = serde_json::from_str(&out).expect("z is JSON");
            let lines = z["lines"].as_array().expect("lines");
            let sales = lines
                .iter()
                .map(|l| l["sales"].as_i64().expect("sales"))
                .sum();
            let total = lines
                .iter()
                .map(|l| l["total_minor"].as_i64().expect("total"))
                .sum();
            (d, (sales, total))
        })
        .collect()
}

fn store_count(url: &str) -> i64 {
    let mut c = qrtill::store::connect(url).expect("store reachable");
    c.query_one("SELECT count(*) FROM sales", &[])
        .expect("count")
        .get(0)
}

#[test]
fn lanes_replicate_exactly_once_through_a_store_outage_and_a_killed_copy() {
    let pg = PgCluster::start();
    let url = pg.url();
    let root = tempfile::tempdir().expect("temp dir");
    let l1 = lane_dir(root.path(), "01", &url);
    let l2 = lane_dir(root.path(), "02", &url);

    let first = ok(&run_qrtill(&l1, &["store", "init"]));
    assert!(first.contains("applied [1, 2]"), "{first}");
    let again = ok(&run_qrtill(&l1, &["store", "init"]));
    assert!(again.contains("already at version 2"), "{again}");

    simulate(&l1, 5, 1);
    let out = ok(&run_qrtill(&l1, &["store", "sync"]));
    assert!(out.contains("5 sales copied"), "{out}");

    // The store goes down: the lane keeps selling, replication says it cannot reach it.
    pg.stop();
    simulate(&l1, 3, 2);
    let down = run_qrtill(&l1, &["store", "sync"]);
    assert_eq!(
        down.status.code(),
        Some(1),
        "sync against a stopped store fails"
    );
    pg.start_again();
    let out = ok(&run_qrtill(&l1, &["store", "sync"]));
    assert!(out.contains("3 sales copied"), "{out}");
    let out = ok(&run_qrtill(&l1, &["store", "sync"]));
    assert!(
        out.contains("0 sales copied"),
        "a repeated sync copies nothing: {out}"
    );

    // A copy of many sales SIGKILLed part-way, then run again: no duplicate, nothing missing.
    simulate(&l2, 1500, 3);
    let mut child = e2e_support::qrtill(&l2)
        .args(["store", "sync"])
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("sync starts");
    let start = Instant::now();
    while store_count(&url) <= 8 && start.elapsed() < PATIENCE {
        std::thread::sleep(Duration::from_millis(5));
    }
    child.kill().expect("SIGKILL the sync");
    child.wait().expect("reaped");
    ok(&run_qrtill(&l2, &["store", "sync"]));
    assert_eq!(store_count(&url), 5 + 3 + 1500);

    let lanes = journal_days(&[&l1, &l2]);
    let store = store_days(&l1, lanes.keys().cloned());
    assert_eq!(
        store, lanes,
        "store Z = sum of the lanes' sales, per day, to the cent"
    );

    let listing = ok(&run_qrtill(&l1, &["store", "lanes"]));
    let rows: Vec<&str> = listing.lines().skip(1).collect();
    assert_eq!(rows.len(), 2, "{listing}");
    for r in rows {
        let cols: Vec<&str> = r.split_whitespace().collect();
        assert_eq!(cols[3], "0", "no lag after the final sync: {listing}");
    }
}

#[test]
fn the_lane_thread_catches_up_by_itself_when_the_store_returns() {
    let pg = PgCluster::start();
    let url = pg.url();
    let root = tempfile::tempdir().expect("temp dir");
    let l1 = lane_dir(root.path(), "07", &url);
    ok(&run_qrtill(&l1, &["store", "init"]));
    simulate(&l1, 4, 9);
    let lane = LaneId {
        store_id: qrtill::config::Config::default().store.store_id,
        lane_id: "07".into(),
        utc_offset_minutes: 0,
    };
    let rep = qrtill::store::Replicator::spawn(url.clone(), l1.join("journal.sqlite"), lane)
        .expect("thread starts");
    let wait = |what: &str, ok: &dyn Fn(&qrtill::store::StoreStatus) -> bool| {
        let start = Instant::now();
        while !ok(&rep.status()) {
            assert!(
                start.elapsed() < PATIENCE,
                "never {what}: {:?}",
                rep.status()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    };
    wait("caught up", &|s| s.online && s.waiting == 0);
    assert_eq!(store_count(&url), 4);

    pg.stop();
    simulate(&l1, 6, 10);
    wait("offline with 6 waiting", &|s| !s.online && s.waiting == 6);
    assert_eq!(rep.status().line(), "store offline, 6 waiting");

    pg.start_again();
    wait("caught up again", &|s| s.online && s.waiting == 0);
    assert_eq!(store_count(&url), 10);
}
