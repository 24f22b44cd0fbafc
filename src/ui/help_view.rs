//! Help: every key of the current screen, drawn from the keymap table itself.

use super::keymap::{GLOBAL, InputMode, table};
use super::{CounterView, strings};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Widget};

pub fn render(view: &CounterView, area: Rect, buf: &mut Buffer) {
    let mode = InputMode::of(view.checkout);
    let bindings: Vec<_> = table(mode).iter().chain(GLOBAL.iter()).collect();
    let height = (bindings.len() as u16 + 4).min(area.height);
    let width = 56.min(area.width);
    let popup = Rect::new(
        area.x + (area.width - width) / 2,
        area.y + (area.height - height) / 2,
        width,
        height,
    );
    Clear.render(popup, buf);
    let block = Block::new()
        .borders(Borders::ALL)
        .title(strings::HELP_TITLE)
        .border_style(Style::new().fg(Color::Cyan));
    let mut lines = vec![Line::from(Span::styled(
        "Digits typed fast then Enter are a barcode scan.",
        Style::new().fg(Color::DarkGray),
    ))];
    for b in bindings {
        lines.push(Line::from(vec![
            Span::styled(
                format!("{:>8}  ", b.label),
                Style::new().add_modifier(Modifier::BOLD),
            ),
            Span::raw(b.help),
        ]));
    }
    Paragraph::new(lines).block(block).render(popup, buf);
}
