//! Taking cash: the amount handed over, typed or picked from the quick tenders.

use crate::checkout::action::{Action, Effect};
use crate::checkout::cash;
use crate::checkout::machine::{Checkout, Notice, Screen};
use crate::checkout::sale::SaleTender;
use crate::clock::Timestamp;
use crate::money::Money;

impl Checkout {
    pub(in crate::checkout) fn on_cash(
        &mut self,
        mut input: String,
        action: Action,
        now: Timestamp,
    ) -> Vec<Effect> {
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

    pub(in crate::checkout) fn tender_cash(
        &mut self,
        tendered: Money,
        now: Timestamp,
    ) -> Vec<Effect> {
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
}
