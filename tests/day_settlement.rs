//! Settlement files: the simulated network writes them (`settle --write`), an untouched file
//! matches (exit 0), and each kind of planted mismatch is named (exit 1); a malformed file
//! exits 2 naming its line.

use crate::e2e_support;

use e2e_support::run_qrtill as qrtill;
use std::path::{Path, PathBuf};

/// A data directory with wallet sales and its settlement files; returns the acquirer file
/// with the most rows.
fn day(d: &Path) -> PathBuf {
    for args in [
        &["simulate", "--sales", "6", "--wallet"][..],
        &["settle", "--write"][..],
    ] {
        let o = qrtill(d, args);
        assert_eq!(
            o.status.code(),
            Some(0),
            "{args:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
    let mut files: Vec<PathBuf> = std::fs::read_dir(d.join("settlement"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().ends_with("-acquirer.csv"))
        .collect();
    files.sort_by_key(|p| std::fs::read_to_string(p).unwrap().lines().count());
    files.pop().expect("an acquirer file")
}

/// Runs `settle` on `text` and returns (exit code, mismatch kinds).
fn settle_text(d: &Path, text: &str) -> (Option<i32>, Vec<String>) {
    let path = d.join("planted.csv");
    std::fs::write(&path, text).unwrap();
    let o = qrtill(d, &["settle", path.to_str().unwrap(), "--format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&o.stderr)));
    let mut kinds: Vec<String> = v["mismatches"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["kind"].as_str().unwrap().to_string())
        .collect();
    kinds.sort();
    (o.status.code(), kinds)
}

/// The file with column `col` of its first data row replaced by `value`.
fn with_field(text: &str, col: usize, value: &str) -> String {
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let first = lines.iter().position(|l| l.starts_with("time,")).unwrap() + 1;
    let mut fields: Vec<String> = lines[first].split(',').map(str::to_string).collect();
    fields[col] = value.to_string();
    lines[first] = fields.join(",");
    lines.join("\n") + "\n"
}

fn first_row(text: &str) -> Vec<String> {
    let l = text
        .lines()
        .skip_while(|l| !l.starts_with("time,"))
        .nth(1)
        .unwrap();
    l.split(',').map(str::to_string).collect()
}

#[test]
fn an_untouched_file_matches_and_every_planted_mismatch_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let file = day(d);
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(
        text.lines().filter(|l| l.contains(",payment,")).count() >= 2,
        "{text}"
    );
    let (code, kinds) = settle_text(d, &text);
    assert_eq!((code, kinds), (Some(0), vec![]));
    let row = first_row(&text);
    let amount: f64 = row[5].parse().unwrap();

    // A row the journal never saw, and a journal sale the file lacks.
    let foreign = with_field(&text, 1, "S9999L99A999999");
    assert_eq!(
        settle_text(d, &foreign),
        (
            Some(1),
            vec!["missing_in_file".into(), "missing_in_journal".into()]
        )
    );
    // The merchant amount changed, with fee and net kept consistent with it.
    let more = format!("{:.2}", amount + 1.0);
    let mut t = with_field(&text, 5, &more);
    let fee: f64 = row[10].parse().unwrap();
    t = with_field(&t, 11, &format!("{:.2}", amount + 1.0 - fee));
    let (code, kinds) = settle_text(d, &t);
    assert_eq!(code, Some(1));
    assert!(kinds.contains(&"amount_differs".to_string()), "{kinds:?}");
    // Wallet amount, wallet transaction id, fee and net, one at a time.
    assert_eq!(
        settle_text(d, &with_field(&text, 7, "1.00")),
        (Some(1), vec!["wallet_amount_differs".into()])
    );
    assert_eq!(
        settle_text(d, &with_field(&text, 2, "X123")),
        (Some(1), vec!["wallet_txn_id_differs".into()])
    );
    let fee_plus = format!("{:.2}", fee + 0.01);
    let t = with_field(
        &with_field(&text, 10, &fee_plus),
        11,
        &format!("{:.2}", amount - fee - 0.01),
    );
    assert_eq!(settle_text(d, &t), (Some(1), vec!["fee_differs".into()]));
    assert_eq!(
        settle_text(d, &with_field(&text, 11, "0.01")),
        (Some(1), vec!["net_differs".into()])
    );
    // A row listed twice.
    let mut doubled = text.clone();
    doubled.push_str(&row.join(","));
    doubled.push('\n');
    assert_eq!(
        settle_text(d, &doubled),
        (Some(1), vec!["duplicate".into()])
    );
    // The text form names the transaction and the line.
    let path = d.join("planted.csv");
    std::fs::write(&path, with_field(&text, 2, "X123")).unwrap();
    let o = qrtill(d, &["settle", path.to_str().unwrap()]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.contains(&format!("line 7: {} wallet transaction id differs", row[1])),
        "{out}"
    );
}

#[test]
fn a_malformed_file_exits_2_naming_the_line() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let text = std::fs::read_to_string(day(d)).unwrap();
    let path = d.join("bad.csv");
    std::fs::write(&path, with_field(&text, 5, "nine")).unwrap();
    let o = qrtill(d, &["settle", path.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("bad.csv:7: amount"), "{err}");
    std::fs::write(&path, "time,x\n").unwrap();
    let o = qrtill(d, &["settle", path.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("# date"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

#[test]
fn training_payments_never_reach_the_settlement_files() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let o = qrtill(d, &["--training", "simulate", "--sales", "3", "--wallet"]);
    assert_eq!(o.status.code(), Some(0));
    // The real ledger does not exist: nothing to settle.
    let o = qrtill(d, &["settle", "--write"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(!d.join("settlement").exists());
}
