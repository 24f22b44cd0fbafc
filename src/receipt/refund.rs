//! The refund (and post-void) slip: "REFUND" in English and the shopper's language, negative
//! amounts, the original sale's reference, the refunded lines, and for wallets both currencies
//! with the rate booked at payment time. Plain text and ESC/POS share one layout; ESC/POS kicks
//! the drawer for cash refunds only.

use super::escpos::{EscPosError, EscPosOptions, EscPosReceipt, render_blocks_escpos};
use super::labels::Label;
use super::layout::{Align, Block, LineStyle, PaperWidth, text_line};
use super::model::{Lang, ReceiptTime, ReportedRate};
use super::width::{key_value, wrap};
use crate::money::Money;

/// Everything printed on a refund slip; amounts are positive here and printed negative.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefundSlip {
    pub store_name: String,
    pub address_lines: Vec<String>,
    pub store_id: String,
    pub lane_id: String,
    pub terminal_id: String,
    pub cashier: String,
    pub refund_number: u64,
    /// A post-void rather than a refund.
    pub void: bool,
    pub time: ReceiptTime,
    /// The original sale's reference (as on its receipt) and number.
    pub sale_reference: String,
    pub sale_number: u64,
    pub reason: String,
    pub lines: Vec<RefundSlipLine>,
    pub tax: Money,
    pub total: Money,
    pub tender: RefundTender,
    /// Settled, refused or still open, in words.
    pub status: RefundSlipStatus,
    /// What had gone back on the sale before and including this refund.
    pub refunded_so_far: Money,
    pub refund_request_id: String,
    pub lang: Lang,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefundSlipLine {
    pub name: String,
    pub qty: u32,
    pub amount: Money,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefundTender {
    Cash,
    Card {
        brand: String,
        masked_pan: String,
    },
    Wallet {
        brand: String,
        /// Returned to the shopper in the wallet currency, as the wallet reported it.
        wallet_amount: Option<Money>,
        /// The rate booked at payment time.
        rate: Option<ReportedRate>,
        /// The network's id for the refund (or the cancel).
        network_id: Option<String>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefundSlipStatus {
    Refunded,
    /// Refused by the network: the code and its advice.
    Refused(String),
    /// No answer yet: asked again with the same id later.
    Open,
}

/// Refund-only labels: English, Simplified Chinese, Traditional Chinese, Korean.
const REFUND: [&str; 4] = ["REFUND", "退款", "退款", "환불"];
const VOID: [&str; 4] = ["VOID", "撤销", "撤銷", "취소"];
const ORIGINAL: [&str; 4] = ["Original sale", "原交易", "原交易", "원거래"];
const REASON: [&str; 4] = ["Reason", "原因", "原因", "사유"];
const TAX: [&str; 4] = ["Tax", "税额", "稅額", "세금"];
const BACK: [&str; 4] = ["Customer refunded", "退还顾客", "退還顧客", "고객 환불액"];
const SO_FAR: [&str; 4] = ["Refunded so far", "累计退款", "累計退款", "누적 환불"];
const REFUND_ID: [&str; 4] = ["Refund id", "退款单号", "退款單號", "환불번호"];
const DONE: [&str; 4] = ["REFUNDED", "退款成功", "退款成功", "환불 완료"];
const REFUSED: [&str; 4] = ["REFUSED", "退款失败", "退款失敗", "환불 거절"];
const OPEN: [&str; 4] = ["PENDING", "处理中", "處理中", "처리 중"];

fn bilingual(row: [&str; 4], lang: Lang) -> String {
    let local = match lang {
        Lang::En => return row[0].to_string(),
        Lang::ZhHans => row[1],
        Lang::ZhHant => row[2],
        Lang::Ko => row[3],
    };
    format!("{} {local}", row[0])
}

/// `-USD 4.89`: refunds print as negative amounts.
fn negative(m: &Money) -> String {
    if m.is_zero() {
        m.with_code()
    } else {
        format!("{} -{}", m.currency().code(), m.plain())
    }
}

struct Out {
    w: usize,
    blocks: Vec<Block>,
}

impl Out {
    fn push(&mut self, text: String, style: LineStyle) {
        self.blocks.push(Block::Text { text, style });
    }

    fn centered(&mut self, text: &str, bold: bool, double_height: bool) {
        let style = LineStyle {
            align: Align::Center,
            bold,
            double_height,
        };
        for line in wrap(text, self.w) {
            self.push(line, style);
        }
    }

    fn kv(&mut self, left: &str, right: &str) {
        for line in key_value(left, right, self.w) {
            self.push(line, LineStyle::default());
        }
    }

    fn rule(&mut self, c: char) {
        self.push(c.to_string().repeat(self.w), LineStyle::default());
    }
}

/// Lays out the refund slip for `width`.
pub fn layout_refund(s: &RefundSlip, width: PaperWidth) -> Vec<Block> {
    let lang = s.lang;
    let mut o = Out {
        w: width.columns(),
        blocks: Vec::new(),
    };
    o.centered(&s.store_name, true, true);
    for line in &s.address_lines {
        o.centered(line, false, false);
    }
    o.centered(
        &format!(
            "{} {}  {} {}  {} {}",
            Label::Store.en(),
            s.store_id,
            Label::Lane.en(),
            s.lane_id,
            Label::Terminal.en(),
            s.terminal_id
        ),
        false,
        false,
    );
    let title = bilingual(if s.void { VOID } else { REFUND }, lang);
    o.centered(&title, true, true);
    o.kv(
        &format!("{title} #{}", s.refund_number),
        &s.time.formatted(),
    );
    o.kv(&bilingual(ORIGINAL, lang), &format!("#{}", s.sale_number));
    o.kv(&Label::Reference.bilingual(lang), &s.sale_reference);
    o.kv(&Label::Cashier.bilingual(lang), &s.cashier);
    o.kv(&bilingual(REASON, lang), &s.reason);
    o.rule('=');
    for l in &s.lines {
        o.kv(&format!("{} x{}", l.name, l.qty), &negative(&l.amount));
    }
    o.rule('-');
    o.kv(&bilingual(TAX, lang), &negative(&s.tax));
    o.kv(&Label::Total.bilingual(lang), &negative(&s.total));
    o.rule('-');
    match &s.tender {
        RefundTender::Cash => o.kv(&Label::Cash.bilingual(lang), &negative(&s.total)),
        RefundTender::Card { brand, masked_pan } => {
            o.kv(&Label::Card.bilingual(lang), brand);
            o.kv(&Label::CardNumber.bilingual(lang), masked_pan);
        }
        RefundTender::Wallet {
            brand,
            wallet_amount,
            rate,
            network_id,
        } => {
            o.kv(&Label::Wallet.bilingual(lang), brand);
            o.kv(&Label::Amount.bilingual(lang), &negative(&s.total));
            if let Some(m) = wallet_amount {
                o.kv(&bilingual(BACK, lang), &negative(m));
            }
            if let Some(r) = rate {
                o.kv(&Label::Rate.bilingual(lang), &r.describe());
            }
            if let Some(id) = network_id {
                o.kv(&Label::WalletTxn.bilingual(lang), id);
            }
        }
    }
    o.kv(&bilingual(SO_FAR, lang), &negative(&s.refunded_so_far));
    o.kv(&bilingual(REFUND_ID, lang), &s.refund_request_id);
    o.rule('-');
    let status = match &s.status {
        RefundSlipStatus::Refunded => bilingual(DONE, lang),
        RefundSlipStatus::Refused(_) => bilingual(REFUSED, lang),
        RefundSlipStatus::Open => bilingual(OPEN, lang),
    };
    o.kv(&Label::Status.bilingual(lang), &status);
    if let RefundSlipStatus::Refused(why) = &s.status {
        for line in wrap(why, o.w) {
            o.push(line, LineStyle::default());
        }
    }
    o.blocks.push(Block::Barcode(s.sale_reference.clone()));
    o.blocks
}

/// The refund slip as text lines, none wider than the paper.
pub fn render_refund_text(s: &RefundSlip, width: PaperWidth) -> String {
    let w = width.columns();
    let mut out = String::new();
    for block in layout_refund(s, width) {
        if let Block::Text { text, style } = block {
            out.push_str(&text_line(&text, style, w));
            out.push('\n');
        }
    }
    out
}

/// The refund slip as ESC/POS; the drawer opens for a settled cash refund only (never on a
/// reprint).
pub fn render_refund_escpos(
    s: &RefundSlip,
    opts: EscPosOptions,
) -> Result<EscPosReceipt, EscPosError> {
    let kick = matches!(s.tender, RefundTender::Cash)
        && s.status == RefundSlipStatus::Refunded
        && !opts.reprint;
    render_blocks_escpos(layout_refund(s, opts.width), opts, kick)
}

/// A sample slip for goldens and snapshots.
pub fn sample(lang: Lang, cash: bool) -> RefundSlip {
    use crate::money::Currency;
    let usd = |m: i64| Money::from_minor(m, Currency::USD).unwrap_or(Money::zero(Currency::USD));
    // The shopper's wallet by slip language, with its figures for USD 4.89 at a booked rate.
    let (brand, minor, currency, rate) = match lang {
        Lang::ZhHant => ("AlipayHK", 3839, Currency::HKD, "7.8515625"),
        Lang::Ko => ("Kakao Pay", 6725, Currency::KRW, "1375.242"),
        _ => ("Alipay", 3531, Currency::CNY, "7.2212265"),
    };
    let tender = if cash {
        RefundTender::Cash
    } else {
        RefundTender::Wallet {
            brand: brand.into(),
            wallet_amount: Money::from_minor(minor, currency).ok(),
            rate: Some(ReportedRate {
                rate: rate.parse().unwrap_or_default(),
                pair: format!("USD/{}", currency.code()),
            }),
            network_id: Some("2026113022001400000000000123".into()),
        }
    };
    RefundSlip {
        store_name: "MOONLIGHT CAFE".into(),
        address_lines: vec!["12 Harbour Rd".into()],
        store_id: "0007".into(),
        lane_id: "03".into(),
        terminal_id: "T0703".into(),
        cashier: "01".into(),
        refund_number: 2,
        void: false,
        time: ReceiptTime {
            at: crate::clock::Timestamp(1_795_300_325_000),
            utc_offset_minutes: -300,
        },
        sale_reference: "S0007-L03-000012".into(),
        sale_number: 12,
        reason: "Damaged".into(),
        lines: vec![RefundSlipLine {
            name: "Flat white 12oz".into(),
            qty: 1,
            amount: usd(450),
        }],
        tax: usd(39),
        total: usd(489),
        tender,
        status: RefundSlipStatus::Refunded,
        refunded_so_far: usd(489),
        refund_request_id: "RF03-12-1".into(),
        lang,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::receipt::escpos::DRAWER_KICK;
    use crate::receipt::width::width;

    fn kicks(bytes: &[u8]) -> bool {
        bytes.windows(DRAWER_KICK.len()).any(|w| w == DRAWER_KICK)
    }

    #[test]
    fn the_title_is_refund_in_the_shoppers_language() {
        for (lang, word) in [
            (Lang::ZhHans, "REFUND 退款"),
            (Lang::ZhHant, "REFUND 退款"),
            (Lang::Ko, "REFUND 환불"),
            (Lang::En, "REFUND"),
        ] {
            let text = render_refund_text(&sample(lang, false), PaperWidth::W42);
            assert!(text.lines().any(|l| l.trim() == word), "{lang}: {text}");
        }
    }

    #[test]
    fn amounts_are_negative_and_both_currencies_print_with_the_booked_rate() {
        let text = render_refund_text(&sample(Lang::ZhHans, false), PaperWidth::W48);
        for want in [
            "USD -4.50",
            "USD -4.89",
            "CNY -35.31",
            "1 USD = 7.2212265 CNY",
            "S0007-L03-000012",
        ] {
            assert!(text.contains(want), "{want} in {text}");
        }
        for line in text.lines() {
            assert!(width(line) <= 48, "{line}");
        }
    }

    #[test]
    fn only_a_settled_cash_refund_kicks_the_drawer() {
        let opts = EscPosOptions::default();
        let cash = render_refund_escpos(&sample(Lang::En, true), opts).unwrap();
        assert!(kicks(&cash.bytes));
        let wallet = render_refund_escpos(&sample(Lang::ZhHans, false), opts).unwrap();
        assert!(!kicks(&wallet.bytes));
        let mut refused = sample(Lang::En, true);
        refused.status = RefundSlipStatus::Refused("X".into());
        assert!(!kicks(&render_refund_escpos(&refused, opts).unwrap().bytes));
        let reprint = EscPosOptions {
            reprint: true,
            ..opts
        };
        assert!(!kicks(
            &render_refund_escpos(&sample(Lang::En, true), reprint)
                .unwrap()
                .bytes
        ));
    }
}
