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
        history: crate::checkout::history_filter::FilterContext {
            currency: config.currency(),
            utc_offset_minutes: config.store.utc_offset_minutes,
            brands: network
                .book()
                .wallets()
                .iter()
                .map(|w| w.brand.clone())
                .collect(),
        },
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
    let mut checkout = Checkout::new(settings(config, &network), catalog);
    checkout.set_refund_desk(config.refund.clone(), crate::pin::PinGate::new(None));
    // The lane's open shift as the journal has it (after a crash too); nothing is prompted
    // unless the counter asks for it (`ShiftDesk::required`).
    let open = match journal.open_shift(&config.store.lane_id) {
        Ok(open) => open.map(|s| crate::checkout::OpenShift {
            id: s.id,
            cashier: s.cashier,
        }),
        // Taken as none: the open screen then reports the journal's error when it writes.
        Err(e) => {
            tracing::error!(error = %e, "open shift not readable");
            None
        }
    };
    checkout.set_shift_desk(crate::checkout::ShiftDesk::from_config(config, open));
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
/// Through the runtime's link: at the network service too, for a lane of a store.
pub fn keep_funded<C: crate::clock::Clock>(
    rt: &mut Runtime<C>,
    shopper: &crate::network::ShopperId,
) {
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
    match crate::money::Money::new(limit * crate::money::Decimal::TEN, balance.currency()) {
        Ok(top) => {
            if let Err(e) = rt.link().set_balance(shopper, top, now) {
                tracing::warn!(shopper = %shopper.0, error = %e, "top-up refused");
            }
        }
        Err(e) => tracing::warn!(shopper = %shopper.0, error = %e, "top-up not representable"),
    }
}

/// How the shopper of a scripted wallet sale behaves once the wallet asks them to confirm.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShopperPlay {
    /// The wallet book decides: auto-confirm, refuse, abandon, or a risk rejection.
    AsConfigured,
    /// A shopper who confirms by hand enters the password this long after the prompt (past the
    /// counter's deadline the counter has already cancelled, and the password is refused).
    ConfirmsAfter(std::time::Duration),
    /// The phone goes offline just after the code is scanned (the wallet's replies stop
    /// reaching the counter) and comes back online this long after.
    GoesOffline(std::time::Duration),
}

/// One sale of the mixed profile (`qrtill simulate --mix`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MixedSale {
    Cash,
    /// The shopper scans the counter's QR code.
    WalletQr {
        shopper: crate::network::ShopperId,
        play: ShopperPlay,
    },
    /// The cashier scans the shopper's payment code.
    PaymentCode {
        shopper: crate::network::ShopperId,
        play: ShopperPlay,
    },
    /// Test card `card` (index into the card network's test cards; some decline).
    Card {
        card: usize,
    },
}

impl MixedSale {
    /// The flow's name, as `simulate --mix` counts it.
    pub fn flow(&self) -> &'static str {
        match self {
            MixedSale::Cash => "cash",
            MixedSale::WalletQr { .. } => "wallet QR",
            MixedSale::PaymentCode { .. } => "payment code",
            MixedSale::Card { .. } => "card",
        }
    }

    /// Picks a sale from `rng`: the four flows about equally often; wallet shoppers of every
    /// behaviour in the book (auto-confirm, by hand and late, refusing, abandoning,
    /// risk-flagged), a quarter of them going offline mid-payment.
    pub fn pick(network: &Network, rng: &mut impl rand::Rng) -> MixedSale {
        use crate::network::{ConfirmBehaviour, WalletMode};
        use rand::RngExt;
        let flow = rng.random_range(0..4u8);
        let mode = match flow {
            0 => return MixedSale::Cash,
            1 => WalletMode::OrderCode,
            2 => WalletMode::PaymentCode,
            _ => {
                return MixedSale::Card {
                    card: rng.random_range(0..crate::network::card::TEST_CARDS.len()),
                };
            }
        };
        let able: Vec<_> = network
            .shoppers()
            .iter()
            .filter(|s| {
                network
                    .book()
                    .wallet(&s.wallet)
                    .is_some_and(|w| w.supports(mode))
            })
            .collect();
        if able.is_empty() {
            return MixedSale::Cash;
        }
        let shopper = able[rng.random_range(0..able.len())];
        let play = if shopper.behaviour == ConfirmBehaviour::Manual {
            // Up to half again the longest deadline (60 s): some confirm in time, some too late.
            ShopperPlay::ConfirmsAfter(std::time::Duration::from_millis(
                rng.random_range(1_000..90_000),
            ))
        } else if rng.random_range(0..4u8) == 0 {
            ShopperPlay::GoesOffline(std::time::Duration::from_millis(
                rng.random_range(1_000..90_000),
            ))
        } else {
            ShopperPlay::AsConfigured
        };
        let shopper = shopper.id.clone();
        match mode {
            WalletMode::OrderCode => MixedSale::WalletQr { shopper, play },
            _ => MixedSale::PaymentCode { shopper, play },
        }
    }
}

/// How a mixed sale ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MixedOutcome {
    /// Committed as this sale number.
    Paid(u64),
    /// Not paid (declined, cancelled, refused): the basket was cleared.
    NotPaid(String),
    /// No outcome within two minutes of virtual time: the counter is left as it is.
    Stuck(String),
}

/// Rings up `barcodes` and pays as `sale` says, advancing the virtual clock until the outcome.
pub fn mixed_sale(
    rt: &mut Runtime<ManualClock>,
    sale: &MixedSale,
    barcodes: &[&str],
) -> MixedOutcome {
    use crate::runtime::PhoneAction;
    for b in barcodes {
        scan(rt, b);
    }
    let (shopper, play) = match sale {
        MixedSale::Cash => {
            rt.dispatch(Action::PayCash);
            rt.dispatch(Action::QuickTender(0));
            return settle(rt, 0, |_, _| {});
        }
        MixedSale::Card { card } => {
            rt.dispatch(Action::PayCard);
            // Keys 1–9 pick the first nine test cards, 0 the tenth.
            let key = char::from_digit(((card + 1) % 10) as u32, 10).unwrap_or('1');
            rt.dispatch(Action::Char(key));
            return settle(rt, SETTLE_STEPS, |_, _| {});
        }
        MixedSale::WalletQr { shopper, play } | MixedSale::PaymentCode { shopper, play } => {
            (shopper, *play)
        }
    };
    keep_funded(rt, shopper);
    // A run killed mid-sale may have left the phone offline.
    if rt.network().is_offline(shopper)
        && let Err(why) = rt.phone(shopper, PhoneAction::ToggleOffline)
    {
        return MixedOutcome::Stuck(why);
    }
    if matches!(sale, MixedSale::WalletQr { .. }) {
        rt.dispatch(Action::PayWalletQr);
        for _ in 0..20 {
            if qr_on_screen(rt) {
                break;
            }
            rt.advance(std::time::Duration::from_millis(250));
        }
        // A refusal at the phone (risk, limit) leaves the counter's order open: the counter
        // reaches its own outcome (deadline, cancel) below.
        if let Err(why) = rt.phone(shopper, PhoneAction::ScanCounterQr) {
            tracing::debug!(%why, "the wallet refused the counter's QR");
        }
    } else {
        rt.dispatch(Action::PayCode);
        // No request is out while the counter waits for a code: backing out is safe.
        if let Err(why) = rt.phone(shopper, PhoneAction::PresentCode) {
            return give_up(rt, why);
        }
    }
    if matches!(play, ShopperPlay::GoesOffline(_))
        && let Err(why) = rt.phone(shopper, PhoneAction::ToggleOffline)
    {
        tracing::debug!(%why, "the phone could not go offline");
    }
    let mut waited = std::time::Duration::ZERO;
    let outcome = settle(rt, SETTLE_STEPS, |rt, step| {
        waited += step;
        // Each timed act happens once: in the step that crosses its moment.
        let due = |after: std::time::Duration| waited >= after && waited < after + step;
        match play {
            ShopperPlay::ConfirmsAfter(after) if due(after) => {
                if let Err(why) = rt.phone(shopper, PhoneAction::EnterPassword) {
                    tracing::debug!(%why, "the late password was not taken");
                }
            }
            ShopperPlay::GoesOffline(after) if due(after) && rt.network().is_offline(shopper) => {
                if let Err(why) = rt.phone(shopper, PhoneAction::ToggleOffline) {
                    tracing::debug!(%why, "the phone could not come back online");
                }
            }
            _ => {}
        }
    });
    if rt.network().is_offline(shopper)
        && let Err(why) = rt.phone(shopper, PhoneAction::ToggleOffline)
    {
        return MixedOutcome::Stuck(why);
    }
    outcome
}

/// Five minutes of virtual time in half-second steps: longer than any deadline (a counter QR
/// lives two minutes) and the cancels after it.
const SETTLE_STEPS: usize = 600;

fn qr_on_screen(rt: &Runtime<ManualClock>) -> bool {
    matches!(
        &rt.checkout.screen,
        crate::checkout::Screen::Pay(p)
            if p.attempt.as_ref().is_some_and(|a| a.qr_payload.is_some())
    )
}

/// Advances the clock in half-second steps (at most `steps`), calling `each` before every step,
/// until the sale is committed or its payment failed.
fn settle(
    rt: &mut Runtime<ManualClock>,
    steps: usize,
    mut each: impl FnMut(&mut Runtime<ManualClock>, std::time::Duration),
) -> MixedOutcome {
    use crate::checkout::Screen;
    let step = std::time::Duration::from_millis(500);
    for _ in 0..steps {
        match &rt.checkout.screen {
            Screen::Receipt { .. } => break,
            Screen::Pay(p) if p.status.is_final() => break,
            _ => {
                each(rt, step);
                rt.advance(step);
            }
        }
    }
    match &rt.checkout.screen {
        Screen::Receipt { sale, .. } => {
            let n = sale.sale_no;
            rt.dispatch(Action::Enter);
            MixedOutcome::Paid(n)
        }
        Screen::Pay(p) if p.status.is_final() => {
            let why = format!("{:?}", p.status);
            give_up(rt, why)
        }
        Screen::Pay(p) => MixedOutcome::Stuck(format!("pay screen at {:?}", p.status)),
        _ => MixedOutcome::Stuck(
            rt.checkout
                .notice
                .as_ref()
                .map(|n| n.text.clone())
                .unwrap_or_else(|| "not on the pay screen, with no notice".into()),
        ),
    }
}

/// Leaves the pay screen and clears the basket, as a cashier does after a failed payment.
fn give_up(rt: &mut Runtime<ManualClock>, why: String) -> MixedOutcome {
    rt.dispatch(Action::Back);
    rt.dispatch(Action::ClearBasket);
    rt.dispatch(Action::Char('y'));
    MixedOutcome::NotPaid(why)
}
