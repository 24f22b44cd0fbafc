//! The supervisor PIN entry: one dot per digit typed (never the digits), what the last entry
//! gave, and the lockout's countdown on the counter's clock.

use super::CounterView;
use crate::clock::Timestamp;
use crate::money::Money;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Widget, Wrap};

/// What the PIN box shows: the masked entry and the last message.
pub struct PinEntry<'a> {
    /// What needs the PIN ("Refund", "A cash variance"), said before the amount.
    pub purpose: &'a str,
    pub amount: Money,
    pub digits: usize,
    pub message: Option<&'a str>,
    pub locked_until: Option<Timestamp>,
}

/// The masked entry: `●` per digit typed.
pub fn mask(digits: usize) -> String {
    "●".repeat(digits)
}

pub fn render(view: &CounterView, pin: &PinEntry, area: Rect, buf: &mut Buffer) {
    let heading = format!(
        "{} of {} needs the supervisor PIN.",
        pin.purpose,
        pin.amount.with_code()
    );
    let entry = PinBox {
        heading: &heading,
        digits: pin.digits,
        message: pin.message,
        locked_until: pin.locked_until,
    };
    render_box(view, &entry, area, buf);
}

/// The PIN box under `heading`: what the PIN is asked for (a refund, the training switch).
pub struct PinBox<'a> {
    pub heading: &'a str,
    pub digits: usize,
    pub message: Option<&'a str>,
    pub locked_until: Option<Timestamp>,
}

pub fn render_box(view: &CounterView, pin: &PinBox, area: Rect, buf: &mut Buffer) {
    let mut lines = vec![
        Line::from(pin.heading.to_string()),
        Line::default(),
        Line::from(vec![
            Span::raw("PIN: "),
            Span::styled(
                format!("{}_", mask(pin.digits)),
                Style::new().add_modifier(Modifier::BOLD),
            ),
        ]),
        Line::default(),
    ];
    match pin.locked_until.filter(|t| *t > view.now) {
        Some(until) => lines.push(Line::from(Span::styled(
            format!(
                "PIN entry locked: try again in {} s.",
                until.since(view.now).as_secs().max(1)
            ),
            Style::new().fg(Color::White).bg(Color::Red),
        ))),
        None => {
            if let Some(message) = pin.message {
                lines.push(Line::from(Span::styled(
                    message.to_string(),
                    Style::new().fg(Color::Yellow),
                )));
            }
        }
    }
    Paragraph::new(lines)
        .wrap(Wrap { trim: false })
        .block(Block::new().borders(Borders::ALL).title(" Supervisor PIN "))
        .render(area, buf);
}
