//! What can happen to the checkout. Keys become `Action`s through the UI keymap; the runtime
//! turns journal results, timers and network replies into `Event`s. Everything enters through
//! `Checkout::handle(event, now)`.

use super::attempt::record::{AttemptOutcome, AttemptRecord};
use super::history::{HistoryPage, HistoryQuery, SaleRecord};
use super::payment::Timer;
use super::sale::CompletedSale;
use crate::clock::Timestamp;
use crate::network::{
    CancelResponse, CardRequest, CardResponse, Notification, PayRequest, PayResponse, QueryResponse,
};

/// A cashier's intent, independent of which key produced it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// A printable character typed on the current screen (digits from a scanner, search text).
    Char(char),
    Backspace,
    Enter,
    Up,
    Down,
    /// Back out of the current screen (or dismiss a message).
    Back,
    QtyUp,
    QtyDown,
    /// Start typing a quantity for the selected line.
    SetQty,
    VoidLine,
    ClearBasket,
    Search,
    PayCash,
    /// Show the counter's dynamic QR code for the shopper's wallet to scan.
    PayWalletQr,
    /// Scan the shopper's payment code.
    PayCode,
    /// Wait for the shopper's NFC tap.
    PayTap,
    /// Take a contactless card.
    PayCard,
    /// Show the store's static entry code; wait for the network's notification.
    PayStatic,
    /// Quick tender `n` on the cash screen: 0 = exact, then the next round amounts.
    QuickTender(usize),
    Help,
    /// Print the receipt of the sale on screen again.
    Reprint,
    /// Open the sales history (from the basket).
    History,
    /// The previous or next page of a list (sales history).
    PageUp,
    PageDown,
    /// Refund the opened sale (lines, reason, PIN) or post-void it whole.
    Refund,
    PostVoid,
    /// Close the shift: blind count, variance, Z (from the basket, no open sale).
    CloseShift,
    /// Switch training mode on or off (from an empty basket, behind the supervisor PIN).
    Training,
}

/// Everything the checkout reacts to.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    Action(Action),
    /// The journal committed the sale (of payment attempt `attempt`) and gave it its number.
    SaleCommitted {
        sale: Box<CompletedSale>,
        attempt: Option<String>,
    },
    /// The journal could not commit the sale: nothing was recorded.
    CommitFailed {
        attempt: Option<String>,
        reason: String,
    },
    /// A printer finished (or failed) a receipt.
    Printed {
        sale_no: u64,
        result: Result<(), String>,
    },
    /// A reply or notification from the payment network arrived.
    Net(Box<NetReply>),
    /// A timer the checkout set is due.
    Timer(Timer),
    /// The attempt could not be journaled, so its request was never sent.
    PayNotSent {
        request_id: String,
        reason: String,
    },
    /// The shopper tapped the phone on the reader: the payment code it carried.
    Tapped(String),
    /// An attempt the journal holds without a final state (the counter stopped while it was
    /// open): resolve it through the same rules as a live one.
    Resume(Box<AttemptRecord>),
    /// The journal read a page of sales history (or could not: the reason).
    HistoryLoaded(Result<HistoryPage, String>),
    /// The journal looked up a sale to open: found (with its refunds), absent, or unreadable.
    /// `store_asked`: another lane's sale, looked for in the store too (`store.url`).
    SaleOpened {
        lane_id: String,
        sale_no: u64,
        found: Result<Option<Box<SaleRecord>>, String>,
        store_asked: bool,
    },
    /// The runtime answered the refund screen (screens/refund_io.rs).
    Refund(Box<super::screens::refund_io::RefundNews>),
    /// The store has a newer catalogue, loaded and checked; it is sold from from the next sale.
    CatalogArrived(Box<super::catalog_swap::CatalogUpdate>),
    /// The runtime answered the shift screens (screens/shift_io.rs).
    Shift(super::screens::shift_io::ShiftNews),
    /// The runtime reopened the books: training on (true) or off, or why it did not.
    TrainingSwitched(Result<bool, String>),
}

/// What the network sends back.
#[derive(Debug, Clone, PartialEq)]
pub enum NetReply {
    Pay(PayResponse),
    Query(QueryResponse),
    Cancel(CancelResponse),
    Notify(Notification),
    Card(CardResponse),
}

impl From<Action> for Event {
    fn from(a: Action) -> Self {
        Event::Action(a)
    }
}

/// What the checkout asks the runtime to do. Effects are data: tests assert on them.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Commit this sale (its `sale_no` is assigned by the journal) and report back with
    /// `SaleCommitted` or `CommitFailed`. The screen says "paid" only after that.
    CommitSale {
        sale: CompletedSale,
        attempt: Option<String>,
    },
    /// Print the receipt of a committed sale (asynchronously; reported with `Printed`). The
    /// first print of a cash sale kicks the drawer; a reprint does not.
    Print {
        sale: CompletedSale,
        reprint: bool,
    },
    /// Journal the attempt, then send the pay request. If the journal write fails the request
    /// is not sent and the runtime reports `PayNotSent`.
    Pay {
        record: AttemptRecord,
        request: PayRequest,
    },
    /// Journal the attempt, then ask the card network to authorize.
    CardAuthorize {
        record: AttemptRecord,
        request: CardRequest,
    },
    /// Send the same pay request again (same request id; not journaled a second time).
    ResendPay {
        request: PayRequest,
    },
    Query {
        request_id: String,
    },
    Cancel {
        request_id: String,
    },
    /// Record an attempt's final outcome (one that did not become a sale).
    FinishAttempt {
        request_id: String,
        outcome: AttemptOutcome,
    },
    /// Journal a static-entry-code payment as a paid attempt, then commit its sale (as
    /// `CommitSale` with `attempt` = its request id). A failed write reports `CommitFailed`.
    CommitStaticSale {
        record: Box<AttemptRecord>,
        sale: CompletedSale,
    },
    /// Journal a static-entry-code payment that matched no sale (state `unmatched`). A failed
    /// write reports `CommitFailed`.
    RecordUnmatched {
        record: AttemptRecord,
    },
    /// Deliver `Event::Timer(timer)` at `at`.
    SetTimer {
        at: Timestamp,
        timer: Timer,
    },
    /// Read one page of sales history; report with `HistoryLoaded`.
    LoadHistory(HistoryQuery),
    /// Read sale `sale_no` of `lane_id` with its refunds; report with `SaleOpened`.
    OpenSale {
        lane_id: String,
        sale_no: u64,
    },
    /// What the refund screen asks of the journal and the network (screens/refund_io.rs).
    Refund(super::screens::refund_io::RefundEffect),
    /// The checkout now sells from store catalogue `version` (between sales): tell the store.
    CatalogSwapped {
        version: i64,
        items: usize,
    },
    /// What the shift screens ask of the journal (screens/shift_io.rs).
    Shift(super::screens::shift_io::ShiftEffect),
    /// Reopen the counter on the training journal and ledger (`on`) or the real ones; refused
    /// while anything is in flight. Reported with `TrainingSwitched`.
    SwitchTraining {
        on: bool,
    },
}
