//! The counter's books for the training key: each mode's journal, network ledger and printer,
//! opened from the same files and in the same way as a start with or without `--training`.

use super::args::Cli;
use super::{Outcome, Setup, counter};
use crate::journal::Journal;
use crate::runtime::{Books, OpenBooks};
use crate::ui::training_mode::ModeConfigs;
use std::path::PathBuf;

pub struct CounterBooks {
    /// The flags a start reads the books with (`--printer`, `--fx`, `--seed`, `--catalog`).
    cli: Cli,
    data_dir: PathBuf,
    modes: ModeConfigs,
}

impl CounterBooks {
    pub fn new(cli: &Cli, setup: &Setup) -> Self {
        Self {
            cli: Cli {
                data: cli.data.clone(),
                config: cli.config.clone(),
                catalog: cli.catalog.clone(),
                printer: cli.printer.clone(),
                fx: cli.fx.clone(),
                seed: cli.seed,
                web_phone: None,
                training: cli.training,
                command: None,
            },
            data_dir: setup.data_dir.clone(),
            modes: ModeConfigs::new(&setup.config),
        }
    }
}

fn text(o: Outcome) -> String {
    o.stderr
        .unwrap_or_default()
        .trim_start_matches("qrtill: ")
        .to_string()
}

impl OpenBooks for CounterBooks {
    fn open(&mut self, training: bool) -> Result<Books, String> {
        let setup = Setup {
            data_dir: self.data_dir.clone(),
            config: self.modes.of(training).clone(),
            training,
        };
        // The checks a start makes (`take_for_writing`): a damaged or foreign file is refused
        // before anything opens it.
        let checks = [
            (setup.journal_path(), &crate::journal::JOURNAL_FILE),
            (setup.network_path(), &counter::NETWORK_LEDGER_FILE),
        ];
        for (path, kind) in checks {
            crate::data_dir::check(&path, kind).map_err(|e| e.to_string())?;
        }
        let journal = Journal::open(&setup.journal_path()).map_err(|e| e.to_string())?;
        let network = counter::open_network(&self.cli, &setup).map_err(text)?;
        let printer = counter::printer_for(&self.cli, &setup).map_err(text)?;
        Ok(Books {
            journal,
            network,
            printer,
        })
    }
}
