//! Customer-presented wallet payment codes (the barcode/QR digits on the shopper's phone).
//!
//! The family follows from prefix and length (see `shared/domain/wallets.md` §2): the terminal
//! can tell Alipay-family from WeChat Pay from UnionPay, but not which Alipay+ wallet it is.

use std::fmt;

/// The wallet family a payment code belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum WalletFamily {
    /// Alipay family: 16–23 digits starting 25–30 (AlipayCN, AlipayHK, legacy Alipay+ codes).
    Alipay,
    /// Alipay+ 24-digit code starting 25–30 (CII + BTI + UIN); routed through Alipay+.
    AlipayPlus,
    /// WeChat Pay mainland users: 18 digits starting 10–14.
    WeChatPay,
    /// WeChat Pay HK users: 18 digits starting 15; not usable cross-border.
    WeChatPayHk,
    /// UnionPay QR: 19 digits starting 62.
    UnionPay,
}

impl WalletFamily {
    /// A stable snake_case name for JSON and logs.
    pub fn code(self) -> &'static str {
        match self {
            WalletFamily::Alipay => "alipay",
            WalletFamily::AlipayPlus => "alipay_plus",
            WalletFamily::WeChatPay => "wechat_pay",
            WalletFamily::WeChatPayHk => "wechat_pay_hk",
            WalletFamily::UnionPay => "unionpay",
        }
    }

    /// Both Alipay-family kinds: the terminal cannot tell the wallet from the digits.
    pub fn is_alipay_family(self) -> bool {
        matches!(self, WalletFamily::Alipay | WalletFamily::AlipayPlus)
    }

    /// Whether a cross-border merchant may take this code, with the reason when not.
    pub fn cross_border(self) -> Result<(), PaymentCodeError> {
        match self {
            WalletFamily::WeChatPayHk => Err(PaymentCodeError::NotCrossBorder(self)),
            _ => Ok(()),
        }
    }
}

impl fmt::Display for WalletFamily {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            WalletFamily::Alipay => "Alipay",
            WalletFamily::AlipayPlus => "Alipay+",
            WalletFamily::WeChatPay => "WeChat Pay",
            WalletFamily::WeChatPayHk => "WeChat Pay HK",
            WalletFamily::UnionPay => "UnionPay",
        })
    }
}

/// Why digits are not a payment code the counter can take.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PaymentCodeError {
    #[error("empty payment code")]
    Empty,
    #[error("payment codes are digits only; found '{found}' at position {position}")]
    NotDigits { position: usize, found: char },
    #[error(
        "{len} digits look like a product barcode ({kind}) scanned by mistake, not a payment code"
    )]
    ProductBarcode { len: usize, kind: &'static str },
    #[error("{family} codes have {expected} digits, this one has {len}")]
    WrongLength {
        family: WalletFamily,
        expected: &'static str,
        len: usize,
    },
    #[error(
        "{len} digits starting '{prefix}' match no wallet family (Alipay 25-30, WeChat Pay 10-15, UnionPay 62)"
    )]
    UnknownPrefix { len: usize, prefix: String },
    #[error("{0} codes are not accepted cross-border")]
    NotCrossBorder(WalletFamily),
}

/// Identifies the wallet family of a scanned payment code.
pub fn classify(code: &str) -> Result<WalletFamily, PaymentCodeError> {
    if code.is_empty() {
        return Err(PaymentCodeError::Empty);
    }
    if let Some((position, found)) = code.chars().enumerate().find(|(_, c)| !c.is_ascii_digit()) {
        return Err(PaymentCodeError::NotDigits { position, found });
    }
    let len = code.len();
    let prefix: u8 = code
        .get(..2)
        .and_then(|p| p.parse().ok())
        .unwrap_or(u8::MAX);
    let wrong = |family, expected| PaymentCodeError::WrongLength {
        family,
        expected,
        len,
    };
    match prefix {
        25..=30 => match len {
            24 => Ok(WalletFamily::AlipayPlus),
            16..=23 => Ok(WalletFamily::Alipay),
            _ => Err(barcode(code).unwrap_or(wrong(WalletFamily::Alipay, "16-24"))),
        },
        10..=14 if len == 18 => Ok(WalletFamily::WeChatPay),
        15 if len == 18 => Ok(WalletFamily::WeChatPayHk),
        10..=15 => Err(barcode(code).unwrap_or(wrong(WalletFamily::WeChatPay, "18"))),
        62 if len == 19 => Ok(WalletFamily::UnionPay),
        62 => Err(barcode(code).unwrap_or(wrong(WalletFamily::UnionPay, "19"))),
        _ => Err(barcode(code).unwrap_or(PaymentCodeError::UnknownPrefix {
            len,
            prefix: code.chars().take(2).collect(),
        })),
    }
}

/// Product barcodes (EAN-13, EAN-8, UPC-A) with a valid check digit.
fn barcode(code: &str) -> Option<PaymentCodeError> {
    let kind = match code.len() {
        13 => "EAN-13",
        12 => "UPC-A",
        8 => "EAN-8",
        _ => return None,
    };
    gtin_check_ok(code).then_some(PaymentCodeError::ProductBarcode {
        len: code.len(),
        kind,
    })
}

/// GS1 check digit: weights 3,1,3,… from the right, excluding the check digit.
fn gtin_check_ok(code: &str) -> bool {
    let digits: Vec<u32> = code.chars().filter_map(|c| c.to_digit(10)).collect();
    let Some((&check, body)) = digits.split_last() else {
        return false;
    };
    let sum: u32 = body
        .iter()
        .rev()
        .enumerate()
        .map(|(i, d)| if i % 2 == 0 { d * 3 } else { *d })
        .sum();
    (10 - sum % 10) % 10 == check
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alipay_codes_are_16_to_23_digits_starting_25_to_30() {
        assert_eq!(classify("28763443825664394"), Ok(WalletFamily::Alipay));
        assert_eq!(classify("289431869362714645"), Ok(WalletFamily::Alipay));
        assert_eq!(classify("3000000000000000"), Ok(WalletFamily::Alipay));
        assert!(classify("310000000000000000").is_err());
    }

    #[test]
    fn twenty_four_digit_code_is_alipay_plus_in_the_alipay_family() {
        let fam = classify("251001020123456789012345");
        assert_eq!(fam, Ok(WalletFamily::AlipayPlus));
        assert!(fam.is_ok_and(WalletFamily::is_alipay_family));
    }

    #[test]
    fn alipay_code_too_short_or_long_names_the_length() {
        assert_eq!(
            classify("280000000000000"),
            Err(PaymentCodeError::WrongLength {
                family: WalletFamily::Alipay,
                expected: "16-24",
                len: 15
            })
        );
        assert!(classify("2800000000000000000000000").is_err());
    }

    #[test]
    fn wechat_codes_are_18_digits_starting_10_to_15() {
        assert_eq!(classify("134567890123456789"), Ok(WalletFamily::WeChatPay));
        assert_eq!(classify("104567890123456789"), Ok(WalletFamily::WeChatPay));
        assert!(matches!(
            classify("13456789012345678"),
            Err(PaymentCodeError::WrongLength { .. })
        ));
    }

    #[test]
    fn wechat_hk_code_is_refused_cross_border_with_reason() {
        let fam = classify("154567890123456789");
        assert_eq!(fam, Ok(WalletFamily::WeChatPayHk));
        let refused = fam.and_then(|f| f.cross_border()).err();
        assert_eq!(
            refused.map(|e| e.to_string()),
            Some("WeChat Pay HK codes are not accepted cross-border".to_string())
        );
        assert_eq!(WalletFamily::WeChatPay.cross_border(), Ok(()));
    }

    #[test]
    fn unionpay_codes_are_19_digits_starting_62() {
        assert_eq!(classify("6212345678901234567"), Ok(WalletFamily::UnionPay));
        assert!(classify("621234567890123456").is_err());
    }

    #[test]
    fn ean13_scanned_by_mistake_is_named() {
        // 4006381333931 is a valid EAN-13.
        assert_eq!(
            classify("4006381333931"),
            Err(PaymentCodeError::ProductBarcode {
                len: 13,
                kind: "EAN-13"
            })
        );
        assert!(
            classify("4006381333931")
                .err()
                .is_some_and(|e| e.to_string().contains("EAN-13"))
        );
    }

    #[test]
    fn unknown_prefix_and_non_digits_are_refused() {
        assert!(matches!(
            classify("990000000000000000"),
            Err(PaymentCodeError::UnknownPrefix { .. })
        ));
        assert_eq!(
            classify("28x"),
            Err(PaymentCodeError::NotDigits {
                position: 2,
                found: 'x'
            })
        );
        assert_eq!(classify(""), Err(PaymentCodeError::Empty));
    }
}
