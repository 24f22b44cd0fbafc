//! Switching the running counter between the real books and the training books (the journal,
//! the network ledger and the printer of each mode) as one effect, `SwitchTraining`. Nothing
//! switches while anything is in flight: an open attempt or refund, a reply or notification
//! still due, a print job still out. The books being left are dropped as they are (closed,
//! not written); the books opened get their open attempts resumed, as at start-up.

use super::{ReceiptPrinter, Runtime};
use crate::checkout::Event;
use crate::clock::Clock;
use crate::journal::Journal;
use crate::network::Network;

/// What one mode's books are: where sales are journaled, the network's ledger, the printer.
pub struct Books {
    pub journal: Journal,
    pub network: Network,
    pub printer: Box<dyn ReceiptPrinter>,
}

/// Opens the books of a mode: the command line knows the files (cli/counter.rs).
pub trait OpenBooks {
    fn open(&mut self, training: bool) -> Result<Books, String>;
}

impl<C: Clock> Runtime<C> {
    /// How this runtime reopens its books, and whether the books it runs on now are the
    /// training ones. Without it the training switch is refused.
    pub fn set_books(&mut self, opener: Box<dyn OpenBooks>, training: bool) {
        self.books = Some(opener);
        self.training = training;
        self.checkout.set_training(training);
    }

    pub fn training(&self) -> bool {
        self.training
    }

    /// Why the books cannot change now, if they cannot.
    fn in_flight(&self) -> Option<String> {
        if !self.checkout.resuming().is_empty() {
            return Some("a payment from before is still being resolved".into());
        }
        match self.journal.open_attempts() {
            Ok(open) if !open.is_empty() => {
                return Some(format!("{} payment attempt(s) are still open", open.len()));
            }
            Ok(_) => {}
            Err(e) => return Some(format!("the journal cannot be read ({e})")),
        }
        match self.journal.open_refunds() {
            Ok(open) if !open.is_empty() => {
                return Some(format!("{} refund(s) are still open", open.len()));
            }
            Ok(_) => {}
            Err(e) => return Some(format!("the journal cannot be read ({e})")),
        }
        if self.inbox.values().any(|e| matches!(e, Event::Net(_))) {
            return Some("a network reply is still due".into());
        }
        if self.network.next_wakeup().is_some() {
            return Some("a network notification is still due".into());
        }
        if self.printer.busy() {
            return Some("a receipt is still printing".into());
        }
        None
    }

    /// Carries out `SwitchTraining`: the answer is `TrainingSwitched`.
    pub(super) fn switch_training(&mut self, on: bool) -> Event {
        if on == self.training {
            return Event::TrainingSwitched(Ok(on));
        }
        if let Some(why) = self.in_flight() {
            return Event::TrainingSwitched(Err(format!("{why}; try again when it has settled")));
        }
        let Some(opener) = self.books.as_mut() else {
            return Event::TrainingSwitched(Err("this counter cannot reopen its books".into()));
        };
        let books = match opener.open(on) {
            Ok(b) => b,
            Err(e) => {
                tracing::error!(error = %e, training = on, "books not opened: nothing switched");
                return Event::TrainingSwitched(Err(e));
            }
        };
        // Only timers are left (in_flight refused replies): stale ones for finished attempts.
        self.inbox.clear();
        self.journal = books.journal;
        self.network = books.network;
        self.printer = books.printer;
        self.training = on;
        self.checkout
            .set_attempt_seq(self.journal.attempt_count().unwrap_or(0));
        tracing::info!(training = on, "books switched");
        // Attempts these books left open (a stop in the middle of a payment) settle as the
        // counter runs, through the same machine as at start-up.
        match self.journal.open_attempts() {
            Ok(open) => {
                for record in open {
                    self.feed(Event::Resume(Box::new(record)));
                }
            }
            Err(e) => tracing::error!(error = %e, "open attempts of the books not read"),
        }
        Event::TrainingSwitched(Ok(on))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checkout::{Action, Effect, Screen};
    use std::cell::Cell;
    use std::rc::Rc;

    /// Counts how often the books were asked for; never opens any.
    struct Counting(Rc<Cell<u32>>);

    impl OpenBooks for Counting {
        fn open(&mut self, _training: bool) -> Result<Books, String> {
            self.0.set(self.0.get() + 1);
            Err("no books in this test".into())
        }
    }

    fn runtime() -> (Runtime<crate::clock::ManualClock>, Rc<Cell<u32>>) {
        let mut rt = crate::harness::demo_runtime().unwrap();
        let opened = Rc::new(Cell::new(0));
        rt.set_books(Box::new(Counting(opened.clone())), false);
        (rt, opened)
    }

    #[test]
    fn nothing_switches_while_a_wallet_payment_is_out() {
        let (mut rt, opened) = runtime();
        crate::harness::scan(&mut rt, "2000000000138");
        rt.dispatch(Action::PayWalletQr);
        assert!(matches!(rt.checkout.screen, Screen::Pay(_)));
        assert_eq!(rt.journal.open_attempts().unwrap().len(), 1);
        let now = rt.now();
        let answer = rt.execute(Effect::SwitchTraining { on: true }, now);
        let Some(Event::TrainingSwitched(Err(why))) = answer else {
            panic!("expected a refusal, got {answer:?}");
        };
        assert!(
            why.starts_with("1 payment attempt(s) are still open"),
            "{why}"
        );
        assert_eq!(opened.get(), 0, "the books were not even opened");
        assert!(!rt.training());
    }

    #[test]
    fn books_that_fail_to_open_leave_the_counter_on_its_own() {
        let (mut rt, opened) = runtime();
        let now = rt.now();
        let answer = rt.execute(Effect::SwitchTraining { on: true }, now);
        assert_eq!(
            answer,
            Some(Event::TrainingSwitched(Err("no books in this test".into())))
        );
        assert_eq!(opened.get(), 1);
        assert!(!rt.training());
        // The checkout is told, and stays out of training.
        rt.feed(Event::TrainingSwitched(Err("no books in this test".into())));
        assert!(!rt.checkout.training());
    }
}
