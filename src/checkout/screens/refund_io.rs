//! What the refund screen asks of the runtime, and what comes back. Kept in one pair of enums
//! so the shared `Effect` and `Event` each gain one variant.

use crate::checkout::refund::Status;
use crate::checkout::refund::desk::{Begun, Prepared, RefundOrder};
use crate::checkout::sale::CompletedSale;
use crate::clock::Timestamp;
use crate::journal::{RefundEvent, RefundRecord};
use crate::network::{CancelResponse, RefundRequest, RefundResponse};
use crate::pin::LockState;

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
    /// Print the slip of the finished refund `id` (as the journal now holds it) on the sale
    /// receipt's printer; the slip kicks the drawer for a settled cash refund only. Reply
    /// `Printed` once the printer is done (a screen-only printer never replies).
    PrintSlip {
        id: String,
        sale: Box<CompletedSale>,
        status: Box<Status>,
    },
    /// Save the PIN gate's wrong-entry count and lock where `qrtill refund` keeps it, so a
    /// restart of the counter does not reset it; reply `LockSaved`.
    SaveLock(LockState),
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
    /// The refund slip of `id` was printed, or why not.
    Printed {
        id: String,
        result: Result<(), String>,
    },
    /// The PIN lock was saved, or why not.
    LockSaved(Result<(), String>),
}
