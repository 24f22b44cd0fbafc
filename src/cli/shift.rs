//! `qrtill shift open|paid-in|paid-out|no-sale|close`: the drawer from the command line. Each
//! step is journaled with who, when and why; `close` takes the blind count and writes the Z.

use super::report::{ReportFormat, render};
use super::{EXIT_BAD_INPUT, Outcome, Setup};
use crate::clock::Timestamp;
use crate::journal::Journal;
use crate::money::Money;
use crate::shift::{CashMove, Count, MoveKind, needs_pin};

#[derive(Debug, clap::Subcommand)]
pub enum ShiftCommand {
    /// Open a shift with the float counted by denomination.
    Open {
        /// Cashier id (default: the configured cashier).
        #[arg(long)]
        cashier: Option<String>,
        /// The float as DENOMINATION=QUANTITY pairs, e.g. `20=5,1=10,0.25=8`.
        #[arg(long, default_value = "")]
        float: String,
    },
    /// Put cash into the drawer outside a sale.
    PaidIn(MoveArgs),
    /// Take cash out of the drawer outside a sale.
    PaidOut(MoveArgs),
    /// Open the drawer without a sale (logged).
    NoSale {
        #[arg(long)]
        reason: String,
        #[arg(long)]
        by: Option<String>,
    },
    /// Close the shift with a blind count and write its Z report.
    Close {
        /// The counted drawer as DENOMINATION=QUANTITY pairs.
        #[arg(long)]
        count: String,
        #[arg(long)]
        by: Option<String>,
        /// Supervisor id, when the variance is above `drawer.variance_pin_above`.
        #[arg(long)]
        supervisor: Option<String>,
        /// A file whose first line is the supervisor PIN.
        #[arg(long)]
        pin_file: Option<std::path::PathBuf>,
        #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
        format: ReportFormat,
    },
}

#[derive(Debug, clap::Args)]
pub struct MoveArgs {
    /// The amount in the store currency, e.g. 12.50.
    pub amount: String,
    #[arg(long)]
    pub reason: String,
    #[arg(long)]
    pub by: Option<String>,
    /// Supervisor id, when the amount is above `drawer.pin_above`.
    #[arg(long)]
    pub supervisor: Option<String>,
    /// A file whose first line is the supervisor PIN.
    #[arg(long)]
    pub pin_file: Option<std::path::PathBuf>,
}

/// Opens a shift for a headless run (`simulate`, scenarios) when none is open: the configured
/// cashier, an empty float.
pub fn ensure_open(journal: &mut Journal, setup: &Setup, now: Timestamp) -> Result<(), Outcome> {
    let lane = &setup.config.store.lane_id;
    let open = journal
        .open_shift(lane)
        .map_err(|e| Outcome::fail(1, format!("qrtill: {e}")))?;
    if open.is_none() {
        journal
            .open_shift_with(lane, &setup.config.store.cashier, &Count::default(), now)
            .map_err(|e| Outcome::fail(1, format!("qrtill: {e}")))?;
    }
    Ok(())
}

fn bad(message: impl std::fmt::Display) -> Outcome {
    Outcome::fail(EXIT_BAD_INPUT, format!("qrtill: {message}"))
}

/// The supervisor approval an amount needs above a threshold: the supervisor's id and the
/// supervisor PIN (`qrtill pin set`), read from `--pin-file` and checked with the PIN's lockout.
fn approval(
    setup: &Setup,
    amount_minor: i64,
    threshold: i64,
    supervisor: Option<&str>,
    pin_file: Option<&std::path::Path>,
    what: &str,
    now: Timestamp,
) -> Result<Option<String>, Outcome> {
    let currency = setup.config.currency();
    if !needs_pin(amount_minor, threshold) {
        return Ok(supervisor.map(str::to_string));
    }
    let need = || {
        Outcome::fail(
            1,
            format!(
                "qrtill: {what} above {} needs a supervisor: --supervisor ID --pin-file FILE (nothing recorded)",
                crate::shift::minor_text(threshold, currency)
            ),
        )
    };
    let (Some(who), Some(path)) = (supervisor.filter(|s| !s.trim().is_empty()), pin_file) else {
        return Err(need());
    };
    let entered = std::fs::read_to_string(path)
        .map(|t| t.lines().next().unwrap_or("").trim().to_string())
        .map_err(|e| bad(format!("--pin-file {}: {e}", path.display())))?;
    let hash = crate::pin::load(&setup.data_dir).map_err(bad)?;
    let mut gate = crate::pin::PinGate::resume(hash, crate::pin::load_lock(&setup.data_dir));
    let checked = gate.check(&entered, now);
    crate::pin::save_lock(&setup.data_dir, gate.state())
        .map_err(|e| Outcome::fail(1, format!("qrtill: {e} (nothing recorded)")))?;
    match checked {
        crate::pin::PinCheck::Accepted => Ok(Some(who.trim().to_string())),
        crate::pin::PinCheck::NotSet => Err(bad(
            "no supervisor PIN is set: run `qrtill pin set` (nothing recorded)",
        )),
        crate::pin::PinCheck::Wrong { left } => Err(bad(format!(
            "wrong supervisor PIN: nothing recorded ({left} more tries before the lock)"
        ))),
        crate::pin::PinCheck::Locked { .. } => Err(bad(
            "PIN entry is locked after too many wrong entries: try again later (nothing recorded)",
        )),
    }
}

pub fn run(setup: &Setup, cmd: &ShiftCommand) -> Outcome {
    if let Err(o) = setup.ensure_data_dir() {
        return o;
    }
    let mut journal = match Journal::open(&setup.journal_path()) {
        Ok(j) => j,
        Err(e) => return super::journal_failure(e),
    };
    let now = super::virtual_start(&journal);
    let config = &setup.config;
    let currency = config.currency();
    let lane = config.store.lane_id.clone();
    let denominations = match config.drawer.denominations_minor(currency) {
        Ok(d) => d,
        Err(e) => return bad(e),
    };
    let me = |by: &Option<String>| by.clone().unwrap_or_else(|| config.store.cashier.clone());
    match cmd {
        ShiftCommand::Open { cashier, float } => {
            let float = match Count::parse(float, &denominations, currency) {
                Ok(c) => c,
                Err(e) => return bad(format!("--float: {e}")),
            };
            match journal.open_shift_with(&lane, &me(cashier), &float, now) {
                Ok(s) => Outcome::ok(format!(
                    "shift {} open on lane {lane}: cashier {}, float {}\n",
                    s.id,
                    s.cashier,
                    crate::shift::minor_text(float.total_minor(), currency)
                )),
                Err(e) => Outcome::fail(1, format!("qrtill: {e}")),
            }
        }
        ShiftCommand::PaidIn(a) | ShiftCommand::PaidOut(a) => {
            let (kind, what) = match cmd {
                ShiftCommand::PaidIn(_) => (MoveKind::PaidIn, "a paid-in"),
                _ => (MoveKind::PaidOut, "a paid-out"),
            };
            let amount = match Money::parse(&a.amount, currency) {
                Ok(m) if !m.is_zero() => m.to_minor(),
                Ok(_) => return bad("the amount must be above zero"),
                Err(e) => return bad(e),
            };
            if a.reason.trim().is_empty() {
                return bad("--reason must say why");
            }
            let threshold = match config.drawer.pin_above_minor(currency) {
                Ok(t) => t,
                Err(e) => return bad(e),
            };
            let approved_by = match approval(
                setup,
                amount,
                threshold,
                a.supervisor.as_deref(),
                a.pin_file.as_deref(),
                what,
                now,
            ) {
                Ok(s) => s,
                Err(o) => return o,
            };
            let mv = CashMove {
                kind,
                at: now,
                by: me(&a.by),
                approved_by,
                amount_minor: amount,
                reason: a.reason.trim().to_string(),
            };
            match journal.record_move(&lane, &mv) {
                Ok(()) => Outcome::ok(format!(
                    "{} {} recorded: {}\n",
                    kind.as_str(),
                    crate::shift::minor_text(amount, currency),
                    mv.reason
                )),
                Err(e) => Outcome::fail(1, format!("qrtill: {e}")),
            }
        }
        ShiftCommand::NoSale { reason, by } => {
            if reason.trim().is_empty() {
                return bad("--reason must say why");
            }
            let mv = CashMove {
                kind: MoveKind::NoSale,
                at: now,
                by: me(by),
                approved_by: None,
                amount_minor: 0,
                reason: reason.trim().to_string(),
            };
            match journal.record_move(&lane, &mv) {
                Ok(()) => Outcome::ok("no-sale drawer opening recorded\n"),
                Err(e) => Outcome::fail(1, format!("qrtill: {e}")),
            }
        }
        ShiftCommand::Close {
            count,
            by,
            supervisor,
            pin_file,
            format,
        } => {
            // Refused before the count is written: the picture is `report z --format png -o F`.
            if *format == ReportFormat::Png {
                return bad(
                    "shift close prints the Z as text, json or csv; draw it afterwards with `qrtill report z --format png -o z.png`",
                );
            }
            let counted = match Count::parse(count, &denominations, currency) {
                Ok(c) => c,
                Err(e) => return bad(format!("--count: {e}")),
            };
            // The variance is checked before anything is written: an X report gives it.
            let expected = match crate::report::x_report(&journal, config, now) {
                Ok(Some(r)) => r.cash_expected,
                Ok(None) => {
                    return Outcome::fail(1, format!("qrtill: no shift is open on lane {lane}"));
                }
                Err(e) => return Outcome::fail(1, format!("qrtill: {e}")),
            };
            let counted_money = Money::from_minor(counted.total_minor(), currency)
                .map(|m| m.amount())
                .unwrap_or_default();
            let variance = Money::new(counted_money - expected, currency)
                .map(|m| m.to_minor())
                .unwrap_or(i64::MAX);
            let threshold = match config.drawer.variance_pin_above_minor(currency) {
                Ok(t) => t,
                Err(e) => return bad(e),
            };
            let approved_by = match approval(
                setup,
                variance,
                threshold,
                supervisor.as_deref(),
                pin_file.as_deref(),
                "a cash variance",
                now,
            ) {
                Ok(s) => s,
                Err(o) => return o,
            };
            match crate::report::close_with_z(
                &mut journal,
                config,
                &counted,
                &me(by),
                approved_by.as_deref(),
                now,
            ) {
                Ok((_, report)) => Outcome::ok(render(&report, *format, setup)),
                Err(e) => Outcome::fail(1, format!("qrtill: {e}")),
            }
        }
    }
}
