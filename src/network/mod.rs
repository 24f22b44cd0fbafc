//! The simulated payment network: an acquirer, the wallets behind it, card tap, FX and its own
//! ledger. Pure and deterministic given a seed and the `now` it is handed: no threads, no sleeps,
//! no system clock. Replies carry the time they arrive so the counter's runtime delivers them
//! through its timer queue.
//!
//! Randomness (latencies, shopper reaction times, ids) is drawn from a ChaCha stream keyed by
//! the seed *and* the request it concerns, so a restart from the ledger replays the same choices.
//!
//! How the counter drives it: call `pay`/`query`/`cancel`/`refund`/`card_authorize` with the
//! current `now`, queue each reply at its `deliver_at` (drop it if `None` and let your timeout
//! fire), and call `advance(now)` at `next_wakeup()` (and after each call) to collect the
//! wallets' notifications. The phone pane calls the `Network` phone methods (`phone.rs`).

pub mod api;
pub mod book;
pub mod card;
pub mod codes;
pub mod entry;
pub mod ledger;
pub mod phone;
pub mod reply_shape;
pub mod state;

mod cancel;
mod inquiry;
mod pay;
mod refund;
mod wallet;

pub use api::*;
pub use book::{
    BookError, CancelWindow, ConfirmBehaviour, DEFAULT_WALLETS_TOML, Dialect, FundedBy,
    PasswordHabit, PollProfile, Promotion, Shopper, ShopperId, WalletBook, WalletId, WalletMode,
    WalletProfile,
};
pub use card::{
    CardAuth, CardBrand, CardDecline, CardRequest, CardResponse, TEST_CARDS, TestCard,
    card_ledger_payment,
};
pub use codes::{ResultCode, ResultInfo, ResultStatus};
pub use entry::{ENTRY_ID_PREFIX, is_entry_payment};
pub use ledger::{LedgerError, LedgerStore};
pub use phone::{CODE_LIFETIME_MS, PhoneError, PhoneScreen};
pub use state::{BalanceMove, MoveKind};

use crate::clock::Timestamp;
use crate::money::Money;
use crate::money::fx::{FxQuote, FxTable};
use ledger::LedgerBatch;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use state::{IssuedCode, Order, RefundRecord, ShopperWallet};
use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};

#[derive(Debug, thiserror::Error)]
pub enum NetworkError {
    #[error(transparent)]
    Ledger(#[from] LedgerError),
    #[error(
        "network ledger holds shopper '{shopper}' in {found}, but the wallet book says {expected}"
    )]
    CurrencyChanged {
        shopper: String,
        found: &'static str,
        expected: &'static str,
    },
}

/// Which acquirer call a scripted fault hits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Call {
    Pay,
    Query,
    Cancel,
    Refund,
    Card,
}

/// A scripted network fault for demos and tests (wallets.md §10 scenarios 11, 15, 16, 35).
/// Faults queue up and each hits the next call of its kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// The request is processed but the reply never arrives.
    DropReply(Call),
    /// The request is not processed: U + REQUEST_TRAFFIC_EXCEED_LIMIT (cancel: retry flag set).
    Throttle(Call),
    /// The request is processed but the reply says U + UNKNOWN_EXCEPTION.
    SystemError(Call),
}

impl Fault {
    fn call(self) -> Call {
        match self {
            Fault::DropReply(c) | Fault::Throttle(c) | Fault::SystemError(c) => c,
        }
    }
}

/// Latency of the acquirer's own replies (query, cancel, refund, notifications), ms.
const BACKEND_LATENCY_MS: [u64; 2] = [80, 400];
/// Card authorizations go to an issuer and take a little longer.
const CARD_LATENCY_MS: [u64; 2] = [700, 1800];
/// Order codes never live longer than this (Antom: order-code expiry < 30 min).
const MAX_ORDER_CODE_MS: i64 = 30 * 60_000;

/// One shopper's phone as the network service shows it (`GET /phones`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct MirroredPhone {
    pub screen: PhoneScreen,
    pub balance: Option<Money>,
    pub offline: bool,
}

pub struct Network {
    book: WalletBook,
    fx: FxTable,
    seed: u64,
    ledger: LedgerStore,
    /// Open orders, plus finished ones recalled or touched by the call in progress: `trim`
    /// drops those once they are safely on disk. The same holds for codes, cards, refunds and
    /// tombstones below; history is read back from the ledger on demand (`recall`).
    orders: BTreeMap<String, Order>,
    /// Orders whose stage is still open, so clock ticks touch only these.
    open_orders: BTreeSet<String>,
    /// Bill number -> payment request id, for order-code scans.
    bills: HashMap<String, String>,
    /// Keyed by `code_digest`.
    codes: HashMap<String, IssuedCode>,
    wallets: BTreeMap<ShopperId, ShopperWallet>,
    refunds: BTreeMap<String, RefundRecord>,
    cards: BTreeMap<String, CardAuth>,
    /// Cancels that arrived before (or instead of) a pay: that id can never be paid.
    tombstones: BTreeMap<String, Timestamp>,
    faults: VecDeque<Fault>,
    /// Scripted delays and duplicates of replies (reply_shape.rs).
    reply_shapes: VecDeque<(Call, reply_shape::ReplyShape)>,
    outbox: Vec<(Timestamp, Delivery<Notification>)>,
    last_screens: HashMap<ShopperId, (Timestamp, PhoneScreen)>,
    /// A lane of a store (`network.url`): the phones as the network service last showed them.
    /// The wallets live in the service; this in-process network then answers the lane's
    /// screens with the service's phones (`mirror_phones`).
    phone_mirror: Option<HashMap<ShopperId, MirroredPhone>>,
    code_counter: u64,
    dirty_orders: BTreeSet<String>,
    dirty_codes: BTreeSet<String>,
    dirty_shoppers: BTreeSet<ShopperId>,
    dirty_cards: BTreeSet<String>,
    pending: LedgerBatch,
    ledger_error: Option<String>,
}

impl std::fmt::Debug for Network {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Network")
            .field("orders", &self.orders.len())
            .field("open", &self.open_orders.len())
            .finish_non_exhaustive()
    }
}

/// A time as the text key of a deterministic draw.
fn ms(t: Timestamp) -> String {
    t.millis().to_string()
}

/// FNV-1a: a stable hash (std's hasher may change between Rust releases).
fn fnv1a(mut h: u64, bytes: &[u8]) -> u64 {
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

impl Network {
    /// Opens the network on its ledger, restoring the open work (open orders, unused codes,
    /// balances); finished history stays in the ledger and is read when a call names it.
    /// Shoppers new to the ledger get their opening balance from the book.
    pub fn open(
        ledger: LedgerStore,
        book: WalletBook,
        fx: FxTable,
        seed: u64,
    ) -> Result<Network, NetworkError> {
        let work = ledger.open_work()?;
        let mut net = Network {
            book,
            fx,
            seed,
            ledger,
            orders: BTreeMap::new(),
            open_orders: BTreeSet::new(),
            bills: HashMap::new(),
            codes: HashMap::new(),
            wallets: BTreeMap::new(),
            refunds: BTreeMap::new(),
            cards: BTreeMap::new(),
            tombstones: BTreeMap::new(),
            faults: VecDeque::new(),
            reply_shapes: VecDeque::new(),
            outbox: Vec::new(),
            last_screens: HashMap::new(),
            phone_mirror: None,
            code_counter: work.codes_issued,
            dirty_orders: BTreeSet::new(),
            dirty_codes: BTreeSet::new(),
            dirty_shoppers: BTreeSet::new(),
            dirty_cards: BTreeSet::new(),
            pending: LedgerBatch::default(),
            ledger_error: None,
        };
        for o in work.open_orders {
            net.open_orders.insert(o.request_id.clone());
            if let Some(bill) = o.bill_number() {
                net.bills.insert(bill.to_string(), o.request_id.clone());
            }
            net.orders.insert(o.request_id.clone(), o);
        }
        for c in work.live_codes {
            net.codes.insert(c.digest.clone(), c);
        }
        for w in work.shoppers {
            net.wallets.insert(w.id.clone(), w);
        }
        let shoppers: Vec<(ShopperId, Money)> = net
            .book
            .shoppers()
            .iter()
            .filter_map(|s| {
                let wallet = net.book.wallet(&s.wallet)?;
                Some((s.id.clone(), wallet.money(s.balance)))
            })
            .collect();
        for (id, opening) in shoppers {
            match net.wallets.get(&id) {
                Some(w) if w.balance.currency() != opening.currency() => {
                    return Err(NetworkError::CurrencyChanged {
                        shopper: id.0,
                        found: w.balance.currency().code(),
                        expected: opening.currency().code(),
                    });
                }
                Some(_) => {}
                None => {
                    net.wallets.insert(
                        id.clone(),
                        ShopperWallet {
                            id: id.clone(),
                            balance: Money::zero(opening.currency()),
                            offline: false,
                        },
                    );
                    net.move_balance(&id, MoveKind::Opening, opening, "opening", Timestamp(0));
                }
            }
        }
        net.flush()?;
        Ok(net)
    }

    /// The configured shoppers (for the phone pane's picker).
    pub fn shoppers(&self) -> &[Shopper] {
        self.book.shoppers()
    }

    pub fn book(&self) -> &WalletBook {
        &self.book
    }

    pub fn fx(&self) -> &FxTable {
        &self.fx
    }

    /// A shopper's live balance in the wallet's home currency.
    pub fn balance(&self, shopper: &ShopperId) -> Option<Money> {
        if let Some(mirror) = &self.phone_mirror {
            return mirror.get(shopper).and_then(|p| p.balance);
        }
        self.wallets.get(shopper).map(|w| w.balance)
    }

    pub fn is_offline(&self, shopper: &ShopperId) -> bool {
        if let Some(mirror) = &self.phone_mirror {
            return mirror.get(shopper).is_some_and(|p| p.offline);
        }
        self.wallets.get(shopper).is_some_and(|w| w.offline)
    }

    /// From now on the phones' screens, balances and offline switches are `phones`, as the
    /// network service reported them, instead of this network's own wallets.
    pub fn mirror_phones(&mut self, phones: impl IntoIterator<Item = (ShopperId, MirroredPhone)>) {
        self.phone_mirror = Some(phones.into_iter().collect());
    }

    pub(crate) fn mirrored_screen(&self, shopper: &ShopperId) -> Option<Option<PhoneScreen>> {
        self.phone_mirror
            .as_ref()
            .map(|m| m.get(shopper).map(|p| p.screen.clone()))
    }

    /// Every balance change, in order: the audit trail behind each balance. This is history,
    /// read from the ledger (plus any moves a failed write still holds).
    pub fn try_balance_moves(&self) -> Result<Vec<BalanceMove>, LedgerError> {
        let mut moves = self.ledger.moves()?;
        moves.extend(self.pending.moves.iter().cloned());
        Ok(moves)
    }

    /// `try_balance_moves` for tests and audits that treat an unreadable ledger as fatal.
    ///
    /// # Panics
    /// If the ledger cannot be read.
    pub fn balance_moves(&self) -> Vec<BalanceMove> {
        match self.try_balance_moves() {
            Ok(m) => m,
            Err(e) => panic!("balance moves: {e}"),
        }
    }

    /// The ledger this network writes to (reconciliation reads history from it directly).
    pub fn ledger(&self) -> &LedgerStore {
        &self.ledger
    }

    /// How the counter should poll a wallet (known from the pay reply's `wallet.wallet_id`).
    pub fn poll_profile(&self, wallet: &WalletId) -> Option<PollProfile> {
        self.book.wallet(wallet).map(|w| w.poll)
    }

    /// An *indicative* amount in the wallet's currency for the pay screen. Receipts must use
    /// the amount and rate the wallet reports, never this.
    pub fn indicative(
        &self,
        amount: Money,
        wallet: &WalletId,
        now: Timestamp,
    ) -> Option<(FxQuote, Money)> {
        let w = self.book.wallet(wallet)?;
        let quote = self.fx.quote(amount.currency(), w.currency, now).ok()?;
        let converted = crate::money::fx::convert(amount, &quote).ok()?;
        Some((quote, converted))
    }

    /// Queues a scripted fault for the next call of its kind.
    pub fn inject_fault(&mut self, fault: Fault) {
        self.faults.push_back(fault);
    }

    /// The last ledger write failure, if any (the network then answers U until it recovers).
    pub fn ledger_error(&self) -> Option<&str> {
        self.ledger_error.as_deref()
    }

    /// Lets time pass: shoppers confirm or refuse, orders auto-close. Returns the notifications
    /// the wallets send as a result, each with its arrival time.
    pub fn advance(&mut self, now: Timestamp) -> Vec<Delivery<Notification>> {
        self.tick(now);
        // Notifications are best effort: a failed ledger write does not hold them back.
        let _ = self.flush();
        let mut out = std::mem::take(&mut self.outbox);
        out.sort_by_key(|(at, _)| *at);
        out.into_iter().map(|(_, d)| d).collect()
    }

    /// When `advance` next has something to do.
    pub fn next_wakeup(&self) -> Option<Timestamp> {
        let orders = self
            .open_orders
            .iter()
            .filter_map(|id| self.orders.get(id).and_then(Order::next_event))
            .min();
        let outbox = self.outbox.iter().map(|(at, _)| *at).min();
        match (orders, outbox) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// The network's side of every payment and card authorization, for reconciliation: all
    /// history, read from the ledger; records the call in progress holds win over their rows.
    pub fn try_ledger_payments(&self) -> Result<Vec<LedgerPayment>, LedgerError> {
        let mut out = Vec::new();
        self.ledger.for_each_order(|o| {
            if !self.orders.contains_key(&o.request_id) {
                out.push(self.ledger_payment(&o));
            }
            Ok(())
        })?;
        out.extend(self.orders.values().map(|o| self.ledger_payment(o)));
        self.ledger.for_each_card(|c| {
            if !self.cards.contains_key(&c.response.request_id) {
                out.push(card_ledger_payment(&c));
            }
            Ok(())
        })?;
        out.extend(self.cards.values().map(card_ledger_payment));
        // Wallet orders then cards, each by request id, wherever each record was read from.
        out.sort_by(|a, b| (a.card, &a.payment_request_id).cmp(&(b.card, &b.payment_request_id)));
        Ok(out)
    }

    /// `try_ledger_payments` for tests that treat an unreadable ledger as fatal.
    ///
    /// # Panics
    /// If the ledger cannot be read.
    pub fn ledger_payments(&self) -> Vec<LedgerPayment> {
        match self.try_ledger_payments() {
            Ok(p) => p,
            Err(e) => panic!("ledger payments: {e}"),
        }
    }

    /// The network's side of one wallet order, for reconciliation.
    pub fn ledger_payment(&self, o: &Order) -> LedgerPayment {
        let paid = o.stage.was_paid();
        let settlement = o.settlement_amount.unwrap_or(o.amount);
        let merchant_net = if paid {
            settlement.checked_sub(o.refunded).unwrap_or(settlement)
        } else {
            Money::zero(o.amount.currency())
        };
        LedgerPayment {
            payment_request_id: o.request_id.clone(),
            payment_id: o.payment_id.clone(),
            stage: o.stage,
            failure: o.failure,
            wallet: self.brand_of(o),
            amount: o.amount,
            merchant_net,
            charged: o.paid_at.and(o.wallet_amount),
            returned: o.returned_wallet,
            refunded: o.refunded,
            paid_at: o.paid_at,
            card: false,
        }
    }

    // ---------------------------------------------------------------- internals

    /// Drops finished records the ledger already holds. Only when nothing waits to be written:
    /// after a failed write the records stay until a later flush stores them.
    fn trim(&mut self) {
        if !self.pending.is_empty()
            || !self.dirty_orders.is_empty()
            || !self.dirty_codes.is_empty()
            || !self.dirty_shoppers.is_empty()
            || !self.dirty_cards.is_empty()
        {
            return;
        }
        let open = &self.open_orders;
        self.orders.retain(|id, _| open.contains(id));
        let orders = &self.orders;
        self.bills.retain(|_, id| orders.contains_key(id));
        self.codes
            .retain(|_, c| c.used_by.is_none() && !c.withdrawn);
        self.cards.clear();
        self.refunds.clear();
        self.tombstones.clear();
    }

    /// Brings back what the ledger knows about request id `id` (its order, card authorization
    /// or tombstone) unless already in memory.
    pub(crate) fn recall(&mut self, id: &str) -> Result<(), LedgerError> {
        if !self.orders.contains_key(id)
            && let Some(o) = self.ledger.order(id)?
        {
            self.orders.insert(id.to_string(), o);
        }
        if !self.cards.contains_key(id)
            && let Some(c) = self.ledger.card(id)?
        {
            self.cards.insert(id.to_string(), c);
        }
        if !self.tombstones.contains_key(id)
            && let Some(at) = self.ledger.tombstone(id)?
        {
            self.tombstones.insert(id.to_string(), at);
        }
        Ok(())
    }

    /// `recall`, noting a read failure in `ledger_error`; true when history was unreadable.
    pub(crate) fn recall_or_note(&mut self, id: &str) -> bool {
        match self.recall(id) {
            Ok(()) => false,
            Err(e) => {
                self.ledger_error = Some(e.to_string());
                true
            }
        }
    }

    /// The request id of the latest order shown under `bill_number`, recalled if needed.
    pub(crate) fn recall_bill(&mut self, bill_number: &str) -> Result<Option<String>, LedgerError> {
        if let Some(id) = self.bills.get(bill_number) {
            return Ok(Some(id.clone()));
        }
        let Some(o) = self.ledger.order_by_bill(bill_number)? else {
            return Ok(None);
        };
        let id = o.request_id.clone();
        self.bills.insert(bill_number.to_string(), id.clone());
        self.orders.entry(id.clone()).or_insert(o);
        Ok(Some(id))
    }

    /// The code filed under `digest`, recalled if needed.
    pub(crate) fn recall_code(&mut self, digest: &str) -> Result<(), LedgerError> {
        if !self.codes.contains_key(digest)
            && let Some(c) = self.ledger.code(digest)?
        {
            self.codes.insert(digest.to_string(), c);
        }
        Ok(())
    }

    /// A refund done under `refund_request_id`, recalled if needed.
    pub(crate) fn recall_refund(&mut self, refund_request_id: &str) -> Result<(), LedgerError> {
        if !self.refunds.contains_key(refund_request_id)
            && let Some(r) = self.ledger.refund(refund_request_id)?
        {
            self.refunds.insert(refund_request_id.to_string(), r);
        }
        Ok(())
    }

    /// Whether a code with these digits was ever issued (codes are never reissued).
    pub(crate) fn code_known(&self, digest: &str) -> Result<bool, LedgerError> {
        Ok(self.codes.contains_key(digest) || self.ledger.code(digest)?.is_some())
    }

    /// A deterministic draw in `[lo, hi]` keyed by the seed and `parts`.
    pub(crate) fn roll(&self, parts: &[&str], range: [u64; 2]) -> u64 {
        let mut h = fnv1a(0xcbf2_9ce4_8422_2325, &self.seed.to_le_bytes());
        for p in parts {
            h = fnv1a(h, p.as_bytes());
            h = fnv1a(h, &[0]);
        }
        if range[0] >= range[1] {
            return range[0];
        }
        ChaCha8Rng::seed_from_u64(h).random_range(range[0]..=range[1])
    }

    pub(crate) fn after(&self, now: Timestamp, parts: &[&str], range: [u64; 2]) -> Timestamp {
        let ms = self.roll(parts, range);
        Timestamp(
            now.millis()
                .saturating_add(i64::try_from(ms).unwrap_or(i64::MAX)),
        )
    }

    fn take_fault(&mut self, call: Call) -> Option<Fault> {
        let pos = self.faults.iter().position(|f| f.call() == call)?;
        self.faults.remove(pos)
    }

    pub(crate) fn wallet_of(&self, shopper: &ShopperId) -> Option<(&WalletProfile, &Shopper)> {
        let s = self.book.shopper(shopper)?;
        Some((self.book.wallet(&s.wallet)?, s))
    }

    pub(crate) fn move_balance(
        &mut self,
        shopper: &ShopperId,
        kind: MoveKind,
        delta: Money,
        reference: &str,
        at: Timestamp,
    ) {
        let Some(w) = self.wallets.get_mut(shopper) else {
            return;
        };
        let Ok(next) = w.balance.checked_add(delta) else {
            return;
        };
        w.balance = next;
        let mv = BalanceMove {
            shopper: shopper.clone(),
            kind,
            amount: delta,
            reference: reference.to_string(),
            at,
        };
        self.pending.moves.push(mv);
        self.dirty_shoppers.insert(shopper.clone());
    }

    /// Writes everything changed since the last flush in one transaction.
    fn flush(&mut self) -> Result<(), LedgerError> {
        let mut batch = std::mem::take(&mut self.pending);
        for id in std::mem::take(&mut self.dirty_orders) {
            if let Some(o) = self.orders.get(&id) {
                batch.orders.push(o.clone());
            }
        }
        for code in std::mem::take(&mut self.dirty_codes) {
            if let Some(c) = self.codes.get(&code) {
                batch.codes.push(c.clone());
            }
        }
        for id in std::mem::take(&mut self.dirty_shoppers) {
            if let Some(w) = self.wallets.get(&id) {
                batch.shoppers.push(w.clone());
            }
        }
        for id in std::mem::take(&mut self.dirty_cards) {
            if let Some(c) = self.cards.get(&id) {
                batch.cards.push(c.clone());
            }
        }
        match self.ledger.commit(&batch) {
            Ok(()) => {
                self.ledger_error = None;
                Ok(())
            }
            Err(e) => {
                self.ledger_error = Some(e.to_string());
                // Keep the batch so the next call retries it.
                self.pending = batch;
                Err(e)
            }
        }
    }

    pub(crate) fn flush_or<E>(&mut self, wrap: impl FnOnce(String) -> E) -> Result<(), E> {
        self.flush().map_err(|e| wrap(e.to_string()))
    }

    /// Delivery time for a reply about `order`: never if its shopper is offline.
    fn reply_at(
        &self,
        order: Option<&Order>,
        now: Timestamp,
        parts: &[&str],
        range: [u64; 2],
    ) -> Option<Timestamp> {
        let offline = order
            .and_then(|o| o.shopper.as_ref())
            .is_some_and(|s| self.is_offline(s));
        (!offline).then(|| self.after(now, parts, range))
    }
}

#[cfg(test)]
mod tests;
