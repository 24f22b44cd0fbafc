//! Every integration test, in one test binary: each file beside this one is a module of it,
//! and the support modules (`*_support/`, `common/`) are compiled once and shared.
//!
//! One binary instead of one per file: the crate's code that the tests monomorphize is compiled
//! and linked once, not 71 times (most of the suite's build time), and `cargo test` runs every
//! test on the harness's threads together instead of one file after another. Run one file's
//! tests with `cargo test --release --test suite e2e_wallet::`. Screen snapshots are named
//! after the module path, so they are `tests/snapshots/suite__FILE__NAME.snap`.

mod common;
mod e2e_support;
mod kill_support;
mod link_support;
mod netserve_support;
mod network_support;
mod pg_support;
mod screen_support;
mod wallet_support;
mod webdriver_support;

mod catalog_demo;
mod catalog_invalid;
mod catalog_search_props;
mod catalog_snapshot;
mod catalog_snapshot_cli;
mod checkout_cash;
mod day_cli;
mod day_full;
mod day_reports;
mod day_screens;
mod day_settlement;
mod e2e_cli;
mod e2e_counter;
mod e2e_crash;
mod e2e_data_dir;
mod e2e_day;
mod e2e_demo;
mod e2e_disk_full;
mod e2e_display;
mod e2e_history;
mod e2e_kill_counter;
mod e2e_no_secrets;
mod e2e_refund;
mod e2e_refund_kill;
mod e2e_refund_screen;
mod e2e_shift;
mod e2e_signals;
mod e2e_training;
mod e2e_wallet;
mod e2e_wallet_crash;
mod emv_vectors;
mod history_cli;
mod history_journal;
mod history_screens;
mod journal_faults;
mod kill_harness;
mod link_display_phone;
mod netserve_lane;
mod network_ledger;
mod network_scenarios;
mod printer_spool;
mod printer_targets;
mod qr_scan;
mod receipt_cjk;
mod receipt_e2e;
mod receipt_goldens;
mod receipt_raster;
mod receipt_width_props;
mod reconcile_faults;
mod refund_counter;
mod refund_crash;
mod refund_receipt_goldens;
mod refund_scenarios;
mod refund_screen_snapshots;
mod scenario_format;
mod scenario_library;
mod scenario_play_cli;
mod shift_screens;
mod store_catalog;
mod store_cross_lane;
mod store_lanes;
mod store_refunds;
mod store_replication;
mod training_reconcile;
mod training_switch;
mod ui_loop;
mod ui_snapshots;
mod wallet_crash;
mod wallet_scenarios;
mod web_phone_browser;
mod web_phone_limits;

/// With `autotests = false`, a file added to `tests/` runs only once it is declared above:
/// this names every test file and support directory that is not.
#[test]
fn every_test_file_is_a_module_of_the_suite() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests");
    let suite = std::fs::read_to_string(dir.join("suite.rs")).unwrap_or_else(|e| panic!("{e}"));
    let declared: std::collections::HashSet<&str> = suite
        .lines()
        .filter_map(|l| l.strip_prefix("mod ")?.strip_suffix(';'))
        .collect();
    let mut missing = Vec::new();
    for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{e}")) {
        let path = entry.unwrap_or_else(|e| panic!("{e}")).path();
        let module = match path.extension() {
            Some(ext) if ext == "rs" => path.file_stem(),
            None if path.join("mod.rs").is_file() => path.file_name(),
            _ => None,
        };
        let Some(name) = module.and_then(|m| m.to_str()) else {
            continue;
        };
        if name != "suite" && !declared.contains(name) {
            missing.push(name.to_string());
        }
    }
    missing.sort();
    assert!(
        missing.is_empty(),
        "not declared in tests/suite.rs, so never run: {missing:?}"
    );
}
