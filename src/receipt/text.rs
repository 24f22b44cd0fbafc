//! Plain-text receipt: for stdout, for the TUI receipt screen, and for `screen` printers.

use super::layout::{Block, PaperWidth, layout, text_line};
use super::model::Receipt;

/// The slip as text lines, none wider than `width` display columns. The QR code and barcode
/// are paper-only; the text carries the sale reference on its `Ref` line instead.
pub fn render_text(receipt: &Receipt, width: PaperWidth) -> Vec<String> {
    let w = width.columns();
    layout(receipt, width)
        .into_iter()
        .filter_map(|block| match block {
            Block::Text { text, style } => Some(text_line(&text, style, w)),
            Block::Qr(_) | Block::Barcode(_) => None,
        })
        .collect()
}

/// The slip as one string with a newline after every line.
pub fn render_text_string(receipt: &Receipt, width: PaperWidth) -> String {
    let mut out = String::new();
    for line in render_text(receipt, width) {
        out.push_str(&line);
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::receipt::samples;
    use crate::receipt::width::width;

    #[test]
    fn no_sample_line_is_wider_than_the_paper() {
        for (name, r) in samples::all() {
            for w in PaperWidth::ALL {
                for line in render_text(&r, w) {
                    assert!(width(&line) <= w.columns(), "{name} {w:?}: {line}");
                }
            }
        }
    }

    #[test]
    fn unpaid_slip_says_not_paid_in_both_languages() {
        let mut r = samples::wechat_sale();
        r.status = crate::receipt::ReceiptStatus::NotPaid;
        let lines = render_text(&r, PaperWidth::W42);
        assert!(lines.iter().any(|l| l.ends_with("NOT PAID 未支付")));
        assert!(!lines.iter().any(|l| l.contains("APPROVED")));
        let blocks = crate::receipt::layout::layout(&r, PaperWidth::W42);
        let status_style = blocks.iter().find_map(|b| match b {
            crate::receipt::Block::Text { text, style } if text.contains("NOT PAID") => {
                Some(*style)
            }
            _ => None,
        });
        assert!(status_style.is_some_and(|s| s.bold && s.double_height));
    }

    #[test]
    fn english_only_slip_has_no_second_language() {
        let mut r = samples::kakao_pay_sale();
        r.lang = crate::receipt::Lang::En;
        let text = render_text(&r, PaperWidth::W48).join("\n");
        assert!(text.contains("TOTAL") && !text.contains("합계"));
    }
}
