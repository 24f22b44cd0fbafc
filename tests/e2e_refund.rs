//! `qrtill refund` and `qrtill pin set` as a script runs them: the real binary on a fresh data
//! directory with wallet sales made by `simulate`. Exit codes: 2 without or with a wrong PIN
//! (nothing refunded), 1 over the remainder (saying what is left), 0 with the refund slip.

use crate::e2e_support;

use e2e_support::{count_rows, qrtill, run_qrtill};
use std::io::Write;
use std::path::Path;
use std::process::{Output, Stdio};

fn text(out: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn set_pin(data: &Path, pin: &str) -> Output {
    let mut child = qrtill(data)
        .args(["pin", "set"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn qrtill pin set");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(format!("{pin}\n").as_bytes())
        .expect("write the PIN");
    child.wait_with_output().expect("pin set finishes")
}

fn refund_rows(data: &Path) -> u64 {
    count_rows(&data.join("journal.sqlite"), "refunds")
}

#[test]
fn refund_exit_codes_no_pin_wrong_pin_over_the_remainder_and_success() {
    let dir = tempfile::tempdir().expect("tmp");
    let data = dir.path().join("data");
    let sim = run_qrtill(&data, &["simulate", "--sales", "1", "--wallet"]);
    assert!(sim.status.success(), "{:?}", text(&sim));
    let set = set_pin(&data, "2468");
    assert_eq!(set.status.code(), Some(0), "{:?}", text(&set));
    let stored = std::fs::read_to_string(data.join("supervisor-pin")).expect("pin file");
    assert!(stored.starts_with("$argon2id$") && !stored.contains("2468"));
    let right = dir.path().join("right");
    let wrong = dir.path().join("wrong");
    std::fs::write(&right, "2468\n").expect("write");
    std::fs::write(&wrong, "1357\n").expect("write");
    let (right, wrong) = (right.to_str().expect("utf8"), wrong.to_str().expect("utf8"));

    let none = run_qrtill(&data, &["refund", "1", "--all", "--reason", "Damaged"]);
    assert_eq!(none.status.code(), Some(2), "{:?}", text(&none));
    assert!(text(&none).1.contains("needs the supervisor PIN"));
    let bad = run_qrtill(
        &data,
        &[
            "refund",
            "1",
            "--all",
            "--reason",
            "Damaged",
            "--pin-file",
            wrong,
        ],
    );
    assert_eq!(bad.status.code(), Some(2), "{:?}", text(&bad));
    assert!(text(&bad).1.contains("wrong supervisor PIN"));
    assert_eq!(refund_rows(&data), 0, "nothing refunded, nothing journaled");

    let reason = run_qrtill(
        &data,
        &[
            "refund",
            "1",
            "--all",
            "--reason",
            "Bored",
            "--pin-file",
            right,
        ],
    );
    assert_eq!(reason.status.code(), Some(2));
    assert!(
        text(&reason).1.contains("Damaged, Wrong item"),
        "{:?}",
        text(&reason)
    );

    let over = run_qrtill(
        &data,
        &[
            "refund",
            "1",
            "--line",
            "1:99",
            "--reason",
            "Damaged",
            "--pin-file",
            right,
        ],
    );
    assert_eq!(over.status.code(), Some(1), "{:?}", text(&over));
    assert!(
        text(&over).1.contains("left to refund"),
        "{:?}",
        text(&over)
    );

    let ok = run_qrtill(
        &data,
        &[
            "refund",
            "1",
            "--all",
            "--reason",
            "damaged",
            "--pin-file",
            right,
        ],
    );
    let (out, err) = text(&ok);
    assert_eq!(ok.status.code(), Some(0), "{out}\n{err}");
    assert!(out.contains("REFUND"), "{out}");
    assert!(out.contains("REFUNDED"), "{out}");
    assert!(out.contains("S0007-L03-000001"), "{out}");
    assert_eq!(refund_rows(&data), 1);

    let again = run_qrtill(
        &data,
        &[
            "refund",
            "1",
            "--all",
            "--reason",
            "damaged",
            "--pin-file",
            right,
        ],
    );
    assert_eq!(again.status.code(), Some(1));
    assert!(
        text(&again).1.contains("nothing left to refund"),
        "{:?}",
        text(&again)
    );
}

#[test]
fn three_wrong_pins_lock_entry_even_for_the_right_pin() {
    let dir = tempfile::tempdir().expect("tmp");
    let data = dir.path().join("data");
    let sim = run_qrtill(&data, &["simulate", "--sales", "1"]);
    assert!(sim.status.success(), "{:?}", text(&sim));
    assert_eq!(set_pin(&data, "2468").status.code(), Some(0));
    let right = dir.path().join("right");
    let wrong = dir.path().join("wrong");
    std::fs::write(&right, "2468\n").expect("write");
    std::fs::write(&wrong, "8642\n").expect("write");
    let (right, wrong) = (right.to_str().expect("utf8"), wrong.to_str().expect("utf8"));
    let attempt = |pin: &str| {
        run_qrtill(
            &data,
            &[
                "refund",
                "1",
                "--all",
                "--reason",
                "Damaged",
                "--pin-file",
                pin,
            ],
        )
    };
    let first = attempt(wrong);
    assert_eq!(first.status.code(), Some(2));
    assert!(
        text(&first).1.contains("2 more tries"),
        "{:?}",
        text(&first)
    );
    assert_eq!(attempt(wrong).status.code(), Some(2));
    let third = attempt(wrong);
    assert_eq!(third.status.code(), Some(2));
    assert!(text(&third).1.contains("locked"), "{:?}", text(&third));
    let locked = attempt(right);
    assert_eq!(locked.status.code(), Some(2), "{:?}", text(&locked));
    assert!(
        text(&locked).1.contains("try again in"),
        "{:?}",
        text(&locked)
    );
    assert_eq!(refund_rows(&data), 0, "nothing refunded while locked");
}

#[test]
fn a_post_void_from_the_command_line_cancels_and_reconciles() {
    let dir = tempfile::tempdir().expect("tmp");
    let data = dir.path().join("data");
    let sim = run_qrtill(&data, &["simulate", "--sales", "1", "--wallet"]);
    assert!(sim.status.success(), "{:?}", text(&sim));
    assert_eq!(set_pin(&data, "2468").status.code(), Some(0));
    let pin = dir.path().join("pin");
    std::fs::write(&pin, "2468\n").expect("write");
    let pin = pin.to_str().expect("utf8");
    let void = run_qrtill(
        &data,
        &[
            "refund",
            "1",
            "--void",
            "--reason",
            "Post-void",
            "--pin-file",
            pin,
        ],
    );
    let (out, err) = text(&void);
    assert_eq!(void.status.code(), Some(0), "{out}\n{err}");
    assert!(out.contains("VOID 撤销"), "{out}");
    let rec = run_qrtill(&data, &["reconcile"]);
    let (out, err) = text(&rec);
    assert_eq!(rec.status.code(), Some(0), "{out}\n{err}");
    assert!(out.contains("1 refund(s) match"), "{out}");
}
