//! `qrtill` with no subcommand: the counter in the terminal.

use super::args::Cli;
use super::{EXIT_BAD_INPUT, Outcome, Setup};
use crate::clock::SystemClock;
use crate::journal::Journal;
use crate::runtime::ScreenPrinter;
use std::sync::Arc;

pub fn run(cli: &Cli, setup: &Setup) -> Outcome {
    if let Err(o) = setup.ensure_data_dir() {
        return o;
    }
    let _log_guard = init_logging(setup);
    let config = &setup.config;
    let (catalog, catalog_version) = match super::store_catalog::lane_catalog(cli, setup) {
        Ok(c) => c,
        Err(o) => return o,
    };
    let printer = match printer_for(cli, setup) {
        Ok(p) => p,
        Err(o) => return o,
    };
    let journal = match Journal::open(&setup.journal_path()) {
        Ok(j) => j,
        Err(e) => return super::journal_failure(e),
    };
    let network = match open_network(cli, setup) {
        Ok(n) => n,
        Err(o) => return o,
    };
    // After `simulate` (virtual time) the journal may hold entries ahead of the wall clock.
    let clock = SystemClock::not_before(journal.latest_time().ok().flatten());
    let mut runtime =
        crate::harness::assemble(config, Arc::new(catalog), journal, printer, network, clock);
    crate::netserve::attach(&mut runtime, config);
    // One pool of store connections for the lane: refunds, the catalogue watch, replication.
    let store = match super::store::lane_pool(config) {
        Ok(p) => p,
        Err(o) => return o,
    };
    if let Some(pool) = &store {
        runtime.use_store(pool.clone(), crate::store::outbox::LaneId::of(config));
    }
    runtime.checkout.set_catalog_version(catalog_version);
    // Newer store catalogues are taken up between sales while the counter runs.
    let _catalog_watch = match super::store_catalog::watch(cli, setup, store.as_ref(), &mut runtime)
    {
        Ok(w) => w,
        Err(o) => return o,
    };
    // The training key reopens the other mode's books (cli/counter_books.rs).
    let books = super::counter_books::CounterBooks::new(cli, setup);
    runtime.set_books(Box::new(books), setup.training);
    for r in runtime.recover() {
        tracing::warn!(?r, "attempt left open by the last run resolved");
    }
    crate::checkout::refund::desk::log_resumed(&mut runtime, &config.refund);
    // The refund screen's PIN gate, with the wrong entries and lock `qrtill refund` saved.
    runtime.open_refund_desk(config.refund.clone(), &setup.data_dir);
    // Selling starts with an open shift; training sells outside shifts and reports.
    runtime.checkout.require_shift(!setup.training);
    tracing::info!(data = %setup.data_dir.display(), "counter open");
    // Runs until the counter exits; the journal stays the record, PostgreSQL only a copy.
    let replicator = match &store {
        Some(pool) => match crate::store::Replicator::spawn(
            pool.clone(),
            setup.journal_path(),
            crate::store::outbox::LaneId::of(config),
        ) {
            Ok(r) => Some(r),
            Err(e) => return Outcome::fail(1, format!("qrtill: store replication: {e}")),
        },
        None => None,
    };
    if let Some(r) = &replicator {
        runtime.watch_store_status(r.handle());
    }

    run_terminal(
        &mut runtime,
        config,
        replicator.as_ref().map(|r| r.handle()),
        &|rt, inject| crate::link::attach::attach(rt, inject, cli, setup),
        setup.training,
    )
}

/// The counter in the real terminal until Ctrl-Q or a stop signal, then the terminal restored.
/// A stop signal (SIGTERM, SIGHUP, SIGINT) exits with 128 + its number, as a shell reports a
/// process the signal ended (143 for SIGTERM, 129 for SIGHUP); an open payment is left as
/// journaled, for the next start or `qrtill reconcile` to resolve.
fn run_terminal(
    runtime: &mut crate::runtime::Runtime<SystemClock>,
    config: &crate::config::Config,
    store: Option<crate::store::StatusHandle>,
    screens: &crate::link::attach::AttachScreens<'_>,
    training: bool,
) -> Outcome {
    use crate::ui::app::{self, Exit};
    use ratatui::crossterm::event::{DisableBracketedPaste, EnableBracketedPaste};
    use ratatui::crossterm::execute;
    // Signals first: one that arrives from here on ends the loop instead of the process.
    let mut events = match crate::ui::events::TerminalEvents::start() {
        Ok(e) => e,
        Err(e) => return Outcome::fail(1, format!("qrtill: cannot watch input and signals: {e}")),
    };
    // Second screens and the web phone send their actions into the same input channel.
    if let Err(o) = screens(runtime, events.injector()) {
        return o;
    }
    let mut panes = crate::ui::Panes {
        no_color: crate::ui::Panes::no_color_from(std::env::var_os("NO_COLOR").as_deref()),
        store,
        receipt_picture: crate::ui::receipt_picture::ReceiptPicture::from_env(),
        training,
        ..Default::default()
    };
    // ratatui::init installs a panic hook that restores the terminal before the panic message.
    let mut terminal = ratatui::init();
    // A paste arrives as one event (not as keys), so the loop can refuse it whole.
    if let Err(e) = execute!(std::io::stdout(), EnableBracketedPaste) {
        tracing::warn!(error = %e, "bracketed paste not enabled");
    }
    let result = app::run(&mut terminal, runtime, config, &mut events, &mut panes);
    // After SIGHUP the terminal may be gone: a failed restore is logged, never a panic.
    if let Err(e) = execute!(std::io::stdout(), DisableBracketedPaste) {
        tracing::warn!(error = %e, "bracketed paste not disabled");
    }
    if let Err(e) = ratatui::try_restore() {
        tracing::warn!(error = %e, "terminal not restored");
    }
    match result {
        Ok(Exit::Quit | Exit::Closed) => Outcome::ok(String::new()),
        Ok(Exit::Signal(n)) => {
            tracing::info!(signal = n, "counter closed by a signal");
            Outcome {
                stdout: Vec::new(),
                stderr: None,
                code: 128 + n,
            }
        }
        Err(e) => Outcome::fail(1, format!("qrtill: terminal error: {e}")),
    }
}

/// The receipt printer of `setup`'s mode: in training every job is a reprint (no drawer kick)
/// and the receipt is headed by the training notice (`setup.config`).
pub fn printer_for(
    cli: &Cli,
    setup: &Setup,
) -> Result<Box<dyn crate::runtime::ReceiptPrinter>, Outcome> {
    let printer: Box<dyn crate::runtime::ReceiptPrinter> =
        match setup.printer_target(cli.printer.as_deref())? {
            crate::printer::PrinterTarget::Screen => Box::new(ScreenPrinter::default()),
            target => Box::new(super::spool::Spool::new(target, &setup.config)),
        };
    Ok(if setup.training {
        Box::new(crate::ui::training_mode::TrainingPrinter(printer))
    } else {
        printer
    })
}

/// Loads `--catalog FILE` or the embedded demo catalogue, checked against the store's taxes.
pub fn load_catalog(cli: &Cli, setup: &Setup) -> Result<crate::catalog::Catalog, Outcome> {
    let codes = setup.config.tax.codes();
    let currency = setup.config.currency();
    let loaded = match &cli.catalog {
        // Parsed once per change of the file; later starts read DATA/cache (see README).
        Some(path) => crate::catalog::open_cached(path, &codes, currency, &setup.cache_dir()),
        None => crate::catalog::demo(&codes, currency),
    };
    loaded.map_err(|e| Outcome::fail(EXIT_BAD_INPUT, format!("qrtill: bad catalogue\n{e}")))
}

/// Logs go to DATA/qrtill.log (0600), never to the screen.
pub(super) fn init_logging(setup: &Setup) -> Option<tracing_appender::non_blocking::WorkerGuard> {
    // Created private first: the appender would create it 0644 and keeps an existing file's mode.
    crate::data_dir::create_private_file(&setup.data_dir.join("qrtill.log")).ok()?;
    let appender = tracing_appender::rolling::never(&setup.data_dir, "qrtill.log");
    let (writer, guard) = tracing_appender::non_blocking(appender);
    let filter = tracing_subscriber::EnvFilter::try_from_env("QRTILL_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_writer(writer)
        .with_ansi(false)
        .with_env_filter(filter)
        .try_init()
        .ok()?;
    Some(guard)
}

/// How the data directory's checks know the network's ledger file.
pub const NETWORK_LEDGER_FILE: crate::data_dir::StoreKind = crate::data_dir::StoreKind {
    label: "network ledger",
    // "QRTN": qrtill's network ledger.
    application_id: 0x5152_544E,
    supported: crate::network::ledger::SCHEMA_VERSION,
    schema_version: ledger_version,
};

/// The ledger keeps its version in its `meta` table; a file killed while being created may
/// have the tables without the row (version 0).
fn ledger_version(conn: &rusqlite::Connection) -> rusqlite::Result<Option<i64>> {
    use rusqlite::OptionalExtension;
    if !crate::data_dir::has_tables(conn, &["meta", "payments", "shoppers"])? {
        return Ok(None);
    }
    let text: Option<String> = conn
        .query_row(
            "SELECT value FROM meta WHERE key = 'schema_version'",
            [],
            |r| r.get(0),
        )
        .optional()?;
    // An unparsable version cannot be one this build wrote: treat it as newer.
    Ok(Some(text.map_or(0, |t| t.parse().unwrap_or(i64::MAX))))
}

/// The simulated payment network, its ledger in DATA/network.sqlite (it is another party, so it
/// keeps its own books), with `--fx FILE` over the embedded rates.
pub fn open_network(cli: &Cli, setup: &Setup) -> Result<crate::network::Network, Outcome> {
    use crate::money::fx::FxTable;
    use crate::network::{LedgerStore, Network, WalletBook};
    let bad = |e: String| Outcome::fail(EXIT_BAD_INPUT, format!("qrtill: {e}"));
    let fx = match &cli.fx {
        Some(path) => FxTable::load(path),
        None => FxTable::embedded(),
    }
    .map_err(|e| bad(e.to_string()))?;
    let book = WalletBook::embedded().map_err(|e| bad(e.to_string()))?;
    let path = setup.network_path();
    crate::data_dir::prepare(&path, &NETWORK_LEDGER_FILE).map_err(|e| bad(e.to_string()))?;
    let ledger = LedgerStore::open(&path)
        .map_err(|e| Outcome::fail(1, format!("qrtill: network ledger: {e}")))?;
    Network::open(ledger, book, fx, cli.seed)
        .map_err(|e| Outcome::fail(1, format!("qrtill: network: {e}")))
}
