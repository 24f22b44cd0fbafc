//! Scenario files (docs/scenarios.md): scripted runs of the counter — cashier keys, scanner
//! input, the shoppers' phones, network faults and virtual time — with expectations on the
//! screen, the journal, the network's ledger and the receipt. `qrtill play` checks them
//! headless; `qrtill demo` plays them in the TUI for an audience.

mod check;
pub mod duration;
pub mod format;
pub mod narrate;
pub mod observe;
pub mod run;

pub use format::{FORMAT_VERSION, FormatError, Scenario, Step, StepKind, load, parse};
pub use run::{Failure, Played, Run, play};
