//! The counter's own dynamic MPM payload (point of initiation 12, one code per sale).

use super::mpm::{self, DataObject, EncodeError, SubObject};
use super::verify::{Rule, Violation, verify};
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

impl MerchantQrInfo {
    /// A demo café in Singapore (SGD): the simulator's default merchant, also used by tests
    /// and benches. A payment payload for it is about 120 characters.
    pub fn demo() -> Self {
        Self {
            merchant_name: "QRTILL DEMO CAFE".into(),
            merchant_city: "SINGAPORE".into(),
            mcc: "5814".into(),
            country: "SG".into(),
            guid: "com.qrtill".into(),
            merchant_id: "M000123".into(),
            default_currency: Currency::SGD,
        }
    }
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
    /// a cut name still pays. Reference fields (GUID, merchant id, bill, terminal) are never cut;
    /// `check` reports them instead. Empty optional values are left out.
    pub fn objects(&self) -> Vec<DataObject> {
        let mai: Vec<SubObject> = [(0u8, &self.guid), (1, &self.merchant_id)]
            .into_iter()
            .filter(|(_, v)| !v.is_empty())
            .map(|(id, v)| SubObject::new(id, v.as_str()))
            .collect();
        let extra: Vec<SubObject> = [
            (1u8, Some(&self.bill_number)),
            (7, self.terminal_label.as_ref()),
        ]
        .into_iter()
        .filter_map(|(id, v)| {
            v.filter(|v| !v.is_empty())
                .map(|v| SubObject::new(id, v.as_str()))
        })
        .collect();
        let mut objs = vec![
            DataObject::text(0, "01"),
            DataObject::text(1, "12"),
            DataObject::template(MERCHANT_ACCOUNT_TAG, mai),
            DataObject::text(52, self.mcc.as_str()),
            DataObject::text(53, format!("{:03}", self.currency.numeric())),
            DataObject::text(54, self.amount.plain()),
            DataObject::text(58, self.country.as_str()),
            DataObject::text(59, cap(&self.merchant_name, 25)),
            DataObject::text(60, cap(&self.merchant_city, 15)),
            DataObject::template(62, extra),
        ];
        // A missing mandatory value is reported by `check`, not encoded as "5900".
        objs.retain(|o| !o.raw_value().is_empty());
        objs
    }

    /// The payload text with its CRC, or why the configuration cannot be encoded.
    pub fn try_payload(&self) -> Result<String, EncodeError> {
        mpm::encode(&self.objects())
    }

    /// The payload text, CRC included; empty when `try_payload` fails (`check` says why).
    pub fn payload(&self) -> String {
        self.try_payload().unwrap_or_default()
    }

    /// The rules the payload breaks (empty when the merchant configuration is sound).
    pub fn check(&self) -> Vec<Violation> {
        let payload = match self.try_payload() {
            Ok(p) => p,
            Err(e) => return vec![encode_violation(e)],
        };
        match mpm::decode(&payload) {
            Ok(m) => verify(&m),
            Err(_) => vec![Violation {
                tag: "63".into(),
                rule: Rule::Missing,
            }],
        }
    }
}

/// An encoder refusal in verify's terms.
fn encode_violation(e: EncodeError) -> Violation {
    match e {
        EncodeError::Empty { path } => Violation {
            tag: path,
            rule: Rule::Empty,
        },
        EncodeError::TooLong { path, len } => Violation {
            tag: path,
            rule: Rule::TooLong {
                max: 99,
                found: len,
            },
        },
        other => Violation {
            tag: "00".into(),
            rule: Rule::NotAllowed {
                allowed: if matches!(other, EncodeError::CrcSupplied) {
                    "no 63"
                } else {
                    "IDs 00-99"
                },
            },
        },
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
        MerchantQrInfo::demo()
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
        assert_eq!(m.sub(26, 1), Some("M000123"));
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
    fn missing_configuration_is_reported_not_encoded_empty() {
        let mut info = merchant();
        info.merchant_name.clear();
        info.guid.clear();
        let qr = DynamicQr::new(&info, money(dec!(1), Currency::SGD), "B1", None);
        let v = qr.check();
        assert!(
            v.iter().any(|x| x.tag == "59" && x.rule == Rule::Missing),
            "{v:?}"
        );
        assert!(
            v.iter()
                .any(|x| x.tag == "26/00" && x.rule == Rule::MissingGuid),
            "{v:?}"
        );
    }

    #[test]
    fn overlong_merchant_id_is_reported_not_cut() {
        let mut info = merchant();
        info.merchant_id = "9".repeat(99);
        let qr = DynamicQr::new(&info, money(dec!(1), Currency::SGD), "B1", None);
        assert_eq!(qr.payload(), "");
        assert!(matches!(qr.check()[0].rule, Rule::TooLong { max: 99, .. }));
    }

    #[test]
    fn zero_amount_is_reported() {
        let qr = DynamicQr::new(&merchant(), Money::zero(Currency::SGD), "B1", None);
        assert!(qr.check().iter().any(|v| v.tag == "54"));
    }
}
