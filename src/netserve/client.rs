//! The lane's side of `qrtill network serve`: the runtime's `PaymentLink` over HTTP. A call
//! that fails (service down, killed, unreachable) is a reply that never arrives, exactly like a
//! reply the simulated network drops: the checkout's own timeouts, queries and cancels resolve
//! the payment once the service answers again. Notifications come from a long-poll thread; the
//! shoppers' phones (screens, balances) are fetched every `PHONES_EVERY` by another, and right
//! after each phone action, for the lane's screens to mirror.

use super::link::PaymentLink;
use super::wire::{ById, NotePage, PhoneBoard, PhoneBody, PhoneReply, Timed};
use crate::clock::Timestamp;
use crate::money::Money;
use crate::network::{
    CancelResponse, CardRequest, CardResponse, Delivery, MirroredPhone, Notification, PayRequest,
    PayResponse, PhoneScreen, QueryResponse, RefundRequest, RefundResponse, ResultCode, ResultInfo,
    ShopperId,
};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// A call that takes longer than this is treated as lost (the checkout then queries).
const CALL_TIMEOUT: Duration = Duration::from_secs(5);
/// How long the service may hold a notification poll open.
const POLL_WAIT_MS: u64 = 2_000;
/// How often the runtime looks for notifications the poll thread has received.
const PICKUP_MS: u64 = 100;
/// How often the phones are fetched for the lane's screens.
const PHONES_EVERY: Duration = Duration::from_millis(500);

/// The phones as last fetched, numbered so the runtime sees when they changed.
#[derive(Debug, Default)]
struct Board {
    version: u64,
    phones: Option<PhoneBoard>,
}

type SharedBoard = Arc<Mutex<Board>>;

/// Keeps `fetched` if it differs from what is held, under a new version.
fn keep_board(board: &SharedBoard, fetched: PhoneBoard) {
    let mut b = board.lock().unwrap_or_else(|p| p.into_inner());
    if b.phones.as_ref() != Some(&fetched) {
        b.version += 1;
        b.phones = Some(fetched);
    }
}

fn fetch_board(agent: &ureq::Agent, url: &str) -> Result<PhoneBoard, ureq::Error> {
    agent.get(url).call()?.body_mut().read_json::<PhoneBoard>()
}

/// The body of a reply that never arrives (`Delivery::lost`): never delivered, never read.
fn unknown() -> ResultInfo {
    ResultInfo::of(ResultCode::UnknownException)
}

/// Notifications received, each with its remaining simulated latency.
type Inbox = Arc<Mutex<Vec<(Duration, Notification)>>>;

pub struct RemoteNetwork {
    base: String,
    agent: ureq::Agent,
    inbox: Inbox,
    stop: Arc<AtomicBool>,
    last_now: Option<Timestamp>,
    board: SharedBoard,
}

impl std::fmt::Debug for RemoteNetwork {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RemoteNetwork")
            .field("base", &self.base)
            .finish_non_exhaustive()
    }
}

fn agent(timeout: Duration) -> ureq::Agent {
    ureq::Agent::config_builder()
        .timeout_global(Some(timeout))
        .build()
        .into()
}

fn post<B: Serialize, T: DeserializeOwned>(
    agent: &ureq::Agent,
    url: &str,
    body: &B,
) -> Result<T, ureq::Error> {
    agent.post(url).send_json(body)?.body_mut().read_json::<T>()
}

impl RemoteNetwork {
    /// A link to the service at `url` (e.g. `http://127.0.0.1:8700`). `prefix` selects this
    /// lane's notifications (its payment request ids start with it). Nothing is contacted yet.
    pub fn connect(url: &str, prefix: &str) -> RemoteNetwork {
        let base = url.trim_end_matches('/').to_string();
        let inbox: Inbox = Arc::default();
        let stop = Arc::new(AtomicBool::new(false));
        let poller = Poller {
            url: format!("{base}/notifications"),
            prefix: prefix.to_string(),
            inbox: Arc::clone(&inbox),
            stop: Arc::clone(&stop),
        };
        let spawned = std::thread::Builder::new()
            .name("network-notifications".into())
            .spawn(move || poller.run());
        if let Err(e) = spawned {
            // Without the thread, payments still resolve by query; only notifications are missed.
            tracing::error!(error = %e, "notification thread not started");
        }
        let board = SharedBoard::default();
        let watcher = PhoneWatcher {
            url: format!("{base}/phones"),
            board: Arc::clone(&board),
            stop: Arc::clone(&stop),
        };
        let spawned = std::thread::Builder::new()
            .name("network-phones".into())
            .spawn(move || watcher.run());
        if let Err(e) = spawned {
            // The phones then refresh only after the operator's own phone actions.
            tracing::error!(error = %e, "phone thread not started");
        }
        RemoteNetwork {
            base,
            agent: agent(CALL_TIMEOUT),
            inbox,
            stop,
            last_now: None,
            board,
        }
    }

    fn call<B: Serialize, T: DeserializeOwned>(
        &mut self,
        path: &str,
        body: &B,
        lost: T,
        now: Timestamp,
    ) -> Delivery<T> {
        self.last_now = Some(now);
        match post::<B, Timed<T>>(&self.agent, &format!("{}{path}", self.base), body) {
            Ok(timed) => timed.on_lane_clock(now),
            Err(e) => {
                tracing::warn!(error = %e, path, "network service call failed: reply lost");
                Delivery::lost(lost)
            }
        }
    }

    fn phone(&mut self, shopper: &ShopperId, action: &str) -> Result<Option<String>, String> {
        self.phone_with(shopper, action, &PhoneBody::default())
            .map(|r| r.ok)
    }

    /// One phone action at the service; then the phones are fetched again, so the screens show
    /// what it did at the next frame.
    fn phone_with(
        &mut self,
        shopper: &ShopperId,
        action: &str,
        body: &PhoneBody,
    ) -> Result<PhoneReply, String> {
        let url = format!("{}/phone/{}/{action}", self.base, shopper.0);
        let reply = match post::<_, PhoneReply>(&self.agent, &url, body) {
            Ok(PhoneReply { error: Some(e), .. }) => Err(e),
            Ok(reply) => Ok(reply),
            Err(e) => Err(format!("the network service did not answer: {e}")),
        };
        match fetch_board(&self.agent, &format!("{}/phones", self.base)) {
            Ok(b) => keep_board(&self.board, b),
            Err(e) => tracing::debug!(error = %e, "phones not fetched"),
        }
        reply
    }
}

impl Drop for RemoteNetwork {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

struct Poller {
    url: String,
    prefix: String,
    inbox: Inbox,
    stop: Arc<AtomicBool>,
}

impl Poller {
    fn run(self) {
        let agent = agent(Duration::from_millis(POLL_WAIT_MS) + CALL_TIMEOUT);
        let (mut epoch, mut after) = (0_i64, 0_u64);
        let mut backoff = Duration::from_millis(100);
        while !self.stop.load(Ordering::Relaxed) {
            let page = agent
                .get(&self.url)
                .query("after", after.to_string())
                .query("epoch", epoch.to_string())
                .query("prefix", &self.prefix)
                .query("wait_ms", POLL_WAIT_MS.to_string())
                .call()
                .and_then(|mut r| r.body_mut().read_json::<NotePage>());
            match page {
                Ok(page) => {
                    backoff = Duration::from_millis(100);
                    let mut inbox = self.inbox.lock().unwrap_or_else(|p| p.into_inner());
                    for note in page.notes {
                        let delay = note.delivery.deliver_at.map(|at| {
                            Duration::from_millis(
                                at.millis().saturating_sub(note.server_now.millis()).max(0) as u64,
                            )
                        });
                        // A notification the simulation loses never arrives here either.
                        if let Some(delay) = delay {
                            inbox.push((delay, note.delivery.body));
                        }
                    }
                    (epoch, after) = (page.epoch, page.last);
                }
                Err(e) => {
                    tracing::debug!(error = %e, "notification poll failed; retrying");
                    std::thread::sleep(backoff);
                    backoff = (backoff * 2).min(Duration::from_secs(2));
                }
            }
        }
    }
}

/// Fetches the phones every `PHONES_EVERY` until the link is dropped.
struct PhoneWatcher {
    url: String,
    board: SharedBoard,
    stop: Arc<AtomicBool>,
}

impl PhoneWatcher {
    fn run(self) {
        let agent = agent(CALL_TIMEOUT);
        while !self.stop.load(Ordering::Relaxed) {
            match fetch_board(&agent, &self.url) {
                Ok(b) => keep_board(&self.board, b),
                Err(e) => tracing::debug!(error = %e, "phones not fetched; retrying"),
            }
            std::thread::sleep(PHONES_EVERY);
        }
    }
}

impl PaymentLink for RemoteNetwork {
    fn pay(&mut self, req: PayRequest, now: Timestamp) -> Delivery<PayResponse> {
        let lost = PayResponse {
            payment_request_id: req.payment_request_id.clone(),
            result: unknown(),
            payment: None,
        };
        self.call("/pay", &req, lost, now)
    }

    fn card_authorize(&mut self, req: CardRequest, now: Timestamp) -> Delivery<CardResponse> {
        let lost = CardResponse {
            request_id: req.request_id.clone(),
            result: unknown(),
            approved: false,
            decline: None,
            response_code: String::new(),
            brand: None,
            masked_pan: String::new(),
            aid: None,
            auth_code: None,
            amount: req.amount,
            authorized_at: now,
        };
        self.call("/card", &req, lost, now)
    }

    fn query(&mut self, payment_request_id: &str, now: Timestamp) -> Delivery<QueryResponse> {
        let req = ById {
            payment_request_id: payment_request_id.to_string(),
        };
        let lost = QueryResponse {
            payment_request_id: payment_request_id.to_string(),
            result: unknown(),
            payment_result: None,
            payment: None,
        };
        self.call("/query", &req, lost, now)
    }

    fn cancel(&mut self, payment_request_id: &str, now: Timestamp) -> Delivery<CancelResponse> {
        let req = ById {
            payment_request_id: payment_request_id.to_string(),
        };
        let lost = CancelResponse {
            payment_request_id: payment_request_id.to_string(),
            result: unknown(),
            action: None,
            retry: true,
            retry_at: None,
            payment: None,
        };
        self.call("/cancel", &req, lost, now)
    }

    fn refund(&mut self, req: RefundRequest, now: Timestamp) -> Delivery<RefundResponse> {
        let lost = RefundResponse {
            refund_request_id: req.refund_request_id.clone(),
            result: unknown(),
            refund: None,
        };
        self.call("/refund", &req, lost, now)
    }

    fn advance(&mut self, now: Timestamp) -> Vec<Delivery<Notification>> {
        self.last_now = Some(now);
        let mut inbox = self.inbox.lock().unwrap_or_else(|p| p.into_inner());
        inbox
            .drain(..)
            .map(|(delay, body)| Delivery::at(now + delay, body))
            .collect()
    }

    fn next_wakeup(&self) -> Option<Timestamp> {
        // Notifications arrive on another thread: look again shortly.
        self.last_now.map(|t| t + Duration::from_millis(PICKUP_MS))
    }

    fn issue_payment_code(
        &mut self,
        shopper: &ShopperId,
        _now: Timestamp,
    ) -> Result<String, String> {
        self.phone(shopper, "code")?
            .ok_or_else(|| "the network service sent no code".to_string())
    }

    fn enter_password(&mut self, shopper: &ShopperId, _now: Timestamp) -> Result<(), String> {
        self.phone(shopper, "password").map(|_| ())
    }

    fn refuse_password(&mut self, shopper: &ShopperId, _now: Timestamp) -> Result<(), String> {
        self.phone(shopper, "refuse").map(|_| ())
    }

    fn cancel_on_phone(&mut self, shopper: &ShopperId, _now: Timestamp) -> Result<(), String> {
        self.phone(shopper, "cancel").map(|_| ())
    }

    fn tap_code(&mut self, shopper: &ShopperId, _now: Timestamp) -> Result<String, String> {
        self.phone(shopper, "tap")?
            .ok_or_else(|| "the network service sent no code".to_string())
    }

    fn scan_order_code(
        &mut self,
        shopper: &ShopperId,
        bill_number: &str,
        amount: Money,
        _now: Timestamp,
    ) -> Result<PhoneScreen, String> {
        let body = PhoneBody {
            bill_number: Some(bill_number.to_string()),
            amount: Some(amount),
            ..PhoneBody::default()
        };
        self.phone_with(shopper, "scan", &body)?
            .screen
            .ok_or_else(|| "the network service sent no phone screen".to_string())
    }

    fn set_offline(
        &mut self,
        shopper: &ShopperId,
        offline: bool,
        _now: Timestamp,
    ) -> Result<(), String> {
        let body = PhoneBody {
            offline: Some(offline),
            ..PhoneBody::default()
        };
        self.phone_with(shopper, "offline", &body).map(|_| ())
    }

    fn set_balance(
        &mut self,
        shopper: &ShopperId,
        balance: Money,
        _now: Timestamp,
    ) -> Result<(), String> {
        let body = PhoneBody {
            balance: Some(balance),
            ..PhoneBody::default()
        };
        self.phone_with(shopper, "balance", &body).map(|_| ())
    }

    fn phones(&self) -> Option<(u64, Vec<(ShopperId, MirroredPhone)>)> {
        let b = self.board.lock().unwrap_or_else(|p| p.into_inner());
        b.phones.as_ref().map(|p| (b.version, p.phones.clone()))
    }
}
