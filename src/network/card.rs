//! Card tap: test cards (by PAN) that approve or decline with named reasons, like the test cards
//! of card simulators. The receipt needs brand, masked PAN, AID and auth code (EMV Book 4 §11.4).

use super::Network;
use super::api::{
    CancelAction, CancelResponse, Delivery, LedgerPayment, PaymentStage, RefundRequest, RefundView,
};
use super::codes::{ResultCode, ResultInfo};
use super::{CARD_LATENCY_MS, Call, Fault, ms};
use crate::clock::Timestamp;
use crate::money::Money;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CardRequest {
    /// The counter's idempotency key for this authorization.
    pub request_id: String,
    /// Primary account number as read by the contactless reader (digits only).
    pub pan: String,
    pub amount: Money,
}

/// Why an issuer declined, with the ISO 8583 response code it carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum CardDecline {
    DoNotHonor,
    InsufficientFunds,
    ExpiredCard,
    LostCard,
    /// PAN fails the Luhn check or is not one of the test cards.
    InvalidCard,
}

impl CardDecline {
    pub fn wire(self) -> &'static str {
        match self {
            CardDecline::DoNotHonor => "DO_NOT_HONOR",
            CardDecline::InsufficientFunds => "INSUFFICIENT_FUNDS",
            CardDecline::ExpiredCard => "EXPIRED_CARD",
            CardDecline::LostCard => "LOST_CARD",
            CardDecline::InvalidCard => "INVALID_CARD",
        }
    }

    /// ISO 8583 field 39.
    pub fn response_code(self) -> &'static str {
        match self {
            CardDecline::DoNotHonor => "05",
            CardDecline::InsufficientFunds => "51",
            CardDecline::ExpiredCard => "54",
            CardDecline::LostCard => "41",
            CardDecline::InvalidCard => "14",
        }
    }

    pub fn cashier_advice(self) -> &'static str {
        match self {
            CardDecline::DoNotHonor => "Declined by the bank: ask for another card or method.",
            CardDecline::InsufficientFunds => "Insufficient funds: choose another payment method.",
            CardDecline::ExpiredCard => "Card expired: ask for another card.",
            CardDecline::LostCard => "Card reported lost: keep calm, ask for another method.",
            CardDecline::InvalidCard => "Card not recognised: tap again or use another card.",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum CardBrand {
    Visa,
    Mastercard,
    Amex,
    UnionPay,
    Jcb,
}

impl CardBrand {
    pub fn name(self) -> &'static str {
        match self {
            CardBrand::Visa => "Visa",
            CardBrand::Mastercard => "Mastercard",
            CardBrand::Amex => "American Express",
            CardBrand::UnionPay => "UnionPay",
            CardBrand::Jcb => "JCB",
        }
    }

    /// The contactless application identifier printed on receipts.
    pub fn aid(self) -> &'static str {
        match self {
            CardBrand::Visa => "A0000000031010",
            CardBrand::Mastercard => "A0000000041010",
            CardBrand::Amex => "A00000002501",
            CardBrand::UnionPay => "A000000333010101",
            CardBrand::Jcb => "A0000000651010",
        }
    }
}

/// One test card and what the issuer answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TestCard {
    pub pan: &'static str,
    pub brand: CardBrand,
    pub outcome: Option<CardDecline>,
    /// Shown only on the shopper's phone: an Alipay+ NFC wallet tokenised onto this card.
    pub wallet_label: Option<&'static str>,
    pub note: &'static str,
}

/// The test cards the simulated issuer knows.
pub const TEST_CARDS: &[TestCard] = &[
    TestCard {
        pan: "4111111111111111",
        brand: CardBrand::Visa,
        outcome: None,
        wallet_label: None,
        note: "approves",
    },
    TestCard {
        pan: "5555555555554444",
        brand: CardBrand::Mastercard,
        outcome: None,
        wallet_label: None,
        note: "approves",
    },
    TestCard {
        pan: "5200828282828210",
        brand: CardBrand::Mastercard,
        outcome: None,
        wallet_label: Some("Alipay+ NFC (Kakao Pay, demo)"),
        note: "Alipay+ NFC token, approves",
    },
    TestCard {
        pan: "378282246310005",
        brand: CardBrand::Amex,
        outcome: None,
        wallet_label: None,
        note: "approves",
    },
    TestCard {
        pan: "6200000000000005",
        brand: CardBrand::UnionPay,
        outcome: None,
        wallet_label: None,
        note: "approves",
    },
    TestCard {
        pan: "3566002020360505",
        brand: CardBrand::Jcb,
        outcome: None,
        wallet_label: None,
        note: "approves",
    },
    TestCard {
        pan: "4000000000000002",
        brand: CardBrand::Visa,
        outcome: Some(CardDecline::DoNotHonor),
        wallet_label: None,
        note: "declines: do not honor",
    },
    TestCard {
        pan: "4000000000000051",
        brand: CardBrand::Visa,
        outcome: Some(CardDecline::InsufficientFunds),
        wallet_label: None,
        note: "declines: insufficient funds",
    },
    TestCard {
        pan: "4000000000000069",
        brand: CardBrand::Visa,
        outcome: Some(CardDecline::ExpiredCard),
        wallet_label: None,
        note: "declines: expired card",
    },
    TestCard {
        pan: "4000000000009979",
        brand: CardBrand::Visa,
        outcome: Some(CardDecline::LostCard),
        wallet_label: None,
        note: "declines: lost card",
    },
];

/// Luhn (mod 10) check of a PAN.
pub fn luhn_valid(pan: &str) -> bool {
    if pan.len() < 12 || !pan.chars().all(|c| c.is_ascii_digit()) {
        return false;
    }
    let sum: u32 = pan
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            if i % 2 == 1 {
                let x = d * 2;
                if x > 9 { x - 9 } else { x }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

/// `•••• •••• •••• 1111` style mask: only the last four digits show.
pub fn mask_pan(pan: &str) -> String {
    let digits: Vec<char> = pan.chars().filter(|c| c.is_ascii_digit()).collect();
    let keep = digits.len().saturating_sub(4);
    let last: String = digits[keep..].iter().collect();
    format!("************{last}")
}

pub fn find_test_card(pan: &str) -> Option<&'static TestCard> {
    TEST_CARDS.iter().find(|c| c.pan == pan)
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CardResponse {
    pub request_id: String,
    pub result: ResultInfo,
    pub approved: bool,
    pub decline: Option<CardDecline>,
    /// ISO 8583 response code: `00` approved.
    pub response_code: String,
    pub brand: Option<CardBrand>,
    pub masked_pan: String,
    pub aid: Option<String>,
    pub auth_code: Option<String>,
    pub amount: Money,
    pub authorized_at: Timestamp,
}

/// A stored authorization, for idempotency, refunds and reconciliation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CardAuth {
    /// Last four digits only; the simulator never stores a full PAN.
    pub pan_fingerprint: String,
    pub response: CardResponse,
    pub refunded: Money,
    pub refund_count: u32,
    pub voided: bool,
}

/// The network's side of one card authorization, for reconciliation.
pub fn card_ledger_payment(c: &CardAuth) -> LedgerPayment {
    let r = &c.response;
    let held = r.approved && !c.voided;
    let net = if held {
        r.amount.checked_sub(c.refunded).unwrap_or(r.amount)
    } else {
        Money::zero(r.amount.currency())
    };
    LedgerPayment {
        payment_request_id: r.request_id.clone(),
        payment_id: r.auth_code.clone().unwrap_or_default(),
        stage: match (r.approved, c.voided) {
            (false, _) => PaymentStage::Failed,
            (true, true) => PaymentStage::Reversed,
            (true, false) if c.refunded.is_zero() => PaymentStage::Paid,
            (true, false) if c.refunded == r.amount => PaymentStage::Refunded,
            _ => PaymentStage::PartiallyRefunded,
        },
        failure: (!r.approved).then_some(ResultCode::ProcessFail),
        wallet: None,
        amount: r.amount,
        merchant_net: net,
        charged: r.approved.then_some(r.amount),
        returned: Some(if c.voided { r.amount } else { c.refunded }),
        refunded: c.refunded,
        paid_at: r.approved.then_some(r.authorized_at),
        card: true,
    }
}

impl Network {
    /// Card tap: the issuer approves or declines the test card at once.
    pub fn card_authorize(&mut self, req: CardRequest, now: Timestamp) -> Delivery<CardResponse> {
        self.tick(now);
        let fault = self.take_fault(Call::Card);
        let latency_key = ["card", req.request_id.as_str(), &ms(now)];
        let last4: String = req
            .pan
            .chars()
            .rev()
            .take(4)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        let unreadable = self.recall_or_note(&req.request_id);
        if let Some(existing) = self.cards.get(&req.request_id) {
            let mut resp = existing.response.clone();
            if existing.pan_fingerprint != last4 || existing.response.amount != req.amount {
                resp.result = ResultInfo::of(ResultCode::RepeatReqInconsistent);
                resp.approved = false;
            }
            return Delivery::at(self.after(now, &latency_key, CARD_LATENCY_MS), resp);
        }
        let mut resp = CardResponse {
            request_id: req.request_id.clone(),
            result: ResultInfo::call_ok("Approved."),
            approved: false,
            decline: None,
            response_code: "00".to_string(),
            brand: None,
            masked_pan: mask_pan(&req.pan),
            aid: None,
            auth_code: None,
            amount: req.amount,
            authorized_at: now,
        };
        if unreadable {
            // A repeat of an approved id cannot be told apart: no second authorization.
            resp.result = ResultInfo::of(ResultCode::UnknownException);
            resp.response_code = "96".to_string();
            return Delivery::at(self.after(now, &latency_key, CARD_LATENCY_MS), resp);
        }
        if fault == Some(Fault::Throttle(Call::Card)) {
            resp.result = ResultInfo::of(ResultCode::RequestTrafficExceedLimit);
            resp.response_code = "91".to_string();
            return Delivery::at(self.after(now, &latency_key, CARD_LATENCY_MS), resp);
        }
        let card = find_test_card(&req.pan).filter(|_| luhn_valid(&req.pan));
        let decline = match card {
            None => Some(CardDecline::InvalidCard),
            Some(c) => c.outcome,
        };
        if req.request_id.is_empty() || req.amount.is_zero() || req.amount.is_negative() {
            resp.result = ResultInfo::of(ResultCode::ParamIllegal);
            resp.response_code = "30".to_string();
            return Delivery::at(self.after(now, &latency_key, CARD_LATENCY_MS), resp);
        }
        resp.brand = card.map(|c| c.brand);
        resp.aid = card.map(|c| c.brand.aid().to_string());
        match decline {
            Some(d) => {
                resp.decline = Some(d);
                resp.response_code = d.response_code().to_string();
                resp.result = ResultInfo::with_message(
                    ResultCode::ProcessFail,
                    format!("{}: {}", d.wire(), d.cashier_advice()),
                );
            }
            None => {
                resp.approved = true;
                let n = self.roll(&["auth-code", &req.request_id], [0, 999_999]);
                resp.auth_code = Some(format!("{n:06}"));
            }
        }
        let auth = CardAuth {
            pan_fingerprint: last4,
            response: resp.clone(),
            refunded: Money::zero(req.amount.currency()),
            refund_count: 0,
            voided: false,
        };
        self.cards.insert(req.request_id.clone(), auth);
        self.dirty_cards.insert(req.request_id.clone());
        if self.flush().is_err() || fault == Some(Fault::SystemError(Call::Card)) {
            resp.result = ResultInfo::of(ResultCode::UnknownException);
        }
        let deliver_at = (fault != Some(Fault::DropReply(Call::Card)))
            .then(|| self.after(now, &latency_key, CARD_LATENCY_MS));
        Delivery {
            deliver_at,
            body: resp,
        }
    }

    pub(crate) fn void_card(&mut self, id: &str, now: Timestamp, body: &mut CancelResponse) {
        let Some(auth) = self.cards.get_mut(id) else {
            return;
        };
        if !auth.response.approved {
            body.action = Some(CancelAction::Close);
        } else if !auth.refunded.is_zero() {
            body.result = ResultInfo::with_message(
                ResultCode::ProcessFail,
                "Already refunded: use refund for the rest.",
            );
        } else {
            auth.voided = true;
            body.action = Some(CancelAction::Refund);
            body.result =
                ResultInfo::call_ok(format!("Card authorization voided at {}.", now.millis()));
        }
        self.dirty_cards.insert(id.to_string());
    }

    pub(crate) fn refund_card(
        &mut self,
        req: &RefundRequest,
        now: Timestamp,
        out: &mut Option<RefundView>,
    ) -> ResultInfo {
        let Some(auth) = self.cards.get(&req.payment_request_id).cloned() else {
            return ResultInfo::of(ResultCode::OrderNotExist);
        };
        if !auth.response.approved || auth.voided {
            return ResultInfo::with_message(
                ResultCode::OrderIsClosed,
                "Only an approved card payment can be refunded.",
            );
        }
        if req.amount.currency() != auth.response.amount.currency() {
            return ResultInfo::with_message(
                ResultCode::ParamIllegal,
                "Refund in the payment's currency.",
            );
        }
        let Ok(refundable) = auth.response.amount.checked_sub(auth.refunded) else {
            return ResultInfo::of(ResultCode::ProcessFail);
        };
        if req.amount.amount() > refundable.amount() {
            return ResultInfo::with_message(
                ResultCode::RefundAmountExceed,
                format!("Refund exceeds the refundable {}.", refundable.with_code()),
            );
        }
        let Ok(total) = auth.refunded.checked_add(req.amount) else {
            return ResultInfo::of(ResultCode::ProcessFail);
        };
        if let Some(a) = self.cards.get_mut(&req.payment_request_id) {
            a.refunded = total;
            a.refund_count += 1;
        }
        self.dirty_cards.insert(req.payment_request_id.clone());
        let view = RefundView {
            refund_request_id: req.refund_request_id.clone(),
            refund_id: self.payment_id_for(&req.refund_request_id, now),
            payment_request_id: req.payment_request_id.clone(),
            amount: req.amount,
            wallet_amount: req.amount,
            rate: crate::money::Decimal::ONE,
            refunded_total: total,
            refunded_at: now,
        };
        self.record_refund(req, view.clone());
        *out = Some(view);
        ResultInfo::call_ok("Card refund accepted.")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_test_card_passes_luhn() {
        for c in TEST_CARDS {
            assert!(luhn_valid(c.pan), "{} fails Luhn", c.pan);
        }
        assert!(!luhn_valid("4111111111111112"));
        assert!(!luhn_valid("41111111"));
        assert!(!luhn_valid("4111-1111-1111-1111"));
    }

    #[test]
    fn masked_pan_shows_only_the_last_four() {
        assert_eq!(mask_pan("4111111111111111"), "************1111");
        assert_eq!(mask_pan("378282246310005"), "************0005");
    }

    #[test]
    fn decline_reasons_carry_iso_response_codes() {
        assert_eq!(CardDecline::InsufficientFunds.response_code(), "51");
        assert_eq!(CardDecline::DoNotHonor.wire(), "DO_NOT_HONOR");
        assert_eq!(
            find_test_card("4000000000000002").and_then(|c| c.outcome),
            Some(CardDecline::DoNotHonor)
        );
    }
}
