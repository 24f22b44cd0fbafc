//! The network's own records: orders, issued codes, shopper wallets, refunds and balance moves.
//! Each is serialisable because the ledger stores it and `Network::open` restores it.

use super::api::{AppliedPromotion, CancelAction, PayMethod, PaymentStage, RefundView};
use super::book::{ShopperId, WalletId, WalletMode};
use super::codes::ResultCode;
use crate::clock::Timestamp;
use crate::money::Money;
use crate::money::fx::FxQuote;
use serde::{Deserialize, Serialize};

/// What a simulated shopper will do at a scheduled time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ShopperMove {
    Confirm,
    Refuse,
}

/// One payment order as the wallet side knows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Order {
    pub request_id: String,
    pub payment_id: String,
    pub amount: Money,
    pub method: PayMethod,
    pub mode: WalletMode,
    pub created_at: Timestamp,
    pub stage: PaymentStage,
    /// Why it failed or closed.
    pub failure: Option<ResultCode>,
    pub wallet: Option<WalletId>,
    pub shopper: Option<ShopperId>,
    pub quote: Option<FxQuote>,
    pub gross_wallet_amount: Option<Money>,
    /// What the shopper pays after promotions (wallet currency).
    pub wallet_amount: Option<Money>,
    pub promotion: Option<AppliedPromotion>,
    pub settlement_amount: Option<Money>,
    pub needs_password: bool,
    pub paid_at: Option<Timestamp>,
    /// The simulated shopper's next move and when.
    pub scheduled: Option<(Timestamp, ShopperMove)>,
    /// The wallet closes the order if unpaid at this time.
    pub closes_at: Option<Timestamp>,
    pub refunded: Money,
    /// Returned to the shopper so far (wallet currency), by refunds or a reversal.
    pub returned_wallet: Option<Money>,
    pub refund_count: u32,
    pub cancel: Option<(CancelAction, Timestamp)>,
}

impl Order {
    pub fn bill_number(&self) -> Option<&str> {
        match &self.method {
            PayMethod::OrderCode { bill_number, .. } => Some(bill_number),
            PayMethod::PaymentCode { .. } | PayMethod::EntryCode { .. } => None,
        }
    }

    /// The next time the wallet's clock changes this order, if any.
    pub fn next_event(&self) -> Option<Timestamp> {
        if !self.stage.is_open() {
            return None;
        }
        let confirm = self.scheduled.map(|(t, _)| t);
        match (confirm, self.closes_at) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }
}

/// How a code reached the counter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum CodeChannel {
    Scan,
    Tap,
}

/// A single-use payment code the wallet issued to a shopper.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssuedCode {
    pub code: String,
    pub shopper: ShopperId,
    pub issued_at: Timestamp,
    pub expires_at: Timestamp,
    pub channel: CodeChannel,
    /// The pay request that consumed it; a used code is invalid even if that payment failed.
    pub used_by: Option<String>,
    /// Withdrawn by the shopper (cancel on the phone).
    pub withdrawn: bool,
}

/// A shopper's live wallet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShopperWallet {
    pub id: ShopperId,
    pub balance: Money,
    pub offline: bool,
}

/// Why a shopper's balance moved. The balance always equals the sum of its moves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum MoveKind {
    Opening,
    Adjustment,
    Charge,
    Refund,
    Reversal,
}

impl MoveKind {
    pub fn name(self) -> &'static str {
        match self {
            MoveKind::Opening => "opening",
            MoveKind::Adjustment => "adjustment",
            MoveKind::Charge => "charge",
            MoveKind::Refund => "refund",
            MoveKind::Reversal => "reversal",
        }
    }
}

/// One signed change to a shopper's balance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BalanceMove {
    pub shopper: ShopperId,
    pub kind: MoveKind,
    /// Signed: negative for charges.
    pub amount: Money,
    /// The payment or refund request it belongs to.
    pub reference: String,
    pub at: Timestamp,
}

/// A refund that went through, kept for idempotency on its request id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefundRecord {
    pub request_amount: Money,
    pub view: RefundView,
}
