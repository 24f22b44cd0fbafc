//! Shared fixtures for the wallet scenario and crash tests: a counter on the shared runtime with
//! a virtual clock, a recorder of what the pay screen showed, and the reconciliation of the
//! merchant journal against the network's ledger.
#![allow(dead_code)]

use qrtill::checkout::payment::PayStatus;
use qrtill::checkout::sale::{CompletedSale, SaleTender};
use qrtill::checkout::{Action, Screen};
use qrtill::clock::{ManualClock, Timestamp};
use qrtill::config::Config;
use qrtill::harness::{self, DEMO_SEED, DEMO_START};
use qrtill::journal::{AttemptRecord, AttemptState, Journal};
use qrtill::money::fx::FxTable;
use qrtill::money::{Currency, Money};
use qrtill::network::{
    DEFAULT_WALLETS_TOML, LedgerPayment, LedgerStore, Network, PaymentStage, ShopperId, WalletBook,
};
use qrtill::runtime::{PhoneAction, Runtime, ScreenPrinter};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

pub const LANE: &str = "03";

// Demo catalogue items (USD, tax excluded).
pub const FLAT_WHITE: &str = "2000000000138"; // 4.50, prepared
pub const LATTE: &str = "2000000000268"; // 4.75, prepared
pub const DRIP: &str = "2000000000916"; // 2.75, prepared

/// The embedded wallet book plus shoppers the stock book lacks: a WeChat Pay shopper who types
/// the password by hand (so a test decides when, or whether, they confirm).
pub const EXTRA_SHOPPERS: &str = r#"
[[shopper]]
id = "wu-wei"
name = "Wu Wei (enters password by hand)"
wallet = "wechat"
account = "wxid_****ww09"
balance = "3000.00"
password = "always"
behaviour = "manual"
"#;

pub fn book() -> WalletBook {
    let text = format!("{DEFAULT_WALLETS_TOML}\n{EXTRA_SHOPPERS}");
    WalletBook::parse(&text, "wallets.toml + test shoppers").expect("wallet book parses")
}

pub fn network_on(ledger: LedgerStore, fx: FxTable) -> Network {
    Network::open(ledger, book(), fx, DEMO_SEED).expect("network opens")
}

/// A counter on `journal` and `network` at virtual time `start`.
pub fn runtime_on(journal: Journal, network: Network, start: Timestamp) -> Runtime<ManualClock> {
    let config = Config::default();
    let catalog = Arc::new(harness::demo_catalog(&config).expect("demo catalogue"));
    harness::assemble(
        &config,
        catalog,
        journal,
        Box::new(ScreenPrinter::default()),
        network,
        ManualClock::new(start),
    )
}

/// Reopens a counter from its journal file and the network from its ledger file, as after a
/// restart of both processes.
pub fn reopen(journal: &Path, ledger: &Path, at: Timestamp) -> Runtime<ManualClock> {
    let j = Journal::open(journal).expect("journal reopens");
    let l = LedgerStore::open(ledger).expect("ledger reopens");
    runtime_on(j, network_on(l, FxTable::embedded().expect("fx")), at)
}

pub fn shopper(id: &str) -> ShopperId {
    ShopperId(id.into())
}

pub fn money(text: &str, currency: Currency) -> Money {
    Money::parse(text, currency).expect("amount")
}

/// One word for what the counter shows, so a test can assert the whole sequence.
pub fn label(screen: &Screen) -> String {
    match screen {
        // The same words the scenario files compare (one table, in the library).
        Screen::Pay(_) | Screen::Receipt { .. } | Screen::Basket | Screen::Committing => {
            qrtill::scenario::observe::status_label(screen)
        }
        other => format!("{other:?}").chars().take(20).collect(),
    }
}

/// A counter driven by keys, the shopper's phone and virtual time, recording every screen state
/// it passes through (one entry per change).
pub struct Till {
    pub rt: Runtime<ManualClock>,
    pub seen: Vec<String>,
    pub start: Timestamp,
}

impl Till {
    /// The demo counter: in-memory journal and ledger, the demo seed and start time.
    pub fn new() -> Self {
        let journal = Journal::in_memory().expect("journal");
        let ledger = LedgerStore::in_memory().expect("ledger");
        Self::on(runtime_on(
            journal,
            network_on(ledger, FxTable::embedded().expect("fx")),
            DEMO_START,
        ))
    }

    pub fn with_fx(fx: FxTable) -> Self {
        let journal = Journal::in_memory().expect("journal");
        let ledger = LedgerStore::in_memory().expect("ledger");
        Self::on(runtime_on(journal, network_on(ledger, fx), DEMO_START))
    }

    pub fn on(rt: Runtime<ManualClock>) -> Self {
        let start = rt.now();
        let mut till = Self {
            rt,
            seen: Vec::new(),
            start,
        };
        till.record();
        till
    }

    pub fn record(&mut self) {
        let now = label(&self.rt.checkout.screen);
        if self.seen.last() != Some(&now) {
            self.seen.push(now);
        }
    }

    /// Forgets the screens seen so far (e.g. after ringing up).
    pub fn reset_seen(&mut self) {
        self.seen.clear();
        self.record();
    }

    pub fn ring_up(&mut self, barcodes: &[&str]) {
        for b in barcodes {
            harness::scan(&mut self.rt, b);
        }
        assert!(!self.rt.checkout.basket.is_empty(), "items rang up");
        self.reset_seen();
    }

    pub fn key(&mut self, action: Action) {
        self.rt.dispatch(action);
        self.record();
    }

    pub fn type_text(&mut self, text: &str) {
        harness::type_text(&mut self.rt, text);
        self.record();
    }

    /// The shopper does `action` on the phone; the test fails if the phone refuses.
    pub fn phone(&mut self, who: &str, action: PhoneAction) -> String {
        let r = self.rt.phone(&shopper(who), action);
        self.record();
        r.unwrap_or_else(|e| panic!("{who} {action:?} refused: {e}"))
    }

    /// The shopper tries `action`; returns the phone's refusal.
    pub fn phone_refused(&mut self, who: &str, action: PhoneAction) -> String {
        let r = self.rt.phone(&shopper(who), action);
        self.record();
        match r {
            Ok(m) => panic!("{who} {action:?} should be refused, got: {m}"),
            Err(e) => e,
        }
    }

    /// Lets `d` of virtual time pass, event by event, recording each screen on the way.
    pub fn wait(&mut self, d: Duration) {
        let end = self.rt.now() + d;
        for _ in 0..100_000 {
            match self.rt.next_deadline() {
                Some(t) if t <= end => {
                    let step = (t.millis() - self.rt.now().millis()).max(0) as u64;
                    self.rt.advance(Duration::from_millis(step));
                    self.record();
                    if step == 0 && self.rt.next_deadline() == Some(t) {
                        break;
                    }
                }
                _ => break,
            }
        }
        let rest = (end.millis() - self.rt.now().millis()).max(0) as u64;
        self.rt.advance(Duration::from_millis(rest));
        self.record();
    }

    pub fn wait_secs(&mut self, s: u64) {
        self.wait(Duration::from_secs(s));
    }

    /// Waits until the screen shows `want` (by label) or `limit` passes; returns when, in ms
    /// after the till's start.
    pub fn wait_until(&mut self, want: &str, limit: Duration) -> i64 {
        let end = self.rt.now() + limit;
        loop {
            if label(&self.rt.checkout.screen) == want {
                return self.elapsed_ms();
            }
            match self.rt.next_deadline() {
                Some(t) if t <= end => {
                    let step = (t.millis() - self.rt.now().millis()).max(0) as u64;
                    self.rt.advance(Duration::from_millis(step.max(1)));
                    self.record();
                }
                _ => panic!("never showed {want} within {limit:?}; seen {:?}", self.seen),
            }
        }
    }

    pub fn elapsed_ms(&self) -> i64 {
        self.rt.now().millis() - self.start.millis()
    }

    pub fn status(&self) -> Option<PayStatus> {
        match &self.rt.checkout.screen {
            Screen::Pay(p) => Some(p.status.clone()),
            _ => None,
        }
    }

    /// The request id of the attempt on the pay screen.
    pub fn request_id(&self) -> String {
        match &self.rt.checkout.screen {
            Screen::Pay(p) => p
                .attempt
                .as_ref()
                .map(|a| a.request_id.clone())
                .expect("an attempt on screen"),
            other => panic!("not on the pay screen: {}", label(other)),
        }
    }

    pub fn attempts(&self) -> Vec<AttemptRecord> {
        self.rt.journal().all_attempts().expect("attempts")
    }

    pub fn attempt(&self, id: &str) -> AttemptRecord {
        self.attempts()
            .into_iter()
            .find(|a| a.request_id == id)
            .unwrap_or_else(|| panic!("attempt {id} journaled"))
    }

    pub fn sales(&self) -> Vec<CompletedSale> {
        sales(self.rt.journal())
    }

    pub fn ledger(&self, id: &str) -> LedgerPayment {
        self.rt
            .network()
            .ledger_payments()
            .into_iter()
            .find(|p| p.payment_request_id == id)
            .unwrap_or_else(|| panic!("ledger row for {id}"))
    }

    pub fn ledger_row(&self, id: &str) -> Option<LedgerPayment> {
        self.rt
            .network()
            .ledger_payments()
            .into_iter()
            .find(|p| p.payment_request_id == id)
    }

    pub fn balance(&self, who: &str) -> Money {
        self.rt.network().balance(&shopper(who)).expect("balance")
    }

    /// Outgoing calls of the protocol trace for `id`, e.g. `["pay", "query", "cancel"]`.
    pub fn sent(&self, id: &str) -> Vec<&'static str> {
        self.rt
            .checkout
            .trace
            .iter()
            .filter(|t| t.outgoing && t.request_id == id)
            .map(|t| t.call)
            .collect()
    }

    /// When (ms after the till's start) each outgoing `call` for `id` left.
    pub fn sent_at(&self, id: &str, call: &str) -> Vec<i64> {
        self.rt
            .checkout
            .trace
            .iter()
            .filter(|t| t.outgoing && t.request_id == id && t.call == call)
            .map(|t| t.at.millis() - self.start.millis())
            .collect()
    }

    /// Incoming trace lines for `id` as `call detail`.
    pub fn heard(&self, id: &str) -> Vec<String> {
        self.rt
            .checkout
            .trace
            .iter()
            .filter(|t| !t.outgoing && t.request_id == id)
            .map(|t| format!("{} {}", t.call, t.detail))
            .collect()
    }

    pub fn reconcile(&self) -> Reconciliation {
        reconcile(&self.rt)
    }
}

impl Default for Till {
    fn default() -> Self {
        Self::new()
    }
}

/// Every sale on the lane, in order.
pub fn sales(journal: &Journal) -> Vec<CompletedSale> {
    journal
        .sale_numbers(LANE)
        .expect("sale numbers")
        .into_iter()
        .map(|n| {
            journal
                .sale(LANE, n)
                .expect("sale reads")
                .expect("sale exists")
        })
        .collect()
}

/// The wallet sale committed for `request_id`, if any.
pub fn wallet_sale_for<'a>(sales: &'a [CompletedSale], request_id: &str) -> Vec<&'a CompletedSale> {
    sales
        .iter()
        .filter(
            |s| matches!(&s.tender, SaleTender::Wallet(w) if w.payment_request_id == request_id),
        )
        .collect()
}

/// What reconciliation found besides the hard rules it asserts.
#[derive(Debug, Default)]
pub struct Reconciliation {
    /// Attempts flagged for manual resolution, with the ledger stage of each (if the network
    /// ever saw it).
    pub manual: BTreeMap<String, Option<PaymentStage>>,
    /// Attempts still pending (only legitimate before start-up recovery ran).
    pub pending: Vec<String>,
    /// Static-code payments journaled as unmatched (held with no sale).
    pub unmatched: Vec<String>,
    pub sales: usize,
}

/// Checks the merchant journal against the network's ledger and panics on any disagreement:
/// - a paid attempt has exactly one sale, carrying the wallet-reported amounts, and the ledger
///   holds it as paid; never two sales for one request id;
/// - every payment the ledger holds as paid belongs to a paid attempt (or one flagged manual):
///   no approved payment is lost;
/// - a failed attempt charged nothing, or the charge was returned; a reversed attempt's charge
///   was returned in full;
/// - the merchant's net in the ledger sums to the settlement of the sales;
/// - every shopper's balance is the sum of their balance moves.
pub fn reconcile<C: qrtill::clock::Clock>(rt: &Runtime<C>) -> Reconciliation {
    let journal = rt.journal();
    let net = rt.network();
    let attempts = journal.all_attempts().expect("attempts");
    let sales = sales(journal);
    let ledger: BTreeMap<String, LedgerPayment> = net
        .ledger_payments()
        .into_iter()
        .map(|p| (p.payment_request_id.clone(), p))
        .collect();
    let mut out = Reconciliation {
        sales: sales.len(),
        ..Default::default()
    };

    // Sales by the payment they record: one request id (wallet) or auth code (card) each.
    let mut wallet_sales: BTreeMap<String, Vec<&CompletedSale>> = BTreeMap::new();
    let mut card_sales: BTreeMap<String, Vec<&CompletedSale>> = BTreeMap::new();
    for s in &sales {
        match &s.tender {
            SaleTender::Wallet(w) => wallet_sales
                .entry(w.payment_request_id.clone())
                .or_default()
                .push(s),
            SaleTender::Card(c) => card_sales.entry(c.auth_code.clone()).or_default().push(s),
            SaleTender::Cash { .. } => {}
        }
    }
    for (id, list) in &wallet_sales {
        assert_eq!(list.len(), 1, "two sales for request id {id}");
    }
    for (auth, list) in &card_sales {
        assert_eq!(list.len(), 1, "two sales for card auth {auth}");
    }

    let ids: BTreeSet<&str> = attempts.iter().map(|a| a.request_id.as_str()).collect();
    assert_eq!(ids.len(), attempts.len(), "request ids are unique");

    let mut expected_net: BTreeMap<&'static str, Money> = BTreeMap::new();
    for a in &attempts {
        let row = ledger.get(&a.request_id);
        let card = a.mode == qrtill::checkout::payment::PayMode::Card;
        let sale = if card {
            row.and_then(|r| card_sales.get(&r.payment_id))
                .and_then(|v| v.first().copied())
        } else {
            wallet_sales
                .get(&a.request_id)
                .and_then(|v| v.first().copied())
        };
        match a.state {
            AttemptState::Paid => {
                let row = row.unwrap_or_else(|| {
                    panic!("paid attempt {} unknown to the network", a.request_id)
                });
                assert!(
                    row.stage.was_paid(),
                    "attempt {} is paid but the ledger says {:?}",
                    a.request_id,
                    row.stage
                );
                let sale =
                    sale.unwrap_or_else(|| panic!("paid attempt {} has no sale", a.request_id));
                match &sale.tender {
                    SaleTender::Wallet(w) => {
                        assert_eq!(w.amount, row.amount, "{}: tender amount", a.request_id);
                        assert_eq!(
                            w.wallet_amount, row.charged,
                            "{}: the tender carries what the wallet charged",
                            a.request_id
                        );
                        assert_eq!(
                            w.wallet_txn_id, row.payment_id,
                            "{}: wallet transaction id",
                            a.request_id
                        );
                        assert_eq!(
                            w.brand,
                            row.wallet
                                .as_ref()
                                .map(|b| b.brand_name.clone())
                                .unwrap_or_default(),
                            "{}: brand as the wallet revealed it",
                            a.request_id
                        );
                        let settled = w.settlement.unwrap_or(w.amount);
                        assert_eq!(settled, row.merchant_net, "{}: settlement", a.request_id);
                        add(&mut expected_net, settled);
                    }
                    SaleTender::Card(c) => {
                        assert_eq!(c.amount, row.amount, "{}: card amount", a.request_id);
                        add(&mut expected_net, c.amount);
                    }
                    SaleTender::Cash { .. } => {
                        panic!("cash sale linked to attempt {}", a.request_id)
                    }
                }
                assert_eq!(
                    sale.total, a.amount,
                    "{}: sale total is the attempt's",
                    a.request_id
                );
            }
            AttemptState::Failed => {
                assert!(sale.is_none(), "failed attempt {} has a sale", a.request_id);
                if let Some(row) = row {
                    assert!(
                        !row.stage.was_paid(),
                        "attempt {} failed but the ledger holds it {:?}: an approved payment is lost",
                        a.request_id,
                        row.stage
                    );
                    assert!(
                        row.merchant_net.is_zero(),
                        "{}: merchant keeps nothing",
                        a.request_id
                    );
                    assert_ne!(
                        row.stage,
                        PaymentStage::Reversed,
                        "{}: the wallet took the money and gave it back: journal it as reversed",
                        a.request_id
                    );
                    if let Some(charged) = row.charged {
                        assert_eq!(
                            row.returned,
                            Some(charged),
                            "{}: charge returned",
                            a.request_id
                        );
                    }
                }
            }
            AttemptState::Reversed => {
                assert!(
                    sale.is_none(),
                    "reversed attempt {} has a sale",
                    a.request_id
                );
                let row = row.unwrap_or_else(|| {
                    panic!("reversed attempt {} unknown to the network", a.request_id)
                });
                assert_eq!(row.stage, PaymentStage::Reversed, "{}", a.request_id);
                assert!(
                    row.charged.is_some(),
                    "{}: reversed means it was charged",
                    a.request_id
                );
                assert_eq!(
                    row.returned, row.charged,
                    "{}: charge returned in full",
                    a.request_id
                );
                assert!(row.merchant_net.is_zero());
            }
            AttemptState::NeedsManual => {
                assert!(sale.is_none(), "manual attempt {} has a sale", a.request_id);
                out.manual
                    .insert(a.request_id.clone(), row.map(|r| r.stage));
                // Money the merchant holds without a sale is what the person must settle.
                if let Some(r) = row.filter(|r| !r.merchant_net.is_zero()) {
                    add(&mut expected_net, r.merchant_net);
                }
            }
            AttemptState::Unmatched => {
                // A static-code payment that matched no sale: held by the merchant on purpose.
                assert!(sale.is_none(), "unmatched {} has a sale", a.request_id);
                let row = row.unwrap_or_else(|| {
                    panic!("unmatched payment {} unknown to the network", a.request_id)
                });
                assert!(
                    row.stage.was_paid(),
                    "{}: unmatched means paid",
                    a.request_id
                );
                out.unmatched.push(a.request_id.clone());
                add(&mut expected_net, row.merchant_net);
            }
            AttemptState::Pending => {
                assert!(
                    sale.is_none(),
                    "pending attempt {} has a sale",
                    a.request_id
                );
                out.pending.push(a.request_id.clone());
                if let Some(r) = row.filter(|r| !r.merchant_net.is_zero()) {
                    add(&mut expected_net, r.merchant_net);
                }
            }
        }
    }

    // No approved payment lost: whatever the ledger holds as paid is a sale or flagged.
    for (id, row) in &ledger {
        if !row.stage.was_paid() {
            continue;
        }
        let attempt = attempts.iter().find(|a| &a.request_id == id);
        let attempt = attempt.unwrap_or_else(|| panic!("ledger payment {id} has no attempt"));
        assert!(
            matches!(
                attempt.state,
                AttemptState::Paid
                    | AttemptState::NeedsManual
                    | AttemptState::Pending
                    | AttemptState::Unmatched
            ),
            "ledger holds {id} as paid, the journal says {:?}",
            attempt.state
        );
    }

    // The merchant's net per currency: ledger = sales (+ flagged/pending money held).
    let mut ledger_net: BTreeMap<&'static str, Money> = BTreeMap::new();
    for row in ledger.values() {
        if !row.merchant_net.is_zero() {
            add(&mut ledger_net, row.merchant_net);
        }
    }
    assert_eq!(ledger_net, expected_net, "merchant net: ledger vs journal");

    // Balances are the sum of their moves.
    let mut sums: BTreeMap<ShopperId, Money> = BTreeMap::new();
    for mv in net.balance_moves() {
        let e = sums
            .entry(mv.shopper.clone())
            .or_insert_with(|| Money::zero(mv.amount.currency()));
        *e = e.checked_add(mv.amount).expect("same currency");
    }
    for (who, sum) in sums {
        assert_eq!(
            net.balance(&who),
            Some(sum),
            "{}'s balance is the sum of its moves",
            who.0
        );
    }
    out
}

fn add(map: &mut BTreeMap<&'static str, Money>, m: Money) {
    let e = map
        .entry(m.currency().code())
        .or_insert_with(|| Money::zero(m.currency()));
    *e = e.checked_add(m).expect("same currency");
}
