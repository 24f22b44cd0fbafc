//! A whole slip as one 1-bit picture at 8 dots/mm, laid out as the printer lays it out: text
//! lines exactly as `raster` draws them for `GS v 0` (so paper and picture agree dot for dot),
//! the QR code in 6-dot modules, the CODE128 barcode in 2-dot modules with its text below.
//!
//! The drawing is generic (a list of `PageBlock`s: text lines, codes, a bar chart) so other
//! documents, such as a Z report with its hourly chart, can be drawn the same way.

use super::layout::{Align, Block, LineStyle, PaperWidth, layout};
use super::model::Receipt;
use super::raster::{Bitmap, CELL_H, CELL_W, DOT_SCALE, LINE_GAP, line_image};
use qrcode::{Color, EcLevel, QrCode};

/// QR module size in dots: the ESC/POS renderer asks the printer for size 6.
pub const QR_MODULE: usize = 6;
/// CODE128 module width and bar height in dots (`GS w 2`, `GS h 80`).
pub const BAR_MODULE: usize = 2;
pub const BAR_HEIGHT: usize = 80;
/// One text line's pitch in dots.
pub const LINE_PITCH: usize = CELL_H + LINE_GAP;

/// One element of a page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PageBlock {
    /// A line already laid out for the paper's columns.
    Text {
        text: String,
        style: LineStyle,
    },
    Qr(String),
    Barcode(String),
    /// A bar chart, one bar a line: the label, then a bar as long as its share of the largest.
    Bars(Vec<Bar>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bar {
    pub label: String,
    pub value: u64,
}

/// Printable width in dots: 384 for 58 mm paper (32 columns), 512 for the 42-column heads of
/// 80 mm printers (TM-T88 class), 576 for 48 columns.
pub fn paper_dots(width: PaperWidth) -> usize {
    match width {
        PaperWidth::W32 => 384,
        PaperWidth::W42 => 512,
        PaperWidth::W48 => 576,
    }
}

/// The receipt's page blocks: its layout, one block each.
pub fn receipt_blocks(receipt: &Receipt, width: PaperWidth) -> Vec<PageBlock> {
    layout(receipt, width)
        .into_iter()
        .map(|block| match block {
            Block::Text { text, style } => PageBlock::Text { text, style },
            Block::Qr(data) => PageBlock::Qr(data),
            Block::Barcode(data) => PageBlock::Barcode(data),
        })
        .collect()
}

/// The receipt as the printer would print it.
pub fn receipt_page(receipt: &Receipt, width: PaperWidth) -> Bitmap {
    draw_page(&receipt_blocks(receipt, width), width)
}

/// Draws `blocks` one below the other on paper `width` dots wide.
pub fn draw_page(blocks: &[PageBlock], width: PaperWidth) -> Bitmap {
    let paper = paper_dots(width);
    let mut parts: Vec<(Bitmap, usize)> = Vec::with_capacity(blocks.len() + 4);
    for block in blocks {
        match block {
            PageBlock::Text { text, style } => parts.push(text_part(text, *style, paper)),
            PageBlock::Qr(data) => {
                parts.push(centred(qr(data), paper));
                // The ESC/POS renderer ends the code with a line feed.
                parts.push(blank());
            }
            PageBlock::Barcode(data) => {
                parts.push(centred(code128(data, paper), paper));
                parts.push(text_part(data, CENTER, paper));
                parts.push(blank());
            }
            PageBlock::Bars(bars) => parts.extend(bar_chart(bars, width)),
        }
    }
    let height = parts.iter().map(|(b, _)| b.height()).sum();
    let mut page = Bitmap::new(paper, height);
    let mut y = 0;
    for (part, x) in parts {
        page.draw(&part, x, y);
        y += part.height();
    }
    page
}

const CENTER: LineStyle = LineStyle {
    align: Align::Center,
    bold: false,
    double_height: false,
};

fn blank() -> (Bitmap, usize) {
    (Bitmap::new(0, LINE_PITCH), 0)
}

/// A text line at printer resolution and its left edge. A centred image is centred by its
/// whole bytes, as the printer centres a `GS v 0` image.
fn text_part(text: &str, style: LineStyle, paper: usize) -> (Bitmap, usize) {
    let image = line_image(text, style).bitmap;
    if image.width() == 0 {
        let pitch = image.height() * DOT_SCALE;
        return (Bitmap::new(0, pitch), 0);
    }
    let printed = image.stride() * 8 * DOT_SCALE;
    let x = match style.align {
        Align::Left => 0,
        Align::Center => paper.saturating_sub(printed) / 2,
    };
    (image.scaled(DOT_SCALE), x)
}

fn centred(image: Bitmap, paper: usize) -> (Bitmap, usize) {
    let x = paper.saturating_sub(image.width()) / 2;
    (image, x)
}

/// The QR code at level M, as the ESC/POS renderer asks the printer for it. A payload too long
/// for any QR version draws nothing (the printer would print nothing either).
fn qr(data: &str) -> Bitmap {
    let Ok(code) = QrCode::with_error_correction_level(data.as_bytes(), EcLevel::M) else {
        return Bitmap::new(0, 0);
    };
    let n = code.width();
    let colors = code.to_colors();
    let mut out = Bitmap::new(n * QR_MODULE, n * QR_MODULE);
    for (i, color) in colors.iter().enumerate() {
        if *color == Color::Dark {
            out.fill(
                (i % n) * QR_MODULE,
                (i / n) * QR_MODULE,
                QR_MODULE,
                QR_MODULE,
            );
        }
    }
    out
}

/// CODE128 set B bars. A code wider than the paper at 2 dots a module is drawn at 1 dot (a
/// 58 mm printer would refuse it; the picture keeps it scannable instead).
fn code128(data: &str, paper: usize) -> Bitmap {
    let Ok(code) = barcoders::sym::code128::Code128::new(format!("\u{0181}{data}")) else {
        return Bitmap::new(0, 0);
    };
    let modules = code.encode();
    let module = if modules.len() * BAR_MODULE <= paper {
        BAR_MODULE
    } else {
        1
    };
    let mut out = Bitmap::new(modules.len() * module, BAR_HEIGHT);
    for (i, bar) in modules.iter().enumerate() {
        if *bar == 1 {
            out.fill(i * module, 0, module, BAR_HEIGHT);
        }
    }
    out
}

/// Bars as lines: the label padded to the longest, then a bar up to the paper's right edge.
fn bar_chart(bars: &[Bar], width: PaperWidth) -> Vec<(Bitmap, usize)> {
    let paper = paper_dots(width);
    let label_cols = bars
        .iter()
        .map(|b| super::width::width(&b.label))
        .max()
        .unwrap_or(0)
        + 1;
    let max = bars.iter().map(|b| b.value).max().unwrap_or(0).max(1);
    let room = paper.saturating_sub(label_cols * CELL_W);
    bars.iter()
        .map(|bar| {
            let label = line_image(&bar.label, LineStyle::default()).bitmap;
            let mut line = Bitmap::new(paper, LINE_PITCH);
            line.draw(&label.scaled(DOT_SCALE), 0, 0);
            // u64 -> usize through u128 so a huge value cannot overflow the product.
            let len = (u128::from(bar.value) * room as u128 / u128::from(max)) as usize;
            line.fill(label_cols * CELL_W, 4, len, CELL_H - 6);
            (line, 0)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::receipt::samples;

    #[test]
    fn a_page_is_as_wide_as_the_paper_at_eight_dots_a_mm() {
        for (w, dots) in [
            (PaperWidth::W32, 384),
            (PaperWidth::W42, 512),
            (PaperWidth::W48, 576),
        ] {
            assert_eq!(receipt_page(&samples::cash_sale(), w).width(), dots);
        }
    }

    #[test]
    fn text_lines_take_one_pitch_each_and_codes_their_own_height() {
        let text = |t: &str| PageBlock::Text {
            text: t.into(),
            style: LineStyle::default(),
        };
        let page = draw_page(&[text("a"), text(""), text("b")], PaperWidth::W32);
        assert_eq!(page.height(), 3 * LINE_PITCH);
        let with_qr = draw_page(&[PageBlock::Qr("QRT-1".into())], PaperWidth::W32);
        // Version 1 is 21 modules; then one blank line.
        assert_eq!(with_qr.height(), 21 * QR_MODULE + LINE_PITCH);
    }

    #[test]
    fn a_barcode_has_its_bars_and_its_text_below() {
        let page = draw_page(&[PageBlock::Barcode("QRT-1".into())], PaperWidth::W48);
        assert_eq!(page.height(), BAR_HEIGHT + 2 * LINE_PITCH);
        // CODE128: start (11) + 5 data (55) + check (11) + stop (13) = 90 modules of 2 dots.
        let x0 = (576 - 180) / 2;
        assert!(page.get(x0, 0) && page.get(x0 + 1, BAR_HEIGHT - 1));
        assert!(!page.get(x0 - 1, 0) && !page.get(x0 + 180, 0));
    }

    #[test]
    fn bars_are_as_long_as_their_share_of_the_largest() {
        let bars = vec![
            Bar {
                label: "09h".into(),
                value: 2,
            },
            Bar {
                label: "10h".into(),
                value: 4,
            },
        ];
        let page = draw_page(&[PageBlock::Bars(bars)], PaperWidth::W32);
        let run = |y: usize| (0..384).filter(|&x| x >= 48 && page.get(x, y)).count();
        let (half, full) = (run(12), run(LINE_PITCH + 12));
        assert_eq!(full, 384 - 4 * CELL_W);
        assert_eq!(half, full / 2);
    }
}
