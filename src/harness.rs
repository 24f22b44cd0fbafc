//! Builds a counter without a terminal: the headless `qrtill simulate` runner, the integration
//! tests and the benchmarks all use it, so they drive exactly the runtime the TUI drives.

use crate::catalog::Catalog;
use crate::checkout::{Action, Checkout, CheckoutSettings};
use crate::clock::{ManualClock, Timestamp};
use crate::config::Config;
use crate::journal::Journal;
use crate::runtime::{ReceiptPrinter, Runtime, ScreenPrinter};
use std::sync::Arc;

/// 2026-11-21 14:32:05 in San Francisco (UTC-8): the demo's fixed start time.
pub const DEMO_START: Timestamp = Timestamp(1_795_300_325_000);

/// The embedded demo catalogue, checked against `config`'s tax categories.
pub fn demo_catalog(config: &Config) -> Result<Catalog, crate::catalog::CatalogError> {
    crate::catalog::demo(&config.tax.codes(), config.currency())
}

/// A counter on `config` and `catalog` with a manual clock at `DEMO_START`.
pub fn runtime(
    config: &Config,
    catalog: Arc<Catalog>,
    journal: Journal,
    printer: Box<dyn ReceiptPrinter>,
) -> Runtime<ManualClock> {
    let settings = CheckoutSettings {
        lane_id: config.store.lane_id.clone(),
        currency: config.currency(),
        tax: config.tax.clone(),
    };
    Runtime::new(
        Checkout::new(settings, catalog),
        ManualClock::new(DEMO_START),
        journal,
        printer,
    )
}

/// The demo counter with an in-memory journal and the on-screen printer.
pub fn demo_runtime() -> Result<Runtime<ManualClock>, Box<dyn std::error::Error>> {
    let config = Config::default();
    let catalog = Arc::new(demo_catalog(&config)?);
    Ok(runtime(
        &config,
        catalog,
        Journal::in_memory()?,
        Box::new(ScreenPrinter::default()),
    ))
}

/// Types `text` key by key, as a scanner or a cashier would.
pub fn type_text<C: crate::clock::Clock>(rt: &mut Runtime<C>, text: &str) {
    for c in text.chars() {
        rt.dispatch(Action::Char(c));
    }
}

/// Scans a barcode: its digits, then Enter.
pub fn scan<C: crate::clock::Clock>(rt: &mut Runtime<C>, barcode: &str) {
    type_text(rt, barcode);
    rt.dispatch(Action::Enter);
}
