//! `qrtill phone`: the shopper phone pane on a terminal of its own, drawn from the counter's
//! published state (every shopper's phone screen) with the phone pane's own screen drawing.

use super::keymap::{PHONE, help_rows};
use super::phone_view::screen_body;
use super::qr_code::QrCache;
use crate::clock::Timestamp;
use crate::link::client::{Conn, ScreenModel};
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Widget, Wrap};

pub struct PhoneClientView<'a> {
    pub model: &'a ScreenModel,
    /// Index of the shopper this phone belongs to.
    pub shopper: usize,
    /// A message of the phone itself (e.g. an unknown `--shopper`).
    pub note: Option<&'a str>,
    pub qr: &'a QrCache,
}

impl Widget for &PhoneClientView<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let block = Block::new()
            .borders(Borders::ALL)
            .title(" Shopper phone ")
            .border_style(Style::new().fg(Color::Magenta));
        let inner = block.inner(area);
        block.render(area, buf);
        let state = match (&self.model.conn, &self.model.state) {
            (Conn::Attached, Some(s)) if !s.shoppers.is_empty() => s,
            (conn, _) => {
                let text = match conn {
                    Conn::Connecting | Conn::Attached => "Connecting to the counter…".to_string(),
                    Conn::NoCounter(why) => format!("No counter: {why}. Retrying…"),
                    Conn::WrongVersion(why) => format!("Cannot attach: {why}"),
                };
                Paragraph::new(text)
                    .wrap(Wrap { trim: true })
                    .render(inner, buf);
                return;
            }
        };
        let idx = self.shopper % state.shoppers.len();
        let shopper = &state.shoppers[idx];
        let bold = Style::new().add_modifier(Modifier::BOLD);
        let mut head = vec![
            Line::from(Span::styled(
                format!(
                    "◀ {} ▶ ({}/{})",
                    shopper.name,
                    idx + 1,
                    state.shoppers.len()
                ),
                bold,
            )),
            Line::from(format!(
                "{} · {} · {}",
                shopper.brand, shopper.account, shopper.balance
            )),
        ];
        let message = self.note.map(|n| (false, n.to_string())).or_else(|| {
            self.model
                .reply
                .as_ref()
                .map(|(ok, m)| (*ok, if *ok { m.clone() } else { format!("✖ {m}") }))
        });
        if let Some((_, m)) = message {
            head.push(Line::from(Span::styled(m, Style::new().fg(Color::Yellow))));
        }
        let keys: Vec<_> = help_rows(PHONE).collect();
        let [top, middle, bottom] = Layout::vertical([
            Constraint::Length(head.len() as u16 + 1),
            Constraint::Min(3),
            Constraint::Length(keys.len().div_ceil(2) as u16 + 1),
        ])
        .areas(inner);
        Paragraph::new(head)
            .wrap(Wrap { trim: true })
            .render(top, buf);
        let now = Timestamp(self.model.counter_now().unwrap_or(state.now_ms));
        screen_body(now, self.qr, state.phones.get(idx), middle, buf);
        let mut lines: Vec<Line> = keys
            .chunks(2)
            .map(|pair| {
                Line::from(
                    pair.iter()
                        .flat_map(|b| {
                            [
                                Span::styled(
                                    b.label,
                                    Style::new().fg(Color::Black).bg(Color::Gray),
                                ),
                                Span::raw(format!(" {}  ", b.help)),
                            ]
                        })
                        .collect::<Vec<_>>(),
                )
            })
            .collect();
        lines.push(Line::from("q quit"));
        Paragraph::new(lines).render(bottom, buf);
    }
}
