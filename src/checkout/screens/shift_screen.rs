//! The shift screens at the counter: opening a shift (cashier id, then the float counted by
//! denomination) when selling starts without one, and closing it (a blind count, then expected
//! against counted, the supervisor PIN above the variance threshold, then the Z). The journal
//! writes go through `src/shift` and `report::close_with_z`, the same code as `qrtill shift`.

use super::pin_entry::{self, PinFields};
use super::shift_io::{OpenShift, ShiftEffect, ShiftNews};
use crate::checkout::action::{Action, Effect};
use crate::checkout::machine::{Checkout, Notice, Screen};
use crate::checkout::pin_prompt::PinStep;
use crate::clock::Timestamp;
use crate::money::{Currency, Decimal, Money};
use crate::report::Report;
use crate::shift::{Count, minor_text, needs_pin};

/// The longest cashier id the open screen takes.
const MAX_CASHIER_CHARS: usize = 16;
/// The most of one denomination a count takes (a full strap of bills is 100).
const MAX_QTY: u32 = 99_999;

/// What the counter knows about the lane's shift, and the drawer settings the count screens use.
#[derive(Debug, Clone, PartialEq)]
pub struct ShiftDesk {
    /// Selling needs an open shift: true at the counter. Headless runs (`simulate`, scenarios,
    /// the demo) open their own shift, or sell without one, and are never prompted.
    pub required: bool,
    pub open: Option<OpenShift>,
    /// Bills and coins in minor units, largest first (`drawer.denominations`).
    pub denominations: Vec<i64>,
    /// The cashier id the open screen offers (`store.cashier`).
    pub cashier: String,
    /// A close whose cash variance (either way) is above this needs the supervisor PIN.
    pub variance_pin_above: i64,
    /// The store config the runtime builds the X and Z reports with (`None`: no reports, and
    /// the close refuses with a message).
    pub config: Option<std::sync::Arc<crate::config::Config>>,
}

impl Default for ShiftDesk {
    /// Not required, no shift, the default USD drawer.
    fn default() -> Self {
        let drawer = crate::shift::DrawerSettings::default();
        Self {
            required: false,
            open: None,
            denominations: drawer
                .denominations_minor(Currency::USD)
                .unwrap_or_default(),
            cashier: String::new(),
            variance_pin_above: drawer.variance_pin_above_minor(Currency::USD).unwrap_or(0),
            config: None,
        }
    }
}

impl ShiftDesk {
    /// The desk for `config`; not required (the counter asks for it with `require`).
    pub fn from_config(config: &crate::config::Config, open: Option<OpenShift>) -> Self {
        let currency = config.currency();
        Self {
            required: false,
            open,
            // An unusable list counts nothing: the open screen says so instead of counting.
            denominations: config
                .drawer
                .denominations_minor(currency)
                .unwrap_or_default(),
            cashier: config.store.cashier.clone(),
            variance_pin_above: config
                .drawer
                .variance_pin_above_minor(currency)
                // An unreadable threshold asks the supervisor for any variance.
                .unwrap_or(0),
            config: Some(std::sync::Arc::new(config.clone())),
        }
    }
}

/// What the cashier did that needed a shift, done once the shift is open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resume {
    /// A scanned barcode: added to the basket after the open (nothing is lost).
    Scan(String),
    /// A key of the basket screen (search, a pay key).
    Key(Action),
}

/// A count by denomination being typed: digits set the selected row's quantity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CountEntry {
    pub count: Count,
    pub selected: usize,
}

impl CountEntry {
    pub fn new(denominations: &[i64]) -> Self {
        Self {
            count: Count::empty(denominations),
            selected: 0,
        }
    }

    /// The running total in minor units.
    pub fn total_minor(&self) -> i64 {
        self.count.total_minor()
    }

    /// Applies a key of the count; false when the key is not one of the count's.
    fn key(&mut self, action: &Action) -> bool {
        let rows = self.count.pieces.len();
        let Some(slot) = self.count.pieces.get_mut(self.selected) else {
            return false;
        };
        match action {
            Action::Char(c) if c.is_ascii_digit() => {
                let digit = c.to_digit(10).unwrap_or(0);
                let qty = slot.1.saturating_mul(10).saturating_add(digit);
                if qty <= MAX_QTY {
                    slot.1 = qty;
                }
            }
            Action::Backspace => slot.1 /= 10,
            Action::Up => self.selected = self.selected.saturating_sub(1),
            Action::Down if self.selected + 1 < rows => self.selected += 1,
            Action::Down => {}
            _ => return false,
        }
        true
    }
}

/// The close after the blind count: the X report at that moment and what was counted.
#[derive(Debug, Clone, PartialEq)]
pub struct CloseReview {
    pub counted: Count,
    pub expected: Report,
    /// Counted minus expected cash, in minor units.
    pub variance_minor: i64,
    pub needs_pin: bool,
}

/// One row of the close's expected-against-counted table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TenderRow {
    pub tender: String,
    pub expected: Decimal,
    /// `None` for tenders that never enter the drawer (cards, wallets): the network settles
    /// them, and `qrtill settle` matches them.
    pub counted: Option<Decimal>,
    pub variance: Option<Decimal>,
}

impl CloseReview {
    fn new(counted: Count, expected: Report, currency: Currency, threshold: i64) -> Self {
        let expected_minor = Money::new(expected.cash_expected, currency)
            .map(|m| m.to_minor())
            .unwrap_or(0);
        let variance_minor = counted.total_minor() - expected_minor;
        Self {
            needs_pin: needs_pin(variance_minor, threshold),
            counted,
            expected,
            variance_minor,
        }
    }

    /// Cash first (float, cash sales, paid-ins and -outs, cash refunds: the report's expected
    /// cash against the count), then every other tender the shift took, as the report has it.
    pub fn rows(&self, currency: Currency) -> Vec<TenderRow> {
        // Minor units at the currency's scale: 12000 cents shows as 120.00, as the report does.
        let scale = crate::money::minor_units(currency).unwrap_or(2);
        let dec = |minor: i64| Decimal::new(minor, scale);
        let mut rows = vec![TenderRow {
            tender: "Cash (drawer)".into(),
            expected: self.expected.cash_expected,
            counted: Some(dec(self.counted.total_minor())),
            variance: Some(dec(self.variance_minor)),
        }];
        rows.extend(
            self.expected
                .tenders
                .iter()
                .filter(|t| !t.tender.eq_ignore_ascii_case("cash"))
                .map(|t| TenderRow {
                    tender: t.tender.clone(),
                    expected: t.amount,
                    counted: None,
                    variance: None,
                }),
        );
        rows
    }
}

/// Where the shift screen stands.
#[derive(Debug, Clone, PartialEq)]
pub enum ShiftStage {
    /// Opening: the cashier id.
    Cashier { input: String },
    /// Opening: the float counted by denomination.
    OpenCount { cashier: String, entry: CountEntry },
    /// Waiting for the journal to open the shift.
    Opening { cashier: String, entry: CountEntry },
    /// Closing: the blind count (the expected cash is not known to this screen yet).
    CloseCount { entry: CountEntry },
    /// Waiting for the X report after the count.
    Expecting { entry: CountEntry },
    /// Expected against counted, with the variance.
    Review(Box<CloseReview>),
    /// The variance is over the threshold: the supervisor PIN, masked.
    Pin {
        review: Box<CloseReview>,
        entry: String,
        message: Option<String>,
        locked_until: Option<Timestamp>,
    },
    /// Waiting for the journal to close the shift and write the Z.
    Closing(Box<CloseReview>),
    /// The Z as written.
    Closed(Box<Report>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct ShiftScreen {
    pub stage: ShiftStage,
    /// The cashier's action that needed the shift, done after the open.
    pub resume: Option<Resume>,
}

impl Checkout {
    /// The shift desk: whether selling needs a shift, and the open one.
    pub fn set_shift_desk(&mut self, desk: ShiftDesk) {
        self.shift_desk = desk;
    }

    pub fn shift_desk(&self) -> &ShiftDesk {
        &self.shift_desk
    }

    /// Whether selling needs an open shift (the counter: yes, outside training).
    pub fn require_shift(&mut self, required: bool) {
        self.shift_desk.required = required;
    }

    /// Whether `action` on the basket starts selling without an open shift; if so the shift
    /// open screen takes over and the action is kept for after the open.
    pub(in crate::checkout) fn shift_prompt(&mut self, action: &Action) -> bool {
        if !self.shift_desk.required || self.shift_desk.open.is_some() {
            return false;
        }
        let resume = match action {
            Action::Enter if !self.scan_input.is_empty() && !self.scan_input.starts_with('S') => {
                Resume::Scan(std::mem::take(&mut self.scan_input))
            }
            Action::Search
            | Action::PayCash
            | Action::PayWalletQr
            | Action::PayCode
            | Action::PayTap
            | Action::PayCard
            | Action::PayStatic => Resume::Key(action.clone()),
            _ => return false,
        };
        // Short enough for the 80-column status line.
        self.notice = Some(Notice::warn(match resume {
            Resume::Scan(_) => "No shift is open: open one to sell (the scan is kept).",
            Resume::Key(_) => "No shift is open: open one to sell.",
        }));
        self.screen = Screen::Shift(Box::new(ShiftScreen {
            stage: ShiftStage::Cashier {
                input: self.shift_desk.cashier.clone(),
            },
            resume: Some(resume),
        }));
        true
    }

    /// The close key on the basket: only with no open sale and an open shift.
    pub(in crate::checkout) fn open_shift_close(&mut self) {
        if !self.basket.is_empty() || !self.scan_input.is_empty() {
            self.notice = Some(Notice::warn(
                "Finish or clear the sale before closing the shift.",
            ));
            return;
        }
        if self.shift_desk.open.is_none() {
            self.notice = Some(Notice::warn(format!(
                "No shift is open on lane {}: nothing to close.",
                self.settings.lane_id
            )));
            return;
        }
        self.notice = None;
        self.screen = Screen::Shift(Box::new(ShiftScreen {
            stage: ShiftStage::CloseCount {
                entry: CountEntry::new(&self.shift_desk.denominations),
            },
            resume: None,
        }));
    }

    pub(in crate::checkout) fn on_shift_action(
        &mut self,
        mut s: ShiftScreen,
        action: Action,
        now: Timestamp,
    ) -> Vec<Effect> {
        let mut effects = vec![];
        match (&mut s.stage, action) {
            (ShiftStage::Cashier { input }, Action::Char(c))
                if (c.is_alphanumeric() || c == '-' || c == '_')
                    && input.chars().count() < MAX_CASHIER_CHARS =>
            {
                input.push(c)
            }
            (ShiftStage::Cashier { input }, Action::Backspace) => {
                input.pop();
            }
            (ShiftStage::Cashier { input }, Action::Enter) => {
                if input.trim().is_empty() {
                    self.notice = Some(Notice::warn("Type the cashier id, then Enter."));
                } else if self.shift_desk.denominations.is_empty() {
                    self.notice = Some(Notice::error(
                        "drawer.denominations in the config lists no bills or coins to count.",
                    ));
                } else {
                    self.notice = None;
                    s.stage = ShiftStage::OpenCount {
                        cashier: input.trim().to_string(),
                        entry: CountEntry::new(&self.shift_desk.denominations),
                    };
                }
            }
            (ShiftStage::Cashier { .. }, Action::Back) => {
                self.notice = Some(Notice::warn(match s.resume {
                    Some(Resume::Scan(_)) => "No shift opened: the scan was not added.",
                    _ => "No shift opened.",
                }));
                self.screen = Screen::Basket;
                return effects;
            }
            (ShiftStage::OpenCount { cashier, entry }, Action::Enter) => {
                effects.push(Effect::Shift(ShiftEffect::Open {
                    cashier: cashier.clone(),
                    float: entry.count.clone(),
                }));
                s.stage = ShiftStage::Opening {
                    cashier: std::mem::take(cashier),
                    entry: entry.clone(),
                };
            }
            (ShiftStage::OpenCount { cashier, .. }, Action::Back) => {
                s.stage = ShiftStage::Cashier {
                    input: std::mem::take(cashier),
                };
            }
            (ShiftStage::OpenCount { entry, .. }, a) => {
                entry.key(&a);
            }
            (ShiftStage::CloseCount { entry }, Action::Enter) => {
                effects.push(Effect::Shift(ShiftEffect::Expect));
                s.stage = ShiftStage::Expecting {
                    entry: entry.clone(),
                };
            }
            (ShiftStage::CloseCount { .. }, Action::Back) => {
                self.notice = Some(Notice::info("Shift still open: nothing was closed."));
                self.screen = Screen::Basket;
                return effects;
            }
            (ShiftStage::CloseCount { entry }, a) => {
                entry.key(&a);
            }
            (ShiftStage::Review(review), Action::Enter) => {
                if review.needs_pin {
                    s.stage = ShiftStage::Pin {
                        review: review.clone(),
                        entry: String::new(),
                        message: None,
                        locked_until: self.refund_desk.gate.locked_until(now),
                    };
                } else {
                    effects.push(self.close_effect(review, None));
                    s.stage = ShiftStage::Closing(review.clone());
                }
            }
            (ShiftStage::Review(_), Action::Back) => {
                // The count is dropped with it: a new close starts a new blind count.
                self.notice = Some(Notice::info("Shift still open: nothing was closed."));
                self.screen = Screen::Basket;
                return effects;
            }
            (
                ShiftStage::Pin {
                    review,
                    entry,
                    message,
                    locked_until,
                },
                key @ (Action::Char(_) | Action::Backspace | Action::Enter),
            ) => {
                let fields = PinFields {
                    entry,
                    message,
                    locked_until,
                };
                let (step, save) = pin_entry::on_key(&key, &mut self.refund_desk.gate, now, fields);
                effects.extend(save);
                if step == PinStep::Accepted {
                    let review = review.clone();
                    effects.push(self.close_effect(&review, Some("supervisor".into())));
                    s.stage = ShiftStage::Closing(review);
                }
            }
            (ShiftStage::Pin { review, .. }, Action::Back) => {
                s.stage = ShiftStage::Review(review.clone());
            }
            (ShiftStage::Closed(_), Action::Enter | Action::Back) => {
                self.screen = Screen::Basket;
                return effects;
            }
            _ => {}
        }
        self.screen = Screen::Shift(Box::new(s));
        effects
    }

    fn close_effect(&self, review: &CloseReview, approved_by: Option<String>) -> Effect {
        let closed_by = self
            .shift_desk
            .open
            .as_ref()
            .map_or_else(|| self.shift_desk.cashier.clone(), |o| o.cashier.clone());
        Effect::Shift(ShiftEffect::Close {
            counted: review.counted.clone(),
            closed_by,
            approved_by,
        })
    }

    pub(in crate::checkout) fn on_shift_news(
        &mut self,
        news: ShiftNews,
        now: Timestamp,
    ) -> Vec<Effect> {
        let Screen::Shift(mut s) = self.screen.clone() else {
            return vec![];
        };
        let currency = self.settings.currency;
        match (s.stage.clone(), news) {
            (ShiftStage::Opening { .. }, ShiftNews::Opened(Ok(open))) => {
                let opened = format!("Shift {} open: cashier {}", open.id, open.cashier);
                self.shift_desk.open = Some(open);
                self.screen = Screen::Basket;
                self.notice = Some(Notice::info(opened.clone()));
                return match s.resume {
                    Some(Resume::Scan(code)) => {
                        self.scan(&code);
                        if let Some(n) = &mut self.notice {
                            n.text = format!("{opened}. {}", n.text);
                        }
                        vec![]
                    }
                    Some(Resume::Key(action)) => self.on_basket(action, now),
                    None => vec![],
                };
            }
            (ShiftStage::Opening { cashier, entry }, ShiftNews::Opened(Err(reason))) => {
                self.notice = Some(Notice::error(format!("Shift NOT opened: {reason}")));
                s.stage = ShiftStage::OpenCount { cashier, entry };
            }
            (ShiftStage::Expecting { entry }, ShiftNews::Expected(Ok(report))) => {
                let review = CloseReview::new(
                    entry.count,
                    *report,
                    currency,
                    self.shift_desk.variance_pin_above,
                );
                if review.needs_pin {
                    self.notice = Some(Notice::warn(format!(
                        "The cash variance is over {}: closing needs the supervisor PIN.",
                        minor_text(self.shift_desk.variance_pin_above, currency)
                    )));
                }
                s.stage = ShiftStage::Review(Box::new(review));
            }
            (ShiftStage::Expecting { entry }, ShiftNews::Expected(Err(reason))) => {
                self.notice = Some(Notice::error(format!(
                    "The expected cash cannot be read: {reason}"
                )));
                s.stage = ShiftStage::CloseCount { entry };
            }
            (ShiftStage::Closing(_), ShiftNews::Closed(Ok(report))) => {
                self.shift_desk.open = None;
                self.notice = Some(Notice::info(format!(
                    "Shift closed: Z{} written.",
                    report.number.unwrap_or_default()
                )));
                s.stage = ShiftStage::Closed(report);
            }
            (ShiftStage::Closing(review), ShiftNews::Closed(Err(reason))) => {
                self.notice = Some(Notice::error(format!(
                    "Shift NOT closed: {reason}. Nothing was written."
                )));
                s.stage = ShiftStage::Review(review);
            }
            _ => return vec![],
        }
        self.screen = Screen::Shift(s);
        vec![]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn usd() -> Vec<i64> {
        crate::shift::DrawerSettings::default()
            .denominations_minor(Currency::USD)
            .unwrap_or_default()
    }

    fn typed(entry: &mut CountEntry, keys: &[Action]) {
        for k in keys {
            assert!(entry.key(k), "{k:?} is a count key");
        }
    }

    #[test]
    fn digits_set_the_selected_quantity_and_the_total_runs() {
        let mut e = CountEntry::new(&usd());
        // 100 is first: go down to 20, type 5, then to 10 and type 12, erase the 2.
        typed(
            &mut e,
            &[
                Action::Down,
                Action::Down,
                Action::Char('5'),
                Action::Down,
                Action::Char('1'),
                Action::Char('2'),
            ],
        );
        assert_eq!(e.total_minor(), 5 * 2_000 + 12 * 1_000);
        typed(&mut e, &[Action::Backspace]);
        assert_eq!(e.total_minor(), 5 * 2_000 + 1_000);
        assert!(!e.key(&Action::Char('x')), "letters are not count keys");
    }

    #[test]
    fn a_quantity_stops_at_its_cap_and_the_cursor_at_the_ends() {
        let mut e = CountEntry::new(&usd());
        typed(&mut e, &[Action::Up]);
        assert_eq!(e.selected, 0);
        for _ in 0..7 {
            typed(&mut e, &[Action::Char('9')]);
        }
        assert_eq!(e.count.pieces[0].1, MAX_QTY);
        for _ in 0..20 {
            typed(&mut e, &[Action::Down]);
        }
        assert_eq!(e.selected, usd().len() - 1);
    }
}
