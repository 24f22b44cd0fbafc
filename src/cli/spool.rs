//! The counter's receipt printer: renders a committed sale to ESC/POS and hands it to the print
//! queue, then reports finished jobs to the runtime. Never blocks the sale.
//!
//! It joins the runtime, the configuration and the printer, so it lives with the command line
//! that assembles them; `printer` itself knows none of them.

use crate::checkout::CompletedSale;
use crate::checkout::slip::receipt_for;
use crate::config::Config;
use crate::printer::{JobHandle, PrintJob, PrintOutcome, PrintQueue, PrintTimeouts, PrinterTarget};
use crate::receipt::refund::render_refund_escpos;
use crate::receipt::{EscPosOptions, PaperWidth, PrinterCharset, TextMode, render_escpos};
use crate::runtime::{ReceiptPrinter, RefundPrint};

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
    /// Refund slips out, by refund request id, and those that could not be rendered.
    refunds_pending: Vec<(String, JobHandle)>,
    refunds_done: Vec<(String, Result<(), String>)>,
    /// Z reports out, by Z number: their outcome is only logged (the Z is in the journal and
    /// `qrtill report z N --format escpos` prints it again).
    reports_pending: Vec<(i64, JobHandle)>,
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
            refunds_pending: Vec::new(),
            refunds_done: Vec::new(),
            reports_pending: Vec::new(),
        }
    }

    fn options(&self, reprint: bool) -> EscPosOptions {
        EscPosOptions {
            width: self.width,
            charset: self.charset,
            reprint,
            text: self.text,
        }
    }
}

impl ReceiptPrinter for Spool {
    fn submit(&mut self, sale: &CompletedSale, reprint: bool) {
        let receipt = receipt_for(sale, &self.config, None);
        match render_escpos(&receipt, self.options(reprint)) {
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
        self.reports_pending
            .retain(|(z, handle)| match handle.try_outcome() {
                Some(PrintOutcome::Printed) => {
                    tracing::info!(z, "Z report printed");
                    false
                }
                Some(PrintOutcome::Failed(why)) => {
                    tracing::warn!(z, "Z report not printed: {why}");
                    false
                }
                None => true,
            });
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

    /// The refund slip as `qrtill refund --format escpos` renders it (it kicks the drawer for a
    /// settled cash refund, never on a reprint), to the same target as the sale receipts.
    fn submit_refund(&mut self, refund: &RefundPrint, reprint: bool) {
        let id = refund.record.refund.refund_request_id.clone();
        let slip = refund.slip(&self.config);
        match render_refund_escpos(&slip, self.options(reprint)) {
            Ok(out) => {
                let job = PrintJob {
                    sale_number: refund.sale.sale_no,
                    target: self.target.clone(),
                    bytes: out.bytes,
                };
                tracing::info!(refund = %id, target = %job.target, reprint, "refund slip queued");
                self.refunds_pending.push((id, self.queue.spawn_print(job)));
            }
            Err(e) => self.refunds_done.push((id, Err(e.to_string()))),
        }
    }

    fn poll_refunds(&mut self) -> Vec<(String, Result<(), String>)> {
        let mut finished = std::mem::take(&mut self.refunds_done);
        self.refunds_pending
            .retain(|(id, handle)| match handle.try_outcome() {
                Some(PrintOutcome::Printed) => {
                    tracing::info!(refund = %id, "refund slip printed");
                    finished.push((id.clone(), Ok(())));
                    false
                }
                Some(PrintOutcome::Failed(why)) => {
                    tracing::warn!(refund = %id, "refund slip not printed: {why}");
                    finished.push((id.clone(), Err(why)));
                    false
                }
                None => true,
            });
        finished
    }

    fn submit_report(&mut self, report: &crate::report::Report) {
        let z = report.number.unwrap_or(0);
        let job = PrintJob {
            sale_number: 0,
            target: self.target.clone(),
            bytes: crate::report::to_escpos(report, &self.config.store.name, self.charset),
        };
        tracing::info!(z, target = %job.target, "Z report queued");
        self.reports_pending.push((z, self.queue.spawn_print(job)));
    }

    fn busy(&self) -> bool {
        !self.pending.is_empty()
            || !self.refunds_pending.is_empty()
            || !self.reports_pending.is_empty()
    }
}
