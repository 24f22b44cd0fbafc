//! The store ledger on a real, throwaway PostgreSQL cluster (tests/pg_support): versioned
//! schema, lanes replicating their journals in order and exactly once, PostgreSQL stopped in the
//! middle and started again, a replication killed mid-way, and a store Z equal to the sum of
//! the lanes' own sales to the cent.

use crate::e2e_support;
use crate::pg_support;

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

    let latest = qrtill::store::migrations::latest();
    let all: Vec<i64> = (1..=latest).collect();
    let first = ok(&run_qrtill(&l1, &["store", "init"]));
    assert!(first.contains(&format!("applied {all:?}")), "{first}");
    let again = ok(&run_qrtill(&l1, &["store", "init"]));
    assert!(
        again.contains(&format!("already at version {latest}")),
        "{again}"
    );

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
    let rep = qrtill::store::Replicator::spawn(
        qrtill::store::pool(&url).expect("store.url parses"),
        l1.join("journal.sqlite"),
        lane,
    )
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

/// A lane that needs no supervisor PIN for the refunds, drawer moves and closes of the test.
fn lane_dir_without_pins(root: &Path, lane: &str, url: &str) -> PathBuf {
    let dir = lane_dir(root, lane, url);
    let mut config = std::fs::read_to_string(dir.join("config.toml")).expect("config read");
    config.push_str(
        "[refund]\nno-pin-up-to = \"100000\"\n\
         [drawer]\npin_above = \"100000\"\nvariance_pin_above = \"100000\"\n",
    );
    std::fs::write(dir.join("config.toml"), config).expect("config written");
    dir
}

fn dec(v: &serde_json::Value) -> rust_decimal::Decimal {
    v.as_str()
        .unwrap_or_else(|| panic!("a decimal string: {v}"))
        .parse()
        .unwrap_or_else(|e| panic!("{v}: {e}"))
}

/// The figures of a Z report (a lane's or the store's JSON) that must add up across lanes:
/// name → (count, amount). Tax by category and rate, tenders by name.
fn z_figures(z: &serde_json::Value) -> BTreeMap<String, (i64, rust_decimal::Decimal)> {
    let mut out = BTreeMap::new();
    let count = |k: &str| z[k].as_i64().unwrap_or_else(|| panic!("{k}: {z}"));
    for (name, c) in [
        ("gross", "sales_count"),
        ("refunds", "refunds_count"),
        ("post_voids", "post_voids_count"),
        ("paid_in", "paid_in_count"),
        ("paid_out", "paid_out_count"),
    ] {
        out.insert(name.to_string(), (count(c), dec(&z[name])));
    }
    out.insert(
        "no_sale".into(),
        (count("no_sale_count"), Default::default()),
    );
    for name in [
        "net",
        "float",
        "cash_expected",
        "cash_counted",
        "cash_variance",
    ] {
        out.insert(name.to_string(), (0, dec(&z[name])));
    }
    for t in z["tax"].as_array().expect("tax") {
        let key = format!("tax {} {}", t["category"], dec(&t["rate"]).normalize());
        out.insert(
            key,
            (t["count"].as_i64().expect("count"), dec(&t["amount"])),
        );
    }
    for t in z["tenders"].as_array().expect("tenders") {
        let key = format!("tender {}", t["tender"]);
        out.insert(
            key,
            (t["count"].as_i64().expect("count"), dec(&t["amount"])),
        );
    }
    out
}

fn add_figures(
    sum: &mut BTreeMap<String, (i64, rust_decimal::Decimal)>,
    more: BTreeMap<String, (i64, rust_decimal::Decimal)>,
) {
    for (k, (c, a)) in more {
        let e = sum.entry(k).or_default();
        e.0 += c;
        e.1 += a;
    }
}

fn rows(url: &str, table: &str) -> i64 {
    let mut c = qrtill::store::connect(url).expect("store reachable");
    c.query_one(&format!("SELECT count(*) FROM {table}"), &[])
        .expect("count")
        .get(0)
}

#[test]
fn refunds_drawer_moves_and_z_reports_replicate_and_the_store_z_adds_up_the_lanes() {
    let pg = PgCluster::start();
    let url = pg.url();
    let root = tempfile::tempdir().expect("temp dir");
    let l3 = lane_dir_without_pins(root.path(), "03", &url);
    let l4 = lane_dir_without_pins(root.path(), "04", &url);
    ok(&run_qrtill(&l3, &["store", "init"]));

    // Lane 03: a float, sales, a refund, a post-void and drawer moves, copied while up.
    ok(&run_qrtill(&l3, &["shift", "open", "--float", "20=5,1=10"]));
    simulate(&l3, 6, 21);
    ok(&run_qrtill(
        &l3,
        &["refund", "2", "--all", "--reason", "Damaged"],
    ));
    ok(&run_qrtill(
        &l3,
        &["refund", "3", "--void", "--reason", "Post-void"],
    ));
    ok(&run_qrtill(
        &l3,
        &["shift", "paid-in", "20", "--reason", "change"],
    ));
    ok(&run_qrtill(
        &l3,
        &["shift", "paid-out", "7.25", "--reason", "milk"],
    ));
    ok(&run_qrtill(&l3, &["shift", "no-sale", "--reason", "check"]));
    let out = ok(&run_qrtill(&l3, &["store", "sync"]));
    assert!(
        out.contains("6 sales copied, 2 refunds, 4 shift events, 0 Z reports"),
        "{out}"
    );

    // Lane 04 sells and refunds too; then the store goes down in the middle of the day.
    simulate(&l4, 4, 22);
    ok(&run_qrtill(
        &l4,
        &["refund", "1", "--all", "--reason", "Wrong item"],
    ));
    ok(&run_qrtill(&l4, &["store", "sync"]));
    pg.stop();
    simulate(&l3, 3, 23);
    simulate(&l4, 2, 24);
    ok(&run_qrtill(
        &l4,
        &["refund", "5", "--all", "--reason", "Changed mind"],
    ));
    ok(&run_qrtill(
        &l4,
        &["shift", "paid-in", "3.10", "--reason", "float top-up"],
    ));
    // Blind counts that differ from what is expected, so the variance is not zero.
    ok(&run_qrtill(&l3, &["shift", "close", "--count", "50=2,1=3"]));
    ok(&run_qrtill(
        &l4,
        &["shift", "close", "--count", "20=1,0.25=3"],
    ));
    for lane in [&l3, &l4] {
        let down = run_qrtill(lane, &["store", "sync"]);
        assert_eq!(
            down.status.code(),
            Some(1),
            "sync against a stopped store fails"
        );
    }
    pg.start_again();
    let out = ok(&run_qrtill(&l3, &["store", "sync"]));
    assert!(
        out.contains("3 sales copied, 0 refunds, 0 shift events, 1 Z reports"),
        "{out}"
    );
    let out = ok(&run_qrtill(&l4, &["store", "sync"]));
    assert!(
        out.contains("2 sales copied, 1 refunds, 1 shift events, 1 Z reports"),
        "{out}"
    );
    for lane in [&l3, &l4] {
        let again = ok(&run_qrtill(lane, &["store", "sync"]));
        assert!(
            again.contains("0 sales copied, 0 refunds, 0 shift events, 0 Z reports"),
            "a repeated sync copies nothing: {again}"
        );
    }
    assert_eq!(rows(&url, "sales"), 6 + 3 + 4 + 2);
    assert_eq!(rows(&url, "lane_refunds"), 4);
    assert_eq!(rows(&url, "lane_shifts"), 2);
    assert_eq!(rows(&url, "drawer_moves"), 4);
    assert_eq!(rows(&url, "z_reports"), 2);

    // The lanes' own Z reports, added up here, per business day of their close.
    let mut expected: BTreeMap<String, BTreeMap<String, (i64, rust_decimal::Decimal)>> =
        BTreeMap::new();
    for lane in [&l3, &l4] {
        let z: serde_json::Value =
            serde_json::from_str(&ok(&run_qrtill(lane, &["report", "z", "--format", "json"])))
                .expect("lane Z is JSON");
        let day: String = z["closed_at"]
            .as_str()
            .expect("closed")
            .chars()
            .take(10)
            .collect();
        add_figures(expected.entry(day).or_default(), z_figures(&z));
    }
    let lane_figures = expected.values().next().expect("a day");
    assert!(lane_figures["refunds"].0 >= 1 && lane_figures["post_voids"].0 == 1);
    assert!(
        lane_figures["paid_in"].0 == 2
            && lane_figures["cash_variance"].1 != rust_decimal::Decimal::ZERO
    );
    for (day, want) in &expected {
        let out = ok(&run_qrtill(
            &l3,
            &["store", "report", "z", "--date", day, "--format", "json"],
        ));
        let z: serde_json::Value = serde_json::from_str(&out).expect("store Z is JSON");
        assert_eq!(z["kind"], "z");
        assert_eq!(
            &z_figures(&z),
            want,
            "store Z = sum of the lane Z reports: {out}"
        );
    }

    let listing = ok(&run_qrtill(&l3, &["store", "lanes"]));
    for r in listing.lines().skip(1) {
        let cols: Vec<&str> = r.split_whitespace().collect();
        assert_eq!(
            cols[3], "0",
            "no lag of any kind after the final sync: {listing}"
        );
        assert_ne!(cols[1], "0", "{listing}");
    }
}

/// The lane's store rows (sales) as the store holds them.
fn lane_sales_in_store(url: &str, lane: &str) -> i64 {
    let mut c = qrtill::store::connect(url).expect("store reachable");
    c.query_one("SELECT count(*) FROM sales WHERE lane_id = $1", &[&lane])
        .expect("count")
        .get(0)
}

#[test]
fn a_counter_killed_while_it_replicates_copies_every_sale_once_after_its_restart() {
    const SALES: u32 = 3000;
    let pg = PgCluster::start();
    let url = pg.url();
    // The lane's journal already holds its sales when the counter starts, so the counter's
    // replication thread has several batches to copy, and the kill lands among them.
    let t = e2e_support::Tmux::with_data(
        |data| {
            std::fs::write(
                data.join("config.toml"),
                format!("[store]\nlane_id = \"05\"\nurl = \"{url}\"\n"),
            )
            .expect("config written");
            ok(&run_qrtill(data, &["store", "init"]));
            simulate(data, SALES, 11);
            // The counter; when it ends the shell starts it again on the same data directory.
            let qrtill = e2e_support::Tmux::qrtill_command(data, &[]);
            format!("{qrtill}; {qrtill}; exec sleep 600")
        },
        100,
        30,
    );
    let killed = e2e_support::lock_pid(&t, None);
    let start = Instant::now();
    while lane_sales_in_store(&url, "05") == 0 && start.elapsed() < PATIENCE {
        std::thread::sleep(Duration::from_millis(2));
    }
    e2e_support::sigkill(killed);
    let at_kill = lane_sales_in_store(&url, "05");
    println!("store held {at_kill} of the lane's {SALES} sales when the counter was killed");
    assert!(at_kill > 0, "replication had started");

    // The restarted counter carries on from the store's position and says when it is done.
    e2e_support::lock_pid(&t, Some(killed));
    let screen = t.wait_until("the restarted lane caught up", |s| {
        s.lines()
            .next()
            .is_some_and(|h| h.contains("store online ·"))
    });
    assert!(!screen.contains("waiting"), "{screen}");
    assert_eq!(lane_sales_in_store(&url, "05"), i64::from(SALES));
    let lanes = journal_days(&[t.data_dir()]);
    assert_eq!(
        store_days(t.data_dir(), lanes.keys().cloned()),
        lanes,
        "store Z = the lane's sales, per day, to the cent"
    );
    t.send_keys(&["C-q"]);
}
