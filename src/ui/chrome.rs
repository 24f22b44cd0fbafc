//! The frame around every screen: header, status line, key legend, and the small-terminal hint.

use super::keymap::legend_within;
use super::{CounterView, MIN_HEIGHT, MIN_WIDTH, strings};
use crate::checkout::{NoticeLevel, Screen};
use ratatui::buffer::Buffer;
use ratatui::layout::{Alignment, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget, Wrap};

pub fn header(view: &CounterView, area: Rect, buf: &mut Buffer) {
    let s = &view.config.store;
    // The open shift's cashier, once there is one; the configured one before.
    let cashier = view.checkout.shift_cashier().unwrap_or(&s.cashier);
    let lefts = [
        format!(
            " {} · Store {} · Lane {} · Cashier {cashier}",
            s.name, s.store_id, s.lane_id
        ),
        format!(
            " Store {} · Lane {} · Cashier {cashier}",
            s.store_id, s.lane_id
        ),
        format!(" Lane {} · Cashier {cashier}", s.lane_id),
        format!(" Lane {}", s.lane_id),
    ];
    let time = view.now.format_hhmm(s.utc_offset_minutes);
    let mut rights = Vec::with_capacity(2);
    if let Some(store) = view.panes.store.as_ref() {
        rights.push(format!("{} · {time} ", store.get().line()));
    }
    rights.push(format!("{time} "));
    // In training the watermark sits in the middle of this row: the texts keep to either side.
    let middle = view
        .panes
        .training
        .then(|| super::training::WATERMARK.chars().count() as u16);
    let (left, right) = fit_header(area.width, middle, &lefts, &rights);
    let style = Style::new().fg(Color::Black).bg(Color::Cyan);
    buf.set_style(area, style);
    Line::from(left)
        .style(style.add_modifier(Modifier::BOLD))
        .render(area, buf);
    Line::from(right)
        .alignment(Alignment::Right)
        .style(style)
        .render(area, buf);
}

/// Picks the header's left and right texts for a row `width` cells wide, each from its own
/// list, longest (most telling) first. The right one (store status and clock) is kept whole
/// when it can be, since a cashier must see "store offline"; the left one (who and where)
/// then gives up the store's name, then its number, then the cashier. With `middle`, a text
/// that many cells wide is centred on the row (the training watermark) and each side keeps to
/// its own half. Nothing fits means an empty text, never an overlap.
fn fit_header<'a>(
    width: u16,
    middle: Option<u16>,
    lefts: &'a [String],
    rights: &'a [String],
) -> (&'a str, &'a str) {
    let cells = |s: &str| Line::from(s).width();
    let width = usize::from(width);
    let first_within = |list: &'a [String], room: usize| {
        list.iter()
            .map(String::as_str)
            .find(|s| cells(s) <= room)
            .unwrap_or("")
    };
    if let Some(middle) = middle {
        let side = width.saturating_sub(usize::from(middle)) / 2;
        return (first_within(lefts, side), first_within(rights, side));
    }
    for right in rights {
        let room = width.saturating_sub(cells(right) + 1);
        if let Some(left) = lefts.iter().find(|l| cells(l) <= room) {
            return (left, right);
        }
    }
    let right = first_within(rights, width);
    (
        first_within(lefts, width.saturating_sub(cells(right) + 1)),
        right,
    )
}

pub fn status_line(view: &CounterView, area: Rect, buf: &mut Buffer) {
    let checkout = view.checkout;
    if let Some(n) = &view.panes.notice {
        let style = Style::new().fg(Color::Yellow).add_modifier(Modifier::BOLD);
        Line::from(Span::styled(format!(" {n}"), style)).render(area, buf);
        return;
    }
    let line = match (&checkout.screen, &checkout.notice) {
        (Screen::ConfirmClear, _) => Line::from(Span::styled(
            strings::CONFIRM_CLEAR,
            Style::new().fg(Color::Yellow).add_modifier(Modifier::BOLD),
        )),
        (Screen::Quantity { input }, _) => Line::from(vec![
            Span::raw(format!(" {}: ", strings::QUANTITY_PROMPT)),
            Span::styled(
                format!("{input}▏"),
                Style::new().add_modifier(Modifier::BOLD),
            ),
        ]),
        (Screen::Committing, _) => Line::from(format!(" {}", strings::COMMITTING)),
        (_, Some(n)) => {
            let style = match n.level {
                NoticeLevel::Info => Style::new().fg(Color::Green),
                NoticeLevel::Warning => Style::new().fg(Color::Yellow),
                NoticeLevel::Error => Style::new().fg(Color::White).bg(Color::Red),
            };
            Line::from(Span::styled(format!(" {}", n.text), style))
        }
        (Screen::Basket, None) => Line::from(Span::styled(
            format!(" {}", strings::SCAN_PROMPT),
            Style::new().fg(Color::DarkGray),
        )),
        _ => Line::default(),
    };
    line.render(area, buf);
}

pub fn legend(view: &CounterView, area: Rect, buf: &mut Buffer) {
    let mut spans = vec![Span::raw(" ")];
    for (key, help) in legend_within(view.checkout, area.width) {
        spans.push(Span::styled(
            key,
            Style::new().fg(Color::Black).bg(Color::Gray),
        ));
        spans.push(Span::raw(format!(" {help}  ")));
    }
    Line::from(spans).render(area, buf);
}

pub fn enlarge_hint(area: Rect, buf: &mut Buffer) {
    warning_text(
        format!(
            "{} to at least {MIN_WIDTH}×{MIN_HEIGHT} (now {}×{}).",
            strings::ENLARGE,
            area.width,
            area.height
        ),
        area,
        buf,
    );
}

/// A wrapped, bold yellow message filling `area` (size hints and the like).
pub fn warning_text(text: String, area: Rect, buf: &mut Buffer) {
    Paragraph::new(text)
        .wrap(Wrap { trim: true })
        .style(Style::new().fg(Color::Yellow).add_modifier(Modifier::BOLD))
        .render(area, buf);
}

#[cfg(test)]
mod tests {
    use super::fit_header;

    fn texts(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn the_store_status_stays_whole_and_the_left_gives_up_its_longest_parts_first() {
        let lefts = texts(&[
            " Lucky Mart · Store S001 · Lane 03 · Cashier 01",
            " Store S001 · Lane 03 · Cashier 01",
            " Lane 03 · Cashier 01",
            " Lane 03",
        ]);
        let rights = texts(&["store offline, 12 waiting · 14:05 ", "14:05 "]);
        // 47 + 1 + 34 = 82 cells: at 82 everything fits, at 81 the store's name goes.
        assert_eq!(
            fit_header(82, None, &lefts, &rights),
            (lefts[0].as_str(), rights[0].as_str())
        );
        assert_eq!(
            fit_header(81, None, &lefts, &rights),
            (lefts[1].as_str(), rights[0].as_str())
        );
        // 21 + 1 + 34 = 56.
        assert_eq!(
            fit_header(56, None, &lefts, &rights),
            (lefts[2].as_str(), rights[0].as_str())
        );
        // Below that even " Lane 03" (8) fits beside the status until 43; then the clock alone.
        assert_eq!(
            fit_header(43, None, &lefts, &rights),
            (lefts[3].as_str(), rights[0].as_str())
        );
        assert_eq!(
            fit_header(42, None, &lefts, &rights),
            (lefts[1].as_str(), rights[1].as_str())
        );
    }

    #[test]
    fn in_training_each_text_keeps_to_its_side_of_the_watermark() {
        let lefts = texts(&[
            " Store S001 · Lane 03 · Cashier 01",
            " Lane 03 · Cashier 01",
        ]);
        let rights = texts(&["store online · 14:05 ", "14:05 "]);
        // 80 cells with 32 in the middle: 24 a side.
        assert_eq!(
            fit_header(80, Some(32), &lefts, &rights),
            (lefts[1].as_str(), rights[0].as_str())
        );
        // 60 cells: 14 a side, so the lane and cashier no longer fit; the clock still does.
        assert_eq!(
            fit_header(60, Some(32), &lefts, &rights),
            ("", rights[1].as_str())
        );
    }
}
