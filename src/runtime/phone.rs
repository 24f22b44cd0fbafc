//! The shopper's phone, played by the operator at a demo desk. Each action is what the shopper
//! does with their wallet app; the runtime carries it to the network (the wallet) or, where the
//! counter's hardware is involved (scanner, NFC reader), to the checkout.

use super::Runtime;
use crate::checkout::payment::{PayMode, PayStatus};
use crate::checkout::{Action, Event, Screen};
use crate::clock::Clock;
use crate::money::{Money, currency_from_code};
use crate::network::{PhoneScreen, ShopperId};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PhoneAction {
    /// Open the payment-code page: a fresh single-use code (digits and QR), valid 60 s.
    ShowCode,
    /// Hold the phone under the counter's scanner: the scanner types the code in.
    PresentCode,
    /// Point the phone's camera at the QR code on the counter's screen.
    ScanCounterQr,
    /// Tap the phone on the counter's NFC reader.
    Tap,
    EnterPassword,
    RefusePassword,
    CancelOnPhone,
    /// Set the balance to almost nothing, so the next payment fails for lack of funds.
    LowBalance,
    ToggleOffline,
}

impl<C: Clock> Runtime<C> {
    /// Performs `action` as `shopper`; the message says what happened, for the phone pane.
    pub fn phone(&mut self, shopper: &ShopperId, action: PhoneAction) -> Result<String, String> {
        let now = self.clock.now();
        let result = match action {
            PhoneAction::ShowCode => self
                .link()
                .issue_payment_code(shopper, now)
                .map(|code| format!("Payment code {code} (valid 60 s)")),
            PhoneAction::PresentCode => self.present_code(shopper),
            PhoneAction::ScanCounterQr => self.scan_counter_qr(shopper),
            PhoneAction::Tap => self.tap(shopper),
            PhoneAction::EnterPassword => self
                .link()
                .enter_password(shopper, now)
                .map(|_| "Password entered".to_string()),
            PhoneAction::RefusePassword => self
                .link()
                .refuse_password(shopper, now)
                .map(|_| "Shopper refused the password".to_string()),
            PhoneAction::CancelOnPhone => self
                .link()
                .cancel_on_phone(shopper, now)
                .map(|_| "Cancelled on the phone".to_string()),
            PhoneAction::LowBalance => self.low_balance(shopper),
            PhoneAction::ToggleOffline => {
                let offline = !self.network.is_offline(shopper);
                self.link().set_offline(shopper, offline, now).map(|_| {
                    if offline {
                        "Phone offline: the wallet's replies will not arrive".to_string()
                    } else {
                        "Phone back online".to_string()
                    }
                })
            }
        };
        // The wallet may have moved (a confirm, a notification): deliver what is due.
        self.tick();
        result
    }

    /// What the shopper's phone shows now.
    pub fn phone_screen(&self, shopper: &ShopperId) -> Option<PhoneScreen> {
        self.network.phone_screen(shopper, self.clock.now()).ok()
    }

    fn present_code(&mut self, shopper: &ShopperId) -> Result<String, String> {
        let waiting = matches!(
            &self.checkout.screen,
            Screen::Pay(p) if p.mode == PayMode::PaymentCode && p.status == PayStatus::AwaitingCode
        );
        if !waiting {
            return Err("The counter is not waiting for a payment code: press F6 first".into());
        }
        let now = self.clock.now();
        // The code the phone shows, if it shows one; against the network service the lane's
        // copy of the phone may be up to a fetch old (its code already used at another lane),
        // so the service is asked for the code every time.
        let shown = match self.phone_screen(shopper) {
            Some(PhoneScreen::ShowCode {
                code, tap: false, ..
            }) if self.remote.is_none() => Some(code),
            _ => None,
        };
        let code = match shown {
            Some(code) => code,
            None => self.link().issue_payment_code(shopper, now)?,
        };
        for c in code.chars() {
            self.dispatch(Action::Char(c));
        }
        self.dispatch(Action::Enter);
        Ok(format!("Scanned {code}"))
    }

    fn tap(&mut self, shopper: &ShopperId) -> Result<String, String> {
        let waiting = matches!(
            &self.checkout.screen,
            Screen::Pay(p) if p.mode == PayMode::Tap && p.status == PayStatus::AwaitingTap
        );
        if !waiting {
            return Err("The reader is not waiting for a tap: press F7 first".into());
        }
        let now = self.clock.now();
        let code = self.link().tap_code(shopper, now)?;
        self.feed(Event::Tapped(code));
        Ok("Tapped the reader".into())
    }

    /// Reads the QR code on the counter's screen as a wallet would: EMV decode, then the bill
    /// number (62/01) and the amount (54) in the currency (53).
    fn scan_counter_qr(&mut self, shopper: &ShopperId) -> Result<String, String> {
        if let Screen::Static(s) = &self.checkout.screen {
            // The shopper types the amount the cashier tells them (the basket total).
            let amount = s.expected;
            return self.type_static_amount(shopper, amount);
        }
        let payload = match &self.checkout.screen {
            Screen::Pay(p) => p.attempt.as_ref().and_then(|a| a.qr_payload.clone()),
            _ => None,
        }
        .ok_or("There is no QR code on the counter's screen: press F5 first")?;
        let mpm = crate::emv::mpm::decode(&payload).map_err(|e| format!("Unreadable QR: {e}"))?;
        let bill = mpm
            .sub(62, 1)
            .ok_or("The QR code has no bill number")?
            .to_string();
        let currency = mpm
            .text(53)
            .and_then(|n| n.parse::<u16>().ok())
            .and_then(crate::money::Currency::from_numeric)
            .ok_or("The QR code has no known currency")?;
        let amount = mpm
            .text(54)
            .ok_or("The QR code has no amount")
            .and_then(|a| Money::parse(a, currency).map_err(|_| "The QR amount is malformed"))?;
        let now = self.clock.now();
        match self.link().scan_order_code(shopper, &bill, amount, now) {
            Ok(PhoneScreen::Declined { code, message }) => {
                Err(format!("{}: {message}", code.wire()))
            }
            Ok(_) => Ok(format!("Scanned the counter's QR ({})", amount.with_code())),
            Err(e) => Err(e),
        }
    }

    fn low_balance(&mut self, shopper: &ShopperId) -> Result<String, String> {
        let now = self.clock.now();
        let current = self
            .network
            .balance(shopper)
            .ok_or_else(|| format!("no shopper {}", shopper.0))?;
        let currency = currency_from_code(current.currency().code()).map_err(|e| e.to_string())?;
        let low = Money::from_minor(1, currency).map_err(|e| e.to_string())?;
        self.link()
            .set_balance(shopper, low, now)
            .map(|_| format!("Balance set to {}", low.with_code()))
    }
}
