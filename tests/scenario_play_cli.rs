//! `qrtill play` as a user runs it: one line per file, exit 1 naming the file, the line and
//! what differed when an expectation fails, and a `--json` event log that is the same byte for
//! byte on every run of the same files.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn scenario(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("assets/scenarios")
        .join(name)
}

fn play(args: &[&std::ffi::OsStr]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_qrtill"))
        .env_remove("QRTILL_DATA")
        .arg("play")
        .args(args)
        .output()
        .expect("qrtill runs")
}

#[test]
fn passing_files_print_one_ok_line_each() {
    let a = scenario("s01-happy-upm-no-password.toml");
    let b = scenario("s13-late-success-after-cancel.toml");
    let out = play(&[a.as_os_str(), b.as_os_str()]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{stdout}");
    assert!(lines[0].starts_with("ok ") && lines[0].contains("s01-happy-upm-no-password.toml"));
    assert!(lines[1].starts_with("ok ") && lines[1].contains("13. Late success after the cancel"));
}

#[test]
fn a_failed_expectation_exits_1_naming_file_line_and_difference() {
    let text = std::fs::read_to_string(scenario("s01-happy-upm-no-password.toml")).expect("read");
    let broken = text.replace(
        "expect.ledger = [\"Paid CNY 72.57\"]",
        "expect.ledger = [\"Paid CNY 72.58\"]",
    );
    assert_ne!(broken, text);
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("s01-broken.toml");
    std::fs::write(&path, &broken).expect("write");
    let line = broken
        .lines()
        .position(|l| l.contains("72.58"))
        .and_then(|i| {
            broken
                .lines()
                .take(i)
                .collect::<Vec<_>>()
                .iter()
                .rposition(|l| *l == "[[step]]")
        })
        .expect("the step")
        + 1;
    let out = play(&[path.as_os_str()]);
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert_eq!(out.status.code(), Some(1), "{stdout}{stderr}");
    assert!(stdout.starts_with("FAIL"), "{stdout}");
    let want = format!(
        "{}:{line}: ledger: expected [\"Paid CNY 72.58\"], the network has [\"Paid CNY 72.57\"]",
        path.display()
    );
    assert!(stderr.contains(&want), "{stderr}\nwanted: {want}");
}

#[test]
fn the_json_event_log_is_the_same_on_every_run() {
    let dir = tempfile::tempdir().expect("tempdir");
    let files = [
        scenario("s11-timeout-then-late-success.toml"),
        scenario("s23-cancel-after-cut-off.toml"),
        scenario("demo/the-network-has-a-bad-day.toml"),
    ];
    let mut logs = Vec::new();
    for run in 0..2 {
        let log = dir.path().join(format!("run{run}.jsonl"));
        let mut args: Vec<&std::ffi::OsStr> = files.iter().map(|f| f.as_os_str()).collect();
        args.push("--json".as_ref());
        args.push(log.as_os_str());
        let out = play(&args);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        logs.push(std::fs::read(&log).expect("the log was written"));
    }
    assert_eq!(logs[0], logs[1], "byte for byte");
    let text = String::from_utf8(logs.swap_remove(0)).expect("utf-8");
    let mut kinds = std::collections::BTreeSet::new();
    for line in text.lines() {
        let v: serde_json::Value = serde_json::from_str(line)
            .unwrap_or_else(|e| panic!("not one JSON object per line: {e}: {line}"));
        assert!(v["t"].is_i64(), "every event has its virtual time: {line}");
        kinds.insert(v["event"].as_str().expect("an event name").to_string());
    }
    for want in [
        "key",
        "scan",
        "phone",
        "fault",
        "request",
        "reply",
        "status",
        "attempt",
        "sale",
        "print",
        "restart",
        "recovered",
        "expect",
    ] {
        assert!(kinds.contains(want), "no {want:?} event in {kinds:?}");
    }
}
