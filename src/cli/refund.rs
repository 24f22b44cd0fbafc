//! `qrtill refund SALE (--all | --line N:QTY ...) --reason TEXT [--pin-file FILE]`: a refund
//! headless, on the simulated network's virtual time (as `reconcile`). Refunds left open by an
//! earlier run are asked again first (same id). Exit 0 prints the refund slip; exit 2 when the
//! PIN is missing or wrong, or the input is bad (nothing refunded); exit 1 when the refund
//! goes beyond what is left (the message says what is left), or the network refused it.

use super::args::{Cli, ReceiptFormat};
use super::{EXIT_BAD_INPUT, Outcome, Setup};
use crate::checkout::refund::desk::{self, DeskError, RefundOrder};
use crate::checkout::refund::slip::refund_slip;
use crate::checkout::refund::{Choice, PlanError, Status};
use crate::journal::{Journal, RefundKind};
use crate::money::Money;
use crate::pin::{PinCheck, PinGate};
use crate::receipt::{EscPosOptions, PaperWidth, PrinterCharset};
use crate::runtime::ScreenPrinter;
use std::path::{Path, PathBuf};
use std::sync::Arc;

#[derive(Debug, clap::Args)]
#[command(group(clap::ArgGroup::new("what").required(true).args(["all", "line", "void"])))]
pub struct RefundArgs {
    /// The sale number on this lane.
    pub sale: u64,
    /// Refund everything still left on the sale.
    #[arg(long)]
    pub all: bool,
    /// A line (1-based, as on the receipt) and how many units: `2:1`. Repeatable.
    #[arg(long, value_name = "N:QTY")]
    pub line: Vec<String>,
    /// One of the reasons in config (`[refund] reasons`).
    #[arg(long)]
    pub reason: String,
    /// A file whose first line is the supervisor PIN.
    #[arg(long, value_name = "FILE")]
    pub pin_file: Option<PathBuf>,
    /// Post-void the whole sale (same business day): cancels the wallet payment if allowed.
    #[arg(long, conflicts_with = "line")]
    pub void: bool,
    /// Give the money back in cash whatever the tender (after a wallet refused).
    #[arg(long)]
    pub cash: bool,
    #[arg(long, value_enum, default_value_t = ReceiptFormat::Text)]
    pub format: ReceiptFormat,
    /// Paper width in columns: 32, 42 or 48 (default: the configured width).
    #[arg(long)]
    pub width: Option<u32>,
}

fn bad(message: String) -> Outcome {
    Outcome::fail(EXIT_BAD_INPUT, format!("qrtill: {message}"))
}

/// `N:QTY` with N 1-based.
fn parse_line(text: &str) -> Result<(u32, u32), String> {
    let (n, q) = text
        .split_once(':')
        .ok_or_else(|| format!("--line {text}: write LINE:QTY, e.g. 2:1"))?;
    let n: u32 = n
        .trim()
        .parse()
        .ok()
        .filter(|n| *n >= 1)
        .ok_or_else(|| format!("--line {text}: the line number starts at 1"))?;
    let q: u32 =
        q.trim().parse().ok().filter(|q| *q >= 1).ok_or_else(|| {
            format!("--line {text}: the quantity is a whole number of at least 1")
        })?;
    Ok((n - 1, q))
}

fn read_pin(path: &Path) -> Result<String, String> {
    let text =
        std::fs::read_to_string(path).map_err(|e| format!("--pin-file {}: {e}", path.display()))?;
    Ok(text.lines().next().unwrap_or("").trim().to_string())
}

pub fn run(cli: &Cli, setup: &Setup, args: &RefundArgs) -> Outcome {
    let policy = &setup.config.refund;
    // Checked before anything is refunded: the slip is printed only after the money moved.
    if args.format == ReceiptFormat::Png {
        return bad(
            "a refund slip prints as text or escpos (--format png is for sale receipts)".into(),
        );
    }
    let reason = match policy.reason(&args.reason) {
        Ok(r) => r,
        Err(e) => return bad(e),
    };
    let choice = if args.all || args.void {
        Choice::Whole
    } else {
        match args.line.iter().map(|l| parse_line(l)).collect() {
            Ok(lines) => Choice::Lines(lines),
            Err(e) => return bad(e),
        }
    };
    let width = match args.width.map(PaperWidth::from_columns).transpose() {
        Ok(w) => w.unwrap_or_else(|| {
            PaperWidth::from_columns(u32::from(setup.config.receipt.width)).unwrap_or_default()
        }),
        Err(e) => return bad(e.to_string()),
    };
    let catalog = match super::counter::load_catalog(cli, setup) {
        Ok(c) => Arc::new(c),
        Err(o) => return o,
    };
    let journal = match Journal::open(&setup.journal_path()) {
        Ok(j) => j,
        Err(e) => return super::journal_failure(e),
    };
    let network = match super::counter::open_network(cli, setup) {
        Ok(n) => n,
        Err(o) => return o,
    };
    let clock = super::command_clock(&setup.config, &journal);
    let mut rt = crate::harness::assemble(
        &setup.config,
        catalog,
        journal,
        Box::new(ScreenPrinter::default()),
        network,
        clock,
    );
    // A lane of a store refunds through the network service that took the payment.
    crate::netserve::attach(&mut rt, &setup.config);
    // Own-lane refunds reserve in the store too, so no two lanes refund one sale past its total.
    match super::store::lane_pool(&setup.config) {
        Ok(Some(pool)) => rt.use_store(pool, crate::store::outbox::LaneId::of(&setup.config)),
        Ok(None) => {}
        Err(o) => return o,
    }
    let mut notes = String::new();
    match desk::resume_open(&mut rt, policy) {
        Ok(done) => {
            for (id, what) in done {
                notes.push_str(&format!("qrtill: open refund {id} asked again: {what}\n"));
            }
        }
        Err(e) => return Outcome::fail(1, format!("qrtill: {e}")),
    }
    let order = RefundOrder {
        lane_id: setup.config.store.lane_id.clone(),
        sale_no: args.sale,
        choice,
        reason,
        kind: if args.void {
            RefundKind::Void
        } else {
            RefundKind::Refund
        },
        cash_instead: args.cash,
    };
    let prepared = match desk::prepare(
        rt.journal(),
        &setup.config.tax,
        order,
        rt.now(),
        setup.config.store.utc_offset_minutes,
    ) {
        Ok(p) => p,
        Err(e) => return refused(e, notes),
    };
    if policy.needs_pin(prepared.plan.amount.amount()) {
        let Some(path) = &args.pin_file else {
            return bad(format!(
                "a refund of {} needs the supervisor PIN: --pin-file FILE (nothing refunded)",
                prepared.plan.amount
            ));
        };
        let entered = match read_pin(path) {
            Ok(p) => p,
            Err(e) => return bad(e),
        };
        let hash = match crate::pin::load(&setup.data_dir) {
            Ok(h) => h,
            Err(e) => return bad(e.to_string()),
        };
        // The lock holds across runs: the count and lock are saved beside the hash, on the
        // wall clock (this run's virtual clock starts there).
        let mut gate = PinGate::resume(hash, crate::pin::load_lock(&setup.data_dir));
        let checked = gate.check(&entered, rt.now());
        if let Err(e) = crate::pin::save_lock(&setup.data_dir, gate.state()) {
            return Outcome::fail(1, format!("qrtill: {e} (nothing refunded)"));
        }
        match checked {
            PinCheck::Accepted => {}
            PinCheck::NotSet => {
                return bad(
                    "no supervisor PIN is set: run `qrtill pin set` (nothing refunded)".into(),
                );
            }
            PinCheck::Wrong { left } => {
                tracing::warn!(sale_no = args.sale, "refund refused: wrong supervisor PIN");
                return bad(format!(
                    "wrong supervisor PIN: nothing refunded ({left} more tries before a {} s lock)",
                    crate::pin::LOCKOUT.as_secs()
                ));
            }
            PinCheck::Locked { until } => {
                let secs = until
                    .millis()
                    .saturating_sub(rt.now().millis())
                    .div_euclid(1000)
                    + 1;
                return bad(format!(
                    "PIN entry is locked after {} wrong entries: try again in {secs} s (nothing refunded)",
                    crate::pin::MAX_WRONG
                ));
            }
        }
    }
    let done = match desk::run(&mut rt, prepared, policy) {
        Ok(d) => d,
        Err(e) => return refused(e, notes),
    };
    let so_far = rt
        .journal()
        .refunded_total(&done.sale.lane_id, done.sale.sale_no)
        .ok()
        .flatten()
        .unwrap_or(Money::zero(done.sale.total.currency()));
    let slip = refund_slip(
        &setup.config,
        &done.sale,
        &done.record,
        Some(&done.status),
        so_far,
    );
    let stdout = match args.format {
        // Png was refused before the refund.
        ReceiptFormat::Text | ReceiptFormat::Png => {
            crate::receipt::refund::render_refund_text(&slip, width).into_bytes()
        }
        ReceiptFormat::Escpos => {
            let charset = setup
                .config
                .printer
                .charset
                .parse::<PrinterCharset>()
                .unwrap_or_default();
            let opts = EscPosOptions {
                width,
                charset,
                reprint: false,
                text: setup.config.printer.text.parse().unwrap_or_default(),
            };
            match crate::receipt::refund::render_refund_escpos(&slip, opts) {
                Ok(r) => r.bytes,
                Err(e) => return Outcome::fail(1, format!("qrtill: {e}")),
            }
        }
    };
    let (code, message) = match &done.status {
        Status::Settled { .. } => (0, None),
        Status::Refused {
            code, offer_cash, ..
        } => {
            let cash = if *offer_cash {
                " The store offers cash instead: run again with --cash."
            } else {
                ""
            };
            (
                1,
                Some(format!(
                    "qrtill: refund refused: {code}: {}{cash}",
                    code.cashier_advice()
                )),
            )
        }
        other => (1, Some(format!("qrtill: refund {}", desk::describe(other)))),
    };
    Outcome {
        stdout,
        stderr: Some(format!("{notes}{}", message.unwrap_or_default())).filter(|s| !s.is_empty()),
        code,
    }
}

/// A refund that could not start: over the remainder (exit 1, saying what is left), or input
/// the journal cannot match (exit 2).
fn refused(e: DeskError, notes: String) -> Outcome {
    let code = match &e {
        DeskError::Plan(PlanError::OverRemainder { .. })
        | DeskError::Plan(PlanError::NothingLeft(_))
        | DeskError::Void(_)
        | DeskError::Journal(_)
        | DeskError::IdTaken(_)
        | DeskError::Store(_) => 1,
        DeskError::NoSuchSale { .. } | DeskError::Plan(_) | DeskError::Money(_) => EXIT_BAD_INPUT,
    };
    Outcome::fail(code, format!("{notes}qrtill: {e} (nothing refunded)"))
}
