//! The protocol-trace pane: every request the counter sent and every reply or notification it
//! received, with the time, the request id and the status, newest at the bottom.

use super::CounterView;
use super::keymap::{self, UiAction};
use crate::checkout::Action;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Color, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Widget};

pub fn render(view: &CounterView, area: Rect, buf: &mut Buffer) {
    Clear.render(area, buf);
    let block = Block::new()
        .borders(Borders::ALL)
        .title(format!(
            " Protocol trace ({} hides) ",
            keymap::global(&UiAction::ToggleTrace).map_or("?", |b| b.label)
        ))
        .border_style(Style::new().fg(Color::Blue));
    let inner = block.inner(area);
    block.render(area, buf);
    let rows = inner.height as usize;
    let trace = &view.checkout.trace;
    let offset = view.config.store.utc_offset_minutes;
    let lines: Vec<Line> = trace
        .iter()
        .skip(trace.len().saturating_sub(rows))
        .map(|e| {
            let time = e.at.format_local(offset);
            let (arrow, colour) = if e.outgoing {
                ("→", Color::Cyan)
            } else {
                ("←", Color::Green)
            };
            Line::from(vec![
                Span::styled(
                    format!("{} ", time.get(11..).unwrap_or(&time)),
                    Style::new().fg(Color::DarkGray),
                ),
                Span::styled(format!("{arrow} {:<7}", e.call), Style::new().fg(colour)),
                Span::raw(format!("{}  {}", e.request_id, e.detail)),
            ])
        })
        .collect();
    if lines.is_empty() {
        let basket = keymap::table(keymap::InputMode::Basket);
        let first = keymap::label_in(basket, &UiAction::Checkout(Action::PayWalletQr));
        let last = keymap::label_in(basket, &UiAction::Checkout(Action::PayCard));
        Line::from(Span::styled(
            format!("No payment requests yet: {first}–{last} start one."),
            Style::new().fg(Color::DarkGray),
        ))
        .render(inner, buf);
    } else {
        Paragraph::new(lines).render(inner, buf);
    }
}
