//! One product in the catalogue.

use crate::money::Money;
use serde::{Deserialize, Serialize};

/// The fields of an item as catalogue files name them: TOML keys and CSV header columns.
pub(super) const FIELDS: [&str; 4] = ["barcode", "name", "price", "tax"];

/// A sellable product. Loaders guarantee `gtin` is a valid, normalised key for `barcode`,
/// `price` is in the store currency and not negative, and `tax_category` is a known code.
///
/// A catalogue keeps its items packed (see `catalog::store`) and hands out [`ItemRef`]s.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Item {
    /// The barcode as written in the catalogue (UPC-A, EAN-13, ...).
    pub barcode: String,
    /// Normalised GTIN key (see [`crate::catalog::gtin::Gtin::key`]); UPC-A gains a leading 0.
    pub gtin: String,
    pub name: String,
    /// Unit price, tax excluded (US shelf prices).
    pub price: Money,
    /// Tax category code, e.g. `food`, `prepared`, `general`.
    pub tax_category: String,
}

/// A borrowed view of one catalogue item: what lookups, searches and iteration hand out, so
/// a scan or a search keystroke copies no text. [`ItemRef::to_item`] makes an owned [`Item`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ItemRef<'a> {
    /// The barcode as written in the catalogue.
    pub barcode: Code<'a>,
    /// Normalised GTIN key (see [`Item::gtin`]).
    pub gtin: Code<'a>,
    pub name: &'a str,
    pub price: Money,
    pub tax_category: &'a str,
}

impl ItemRef<'_> {
    pub fn to_item(&self) -> Item {
        Item {
            barcode: self.barcode.to_string(),
            gtin: self.gtin.to_string(),
            name: self.name.to_string(),
            price: self.price,
            tax_category: self.tax_category.to_string(),
        }
    }
}

impl<'a> From<&'a Item> for ItemRef<'a> {
    fn from(item: &'a Item) -> Self {
        Self {
            barcode: Code::Text(&item.barcode),
            gtin: Code::Text(&item.gtin),
            name: &item.name,
            price: item.price,
            tax_category: &item.tax_category,
        }
    }
}

impl PartialEq<Item> for ItemRef<'_> {
    fn eq(&self, other: &Item) -> bool {
        *self == ItemRef::from(other)
    }
}

/// A barcode or GTIN key: digits rebuilt from a packed record, or text kept as written.
/// Reads as a `&str` (`Deref`); two codes are equal when their text is.
#[derive(Clone, Copy)]
pub enum Code<'a> {
    /// ASCII digits: `digits[..len]`.
    Digits {
        digits: [u8; 14],
        len: u8,
    },
    Text(&'a str),
}

impl Code<'_> {
    /// `value` in exactly `len` decimal digits (at most 14), zero-padded on the left.
    pub(super) fn digits(mut value: u64, len: usize) -> Self {
        let mut digits = [b'0'; 14];
        let len = len.min(digits.len());
        for d in digits[..len].iter_mut().rev() {
            *d = b'0' + (value % 10) as u8;
            value /= 10;
        }
        Code::Digits {
            digits,
            len: len as u8,
        }
    }

    pub fn as_str(&self) -> &str {
        match self {
            // Built from ASCII digits only.
            Code::Digits { digits, len } => {
                std::str::from_utf8(&digits[..usize::from(*len)]).unwrap_or_default()
            }
            Code::Text(text) => text,
        }
    }
}

impl std::ops::Deref for Code<'_> {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl std::fmt::Debug for Code<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self.as_str(), f)
    }
}

impl std::fmt::Display for Code<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl PartialEq for Code<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for Code<'_> {}

impl PartialEq<str> for Code<'_> {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for Code<'_> {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<String> for Code<'_> {
    fn eq(&self, other: &String) -> bool {
        self.as_str() == other
    }
}
