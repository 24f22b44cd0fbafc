//! Two lanes refund the same sale at the same moment, 100 times over (one sale per round):
//! the remainder is reserved under a row lock in PostgreSQL, so exactly one of each pair wins
//! and no sale is ever refunded past its total.

use crate::e2e_support;
use crate::pg_support;

use e2e_support::run_qrtill;
use pg_support::PgCluster;
use qrtill::store::refunds::{RefundAsk, Reservation, reserve};
use std::sync::{Arc, Barrier};

const ROUNDS: i64 = 100;

#[test]
fn two_lanes_refunding_one_sale_at_once_never_refund_more_than_it_paid() {
    let pg = PgCluster::start();
    let url = pg.url();
    let root = tempfile::tempdir().expect("temp dir");
    let lane = root.path().join("lane01");
    std::fs::create_dir_all(&lane).expect("lane dir");
    std::fs::write(
        lane.join("config.toml"),
        format!("[store]\nlane_id = \"01\"\nurl = \"{url}\"\n"),
    )
    .expect("config");
    for args in [
        &["store", "init"][..],
        &["simulate", "--sales", &ROUNDS.to_string()],
        &["store", "sync"],
    ] {
        let out = run_qrtill(&lane, args);
        assert!(out.status.success(), "{args:?}: {:?}", out);
    }
    let store_id = qrtill::config::Config::default().store.store_id;
    let mut client = qrtill::store::connect(&url).expect("store");
    let totals: Vec<i64> = (1..=ROUNDS)
        .map(|n| {
            client
                .query_one(
                    "SELECT total_minor FROM sales WHERE lane_id = '01' AND sale_no = $1",
                    &[&n],
                )
                .expect("replicated sale")
                .get(0)
        })
        .collect();

    let barrier = Arc::new(Barrier::new(2));
    let totals = Arc::new(totals);
    let lanes: Vec<_> = ["02", "03"]
        .into_iter()
        .map(|by| {
            let (barrier, totals, url, store_id) = (
                Arc::clone(&barrier),
                Arc::clone(&totals),
                url.clone(),
                store_id.clone(),
            );
            std::thread::spawn(move || {
                let mut c = qrtill::store::connect(&url).expect("store");
                let mut results = Vec::new();
                for n in 1..=ROUNDS {
                    // More than half each: both together would exceed the sale.
                    let amount = (totals[(n - 1) as usize] * 6 / 10).max(1);
                    let id = format!("R{by}-{n}");
                    barrier.wait();
                    let ask = RefundAsk {
                        store_id: &store_id,
                        refund_id: &id,
                        sale_lane: "01",
                        sale_no: n,
                        by_lane: by,
                        amount_minor: amount,
                    };
                    results.push(reserve(&mut c, &ask).expect("reservation runs"));
                }
                results
            })
        })
        .collect();
    let results: Vec<Vec<Reservation>> = lanes
        .into_iter()
        .map(|h| h.join().expect("lane thread"))
        .collect();

    for n in 0..ROUNDS as usize {
        let won = results
            .iter()
            .filter(|r| matches!(r[n], Reservation::Reserved { .. }))
            .count();
        assert_eq!(
            won,
            1,
            "sale {}: {:?} / {:?}",
            n + 1,
            results[0][n],
            results[1][n]
        );
    }
    // Checked from the table itself, not from what reserve said.
    let over: i64 = client
        .query_one(
            "SELECT count(*) FROM sales s
             WHERE (SELECT coalesce(sum(amount_minor), 0) FROM refunds r
                    WHERE r.sale_lane = s.lane_id AND r.sale_no = s.sale_no) > s.total_minor",
            &[],
        )
        .expect("query")
        .get(0);
    assert_eq!(over, 0, "no sale refunded past its total");
    let refunds: i64 = client
        .query_one("SELECT count(*) FROM refunds", &[])
        .expect("query")
        .get(0);
    assert_eq!(refunds, ROUNDS);

    // The winner of sale 1 retries its refund (a lost reply): nothing more is taken.
    let (winner_id, winner) = if matches!(results[0][0], Reservation::Reserved { .. }) {
        ("R02-1", "02")
    } else {
        ("R03-1", "03")
    };
    let again = RefundAsk {
        store_id: &store_id,
        refund_id: winner_id,
        sale_lane: "01",
        sale_no: 1,
        by_lane: winner,
        amount_minor: 1,
    };
    let r = reserve(&mut client, &again).expect("reserve");
    assert!(matches!(r, Reservation::AlreadyReserved { .. }), "{r:?}");
    let unknown = RefundAsk {
        sale_no: ROUNDS + 1,
        refund_id: "R02-x",
        ..again
    };
    assert_eq!(
        reserve(&mut client, &unknown).expect("reserve"),
        Reservation::UnknownSale
    );
    let refunds: i64 = client
        .query_one("SELECT count(*) FROM refunds", &[])
        .expect("query")
        .get(0);
    assert_eq!(
        refunds, ROUNDS,
        "the retry and the unknown sale added nothing"
    );
}
