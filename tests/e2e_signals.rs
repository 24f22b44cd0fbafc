//! SIGTERM and SIGHUP end the real counter cleanly, in tmux: the terminal modes are restored
//! (`stty -a` is the same before and after), the alternate screen is left, the process exits
//! with 128 + the signal's number, and a wallet payment open at that moment is resolved by
//! `qrtill reconcile` into one sale or a cancellation, never lost or doubled.

use crate::e2e_support;

use e2e_support::{Tmux, run_qrtill, sh_quote};
use std::process::Command;
use std::time::{Duration, Instant};

const SIGHUP: i32 = 1;
const SIGTERM: i32 = 15;

/// The counter in tmux, the pane's shell recording `stty -a` before and after it and then its
/// exit status (last, so the status file means both stty files are written).
fn counter_with_stty() -> Tmux {
    let t = Tmux::with_data(
        |data| {
            let d = |name: &str| sh_quote(&data.join(name).to_string_lossy());
            format!(
                "stty -a > {before}; {qrtill}; code=$?; stty -a > {after}; echo $code > {status}; exec sleep 600",
                before = d("stty.before"),
                after = d("stty.after"),
                status = d("exit-status"),
                qrtill = Tmux::qrtill_command(data, &[]),
            )
        },
        120,
        40,
    );
    t.wait_for("Scan:");
    t
}

/// The pid of the `qrtill` process the pane's shell started (polled: the shell forks it).
fn qrtill_pid(t: &Tmux) -> u32 {
    let shell: u32 = match t.pane_format("#{pane_pid}").parse() {
        Ok(p) => p,
        Err(e) => panic!("pane pid: {e}"),
    };
    let start = Instant::now();
    loop {
        if let Some(pid) = child_named(shell, "qrtill") {
            return pid;
        }
        if start.elapsed() > Duration::from_secs(10) {
            panic!("no qrtill child of the pane's shell {shell}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A child of `parent` whose command name is `name`, from /proc/*/stat.
fn child_named(parent: u32, name: &str) -> Option<u32> {
    let entries = std::fs::read_dir("/proc").ok()?;
    entries.flatten().find_map(|e| {
        let pid: u32 = e.file_name().to_str()?.parse().ok()?;
        let stat = std::fs::read_to_string(e.path().join("stat")).ok()?;
        // pid (comm) state ppid ...: the name may hold spaces, so split at the last ')'.
        let (head, tail) = stat.rsplit_once(')')?;
        let comm = head.split_once('(')?.1;
        let ppid: u32 = tail.split_whitespace().nth(1)?.parse().ok()?;
        (ppid == parent && comm == name).then_some(pid)
    })
}

fn send_signal(pid: u32, signal: i32) {
    let status = Command::new("kill")
        .arg(format!("-{signal}"))
        .arg(pid.to_string())
        .status();
    match status {
        Ok(s) if s.success() => {}
        other => panic!("kill -{signal} {pid}: {other:?}"),
    }
}

fn read(t: &Tmux, name: &str) -> String {
    match std::fs::read_to_string(t.data_path(name)) {
        Ok(s) => s,
        Err(e) => panic!("{name}: {e}"),
    }
}

/// The counter ended by `signal`: its exit status, the terminal restored, the log says why.
fn assert_clean_stop(t: &Tmux, signal: i32) {
    assert_eq!(t.wait_exit_recorded(), 128 + signal, "exit status");
    let (before, after) = (read(t, "stty.before"), read(t, "stty.after"));
    assert!(
        before.contains(" icanon") && before.contains(" echo"),
        "{before}"
    );
    assert_eq!(
        after, before,
        "raw mode off, the terminal's modes as they were"
    );
    assert_eq!(
        t.pane_format("#{alternate_on}"),
        "0",
        "the alternate screen is left"
    );
    assert_eq!(
        t.pane_format("#{cursor_flag}"),
        "1",
        "the cursor is visible"
    );
    let log = read(t, "qrtill.log");
    assert!(
        log.contains("counter closed by a signal") && log.contains(&format!("signal={signal}")),
        "the counter handled the signal itself (a process the signal killed has the same \
         status in sh, but leaves no such line):\n{log}"
    );
}

/// `qrtill reconcile` after the stop: exit 0, no problem, nothing left open after it. Returns
/// how many attempts it recovered and how many payments match a sale (1: the payment became a
/// sale; 0: it was cancelled).
fn reconcile_once(t: &Tmux) -> (usize, u32) {
    let out = run_qrtill(t.data_dir(), &["reconcile"]);
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(
        out.status.code(),
        Some(0),
        "reconcile:\n{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let recovered = stdout
        .lines()
        .filter(|l| l.starts_with("recovered:"))
        .count();
    let matched = if stdout
        .lines()
        .any(|l| l == "1 payment(s) match their sale; 0 unresolved; 0 problem(s)")
    {
        1
    } else if stdout
        .lines()
        .any(|l| l == "0 payment(s) match their sale; 0 unresolved; 0 problem(s)")
    {
        0
    } else {
        panic!("neither one sale nor a clean cancellation:\n{stdout}")
    };
    // Nothing is left open: a second run recovers nothing and says the same.
    let again = run_qrtill(t.data_dir(), &["reconcile"]);
    let again_out = String::from_utf8_lossy(&again.stdout);
    assert_eq!(again.status.code(), Some(0), "{again_out}");
    assert!(!again_out.contains("recovered:"), "{again_out}");
    (recovered, matched)
}

#[test]
fn sigterm_with_a_wallet_qr_on_screen_restores_the_terminal_and_the_code_is_cancelled() {
    let t = counter_with_stty();
    t.scan("2000000000138");
    t.wait_for("Added Flat white 12oz");
    t.send_keys(&["F5"]);
    t.wait_for("Waiting for scan");

    send_signal(qrtill_pid(&t), SIGTERM);
    assert_clean_stop(&t, SIGTERM);
    // Nobody scanned the code: recovery cancels it, and no sale exists.
    assert_eq!(
        reconcile_once(&t),
        (1, 0),
        "one attempt recovered, cancelled"
    );
    let receipt = run_qrtill(t.data_dir(), &["receipt", "last"]);
    assert!(!receipt.status.success(), "no sale was made");
}

#[test]
fn sighup_just_after_the_shopper_confirms_leaves_one_sale_or_a_cancellation() {
    let t = counter_with_stty();
    t.scan("2000000000138");
    t.wait_for("Added Flat white 12oz");
    t.send_keys(&["F5"]);
    t.wait_for("Waiting for scan");
    // The phone starts at the first shopper (Li Na, Alipay): scan the counter's QR, confirm.
    t.send_keys(&["F10"]);
    t.wait_for("Shopper phone (keys go here)");
    t.send_keys(&["s"]);
    t.wait_for("Confirm payment");
    t.send_keys(&["y"]);
    t.wait_for("Password entered");

    send_signal(qrtill_pid(&t), SIGHUP);
    assert_clean_stop(&t, SIGHUP);
    let (recovered, matched) = reconcile_once(&t);
    eprintln!("after SIGHUP: recovered {recovered}, matched {matched}");
    // Either the stop came first (recovery resolves the attempt) or the counter had already
    // committed the sale from its last poll (nothing left to recover).
    assert!(
        recovered == 1 || (recovered == 0 && matched == 1),
        "recovered {recovered}, matched {matched}"
    );
    let receipt = run_qrtill(t.data_dir(), &["receipt", "last"]);
    assert_eq!(
        receipt.status.success(),
        matched == 1,
        "a receipt exists exactly when the payment became a sale"
    );
}
