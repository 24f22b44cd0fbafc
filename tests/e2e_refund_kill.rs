//! Kills during wallet refunds: the real `qrtill refund` is SIGKILLed at seeded random moments,
//! one sale after another. The in-process network answers within microseconds of the journal
//! write, so most kills land before the journal write or after the settlement (the run prints
//! how many were left open); the two moments in between are stopped exactly in
//! tests/refund_crash.rs. After the kills, `qrtill reconcile` asks every open refund again with its
//! id; each sale is then refunded (again, if the kill came before anything was journaled), and
//! the books must hold exactly one refund per sale, in the journal and in the ledger.
//! `QRTILL_KILL_SEED=N` replays the choices (the moments are wall-clock delays).

use crate::e2e_support;

use e2e_support::{count_rows, qrtill, run_qrtill};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::io::Write;
use std::process::Stdio;
use std::time::Duration;

const SALES: u64 = 10;

fn query(path: &std::path::Path, sql: &str) -> i64 {
    let conn =
        rusqlite::Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .expect("open read-only");
    conn.query_row(sql, [], |r| r.get(0)).expect("query")
}

#[test]
fn sigkill_during_wallet_refunds_leaves_exactly_one_refund_per_sale() {
    let seed = std::env::var("QRTILL_KILL_SEED")
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(9u64);
    println!("seed {seed}");
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let dir = tempfile::tempdir().expect("tmp");
    let data = dir.path().join("data");
    let sales = SALES.to_string();
    let sim = run_qrtill(&data, &["simulate", "--sales", &sales, "--wallet"]);
    assert!(
        sim.status.success(),
        "{}",
        String::from_utf8_lossy(&sim.stderr)
    );
    let mut set = qrtill(&data)
        .args(["pin", "set"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .expect("pin set");
    set.stdin
        .take()
        .expect("stdin")
        .write_all(b"2468\n")
        .expect("pin");
    assert!(set.wait().expect("pin set ends").success());
    let pin = dir.path().join("pin");
    std::fs::write(&pin, "2468\n").expect("pin file");
    let pin = pin.to_str().expect("utf8");
    let journal = data.join("journal.sqlite");

    let mut killed = 0;
    for sale in 1..=SALES {
        let n = sale.to_string();
        let mut child = qrtill(&data)
            .args([
                "refund",
                &n,
                "--all",
                "--reason",
                "Damaged",
                "--pin-file",
                pin,
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn refund");
        std::thread::sleep(Duration::from_millis(rng.random_range(0..250)));
        if child.try_wait().expect("try_wait").is_none() {
            child.kill().expect("kill");
            killed += 1;
        }
        child.wait().expect("wait");
    }
    let open = query(
        &journal,
        "SELECT count(*) FROM refunds r WHERE (SELECT state FROM refund_events e
         WHERE e.refund_id = r.id ORDER BY e.id DESC LIMIT 1) != 'settled'",
    );
    println!(
        "{killed} of {SALES} refunds killed; {} journaled, {open} left open",
        count_rows(&journal, "refunds")
    );
    let rec = run_qrtill(&data, &["reconcile"]);
    let out = String::from_utf8_lossy(&rec.stdout).into_owned();
    assert_eq!(
        rec.status.code(),
        Some(0),
        "{out}{}",
        String::from_utf8_lossy(&rec.stderr)
    );
    // A sale whose kill came before its refund was journaled has none yet: refund it now.
    for sale in 1..=SALES {
        let rows = query(
            &journal,
            &format!("SELECT count(*) FROM refunds WHERE sale_no = {sale}"),
        );
        if rows == 0 {
            let n = sale.to_string();
            let r = run_qrtill(
                &data,
                &[
                    "refund",
                    &n,
                    "--all",
                    "--reason",
                    "Damaged",
                    "--pin-file",
                    pin,
                ],
            );
            assert_eq!(
                r.status.code(),
                Some(0),
                "{}",
                String::from_utf8_lossy(&r.stderr)
            );
        }
    }
    assert_eq!(
        count_rows(&journal, "refunds"),
        SALES,
        "one refund row per sale"
    );
    let settled = query(
        &journal,
        "SELECT count(*) FROM refund_events WHERE state = 'settled'",
    );
    assert_eq!(settled, SALES as i64, "every refund settled once");
    let ledger_refunds = query(&data.join("network.sqlite"), "SELECT count(*) FROM refunds");
    assert_eq!(
        ledger_refunds, SALES as i64,
        "one refund per sale in the ledger"
    );
    let rec = run_qrtill(&data, &["reconcile"]);
    let out = String::from_utf8_lossy(&rec.stdout).into_owned();
    assert_eq!(rec.status.code(), Some(0), "{out}");
    assert!(out.contains(&format!("{SALES} refund(s) match")), "{out}");
}
