//! `qrtill reconcile`: resolves attempts a stopped counter left open (query, then cancel), then
//! compares the merchant journal with the network's ledger. Exit 0 when the books agree.

use super::args::Cli;
use super::{Outcome, Setup};
use crate::journal::Journal;
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
    let mut rt = crate::harness::assemble(
        &setup.config,
        catalog,
        journal,
        Box::new(ScreenPrinter::default()),
        network,
        crate::clock::SystemClock,
    );
    let mut out = String::new();
    for r in rt.recover() {
        out.push_str(&format!("recovered: {r:?}\n"));
    }
    match crate::reconcile::reconcile(rt.journal(), &rt.network().ledger_payments()) {
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
