//! The imperative shell around the checkout. It owns the clock, the journal and the printer,
//! feeds events to `Checkout::handle`, and carries out the effects it returns. The TUI, the
//! headless runs and the tests all drive this same runtime.

use crate::checkout::{Action, Checkout, CompletedSale, Effect, Event};
use crate::clock::{Clock, Timestamp};
use crate::journal::Journal;
use std::collections::VecDeque;

/// Where receipts go. Printing never blocks the sale: `submit` returns at once and the result
/// arrives later through `poll`.
pub trait ReceiptPrinter {
    /// Queues the receipt of a committed sale. The original print of a cash sale also kicks
    /// the cash drawer; a reprint never does.
    fn submit(&mut self, sale: &CompletedSale, reprint: bool);
    /// Finished jobs since the last call: `(sale_no, Ok or the reason it failed)`.
    fn poll(&mut self) -> Vec<(u64, Result<(), String>)>;
    /// Whether jobs are still out, so the loop knows to come back for them.
    fn busy(&self) -> bool {
        false
    }
}

/// The receipt is shown on screen only; "printing" always succeeds at once.
#[derive(Debug, Default)]
pub struct ScreenPrinter {
    done: Vec<u64>,
}

impl ReceiptPrinter for ScreenPrinter {
    fn submit(&mut self, sale: &CompletedSale, _reprint: bool) {
        self.done.push(sale.sale_no);
    }

    fn poll(&mut self) -> Vec<(u64, Result<(), String>)> {
        self.done.drain(..).map(|n| (n, Ok(()))).collect()
    }
}

pub struct Runtime<C: Clock> {
    pub checkout: Checkout,
    clock: C,
    journal: Journal,
    printer: Box<dyn ReceiptPrinter>,
}

impl<C: Clock> Runtime<C> {
    pub fn new(
        checkout: Checkout,
        clock: C,
        journal: Journal,
        printer: Box<dyn ReceiptPrinter>,
    ) -> Self {
        Self {
            checkout,
            clock,
            journal,
            printer,
        }
    }

    pub fn now(&self) -> Timestamp {
        self.clock.now()
    }

    pub fn clock(&self) -> &C {
        &self.clock
    }

    pub fn journal(&self) -> &Journal {
        &self.journal
    }

    /// Applies a cashier action and everything it causes, until the checkout is quiet.
    pub fn dispatch(&mut self, action: Action) {
        self.feed(Event::Action(action));
    }

    /// Delivers finished background work (printing) and due timers. Returns true when the
    /// state changed, so the UI knows to redraw.
    pub fn tick(&mut self) -> bool {
        let finished = self.printer.poll();
        let changed = !finished.is_empty();
        for (sale_no, result) in finished {
            self.feed(Event::Printed { sale_no, result });
        }
        changed
    }

    /// When the runtime next needs to wake up without input, if ever.
    pub fn next_deadline(&self) -> Option<Timestamp> {
        // A receipt out at the printer is checked on every short wake-up until it finishes.
        self.printer
            .busy()
            .then(|| self.clock.now() + std::time::Duration::from_millis(50))
    }

    fn feed(&mut self, first: Event) {
        let mut queue = VecDeque::from([first]);
        while let Some(event) = queue.pop_front() {
            let now = self.clock.now();
            for effect in self.checkout.handle(event, now) {
                if let Some(next) = self.execute(effect) {
                    queue.push_back(next);
                }
            }
        }
    }

    fn execute(&mut self, effect: Effect) -> Option<Event> {
        match effect {
            Effect::CommitSale { sale, attempt } => {
                match self.journal.commit_sale(sale, attempt.as_deref()) {
                    Ok(stored) => {
                        tracing::info!(sale_no = stored.sale_no, total = %stored.total, "sale committed");
                        Some(Event::SaleCommitted(Box::new(stored)))
                    }
                    Err(e) => {
                        tracing::error!(error = %e, "sale commit failed");
                        Some(Event::CommitFailed(e.to_string()))
                    }
                }
            }
            Effect::Print { sale, reprint } => {
                self.printer.submit(&sale, reprint);
                None
            }
        }
    }
}
