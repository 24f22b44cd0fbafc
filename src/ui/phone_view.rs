//! The shopper-phone pane: one person plays the shopper at a demo desk. It shows what the
//! selected shopper's wallet app shows, drawn from the simulated wallet's own state.

use super::CounterView;
use super::qr_code::{self, QrFit};
use crate::network::PhoneScreen;
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Widget, Wrap};

/// The phone's keys, shown in the pane (they apply while the pane has the focus).
pub const PHONE_KEYS: &[(&str, &str)] = &[
    ("←→", "shopper"),
    ("c", "show code"),
    ("p", "present to scanner"),
    ("s", "scan counter QR"),
    ("t", "tap reader"),
    ("y", "enter password"),
    ("n", "refuse"),
    ("x", "cancel on phone"),
    ("b", "low balance"),
    ("o", "offline on/off"),
    ("Tab", "back to counter"),
];

pub fn render(view: &CounterView, area: Rect, buf: &mut Buffer) {
    let Some(network) = view.network else {
        return;
    };
    let shoppers = network.shoppers();
    if shoppers.is_empty() {
        return;
    }
    let idx = view.panes.shopper % shoppers.len();
    let shopper = &shoppers[idx];
    let focus = view.panes.phone_focus;
    Clear.render(area, buf);
    let block = Block::new()
        .borders(Borders::ALL)
        .title(if focus {
            " Shopper phone (keys go here) "
        } else {
            " Shopper phone (Tab to use) "
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
    let keys_h = if focus {
        PHONE_KEYS.len().div_ceil(2) as u16
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
    screen_body(view, screen.as_ref(), middle, buf);
    if focus {
        let lines: Vec<Line> = PHONE_KEYS
            .chunks(2)
            .map(|pair| {
                Line::from(
                    pair.iter()
                        .flat_map(|(k, what)| {
                            [
                                Span::styled(*k, Style::new().fg(Color::Black).bg(Color::Gray)),
                                Span::raw(format!(" {what}  ")),
                            ]
                        })
                        .collect::<Vec<_>>(),
                )
            })
            .collect();
        Paragraph::new(lines).render(bottom, buf);
    }
}

fn screen_body(view: &CounterView, screen: Option<&PhoneScreen>, area: Rect, buf: &mut Buffer) {
    let bold = Style::new().add_modifier(Modifier::BOLD);
    let lines: Vec<Line> = match screen {
        None => vec![Line::from("(no phone)")],
        Some(PhoneScreen::Home { brand, balance }) => vec![
            Line::from(Span::styled(format!("{brand} home"), bold)),
            Line::from(format!("Balance {}", balance.with_code())),
            Line::from("c shows a payment code; s scans the counter's QR."),
        ],
        Some(PhoneScreen::ShowCode {
            code,
            expires_at,
            tap,
        }) => {
            let secs = expires_at.since(view.now).as_secs();
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
            if let QrFit::Fits(widget) = qr_code::fit(code, qr) {
                (&widget).render(qr, buf);
            }
            return;
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
            l.push(Line::from(if *needs_password {
                "Enter the password: y, or n to refuse"
            } else {
                "Confirm: y, or n to refuse"
            }));
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
            "No network (o to go back online)",
            bold.fg(Color::Red),
        ))],
    };
    Paragraph::new(lines)
        .wrap(Wrap { trim: true })
        .render(area, buf);
}
