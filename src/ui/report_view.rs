//! The X/Z report on screen: the key figures, a bar chart of sales per hour and the tender
//! shares. Reads a `Report`; changes nothing.

use crate::money::Decimal;
use crate::report::{Kind, Report};
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Direction, Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Bar, BarChart, Block, Borders, Paragraph, Widget};

pub struct ReportView<'a> {
    pub report: &'a Report,
}

/// Whole cents as a bar height (bars need an unsigned integer); negative shows as none.
fn cents(d: Decimal) -> u64 {
    let mut d = d * Decimal::from(100);
    d.rescale(0);
    u64::try_from(d.mantissa()).unwrap_or(0)
}

/// `part / whole` as a whole percentage, rounded half-up.
fn percent(part: Decimal, whole: Decimal) -> Decimal {
    if whole.is_zero() {
        return Decimal::ZERO;
    }
    crate::money::Rounding::HalfUp.round(part * Decimal::from(100) / whole, 0)
}

impl Widget for &ReportView<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let r = self.report;
        let title = match (r.kind, r.number) {
            (Kind::Z, Some(n)) => format!(
                " Z report Z{n} · lane {} · shift {} ",
                r.lane_id, r.shift_id
            ),
            _ => format!(
                " X report · lane {} · shift {} (open) ",
                r.lane_id, r.shift_id
            ),
        };
        let outer = Block::default().borders(Borders::ALL).title(title);
        let inner = outer.inner(area);
        outer.render(area, buf);
        let [top, bottom] =
            Layout::vertical([Constraint::Length(11), Constraint::Min(5)]).areas(inner);
        let [figures, shares] =
            Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(top);
        let cur = &r.currency;
        let counted = r
            .cash_counted
            .map_or("at close".to_string(), |c| c.to_string());
        let variance = r.cash_variance.map_or("-".to_string(), |v| v.to_string());
        let lines = vec![
            Line::from(format!(
                "Opened {}  cashier {}",
                r.opened_at.get(5..16).unwrap_or(&r.opened_at),
                r.cashier
            )),
            Line::from(format!(
                "Sales     {:>5}  {cur} {:>10}",
                r.sales_count, r.gross
            )),
            Line::from(format!(
                "Refunds   {:>5}  {cur} {:>10}",
                r.refunds_count, r.refunds
            )),
            Line::from(format!(
                "Post-void {:>5}  {cur} {:>10}",
                r.post_voids_count, r.post_voids
            )),
            Line::from(format!("Net              {cur} {:>10}", r.net)),
            Line::from(format!("Avg basket       {cur} {:>10}", r.average_basket)),
            Line::from(format!("Paid in/out  {} / {}", r.paid_in, r.paid_out)),
            Line::from(format!("Cash expected    {cur} {:>10}", r.cash_expected)),
            Line::from(format!("Cash counted {counted}  var {variance}")),
        ];
        Paragraph::new(lines)
            .block(Block::default().borders(Borders::RIGHT))
            .render(figures, buf);
        let total: Decimal = r.tenders.iter().map(|t| t.amount).sum();
        let bars: Vec<Bar> = r
            .tenders
            .iter()
            .map(|t| {
                Bar::default()
                    .value(cents(t.amount))
                    .label(Line::from(t.tender.clone()))
                    .text_value(format!("{}% {}", percent(t.amount, total), t.amount))
            })
            .collect();
        BarChart::default()
            .block(Block::default().title(" Tender shares "))
            .direction(Direction::Horizontal)
            .bar_width(1)
            .bar_gap(0)
            .data(ratatui::widgets::BarGroup::default().bars(&bars))
            .render(shares, buf);
        let hours: Vec<Bar> = r
            .hourly
            .iter()
            .map(|h| {
                Bar::default()
                    .value(cents(h.amount))
                    .label(Line::from(h.hour.get(11..13).unwrap_or("").to_string()))
                    .text_value(h.count.to_string())
            })
            .collect();
        let width = if hours.is_empty() {
            3
        } else {
            ((bottom.width.saturating_sub(2)) / hours.len() as u16)
                .saturating_sub(1)
                .clamp(2, 7)
        };
        BarChart::default()
            .block(
                Block::default()
                    .borders(Borders::TOP)
                    .title(" Sales per hour (bars: amount, value: count) "),
            )
            .bar_width(width)
            .bar_gap(1)
            .data(ratatui::widgets::BarGroup::default().bars(&hours))
            .render(bottom, buf);
    }
}

/// The X report of the open shift over `area` (F2 at the counter), or why there is none.
pub fn render_x(
    journal: &crate::journal::Journal,
    config: &crate::config::Config,
    now: crate::clock::Timestamp,
    area: Rect,
    buf: &mut Buffer,
) {
    ratatui::widgets::Clear.render(area, buf);
    let message = match crate::report::x_report(journal, config, now) {
        Ok(Some(report)) => {
            (&ReportView { report: &report }).render(area, buf);
            return;
        }
        Ok(None) => format!(
            "No shift is open on lane {}: scan an item to open one with its float count (or \
             `qrtill shift open --float ...`).",
            config.store.lane_id
        ),
        Err(e) => format!("The X report cannot be read: {e}"),
    };
    Paragraph::new(vec![
        Line::from(message),
        Line::from("Any key returns to the counter."),
    ])
    .block(Block::default().borders(Borders::ALL).title(" X report "))
    .render(area, buf);
}
