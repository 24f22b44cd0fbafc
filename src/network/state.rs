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
    /// How it was paid, with a payment code kept only as digest and mask.
    pub method: OrderMethod,
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
            OrderMethod::OrderCode { bill_number, .. } => Some(bill_number),
            OrderMethod::PaymentCode { .. } | OrderMethod::EntryCode { .. } => None,
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

/// The network's record of how an order is paid: a payment code is a bearer credential, so the
/// ledger keeps its SHA-256 digest (to match a repeated pay) and a mask (to show), never the code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum OrderMethod {
    PaymentCode {
        digest: String,
        masked: String,
    },
    OrderCode {
        bill_number: String,
        expires_at: Timestamp,
    },
    /// The store's static entry code: the shopper typed the amount (wallets.md §1.3).
    EntryCode {
        merchant_id: String,
    },
}

impl OrderMethod {
    pub fn of(method: &PayMethod) -> Self {
        match method {
            PayMethod::PaymentCode { code } => OrderMethod::PaymentCode {
                digest: code_digest(code),
                masked: mask_code(code),
            },
            PayMethod::OrderCode {
                bill_number,
                expires_at,
            } => OrderMethod::OrderCode {
                bill_number: bill_number.clone(),
                expires_at: *expires_at,
            },
            PayMethod::EntryCode { merchant_id } => OrderMethod::EntryCode {
                merchant_id: merchant_id.clone(),
            },
        }
    }
}

/// SHA-256 of a payment code, hex: the key the ledger files a code under.
pub fn code_digest(code: &str) -> String {
    use sha2::{Digest, Sha256};
    format!("{:x}", Sha256::digest(code.as_bytes()))
}

/// At most the first four and last four digits, e.g. `2810****5678`; shorter input is all masked.
pub fn mask_code(code: &str) -> String {
    let chars: Vec<char> = code.chars().collect();
    if chars.len() < 12 {
        return "*".repeat(chars.len());
    }
    let head: String = chars[..4].iter().collect();
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{head}{}{tail}", "*".repeat(chars.len() - 8))
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
    /// `code_digest` of the digits: the ledger's key.
    pub digest: String,
    /// `mask_code` of the digits, for display.
    pub masked: String,
    /// The digits themselves, only in memory while the phone shows them (never stored).
    #[serde(skip)]
    pub code: Option<String>,
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
