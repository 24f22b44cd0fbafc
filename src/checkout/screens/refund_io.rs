//! What the refund screen asks of the runtime, and what comes back. Kept in one pair of enums
//! so the shared `Effect` and `Event` each gain one variant.

use crate::checkout::refund::desk::{Begun, Prepared, RefundOrder};
use crate::clock::Timestamp;
use crate::journal::{RefundEvent, RefundRecord};
use crate::network::{CancelResponse, RefundRequest, RefundResponse};

/// Effects of the refund screen (carried out in `runtime/refund.rs`).
#[derive(Debug, Clone, PartialEq)]
pub enum RefundEffect {
    /// Read what is left to refund on each line of the sale; reply `Refundable`.
    LoadRefundable { lane_id: String, sale_no: u64 },
    /// Plan the order against the journal (nothing written); reply `Prepared`.
    Prepare(RefundOrder),
    /// Journal the refund before anything is sent; reply `Begun`.
    Begin(Box<Prepared>),
    /// Append a state to the journaled refund; reply `Recorded` with the record as it now is.
    Record { id: String, event: RefundEvent },
    /// Send the refund request; reply `RefundReply` (`None` when no reply came in time).
    SendRefund(RefundRequest),
    /// Cancel the wallet payment (post-void); reply `CancelReply`.
    SendCancel {
        id: String,
        payment_request_id: String,
    },
    /// Deliver `Retry` at this time.
    RetryAt { id: String, at: Timestamp },
}

/// Replies to the refund screen's effects.
#[derive(Debug, Clone, PartialEq)]
pub enum RefundNews {
    Refundable {
        sale_no: u64,
        left: Result<Vec<u32>, String>,
    },
    Prepared(Result<Box<Prepared>, String>),
    Begun(Result<Box<Begun>, String>),
    Recorded {
        id: String,
        record: Result<Option<Box<RefundRecord>>, String>,
    },
    RefundReply {
        id: String,
        reply: Option<Box<RefundResponse>>,
    },
    CancelReply {
        id: String,
        reply: Option<Box<CancelResponse>>,
    },
    Retry {
        id: String,
    },
}
