//! Whatever a catalog calls an item (CJK, emoji, combining marks, control characters, very
//! long), no slip line is wider than the paper, on screen or on the printer.

use crate::common;

use common::escpos_decoder::{decode, images, text_lines};
use proptest::prelude::*;
use qrtill::receipt::escpos::encode_text;
use qrtill::receipt::width::width;
use qrtill::receipt::{
    EscPosOptions, Lang, PaperWidth, PrinterCharset, ReceiptLine, TextMode, render_escpos,
    render_text, samples,
};

fn glyph() -> impl Strategy<Value = char> {
    prop_oneof![
        4 => proptest::char::range(' ', '~'),
        3 => proptest::char::range('\u{4e00}', '\u{9fff}'),
        2 => proptest::char::range('\u{ac00}', '\u{d7a3}'),
        1 => proptest::char::range('\u{1f300}', '\u{1faff}'),
        1 => proptest::char::range('\u{0300}', '\u{036f}'),
        1 => prop::sample::select(vec!['\u{200d}', '\u{fe0f}', '\t', '\n', '\u{1b}', '⸻', 'é', '€']),
        1 => any::<char>(),
    ]
}

fn name() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::collection::vec(glyph(), 0..160).prop_map(|v| v.into_iter().collect()),
        any::<String>(),
    ]
}

fn paper() -> impl Strategy<Value = PaperWidth> {
    prop::sample::select(PaperWidth::ALL.to_vec())
}

fn lang() -> impl Strategy<Value = Lang> {
    prop::sample::select(Lang::ALL.to_vec())
}

proptest! {
    #[test]
    fn any_item_name_fits_the_paper(
        names in prop::collection::vec(name(), 1..4),
        qty in 1u32..1000,
        cashier in name(),
        store in name(),
        paper in paper(),
        lang in lang(),
    ) {
        let mut receipt = samples::alipay_fx_sale();
        receipt.lang = lang;
        receipt.cashier = cashier;
        receipt.store_name = store;
        let unit = receipt.lines[0].unit_price;
        receipt.lines = names
            .into_iter()
            .map(|name| ReceiptLine { name, qty, unit_price: unit, line_total: unit })
            .collect();
        let cols = paper.columns();
        for line in render_text(&receipt, paper) {
            prop_assert!(width(&line) <= cols, "{} > {}: {:?}", width(&line), cols, line);
            prop_assert!(!line.chars().any(char::is_control), "{:?}", line);
        }
        // On paper: every printed line, measured in printer columns, fits too, and so does every
        // raster line (12 dots a column, at most 576 dots). `native-only` is the text path alone.
        for charset in PrinterCharset::ALL {
            for text in [TextMode::Native, TextMode::Raster] {
                let out = render_escpos(&receipt, EscPosOptions { width: paper, charset, text, ..Default::default() });
                prop_assert!(out.is_ok());
                let bytes = out.map(|o| o.bytes).unwrap_or_default();
                let items = decode(&bytes, charset.encoding());
                prop_assert!(items.is_ok(), "{:?}", items);
                let items = items.unwrap_or_default();
                for line in text_lines(&items) {
                    prop_assert!(width(&line) <= cols, "{} on paper: {:?}", charset, line);
                }
                for image in images(&items) {
                    prop_assert!(image.width() <= cols * 12 + 8, "{} dots: {}", image.width(), cols);
                }
            }
        }
    }

    #[test]
    fn printed_text_never_takes_more_columns_than_its_display_width(
        text in name(),
        charset in prop::sample::select(PrinterCharset::ALL.to_vec()),
    ) {
        let clean: String = text.chars().filter(|c| !c.is_control()).collect();
        let (bytes, _) = encode_text(&clean, charset);
        // Printer columns: one per single byte, two per double-byte pair (= its two bytes).
        let mode_switches = bytes.windows(2).filter(|w| w[0] == 0x1c).count() * 2;
        let columns = bytes.len() - mode_switches;
        prop_assert!(columns <= width(&clean), "{} > {}: {:?}", columns, width(&clean), clean);
        prop_assert!(!bytes.iter().any(|&b| b < 0x20 && b != 0x1c), "{:02x?}", bytes);
    }
}
