//! The business day from the command line, through the real binary: a shift opened with a
//! float, sales (`simulate` opens a shift itself when none is open), drawer moves, a blind close
//! with a variance that needs a supervisor, the Z written once and read back; training mode
//! kept apart from the real journal.

use crate::e2e_support;

use e2e_support::run_qrtill as qrtill;
use std::path::Path;
use std::process::{Command, Output};

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn ok(data: &Path, args: &[&str]) -> String {
    let o = qrtill(data, args);
    assert_eq!(o.status.code(), Some(0), "{args:?}: {}", stderr(&o));
    stdout(&o)
}

/// Sets the supervisor PIN 4321 and returns a file holding it.
fn set_pin(data: &Path) -> std::path::PathBuf {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_qrtill"))
        .arg("--data")
        .arg(data)
        .args(["pin", "set"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run qrtill pin set");
    child.stdin.take().unwrap().write_all(b"4321\n").unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let file = data.join("pin.txt");
    std::fs::write(&file, "4321\n").unwrap();
    file
}

fn json(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("{e}: {text}"))
}

#[test]
fn open_sell_move_cash_close_and_read_the_z() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let opened = ok(
        d,
        &["shift", "open", "--cashier", "07", "--float", "20=5,1=10"],
    );
    assert!(opened.contains("float 110.00"), "{opened}");
    // A second open is refused while the first is open.
    let again = qrtill(d, &["shift", "open", "--float", "20=1"]);
    assert_eq!(again.status.code(), Some(1));
    assert!(
        stderr(&again).contains("already open"),
        "{}",
        stderr(&again)
    );
    // Before any sale the average basket is an amount like the others.
    let empty = ok(d, &["report", "x", "--format", "csv"]);
    assert!(empty.contains("sales,average_basket,,0.00"), "{empty}");
    ok(d, &["simulate", "--sales", "4"]);
    ok(
        d,
        &["shift", "paid-in", "20", "--reason", "change from the bank"],
    );
    let big = qrtill(d, &["shift", "paid-out", "80", "--reason", "supplier"]);
    assert_eq!(big.status.code(), Some(1), "{}", stderr(&big));
    assert!(
        stderr(&big).contains("needs a supervisor"),
        "{}",
        stderr(&big)
    );
    let pin = set_pin(d);
    let pin = pin.to_str().unwrap();
    let wrong = d.join("wrong.txt");
    std::fs::write(&wrong, "9999\n").unwrap();
    let out_args = [
        "shift",
        "paid-out",
        "80",
        "--reason",
        "supplier",
        "--supervisor",
        "99",
    ];
    let refused = qrtill(
        d,
        &[&out_args[..], &["--pin-file", wrong.to_str().unwrap()]].concat(),
    );
    assert_eq!(refused.status.code(), Some(2));
    assert!(
        stderr(&refused).contains("wrong supervisor PIN"),
        "{}",
        stderr(&refused)
    );
    ok(d, &[&out_args[..], &["--pin-file", pin]].concat());
    ok(d, &["shift", "no-sale", "--reason", "change for a 20"]);

    let x = json(&ok(d, &["report", "x", "--format", "json"]));
    assert_eq!(x["kind"], "x");
    assert_eq!(x["sales_count"], 4);
    assert_eq!(x["paid_in"], "20.00");
    assert_eq!(x["paid_out"], "80.00");
    let cash = x["tenders"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["tender"] == "cash")
        .unwrap()["amount"]
        .as_str()
        .unwrap()
        .parse::<f64>()
        .unwrap();
    assert!(cash > 0.0);
    let expected = x["cash_expected"].as_str().unwrap().to_string();
    assert_eq!(x["cash_counted"], serde_json::Value::Null);

    // A count far from the expected cash needs a supervisor; nothing is written without one.
    let short = qrtill(d, &["shift", "close", "--count", "1=1"]);
    assert_eq!(short.status.code(), Some(1));
    assert!(stderr(&short).contains("variance"), "{}", stderr(&short));
    assert_eq!(qrtill(d, &["report", "z"]).status.code(), Some(1));
    let z = json(&ok(
        d,
        &[
            "shift",
            "close",
            "--count",
            "1=1",
            "--supervisor",
            "99",
            "--pin-file",
            pin,
            "--format",
            "json",
        ],
    ));
    assert_eq!(
        (z["kind"].as_str(), z["number"].as_i64()),
        (Some("z"), Some(1))
    );
    assert_eq!(z["cash_expected"], expected.as_str());
    assert_eq!(z["cash_counted"], "1.00");
    for field in [
        "opened_at",
        "closed_at",
        "gross",
        "refunds",
        "net",
        "tax",
        "hourly",
    ] {
        assert!(!z[field].is_null(), "{field} missing: {z}");
    }
    // Read back, the Z is what the close printed.
    assert_eq!(json(&ok(d, &["report", "z", "1", "--format", "json"])), z);
    let csv = ok(d, &["report", "z", "--format", "csv"]);
    assert!(
        csv.starts_with("section,name,count,amount,wallet_currency,wallet_amount\n"),
        "{csv}"
    );
    assert!(csv.contains("drawer,cash_counted,,1.00"), "{csv}");
    let text = ok(d, &["report", "z", "1"]);
    assert!(text.contains("Z REPORT  Z1"), "{text}");
    // On paper: ESC @, the same 42-column lines, then feed and cut.
    let printed = qrtill(d, &["report", "z", "1", "--format", "escpos"]);
    assert_eq!(printed.status.code(), Some(0), "{}", stderr(&printed));
    let bytes = printed.stdout;
    assert!(
        bytes.starts_with(b"\x1b@"),
        "{:?}",
        &bytes[..8.min(bytes.len())]
    );
    assert!(
        bytes.ends_with(b"\x1bd\x04\x1dV\x01"),
        "no feed and cut at the end"
    );
    let body = String::from_utf8_lossy(&bytes[2..bytes.len() - 6]).into_owned();
    for line in body.lines() {
        assert!(line.chars().count() <= 42, "wider than the paper: {line:?}");
    }
    assert!(body.contains("Z REPORT  Z1"), "{body}");
    // The drawer's lines, label left and amount right on the 42 columns.
    let line = |label: &str, amount: &str| {
        format!(
            "{label}{}{amount}",
            " ".repeat(42 - label.len() - amount.len())
        )
    };
    assert!(body.contains(&line("Counted cash", "1.00")), "{body}");
    assert!(
        body.contains(&line("Expected cash", expected.as_str())),
        "{body}"
    );
    // No shift is open now; the next simulate opens the second one, closed as Z2.
    assert_eq!(qrtill(d, &["report", "x"]).status.code(), Some(1));
    ok(d, &["simulate", "--sales", "1"]);
    let z2 = json(&ok(
        d,
        &[
            "shift",
            "close",
            "--count",
            "",
            "--supervisor",
            "99",
            "--pin-file",
            pin,
            "--format",
            "json",
        ],
    ));
    assert_eq!(z2["number"], 2);
    assert_eq!(z2["sales_count"], 1);
    assert_eq!(qrtill(d, &["report", "z", "3"]).status.code(), Some(1));
}

#[test]
fn bad_counts_and_amounts_exit_2_and_say_what_to_fix() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let o = qrtill(d, &["shift", "open", "--float", "3=1"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("--float: 3 is not one of"),
        "{}",
        stderr(&o)
    );
    ok(d, &["shift", "open"]);
    let o = qrtill(d, &["shift", "paid-in", "12.345", "--reason", "x"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let o = qrtill(d, &["shift", "close", "--count", "20=x"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("20=x"), "{}", stderr(&o));
}

#[test]
fn training_sales_stay_out_of_the_real_journal() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    ok(d, &["simulate", "--sales", "2"]);
    let before = json(&ok(d, &["report", "x", "--format", "json"]));
    let journal = std::fs::read(d.join("journal.sqlite")).unwrap();
    ok(d, &["--training", "simulate", "--sales", "3", "--wallet"]);
    let training = json(&ok(d, &["--training", "report", "x", "--format", "json"]));
    assert_eq!(training["sales_count"], 3);
    let receipt = ok(d, &["--training", "receipt", "last"]);
    assert!(receipt.contains("TRAINING — NOT A RECEIPT"), "{receipt}");
    // Back out of training: the real journal is as it was.
    assert_eq!(std::fs::read(d.join("journal.sqlite")).unwrap(), journal);
    assert_eq!(
        json(&ok(d, &["report", "x", "--format", "json"]))["sales_count"],
        before["sales_count"]
    );
    assert!(!ok(d, &["receipt", "last"]).contains("TRAINING"));
}
