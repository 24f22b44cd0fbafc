//! The one receipt model every renderer reads: plain data that any completed sale can fill in,
//! and that the journal can store as JSON.

use crate::clock::Timestamp;
use crate::money::{Decimal, Money};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Everything printed on a slip. Amounts are `Money`; the renderer never computes money, it only
/// prints what the sale (and the wallet) reported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Receipt {
    pub store_name: String,
    pub address_lines: Vec<String>,
    pub store_id: String,
    pub lane_id: String,
    pub terminal_id: String,
    pub cashier: String,
    pub sale_number: u64,
    pub time: ReceiptTime,
    pub lines: Vec<ReceiptLine>,
    pub taxes: Vec<TaxLine>,
    pub subtotal: Money,
    pub total: Money,
    pub tender: Tender,
    pub status: ReceiptStatus,
    /// Printed as text, as a QR code and as a CODE128 barcode, for refunds and lookup.
    pub sale_reference: String,
    /// Second language of the slip (English is always printed).
    pub lang: Lang,
}

/// When the sale happened, with the store's fixed UTC offset so the slip shows local time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReceiptTime {
    pub at: Timestamp,
    pub utc_offset_minutes: i32,
}

impl ReceiptTime {
    /// `2026-11-21 14:32:05` in the store's offset.
    pub fn formatted(&self) -> String {
        self.at.format_local(self.utc_offset_minutes)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReceiptLine {
    pub name: String,
    pub qty: u32,
    pub unit_price: Money,
    pub line_total: Money,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaxLine {
    pub label: String,
    /// Percent, e.g. `8.875` for 8.875 %.
    #[serde(with = "rust_decimal::serde::str")]
    pub rate_percent: Decimal,
    pub amount: Money,
}

/// How the shopper paid.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Tender {
    Cash {
        tendered: Money,
        change: Money,
    },
    Wallet(WalletTender),
    CardTap {
        brand: String,
        masked_pan: String,
        /// Application identifier in hex, e.g. `A0000000031010`.
        aid: String,
        auth_code: String,
    },
}

impl Tender {
    /// Cash sales open the drawer; nothing else does.
    pub fn is_cash(&self) -> bool {
        matches!(self, Tender::Cash { .. })
    }
}

/// A wallet payment as the wallet reported it; printed verbatim, never recomputed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WalletTender {
    /// `Alipay`, `AlipayHK`, `WeChat Pay`, `Kakao Pay`, ...
    pub brand: String,
    pub wallet_txn_id: String,
    pub masked_account: String,
    /// Order amount in the price (store) currency.
    pub price_amount: Money,
    /// What the shopper was debited, in the wallet currency.
    pub wallet_amount: Money,
    /// The wallet-reported rate; `None` when price and wallet currency are the same.
    pub rate: Option<ReportedRate>,
    pub promotion: Option<Promotion>,
    /// What the merchant is settled.
    pub settlement_amount: Money,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportedRate {
    /// Wallet units per one price unit, e.g. `7.1853` for USD/CNY.
    #[serde(with = "rust_decimal::serde::str")]
    pub rate: Decimal,
    /// `USD/CNY` (base/quote).
    pub pair: String,
}

impl ReportedRate {
    /// `1 USD = 7.1853 CNY` for a `BASE/QUOTE` pair, else `PAIR RATE`.
    pub fn describe(&self) -> String {
        match self.pair.split_once('/') {
            Some((base, quote)) if !base.is_empty() && !quote.is_empty() => {
                format!("1 {} = {} {}", base.trim(), self.rate, quote.trim())
            }
            _ => format!("{} {}", self.pair, self.rate),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Promotion {
    pub description: String,
    /// The saving, as a positive amount.
    pub amount: Money,
    pub funded_by: FundedBy,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FundedBy {
    /// The wallet pays the discount; the merchant is settled in full.
    Wallet,
    /// The merchant pays the discount; settlement is reduced.
    Merchant,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReceiptStatus {
    Approved,
    /// Printed only on request, for failed or cancelled payments.
    NotPaid,
}

/// The slip's second language. English is always printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub enum Lang {
    #[default]
    #[serde(rename = "en")]
    En,
    #[serde(rename = "zh-Hans")]
    ZhHans,
    #[serde(rename = "zh-Hant")]
    ZhHant,
    #[serde(rename = "ko")]
    Ko,
}

/// Store setting: whether slips follow the shopper's wallet or stay English only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SlipLanguage {
    /// Second language chosen from the wallet brand.
    #[default]
    ByWallet,
    EnglishOnly,
}

impl Lang {
    pub const ALL: [Lang; 4] = [Lang::En, Lang::ZhHans, Lang::ZhHant, Lang::Ko];

    /// Alipay and WeChat Pay -> zh-Hans, AlipayHK -> zh-Hant, Kakao Pay -> ko, others English.
    /// `Alipay+` is the network brand for foreign wallets, so it stays English.
    pub fn for_wallet(brand: &str) -> Lang {
        let key: String = brand
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '-' && *c != '_')
            .flat_map(char::to_lowercase)
            .collect();
        match key.as_str() {
            "alipay" | "alipaycn" | "wechatpay" | "wechat" | "weixinpay" => Lang::ZhHans,
            "alipayhk" => Lang::ZhHant,
            "kakaopay" => Lang::Ko,
            _ => Lang::En,
        }
    }

    /// The slip language for a sale: by wallet brand (if any) unless the store forces English.
    pub fn for_sale(wallet_brand: Option<&str>, setting: SlipLanguage) -> Lang {
        match (setting, wallet_brand) {
            (SlipLanguage::EnglishOnly, _) | (_, None) => Lang::En,
            (SlipLanguage::ByWallet, Some(brand)) => Lang::for_wallet(brand),
        }
    }

    /// The BCP 47 tag used on the command line: `en`, `zh-Hans`, `zh-Hant`, `ko`.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::ZhHans => "zh-Hans",
            Lang::ZhHant => "zh-Hant",
            Lang::Ko => "ko",
        }
    }
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.tag())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown slip language '{0}': use en, zh-Hans, zh-Hant or ko")]
pub struct UnknownLang(pub String);

impl FromStr for Lang {
    type Err = UnknownLang;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().replace('_', "-").as_str() {
            "en" => Ok(Lang::En),
            "zh-hans" | "zh-cn" | "zh" => Ok(Lang::ZhHans),
            "zh-hant" | "zh-hk" | "zh-tw" => Ok(Lang::ZhHant),
            "ko" | "ko-kr" => Ok(Lang::Ko),
            _ => Err(UnknownLang(s.to_string())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wallet_brand_picks_the_second_language() {
        assert_eq!(Lang::for_wallet("Alipay"), Lang::ZhHans);
        assert_eq!(Lang::for_wallet("WeChat Pay"), Lang::ZhHans);
        assert_eq!(Lang::for_wallet("AlipayHK"), Lang::ZhHant);
        assert_eq!(Lang::for_wallet("Kakao Pay"), Lang::Ko);
        assert_eq!(Lang::for_wallet("kakaopay"), Lang::Ko);
        assert_eq!(Lang::for_wallet("GCash"), Lang::En);
        assert_eq!(Lang::for_wallet("Alipay+"), Lang::En);
    }

    #[test]
    fn store_setting_forces_english_only() {
        assert_eq!(
            Lang::for_sale(Some("Alipay"), SlipLanguage::EnglishOnly),
            Lang::En
        );
        assert_eq!(
            Lang::for_sale(Some("Alipay"), SlipLanguage::ByWallet),
            Lang::ZhHans
        );
        assert_eq!(Lang::for_sale(None, SlipLanguage::ByWallet), Lang::En);
    }

    #[test]
    fn lang_tags_round_trip_and_junk_is_refused() {
        for lang in Lang::ALL {
            assert_eq!(lang.tag().parse::<Lang>(), Ok(lang));
            let json = serde_json::to_string(&lang).unwrap();
            assert_eq!(json, format!("\"{}\"", lang.tag()));
        }
        let err = "fr".parse::<Lang>().unwrap_err();
        assert!(err.to_string().contains("zh-Hans"));
    }

    #[test]
    fn reported_rate_reads_as_one_base_unit() {
        let r = ReportedRate {
            rate: rust_decimal::dec!(7.1853),
            pair: "USD/CNY".into(),
        };
        assert_eq!(r.describe(), "1 USD = 7.1853 CNY");
        let odd = ReportedRate {
            rate: rust_decimal::dec!(1.5),
            pair: "weird".into(),
        };
        assert_eq!(odd.describe(), "weird 1.5");
    }

    #[test]
    fn receipts_survive_the_journal_as_json() {
        for (name, receipt) in crate::receipt::samples::all() {
            let json = serde_json::to_string(&receipt).unwrap();
            let back: Receipt = serde_json::from_str(&json).unwrap();
            assert_eq!(back, receipt, "{name}");
        }
        let json = serde_json::to_value(crate::receipt::samples::alipay_fx_sale()).unwrap();
        assert_eq!(json["tender"]["kind"], "wallet");
        assert_eq!(json["tender"]["rate"]["rate"], "7.1853");
        assert_eq!(json["lang"], "zh-Hans");
    }
}
