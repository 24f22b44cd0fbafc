//! `qrtill reconcile` on copies of real databases with planted faults. A data directory is
//! filled by `qrtill simulate --wallet`, copied, and each copy gets faults planted by SQL the
//! way a bug or a tampered file would leave them: a sale without a payment, a payment without a
//! sale, an amount that differs, a shopper charged twice, and two sales for one payment. The
//! real binary must exit 1 and name every fault by its request id (and sale number) and kind.

use crate::e2e_support;

use e2e_support::run_qrtill;
use rusqlite::{Connection, params};
use std::path::Path;
use tempfile::TempDir;

const FILES: [&str; 4] = [
    "journal.sqlite",
    "journal.sqlite-wal",
    "network.sqlite",
    "network.sqlite-wal",
];

/// A data directory with `n` wallet sales made by the real binary.
fn simulated(n: u32) -> TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = run_qrtill(
        dir.path(),
        &["simulate", "--wallet", "--sales", &n.to_string()],
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "simulate: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    dir
}

/// Copies both databases (and any WAL beside them) to a fresh directory.
fn copy_of(dir: &Path) -> TempDir {
    let copy = tempfile::tempdir().expect("tempdir");
    for f in FILES {
        let from = dir.join(f);
        if from.exists() {
            std::fs::copy(&from, copy.path().join(f)).expect("copy database");
        }
    }
    copy
}

/// Wallet sales in the copy as (sale number, payment request id), by sale number.
fn wallet_sales(journal: &Connection) -> Vec<(i64, String)> {
    let mut stmt = journal
        .prepare(
            "SELECT sale_no, json_extract(body, '$.tender.payment_request_id') FROM sales
             WHERE tender = 'wallet' ORDER BY sale_no",
        )
        .expect("query sales");
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
        .expect("read sales")
}

/// Copies sale `sale_no` as a new sale (next number) paid by `request_id`.
fn duplicate_sale(journal: &Connection, sale_no: i64, request_id: &str) -> i64 {
    let next: i64 = journal
        .query_row("SELECT MAX(sale_no) + 1 FROM sales", [], |r| r.get(0))
        .expect("next sale number");
    journal
        .execute(
            "INSERT INTO sales (lane_id, sale_no, completed_at, total_minor, currency, tender, body)
             SELECT lane_id, ?2, completed_at + 1, total_minor, currency, tender,
                    json_set(body, '$.sale_no', ?2, '$.tender.payment_request_id', ?3)
             FROM sales WHERE sale_no = ?1",
            params![sale_no, next, request_id],
        )
        .expect("insert sale");
    next
}

struct Planted {
    ghost_sale: (i64, String),
    unsold_payment: String,
    amount_differs: String,
    double_charge: String,
    sold_twice: String,
}

fn plant_faults(data: &Path) -> Planted {
    let journal = Connection::open(data.join("journal.sqlite")).expect("journal");
    let ledger = Connection::open(data.join("network.sqlite")).expect("ledger");
    let sales = wallet_sales(&journal);
    assert!(sales.len() >= 5, "simulate made 5 wallet sales: {sales:?}");

    // A sale naming a payment the network never saw.
    let ghost = "ghost-payment-1".to_string();
    let ghost_no = duplicate_sale(&journal, sales[0].0, &ghost);

    // A payment the wallet holds whose sale is gone (sales are append-only: drop the trigger).
    let unsold = sales[1].1.clone();
    // The attempt still points at it: the fault is a sale lost whatever its references say.
    journal
        .execute_batch("PRAGMA foreign_keys = OFF; DROP TRIGGER sales_no_delete;")
        .expect("drop trigger");
    let gone = journal
        .execute("DELETE FROM sales WHERE sale_no = ?1", params![sales[1].0])
        .expect("delete sale");
    assert_eq!(gone, 1);

    // The wallet's record of a payment says another amount than the sale.
    let differs = sales[2].1.clone();
    let changed = ledger
        .execute(
            "UPDATE payments SET state_json = json_set(state_json, '$.amount.amount', '999.99')
             WHERE payment_request_id = ?1",
            params![differs],
        )
        .expect("change amount");
    assert_eq!(changed, 1);

    // The shopper's balance was charged twice for one payment.
    let twice = sales[3].1.clone();
    let charged = ledger
        .execute(
            "INSERT INTO moves (shopper_id, kind, amount, currency, reference, at, state_json)
             SELECT shopper_id, kind, amount, currency, reference, at + 1, state_json
             FROM moves WHERE kind = 'charge' AND reference = ?1",
            params![twice],
        )
        .expect("second charge");
    assert_eq!(charged, 1, "one charge move to copy");

    // One payment, two sales.
    let sold_twice = sales[4].1.clone();
    duplicate_sale(&journal, sales[4].0, &sold_twice);

    Planted {
        ghost_sale: (ghost_no, ghost),
        unsold_payment: unsold,
        amount_differs: differs,
        double_charge: twice,
        sold_twice,
    }
}

/// The PROBLEM line that names `id`; fails with the whole report if there is none.
fn problem<'a>(report: &'a str, id: &str) -> &'a str {
    match report
        .lines()
        .find(|l| l.starts_with("PROBLEM: ") && l.contains(id))
    {
        Some(l) => l,
        None => panic!("no PROBLEM line names {id}:\n{report}"),
    }
}

fn assert_names_every_fault(report: &str, p: &Planted) {
    let ghost = problem(report, &p.ghost_sale.1);
    assert!(
        ghost.contains("network never saw") && ghost.contains(&format!("/{}", p.ghost_sale.0)),
        "{ghost}"
    );
    let unsold = problem(report, &p.unsold_payment);
    assert!(unsold.contains("journal has no sale"), "{unsold}");
    let differs = problem(report, &p.amount_differs);
    assert!(
        differs.contains("amounts differ") && differs.contains("999.99"),
        "{differs}"
    );
    let twice = problem(report, &p.double_charge);
    assert!(
        twice.contains("charged 2 times") && twice.contains("double charge"),
        "{twice}"
    );
    let sold = problem(report, &p.sold_twice);
    assert!(sold.contains("2 sales"), "{sold}");
    let problems = report
        .lines()
        .filter(|l| l.starts_with("PROBLEM: "))
        .count();
    assert_eq!(problems, 5, "exactly the planted faults:\n{report}");
    assert!(report.contains("; 5 problem(s)"), "{report}");
}

#[test]
fn reconcile_names_each_planted_fault_and_exits_1() {
    let made = simulated(6);

    // The untouched books agree: the check does not cry wolf.
    let clean = copy_of(made.path());
    let out = run_qrtill(clean.path(), &["reconcile", "--dry-run"]);
    let report = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(out.status.code(), Some(0), "{report}");
    assert!(report.contains("; 0 problem(s)"), "{report}");

    // Both modes: the full run (recovery, then compare) and the read-only one.
    for args in [&["reconcile"][..], &["reconcile", "--dry-run"][..]] {
        let copy = copy_of(made.path());
        let planted = plant_faults(copy.path());
        let out = run_qrtill(copy.path(), args);
        let report = String::from_utf8_lossy(&out.stdout).into_owned();
        assert_eq!(
            out.status.code(),
            Some(1),
            "{args:?}: {report}{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_names_every_fault(&report, &planted);
    }
}

#[test]
fn dry_run_changes_neither_file() {
    let made = simulated(2);
    let copy = copy_of(made.path());
    let read = |f: &str| std::fs::read(copy.path().join(f)).expect("read database");
    let before = (read("journal.sqlite"), read("network.sqlite"));
    let out = run_qrtill(copy.path(), &["reconcile", "--dry-run"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        before == (read("journal.sqlite"), read("network.sqlite")),
        "--dry-run wrote to a database"
    );
}

#[test]
fn dry_run_on_a_missing_directory_exits_2_and_says_what_to_do() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = run_qrtill(&dir.path().join("nowhere"), &["reconcile", "--dry-run"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("journal.sqlite") && err.contains("--data"),
        "{err}"
    );
}
