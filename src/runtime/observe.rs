//! Observers of the counter's state (second screens, the web phone). The loop calls `publish`
//! before it draws; an observer takes what it needs and returns at once: it never blocks the
//! counter.

use super::Runtime;
use crate::checkout::Checkout;
use crate::clock::{Clock, Timestamp};
use crate::network::Network;

pub trait StateObserver {
    /// The state may have changed. Must not block.
    fn observe(&mut self, checkout: &Checkout, network: &Network, now: Timestamp);
    /// What the counter's QR should carry instead of the EMV `payload` (the web phone's URL).
    fn qr_text(&self, _payload: &str) -> Option<String> {
        None
    }
}

impl<C: Clock> Runtime<C> {
    /// Adds an observer; it sees the state at every `publish`.
    pub fn observe_with(&mut self, observer: Box<dyn StateObserver>) {
        self.observers.push(observer);
    }

    /// Shows the current state to every observer. Returns `(payload, text)` when an observer
    /// wants the counter's QR to carry `text` instead of the EMV `payload` on screen.
    pub fn publish(&mut self) -> Option<(String, String)> {
        let now = self.clock.now();
        for o in &mut self.observers {
            o.observe(&self.checkout, &self.network, now);
        }
        let payload = match &self.checkout.screen {
            crate::checkout::Screen::Pay(p) => p.attempt.as_ref()?.qr_payload.clone()?,
            _ => return None,
        };
        let text = self.observers.iter().find_map(|o| o.qr_text(&payload))?;
        Some((payload, text))
    }
}
