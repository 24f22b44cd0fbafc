//! The receipt of a committed sale: scroll, reprint, next customer.

use crate::checkout::action::{Action, Effect};
use crate::checkout::machine::{Checkout, Notice, PrintStatus, Screen};
use crate::checkout::sale::CompletedSale;
use crate::clock::Timestamp;

impl Checkout {
    pub(in crate::checkout) fn on_receipt(
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
