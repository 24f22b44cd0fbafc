//! The store's static "entry code" (wallets.md §1.3): a fixed MPM QR with point of initiation 11
//! and no amount. The shopper scans it and types the amount; the counter learns of the payment
//! only from the network's notification.

use super::dynamic::{MERCHANT_ACCOUNT_TAG, MerchantQrInfo};
use super::mpm::{self, DataObject, EncodeError, SubObject};
use crate::money::Currency;

/// The static entry code of one store (the same code every day, for every sale).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaticQr {
    pub merchant: MerchantQrInfo,
    /// Tag 53: the currency the shopper types the amount in (the store's price currency).
    pub currency: Currency,
    /// Tag 62/07, omitted when `None`.
    pub terminal_label: Option<String>,
}

impl StaticQr {
    pub fn new(
        merchant: &MerchantQrInfo,
        currency: Currency,
        terminal_label: Option<String>,
    ) -> Self {
        Self {
            merchant: merchant.clone(),
            currency,
            terminal_label,
        }
    }

    /// The root objects in payload order, without the CRC: no tag 54 (the shopper types the
    /// amount) and no bill number (no sale is known when the code is printed).
    pub fn objects(&self) -> Vec<DataObject> {
        let m = &self.merchant;
        let mai: Vec<SubObject> = [(0u8, &m.guid), (1, &m.merchant_id)]
            .into_iter()
            .filter(|(_, v)| !v.is_empty())
            .map(|(id, v)| SubObject::new(id, v.as_str()))
            .collect();
        let extra: Vec<SubObject> = self
            .terminal_label
            .iter()
            .filter(|v| !v.is_empty())
            .map(|v| SubObject::new(7, v.as_str()))
            .collect();
        let mut objs = vec![
            DataObject::text(0, "01"),
            DataObject::text(1, "11"),
            DataObject::template(MERCHANT_ACCOUNT_TAG, mai),
            DataObject::text(52, m.mcc.as_str()),
            DataObject::text(53, format!("{:03}", self.currency.numeric())),
            DataObject::text(58, m.country.as_str()),
            DataObject::text(59, m.merchant_name.chars().take(25).collect::<String>()),
            DataObject::text(60, m.merchant_city.chars().take(15).collect::<String>()),
            DataObject::template(62, extra),
        ];
        objs.retain(|o| !o.raw_value().is_empty());
        objs
    }

    /// The payload text with its CRC, or why the configuration cannot be encoded.
    pub fn try_payload(&self) -> Result<String, EncodeError> {
        mpm::encode(&self.objects())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::emv::verify::verify;

    #[test]
    fn the_static_code_has_poi_11_no_amount_a_valid_crc_and_passes_verify() {
        let qr = StaticQr::new(&MerchantQrInfo::demo(), Currency::SGD, Some("L03".into()));
        let p = qr.try_payload().expect("the demo merchant encodes");
        assert!(p.starts_with("000201010211"), "{p}");
        let m = mpm::decode(&p).expect("decodes, CRC checked");
        assert_eq!(m.text(1), Some("11"));
        assert_eq!(m.text(54), None, "a static code carries no amount: {p}");
        assert_eq!(m.sub(62, 1), None, "no bill number: {p}");
        assert_eq!(m.sub(62, 7), Some("L03"));
        assert_eq!(m.sub(26, 1), Some("M000123"));
        assert_eq!(m.text(53), Some("702"));
        assert_eq!(verify(&m), vec![]);
        // The CRC is checked by decode: one changed character is refused.
        let broken = p.replacen("QRTILL", "QRTILX", 1);
        assert!(mpm::decode(&broken).is_err());
    }
}
