//! The training watermark, drawn over every screen's top and bottom rows.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};

pub const WATERMARK: &str = " TRAINING MODE · NOT REAL SALES ";

/// Writes the watermark centred on the first row of `area` and at the right end of the last
/// (the legend's row, whose keys keep to `beside_watermark`), reversed so it stands out with
/// or without colour.
pub fn watermark(area: Rect, buf: &mut Buffer) {
    if area.height == 0 || area.width < 4 {
        return;
    }
    let text: String = WATERMARK.chars().take(area.width as usize).collect();
    let width = text.chars().count() as u16;
    let style = Style::default()
        .fg(Color::Black)
        .bg(Color::Yellow)
        .add_modifier(Modifier::BOLD | Modifier::REVERSED);
    buf.set_string(area.x + (area.width - width) / 2, area.top(), &text, style);
    buf.set_string(area.right() - width, area.bottom() - 1, &text, style);
}

/// The part of the legend row left of the watermark.
pub fn beside_watermark(legend: Rect) -> Rect {
    let width = WATERMARK.chars().count() as u16;
    Rect {
        width: legend.width.saturating_sub(width),
        ..legend
    }
}
