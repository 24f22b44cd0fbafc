//! The basket screen: scans, quantity keys, voids, and the keys that open the other screens.

use crate::checkout::action::{Action, Effect};
use crate::checkout::machine::{Checkout, Notice, Screen, SearchState};
use crate::checkout::payment::PayMode;
use crate::clock::Timestamp;

impl Checkout {
    pub(in crate::checkout) fn on_basket(&mut self, action: Action, now: Timestamp) -> Vec<Effect> {
        // Selling without an open shift opens one first (checkout/screens/shift_screen.rs).
        if self.shift_prompt(&action) {
            return vec![];
        }
        match action {
            // Sales history and scanned sale references: checkout/screens/history.rs.
            Action::History => return self.open_history(),
            // Training mode on or off, behind the PIN: checkout/screens/training.rs.
            Action::Training => return self.open_training_prompt(now),
            Action::Char(c) if self.takes_reference_char(c) => self.type_reference_char(c),
            Action::Enter if self.scan_input.starts_with('S') => return self.open_reference(),
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
            Action::PayStatic => self.open_static(now),
            Action::CloseShift => self.open_shift_close(),
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

    pub(in crate::checkout) fn scan(&mut self, code: &str) {
        match self.catalog.lookup(code) {
            Ok(item) => {
                let item = item.to_item();
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

    pub(in crate::checkout) fn bump_qty(&mut self, delta: i64) {
        let Some(line) = self.basket.lines().get(self.selected) else {
            return;
        };
        let qty = (i64::from(line.qty) + delta).max(0) as u32;
        self.apply_qty(qty);
    }

    pub(in crate::checkout) fn apply_qty(&mut self, qty: u32) {
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

    pub(in crate::checkout) fn clamp_selection(&mut self) {
        let n = self.basket.lines().len();
        if self.selected >= n {
            self.selected = n.saturating_sub(1);
        }
    }
}
