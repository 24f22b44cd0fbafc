//! The finished sale: its receipt as it prints, and whether the printer took it. In terminals
//! that show images the slip is its picture (`receipt_picture`), else its text.

use super::{CounterView, strings};
use crate::checkout::slip::receipt_for;
use crate::checkout::{CompletedSale, PrintStatus};
use crate::receipt::{PaperWidth, render_text};
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Widget};

pub fn render(
    view: &CounterView,
    sale: &CompletedSale,
    print: &PrintStatus,
    scroll: u16,
    area: Rect,
    buf: &mut Buffer,
) {
    let width = PaperWidth::from_columns(u32::from(view.config.receipt.width)).unwrap_or_default();
    let receipt = receipt_for(sale, view.config, None);
    let lines = render_text(&receipt, width);
    let paper_w = width.columns() as u16 + 2;
    let [status, slip] = Layout::vertical([Constraint::Length(2), Constraint::Min(3)]).areas(area);
    let [_, slip, _] = Layout::horizontal([
        Constraint::Fill(1),
        Constraint::Length(paper_w.min(area.width)),
        Constraint::Fill(1),
    ])
    .areas(slip);

    let paid = Span::styled(
        format!(
            " PAID · Sale {} · {} ",
            sale.sale_no,
            sale.total.with_code()
        ),
        Style::new()
            .fg(Color::Black)
            .bg(Color::Green)
            .add_modifier(Modifier::BOLD),
    );
    let printer = match print {
        PrintStatus::Printing => Span::raw(format!("  {}", strings::PRINTING)),
        PrintStatus::Printed => Span::styled(
            format!("  {}", strings::PRINTED),
            Style::new().fg(Color::Green),
        ),
        PrintStatus::Failed(reason) => Span::styled(
            format!("  {} — r to reprint · {reason}", strings::NOT_PRINTED),
            Style::new().fg(Color::White).bg(Color::Red),
        ),
    };
    Paragraph::new(vec![Line::from(vec![paid, printer])]).render(status, buf);

    // The slip scrolls with ↑↓ when it is taller than the screen.
    let block = Block::new()
        .borders(Borders::ALL)
        .title(strings::RECEIPT_TITLE);
    // Without colours a picture's placeholders would lose the colour that names the image.
    if !view.panes.no_color
        && view.panes.receipt_picture.render(
            sale.sale_no,
            &receipt,
            width,
            scroll,
            block.inner(slip),
            buf,
        )
    {
        block.render(slip, buf);
        return;
    }
    let inner_h = slip.height.saturating_sub(2) as usize;
    let skip = (scroll as usize).min(lines.len().saturating_sub(inner_h));
    let text: Vec<Line> = lines.into_iter().skip(skip).map(Line::from).collect();
    Paragraph::new(text)
        .block(block)
        .style(Style::new().fg(Color::Black).bg(Color::White))
        .render(slip, buf);
}
