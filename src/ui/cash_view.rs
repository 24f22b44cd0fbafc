//! Cash tender: the total, the typed amount, quick tenders and the change due.

use super::{CounterView, strings};
use crate::checkout::cash::change_due;
use crate::money::Money;
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Widget};

pub fn render(view: &CounterView, input: &str, area: Rect, buf: &mut Buffer) {
    let [left, right] =
        Layout::horizontal([Constraint::Min(40), Constraint::Length(36)]).areas(area);
    super::basket_view::basket_lines(view, left, buf);

    let total = view.checkout.totals().total;
    let block = Block::new()
        .borders(Borders::ALL)
        .title(strings::CASH_TITLE)
        .border_style(Style::new().fg(Color::Yellow));
    let inner = block.inner(right);
    block.render(right, buf);

    let bold = Style::new().add_modifier(Modifier::BOLD);
    let mut lines = vec![
        Line::from(vec![
            Span::raw(format!("{}  ", strings::TOTAL)),
            Span::styled(total.with_code(), bold.fg(Color::Yellow)),
        ]),
        Line::default(),
        Line::from(format!("{}:", strings::CASH_PROMPT)),
        Line::from(Span::styled(format!("  {input}▏"), bold)),
        Line::default(),
        Line::from(format!("{}:", strings::QUICK_TENDERS)),
    ];
    for (i, q) in view.checkout.quick_tenders().iter().enumerate() {
        let key = (b'a' + i as u8) as char;
        let label = if i == 0 { " (exact)" } else { "" };
        lines.push(Line::from(vec![
            Span::styled(
                format!(" {key} "),
                Style::new().fg(Color::Black).bg(Color::Gray),
            ),
            Span::raw(format!(" {}{label}", q.with_code())),
        ]));
    }
    lines.push(Line::default());
    let change = Money::parse(input, total.currency())
        .ok()
        .and_then(|t| change_due(total, t).ok());
    lines.push(Line::from(match change {
        Some(c) => Span::styled(
            format!("{}  {}", strings::CHANGE_DUE, c.with_code()),
            bold.fg(Color::Green),
        ),
        None => Span::raw(""),
    }));
    Paragraph::new(lines).render(inner, buf);
}
