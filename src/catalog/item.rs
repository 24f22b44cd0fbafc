//! One product in the catalogue.

use crate::money::Money;
use serde::{Deserialize, Serialize};

/// A sellable product. Loaders guarantee `gtin` is a valid, normalised key for `barcode`,
/// `price` is in the store currency and not negative, and `tax_category` is a known code.
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
