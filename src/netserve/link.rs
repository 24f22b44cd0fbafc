//! The calls the runtime makes on a payment network. The in-process `Network` answers them
//! directly; `RemoteNetwork` carries them to `qrtill network serve`.

use crate::clock::Timestamp;
use crate::money::Money;
use crate::network::{
    CancelResponse, CardRequest, CardResponse, Delivery, MirroredPhone, Network, Notification,
    PayRequest, PayResponse, PhoneError, PhoneScreen, QueryResponse, RefundRequest, RefundResponse,
    ShopperId,
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
    /// The phone held to the counter's NFC reader: a tap code.
    fn tap_code(&mut self, shopper: &ShopperId, now: Timestamp) -> Result<String, String>;
    /// The phone's camera reads the counter's order code.
    fn scan_order_code(
        &mut self,
        shopper: &ShopperId,
        bill_number: &str,
        amount: Money,
        now: Timestamp,
    ) -> Result<PhoneScreen, String>;
    /// The demo desk's switches: the phone offline, the balance set.
    fn set_offline(
        &mut self,
        shopper: &ShopperId,
        offline: bool,
        now: Timestamp,
    ) -> Result<(), String>;
    fn set_balance(
        &mut self,
        shopper: &ShopperId,
        balance: Money,
        now: Timestamp,
    ) -> Result<(), String>;
    /// The phones as the network service last showed them, numbered so a change is seen;
    /// `None` for the in-process network, whose own wallets are the phones.
    fn phones(&self) -> Option<(u64, Vec<(ShopperId, MirroredPhone)>)> {
        None
    }
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

    fn tap_code(&mut self, shopper: &ShopperId, now: Timestamp) -> Result<String, String> {
        Network::tap_code(self, shopper, now).map_err(text)
    }

    fn scan_order_code(
        &mut self,
        shopper: &ShopperId,
        bill_number: &str,
        amount: Money,
        now: Timestamp,
    ) -> Result<PhoneScreen, String> {
        Network::scan_order_code(self, shopper, bill_number, amount, now).map_err(text)
    }

    fn set_offline(
        &mut self,
        shopper: &ShopperId,
        offline: bool,
        now: Timestamp,
    ) -> Result<(), String> {
        Network::set_offline(self, shopper, offline, now)
            .map(|_| ())
            .map_err(text)
    }

    fn set_balance(
        &mut self,
        shopper: &ShopperId,
        balance: Money,
        now: Timestamp,
    ) -> Result<(), String> {
        Network::set_balance(self, shopper, balance, now)
            .map(|_| ())
            .map_err(text)
    }
}
