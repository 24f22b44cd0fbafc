//! What travels between a lane and `qrtill network serve`. Every reply carries the service's
//! clock, so a lane re-times the simulated latency onto its own clock (lanes and service need
//! not agree on the time, and a lane may even run a virtual clock).

use crate::clock::Timestamp;
use crate::money::Money;
use crate::network::{Delivery, MirroredPhone, Notification, PhoneScreen, ShopperId};
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// A reply of the simulated network and the service's time when it answered.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Timed<T> {
    pub server_now: Timestamp,
    pub delivery: Delivery<T>,
}

impl<T> Timed<T> {
    /// The same delivery on the lane's clock: as far after the lane's `now` as it was after
    /// the service's.
    pub fn on_lane_clock(self, now: Timestamp) -> Delivery<T> {
        let delay = |at: Timestamp| {
            Duration::from_millis(at.millis().saturating_sub(self.server_now.millis()).max(0) as u64)
        };
        Delivery {
            deliver_at: self.delivery.deliver_at.map(|at| now + delay(at)),
            body: self.delivery.body,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ById {
    pub payment_request_id: String,
}

/// A phone call's result: the payment code for `code` and `tap`, the phone's screen after
/// `scan`, nothing for the others.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PhoneReply {
    pub ok: Option<String>,
    pub error: Option<String>,
    #[serde(default)]
    pub screen: Option<PhoneScreen>,
}

/// What some phone calls carry: the counter's order code for `scan` (bill number and amount),
/// the switch for `offline`, the new balance for `balance`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct PhoneBody {
    #[serde(default)]
    pub bill_number: Option<String>,
    #[serde(default)]
    pub amount: Option<Money>,
    #[serde(default)]
    pub offline: Option<bool>,
    #[serde(default)]
    pub balance: Option<Money>,
}

/// `GET /phones`: every shopper's phone as the service shows it now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PhoneBoard {
    pub phones: Vec<(ShopperId, MirroredPhone)>,
}

/// A page of the service's notification log. `epoch` changes when the service restarts (its
/// log starts again at 1), so a lane knows to reset its cursor.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NotePage {
    pub epoch: i64,
    pub server_now: Timestamp,
    /// Give this back as `after` for the next page.
    pub last: u64,
    pub notes: Vec<Timed<Notification>>,
}

/// Query string of `GET /notifications`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NoteQuery {
    #[serde(default)]
    pub after: u64,
    #[serde(default)]
    pub epoch: i64,
    /// Only notifications whose payment request id starts with this (the lane's prefix).
    #[serde(default)]
    pub prefix: String,
    /// How long to hold the request open when nothing is waiting (long poll), ms, ≤ 10 000.
    #[serde(default)]
    pub wait_ms: u64,
}

/// Returns a notification log entry as of `server_now`.
pub fn timed<T>(server_now: Timestamp, delivery: Delivery<T>) -> Timed<T> {
    Timed {
        server_now,
        delivery,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lane_clock_keeps_the_delay_not_the_service_time() {
        let t = Timed {
            server_now: Timestamp::from_millis(10_000),
            delivery: Delivery::at(Timestamp::from_millis(10_250), "x"),
        };
        let d = t.on_lane_clock(Timestamp::from_millis(500));
        assert_eq!(d.deliver_at, Some(Timestamp::from_millis(750)));
        let lost = Timed {
            server_now: Timestamp::from_millis(10_000),
            delivery: Delivery::lost("y"),
        };
        assert_eq!(
            lost.on_lane_clock(Timestamp::from_millis(1)).deliver_at,
            None
        );
    }
}
