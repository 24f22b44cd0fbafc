//! What can happen to the checkout. Keys become `Action`s through the UI keymap; the runtime
//! turns journal results, timers and network replies into `Event`s. Everything enters through
//! `Checkout::handle(event, now)`.

use super::sale::CompletedSale;

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
    /// Quick tender `n` on the cash screen: 0 = exact, then the next round amounts.
    QuickTender(usize),
    Help,
    /// Print the receipt of the sale on screen again.
    Reprint,
}

/// Everything the checkout reacts to.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    Action(Action),
    /// The journal committed the sale and gave it its number.
    SaleCommitted(Box<CompletedSale>),
    /// The journal could not commit the sale: nothing was recorded.
    CommitFailed(String),
    /// A printer finished (or failed) a receipt.
    Printed {
        sale_no: u64,
        result: Result<(), String>,
    },
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
    Print { sale: CompletedSale, reprint: bool },
}
