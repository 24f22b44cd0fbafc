//! The card network's answer to an authorization.

use super::{AttemptOutcome, Flow};
use crate::checkout::payment::{DeclineCode, PayStatus};
use crate::checkout::sale::{CardTender, SaleTender};
use crate::network::CardResponse;

impl Flow<'_> {
    pub fn on_card_reply(&mut self, r: CardResponse) {
        let detail = format!(
            "{} {}",
            r.response_code,
            if r.approved { "APPROVED" } else { "DECLINED" }
        );
        self.trace(false, "card", detail);
        if *self.status != PayStatus::Sending {
            return;
        }
        if r.approved {
            *self.status = PayStatus::Approved;
            self.out.approved = Some(SaleTender::Card(CardTender {
                brand: r
                    .brand
                    .map(|b| b.name().to_string())
                    .unwrap_or_else(|| "Card".into()),
                masked_pan: r.masked_pan,
                aid: r.aid.unwrap_or_default(),
                auth_code: r.auth_code.unwrap_or_default(),
                amount: r.amount,
                payment_request_id: self.id(),
            }));
            return;
        }
        *self.status = PayStatus::Declined {
            code: DeclineCode::Card {
                decline: r.decline,
                code: r.result.code,
                response_code: r.response_code.clone(),
            },
            advice: r
                .decline
                .map(|d| d.cashier_advice().to_string())
                .unwrap_or_else(|| "Card declined: ask for another card or method.".into()),
        };
        self.finish(AttemptOutcome::CardDeclined {
            decline: r.decline,
            code: r.result.code,
        });
    }
}
