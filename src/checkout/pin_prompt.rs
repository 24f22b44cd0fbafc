//! The supervisor PIN as the counter's screens take it: digits typed masked, checked at the
//! one `PinGate` (its count of wrong entries and its lockout are shared by every screen that
//! asks), and what each refusal says. The refund screen and the training switch both use it.

use super::Action;
use crate::clock::Timestamp;
use crate::pin::{PinCheck, PinGate};

/// The longest PIN `pin::check_format` accepts.
pub const MAX_PIN_DIGITS: usize = 12;

/// Why an entry was not accepted, as the screen shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub message: String,
    /// Set when the entry locked (or was already locked): until when.
    pub locked_until: Option<Timestamp>,
}

/// Checks `typed` at `gate`: `Ok` when accepted, else what to tell the cashier.
pub fn check(gate: &mut PinGate, typed: &str, now: Timestamp) -> Result<(), Refusal> {
    let (message, locked_until) = match gate.check(typed, now) {
        PinCheck::Accepted => return Ok(()),
        PinCheck::Wrong { left } => (
            format!(
                "Wrong PIN: {left} more {} before entry locks for {} s.",
                if left == 1 { "try" } else { "tries" },
                crate::pin::LOCKOUT.as_secs()
            ),
            None,
        ),
        PinCheck::Locked { until } => (
            format!(
                "PIN entry locked: {} wrong entries. Try again in {} s.",
                crate::pin::MAX_WRONG,
                until.since(now).as_secs().max(1)
            ),
            Some(until),
        ),
        PinCheck::NotSet => (
            "No supervisor PIN is set: set one with `qrtill pin set`, then try again.".into(),
            None,
        ),
    };
    Err(Refusal {
        message,
        locked_until,
    })
}

/// A PIN being typed: the digits (never shown), the last refusal and the lock.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PinPrompt {
    pub entry: String,
    pub message: Option<String>,
    pub locked_until: Option<Timestamp>,
}

/// What a key did to the prompt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PinStep {
    /// Still typing (or refused: the message says why).
    Open,
    Accepted,
    /// Esc: the cashier gave up.
    Cancelled,
}

impl PinPrompt {
    pub fn new(gate: &PinGate, now: Timestamp) -> Self {
        Self {
            locked_until: gate.locked_until(now),
            ..Self::default()
        }
    }

    pub fn on_action(&mut self, action: &Action, gate: &mut PinGate, now: Timestamp) -> PinStep {
        match action {
            Action::Char(c) if c.is_ascii_digit() && self.entry.len() < MAX_PIN_DIGITS => {
                self.entry.push(*c)
            }
            Action::Backspace => {
                self.entry.pop();
            }
            Action::Back => return PinStep::Cancelled,
            Action::Enter => {
                let typed = std::mem::take(&mut self.entry);
                match check(gate, &typed, now) {
                    Ok(()) => return PinStep::Accepted,
                    Err(r) => {
                        self.message = Some(r.message);
                        if r.locked_until.is_some() {
                            self.locked_until = r.locked_until;
                        }
                    }
                }
            }
            _ => {}
        }
        PinStep::Open
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn typed(p: &mut PinPrompt, gate: &mut PinGate, pin: &str, now: Timestamp) -> PinStep {
        for c in pin.chars() {
            p.on_action(&Action::Char(c), gate, now);
        }
        p.on_action(&Action::Enter, gate, now)
    }

    #[test]
    fn three_wrong_pins_lock_the_prompt_and_the_right_one_opens_it_after() {
        let mut gate = PinGate::new(Some(crate::pin::hash("2468").unwrap()));
        let t = Timestamp(5_000_000);
        let mut p = PinPrompt::new(&gate, t);
        assert_eq!(typed(&mut p, &mut gate, "1111", t), PinStep::Open);
        assert_eq!(
            p.message.as_deref(),
            Some("Wrong PIN: 2 more tries before entry locks for 60 s.")
        );
        assert!(
            p.entry.is_empty(),
            "the typed digits are dropped after a check"
        );
        typed(&mut p, &mut gate, "1112", t);
        typed(&mut p, &mut gate, "1113", t);
        assert_eq!(p.locked_until, Some(t + crate::pin::LOCKOUT));
        // Locked: even the right PIN is refused, and a new prompt starts locked too.
        assert_eq!(typed(&mut p, &mut gate, "2468", t), PinStep::Open);
        assert_eq!(
            PinPrompt::new(&gate, t + Duration::from_secs(1)).locked_until,
            Some(t + crate::pin::LOCKOUT)
        );
        let later = t + crate::pin::LOCKOUT;
        assert_eq!(typed(&mut p, &mut gate, "2468", later), PinStep::Accepted);
    }

    #[test]
    fn letters_and_long_entries_are_not_typed_and_esc_cancels() {
        let mut gate = PinGate::new(None);
        let t = Timestamp(0);
        let mut p = PinPrompt::new(&gate, t);
        p.on_action(&Action::Char('a'), &mut gate, t);
        for _ in 0..20 {
            p.on_action(&Action::Char('7'), &mut gate, t);
        }
        assert_eq!(p.entry.len(), MAX_PIN_DIGITS);
        p.on_action(&Action::Backspace, &mut gate, t);
        assert_eq!(p.entry.len(), MAX_PIN_DIGITS - 1);
        assert_eq!(p.on_action(&Action::Enter, &mut gate, t), PinStep::Open);
        assert!(
            p.message
                .as_deref()
                .unwrap_or("")
                .contains("qrtill pin set")
        );
        assert_eq!(p.on_action(&Action::Back, &mut gate, t), PinStep::Cancelled);
    }
}
