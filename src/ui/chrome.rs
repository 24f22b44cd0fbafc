//! The frame around every screen: header, status line, key legend, and the small-terminal hint.

use super::keymap::legend_within;
use super::{CounterView, MIN_HEIGHT, MIN_WIDTH, strings};
use crate::checkout::{NoticeLevel, Screen};
use ratatui::buffer::Buffer;
use ratatui::layout::{Alignment, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget, Wrap};

pub fn header(view: &CounterView, area: Rect, buf: &mut Buffer) {
    let s = &view.config.store;
    // The open shift's cashier, once there is one; the configured one before.
    let cashier = view.checkout.shift_cashier().unwrap_or(&s.cashier);
    let left = format!(
        " {} · Store {} · Lane {} · Cashier {cashier}",
        s.name, s.store_id, s.lane_id
    );
    let store = view.panes.store.as_ref().map(|h| h.get().line() + " · ");
    let right = format!(
        "{}{} ",
        store.unwrap_or_default(),
        view.now.format_hhmm(s.utc_offset_minutes)
    );
    let style = Style::new().fg(Color::Black).bg(Color::Cyan);
    buf.set_style(area, style);
    Line::from(left)
        .style(style.add_modifier(Modifier::BOLD))
        .render(area, buf);
    Line::from(right)
        .alignment(Alignment::Right)
        .style(style)
        .render(area, buf);
}

pub fn status_line(view: &CounterView, area: Rect, buf: &mut Buffer) {
    let checkout = view.checkout;
    if let Some(n) = &view.panes.notice {
        let style = Style::new().fg(Color::Yellow).add_modifier(Modifier::BOLD);
        Line::from(Span::styled(format!(" {n}"), style)).render(area, buf);
        return;
    }
    let line = match (&checkout.screen, &checkout.notice) {
        (Screen::ConfirmClear, _) => Line::from(Span::styled(
            strings::CONFIRM_CLEAR,
            Style::new().fg(Color::Yellow).add_modifier(Modifier::BOLD),
        )),
        (Screen::Quantity { input }, _) => Line::from(vec![
            Span::raw(format!(" {}: ", strings::QUANTITY_PROMPT)),
            Span::styled(
                format!("{input}▏"),
                Style::new().add_modifier(Modifier::BOLD),
            ),
        ]),
        (Screen::Committing, _) => Line::from(format!(" {}", strings::COMMITTING)),
        (_, Some(n)) => {
            let style = match n.level {
                NoticeLevel::Info => Style::new().fg(Color::Green),
                NoticeLevel::Warning => Style::new().fg(Color::Yellow),
                NoticeLevel::Error => Style::new().fg(Color::White).bg(Color::Red),
            };
            Line::from(Span::styled(format!(" {}", n.text), style))
        }
        (Screen::Basket, None) => Line::from(Span::styled(
            format!(" {}", strings::SCAN_PROMPT),
            Style::new().fg(Color::DarkGray),
        )),
        _ => Line::default(),
    };
    line.render(area, buf);
}

pub fn legend(view: &CounterView, area: Rect, buf: &mut Buffer) {
    let mut spans = vec![Span::raw(" ")];
    for (key, help) in legend_within(view.checkout, area.width) {
        spans.push(Span::styled(
            key,
            Style::new().fg(Color::Black).bg(Color::Gray),
        ));
        spans.push(Span::raw(format!(" {help}  ")));
    }
    Line::from(spans).render(area, buf);
}

pub fn enlarge_hint(area: Rect, buf: &mut Buffer) {
    warning_text(
        format!(
            "{} to at least {MIN_WIDTH}×{MIN_HEIGHT} (now {}×{}).",
            strings::ENLARGE,
            area.width,
            area.height
        ),
        area,
        buf,
    );
}

/// A wrapped, bold yellow message filling `area` (size hints and the like).
pub fn warning_text(text: String, area: Rect, buf: &mut Buffer) {
    Paragraph::new(text)
        .wrap(Wrap { trim: true })
        .style(Style::new().fg(Color::Yellow).add_modifier(Modifier::BOLD))
        .render(area, buf);
}
