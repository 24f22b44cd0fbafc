//! The PIN check as the refund and shift-close screens keep it (a message and a lock end in
//! their own stage): the check and its wording are `checkout::pin_prompt`'s, the one gate
//! every PIN screen shares, so wrong entries on any screen count toward the same lockout.

use crate::checkout::pin_prompt;
use crate::clock::Timestamp;
use crate::pin::PinGate;

pub use pin_prompt::MAX_PIN_DIGITS;

/// Checks `typed` against `gate`; on a refusal sets what the PIN box says (and the lockout's
/// end). Returns whether the supervisor accepted.
pub fn check_pin(
    gate: &mut PinGate,
    typed: &str,
    now: Timestamp,
    message: &mut Option<String>,
    locked_until: &mut Option<Timestamp>,
) -> bool {
    match pin_prompt::check(gate, typed, now) {
        Ok(()) => true,
        Err(refusal) => {
            *message = Some(refusal.message);
            if refusal.locked_until.is_some() {
                *locked_until = refusal.locked_until;
            }
            false
        }
    }
}
