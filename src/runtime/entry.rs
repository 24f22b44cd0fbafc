//! The shopper's side of the static entry code: read the code on the counter's screen as a
//! wallet would, type an amount, and let the acquirer create and charge the order. The counter
//! hears of it only through the notification that follows.

use super::Runtime;
use crate::checkout::Screen;
use crate::clock::Clock;
use crate::money::{Currency, Money};
use crate::network::{PhoneScreen, ShopperId};

impl<C: Clock> Runtime<C> {
    /// The shopper scans the static code on the counter's screen and types `amount` (in the
    /// code's currency, tag 53). Delivers whatever falls due at once.
    pub fn pay_static_code(
        &mut self,
        shopper: &ShopperId,
        amount: Money,
    ) -> Result<String, String> {
        let result = self.type_static_amount(shopper, amount);
        self.tick();
        result
    }

    pub(super) fn type_static_amount(
        &mut self,
        shopper: &ShopperId,
        amount: Money,
    ) -> Result<String, String> {
        let payload = match &self.checkout.screen {
            Screen::Static(s) if !s.payload.is_empty() => s.payload.clone(),
            _ => {
                return Err(
                    "There is no static code on the counter's screen: press F4 first".into(),
                );
            }
        };
        let mpm = crate::emv::mpm::decode(&payload).map_err(|e| format!("Unreadable QR: {e}"))?;
        if mpm.text(1) != Some("11") || mpm.text(54).is_some() {
            return Err("This is not a static entry code".into());
        }
        let merchant = mpm
            .sub(crate::emv::dynamic::MERCHANT_ACCOUNT_TAG, 1)
            .ok_or("The code names no merchant")?
            .to_string();
        let currency = mpm
            .text(53)
            .and_then(|n| n.parse::<u16>().ok())
            .and_then(Currency::from_numeric)
            .ok_or("The code has no known currency")?;
        if amount.currency() != currency {
            return Err(format!(
                "The merchant page takes {}, not {}",
                currency.code(),
                amount.currency().code()
            ));
        }
        let now = self.clock.now();
        match self
            .network
            .pay_entry_code(shopper, &merchant, amount, now)
            .map_err(|e| e.to_string())?
        {
            (_, PhoneScreen::Declined { code, message }) => {
                Err(format!("{}: {message}", code.wire()))
            }
            (_, _) => Ok(format!(
                "Scanned the static code and typed {}",
                amount.with_code()
            )),
        }
    }
}
