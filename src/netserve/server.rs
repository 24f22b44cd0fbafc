//! `qrtill network serve`: one `Network` behind a mutex, an HTTP JSON API on axum (a
//! current-thread tokio runtime: the simulated network is sequential anyway), a ticker thread
//! that lets the wallets' time pass, and a notification log that lanes long-poll.

use super::wire::{ById, NotePage, NoteQuery, PhoneBoard, PhoneBody, PhoneReply, Timed, timed};
use crate::clock::{Clock, SystemClock, Timestamp};
use crate::network::{
    CardRequest, MirroredPhone, Network, Notification, PayRequest, PhoneError, RefundRequest,
    ShopperId,
};
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::collections::VecDeque;
use std::net::TcpListener;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::Duration;

/// Notifications kept for lanes that poll late; older ones are dropped (a lane that was away
/// that long resolves its payments by query, as after a crash).
const LOG_CAPACITY: usize = 10_000;
/// The longest a long poll is held open.
const MAX_WAIT_MS: u64 = 10_000;
/// The ticker looks at the wallets at least this often.
const TICK_MS: u64 = 100;

pub struct ServeOptions {
    pub listener: TcpListener,
}

struct NoteLog {
    last: u64,
    entries: VecDeque<(u64, Timed<Notification>)>,
}

pub(super) struct Service {
    net: Mutex<Network>,
    clock: SystemClock,
    log: Mutex<NoteLog>,
    arrived: Condvar,
    epoch: i64,
}

/// A poisoned lock means a handler panicked mid-call; the network's state is still the ledger's
/// truth, so keep serving.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Service {
    /// Moves the wallets' time to `now` and logs the notifications that produces.
    fn collect(&self, net: &mut Network, now: Timestamp) {
        let notes = net.advance(now);
        if notes.is_empty() {
            return;
        }
        let mut log = lock(&self.log);
        for d in notes {
            log.last += 1;
            let seq = log.last;
            log.entries.push_back((seq, timed(now, d)));
            if log.entries.len() > LOG_CAPACITY {
                log.entries.pop_front();
            }
        }
        self.arrived.notify_all();
    }

    /// Runs one network call at the service's time, then collects what it set off.
    fn call<T>(&self, f: impl FnOnce(&mut Network, Timestamp) -> T) -> (Timestamp, T) {
        let now = self.clock.now();
        let mut net = lock(&self.net);
        let out = f(&mut net, now);
        self.collect(&mut net, now);
        (now, out)
    }

    pub(super) fn page(&self, q: &NoteQuery) -> NotePage {
        let wait = Duration::from_millis(q.wait_ms.min(MAX_WAIT_MS));
        // A cursor from another epoch (before a restart) starts over.
        let after = if q.epoch == self.epoch { q.after } else { 0 };
        let mut log = lock(&self.log);
        let has_news = |log: &NoteLog| log.last > after;
        if !has_news(&log) && !wait.is_zero() {
            log = self
                .arrived
                .wait_timeout_while(log, wait, |l| !has_news(l))
                .map(|(g, _)| g)
                .unwrap_or_else(|p| p.into_inner().0);
        }
        let notes = log
            .entries
            .iter()
            .filter(|(seq, n)| {
                *seq > after && n.delivery.body.payment_request_id.starts_with(&q.prefix)
            })
            .map(|(_, n)| n.clone())
            .collect();
        NotePage {
            epoch: self.epoch,
            server_now: self.clock.now(),
            last: log.last,
            notes,
        }
    }
}

fn json<T: Serialize>(value: &T) -> Response {
    match serde_json::to_string(value) {
        Ok(text) => ([(header::CONTENT_TYPE, "application/json")], text).into_response(),
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
    }
}

/// Parses the JSON request body and answers with `f`'s result; a body that does not parse is
/// a 400 that says why.
fn handle<Req: DeserializeOwned, T: Serialize>(body: &Bytes, f: impl FnOnce(Req) -> T) -> Response {
    match serde_json::from_slice(body) {
        Ok(req) => json(&f(req)),
        Err(e) => (StatusCode::BAD_REQUEST, format!("bad request body: {e}\n")).into_response(),
    }
}

type Svc = State<Arc<Service>>;

async fn pay(State(s): Svc, body: Bytes) -> Response {
    handle(&body, |req: PayRequest| {
        let (now, d) = s.call(|n, now| n.pay(req, now));
        timed(now, d)
    })
}

async fn card(State(s): Svc, body: Bytes) -> Response {
    handle(&body, |req: CardRequest| {
        let (now, d) = s.call(|n, now| n.card_authorize(req, now));
        timed(now, d)
    })
}

async fn query(State(s): Svc, body: Bytes) -> Response {
    handle(&body, |req: ById| {
        let (now, d) = s.call(|n, now| n.query(&req.payment_request_id, now));
        timed(now, d)
    })
}

async fn cancel(State(s): Svc, body: Bytes) -> Response {
    handle(&body, |req: ById| {
        let (now, d) = s.call(|n, now| n.cancel(&req.payment_request_id, now));
        timed(now, d)
    })
}

async fn refund(State(s): Svc, body: Bytes) -> Response {
    handle(&body, |req: RefundRequest| {
        let (now, d) = s.call(|n, now| n.refund(req, now));
        timed(now, d)
    })
}

const PHONE_ACTIONS: [&str; 8] = [
    "code", "tap", "scan", "password", "refuse", "cancel", "offline", "balance",
];

async fn phone(
    State(s): Svc,
    Path((shopper, action)): Path<(String, String)>,
    body: Bytes,
) -> Response {
    if !PHONE_ACTIONS.contains(&action.as_str()) {
        return (
            StatusCode::NOT_FOUND,
            format!("phone actions: {}\n", PHONE_ACTIONS.join(", ")),
        )
            .into_response();
    }
    // The older actions send no body (or JSON null).
    let body: PhoneBody = match serde_json::from_slice::<Option<PhoneBody>>(&body) {
        Ok(b) => b.unwrap_or_default(),
        Err(_) if body.is_empty() => PhoneBody::default(),
        Err(e) => {
            return (StatusCode::BAD_REQUEST, format!("bad request body: {e}\n")).into_response();
        }
    };
    let id = ShopperId(shopper);
    let missing = |what: &str| format!("{action} needs {what}");
    let text = |e: PhoneError| e.to_string();
    let (_, result) = s.call(|n, now| match action.as_str() {
        "code" => n
            .issue_payment_code(&id, now)
            .map(|c| (Some(c), None))
            .map_err(text),
        "tap" => n.tap_code(&id, now).map(|c| (Some(c), None)).map_err(text),
        "scan" => match (&body.bill_number, body.amount) {
            (Some(bill), Some(amount)) => n
                .scan_order_code(&id, bill, amount, now)
                .map(|screen| (None, Some(screen)))
                .map_err(text),
            _ => Err(missing("bill_number and amount")),
        },
        "password" => n
            .enter_password(&id, now)
            .map(|_| (None, None))
            .map_err(text),
        "refuse" => n
            .refuse_password(&id, now)
            .map(|_| (None, None))
            .map_err(text),
        "offline" => match body.offline {
            Some(off) => n
                .set_offline(&id, off, now)
                .map(|_| (None, None))
                .map_err(text),
            None => Err(missing("offline")),
        },
        "balance" => match body.balance {
            Some(b) => n
                .set_balance(&id, b, now)
                .map(|_| (None, None))
                .map_err(text),
            None => Err(missing("balance")),
        },
        _ => n
            .cancel_on_phone(&id, now)
            .map(|_| (None, None))
            .map_err(text),
    });
    json(&match result {
        Ok((ok, screen)) => PhoneReply {
            ok,
            error: None,
            screen,
        },
        Err(e) => PhoneReply {
            ok: None,
            error: Some(e),
            screen: None,
        },
    })
}

/// `GET /phones`: what every shopper's phone shows now, with balance and offline switch.
async fn phones(State(s): Svc) -> Response {
    let (_, board) = s.call(|n, now| PhoneBoard {
        phones: n
            .shoppers()
            .iter()
            .map(|sh| {
                let phone = MirroredPhone {
                    screen: n
                        .phone_screen(&sh.id, now)
                        .unwrap_or(crate::network::PhoneScreen::Offline),
                    balance: n.balance(&sh.id),
                    offline: n.is_offline(&sh.id),
                };
                (sh.id.clone(), phone)
            })
            .collect(),
    });
    json(&board)
}

/// `GET /events`: the same log as `/notifications`, pushed as server-sent events.
async fn events(State(s): Svc, Query(q): Query<NoteQuery>) -> Response {
    super::events::stream(s, q, MAX_WAIT_MS).into_response()
}

async fn notifications(State(s): Svc, Query(q): Query<NoteQuery>) -> Response {
    match tokio::task::spawn_blocking(move || s.page(&q)).await {
        Ok(page) => json(&page),
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
    }
}

fn router(service: Arc<Service>) -> Router {
    Router::new()
        .route("/pay", post(pay))
        .route("/card", post(card))
        .route("/query", post(query))
        .route("/cancel", post(cancel))
        .route("/refund", post(refund))
        .route("/phone/{shopper}/{action}", post(phone))
        .route("/phones", get(phones))
        .route("/notifications", get(notifications))
        .route("/events", get(events))
        .with_state(service)
}

/// Lets the wallets' time pass between calls: shoppers confirm, orders close, notifications go
/// out.
fn tick_forever(service: Arc<Service>) {
    loop {
        let now = service.clock.now();
        let next = {
            let mut net = lock(&service.net);
            service.collect(&mut net, now);
            net.next_wakeup()
        };
        let until_next = next.map_or(TICK_MS, |t| {
            t.millis()
                .saturating_sub(now.millis())
                .clamp(1, TICK_MS as i64) as u64
        });
        std::thread::sleep(Duration::from_millis(until_next));
    }
}

/// Serves `network` until the process ends. Every call is committed to the network's ledger
/// before its reply leaves, so a killed service restarts where it stopped.
pub fn serve(network: Network, options: ServeOptions) -> std::io::Result<()> {
    let clock = SystemClock::default();
    let service = Arc::new(Service {
        net: Mutex::new(network),
        epoch: clock.now().millis(),
        clock,
        log: Mutex::new(NoteLog {
            last: 0,
            entries: VecDeque::new(),
        }),
        arrived: Condvar::new(),
    });
    let ticker = Arc::clone(&service);
    std::thread::Builder::new()
        .name("network-ticker".into())
        .spawn(move || tick_forever(ticker))?;
    options.listener.set_nonblocking(true)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .build()?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::from_std(options.listener)?;
        axum::serve(listener, router(service)).await
    })
}
