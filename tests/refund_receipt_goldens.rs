//! Golden refund slips: text at 32 and 48 columns in each shopper language, and ESC/POS as a
//! hex dump (cash, with the drawer kick; wallet, without). `UPDATE_GOLDEN=1 cargo test --test
//! refund_receipt_goldens` rewrites them after review.

use crate::common;

use common::golden::{assert_golden, hex_dump};
use qrtill::receipt::refund::{render_refund_escpos, render_refund_text, sample};
use qrtill::receipt::{EscPosOptions, Lang, PaperWidth, PrinterCharset};

#[test]
fn refund_slips_match_their_goldens() {
    for (name, lang, cash) in [
        ("refund_alipay", Lang::ZhHans, false),
        ("refund_alipay_hk", Lang::ZhHant, false),
        ("refund_kakao_pay", Lang::Ko, false),
        ("refund_cash", Lang::En, true),
    ] {
        for width in [PaperWidth::W32, PaperWidth::W48] {
            let text = render_refund_text(&sample(lang, cash), width);
            assert_golden(&format!("{name}.w{}.txt", width.columns()), &text);
        }
        let charset = PrinterCharset::suited_to(lang);
        let out = render_refund_escpos(
            &sample(lang, cash),
            EscPosOptions {
                width: PaperWidth::W42,
                charset,
                reprint: false,
                ..Default::default()
            },
        )
        .expect("renders");
        assert!(
            out.replaced.is_empty(),
            "{name}: {:?}",
            out.warning(charset)
        );
        assert_golden(&format!("{name}.w42.escpos.hex"), &hex_dump(&out.bytes));
    }
}
