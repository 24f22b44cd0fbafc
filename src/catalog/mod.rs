//! The catalogue: products, GTIN check digits, the loaders (TOML, CSV) and the lookup and
//! search index.

mod by_gtin;
mod fast_csv;
pub mod gtin;
pub mod index;
pub mod item;
pub mod load;
mod par;
mod postings;
mod search;
pub mod snapshot;
mod store;
mod trim;
mod wire;

pub use gtin::{Gtin, GtinError};
pub use index::{Catalog, DuplicateBarcode, HeapBytes, LookupError};
pub use item::{Code, Item, ItemRef};
pub use load::{CatalogError, Problem};
pub use snapshot::{Loaded, Miss, open_with_snapshot, snapshot_path};
pub use store::TooLarge;

use crate::money::Currency;
use std::collections::BTreeSet;
use std::path::Path;

/// The embedded demo catalogue: café and convenience items for a US store, priced in USD,
/// with tax categories `food`, `prepared` and `general`.
pub const DEMO_CATALOG_TOML: &str = include_str!("../../assets/catalog.toml");

/// The name the embedded demo catalogue reports problems under.
pub const DEMO_CATALOG_NAME: &str = "<embedded>/assets/catalog.toml";

/// Loads the embedded demo catalogue, checked against the store's tax codes and currency.
pub fn demo(tax_codes: &BTreeSet<String>, currency: Currency) -> Result<Catalog, CatalogError> {
    load::catalog_from_toml_str(
        DEMO_CATALOG_TOML,
        Path::new(DEMO_CATALOG_NAME),
        tax_codes,
        currency,
    )
}

/// Loads a catalogue file (`.toml` or `.csv`, by extension) into a ready-to-use index.
pub fn open(
    path: &Path,
    tax_codes: &BTreeSet<String>,
    currency: Currency,
) -> Result<Catalog, CatalogError> {
    let loaded = load::catalog_from_file(path, tax_codes, currency);
    // The file's bytes and the loaders' scratch space are freed by now.
    trim::release_scratch();
    loaded
}

/// Loads a catalogue file like [`open`], through its snapshot in `cache_dir` (see
/// [`snapshot`]): parsed only when the file changed since the snapshot was saved.
pub fn open_cached(
    path: &Path,
    tax_codes: &BTreeSet<String>,
    currency: Currency,
    cache_dir: &Path,
) -> Result<Catalog, CatalogError> {
    let (catalog, loaded) = open_with_snapshot(path, tax_codes, currency, cache_dir)?;
    tracing::info!(file = %path.display(), items = catalog.len(), ?loaded, "catalogue loaded");
    Ok(catalog)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn us_codes() -> BTreeSet<String> {
        ["food", "prepared", "general"]
            .map(String::from)
            .into_iter()
            .collect()
    }

    #[test]
    fn demo_catalogue_loads_and_finds_a_flat_white_by_scan_and_by_name() {
        let c = demo(&us_codes(), Currency::USD).unwrap();
        assert!(c.len() >= 40);
        let first = c.get(0).unwrap();
        assert_eq!(c.lookup(&first.barcode).unwrap(), first);
        assert_eq!(c.search("flat wh", 5)[0].name, "Flat white 12oz");
    }

    #[test]
    fn demo_catalogue_refuses_a_store_without_its_tax_categories() {
        let only_food: BTreeSet<String> = ["food".to_string()].into_iter().collect();
        let err = demo(&only_food, Currency::USD).unwrap_err();
        assert!(err.problems.len() > 20);
        assert!(err.problems[0].message.starts_with("unknown tax category"));
    }
}
