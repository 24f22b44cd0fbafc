//! The audience's own phone: a small wallet page served by the counter (`--web-phone`). While
//! a wallet QR payment is on screen, the counter's QR carries `http://HOST:PORT/pay/TOKEN`;
//! the page lets a real phone pick a shopper persona, see the amount in the wallet currency,
//! and confirm with the password or refuse. Every action goes to the counter's loop as a
//! guarded `Request`, so the counter does exactly what the phone pane would do.
//!
//! axum on a current-thread tokio runtime on its own thread; the counter's loop never waits
//! for it. Tokens: 128 random bits, one per payment, dead once the payment is confirmed or
//! refused through it, or when the payment's code expires or closes.

use super::answer::{Answer, Guard, ReplyTo, Request};
use super::events::Inject;
use crate::checkout::payment::PayMode;
use crate::checkout::{Checkout, Screen};
use crate::clock::Timestamp;
use crate::network::PhoneScreen;
use crate::runtime::PhoneAction;
use crate::ui::events::Input;
use axum::Router;
use axum::extract::{ConnectInfo, DefaultBodyLimit, Form, Path, Request as HttpRequest, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use std::collections::HashMap;
use std::io;
use std::net::{IpAddr, SocketAddr, UdpSocket};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

/// The largest request body taken (a form of a shopper id and a password).
pub const MAX_BODY: usize = 1024;
/// Requests one address may make per `RATE_WINDOW`.
pub const RATE_LIMIT: u32 = 60;
pub const RATE_WINDOW: Duration = Duration::from_secs(10);
/// Tokens of closed payments are kept this long, so a late visitor gets "closed", not "unknown".
const KEEP_CLOSED_MS: i64 = 15 * 60_000;

/// A shopper persona the page offers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Persona {
    pub id: String,
    pub name: String,
    pub brand: String,
}

#[derive(Debug, Clone)]
struct Token {
    request_id: String,
    payload: String,
    expires_at: Timestamp,
    /// The payment was confirmed or refused through this token.
    used: bool,
    /// The payment is no longer the one on the counter, or no longer payable.
    closed: bool,
}

#[derive(Debug, Default)]
struct Book {
    tokens: HashMap<String, Token>,
    /// The counter's clock at its last publish.
    now: Timestamp,
}

/// Why a token does not open a page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenState {
    Open,
    Unknown,
    Expired,
    Used,
    Closed,
}

impl Book {
    fn state(&self, token: &str) -> (TokenState, Option<Token>) {
        match self.tokens.get(token) {
            None => (TokenState::Unknown, None),
            Some(t) if t.used => (TokenState::Used, Some(t.clone())),
            Some(t) if self.now >= t.expires_at => (TokenState::Expired, Some(t.clone())),
            Some(t) if t.closed => (TokenState::Closed, Some(t.clone())),
            Some(t) => (TokenState::Open, Some(t.clone())),
        }
    }
}

struct Shared {
    book: Mutex<Book>,
    inject: Mutex<Inject>,
    personas: Vec<Persona>,
    store: String,
    hits: Mutex<HashMap<IpAddr, (Instant, u32)>>,
}

/// The running web phone. Dropping it leaves the server thread to end with the process.
pub struct WebPhone {
    shared: Arc<Shared>,
    base_url: String,
    addr: SocketAddr,
}

/// A fresh token: 128 bits from the thread-local CSPRNG, as 32 hex digits.
fn new_token() -> String {
    format!("{:032x}", rand::random::<u128>())
}

impl WebPhone {
    /// Binds `addr` (errors come back here, before any thread starts) and serves the page.
    pub fn start(
        addr: SocketAddr,
        inject: Inject,
        personas: Vec<Persona>,
        store: String,
    ) -> io::Result<Self> {
        let listener = std::net::TcpListener::bind(addr)?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let host = if addr.ip().is_unspecified() {
            lan_address().unwrap_or(addr.ip())
        } else {
            addr.ip()
        };
        let base_url = format!("http://{}", SocketAddr::new(host, addr.port()));
        let shared = Arc::new(Shared {
            book: Mutex::new(Book::default()),
            inject: Mutex::new(inject),
            personas,
            store,
            hits: Mutex::new(HashMap::new()),
        });
        let app = router(shared.clone());
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_io()
            .build()?;
        std::thread::Builder::new()
            .name("qrtill-web-phone".into())
            .spawn(move || {
                runtime.block_on(async move {
                    let listener = match tokio::net::TcpListener::from_std(listener) {
                        Ok(l) => l,
                        Err(e) => {
                            tracing::error!(error = %e, "web phone not started");
                            return;
                        }
                    };
                    let service = app.into_make_service_with_connect_info::<SocketAddr>();
                    if let Err(e) = axum::serve(listener, service).await {
                        tracing::error!(error = %e, "web phone stopped");
                    }
                });
            })?;
        tracing::info!(url = %base_url, "web phone listening");
        Ok(Self {
            shared,
            base_url,
            addr,
        })
    }

    /// Where the server listens (the port chosen when 0 was asked for).
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// Keeps the tokens in step with the counter: a token for the wallet QR payment that can
    /// be paid now, every other token closed.
    pub fn sync(&self, checkout: &Checkout, now: Timestamp) {
        let live = match &checkout.screen {
            Screen::Pay(p) if p.mode == PayMode::WalletQr && p.status.is_live() => p
                .attempt
                .as_ref()
                .and_then(|a| Some((a, a.qr_payload.clone()?))),
            _ => None,
        };
        let mut book = self
            .shared
            .book
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        book.now = now;
        let mut has_live = false;
        for t in book.tokens.values_mut() {
            let current = live
                .as_ref()
                .is_some_and(|(a, _)| a.request_id == t.request_id);
            t.closed |= !current;
            has_live |= current;
        }
        book.tokens
            .retain(|_, t| now.millis() < t.expires_at.millis() + KEEP_CLOSED_MS);
        if let (Some((a, payload)), false) = (live, has_live) {
            book.tokens.insert(
                new_token(),
                Token {
                    request_id: a.request_id.clone(),
                    payload,
                    expires_at: a.deadline,
                    used: false,
                    closed: false,
                },
            );
        }
    }

    /// The URL the counter's QR carries for the EMV `payload`, while its token is open.
    pub fn url_for(&self, payload: &str) -> Option<String> {
        let book = self
            .shared
            .book
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        book.tokens
            .iter()
            .find(|(k, t)| t.payload == payload && book.state(k).0 == TokenState::Open)
            .map(|(k, _)| format!("{}/pay/{k}", self.base_url))
    }
}

/// The address other machines reach this one by (the route to a documentation address, no
/// packet sent), for a server bound to 0.0.0.0.
fn lan_address() -> Option<IpAddr> {
    let socket = UdpSocket::bind("0.0.0.0:0").ok()?;
    socket.connect("192.0.2.1:80").ok()?;
    Some(socket.local_addr().ok()?.ip())
}

fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/pay/{token}", get(page))
        .route("/pay/{token}/scan", post(scan))
        .route("/pay/{token}/confirm", post(confirm))
        .route("/pay/{token}/refuse", post(refuse))
        .fallback(|| async { page_response(StatusCode::NOT_FOUND, "Not found", &not_found()) })
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .layer(middleware::from_fn_with_state(shared.clone(), rate_limit))
        .with_state(shared)
}

/// At most `RATE_LIMIT` requests per address per window; more get 429.
async fn rate_limit(
    State(shared): State<Arc<Shared>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    request: HttpRequest,
    next: Next,
) -> Response {
    let allowed = {
        let mut hits = shared.hits.lock().unwrap_or_else(PoisonError::into_inner);
        let now = Instant::now();
        hits.retain(|_, (start, _)| now.duration_since(*start) < RATE_WINDOW);
        let entry = hits.entry(peer.ip()).or_insert((now, 0));
        entry.1 += 1;
        entry.1 <= RATE_LIMIT
    };
    if allowed {
        next.run(request).await
    } else {
        page_response(
            StatusCode::TOO_MANY_REQUESTS,
            "Slow down",
            "<p>Too many requests from this phone. Wait a few seconds and reload.</p>",
        )
    }
}

#[derive(Debug, Deserialize)]
struct Pick {
    shopper: String,
}

#[derive(Debug, Deserialize)]
struct Confirm {
    shopper: String,
    #[serde(default)]
    password: String,
}

/// The HTML-escaped form of `text`.
pub fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:0;padding:1rem;max-width:28rem;\
margin-inline:auto;background:#f4f4f6;color:#111}h1{font-size:1.3rem}.card{background:#fff;\
border-radius:.8rem;padding:1rem;margin:.8rem 0;box-shadow:0 1px 3px #0002}.amount{font-size:2rem;\
font-weight:700}button,select,input{font-size:1.1rem;width:100%;padding:.7rem;margin:.3rem 0;\
box-sizing:border-box;border-radius:.5rem;border:1px solid #999}button.ok{background:#1677ff;\
color:#fff;border:0}button.no{background:#fff;color:#b00}table{width:100%;font-size:.8rem;\
border-collapse:collapse}td{border-top:1px solid #ddd;padding:.2rem;word-break:break-all}\
.bad{color:#b00}.good{color:#070}";

/// A whole page; `body` is already HTML (every text in it escaped by the caller).
fn page_html(title: &str, body: &str) -> String {
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{}</title><style>{STYLE}</style></head><body>{body}</body></html>",
        esc(title)
    )
}

fn page_response(status: StatusCode, title: &str, body: &str) -> Response {
    let mut response = (status, Html(page_html(title, body))).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'",
        ),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    response
}

fn not_found() -> String {
    "<h1 id=\"refused\">This payment link is not valid</h1><p>It does not belong to any \
     payment at this counter. Scan the QR code on the counter's screen again.</p>"
        .to_string()
}

/// The page for a token that does not open; `None` when it is open.
fn refused(state: TokenState) -> Option<Response> {
    let nothing = "Nothing was charged through this link. Ask the cashier for a new code and \
                   scan it again.";
    let (status, text, more) = match state {
        TokenState::Open => return None,
        TokenState::Unknown => {
            return Some(page_response(
                StatusCode::NOT_FOUND,
                "Not valid",
                &not_found(),
            ));
        }
        TokenState::Expired => (StatusCode::GONE, "This payment code has expired", nothing),
        TokenState::Used => (
            StatusCode::GONE,
            "This payment link was already used",
            "The payment was answered through it once; a link works only once.",
        ),
        TokenState::Closed => (StatusCode::GONE, "This payment is closed", nothing),
    };
    let body = format!("<h1 id=\"refused\">{}</h1><p>{}</p>", esc(text), esc(more));
    Some(page_response(status, text, &body))
}

fn lookup(shared: &Shared, token: &str) -> (TokenState, Option<Token>) {
    shared
        .book
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .state(token)
}

/// The EMV payload the payment carries, decoded, as a table.
fn emv_table(payload: &str) -> String {
    let mut out = String::from("<table>");
    match crate::emv::mpm::decode(payload) {
        Ok(mpm) => {
            for o in &mpm.objects {
                let value = match &o.value {
                    crate::emv::mpm::Value::Text(t) => esc(t),
                    crate::emv::mpm::Value::Template(subs) => subs
                        .iter()
                        .map(|s| format!("{:02}: {}", s.id, esc(&s.value)))
                        .collect::<Vec<_>>()
                        .join("<br>"),
                };
                out.push_str(&format!(
                    "<tr><td>{:02}</td><td>{}</td><td>{value}</td></tr>",
                    o.id,
                    esc(tag_name(o.id))
                ));
            }
        }
        Err(e) => {
            out.push_str(&format!(
                "<tr><td class=\"bad\">{}</td></tr>",
                esc(&e.to_string())
            ));
        }
    }
    out.push_str("</table>");
    out
}

fn tag_name(id: u8) -> &'static str {
    match id {
        0 => "Payload format",
        1 => "Point of initiation",
        2..=51 => "Merchant account",
        52 => "Merchant category",
        53 => "Currency",
        54 => "Amount",
        58 => "Country",
        59 => "Merchant name",
        60 => "Merchant city",
        62 => "Additional data (62/01 bill number)",
        63 => "CRC",
        64 => "Alternate language",
        _ => "",
    }
}

fn amount_of(payload: &str) -> String {
    crate::emv::mpm::decode(payload)
        .ok()
        .and_then(|m| {
            let code = m
                .text(53)
                .and_then(|n| n.parse::<u16>().ok())
                .and_then(crate::money::Currency::from_numeric)?;
            Some(format!("{} {}", code.code(), m.text(54)?))
        })
        .unwrap_or_default()
}

async fn page(State(shared): State<Arc<Shared>>, Path(token): Path<String>) -> Response {
    let (state, t) = lookup(&shared, &token);
    if let Some(r) = refused(state) {
        return r;
    }
    let Some(t) = t else {
        return page_response(StatusCode::NOT_FOUND, "Not valid", &not_found());
    };
    let options: String = shared
        .personas
        .iter()
        .map(|p| {
            format!(
                "<option value=\"{}\">{} · {}</option>",
                esc(&p.id),
                esc(&p.name),
                esc(&p.brand)
            )
        })
        .collect();
    let body = format!(
        "<h1>{store}</h1><div class=\"card\"><div>Amount</div><div class=\"amount\" id=\"amount\">{amount}</div>\
         </div><form class=\"card\" method=\"post\" action=\"/pay/{tok}/scan\">\
         <label for=\"shopper\">Pay as</label><select id=\"shopper\" name=\"shopper\">{options}</select>\
         <button class=\"ok\" id=\"pick\" type=\"submit\">Open in my wallet</button></form>\
         <details class=\"card\"><summary>What this QR code carries (EMV)</summary>{emv}</details>",
        store = esc(&shared.store),
        amount = esc(&amount_of(&t.payload)),
        tok = esc(&token),
        emv = emv_table(&t.payload),
    );
    page_response(StatusCode::OK, "Pay", &body)
}

/// Sends `action` as `shopper` to the counter, guarded to the token's payment, and waits for
/// the answer (the counter answers every request it receives).
async fn ask(shared: &Shared, t: &Token, shopper: &str, action: PhoneAction) -> Option<Answer> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    let slot = Mutex::new(Some(tx));
    let reply = ReplyTo::new(move |a| {
        if let Some(tx) = slot.lock().unwrap_or_else(PoisonError::into_inner).take()
            && tx.send(a).is_err()
        {
            tracing::info!("web phone left before the answer");
        }
    });
    let request = Request {
        shopper: shopper.to_string(),
        action,
        guard: Some(Guard {
            request_id: t.request_id.clone(),
        }),
        reply,
    };
    let sent = shared
        .inject
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .send(Ok(Input::Remote(request)));
    sent.ok()?;
    rx.await.ok()
}

fn known_persona(shared: &Shared, id: &str) -> bool {
    shared.personas.iter().any(|p| p.id == id)
}

fn counter_gone() -> Response {
    page_response(
        StatusCode::SERVICE_UNAVAILABLE,
        "Counter closed",
        "<h1 id=\"refused\">The counter is not answering</h1>",
    )
}

async fn scan(
    State(shared): State<Arc<Shared>>,
    Path(token): Path<String>,
    Form(pick): Form<Pick>,
) -> Response {
    let (state, t) = lookup(&shared, &token);
    if let Some(r) = refused(state) {
        return r;
    }
    let Some(t) = t else {
        return counter_gone();
    };
    if !known_persona(&shared, &pick.shopper) {
        return page_response(
            StatusCode::BAD_REQUEST,
            "Unknown shopper",
            "<h1 id=\"refused\">Unknown shopper</h1>",
        );
    }
    let Some(answer) = ask(&shared, &t, &pick.shopper, PhoneAction::ScanCounterQr).await else {
        return counter_gone();
    };
    confirm_page(&token, &pick.shopper, &answer, None)
}

/// The wallet's confirm page (amount in the wallet currency, the rate, password), or what the
/// wallet said instead.
fn confirm_page(token: &str, shopper: &str, answer: &Answer, note: Option<&str>) -> Response {
    let note = note.map_or(String::new(), |n| {
        format!("<p class=\"bad\">{}</p>", esc(n))
    });
    match &answer.screen {
        Some(PhoneScreen::Confirm {
            merchant_amount,
            wallet_amount,
            rate,
            promotion,
            needs_password,
            ..
        }) => {
            let promo = promotion.as_ref().map_or(String::new(), |p| {
                format!(
                    "<p>Promotion: {} −{}</p>",
                    esc(&p.name),
                    esc(&p.savings.with_code())
                )
            });
            let password = if *needs_password {
                "<label for=\"password\">Wallet password (any 6 digits in this demo)</label>\
                 <input id=\"password\" name=\"password\" type=\"password\" inputmode=\"numeric\" \
                 autocomplete=\"off\" maxlength=\"32\" required>"
            } else {
                ""
            };
            let body = format!(
                "<h1>Confirm payment</h1>{note}<div class=\"card\"><div class=\"amount\" id=\"wallet-amount\">{wa}</div>\
                 <div id=\"rate\">= {ma} at {rate}</div>{promo}</div>\
                 <form class=\"card\" method=\"post\" action=\"/pay/{tok}/confirm\">\
                 <input type=\"hidden\" name=\"shopper\" value=\"{sh}\">{password}\
                 <button class=\"ok\" id=\"confirm\" type=\"submit\">Pay</button></form>\
                 <form method=\"post\" action=\"/pay/{tok}/refuse\"><input type=\"hidden\" name=\"shopper\" value=\"{sh}\">\
                 <button class=\"no\" id=\"refuse\" type=\"submit\">Refuse</button></form>",
                wa = esc(&wallet_amount.with_code()),
                ma = esc(&merchant_amount.with_code()),
                rate = esc(&rate.to_string()),
                tok = esc(token),
                sh = esc(shopper),
            );
            page_response(StatusCode::OK, "Confirm", &body)
        }
        _ => result_page(answer),
    }
}

fn result_page(answer: &Answer) -> Response {
    let (class, head) = match &answer.screen {
        Some(PhoneScreen::Paid { wallet_amount, .. }) => {
            ("good", format!("✔ Paid {}", wallet_amount.with_code()))
        }
        Some(PhoneScreen::Declined { code, message }) => {
            ("bad", format!("✖ {}: {message}", code.wire()))
        }
        _ if answer.ok => ("good", "Sent: watch the counter's screen".to_string()),
        _ => ("bad", "Not done".to_string()),
    };
    let body = format!(
        "<h1 id=\"result\" class=\"{class}\">{}</h1><p id=\"message\">{}</p>",
        esc(&head),
        esc(&answer.message)
    );
    page_response(StatusCode::OK, "Result", &body)
}

async fn confirm(
    State(shared): State<Arc<Shared>>,
    Path(token): Path<String>,
    Form(form): Form<Confirm>,
) -> Response {
    act(shared, token, form, PhoneAction::EnterPassword).await
}

async fn refuse(
    State(shared): State<Arc<Shared>>,
    Path(token): Path<String>,
    Form(form): Form<Confirm>,
) -> Response {
    act(shared, token, form, PhoneAction::RefusePassword).await
}

async fn act(shared: Arc<Shared>, token: String, form: Confirm, action: PhoneAction) -> Response {
    let (state, t) = lookup(&shared, &token);
    if let Some(r) = refused(state) {
        return r;
    }
    let Some(t) = t else {
        return counter_gone();
    };
    if !known_persona(&shared, &form.shopper) {
        return page_response(
            StatusCode::BAD_REQUEST,
            "Unknown shopper",
            "<h1 id=\"refused\">Unknown shopper</h1>",
        );
    }
    if action == PhoneAction::EnterPassword && form.password.trim().is_empty() {
        // Back to the form: the wallet needs the password typed.
        let again = Answer {
            ok: false,
            message: String::new(),
            screen: None,
        };
        let Some(a) = ask_screen(&shared, &t, &form.shopper).await.or(Some(again)) else {
            return counter_gone();
        };
        return confirm_page(&token, &form.shopper, &a, Some("Type the password first."));
    }
    let Some(answer) = ask(&shared, &t, &form.shopper, action).await else {
        return counter_gone();
    };
    if answer.ok {
        // Single use: the payment was answered through this token.
        let mut book = shared.book.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(entry) = book.tokens.get_mut(&token) {
            entry.used = true;
        }
    }
    result_page(&answer)
}

/// The shopper's phone as it is, without acting (to show the confirm form again).
async fn ask_screen(shared: &Shared, t: &Token, shopper: &str) -> Option<Answer> {
    // Scanning the same order again as the same shopper only shows its confirm screen.
    ask(shared, t, shopper, PhoneAction::ScanCounterQr).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_is_escaped() {
        assert_eq!(
            esc(r#"<script>alert("x&y's")</script>"#),
            "&lt;script&gt;alert(&quot;x&amp;y&#39;s&quot;)&lt;/script&gt;"
        );
    }

    #[test]
    fn tokens_are_128_bits_and_differ() {
        let a = new_token();
        let b = new_token();
        assert_eq!(a.len(), 32);
        assert!(a.chars().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(a, b);
    }

    #[test]
    fn a_token_opens_only_while_live() {
        let mut book = Book {
            now: Timestamp(1_000),
            ..Default::default()
        };
        let t = Token {
            request_id: "A1".into(),
            payload: "P".into(),
            expires_at: Timestamp(2_000),
            used: false,
            closed: false,
        };
        book.tokens.insert("k".into(), t.clone());
        assert_eq!(book.state("k").0, TokenState::Open);
        assert_eq!(book.state("other").0, TokenState::Unknown);
        book.now = Timestamp(2_000);
        assert_eq!(book.state("k").0, TokenState::Expired);
        book.now = Timestamp(1_000);
        book.tokens.insert(
            "k".into(),
            Token {
                used: true,
                ..t.clone()
            },
        );
        assert_eq!(book.state("k").0, TokenState::Used);
        book.tokens.insert("k".into(), Token { closed: true, ..t });
        assert_eq!(book.state("k").0, TokenState::Closed);
    }
}
