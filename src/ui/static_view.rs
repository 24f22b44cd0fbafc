//! The static entry code screen: the store's fixed QR (no amount) takes the height, and beside
//! it the amount the shopper must type, what the counter waits for, and payments that arrived
//! with another amount (kept as unmatched).

use super::CounterView;
use super::qr_code::QrFit;
use crate::checkout::entry::StaticState;
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Margin, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Widget, Wrap};

/// Draws the screen; returns where the QR code was drawn.
pub fn render(
    view: &CounterView,
    state: &StaticState,
    area: Rect,
    buf: &mut Buffer,
) -> Option<Rect> {
    let qr_area = Rect {
        width: area.width.saturating_sub(30),
        ..area
    };
    let fit = (!state.payload.is_empty()).then(|| view.panes.qr.fit(&state.payload, qr_area));
    let qr_w = match &fit {
        Some(QrFit::Fits(w)) => w.size().0,
        _ => 0,
    };
    let [left, right] =
        Layout::horizontal([Constraint::Length(qr_w), Constraint::Min(20)]).areas(area);
    let mut lines = vec![
        Line::styled(
            "STATIC CODE — shopper types the amount",
            Style::new().add_modifier(Modifier::BOLD),
        ),
        Line::from(""),
        Line::from("Ask the shopper to scan and type:"),
        Line::styled(
            state.expected.with_code(),
            Style::new().add_modifier(Modifier::BOLD),
        ),
        Line::from(""),
    ];
    let mut drawn = None;
    match &fit {
        Some(QrFit::Fits(widget)) => {
            widget.render(left, buf);
            drawn = Some(left);
        }
        Some(QrFit::TooSmall { needed_w, needed_h }) => lines.push(Line::from(format!(
            "Enlarge the terminal to show the code ({needed_w}×{needed_h} needed)."
        ))),
        Some(QrFit::TooLong) | None => lines.push(Line::from(format!(
            "No code: {}",
            state
                .error
                .as_deref()
                .unwrap_or("the payload is too long; check the merchant config")
        ))),
    }
    lines.push(Line::from(if state.committing.is_some() {
        "Paid: saving the sale…"
    } else {
        "Waiting for the network's notification…"
    }));
    for u in &state.unmatched {
        lines.push(Line::from(format!(
            "Received {} from {}, expected {}: kept as unmatched",
            u.amount.with_code(),
            u.brand,
            state.expected.with_code()
        )));
    }
    if let Some(n) = &view.checkout.notice {
        lines.push(Line::from(""));
        lines.push(Line::from(n.text.clone()));
    }
    lines.push(Line::from(""));
    let back = super::keymap::label_in(
        super::keymap::table(super::keymap::InputMode::PayStatic),
        &super::keymap::UiAction::Checkout(crate::checkout::Action::Back),
    );
    lines.push(Line::from(format!("{back} back to the basket")));
    Paragraph::new(lines)
        .wrap(Wrap { trim: true })
        .render(right.inner(Margin::new(1, 0)), buf);
    drawn
}
