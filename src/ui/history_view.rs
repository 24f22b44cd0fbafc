//! Sales history: the filter line, what it narrows by, and one page of sales, newest first.

use super::basket_view::fit;
use super::keymap::{InputMode, UiAction, label_in, table};
use super::{CounterView, strings};
use crate::checkout::Action;
use crate::checkout::history::{HistoryRow, HistoryState};
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Widget};

/// Columns besides the item names: number, time, tender, total, refunded and the gaps.
const FIXED_COLUMNS: usize = 7 + 17 + 15 + 12 + 11;

pub fn render(view: &CounterView, state: &HistoryState, area: Rect, buf: &mut Buffer) {
    let block = Block::new()
        .borders(Borders::ALL)
        .title(strings::HISTORY_TITLE);
    let inner = block.inner(area);
    block.render(area, buf);
    let [input, hint, head, list, foot] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Min(1),
        Constraint::Length(1),
    ])
    .areas(inner);
    Line::from(vec![
        Span::raw(format!("{} ", strings::HISTORY_FILTER)),
        Span::styled(
            format!("{}▏", state.input),
            Style::new().add_modifier(Modifier::BOLD),
        ),
    ])
    .render(input, buf);
    let dim = Style::new().fg(Color::DarkGray);
    let hint_line = if let Some(e) = &state.error {
        Line::from(Span::styled(
            format!("{}: {e}", strings::HISTORY_UNREADABLE),
            Style::new().fg(Color::White).bg(Color::Red),
        ))
    } else if !state.parsed.problems.is_empty() {
        Line::from(Span::styled(
            state.parsed.problems.join(" · "),
            Style::new().fg(Color::Yellow),
        ))
    } else {
        Line::from(Span::styled(strings::HISTORY_HINT, dim))
    };
    hint_line.render(hint, buf);

    let items_w = (list.width as usize).saturating_sub(FIXED_COLUMNS).max(8);
    Line::from(Span::styled(
        format!(
            "{:>6} {:<16} {:<14} {} {:>11} {:>10}",
            "Sale",
            "Completed",
            "Tender",
            fit("Items", items_w),
            "Total",
            "Refunded"
        ),
        Style::new().add_modifier(Modifier::BOLD),
    ))
    .render(head, buf);

    if state.rows.is_empty() {
        let text = if state.parsed.filter.is_empty() && state.page() == 1 {
            strings::HISTORY_EMPTY
        } else {
            strings::HISTORY_NONE
        };
        Line::from(Span::styled(text, dim)).render(list, buf);
    }
    let rows = list.height as usize;
    let first = state.selected.saturating_sub(rows.saturating_sub(1));
    let offset = view.config.store.utc_offset_minutes;
    for (i, row) in state.rows.iter().enumerate().skip(first).take(rows) {
        let style = if i == state.selected {
            Style::new().add_modifier(Modifier::REVERSED)
        } else {
            Style::new()
        };
        let area = Rect::new(list.x, list.y + (i - first) as u16, list.width, 1);
        Line::from(Span::styled(row_text(row, items_w, offset), style)).render(area, buf);
    }

    let open = label_in(
        table(InputMode::History),
        &UiAction::Checkout(Action::Enter),
    );
    let more = if state.more {
        strings::HISTORY_MORE
    } else {
        strings::HISTORY_END
    };
    Line::from(Span::styled(
        format!(
            "Page {} · {} sale(s) · {more} · {open}: {}",
            state.page(),
            state.rows.len(),
            strings::HISTORY_OPEN
        ),
        dim,
    ))
    .render(foot, buf);
}

fn row_text(row: &HistoryRow, items_w: usize, utc_offset_minutes: i32) -> String {
    let time = row.completed_at.format_local(utc_offset_minutes);
    let items = if row.item_count > 1 {
        format!("{} +{}", row.first_item, row.item_count - 1)
    } else {
        row.first_item.clone()
    };
    let refunded = if row.refunded.is_zero() {
        String::new()
    } else {
        format!("-{}", row.refunded.plain())
    };
    format!(
        "{:>6} {} {} {} {:>11} {:>10}",
        row.sale_no,
        fit(time.get(..16).unwrap_or(&time), 16),
        fit(&row.tender, 14),
        fit(&items, items_w),
        row.total.with_code(),
        refunded
    )
}
