//! Result codes with their real wire names (wallets.md §4), and the two-layer result shape:
//! a *call* result (did the request work?) kept apart from a *payment* result (is it paid?).

use serde::{Deserialize, Serialize};
use std::fmt;

/// S = succeeded (final), F = failed (final), U = unknown / not final: ask again.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ResultStatus {
    #[serde(rename = "S")]
    Success,
    #[serde(rename = "F")]
    Failed,
    #[serde(rename = "U")]
    Unknown,
}

impl ResultStatus {
    pub fn wire(self) -> &'static str {
        match self {
            ResultStatus::Success => "S",
            ResultStatus::Failed => "F",
            ResultStatus::Unknown => "U",
        }
    }

    pub fn is_final(self) -> bool {
        self != ResultStatus::Unknown
    }
}

macro_rules! result_codes {
    ($( $(#[$doc:meta])* $variant:ident = $wire:literal, $status:ident, $advice:literal; )*) => {
        /// Result codes of Alipay+/Antom (wallets.md §4.1) plus WeChat's `USERPAYING`.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        pub enum ResultCode {
            $( $(#[$doc])* #[serde(rename = $wire)] $variant, )*
        }

        impl ResultCode {
            pub const ALL: &'static [ResultCode] = &[$(ResultCode::$variant),*];

            /// The exact wire name, e.g. `USER_BALANCE_NOT_ENOUGH`.
            pub fn wire(self) -> &'static str {
                match self { $(ResultCode::$variant => $wire,)* }
            }

            /// The status a call carrying this code has.
            pub fn status(self) -> ResultStatus {
                match self { $(ResultCode::$variant => ResultStatus::$status,)* }
            }

            /// What the cashier should do next, in one line.
            pub fn cashier_advice(self) -> &'static str {
                match self { $(ResultCode::$variant => $advice,)* }
            }

            pub fn from_wire(wire: &str) -> Option<ResultCode> {
                match wire { $($wire => Some(ResultCode::$variant),)* _ => None }
            }
        }
    };
}

result_codes! {
    Success = "SUCCESS", Success, "Approved: print the receipt.";
    /// Alipay+/Antom: the wallet waits for the shopper (password, biometrics) or is processing.
    PaymentInProcess = "PAYMENT_IN_PROCESS", Unknown, "Shopper is confirming on the phone: keep polling.";
    /// WeChat Pay's name for the same state.
    UserPaying = "USERPAYING", Unknown, "Shopper is entering the password: keep polling.";
    UnknownException = "UNKNOWN_EXCEPTION", Unknown, "Result unknown: query, then cancel if still unknown.";
    RequestTrafficExceedLimit = "REQUEST_TRAFFIC_EXCEED_LIMIT", Unknown, "Network busy: retry the same request shortly.";
    UserBalanceNotEnough = "USER_BALANCE_NOT_ENOUGH", Failed, "Insufficient balance: choose another payment method.";
    InvalidCode = "INVALID_CODE", Failed, "Invalid or used code: ask the shopper to refresh and scan again.";
    ExpiredCode = "EXPIRED_CODE", Failed, "Code expired: ask the shopper to refresh and scan again.";
    RiskReject = "RISK_REJECT", Failed, "Declined by the wallet's risk check: choose another payment method.";
    UserAmountExceedLimit = "USER_AMOUNT_EXCEED_LIMIT", Failed, "Over the shopper's wallet limit: lower the amount or choose another method.";
    PaymentAmountExceedLimit = "PAYMENT_AMOUNT_EXCEED_LIMIT", Failed, "Over the wallet's payment limit: choose another payment method.";
    UserPaymentVerificationFailed = "USER_PAYMENT_VERIFICATION_FAILED", Failed, "Shopper did not confirm: try again with a new code, or another method.";
    UnavailablePaymentMethod = "UNAVAILABLE_PAYMENT_METHOD", Failed, "This wallet cannot pay here: choose another payment method.";
    CurrencyNotSupport = "CURRENCY_NOT_SUPPORT", Failed, "Currency not supported: check the store configuration.";
    OrderIsClosed = "ORDER_IS_CLOSED", Failed, "Order closed: start a new payment.";
    OrderNotExist = "ORDER_NOT_EXIST", Failed, "No such order: treat it as never created.";
    RepeatReqInconsistent = "REPEAT_REQ_INCONSISTENT", Failed, "Same request id with different details: start a new attempt.";
    ProcessFail = "PROCESS_FAIL", Failed, "Declined: choose another payment method.";
    ParamIllegal = "PARAM_ILLEGAL", Failed, "Request rejected as malformed: report to support.";
    CancelWindowExceed = "CANCEL_WINDOW_EXCEED", Failed, "Too late to cancel: issue a refund instead.";
    /// Simulator-specific [I]: WeChat refuses a reverse within 15 s of order creation.
    ReverseTooEarly = "REVERSE_TOO_EARLY", Failed, "Too early to reverse: wait until 15 s after the order, then retry.";
    RefundAmountExceed = "REFUND_AMOUNT_EXCEED", Failed, "Refund larger than what is left to refund: lower the amount.";
    RefundWindowExceed = "REFUND_WINDOW_EXCEED", Failed, "Refund window is over: refund outside the wallet.";
    RefundCountExceed = "REFUND_COUNT_EXCEED", Failed, "Too many partial refunds: refund the rest outside the wallet.";
}

impl fmt::Display for ResultCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.wire())
    }
}

/// `{resultStatus, resultCode, resultMessage}`: used both for the call and for the payment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResultInfo {
    pub status: ResultStatus,
    pub code: ResultCode,
    pub message: String,
}

impl ResultInfo {
    /// A result with the code's own status and message.
    pub fn of(code: ResultCode) -> Self {
        Self {
            status: code.status(),
            code,
            message: code.cashier_advice().to_string(),
        }
    }

    pub fn with_message(code: ResultCode, message: impl Into<String>) -> Self {
        Self {
            status: code.status(),
            code,
            message: message.into(),
        }
    }

    pub fn success() -> Self {
        Self::of(ResultCode::Success)
    }

    /// A call that worked: status S, code SUCCESS, with a message.
    pub fn call_ok(message: impl Into<String>) -> Self {
        Self::with_message(ResultCode::Success, message)
    }

    pub fn is_success(&self) -> bool {
        self.status == ResultStatus::Success
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_names_round_trip_and_are_unique() {
        let mut seen = std::collections::HashSet::new();
        for code in ResultCode::ALL {
            assert!(seen.insert(code.wire()), "duplicate {}", code.wire());
            assert_eq!(ResultCode::from_wire(code.wire()), Some(*code));
            let json = serde_json::to_string(code).unwrap();
            assert_eq!(json, format!("\"{}\"", code.wire()));
        }
    }

    #[test]
    fn in_process_codes_are_not_final_and_declines_are() {
        assert_eq!(ResultCode::PaymentInProcess.status(), ResultStatus::Unknown);
        assert_eq!(ResultCode::UserPaying.status(), ResultStatus::Unknown);
        assert!(ResultCode::UserBalanceNotEnough.status().is_final());
        assert_eq!(ResultCode::Success.status(), ResultStatus::Success);
        assert_eq!(
            serde_json::to_string(&ResultStatus::Unknown).unwrap(),
            "\"U\""
        );
    }

    #[test]
    fn every_failure_tells_the_cashier_what_to_do() {
        assert_eq!(
            ResultCode::ExpiredCode.cashier_advice(),
            "Code expired: ask the shopper to refresh and scan again."
        );
        assert!(
            ResultCode::ALL
                .iter()
                .all(|c| c.cashier_advice().contains(':'))
        );
    }
}
