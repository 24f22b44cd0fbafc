//! Printer targets and the asynchronous print queue.
//!
//! Parse a target from config or `--printer` (`screen`, `file:PATH`, `device:/dev/usb/lp0`,
//! `tcp:HOST:9100`), render the receipt with `receipt::render_escpos`, and hand the bytes to a
//! `PrintQueue` (the counter's `cli::spool::Spool` does that). The sale is committed before
//! printing starts; a failed print only means "receipt not printed", and a reprint is the same
//! call again. This module imports nothing from the rest of qrtill.

mod queue;
mod send;
mod target;

pub use queue::{JobHandle, JobId, PrintJob, PrintOutcome, PrintQueue, PrintReport};
pub use send::{PrintError, PrintTimeouts, send};
pub use target::{PrinterTarget, RAW_PRINT_PORT, TargetParseError};
