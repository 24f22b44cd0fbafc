//! The checkout state machine: `handle(event, now) -> effects`. Pure: no I/O, no clock, no
//! terminal. The runtime carries out the effects and feeds their results back as events.

use super::action::{Action, Effect, Event};
use super::basket::{Basket, BasketError, Totals};
use super::cash;
use super::payment::{PayMode, PayState, PayStatus, PollPlans, TraceEntry};
use super::sale::{CompletedSale, SaleLine, SaleTender, TaxLine};
use super::tax::TaxRules;
use crate::catalog::{Catalog, Item};
use crate::clock::Timestamp;
use crate::money::{Currency, Money};
use std::sync::Arc;

/// How many search matches the search screen lists.
pub const SEARCH_LIMIT: usize = 50;

/// Settings the checkout needs from the store configuration.
#[derive(Debug, Clone)]
pub struct CheckoutSettings {
    pub store_id: String,
    pub lane_id: String,
    pub currency: Currency,
    pub tax: TaxRules,
    /// What the counter's dynamic QR code says about the merchant.
    pub merchant: crate::emv::MerchantQrInfo,
    pub plans: PollPlans,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NoticeLevel {
    Info,
    Warning,
    Error,
}

/// A one-line message to the cashier, always saying what to do next when something failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub level: NoticeLevel,
    pub text: String,
}

impl Notice {
    pub(super) fn info(text: impl Into<String>) -> Self {
        Self {
            level: NoticeLevel::Info,
            text: text.into(),
        }
    }
    pub(super) fn warn(text: impl Into<String>) -> Self {
        Self {
            level: NoticeLevel::Warning,
            text: text.into(),
        }
    }
    pub(super) fn error(text: impl Into<String>) -> Self {
        Self {
            level: NoticeLevel::Error,
            text: text.into(),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct SearchState {
    pub query: String,
    pub results: Vec<Item>,
    pub selected: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub enum PrintStatus {
    Printing,
    Printed,
    Failed(String),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Screen {
    /// Ringing up: scans and basket edits.
    Basket,
    Search(SearchState),
    /// Typing a new quantity for the selected line.
    Quantity {
        input: String,
    },
    ConfirmClear,
    /// Taking cash: the amount tendered is typed or picked from the quick tenders.
    Cash {
        input: String,
    },
    /// Waiting for the journal to commit the sale; nothing says "paid" yet.
    Committing,
    /// Paying by wallet QR, payment code, tap or card.
    Pay(Box<PayState>),
    /// The sale is committed; its receipt is on screen.
    Receipt {
        sale: Box<CompletedSale>,
        print: PrintStatus,
        /// How many slip lines are scrolled off the top.
        scroll: u16,
    },
}

pub struct Checkout {
    settings: CheckoutSettings,
    catalog: Arc<Catalog>,
    pub basket: Basket,
    pub selected: usize,
    pub screen: Screen,
    pub notice: Option<Notice>,
    pub help_open: bool,
    /// Digits typed (or scanned) on the basket screen, not yet entered.
    pub scan_input: String,
    /// Requests and replies, newest last, for the protocol-trace pane.
    pub trace: Vec<TraceEntry>,
    /// Attempts numbered so far (request ids are `S<store>L<lane>A<seq>`).
    pub(super) attempt_seq: u64,
}

impl Checkout {
    pub fn new(settings: CheckoutSettings, catalog: Arc<Catalog>) -> Self {
        let basket = Basket::new(settings.currency);
        Self {
            settings,
            catalog,
            basket,
            selected: 0,
            screen: Screen::Basket,
            notice: None,
            help_open: false,
            scan_input: String::new(),
            trace: Vec::new(),
            attempt_seq: 0,
        }
    }

    /// Continues request-id numbering after the attempts already in the journal.
    pub fn set_attempt_seq(&mut self, seq: u64) {
        self.attempt_seq = seq;
    }

    pub fn settings(&self) -> &CheckoutSettings {
        &self.settings
    }

    pub fn catalog(&self) -> &Catalog {
        &self.catalog
    }

    /// The basket's totals. Every basket change is checked with `try_totals` and refused if
    /// the totals cannot be computed, so the fallback (all zero) is never shown for a real basket.
    pub fn totals(&self) -> Totals {
        self.try_totals().unwrap_or_else(|_| {
            let zero = Money::zero(self.settings.currency);
            Totals {
                subtotal: zero,
                discounts: zero,
                tax: zero,
                total: zero,
                tax_by_category: Vec::new(),
            }
        })
    }

    fn try_totals(&self) -> Result<Totals, BasketError> {
        self.basket.totals(&self.settings.tax)
    }

    /// Adds one of `item`, refusing it (basket unchanged) if the totals would not compute.
    fn add_item(&mut self, item: &Item) -> Result<usize, BasketError> {
        let before = self.basket.clone();
        let idx = self.basket.add(item)?;
        if let Err(e) = self.try_totals() {
            self.basket = before;
            return Err(e);
        }
        Ok(idx)
    }

    /// The quick tenders offered on the cash screen for the current total.
    pub fn quick_tenders(&self) -> Vec<Money> {
        cash::quick_tenders(self.totals().total)
    }

    /// The single entry point: applies `event` at `now` and returns what the runtime must do.
    pub fn handle(&mut self, event: Event, now: Timestamp) -> Vec<Effect> {
        match event {
            Event::Action(action) => self.on_action(action, now),
            Event::SaleCommitted(sale) => self.on_committed(sale),
            Event::Net(reply) => self.on_net(*reply, now),
            Event::Timer(timer) => self.on_timer(timer, now),
            Event::PayNotSent { request_id, reason } => self.on_pay_not_sent(&request_id, &reason),
            Event::Tapped(code) => self.on_tapped(code, now),
            Event::CommitFailed(reason) => {
                if let Screen::Pay(p) = &mut self.screen {
                    // The wallet took the money; the attempt stays pending in the journal and
                    // the start-up recovery commits the sale from it.
                    p.status = PayStatus::NeedsManual {
                        why: format!(
                            "approved, but the sale could not be saved ({reason}); restart qrtill to recover it"
                        ),
                    };
                    return vec![];
                }
                if self.screen == Screen::Committing {
                    self.screen = Screen::Cash {
                        input: String::new(),
                    };
                }
                self.notice = Some(Notice::error(format!(
                    "Sale NOT saved ({reason}). Nothing was recorded: take the tender again or call a supervisor."
                )));
                vec![]
            }
            Event::Printed { sale_no, result } => {
                if let Screen::Receipt { sale, print, .. } = &mut self.screen
                    && sale.sale_no == sale_no
                {
                    *print = match result {
                        Ok(()) => PrintStatus::Printed,
                        Err(reason) => PrintStatus::Failed(reason),
                    };
                }
                vec![]
            }
        }
    }

    fn on_action(&mut self, action: Action, now: Timestamp) -> Vec<Effect> {
        if self.help_open {
            // Any key closes help; it never changes the sale.
            self.help_open = false;
            return vec![];
        }
        if action == Action::Help && !matches!(self.screen, Screen::Search(_)) {
            self.help_open = true;
            return vec![];
        }
        match self.screen.clone() {
            Screen::Basket => self.on_basket(action, now),
            Screen::Search(state) => self.on_search(state, action),
            Screen::Quantity { input } => self.on_quantity(input, action),
            Screen::ConfirmClear => self.on_confirm_clear(action),
            Screen::Cash { input } => self.on_cash(input, action, now),
            Screen::Committing => vec![],
            Screen::Pay(_) => self.on_pay_action(action, now),
            Screen::Receipt {
                sale,
                print,
                scroll,
            } => self.on_receipt(sale, print, scroll, action, now),
        }
    }

    fn on_basket(&mut self, action: Action, now: Timestamp) -> Vec<Effect> {
        match action {
            Action::Char(c) if c.is_ascii_digit() => {
                if self.scan_input.len() < 32 {
                    self.scan_input.push(c);
                }
                self.notice = None;
            }
            Action::Backspace => {
                self.scan_input.pop();
            }
            Action::Enter if !self.scan_input.is_empty() => {
                let code = std::mem::take(&mut self.scan_input);
                self.scan(&code);
            }
            Action::Back => {
                self.scan_input.clear();
                self.notice = None;
            }
            Action::Up => self.selected = self.selected.saturating_sub(1),
            Action::Down if self.selected + 1 < self.basket.lines().len() => self.selected += 1,
            Action::QtyUp => self.bump_qty(1),
            Action::QtyDown => self.bump_qty(-1),
            Action::SetQty if !self.basket.is_empty() => {
                self.screen = Screen::Quantity {
                    input: String::new(),
                };
            }
            Action::VoidLine if !self.basket.is_empty() => {
                if let Ok(line) = self.basket.void(self.selected) {
                    self.notice = Some(Notice::info(format!("Voided {}", line.item.name)));
                }
                self.clamp_selection();
            }
            Action::ClearBasket if !self.basket.is_empty() => self.screen = Screen::ConfirmClear,
            Action::Search => {
                self.screen = Screen::Search(SearchState {
                    query: String::new(),
                    results: Vec::new(),
                    selected: 0,
                });
            }
            Action::PayWalletQr => return self.open_pay(PayMode::WalletQr, now),
            Action::PayCode => return self.open_pay(PayMode::PaymentCode, now),
            Action::PayTap => return self.open_pay(PayMode::Tap, now),
            Action::PayCard => return self.open_pay(PayMode::Card, now),
            Action::PayCash => {
                if self.basket.is_empty() {
                    self.notice = Some(Notice::warn("The basket is empty: scan an item first."));
                } else {
                    self.notice = None;
                    self.screen = Screen::Cash {
                        input: String::new(),
                    };
                }
            }
            _ => {}
        }
        vec![]
    }

    fn scan(&mut self, code: &str) {
        match self.catalog.lookup(code) {
            Ok(item) => {
                let item = item.clone();
                match self.add_item(&item) {
                    Ok(idx) => {
                        self.selected = idx;
                        let qty = self.basket.lines()[idx].qty;
                        self.notice = Some(Notice::info(if qty > 1 {
                            format!("{} x{qty}", item.name)
                        } else {
                            format!("Added {}", item.name)
                        }));
                    }
                    Err(e) => {
                        self.notice = Some(Notice::error(format!("{e} — nothing added.")));
                    }
                }
            }
            Err(e) => {
                self.notice = Some(Notice::error(format!("{e} — nothing added.")));
            }
        }
    }

    fn bump_qty(&mut self, delta: i64) {
        let Some(line) = self.basket.lines().get(self.selected) else {
            return;
        };
        let qty = (i64::from(line.qty) + delta).max(0) as u32;
        self.apply_qty(qty);
    }

    fn apply_qty(&mut self, qty: u32) {
        let before = self.basket.clone();
        let changed = self
            .basket
            .set_qty(self.selected, qty)
            .and_then(|()| self.try_totals().map(|_| ()));
        if changed.is_err() {
            self.basket = before;
        }
        match changed {
            Ok(()) => {
                self.clamp_selection();
                if qty == 0 {
                    self.notice = Some(Notice::info("Line voided"));
                }
            }
            Err(e) => self.notice = Some(Notice::error(e.to_string())),
        }
    }

    fn clamp_selection(&mut self) {
        let n = self.basket.lines().len();
        if self.selected >= n {
            self.selected = n.saturating_sub(1);
        }
    }

    fn on_search(&mut self, mut state: SearchState, action: Action) -> Vec<Effect> {
        match action {
            Action::Char(c) => {
                state.query.push(c);
                self.refresh_search(&mut state);
            }
            Action::Backspace => {
                state.query.pop();
                self.refresh_search(&mut state);
            }
            Action::Up => state.selected = state.selected.saturating_sub(1),
            Action::Down if state.selected + 1 < state.results.len() => state.selected += 1,
            Action::Enter => {
                if let Some(item) = state.results.get(state.selected) {
                    self.notice = Some(match self.add_item(item) {
                        Ok(idx) => {
                            self.selected = idx;
                            Notice::info(format!("Added {}", item.name))
                        }
                        Err(e) => Notice::error(format!("{e} — nothing added.")),
                    });
                    self.screen = Screen::Basket;
                } else {
                    self.notice = Some(Notice::warn("No match: type part of a product name."));
                }
                return vec![];
            }
            Action::Back => {
                self.screen = Screen::Basket;
                return vec![];
            }
            _ => {}
        }
        self.screen = Screen::Search(state);
        vec![]
    }

    fn refresh_search(&self, state: &mut SearchState) {
        state.results = if state.query.trim().is_empty() {
            Vec::new()
        } else {
            self.catalog.search(&state.query, SEARCH_LIMIT)
        };
        state.selected = 0;
    }

    fn on_quantity(&mut self, mut input: String, action: Action) -> Vec<Effect> {
        match action {
            Action::Char(c) if c.is_ascii_digit() && input.len() < 3 => input.push(c),
            Action::Backspace => {
                input.pop();
            }
            Action::Enter => {
                self.screen = Screen::Basket;
                match input.parse::<u32>() {
                    Ok(qty) => self.apply_qty(qty),
                    Err(_) => {
                        self.notice =
                            Some(Notice::warn("Type a quantity from 0 to 999, then Enter."))
                    }
                }
                return vec![];
            }
            Action::Back => {
                self.screen = Screen::Basket;
                return vec![];
            }
            _ => {}
        }
        self.screen = Screen::Quantity { input };
        vec![]
    }

    fn on_confirm_clear(&mut self, action: Action) -> Vec<Effect> {
        match action {
            Action::Char('y') | Action::Char('Y') => {
                self.basket.clear();
                self.selected = 0;
                self.notice = Some(Notice::info("Basket cleared"));
                self.screen = Screen::Basket;
            }
            Action::Char('n') | Action::Char('N') | Action::Back | Action::Enter => {
                self.screen = Screen::Basket;
            }
            _ => {}
        }
        vec![]
    }

    fn on_cash(&mut self, mut input: String, action: Action, now: Timestamp) -> Vec<Effect> {
        match action {
            Action::Char(c) if (c.is_ascii_digit() || c == '.') && input.len() < 12 => {
                input.push(c);
                self.notice = None;
            }
            Action::Backspace => {
                input.pop();
            }
            Action::QuickTender(n) => {
                if let Some(amount) = self.quick_tenders().get(n).copied() {
                    return self.tender_cash(amount, now);
                }
            }
            Action::Enter => {
                if input.is_empty() {
                    self.notice = Some(Notice::warn(
                        "Type the amount handed over, or pick a quick tender.",
                    ));
                } else {
                    match Money::parse(&input, self.settings.currency) {
                        Ok(amount) => return self.tender_cash(amount, now),
                        Err(e) => self.notice = Some(Notice::error(e.to_string())),
                    }
                }
            }
            Action::Back => {
                self.notice = None;
                self.screen = Screen::Basket;
                return vec![];
            }
            _ => {}
        }
        if let Screen::Cash { .. } = self.screen {
            self.screen = Screen::Cash { input };
        }
        vec![]
    }

    fn tender_cash(&mut self, tendered: Money, now: Timestamp) -> Vec<Effect> {
        let total = self.totals().total;
        let change = match cash::change_due(total, tendered) {
            Ok(change) => change,
            Err(e) => {
                self.notice = Some(Notice::error(e.to_string()));
                self.screen = Screen::Cash {
                    input: String::new(),
                };
                return vec![];
            }
        };
        let sale = self.sale(SaleTender::Cash { tendered, change }, now);
        self.screen = Screen::Committing;
        self.notice = None;
        vec![Effect::CommitSale {
            sale,
            attempt: None,
        }]
    }

    /// Builds the sale record for the current basket and the given tender.
    pub fn sale(&self, tender: SaleTender, now: Timestamp) -> CompletedSale {
        let totals = self.totals();
        CompletedSale {
            lane_id: self.settings.lane_id.clone(),
            sale_no: 0,
            completed_at: now,
            lines: self
                .basket
                .lines()
                .iter()
                .map(|l| SaleLine {
                    barcode: l.item.barcode.clone(),
                    name: l.item.name.clone(),
                    qty: l.qty,
                    unit_price: l.item.price,
                    line_total: l.amount().unwrap_or(l.item.price),
                    tax_category: l.item.tax_category.clone(),
                })
                .collect(),
            subtotal: totals.subtotal,
            tax: totals.tax,
            total: totals.total,
            tax_lines: totals
                .tax_by_category
                .iter()
                .filter(|t| !t.rate.is_zero())
                .map(|t| TaxLine {
                    label: t.label.clone(),
                    rate: t.rate,
                    amount: t.tax,
                })
                .collect(),
            tender,
        }
    }

    fn on_committed(&mut self, sale: Box<CompletedSale>) -> Vec<Effect> {
        // The sale is durable: only now may the screen say it is paid.
        self.basket.clear();
        self.selected = 0;
        self.scan_input.clear();
        self.notice = Some(Notice::info(format!("Sale {} saved", sale.sale_no)));
        let effects = vec![Effect::Print {
            sale: (*sale).clone(),
            reprint: false,
        }];
        self.screen = Screen::Receipt {
            sale,
            print: PrintStatus::Printing,
            scroll: 0,
        };
        effects
    }

    fn on_receipt(
        &mut self,
        sale: Box<CompletedSale>,
        print: PrintStatus,
        scroll: u16,
        action: Action,
        now: Timestamp,
    ) -> Vec<Effect> {
        match action {
            Action::Reprint => {
                self.screen = Screen::Receipt {
                    sale: sale.clone(),
                    print: PrintStatus::Printing,
                    scroll,
                };
                vec![Effect::Print {
                    sale: *sale,
                    reprint: true,
                }]
            }
            Action::Up | Action::Down => {
                let scroll = if action == Action::Up {
                    scroll.saturating_sub(1)
                } else {
                    scroll.saturating_add(1).min(200)
                };
                self.screen = Screen::Receipt {
                    sale,
                    print,
                    scroll,
                };
                vec![]
            }
            Action::Enter | Action::Back => {
                self.screen = Screen::Basket;
                self.notice = Some(Notice::info("Next customer: scan the first item."));
                vec![]
            }
            Action::Char(c) if c.is_ascii_digit() => {
                // A scan on the receipt screen starts the next sale at once, as at a real counter.
                self.screen = Screen::Basket;
                self.notice = None;
                self.on_basket(Action::Char(c), now)
            }
            _ => vec![],
        }
    }
}
