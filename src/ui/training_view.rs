//! The training switch's PIN prompt, drawn over the (empty) basket: what the switch does and
//! the refund screen's masked PIN box (pin_view.rs).

use super::pin_view::{self, PinBox};
use super::{CounterView, basket_view};
use crate::checkout::TrainingPrompt;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::widgets::{Clear, Widget};

pub const ENTER_HEADING: &str =
    "Switch to TRAINING: sales go to the training journal, the drawer stays shut. Supervisor PIN:";
pub const LEAVE_HEADING: &str =
    "Leave training and return to the real journal and network. Supervisor PIN:";

pub fn render(view: &CounterView, prompt: &TrainingPrompt, area: Rect, buf: &mut Buffer) {
    basket_view::render(view, area, buf);
    let width = area.width.saturating_sub(4).min(64);
    let height = area.height.min(9);
    let popup = Rect {
        x: area.x + (area.width - width) / 2,
        y: area.y + (area.height - height) / 2,
        width,
        height,
    };
    Clear.render(popup, buf);
    let heading = if prompt.entering {
        ENTER_HEADING
    } else {
        LEAVE_HEADING
    };
    let pin = PinBox {
        heading,
        digits: prompt.pin.entry.chars().count(),
        message: prompt.pin.message.as_deref(),
        locked_until: prompt.pin.locked_until,
    };
    pin_view::render_box(view, &pin, popup, buf);
}
