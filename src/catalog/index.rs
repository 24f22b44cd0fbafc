//! The catalogue index: O(1) barcode lookup by normalised GTIN and a name search index.

use super::gtin::{self, GtinError};
use super::item::Item;
pub(crate) use super::search::SearchIndex;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// Multiplicative hash for GTIN numbers: keys are already unique integers, so SipHash's
/// DoS resistance buys nothing and costs a third of the load time on 1M items.
#[derive(Default, Clone, Copy)]
pub(crate) struct GtinHasher(u64);

impl Hasher for GtinHasher {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(u64::from(b));
        }
    }

    fn write_u64(&mut self, v: u64) {
        self.0 = (self.0.rotate_left(5) ^ v).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }

    fn finish(&self) -> u64 {
        self.0 ^ (self.0 >> 29)
    }
}

/// GTIN value -> index into the item list.
pub(crate) type GtinMap = HashMap<u64, u32, BuildHasherDefault<GtinHasher>>;

/// Two items in a list share one product code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DuplicateBarcode {
    #[error("items {first} and {second} have the same barcode {gtin}")]
    Same {
        first: usize,
        second: usize,
        gtin: String,
    },
    #[error("item {index} ({name}): {error}")]
    Invalid {
        index: usize,
        name: String,
        error: GtinError,
    },
    #[error("more than 4,294,967,295 items")]
    TooMany,
}

/// Why a scanned code did not find an item. Messages are written for the cashier.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LookupError {
    #[error("Not a barcode: {0}")]
    NotABarcode(GtinError),
    #[error("Check digit wrong on {code} (expected {expected}): scan again or key the code in")]
    BadCheckDigit { code: String, expected: u8 },
    #[error("{code} is not in the catalogue: search by name with /")]
    NotInCatalogue { code: String },
}

/// A loaded catalogue: items in file order, a barcode index and a name search index.
#[derive(Debug)]
pub struct Catalog {
    items: Vec<Item>,
    by_gtin: GtinMap,
    search: SearchIndex,
}

impl Catalog {
    /// Indexes `items`, refusing duplicate or invalid barcodes.
    ///
    /// Loaders report problems with file and line; this is for items built in code.
    pub fn from_items(items: Vec<Item>) -> Result<Self, DuplicateBarcode> {
        let mut values = Vec::with_capacity(items.len());
        for (index, item) in items.iter().enumerate() {
            let g = gtin::parse(&item.barcode).map_err(|error| DuplicateBarcode::Invalid {
                index,
                name: item.name.clone(),
                error,
            })?;
            values.push(g.value);
        }
        let (by_gtin, dups) = index_gtins(values.into_iter())?;
        if let Some(&(first, second)) = dups.first() {
            return Err(DuplicateBarcode::Same {
                first,
                second,
                gtin: items[second].gtin.clone(),
            });
        }
        Ok(Self::from_parts(items, by_gtin))
    }

    /// Builds from items whose GTINs are already indexed (and known unique) by a loader.
    pub(crate) fn from_parts(items: Vec<Item>, by_gtin: GtinMap) -> Self {
        let search = SearchIndex::of_items(&items);
        Self::from_indexes(items, by_gtin, search)
    }

    /// Assembles a catalogue from indexes already built over `items`.
    pub(crate) fn from_indexes(items: Vec<Item>, by_gtin: GtinMap, search: SearchIndex) -> Self {
        Self {
            items,
            by_gtin,
            search,
        }
    }

    /// Finds the item for a scanned or keyed code; UPC-A and EAN-13 forms both match.
    pub fn lookup(&self, scanned: &str) -> Result<&Item, LookupError> {
        let g = gtin::parse(scanned).map_err(|e| match e {
            GtinError::BadCheckDigit { code, expected, .. } => {
                LookupError::BadCheckDigit { code, expected }
            }
            other => LookupError::NotABarcode(other),
        })?;
        self.by_gtin
            .get(&g.value)
            .and_then(|&i| self.items.get(i as usize))
            .ok_or_else(|| LookupError::NotInCatalogue {
                code: scanned.trim().to_string(),
            })
    }

    /// Items whose name contains every word of `query` (case-insensitive), best first:
    /// names that start with the query, then names where each word starts a word, then
    /// other matches; ties by name. At most `limit` items.
    pub fn search(&self, query: &str, limit: usize) -> Vec<&Item> {
        self.search
            .search(query, limit)
            .into_iter()
            .filter_map(|i| self.items.get(i as usize))
            .collect()
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// All items in catalogue (file) order.
    pub fn items(&self) -> &[Item] {
        &self.items
    }
}

/// Indexes GTIN values; returns the map and every (first, duplicate) index pair.
pub(crate) fn index_gtins(
    values: impl ExactSizeIterator<Item = u64>,
) -> Result<(GtinMap, Vec<(usize, usize)>), DuplicateBarcode> {
    let mut map = GtinMap::with_capacity_and_hasher(values.len(), Default::default());
    let mut dups = Vec::new();
    for (i, v) in values.enumerate() {
        let idx = u32::try_from(i).map_err(|_| DuplicateBarcode::TooMany)?;
        match map.entry(v) {
            std::collections::hash_map::Entry::Occupied(e) => dups.push((*e.get() as usize, i)),
            std::collections::hash_map::Entry::Vacant(e) => {
                e.insert(idx);
            }
        }
    }
    Ok((map, dups))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::{Currency, Money};

    fn item(barcode: &str, name: &str) -> Item {
        Item {
            barcode: barcode.into(),
            gtin: gtin::normalise(barcode).unwrap_or_default(),
            name: name.into(),
            price: Money::from_minor(199, Currency::USD).unwrap(),
            tax_category: "food".into(),
        }
    }

    #[test]
    fn a_scan_tells_the_cashier_what_went_wrong() {
        let c = Catalog::from_items(vec![item("036000291452", "Bottled water 500ml")]).unwrap();
        assert_eq!(
            c.lookup("0036000291452").unwrap().name,
            "Bottled water 500ml"
        );
        assert_eq!(
            c.lookup(" 036000291452\r\n").unwrap().name,
            "Bottled water 500ml"
        );
        assert_eq!(
            c.lookup("036000291453").unwrap_err().to_string(),
            "Check digit wrong on 036000291453 (expected 2): scan again or key the code in"
        );
        assert_eq!(
            c.lookup("4006381333931").unwrap_err().to_string(),
            "4006381333931 is not in the catalogue: search by name with /"
        );
        assert!(matches!(
            c.lookup("hello"),
            Err(LookupError::NotABarcode(_))
        ));
    }

    #[test]
    fn from_items_refuses_the_same_product_twice() {
        let err = Catalog::from_items(vec![
            item("036000291452", "Water"),
            item("4006381333931", "Pencil"),
            item("0036000291452", "Water again"),
        ])
        .unwrap_err();
        assert!(matches!(
            err,
            DuplicateBarcode::Same {
                first: 0,
                second: 2,
                ..
            }
        ));
    }
}
