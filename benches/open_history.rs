//! Opening a counter on a long history (issue 8 targets: a data directory with 1,000,000 sales
//! reaches its first frame in under 100 ms, with resident memory within 20 MB of an empty one).
//!
//! - `open_history/…_to_first_frame`: open the journal and the network ledger, restore the
//!   network, assemble the runtime, run start-up recovery and draw the first frame of the real
//!   `CounterView` into a `TestBackend`. The demo catalogue is loaded once outside the timing
//!   (its cost does not grow with history; `benches/catalog.rs` measures it).
//! - Resident memory: the bench re-executes itself in a fresh child process per directory
//!   (`OPEN_HISTORY_CHILD=DIR`), which opens to the first frame and prints `VmRSS` from
//!   `/proc/self/status`; the parent prints both figures and their difference.
//!
//! The 1M-sale directory is generated once under `target/open_history/` and reused: one real
//! wallet sale is rung through the runtime (so every row is what the code writes), then its
//! rows in both files are copied a million times by SQL in one transaction per file, each copy
//! with its own request id, sale number and time.
//!
//! Run: `cargo bench --bench open_history`. `OPEN_HISTORY_SALES=N` changes the size.

use criterion::Criterion;
use qrtill::catalog::Catalog;
use qrtill::clock::ManualClock;
use qrtill::config::Config;
use qrtill::harness::{self, DEMO_SEED, DEMO_START};
use qrtill::journal::Journal;
use qrtill::money::fx::FxTable;
use qrtill::network::{LedgerStore, Network, WalletBook};
use qrtill::runtime::ScreenPrinter;
use qrtill::ui::{CounterView, Panes};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use rusqlite::{Connection, params};
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

const CHILD: &str = "OPEN_HISTORY_CHILD";
const READY: &str = "ready";

fn sales_wanted() -> u64 {
    std::env::var("OPEN_HISTORY_SALES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000)
}

/// `target/open_history/NAME`, beside the bench binary's own target directory.
fn cache_dir(name: &str) -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target"));
    target.join("open_history").join(name)
}

fn catalog(config: &Config) -> Arc<Catalog> {
    Arc::new(harness::demo_catalog(config).expect("the demo catalogue loads"))
}

fn open_network(dir: &Path) -> Network {
    let ledger = LedgerStore::open(&dir.join("network.sqlite")).expect("the ledger opens");
    Network::open(
        ledger,
        WalletBook::embedded().expect("wallet book"),
        FxTable::embedded().expect("fx table"),
        DEMO_SEED,
    )
    .expect("the network opens")
}

/// Open everything to the first frame; returns the frame so the work cannot be skipped.
fn open_to_first_frame(dir: &Path, config: &Config, catalog: Arc<Catalog>) -> String {
    let journal = Journal::open(&dir.join("journal.sqlite")).expect("the journal opens");
    let network = open_network(dir);
    let mut rt = harness::assemble(
        config,
        catalog,
        journal,
        Box::new(ScreenPrinter::default()),
        network,
        ManualClock::new(DEMO_START),
    );
    rt.recover();
    let panes = Panes::default();
    let mut terminal = Terminal::new(TestBackend::new(120, 40)).expect("a test terminal");
    terminal
        .draw(|f| {
            let view = CounterView {
                checkout: &rt.checkout,
                config,
                now: rt.now(),
                network: Some(rt.network()),
                panes: &panes,
            };
            f.render_widget(&view, f.area());
        })
        .expect("draw into a TestBackend");
    terminal.backend().to_string()
}

/// One wallet sale through the real runtime, on files in `dir`.
fn one_real_sale(dir: &Path, config: &Config) {
    let journal = Journal::open(&dir.join("journal.sqlite")).expect("journal");
    let network = open_network(dir);
    let mut rt = harness::assemble(
        config,
        catalog(config),
        journal,
        Box::new(ScreenPrinter::default()),
        network,
        ManualClock::new(DEMO_START),
    );
    let shoppers = harness::easy_shoppers(rt.network());
    let shopper = shoppers.first().expect("an easy shopper").clone();
    harness::keep_funded(&mut rt, &shopper);
    harness::wallet_sale(&mut rt, &shopper, &["2000000000138"]).expect("the template sale");
}

/// Copies the template sale's rows `n - 1` times: request ids `bench-0000002`… and sale
/// numbers 2…n, one sale (with its attempt, payment, charge and code) every 20 s, all before
/// the template's own time.
fn replicate(dir: &Path, n: u64) {
    let series = "WITH RECURSIVE k(i) AS (SELECT 2 UNION ALL SELECT i + 1 FROM k WHERE i < ?1)";
    let mut journal = Connection::open(dir.join("journal.sqlite")).expect("journal");
    let tx = journal.transaction().expect("tx");
    let (rid, sale_id): (String, i64) = tx
        .query_row(
            "SELECT request_id, sale_id FROM attempts WHERE state = 'paid'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .expect("the template attempt");
    tx.execute(
        &format!(
            "{series} INSERT INTO sales (id, lane_id, sale_no, completed_at, total_minor, currency,
               tender, body)
             SELECT i + 1000, s.lane_id, i, s.completed_at - (?1 + 1 - i) * 20000, s.total_minor, s.currency,
                    s.tender, json_set(s.body, '$.sale_no', i,
                      '$.completed_at', s.completed_at - (?1 + 1 - i) * 20000,
                      '$.tender.payment_request_id', printf('bench-%07d', i))
             FROM k, sales s WHERE s.id = ?2"
        ),
        params![n as i64, sale_id],
    )
    .expect("copy sales");
    tx.execute(
        &format!(
            "{series} INSERT INTO attempts (request_id, lane_id, mode, amount, currency, state,
               created_at, updated_at, basket, outcome, sale_id)
             SELECT printf('bench-%07d', i), a.lane_id, a.mode, a.amount, a.currency, a.state,
                    a.created_at - (?1 + 1 - i) * 20000, a.updated_at - (?1 + 1 - i) * 20000, a.basket, a.outcome, i + 1000
             FROM k, attempts a WHERE a.request_id = ?2"
        ),
        params![n as i64, rid],
    )
    .expect("copy attempts");
    tx.commit().expect("commit journal");

    let mut ledger = Connection::open(dir.join("network.sqlite")).expect("ledger");
    let tx = ledger.transaction().expect("tx");
    let version: String = tx
        .query_row(
            "SELECT value FROM meta WHERE key = 'schema_version'",
            [],
            |r| r.get(0),
        )
        .expect("ledger version");
    // v1 has no bill_number column (the before/after comparison runs this on both).
    let bill = if version == "1" { "" } else { ", bill_number" };
    let bill_value = if version == "1" {
        ""
    } else {
        ", p.bill_number"
    };
    tx.execute(
        &format!(
            "{series} INSERT INTO payments (payment_request_id, payment_id, shopper_id, wallet_id,
               stage, amount, currency, wallet_amount, wallet_currency, refunded, created_at,
               state_json{bill})
             SELECT printf('bench-%07d', i), printf('%s%07d', substr(p.payment_id, 1, 17), i),
                    p.shopper_id, p.wallet_id, p.stage, p.amount, p.currency, p.wallet_amount,
                    p.wallet_currency, p.refunded, p.created_at - (?1 + 1 - i) * 20000,
                    json_set(p.state_json, '$.request_id', printf('bench-%07d', i),
                      '$.created_at', p.created_at - (?1 + 1 - i) * 20000){bill_value}
             FROM k, payments p WHERE p.payment_request_id = ?2"
        ),
        params![n as i64, rid],
    )
    .expect("copy payments");
    tx.execute(
        &format!(
            "{series} INSERT INTO moves (shopper_id, kind, amount, currency, reference, at,
               state_json)
             SELECT m.shopper_id, m.kind, m.amount, m.currency, printf('bench-%07d', i),
                    m.at - (?1 + 1 - i) * 20000, json_set(m.state_json, '$.reference', printf('bench-%07d', i),
                      '$.at', m.at - (?1 + 1 - i) * 20000)
             FROM k, moves m WHERE m.kind = 'charge' AND m.reference = ?2"
        ),
        params![n as i64, rid],
    )
    .expect("copy charges");
    // The code's key: a digest in v2, the digits in v1 (which loaded every code at start).
    let field = if version == "1" { "$.code" } else { "$.digest" };
    tx.execute(
        &format!(
            "{series} INSERT INTO codes (code, shopper_id, issued_at, used_by, state_json)
             SELECT printf('%064d', i), c.shopper_id, c.issued_at - (?1 + 1 - i) * 20000,
                    printf('bench-%07d', i),
                    json_set(c.state_json, '{field}', printf('%064d', i),
                      '$.used_by', printf('bench-%07d', i), '$.issued_at', c.issued_at - (?1 + 1 - i) * 20000)
             FROM k, codes c WHERE c.used_by = ?2"
        ),
        params![n as i64, rid],
    )
    .expect("copy codes");
    tx.commit().expect("commit ledger");
}

/// The cached directory with `n` sales (0: a counter opened once, nothing sold).
fn data_dir(n: u64, config: &Config) -> PathBuf {
    let dir = cache_dir(&format!("sales-{n}"));
    if dir.join(READY).exists() {
        return dir;
    }
    if dir.exists() {
        std::fs::remove_dir_all(&dir).expect("clear a half-made directory");
    }
    std::fs::create_dir_all(&dir).expect("create the data directory");
    eprintln!("generating {} ({n} sales)…", dir.display());
    if n == 0 {
        open_to_first_frame(&dir, config, catalog(config));
    } else {
        one_real_sale(&dir, config);
        replicate(&dir, n);
    }
    std::fs::write(dir.join(READY), n.to_string()).expect("mark the directory ready");
    dir
}

/// In the child: open `dir` to the first frame and print the resident set size.
fn child(dir: &Path) {
    let config = Config::default();
    let frame = open_to_first_frame(dir, &config, catalog(&config));
    assert!(
        frame.contains("Scan"),
        "the first frame is the counter:\n{frame}"
    );
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    let rss = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .map(|v| v.trim().to_string())
        .expect("VmRSS in /proc/self/status");
    println!("VmRSS {rss}");
}

/// Resident set (kB) of a fresh process that opened `dir` to the first frame.
fn rss_after_open(dir: &Path) -> u64 {
    let exe = std::env::current_exe().expect("the bench binary");
    let out = Command::new(exe)
        .env(CHILD, dir)
        .output()
        .expect("re-run the bench as a child");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "child failed: {text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    text.lines()
        .find_map(|l| l.strip_prefix("VmRSS "))
        .and_then(|v| v.trim_end_matches(" kB").trim().parse().ok())
        .unwrap_or_else(|| panic!("no VmRSS line in: {text}"))
}

fn open_history(c: &mut Criterion) {
    let config = Config::default();
    let n = sales_wanted();
    let empty = data_dir(0, &config);
    let full = data_dir(n, &config);

    let rss_empty = rss_after_open(&empty);
    let rss_full = rss_after_open(&full);
    println!(
        "resident after opening: empty {} kB, {n} sales {} kB, difference {} kB",
        rss_empty,
        rss_full,
        rss_full as i64 - rss_empty as i64
    );

    let catalog = catalog(&config);
    let mut group = c.benchmark_group("open_history");
    group.sample_size(20);
    group.bench_function("empty_to_first_frame", |b| {
        b.iter(|| black_box(open_to_first_frame(&empty, &config, catalog.clone())))
    });
    group.bench_function(format!("{n}_sales_to_first_frame"), |b| {
        b.iter(|| black_box(open_to_first_frame(&full, &config, catalog.clone())))
    });
    group.finish();
}

fn main() {
    if let Some(dir) = std::env::var_os(CHILD) {
        child(Path::new(&dir));
        return;
    }
    let mut c = Criterion::default().configure_from_args();
    open_history(&mut c);
    c.final_summary();
}
