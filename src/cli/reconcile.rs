//! `qrtill reconcile`: resolves attempts a stopped counter left open (query, then cancel), then
//! compares the merchant journal with the network's ledger. Exit 0 when the books agree.
//! `--dry-run` only compares: both files are opened read-only and nothing is recovered.

use super::args::Cli;
use super::{Outcome, Setup};
use crate::journal::Journal;
use crate::network::LedgerStore;
use crate::reconcile::Reconciliation;
use crate::runtime::ScreenPrinter;
use std::sync::Arc;

pub fn run(cli: &Cli, setup: &Setup) -> Outcome {
    if let Err(o) = setup.ensure_data_dir() {
        return o;
    }
    let catalog = match super::counter::load_catalog(cli, setup) {
        Ok(c) => Arc::new(c),
        Err(o) => return o,
    };
    let journal = match Journal::open(&setup.journal_path()) {
        Ok(j) => j,
        Err(e) => return Outcome::fail(1, format!("qrtill: {e}")),
    };
    let network = match super::counter::open_network(cli, setup) {
        Ok(n) => n,
        Err(o) => return o,
    };
    // Recovery runs on the simulated network's virtual time, as `simulate` does: a wait the
    // wallet imposes (WeChat's 15 s before a reverse) passes at once instead of blocking the
    // command. It starts at the wall clock, or after the journal's latest entry if later.
    // A lane of a store asks the network service instead, on the wall clock.
    let clock = super::command_clock(&setup.config, &journal);
    let mut rt = crate::harness::assemble(
        &setup.config,
        catalog,
        journal,
        Box::new(ScreenPrinter::default()),
        network,
        clock,
    );
    crate::netserve::attach(&mut rt, &setup.config);
    let mut out = String::new();
    for r in rt.recover() {
        out.push_str(&format!("recovered: {r:?}\n"));
    }
    match crate::checkout::refund::desk::resume_open(&mut rt, &setup.config.refund) {
        Ok(done) => {
            for (id, what) in done {
                out.push_str(&format!("recovered refund: {id}: {what}\n"));
            }
        }
        Err(e) => return Outcome::fail(1, format!("qrtill: {e}")),
    }
    if let Some(url) = &setup.config.network.url {
        // The payments are in the service's ledger, not in this data directory.
        out.push_str(&format!(
            "books not compared here: this lane pays through the network service at {url}; \
             compare with its ledger: qrtill reconcile --dry-run --ledger SERVICE_DATA/network.sqlite\n"
        ));
        return Outcome::ok(out);
    }
    let result = crate::reconcile::reconcile(rt.journal(), rt.network().ledger());
    finish(out, result)
}

/// Compares the books without changing either: no recovery, read-only files.
pub fn run_dry(setup: &Setup, ledger: Option<&std::path::Path>) -> Outcome {
    let journal_path = setup.journal_path();
    // The same ledger the counter uses (the training one under `--training`), or the network
    // service's (`--ledger`).
    let ledger_path = ledger.map_or_else(|| setup.network_path(), std::path::Path::to_path_buf);
    for path in [&journal_path, &ledger_path] {
        if !path.is_file() {
            return Outcome::fail(
                2,
                format!(
                    "qrtill: {} does not exist: --dry-run reads an existing data directory (use --data DIR)",
                    path.display()
                ),
            );
        }
    }
    let journal = match Journal::open_read_only(&journal_path) {
        Ok(j) => j,
        Err(e) => return Outcome::fail(2, format!("qrtill: {e}")),
    };
    let ledger = match LedgerStore::open_read_only(&ledger_path) {
        Ok(l) => l,
        Err(e) => {
            return Outcome::fail(2, format!("qrtill: {}: {e}", ledger_path.display()));
        }
    };
    finish(
        String::new(),
        crate::reconcile::reconcile(&journal, &ledger),
    )
}

fn finish(
    mut out: String,
    result: Result<Reconciliation, crate::reconcile::ReconcileError>,
) -> Outcome {
    match result {
        Ok(r) => {
            out.push_str(&r.report());
            Outcome {
                code: if r.balanced() { 0 } else { 1 },
                ..Outcome::ok(out)
            }
        }
        Err(e) => Outcome::fail(1, format!("qrtill: {e}")),
    }
}
