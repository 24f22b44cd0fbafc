//! The keymap is data: one table per input mode maps keys to actions, and the legend and the
//! help screen are drawn from the same table, so they can never disagree with the keys.

use crate::checkout::{Action, Checkout, Screen};
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// What a key asks of the app: a checkout action, or something only the shell handles.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UiAction {
    Checkout(Action),
    Quit,
}

/// Which table applies depends on what the screen is waiting for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputMode {
    /// Basket: digits are scans, letters are commands.
    Basket,
    /// Free text (search): letters are text.
    Text,
    /// Cash tender: digits and '.', letters pick quick tenders.
    Cash,
    /// A yes/no question.
    Confirm,
    /// Typing a quantity.
    Number,
    /// A finished sale's receipt.
    Receipt,
    /// Waiting for the journal; only quitting is possible.
    Busy,
    /// The pay screen: digits are a payment code or a test card; Esc cancels.
    Pay,
}

impl InputMode {
    pub fn of(checkout: &Checkout) -> InputMode {
        match checkout.screen {
            Screen::Basket => InputMode::Basket,
            Screen::Search(_) => InputMode::Text,
            Screen::Quantity { .. } => InputMode::Number,
            Screen::ConfirmClear => InputMode::Confirm,
            Screen::Cash { .. } => InputMode::Cash,
            Screen::Committing => InputMode::Busy,
            Screen::Receipt { .. } => InputMode::Receipt,
            Screen::Pay(_) | Screen::Static(_) => InputMode::Pay,
        }
    }
}

/// One row of a keymap table: the key, how the legend names it, what it does.
pub struct Binding {
    pub code: KeyCode,
    pub label: &'static str,
    pub help: &'static str,
    pub action: fn() -> UiAction,
    /// Shown in the one-line legend (the help screen lists every binding).
    pub in_legend: bool,
}

macro_rules! bind {
    ($code:expr, $label:expr, $help:expr, $action:expr, $legend:expr) => {
        Binding {
            code: $code,
            label: $label,
            help: $help,
            action: || $action,
            in_legend: $legend,
        }
    };
}

use Action as A;
use UiAction::Checkout as C;

const BASKET: &[Binding] = &[
    bind!(KeyCode::Char('/'), "/", "search", C(A::Search), true),
    bind!(KeyCode::Up, "↑↓", "select", C(A::Up), true),
    bind!(KeyCode::Down, "↓", "select a line", C(A::Down), false),
    bind!(KeyCode::Char('+'), "+/-", "qty", C(A::QtyUp), true),
    bind!(KeyCode::Char('='), "=", "quantity up", C(A::QtyUp), false),
    bind!(
        KeyCode::Char('-'),
        "-",
        "quantity down",
        C(A::QtyDown),
        false
    ),
    bind!(KeyCode::Char('q'), "q", "set qty", C(A::SetQty), true),
    bind!(KeyCode::Char('v'), "v", "void line", C(A::VoidLine), true),
    bind!(
        KeyCode::Delete,
        "Del",
        "void the line",
        C(A::VoidLine),
        false
    ),
    bind!(KeyCode::Char('x'), "x", "clear", C(A::ClearBasket), true),
    bind!(
        KeyCode::F(5),
        "F5",
        "wallet QR (shopper scans)",
        C(A::PayWalletQr),
        false
    ),
    bind!(
        KeyCode::F(6),
        "F6",
        "scan the payment code",
        C(A::PayCode),
        false
    ),
    bind!(KeyCode::F(7), "F7", "tap (NFC)", C(A::PayTap), false),
    bind!(
        KeyCode::F(4),
        "F4",
        "static code (shopper types the amount)",
        C(A::PayStatic),
        false
    ),
    bind!(KeyCode::F(8), "F8", "card tap", C(A::PayCard), false),
    bind!(KeyCode::F(9), "F9", "cash", C(A::PayCash), false),
    bind!(KeyCode::Char('c'), "c", "pay cash", C(A::PayCash), false),
    bind!(
        KeyCode::Enter,
        "Enter",
        "enter the typed barcode",
        C(A::Enter),
        false
    ),
    bind!(
        KeyCode::Backspace,
        "Bksp",
        "erase a digit",
        C(A::Backspace),
        false
    ),
    bind!(
        KeyCode::Esc,
        "Esc",
        "clear the typed digits",
        C(A::Back),
        false
    ),
    bind!(KeyCode::Char('?'), "?", "help", C(A::Help), true),
    bind!(KeyCode::F(1), "F1", "help", C(A::Help), false),
];

const TEXT: &[Binding] = &[
    bind!(KeyCode::Up, "↑↓", "choose", C(A::Up), true),
    bind!(KeyCode::Down, "↓", "choose", C(A::Down), false),
    bind!(
        KeyCode::Enter,
        "Enter",
        "add the chosen item",
        C(A::Enter),
        true
    ),
    bind!(KeyCode::Backspace, "Bksp", "erase", C(A::Backspace), false),
    bind!(KeyCode::Esc, "Esc", "back to the basket", C(A::Back), true),
];

const CASH: &[Binding] = &[
    bind!(
        KeyCode::Char('a'),
        "a",
        "exact amount",
        C(A::QuickTender(0)),
        false
    ),
    bind!(
        KeyCode::Char('b'),
        "b",
        "quick tender 2",
        C(A::QuickTender(1)),
        false
    ),
    bind!(
        KeyCode::Char('c'),
        "c",
        "quick tender 3",
        C(A::QuickTender(2)),
        false
    ),
    bind!(
        KeyCode::Char('d'),
        "d",
        "quick tender 4",
        C(A::QuickTender(3)),
        false
    ),
    bind!(
        KeyCode::Enter,
        "Enter",
        "take the typed amount",
        C(A::Enter),
        true
    ),
    bind!(KeyCode::Backspace, "Bksp", "erase", C(A::Backspace), false),
    bind!(KeyCode::Esc, "Esc", "back to the basket", C(A::Back), true),
    bind!(KeyCode::Char('?'), "?", "help", C(A::Help), true),
];

const CONFIRM: &[Binding] = &[
    bind!(KeyCode::Char('y'), "y", "yes", C(A::Char('y')), true),
    bind!(KeyCode::Char('n'), "n", "no", C(A::Char('n')), true),
    bind!(KeyCode::Esc, "Esc", "no", C(A::Back), false),
];

const NUMBER: &[Binding] = &[
    bind!(
        KeyCode::Enter,
        "Enter",
        "set the quantity",
        C(A::Enter),
        true
    ),
    bind!(KeyCode::Backspace, "Bksp", "erase", C(A::Backspace), false),
    bind!(KeyCode::Esc, "Esc", "cancel", C(A::Back), true),
];

const RECEIPT: &[Binding] = &[
    bind!(KeyCode::Enter, "Enter", "next customer", C(A::Enter), true),
    bind!(KeyCode::Char('r'), "r", "reprint", C(A::Reprint), true),
    bind!(KeyCode::Up, "↑↓", "scroll the slip", C(A::Up), true),
    bind!(KeyCode::Down, "↓", "scroll the slip", C(A::Down), false),
    bind!(KeyCode::Esc, "Esc", "next customer", C(A::Back), false),
    bind!(KeyCode::Char('?'), "?", "help", C(A::Help), true),
];

const BUSY: &[Binding] = &[];

const PAY: &[Binding] = &[
    bind!(
        KeyCode::Enter,
        "Enter",
        "send the code / try again",
        C(A::Enter),
        true
    ),
    bind!(KeyCode::Esc, "Esc", "cancel / back", C(A::Back), true),
    bind!(
        KeyCode::Backspace,
        "Bksp",
        "erase a digit",
        C(A::Backspace),
        false
    ),
];

/// Keys that work everywhere.
pub const GLOBAL: &[Binding] = &[bind!(
    KeyCode::Char('q'),
    "^Q",
    "quit",
    UiAction::Quit,
    true
)];

pub fn table(mode: InputMode) -> &'static [Binding] {
    match mode {
        InputMode::Basket => BASKET,
        InputMode::Text => TEXT,
        InputMode::Cash => CASH,
        InputMode::Confirm => CONFIRM,
        InputMode::Number => NUMBER,
        InputMode::Receipt => RECEIPT,
        InputMode::Busy => BUSY,
        InputMode::Pay => PAY,
    }
}

/// Maps a key press to an action in `mode`. Printable characters that no binding claims are
/// typed into the screen (digits of a scan, letters of a search).
pub fn action_for(key: KeyEvent, mode: InputMode) -> Option<UiAction> {
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    if ctrl {
        return match key.code {
            KeyCode::Char('q') | KeyCode::Char('c') => Some(UiAction::Quit),
            _ => None,
        };
    }
    if let Some(b) = table(mode).iter().find(|b| b.code == key.code) {
        return Some((b.action)());
    }
    match key.code {
        KeyCode::Char(c) if !c.is_control() => Some(UiAction::Checkout(Action::Char(c))),
        _ => None,
    }
}

/// The one-line legend for `mode`: "/ search  ↑↓ select a line ...".
pub fn legend(mode: InputMode) -> Vec<(&'static str, &'static str)> {
    table(mode)
        .iter()
        .chain(GLOBAL.iter())
        .filter(|b| b.in_legend)
        .map(|b| (b.label, b.help))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    #[test]
    fn digits_are_scans_on_the_basket_and_letters_are_text_in_search() {
        assert_eq!(
            action_for(key(KeyCode::Char('4')), InputMode::Basket),
            Some(UiAction::Checkout(Action::Char('4')))
        );
        assert_eq!(
            action_for(key(KeyCode::Char('v')), InputMode::Basket),
            Some(UiAction::Checkout(Action::VoidLine))
        );
        assert_eq!(
            action_for(key(KeyCode::Char('v')), InputMode::Text),
            Some(UiAction::Checkout(Action::Char('v')))
        );
    }

    #[test]
    fn ctrl_q_quits_everywhere() {
        let k = KeyEvent::new(KeyCode::Char('q'), KeyModifiers::CONTROL);
        for mode in [
            InputMode::Basket,
            InputMode::Text,
            InputMode::Cash,
            InputMode::Busy,
        ] {
            assert_eq!(action_for(k, mode), Some(UiAction::Quit));
        }
    }

    #[test]
    fn quick_tenders_are_letters_on_the_cash_screen() {
        assert_eq!(
            action_for(key(KeyCode::Char('b')), InputMode::Cash),
            Some(UiAction::Checkout(Action::QuickTender(1)))
        );
    }
}
