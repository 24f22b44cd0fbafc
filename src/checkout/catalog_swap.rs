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
