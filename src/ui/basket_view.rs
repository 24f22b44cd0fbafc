//! The basket screen: lines on the left, totals and ways to pay on the right.

use super::{CounterView, strings};
use crate::checkout::basket::Totals;
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Widget};
use unicode_width::UnicodeWidthStr;

pub fn render(view: &CounterView, area: Rect, buf: &mut Buffer) {
    let [left, right] =
        Layout::horizontal([Constraint::Min(46), Constraint::Length(32)]).areas(area);
    basket_lines(view, left, buf);
    totals_panel(view, &view.checkout.totals(), right, buf);
}

/// Pads or cuts `s` to exactly `width` display columns (CJK-safe), marking a cut with '…'.
pub fn fit(s: &str, width: usize) -> String {
    let cut = crate::receipt::width::fit_with(s, width, '…');
    let pad = width.saturating_sub(cut.width());
    format!("{cut}{}", " ".repeat(pad))
}

pub fn basket_lines(view: &CounterView, area: Rect, buf: &mut Buffer) {
    let checkout = view.checkout;
    let block = Block::new()
        .borders(Borders::ALL)
        .title(strings::BASKET_TITLE);
    let inner = block.inner(area);
    block.render(area, buf);
    let [list, input] = Layout::vertical([Constraint::Min(1), Constraint::Length(1)]).areas(inner);

    let lines = checkout.basket.lines();
    if lines.is_empty() {
        Line::from(Span::styled(
            strings::EMPTY_BASKET,
            Style::new().fg(Color::DarkGray),
        ))
        .render(list, buf);
    } else {
        // Keep the selected line visible.
        let rows = list.height as usize;
        let first = checkout.selected.saturating_sub(rows.saturating_sub(1));
        let w = list.width as usize;
        let amounts_w = 22;
        let name_w = w.saturating_sub(4 + amounts_w);
        for (i, line) in lines.iter().enumerate().skip(first).take(rows) {
            let qty = if line.qty > 1 {
                format!("{} x {}", line.qty, line.item.price.plain())
            } else {
                String::new()
            };
            let text = format!(
                "{:>2}  {}{:>13}{:>9}",
                i + 1,
                fit(&line.item.name, name_w),
                qty,
                line.amount().map(|m| m.plain()).unwrap_or_default()
            );
            let style = if i == checkout.selected {
                Style::new().add_modifier(Modifier::REVERSED)
            } else {
                Style::new()
            };
            let row = Rect::new(list.x, list.y + (i - first) as u16, list.width, 1);
            Line::from(Span::styled(text, style)).render(row, buf);
        }
    }
    let cursor = if matches!(checkout.screen, crate::checkout::Screen::Basket) {
        "▏"
    } else {
        ""
    };
    Line::from(vec![
        Span::styled("Scan: ", Style::new().fg(Color::DarkGray)),
        Span::styled(
            format!("{}{cursor}", checkout.scan_input),
            Style::new().add_modifier(Modifier::BOLD),
        ),
    ])
    .render(input, buf);
}

fn totals_panel(view: &CounterView, totals: &Totals, area: Rect, buf: &mut Buffer) {
    let block = Block::new()
        .borders(Borders::ALL)
        .title(strings::PAY_OPTIONS_TITLE);
    let inner = block.inner(area);
    block.render(area, buf);
    let w = inner.width as usize;
    let row = |label: &str, value: String| {
        let pad = w.saturating_sub(label.width() + value.width());
        format!("{label}{}{value}", " ".repeat(pad))
    };
    let mut text = vec![
        Line::from(Span::styled(
            row(strings::TOTAL, totals.total.with_code()),
            Style::new().add_modifier(Modifier::BOLD).fg(Color::Yellow),
        )),
        Line::from(row(strings::SUBTOTAL, totals.subtotal.plain())),
        Line::from(row(strings::TAX, totals.tax.plain())),
        Line::default(),
    ];
    let items: u32 = view.checkout.basket.lines().iter().map(|l| l.qty).sum();
    text.push(Line::from(Span::styled(
        format!("{items} item(s)"),
        Style::new().fg(Color::DarkGray),
    )));
    text.push(Line::default());
    for (key, what) in super::keymap::pay_keys() {
        let mut what = what.chars();
        let first = what.next().map(|c| c.to_uppercase().collect::<String>());
        text.push(Line::from(format!(
            "[{key}] {}{}",
            first.unwrap_or_default(),
            what.as_str()
        )));
    }
    Paragraph::new(text).render(inner, buf);
}
