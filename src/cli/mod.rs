//! The command line: argument definitions, shared set-up, and one module per subcommand.
//! Each subcommand returns an `Outcome` so tests can run it without spawning a process.

pub mod args;
pub mod catalog;
pub mod counter;
pub mod counter_books;
pub mod demo;
pub mod display;
pub mod network_serve;
pub mod phone;
pub mod pin;
pub mod play;
pub mod qr;
pub mod receipt;
pub mod reconcile;
pub mod refund;
pub mod report;
pub mod sales;
pub mod settle;
pub mod shift;
pub mod simulate;
pub mod spool;
pub mod store;
pub mod store_catalog;

use crate::config::{Config, data_dir};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

/// Exit code for bad input files (catalogue, config): the message says which file and line.
pub const EXIT_BAD_INPUT: i32 = 2;

/// A journal that cannot be opened: exit 2 when the file itself is refused (the message says
/// what to do), 1 for other failures.
pub fn journal_failure(e: crate::journal::JournalError) -> Outcome {
    use crate::journal::JournalError;
    let code = match e {
        JournalError::File(_) | JournalError::TooNew { .. } => EXIT_BAD_INPUT,
        _ => 1,
    };
    Outcome::fail(code, format!("qrtill: {e}"))
}

/// What a subcommand printed and how it exits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// Bytes, not text: `receipt --format escpos` writes printer commands.
    pub stdout: Vec<u8>,
    pub stderr: Option<String>,
    pub code: i32,
}

impl Outcome {
    pub fn ok(stdout: impl Into<Vec<u8>>) -> Self {
        Self {
            stdout: stdout.into(),
            stderr: None,
            code: 0,
        }
    }

    pub fn fail(code: i32, message: impl Into<String>) -> Self {
        Self {
            stdout: Vec::new(),
            stderr: Some(message.into()),
            code,
        }
    }

    /// Writes the outcome out and turns it into the process exit code.
    pub fn emit(self) -> ExitCode {
        let mut out = std::io::stdout().lock();
        let _ = out.write_all(&self.stdout);
        let _ = out.flush();
        if let Some(err) = self.stderr {
            let err = err.trim_end();
            if !err.is_empty() {
                eprintln!("{err}");
            }
        }
        ExitCode::from(self.code.clamp(0, 255) as u8)
    }
}

/// What every subcommand needs: where data lives and the effective configuration.
pub struct Setup {
    pub data_dir: PathBuf,
    pub config: Config,
    /// `--training`: the training journal and ledger instead of the real ones.
    pub training: bool,
}

impl Setup {
    pub fn load(cli: &args::Cli) -> Result<Setup, Outcome> {
        let data_dir = data_dir(cli.data.as_deref());
        let config = match &cli.config {
            Some(path) => Config::load(path),
            None => Config::load_optional(&data_dir.join("config.toml")),
        }
        .map_err(|e| Outcome::fail(EXIT_BAD_INPUT, format!("qrtill: {e}")))?;
        let mut config = config;
        if cli.training {
            crate::ui::training_mode::apply_to_config(&mut config);
        }
        Ok(Setup {
            data_dir,
            config,
            training: cli.training,
        })
    }

    /// Where derived files live (the catalogue snapshot): rebuilt when missing.
    pub fn cache_dir(&self) -> PathBuf {
        self.data_dir.join("cache")
    }

    /// Creates the data directory if needed (0700) and makes an existing one private.
    pub fn ensure_data_dir(&self) -> Result<(), Outcome> {
        crate::data_dir::make_private(&self.data_dir).map_err(|e| {
            Outcome::fail(
                1,
                format!(
                    "qrtill: cannot create the data directory {}: {e} (use --data DIR)",
                    self.data_dir.display()
                ),
            )
        })
    }

    /// The printer target: `--printer` over the config's `printer.target`.
    pub fn printer_target(
        &self,
        flag: Option<&str>,
    ) -> Result<crate::printer::PrinterTarget, Outcome> {
        let text = flag.unwrap_or(&self.config.printer.target);
        text.parse().map_err(|e| {
            let source = if flag.is_some() {
                "--printer"
            } else {
                "printer.target"
            };
            Outcome::fail(EXIT_BAD_INPUT, format!("qrtill: {source}: {e}"))
        })
    }

    pub fn journal_path(&self) -> PathBuf {
        if self.training {
            return self.data_dir.join(crate::ui::training_mode::JOURNAL_FILE);
        }
        self.data_dir.join("journal.sqlite")
    }

    pub fn network_path(&self) -> PathBuf {
        if self.training {
            return self.data_dir.join(crate::ui::training_mode::LEDGER_FILE);
        }
        self.data_dir.join("network.sqlite")
    }

    /// For the counter and the subcommands that write: the data directory made private and
    /// taken for this process (released when it exits), and both databases checked (not yet
    /// created) before anything opens them. Another qrtill using the directory, or a database that is damaged
    /// or not qrtill's, exits 2 at once.
    pub fn take_for_writing(&self) -> Result<crate::data_dir::DirLock, Outcome> {
        self.ensure_data_dir()?;
        let lock = crate::data_dir::lock(&self.data_dir)
            .map_err(|e| Outcome::fail(EXIT_BAD_INPUT, format!("qrtill: {e}")))?;
        let checks = [
            (self.journal_path(), &crate::journal::JOURNAL_FILE),
            (self.network_path(), &counter::NETWORK_LEDGER_FILE),
        ];
        for (path, kind) in checks {
            crate::data_dir::check(&path, kind)
                .map_err(|e| Outcome::fail(EXIT_BAD_INPUT, format!("qrtill: {e}")))?;
        }
        Ok(lock)
    }
}

/// The clock of a one-shot command on this lane: virtual from `virtual_start` against the
/// in-process network; the wall clock (never before the journal's latest entry) against the
/// network service.
pub fn command_clock(
    config: &crate::config::Config,
    journal: &crate::journal::Journal,
) -> crate::runtime::CommandClock {
    use crate::runtime::CommandClock;
    if config.network.url.is_some() {
        CommandClock::Wall(crate::clock::SystemClock::not_before(
            journal.latest_time().ok().flatten(),
        ))
    } else {
        CommandClock::Virtual(crate::clock::ManualClock::new(virtual_start(journal)))
    }
}

/// Where a headless run's virtual clock starts: at the wall clock, or just after the journal's
/// latest entry if that is later (an earlier `simulate` may have run ahead), so recorded times
/// never go backwards.
pub fn virtual_start(journal: &crate::journal::Journal) -> crate::clock::Timestamp {
    let wall = crate::clock::Clock::now(&crate::clock::SystemClock::default());
    match journal.latest_time() {
        Ok(Some(t)) => wall.max(t + std::time::Duration::from_secs(1)),
        _ => wall,
    }
}
