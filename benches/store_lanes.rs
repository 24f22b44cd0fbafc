//! Issue 12 bench: 20 headless lanes selling against one PostgreSQL and one
//! `qrtill network serve`, on the real path.
//!
//! Each lane is a thread with its own runtime on the wall clock, its own SQLite journal, its
//! payments sent to the service over HTTP (`network.url`), and its own replication thread
//! (`store::Replicator`, the one the counter runs). Every sale is a wallet payment-code sale by
//! an auto-confirming shopper. Printed:
//! - the store's sales per second: sales the lanes committed inside the timed window, divided
//!   by its length (bounded by the simulated wallet's own latencies per sale, so it grows with
//!   the number of lanes until the machine saturates);
//! - the replication lag per sale: from its `completed_at` (the lane's clock just before the
//!   journal commit) to the first time a watcher polling PostgreSQL every 10 ms sees the row, so
//!   each figure is up to 10 ms late; p50, p99 and max;
//! - the machine's fsync time: 200 writes of 4 KiB, each followed by `sync_data`, on the disk
//!   that holds the journals.
//!
//! At the end every lane's journal is compared with the store: the same number of rows, none
//! twice. Run: `cargo bench --bench store_lanes` (STORE_LANES=20, STORE_LANES_SECS=30).

#[path = "../tests/netserve_support/mod.rs"]
mod netserve_support;
#[path = "../tests/pg_support/mod.rs"]
mod pg_support;

use netserve_support::{Service, lane};
use qrtill::checkout::{Action, Screen};
use qrtill::config::Config;
use qrtill::harness;
use qrtill::runtime::PhoneAction;
use qrtill::store::outbox::LaneId;
use qrtill::store::{Replicator, migrations};
use std::collections::HashMap;
use std::io::{Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

const ITEMS: [&str; 3] = ["2000000000138", "2000000000268", "2000000000916"];
/// One sale that takes longer than this means the setup is broken, not slow.
const SALE_PATIENCE: Duration = Duration::from_secs(120);
const WATCH_EVERY: Duration = Duration::from_millis(10);

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn wall_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// What one lane did.
#[derive(Debug, Default)]
struct LaneRun {
    lane_id: String,
    journal: PathBuf,
    /// `completed_at` of every sale committed.
    committed_at: Vec<i64>,
    /// Attempts that ended without a sale (declined, cancelled, manual).
    failed: u64,
}

/// Lanes wait at `ready` once their journal exists (the replicators start then), and at `go`
/// once every replicator reaches the store.
#[derive(Clone)]
struct Gates {
    ready: Arc<Barrier>,
    go: Arc<Barrier>,
}

/// Sells until `stop`, one payment-code sale after another.
fn sell(
    dir: PathBuf,
    lane_id: String,
    url: String,
    gates: Gates,
    stop: Arc<AtomicBool>,
) -> LaneRun {
    let mut rt = lane(&dir, &lane_id, &url);
    // Shoppers with room for a few hundred coffees (not the low-balance tester).
    let enough = qrtill::money::Decimal::from(1000);
    let shoppers: Vec<_> = harness::easy_shoppers(rt.network())
        .into_iter()
        .filter(|s| {
            rt.network()
                .balance(s)
                .is_some_and(|b| b.amount() >= enough)
        })
        .collect();
    let n: usize = lane_id.parse().unwrap_or(0);
    let shopper = shoppers[n % shoppers.len()].clone();
    let mut run = LaneRun {
        lane_id,
        journal: dir.join("journal.sqlite"),
        ..LaneRun::default()
    };
    gates.ready.wait();
    gates.go.wait();
    let mut k = n;
    while !stop.load(Ordering::Relaxed) {
        k += 1;
        // Twenty lanes spend the same few shoppers' balances: top them up at the service, so
        // the figure is the store's, not the wallets' running dry.
        harness::keep_funded(&mut rt, &shopper);
        harness::scan(&mut rt, ITEMS[k % ITEMS.len()]);
        rt.dispatch(Action::PayCode);
        if let Err(e) = rt.phone(&shopper, PhoneAction::PresentCode) {
            panic!("lane {}: payment code refused: {e}", run.lane_id);
        }
        let start = Instant::now();
        loop {
            rt.tick();
            match &rt.checkout.screen {
                Screen::Receipt { sale, .. } => {
                    run.committed_at.push(sale.completed_at.0);
                    rt.dispatch(Action::Enter);
                    break;
                }
                Screen::Pay(p) if p.status.is_final() => {
                    eprintln!("lane {}: no sale: {:?}", run.lane_id, p.status);
                    run.failed += 1;
                    rt.dispatch(Action::Back);
                    rt.dispatch(Action::ClearBasket);
                    rt.dispatch(Action::Char('y'));
                    break;
                }
                _ => {}
            }
            assert!(
                start.elapsed() < SALE_PATIENCE,
                "lane {}: no outcome; screen {:?}",
                run.lane_id,
                rt.checkout.screen
            );
            let now = rt.now();
            let wait = rt.next_deadline().map_or(Duration::from_millis(20), |t| {
                t.since(now).min(Duration::from_millis(20))
            });
            std::thread::sleep(wait.max(Duration::from_millis(1)));
        }
    }
    run
}

/// Polls the store every `WATCH_EVERY` and notes when each (lane, seq) first appears, with the
/// sale's `completed_at`. Replication is in order per lane, so a high-water mark per lane
/// finds the new rows through the primary key.
fn watch(url: String, store_id: String, stop: Arc<AtomicBool>) -> Vec<(i64, i64)> {
    let mut client = qrtill::store::connect(&url).expect("watcher reaches the store");
    let mut high: HashMap<String, i64> = HashMap::new();
    // (completed_at, first seen), both in ms since the epoch.
    let mut seen = Vec::new();
    loop {
        let stopping = stop.load(Ordering::Relaxed);
        let lanes: Vec<String> = high.keys().cloned().collect();
        let marks: Vec<i64> = lanes.iter().map(|l| high[l]).collect();
        let rows = client
            .query(
                "SELECT s.lane_id, s.seq, s.completed_at FROM sales s
                 LEFT JOIN unnest($2::text[], $3::bigint[]) AS h(lane, mark) ON h.lane = s.lane_id
                 WHERE s.store_id = $1 AND s.seq > coalesce(h.mark, 0)",
                &[&store_id, &lanes, &marks],
            )
            .expect("watcher query");
        let at = wall_ms();
        for r in rows {
            let lane: String = r.get(0);
            let seq: i64 = r.get(1);
            let done: i64 = r.get(2);
            let mark = high.entry(lane).or_insert(0);
            *mark = (*mark).max(seq);
            seen.push((done, at));
        }
        if stopping {
            return seen;
        }
        std::thread::sleep(WATCH_EVERY);
    }
}

/// Median time of one 4 KiB write followed by `sync_data`, over `n` rounds, in `dir`.
fn fsync_time(dir: &Path, n: usize) -> (Duration, Duration) {
    let path = dir.join("fsync-probe");
    let mut f = std::fs::File::create(&path).expect("probe file");
    let block = [0x5a_u8; 4096];
    let mut times = Vec::with_capacity(n);
    for _ in 0..n {
        let t = Instant::now();
        f.seek(SeekFrom::Start(0)).expect("seek");
        f.write_all(&block).expect("write");
        f.sync_data().expect("fsync");
        times.push(t.elapsed());
    }
    times.sort();
    let total: Duration = times.iter().sum();
    (times[n / 2], total / n as u32)
}

fn percentile(sorted: &[i64], p: f64) -> i64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn main() {
    // `cargo bench` passes `--bench`; this harness takes its settings from the environment.
    let lanes = env_or("STORE_LANES", 20) as usize;
    let secs = env_or("STORE_LANES_SECS", 30);
    let root = tempfile::tempdir().expect("temp dir");
    let (fsync_median, fsync_mean) = fsync_time(root.path(), 200);

    let pg = pg_support::PgCluster::start();
    let mut client = qrtill::store::connect(&pg.url()).expect("store reachable");
    migrations::init(&mut client).expect("schema");
    let svc = Service::start(&root.path().join("network"), "127.0.0.1:0");
    let config = Config::default();
    let store_id = config.store.store_id.clone();

    let stop_watch = Arc::new(AtomicBool::new(false));
    let watcher = {
        let (url, store_id, stop) = (pg.url(), store_id.clone(), Arc::clone(&stop_watch));
        std::thread::spawn(move || watch(url, store_id, stop))
    };

    let gates = Gates {
        ready: Arc::new(Barrier::new(lanes + 1)),
        go: Arc::new(Barrier::new(lanes + 1)),
    };
    let stop = Arc::new(AtomicBool::new(false));
    let mut threads = Vec::new();
    let mut dirs = Vec::new();
    for i in 1..=lanes {
        let lane_id = format!("{i:02}");
        let dir = root.path().join(format!("lane{lane_id}"));
        std::fs::create_dir_all(&dir).expect("lane dir");
        dirs.push((lane_id.clone(), dir.clone()));
        let (url, gates, stop) = (svc.url(), gates.clone(), Arc::clone(&stop));
        threads.push(std::thread::spawn(move || {
            sell(dir, lane_id, url, gates, stop)
        }));
    }
    gates.ready.wait();
    let replicators: Vec<Replicator> = dirs
        .into_iter()
        .map(|(lane_id, dir)| {
            Replicator::spawn(
                qrtill::store::pool(&pg.url()).expect("store.url parses"),
                dir.join("journal.sqlite"),
                LaneId {
                    store_id: store_id.clone(),
                    lane_id,
                    utc_offset_minutes: config.store.utc_offset_minutes,
                },
            )
            .expect("replication thread")
        })
        .collect();
    let online = Instant::now();
    while !replicators.iter().all(|r| r.status().online) {
        assert!(
            online.elapsed() < Duration::from_secs(120),
            "replicators never reached the store"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    gates.go.wait();
    let window_start = wall_ms();
    std::thread::sleep(Duration::from_secs(secs));
    let window_end = wall_ms();
    stop.store(true, Ordering::Relaxed);
    let runs: Vec<LaneRun> = threads
        .into_iter()
        .map(|t| t.join().expect("lane thread"))
        .collect();

    // Wait until the store holds every sale of every lane's journal (the replicators' status
    // may predate a lane's last sale), then check that no row is there twice.
    let journal_counts: HashMap<String, i64> = runs
        .iter()
        .map(|r| {
            let j = qrtill::journal::Journal::open_read_only(&r.journal).expect("journal");
            let n = j.all_sales().expect("sales").len() as i64;
            assert_eq!(n, r.committed_at.len() as i64, "lane {}", r.lane_id);
            (r.lane_id.clone(), n)
        })
        .collect();
    let store_counts = |client: &mut postgres::Client| -> HashMap<String, i64> {
        client
            .query(
                "SELECT lane_id, count(*), count(DISTINCT seq) FROM sales GROUP BY lane_id",
                &[],
            )
            .expect("store counts")
            .into_iter()
            .map(|row| {
                let (lane, n, distinct): (String, i64, i64) = (row.get(0), row.get(1), row.get(2));
                assert_eq!(n, distinct, "lane {lane}: a sale twice");
                (lane, n)
            })
            .collect()
    };
    let caught_up = Instant::now();
    while store_counts(&mut client) != journal_counts {
        assert!(
            caught_up.elapsed() < Duration::from_secs(300),
            "replication never caught up: store {:?}, journals {journal_counts:?}",
            store_counts(&mut client)
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    stop_watch.store(true, Ordering::Relaxed);
    let seen = watcher.join().expect("watcher");
    drop(replicators);

    let committed: usize = runs.iter().map(|r| r.committed_at.len()).sum();
    let failed: u64 = runs.iter().map(|r| r.failed).sum();
    assert_eq!(
        seen.len(),
        committed,
        "the watcher saw every replicated sale"
    );

    let in_window = runs
        .iter()
        .flat_map(|r| &r.committed_at)
        .filter(|t| (window_start..window_end).contains(*t))
        .count();
    let window_s = (window_end - window_start) as f64 / 1000.0;
    let mut lags: Vec<i64> = seen.iter().map(|(done, at)| at - done).collect();
    lags.sort();
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!(
        "store_lanes: {lanes} lanes, {window_s:.1} s window: {in_window} sales = {:.1} sales/s \
         ({committed} sales in all, {failed} attempts without a sale)",
        in_window as f64 / window_s
    );
    println!(
        "store_lanes: replication lag over {} sales: p50 {} ms, p99 {} ms, max {} ms \
         (commit to visible in PostgreSQL; watcher polls every {} ms)",
        lags.len(),
        percentile(&lags, 0.50),
        percentile(&lags, 0.99),
        lags.last().copied().unwrap_or(0),
        WATCH_EVERY.as_millis()
    );
    println!(
        "store_lanes: fsync of 4 KiB: median {:.2} ms, mean {:.2} ms (200 rounds, {})",
        fsync_median.as_secs_f64() * 1e3,
        fsync_mean.as_secs_f64() * 1e3,
        root.path().display()
    );
    println!("store_lanes: load average at the end: {}", load.trim());
    drop(svc);
}
