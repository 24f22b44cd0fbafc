//! Search by name: the matches narrow as the cashier types.

use super::basket_view::fit;
use super::{CounterView, strings};
use crate::checkout::SearchState;
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Widget};

pub fn render(_view: &CounterView, state: &SearchState, area: Rect, buf: &mut Buffer) {
    let block = Block::new()
        .borders(Borders::ALL)
        .title(strings::SEARCH_TITLE);
    let inner = block.inner(area);
    block.render(area, buf);
    let [input, hint, list] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Min(1),
    ])
    .areas(inner);
    Line::from(vec![
        Span::raw("/ "),
        Span::styled(
            format!("{}▏", state.query),
            Style::new().add_modifier(Modifier::BOLD),
        ),
    ])
    .render(input, buf);
    let hint_text = if state.query.trim().is_empty() {
        strings::SEARCH_HINT.to_string()
    } else if state.results.is_empty() {
        strings::SEARCH_NONE.to_string()
    } else {
        format!("{} match(es)", state.results.len())
    };
    Line::from(Span::styled(hint_text, Style::new().fg(Color::DarkGray))).render(hint, buf);

    let rows = list.height as usize;
    let first = state.selected.saturating_sub(rows.saturating_sub(1));
    let name_w = (list.width as usize).saturating_sub(28);
    for (i, item) in state.results.iter().enumerate().skip(first).take(rows) {
        let text = format!(
            "{}  {:>14}  {:>8}",
            fit(&item.name, name_w),
            item.barcode,
            item.price.plain()
        );
        let style = if i == state.selected {
            Style::new().add_modifier(Modifier::REVERSED)
        } else {
            Style::new()
        };
        let row = Rect::new(list.x, list.y + (i - first) as u16, list.width, 1);
        Line::from(Span::styled(text, style)).render(row, buf);
    }
}
