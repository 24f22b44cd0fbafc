//! The supervisor PIN check every PIN screen shares (refund, shift close): one gate, so wrong
//! entries on either screen count toward the same lockout, and one set of messages.

use crate::clock::Timestamp;
use crate::pin::{PinCheck, PinGate};

/// The longest PIN `pin::check_format` accepts.
pub const MAX_PIN_DIGITS: usize = 12;

/// Checks `typed` against `gate`; on a refusal sets what the PIN box says (and the lockout's
/// end). Returns whether the supervisor accepted.
pub fn check_pin(
    gate: &mut PinGate,
    typed: &str,
    now: Timestamp,
    message: &mut Option<String>,
    locked_until: &mut Option<Timestamp>,
) -> bool {
    match gate.check(typed, now) {
        PinCheck::Accepted => return true,
        PinCheck::Wrong { left } => {
            *message = Some(format!(
                "Wrong PIN: {left} more {} before entry locks for {} s.",
                if left == 1 { "try" } else { "tries" },
                crate::pin::LOCKOUT.as_secs()
            ));
        }
        PinCheck::Locked { until } => {
            *locked_until = Some(until);
            *message = Some(format!(
                "PIN entry locked: {} wrong entries. Try again in {} s.",
                crate::pin::MAX_WRONG,
                until.since(now).as_secs().max(1)
            ));
        }
        PinCheck::NotSet => {
            *message = Some(
                "No supervisor PIN is set: set one with `qrtill pin set`, then try again.".into(),
            );
        }
    }
    false
}
