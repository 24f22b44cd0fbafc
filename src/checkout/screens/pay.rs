//! The pay screen's keys: open it in a mode, type or scan a payment code, pick a test card,
//! cancel, start again. What happens to an attempt once sent is decided in `checkout/attempt`.

use crate::checkout::action::{Action, Effect};
use crate::checkout::machine::{Checkout, Notice, Screen};
use crate::checkout::payment::{PayMode, PayState, PayStatus};
use crate::clock::Timestamp;

impl Checkout {
    /// F5–F8 on the basket: open the pay screen in `mode`.
    pub(in crate::checkout) fn open_pay(&mut self, mode: PayMode, now: Timestamp) -> Vec<Effect> {
        if self.basket.is_empty() {
            self.notice = Some(Notice::warn("The basket is empty: scan an item first."));
            return vec![];
        }
        self.notice = None;
        let status = match mode {
            PayMode::WalletQr => PayStatus::Sending,
            PayMode::PaymentCode => PayStatus::AwaitingCode,
            PayMode::Tap => PayStatus::AwaitingTap,
            PayMode::Card => PayStatus::AwaitingCard,
            PayMode::StaticCode => {
                self.open_static(now);
                return vec![];
            }
        };
        self.screen = Screen::Pay(Box::new(PayState {
            mode,
            status,
            attempt: None,
            input: String::new(),
        }));
        if mode == PayMode::WalletQr {
            return self.start_qr_attempt(now);
        }
        vec![]
    }

    pub(in crate::checkout) fn pay_state(&self) -> Option<&PayState> {
        match &self.screen {
            Screen::Pay(p) => Some(p),
            _ => None,
        }
    }

    pub(in crate::checkout) fn pay_state_mut(&mut self) -> Option<&mut PayState> {
        match &mut self.screen {
            Screen::Pay(p) => Some(p),
            _ => None,
        }
    }

    /// Keys on the pay screen.
    pub(in crate::checkout) fn on_pay_action(
        &mut self,
        action: Action,
        now: Timestamp,
    ) -> Vec<Effect> {
        let Some(state) = self.pay_state().cloned() else {
            return vec![];
        };
        match (&state.status, action) {
            (PayStatus::AwaitingCode, Action::Char(c)) if c.is_ascii_digit() => {
                if let Some(p) = self.pay_state_mut()
                    && p.input.len() < 32
                {
                    p.input.push(c);
                }
                vec![]
            }
            (PayStatus::AwaitingCode, Action::Backspace) => {
                if let Some(p) = self.pay_state_mut() {
                    p.input.pop();
                }
                vec![]
            }
            (PayStatus::AwaitingCode, Action::Enter) if !state.input.is_empty() => {
                self.start_code_attempt(state.mode, &state.input, now)
            }
            (PayStatus::AwaitingCard, Action::Char(c)) if c.is_ascii_digit() => {
                // 1–9 pick the first nine test cards, 0 the tenth.
                let index = (c as usize - '0' as usize + 9) % 10;
                self.start_card(index, now)
            }
            (
                PayStatus::AwaitingCode | PayStatus::AwaitingTap | PayStatus::AwaitingCard,
                Action::Back,
            ) => self.leave_pay(),
            (status, Action::Back) if status.is_live() => {
                let id = state.attempt.map(|a| a.request_id).unwrap_or_default();
                self.run_flow(&id, now, |f| f.begin_cancel("cancelled by the cashier"))
            }
            (status, Action::Back) if status.is_final() => self.leave_pay(),
            (status, Action::Enter) if status.is_final() => {
                // A new attempt: new request id, and a fresh code from the shopper.
                self.open_pay(state.mode, now)
            }
            _ => vec![],
        }
    }

    fn leave_pay(&mut self) -> Vec<Effect> {
        self.screen = Screen::Basket;
        self.notice = Some(Notice::info("Back to the basket: choose a payment method."));
        vec![]
    }

    /// A tap arrives from the shopper's phone.
    pub(in crate::checkout) fn on_tapped(&mut self, code: String, now: Timestamp) -> Vec<Effect> {
        match self.pay_state() {
            Some(p) if p.mode == PayMode::Tap && p.status == PayStatus::AwaitingTap => {
                self.start_code_attempt(PayMode::Tap, &code, now)
            }
            _ => {
                self.notice = Some(Notice::warn(
                    "A tap arrived, but the counter is not waiting for one: press F7 first.",
                ));
                vec![]
            }
        }
    }
}
