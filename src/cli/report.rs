//! `qrtill report x|z [N] [--format text|json|csv|png|escpos]`: the X report of the open
//! shift, or a written Z report (the latest without N). Reads only, so it runs beside a
//! counter.

use super::{Outcome, Setup};
use crate::clock::Clock;
use crate::journal::Journal;
use crate::report::{Report, to_csv, to_json, to_text, x_report};
use clap::ValueEnum;

#[derive(Debug, clap::Args)]
pub struct ReportArgs {
    /// `x` (the open shift, nothing reset) or `z` (a closed shift's Z report).
    #[arg(value_enum)]
    pub kind: ReportKind,
    /// The Z number on this lane (default: the latest). Not used with `x`.
    pub number: Option<i64>,
    #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
    pub format: ReportFormat,
    /// Write to FILE instead of stdout (`--format png` needs it, or a redirect, on a terminal).
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<std::path::PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportKind {
    X,
    Z,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    Text,
    Json,
    Csv,
    /// A 1-bit picture of the printed report (42 columns, 8 dots/mm), hourly sales as bars.
    Png,
    /// The 42-column print as ESC/POS bytes, for a receipt printer (`> /dev/usb/lp0`).
    Escpos,
}

/// The report in the asked text format (`Png` gives the printed text; `emit` draws it).
pub fn render(report: &Report, format: ReportFormat, setup: &Setup) -> String {
    match format {
        ReportFormat::Text | ReportFormat::Png | ReportFormat::Escpos => {
            to_text(report, &setup.config.store.name)
        }
        ReportFormat::Json => to_json(report),
        ReportFormat::Csv => to_csv(report),
    }
}

/// The report's bytes in the asked format, to stdout or to `args.output`.
fn emit(report: &Report, args: &ReportArgs, setup: &Setup) -> Outcome {
    let bytes = if args.format == ReportFormat::Png {
        match crate::report::report_png(report, &setup.config.store.name) {
            Ok(b) => b,
            Err(e) => return Outcome::fail(1, format!("qrtill: {e}")),
        }
    } else if args.format == ReportFormat::Escpos {
        // The configured code page; the report is mostly ASCII, so the default suits it.
        let charset = setup.config.printer.charset.parse().unwrap_or_default();
        crate::report::to_escpos(report, &setup.config.store.name, charset)
    } else {
        render(report, args.format, setup).into_bytes()
    };
    match &args.output {
        Some(path) => match std::fs::write(path, &bytes) {
            Ok(()) => Outcome::ok(format!("Report written to {}\n", path.display())),
            Err(e) => Outcome::fail(
                super::EXIT_BAD_INPUT,
                format!("qrtill: cannot write {}: {e}", path.display()),
            ),
        },
        None => Outcome::ok(bytes),
    }
}

pub fn run(setup: &Setup, args: &ReportArgs) -> Outcome {
    use std::io::IsTerminal;
    if args.format == ReportFormat::Png && args.output.is_none() && std::io::stdout().is_terminal()
    {
        return Outcome::fail(
            super::EXIT_BAD_INPUT,
            "qrtill: --format png writes a binary picture and stdout is a terminal: save it with -o FILE (qrtill report z --format png -o z.png) or redirect stdout (> z.png)",
        );
    }
    if args.format == ReportFormat::Escpos
        && args.output.is_none()
        && std::io::stdout().is_terminal()
    {
        return Outcome::fail(
            super::EXIT_BAD_INPUT,
            "qrtill: --format escpos writes printer bytes and stdout is a terminal: send them to the printer (> /dev/usb/lp0) or save them with -o FILE",
        );
    }
    let path = setup.journal_path();
    if !path.exists() {
        return Outcome::fail(1, format!("qrtill: no journal at {} yet", path.display()));
    }
    let journal = match Journal::open_read_only(&path) {
        Ok(j) => j,
        Err(e) => return super::journal_failure(e),
    };
    let lane = &setup.config.store.lane_id;
    let report = match args.kind {
        ReportKind::X if args.number.is_some() => {
            return Outcome::fail(
                super::EXIT_BAD_INPUT,
                "qrtill: an X report has no number: use `report x` (or `report z N`)",
            );
        }
        ReportKind::X => {
            let now =
                crate::clock::SystemClock::not_before(journal.latest_time().ok().flatten()).now();
            match x_report(&journal, &setup.config, now) {
                Ok(Some(r)) => r,
                Ok(None) => {
                    return Outcome::fail(
                        1,
                        format!("qrtill: no shift is open on lane {lane}: nothing to report"),
                    );
                }
                Err(e) => return Outcome::fail(1, format!("qrtill: {e}")),
            }
        }
        ReportKind::Z => match crate::report::stored_z(&journal, lane, args.number) {
            Ok(Some(r)) => r,
            Ok(None) => {
                let which = args
                    .number
                    .map(|n| format!("Z{n}"))
                    .unwrap_or("Z report".into());
                return Outcome::fail(1, format!("qrtill: lane {lane} has no {which} yet"));
            }
            Err(e) => return Outcome::fail(1, format!("qrtill: {e}")),
        },
    };
    emit(&report, args, setup)
}
