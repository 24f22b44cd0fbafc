//! The training watermark, drawn over every screen's top and bottom rows.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};

pub const WATERMARK: &str = " TRAINING MODE · NOT REAL SALES ";

/// Writes the watermark centred on the first and last rows of `area`, reversed so it stands
/// out with or without colour.
pub fn watermark(area: Rect, buf: &mut Buffer) {
    if area.height == 0 || area.width < 4 {
        return;
    }
    let text: String = WATERMARK.chars().take(area.width as usize).collect();
    let x = area.x + (area.width - text.chars().count() as u16) / 2;
    let style = Style::default()
        .fg(Color::Black)
        .bg(Color::Yellow)
        .add_modifier(Modifier::BOLD | Modifier::REVERSED);
    for y in [area.top(), area.bottom() - 1] {
        buf.set_string(x, y, &text, style);
    }
}
