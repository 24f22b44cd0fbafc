//! Command-line arguments. With no subcommand, qrtill opens the counter.

use clap::{Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "qrtill",
    version,
    about = "A point-of-sale counter in the terminal"
)]
pub struct Cli {
    /// Data directory (journal, network ledger, logs, config.toml). Also QRTILL_DATA.
    #[arg(long, global = true, value_name = "DIR")]
    pub data: Option<PathBuf>,
    /// Config file over the embedded defaults (default: DATA/config.toml if it exists).
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Catalogue file (TOML or CSV) instead of the embedded demo catalogue.
    #[arg(long, global = true, value_name = "FILE")]
    pub catalog: Option<PathBuf>,
    /// Printer target: screen, file:PATH, device:/dev/usb/lp0 or tcp:HOST:9100.
    #[arg(long, global = true, value_name = "TARGET")]
    pub printer: Option<String>,
    /// FX rates file (TOML) instead of the embedded assets/fx-rates.toml.
    #[arg(long, global = true, value_name = "FILE")]
    pub fx: Option<PathBuf>,
    /// Seed of the simulated payment network (latencies, ids); the same seed replays the same run.
    #[arg(long, global = true, default_value_t = 7)]
    pub seed: u64,
    /// Serve the web phone at PORT or ADDR:PORT (loopback when only a port is given); the
    /// counter's QR then carries the page's URL. Also `[web_phone] listen` in the config.
    #[arg(long, value_name = "ADDR:PORT")]
    pub web_phone: Option<String>,
    /// Training mode: a separate journal and ledger (DATA/journal-training.sqlite), receipts
    /// marked "TRAINING — NOT A RECEIPT", the drawer never kicked, a watermark on every screen.
    #[arg(long, global = true)]
    pub training: bool,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print a stored receipt to stdout.
    Receipt(ReceiptArgs),
    /// List this lane's sales, oldest first, with what was refunded of each.
    Sales(SalesArgs),
    /// Work with catalogue files.
    #[command(subcommand)]
    Catalog(CatalogCommand),
    /// Ring up N demo cash sales headless (virtual clock) into the journal.
    Simulate(SimulateArgs),
    /// Resolve open payment attempts, then compare the journal with the network's ledger
    /// (exit 1 when they disagree).
    Reconcile {
        /// Only compare: open both files read-only and recover nothing.
        #[arg(long)]
        dry_run: bool,
        /// With --dry-run: the network ledger to compare with, e.g. the network service's
        /// `SERVICE_DATA/network.sqlite` for a lane of a store (default: this data directory's).
        #[arg(long, value_name = "FILE", requires = "dry_run")]
        ledger: Option<std::path::PathBuf>,
    },
    /// Decode, verify, encode and draw EMV QR payloads.
    #[command(subcommand)]
    Qr(QrCommand),
    /// The customer-facing display of the counter running on this data directory.
    Display,
    /// The shopper's phone on a terminal of its own, attached to the running counter.
    Phone {
        /// Start as this shopper (an id from the wallet book; ←/→ switch).
        #[arg(long)]
        shopper: Option<String>,
    },
    /// Print the X report (open shift) or a Z report: `report x`, `report z [N]`.
    Report(super::report::ReportArgs),
    /// Open a shift, pay cash in or out, log a no-sale, close with a blind count (writes the Z).
    #[command(subcommand)]
    Shift(super::shift::ShiftCommand),
    /// Match a settlement file against the journal and Z reports (exit 1 when anything
    /// differs), or `--write` the simulated network's settlement files.
    Settle(super::settle::SettleArgs),
    /// Refund a sale (all of it or chosen lines) by its original tender; prints the refund
    /// slip. Exit 2: no or wrong PIN (nothing refunded); exit 1: over what is left, or refused.
    Refund(super::refund::RefundArgs),
    /// The supervisor PIN that refunds and post-voids need.
    #[command(subcommand)]
    Pin(super::pin::PinCommand),
    /// Play scenario files headless on the virtual clock and check their expectations.
    Play(PlayArgs),
    /// Play scenario files in the counter's screen at human speed, with a caption bar.
    Demo(DemoArgs),
    /// The simulated payment network as a service for several lanes.
    #[command(subcommand)]
    Network(NetworkCommand),
    /// The store ledger on PostgreSQL (`store.url` in the config, or --url).
    Store(StoreArgs),
}

#[derive(Debug, clap::Args)]
pub struct PlayArgs {
    /// Scenario files (TOML, docs/scenarios.md).
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Write the event log (one JSON object per line) to FILE, or `-` for stdout.
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
pub struct DemoArgs {
    /// Scenario files (default: the demo scripts in assets/scenarios/demo).
    pub files: Vec<PathBuf>,
    /// Start again from the first file after the last one, until a person quits (Ctrl-Q).
    #[arg(long = "loop")]
    pub repeat: bool,
    /// Pace: 1 is human speed, 2 twice as fast, 0.5 half as fast.
    #[arg(long, default_value = "1")]
    pub speed: String,
}

#[derive(Debug, clap::Args)]
pub struct StoreArgs {
    /// The store database, over `store.url` from the config.
    #[arg(long, value_name = "postgres://…")]
    pub url: Option<String>,
    #[command(subcommand)]
    pub command: StoreCommand,
}

#[derive(Debug, Subcommand)]
pub enum StoreCommand {
    /// Create or upgrade the store schema (versioned migrations).
    Init,
    /// Copy this lane's journal to the store now, once (the counter does it continuously).
    Sync,
    /// Each lane's replication lag and last contact.
    Lanes,
    /// Store reports over every lane.
    #[command(subcommand)]
    Report(StoreReport),
    /// The central catalogue: its newest version and which lanes sell from which (`import
    /// FILE` adds a version).
    Catalog {
        #[command(subcommand)]
        command: Option<StoreCatalogCommand>,
    },
}

#[derive(Debug, Subcommand)]
pub enum StoreCatalogCommand {
    /// Check FILE (.toml or .csv) with the counter's loader and store it as the next version.
    Import { file: PathBuf },
    /// The newest version, its item count, and the version each lane reports.
    Status,
}

#[derive(Debug, Subcommand)]
pub enum StoreReport {
    /// The store's Z report for a business date, from the aggregates the store keeps.
    Z {
        /// Business date, YYYY-MM-DD (the store's local day).
        #[arg(long)]
        date: String,
        #[arg(long, value_enum, default_value_t = StoreFormat::Text)]
        format: StoreFormat,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum StoreFormat {
    Text,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum NetworkCommand {
    /// Run the acquirer, wallets and card issuer behind an HTTP JSON API (ledger in
    /// DATA/network.sqlite); lanes point at it with `network.url` in their config.
    Serve {
        /// Address to listen on (port 0: any free port; the chosen one is printed).
        #[arg(long, default_value = "127.0.0.1:8700")]
        listen: String,
    },
}

#[derive(Debug, clap::Args)]
pub struct ReceiptArgs {
    /// `last`, a sale number on this lane, or a payment request id (an attempt that was not paid
    /// prints a NOT PAID slip).
    pub which: String,
    #[arg(long, value_enum, default_value_t = ReceiptFormat::Text)]
    pub format: ReceiptFormat,
    /// Paper width in columns: 32, 42 or 48 (default: the configured width).
    #[arg(long)]
    pub width: Option<u32>,
    /// Second language: en, zh-Hans, zh-Hant or ko (default: by the shopper's wallet).
    #[arg(long)]
    pub lang: Option<String>,
    /// Send the receipt (ESC/POS) to the printer target (`--printer` or the config) instead of
    /// stdout: a reprint on paper.
    #[arg(long)]
    pub print: bool,
    /// Write the receipt to FILE instead of stdout (`--format png` on a terminal needs it).
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReceiptFormat {
    Text,
    Escpos,
    /// A 1-bit PNG picture of the slip at 8 dots/mm, as the printer lays it out.
    Png,
}

#[derive(Debug, Subcommand)]
pub enum CatalogCommand {
    /// Validate a catalogue (TOML or CSV); every problem is listed with its line.
    Check { file: PathBuf },
}

#[derive(Debug, Subcommand)]
pub enum QrCommand {
    /// Decode an MPM payload, a CPM base64 string or a payment code to JSON.
    Decode { payload: String },
    /// Like decode, but exit 1 when any rule of the standard is broken.
    Verify { payload: String },
    /// Print a dynamic MPM payload for the configured merchant.
    Encode {
        #[arg(long)]
        amount: String,
        #[arg(long)]
        currency: Option<String>,
        #[arg(long)]
        bill: Option<String>,
    },
    /// Draw any payload as a QR code in the terminal.
    Show { payload: String },
}

#[derive(Debug, clap::Args)]
pub struct SimulateArgs {
    /// How many sales to ring up.
    #[arg(long, default_value_t = 10)]
    pub sales: u64,
    /// Seed for the basket generator (the same seed gives the same baskets).
    #[arg(long, default_value_t = 7)]
    pub basket_seed: u64,
    /// Pay by wallet payment code (shoppers that confirm on their own) instead of cash.
    #[arg(long)]
    pub wallet: bool,
    /// Mixed flows, seeded by --basket-seed: cash, wallet QR, payment code and card, with
    /// shoppers who confirm late, go offline, refuse or are risk-rejected.
    #[arg(long, conflicts_with = "wallet")]
    pub mix: bool,
}

#[derive(Debug, clap::Args)]
pub struct SalesArgs {
    /// First day to list (YYYY-MM-DD, in the store's UTC offset).
    #[arg(long, value_name = "DATE")]
    pub since: Option<String>,
    /// Last day to list, included (YYYY-MM-DD).
    #[arg(long, value_name = "DATE")]
    pub until: Option<String>,
    /// Only this tender: cash, card, wallet, or a wallet (alipay, kakaopay, wechatpay …).
    #[arg(long, value_name = "T")]
    pub tender: Option<String>,
    #[arg(long, value_enum, default_value_t = SalesFormat::Text)]
    pub format: SalesFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SalesFormat {
    Text,
    Json,
    Csv,
}
