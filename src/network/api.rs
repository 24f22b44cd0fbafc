//! The acquirer's wire shapes: requests the counter sends and replies it receives.
//!
//! Every reply says when it arrives (`Delivery::deliver_at`); `None` means it never does
//! (offline shopper, dropped reply), so the counter's own timeout must fire.

use super::book::{FundedBy, WalletId, WalletMode};
use super::codes::{ResultCode, ResultInfo};
use crate::clock::Timestamp;
use crate::money::fx::FxQuote;
use crate::money::{Decimal, Money};
use serde::{Deserialize, Serialize};

/// A reply or notification and the time it reaches the counter (`None` = never).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Delivery<T> {
    pub deliver_at: Option<Timestamp>,
    pub body: T,
}

impl<T> Delivery<T> {
    pub fn at(deliver_at: Timestamp, body: T) -> Self {
        Self {
            deliver_at: Some(deliver_at),
            body,
        }
    }

    pub fn lost(body: T) -> Self {
        Self {
            deliver_at: None,
            body,
        }
    }

    pub fn arrives(&self) -> bool {
        self.deliver_at.is_some()
    }
}

/// How the shopper pays: shows a code (customer-presented) or scans the counter (merchant-presented).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum PayMethod {
    /// Digits the counter scanned (or received by a tap). The counter detects the family; the
    /// response reveals the exact wallet.
    PaymentCode { code: String },
    /// The counter shows an EMV QR carrying `bill_number`; the order waits for a shopper's scan.
    OrderCode {
        bill_number: String,
        expires_at: Timestamp,
    },
    /// The shopper scanned the store's static entry code and typed the amount; the acquirer
    /// created the order itself (request id from `entry::ENTRY_ID_PREFIX`). Never sent by the
    /// counter, which learns of it only from the notification.
    EntryCode { merchant_id: String },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PayRequest {
    /// The counter's idempotency key (`paymentRequestId`, ≤ 64 chars).
    pub payment_request_id: String,
    /// Amount in the price (store) currency; also the settlement currency.
    pub amount: Money,
    pub method: PayMethod,
}

/// Where a payment is in its life, with the Alipay `trade_status` it maps to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum PaymentStage {
    /// Order code shown; no shopper has scanned it (a query says "not yet scanned").
    AwaitingScan,
    /// The wallet waits for the shopper to confirm (password / confirm tap).
    AwaitingShopper,
    Paid,
    PartiallyRefunded,
    Refunded,
    /// Declined by the wallet (balance, risk, code, limit, refused password).
    Failed,
    /// Closed unpaid by the wallet's own timer or by the shopper.
    Closed,
    /// Cancelled by the merchant before payment (cancel action = close).
    Cancelled,
    /// Cancelled by the merchant after payment: the charge was reversed (action = refund).
    Reversed,
}

impl PaymentStage {
    pub fn trade_status(self) -> &'static str {
        match self {
            PaymentStage::AwaitingScan => "NOT_SCANNED",
            PaymentStage::AwaitingShopper => "WAIT_BUYER_PAY",
            PaymentStage::Paid | PaymentStage::PartiallyRefunded => "TRADE_SUCCESS",
            PaymentStage::Refunded
            | PaymentStage::Failed
            | PaymentStage::Closed
            | PaymentStage::Cancelled
            | PaymentStage::Reversed => "TRADE_CLOSED",
        }
    }

    /// Still waiting on someone; the wallet's timers apply.
    pub fn is_open(self) -> bool {
        matches!(
            self,
            PaymentStage::AwaitingScan | PaymentStage::AwaitingShopper
        )
    }

    /// The shopper's money moved to the merchant (and may have been partly refunded since).
    pub fn was_paid(self) -> bool {
        matches!(
            self,
            PaymentStage::Paid | PaymentStage::PartiallyRefunded | PaymentStage::Refunded
        )
    }
}

/// Which wallet paid, as the response reveals it (`walletBrandName`, `pspId`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WalletBrand {
    pub wallet_id: WalletId,
    pub brand_name: String,
    pub psp_id: String,
}

/// A promotion that applied to a payment (wallets.md §7).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppliedPromotion {
    pub promo_id: String,
    pub name: String,
    pub promo_type: String,
    pub funded_by: FundedBy,
    /// What the shopper saved, in the wallet currency.
    pub savings: Money,
    /// What the merchant gives up, in the price currency (zero when the wallet funds it).
    pub merchant_cost: Money,
}

/// The wallet's view of one payment, as query, pay and notifications report it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentView {
    pub payment_request_id: String,
    /// Wallet-side id (28 digits, like `trade_no` / `paymentId`).
    pub payment_id: String,
    pub mode: WalletMode,
    pub stage: PaymentStage,
    /// Order amount in the price currency.
    pub amount: Money,
    pub wallet: Option<WalletBrand>,
    /// Masked shopper account, e.g. `159****5620`.
    pub customer_id: Option<String>,
    /// The locked quote the wallet used (reported rate).
    pub quote: Option<FxQuote>,
    /// The order amount in the wallet currency before promotions.
    pub gross_wallet_amount: Option<Money>,
    /// What the shopper pays (or paid), in the wallet currency, after promotions.
    pub wallet_amount: Option<Money>,
    pub promotion: Option<AppliedPromotion>,
    /// What the merchant is settled, in the price currency.
    pub settlement_amount: Option<Money>,
    pub created_at: Timestamp,
    pub paid_at: Option<Timestamp>,
    /// Refunded so far, in the price currency.
    pub refunded: Money,
    pub bill_number: Option<String>,
    /// When the wallet closes the order if nobody completes it.
    pub closes_at: Option<Timestamp>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PayResponse {
    pub payment_request_id: String,
    /// For pay the call result is the payment result: S paid, F declined, U in process/unknown.
    pub result: ResultInfo,
    pub payment: Option<PaymentView>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueryResponse {
    pub payment_request_id: String,
    /// Did the inquiry itself work? (F + ORDER_NOT_EXIST when the id is unknown.)
    pub result: ResultInfo,
    /// The payment's own status, present when the inquiry worked.
    pub payment_result: Option<ResultInfo>,
    pub payment: Option<PaymentView>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum CancelAction {
    /// The order was unpaid and is now closed; nothing was charged.
    Close,
    /// The order had been paid; the charge was returned to the shopper.
    Refund,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CancelResponse {
    pub payment_request_id: String,
    pub result: ResultInfo,
    pub action: Option<CancelAction>,
    /// Alipay `retry_flag` / WeChat `recall`: the cancel was not done, send it again.
    pub retry: bool,
    /// Earliest time a retry can succeed (WeChat's 15 s rule).
    pub retry_at: Option<Timestamp>,
    pub payment: Option<PaymentView>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefundRequest {
    /// Idempotency key of this refund (`refundRequestId` / `out_request_no`).
    pub refund_request_id: String,
    /// The payment (or card authorization) to refund.
    pub payment_request_id: String,
    /// In the price currency; partial refunds allowed.
    pub amount: Money,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefundView {
    pub refund_request_id: String,
    pub refund_id: String,
    pub payment_request_id: String,
    /// Refunded in the price currency.
    pub amount: Money,
    /// Returned to the shopper in the wallet currency, at the payment's original rate.
    pub wallet_amount: Money,
    pub rate: Decimal,
    /// Refunded so far on the payment, price currency, including this refund.
    pub refunded_total: Money,
    pub refunded_at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefundResponse {
    pub refund_request_id: String,
    pub result: ResultInfo,
    pub refund: Option<RefundView>,
}

/// An asynchronous notification (`notifyPayment`) when a payment reaches a final state later
/// than its pay reply. Query and notification are two channels to the same truth.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notification {
    pub payment_request_id: String,
    pub payment_result: ResultInfo,
    pub payment: PaymentView,
    pub sent_at: Timestamp,
}

/// One row of the network's ledger, for reconciliation against the merchant journal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LedgerPayment {
    pub payment_request_id: String,
    pub payment_id: String,
    pub stage: PaymentStage,
    pub failure: Option<ResultCode>,
    pub wallet: Option<WalletBrand>,
    pub amount: Money,
    /// Net amount the merchant holds for this payment now (price currency): settlement minus
    /// refunds, zero if never paid or reversed.
    pub merchant_net: Money,
    /// Charged to the shopper (wallet currency), if ever charged.
    pub charged: Option<Money>,
    /// Returned to the shopper so far (wallet currency).
    pub returned: Option<Money>,
    pub refunded: Money,
    pub paid_at: Option<Timestamp>,
    pub card: bool,
}
