//! The terminal front end: keys become actions (keymap), and views draw from `&Checkout`.
//! Nothing here changes the sale; it only reads state and reports intents.

pub mod app;
mod basket_view;
pub mod caption;
mod cash_view;
mod chrome;
pub mod display_view;
pub mod events;
mod help_view;
mod history_view;
pub mod keymap;
mod pay_view;
pub mod phone_client_view;
mod phone_view;
mod pin_view;
pub mod qr_code;
pub mod receipt_picture;
mod receipt_view;
mod refund_view;
pub mod report_view;
mod sale_view;
mod search_view;
mod shift_view;
mod static_view;
pub mod strings;
mod trace_view;
pub mod training;
pub mod training_mode;
mod training_view;

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

/// The UI state the loop keeps between frames: the optional panes (the shopper's phone and the
/// protocol trace), the shell's own message, the colour choice and the QR caches. Pure UI
/// state: nothing here is part of the sale.
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
    /// A message from the shell itself (a refused paste), until the next key.
    pub notice: Option<String>,
    /// `NO_COLOR` is set: draw without colours (the QR code keeps black on white).
    pub no_color: bool,
    /// The counter's QR code, encoded once per payload.
    pub qr: qr_code::QrCache,
    /// The phone pane's payment code, encoded once per code.
    pub phone_qr: qr_code::QrCache,
    /// Replication to the store ledger (`store.url`), shown in the header.
    pub store: Option<crate::store::StatusHandle>,
    /// The receipt as a picture, in terminals that show images.
    pub receipt_picture: receipt_picture::ReceiptPicture,
    /// `(payload, text)`: the counter's QR carries `text` instead of this EMV payload (the web
    /// phone's URL; `crate::link::web`).
    pub counter_qr: Option<(String, String)>,
    /// Training mode (`--training`): the watermark is drawn on every screen.
    pub training: bool,
    /// The X report covers the counter (F2).
    pub report: bool,
}

impl Panes {
    /// Whether `NO_COLOR` asks for no colours: set and not empty (no-color.org).
    pub fn no_color_from(value: Option<&std::ffi::OsStr>) -> bool {
        value.is_some_and(|v| !v.is_empty())
    }
}

/// Width of the phone pane: 33 columns inside, what a payment code's QR needs (16–24 digits in
/// byte mode is a version-2 code at level L: 25 modules plus the quiet zone).
pub const PHONE_WIDTH: u16 = 35;

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
        let codes = self.render_all(area, buf);
        if self.panes.no_color {
            no_color(area, &codes, buf);
        }
        if self.panes.training {
            training::watermark(area, buf);
        }
    }
}

/// Takes every colour out of `area` except the QR codes at `codes`: bold, reverse and the
/// other modifiers stay, so emphasis survives. A QR code is an image a camera must read, not
/// decoration, so it keeps its explicit black on white; drawn in the terminal's own colours it
/// would come out inverted on a dark theme and not scan (tests/qr_scan.rs shows that).
fn no_color(area: Rect, codes: &[Rect], buf: &mut Buffer) {
    for y in area.top()..area.bottom() {
        for x in area.left()..area.right() {
            if codes
                .iter()
                .any(|c| c.contains(ratatui::layout::Position { x, y }))
            {
                continue;
            }
            if let Some(cell) = buf.cell_mut((x, y)) {
                cell.fg = ratatui::style::Color::Reset;
                cell.bg = ratatui::style::Color::Reset;
                cell.underline_color = ratatui::style::Color::Reset;
            }
        }
    }
}

impl CounterView<'_> {
    /// Draws the frame; returns where QR codes were drawn.
    fn render_all(&self, area: Rect, buf: &mut Buffer) -> Vec<Rect> {
        if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
            chrome::enlarge_hint(area, buf);
            return vec![];
        }
        if let Screen::Pay(pay) = &self.checkout.screen
            && pay.mode == PayMode::WalletQr
        {
            // QR first: the code needs every row an 80×24 terminal has. Open panes take their
            // room from the QR side; they never cover the code.
            let (main, _, _) = self.pane_rects(area);
            let mut codes: Vec<Rect> = pay_view::render_qr_first(self, pay, main, buf)
                .into_iter()
                .collect();
            codes.extend(self.render_panes(area, buf));
            return codes;
        }
        if let Screen::Static(state) = &self.checkout.screen {
            let (main, _, _) = self.pane_rects(area);
            let mut codes: Vec<Rect> = static_view::render(self, state, main, buf)
                .into_iter()
                .collect();
            codes.extend(self.render_panes(area, buf));
            return codes;
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
            Screen::History(state) => history_view::render(self, state, main, buf),
            Screen::SaleDetail(opened) => sale_view::render(self, opened, main, buf),
            Screen::Refund(state) => refund_view::render(self, state, main, buf),
            Screen::Shift(state) => shift_view::render(self, state, main, buf),
            Screen::Training(prompt) => training_view::render(self, prompt, main, buf),
            _ => basket_view::render(self, main, buf),
        }
        chrome::status_line(self, status, buf);
        // In training the watermark takes the legend row's right end; the keys fit the rest.
        let legend = if self.panes.training {
            training::beside_watermark(legend)
        } else {
            legend
        };
        chrome::legend(self, legend, buf);
        let codes = self.render_panes(body, buf);
        if self.checkout.help_open {
            help_view::render(self, body, buf);
            return vec![];
        }
        codes.into_iter().collect()
    }

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
    /// Returns where the phone drew its payment code, if it did.
    fn render_panes(&self, area: Rect, buf: &mut Buffer) -> Option<Rect> {
        let (_, phone, trace) = self.pane_rects(area);
        if let Some(r) = trace {
            trace_view::render(self, r, buf);
        }
        phone.and_then(|r| phone_view::render(self, r, buf))
    }
}

#[cfg(test)]
mod tests {
    use super::Panes;
    use std::ffi::OsStr;

    #[test]
    fn no_color_means_set_and_not_empty() {
        assert!(!Panes::no_color_from(None));
        assert!(!Panes::no_color_from(Some(OsStr::new(""))));
        assert!(Panes::no_color_from(Some(OsStr::new("1"))));
        assert!(
            Panes::no_color_from(Some(OsStr::new("0"))),
            "any value, even 0"
        );
    }
}
