//! One product in the catalogue.

use crate::money::Money;
use serde::{Deserialize, Serialize};

/// The fields of an item as catalogue files name them: TOML keys and CSV header columns.
pub(super) const FIELDS: [&str; 4] = ["barcode", "name", "price", "tax"];

/// A sellable product. Loaders guarantee `gtin` is a valid, normalised key for `barcode`,
/// `price` is in the store currency and not negative, and `tax_category` is a known code.
///
/// A catalogue keeps its items packed (see `catalog::store`) and builds an `Item` for each
/// one it hands out.
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
