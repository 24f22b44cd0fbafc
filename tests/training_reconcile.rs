//! `reconcile --dry-run` in training mode compares the training journal with the training
//! ledger, as the counter pairs them, never with the real ledger.

use crate::e2e_support;

use e2e_support::run_qrtill as qrtill;
use std::path::Path;

fn ok(data: &Path, args: &[&str]) -> String {
    let o = qrtill(data, args);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{args:?}: {}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn a_training_dry_run_reads_the_training_ledger() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // Two real wallet sales and three training ones: the books differ in size.
    ok(d, &["simulate", "--sales", "2", "--wallet"]);
    ok(d, &["--training", "simulate", "--sales", "3", "--wallet"]);
    let training = ok(d, &["--training", "reconcile", "--dry-run"]);
    assert!(
        training.starts_with("3 payment(s) match their sale; 0 unresolved; 0 problem(s)"),
        "{training}"
    );
    let real = ok(d, &["reconcile", "--dry-run"]);
    assert!(
        real.starts_with("2 payment(s) match their sale; 0 unresolved; 0 problem(s)"),
        "{real}"
    );
}
