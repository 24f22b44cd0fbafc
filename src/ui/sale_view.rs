//! An opened past sale: its receipt as it prints, its refunds underneath, and the reprint.

use super::keymap::{InputMode, UiAction, label_in, table};
use super::{CounterView, strings};
use crate::checkout::history::OpenedSale;
use crate::checkout::slip::receipt_for;
use crate::checkout::{Action, PrintStatus};
use crate::receipt::{PaperWidth, render_text};
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Widget};

pub fn render(view: &CounterView, opened: &OpenedSale, area: Rect, buf: &mut Buffer) {
    let sale = &opened.record.sale;
    let width = PaperWidth::from_columns(u32::from(view.config.receipt.width)).unwrap_or_default();
    let mut lines: Vec<Line> = render_text(&receipt_for(sale, view.config, None), width)
        .into_iter()
        .map(Line::from)
        .collect();
    lines.push(Line::default());
    let refunds = opened
        .record
        .refunds_text(view.config.store.utc_offset_minutes);
    let mut refunds = refunds.into_iter();
    if let Some(title) = refunds.next() {
        lines.push(Line::from(Span::styled(
            title,
            Style::new().add_modifier(Modifier::BOLD),
        )));
    }
    lines.extend(refunds.map(Line::from));
    let paper_w = width.columns() as u16 + 2;
    let [status, slip] = Layout::vertical([Constraint::Length(2), Constraint::Min(3)]).areas(area);
    let [_, slip, _] = Layout::horizontal([
        Constraint::Fill(1),
        Constraint::Length(paper_w.min(area.width)),
        Constraint::Fill(1),
    ])
    .areas(slip);

    let refunded = opened.record.refunded();
    let mut head = format!(" Sale {} · {} ", sale.sale_no, sale.total.with_code());
    // Another lane's sale, opened from the store by its receipt: say whose it is.
    if sale.lane_id != view.config.store.lane_id {
        head.push_str(&format!("· lane {} (from the store) ", sale.lane_id));
    }
    if !refunded.is_zero() {
        head.push_str(&format!("· refunded {} ", refunded.with_code()));
    }
    let head = Span::styled(
        head,
        Style::new()
            .fg(Color::Black)
            .bg(Color::Cyan)
            .add_modifier(Modifier::BOLD),
    );
    let reprint = label_in(
        table(InputMode::SaleDetail),
        &UiAction::Checkout(Action::Reprint),
    );
    let printer = match &opened.print {
        None => Span::styled(
            format!("  {reprint}: reprint"),
            Style::new().fg(Color::DarkGray),
        ),
        Some(PrintStatus::Printing) => Span::raw(format!("  {}", strings::REPRINTING)),
        Some(PrintStatus::Printed) => Span::styled(
            format!("  {}", strings::REPRINTED),
            Style::new().fg(Color::Green),
        ),
        Some(PrintStatus::Failed(reason)) => Span::styled(
            format!(
                "  {} — {reprint}: try again · {reason}",
                strings::NOT_PRINTED
            ),
            Style::new().fg(Color::White).bg(Color::Red),
        ),
    };
    Paragraph::new(vec![Line::from(vec![head, printer])]).render(status, buf);

    let block = Block::new()
        .borders(Borders::ALL)
        .title(strings::SALE_TITLE);
    let inner_h = slip.height.saturating_sub(2) as usize;
    let skip = (opened.scroll as usize).min(lines.len().saturating_sub(inner_h));
    let text: Vec<Line> = lines.into_iter().skip(skip).collect();
    Paragraph::new(text)
        .block(block)
        .style(Style::new().fg(Color::Black).bg(Color::White))
        .render(slip, buf);
}
