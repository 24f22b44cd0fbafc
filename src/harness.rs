//! Builds a counter without a terminal: the headless `qrtill simulate` runner, the integration
//! tests and the benchmarks all use it, so they drive exactly the runtime the TUI drives.

use crate::catalog::Catalog;
use crate::checkout::payment::PollPlans;
use crate::checkout::{Action, Checkout, CheckoutSettings};
use crate::clock::{Clock, ManualClock, Timestamp};
use crate::config::Config;
use crate::journal::Journal;
use crate::money::fx::FxTable;
use crate::network::{LedgerStore, Network, WalletBook};
use crate::runtime::{ReceiptPrinter, Runtime, ScreenPrinter};
use std::sync::Arc;

/// The network seed of the demo and the tests (the same seed replays the same latencies).
pub const DEMO_SEED: u64 = 7;

/// 2026-11-21 14:32:05 in San Francisco (UTC-8): the demo's fixed start time.
pub const DEMO_START: Timestamp = Timestamp(1_795_300_325_000);

/// The embedded demo catalogue, checked against `config`'s tax categories.
pub fn demo_catalog(config: &Config) -> Result<Catalog, crate::catalog::CatalogError> {
    crate::catalog::demo(&config.tax.codes(), config.currency())
}

/// The checkout's settings from the store configuration and the wallet book's poll profiles.
pub fn settings(config: &Config, network: &Network) -> CheckoutSettings {
    CheckoutSettings {
        store_id: config.store.store_id.clone(),
        lane_id: config.store.lane_id.clone(),
        currency: config.currency(),
        tax: config.tax.clone(),
        merchant: config.merchant_qr_info(),
        plans: PollPlans::from_book(network.book()),
    }
}

/// Assembles a counter: the one way the binary, the headless runner and the tests build it.
pub fn assemble<C: Clock>(
    config: &Config,
    catalog: Arc<Catalog>,
    journal: Journal,
    printer: Box<dyn ReceiptPrinter>,
    network: Network,
    clock: C,
) -> Runtime<C> {
    let checkout = Checkout::new(settings(config, &network), catalog);
    Runtime::new(checkout, clock, journal, printer, network)
}

/// The simulated network with the embedded wallets and FX rates and an in-memory ledger.
pub fn demo_network(seed: u64) -> Result<Network, Box<dyn std::error::Error>> {
    Ok(Network::open(
        LedgerStore::in_memory()?,
        WalletBook::embedded()?,
        FxTable::embedded()?,
        seed,
    )?)
}

/// A counter on `config` and `catalog` with a manual clock at `DEMO_START` and the demo
/// network in memory.
pub fn runtime(
    config: &Config,
    catalog: Arc<Catalog>,
    journal: Journal,
    printer: Box<dyn ReceiptPrinter>,
) -> Result<Runtime<ManualClock>, Box<dyn std::error::Error>> {
    Ok(assemble(
        config,
        catalog,
        journal,
        printer,
        demo_network(DEMO_SEED)?,
        ManualClock::new(DEMO_START),
    ))
}

/// The demo counter with an in-memory journal and the on-screen printer.
pub fn demo_runtime() -> Result<Runtime<ManualClock>, Box<dyn std::error::Error>> {
    let config = Config::default();
    let catalog = Arc::new(demo_catalog(&config)?);
    runtime(
        &config,
        catalog,
        Journal::in_memory()?,
        Box::new(ScreenPrinter::default()),
    )
}

/// Types `text` key by key, as a scanner or a cashier would.
pub fn type_text<C: crate::clock::Clock>(rt: &mut Runtime<C>, text: &str) {
    for c in text.chars() {
        rt.dispatch(Action::Char(c));
    }
}

/// Scans a barcode: its digits, then Enter.
pub fn scan<C: crate::clock::Clock>(rt: &mut Runtime<C>, barcode: &str) {
    type_text(rt, barcode);
    rt.dispatch(Action::Enter);
}

/// Shoppers whose wallet confirms on its own and whom no risk rule stops: they make a
/// scripted payment-code sale complete without anyone at the phone.
pub fn easy_shoppers(network: &Network) -> Vec<crate::network::ShopperId> {
    network
        .shoppers()
        .iter()
        .filter(|s| s.behaviour == crate::network::ConfirmBehaviour::AutoConfirm && !s.risk_flagged)
        .filter(|s| {
            network
                .book()
                .wallet(&s.wallet)
                .is_some_and(|w| w.supports(crate::network::WalletMode::PaymentCode))
        })
        .map(|s| s.id.clone())
        .collect()
}

/// Rings up `barcodes` and has `shopper` pay by payment code, advancing the virtual clock until
/// the wallet answers. Returns the committed sale's number, or what the pay screen said.
pub fn wallet_sale(
    rt: &mut Runtime<ManualClock>,
    shopper: &crate::network::ShopperId,
    barcodes: &[&str],
) -> Result<u64, String> {
    use crate::checkout::Screen;
    use crate::runtime::PhoneAction;
    use std::time::Duration;
    for b in barcodes {
        scan(rt, b);
    }
    rt.dispatch(Action::PayCode);
    rt.phone(shopper, PhoneAction::PresentCode)?;
    for _ in 0..120 {
        match &rt.checkout.screen {
            Screen::Receipt { sale, .. } => {
                let n = sale.sale_no;
                rt.dispatch(Action::Enter);
                return Ok(n);
            }
            Screen::Pay(p) if p.status.is_final() => {
                let why = format!("{:?}", p.status);
                rt.dispatch(Action::Back);
                rt.dispatch(Action::ClearBasket);
                rt.dispatch(Action::Char('y'));
                return Err(why);
            }
            _ => rt.advance(Duration::from_millis(500)),
        }
    }
    Err("no outcome within 60 s".into())
}

/// Tops `shopper` up to ten times the wallet's payment limit once the balance falls below the
/// limit, so long scripted runs never decline for lack of funds (in any currency: IDR or CNY).
pub fn keep_funded(rt: &mut Runtime<ManualClock>, shopper: &crate::network::ShopperId) {
    let network = rt.network();
    let Some(limit) = network
        .book()
        .shopper(shopper)
        .and_then(|s| network.book().wallet(&s.wallet))
        .map(|w| w.max_amount)
    else {
        return;
    };
    let Some(balance) = network.balance(shopper) else {
        return;
    };
    if balance.amount() >= limit {
        return;
    }
    let now = rt.now();
    if let Ok(top) =
        crate::money::Money::new(limit * crate::money::Decimal::TEN, balance.currency())
    {
        let _ = rt.network_mut().set_balance(shopper, top, now);
    }
}
