//! The counter's own dynamic MPM payload (point of initiation 12, one code per sale).

use super::mpm::{self, DataObject, SubObject};
use super::verify::{Violation, verify};
use crate::money::{Currency, Money};

/// Merchant-account template tag used for the counter's code (26 = first "other network" slot).
pub const MERCHANT_ACCOUNT_TAG: u8 = 26;

/// What the store configuration says about the merchant, for building QR payloads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MerchantQrInfo {
    /// Tag 59, ans ≤ 25.
    pub merchant_name: String,
    /// Tag 60, ans ≤ 15.
    pub merchant_city: String,
    /// Tag 52, ISO 18245 merchant category code, 4 digits.
    pub mcc: String,
    /// Tag 58, ISO 3166-1 alpha-2.
    pub country: String,
    /// Sub-tag 00 of the merchant-account template: AID, UUID or reverse domain, ≤ 32.
    pub guid: String,
    /// Sub-tag 01 of the merchant-account template.
    pub merchant_id: String,
    /// Currency used when the cashier does not name one.
    pub default_currency: Currency,
}

/// A dynamic MPM code for one payment attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DynamicQr {
    pub merchant_name: String,
    pub merchant_city: String,
    pub mcc: String,
    pub country: String,
    /// Must be the currency of `amount`.
    pub currency: Currency,
    pub amount: Money,
    pub guid: String,
    pub merchant_id: String,
    /// Tag 62/01: the sale or attempt reference the wallet echoes back.
    pub bill_number: String,
    /// Tag 62/07, omitted when `None` to keep the code small.
    pub terminal_label: Option<String>,
}

impl DynamicQr {
    /// A code for `amount` (its currency becomes tag 53) at the configured merchant.
    pub fn new(
        merchant: &MerchantQrInfo,
        amount: Money,
        bill_number: impl Into<String>,
        terminal_label: Option<String>,
    ) -> Self {
        Self {
            merchant_name: merchant.merchant_name.clone(),
            merchant_city: merchant.merchant_city.clone(),
            mcc: merchant.mcc.clone(),
            country: merchant.country.clone(),
            currency: amount.currency(),
            amount,
            guid: merchant.guid.clone(),
            merchant_id: merchant.merchant_id.clone(),
            bill_number: bill_number.into(),
            terminal_label,
        }
    }

    /// The root objects in payload order, without the CRC.
    ///
    /// Name and city are cut to their spec maxima (25/15 characters): they are display text, and
    /// a cut name still pays. Reference fields are never cut; `check` reports them instead.
    pub fn objects(&self) -> Vec<DataObject> {
        let mut mai = vec![SubObject::new(0, cap(&self.guid, 99))];
        if !self.merchant_id.is_empty() {
            mai.push(SubObject::new(1, cap(&self.merchant_id, 99)));
        }
        let mut objs = vec![
            DataObject::text(0, "01"),
            DataObject::text(1, "12"),
            DataObject::template(MERCHANT_ACCOUNT_TAG, mai),
            DataObject::text(52, cap(&self.mcc, 99)),
            DataObject::text(53, format!("{:03}", self.currency.numeric())),
            DataObject::text(54, self.amount.plain()),
            DataObject::text(58, cap(&self.country, 99)),
            DataObject::text(59, cap(&self.merchant_name, 25)),
            DataObject::text(60, cap(&self.merchant_city, 15)),
        ];
        let mut extra = Vec::new();
        if !self.bill_number.is_empty() {
            extra.push(SubObject::new(1, cap(&self.bill_number, 99)));
        }
        if let Some(t) = self.terminal_label.as_deref().filter(|t| !t.is_empty()) {
            extra.push(SubObject::new(7, cap(t, 99)));
        }
        if !extra.is_empty() {
            objs.push(DataObject::template(62, extra));
        }
        objs.retain(|o| !o.raw_value().is_empty());
        objs
    }

    /// The payload text, CRC included.
    pub fn payload(&self) -> String {
        // Every value is capped to 1–99 characters above, so encoding cannot fail; the fallback
        // keeps this total without a panic path.
        mpm::encode(&self.objects()).unwrap_or_default()
    }

    /// The rules the payload breaks (empty when the merchant configuration is sound).
    pub fn check(&self) -> Vec<Violation> {
        match mpm::decode(&self.payload()) {
            Ok(m) => verify(&m),
            Err(_) => vec![Violation {
                tag: "63".into(),
                rule: super::verify::Rule::Missing,
            }],
        }
    }
}

/// The first `max` characters of `s` (character-safe, never splits a code point).
fn cap(s: &str, max: usize) -> String {
    s.chars().take(max).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::Decimal;
    use rust_decimal::dec;

    fn merchant() -> MerchantQrInfo {
        MerchantQrInfo {
            merchant_name: "QRTILL DEMO".into(),
            merchant_city: "SINGAPORE".into(),
            mcc: "5814".into(),
            country: "SG".into(),
            guid: "com.qrtill".into(),
            merchant_id: "M001".into(),
            default_currency: Currency::SGD,
        }
    }

    fn money(a: Decimal, c: Currency) -> Money {
        Money::new(a, c).unwrap_or_else(|_| Money::zero(c))
    }

    #[test]
    fn dynamic_code_carries_every_mandatory_field_and_passes_verify() {
        let qr = DynamicQr::new(
            &merchant(),
            money(dec!(12.3), Currency::USD),
            "S42-1",
            Some("T1".into()),
        );
        let p = qr.payload();
        assert!(p.starts_with("000201010212"), "{p}");
        let Ok(m) = mpm::decode(&p) else {
            panic!("decodes: {p}")
        };
        assert_eq!(m.sub(26, 0), Some("com.qrtill"));
        assert_eq!(m.sub(26, 1), Some("M001"));
        assert_eq!(m.text(53), Some("840"));
        assert_eq!(m.text(54), Some("12.30"));
        assert_eq!(m.sub(62, 1), Some("S42-1"));
        assert_eq!(m.sub(62, 7), Some("T1"));
        assert_eq!(verify(&m), vec![]);
    }

    #[test]
    fn krw_amount_has_no_decimals() {
        let qr = DynamicQr::new(&merchant(), money(dec!(1200), Currency::KRW), "B1", None);
        let Ok(m) = mpm::decode(&qr.payload()) else {
            panic!("decodes")
        };
        assert_eq!(m.text(54), Some("1200"));
        assert_eq!(m.text(53), Some("410"));
        assert_eq!(m.sub(62, 7), None);
        assert!(qr.check().is_empty());
    }

    #[test]
    fn long_merchant_name_is_cut_to_25_characters() {
        let mut info = merchant();
        info.merchant_name = "A VERY LONG MERCHANT NAME THAT OVERFLOWS".into();
        let qr = DynamicQr::new(&info, money(dec!(1), Currency::SGD), "B1", None);
        let Ok(m) = mpm::decode(&qr.payload()) else {
            panic!("decodes")
        };
        assert_eq!(m.text(59).map(|s| s.chars().count()), Some(25));
    }

    #[test]
    fn zero_amount_is_reported() {
        let qr = DynamicQr::new(&merchant(), Money::zero(Currency::SGD), "B1", None);
        assert!(qr.check().iter().any(|v| v.tag == "54"));
    }
}
