//! Second screens over the counter's socket: a display and a phone attach to a real counter
//! loop, the phone client plays a wallet QR sale, and the display's frames (rendered with
//! `TestBackend` from what it received) show the basket, a QR that scans to the counter's
//! own payload, and PAID with a thank-you in the shopper's language. A display that stops
//! reading, and one that vanishes mid-sale, do not disturb the counter.

use crate::link_support;

use link_support::{Counter, FLAT_WHITE, PATIENCE, text_of};
use qrtill::link::client::{Conn, Incoming, LinkClient, ScreenModel};
use qrtill::link::protocol::{PROTOCOL_VERSION, Role, ServerMsg, WireAction};
use qrtill::link::server::socket_path;
use qrtill::ui::display_view::DisplayView;
use qrtill::ui::qr_code::testing::buffer_to_pixels;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::crossterm::event::KeyCode;
use ratatui::layout::Rect;
use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::UnixStream;
use std::sync::mpsc::{self, Receiver};
use std::time::Instant;

/// A screen attached to the counter: its model, fed by the client's reader thread.
struct Screen {
    client: LinkClient,
    rx: Receiver<Incoming>,
    model: ScreenModel,
}

impl Screen {
    fn attach(counter: &Counter, role: Role) -> Self {
        let (tx, rx) = mpsc::channel();
        let client = LinkClient::connect(&socket_path(&counter.dir), role, tx, |i| i)
            .unwrap_or_else(|e| panic!("attach: {e}"));
        Self {
            client,
            rx,
            model: ScreenModel::default(),
        }
    }

    /// Takes in messages until `ready` holds for the model.
    fn wait(&mut self, what: &str, ready: impl Fn(&ScreenModel) -> bool) {
        let end = Instant::now() + PATIENCE;
        while !ready(&self.model) {
            let left = end.saturating_duration_since(Instant::now());
            let incoming = self
                .rx
                .recv_timeout(left)
                .unwrap_or_else(|e| panic!("waiting for {what}: {e}; model: {:?}", self.model));
            self.model.apply(incoming);
        }
    }

    /// Sends a phone action as `shopper` and waits for the counter's reply to it.
    fn phone(&mut self, shopper: &str, action: WireAction) -> (bool, String) {
        self.model.reply = None;
        self.client
            .phone(shopper, action)
            .unwrap_or_else(|e| panic!("send: {e}"));
        self.wait("the phone reply", |m| m.reply.is_some());
        self.model.reply.clone().unwrap_or_default()
    }

    fn frame(&self, w: u16, h: u16) -> Buffer {
        let mut t = Terminal::new(TestBackend::new(w, h)).unwrap_or_else(|e| panic!("{e}"));
        t.draw(|f| {
            let view = DisplayView { model: &self.model };
            f.render_widget(&view, f.area());
        })
        .unwrap_or_else(|e| panic!("{e}"));
        t.backend().buffer().clone()
    }
}

/// Every QR code rqrr reads in `area` of `buf`.
fn scan(buf: &Buffer, area: Rect) -> Vec<String> {
    let px = buffer_to_pixels(buf, area, 2);
    let mut img =
        rqrr::PreparedImage::prepare_from_greyscale(px.width, px.height, |x, y| px.get(x, y));
    img.detect_grids()
        .into_iter()
        .filter_map(|g| g.decode().ok().map(|(_, content)| content))
        .collect()
}

#[test]
fn a_phone_client_pays_and_the_display_follows_while_screens_come_and_go() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let counter = Counter::start(dir.path(), false);
    let mode = std::fs::metadata(socket_path(dir.path()))
        .unwrap_or_else(|e| panic!("{e}"))
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600, "the socket is the owner's only");

    let mut display = Screen::attach(&counter, Role::Display);
    let doomed = Screen::attach(&counter, Role::Display);
    let mut phone = Screen::attach(&counter, Role::Phone);
    // A display that says hello and then never reads: its queue fills, it is dropped.
    let mut stuck = UnixStream::connect(socket_path(dir.path())).unwrap_or_else(|e| panic!("{e}"));
    stuck
        .write_all(
            format!("{{\"type\":\"hello\",\"version\":{PROTOCOL_VERSION},\"role\":\"display\"}}\n")
                .as_bytes(),
        )
        .unwrap_or_else(|e| panic!("{e}"));
    display.wait("the first state", |m| {
        m.conn == Conn::Attached && m.state.is_some()
    });

    counter.scan(FLAT_WHITE);
    display.wait("the scanned line", |m| {
        m.state.as_ref().is_some_and(|s| s.lines.len() == 1)
    });
    let basket = text_of(&display.frame(100, 30));
    assert!(basket.contains("1 × Flat white 12oz"), "{basket}");
    assert!(basket.contains("4.50"), "{basket}");
    assert!(basket.contains("TOTAL USD"), "{basket}");

    counter.key(KeyCode::F(5));
    display.wait("the counter's QR", |m| {
        m.state
            .as_ref()
            .and_then(|s| s.payment.as_ref())
            .is_some_and(|p| p.qr.is_some())
    });
    let frame = display.frame(100, 30);
    let found = scan(&frame, Rect::new(0, 1, 72, 29));
    assert_eq!(found.len(), 1, "one QR code on the display");
    let mpm = qrtill::emv::mpm::decode(&found[0]).unwrap_or_else(|e| panic!("not EMV: {e}"));
    assert_eq!(mpm.text(54), Some("4.89"), "the amount the counter asks");
    // The same code the counter shows: the phone pane's scan reads the counter's own payload.
    let counter_text = counter.wait_frame("the pay screen", |t| t.contains("Expires in"));
    assert!(counter_text.contains("Wallet QR"), "{counter_text}");
    assert!(text_of(&frame).contains("Scan to pay"));

    let shopper = "kim-minjun"; // Kakao Pay, asks for the password
    let (ok, message) = phone.phone(shopper, WireAction::ScanCounterQr);
    assert!(ok, "{message}");
    phone.wait("the confirm screen", |m| {
        m.state.as_ref().is_some_and(|s| {
            let i = s.shoppers.iter().position(|p| p.id == shopper);
            i.and_then(|i| s.phones.get(i))
                .is_some_and(|p| matches!(p, qrtill::network::PhoneScreen::Confirm { .. }))
        })
    });
    // One display vanishes mid-sale.
    drop(doomed.client);
    drop(doomed.rx);
    let (ok, message) = phone.phone(shopper, WireAction::EnterPassword);
    assert!(ok, "{message}");

    display.wait("the result", |m| {
        m.state.as_ref().is_some_and(|s| s.result.is_some())
    });
    let result = text_of(&display.frame(100, 30));
    assert!(result.contains("PAID USD 4.89"), "{result}");
    assert!(result.contains("Kakao Pay · KRW"), "{result}");
    assert!(
        result.contains("감사합니다!"),
        "thank-you in Korean:\n{result}"
    );
    counter.wait_frame("PAID on the counter", |t| t.contains("PAID · Sale 1"));

    // The counter goes on: the next customer's line reaches the display that stayed.
    counter.key(KeyCode::Enter);
    counter.scan(FLAT_WHITE);
    display.wait("the next basket", |m| {
        m.state
            .as_ref()
            .is_some_and(|s| s.lines.len() == 1 && s.result.is_none())
    });
    let closed = counter.close();
    assert_eq!(closed.sales.len(), 1, "one sale, paid once");
    assert_eq!(closed.sales[0].total.with_code(), "USD 4.89");
    drop(stuck);
}

#[test]
fn a_client_of_another_version_is_told_so() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let counter = Counter::start(dir.path(), false);
    let (tx, rx) = mpsc::channel();
    let _client = LinkClient::connect_as(
        &socket_path(dir.path()),
        Role::Display,
        PROTOCOL_VERSION + 1,
        tx,
        |i| i,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    match rx.recv_timeout(PATIENCE) {
        Ok(Incoming::Msg(ServerMsg::WrongVersion {
            counter_version,
            message,
        })) => {
            assert_eq!(counter_version, PROTOCOL_VERSION);
            assert!(
                message.contains(&format!("version {}", PROTOCOL_VERSION + 1)),
                "{message}"
            );
        }
        other => panic!("expected wrong_version, got {other:?}"),
    }
    let mut model = ScreenModel::default();
    model.apply(Incoming::Msg(ServerMsg::WrongVersion {
        counter_version: PROTOCOL_VERSION,
        message: "m".into(),
    }));
    assert_eq!(model.conn, Conn::WrongVersion("m".into()));
    let closed = counter.close();
    assert!(closed.sales.is_empty());
}
