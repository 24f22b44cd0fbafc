//! The report as a picture (`qrtill report … --format png`): the printed 42-column text, with the
//! sales per hour drawn as a bar chart in dots instead of `#` bars, laid out as the receipt
//! pictures are (`crate::receipt::draw_page`, 8 dots/mm).

use super::{HourFigure, Report, to_text};
use crate::receipt::layout::LineStyle;
use crate::receipt::{Bar, PageBlock, PaperWidth, PngError, draw_page, encode_png};
use rust_decimal::prelude::ToPrimitive;

/// The printed report's lines as page blocks; the hourly rows become one `PageBlock::Bars`.
pub fn report_blocks(r: &Report, store_name: &str) -> Vec<PageBlock> {
    let text = to_text(r, store_name);
    let lines: Vec<&str> = text.lines().collect();
    // The hourly rows follow the "Sales per hour" rule, one line per hour.
    let hourly_at = lines
        .iter()
        .position(|l| l.contains(" Sales per hour "))
        .map(|i| i + 1)
        .filter(|_| !r.hourly.is_empty());
    let mut blocks = Vec::with_capacity(lines.len());
    let mut i = 0;
    while i < lines.len() {
        if Some(i) == hourly_at {
            blocks.push(PageBlock::Bars(r.hourly.iter().map(hour_bar).collect()));
            i += r.hourly.len();
            continue;
        }
        blocks.push(PageBlock::Text {
            text: lines[i].to_string(),
            style: LineStyle::default(),
        });
        i += 1;
    }
    blocks
}

/// One hour: `HH:MM count amount`, and a bar as long as the amount in cents. Report amounts carry
/// the currency's two decimals, so scaling by 100 is exact (`trunc` only guards the type); an
/// hour with net refunds draws no bar.
fn hour_bar(h: &HourFigure) -> Bar {
    let hhmm = h.hour.get(11..16).unwrap_or(&h.hour);
    Bar {
        label: format!("{hhmm} {:>4} {:>9}", h.count, h.amount),
        value: (h.amount * rust_decimal::Decimal::ONE_HUNDRED)
            .trunc()
            .to_u64()
            .unwrap_or(0),
    }
}

/// The report as a 1-bit PNG on 42-column paper (512 dots).
pub fn report_png(r: &Report, store_name: &str) -> Result<Vec<u8>, PngError> {
    encode_png(&draw_page(&report_blocks(r, store_name), PaperWidth::W42))
}
