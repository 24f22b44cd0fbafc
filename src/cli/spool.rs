//! The counter's receipt printer: renders a committed sale to ESC/POS and hands it to the print
//! queue, then reports finished jobs to the runtime. Never blocks the sale.
//!
//! It joins the runtime, the configuration and the printer, so it lives with the command line
//! that assembles them; `printer` itself knows none of them.

use crate::checkout::CompletedSale;
use crate::checkout::slip::receipt_for;
use crate::config::Config;
use crate::printer::{JobHandle, PrintJob, PrintOutcome, PrintQueue, PrintTimeouts, PrinterTarget};
use crate::receipt::{EscPosOptions, PaperWidth, PrinterCharset, TextMode, render_escpos};
use crate::runtime::ReceiptPrinter;

pub struct Spool {
    queue: PrintQueue,
    target: PrinterTarget,
    config: Config,
    charset: PrinterCharset,
    text: TextMode,
    width: PaperWidth,
    pending: Vec<(u64, JobHandle)>,
    /// Results known without a job (a receipt that could not even be rendered).
    done: Vec<(u64, Result<(), String>)>,
}

impl Spool {
    pub fn new(target: PrinterTarget, config: &Config) -> Self {
        Self {
            queue: PrintQueue::new(PrintTimeouts::default()),
            target,
            charset: config.printer.charset.parse().unwrap_or_default(),
            text: config.printer.text.parse().unwrap_or_default(),
            width: PaperWidth::from_columns(u32::from(config.receipt.width)).unwrap_or_default(),
            config: config.clone(),
            pending: Vec::new(),
            done: Vec::new(),
        }
    }
}

impl ReceiptPrinter for Spool {
    fn submit(&mut self, sale: &CompletedSale, reprint: bool) {
        let receipt = receipt_for(sale, &self.config, None);
        let opts = EscPosOptions {
            width: self.width,
            charset: self.charset,
            reprint,
            text: self.text,
        };
        match render_escpos(&receipt, opts) {
            Ok(out) => {
                if let Some(w) = out.warning(self.charset) {
                    tracing::warn!(sale_no = sale.sale_no, "{w}");
                }
                let job = PrintJob {
                    sale_number: sale.sale_no,
                    target: self.target.clone(),
                    bytes: out.bytes,
                };
                tracing::info!(sale_no = sale.sale_no, target = %job.target, reprint, "receipt queued");
                self.pending
                    .push((sale.sale_no, self.queue.spawn_print(job)));
            }
            Err(e) => self.done.push((sale.sale_no, Err(e.to_string()))),
        }
    }

    fn poll(&mut self) -> Vec<(u64, Result<(), String>)> {
        let mut finished = std::mem::take(&mut self.done);
        self.pending
            .retain(|(sale_no, handle)| match handle.try_outcome() {
                Some(PrintOutcome::Printed) => {
                    tracing::info!(sale_no, "receipt printed");
                    finished.push((*sale_no, Ok(())));
                    false
                }
                Some(PrintOutcome::Failed(why)) => {
                    tracing::warn!(sale_no, "receipt not printed: {why}");
                    finished.push((*sale_no, Err(why)));
                    false
                }
                None => true,
            });
        finished
    }

    fn busy(&self) -> bool {
        !self.pending.is_empty()
    }
}
