//! The PIN check as the refund and shift-close screens keep it (the digits, a message and a
//! lock live in their own stage): each key runs through `checkout::pin_prompt::PinPrompt`, the
//! one place digits, Backspace and Enter are handled, against the one gate every PIN screen
//! shares, so wrong entries on any screen count toward the same lockout. Every entry that
//! changes the gate's count or lock is saved (`lock_save`), so a restart forgets none.

use super::refund_io::RefundEffect;
use crate::checkout::action::{Action, Effect};
use crate::checkout::pin_prompt::{PinPrompt, PinStep};
use crate::clock::Timestamp;
use crate::pin::{LockState, PinGate};

/// The fields of a PIN stage that keeps them itself.
#[derive(Debug)]
pub struct PinFields<'a> {
    pub entry: &'a mut String,
    pub message: &'a mut Option<String>,
    pub locked_until: &'a mut Option<Timestamp>,
}

/// One key at such a stage: the step it took (`Cancelled` only for Back, which the screens
/// handle before this) and the effect that saves the gate when the key changed it.
pub fn on_key(
    action: &Action,
    gate: &mut PinGate,
    now: Timestamp,
    fields: PinFields<'_>,
) -> (PinStep, Option<Effect>) {
    let before = gate.state();
    let mut prompt = PinPrompt {
        entry: std::mem::take(fields.entry),
        message: fields.message.take(),
        locked_until: *fields.locked_until,
    };
    let step = prompt.on_action(action, gate, now);
    *fields.entry = prompt.entry;
    *fields.message = prompt.message;
    *fields.locked_until = prompt.locked_until;
    (step, lock_save(before, gate))
}

/// Saves the gate's wrong entries and lock when they differ from `before`, where `qrtill
/// refund` and `qrtill shift` keep them: a restart of the counter does not reset the count.
pub fn lock_save(before: LockState, gate: &PinGate) -> Option<Effect> {
    let after = gate.state();
    (after != before).then_some(Effect::Refund(RefundEffect::SaveLock(after)))
}
