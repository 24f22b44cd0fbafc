//! Typing a new quantity for the selected line.

use crate::checkout::action::{Action, Effect};
use crate::checkout::machine::{Checkout, Notice, Screen};

impl Checkout {
    pub(in crate::checkout) fn on_quantity(
        &mut self,
        mut input: String,
        action: Action,
    ) -> Vec<Effect> {
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
}
