//! The customer-facing display (`qrtill display`): drawn only from the counter's published
//! state. The basket as it is scanned with the total in large digits; during a wallet QR
//! payment the code as large as the terminal allows, with the amount; then the result and a
//! thank-you in the shopper's language.

use crate::emv::symbol::{EcLevel, QUIET_ZONE, QrSymbol};
use crate::link::client::{Conn, ScreenModel};
use crate::link::snapshot::{CounterState, ShownPayment, ShownResult};
use ratatui::buffer::Buffer;
use ratatui::layout::{Alignment, Constraint, Layout, Margin, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Widget, Wrap};
use tui_big_text::{BigText, PixelSize};

/// Columns kept beside the QR code for the amount and the status.
const SIDE: u16 = 28;

pub struct DisplayView<'a> {
    pub model: &'a ScreenModel,
}

impl Widget for &DisplayView<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let state = match (&self.model.conn, &self.model.state) {
            (Conn::Attached, Some(s)) => s,
            (conn, _) => return waiting(conn, area, buf),
        };
        let bold = Style::new().add_modifier(Modifier::BOLD);
        let [head, body] =
            Layout::vertical([Constraint::Length(1), Constraint::Min(1)]).areas(area);
        Line::from(Span::styled(
            format!(" {} ", state.store),
            bold.fg(Color::Cyan),
        ))
        .render(head, buf);
        if let Some(result) = &state.result {
            return result_screen(result, body, buf);
        }
        match &state.payment {
            Some(p) => {
                let now = self.model.counter_now().unwrap_or(state.now_ms);
                payment_screen(now, p, body, buf)
            }
            None => basket_screen(state, body, buf),
        }
    }
}

fn waiting(conn: &Conn, area: Rect, buf: &mut Buffer) {
    let text = match conn {
        Conn::Connecting | Conn::Attached => "Connecting to the counter…".to_string(),
        Conn::NoCounter(why) => format!("No counter: {why}. Retrying…"),
        Conn::WrongVersion(why) => format!("Cannot attach: {why}"),
    };
    let [_, mid, _] = Layout::vertical([
        Constraint::Fill(1),
        Constraint::Length(3),
        Constraint::Fill(1),
    ])
    .areas(area);
    Paragraph::new(text)
        .alignment(Alignment::Center)
        .wrap(Wrap { trim: true })
        .render(mid, buf);
}

/// Large digits where there is room (8 rows per line), quadrant digits (4 rows) otherwise.
fn big(lines: Vec<Line<'static>>, style: Style, align: Alignment, area: Rect, buf: &mut Buffer) {
    let rows = lines.len() as u16;
    let size = if area.height >= rows * 8 {
        PixelSize::Full
    } else {
        PixelSize::Quadrant
    };
    BigText::builder()
        .pixel_size(size)
        .style(style)
        .alignment(align)
        .lines(lines)
        .build()
        .render(area, buf);
}

fn basket_screen(state: &CounterState, area: Rect, buf: &mut Buffer) {
    let [list, total] = Layout::vertical([Constraint::Min(3), Constraint::Length(9)]).areas(area);
    let block = Block::new().borders(Borders::TOP).title(" Your basket ");
    let inner = block.inner(list);
    block.render(list, buf);
    let width = inner.width as usize;
    let rows: Vec<Line> = if state.lines.is_empty() {
        vec![Line::from("Welcome!")]
    } else {
        // The newest lines stay on screen when the basket is longer than the display.
        let skip = state.lines.len().saturating_sub(inner.height as usize);
        state.lines[skip..]
            .iter()
            .map(|l| {
                let left = format!("{:>3} × {}", l.qty, l.name);
                let pad = width.saturating_sub(left.chars().count() + l.amount.len() + 1);
                Line::from(format!("{left}{} {}", " ".repeat(pad), l.amount))
            })
            .collect()
    };
    Paragraph::new(rows).render(inner, buf);
    let [label, digits] =
        Layout::vertical([Constraint::Length(1), Constraint::Min(1)]).areas(total);
    Line::from(Span::styled(
        format!("TOTAL {}", state.currency),
        Style::new().add_modifier(Modifier::BOLD),
    ))
    .render(label, buf);
    big(
        vec![Line::from(state.total.clone())],
        Style::new().fg(Color::Yellow),
        Alignment::Left,
        digits,
        buf,
    );
}

fn payment_screen(now_ms: i64, p: &ShownPayment, area: Rect, buf: &mut Buffer) {
    let qr_area = Rect {
        width: area.width.saturating_sub(SIDE),
        ..area
    };
    let drawn = p.qr.as_deref().and_then(|text| draw_qr(text, qr_area, buf));
    let side = match drawn {
        Some(r) => Rect {
            x: r.right() + 1,
            width: area.right().saturating_sub(r.right() + 1),
            ..area
        },
        None => area,
    };
    let side = side.inner(Margin::new(1, 0));
    let [head, digits, rest] = Layout::vertical([
        Constraint::Length(2),
        Constraint::Length(8),
        Constraint::Min(2),
    ])
    .areas(side);
    let bold = Style::new().add_modifier(Modifier::BOLD);
    let title = if drawn.is_some() {
        "Scan to pay"
    } else {
        p.mode.as_str()
    };
    Paragraph::new(vec![
        Line::from(Span::styled(title.to_string(), bold)),
        Line::from(format!("Total {}", p.amount)),
    ])
    .render(head, buf);
    let (code, plain) = p.amount.split_once(' ').unwrap_or(("", &p.amount));
    big(
        vec![Line::from(code.to_string()), Line::from(plain.to_string())],
        Style::new().fg(Color::Yellow),
        Alignment::Left,
        digits,
        buf,
    );
    let mut lines = Vec::new();
    if let Some(w) = &p.wallet_amount {
        let who = p.wallet.as_deref().unwrap_or("Your wallet");
        lines.push(Line::from(Span::styled(format!("{who}: {w}"), bold)));
        if let Some(rate) = &p.rate {
            lines.push(Line::from(format!("Rate {rate}")));
        }
    }
    let secs = (p.deadline_ms - now_ms).max(0) / 1000;
    if p.qr.is_some() {
        lines.push(Line::from(format!("Valid {}:{:02}", secs / 60, secs % 60)));
    }
    lines.push(Line::from(Span::styled(
        p.status.clone(),
        Style::new().fg(Color::Cyan),
    )));
    Paragraph::new(lines)
        .wrap(Wrap { trim: true })
        .render(rest, buf);
}

fn result_screen(r: &ShownResult, area: Rect, buf: &mut Buffer) {
    let [_, head, detail, thanks, _] = Layout::vertical([
        Constraint::Fill(1),
        Constraint::Length(8),
        Constraint::Length(2),
        Constraint::Length(2),
        Constraint::Fill(1),
    ])
    .areas(area);
    let colour = if r.paid { Color::Green } else { Color::Red };
    let word = if r.paid { "PAID" } else { "NOT PAID" };
    big(
        vec![Line::from(word)],
        Style::new().fg(colour),
        Alignment::Center,
        head,
        buf,
    );
    Paragraph::new(vec![
        Line::from(r.headline.clone()),
        Line::from(r.detail.clone()),
    ])
    .alignment(Alignment::Center)
    .render(detail, buf);
    Paragraph::new(Line::from(Span::styled(
        r.thank_you.clone(),
        Style::new().add_modifier(Modifier::BOLD),
    )))
    .alignment(Alignment::Center)
    .render(thanks, buf);
}

/// Draws `text` as a QR code scaled to the largest whole number of half-block pixels per
/// module that fits `area` (black on white, quiet zone included); returns where it drew.
pub fn draw_qr(text: &str, area: Rect, buf: &mut Buffer) -> Option<Rect> {
    let symbol = QrSymbol::new(text, EcLevel::M).ok()?;
    let n = symbol.width() + 2 * QUIET_ZONE;
    // One cell is one pixel wide and two tall, and about twice as tall as wide: square pixels.
    let scale = (area.width as usize / n).min(area.height as usize * 2 / n);
    if scale == 0 {
        return None;
    }
    let side = (n * scale) as u16;
    let drawn = Rect {
        x: area.x,
        y: area.y,
        width: side,
        height: side.div_ceil(2),
    };
    let dark = |px: usize, py: usize| py < n * scale && symbol.is_dark(px / scale, py / scale);
    let colour = |d: bool| if d { Color::Black } else { Color::White };
    for cy in 0..drawn.height {
        for cx in 0..drawn.width {
            let (px, py) = (cx as usize, cy as usize * 2);
            if let Some(cell) = buf.cell_mut((drawn.x + cx, drawn.y + cy)) {
                cell.set_symbol("▀")
                    .set_fg(colour(dark(px, py)))
                    .set_bg(colour(dark(px, py + 1)));
            }
        }
    }
    Some(drawn)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::link::snapshot::ShownLine;
    use unicode_width::UnicodeWidthStr;

    fn state() -> CounterState {
        CounterState {
            now_ms: 1_000,
            store: "Moonlight Café".into(),
            lines: vec![
                ShownLine {
                    name: "Flat white 12oz".into(),
                    qty: 2,
                    amount: "9.00".into(),
                },
                ShownLine {
                    name: "Turkey & Swiss sandwich on sourdough".into(),
                    qty: 1,
                    amount: "8.95".into(),
                },
            ],
            currency: "USD".into(),
            total: "19.32".into(),
            payment: None,
            result: None,
            shoppers: vec![],
            phones: vec![],
        }
    }

    fn attached(state: CounterState) -> ScreenModel {
        ScreenModel {
            conn: Conn::Attached,
            state: Some(state),
            reply: None,
            received_at: None,
        }
    }

    fn text(model: &ScreenModel, w: u16, h: u16) -> String {
        let area = Rect::new(0, 0, w, h);
        let mut buf = Buffer::empty(area);
        (&DisplayView { model }).render(area, &mut buf);
        let mut out = String::new();
        for y in 0..h {
            let mut x = 0;
            let mut line = String::new();
            while x < w {
                let s = buf.cell((x, y)).map_or(" ", |c| c.symbol());
                line.push_str(s);
                x += s.width().max(1) as u16;
            }
            out.push_str(line.trim_end());
            out.push('\n');
        }
        out
    }

    #[test]
    fn the_basket_with_its_total_in_large_digits() {
        insta::assert_snapshot!(text(&attached(state()), 80, 24));
    }

    #[test]
    fn paid_with_a_thank_you_in_korean() {
        let mut s = state();
        s.result = Some(ShownResult {
            paid: true,
            headline: "PAID USD 19.32".into(),
            detail: "Kakao Pay · KRW 26570".into(),
            thank_you: "감사합니다!".into(),
            lang: "ko".into(),
        });
        insta::assert_snapshot!(text(&attached(s), 80, 24));
    }

    #[test]
    fn no_counter_says_so() {
        let model = ScreenModel {
            conn: Conn::NoCounter("no counter is running on /tmp/d".into()),
            ..Default::default()
        };
        let t = text(&model, 80, 24);
        assert!(
            t.contains("No counter: no counter is running on /tmp/d"),
            "{t}"
        );
        assert!(t.contains("Retrying"), "{t}");
    }

    #[test]
    fn the_qr_grows_with_the_screen() {
        let payload = "http://192.0.2.7:8080/pay/0123456789abcdef0123456789abcdef";
        let draw = |w, h| {
            let area = Rect::new(0, 0, w, h);
            let mut buf = Buffer::empty(area);
            draw_qr(payload, area, &mut buf)
        };
        let small = draw(60, 24).map(|r| r.width);
        let large = draw(200, 60).map(|r| r.width);
        assert!(small.is_some() && large.is_some(), "{small:?} {large:?}");
        assert!(large > small, "{small:?} < {large:?}");
        // A whole number of modules: the width is a multiple of the symbol's side.
        let side = QrSymbol::new(payload, EcLevel::M)
            .map(|s| s.width() + 2 * QUIET_ZONE)
            .unwrap_or(1) as u16;
        assert_eq!(large.unwrap_or(0) % side, 0);
        assert_eq!(draw(10, 5), None, "too small: nothing drawn");
    }
}
