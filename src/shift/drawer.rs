//! Cash moved in and out of the drawer outside a sale, and when it needs the supervisor.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MoveKind {
    PaidIn,
    PaidOut,
    /// The drawer opened without a sale: no money moves, but who and why are logged.
    NoSale,
}

impl MoveKind {
    pub fn as_str(self) -> &'static str {
        match self {
            MoveKind::PaidIn => "paid_in",
            MoveKind::PaidOut => "paid_out",
            MoveKind::NoSale => "no_sale",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "paid_in" => Some(MoveKind::PaidIn),
            "paid_out" => Some(MoveKind::PaidOut),
            "no_sale" => Some(MoveKind::NoSale),
            _ => None,
        }
    }
}

/// One journaled drawer event: who, when, why, and (for paid-in/out) how much.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CashMove {
    pub kind: MoveKind,
    pub at: crate::clock::Timestamp,
    pub by: String,
    /// The supervisor who entered the PIN, when one was needed.
    pub approved_by: Option<String>,
    /// Minor units, never negative; the kind says the direction.
    pub amount_minor: i64,
    pub reason: String,
}

/// Whether an amount (minor units, either sign) is above a threshold and needs the PIN.
pub fn needs_pin(amount_minor: i64, threshold_minor: i64) -> bool {
    amount_minor.unsigned_abs() > threshold_minor.unsigned_abs()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pin_is_needed_strictly_above_the_threshold_either_way() {
        assert!(!needs_pin(5000, 5000));
        assert!(needs_pin(5001, 5000));
        assert!(needs_pin(-501, 500));
        assert!(!needs_pin(-500, 500));
    }

    #[test]
    fn kinds_keep_their_stored_names() {
        for k in [MoveKind::PaidIn, MoveKind::PaidOut, MoveKind::NoSale] {
            assert_eq!(MoveKind::parse(k.as_str()), Some(k));
        }
        assert_eq!(MoveKind::parse("refund"), None);
    }
}
