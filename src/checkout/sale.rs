//! A completed sale as the journal stores it. Plain data: the receipt is rendered from it, and
//! `qrtill receipt N` re-renders it at any width or language.

use super::payment::PayMode;
use crate::clock::Timestamp;
use crate::money::{Decimal, Money};
use crate::network::FundedBy;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SaleLine {
    pub barcode: String,
    pub name: String,
    pub qty: u32,
    pub unit_price: Money,
    pub line_total: Money,
    pub tax_category: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaxLine {
    pub label: String,
    #[serde(with = "rust_decimal::serde::str")]
    pub rate: Decimal,
    pub amount: Money,
}

/// How the shopper paid.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum SaleTender {
    Cash { tendered: Money, change: Money },
    Wallet(WalletTender),
    Card(CardTender),
}

impl SaleTender {
    pub fn kind(&self) -> &'static str {
        match self {
            SaleTender::Cash { .. } => "cash",
            SaleTender::Wallet(_) => "wallet",
            SaleTender::Card(_) => "card",
        }
    }
}

/// What the wallet reported for an approved payment. The receipt prints these figures, never
/// ones the counter computed itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WalletTender {
    pub brand: String,
    pub mode: PayMode,
    pub payment_request_id: String,
    pub wallet_txn_id: String,
    pub masked_account: String,
    /// What the merchant charged, in the price currency.
    pub amount: Money,
    /// What the shopper paid, in the wallet currency, as the wallet reported it.
    pub wallet_amount: Option<Money>,
    /// The rate the wallet reported (wallet currency per unit of price currency).
    #[serde(default, with = "rate_text")]
    pub rate: Option<Decimal>,
    pub promotion: Option<SalePromotion>,
    /// What the merchant is settled, in the settlement currency.
    pub settlement: Option<Money>,
}

/// The rate as a decimal string, or null. Read through `Option<String>` because the tender sits
/// in an internally tagged enum: serde buffers it, and rust_decimal's `str_option` rejects the
/// buffered null, which made every wallet tender without a rate (each journaled attempt's
/// basket) unreadable.
mod rate_text {
    use crate::money::Decimal;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(rate: &Option<Decimal>, s: S) -> Result<S::Ok, S::Error> {
        rust_decimal::serde::str_option::serialize(rate, s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Decimal>, D::Error> {
        Option::<String>::deserialize(d)?
            .map(|t| t.parse().map_err(serde::de::Error::custom))
            .transpose()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SalePromotion {
    pub description: String,
    pub amount: Money,
    /// Stored as "wallet" or "merchant".
    pub funded_by: FundedBy,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CardTender {
    pub brand: String,
    pub masked_pan: String,
    pub aid: String,
    pub auth_code: String,
    pub amount: Money,
    /// The authorization's request id, which a refund names. It travels with the sale, so a
    /// lane that opens another lane's card sale from the store can refund it; sales journaled
    /// before it was kept leave it empty and are found through the journal's attempts.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub payment_request_id: String,
}

/// A sale ready to be journaled. `sale_no` is assigned by the journal inside the commit, so
/// numbers are gap-free per lane.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompletedSale {
    pub lane_id: String,
    pub sale_no: u64,
    pub completed_at: Timestamp,
    pub lines: Vec<SaleLine>,
    pub subtotal: Money,
    pub tax: Money,
    pub total: Money,
    pub tax_lines: Vec<TaxLine>,
    pub tender: SaleTender,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::Currency;

    fn tender(rate: Option<Decimal>) -> SaleTender {
        SaleTender::Wallet(WalletTender {
            brand: String::new(),
            mode: PayMode::PaymentCode,
            payment_request_id: "S0007L03A000001".into(),
            wallet_txn_id: String::new(),
            masked_account: String::new(),
            amount: Money::from_minor(489, Currency::USD).unwrap(),
            wallet_amount: None,
            rate,
            promotion: None,
            settlement: None,
        })
    }

    #[test]
    fn a_wallet_tender_reads_back_with_or_without_a_rate() {
        for rate in [None, Some("7.2212265".parse().unwrap())] {
            let json = serde_json::to_string(&tender(rate)).unwrap();
            let back: SaleTender = serde_json::from_str(&json).unwrap();
            assert_eq!(back, tender(rate), "{json}");
        }
    }

    #[test]
    fn mode_and_funder_keep_their_stored_text() {
        let mut t = tender(None);
        if let SaleTender::Wallet(w) = &mut t {
            w.promotion = Some(SalePromotion {
                description: "Coffee week".into(),
                amount: Money::from_minor(50, Currency::USD).unwrap(),
                funded_by: FundedBy::Merchant,
            });
        }
        let json = serde_json::to_string(&t).unwrap();
        assert!(json.contains("\"mode\":\"payment_code\""), "{json}");
        assert!(json.contains("\"funded_by\":\"merchant\""), "{json}");
        let back: SaleTender = serde_json::from_str(&json).unwrap();
        assert_eq!(back, t);
    }

    #[test]
    fn a_wallet_tender_without_the_rate_field_reads_as_none() {
        let json = serde_json::to_string(&tender(None)).unwrap();
        let trimmed = json.replace(",\"rate\":null", "");
        assert_ne!(trimmed, json);
        let back: SaleTender = serde_json::from_str(&trimmed).unwrap();
        assert_eq!(back, tender(None));
    }
}
