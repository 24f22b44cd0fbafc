//! Store catalogues arriving from the lane's watcher thread (store/catalog_watch.rs): the
//! runtime takes them off the channel on its tick and hands them to the checkout as an event;
//! the checkout's `CatalogSwapped` effect, once the sale has ended, is published back so the
//! watcher can report the version the lane sells from.

use super::Runtime;
use crate::checkout::Event;
use crate::checkout::catalog_swap::CatalogUpdate;
use crate::clock::{Clock, Timestamp};
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::mpsc::Receiver;
use std::time::Duration;

/// How often the runtime looks at the channel when nothing else wakes it.
const POLL: Duration = Duration::from_millis(500);

/// The receiving end of a catalogue watcher.
#[derive(Debug)]
pub struct CatalogFeed {
    pub updates: Receiver<CatalogUpdate>,
    /// The version the checkout sells from (0: none from the store), for the watcher to report.
    pub selling: Arc<AtomicI64>,
}

impl<C: Clock> Runtime<C> {
    /// Takes store catalogues from `feed` from now on.
    pub fn watch_catalog(&mut self, feed: CatalogFeed) {
        feed.selling.store(
            self.checkout.catalog_version().unwrap_or(0),
            Ordering::Relaxed,
        );
        self.catalog_feed = Some(feed);
    }

    /// Delivers what the watcher sent since the last tick; true if anything arrived.
    pub(super) fn take_catalog_updates(&mut self) -> bool {
        let arrived: Vec<CatalogUpdate> = match &self.catalog_feed {
            Some(feed) => feed.updates.try_iter().collect(),
            None => return false,
        };
        let any = !arrived.is_empty();
        for update in arrived {
            self.feed(Event::CatalogArrived(Box::new(update)));
        }
        any
    }

    /// With a watcher attached, the runtime wakes now and then to look for its news.
    pub(super) fn catalog_poll_due(&self) -> Option<Timestamp> {
        self.catalog_feed.as_ref().map(|_| self.clock.now() + POLL)
    }

    pub(super) fn catalog_swapped(&mut self, version: i64, items: usize) {
        tracing::info!(version, items, "store catalogue taken up between sales");
        if let Some(feed) = &self.catalog_feed {
            feed.selling.store(version, Ordering::Relaxed);
        }
    }
}
