//! Help: every key of the current screen, the keys that work everywhere and the shopper
//! phone's keys, all drawn from the keymap tables themselves.

use super::keymap::{self, Binding, GLOBAL, InputMode, PHONE, PHONE_OPEN, help_rows, table};
use super::{CounterView, strings};
use crate::checkout::Action;
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Widget};
use unicode_width::UnicodeWidthStr;

pub fn render(view: &CounterView, area: Rect, buf: &mut Buffer) {
    let mode = InputMode::of(view.checkout);
    let screen = merged(help_rows(table(mode)));
    let anywhere = merged(help_rows(GLOBAL).chain(help_rows(PHONE_OPEN)));
    let phone = merged(help_rows(PHONE));
    let right_rows = anywhere.len() + phone.len() + 1;
    let rows = screen.len().max(right_rows) as u16;
    let height = (rows + 3).min(area.height);
    let width = 78.min(area.width);
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
    let inner = block.inner(popup);
    block.render(popup, buf);
    let dim = Style::new().fg(Color::DarkGray);
    let [hint, body] = Layout::vertical([Constraint::Length(1), Constraint::Min(1)]).areas(inner);
    let enter = keymap::label_in(
        table(InputMode::Basket),
        &keymap::UiAction::Checkout(Action::Enter),
    );
    Line::from(Span::styled(
        format!("Digits typed fast then {enter} are a barcode scan."),
        dim,
    ))
    .render(hint, buf);
    let [left, right] =
        Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(body);
    // On a short terminal the screen's keys that do not fit their column head the right one,
    // and the phone's keys go two to a line there.
    let fits = usize::from(body.height);
    let (shown, overflow) = screen.split_at(screen.len().min(fits));
    Paragraph::new(shown.iter().map(row).collect::<Vec<_>>()).render(left, buf);
    let mut lines: Vec<Line> = overflow.iter().chain(&anywhere).map(row).collect();
    lines.push(Line::from(Span::styled(
        format!(
            "Shopper phone ({} gives it the keys):",
            keymap::label_in(PHONE_OPEN, &keymap::UiAction::SwitchFocus)
        ),
        dim,
    )));
    if lines.len() + phone.len() <= fits {
        lines.extend(phone.iter().map(row));
    } else {
        lines.extend(paired(&phone));
    }
    Paragraph::new(lines).render(right, buf);
}

/// Help rows two to a line ("  ←→ shopper      c show code"), the first ones padded to the
/// widest of them.
fn paired(rows: &[(String, &'static str)]) -> Vec<Line<'static>> {
    let label_w = rows.iter().map(|(l, _)| l.width()).max().unwrap_or(0);
    let help_w = rows
        .iter()
        .step_by(2)
        .map(|(_, h)| h.width())
        .max()
        .unwrap_or(0);
    let bold = Style::new().add_modifier(Modifier::BOLD);
    rows.chunks(2)
        .map(|pair| {
            let mut spans = Vec::new();
            for (i, (label, help)) in pair.iter().enumerate() {
                let pad = label_w.saturating_sub(label.width());
                spans.push(Span::styled(format!("{}{label} ", " ".repeat(pad)), bold));
                spans.push(Span::raw(if i == 0 {
                    let fill = help_w.saturating_sub(help.width());
                    format!("{help}{} ", " ".repeat(fill))
                } else {
                    (*help).to_string()
                }));
            }
            Line::from(spans)
        })
        .collect()
}

/// One help row per thing a key does: rows with the same action and wording share a line
/// ("?, F1  help").
fn merged<'a>(rows: impl Iterator<Item = &'a Binding>) -> Vec<(String, &'static str)> {
    let mut out: Vec<(String, &'static str, keymap::UiAction)> = Vec::new();
    for b in rows {
        let action = (b.action)();
        match out
            .iter_mut()
            .find(|(_, help, a)| *help == b.help && *a == action)
        {
            Some((labels, _, _)) => {
                labels.push_str(", ");
                labels.push_str(b.label);
            }
            None => out.push((b.label.to_string(), b.help, action)),
        }
    }
    out.into_iter().map(|(l, h, _)| (l, h)).collect()
}

fn row((label, help): &(String, &'static str)) -> Line<'static> {
    Line::from(vec![
        Span::styled(
            format!("{label:>6}  "),
            Style::new().add_modifier(Modifier::BOLD),
        ),
        Span::raw(*help),
    ])
}

#[cfg(test)]
mod tests {
    use super::paired;

    fn text(line: &ratatui::text::Line) -> String {
        line.spans.iter().map(|s| s.content.as_ref()).collect()
    }

    #[test]
    fn paired_rows_share_a_line_with_labels_and_first_helps_padded() {
        let rows = [
            ("<>".to_string(), "shopper"),
            ("c".to_string(), "show code"),
            ("Lng".to_string(), "to counter"),
        ];
        let lines: Vec<String> = paired(&rows).iter().map(text).collect();
        // Labels right-aligned to the widest (3); first helps padded to "to counter" (10).
        // (Made-up labels: views may not spell the keymap's own.)
        assert_eq!(lines, [" <> shopper      c show code", "Lng to counter "]);
    }
}
