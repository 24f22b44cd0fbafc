//! The terminal front end: keys become actions (keymap), and views draw from `&Checkout`.
//! Nothing here changes the sale; it only reads state and reports intents.

pub mod app;
mod basket_view;
mod cash_view;
mod chrome;
mod help_view;
pub mod keymap;
mod pay_view;
mod phone_view;
pub mod qr_code;
mod receipt_view;
mod search_view;
mod static_view;
pub mod strings;
mod trace_view;

use crate::checkout::payment::PayMode;
use crate::checkout::{Checkout, Screen};
use crate::clock::Timestamp;
use crate::config::Config;
use crate::network::Network;
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::widgets::Widget;

/// The smallest terminal the counter draws in.
pub const MIN_WIDTH: u16 = 80;
pub const MIN_HEIGHT: u16 = 24;

/// The optional panes: the shopper's phone and the protocol trace. Pure UI state.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Panes {
    pub phone: bool,
    /// Keys go to the phone, not the counter.
    pub phone_focus: bool,
    pub trace: bool,
    /// Index of the shopper the phone belongs to.
    pub shopper: usize,
    /// What the last phone action did.
    pub phone_message: Option<String>,
}

/// Width of the phone pane.
pub const PHONE_WIDTH: u16 = 34;

/// Everything a frame is drawn from, borrowed for the duration of one draw.
pub struct CounterView<'a> {
    pub checkout: &'a Checkout,
    pub config: &'a Config,
    pub now: Timestamp,
    /// The simulated network, for the phone pane and indicative FX.
    pub network: Option<&'a Network>,
    pub panes: &'a Panes,
}

impl Widget for &CounterView<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
            chrome::enlarge_hint(area, buf);
            return;
        }
        if let Screen::Pay(pay) = &self.checkout.screen
            && pay.mode == PayMode::WalletQr
        {
            // QR first: the code needs every row an 80×24 terminal has. Open panes take their
            // room from the QR side; they never cover the code.
            let (main, _, _) = self.pane_rects(area);
            pay_view::render_qr_first(self, pay, main, buf);
            self.render_panes(area, buf);
            return;
        }
        if let Screen::Static(state) = &self.checkout.screen {
            let (main, _, _) = self.pane_rects(area);
            static_view::render(self, state, main, buf);
            self.render_panes(area, buf);
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
        // Open panes take their room from the screen; nothing is drawn underneath them.
        let (main, _, _) = self.pane_rects(body);
        match &self.checkout.screen {
            Screen::Search(state) => search_view::render(self, state, main, buf),
            Screen::Cash { input } => cash_view::render(self, input, main, buf),
            Screen::Receipt {
                sale,
                print,
                scroll,
            } => receipt_view::render(self, sale, print, *scroll, main, buf),
            Screen::Pay(pay) => pay_view::render_framed(self, pay, main, buf),
            _ => basket_view::render(self, main, buf),
        }
        chrome::status_line(self, status, buf);
        chrome::legend(self, legend, buf);
        self.render_panes(body, buf);
        if self.checkout.help_open {
            help_view::render(self, body, buf);
        }
    }
}

impl CounterView<'_> {
    /// Splits `area` into what is left for the screen, the phone pane on the right and the
    /// trace along the bottom (each `None` when closed or without room).
    fn pane_rects(&self, area: Rect) -> (Rect, Option<Rect>, Option<Rect>) {
        let mut rest = area;
        let mut phone = None;
        if self.panes.phone && area.width > PHONE_WIDTH {
            phone = Some(Rect {
                x: area.right() - PHONE_WIDTH,
                width: PHONE_WIDTH,
                ..area
            });
            rest.width -= PHONE_WIDTH;
        }
        let mut trace = None;
        if self.panes.trace && rest.height > 6 {
            let h = (rest.height / 3).max(6);
            trace = Some(Rect {
                y: rest.bottom() - h,
                height: h,
                ..rest
            });
            rest.height -= h;
        }
        (rest, phone, trace)
    }

    /// The phone pane on the right, the trace along the bottom, over whatever is below.
    fn render_panes(&self, area: Rect, buf: &mut Buffer) {
        let (_, phone, trace) = self.pane_rects(area);
        if let Some(r) = phone {
            phone_view::render(self, r, buf);
        }
        if let Some(r) = trace {
            trace_view::render(self, r, buf);
        }
    }
}
