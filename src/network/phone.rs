//! The shopper's phone: the pane where one person plays the shopper (show a code, scan the
//! counter's QR, enter or refuse the password, cancel, run low, go offline).

use super::Network;
use super::api::{AppliedPromotion, PaymentStage};
use super::book::{ShopperId, WalletMode};
use super::codes::ResultCode;
use super::state::{
    CodeChannel, IssuedCode, MoveKind, OrderMethod, ShopperMove, code_digest, mask_code,
};
use crate::clock::Timestamp;
use crate::money::{Decimal, Money};
use serde::{Deserialize, Serialize};

/// A payment code is valid for one minute (Alipay+ getPaymentCode, wallets.md §1.1).
pub const CODE_LIFETIME_MS: i64 = 60_000;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PhoneError {
    #[error("no shopper '{0}' in the wallet book")]
    UnknownShopper(String),
    #[error("{brand} does not support {mode:?} here")]
    ModeNotSupported { brand: String, mode: WalletMode },
    #[error("the phone is offline: turn it back online first")]
    Offline,
    #[error("nothing is waiting for the shopper's confirmation")]
    NothingToConfirm,
    #[error("the balance must be in {expected}, not {got}")]
    WrongCurrency {
        expected: &'static str,
        got: &'static str,
    },
    #[error("balance cannot be negative")]
    NegativeBalance,
    #[error("the QR amount {scanned} does not match the order ({expected})")]
    AmountMismatch { scanned: String, expected: String },
    #[error("entry code refused: {0}")]
    InvalidEntry(String),
    #[error("the network ledger could not record this: {0}")]
    Ledger(String),
}

/// What the phone shows right now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum PhoneScreen {
    Home {
        brand: String,
        balance: Money,
    },
    /// A payment code as digits (and QR); `tap` when it is being sent by an NFC tap.
    ShowCode {
        code: String,
        expires_at: Timestamp,
        tap: bool,
    },
    /// The wallet asks the shopper to confirm (with a password when `needs_password`).
    Confirm {
        payment_request_id: String,
        merchant_amount: Money,
        wallet_amount: Money,
        rate: Decimal,
        promotion: Option<AppliedPromotion>,
        needs_password: bool,
    },
    Paid {
        payment_request_id: String,
        merchant_amount: Money,
        wallet_amount: Money,
        rate: Decimal,
        promotion: Option<AppliedPromotion>,
    },
    /// A decline or a closed order, with the code the wallet shows.
    Declined {
        code: ResultCode,
        message: String,
    },
    Offline,
}

impl Network {
    fn known_shopper(&self, shopper: &ShopperId) -> Result<(), PhoneError> {
        if self.book.shopper(shopper).is_some() && self.wallets.contains_key(shopper) {
            Ok(())
        } else {
            Err(PhoneError::UnknownShopper(shopper.0.clone()))
        }
    }

    fn issue_code(
        &mut self,
        shopper: &ShopperId,
        channel: CodeChannel,
        now: Timestamp,
    ) -> Result<String, PhoneError> {
        self.tick(now);
        self.known_shopper(shopper)?;
        let (wallet, _) = self
            .wallet_of(shopper)
            .ok_or_else(|| PhoneError::UnknownShopper(shopper.0.clone()))?;
        let mode = match channel {
            CodeChannel::Scan => WalletMode::PaymentCode,
            CodeChannel::Tap => WalletMode::Tap,
        };
        if !wallet.supports(mode) {
            return Err(PhoneError::ModeNotSupported {
                brand: wallet.brand.clone(),
                mode,
            });
        }
        let prefix = wallet.code_prefix.clone();
        let length = wallet.code_length;
        // Fresh digits until unused: codes are single-use and never reissued.
        let code = loop {
            self.code_counter += 1;
            let counter = self.code_counter.to_string();
            let mut digits = prefix.clone();
            let mut salt = 0u64;
            while digits.len() < length {
                let n = self.roll(
                    &[
                        "code",
                        &shopper.0,
                        &now.millis().to_string(),
                        &counter,
                        &salt.to_string(),
                    ],
                    [0, 9_999_999_999],
                );
                digits.push_str(&format!("{n:010}"));
                salt += 1;
            }
            digits.truncate(length);
            let known = self
                .code_known(&code_digest(&digits))
                .map_err(|e| PhoneError::Ledger(e.to_string()))?;
            if !known {
                break digits;
            }
        };
        self.pending.codes_issued = Some(self.code_counter);
        let digest = code_digest(&code);
        let issued = IssuedCode {
            digest: digest.clone(),
            masked: mask_code(&code),
            code: Some(code.clone()),
            shopper: shopper.clone(),
            issued_at: now,
            expires_at: Timestamp(now.millis() + CODE_LIFETIME_MS),
            channel,
            used_by: None,
            withdrawn: false,
        };
        self.codes.insert(digest.clone(), issued);
        self.dirty_codes.insert(digest);
        self.last_screens.remove(shopper);
        self.flush_or(PhoneError::Ledger)?;
        Ok(code)
    }

    /// A fresh single-use payment code, valid for 60 s, for the cashier to scan.
    pub fn issue_payment_code(
        &mut self,
        shopper: &ShopperId,
        now: Timestamp,
    ) -> Result<String, PhoneError> {
        self.issue_code(shopper, CodeChannel::Scan, now)
    }

    /// An Alipay Tap!-style tap: the same single-use code, delivered by NFC. The wallet then
    /// always asks the shopper to confirm on the phone.
    pub fn tap_code(&mut self, shopper: &ShopperId, now: Timestamp) -> Result<String, PhoneError> {
        self.issue_code(shopper, CodeChannel::Tap, now)
    }

    /// The shopper scans the counter's order code (bill number and amount from the EMV QR).
    pub fn scan_order_code(
        &mut self,
        shopper: &ShopperId,
        bill_number: &str,
        amount: Money,
        now: Timestamp,
    ) -> Result<PhoneScreen, PhoneError> {
        self.tick(now);
        self.known_shopper(shopper)?;
        if self.wallets.get(shopper).is_some_and(|w| w.offline) {
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
        let declined = |code: ResultCode, message: &str| PhoneScreen::Declined {
            code,
            message: message.to_string(),
        };
        let recalled = self
            .recall_bill(bill_number)
            .map_err(|e| PhoneError::Ledger(e.to_string()))?;
        let Some(id) = recalled else {
            return Ok(declined(
                ResultCode::OrderNotExist,
                "This QR code is not a known order.",
            ));
        };
        let Some(order) = self.orders.get(&id).cloned() else {
            return Ok(declined(
                ResultCode::OrderNotExist,
                "This QR code is not a known order.",
            ));
        };
        if order.amount != amount {
            return Err(PhoneError::AmountMismatch {
                scanned: amount.with_code(),
                expected: order.amount.with_code(),
            });
        }
        match order.stage {
            PaymentStage::AwaitingScan => {}
            PaymentStage::AwaitingShopper if order.shopper.as_ref() == Some(shopper) => {
                return self.phone_screen(shopper, now);
            }
            PaymentStage::AwaitingShopper
            | PaymentStage::Paid
            | PaymentStage::PartiallyRefunded
            | PaymentStage::Refunded => {
                let screen = declined(
                    ResultCode::OrderIsClosed,
                    "This order is already being paid by someone else.",
                );
                self.last_screens
                    .insert(shopper.clone(), (now, screen.clone()));
                return Ok(screen);
            }
            _ => {
                let screen = declined(
                    ResultCode::OrderIsClosed,
                    "Order closed: ask the cashier for a new code.",
                );
                self.last_screens
                    .insert(shopper.clone(), (now, screen.clone()));
                return Ok(screen);
            }
        }
        match self.assess(&profile, &wallet, order.amount, WalletMode::OrderCode, now) {
            Err(code) => {
                // The order stays open: another shopper (or method) can still pay it.
                let screen = declined(code, code.cashier_advice());
                self.last_screens
                    .insert(shopper.clone(), (now, screen.clone()));
                Ok(screen)
            }
            Ok(a) => {
                let scheduled =
                    self.schedule_for(&profile, &wallet, &id, WalletMode::OrderCode, now);
                if let Some(o) = self.orders.get_mut(&id) {
                    o.stage = PaymentStage::AwaitingShopper;
                    o.wallet = Some(wallet.id.clone());
                    o.shopper = Some(shopper.clone());
                    o.quote = Some(a.quote);
                    o.gross_wallet_amount = Some(a.gross);
                    o.wallet_amount = Some(a.charge);
                    o.promotion = a.promotion;
                    o.settlement_amount = Some(a.settlement);
                    o.needs_password = a.needs_password;
                    o.scheduled = scheduled;
                }
                self.dirty_orders.insert(id.clone());
                self.last_screens.remove(shopper);
                self.flush_or(PhoneError::Ledger)?;
                self.phone_screen(shopper, now)
            }
        }
    }

    fn awaiting_confirmation(&self, shopper: &ShopperId) -> Option<String> {
        self.open_orders
            .iter()
            .filter_map(|id| self.orders.get(id))
            .filter(|o| {
                o.stage == PaymentStage::AwaitingShopper && o.shopper.as_ref() == Some(shopper)
            })
            .max_by_key(|o| o.created_at)
            .map(|o| o.request_id.clone())
    }

    fn act_on_prompt(
        &mut self,
        shopper: &ShopperId,
        action: ShopperMove,
        now: Timestamp,
    ) -> Result<PhoneScreen, PhoneError> {
        self.tick(now);
        self.known_shopper(shopper)?;
        if self.wallets.get(shopper).is_some_and(|w| w.offline) {
            return Err(PhoneError::Offline);
        }
        let id = self
            .awaiting_confirmation(shopper)
            .ok_or(PhoneError::NothingToConfirm)?;
        self.shopper_acts(&id, action, now);
        self.flush_or(PhoneError::Ledger)?;
        self.phone_screen(shopper, now)
    }

    /// The shopper enters the password (or taps Confirm) for the payment waiting on the phone.
    pub fn enter_password(
        &mut self,
        shopper: &ShopperId,
        now: Timestamp,
    ) -> Result<PhoneScreen, PhoneError> {
        self.act_on_prompt(shopper, ShopperMove::Confirm, now)
    }

    /// The shopper refuses the password prompt: the payment fails (USER_PAYMENT_VERIFICATION_FAILED).
    pub fn refuse_password(
        &mut self,
        shopper: &ShopperId,
        now: Timestamp,
    ) -> Result<PhoneScreen, PhoneError> {
        self.act_on_prompt(shopper, ShopperMove::Refuse, now)
    }

    /// The shopper backs out: a waiting payment code payment closes; a scanned order code
    /// goes back to waiting for a scan; an unused code on screen is withdrawn.
    pub fn cancel_on_phone(
        &mut self,
        shopper: &ShopperId,
        now: Timestamp,
    ) -> Result<PhoneScreen, PhoneError> {
        self.tick(now);
        self.known_shopper(shopper)?;
        if let Some(id) = self.awaiting_confirmation(shopper) {
            let is_order_code = self
                .orders
                .get(&id)
                .is_some_and(|o| matches!(o.method, OrderMethod::OrderCode { .. }));
            if is_order_code {
                if let Some(o) = self.orders.get_mut(&id) {
                    o.stage = PaymentStage::AwaitingScan;
                    o.shopper = None;
                    o.wallet = None;
                    o.quote = None;
                    o.gross_wallet_amount = None;
                    o.wallet_amount = None;
                    o.promotion = None;
                    o.settlement_amount = None;
                    o.scheduled = None;
                }
                self.dirty_orders.insert(id);
            } else {
                self.finish_unpaid(&id, PaymentStage::Closed, ResultCode::OrderIsClosed, now);
            }
        } else {
            let codes: Vec<String> = self
                .codes
                .values()
                .filter(|c| &c.shopper == shopper && c.used_by.is_none() && !c.withdrawn)
                .map(|c| c.digest.clone())
                .collect();
            for code in codes {
                if let Some(c) = self.codes.get_mut(&code) {
                    c.withdrawn = true;
                }
                self.dirty_codes.insert(code);
            }
        }
        self.last_screens.remove(shopper);
        self.flush_or(PhoneError::Ledger)?;
        self.phone_screen(shopper, now)
    }

    /// Sets the shopper's balance (e.g. too low to pay); recorded as an adjustment move.
    pub fn set_balance(
        &mut self,
        shopper: &ShopperId,
        balance: Money,
        now: Timestamp,
    ) -> Result<(), PhoneError> {
        self.known_shopper(shopper)?;
        if balance.is_negative() {
            return Err(PhoneError::NegativeBalance);
        }
        let current = self
            .wallets
            .get(shopper)
            .map(|w| w.balance)
            .ok_or_else(|| PhoneError::UnknownShopper(shopper.0.clone()))?;
        if current.currency() != balance.currency() {
            return Err(PhoneError::WrongCurrency {
                expected: current.currency().code(),
                got: balance.currency().code(),
            });
        }
        let delta = balance
            .checked_sub(current)
            .map_err(|e| PhoneError::Ledger(e.to_string()))?;
        if !delta.is_zero() {
            self.move_balance(shopper, MoveKind::Adjustment, delta, "set-balance", now);
        }
        self.flush_or(PhoneError::Ledger)
    }

    /// Offline: replies about this shopper's payments never arrive and the phone cannot confirm.
    pub fn set_offline(
        &mut self,
        shopper: &ShopperId,
        offline: bool,
        now: Timestamp,
    ) -> Result<(), PhoneError> {
        self.tick(now);
        self.known_shopper(shopper)?;
        if let Some(w) = self.wallets.get_mut(shopper) {
            w.offline = offline;
        }
        self.dirty_shoppers.insert(shopper.clone());
        // A shopper who went offline cannot answer a prompt; one back online answers again.
        let waiting: Vec<String> = self
            .open_orders
            .iter()
            .filter(|id| {
                self.orders.get(*id).is_some_and(|o| {
                    o.stage == PaymentStage::AwaitingShopper && o.shopper.as_ref() == Some(shopper)
                })
            })
            .cloned()
            .collect();
        for id in waiting {
            let (profile, wallet, mode) = match self.orders.get(&id).and_then(|o| {
                let (w, s) = self.wallet_of(shopper)?;
                Some((s.clone(), w.clone(), o.mode))
            }) {
                Some(x) => x,
                None => continue,
            };
            let scheduled = if offline {
                None
            } else {
                self.schedule_for(&profile, &wallet, &id, mode, now)
            };
            if let Some(o) = self.orders.get_mut(&id) {
                o.scheduled = scheduled;
            }
            self.dirty_orders.insert(id);
        }
        self.flush_or(PhoneError::Ledger)
    }

    /// What the phone shows at `now`.
    pub fn phone_screen(
        &self,
        shopper: &ShopperId,
        now: Timestamp,
    ) -> Result<PhoneScreen, PhoneError> {
        self.known_shopper(shopper)?;
        if let Some(mirrored) = self.mirrored_screen(shopper) {
            return mirrored.ok_or_else(|| PhoneError::UnknownShopper(shopper.0.clone()));
        }
        let (wallet, _) = self
            .wallet_of(shopper)
            .ok_or_else(|| PhoneError::UnknownShopper(shopper.0.clone()))?;
        let live = self
            .wallets
            .get(shopper)
            .ok_or_else(|| PhoneError::UnknownShopper(shopper.0.clone()))?;
        if live.offline {
            return Ok(PhoneScreen::Offline);
        }
        if let Some(o) = self
            .awaiting_confirmation(shopper)
            .and_then(|id| self.orders.get(&id))
            && let (Some(q), Some(w)) = (&o.quote, o.wallet_amount)
        {
            return Ok(PhoneScreen::Confirm {
                payment_request_id: o.request_id.clone(),
                merchant_amount: o.amount,
                wallet_amount: w,
                rate: q.rate,
                promotion: o.promotion.clone(),
                needs_password: o.needs_password,
            });
        }
        let code = self
            .codes
            .values()
            .filter(|c| {
                &c.shopper == shopper && c.used_by.is_none() && !c.withdrawn && now < c.expires_at
            })
            .filter_map(|c| Some((c, c.code.as_ref()?)))
            .max_by_key(|(c, _)| c.issued_at);
        let last = self.last_screens.get(shopper);
        match (code, last) {
            (Some((c, _)), Some((at, screen))) if *at > c.issued_at => Ok(screen.clone()),
            (Some((c, code)), _) => Ok(PhoneScreen::ShowCode {
                code: code.clone(),
                expires_at: c.expires_at,
                tap: c.channel == CodeChannel::Tap,
            }),
            (None, Some((_, screen))) => Ok(screen.clone()),
            (None, None) => Ok(PhoneScreen::Home {
                brand: wallet.brand.clone(),
                balance: live.balance,
            }),
        }
    }

    /// The screen a shopper sees when a payment they were part of ends.
    pub(crate) fn result_screen(&self, id: &str) -> Option<PhoneScreen> {
        let o = self.orders.get(id)?;
        match o.stage {
            PaymentStage::Paid => Some(PhoneScreen::Paid {
                payment_request_id: o.request_id.clone(),
                merchant_amount: o.amount,
                wallet_amount: o.wallet_amount?,
                rate: o.quote.as_ref()?.rate,
                promotion: o.promotion.clone(),
            }),
            _ => {
                let info = self.payment_result(o);
                Some(PhoneScreen::Declined {
                    code: info.code,
                    message: info.message,
                })
            }
        }
    }
}
