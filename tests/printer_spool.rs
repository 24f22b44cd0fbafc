//! The counter's spool: a committed sale printed to a file target through the runtime.

use qrtill::checkout::{Action, Screen};
use qrtill::cli::spool::Spool;
use qrtill::config::Config;
use qrtill::harness::{self, scan};
use qrtill::journal::Journal;
use qrtill::printer::PrinterTarget;
use std::sync::Arc;
use std::time::{Duration, Instant};

#[test]
fn a_cash_sale_prints_to_a_file_target_and_a_reprint_appends_without_a_drawer_kick() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("printer.bin");
    let config = Config::default();
    let catalog = Arc::new(harness::demo_catalog(&config).unwrap());
    let spool = Spool::new(PrinterTarget::File(path.clone()), &config);
    let mut rt = harness::runtime(
        &config,
        catalog,
        Journal::in_memory().unwrap(),
        Box::new(spool),
    )
    .unwrap();
    scan(&mut rt, "2000000000138");
    rt.dispatch(Action::PayCash);
    rt.dispatch(Action::QuickTender(0));
    let deadline = Instant::now() + Duration::from_secs(120);
    while rt.next_deadline().is_some() && Instant::now() < deadline {
        rt.tick();
        std::thread::sleep(Duration::from_millis(5));
    }
    let Screen::Receipt { print, .. } = &rt.checkout.screen else {
        panic!("no receipt");
    };
    assert_eq!(*print, qrtill::checkout::PrintStatus::Printed);
    let first = std::fs::read(&path).unwrap();
    let kick = qrtill::receipt::escpos::DRAWER_KICK;
    assert!(
        first.windows(kick.len()).any(|w| w == kick),
        "cash sale kicks the drawer"
    );
    assert!(first.windows(15).any(|w| w == b"Flat white 12oz"));

    rt.dispatch(Action::Reprint);
    while rt.next_deadline().is_some() && Instant::now() < deadline {
        rt.tick();
        std::thread::sleep(Duration::from_millis(5));
    }
    let both = std::fs::read(&path).unwrap();
    assert!(both.len() > first.len(), "the reprint appends");
    let reprint = &both[first.len()..];
    assert!(
        !reprint.windows(kick.len()).any(|w| w == kick),
        "a reprint never kicks"
    );
}
