//! A SIGKILL of the interactive counter in tmux just after the shopper confirms, then a restart
//! of the counter on the same data directory: the payment ends as exactly one sale of the same
//! amount, or as a cancellation with the shopper's balance restored; never lost, never doubled.
//!
//! The pid comes from the data directory's lock file (`DATA/qrtill.lock`). The outcome is read
//! from both SQLite files, read-only, not from the counter's own report.

use crate::e2e_support;

use e2e_support::{Tmux, WAIT, lock_pid, pick_shopper, run_qrtill, sh_quote, sigkill};
use rusqlite::{Connection, OpenFlags, OptionalExtension};
use rust_decimal::Decimal;
use std::path::Path;
use std::str::FromStr;
use std::time::Instant;

/// Where the pane's shell writes the killed counter's exit status.
const FIRST_EXIT: &str = "first-exit";

/// The counter in tmux; when it ends, the shell records its status and starts it again on the
/// same data directory (the restart), whose status goes to `exit-status` (`wait_exit_recorded`).
fn counter_that_restarts() -> Tmux {
    let t = Tmux::with_data(
        |data| {
            let qrtill = Tmux::qrtill_command(data, &[]);
            format!(
                "{qrtill}; echo $? > {first}; {qrtill}; echo $? > {second}; exec sleep 600",
                first = sh_quote(&data.join(FIRST_EXIT).to_string_lossy()),
                second = sh_quote(&data.join("exit-status").to_string_lossy()),
            )
        },
        120,
        40,
    );
    t.wait_for("Scan:");
    t
}

/// Waits until the network has charged the shopper (a `charge` row in network.sqlite, read
/// only): the shopper has confirmed, and the kill lands before or just after the counter hears
/// of it, whatever the machine's load. Not the phone's message: the sale may be done by then.
fn wait_for_charge(t: &Tmux) {
    let path = t.data_path("network.sqlite");
    let start = Instant::now();
    loop {
        if path.exists() {
            let charges: rusqlite::Result<i64> = open_ro(&path).query_row(
                "SELECT count(*) FROM moves WHERE kind = 'charge'",
                [],
                |r| r.get(0),
            );
            // Busy or not yet created while the counter writes: poll again.
            if matches!(charges, Ok(n) if n > 0) {
                return;
            }
        }
        if start.elapsed() > WAIT {
            panic!("the shopper was never charged; screen:\n{}", t.capture());
        }
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
}

/// The status the shell recorded for the killed counter.
fn wait_first_exit(t: &Tmux) -> i32 {
    let path = t.data_path(FIRST_EXIT);
    let start = Instant::now();
    loop {
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        if let Some(code) = text.strip_suffix('\n').and_then(|c| c.parse().ok()) {
            return code;
        }
        if start.elapsed() > WAIT {
            panic!(
                "the killed counter's status never reached {}",
                path.display()
            );
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

/// Kills the counter (pid from the lock file), waits for the restarted one to reach its scan
/// prompt, quits it with Ctrl-Q, and checks both exits.
fn kill_and_restart(t: &Tmux) {
    let killed = lock_pid(t, None);
    sigkill(killed);
    assert_eq!(wait_first_exit(t), 128 + 9, "the counter died of SIGKILL");
    lock_pid(t, Some(killed));
    // A fresh counter: the scan prompt without the old pay screen's phone.
    t.wait_until("the restarted counter's scan prompt", |s| {
        s.contains("Scan:") && !s.contains("Shopper phone")
    });
    t.send_keys(&["C-q"]);
    assert_eq!(
        t.wait_exit_recorded(),
        0,
        "the restarted counter quits cleanly"
    );
}

fn open_ro(path: &Path) -> Connection {
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    Connection::open_with_flags(path, flags).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn dec(text: &str) -> Decimal {
    Decimal::from_str(text).unwrap_or_else(|e| panic!("{text:?}: {e}"))
}

/// A network payment: request id, stage (trade status), amount, shopper, wallet amount.
type PaymentRow = (String, String, String, Option<String>, Option<String>);

/// How the one payment ended, read from the files.
#[derive(Debug, PartialEq)]
enum Fate {
    Sale,
    Cancelled,
}

/// The single attempt in the journal and its payment in the network ledger ended in exactly one
/// sale for the same amount, charged once, or in a cancellation with nothing charged.
fn assert_one_sale_or_cancelled(data: &Path) -> Fate {
    let journal = open_ro(&data.join("journal.sqlite"));
    let network = open_ro(&data.join("network.sqlite"));
    let q = |e: rusqlite::Error| -> ! { panic!("query: {e}") };

    let attempts: Vec<(String, String, String, Option<i64>)> = journal
        .prepare("SELECT request_id, amount, currency, sale_id FROM attempts")
        .and_then(|mut s| {
            s.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
                .collect()
        })
        .unwrap_or_else(|e| q(e));
    assert_eq!(attempts.len(), 1, "one payment attempt: {attempts:?}");
    let (request, amount, currency, sale_id) = attempts[0].clone();
    let sales: Vec<(i64, i64, String)> = journal
        .prepare("SELECT id, total_minor, currency FROM sales")
        .and_then(|mut s| {
            s.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
                .collect()
        })
        .unwrap_or_else(|e| q(e));

    let payments: Vec<PaymentRow> = network
        .prepare(
            "SELECT payment_request_id, stage, amount, shopper_id, wallet_amount FROM payments",
        )
        .and_then(|mut s| {
            s.query_map([], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
            })?
            .collect()
        })
        .unwrap_or_else(|e| q(e));
    assert_eq!(
        payments.len(),
        1,
        "one payment at the network: {payments:?}"
    );
    let (pay_request, stage, pay_amount, shopper, wallet_amount) = payments[0].clone();
    assert_eq!(
        pay_request, request,
        "the network's payment is the journal's attempt"
    );
    assert_eq!(
        dec(&pay_amount),
        dec(&amount),
        "the amount asked is the amount journaled"
    );
    let Some(shopper) = shopper else {
        panic!("the shopper confirmed, so the payment names them: {payments:?}");
    };

    // The shopper's balance moves, split into this payment's and the rest (the opening one).
    let moves: Vec<(String, String, String)> = network
        .prepare("SELECT kind, amount, reference FROM moves WHERE shopper_id = ?1")
        .and_then(|mut s| {
            s.query_map([&shopper], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
                .collect()
        })
        .unwrap_or_else(|e| q(e));
    let before: Decimal = moves
        .iter()
        .filter(|m| m.2 != request)
        .map(|m| dec(&m.1))
        .sum();
    let ours: Vec<&(String, String, String)> = moves.iter().filter(|m| m.2 == request).collect();
    let net: Decimal = ours.iter().map(|m| dec(&m.1)).sum();
    let balance: String = network
        .query_row(
            "SELECT balance FROM shoppers WHERE shopper_id = ?1",
            [&shopper],
            |r| r.get(0),
        )
        .optional()
        .unwrap_or_else(|e| q(e))
        .unwrap_or_else(|| panic!("no wallet row for shopper {shopper}"));

    match stage.as_str() {
        "TRADE_SUCCESS" => {
            assert_eq!(
                sales.len(),
                1,
                "exactly one sale for the paid payment: {sales:?}"
            );
            let (id, total_minor, sale_currency) = &sales[0];
            assert_eq!(sale_id, Some(*id), "the attempt points at the sale");
            assert_eq!(sale_currency, &currency);
            assert_eq!(currency, "USD", "the test prices are in USD (2 decimals)");
            assert_eq!(
                Decimal::new(*total_minor, 2),
                dec(&amount),
                "the sale is for the amount paid"
            );
            let charges = ours.iter().filter(|m| m.0 == "charge").count();
            assert_eq!(charges, 1, "charged once: {ours:?}");
            let Some(wallet_amount) = wallet_amount else {
                panic!("a paid payment has a wallet amount: {payments:?}");
            };
            assert_eq!(
                net,
                -dec(&wallet_amount),
                "the charge is the wallet amount: {ours:?}"
            );
            assert_eq!(
                dec(&balance),
                before + net,
                "the balance is the opening less one charge"
            );
            Fate::Sale
        }
        "TRADE_CLOSED" => {
            assert!(sales.is_empty(), "no sale for a closed payment: {sales:?}");
            assert_eq!(sale_id, None, "the attempt points at no sale");
            assert_eq!(net, Decimal::ZERO, "nothing charged in the end: {ours:?}");
            assert_eq!(dec(&balance), before, "the shopper's balance is restored");
            Fate::Cancelled
        }
        other => panic!("the payment is still open after the restart: stage {other}"),
    }
}

/// `qrtill reconcile` after the restart: exit 0, and nothing left for it to recover (the
/// restarted counter resolved the attempt itself). The summary agrees with the files.
fn assert_reconciles(t: &Tmux, fate: &Fate) {
    let out = run_qrtill(t.data_dir(), &["reconcile"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "reconcile:\n{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        !stdout.contains("recovered:"),
        "the restart left nothing open:\n{stdout}"
    );
    let matched = match fate {
        Fate::Sale => 1,
        Fate::Cancelled => 0,
    };
    let summary = format!("{matched} payment(s) match their sale; 0 unresolved; 0 problem(s)");
    assert!(
        stdout.lines().any(|l| l == summary),
        "want {summary:?}:\n{stdout}"
    );
}

/// Says how the attempt ended and whether the restart had to recover it (the log line the
/// counter writes at start for each attempt the killed run left open).
fn report(t: &Tmux, fate: &Fate) {
    let log = std::fs::read_to_string(t.data_path("qrtill.log")).unwrap_or_default();
    let recovered = log
        .lines()
        .filter(|l| l.contains("attempt left open by the last run resolved"))
        .count();
    eprintln!("after the SIGKILL: {fate:?}; attempts the restart recovered: {recovered}");
}

#[test]
fn sigkill_after_the_kakao_pay_password_leaves_one_sale_or_a_cancellation() {
    let t = counter_that_restarts();
    t.scan("2000000000138");
    t.wait_for("Added Flat white 12oz");
    t.send_keys(&["F6"]);
    t.wait_for("Code:");
    t.send_keys(&["F10"]);
    t.wait_for("Shopper phone (keys go here)");
    pick_shopper(&t, "Kim Min-jun");
    t.send_keys(&["p"]);
    t.wait_for("Enter the password");
    t.send_keys(&["y"]);
    wait_for_charge(&t);

    kill_and_restart(&t);
    let fate = assert_one_sale_or_cancelled(t.data_dir());
    report(&t, &fate);
    assert_reconciles(&t, &fate);
}

#[test]
fn sigkill_after_the_phone_confirms_a_wallet_qr_leaves_one_sale_or_a_cancellation() {
    let t = counter_that_restarts();
    t.scan("2000000000138");
    t.wait_for("Added Flat white 12oz");
    t.send_keys(&["F5"]);
    t.wait_for("Waiting for scan");
    t.send_keys(&["F10"]);
    t.wait_for("Shopper phone (keys go here)");
    pick_shopper(&t, "Li Na");
    t.send_keys(&["s"]);
    t.wait_for("Confirm payment");
    t.send_keys(&["y"]);
    wait_for_charge(&t);

    kill_and_restart(&t);
    let fate = assert_one_sale_or_cancelled(t.data_dir());
    report(&t, &fate);
    assert_reconciles(&t, &fate);
}

/// The control: killed while the wallet still waits for the password, nobody confirms after
/// it, so the restart must cancel the payment and charge nothing. This is what the assertions
/// above accept as the other fate, played for certain.
#[test]
fn sigkill_while_the_password_is_asked_cancels_with_nothing_charged() {
    let t = counter_that_restarts();
    t.scan("2000000000138");
    t.wait_for("Added Flat white 12oz");
    t.send_keys(&["F6"]);
    t.wait_for("Code:");
    t.send_keys(&["F10"]);
    t.wait_for("Shopper phone (keys go here)");
    pick_shopper(&t, "Kim Min-jun");
    t.send_keys(&["p"]);
    t.wait_for("Enter the password");

    kill_and_restart(&t);
    let fate = assert_one_sale_or_cancelled(t.data_dir());
    report(&t, &fate);
    assert_eq!(
        fate,
        Fate::Cancelled,
        "nobody confirmed, so nothing may be sold"
    );
    assert_reconciles(&t, &fate);
}
