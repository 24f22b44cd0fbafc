//! Payment attempts at the counter: the modes, the statuses the pay screen shows, the timers,
//! and the protocol trace. The transitions live in `attempt/`.

pub use super::attempt::{Attempt, tender_from_view};
use crate::clock::Timestamp;
use crate::emv::WalletFamily;
use crate::network::{CardDecline, PollProfile, ResultCode, WalletBook, WalletId};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::time::Duration;

/// How the shopper pays by wallet or card. Stored as `as_str` (journal rows, sale JSON).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PayMode {
    /// The counter shows a dynamic EMV QR code; the shopper's wallet scans it.
    WalletQr,
    /// The cashier scans the shopper's payment code.
    PaymentCode,
    /// An Alipay Tap!-style NFC tap: the payment-code flow with a tap in place of the scan.
    Tap,
    /// A contactless card tap with a test card.
    Card,
    /// The store's static entry code: the shopper types the amount; the counter only matches
    /// the network's notification (wallets.md §1.3).
    StaticCode,
}

impl PayMode {
    pub fn as_str(self) -> &'static str {
        match self {
            PayMode::WalletQr => "wallet_qr",
            PayMode::PaymentCode => "payment_code",
            PayMode::Tap => "tap",
            PayMode::Card => "card",
            PayMode::StaticCode => "static_code",
        }
    }

    /// The mode `as_str` names, as stored in the journal.
    pub fn parse(s: &str) -> Option<Self> {
        [
            PayMode::WalletQr,
            PayMode::PaymentCode,
            PayMode::Tap,
            PayMode::Card,
            PayMode::StaticCode,
        ]
        .into_iter()
        .find(|m| m.as_str() == s)
    }

    pub fn title(self) -> &'static str {
        match self {
            PayMode::WalletQr => "Wallet QR — shopper scans",
            PayMode::PaymentCode => "Scan the shopper's payment code",
            PayMode::Tap => "Tap — shopper taps the phone",
            PayMode::Card => "Card tap",
            PayMode::StaticCode => "Static entry code — shopper types the amount",
        }
    }
}

/// Polling and cancel timers for one attempt, from the wallet family's profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PollPlan {
    pub interval: Duration,
    /// From the pay request to giving up and cancelling.
    pub deadline: Duration,
    /// No cancel (reverse) before this age (WeChat: 15 s).
    pub cancel_min_age: Duration,
    pub cancel_retries: u32,
    pub cancel_retry_interval: Duration,
}

impl From<&PollProfile> for PollPlan {
    fn from(p: &PollProfile) -> Self {
        Self {
            interval: Duration::from_secs(u64::from(p.interval_s.max(1))),
            deadline: Duration::from_secs(u64::from(p.deadline_s.max(1))),
            cancel_min_age: Duration::from_secs(u64::from(p.cancel_min_age_s)),
            cancel_retries: p.cancel_retries,
            cancel_retry_interval: Duration::from_secs(u64::from(p.cancel_retry_interval_s.max(1))),
        }
    }
}

impl PollPlan {
    /// Alipay / Alipay+ style: query every 3 s, give up after 60 s, cancel retried 3 x 2 s.
    pub const ALIPAY: PollPlan = PollPlan {
        interval: Duration::from_secs(3),
        deadline: Duration::from_secs(60),
        cancel_min_age: Duration::ZERO,
        cancel_retries: 3,
        cancel_retry_interval: Duration::from_secs(2),
    };
}

/// The poll plans the counter uses, chosen by what it knows of the wallet when it sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PollPlans {
    /// Alipay family and Alipay+ codes, and the counter's own QR (any wallet may scan it).
    pub alipay: PollPlan,
    pub wechat: PollPlan,
    /// How long the counter shows its QR code before it cancels the order.
    pub qr_lifetime: Duration,
    /// How long the counter waits for a card authorization before it gives up.
    pub card_timeout: Duration,
}

impl Default for PollPlans {
    fn default() -> Self {
        Self {
            alipay: PollPlan::ALIPAY,
            wechat: PollPlan {
                interval: Duration::from_secs(10),
                deadline: Duration::from_secs(30),
                cancel_min_age: Duration::from_secs(15),
                cancel_retries: 3,
                cancel_retry_interval: Duration::from_secs(2),
            },
            qr_lifetime: Duration::from_secs(120),
            card_timeout: Duration::from_secs(30),
        }
    }
}

impl PollPlans {
    /// The plans of the wallet book's Alipay and WeChat Pay profiles (defaults where absent).
    pub fn from_book(book: &WalletBook) -> Self {
        let mut plans = Self::default();
        if let Some(w) = book.wallet(&WalletId("alipay-cn".into())) {
            plans.alipay = PollPlan::from(&w.poll);
        }
        if let Some(w) = book.wallet(&WalletId("wechat".into())) {
            plans.wechat = PollPlan::from(&w.poll);
        }
        plans
    }

    pub fn for_family(&self, family: Option<WalletFamily>) -> PollPlan {
        match family {
            Some(WalletFamily::WeChatPay) | Some(WalletFamily::WeChatPayHk) => self.wechat,
            _ => self.alipay,
        }
    }
}

/// What the pay screen shows, and what the counter waits for.
#[derive(Debug, Clone, PartialEq)]
pub enum PayStatus {
    /// Waiting for the cashier to scan the shopper's payment code.
    AwaitingCode,
    /// Waiting for the shopper to tap the phone on the reader.
    AwaitingTap,
    /// Waiting for the cashier to present a test card.
    AwaitingCard,
    /// The request is out; no answer yet.
    Sending,
    /// The counter's QR code is up; no wallet has scanned it yet.
    WaitingForScan,
    /// The wallet asks the shopper to confirm (password, biometrics).
    ShopperConfirming,
    /// The counter is cancelling the order (expiry, deadline, or the cashier).
    Cancelling { why: String },
    /// Paid: the sale is being committed.
    Approved,
    /// A definite failure: nothing was charged.
    Declined { code: DeclineCode, advice: String },
    /// Closed by the counter's cancel. `refunded` when the wallet had already taken the money.
    Cancelled { refunded: bool, why: String },
    /// The cancel was never confirmed: the outcome must be settled with the acquirer.
    NeedsManual { why: String },
}

/// Why an attempt was declined, as the pay screen names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeclineCode {
    /// The wallet's result code.
    Wallet(ResultCode),
    /// The issuer's reason (or the call's code) and the ISO 8583 response code.
    Card {
        decline: Option<CardDecline>,
        code: ResultCode,
        response_code: String,
    },
    /// The attempt could not be journaled, so nothing was sent.
    NotSent,
}

impl From<ResultCode> for DeclineCode {
    fn from(code: ResultCode) -> Self {
        DeclineCode::Wallet(code)
    }
}

impl fmt::Display for DeclineCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DeclineCode::Wallet(code) => f.write_str(code.wire()),
            DeclineCode::Card {
                decline,
                code,
                response_code,
            } => write!(
                f,
                "{} ({response_code})",
                decline.map_or(code.wire(), |d| d.wire())
            ),
            DeclineCode::NotSent => f.write_str("NOT_SENT"),
        }
    }
}

impl PayStatus {
    /// The attempt is over; the screen waits for the cashier.
    pub fn is_final(&self) -> bool {
        matches!(
            self,
            PayStatus::Declined { .. }
                | PayStatus::Cancelled { .. }
                | PayStatus::NeedsManual { .. }
        )
    }

    /// A request to the network is in flight or the counter is polling.
    pub fn is_live(&self) -> bool {
        matches!(
            self,
            PayStatus::Sending | PayStatus::WaitingForScan | PayStatus::ShopperConfirming
        )
    }
}

/// How many times a throttled pay is resent (1 s apart) before the counter relies on polling.
pub const MAX_RESENDS: u32 = 3;

/// The pay screen's state.
#[derive(Debug, Clone, PartialEq)]
pub struct PayState {
    pub mode: PayMode,
    pub status: PayStatus,
    pub attempt: Option<Attempt>,
    /// Digits typed or scanned (payment code).
    pub input: String,
}

/// Timers the checkout sets through the runtime.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Timer {
    pub request_id: String,
    pub kind: TimerKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimerKind {
    /// Query the payment; `n` is the poll count it was set for (stale polls are ignored).
    Poll { n: u32 },
    /// The QR expired or the polling deadline passed: cancel.
    Deadline,
    /// Send (or resend) the cancel; `n` is the try it was set for.
    Cancel { n: u32 },
    /// No card answer in time.
    CardTimeout,
    /// Resend the throttled pay (same request id); `n` is the resend it was set for.
    Resend { n: u32 },
}

/// One line of the protocol trace: what went out, what came back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TraceEntry {
    pub at: Timestamp,
    pub outgoing: bool,
    pub call: &'static str,
    pub request_id: String,
    pub detail: String,
}

/// How many trace lines the counter keeps.
pub const TRACE_LIMIT: usize = 200;
