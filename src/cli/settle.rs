//! `qrtill settle FILE [--format text|json]`: matches a wallet's or the acquirer's settlement
//! file against the journal and the Z reports; exit 1 when anything differs, 2 for a bad file.
//! `qrtill settle --write` has the simulated network write its settlement files (one per date
//! for the acquirer and for each wallet) into DATA/settlement/.

use super::{EXIT_BAD_INPUT, Outcome, Setup};
use crate::journal::Journal;
use crate::money::Money;
use crate::network::{LedgerStore, WalletBook};
use crate::settlement::{Row, RowType, fee_for, parse, settle, write_files};
use clap::ValueEnum;
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct SettleArgs {
    /// The settlement file to match (CSV, as `--write` produces).
    #[arg(required_unless_present = "write")]
    pub file: Option<PathBuf>,
    /// Write the network's settlement files instead of matching one.
    #[arg(long, conflicts_with = "file")]
    pub write: bool,
    /// Where `--write` puts the files (default: DATA/settlement).
    #[arg(long, requires = "write")]
    pub out: Option<PathBuf>,
    #[arg(long, value_enum, default_value_t = SettleFormat::Text)]
    pub format: SettleFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SettleFormat {
    Text,
    Json,
}

pub fn run(setup: &Setup, args: &SettleArgs) -> Outcome {
    let book = match WalletBook::embedded() {
        Ok(b) => b,
        Err(e) => return Outcome::fail(1, format!("qrtill: {e}")),
    };
    if args.write {
        return write(setup, &book, args);
    }
    let Some(path) = &args.file else {
        return Outcome::fail(EXIT_BAD_INPUT, "qrtill: settle needs a FILE or --write");
    };
    let file = match parse(path) {
        Ok(f) => f,
        Err(e) => return Outcome::fail(EXIT_BAD_INPUT, format!("qrtill: {e}")),
    };
    let jpath = setup.journal_path();
    if !jpath.is_file() {
        return Outcome::fail(1, format!("qrtill: no journal at {}", jpath.display()));
    }
    let journal = match Journal::open_read_only(&jpath) {
        Ok(j) => j,
        Err(e) => return super::journal_failure(e),
    };
    let settings = &setup.config.settlement;
    let expected_fee = |row: &Row| -> Option<Money> {
        match row.kind {
            RowType::Refund => Some(Money::zero(row.amount.currency())),
            RowType::Payment => {
                let id = book
                    .wallets()
                    .iter()
                    .find(|w| w.brand == row.wallet)?
                    .id
                    .0
                    .clone();
                Some(fee_for(row.amount, settings.rate_for(&id)))
            }
        }
    };
    let outcome = match settle(
        &file,
        &journal,
        &setup.config.store.lane_id,
        setup.config.store.utc_offset_minutes,
        &expected_fee,
    ) {
        Ok(o) => o,
        Err(e) => return Outcome::fail(1, format!("qrtill: {e}")),
    };
    let text = match args.format {
        SettleFormat::Json => serde_json::to_string_pretty(&outcome).unwrap_or_default() + "\n",
        SettleFormat::Text => {
            let cur = file.currency.code();
            let mut t = format!(
                "settlement {} {} ({})\n",
                outcome.date,
                outcome.wallet,
                path.display()
            );
            t.push_str(&format!(
                "matched payments {:>5}  {cur} {}\nmatched refunds  {:>5}  {cur} {}\nfees                    {cur} {}\nnet settled             {cur} {}\n",
                outcome.matched_payments,
                outcome.matched_payment_amount,
                outcome.matched_refunds,
                outcome.matched_refund_amount,
                outcome.fee_total,
                outcome.net_total
            ));
            for z in &outcome.by_z {
                let name = z.z.map_or("no Z yet".to_string(), |n| format!("Z{n}"));
                t.push_str(&format!(
                    "  in {name}: {} payments, {cur} {}\n",
                    z.count, z.amount
                ));
            }
            if outcome.mismatches.is_empty() {
                t.push_str("everything matches\n");
            } else {
                t.push_str(&format!("{} differences:\n", outcome.mismatches.len()));
                for m in &outcome.mismatches {
                    t.push_str(&format!("  {}\n", m.describe()));
                }
            }
            t
        }
    };
    Outcome {
        stdout: text.into_bytes(),
        stderr: None,
        code: if outcome.differs() { 1 } else { 0 },
    }
}

fn write(setup: &Setup, book: &WalletBook, args: &SettleArgs) -> Outcome {
    let lpath = setup.network_path();
    if !lpath.is_file() {
        return Outcome::fail(
            1,
            format!("qrtill: no network ledger at {}", lpath.display()),
        );
    }
    let ledger = match LedgerStore::open_read_only(&lpath) {
        Ok(l) => l,
        Err(e) => {
            return Outcome::fail(EXIT_BAD_INPUT, format!("qrtill: {}: {e}", lpath.display()));
        }
    };
    let dir = args
        .out
        .clone()
        .unwrap_or_else(|| setup.data_dir.join("settlement"));
    match write_files(
        &ledger,
        book,
        &setup.config.settlement,
        setup.config.currency(),
        setup.config.store.utc_offset_minutes,
        &setup.config.merchant.name,
        &dir,
    ) {
        Ok(paths) => Outcome::ok(
            paths
                .iter()
                .map(|p| format!("{}\n", p.display()))
                .collect::<String>(),
        ),
        Err(e) => Outcome::fail(1, format!("qrtill: {e}")),
    }
}
