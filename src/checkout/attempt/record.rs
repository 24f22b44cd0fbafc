//! What the journal keeps of a payment attempt: typed here, turned into text only by the
//! journal when it writes the row (`journal/attempts.rs`).

use super::super::payment::PayMode;
use super::super::sale::CompletedSale;
use crate::clock::Timestamp;
use crate::money::Money;
use crate::network::{CardDecline, ResultCode};
use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AttemptState {
    /// Journaled; the request may or may not have reached the network.
    Pending,
    /// Paid and linked to a committed sale.
    Paid,
    /// Definitely not paid (declined, closed, or cancelled before payment).
    Failed,
    /// Cancelled after the wallet had taken the money; the wallet refunded it.
    Reversed,
    /// No definite answer: a person must resolve it with the acquirer. A wallet cancel that was
    /// never confirmed is also retried at every start-up and by `qrtill reconcile`
    /// (`AttemptOutcome::CancelUnconfirmed`).
    NeedsManual,
    /// A static-entry-code payment the counter could not match to a sale (wrong amount, or no
    /// static screen open): kept so it is never lost; refund it or settle it by hand.
    Unmatched,
}

impl AttemptState {
    pub fn as_str(self) -> &'static str {
        match self {
            AttemptState::Pending => "pending",
            AttemptState::Paid => "paid",
            AttemptState::Failed => "failed",
            AttemptState::Reversed => "reversed",
            AttemptState::NeedsManual => "needs_manual",
            AttemptState::Unmatched => "unmatched",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "pending" => AttemptState::Pending,
            "paid" => AttemptState::Paid,
            "failed" => AttemptState::Failed,
            "reversed" => AttemptState::Reversed,
            "needs_manual" => AttemptState::NeedsManual,
            "unmatched" => AttemptState::Unmatched,
            _ => return None,
        })
    }

    pub fn is_final(self) -> bool {
        !matches!(self, AttemptState::Pending)
    }
}

/// How an attempt that did not become a sale ended. The state follows from it, so the two
/// cannot disagree; the journal stores its `Display` text as the row's outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AttemptOutcome {
    /// The wallet declined with this code.
    Declined(ResultCode),
    /// The card issuer declined (`decline`), or the card call failed with `code`.
    CardDeclined {
        decline: Option<CardDecline>,
        code: ResultCode,
    },
    /// The wallet reports the payment reversed: a cancel sent earlier returned the charge.
    FoundReversed,
    /// The counter's cancel closed the order; `refunded` when the wallet had taken the money.
    Cancelled { why: String, refunded: bool },
    /// No definite answer: a person settles it with the acquirer.
    Manual(String),
    /// The wallet never confirmed the cancel (no answer to any try): the reversal is still
    /// owed, so start-up recovery and `qrtill reconcile` send it again (a person settles it
    /// meanwhile, or if it never goes through).
    CancelUnconfirmed,
}

/// How the journal writes `AttemptOutcome::CancelUnconfirmed` (rows of older versions with this
/// text are owed reversals too).
pub const CANCEL_UNCONFIRMED: &str = "the cancel was never confirmed";

impl AttemptOutcome {
    pub fn state(&self) -> AttemptState {
        match self {
            AttemptOutcome::Declined(_) | AttemptOutcome::CardDeclined { .. } => {
                AttemptState::Failed
            }
            AttemptOutcome::Cancelled {
                refunded: false, ..
            } => AttemptState::Failed,
            AttemptOutcome::Cancelled { refunded: true, .. } | AttemptOutcome::FoundReversed => {
                AttemptState::Reversed
            }
            AttemptOutcome::Manual(_) | AttemptOutcome::CancelUnconfirmed => {
                AttemptState::NeedsManual
            }
        }
    }
}

impl fmt::Display for AttemptOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AttemptOutcome::Declined(code) => f.write_str(code.wire()),
            AttemptOutcome::CardDeclined { decline, code } => {
                f.write_str(decline.map_or(code.wire(), |d| d.wire()))
            }
            AttemptOutcome::FoundReversed => f.write_str("cancelled earlier; charge returned"),
            AttemptOutcome::Cancelled {
                why,
                refunded: true,
            } => write!(f, "cancelled ({why}); the wallet returned the charge"),
            AttemptOutcome::Cancelled {
                why,
                refunded: false,
            } => write!(f, "cancelled ({why}); nothing charged"),
            AttemptOutcome::Manual(why) => f.write_str(why),
            AttemptOutcome::CancelUnconfirmed => f.write_str(CANCEL_UNCONFIRMED),
        }
    }
}

/// The journal row of an attempt: the sale as it will be committed (minus the tender the network
/// will report), so a payment approved just before a crash can still become a sale.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttemptRecord {
    pub request_id: String,
    pub lane_id: String,
    pub mode: PayMode,
    pub amount: Money,
    pub state: AttemptState,
    pub created_at: Timestamp,
    /// The basket as it will be committed. `None` when a stored row's basket cannot be read:
    /// the attempt is still resolved, and a paid one goes to a person.
    pub basket: Option<CompletedSale>,
    /// The outcome as the journal stored it (text: rows written by older versions included).
    pub outcome: Option<String>,
}
