//! An opened past sale: its receipt as it prints, its refunds underneath, and the reprint.

use super::keymap::{InputMode, UiAction, label_in, table};
use super::{CounterView, strings};
use crate::checkout::history::{OpenedSale, RefundSummary};
use crate::checkout::slip::receipt_for;
use crate::checkout::{Action, PrintStatus};
use crate::money::Money;
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
    lines.extend(refund_lines(
        &opened.record.refunds,
        view.config.store.utc_offset_minutes,
    ));
    let paper_w = width.columns() as u16 + 2;
    let [status, slip] = Layout::vertical([Constraint::Length(2), Constraint::Min(3)]).areas(area);
    let [_, slip, _] = Layout::horizontal([
        Constraint::Fill(1),
        Constraint::Length(paper_w.min(area.width)),
        Constraint::Fill(1),
    ])
    .areas(slip);

    let refunded = refunded_total(sale.total, &opened.record.refunds);
    let mut head = format!(" Sale {} · {} ", sale.sale_no, sale.total.with_code());
    if let Some(r) = refunded.filter(|r| !r.is_zero()) {
        head.push_str(&format!("· refunded {} ", r.with_code()));
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

/// The refunds section under the slip.
fn refund_lines(refunds: &[RefundSummary], utc_offset_minutes: i32) -> Vec<Line<'static>> {
    let mut out = vec![Line::from(Span::styled(
        strings::SALE_REFUNDS,
        Style::new().add_modifier(Modifier::BOLD),
    ))];
    if refunds.is_empty() {
        out.push(Line::from(strings::SALE_NO_REFUNDS));
    }
    for r in refunds {
        out.push(Line::from(format!(
            "{}  -{}",
            r.at.format_local(utc_offset_minutes),
            r.amount.with_code()
        )));
        out.push(Line::from(format!("  {} · {}", r.lines, r.reason)));
    }
    out
}

/// The sum of the refunds, when they are all in the sale's currency.
fn refunded_total(total: Money, refunds: &[RefundSummary]) -> Option<Money> {
    refunds
        .iter()
        .try_fold(Money::zero(total.currency()), |acc, r| {
            acc.checked_add(r.amount).ok()
        })
}
