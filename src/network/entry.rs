//! Shopper-initiated payments on the store's static entry code (wallets.md §1.3, scenario 31).
//! The shopper scans the fixed QR, types the amount on the merchant page, and the acquirer
//! creates the order with its own payment request id. The wallet then asks the shopper to
//! confirm and charges as for any payment (FX, limits, balance); the merchant learns of it only
//! through `notifyPayment`.

use super::Network;
use super::api::{PayMethod, PayRequest, PaymentStage};
use super::book::{ShopperId, WalletMode};
use super::phone::{PhoneError, PhoneScreen};
use crate::clock::Timestamp;
use crate::money::Money;

/// Request ids the acquirer gives entry-code orders. The counter's own ids start with `S`
/// (`S<store>L<lane>A<seq>`), so the two never collide.
pub const ENTRY_ID_PREFIX: &str = "ENTRY-";

/// Whether a payment request id names an order the acquirer created for the static entry code.
pub fn is_entry_payment(payment_request_id: &str) -> bool {
    payment_request_id.starts_with(ENTRY_ID_PREFIX)
}

impl Network {
    /// The shopper scanned the static entry code of merchant `merchant_id` and typed `amount`.
    /// Returns the new order's request id and what the phone shows (the confirm prompt, or the
    /// wallet's decline: a declined entry payment leaves no order behind).
    pub fn pay_entry_code(
        &mut self,
        shopper: &ShopperId,
        merchant_id: &str,
        amount: Money,
        now: Timestamp,
    ) -> Result<(Option<String>, PhoneScreen), PhoneError> {
        self.tick(now);
        if self.book.shopper(shopper).is_none() || !self.wallets.contains_key(shopper) {
            return Err(PhoneError::UnknownShopper(shopper.0.clone()));
        }
        if self.is_offline(shopper) {
            return Err(PhoneError::Offline);
        }
        let (wallet, profile) = self
            .wallet_of(shopper)
            .map(|(w, s)| (w.clone(), s.clone()))
            .ok_or_else(|| PhoneError::UnknownShopper(shopper.0.clone()))?;
        if !wallet.supports(WalletMode::OrderCode) {
            return Err(PhoneError::ModeNotSupported {
                brand: wallet.brand.clone(),
                mode: WalletMode::OrderCode,
            });
        }
        if merchant_id.is_empty() || amount.is_negative() || amount.is_zero() {
            return Err(PhoneError::InvalidEntry(
                "the code names no merchant, or the amount is not positive".into(),
            ));
        }
        let assessed = match self.assess(&profile, &wallet, amount, WalletMode::OrderCode, now) {
            Ok(a) => a,
            Err(code) => {
                let screen = PhoneScreen::Declined {
                    code,
                    message: code.cashier_advice().to_string(),
                };
                self.last_screens
                    .insert(shopper.clone(), (now, screen.clone()));
                return Ok((None, screen));
            }
        };
        let mut n = self.orders.len() as u64;
        let id = loop {
            n += 1;
            let id = format!("{ENTRY_ID_PREFIX}{}-{n}", now.millis());
            // History lives in the ledger: bring back anything filed under this id first.
            self.recall(&id)
                .map_err(|e| PhoneError::Ledger(e.to_string()))?;
            if !self.orders.contains_key(&id) && !self.tombstones.contains_key(&id) {
                break id;
            }
        };
        let req = PayRequest {
            payment_request_id: id.clone(),
            amount,
            method: PayMethod::EntryCode {
                merchant_id: merchant_id.to_string(),
            },
        };
        let mut order = self.new_order(&req, WalletMode::OrderCode, now);
        order.stage = PaymentStage::AwaitingShopper;
        order.wallet = Some(wallet.id.clone());
        order.shopper = Some(shopper.clone());
        order.quote = Some(assessed.quote);
        order.gross_wallet_amount = Some(assessed.gross);
        order.wallet_amount = Some(assessed.charge);
        order.promotion = assessed.promotion;
        order.settlement_amount = Some(assessed.settlement);
        order.needs_password = assessed.needs_password;
        order.closes_at = Some(Timestamp(
            now.millis() + i64::from(wallet.auto_close_s) * 1000,
        ));
        order.scheduled = self.schedule_for(&profile, &wallet, &id, WalletMode::OrderCode, now);
        self.insert_order(order);
        self.last_screens.remove(shopper);
        self.flush_or(PhoneError::Ledger)?;
        let screen = self.phone_screen(shopper, now)?;
        Ok((Some(id), screen))
    }
}
