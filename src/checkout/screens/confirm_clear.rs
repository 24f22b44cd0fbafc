//! "Clear the whole basket?"

use crate::checkout::action::{Action, Effect};
use crate::checkout::machine::{Checkout, Notice, Screen};

impl Checkout {
    pub(in crate::checkout) fn on_confirm_clear(&mut self, action: Action) -> Vec<Effect> {
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
}
