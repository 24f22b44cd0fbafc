//! The calls the runtime makes on a payment network. The in-process `Network` answers them
//! directly; `RemoteNetwork` carries them to `qrtill network serve`.

use crate::clock::Timestamp;
use crate::network::{
    CancelResponse, CardRequest, CardResponse, Delivery, Network, Notification, PayRequest,
    PayResponse, PhoneError, QueryResponse, RefundRequest, RefundResponse, ShopperId,
};

pub trait PaymentLink {
    fn pay(&mut self, req: PayRequest, now: Timestamp) -> Delivery<PayResponse>;
    fn card_authorize(&mut self, req: CardRequest, now: Timestamp) -> Delivery<CardResponse>;
    fn query(&mut self, payment_request_id: &str, now: Timestamp) -> Delivery<QueryResponse>;
    fn cancel(&mut self, payment_request_id: &str, now: Timestamp) -> Delivery<CancelResponse>;
    fn refund(&mut self, req: RefundRequest, now: Timestamp) -> Delivery<RefundResponse>;
    /// Notifications that have reached the lane by `now`.
    fn advance(&mut self, now: Timestamp) -> Vec<Delivery<Notification>>;
    /// When `advance` should next be called, if ever.
    fn next_wakeup(&self) -> Option<Timestamp>;
    /// The shopper's phone (their wallet app), for the calls that change the wallet's state.
    fn issue_payment_code(&mut self, shopper: &ShopperId, now: Timestamp)
    -> Result<String, String>;
    fn enter_password(&mut self, shopper: &ShopperId, now: Timestamp) -> Result<(), String>;
    fn refuse_password(&mut self, shopper: &ShopperId, now: Timestamp) -> Result<(), String>;
    fn cancel_on_phone(&mut self, shopper: &ShopperId, now: Timestamp) -> Result<(), String>;
}

fn text(e: PhoneError) -> String {
    e.to_string()
}

impl PaymentLink for Network {
    fn pay(&mut self, req: PayRequest, now: Timestamp) -> Delivery<PayResponse> {
        Network::pay(self, req, now)
    }

    fn card_authorize(&mut self, req: CardRequest, now: Timestamp) -> Delivery<CardResponse> {
        Network::card_authorize(self, req, now)
    }

    fn query(&mut self, payment_request_id: &str, now: Timestamp) -> Delivery<QueryResponse> {
        Network::query(self, payment_request_id, now)
    }

    fn cancel(&mut self, payment_request_id: &str, now: Timestamp) -> Delivery<CancelResponse> {
        Network::cancel(self, payment_request_id, now)
    }

    fn refund(&mut self, req: RefundRequest, now: Timestamp) -> Delivery<RefundResponse> {
        Network::refund(self, req, now)
    }

    fn advance(&mut self, now: Timestamp) -> Vec<Delivery<Notification>> {
        Network::advance(self, now)
    }

    fn next_wakeup(&self) -> Option<Timestamp> {
        Network::next_wakeup(self)
    }

    fn issue_payment_code(
        &mut self,
        shopper: &ShopperId,
        now: Timestamp,
    ) -> Result<String, String> {
        Network::issue_payment_code(self, shopper, now).map_err(text)
    }

    fn enter_password(&mut self, shopper: &ShopperId, now: Timestamp) -> Result<(), String> {
        Network::enter_password(self, shopper, now)
            .map(|_| ())
            .map_err(text)
    }

    fn refuse_password(&mut self, shopper: &ShopperId, now: Timestamp) -> Result<(), String> {
        Network::refuse_password(self, shopper, now)
            .map(|_| ())
            .map_err(text)
    }

    fn cancel_on_phone(&mut self, shopper: &ShopperId, now: Timestamp) -> Result<(), String> {
        Network::cancel_on_phone(self, shopper, now)
            .map(|_| ())
            .map_err(text)
    }
}
