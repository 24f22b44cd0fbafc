//! The shift screens: the cashier id and float count at open; the blind count, expected
//! against counted with the variance per tender, the supervisor PIN and the Z at close.
//! Reads `ShiftScreen`; changes nothing.

use super::CounterView;
use super::pin_view::{self, PinEntry};
use super::report_view::ReportView;
use crate::checkout::{CloseReview, CountEntry, ShiftScreen, ShiftStage};
use crate::money::{Currency, Decimal, Money};
use crate::shift::minor_text;
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Widget, Wrap};

pub fn render(view: &CounterView, screen: &ShiftScreen, area: Rect, buf: &mut Buffer) {
    let lane = &view.checkout.settings().lane_id;
    let currency = view.checkout.settings().currency;
    match &screen.stage {
        ShiftStage::Cashier { input } => {
            let lines = vec![
                Line::from(format!(
                    "No shift is open on lane {lane}. Open one to sell."
                )),
                Line::default(),
                Line::from(vec![
                    Span::raw("Cashier id: "),
                    Span::styled(format!("{input}▏"), bold()),
                ]),
                Line::default(),
                Line::from("Next: count the opening float by bill and coin."),
            ];
            boxed(" Open shift ", lines, area, buf);
        }
        ShiftStage::OpenCount { cashier, entry } | ShiftStage::Opening { cashier, entry } => {
            let title = format!(" Open shift · cashier {cashier} · opening float ");
            let busy = matches!(screen.stage, ShiftStage::Opening { .. });
            let foot = if busy {
                "Opening the shift…".to_string()
            } else {
                "Type how many of each; Enter opens the shift with this float.".to_string()
            };
            count(&title, entry, currency, &foot, area, buf);
        }
        ShiftStage::CloseCount { entry } | ShiftStage::Expecting { entry } => {
            let foot = "Blind count: the expected cash shows after Enter.".to_string();
            count(
                " Close shift · count the drawer ",
                entry,
                currency,
                &foot,
                area,
                buf,
            );
        }
        ShiftStage::Review(review) | ShiftStage::Closing(review) => {
            let closing = matches!(screen.stage, ShiftStage::Closing(_));
            let threshold = view.checkout.shift_desk().variance_pin_above;
            review_table(review, currency, threshold, closing, area, buf);
        }
        ShiftStage::Pin {
            review,
            entry,
            message,
            locked_until,
        } => {
            let [table, pin] =
                Layout::vertical([Constraint::Min(8), Constraint::Length(7)]).areas(area);
            let threshold = view.checkout.shift_desk().variance_pin_above;
            review_table(review, currency, threshold, false, table, buf);
            pin_view::render(
                view,
                &PinEntry {
                    purpose: "A cash variance",
                    amount: money(review.variance_minor, currency),
                    digits: entry.chars().count(),
                    message: message.as_deref(),
                    locked_until: *locked_until,
                },
                pin,
                buf,
            );
        }
        ShiftStage::Closed(report) => (&ReportView { report }).render(area, buf),
    }
}

fn bold() -> Style {
    Style::new().add_modifier(Modifier::BOLD)
}

fn money(minor: i64, currency: Currency) -> Money {
    Money::from_minor(minor, currency).unwrap_or_else(|_| Money::zero(currency))
}

fn boxed(title: &str, lines: Vec<Line>, area: Rect, buf: &mut Buffer) {
    Paragraph::new(lines)
        .wrap(Wrap { trim: false })
        .block(
            Block::new()
                .borders(Borders::ALL)
                .title(title.to_string())
                .border_style(Style::new().fg(Color::Yellow)),
        )
        .render(area, buf);
}

/// The count by denomination: one row per bill or coin, the selected one marked, and the
/// running total under it.
fn count(
    title: &str,
    entry: &CountEntry,
    currency: Currency,
    foot: &str,
    area: Rect,
    buf: &mut Buffer,
) {
    let mut lines = vec![Line::from(format!(
        "  {:>8}   {:>6}   {:>10}",
        "bill/coin", "count", "amount"
    ))];
    for (i, &(denom, qty)) in entry.count.pieces.iter().enumerate() {
        let text = format!(
            "{} {:>8} × {:>6} = {:>10}",
            if i == entry.selected { "▶" } else { " " },
            minor_text(denom, currency),
            qty,
            minor_text(denom.saturating_mul(i64::from(qty)), currency)
        );
        lines.push(if i == entry.selected {
            Line::styled(text, bold().add_modifier(Modifier::REVERSED))
        } else {
            Line::from(text)
        });
    }
    lines.push(Line::from(vec![
        Span::raw(format!("  {:<21}", "Total counted")),
        Span::styled(
            format!("{:>10}", money(entry.total_minor(), currency).with_code()),
            bold().fg(Color::Yellow),
        ),
    ]));
    lines.push(Line::from(foot.to_string()));
    boxed(title, lines, area, buf);
}

fn signed(d: Decimal) -> String {
    if d.is_sign_positive() && !d.is_zero() {
        format!("+{d}")
    } else {
        d.to_string()
    }
}

/// Expected against counted per tender, the cash variance, and what Enter does next.
fn review_table(
    review: &CloseReview,
    currency: Currency,
    threshold: i64,
    closing: bool,
    area: Rect,
    buf: &mut Buffer,
) {
    let mut lines = vec![Line::styled(
        format!(
            "{:<18} {:>11} {:>11} {:>10}",
            "tender", "expected", "counted", "variance"
        ),
        bold(),
    )];
    for row in review.rows(currency) {
        let counted = row
            .counted
            .map_or("not in drawer".to_string(), |c| c.to_string());
        let variance = row.variance.map_or(String::new(), signed);
        let style = match row.variance {
            Some(v) if !v.is_zero() => Style::new().fg(Color::Red).add_modifier(Modifier::BOLD),
            _ => Style::new(),
        };
        lines.push(Line::from(vec![
            Span::raw(format!(
                "{:<18} {:>11} {:>11} ",
                row.tender.chars().take(18).collect::<String>(),
                row.expected,
                counted
            )),
            Span::styled(format!("{variance:>10}"), style),
        ]));
    }
    lines.push(Line::default());
    let r = &review.expected;
    lines.push(Line::from(format!(
        "Float {} + cash sales − cash refunds + paid in {} − paid out {}",
        r.float, r.paid_in, r.paid_out
    )));
    lines.push(Line::from(
        "Cards and wallets are matched at settlement (qrtill settle).",
    ));
    lines.push(Line::default());
    lines.push(Line::styled(
        if closing {
            "Closing the shift and writing the Z…".to_string()
        } else if review.needs_pin {
            format!(
                "The variance is over {}: Enter asks for the supervisor PIN.",
                minor_text(threshold, currency)
            )
        } else {
            "Enter closes the shift and writes the Z; Esc keeps it open.".to_string()
        },
        bold(),
    ));
    boxed(
        &format!(
            " Close shift · shift {} · expected against counted ",
            r.shift_id
        ),
        lines,
        area,
        buf,
    );
}
