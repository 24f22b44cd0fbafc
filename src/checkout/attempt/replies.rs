//! Where a wallet's answer is decided: pay replies, query results and notifications all come
//! down to `payment_news` (status, result code, the wallet's view of the payment).

use super::{AttemptOutcome, Flow, tender_from_view};
use crate::checkout::payment::{PayMode, PayStatus};
use crate::checkout::sale::SaleTender;
use crate::network::{
    Notification, PayResponse, PaymentStage, PaymentView, QueryResponse, ResultCode, ResultStatus,
};

impl Flow<'_> {
    pub fn on_pay_reply(&mut self, r: PayResponse) {
        let detail = format!("{} {}", r.result.status.wire(), r.result.code.wire());
        self.trace(false, "pay", detail);
        if r.result.code == ResultCode::RequestTrafficExceedLimit {
            return self.schedule_resend();
        }
        self.payment_news(r.result.status, r.result.code, r.payment);
    }

    pub fn on_query_reply(&mut self, r: QueryResponse) {
        let detail = match &r.payment_result {
            Some(p) => format!(
                "{} · payment {} {}",
                r.result.status.wire(),
                p.status.wire(),
                p.code.wire()
            ),
            None => format!("{} {}", r.result.status.wire(), r.result.code.wire()),
        };
        self.trace(false, "query", detail);
        match (r.result.status, r.payment_result) {
            (ResultStatus::Success, Some(p)) => {
                self.payment_news(p.status, p.code, r.payment);
                // Still in process: poll on, or cancel once the deadline has passed.
                self.poll_or_give_up();
            }
            // The order is unknown (the pay never arrived) or the inquiry failed: keep polling
            // until the deadline; the cancel then closes the id for good.
            _ => self.poll_or_give_up(),
        }
    }

    pub fn on_notify(&mut self, n: Notification) {
        let detail = format!(
            "{} {}",
            n.payment_result.status.wire(),
            n.payment_result.code.wire()
        );
        self.trace(false, "notify", detail);
        self.payment_news(
            n.payment_result.status,
            n.payment_result.code,
            Some(n.payment),
        );
    }

    /// A pay reply, query result or notification says where the payment is.
    fn payment_news(&mut self, status: ResultStatus, code: ResultCode, view: Option<PaymentView>) {
        if !self.status.is_live() {
            // Cancelling, approved or final: a late answer changes nothing (the cancel reply
            // decides, wallets.md §1.1).
            return;
        }
        if let Some(v) = &view {
            self.attempt.payment = Some(v.clone());
        }
        match status {
            ResultStatus::Success => self.approve(),
            ResultStatus::Failed
                if view
                    .as_ref()
                    .is_some_and(|v| v.stage == PaymentStage::Reversed) =>
            {
                // A cancel sent earlier (before a restart) returned the charge.
                *self.status = PayStatus::Cancelled {
                    refunded: true,
                    why: "cancelled earlier".into(),
                };
                self.finish(AttemptOutcome::FoundReversed);
            }
            ResultStatus::Failed => {
                *self.status = PayStatus::Declined {
                    code: code.into(),
                    advice: code.cashier_advice().to_string(),
                };
                self.finish(AttemptOutcome::Declined(code));
            }
            ResultStatus::Unknown => {
                let stage = view.as_ref().map(|v| v.stage);
                let sending = *self.status == PayStatus::Sending;
                *self.status = match stage {
                    Some(PaymentStage::AwaitingScan) => PayStatus::WaitingForScan,
                    Some(PaymentStage::AwaitingShopper) => PayStatus::ShopperConfirming,
                    _ if self.attempt.mode == PayMode::WalletQr && sending => {
                        PayStatus::WaitingForScan
                    }
                    // Only the wallet's "in process" means the shopper is confirming; an
                    // unknown result keeps "sending" while the polls find out.
                    _ if sending
                        && matches!(
                            code,
                            ResultCode::PaymentInProcess | ResultCode::UserPaying
                        ) =>
                    {
                        PayStatus::ShopperConfirming
                    }
                    _ => self.status.clone(),
                };
            }
        }
    }

    /// The wallet says paid: the checkout commits the sale with what the wallet reported.
    fn approve(&mut self) {
        *self.status = PayStatus::Approved;
        let a = &self.attempt;
        self.out.approved = Some(SaleTender::Wallet(tender_from_view(
            &a.request_id,
            a.mode,
            a.amount,
            a.payment.as_ref(),
        )));
    }
}
