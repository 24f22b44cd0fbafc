//! `qrtill sales` and `qrtill receipt N` of the real binary on a journal filled by
//! `qrtill simulate --mix` (cash, card and wallet sales): formats, filters, refunded amounts,
//! and bad input (exit 2).

use crate::e2e_support;

use e2e_support::run_qrtill;
use qrtill::clock::Timestamp;
use qrtill::journal::{
    BeginRefund, Journal, NewRefund, RefundEvent, RefundKind, RefundLine, RefundState,
};
use qrtill::money::Money;
use serde_json::Value;
use std::path::Path;
use std::process::Output;

const SALES: u64 = 14;

fn text(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn err(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn ok(data: &Path, args: &[&str]) -> String {
    let out = run_qrtill(data, args);
    assert_eq!(out.status.code(), Some(0), "{args:?}: {}", err(&out));
    text(&out)
}

/// A data dir with `SALES` mixed sales; returns how many sales were committed (some flows
/// end unpaid), read from `receipt last`.
fn simulated() -> (tempfile::TempDir, u64) {
    let dir = tempfile::tempdir().unwrap();
    ok(
        dir.path(),
        &["simulate", "--sales", &SALES.to_string(), "--mix"],
    );
    let last = ok(dir.path(), &["receipt", "last"]);
    let line = last
        .lines()
        .find(|l| l.trim_start().starts_with("SALE"))
        .unwrap_or_else(|| panic!("no SALE line:\n{last}"));
    let n = line
        .split('#')
        .nth(1)
        .and_then(|t| t.split_whitespace().next())
        .and_then(|t| t.parse().ok())
        .unwrap_or_else(|| panic!("no number in {line}"));
    (dir, n)
}

fn json(data: &Path, args: &[&str]) -> Vec<Value> {
    let mut all = vec!["sales", "--format", "json"];
    all.extend_from_slice(args);
    let out = ok(data, &all);
    match serde_json::from_str::<Value>(&out) {
        Ok(Value::Array(rows)) => rows,
        other => panic!("not a JSON array ({other:?}):\n{out}"),
    }
}

fn sale_nos(rows: &[Value]) -> Vec<u64> {
    rows.iter()
        .map(|r| r["sale_no"].as_u64().unwrap_or_else(|| panic!("{r}")))
        .collect()
}

#[test]
fn json_lists_every_sale_with_totals_as_the_receipts_print_them() {
    let (dir, n) = simulated();
    assert!(n >= 3, "only {n} sales were paid");
    let rows = json(dir.path(), &[]);
    assert_eq!(sale_nos(&rows), (1..=n).collect::<Vec<u64>>());
    for row in &rows {
        for key in ["completed_at", "total", "currency", "tender", "refunded"] {
            assert!(row[key].is_string(), "{key} in {row}");
        }
        assert_eq!(row["refunded"], "0.00", "{row}");
        // The total as the slip prints it (`TOTAL ... USD 4.89`).
        let no = row["sale_no"].to_string();
        let slip = ok(dir.path(), &["receipt", &no]);
        let total_line = slip
            .lines()
            .find(|l| l.trim_start().starts_with("TOTAL"))
            .unwrap_or_default();
        let want = format!(
            "{} {}",
            row["currency"].as_str().unwrap_or_default(),
            row["total"].as_str().unwrap_or_default()
        );
        assert!(total_line.ends_with(&want), "{total_line} vs {row}");
    }
}

#[test]
fn csv_and_text_list_the_same_sales() {
    let (dir, n) = simulated();
    let csv = ok(dir.path(), &["sales", "--format", "csv"]);
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some("sale_no,lane_id,completed_at,total,currency,tender,brand,refunded,items")
    );
    let numbers: Vec<u64> = lines
        .map(|l| l.split(',').next().and_then(|v| v.parse().ok()).unwrap())
        .collect();
    assert_eq!(numbers, (1..=n).collect::<Vec<u64>>());
    let text = ok(dir.path(), &["sales"]);
    assert_eq!(text.lines().count() as u64, n + 1, "{text}");
    assert!(text.lines().next().unwrap_or_default().contains("REFUNDED"));
}

#[test]
fn tender_and_day_filters_partition_the_list() {
    let (dir, n) = simulated();
    let all = json(dir.path(), &[]);
    let mut counted = 0;
    for tender in ["cash", "card", "wallet"] {
        let rows = json(dir.path(), &["--tender", tender]);
        assert!(rows.iter().all(|r| r["tender"] == tender), "{rows:?}");
        let want: Vec<u64> = sale_nos(
            &all.iter()
                .filter(|r| r["tender"] == tender)
                .cloned()
                .collect::<Vec<_>>(),
        );
        assert_eq!(sale_nos(&rows), want, "{tender}");
        counted += rows.len() as u64;
    }
    assert_eq!(counted, n);
    // One wallet by name: its brand only.
    if let Some(brand) = all
        .iter()
        .find_map(|r| r["brand"].as_str().filter(|_| r["tender"] == "wallet"))
    {
        let word: String = brand
            .chars()
            .filter(|c| c.is_alphanumeric())
            .collect::<String>()
            .to_lowercase();
        let rows = json(dir.path(), &["--tender", &word]);
        assert!(!rows.is_empty());
        assert!(rows.iter().all(|r| r["brand"] == brand), "{rows:?}");
    }
    // The first sale's day, as since and until: exactly the sales of that day.
    let day = all[0]["completed_at"].as_str().unwrap()[..10].to_string();
    let rows = json(dir.path(), &["--since", &day, "--until", &day]);
    let want: Vec<u64> = sale_nos(
        &all.iter()
            .filter(|r| r["completed_at"].as_str().unwrap().starts_with(&day))
            .cloned()
            .collect::<Vec<_>>(),
    );
    assert_eq!(sale_nos(&rows), want);
    assert!(json(dir.path(), &["--since", "2099-01-01"]).is_empty());
    assert!(json(dir.path(), &["--until", "2000-01-01"]).is_empty());
}

#[test]
fn bad_dates_and_tenders_exit_2_and_say_what_to_type() {
    let (dir, _) = simulated();
    for (args, says) in [
        (vec!["sales", "--tender", "bitcoin"], "--tender bitcoin"),
        (vec!["sales", "--since", "2026-02-30"], "YYYY-MM-DD"),
        (vec!["sales", "--until", "yesterday"], "--until yesterday"),
        (
            vec!["sales", "--since", "2026-11-22", "--until", "2026-11-21"],
            "is after",
        ),
        (vec!["sales", "--format", "xml"], "xml"),
    ] {
        let out = run_qrtill(dir.path(), &args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(err(&out).contains(says), "{args:?}: {}", err(&out));
        assert!(out.stdout.is_empty(), "{args:?}: {}", text(&out));
    }
}

#[test]
fn no_journal_is_an_empty_list_and_creates_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("fresh");
    assert_eq!(ok(&data, &["sales", "--format", "json"]).trim(), "[]");
    assert!(!data.join("journal.sqlite").exists());
}

#[test]
fn a_settled_refund_shows_in_the_list_and_under_the_receipt() {
    let (dir, _) = simulated();
    let journal_path = dir.path().join("journal.sqlite");
    let first = json(dir.path(), &[]).remove(0);
    let no = first["sale_no"].as_u64().unwrap();
    let currency = qrtill::money::currency_from_code(first["currency"].as_str().unwrap()).unwrap();
    let half = Money::from_minor(50, currency).unwrap();
    let plain = ok(dir.path(), &["receipt", &no.to_string()]);
    assert!(
        !plain.contains("Refunds"),
        "no refunds yet: the slip only\n{plain}"
    );
    {
        let mut j = Journal::open(&journal_path).unwrap();
        let sale = j.sale("03", no).unwrap().unwrap();
        let refund = NewRefund {
            refund_request_id: "RF-test-1".into(),
            lane_id: "03".into(),
            sale_no: no,
            kind: RefundKind::Refund,
            reason: "Wrong size".into(),
            tender: first["tender"].as_str().unwrap().into(),
            brand: first["brand"].as_str().map(String::from),
            amount: half,
            tax: Money::zero(currency),
            wallet_amount: None,
            rate: None,
            lines: vec![RefundLine {
                line: 0,
                qty: 1,
                amount: half,
                tax: Money::zero(currency),
            }],
            created_at: Timestamp(sale.completed_at.millis() + 60_000),
        };
        assert!(matches!(
            j.begin_refund(&refund).unwrap(),
            BeginRefund::Started(_)
        ));
        j.record_refund_event(
            "RF-test-1",
            &RefundEvent::new(
                RefundState::Settled,
                Timestamp(sale.completed_at.millis() + 61_000),
            ),
        )
        .unwrap();
    }
    let rows = json(dir.path(), &[]);
    assert_eq!(rows[0]["refunded"], "0.50", "{}", rows[0]);
    assert!(rows[1..].iter().all(|r| r["refunded"] == "0.00"));
    let slip = ok(dir.path(), &["receipt", &no.to_string()]);
    assert!(
        slip.starts_with(&plain),
        "the slip is unchanged, the refunds follow it"
    );
    let tail: Vec<&str> = slip.lines().rev().take(6).collect();
    let tail = tail.into_iter().rev().collect::<Vec<_>>().join("\n");
    assert!(tail.contains("Refunds"), "{tail}");
    assert!(tail.contains(&format!("-{}", half.with_code())), "{tail}");
    assert!(tail.contains("settled · Wrong size"), "{tail}");
}
