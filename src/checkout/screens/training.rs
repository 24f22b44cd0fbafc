//! The training switch at the counter: `t` on an empty basket asks for the supervisor PIN
//! (the refund screen's prompt and lockout, checkout/pin_prompt.rs), then asks the runtime to
//! reopen the books: the training journal and ledger, or back to the real ones. Both ways
//! need the PIN, as NCR and Xstore sign a supervisor in and out of training. The runtime
//! refuses while anything is in flight and answers with `TrainingSwitched`.

use crate::checkout::action::{Action, Effect};
use crate::checkout::machine::{Checkout, Notice, Screen};
use crate::checkout::pin_prompt::{PinPrompt, PinStep};
use crate::clock::Timestamp;

/// The PIN prompt of the training switch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrainingPrompt {
    /// Into training (true) or back to the real books (false).
    pub entering: bool,
    pub pin: PinPrompt,
}

impl Checkout {
    /// Whether the counter runs on the training books.
    pub fn training(&self) -> bool {
        self.training
    }

    /// Set by the runtime when it opened the training books (at start with `--training`).
    pub fn set_training(&mut self, on: bool) {
        self.training = on;
    }

    /// `t` on the basket: refused with a message while a sale is open.
    pub(in crate::checkout) fn open_training_prompt(&mut self, now: Timestamp) -> Vec<Effect> {
        if !self.basket.is_empty() || !self.scan_input.is_empty() {
            self.notice = Some(Notice::warn(
                "Training switches only between sales: finish or clear this sale first.",
            ));
            return vec![];
        }
        if !self.resuming().is_empty() {
            self.notice = Some(Notice::warn(
                "A payment from before is still being resolved: switch when it has settled.",
            ));
            return vec![];
        }
        self.notice = None;
        self.screen = Screen::Training(Box::new(TrainingPrompt {
            entering: !self.training,
            pin: PinPrompt::new(&self.refund_desk.gate, now),
        }));
        vec![]
    }

    pub(in crate::checkout) fn on_training_action(
        &mut self,
        mut prompt: TrainingPrompt,
        action: Action,
        now: Timestamp,
    ) -> Vec<Effect> {
        let gate = &mut self.refund_desk.gate;
        let before = gate.state();
        let step = prompt.pin.on_action(&action, gate, now);
        // Wrong entries here count toward the same lock, kept across a restart.
        let mut effects: Vec<Effect> = super::pin_entry::lock_save(before, &self.refund_desk.gate)
            .into_iter()
            .collect();
        match step {
            PinStep::Open => self.screen = Screen::Training(Box::new(prompt)),
            PinStep::Cancelled => self.screen = Screen::Basket,
            PinStep::Accepted => {
                self.screen = Screen::Basket;
                effects.push(Effect::SwitchTraining {
                    on: prompt.entering,
                });
            }
        }
        effects
    }

    /// The runtime's answer: the books now open (training or not), or why nothing changed.
    pub(in crate::checkout) fn on_training_switched(
        &mut self,
        result: Result<bool, String>,
    ) -> Vec<Effect> {
        self.notice = Some(match result {
            Ok(on) => {
                self.training = on;
                if on {
                    Notice::warn("TRAINING: sales go to the training journal, not the real books.")
                } else {
                    Notice::info("Training ended: back on the real journal.")
                }
            }
            Err(why) => Notice::error(format!("Training not switched: {why}")),
        });
        vec![]
    }
}
