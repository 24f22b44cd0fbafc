//! The journal survives SIGKILL: the real binary is killed at random moments while it commits
//! sales, and after every kill the journal is intact, gap-free and readable.

use crate::e2e_support;

use e2e_support::{kill_when_rows, qrtill, run_qrtill};
use qrtill::checkout::CompletedSale;
use rusqlite::{Connection, OpenFlags};
use std::path::Path;
use std::process::Stdio;

const LANE: &str = "03";

/// One stored sale row, as the columns say and as its JSON body says.
struct Row {
    sale_no: i64,
    total_minor: i64,
    currency: String,
    body: String,
}

/// Checks the journal read-only, as an auditor would, and returns the number of sales on the
/// lane. Panics on any inconsistency.
fn audit(path: &Path) -> u64 {
    let conn = match Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY) {
        Ok(c) => c,
        Err(e) => panic!("cannot open {} read-only: {e}", path.display()),
    };
    let integrity: String = match conn.query_row("PRAGMA integrity_check", [], |r| r.get(0)) {
        Ok(s) => s,
        Err(e) => panic!("integrity_check failed to run: {e}"),
    };
    assert_eq!(integrity, "ok", "PRAGMA integrity_check");

    // Killed while the very first migration ran: it rolled back, so the journal is empty.
    let migrated: bool = match conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sales')",
        [],
        |r| r.get(0),
    ) {
        Ok(b) => b,
        Err(e) => panic!("cannot read the schema: {e}"),
    };
    if !migrated {
        return 0;
    }

    let rows = conn
        .prepare(
            "SELECT sale_no, total_minor, currency, body FROM sales
             WHERE lane_id = ?1 ORDER BY sale_no",
        )
        .and_then(|mut stmt| {
            stmt.query_map([LANE], |r| {
                Ok(Row {
                    sale_no: r.get(0)?,
                    total_minor: r.get(1)?,
                    currency: r.get(2)?,
                    body: r.get(3)?,
                })
            })?
            .collect::<Result<Vec<_>, _>>()
        });
    let rows = match rows {
        Ok(r) => r,
        Err(e) => panic!("cannot read the sales: {e}"),
    };

    for (i, row) in rows.iter().enumerate() {
        let expected_no = i as i64 + 1;
        assert_eq!(
            row.sale_no, expected_no,
            "sale numbers are 1..=n with no gap"
        );
        let sale: CompletedSale = match serde_json::from_str(&row.body) {
            Ok(s) => s,
            Err(e) => panic!("sale {} has a broken body ({e}): {}", row.sale_no, row.body),
        };
        assert_eq!(
            sale.sale_no as i64, row.sale_no,
            "body and row agree on the number"
        );
        assert_eq!(sale.lane_id, LANE);
        assert_eq!(
            sale.total.to_minor(),
            row.total_minor,
            "sale {}: stored total",
            row.sale_no
        );
        assert_eq!(sale.total.currency().code(), row.currency);
        assert!(!sale.lines.is_empty(), "sale {} has lines", row.sale_no);
    }
    rows.len() as u64
}

#[test]
fn sigkill_during_sales_never_leaves_a_half_written_sale() {
    let data = match tempfile::tempdir() {
        Ok(d) => d,
        Err(e) => panic!("temp dir: {e}"),
    };
    let journal = data.path().join("journal.sqlite");
    // Varied moments, by progress rather than by the clock: at start-up (0 more sales), and
    // just after the run has committed a few more sales, so the kill lands in the next one.
    let more_sales = [0u64, 3, 1, 0, 5, 2, 4, 1];
    let mut n = 0u64;
    let mut grew = 0;

    for (i, more) in more_sales.into_iter().enumerate() {
        let seed = i.to_string();
        let mut child = match qrtill(data.path())
            .args(["simulate", "--sales", "100000", "--seed", &seed])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
        {
            Ok(c) => c,
            Err(e) => panic!("cannot start qrtill simulate: {e}"),
        };
        kill_when_rows(&mut child, &journal, "sales", n + more);

        if !journal.exists() {
            // Killed before the journal was created: nothing to check yet.
            assert_eq!(n, 0, "round {i}: the journal vanished");
            continue;
        }
        let now = audit(&journal);
        assert!(now >= n, "round {i}: sales went from {n} to {now}");
        if now > n {
            grew += 1;
        }
        eprintln!("round {i}: killed after {more} more sale(s), {now} sales");
        n = now;

        let out = run_qrtill(data.path(), &["receipt", "last"]);
        let text = String::from_utf8_lossy(&out.stdout);
        if n == 0 {
            assert!(
                !out.status.success(),
                "no sale yet, yet receipt last printed:\n{text}"
            );
        } else {
            assert!(
                out.status.success(),
                "round {i}: receipt last after a kill: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            let heading = format!("SALE #{n} ");
            assert!(
                text.lines().any(|l| l.starts_with(&heading)),
                "round {i}: receipt last is not sale {n}:\n{text}"
            );
        }
    }

    assert!(n > 0, "no sale was committed in any round");
    assert!(
        grew >= more_sales.iter().filter(|m| **m > 0).count(),
        "sales were committed in only {grew} of the rounds"
    );
}
