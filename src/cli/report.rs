//! `qrtill report x|z [N] [--format text|json|csv]`: the X report of the open shift, or a
//! written Z report (the latest without N). Reads only, so it runs beside a counter.

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
}

/// The report in the asked format.
pub fn render(report: &Report, format: ReportFormat, setup: &Setup) -> String {
    match format {
        ReportFormat::Text => to_text(report, &setup.config.store.name),
        ReportFormat::Json => to_json(report),
        ReportFormat::Csv => to_csv(report),
    }
}

pub fn run(setup: &Setup, args: &ReportArgs) -> Outcome {
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
                    .unwrap_or("a Z report".into());
                return Outcome::fail(1, format!("qrtill: lane {lane} has no {which} yet"));
            }
            Err(e) => return Outcome::fail(1, format!("qrtill: {e}")),
        },
    };
    Outcome::ok(render(&report, args.format, setup))
}
