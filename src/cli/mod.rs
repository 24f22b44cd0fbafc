//! The command line: argument definitions, shared set-up, and one module per subcommand.
//! Each subcommand returns an `Outcome` so tests can run it without spawning a process.

pub mod args;
pub mod catalog;
pub mod counter;
pub mod receipt;
pub mod simulate;

use crate::config::{Config, data_dir};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

/// Exit code for bad input files (catalogue, config): the message says which file and line.
pub const EXIT_BAD_INPUT: i32 = 2;

/// What a subcommand printed and how it exits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub stdout: String,
    pub stderr: Option<String>,
    pub code: i32,
}

impl Outcome {
    pub fn ok(stdout: String) -> Self {
        Self {
            stdout,
            stderr: None,
            code: 0,
        }
    }

    pub fn fail(code: i32, message: impl Into<String>) -> Self {
        Self {
            stdout: String::new(),
            stderr: Some(message.into()),
            code,
        }
    }

    /// Writes the outcome out and turns it into the process exit code.
    pub fn emit(self) -> ExitCode {
        let mut out = std::io::stdout().lock();
        let _ = out.write_all(self.stdout.as_bytes());
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
}

impl Setup {
    pub fn load(cli: &args::Cli) -> Result<Setup, Outcome> {
        let data_dir = data_dir(cli.data.as_deref());
        let config = match &cli.config {
            Some(path) => Config::load(path),
            None => Config::load_optional(&data_dir.join("config.toml")),
        }
        .map_err(|e| Outcome::fail(EXIT_BAD_INPUT, format!("qrtill: {e}")))?;
        Ok(Setup { data_dir, config })
    }

    /// Creates the data directory if needed.
    pub fn ensure_data_dir(&self) -> Result<(), Outcome> {
        std::fs::create_dir_all(&self.data_dir).map_err(|e| {
            Outcome::fail(
                1,
                format!(
                    "qrtill: cannot create the data directory {}: {e} (use --data DIR)",
                    self.data_dir.display()
                ),
            )
        })
    }

    pub fn journal_path(&self) -> PathBuf {
        self.data_dir.join("journal.sqlite")
    }
}
