//! The pay screen. For the wallet QR the code gets the whole height (QR first: at 80×24 there
//! is no room for anything above or below it), with the amount in large type, the countdown,
//! the live status and the keys beside it. The other modes keep the usual frame.

use super::keymap::{self, InputMode, Show, UiAction};
use super::qr_code::QrFit;
use super::{CounterView, strings};
use crate::checkout::Action;
use crate::checkout::payment::{PayMode, PayState, PayStatus};
use crate::clock::Timestamp;
use crate::money::fx::convert;
use crate::money::{Currency, Money};
use crate::network::TEST_CARDS;
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Widget, Wrap};
use tui_big_text::{BigText, PixelSize};

/// Wallet currencies shown as indicative amounts before the wallet is known.
const INDICATIVE: [Currency; 3] = [Currency::CNY, Currency::HKD, Currency::KRW];

/// The QR-first layout of the wallet QR mode; it draws the whole frame and returns where the
/// code was drawn. The code is drawn only while the attempt can still be paid: once it is
/// cancelled, expired, declined or being cancelled, a "code closed" notice takes its place, so
/// no shopper can scan a dead code.
pub fn render_qr_first(
    view: &CounterView,
    pay: &PayState,
    area: Rect,
    buf: &mut Buffer,
) -> Option<Rect> {
    let payload = pay.attempt.as_ref().and_then(|a| a.qr_payload.as_deref());
    // With the web phone on, the code carries the page's URL for this payment instead.
    let payload = payload.map(|p| match &view.panes.counter_qr {
        Some((emv, url)) if emv == p => url.as_str(),
        _ => p,
    });
    let fit = payload.map(|p| view.panes.qr.fit(p, area_for_qr(area)));
    let qr_w = match &fit {
        Some(QrFit::Fits(w)) => w.size().0,
        _ => 0,
    };
    let [left, right] =
        Layout::horizontal([Constraint::Length(qr_w), Constraint::Min(20)]).areas(area);
    let mut drawn = None;
    match fit {
        Some(QrFit::Fits(widget)) if code_open(&pay.status) => {
            drawn = widget.placement(left, buf);
            (&widget).render(left, buf);
        }
        Some(QrFit::Fits(_)) => code_closed(&pay.status, left, buf),
        Some(QrFit::TooSmall { needed_w, needed_h }) => {
            let text = format!(
                "{} to show the QR code: it needs {needed_w}×{needed_h} plus the amount beside it (now {}×{}).",
                strings::ENLARGE,
                area.width,
                area.height
            );
            super::chrome::warning_text(text, right, buf);
            return None;
        }
        Some(QrFit::TooLong) => {
            Line::from("The QR payload is too long for any QR code: check the merchant config.")
                .render(right, buf);
            return None;
        }
        None => {}
    }
    side_panel(
        view,
        pay,
        right.inner(ratatui::layout::Margin::new(1, 0)),
        buf,
    );
    drawn
}

/// Whether the counter's QR may still be scanned and paid.
fn code_open(status: &PayStatus) -> bool {
    status.is_live()
}

/// Where the code was: a framed notice of the same size, no modules at all.
fn code_closed(status: &PayStatus, area: Rect, buf: &mut Buffer) {
    let why = match status {
        PayStatus::Cancelled { why, .. } | PayStatus::Cancelling { why } => why.clone(),
        PayStatus::Declined { code, .. } => format!("declined {code}"),
        PayStatus::NeedsManual { .. } => "needs manual resolution".to_string(),
        _ => "no longer valid".to_string(),
    };
    let block = Block::new()
        .borders(Borders::ALL)
        .border_style(Style::new().fg(Color::DarkGray));
    let inner = block.inner(area);
    block.render(area, buf);
    let [_, middle, _] = Layout::vertical([
        Constraint::Fill(1),
        Constraint::Length(4),
        Constraint::Fill(1),
    ])
    .areas(inner);
    Paragraph::new(vec![
        Line::from(Span::styled(
            strings::QR_CLOSED,
            Style::new().add_modifier(Modifier::BOLD),
        )),
        Line::from(format!("({why})")),
        Line::from(strings::QR_CLOSED_HINT),
    ])
    .alignment(ratatui::layout::Alignment::Center)
    .wrap(Wrap { trim: true })
    .render(middle, buf);
}

/// The part of the screen the QR code may use: everything but a 30-column side panel.
fn area_for_qr(area: Rect) -> Rect {
    Rect {
        width: area.width.saturating_sub(30),
        ..area
    }
}

/// The pay panel for the modes that keep the usual frame (code, tap, card).
pub fn render_framed(view: &CounterView, pay: &PayState, area: Rect, buf: &mut Buffer) {
    let [left, right] =
        Layout::horizontal([Constraint::Min(30), Constraint::Length(40)]).areas(area);
    super::basket_view::basket_lines(view, left, buf);
    let block = Block::new()
        .borders(Borders::ALL)
        .title(format!(" {} ", pay.mode.title()))
        .border_style(Style::new().fg(Color::Yellow));
    let inner = block.inner(right);
    block.render(right, buf);
    side_panel(view, pay, inner, buf);
}

fn side_panel(view: &CounterView, pay: &PayState, area: Rect, buf: &mut Buffer) {
    let total = view.checkout.totals().total;
    let amount = pay.attempt.as_ref().map_or(total, |a| a.amount);
    let store = &view.config.store;
    let bold = Style::new().add_modifier(Modifier::BOLD);
    let [head, big, rest] = Layout::vertical([
        Constraint::Length(2),
        Constraint::Length(8),
        Constraint::Min(3),
    ])
    .areas(area);
    Paragraph::new(vec![
        Line::from(Span::styled(
            format!("{} · Lane {}", store.name, store.lane_id),
            bold,
        )),
        Line::from(Span::styled(pay.mode.title(), Style::new().fg(Color::Cyan))),
    ])
    .render(head, buf);
    BigText::builder()
        .pixel_size(PixelSize::Quadrant)
        .style(Style::new().fg(Color::Yellow))
        .lines(vec![
            Line::from(amount.currency().code()),
            Line::from(amount.plain()),
        ])
        .build()
        .render(big, buf);

    let mut lines = Vec::new();
    lines.extend(indicative(view, pay, amount));
    if let Some(a) = &pay.attempt
        && pay.status.is_live()
    {
        lines.push(Line::from(format!(
            "{} {}",
            if pay.mode == PayMode::WalletQr {
                "Expires in"
            } else {
                "Gives up in"
            },
            countdown(view.now, a.deadline)
        )));
    }
    lines.push(status_line(&pay.status));
    lines.extend(guidance(pay));
    if let Some(n) = &view.checkout.notice {
        lines.push(Line::from(Span::styled(
            n.text.clone(),
            Style::new().fg(Color::Yellow),
        )));
    }
    if let Some(n) = &view.panes.notice {
        lines.push(Line::from(Span::styled(
            n.clone(),
            Style::new().fg(Color::Yellow).add_modifier(Modifier::BOLD),
        )));
    }
    if let Some(a) = &pay.attempt {
        lines.push(Line::from(Span::styled(
            format!("Request {}", a.request_id),
            Style::new().fg(Color::DarkGray),
        )));
    }
    lines.push(Line::default());
    lines.push(keys(view));
    Paragraph::new(lines)
        .wrap(Wrap { trim: true })
        .render(rest, buf);
}

/// `1:54`: time left until `deadline`.
fn countdown(now: Timestamp, deadline: Timestamp) -> String {
    let secs = deadline.since(now).as_secs();
    format!("{}:{:02}", secs / 60, secs % 60)
}

/// What the shopper pays in the wallet currency. Before the wallet answers this is an
/// indicative figure from the rate table; once it answers, the wallet's own reported amount.
fn indicative(view: &CounterView, pay: &PayState, amount: Money) -> Vec<Line<'static>> {
    let dim = Style::new().fg(Color::DarkGray);
    if let Some(v) = pay.attempt.as_ref().and_then(|a| a.payment.as_ref())
        && let Some(w) = v.wallet_amount
    {
        let brand = v
            .wallet
            .as_ref()
            .map_or("Wallet", |w| w.brand_name.as_str());
        return vec![Line::from(format!("{brand} charges {}", w.with_code()))];
    }
    let Some(network) = view.network else {
        return vec![];
    };
    let shown: Vec<String> = INDICATIVE
        .iter()
        .filter(|c| **c != amount.currency())
        .filter_map(|c| {
            let q = network.fx().quote(amount.currency(), *c, view.now).ok()?;
            convert(amount, &q).ok().map(|m| m.with_code())
        })
        .collect();
    if shown.is_empty() {
        return vec![];
    }
    vec![Line::from(Span::styled(
        format!("≈ {} (indicative)", shown.join(" · ")),
        dim,
    ))]
}

fn status_line(status: &PayStatus) -> Line<'static> {
    let (text, style) = match status {
        PayStatus::AwaitingCode => ("● Scan the shopper's payment code".to_string(), Color::Cyan),
        PayStatus::AwaitingTap => (
            "● Ask the shopper to tap the phone on the reader".to_string(),
            Color::Cyan,
        ),
        PayStatus::AwaitingCard => (
            format!(
                "● Present a card (1–{} picks a test card)",
                TEST_CARDS.len()
            ),
            Color::Cyan,
        ),
        PayStatus::Sending => ("● Sending…".to_string(), Color::Cyan),
        PayStatus::WaitingForScan => ("● Waiting for scan".to_string(), Color::Cyan),
        PayStatus::ShopperConfirming => (
            "● Shopper confirming on the phone".to_string(),
            Color::Yellow,
        ),
        PayStatus::Cancelling { why } => (format!("● Cancelling: {why}"), Color::Yellow),
        PayStatus::Approved => ("✔ APPROVED — saving the sale".to_string(), Color::Green),
        PayStatus::Declined { code, .. } => (format!("✖ DECLINED {code}"), Color::Red),
        PayStatus::Cancelled {
            refunded: false,
            why,
        } => (format!("✖ CANCELLED ({why}): nothing charged"), Color::Red),
        PayStatus::Cancelled {
            refunded: true,
            why,
        } => (
            format!("✖ CANCELLED ({why}): the wallet had charged and refunded the shopper"),
            Color::Red,
        ),
        PayStatus::NeedsManual { .. } => ("⚠ NEEDS MANUAL RESOLUTION".to_string(), Color::Magenta),
    };
    Line::from(Span::styled(
        text,
        Style::new().fg(style).add_modifier(Modifier::BOLD),
    ))
}

/// What the cashier should do next.
fn guidance(pay: &PayState) -> Vec<Line<'static>> {
    match &pay.status {
        PayStatus::AwaitingCode => vec![Line::from(format!("Code: {}▏", pay.input))],
        PayStatus::AwaitingCard => TEST_CARDS
            .iter()
            .enumerate()
            .map(|(i, c)| {
                Line::from(format!(
                    " {} {} …{} {}",
                    i + 1,
                    c.brand.name(),
                    &c.pan[c.pan.len().saturating_sub(4)..],
                    c.note
                ))
            })
            .collect(),
        PayStatus::ShopperConfirming => vec![Line::from(format!(
            "The wallet asked the shopper to confirm (password or tap): wait, or {} to cancel.",
            keymap::label_in(
                keymap::table(InputMode::PayLive),
                &UiAction::Checkout(Action::Back)
            )
        ))],
        PayStatus::Declined { advice, .. } => vec![Line::from(advice.clone())],
        PayStatus::Cancelled { .. } => {
            let closed = keymap::table(InputMode::PayClosed);
            vec![Line::from(format!(
                "{} for a new attempt (a fresh code), {} for another method.",
                keymap::label_in(closed, &UiAction::Checkout(Action::Enter)),
                keymap::label_in(closed, &UiAction::Checkout(Action::Back))
            ))]
        }
        PayStatus::NeedsManual { why } => vec![Line::from(why.clone())],
        _ => vec![],
    }
}

/// The pay screen's keys, from the keymap rows of its current mode, plus the phone pane.
fn keys(view: &CounterView) -> Line<'static> {
    let k = Style::new().fg(Color::Black).bg(Color::Gray);
    let mode = InputMode::of(view.checkout);
    let rows = keymap::table(mode)
        .iter()
        .filter(|b| b.show == Show::Legend)
        .chain(keymap::global(&UiAction::TogglePhone));
    Line::from(
        rows.flat_map(|b| {
            [
                Span::styled(b.label, k),
                Span::raw(format!(" {}  ", b.help)),
            ]
        })
        .collect::<Vec<_>>(),
    )
}
