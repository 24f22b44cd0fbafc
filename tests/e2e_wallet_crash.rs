//! Issue 4, "durable and exactly once": the real binary is killed (SIGKILL) at varied moments
//! while it takes wallet payments, over and over on one data directory. After every kill both
//! parties' books are audited read-only, `qrtill reconcile` recovers the open attempts (query,
//! then cancel), and the books are audited again: no approved payment is lost, none is charged
//! twice, no sale exists without the wallet's payment, and the two ledgers agree.

use crate::e2e_support;

use e2e_support::{count_rows, kill_when_rows, qrtill, run_qrtill};
use qrtill::checkout::CompletedSale;
use qrtill::checkout::sale::SaleTender;
use rusqlite::{Connection, OpenFlags};
use rust_decimal::Decimal;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Stdio;
use std::str::FromStr;

const LANE: &str = "03";

/// What the merchant journal says about one wallet sale.
#[derive(Debug)]
struct JournalSale {
    sale_no: u64,
    /// USD charged, as the sale says.
    total: Decimal,
    /// What the shopper paid in the wallet currency, as the wallet reported it.
    wallet_amount: Option<(Decimal, String)>,
}

/// The merchant journal, as an auditor reads it.
#[derive(Debug, Default)]
struct Journal {
    /// Sales on the lane: numbered 1..=n.
    n: u64,
    /// Wallet sales by payment request id.
    sales: BTreeMap<String, JournalSale>,
    /// Attempts without a final state (recovery has not resolved them yet).
    open: BTreeSet<String>,
    /// Attempts flagged for a person to settle with the acquirer.
    manual: BTreeSet<String>,
}

/// What the network's ledger says about one payment.
#[derive(Debug)]
struct Payment {
    stage: String,
    amount: Decimal,
    wallet_amount: Option<(Decimal, String)>,
    /// Charge moves on the shopper's balance for this payment.
    charges: usize,
    /// Sum of every balance move for this payment (charge, reversal, refund): what the shopper is
    /// out of pocket, negative.
    net_moves: Decimal,
}

fn open_read_only(path: &Path) -> Connection {
    let conn = match Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY) {
        Ok(c) => c,
        Err(e) => panic!("cannot open {} read-only: {e}", path.display()),
    };
    let integrity: String = match conn.query_row("PRAGMA integrity_check", [], |r| r.get(0)) {
        Ok(s) => s,
        Err(e) => panic!("integrity_check of {} failed to run: {e}", path.display()),
    };
    assert_eq!(
        integrity,
        "ok",
        "PRAGMA integrity_check of {}",
        path.display()
    );
    conn
}

fn has_table(conn: &Connection, table: &str) -> bool {
    match conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1)",
        [table],
        |r| r.get(0),
    ) {
        Ok(b) => b,
        Err(e) => panic!("cannot read the schema: {e}"),
    }
}

fn decimal(text: &str, what: &str) -> Decimal {
    match Decimal::from_str(text) {
        Ok(d) => d,
        Err(e) => panic!("{what}: {text:?} is not a decimal ({e})"),
    }
}

/// Reads the journal: the sales (gap-free, bodies intact, one wallet payment each) and the open
/// attempts. Panics on any inconsistency.
fn audit_journal(path: &Path) -> Journal {
    let conn = open_read_only(path);
    // Killed while the very first migration ran: it rolled back, so the journal is empty.
    if !has_table(&conn, "sales") {
        return Journal::default();
    }
    let rows = conn
        .prepare(
            "SELECT sale_no, total_minor, currency, tender, body FROM sales
             WHERE lane_id = ?1 ORDER BY sale_no",
        )
        .and_then(|mut stmt| {
            stmt.query_map([LANE], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, String>(4)?,
                ))
            })?
            .collect::<Result<Vec<_>, _>>()
        });
    let rows = match rows {
        Ok(r) => r,
        Err(e) => panic!("cannot read the sales: {e}"),
    };

    let mut journal = Journal::default();
    for (i, (sale_no, total_minor, currency, tender, body)) in rows.into_iter().enumerate() {
        assert_eq!(sale_no, i as i64 + 1, "sale numbers are 1..=n with no gap");
        let sale: CompletedSale = match serde_json::from_str(&body) {
            Ok(s) => s,
            Err(e) => panic!("sale {sale_no} has a broken body ({e}): {body}"),
        };
        assert_eq!(
            sale.sale_no as i64, sale_no,
            "body and row agree on the number"
        );
        assert_eq!(sale.lane_id, LANE);
        assert_eq!(sale.total.to_minor(), total_minor, "sale {sale_no}: total");
        assert_eq!(sale.total.currency().code(), currency);
        assert!(!sale.lines.is_empty(), "sale {sale_no} has lines");
        assert_eq!(tender, "wallet", "simulate --wallet sells by wallet only");
        let SaleTender::Wallet(w) = &sale.tender else {
            panic!("sale {sale_no}: the body's tender is not a wallet: {body}");
        };
        assert_eq!(
            w.amount, sale.total,
            "sale {sale_no}: the wallet took the total"
        );
        assert!(
            !w.brand.is_empty() && !w.wallet_txn_id.is_empty(),
            "sale {sale_no}: the receipt names the wallet and its transaction: {body}"
        );
        let facts = JournalSale {
            sale_no: sale_no as u64,
            total: sale.total.amount(),
            wallet_amount: w
                .wallet_amount
                .map(|m| (m.amount(), m.currency().code().to_string())),
        };
        if let Some(before) = journal.sales.insert(w.payment_request_id.clone(), facts) {
            panic!(
                "sales {} and {sale_no} both claim payment {}: sold twice",
                before.sale_no, w.payment_request_id
            );
        }
        journal.n = sale_no as u64;
    }

    if has_table(&conn, "attempts") {
        let ids_in = |state: &str| {
            let ids = conn
                .prepare("SELECT request_id FROM attempts WHERE state = ?1")
                .and_then(|mut stmt| {
                    stmt.query_map([state], |r| r.get::<_, String>(0))?
                        .collect::<Result<BTreeSet<_>, _>>()
                });
            match ids {
                Ok(ids) => ids,
                Err(e) => panic!("cannot read the attempts: {e}"),
            }
        };
        journal.open = ids_in("pending");
        journal.manual = ids_in("needs_manual");
        // Every sale came from a journaled attempt that ended paid and points at it.
        for (id, sale) in &journal.sales {
            let state: Result<String, _> = conn.query_row(
                "SELECT a.state FROM attempts a JOIN sales s ON s.id = a.sale_id
                 WHERE a.request_id = ?1 AND s.sale_no = ?2 AND s.lane_id = ?3",
                rusqlite::params![id, sale.sale_no as i64, LANE],
                |r| r.get(0),
            );
            match state {
                Ok(s) => assert_eq!(s, "paid", "attempt {id} of sale {}", sale.sale_no),
                Err(e) => panic!(
                    "sale {} has no attempt {id} pointing at it: {e}",
                    sale.sale_no
                ),
            }
        }
    }
    journal
}

/// Reads the network's own ledger: every shopper's balance is the sum of its moves, and per
/// payment the charge and reversal moves. Panics on any inconsistency.
fn audit_network(path: &Path) -> BTreeMap<String, Payment> {
    if !path.exists() {
        return BTreeMap::new();
    }
    let conn = open_read_only(path);
    // The ledger creates its tables one statement at a time (`CREATE TABLE IF NOT EXISTS`, so
    // the next open completes them): a kill during its first open can leave only some. No
    // payment can have been taken before they all exist.
    if !["shoppers", "payments", "moves"]
        .iter()
        .all(|t| has_table(&conn, t))
    {
        if has_table(&conn, "payments") {
            let count: Result<i64, _> =
                conn.query_row("SELECT COUNT(*) FROM payments", [], |r| r.get(0));
            assert!(
                matches!(count, Ok(0)),
                "payments in a ledger without all its tables: {count:?}"
            );
        }
        return BTreeMap::new();
    }
    let read = |sql: &str| -> Vec<Vec<Option<String>>> {
        let rows = conn.prepare(sql).and_then(|mut stmt| {
            let width = stmt.column_count();
            stmt.query_map([], |r| {
                (0..width)
                    .map(|i| r.get::<_, Option<String>>(i))
                    .collect::<Result<Vec<_>, _>>()
            })?
            .collect::<Result<Vec<_>, _>>()
        });
        match rows {
            Ok(r) => r,
            Err(e) => panic!("cannot read the network ledger ({sql}): {e}"),
        }
    };
    let text = |v: &Option<String>| v.clone().unwrap_or_default();

    // The wallet's books balance: each shopper's balance is the sum of its moves.
    let mut moved: BTreeMap<String, Decimal> = BTreeMap::new();
    for m in read("SELECT shopper_id, amount FROM moves") {
        *moved.entry(text(&m[0])).or_default() += decimal(&text(&m[1]), "move amount");
    }
    for s in read("SELECT shopper_id, balance FROM shoppers") {
        let id = text(&s[0]);
        let balance = decimal(&text(&s[1]), "balance");
        let sum = moved.get(&id).copied().unwrap_or_default();
        assert_eq!(
            balance, sum,
            "shopper {id}: balance equals the sum of its moves"
        );
    }

    let mut payments: BTreeMap<String, Payment> = read(
        "SELECT payment_request_id, stage, amount, wallet_amount, wallet_currency FROM payments",
    )
    .into_iter()
    .map(|p| {
        let wallet_amount = match (&p[3], &p[4]) {
            (Some(a), Some(c)) => Some((decimal(a, "wallet amount"), c.clone())),
            _ => None,
        };
        let payment = Payment {
            stage: text(&p[1]),
            amount: decimal(&text(&p[2]), "payment amount"),
            wallet_amount,
            charges: 0,
            net_moves: Decimal::ZERO,
        };
        (text(&p[0]), payment)
    })
    .collect();
    for m in read(
        "SELECT reference, kind, amount FROM moves WHERE kind <> 'opening' AND kind <> 'adjustment'",
    ) {
        let reference = text(&m[0]);
        let Some(p) = payments.get_mut(&reference) else {
            panic!(
                "a {} move references {reference}, which is no payment",
                text(&m[1])
            );
        };
        if text(&m[1]) == "charge" {
            p.charges += 1;
        }
        p.net_moves += decimal(&text(&m[2]), "move amount");
    }
    for (id, p) in &payments {
        assert!(p.charges <= 1, "{id} charged {} times", p.charges);
        if p.stage == "TRADE_SUCCESS" {
            let Some((paid, _)) = &p.wallet_amount else {
                panic!("{id} succeeded without a wallet amount");
            };
            assert_eq!(p.net_moves, -*paid, "{id}: the shopper paid exactly once");
        } else {
            assert_eq!(
                p.net_moves,
                Decimal::ZERO,
                "{id} is {}: the shopper is out of nothing",
                p.stage
            );
        }
    }
    payments
}

/// The two books against each other. Always: a sale only for a payment the wallet holds, for
/// the same amounts. After recovery also: every payment the wallet holds is a sale.
fn cross_check(journal: &Journal, network: &BTreeMap<String, Payment>, recovered: bool) {
    for (id, sale) in &journal.sales {
        let Some(p) = network.get(id) else {
            panic!(
                "sale {} claims payment {id}, which the network never saw",
                sale.sale_no
            );
        };
        assert_eq!(
            p.stage, "TRADE_SUCCESS",
            "sale {} for payment {id}",
            sale.sale_no
        );
        assert_eq!(p.amount, sale.total, "sale {}: USD amount", sale.sale_no);
        assert_eq!(
            sale.wallet_amount, p.wallet_amount,
            "sale {}: the receipt prints what the wallet reported",
            sale.sale_no
        );
    }
    if recovered {
        for (id, p) in network {
            if p.stage == "TRADE_SUCCESS" {
                assert!(
                    journal.sales.contains_key(id),
                    "the wallet took {id} but the journal has no sale for it (open: {})",
                    journal.open.contains(id)
                );
            }
        }
    }
}

/// Runs `qrtill reconcile` and checks what any run must say: exit 0, one `recovered:` line
/// per attempt it resolved, then a summary with 0 problems. Returns the summary line and how
/// many attempts it recovered.
fn reconcile(data: &Path) -> (String, usize) {
    let out = run_qrtill(data, &["reconcile"]);
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(
        out.status.code(),
        Some(0),
        "reconcile:\n{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let recovered = stdout
        .lines()
        .take_while(|l| l.starts_with("recovered: "))
        .count();
    let Some(summary) = stdout.lines().nth(recovered) else {
        panic!("reconcile printed no summary:\n{stdout}");
    };
    assert!(
        summary.ends_with("; 0 problem(s)"),
        "the summary says 0 problem(s):\n{stdout}"
    );
    assert!(!stdout.contains("PROBLEM:"), "{stdout}");
    assert!(
        !stdout.contains("Manual"),
        "the simulated network always answers: nothing needs a person:\n{stdout}"
    );
    (summary.to_string(), recovered)
}

#[test]
fn sigkill_during_wallet_payments_loses_nothing_and_charges_nothing_twice() {
    let data = match tempfile::tempdir() {
        Ok(d) => d,
        Err(e) => panic!("temp dir: {e}"),
    };
    let journal_path = data.path().join("journal.sqlite");
    let network_path = data.path().join("network.sqlite");
    // Varied moments, by progress rather than by the clock: during start-up and its own
    // recovery (0 more rows), just after a few more sales (the kill lands in the next payment),
    // or just after a few more attempts were journaled (the kill lands while one is open).
    // About a third of the kills land while a payment is open; after the first 8 rounds, keep
    // killing (at most 40 rounds) until one has.
    let moments = (0..40u64).map(|i| {
        let table = if i % 2 == 0 { "sales" } else { "attempts" };
        (table, (i * 7 + i * i * 3) % 6)
    });
    const ROUNDS: usize = 8;
    let mut n = 0u64;
    let mut grew = 0;
    let mut killed_mid_payment = 0;

    for (i, (table, more)) in moments.enumerate() {
        if i >= ROUNDS && killed_mid_payment > 0 {
            break;
        }
        let basket_seed = i.to_string();
        let already = count_rows(&journal_path, table);
        let mut child = match qrtill(data.path())
            .args(["simulate", "--wallet", "--sales", "100000"])
            .args(["--basket-seed", &basket_seed])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
        {
            Ok(c) => c,
            Err(e) => panic!("cannot start qrtill simulate: {e}"),
        };
        kill_when_rows(&mut child, &journal_path, table, already + more);

        if !journal_path.exists() {
            // Killed before the journal was created: nothing to check yet.
            assert_eq!(n, 0, "round {i}: the journal vanished");
            continue;
        }
        // As the kill left them: no sale without its payment, nothing charged twice.
        let before = audit_journal(&journal_path);
        cross_check(&before, &audit_network(&network_path), false);
        assert!(
            before.n >= n,
            "round {i}: sales went from {n} to {}",
            before.n
        );
        if !before.open.is_empty() {
            killed_mid_payment += 1;
        }

        // Recovery resolves the open attempts; then the books must agree in full.
        let (summary, recovered) = reconcile(data.path());
        let after = audit_journal(&journal_path);
        cross_check(&after, &audit_network(&network_path), true);
        assert!(after.n >= before.n, "round {i}: recovery removed sales");
        assert_eq!(
            recovered,
            before.open.len(),
            "round {i}: reconcile recovers every open attempt, once"
        );
        assert!(
            summary.starts_with(&format!("{} payment(s) match their sale;", after.n)),
            "round {i}: every one of the {} sales matches a payment: {summary}",
            after.n
        );
        assert!(
            after.manual.is_empty(),
            "round {i}: {:?} need a person",
            after.manual
        );
        eprintln!(
            "round {i}: killed after {more} more {table}: {} sale(s), {} open attempt(s); \
             reconcile: {summary}",
            before.n,
            before.open.len(),
        );
        if after.n > n {
            grew += 1;
        }
        n = after.n;
    }

    assert!(n > 0, "no sale was committed in any round");
    assert!(
        grew >= 3,
        "sales were committed in only {grew} of the rounds"
    );
    assert!(
        killed_mid_payment >= 1,
        "no kill landed while a payment was open: the test did not exercise recovery"
    );
}
