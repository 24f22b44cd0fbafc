//! The terminal front end: keys become actions (keymap), and views draw from `&Checkout`.
//! Nothing here changes the sale; it only reads state and reports intents.

pub mod app;
mod basket_view;
mod cash_view;
mod chrome;
mod help_view;
pub mod keymap;
pub mod qr_code;
mod receipt_view;
mod search_view;
pub mod strings;

use crate::checkout::{Checkout, Screen};
use crate::clock::Timestamp;
use crate::config::Config;
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::widgets::Widget;

/// The smallest terminal the counter draws in.
pub const MIN_WIDTH: u16 = 80;
pub const MIN_HEIGHT: u16 = 24;

/// Everything a frame is drawn from, borrowed for the duration of one draw.
pub struct CounterView<'a> {
    pub checkout: &'a Checkout,
    pub config: &'a Config,
    pub now: Timestamp,
}

impl Widget for &CounterView<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
            chrome::enlarge_hint(area, buf);
            return;
        }
        let [header, body, status, legend] = Layout::vertical([
            Constraint::Length(1),
            Constraint::Min(10),
            Constraint::Length(1),
            Constraint::Length(1),
        ])
        .areas(area);
        chrome::header(self, header, buf);
        match &self.checkout.screen {
            Screen::Search(state) => search_view::render(self, state, body, buf),
            Screen::Cash { input } => cash_view::render(self, input, body, buf),
            Screen::Receipt {
                sale,
                print,
                scroll,
            } => receipt_view::render(self, sale, print, *scroll, body, buf),
            _ => basket_view::render(self, body, buf),
        }
        chrome::status_line(self, status, buf);
        chrome::legend(self, legend, buf);
        if self.checkout.help_open {
            help_view::render(self, body, buf);
        }
    }
}
