//! The catalogue: packed items, O(1) barcode lookup by GTIN value and a name search index.

use super::by_gtin::GtinIndex;
use super::gtin::{self, GtinError};
use super::item::{Item, ItemRef};
use super::search::{self, SearchIndex};
use super::store::{ItemStore, Items, TooLarge};
use super::wire::{Reader, Writer};
use crate::money::Currency;
use std::io::{self, Read, Write};

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
///
/// Items are stored packed; [`Catalog::lookup`], [`Catalog::search`] and [`Catalog::iter`]
/// hand out borrowed [`ItemRef`]s.
#[derive(Debug)]
pub struct Catalog {
    items: Items,
    by_gtin: GtinIndex,
    search: SearchIndex,
}

impl Catalog {
    /// Indexes `items`, refusing duplicate or invalid barcodes.
    ///
    /// Loaders report problems with file and line; this is for items built in code.
    pub fn from_items(items: Vec<Item>) -> Result<Self, DuplicateBarcode> {
        let currency = items.first().map_or(Currency::USD, |i| i.price.currency());
        let mut store = ItemStore::with_capacity(currency, items.len(), 0);
        for (index, item) in items.iter().enumerate() {
            let g = gtin::parse(&item.barcode).map_err(|error| DuplicateBarcode::Invalid {
                index,
                name: item.name.clone(),
                error,
            })?;
            store
                .push(&item.barcode, g, &item.name, item.price, &item.tax_category)
                .map_err(|_| DuplicateBarcode::TooMany)?;
        }
        let (by_gtin, dups) =
            GtinIndex::build(store.len(), |i| store.gtin_value(i).unwrap_or_default())
                .ok_or(DuplicateBarcode::TooMany)?;
        if let Some(&(first, second)) = dups.first() {
            return Err(DuplicateBarcode::Same {
                first,
                second,
                gtin: items[second].gtin.clone(),
            });
        }
        let order = search::rank(store.len(), |id| store.name(id as usize));
        Self::from_parts(vec![store], order, by_gtin).map_err(|_| DuplicateBarcode::TooMany)
    }

    /// Assembles a catalogue from `stores` (item ids counted on from one to the next), the
    /// rank order of their names (see [`search::rank`]) and their barcode index.
    pub(crate) fn from_parts(
        stores: Vec<ItemStore>,
        order: Vec<u32>,
        by_gtin: GtinIndex,
    ) -> Result<Self, TooLarge> {
        let items = Items::pack(stores, &order)?;
        let search = SearchIndex::new(order, items.names());
        Ok(Self {
            items,
            by_gtin,
            search,
        })
    }

    /// Writes the packed items and the search index for a snapshot (see
    /// `catalog::snapshot`). The barcode index is rebuilt on reading: a hash table's layout
    /// is not worth fixing in a file.
    pub(crate) fn encode<W: Write>(&self, w: &mut Writer<W>) -> io::Result<()> {
        self.items.encode(w)?;
        self.search.encode(w)
    }

    /// Reads what [`Catalog::encode`] wrote; `None` unless the parts agree with each other
    /// (ranks, sizes) and no two items share a barcode.
    pub(crate) fn decode<R: Read>(r: &mut Reader<R>) -> Option<Self> {
        let items = Items::decode(r)?;
        let n = items.len();
        // The barcode index and the search index do not depend on each other.
        let (indexed, search) = super::par::join(
            || GtinIndex::build(n, |i| items.gtin_value(i).unwrap_or_default()),
            || SearchIndex::decode(r, n),
        );
        let (by_gtin, dups) = indexed?;
        let search = search?;
        (dups.is_empty() && items.ranks_agree(search.order())).then_some(Self {
            items,
            by_gtin,
            search,
        })
    }

    /// Every tax category code the items use (some possibly more than once).
    pub(crate) fn tax_codes(&self) -> impl Iterator<Item = &str> + '_ {
        self.items.tax_codes()
    }

    /// Finds the item for a scanned or keyed code; UPC-A and EAN-13 forms both match.
    pub fn lookup(&self, scanned: &str) -> Result<ItemRef<'_>, LookupError> {
        let g = gtin::parse(scanned).map_err(|e| match e {
            GtinError::BadCheckDigit { code, expected, .. } => {
                LookupError::BadCheckDigit { code, expected }
            }
            other => LookupError::NotABarcode(other),
        })?;
        self.by_gtin
            .find(g.value, |i| self.items.gtin_value(i))
            .and_then(|i| self.items.get(i))
            .ok_or_else(|| LookupError::NotInCatalogue {
                code: scanned.trim().to_string(),
            })
    }

    /// Items whose name contains every word of `query` (case-insensitive), best first:
    /// names that start with the query, then names where each word starts a word, then
    /// other matches; ties by name. At most `limit` items.
    pub fn search(&self, query: &str, limit: usize) -> Vec<ItemRef<'_>> {
        self.search
            .search(query, limit, self.items.names())
            .into_iter()
            .filter_map(|i| self.items.get(i as usize))
            .collect()
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.len() == 0
    }

    /// What the catalogue holds on the heap, in bytes, part by part.
    pub fn heap_bytes(&self) -> HeapBytes {
        let (search_order, postings) = self.search.heap_bytes();
        HeapBytes {
            items: self.items.heap_bytes(),
            barcode_index: self.by_gtin.heap_bytes(),
            search_order,
            postings,
        }
    }

    /// Item `index` in catalogue (file) order.
    pub fn get(&self, index: usize) -> Option<ItemRef<'_>> {
        self.items.get(index)
    }

    /// All items in catalogue (file) order.
    pub fn iter(&self) -> impl Iterator<Item = ItemRef<'_>> + '_ {
        (0..self.len()).filter_map(|i| self.items.get(i))
    }
}

/// Heap bytes of a [`Catalog`], part by part (see [`Catalog::heap_bytes`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HeapBytes {
    /// Packed item records and the names (in rank order, with where each starts).
    pub items: usize,
    /// The barcode hash table.
    pub barcode_index: usize,
    /// The name order and per-name symbol masks of the search index.
    pub search_order: usize,
    /// The search index's posting lists.
    pub postings: usize,
}

impl HeapBytes {
    pub fn total(&self) -> usize {
        self.items + self.barcode_index + self.search_order + self.postings
    }
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
            c.get(0).map(|i| i.to_item()),
            Some(item("036000291452", "Bottled water 500ml"))
        );
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
