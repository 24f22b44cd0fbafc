//! `query`: the inquiry the counter polls with; the call result is separate from the payment's.

use super::api::{Delivery, QueryResponse};
use super::codes::{ResultCode, ResultInfo};
use super::{BACKEND_LATENCY_MS, Call, Fault, Network, ms};
use crate::clock::Timestamp;

impl Network {
    /// Inquiry. The call result (did the inquiry work?) is separate from the payment result.
    pub fn query(&mut self, payment_request_id: &str, now: Timestamp) -> Delivery<QueryResponse> {
        self.tick(now);
        let _ = self.flush();
        let id = payment_request_id.to_string();
        let fault = self.take_fault(Call::Query);
        let unreadable = self.recall_or_note(&id);
        let order = self.orders.get(&id);
        let mut body = match (order, self.tombstones.contains_key(&id)) {
            (Some(o), _) => QueryResponse {
                payment_request_id: id.clone(),
                result: ResultInfo::call_ok("Inquiry succeeded."),
                payment_result: Some(self.payment_result(o)),
                payment: Some(self.view(o)),
            },
            (None, true) => QueryResponse {
                payment_request_id: id.clone(),
                result: ResultInfo::call_ok("Inquiry succeeded."),
                payment_result: Some(ResultInfo::with_message(
                    ResultCode::OrderIsClosed,
                    "Cancelled before any payment arrived.",
                )),
                payment: None,
            },
            (None, false) => QueryResponse {
                payment_request_id: id.clone(),
                result: ResultInfo::with_message(
                    ResultCode::OrderNotExist,
                    "No payment with this request id.",
                ),
                payment_result: None,
                payment: None,
            },
        };
        let mut deliver_at =
            self.reply_at(order, now, &["query", &id, &ms(now)], BACKEND_LATENCY_MS);
        match fault {
            Some(Fault::Throttle(_)) => {
                body.result = ResultInfo::of(ResultCode::RequestTrafficExceedLimit);
                body.payment_result = None;
                body.payment = None;
            }
            Some(Fault::SystemError(_)) => {
                body.result = ResultInfo::of(ResultCode::UnknownException);
                body.payment_result = None;
                body.payment = None;
            }
            Some(Fault::DropReply(_)) => deliver_at = None,
            None => {}
        }
        if unreadable {
            // History could not be read: "unknown" rather than a wrong "no such payment".
            body.result = ResultInfo::of(ResultCode::UnknownException);
            body.payment_result = None;
            body.payment = None;
        }
        Delivery { deliver_at, body }
    }
}
