//! A full disk during sales, for real: `simulate --wallet` runs under a small RLIMIT_FSIZE (with
//! SIGXFSZ ignored, so a write past the limit fails with EFBIG as on a full disk). Whatever
//! fails, nothing the run reports as sold is missing from the journal, the process is not
//! killed, and after a restart without the limit `reconcile` finds nothing lost or doubled.

use crate::e2e_support;

use e2e_support::{QRTILL, count_rows, run_qrtill, sh_quote};
use std::process::Command;

#[test]
fn a_file_size_limit_during_wallet_sales_loses_and_doubles_nothing() {
    let data = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let seeded = run_qrtill(data.path(), &["simulate", "--wallet", "--sales", "3"]);
    assert!(
        seeded.status.success(),
        "{}",
        String::from_utf8_lossy(&seeded.stderr)
    );
    let journal = data.path().join("journal.sqlite");
    let before = count_rows(&journal, "sales");
    assert_eq!(before, 3);

    // 200 KiB per file: the write-ahead logs reach it within a few dozen sales.
    let script = format!(
        "ulimit -f 200; trap '' XFSZ; exec {} --data {} simulate --wallet --sales 300",
        sh_quote(QRTILL),
        sh_quote(&data.path().to_string_lossy())
    );
    let out = Command::new("sh")
        .args(["-c", &script])
        .env_remove("QRTILL_DATA")
        .output()
        .unwrap_or_else(|e| panic!("sh: {e}"));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.code().is_some(), "killed by a signal: {stderr}");
    let after = count_rows(&journal, "sales");
    // What the run says it sold is exactly what the journal gained.
    let claimed: u64 = stdout
        .split_whitespace()
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    assert_eq!(
        after - before,
        claimed,
        "stdout: {stdout}\nstderr: {stderr}"
    );
    assert!(claimed < 300, "the limit was never reached: {stdout}");

    let out = run_qrtill(data.path(), &["reconcile"]);
    let report = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{report}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!report.contains("PROBLEM"), "{report}");
    assert!(
        report.contains(&format!(
            "{} payment(s) match their sale",
            count_rows(&journal, "sales")
        )),
        "{report}"
    );
}
