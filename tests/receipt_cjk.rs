//! CJK on paper: the double-byte bytes decode back (with encoding_rs) to the original text,
//! and display widths line up on every slip.

use crate::common;

use common::escpos_decoder::{decode, text_lines};
use encoding_rs::{BIG5, EUC_KR, GB18030};
use qrtill::receipt::escpos::{FS_CJK_OFF, FS_CJK_ON, encode_text};
use qrtill::receipt::width::width;
use qrtill::receipt::{
    EscPosOptions, Lang, PaperWidth, PrinterCharset, Receipt, TextMode, render_escpos, render_text,
    samples,
};

/// The bytes inside `FS & .. FS .` runs, concatenated.
fn double_byte_runs(bytes: &[u8]) -> Vec<Vec<u8>> {
    let mut runs = Vec::new();
    let mut rest = bytes;
    while let Some(start) = rest.windows(2).position(|w| w == FS_CJK_ON) {
        let after = &rest[start + 2..];
        let end = after
            .windows(2)
            .position(|w| w == FS_CJK_OFF)
            .unwrap_or(after.len());
        runs.push(after[..end].to_vec());
        rest = &after[end.min(after.len())..];
    }
    runs
}

#[test]
fn gb18030_bytes_decode_back_to_simplified_chinese() {
    let text = "合计 退款请保留此小票 珍珠奶茶";
    let (bytes, lost) = encode_text(text, PrinterCharset::Gb18030);
    assert!(lost.is_empty());
    let runs = double_byte_runs(&bytes);
    let decoded: Vec<String> = runs
        .iter()
        .map(|r| GB18030.decode_without_bom_handling(r).0.into_owned())
        .collect();
    assert_eq!(decoded, ["合计", "退款请保留此小票", "珍珠奶茶"]);
}

#[test]
fn big5_bytes_decode_back_to_traditional_chinese() {
    let text = "合計 退款請保留此收據 港式奶茶";
    let (bytes, lost) = encode_text(text, PrinterCharset::Big5);
    assert!(lost.is_empty(), "{lost:?}");
    let decoded: Vec<String> = double_byte_runs(&bytes)
        .iter()
        .map(|r| BIG5.decode_without_bom_handling(r).0.into_owned())
        .collect();
    assert_eq!(decoded, ["合計", "退款請保留此收據", "港式奶茶"]);
}

#[test]
fn euc_kr_bytes_decode_back_to_korean() {
    let text = "합계 환불 시 영수증을 지참하세요";
    let (bytes, lost) = encode_text(text, PrinterCharset::EucKr);
    assert!(lost.is_empty());
    let decoded: Vec<String> = double_byte_runs(&bytes)
        .iter()
        .map(|r| EUC_KR.decode_without_bom_handling(r).0.into_owned())
        .collect();
    assert_eq!(decoded, ["합계", "환불", "시", "영수증을", "지참하세요"]);
}

#[test]
fn whole_slips_decode_back_in_their_printer_charset() {
    for (name, receipt) in samples::all() {
        let charset = PrinterCharset::suited_to(receipt.lang);
        let out = render_escpos(
            &receipt,
            EscPosOptions {
                width: PaperWidth::W42,
                charset,
                reprint: false,
                text: TextMode::default(),
            },
        )
        .expect("renders");
        assert!(out.replaced.is_empty(), "{name}");
        // No UTF-8 multibyte lead bytes may leak outside the double-byte mode.
        let items = decode(&out.bytes, charset.encoding()).expect("decodes");
        let printed = text_lines(&items).join("\n");
        for label in ["TOTAL", "Ref"] {
            assert!(printed.contains(label), "{name}");
        }
        match receipt.lang {
            Lang::ZhHans => {
                assert!(printed.contains("合计") && printed.contains("退款请保留此小票"))
            }
            Lang::ZhHant => {
                assert!(printed.contains("合計") && printed.contains("退款請保留此收據"))
            }
            Lang::Ko => assert!(printed.contains("합계") && printed.contains("지참하세요")),
            Lang::En => assert!(!out.bytes.windows(2).any(|w| w == FS_CJK_ON)),
        }
    }
}

fn every_slip() -> Vec<(String, Receipt)> {
    let mut all = Vec::new();
    for (name, receipt) in samples::all() {
        for lang in Lang::ALL {
            let mut r = receipt.clone();
            r.lang = lang;
            all.push((format!("{name}/{lang}"), r));
        }
    }
    all
}

#[test]
fn no_line_is_wider_than_the_paper_in_any_language() {
    for (name, receipt) in every_slip() {
        for width_choice in PaperWidth::ALL {
            let cols = width_choice.columns();
            for line in render_text(&receipt, width_choice) {
                assert!(width(&line) <= cols, "{name} {cols}: {line:?}");
            }
        }
    }
}

#[test]
fn amounts_end_on_the_same_right_edge() {
    // Every line that ends in an amount (digits after a currency code or a bare price) is
    // exactly the paper width, so the right edges line up whatever CJK is to the left.
    for (name, receipt) in every_slip() {
        for width_choice in PaperWidth::ALL {
            let cols = width_choice.columns();
            let lines = render_text(&receipt, width_choice);
            let totals: Vec<String> = receipt.lines.iter().map(|l| l.line_total.plain()).collect();
            let money_lines: Vec<&String> = lines
                .iter()
                .filter(|l| {
                    let tokens: Vec<&str> = l.split_whitespace().collect();
                    let [.., before, last] = tokens.as_slice() else {
                        return false;
                    };
                    let is_code =
                        before.len() == 3 && before.chars().all(|c| c.is_ascii_uppercase());
                    (is_code && is_amount(last.trim_start_matches('-')))
                        || totals.iter().any(|t| t == last)
                })
                .collect();
            assert!(money_lines.len() >= 4, "{name} {cols}: {money_lines:?}");
            for l in money_lines {
                assert_eq!(width(l), cols, "{name} {cols}: {l:?}");
            }
        }
    }
}

#[test]
fn printed_cjk_takes_the_same_columns_as_on_screen() {
    // On the printer a double-byte glyph is two columns, one-byte text one column: the printed
    // width of a line is therefore (bytes outside FS & runs) + (bytes inside runs).
    for (name, receipt) in samples::all() {
        let charset = PrinterCharset::suited_to(receipt.lang);
        for width_choice in PaperWidth::ALL {
            let out = render_escpos(
                &receipt,
                EscPosOptions {
                    width: width_choice,
                    charset,
                    reprint: false,
                    text: TextMode::default(),
                },
            )
            .expect("renders");
            let items = decode(&out.bytes, charset.encoding()).expect("decodes");
            for line in text_lines(&items) {
                let (encoded, _) = encode_text(&line, charset);
                let columns = encoded.len() - 4 * double_byte_runs(&encoded).len();
                assert_eq!(columns, width(&line), "{name}: {line:?}");
                assert!(columns <= width_choice.columns());
            }
        }
    }
}

fn is_amount(s: &str) -> bool {
    s.chars().any(|c| c.is_ascii_digit()) && s.chars().all(|c| c.is_ascii_digit() || c == '.')
}
