//! The shopper-phone pane: one person plays the shopper at a demo desk. It shows what the
//! selected shopper's wallet app shows, drawn from the simulated wallet's own state.

use super::CounterView;
use super::keymap::{self, PHONE, PHONE_OPEN, UiAction, help_rows, phone_label};
use super::qr_code::QrFit;
use crate::network::PhoneScreen;
use crate::runtime::PhoneAction;
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Widget, Wrap};

/// Draws the pane; returns where it drew the shopper's payment code, if it did.
pub fn render(view: &CounterView, area: Rect, buf: &mut Buffer) -> Option<Rect> {
    let network = view.network?;
    let shoppers = network.shoppers();
    if shoppers.is_empty() {
        return None;
    }
    let idx = view.panes.shopper % shoppers.len();
    let shopper = &shoppers[idx];
    let focus = view.panes.phone_focus;
    Clear.render(area, buf);
    let block = Block::new()
        .borders(Borders::ALL)
        .title(if focus {
            " Shopper phone (keys go here) ".to_string()
        } else {
            format!(
                " Shopper phone ({} to use) ",
                keymap::label_in(PHONE_OPEN, &UiAction::SwitchFocus)
            )
        })
        .border_style(if focus {
            Style::new().fg(Color::Magenta).add_modifier(Modifier::BOLD)
        } else {
            Style::new().fg(Color::Magenta)
        });
    let inner = block.inner(area);
    block.render(area, buf);

    let brand = network
        .book()
        .wallet(&shopper.wallet)
        .map_or(shopper.wallet.0.as_str(), |w| w.brand.as_str());
    let balance = network
        .balance(&shopper.id)
        .map(|b| b.with_code())
        .unwrap_or_default();
    let bold = Style::new().add_modifier(Modifier::BOLD);
    let mut head = vec![
        Line::from(Span::styled(
            format!("◀ {} ▶ ({}/{})", shopper.name, idx + 1, shoppers.len()),
            bold,
        )),
        Line::from(format!("{brand} · {} · {balance}", shopper.account)),
    ];
    if let Some(msg) = &view.panes.phone_message {
        head.push(Line::from(Span::styled(
            msg.clone(),
            Style::new().fg(Color::Yellow),
        )));
    }
    let screen = network.phone_screen(&shopper.id, view.now).ok();
    let keys: Vec<_> = help_rows(PHONE).chain(help_rows(PHONE_OPEN)).collect();
    let keys_h = if focus {
        keys.len().div_ceil(2) as u16
    } else {
        0
    };
    let [top, middle, bottom] = Layout::vertical([
        Constraint::Length(head.len() as u16 + 1),
        Constraint::Min(3),
        Constraint::Length(keys_h),
    ])
    .areas(inner);
    Paragraph::new(head)
        .wrap(Wrap { trim: true })
        .render(top, buf);
    let code = screen_body(view.now, &view.panes.phone_qr, screen.as_ref(), middle, buf);
    if focus {
        let lines: Vec<Line> = keys
            .chunks(2)
            .map(|pair| {
                Line::from(
                    pair.iter()
                        .flat_map(|b| {
                            [
                                Span::styled(
                                    b.label,
                                    Style::new().fg(Color::Black).bg(Color::Gray),
                                ),
                                Span::raw(format!(" {}  ", b.help)),
                            ]
                        })
                        .collect::<Vec<_>>(),
                )
            })
            .collect();
        Paragraph::new(lines).render(bottom, buf);
    }
    code
}

/// The wallet app's screen; also drawn by `qrtill phone` (phone_client_view).
pub(super) fn screen_body(
    now: crate::clock::Timestamp,
    phone_qr: &super::qr_code::QrCache,
    screen: Option<&PhoneScreen>,
    area: Rect,
    buf: &mut Buffer,
) -> Option<Rect> {
    let bold = Style::new().add_modifier(Modifier::BOLD);
    let lines: Vec<Line> = match screen {
        None => vec![Line::from("(no phone)")],
        Some(PhoneScreen::Home { brand, balance }) => vec![
            Line::from(Span::styled(format!("{brand} home"), bold)),
            Line::from(format!("Balance {}", balance.with_code())),
            Line::from(format!(
                "{} shows a payment code; {} scans the counter's QR.",
                phone_label(PhoneAction::ShowCode),
                phone_label(PhoneAction::ScanCounterQr)
            )),
        ],
        Some(PhoneScreen::ShowCode {
            code,
            expires_at,
            tap,
        }) => {
            let secs = expires_at.since(now).as_secs();
            let [text, qr] =
                Layout::vertical([Constraint::Length(2), Constraint::Min(1)]).areas(area);
            Paragraph::new(vec![
                Line::from(Span::styled(code.clone(), bold.fg(Color::Cyan))),
                Line::from(format!(
                    "{} · valid {secs} s",
                    if *tap { "sent by tap" } else { "payment code" }
                )),
            ])
            .render(text, buf);
            if let QrFit::Fits(widget) = phone_qr.fit(code, qr) {
                (&widget).render(qr, buf);
                return widget.placement(qr, buf);
            }
            return None;
        }
        Some(PhoneScreen::Confirm {
            merchant_amount,
            wallet_amount,
            rate,
            promotion,
            needs_password,
            ..
        }) => {
            let mut l = vec![
                Line::from(Span::styled("Confirm payment", bold.fg(Color::Yellow))),
                Line::from(format!("Pay {}", wallet_amount.with_code())),
                Line::from(format!("= {} at {rate}", merchant_amount.with_code())),
            ];
            if let Some(p) = promotion {
                l.push(Line::from(format!(
                    "Promotion: {} −{}",
                    p.name,
                    p.savings.with_code()
                )));
            }
            l.push(Line::from(format!(
                "{}: {}, or {} to refuse",
                if *needs_password {
                    "Enter the password"
                } else {
                    "Confirm"
                },
                phone_label(PhoneAction::EnterPassword),
                phone_label(PhoneAction::RefusePassword)
            )));
            l
        }
        Some(PhoneScreen::Paid {
            wallet_amount,
            merchant_amount,
            ..
        }) => vec![
            Line::from(Span::styled("✔ Paid", bold.fg(Color::Green))),
            Line::from(format!(
                "{} ({})",
                wallet_amount.with_code(),
                merchant_amount.with_code()
            )),
        ],
        Some(PhoneScreen::Declined { code, message }) => vec![
            Line::from(Span::styled(
                format!("✖ {}", code.wire()),
                bold.fg(Color::Red),
            )),
            Line::from(message.clone()),
        ],
        Some(PhoneScreen::Offline) => vec![Line::from(Span::styled(
            format!(
                "No network ({} to go back online)",
                phone_label(PhoneAction::ToggleOffline)
            ),
            bold.fg(Color::Red),
        ))],
    };
    Paragraph::new(lines)
        .wrap(Wrap { trim: true })
        .render(area, buf);
    None
}
