//! The checkout state machine: `handle(event, now) -> effects`. Pure: no I/O, no clock, no
//! terminal. The runtime carries out the effects and feeds their results back as events.

use super::action::{Action, Effect, Event};
use super::attempt::Resumed;
use super::basket::{Basket, BasketError, Totals};
use super::cash;
pub use super::notice::{Notice, NoticeLevel};
use super::payment::{PayState, PollPlans, TraceEntry};
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
    /// What the sales-history filter reads: currency, the store's UTC offset, wallet brands.
    pub history: super::history_filter::FilterContext,
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
    /// The store's static entry code is up; the counter waits for a matching notification.
    Static(Box<super::entry::StaticState>),
    /// The sale is committed; its receipt is on screen.
    Receipt {
        sale: Box<CompletedSale>,
        print: PrintStatus,
        /// How many slip lines are scrolled off the top.
        scroll: u16,
    },
    /// Sales history: the filter line and one page of sales.
    History(Box<super::history::HistoryState>),
    /// A past sale opened from the history or by scanning its receipt.
    SaleDetail(Box<super::history::OpenedSale>),
    /// Refunding or post-voiding an opened sale.
    Refund(Box<super::screens::refund::RefundScreen>),
    /// Opening a shift (float count) or closing it (blind count, variance, Z).
    Shift(Box<super::screens::shift_screen::ShiftScreen>),
    /// The supervisor PIN for switching training mode on or off (screens/training.rs).
    Training(Box<super::screens::training::TrainingPrompt>),
}

pub struct Checkout {
    pub(super) settings: CheckoutSettings,
    pub(super) catalog: Arc<Catalog>,
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
    /// Attempts resumed from the journal after a restart, until they settle.
    pub(super) resumed: Vec<Resumed>,
    /// The refund policy and the supervisor PIN gate of the refund screen.
    pub(super) refund_desk: super::screens::refund::RefundDesk,
    /// The store catalogue version sold from, and a newer one waiting for the sale to end.
    pub(super) catalog_version: Option<i64>,
    pub(super) pending_catalog: Option<Box<super::catalog_swap::CatalogUpdate>>,
    /// Whether selling needs an open shift, the open one, and the drawer's settings.
    pub(super) shift_desk: super::screens::shift_screen::ShiftDesk,
    /// Running on the training books (screens/training.rs).
    pub(super) training: bool,
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
            resumed: Vec::new(),
            refund_desk: Default::default(),
            catalog_version: None,
            pending_catalog: None,
            shift_desk: Default::default(),
            training: false,
        }
    }

    /// Continues request-id numbering after the attempts already in the journal.
    pub fn set_attempt_seq(&mut self, seq: u64) {
        self.attempt_seq = seq;
    }

    /// The cashier of the open shift, if the counter knows of one (the header shows it).
    pub fn shift_cashier(&self) -> Option<&str> {
        self.shift_desk.open.as_ref().map(|s| s.cashier.as_str())
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

    pub(super) fn try_totals(&self) -> Result<Totals, BasketError> {
        self.basket.totals(&self.settings.tax)
    }

    /// Adds one of `item`, refusing it (basket unchanged) if the totals would not compute.
    pub(super) fn add_item(&mut self, item: &Item) -> Result<usize, BasketError> {
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
        let mut effects = self.handle_event(event, now);
        // After every event: a catalogue that waited for the sale to end is taken up now.
        effects.extend(self.swap_catalog_if_between_sales());
        effects
    }

    fn handle_event(&mut self, event: Event, now: Timestamp) -> Vec<Effect> {
        match event {
            Event::Action(action) => self.on_action(action, now),
            Event::SaleCommitted {
                sale,
                attempt: Some(id),
            } => self.on_attempt_sale(&id, Ok(sale), now),
            Event::SaleCommitted {
                sale,
                attempt: None,
            } => self.on_committed(sale),
            Event::CommitFailed {
                attempt: Some(id),
                reason,
            } => self.on_attempt_sale(&id, Err(reason), now),
            Event::CommitFailed {
                attempt: None,
                reason,
            } => self.on_cash_not_saved(&reason),
            Event::Net(reply) => self.on_net(*reply, now),
            Event::Timer(timer) => self.on_timer(timer, now),
            Event::PayNotSent { request_id, reason } => self.on_pay_not_sent(&request_id, &reason),
            Event::Tapped(code) => self.on_tapped(code, now),
            Event::Resume(record) => self.on_resume(*record, now),
            Event::HistoryLoaded(page) => self.on_history_loaded(page),
            Event::SaleOpened {
                lane_id,
                sale_no,
                found,
                store_asked,
            } => self.on_sale_opened(&lane_id, sale_no, found, store_asked),
            Event::Refund(news) => self.on_refund_news(*news, now),
            Event::CatalogArrived(update) => {
                self.on_catalog_arrived(*update);
                vec![]
            }
            Event::Shift(news) => self.on_shift_news(news, now),
            Event::TrainingSwitched(result) => self.on_training_switched(result),
            Event::Printed { sale_no, result } => {
                self.on_detail_printed(sale_no, &result);
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

    /// The journal could not save a cash sale: nothing is paid, the drawer stays shut.
    fn on_cash_not_saved(&mut self, reason: &str) -> Vec<Effect> {
        if self.screen == Screen::Committing {
            self.screen = Screen::Cash {
                input: String::new(),
            };
        }
        self.notice = Some(Notice::error(format!(
            "Sale NOT saved: the journal write failed ({reason}). Nothing was recorded and the drawer stays shut: take the tender back or call a supervisor."
        )));
        vec![]
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
            Screen::Static(state) => self.on_static_action(*state, action),
            Screen::Receipt {
                sale,
                print,
                scroll,
            } => self.on_receipt(sale, print, scroll, action, now),
            Screen::History(state) => self.on_history(*state, action),
            Screen::SaleDetail(opened) => self.on_sale_detail(*opened, action),
            Screen::Refund(state) => self.on_refund_action(*state, action, now),
            Screen::Shift(state) => self.on_shift_action(*state, action, now),
            Screen::Training(prompt) => self.on_training_action(*prompt, action, now),
        }
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

    pub(super) fn on_committed(&mut self, sale: Box<CompletedSale>) -> Vec<Effect> {
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
}
