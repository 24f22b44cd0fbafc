//! Training mode (`--training`): a separate journal and network ledger in the same data
//! directory, receipts headed "TRAINING — NOT A RECEIPT", and a printer that never kicks the
//! drawer. Payments still run through the simulated network, so trainees see real flows; the
//! real journal and ledger are never opened, so nothing enters sales, refunds, X, Z or
//! settlement, and leaving (a start without `--training`) finds them as they were.

use crate::checkout::sale::CompletedSale;
use crate::config::Config;
use crate::runtime::ReceiptPrinter;

pub const JOURNAL_FILE: &str = "journal-training.sqlite";
pub const LEDGER_FILE: &str = "network-training.sqlite";
pub const RECEIPT_HEADER: &str = "TRAINING — NOT A RECEIPT";

/// Heads every receipt with the training notice: it replaces the store name, which moves to
/// the first address line.
pub fn apply_to_config(config: &mut Config) {
    let name = std::mem::replace(&mut config.store.name, RECEIPT_HEADER.to_string());
    config.store.address.insert(0, name);
}

/// The configuration of each mode, from either one: the training key switches between them
/// while the counter runs, so the screen's receipt header follows the books.
pub struct ModeConfigs {
    real: Config,
    training: Config,
}

impl ModeConfigs {
    pub fn new(config: &Config) -> Self {
        let mut real = config.clone();
        if real.store.name == RECEIPT_HEADER && !real.store.address.is_empty() {
            // `apply_to_config` moved the store name to the first address line.
            real.store.name = real.store.address.remove(0);
        }
        let mut training = real.clone();
        apply_to_config(&mut training);
        Self { real, training }
    }

    pub fn of(&self, training: bool) -> &Config {
        if training { &self.training } else { &self.real }
    }
}

/// Prints as the wrapped printer does, but every job (refund slips too) as a reprint: a
/// reprint never kicks the cash drawer.
pub struct TrainingPrinter(pub Box<dyn ReceiptPrinter>);

impl ReceiptPrinter for TrainingPrinter {
    fn submit(&mut self, sale: &CompletedSale, _reprint: bool) {
        self.0.submit(sale, true);
    }

    fn poll(&mut self) -> Vec<(u64, Result<(), String>)> {
        self.0.poll()
    }

    fn submit_refund(&mut self, refund: &crate::runtime::RefundPrint, _reprint: bool) {
        self.0.submit_refund(refund, true);
    }

    fn poll_refunds(&mut self) -> Vec<(String, Result<(), String>)> {
        self.0.poll_refunds()
    }

    fn submit_report(&mut self, report: &crate::report::Report) {
        self.0.submit_report(report);
    }

    fn busy(&self) -> bool {
        self.0.busy()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Default)]
    struct Record(std::rc::Rc<std::cell::RefCell<Vec<bool>>>);

    impl ReceiptPrinter for Record {
        fn submit(&mut self, _sale: &CompletedSale, reprint: bool) {
            self.0.borrow_mut().push(reprint);
        }
        fn poll(&mut self) -> Vec<(u64, Result<(), String>)> {
            Vec::new()
        }
    }

    #[test]
    fn a_training_print_never_kicks_the_drawer() {
        let seen = std::rc::Rc::new(std::cell::RefCell::new(Vec::new()));
        let mut p = TrainingPrinter(Box::new(Record(seen.clone())));
        let usd = crate::money::Money::zero(crate::money::Currency::USD);
        let sale = CompletedSale {
            lane_id: "03".into(),
            sale_no: 1,
            completed_at: crate::clock::Timestamp(0),
            lines: vec![],
            subtotal: usd,
            tax: usd,
            total: usd,
            tax_lines: vec![],
            tender: crate::checkout::sale::SaleTender::Cash {
                tendered: usd,
                change: usd,
            },
        };
        p.submit(&sale, false);
        assert_eq!(*seen.borrow(), vec![true]);
    }

    #[test]
    fn each_mode_has_its_header_whichever_mode_started() {
        let plain = Config::default();
        let mut trained = plain.clone();
        apply_to_config(&mut trained);
        for start in [&plain, &trained] {
            let modes = ModeConfigs::new(start);
            assert_eq!(modes.of(false).store.name, plain.store.name);
            assert_eq!(modes.of(false).store.address, plain.store.address);
            assert_eq!(modes.of(true).store.name, RECEIPT_HEADER);
            assert_eq!(modes.of(true).store.address, trained.store.address);
        }
    }

    #[test]
    fn the_receipt_header_reads_training() {
        let mut c = Config::default();
        let name = c.store.name.clone();
        apply_to_config(&mut c);
        assert_eq!(c.store.name, RECEIPT_HEADER);
        assert_eq!(c.store.address.first(), Some(&name));
    }
}
