//! The store's side of refunds at this lane (`store.url`): another lane's sale opened from the
//! store by its receipt reference, and every refund's remainder reserved in PostgreSQL under a
//! row lock (store/refunds.rs) after the refund is journaled here and before any money moves.
//! With the store unreachable a lane refunds only its own sales, from its journal's remainder;
//! those refunds are recorded in the store when it answers again (before the next reservation).

use super::Runtime;
use crate::checkout::history::SaleRecord;
use crate::checkout::refund::desk::{self, Begun, DeskError, Prepared};
use crate::clock::{Clock, Timestamp};
use crate::journal::{RefundEvent, RefundState};
use crate::store::StoreError;
use crate::store::cross_lane::{self, LateRefund};
use crate::store::outbox::LaneId;
use crate::store::refunds::{RefundAsk, Reservation, reserve};

/// What the counter says about another lane's receipt while the store cannot be reached.
pub const STORE_OFFLINE: &str = "store offline: only this lane's sales can be refunded";

/// The lane's way to the store for refunds: a connection from the lane's pool for each call.
pub struct StoreDesk {
    pool: crate::store::Pool,
    lane: LaneId,
    /// What the lane's replication last saw of the store, when it runs (the counter).
    status: Option<crate::store::StatusHandle>,
}

impl std::fmt::Debug for StoreDesk {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoreDesk")
            .field("lane", &self.lane)
            .field("pool", &self.pool.state())
            .finish()
    }
}

impl StoreDesk {
    pub fn new(pool: crate::store::Pool, lane: LaneId) -> StoreDesk {
        StoreDesk {
            pool,
            lane,
            status: None,
        }
    }

    /// Runs `f` on a connection from the pool: the idle one the pool keeps ready, else the next
    /// one it opens. The wait is `store::connection_wait`: while replication finds the store
    /// down (the header says "store offline") a quarter of a second, so the counter says so at
    /// once; otherwise the connect timeout (3 s), the wait a store that just went away costs.
    /// The pool retries in the background every 1.5 s at most, so within about that long of
    /// the store's return it holds a connection again and the short wait takes it, before
    /// replication's next attempt (backoff up to 5 s) clears the header. A connection that
    /// broke (the server went away) is dropped by the pool, so the next call opens another.
    fn with<T>(
        &mut self,
        f: impl FnOnce(&mut postgres::Client, &LaneId) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let status = self.status.as_ref().map(crate::store::StatusHandle::get);
        let wait = crate::store::connection_wait(status.as_ref());
        let mut client = self.pool.get_timeout(wait)?;
        f(&mut client, &self.lane)
    }
}

impl<C: Clock> Runtime<C> {
    /// Joins this lane to the store (through the lane's `pool`) for cross-lane returns and the
    /// reservation of every refund.
    pub fn use_store(&mut self, pool: crate::store::Pool, lane: LaneId) {
        self.store = Some(StoreDesk::new(pool, lane));
    }

    /// Lets the store desk see what the lane's replication last saw of the store, so it does
    /// not wait the connect timeout for a store replication already finds down.
    pub fn watch_store_status(&mut self, status: crate::store::StatusHandle) {
        if let Some(desk) = self.store.as_mut() {
            desk.status = Some(status);
        }
    }

    /// Whether a sale of `lane_id` missing from the journal is looked for in the store: another
    /// lane's, at a lane joined to a store.
    pub(super) fn asks_store_for(&self, lane_id: &str) -> bool {
        self.store.is_some() && lane_id != self.this_lane()
    }

    fn this_lane(&self) -> String {
        self.checkout.settings().lane_id.clone()
    }

    /// A sale with its refunds for the opened-sale screen: from the journal, or, for another
    /// lane's sale, from the store (kept in the journal then, so it can be refunded here).
    pub(super) fn open_sale(
        &mut self,
        lane_id: &str,
        sale_no: u64,
        now: Timestamp,
    ) -> Result<Option<SaleRecord>, String> {
        let found = self
            .journal
            .sale_record(lane_id, sale_no)
            .map_err(|e| e.to_string())?;
        if found.is_some() || !self.asks_store_for(lane_id) {
            return Ok(found);
        }
        let Some(store) = self.store.as_mut() else {
            return Ok(None);
        };
        let fetched =
            store.with(|c, lane| cross_lane::fetch_sale(c, &lane.store_id, lane_id, sale_no));
        match fetched {
            Ok(Some(sale)) => {
                self.journal
                    .remember_foreign_sale(&sale, now)
                    .map_err(|e| e.to_string())?;
                self.journal
                    .sale_record(lane_id, sale_no)
                    .map_err(|e| e.to_string())
            }
            Ok(None) => Ok(None),
            Err(e) => {
                tracing::warn!(error = %e, lane_id, sale_no, "store unreachable for a cross-lane sale");
                Err(STORE_OFFLINE.to_string())
            }
        }
    }

    /// Journals `prepared` here, then reserves its amount in the store (when one is set): the
    /// refund screen's `Begin` and `qrtill refund` both come through here. A refusal by the
    /// store is journaled as the refund's final state, so nothing is left open.
    pub fn begin_refund(&mut self, prepared: Prepared, now: Timestamp) -> Result<Begun, DeskError> {
        let this_lane = self.this_lane();
        let foreign = prepared.sale.lane_id != this_lane;
        if foreign && self.store.is_none() {
            return Err(DeskError::Store(STORE_OFFLINE.to_string()));
        }
        let begun = desk::begin(&mut self.journal, prepared, now, &this_lane)?;
        let Some(store) = self.store.as_mut() else {
            return Ok(begun);
        };
        let id = begun.record.refund.refund_request_id.clone();
        let late = own_refunds_to_record(&self.journal, &this_lane, &id);
        let ask_amount = begun.record.refund.amount.to_minor();
        let (sale_lane, sale_no) = (begun.sale.lane_id.clone(), begun.sale.sale_no);
        let reserved = store.with(|c, lane| {
            if let Some(late) = &late {
                record_late(c, lane, late)?;
            }
            reserve(
                c,
                &RefundAsk {
                    store_id: &lane.store_id,
                    refund_id: &id,
                    sale_lane: &sale_lane,
                    sale_no: sale_no as i64,
                    by_lane: &lane.lane_id,
                    amount_minor: ask_amount,
                },
            )
        });
        let refusal = match reserved {
            Ok(Reservation::Reserved { .. } | Reservation::AlreadyReserved { .. }) => None,
            Ok(Reservation::Exceeds { remaining }) => Some(format!(
                "the store's lanes have refunded this sale already: only {} is left",
                money_text(&begun, remaining)
            )),
            // Not replicated yet: only this lane can know it, so its journal's remainder holds.
            Ok(Reservation::UnknownSale) if !foreign => None,
            Ok(Reservation::UnknownSale) => Some(format!(
                "the store does not hold sale {sale_no} of lane {sale_lane}"
            )),
            Err(e) if !foreign => {
                tracing::warn!(error = %e, refund = %id, "store unreachable: refunding from this lane's journal");
                None
            }
            Err(e) => {
                tracing::warn!(error = %e, refund = %id, "store unreachable for a cross-lane refund");
                Some(STORE_OFFLINE.to_string())
            }
        };
        let Some(why) = refusal else {
            return Ok(begun);
        };
        let event = RefundEvent {
            detail: Some(format!("store: {why}")),
            ..RefundEvent::new(RefundState::Failed, now)
        };
        if let Err(e) = self.journal.record_refund_event(&id, &event) {
            tracing::error!(error = %e, refund = %id, "store refusal not journaled");
        }
        Err(DeskError::Store(why))
    }

    /// A refund state was journaled: a refusal by the network gives the store reservation back
    /// (nothing moved). Unknown and open refunds keep theirs until they are resolved.
    pub fn after_refund_event(&mut self, id: &str, event: &RefundEvent) {
        if event.state != RefundState::Failed {
            return;
        }
        let Some(store) = self.store.as_mut() else {
            return;
        };
        if let Err(e) = store.with(|c, lane| cross_lane::release(c, &lane.store_id, id)) {
            // The reservation stays: the store then under-counts what may be refunded, never
            // over-counts. A manager can see it beside the lane's journal.
            tracing::warn!(error = %e, refund = %id, "store reservation not given back");
        }
    }

    /// Records in the store this lane's refunds of its own sales that it made while the store
    /// was away. Returns what it found; an error when the store cannot be reached.
    pub fn store_catch_up(&mut self) -> Result<cross_lane::LateRecorded, String> {
        let this_lane = self.this_lane();
        let Some(late) = own_refunds_to_record(&self.journal, &this_lane, "") else {
            return Err("the journal's refunds could not be read".into());
        };
        let Some(store) = self.store.as_mut() else {
            return Ok(cross_lane::LateRecorded::default());
        };
        store
            .with(|c, lane| record_late(c, lane, &late))
            .map_err(|e| e.to_string())
    }
}

/// This lane's refunds of its own sales that may need recording in the store (all but failed
/// ones and `except`, the refund being reserved now); `None` when the journal cannot be read.
fn own_refunds_to_record(
    journal: &crate::journal::Journal,
    this_lane: &str,
    except: &str,
) -> Option<Vec<LateRefund>> {
    match journal.all_refunds() {
        Ok(all) => Some(
            all.into_iter()
                .filter(|r| {
                    r.refund.lane_id == this_lane
                        && r.state != RefundState::Failed
                        && r.refund.refund_request_id != except
                })
                .map(|r| LateRefund {
                    amount_minor: r.refund.amount.to_minor(),
                    refund_id: r.refund.refund_request_id,
                    sale_lane: r.refund.lane_id,
                    sale_no: r.refund.sale_no,
                })
                .collect(),
        ),
        Err(e) => {
            tracing::warn!(error = %e, "refunds not read for the store");
            None
        }
    }
}

/// Records those of `late` the store does not hold yet.
fn record_late(
    client: &mut postgres::Client,
    lane: &LaneId,
    late: &[LateRefund],
) -> Result<cross_lane::LateRecorded, StoreError> {
    if late.is_empty() {
        return Ok(cross_lane::LateRecorded::default());
    }
    let ids: Vec<String> = late.iter().map(|r| r.refund_id.clone()).collect();
    let known = cross_lane::known_refunds(client, &lane.store_id, &ids)?;
    let missing: Vec<LateRefund> = late
        .iter()
        .filter(|r| !known.contains(&r.refund_id))
        .cloned()
        .collect();
    let done = cross_lane::record_late(client, &lane.store_id, &lane.lane_id, &missing)?;
    for (sale_lane, sale_no, over) in &done.over {
        tracing::error!(
            sale_lane,
            sale_no,
            over_minor = over,
            "refunded past the sale: an offline refund met another lane's"
        );
    }
    Ok(done)
}

fn money_text(begun: &Begun, minor: i64) -> String {
    crate::money::Money::from_minor(minor, begun.sale.total.currency())
        .map(|m| m.with_code())
        .unwrap_or_else(|_| format!("{minor} (minor units)"))
}
