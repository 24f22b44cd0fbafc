//! A new catalogue (from the store) is taken up between sales only: while a basket is open, or
//! any screen other than the empty basket is up, it waits, so an open sale keeps the prices it
//! was rung up at and the next basket has the new ones.

use super::action::Effect;
use super::machine::{Checkout, Screen};
use crate::catalog::Catalog;
use std::sync::Arc;

/// A catalogue version ready to sell from (already loaded and checked).
#[derive(Clone)]
pub struct CatalogUpdate {
    pub version: i64,
    pub sha256: String,
    pub catalog: Arc<Catalog>,
}

impl std::fmt::Debug for CatalogUpdate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CatalogUpdate")
            .field("version", &self.version)
            .field("sha256", &self.sha256)
            .field("items", &self.catalog.len())
            .finish()
    }
}

/// Two updates are the same when they carry the same version of the same loaded catalogue.
impl PartialEq for CatalogUpdate {
    fn eq(&self, other: &Self) -> bool {
        self.version == other.version
            && self.sha256 == other.sha256
            && Arc::ptr_eq(&self.catalog, &other.catalog)
    }
}

impl Checkout {
    /// The store catalogue version sold from (None: a local file or the demo catalogue).
    pub fn catalog_version(&self) -> Option<i64> {
        self.catalog_version
    }

    /// A newer version that waits for the current sale to end.
    pub fn pending_catalog_version(&self) -> Option<i64> {
        self.pending_catalog.as_ref().map(|u| u.version)
    }

    /// Starts from a store catalogue version (the lane's cache), before any sale.
    pub fn set_catalog_version(&mut self, version: Option<i64>) {
        self.catalog_version = version;
    }

    /// Keeps the newest of what arrived; older or current versions are ignored.
    pub(super) fn on_catalog_arrived(&mut self, update: CatalogUpdate) {
        let newer_than = |v: Option<i64>| v.is_none_or(|v| update.version > v);
        if newer_than(self.catalog_version)
            && newer_than(self.pending_catalog.as_ref().map(|u| u.version))
        {
            self.pending_catalog = Some(Box::new(update));
        }
    }

    /// Between sales: the basket screen with nothing rung up or typed.
    fn between_sales(&self) -> bool {
        self.screen == Screen::Basket
            && self.basket.is_empty()
            && self.scan_input.is_empty()
            && !self.help_open
    }

    /// Swaps in the waiting catalogue if the counter is between sales.
    pub(super) fn swap_catalog_if_between_sales(&mut self) -> Option<Effect> {
        if self.pending_catalog.is_none() || !self.between_sales() {
            return None;
        }
        let update = self.pending_catalog.take()?;
        self.catalog = update.catalog;
        self.catalog_version = Some(update.version);
        self.selected = 0;
        Some(Effect::CatalogSwapped {
            version: update.version,
            items: self.catalog.len(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checkout::{Action, Event};
    use crate::harness::{demo_runtime, scan};
    use crate::money::Currency;
    use std::path::Path;

    const WATER: &str = "036000291452";

    fn update(version: i64, price: &str) -> CatalogUpdate {
        let codes = ["food"].map(String::from).into_iter().collect();
        let csv = format!("barcode,name,price,tax\n{WATER},Water,{price},food\n");
        let catalog = crate::catalog::load::catalog_from_csv_bytes(
            csv.as_bytes(),
            Path::new("t.csv"),
            &codes,
            Currency::USD,
        )
        .expect("loads");
        CatalogUpdate {
            version,
            sha256: format!("v{version}"),
            catalog: Arc::new(catalog),
        }
    }

    fn prices(c: &Checkout) -> Vec<i64> {
        c.basket
            .lines()
            .iter()
            .map(|l| l.item.price.to_minor())
            .collect()
    }

    #[test]
    fn an_update_waits_for_the_open_basket_and_an_older_one_is_ignored() {
        let mut rt = demo_runtime().expect("runtime");
        let now = rt.now();
        let effects = rt
            .checkout
            .handle(Event::CatalogArrived(Box::new(update(1, "1.00"))), now);
        assert_eq!(
            effects,
            vec![Effect::CatalogSwapped {
                version: 1,
                items: 1
            }]
        );
        scan(&mut rt, WATER);
        assert_eq!(prices(&rt.checkout), vec![100]);
        let effects = rt
            .checkout
            .handle(Event::CatalogArrived(Box::new(update(2, "1.50"))), now);
        assert!(effects.is_empty(), "{effects:?}");
        assert_eq!(rt.checkout.pending_catalog_version(), Some(2));
        // An older version arriving late does not replace the newer one waiting.
        rt.checkout
            .handle(Event::CatalogArrived(Box::new(update(1, "9.00"))), now);
        assert_eq!(rt.checkout.pending_catalog_version(), Some(2));
        scan(&mut rt, WATER);
        assert_eq!(
            prices(&rt.checkout),
            vec![100],
            "the open basket keeps 1.00"
        );
        // Clearing the basket ends the sale: the next basket sells at 1.50.
        rt.dispatch(Action::ClearBasket);
        rt.dispatch(Action::Char('y'));
        assert!(rt.checkout.basket.is_empty());
        assert_eq!(rt.checkout.catalog_version(), Some(2));
        scan(&mut rt, WATER);
        assert_eq!(prices(&rt.checkout), vec![150]);
    }
}
