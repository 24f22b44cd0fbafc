//! Every label printed on a slip, in one table: English plus the second languages.
//! A later gettext/fluent layer replaces this table and nothing else.

use super::model::Lang;

/// A printed label. The discriminant indexes `TABLE`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Label {
    Store,
    Lane,
    Terminal,
    Sale,
    Cashier,
    Subtotal,
    Total,
    Cash,
    Change,
    Wallet,
    WalletTxn,
    Account,
    Amount,
    WalletDiscount,
    MerchantDiscount,
    WalletFunded,
    MerchantFunded,
    CustomerPaid,
    Rate,
    MerchantReceives,
    Card,
    CardNumber,
    Aid,
    AuthCode,
    Status,
    Approved,
    NotPaid,
    Reference,
    KeepForRefunds,
}

/// One row: English, Simplified Chinese, Traditional Chinese, Korean.
struct Row {
    en: &'static str,
    zh_hans: &'static str,
    zh_hant: &'static str,
    ko: &'static str,
}

const fn row(
    en: &'static str,
    zh_hans: &'static str,
    zh_hant: &'static str,
    ko: &'static str,
) -> Row {
    Row {
        en,
        zh_hans,
        zh_hant,
        ko,
    }
}

/// In the order of `Label`.
const TABLE: [Row; 29] = [
    row("Store", "门店", "門市", "매장"),
    row("Lane", "收银台", "收銀台", "계산대"),
    row("Term", "终端", "終端", "단말기"),
    row("SALE", "消费", "消費", "판매"),
    row("Cashier", "收银员", "收銀員", "계산원"),
    row("Subtotal", "小计", "小計", "소계"),
    row("TOTAL", "合计", "合計", "합계"),
    row("Cash", "现金", "現金", "현금"),
    row("Change", "找零", "找續", "거스름돈"),
    row("Wallet", "钱包", "錢包", "지갑"),
    row("Wallet txn", "交易号", "交易編號", "거래번호"),
    row("Account", "付款账户", "付款賬戶", "결제계정"),
    row("Amount", "金额", "金額", "금액"),
    row("Wallet discount", "钱包优惠", "錢包優惠", "지갑 할인"),
    row("Store discount", "商户优惠", "商戶優惠", "매장 할인"),
    row("(wallet-funded)", "(钱包承担)", "(錢包承擔)", "(지갑 부담)"),
    row("(store-funded)", "(商户承担)", "(商戶承擔)", "(매장 부담)"),
    row("Customer paid", "实付", "實付", "결제금액"),
    row("Rate", "汇率", "匯率", "환율"),
    row("Merchant receives", "商户实收", "商戶實收", "가맹점 정산"),
    row("Card", "银行卡", "銀行卡", "카드"),
    row("Card no.", "卡号", "卡號", "카드번호"),
    row("AID", "应用标识", "應用標識", "AID"),
    row("Auth code", "授权码", "授權碼", "승인번호"),
    row("Status", "状态", "狀態", "상태"),
    row("APPROVED", "支付成功", "支付成功", "승인"),
    row("NOT PAID", "未支付", "未支付", "미결제"),
    row("Ref", "单号", "單號", "참조번호"),
    row(
        "Keep this receipt for refunds",
        "退款请保留此小票",
        "退款請保留此收據",
        "환불 시 영수증을 지참하세요",
    ),
];

impl Label {
    fn row(self) -> &'static Row {
        &TABLE[self as usize]
    }

    /// The English text.
    pub fn en(self) -> &'static str {
        self.row().en
    }

    /// The text in `lang` alone (English for `Lang::En`).
    pub fn local(self, lang: Lang) -> &'static str {
        let r = self.row();
        match lang {
            Lang::En => r.en,
            Lang::ZhHans => r.zh_hans,
            Lang::ZhHant => r.zh_hant,
            Lang::Ko => r.ko,
        }
    }

    /// English plus the second language on the same line: `TOTAL 合计`; just `TOTAL` in English.
    pub fn bilingual(self, lang: Lang) -> String {
        let local = self.local(lang);
        if lang == Lang::En || local == self.en() {
            self.en().to_string()
        } else {
            format!("{} {}", self.en(), local)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL: [Label; 29] = [
        Label::Store,
        Label::Lane,
        Label::Terminal,
        Label::Sale,
        Label::Cashier,
        Label::Subtotal,
        Label::Total,
        Label::Cash,
        Label::Change,
        Label::Wallet,
        Label::WalletTxn,
        Label::Account,
        Label::Amount,
        Label::WalletDiscount,
        Label::MerchantDiscount,
        Label::WalletFunded,
        Label::MerchantFunded,
        Label::CustomerPaid,
        Label::Rate,
        Label::MerchantReceives,
        Label::Card,
        Label::CardNumber,
        Label::Aid,
        Label::AuthCode,
        Label::Status,
        Label::Approved,
        Label::NotPaid,
        Label::Reference,
        Label::KeepForRefunds,
    ];

    #[test]
    fn table_rows_line_up_with_labels() {
        assert_eq!(Label::Total.bilingual(Lang::ZhHans), "TOTAL 合计");
        assert_eq!(Label::Total.bilingual(Lang::ZhHant), "TOTAL 合計");
        assert_eq!(Label::Total.bilingual(Lang::Ko), "TOTAL 합계");
        assert_eq!(Label::Total.bilingual(Lang::En), "TOTAL");
        assert_eq!(Label::KeepForRefunds.en(), "Keep this receipt for refunds");
        assert_eq!(Label::Aid.bilingual(Lang::Ko), "AID");
    }

    #[test]
    fn every_label_has_every_language() {
        for label in ALL {
            for lang in Lang::ALL {
                assert!(!label.local(lang).is_empty(), "{label:?} {lang}");
            }
            // Second languages are really translated, except where the term is universal.
            if label != Label::Aid {
                assert_ne!(label.local(Lang::ZhHans), label.en(), "{label:?}");
            }
        }
    }
}
