//! The keymap is data: every key of every pane (the counter's screens, the panes, the shopper
//! phone) is a row of one of the tables below. `action_for` is the only place a key becomes an
//! action, and the legend, the help screen, the pay panel and the phone pane draw their key
//! names from the same rows, so they can never disagree with the keys.

use crate::checkout::{Action, Checkout, Screen};
use crate::runtime::PhoneAction;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use unicode_width::UnicodeWidthStr;

/// What a key asks of the app: a checkout action, or something only the shell handles.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UiAction {
    Checkout(Action),
    Quit,
    /// Open or close the shopper-phone pane (opening gives it the keys).
    TogglePhone,
    /// Open or close the protocol-trace pane.
    ToggleTrace,
    /// Move the keys between the counter and the open phone pane.
    SwitchFocus,
    Phone(PhoneKey),
    /// Show or hide the X report of the open shift (any other key hides it).
    ToggleReport,
}

/// A key of the shopper-phone pane.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PhoneKey {
    PrevShopper,
    NextShopper,
    /// Give the keys back to the counter (the pane stays open).
    Leave,
    Do(PhoneAction),
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
    /// The pay screen before a request is out: digits are a payment code or a test card.
    PayEntry,
    /// A payment request is out: Esc cancels it.
    PayLive,
    /// The attempt ended without a sale (declined, cancelled, expired, manual).
    PayClosed,
    /// The static entry code is shown: the counter waits for the wallet's notification.
    PayStatic,
    /// Sales history: letters and digits are the filter line.
    History,
    /// A past sale opened from the history or by a scanned sale reference.
    SaleDetail,
    /// A sale reference being scanned on the basket (`S0007-L03-000042`): all of it is text.
    Reference,
    /// The refund screen: lines and units, reason, result.
    Refund,
    /// The supervisor PIN on the refund screen: digits are the PIN (masked).
    Pin,
    /// The refund's result and slip.
    RefundDone,
    /// Opening a shift: the cashier id is typed.
    ShiftCashier,
    /// Counting the drawer by denomination (the float, or the blind count at close).
    ShiftCount,
    /// The close: expected against counted, before the Z is written.
    ShiftReview,
    /// The supervisor PIN for a close over the variance threshold (masked).
    ShiftPin,
    /// The Z report written at close.
    ShiftDone,
    /// The supervisor PIN for the training switch (digits masked).
    TrainingPin,
}

impl InputMode {
    pub fn of(checkout: &Checkout) -> InputMode {
        match &checkout.screen {
            Screen::Basket if checkout.scan_input.starts_with('S') => InputMode::Reference,
            Screen::Basket => InputMode::Basket,
            Screen::Search(_) => InputMode::Text,
            Screen::Quantity { .. } => InputMode::Number,
            Screen::ConfirmClear => InputMode::Confirm,
            Screen::Cash { .. } => InputMode::Cash,
            Screen::Committing => InputMode::Busy,
            Screen::Receipt { .. } => InputMode::Receipt,
            Screen::Pay(p) if p.status.is_final() => InputMode::PayClosed,
            Screen::Pay(p) if p.status.is_live() => InputMode::PayLive,
            Screen::Pay(_) => InputMode::PayEntry,
            Screen::Static(_) => InputMode::PayStatic,
            Screen::History(_) => InputMode::History,
            Screen::SaleDetail(_) => InputMode::SaleDetail,
            Screen::Training(_) => InputMode::TrainingPin,
            Screen::Refund(r) => match r.stage {
                crate::checkout::RefundStage::Pin { .. } => InputMode::Pin,
                crate::checkout::RefundStage::Planning
                | crate::checkout::RefundStage::Running { .. } => InputMode::Busy,
                crate::checkout::RefundStage::Done { .. }
                | crate::checkout::RefundStage::Failed(_) => InputMode::RefundDone,
                _ => InputMode::Refund,
            },
            Screen::Shift(s) => shift_mode(&s.stage),
        }
    }

    pub const ALL: [InputMode; 23] = [
        InputMode::Basket,
        InputMode::Text,
        InputMode::Cash,
        InputMode::Confirm,
        InputMode::Number,
        InputMode::Receipt,
        InputMode::Busy,
        InputMode::PayEntry,
        InputMode::PayLive,
        InputMode::PayClosed,
        InputMode::PayStatic,
        InputMode::History,
        InputMode::SaleDetail,
        InputMode::Reference,
        InputMode::Refund,
        InputMode::Pin,
        InputMode::RefundDone,
        InputMode::ShiftCashier,
        InputMode::ShiftCount,
        InputMode::ShiftReview,
        InputMode::ShiftPin,
        InputMode::ShiftDone,
        InputMode::TrainingPin,
    ];
}

/// Where a row shows up besides working.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Show {
    /// In the one-line legend and in help.
    Legend,
    /// In help only.
    Help,
    /// Nowhere on its own: another row's label already names this key (`↓` in `↑↓`).
    Alias,
}

/// One row of a keymap table: the key, how screens name it, what it does.
pub struct Binding {
    pub code: KeyCode,
    /// CONTROL and/or ALT; SHIFT is ignored (terminals differ on `?` and `+`).
    pub mods: KeyModifiers,
    pub label: &'static str,
    pub help: &'static str,
    pub action: fn() -> UiAction,
    pub show: Show,
}

impl Binding {
    fn matches(&self, key: &KeyEvent) -> bool {
        self.code == key.code && self.mods == significant(key.modifiers)
    }
}

fn significant(mods: KeyModifiers) -> KeyModifiers {
    mods & (KeyModifiers::CONTROL | KeyModifiers::ALT)
}

macro_rules! bind {
    ($code:expr, $label:expr, $help:expr, $action:expr, $show:ident) => {
        bind!($code, NONE, $label, $help, $action, $show)
    };
    ($code:expr, $mods:ident, $label:expr, $help:expr, $action:expr, $show:ident) => {
        Binding {
            code: $code,
            mods: KeyModifiers::$mods,
            label: $label,
            help: $help,
            action: || $action,
            show: Show::$show,
        }
    };
}

use Action as A;
use KeyCode as K;
use PhoneAction as P;
use UiAction::Checkout as C;

const BASKET: &[Binding] = &[
    bind!(K::Char('/'), "/", "search", C(A::Search), Legend),
    bind!(K::Up, "↑↓", "select", C(A::Up), Legend),
    bind!(K::Down, "↓", "select a line", C(A::Down), Alias),
    bind!(K::Char('+'), "+/-", "qty", C(A::QtyUp), Legend),
    bind!(K::Char('='), "=", "qty", C(A::QtyUp), Help),
    bind!(K::Char('-'), "-", "quantity down", C(A::QtyDown), Alias),
    bind!(K::Char('q'), "q", "set qty", C(A::SetQty), Help),
    bind!(K::Char('v'), "v", "void line", C(A::VoidLine), Legend),
    bind!(K::Delete, "Del", "void line", C(A::VoidLine), Help),
    bind!(K::Char('x'), "x", "clear", C(A::ClearBasket), Legend),
    bind!(K::Char('h'), "h", "history", C(A::History), Legend),
    bind!(K::F(3), "F3", "close shift", C(A::CloseShift), Legend),
    bind!(K::Char('t'), "t", "training", C(A::Training), Legend),
    bind!(
        K::F(5),
        "F5",
        "wallet QR (shopper scans)",
        C(A::PayWalletQr),
        Help
    ),
    bind!(K::F(6), "F6", "scan payment code", C(A::PayCode), Help),
    bind!(K::F(7), "F7", "tap (NFC)", C(A::PayTap), Help),
    bind!(K::F(8), "F8", "card tap", C(A::PayCard), Help),
    bind!(K::F(4), "F4", "static entry code", C(A::PayStatic), Help),
    bind!(K::F(9), "F9", "cash", C(A::PayCash), Help),
    bind!(K::Char('c'), "c", "cash", C(A::PayCash), Help),
    bind!(
        K::Enter,
        "Enter",
        "enter the typed barcode",
        C(A::Enter),
        Help
    ),
    bind!(K::Backspace, "Bksp", "erase a digit", C(A::Backspace), Help),
    bind!(K::Esc, "Esc", "clear the typed digits", C(A::Back), Help),
    bind!(K::Char('?'), "?", "help", C(A::Help), Legend),
    bind!(K::F(1), "F1", "help", C(A::Help), Help),
];

const TEXT: &[Binding] = &[
    bind!(K::Up, "↑↓", "choose", C(A::Up), Legend),
    bind!(K::Down, "↓", "choose", C(A::Down), Alias),
    bind!(
        K::Enter,
        "Enter",
        "add the chosen item",
        C(A::Enter),
        Legend
    ),
    bind!(K::Backspace, "Bksp", "erase", C(A::Backspace), Help),
    bind!(K::Esc, "Esc", "back to the basket", C(A::Back), Legend),
];

const CASH: &[Binding] = &[
    bind!(
        K::Char('a'),
        "a",
        "exact amount",
        C(A::QuickTender(0)),
        Help
    ),
    bind!(
        K::Char('b'),
        "b",
        "quick tender 2",
        C(A::QuickTender(1)),
        Help
    ),
    bind!(
        K::Char('c'),
        "c",
        "quick tender 3",
        C(A::QuickTender(2)),
        Help
    ),
    bind!(
        K::Char('d'),
        "d",
        "quick tender 4",
        C(A::QuickTender(3)),
        Help
    ),
    bind!(
        K::Enter,
        "Enter",
        "take the typed amount",
        C(A::Enter),
        Legend
    ),
    bind!(K::Backspace, "Bksp", "erase", C(A::Backspace), Help),
    bind!(K::Esc, "Esc", "back to the basket", C(A::Back), Legend),
    bind!(K::Char('?'), "?", "help", C(A::Help), Legend),
];

const CONFIRM: &[Binding] = &[
    bind!(K::Char('y'), "y", "yes", C(A::Char('y')), Legend),
    bind!(K::Char('n'), "n", "no", C(A::Char('n')), Legend),
    bind!(K::Esc, "Esc", "no", C(A::Back), Help),
];

const NUMBER: &[Binding] = &[
    bind!(K::Enter, "Enter", "set the quantity", C(A::Enter), Legend),
    bind!(K::Backspace, "Bksp", "erase", C(A::Backspace), Help),
    bind!(K::Esc, "Esc", "cancel", C(A::Back), Legend),
];

const RECEIPT: &[Binding] = &[
    bind!(K::Enter, "Enter", "next customer", C(A::Enter), Legend),
    bind!(K::Char('r'), "r", "reprint", C(A::Reprint), Legend),
    bind!(K::Up, "↑↓", "scroll the slip", C(A::Up), Legend),
    bind!(K::Down, "↓", "scroll the slip", C(A::Down), Alias),
    bind!(K::Esc, "Esc", "next customer", C(A::Back), Help),
    bind!(K::Char('?'), "?", "help", C(A::Help), Legend),
];

const BUSY: &[Binding] = &[];

const HISTORY: &[Binding] = &[
    bind!(K::Up, "↑↓", "choose", C(A::Up), Legend),
    bind!(K::Down, "↓", "choose", C(A::Down), Alias),
    bind!(K::PageUp, "PgUp/PgDn", "page", C(A::PageUp), Legend),
    bind!(K::PageDown, "PgDn", "next page", C(A::PageDown), Alias),
    bind!(K::Enter, "Enter", "open the sale", C(A::Enter), Legend),
    bind!(K::Backspace, "Bksp", "erase", C(A::Backspace), Help),
    bind!(K::Esc, "Esc", "back to the basket", C(A::Back), Legend),
    bind!(K::F(1), "F1", "help", C(A::Help), Help),
];

const SALE_DETAIL: &[Binding] = &[
    bind!(K::Char('r'), "r", "reprint", C(A::Reprint), Legend),
    bind!(K::Char('f'), "f", "refund", C(A::Refund), Legend),
    bind!(K::Char('v'), "v", "post-void", C(A::PostVoid), Legend),
    bind!(K::Up, "↑↓", "scroll", C(A::Up), Legend),
    bind!(K::Down, "↓", "scroll", C(A::Down), Alias),
    bind!(K::Esc, "Esc", "back", C(A::Back), Legend),
    bind!(K::Enter, "Enter", "back", C(A::Enter), Help),
    bind!(K::Char('?'), "?", "help", C(A::Help), Legend),
];

const REFUND: &[Binding] = &[
    bind!(K::Up, "↑↓", "choose", C(A::Up), Legend),
    bind!(K::Down, "↓", "choose", C(A::Down), Alias),
    bind!(K::Char('+'), "+/-", "units", C(A::QtyUp), Legend),
    bind!(K::Char('='), "=", "one more unit", C(A::QtyUp), Help),
    bind!(K::Char('-'), "-", "one unit less", C(A::QtyDown), Alias),
    bind!(
        K::Char('a'),
        "a",
        "all that is left",
        C(A::Char('a')),
        Legend
    ),
    bind!(K::Enter, "Enter", "next", C(A::Enter), Legend),
    bind!(K::Esc, "Esc", "back", C(A::Back), Legend),
    bind!(K::Char('?'), "?", "help", C(A::Help), Legend),
];

const REFUND_DONE: &[Binding] = &[
    bind!(K::Enter, "Enter", "back to the sale", C(A::Enter), Legend),
    bind!(
        K::Char('c'),
        "c",
        "cash instead (when offered)",
        C(A::Char('c')),
        Help
    ),
    bind!(K::Esc, "Esc", "back to the sale", C(A::Back), Help),
    bind!(K::Char('?'), "?", "help", C(A::Help), Legend),
];

const PIN: &[Binding] = &[
    bind!(K::Enter, "Enter", "check the PIN", C(A::Enter), Legend),
    bind!(K::Backspace, "Bksp", "erase", C(A::Backspace), Legend),
    bind!(K::Esc, "Esc", "cancel the refund", C(A::Back), Legend),
];

/// Which table the shift screen's stage uses.
fn shift_mode(stage: &crate::checkout::ShiftStage) -> InputMode {
    use crate::checkout::ShiftStage as S;
    match stage {
        S::Cashier { .. } => InputMode::ShiftCashier,
        S::OpenCount { .. } | S::CloseCount { .. } => InputMode::ShiftCount,
        S::Review(_) => InputMode::ShiftReview,
        S::Pin { .. } => InputMode::ShiftPin,
        S::Closed(_) => InputMode::ShiftDone,
        S::Opening { .. } | S::Expecting { .. } | S::Closing(_) => InputMode::Busy,
    }
}

const SHIFT_CASHIER: &[Binding] = &[
    bind!(K::Enter, "Enter", "count the float", C(A::Enter), Legend),
    bind!(K::Backspace, "Bksp", "erase", C(A::Backspace), Legend),
    bind!(K::Esc, "Esc", "cancel (no shift)", C(A::Back), Legend),
];

const SHIFT_COUNT: &[Binding] = &[
    bind!(K::Up, "↑↓", "bill/coin", C(A::Up), Legend),
    bind!(K::Down, "↓", "next bill or coin", C(A::Down), Alias),
    bind!(K::Backspace, "Bksp", "erase", C(A::Backspace), Legend),
    bind!(K::Enter, "Enter", "confirm the count", C(A::Enter), Legend),
    bind!(K::Esc, "Esc", "back", C(A::Back), Legend),
];

const SHIFT_REVIEW: &[Binding] = &[
    bind!(
        K::Enter,
        "Enter",
        "close and write the Z",
        C(A::Enter),
        Legend
    ),
    bind!(K::Esc, "Esc", "keep the shift open", C(A::Back), Legend),
];

const SHIFT_PIN: &[Binding] = &[
    bind!(K::Enter, "Enter", "check the PIN", C(A::Enter), Legend),
    bind!(K::Backspace, "Bksp", "erase", C(A::Backspace), Legend),
    bind!(K::Esc, "Esc", "back to the variance", C(A::Back), Legend),
];

const SHIFT_DONE: &[Binding] = &[
    bind!(K::Enter, "Enter", "back to the basket", C(A::Enter), Legend),
    bind!(K::Esc, "Esc", "back to the basket", C(A::Back), Help),
];

const TRAINING_PIN: &[Binding] = &[
    bind!(K::Enter, "Enter", "check the PIN", C(A::Enter), Legend),
    bind!(K::Backspace, "Bksp", "erase", C(A::Backspace), Legend),
    bind!(K::Esc, "Esc", "cancel", C(A::Back), Legend),
];

const REFERENCE: &[Binding] = &[
    bind!(
        K::Enter,
        "Enter",
        "open the scanned sale",
        C(A::Enter),
        Legend
    ),
    bind!(K::Backspace, "Bksp", "erase", C(A::Backspace), Help),
    bind!(K::Esc, "Esc", "clear the scan", C(A::Back), Legend),
];

const PAY_ENTRY: &[Binding] = &[
    bind!(K::Enter, "Enter", "send the code", C(A::Enter), Legend),
    bind!(K::Esc, "Esc", "back", C(A::Back), Legend),
    bind!(K::Backspace, "Bksp", "erase a digit", C(A::Backspace), Help),
];

const PAY_LIVE: &[Binding] = &[
    bind!(K::Esc, "Esc", "cancel the payment", C(A::Back), Legend),
    bind!(K::Enter, "Enter", "send again", C(A::Enter), Help),
    bind!(K::Backspace, "Bksp", "erase a digit", C(A::Backspace), Help),
];

const PAY_STATIC: &[Binding] = &[bind!(
    K::Esc,
    "Esc",
    "back to the basket",
    C(A::Back),
    Legend
)];

const PAY_CLOSED: &[Binding] = &[
    bind!(
        K::Enter,
        "Enter",
        "try again (a fresh code)",
        C(A::Enter),
        Legend
    ),
    bind!(K::Esc, "Esc", "other method", C(A::Back), Legend),
    bind!(K::Backspace, "Bksp", "erase a digit", C(A::Backspace), Help),
];

/// Keys that work everywhere, before any other table.
pub const GLOBAL: &[Binding] = &[
    bind!(K::Char('q'), CONTROL, "^Q", "quit", UiAction::Quit, Legend),
    bind!(K::Char('c'), CONTROL, "^C", "quit", UiAction::Quit, Help),
    bind!(K::F(2), "F2", "X report", UiAction::ToggleReport, Help),
    bind!(
        K::F(10),
        "F10",
        "shopper phone",
        UiAction::TogglePhone,
        Help
    ),
    bind!(
        K::Char('t'),
        CONTROL,
        "^T",
        "protocol trace",
        UiAction::ToggleTrace,
        Help
    ),
];

/// Keys while the phone pane is open, whoever has the keys.
pub const PHONE_OPEN: &[Binding] = &[bind!(
    K::Tab,
    "Tab",
    "switch keys",
    UiAction::SwitchFocus,
    Legend
)];

/// Keys while the phone pane has the keys; any other key does nothing there.
pub const PHONE: &[Binding] = &[
    bind!(
        K::Left,
        "←→",
        "shopper",
        UiAction::Phone(PhoneKey::PrevShopper),
        Legend
    ),
    bind!(
        K::Right,
        "→",
        "next shopper",
        UiAction::Phone(PhoneKey::NextShopper),
        Alias
    ),
    bind!(K::Char('c'), "c", "show code", ph(P::ShowCode), Legend),
    bind!(
        K::Char('p'),
        "p",
        "present code",
        ph(P::PresentCode),
        Legend
    ),
    bind!(
        K::Char('s'),
        "s",
        "scan the QR",
        ph(P::ScanCounterQr),
        Legend
    ),
    bind!(K::Char('t'), "t", "tap reader", ph(P::Tap), Legend),
    bind!(
        K::Char('y'),
        "y",
        "enter password",
        ph(P::EnterPassword),
        Legend
    ),
    bind!(K::Char('n'), "n", "refuse", ph(P::RefusePassword), Legend),
    bind!(
        K::Char('x'),
        "x",
        "cancel on phone",
        ph(P::CancelOnPhone),
        Legend
    ),
    bind!(K::Char('b'), "b", "low balance", ph(P::LowBalance), Legend),
    bind!(
        K::Char('o'),
        "o",
        "offline on/off",
        ph(P::ToggleOffline),
        Legend
    ),
    bind!(
        K::Esc,
        "Esc",
        "to counter",
        UiAction::Phone(PhoneKey::Leave),
        Legend
    ),
];

const fn ph(action: PhoneAction) -> UiAction {
    UiAction::Phone(PhoneKey::Do(action))
}

pub fn table(mode: InputMode) -> &'static [Binding] {
    match mode {
        InputMode::Basket => BASKET,
        InputMode::Text => TEXT,
        InputMode::Cash => CASH,
        InputMode::Confirm => CONFIRM,
        InputMode::Number => NUMBER,
        InputMode::Receipt => RECEIPT,
        InputMode::Busy => BUSY,
        InputMode::PayEntry => PAY_ENTRY,
        InputMode::PayLive => PAY_LIVE,
        InputMode::PayClosed => PAY_CLOSED,
        InputMode::PayStatic => PAY_STATIC,
        InputMode::History => HISTORY,
        InputMode::SaleDetail => SALE_DETAIL,
        InputMode::Reference => REFERENCE,
        InputMode::Refund => REFUND,
        InputMode::Pin => PIN,
        InputMode::RefundDone => REFUND_DONE,
        InputMode::ShiftCashier => SHIFT_CASHIER,
        InputMode::ShiftCount => SHIFT_COUNT,
        InputMode::ShiftReview => SHIFT_REVIEW,
        InputMode::ShiftPin => SHIFT_PIN,
        InputMode::ShiftDone => SHIFT_DONE,
        InputMode::TrainingPin => TRAINING_PIN,
    }
}

/// What decides which tables apply to a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyContext {
    pub mode: InputMode,
    pub phone_open: bool,
    /// The phone pane has the keys (only while it is open).
    pub phone_focus: bool,
}

impl KeyContext {
    pub fn counter(mode: InputMode) -> Self {
        Self {
            mode,
            phone_open: false,
            phone_focus: false,
        }
    }
}

/// The tables that apply in `ctx`, in the order they are tried.
pub fn layers(ctx: KeyContext) -> Vec<&'static [Binding]> {
    let mut layers = vec![GLOBAL];
    if ctx.phone_open {
        layers.push(PHONE_OPEN);
    }
    if ctx.phone_open && ctx.phone_focus {
        layers.push(PHONE);
    } else {
        layers.push(table(ctx.mode));
    }
    layers
}

/// Maps a key press to an action in `ctx`. Printable characters that no row claims are typed
/// into the counter's screen (digits of a scan, letters of a search); the phone takes no text.
pub fn action_for(key: KeyEvent, ctx: KeyContext) -> Option<UiAction> {
    for layer in layers(ctx) {
        if let Some(b) = layer.iter().find(|b| b.matches(&key)) {
            return Some((b.action)());
        }
    }
    let typed = !(ctx.phone_open && ctx.phone_focus) && significant(key.modifiers).is_empty();
    match key.code {
        KeyCode::Char(c) if typed && !c.is_control() => Some(UiAction::Checkout(Action::Char(c))),
        _ => None,
    }
}

/// The one-line legend for `mode`: "/ search  ↑↓ select ...  ^Q quit".
pub fn legend(mode: InputMode) -> Vec<(&'static str, &'static str)> {
    table(mode)
        .iter()
        .chain(GLOBAL.iter())
        .filter(|b| b.show == Show::Legend)
        .map(|b| (b.label, b.help))
        .collect()
}

/// The legend for what is on screen: on the basket, the line keys only while it has lines and
/// the shift close and training switch only while it is empty (when each does something).
fn legend_on(checkout: &Checkout) -> Vec<(&'static str, &'static str)> {
    let mode = InputMode::of(checkout);
    if mode != InputMode::Basket {
        return legend(mode);
    }
    let empty = checkout.basket.is_empty();
    table(mode)
        .iter()
        .chain(GLOBAL.iter())
        .filter(|b| b.show == Show::Legend)
        .filter(|b| match (b.action)() {
            C(A::CloseShift | A::Training) => empty,
            C(A::Up | A::QtyUp | A::VoidLine | A::ClearBasket) => !empty,
            _ => true,
        })
        .map(|b| (b.label, b.help))
        .collect()
}

/// `legend_on` cut to `width` columns as the legend line draws it (" key help  " per entry):
/// when it is too wide, the screen's keys go from the right, so the keys that work everywhere
/// (`? help`, `^Q quit`) always show and help lists what was dropped.
pub fn legend_within(checkout: &Checkout, width: u16) -> Vec<(&'static str, &'static str)> {
    fit_legend(legend_on(checkout), width)
}

/// Drops the screen's keys from the right until `items` fit `width` columns.
fn fit_legend(
    mut items: Vec<(&'static str, &'static str)>,
    width: u16,
) -> Vec<(&'static str, &'static str)> {
    let kept = |label: &str| {
        label == "?"
            || GLOBAL
                .iter()
                .any(|b| b.show == Show::Legend && b.label == label)
    };
    // The last entry's two trailing spaces may fall off the edge.
    let drawn = |items: &[(&str, &str)]| -> usize {
        let spans: usize = items
            .iter()
            .map(|(k, h)| k.width() + 1 + h.width() + 2)
            .sum();
        (1 + spans).saturating_sub(2)
    };
    while drawn(&items) > usize::from(width) {
        let Some(last) = items.iter().rposition(|(k, _)| !kept(k)) else {
            break;
        };
        items.remove(last);
    }
    items
}

/// The rows a help list shows for `rows` (aliases are named by another row's label).
pub fn help_rows(rows: &'static [Binding]) -> impl Iterator<Item = &'static Binding> {
    rows.iter().filter(|b| b.show != Show::Alias)
}

/// How the screens name the key for `action` in `rows` (the first row that does it).
pub fn label_in(rows: &[Binding], action: &UiAction) -> &'static str {
    rows.iter()
        .find(|b| (b.action)() == *action)
        .map_or("?", |b| b.label)
}

/// The row for `action` among the keys that work everywhere (F10, ^T, ^Q).
pub fn global(action: &UiAction) -> Option<&'static Binding> {
    GLOBAL.iter().find(|b| (b.action)() == *action)
}

/// The basket's keys that start a payment, for the basket's payment panel.
pub fn pay_keys() -> impl Iterator<Item = (&'static str, &'static str)> {
    BASKET
        .iter()
        .filter(|b| matches!(b.code, KeyCode::F(4..=9)))
        .map(|b| (b.label, b.help))
}

/// How the phone pane names the key for `action`.
pub fn phone_label(action: PhoneAction) -> &'static str {
    label_in(PHONE, &ph(action))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    fn on(mode: InputMode) -> KeyContext {
        KeyContext::counter(mode)
    }

    const PHONE_FOCUSED: KeyContext = KeyContext {
        mode: InputMode::Basket,
        phone_open: true,
        phone_focus: true,
    };

    #[test]
    fn a_legend_too_wide_drops_the_screens_keys_from_the_right_and_keeps_help_and_quit() {
        let items = vec![
            ("/", "search"),
            ("h", "history"),
            ("F3", "close shift"),
            ("t", "training"),
            ("?", "help"),
            ("^Q", "quit"),
        ];
        // " / search  h history  F3 close shift  t training  ? help  ^Q quit" is 65 wide.
        assert_eq!(fit_legend(items.clone(), 65), items);
        assert_eq!(
            fit_legend(items.clone(), 64),
            vec![
                ("/", "search"),
                ("h", "history"),
                ("F3", "close shift"),
                ("?", "help"),
                ("^Q", "quit"),
            ]
        );
        assert_eq!(
            fit_legend(items.clone(), 20),
            vec![("?", "help"), ("^Q", "quit")]
        );
    }

    #[test]
    fn digits_are_scans_on_the_basket_and_letters_are_text_in_search() {
        assert_eq!(
            action_for(key(KeyCode::Char('4')), on(InputMode::Basket)),
            Some(UiAction::Checkout(Action::Char('4')))
        );
        assert_eq!(
            action_for(key(KeyCode::Char('v')), on(InputMode::Basket)),
            Some(UiAction::Checkout(Action::VoidLine))
        );
        assert_eq!(
            action_for(key(KeyCode::Char('v')), on(InputMode::Text)),
            Some(UiAction::Checkout(Action::Char('v')))
        );
    }

    #[test]
    fn ctrl_q_quits_everywhere_even_with_the_phone_focused() {
        let k = KeyEvent::new(KeyCode::Char('q'), KeyModifiers::CONTROL);
        for mode in InputMode::ALL {
            assert_eq!(action_for(k, on(mode)), Some(UiAction::Quit), "{mode:?}");
        }
        assert_eq!(action_for(k, PHONE_FOCUSED), Some(UiAction::Quit));
    }

    #[test]
    fn quick_tenders_are_letters_on_the_cash_screen() {
        assert_eq!(
            action_for(key(KeyCode::Char('b')), on(InputMode::Cash)),
            Some(UiAction::Checkout(Action::QuickTender(1)))
        );
    }

    #[test]
    fn the_focused_phone_takes_its_letters_and_swallows_the_rest() {
        assert_eq!(
            action_for(key(KeyCode::Char('s')), PHONE_FOCUSED),
            Some(UiAction::Phone(PhoneKey::Do(PhoneAction::ScanCounterQr)))
        );
        assert_eq!(
            action_for(key(KeyCode::Esc), PHONE_FOCUSED),
            Some(UiAction::Phone(PhoneKey::Leave))
        );
        // A digit is not a scan while the phone has the keys.
        assert_eq!(action_for(key(KeyCode::Char('4')), PHONE_FOCUSED), None);
        // Tab only means something while the phone is open.
        assert_eq!(
            action_for(key(KeyCode::Tab), PHONE_FOCUSED),
            Some(UiAction::SwitchFocus)
        );
        assert_eq!(action_for(key(KeyCode::Tab), on(InputMode::Basket)), None);
        // With the pane open but unfocused, letters go to the counter again.
        let unfocused = KeyContext {
            phone_focus: false,
            ..PHONE_FOCUSED
        };
        assert_eq!(
            action_for(key(KeyCode::Char('x')), unfocused),
            Some(UiAction::Checkout(Action::ClearBasket))
        );
    }

    #[test]
    fn shift_is_ignored_and_ctrl_letters_are_never_typed() {
        let shifted = KeyEvent::new(KeyCode::Char('?'), KeyModifiers::SHIFT);
        assert_eq!(
            action_for(shifted, on(InputMode::Basket)),
            Some(UiAction::Checkout(Action::Help))
        );
        let ctrl_v = KeyEvent::new(KeyCode::Char('v'), KeyModifiers::CONTROL);
        assert_eq!(action_for(ctrl_v, on(InputMode::Basket)), None);
    }

    /// Every key code a terminal sends, with and without Ctrl and Alt.
    fn every_key() -> Vec<KeyEvent> {
        let mut codes: Vec<KeyCode> = (' '..='~').map(KeyCode::Char).collect();
        codes.extend((1..=12).map(KeyCode::F));
        codes.extend([
            K::Up,
            K::Down,
            K::Left,
            K::Right,
            K::Enter,
            K::Esc,
            K::Tab,
            K::BackTab,
            K::Backspace,
            K::Delete,
            K::Insert,
            K::Home,
            K::End,
            K::PageUp,
            K::PageDown,
        ]);
        let mods = [
            KeyModifiers::NONE,
            KeyModifiers::SHIFT,
            KeyModifiers::CONTROL,
            KeyModifiers::ALT,
        ];
        codes
            .iter()
            .flat_map(|c| mods.iter().map(|m| KeyEvent::new(*c, *m)))
            .collect()
    }

    fn contexts() -> Vec<KeyContext> {
        InputMode::ALL
            .iter()
            .flat_map(|mode| {
                [(false, false), (true, false), (true, true)].map(|(open, focus)| KeyContext {
                    mode: *mode,
                    phone_open: open,
                    phone_focus: focus,
                })
            })
            .collect()
    }

    #[test]
    fn every_key_that_does_something_is_a_row_of_a_table_that_applies() {
        let mut handled = 0;
        for ctx in contexts() {
            let rows: Vec<&Binding> = layers(ctx).into_iter().flatten().collect();
            for k in every_key() {
                let Some(action) = action_for(k, ctx) else {
                    continue;
                };
                handled += 1;
                let is_text = matches!(
                    (&action, k.code),
                    (UiAction::Checkout(Action::Char(a)), KeyCode::Char(b)) if *a == b
                );
                let row = rows
                    .iter()
                    .find(|b| b.code == k.code && b.mods == significant(k.modifiers));
                match row {
                    Some(b) => assert_eq!((b.action)(), action, "{k:?} in {ctx:?}"),
                    None => assert!(
                        is_text && !ctx.phone_focus && significant(k.modifiers).is_empty(),
                        "{k:?} does {action:?} in {ctx:?} without a row"
                    ),
                }
            }
        }
        assert!(handled > 1000, "only {handled} keys did anything");
    }

    #[test]
    fn no_key_is_bound_twice_in_the_tables_that_apply_together() {
        for ctx in contexts() {
            let rows: Vec<&Binding> = layers(ctx).into_iter().flatten().collect();
            for (i, a) in rows.iter().enumerate() {
                for b in &rows[i + 1..] {
                    assert!(
                        !(a.code == b.code && a.mods == b.mods),
                        "{:?} {:?} bound twice in {ctx:?}",
                        a.code,
                        a.mods
                    );
                }
            }
        }
    }

    #[test]
    fn help_lists_every_key_a_row_names() {
        // Rows hidden from help must be named by a shown row of the same table.
        for rows in InputMode::ALL
            .iter()
            .map(|m| table(*m))
            .chain([GLOBAL, PHONE_OPEN, PHONE])
        {
            for alias in rows.iter().filter(|b| b.show == Show::Alias) {
                assert!(
                    help_rows(rows).any(|b| b.label.contains(alias.label)),
                    "{} is in no shown label",
                    alias.label
                );
            }
        }
    }

    #[test]
    fn views_take_key_names_from_the_keymap() {
        // A key name written into a view as a literal would drift from the table.
        let views = [
            ("basket_view.rs", include_str!("basket_view.rs")),
            ("cash_view.rs", include_str!("cash_view.rs")),
            ("chrome.rs", include_str!("chrome.rs")),
            ("help_view.rs", include_str!("help_view.rs")),
            ("pay_view.rs", include_str!("pay_view.rs")),
            ("phone_view.rs", include_str!("phone_view.rs")),
            ("receipt_view.rs", include_str!("receipt_view.rs")),
            ("search_view.rs", include_str!("search_view.rs")),
            ("history_view.rs", include_str!("history_view.rs")),
            ("sale_view.rs", include_str!("sale_view.rs")),
            ("trace_view.rs", include_str!("trace_view.rs")),
            ("strings.rs", include_str!("strings.rs")),
        ];
        let labels: Vec<&str> = InputMode::ALL
            .iter()
            .flat_map(|m| table(*m).iter())
            .chain(GLOBAL.iter())
            .chain(PHONE_OPEN.iter())
            .chain(PHONE.iter())
            .map(|b| b.label)
            .filter(|l| l.chars().count() > 1)
            .collect();
        for (file, text) in views {
            let prose = file == "strings.rs";
            for label in &labels {
                for quoted in [
                    format!("\"{label}\""),
                    format!("[{label}]"),
                    format!("({label} "),
                ] {
                    assert!(!text.contains(&quoted), "{file} spells {quoted}");
                }
            }
            for spelled in ["Ctrl-T", "F5–F8", "Tab to", "Esc to", "Enter for"] {
                assert!(
                    prose || !text.contains(spelled),
                    "{file} spells {spelled:?}"
                );
            }
        }
    }
}
