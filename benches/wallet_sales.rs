//! 10,000 simulated wallet sales, headless, on a virtual clock, with the merchant journal on
//! disk (WAL, synchronous=FULL). Prints the throughput and the latency of commit-before-approve:
//! the wall time from the wallet's approval reaching the counter to the sale being durable, which
//! is what the cashier waits for before the screen says PAID.
//!
//! Run: `cargo bench --bench wallet_sales` (QRTILL_BENCH_SALES=N changes the count).
//! The network's own ledger is kept in memory: it is the other party's cost, not the counter's.

use qrtill::config::Config;
use qrtill::harness::{self, DEMO_SEED, DEMO_START};
use qrtill::journal::Journal;
use qrtill::runtime::ScreenPrinter;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Nearest-rank percentile `p` (in percent) of sorted samples, in integer arithmetic.
fn percentile(sorted: &[Duration], p: usize) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = (p * sorted.len()).div_ceil(100);
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn main() {
    let sales: u64 = std::env::var("QRTILL_BENCH_SALES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(10_000);
    let dir = tempfile::tempdir().expect("a temp dir");
    let config = Config::default();
    let catalog = Arc::new(harness::demo_catalog(&config).expect("the demo catalogue"));
    let journal = Journal::open(&dir.path().join("journal.sqlite")).expect("a journal on disk");
    let network = harness::demo_network(DEMO_SEED).expect("the demo network");
    let mut rt = harness::assemble(
        &config,
        catalog,
        journal,
        Box::new(ScreenPrinter::default()),
        network,
        qrtill::clock::ManualClock::new(DEMO_START),
    );
    rt.measure_commits();
    let shoppers = harness::easy_shoppers(rt.network());
    let baskets: [&[&str]; 3] = [
        &["2000000000138"],
        &["2000000000268", "2000000001692"],
        &["2000000001173", "2010000003770", "012345001079"],
    ];
    let started = Instant::now();
    let mut declined = 0u64;
    let mut reasons: std::collections::BTreeMap<String, u64> = Default::default();
    for i in 0..sales {
        let shopper = &shoppers[(i as usize) % shoppers.len()];
        harness::keep_funded(&mut rt, shopper);
        if let Err(why) = harness::wallet_sale(&mut rt, shopper, baskets[(i % 3) as usize]) {
            declined += 1;
            let bal = rt
                .network()
                .balance(shopper)
                .map(|b| b.with_code())
                .unwrap_or_default();
            let key = format!(
                "{} ({bal}): {}",
                shopper.0,
                why.chars().take(80).collect::<String>()
            );
            *reasons.entry(key).or_default() += 1;
        }
        rt.clock().advance(Duration::from_secs(20));
    }
    let elapsed = started.elapsed();
    for (why, n) in &reasons {
        println!("declined x{n}: {why}");
    }
    let mut commits = rt.commit_times().to_vec();
    commits.sort();
    let committed = commits.len();
    println!(
        "wallet_sales: {sales} payment-code sales, {committed} committed, {declined} declined"
    );
    let per_sale = elapsed / (committed.max(1) as u32);
    println!(
        "wallet_sales: {} ms wall, {} sales/s ({per_sale:?} per sale)",
        elapsed.as_millis(),
        (committed as u128 * 1000) / elapsed.as_millis().max(1)
    );
    println!(
        "commit-before-approve: p50 {:?}  p90 {:?}  p99 {:?}  max {:?}",
        percentile(&commits, 50),
        percentile(&commits, 90),
        percentile(&commits, 99),
        commits.last().copied().unwrap_or_default()
    );
    let report =
        qrtill::reconcile::reconcile(rt.journal(), rt.network().ledger()).expect("reconcile");
    println!(
        "reconcile: {}",
        report.report().lines().next().unwrap_or("")
    );
    assert!(report.balanced(), "{}", report.report());
}
