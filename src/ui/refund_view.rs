//! The refund screen: the sale's lines with what is left and what is chosen, the reasons, the
//! PIN box, the progress while the refund runs, and the result with its refund slip.

use super::CounterView;
use super::keymap::{InputMode, UiAction, label_in, table};
use super::pin_view::{self, PinEntry};
use crate::checkout::refund::Status;
use crate::checkout::refund::desk::describe;
use crate::checkout::refund::slip::refund_slip;
use crate::checkout::{Action, RefundScreen, RefundStage};
use crate::journal::RefundKind;
use crate::receipt::PaperWidth;
use crate::receipt::refund::render_refund_text;
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Widget, Wrap};

pub fn render(view: &CounterView, s: &RefundScreen, area: Rect, buf: &mut Buffer) {
    let sale = &s.opened.record.sale;
    let what = match s.kind {
        RefundKind::Refund => "Refund",
        RefundKind::Void => "Post-void",
    };
    let [head, body] = Layout::vertical([Constraint::Length(2), Constraint::Min(3)]).areas(area);
    Paragraph::new(Line::from(Span::styled(
        format!(
            " {what} · Sale {} · {} ",
            sale.sale_no,
            sale.total.with_code()
        ),
        Style::new()
            .fg(Color::Black)
            .bg(Color::Magenta)
            .add_modifier(Modifier::BOLD),
    )))
    .render(head, buf);

    match &s.stage {
        RefundStage::Lines => lines(s, body, buf),
        RefundStage::Reason => reasons(view, s, body, buf),
        RefundStage::Planning => message(body, buf, "Planning the refund…", Color::Reset),
        RefundStage::Pin {
            prepared,
            entry,
            message,
            locked_until,
        } => pin_view::render(
            view,
            &PinEntry {
                purpose: "Refund",
                amount: prepared.plan.amount,
                digits: entry.chars().count(),
                message: message.as_deref(),
                locked_until: *locked_until,
            },
            body,
            buf,
        ),
        RefundStage::Running {
            attempt, record, ..
        } => message(
            body,
            buf,
            &format!(
                "Refunding {} … (request {}, try {}). The refund is journaled: if the counter stops now it is asked again at the next start.",
                record.refund.amount.with_code(),
                attempt.refund_request_id,
                attempt.tries
            ),
            Color::Reset,
        ),
        RefundStage::Done {
            record,
            status,
            refunded_before,
            drawer,
        } => {
            let so_far = if status_settled(status) {
                refunded_before.checked_add(record.refund.amount).ok()
            } else {
                Some(*refunded_before)
            };
            let slip = refund_slip(
                view.config,
                sale,
                record,
                Some(status),
                so_far.unwrap_or(*refunded_before),
            );
            let width =
                PaperWidth::from_columns(u32::from(view.config.receipt.width)).unwrap_or_default();
            let text = render_refund_text(&slip, width);
            let paper_w = width.columns() as u16 + 2;
            let [result, rest] =
                Layout::vertical([Constraint::Length(3), Constraint::Min(3)]).areas(body);
            let mut first = vec![Line::from(result_line(status, *drawer, record))];
            if let Status::Refused {
                code,
                offer_cash: true,
                ..
            } = status
            {
                first.push(Line::from(format!(
                    "{} · c: give it back in cash instead",
                    code.cashier_advice()
                )));
            } else if let Status::Refused { code, .. } = status {
                first.push(Line::from(code.cashier_advice()));
            }
            Paragraph::new(first)
                .wrap(Wrap { trim: false })
                .render(result, buf);
            let [_, slip_area, _] = Layout::horizontal([
                Constraint::Fill(1),
                Constraint::Length(paper_w.min(rest.width)),
                Constraint::Fill(1),
            ])
            .areas(rest);
            Paragraph::new(text.lines().map(Line::from).collect::<Vec<_>>())
                .block(Block::new().borders(Borders::ALL).title(" Refund slip "))
                .style(Style::new().fg(Color::Black).bg(Color::White))
                .render(slip_area, buf);
        }
        RefundStage::Failed(reason) => message(
            body,
            buf,
            &format!("Nothing was refunded: {reason}"),
            Color::Red,
        ),
    }
}

fn status_settled(status: &Status) -> bool {
    matches!(status, Status::Settled { .. })
}

fn result_line(
    status: &Status,
    drawer: bool,
    record: &crate::journal::RefundRecord,
) -> Span<'static> {
    let amount = record.refund.amount.with_code();
    match status {
        Status::Settled { .. } if drawer => Span::styled(
            format!(" REFUNDED {amount} · drawer open: pay out {amount} in cash "),
            Style::new().fg(Color::Black).bg(Color::Green),
        ),
        Status::Settled { .. } => Span::styled(
            format!(" REFUNDED {amount} · {} ", describe(status)),
            Style::new().fg(Color::Black).bg(Color::Green),
        ),
        Status::Refused { .. } => Span::styled(
            format!(" NOT REFUNDED · {} ", describe(status)),
            Style::new().fg(Color::White).bg(Color::Red),
        ),
        _ => Span::styled(
            format!(" {} ", describe(status)),
            Style::new().fg(Color::Black).bg(Color::Yellow),
        ),
    }
}

fn message(area: Rect, buf: &mut Buffer, text: &str, color: Color) {
    Paragraph::new(Line::from(Span::styled(
        text.to_string(),
        Style::new().fg(color),
    )))
    .wrap(Wrap { trim: false })
    .render(area, buf);
}

fn lines(s: &RefundScreen, area: Rect, buf: &mut Buffer) {
    let sale = &s.opened.record.sale;
    let mut out = vec![Line::from(Span::styled(
        format!(
            "{:<3} {:<28} {:>5} {:>5} {:>7}",
            "#", "Item", "Sold", "Left", "Refund"
        ),
        Style::new().add_modifier(Modifier::BOLD),
    ))];
    for (i, line) in sale.lines.iter().enumerate() {
        let left = s
            .left
            .as_ref()
            .and_then(|l| l.get(i))
            .map_or("…".to_string(), u32::to_string);
        let chosen = s.chosen.get(i).copied().unwrap_or(0);
        let name: String = line.name.chars().take(28).collect();
        let text = format!(
            "{:<3} {:<28} {:>5} {:>5} {:>7}",
            i + 1,
            name,
            line.qty,
            left,
            chosen
        );
        let style = if i == s.selected {
            Style::new().add_modifier(Modifier::REVERSED)
        } else {
            Style::new()
        };
        out.push(Line::from(Span::styled(text, style)));
    }
    let keys = table(InputMode::Refund);
    out.push(Line::default());
    out.push(Line::from(format!(
        "{}: units on the line · {}: all that is left · {}: choose the reason",
        label_in(keys, &UiAction::Checkout(Action::QtyUp)),
        label_in(keys, &UiAction::Checkout(Action::Char('a'))),
        label_in(keys, &UiAction::Checkout(Action::Enter)),
    )));
    Paragraph::new(out)
        .block(
            Block::new()
                .borders(Borders::ALL)
                .title(" Lines to refund "),
        )
        .render(area, buf);
}

fn reasons(view: &CounterView, s: &RefundScreen, area: Rect, buf: &mut Buffer) {
    let reasons = &view.checkout.refund_desk().policy.reasons;
    let out: Vec<Line> = reasons
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let style = if i == s.reason {
                Style::new().add_modifier(Modifier::REVERSED)
            } else {
                Style::new()
            };
            Line::from(Span::styled(format!(" {r} "), style))
        })
        .collect();
    Paragraph::new(out)
        .block(Block::new().borders(Borders::ALL).title(" Reason "))
        .render(area, buf);
}
