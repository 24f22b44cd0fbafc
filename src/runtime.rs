//! The imperative shell around the checkout. It owns the clock, the journal, the printer and
//! the (simulated, in-process) payment network; it feeds events to `Checkout::handle` and
//! carries out the effects it returns. Replies, notifications and timers wait in one inbox
//! ordered by the time they are due. The TUI, the headless runs and the tests all drive this
//! same runtime.

mod catalog_feed;
mod entry;
mod observe;
mod phone;
mod recovery;
mod refund;
mod shift_desk;
mod store_refund;
mod training;

pub use catalog_feed::CatalogFeed;
pub use observe::StateObserver;
pub use phone::PhoneAction;
pub use recovery::{CommandClock, Recovered, WaitClock};
pub use refund::RefundPrint;
pub use store_refund::{STORE_OFFLINE, StoreDesk};
pub use training::{Books, OpenBooks};

use crate::checkout::{Action, Checkout, CompletedSale, Effect, Event, NetReply};
use crate::clock::{Clock, ManualClock, Timestamp};
use crate::journal::Journal;
use crate::netserve::PaymentLink;
use crate::network::reply_shape::ReplyShape;
use crate::network::{Call, Delivery, Network};
use std::collections::{BTreeMap, VecDeque};
use std::time::Duration;

/// Where receipts go. Printing never blocks the sale: `submit` returns at once and the result
/// arrives later through `poll`.
pub trait ReceiptPrinter {
    /// Queues the receipt of a committed sale. The original print of a cash sale also kicks
    /// the cash drawer; a reprint never does.
    fn submit(&mut self, sale: &CompletedSale, reprint: bool);
    /// Finished jobs since the last call: `(sale_no, Ok or the reason it failed)`.
    fn poll(&mut self) -> Vec<(u64, Result<(), String>)>;
    /// Queues the slip of a finished refund (`runtime/refund.rs`). A screen-only printer has
    /// nothing to do: the refund screen shows the slip.
    fn submit_refund(&mut self, _refund: &RefundPrint, _reprint: bool) {}
    /// Finished refund-slip jobs since the last call: `(refund request id, Ok or why not)`.
    fn poll_refunds(&mut self) -> Vec<(String, Result<(), String>)> {
        Vec::new()
    }
    /// Queues the Z report written at a shift close (42 columns, as `qrtill report z --format
    /// escpos`). A screen-only printer has nothing to do: the report view shows it.
    fn submit_report(&mut self, _report: &crate::report::Report) {}
    /// Whether jobs are still out, so the loop knows to come back for them.
    fn busy(&self) -> bool {
        false
    }
}

/// The receipt is shown on screen only; "printing" always succeeds at once.
#[derive(Debug, Default)]
pub struct ScreenPrinter {
    done: Vec<u64>,
}

impl ReceiptPrinter for ScreenPrinter {
    fn submit(&mut self, sale: &CompletedSale, _reprint: bool) {
        self.done.push(sale.sale_no);
    }

    fn poll(&mut self) -> Vec<(u64, Result<(), String>)> {
        self.done.drain(..).map(|n| (n, Ok(()))).collect()
    }
}

pub struct Runtime<C: Clock> {
    pub checkout: Checkout,
    clock: C,
    journal: Journal,
    printer: Box<dyn ReceiptPrinter>,
    network: Network,
    /// `network.url`: payments go to `qrtill network serve` instead of `network`, which then
    /// only serves the wallet book and rates to the screens.
    remote: Option<Box<dyn PaymentLink>>,
    /// The version of the service's phones last mirrored into `network` (remote only).
    phones_seen: u64,
    /// Events due later (network replies, notifications, timers), by due time then arrival.
    inbox: BTreeMap<(Timestamp, u64), Event>,
    seq: u64,
    /// What the running start-up recovery has resolved so far.
    recovery: Option<recovery::RecoveryLog>,
    /// Wall time of each sale commit, when a benchmark asks for it (`measure_commits`).
    commit_times: Option<Vec<Duration>>,
    /// Second screens and the web phone (`publish`).
    observers: Vec<Box<dyn StateObserver>>,
    /// `store.url`: cross-lane sales and refund reservations (runtime/store_refund.rs).
    store: Option<StoreDesk>,
    /// Newer store catalogues from the lane's watcher thread (`watch_catalog`).
    catalog_feed: Option<CatalogFeed>,
    /// The data directory the PIN lock is saved in (`open_refund_desk`); none in tests.
    pin_lock_dir: Option<std::path::PathBuf>,
    /// Reopens the books for the training switch (runtime/training.rs).
    books: Option<Box<dyn OpenBooks>>,
    /// The books open now are the training ones.
    training: bool,
}

impl<C: Clock> Runtime<C> {
    pub fn new(
        mut checkout: Checkout,
        clock: C,
        journal: Journal,
        printer: Box<dyn ReceiptPrinter>,
        network: Network,
    ) -> Self {
        // Request ids continue after the attempts already journaled, across restarts.
        checkout.set_attempt_seq(journal.attempt_count().unwrap_or(0));
        Self {
            checkout,
            clock,
            journal,
            printer,
            network,
            remote: None,
            phones_seen: 0,
            inbox: BTreeMap::new(),
            seq: 0,
            recovery: None,
            commit_times: None,
            observers: Vec::new(),
            store: None,
            catalog_feed: None,
            pin_lock_dir: None,
            books: None,
            training: false,
        }
    }

    pub fn now(&self) -> Timestamp {
        self.clock.now()
    }

    pub fn clock(&self) -> &C {
        &self.clock
    }

    pub fn journal(&self) -> &Journal {
        &self.journal
    }

    /// The journal, for injected faults in tests (`Journal::fail_next_writes`).
    pub fn journal_mut(&mut self) -> &mut Journal {
        &mut self.journal
    }

    /// Starts recording how long each sale commit takes (the time between the wallet's approval
    /// reaching the counter and the screen being allowed to say PAID).
    pub fn measure_commits(&mut self) {
        self.commit_times = Some(Vec::new());
    }

    /// The commit times recorded since `measure_commits`.
    pub fn commit_times(&self) -> &[Duration] {
        self.commit_times.as_deref().unwrap_or(&[])
    }

    pub fn network(&self) -> &Network {
        &self.network
    }

    /// The network, for scripted faults in demos and tests.
    pub fn network_mut(&mut self) -> &mut Network {
        &mut self.network
    }

    /// Sends payments, queries, cancels and the phone's wallet calls over `link` (the network
    /// service) from now on.
    pub fn use_remote(&mut self, link: Box<dyn PaymentLink>) {
        self.remote = Some(link);
    }

    /// Where payment calls go: the network service when one is set, else the in-process network.
    pub fn link(&mut self) -> &mut dyn PaymentLink {
        match &mut self.remote {
            Some(remote) => remote.as_mut(),
            None => &mut self.network,
        }
    }

    /// Whether the network service's phones have arrived (always false without one).
    pub fn phones_mirrored(&self) -> bool {
        self.phones_seen > 0
    }

    /// With the network service: takes its phones into the in-process network, whose screens
    /// (the phone pane, `qrtill phone`, the web phone) then show them. True when they changed.
    fn mirror_phones(&mut self) -> bool {
        let Some((version, phones)) = self.remote.as_ref().and_then(|r| r.phones()) else {
            return false;
        };
        if version == self.phones_seen {
            return false;
        }
        self.phones_seen = version;
        self.network.mirror_phones(phones);
        true
    }

    /// Applies a cashier action and everything it causes, until the checkout is quiet.
    pub fn dispatch(&mut self, action: Action) {
        self.feed(Event::Action(action));
    }

    /// Delivers what is due now: finished print jobs, network notifications, replies and
    /// timers. Returns true when anything was delivered, so the UI knows to redraw.
    pub fn tick(&mut self) -> bool {
        let mut changed = false;
        for (sale_no, result) in self.printer.poll() {
            self.feed(Event::Printed { sale_no, result });
            changed = true;
        }
        changed |= self.take_catalog_updates();
        changed |= self.poll_refund_slips();
        changed |= self.mirror_phones();
        let now = self.clock.now();
        for note in self.link().advance(now) {
            self.schedule(
                note.deliver_at,
                Event::Net(Box::new(NetReply::Notify(note.body))),
            );
        }
        while let Some(entry) = self.inbox.first_entry() {
            if entry.key().0 > now {
                break;
            }
            let event = entry.remove();
            self.feed(event);
            changed = true;
        }
        changed
    }

    /// When the runtime next needs to wake up without input, if ever.
    pub fn next_deadline(&self) -> Option<Timestamp> {
        let printer = self
            .printer
            .busy()
            .then(|| self.clock.now() + Duration::from_millis(50));
        [
            self.inbox.keys().next().map(|k| k.0),
            match &self.remote {
                Some(remote) => remote.next_wakeup(),
                None => self.network.next_wakeup(),
            },
            printer,
            self.catalog_poll_due(),
        ]
        .into_iter()
        .flatten()
        .min()
    }

    fn schedule(&mut self, at: Option<Timestamp>, event: Event) {
        // A reply that never arrives is simply never delivered; the checkout's timers notice.
        if let Some(at) = at {
            self.seq += 1;
            self.inbox.insert((at, self.seq), event);
        }
    }

    fn deliver<T>(&mut self, call: Call, d: Delivery<T>, wrap: fn(T) -> NetReply) {
        let reply = wrap(d.body);
        // A scripted delay or duplicate (network/reply_shape.rs); a dropped reply stays dropped.
        match (self.network.take_reply_shape(call), d.deliver_at) {
            (Some(ReplyShape::Delay(by)), Some(at)) => {
                self.schedule(Some(at + by), Event::Net(Box::new(reply)))
            }
            (Some(ReplyShape::Duplicate), Some(at)) => {
                self.schedule(Some(at), Event::Net(Box::new(reply.clone())));
                self.schedule(
                    Some(at + Duration::from_millis(50)),
                    Event::Net(Box::new(reply)),
                );
            }
            _ => self.schedule(d.deliver_at, Event::Net(Box::new(reply))),
        }
    }

    fn feed(&mut self, first: Event) {
        let mut queue = VecDeque::from([first]);
        while let Some(event) = queue.pop_front() {
            let now = self.clock.now();
            for effect in self.checkout.handle(event, now) {
                if let Some(next) = self.execute(effect, now) {
                    queue.push_back(next);
                }
            }
        }
    }

    fn execute(&mut self, effect: Effect, now: Timestamp) -> Option<Event> {
        match effect {
            Effect::CommitSale { sale, attempt } => {
                let started = self.commit_times.is_some().then(std::time::Instant::now);
                let committed = self.journal.commit_sale(sale, attempt.as_deref());
                if let (Some(times), Some(t)) = (self.commit_times.as_mut(), started) {
                    times.push(t.elapsed());
                }
                match committed {
                    Ok(stored) => {
                        tracing::info!(sale_no = stored.sale_no, total = %stored.total, "sale committed");
                        if let (Some(log), Some(id)) = (self.recovery.as_mut(), &attempt) {
                            log.committed(id, stored.sale_no);
                        }
                        Some(Event::SaleCommitted {
                            sale: Box::new(stored),
                            attempt,
                        })
                    }
                    Err(e) => {
                        tracing::error!(error = %e, "sale commit failed");
                        Some(Event::CommitFailed {
                            attempt,
                            reason: e.to_string(),
                        })
                    }
                }
            }
            Effect::Print { sale, reprint } => {
                self.printer.submit(&sale, reprint);
                None
            }
            Effect::Pay { record, request } => {
                // Journaled before the request leaves: after a crash the attempt is resolved.
                if let Err(e) = self.journal.begin_attempt(&record) {
                    tracing::error!(error = %e, id = %record.request_id, "attempt not journaled");
                    return Some(Event::PayNotSent {
                        request_id: record.request_id,
                        reason: e.to_string(),
                    });
                }
                let d = self.link().pay(request, now);
                self.deliver(Call::Pay, d, NetReply::Pay);
                None
            }
            Effect::CardAuthorize { record, request } => {
                if let Err(e) = self.journal.begin_attempt(&record) {
                    return Some(Event::PayNotSent {
                        request_id: record.request_id,
                        reason: e.to_string(),
                    });
                }
                let d = self.link().card_authorize(request, now);
                self.deliver(Call::Card, d, NetReply::Card);
                None
            }
            Effect::ResendPay { request } => {
                let d = self.link().pay(request, now);
                self.deliver(Call::Pay, d, NetReply::Pay);
                None
            }
            Effect::Query { request_id } => {
                let d = self.link().query(&request_id, now);
                self.deliver(Call::Query, d, NetReply::Query);
                None
            }
            Effect::Cancel { request_id } => {
                let d = self.link().cancel(&request_id, now);
                self.deliver(Call::Cancel, d, NetReply::Cancel);
                None
            }
            Effect::FinishAttempt {
                request_id,
                outcome,
            } => {
                // Not journaled: the attempt stays open and the next start-up resolves it again.
                if let Err(e) = self.journal.finish_attempt(&request_id, &outcome, now) {
                    tracing::error!(error = %e, id = %request_id, "attempt outcome not journaled");
                }
                if let Some(log) = self.recovery.as_mut() {
                    log.finished(&request_id, &outcome);
                }
                None
            }
            Effect::CommitStaticSale { record, sale } => {
                // The attempt row first (as for a pay request): a crash before the sale commits
                // leaves a pending attempt that the next start-up resolves into the sale.
                if let Err(e) = self.journal.begin_attempt(&record) {
                    tracing::error!(error = %e, id = %record.request_id, "static payment not journaled");
                    return Some(Event::CommitFailed {
                        attempt: Some(record.request_id),
                        reason: e.to_string(),
                    });
                }
                let attempt = Some(record.request_id);
                self.execute(Effect::CommitSale { sale, attempt }, now)
            }
            Effect::RecordUnmatched { record } => {
                let result = self.journal.record_unmatched(&record);
                result.err().map(|e| {
                    tracing::error!(error = %e, id = %record.request_id, "unmatched payment not journaled");
                    Event::CommitFailed {
                        attempt: Some(record.request_id),
                        reason: e.to_string(),
                    }
                })
            }
            Effect::SetTimer { at, timer } => {
                self.schedule(Some(at), Event::Timer(timer));
                None
            }
            // Sales history: one page, or one sale with its refunds (journal/history.rs).
            Effect::LoadHistory(query) => Some(Event::HistoryLoaded(
                self.journal.history_page(&query).map_err(|e| e.to_string()),
            )),
            Effect::OpenSale { lane_id, sale_no } => {
                let store_asked = self.asks_store_for(&lane_id);
                let found = self.open_sale(&lane_id, sale_no, now);
                Some(Event::SaleOpened {
                    lane_id,
                    sale_no,
                    found: found.map(|r| r.map(Box::new)),
                    store_asked,
                })
            }
            Effect::Refund(effect) => self.execute_refund(effect, now),
            Effect::CatalogSwapped { version, items } => {
                self.catalog_swapped(version, items);
                None
            }
            Effect::Shift(effect) => self.execute_shift(effect, now),
            Effect::SwitchTraining { on } => Some(self.switch_training(on)),
        }
    }
}

impl Runtime<ManualClock> {
    /// Moves the virtual clock forward by `d`, delivering everything that falls due on the way,
    /// in order. Tests run a 60-second flow in microseconds this way.
    pub fn advance(&mut self, d: Duration) {
        let end = self.clock.now() + d;
        self.tick();
        while let Some(next) = self.next_deadline().filter(|t| *t <= end) {
            if next > self.clock.now() {
                self.clock.set(next);
            }
            if !self.tick() && self.next_deadline() == Some(next) {
                // Only a busy printer keeps asking; it finishes on its own time.
                break;
            }
        }
        self.clock.set(end);
        self.tick();
    }
}
