//! A store Z over many replicated sales (issue 12 target: 10,000,000 sales in under 1 s, from
//! the aggregates the store keeps, not a scan).
//!
//! A throwaway PostgreSQL cluster (tests/pg_support) gets the store schema; one lane's real
//! journal (`qrtill simulate`, cash sales) is replicated by the real `sync_once`, then those
//! replicated rows are copied by SQL, each copy with its own lane and sequence number, up to
//! `STORE_Z_SALES` (default 10,000,000), and `day_totals` is rebuilt from `sales` in the same
//! transaction, as replication would have kept it. The copies carry an empty body (the Z never
//! reads it; with bodies 10M rows would need ~15 GB of disk). The timed part is `report::z`.
//!
//! Run: `cargo bench --bench store_z`.

#[path = "../tests/pg_support/mod.rs"]
mod pg_support;

use criterion::Criterion;
use qrtill::store::outbox::{LaneId, open_journal, sync_once};
use qrtill::store::{migrations, report};
use std::hint::black_box;
use std::process::Command;
use std::time::Instant;

fn sales_wanted() -> i64 {
    std::env::var("STORE_Z_SALES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000_000)
}

fn main() {
    let pg = pg_support::PgCluster::start();
    let mut client = qrtill::store::connect(&pg.url()).expect("store reachable");
    migrations::init(&mut client).expect("schema");
    let lane_dir = tempfile::tempdir().expect("temp dir");
    let out = Command::new(env!("CARGO_BIN_EXE_qrtill"))
        .arg("--data")
        .arg(lane_dir.path())
        .args(["simulate", "--sales", "100"])
        .output()
        .expect("qrtill simulate runs");
    assert!(out.status.success(), "simulate: {out:?}");
    let config = qrtill::config::Config::default();
    let lane = LaneId::of(&config);
    let journal = open_journal(&lane_dir.path().join("journal.sqlite")).expect("journal");
    let copied = sync_once(&mut client, &journal, &lane).expect("replication");
    assert_eq!(copied.inserted, 100);
    let date: String = client
        .query_one("SELECT business_date FROM sales LIMIT 1", &[])
        .expect("a sale")
        .get(0);

    let wanted = sales_wanted();
    let started = Instant::now();
    let mut tx = client.transaction().expect("tx");
    // Copy k of the 100 real rows: lane "C<k / 100>" keeps sequence numbers unique per lane.
    tx.execute(
        "INSERT INTO sales (store_id, lane_id, seq, sale_no, completed_at, business_date,
                            total_minor, currency, tender, body)
         SELECT s.store_id, 'C' || (g / 100000)::text, g, g, s.completed_at, $2,
                s.total_minor, s.currency, s.tender, ''
         FROM generate_series(1::bigint, $1::bigint - 100) AS g
         JOIN sales s ON s.lane_id = $3 AND s.seq = 1 + (g % 100)",
        &[&wanted, &date, &lane.lane_id],
    )
    .expect("copies");
    tx.batch_execute(
        "DELETE FROM day_totals;
         INSERT INTO day_totals (store_id, business_date, lane_id, currency, tender, sales,
                                 total_minor)
         SELECT store_id, business_date, lane_id, currency, tender, count(*), sum(total_minor)
         FROM sales GROUP BY 1, 2, 3, 4, 5;",
    )
    .expect("aggregates");
    tx.commit().expect("commit");
    let held: i64 = client
        .query_one("SELECT count(*) FROM sales", &[])
        .expect("count")
        .get(0);
    eprintln!(
        "store_z: {held} sales in the store (generated in {:.1} s)",
        started.elapsed().as_secs_f64()
    );

    let store_id = config.store.store_id.clone();
    let z = report::z(&mut client, &store_id, &date).expect("z");
    let counted: i64 = z.totals().iter().map(|t| t.1).sum();
    eprintln!(
        "store_z: the Z for {date} counts {counted} sales in {} aggregate rows",
        z.lines.len()
    );
    let mut c = Criterion::default().configure_from_args();
    c.bench_function(&format!("store_z/{held}_sales"), |b| {
        b.iter(|| black_box(report::z(&mut client, &store_id, &date).expect("z")))
    });
    c.final_summary();
}
