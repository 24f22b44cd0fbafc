//! Golden receipts: text at 32/42/48 columns, ESC/POS as a hex dump, and the same bytes read
//! back by the test decoder. `UPDATE_GOLDEN=1 cargo test --test suite receipt_goldens::` rewrites them.

use crate::common;

use common::escpos_decoder::{decode, text_lines, to_text};
use common::golden::{assert_golden, hex_dump};
use qrtill::receipt::{
    EscPosOptions, PaperWidth, PrinterCharset, render_escpos, render_text, render_text_string,
    samples,
};

fn escpos_for(name: &str, width: PaperWidth) -> (Vec<u8>, PrinterCharset) {
    let receipt = samples::all()
        .into_iter()
        .find(|(n, _)| *n == name)
        .map(|(_, r)| r)
        .expect("sample exists");
    let charset = PrinterCharset::suited_to(receipt.lang);
    let out = render_escpos(
        &receipt,
        EscPosOptions {
            width,
            charset,
            ..Default::default()
        },
    )
    .expect("renders");
    assert!(
        out.replaced.is_empty(),
        "{name}: {:?}",
        out.warning(charset)
    );
    (out.bytes, charset)
}

#[test]
fn text_receipts_match_their_goldens_at_every_width() {
    for (name, receipt) in samples::all() {
        for width in PaperWidth::ALL {
            let text = render_text_string(&receipt, width);
            assert_golden(&format!("{name}.w{}.txt", width.columns()), &text);
        }
    }
}

#[test]
fn escpos_receipts_match_their_hex_and_decoded_goldens() {
    for (name, _) in samples::all() {
        for width in [PaperWidth::W32, PaperWidth::W48] {
            let (bytes, charset) = escpos_for(name, width);
            let stem = format!("{name}.w{}", width.columns());
            assert_golden(&format!("{stem}.escpos.hex"), &hex_dump(&bytes));
            let items = decode(&bytes, charset.encoding()).expect("decodes");
            assert_golden(&format!("{stem}.escpos.txt"), &to_text(&items));
        }
    }
}

#[test]
fn printed_text_reads_back_as_the_screen_text() {
    for (name, receipt) in samples::all() {
        for width in PaperWidth::ALL {
            let (bytes, charset) = escpos_for(name, width);
            let items = decode(&bytes, charset.encoding()).expect("decodes");
            let printed: Vec<String> = text_lines(&items)
                .into_iter()
                .map(|l| l.trim().to_string())
                .collect();
            let screen: Vec<String> = render_text(&receipt, width)
                .into_iter()
                .map(|l| l.trim().to_string())
                .collect();
            // The paper has one extra line feed after the QR code and one after the barcode.
            let printed: Vec<String> = printed.into_iter().filter(|l| !l.is_empty()).collect();
            let screen: Vec<String> = screen.into_iter().filter(|l| !l.is_empty()).collect();
            assert_eq!(printed, screen, "{name} at {width:?}");
        }
    }
}

#[test]
fn decoded_slip_shows_styles_codes_drawer_and_cut() {
    let (bytes, charset) = escpos_for("cash", PaperWidth::W42);
    let text = to_text(&decode(&bytes, charset.encoding()).expect("decodes"));
    assert!(text.starts_with("[INIT]\n[CODEPAGE 19]\n"), "{text}");
    assert!(text.contains("[C][B][2H]|MOONLIGHT CAFE"), "{text}");
    assert!(text.contains("[B][2H]   |TOTAL"), "{text}");
    assert!(text.contains("[QR] QRT-0007-03-000121"), "{text}");
    assert!(
        text.contains("[BARCODE CODE128] QRT-0007-03-000121"),
        "{text}"
    );
    assert!(
        text.contains("[DRAWER pin2 on 50ms off 500ms]\n[CUT]\n"),
        "{text}"
    );

    let (bytes, charset) = escpos_for("card_tap", PaperWidth::W42);
    let text = to_text(&decode(&bytes, charset.encoding()).expect("decodes"));
    assert!(
        !text.contains("[DRAWER"),
        "card taps do not open the drawer"
    );
    assert!(text.ends_with("[CUT]\n"));
}

#[test]
fn decoder_rejects_unknown_commands_so_goldens_cannot_hide_them() {
    assert!(decode(&[0x1b, b'Z', 0], None).is_err());
    assert!(decode(&[0x1d, b'(', b'k', 200, 0], None).is_err());
    let items = decode(b"\x1b\x45\x01hi\n", None).expect("decodes");
    assert_eq!(to_text(&items), "[B]       |hi\n");
}
