//! The real TUI loop (`ui::app::run`) driven by real crossterm events from a script, drawing
//! into ratatui's `TestBackend`: the keymap, the panes, paste, resize, NO_COLOR and the pay
//! screen's closed code all go through the same code path as at a real counter. Time is the
//! runtime's manual clock; a script's `Wait` moves it, so nothing here sleeps.

use qrtill::checkout::Screen;
use qrtill::checkout::payment::PayStatus;
use qrtill::clock::ManualClock;
use qrtill::config::Config;
use qrtill::harness;
use qrtill::runtime::Runtime;
use qrtill::ui::Panes;
use qrtill::ui::app::{self, Exit};
use qrtill::ui::events::{Scripted, Step};
use qrtill::ui::qr_code::testing::buffer_to_pixels;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use ratatui::layout::Rect;
use ratatui::style::Color;
use std::time::Duration;

const FLAT_WHITE: &str = "2000000000138";
const SANDWICH: &str = "2000000002606";

fn key(code: KeyCode) -> Step {
    Step::Event(Event::Key(KeyEvent::new(code, KeyModifiers::NONE)))
}

fn ctrl(c: char) -> Step {
    Step::Event(Event::Key(KeyEvent::new(
        KeyCode::Char(c),
        KeyModifiers::CONTROL,
    )))
}

fn chars(text: &str) -> Vec<Step> {
    text.chars().map(|c| key(KeyCode::Char(c))).collect()
}

/// A barcode scanner: the digits as key presses, then Enter.
fn scan(barcode: &str) -> Vec<Step> {
    let mut steps = chars(barcode);
    steps.push(key(KeyCode::Enter));
    steps
}

fn wait(secs: u64) -> Step {
    Step::Wait(Duration::from_secs(secs))
}

/// The demo counter behind a `TestBackend` of `w`×`h`, with the loop's UI state kept between
/// script parts.
struct Counter {
    rt: Runtime<ManualClock>,
    terminal: Terminal<TestBackend>,
    config: Config,
    panes: Panes,
}

impl Counter {
    fn new(w: u16, h: u16) -> Self {
        let rt = harness::demo_runtime().unwrap_or_else(|e| panic!("demo runtime: {e}"));
        let terminal =
            Terminal::new(TestBackend::new(w, h)).unwrap_or_else(|e| panic!("test backend: {e}"));
        Self {
            rt,
            terminal,
            config: Config::default(),
            panes: Panes::default(),
        }
    }

    /// Runs the real loop over `steps` until it ends; returns why and what was left unread.
    fn play_rest(&mut self, steps: impl IntoIterator<Item = Step>) -> (Exit, Scripted) {
        let mut events = Scripted::new(steps);
        let exit = app::run(
            &mut self.terminal,
            &mut self.rt,
            &self.config,
            &mut events,
            &mut self.panes,
        )
        .unwrap_or_else(|e| panic!("the loop failed: {e}"));
        (exit, events)
    }

    /// Runs the loop over `steps`, which must all be read (the loop ends with the script).
    fn play(&mut self, steps: impl IntoIterator<Item = Step>) {
        let (exit, _) = self.play_rest(steps);
        assert_eq!(exit, Exit::Closed, "the loop ended before the script did");
    }

    fn screen(&self) -> String {
        self.terminal.backend().to_string()
    }

    fn buffer(&self) -> &Buffer {
        self.terminal.backend().buffer()
    }

    fn resize(&mut self, w: u16, h: u16) {
        self.terminal.backend_mut().resize(w, h);
        self.play([Step::Event(Event::Resize(w, h))]);
    }

    fn pay_status(&self) -> PayStatus {
        match &self.rt.checkout.screen {
            Screen::Pay(p) => p.status.clone(),
            other => panic!("not on the pay screen: {other:?}"),
        }
    }

    fn qr_payload(&self) -> String {
        match &self.rt.checkout.screen {
            Screen::Pay(p) => p
                .attempt
                .as_ref()
                .and_then(|a| a.qr_payload.clone())
                .unwrap_or_else(|| panic!("no QR payload")),
            other => panic!("not on the pay screen: {other:?}"),
        }
    }

    /// Every QR code an independent decoder (rqrr) reads off the whole screen.
    fn decoded(&self) -> Vec<String> {
        let buf = self.buffer();
        let px = buffer_to_pixels(buf, buf.area, 4);
        let mut img =
            rqrr::PreparedImage::prepare_from_greyscale(px.width, px.height, |x, y| px.get(x, y));
        img.detect_grids()
            .into_iter()
            .filter_map(|g| g.decode().ok().map(|(_, content)| content))
            .collect()
    }
}

fn sales(rt: &Runtime<ManualClock>) -> usize {
    rt.journal()
        .all_sales()
        .unwrap_or_else(|e| panic!("journal: {e}"))
        .len()
}

#[test]
fn two_scans_a_cash_sale_and_the_receipt_through_the_real_loop() {
    let mut c = Counter::new(80, 24);
    c.play(scan(FLAT_WHITE).into_iter().chain(scan(SANDWICH)));
    let basket = c.screen();
    assert!(basket.contains("Flat white 12oz"), "{basket}");
    assert!(basket.contains("Turkey"), "{basket}");
    assert!(basket.contains("TOTAL"), "{basket}");
    insta::assert_snapshot!("loop_two_items_80x24", basket);

    // F9 opens the cash screen; `a` is the exact-amount quick tender.
    c.play([key(KeyCode::F(9))]);
    assert!(c.screen().contains("Quick tenders"), "{}", c.screen());
    c.play([key(KeyCode::Char('a')), wait(1)]);
    let receipt = c.screen();
    assert!(receipt.contains("PAID · Sale 1"), "{receipt}");
    assert_eq!(sales(&c.rt), 1, "one sale in the journal");
    insta::assert_snapshot!("loop_cash_receipt_80x24", receipt);

    // Enter: the next customer, an empty basket.
    c.play([key(KeyCode::Enter)]);
    assert!(c.screen().contains("Basket is empty"), "{}", c.screen());
}

#[test]
fn ctrl_q_ends_the_loop_before_the_script_does() {
    let mut c = Counter::new(80, 24);
    let (exit, rest) = c.play_rest([key(KeyCode::Char('1')), ctrl('q'), key(KeyCode::Char('2'))]);
    assert_eq!(exit, Exit::Quit);
    assert!(!rest.is_empty(), "the key after Ctrl-Q was never read");
    assert_eq!(c.rt.checkout.scan_input, "1");
}

#[test]
fn a_stop_signal_ends_the_loop_and_leaves_the_payment_open() {
    let mut c = Counter::new(80, 24);
    c.play(
        scan(FLAT_WHITE)
            .into_iter()
            .chain([key(KeyCode::F(5)), wait(2)]),
    );
    assert_eq!(c.pay_status(), PayStatus::WaitingForScan);
    let (exit, _) = c.play_rest([Step::Signal(15)]);
    assert_eq!(exit, Exit::Signal(15));
    // Nothing was marked: the attempt is still open in the journal for recovery.
    let open =
        c.rt.journal()
            .open_attempts()
            .unwrap_or_else(|e| panic!("journal: {e}"));
    assert_eq!(open.len(), 1, "{open:?}");
}

#[test]
fn phone_and_trace_keys_work_through_the_loop() {
    let mut c = Counter::new(120, 40);
    c.play(
        scan(FLAT_WHITE)
            .into_iter()
            .chain([key(KeyCode::F(5)), wait(4)]),
    );
    assert_eq!(c.pay_status(), PayStatus::WaitingForScan);

    // F10 opens the phone with the keys; s scans the counter's QR as the first shopper.
    // The counter learns of the scan by polling (every 3 s).
    c.play([key(KeyCode::F(10)), key(KeyCode::Char('s')), wait(4)]);
    let phone = c.screen();
    assert!(phone.contains("Shopper phone (keys go here)"), "{phone}");
    assert!(phone.contains("Confirm payment"), "{phone}");
    assert!(
        phone.contains("s scan the QR"),
        "the phone's keys:\n{phone}"
    );
    assert_eq!(c.pay_status(), PayStatus::ShopperConfirming);

    // Tab gives the keys back to the counter: Ctrl-T opens the trace, a digit is not a phone key.
    c.play([key(KeyCode::Tab), ctrl('t')]);
    let both = c.screen();
    assert!(both.contains("Shopper phone (Tab to use)"), "{both}");
    assert!(both.contains("Protocol trace (^T hides)"), "{both}");
    assert!(both.contains("→ pay"), "{both}");
    insta::assert_snapshot!("loop_phone_and_trace_120x40", both);

    // Tab again, then y: the shopper confirms, and the sale completes.
    c.play([key(KeyCode::Tab), key(KeyCode::Char('y')), wait(6)]);
    let paid = c.screen();
    assert!(paid.contains("PAID · Sale 1"), "{paid}");
    assert_eq!(sales(&c.rt), 1);

    // Esc on the phone gives the keys back; F10 closes the pane.
    c.play([key(KeyCode::Esc)]);
    assert!(c.screen().contains("Shopper phone (Tab to use)"));
    c.play([key(KeyCode::F(10)), ctrl('t')]);
    let closed = c.screen();
    assert!(!closed.contains("Shopper phone"), "{closed}");
    assert!(!closed.contains("Protocol trace"), "{closed}");
}

#[test]
fn help_lists_the_screen_the_panes_and_the_phone_keys() {
    let mut c = Counter::new(80, 24);
    c.play(
        scan(FLAT_WHITE)
            .into_iter()
            .chain([key(KeyCode::Char('?'))]),
    );
    let help = c.screen();
    for expected in [
        "void line",
        "wallet QR (shopper scans)",
        "shopper phone",
        "protocol trace",
        "scan the QR",
        "offline on/off",
        "?, F1",
    ] {
        assert!(
            help.contains(expected),
            "{expected:?} missing from help:\n{help}"
        );
    }
    insta::assert_snapshot!("loop_help_80x24", help);
}

#[test]
fn a_100000_character_paste_is_refused_with_a_message_and_nothing_typed() {
    let mut c = Counter::new(80, 24);
    let huge = "7".repeat(100_000);
    c.play([Step::Event(Event::Paste(huge))]);
    let screen = c.screen();
    assert!(
        screen.contains("Paste refused: 100000 characters"),
        "{screen}"
    );
    assert_eq!(c.rt.checkout.scan_input, "", "nothing of it was typed");

    // The counter still works: a barcode-sized paste is typed, and Enter scans it.
    c.play([
        Step::Event(Event::Paste(FLAT_WHITE.into())),
        key(KeyCode::Enter),
    ]);
    let screen = c.screen();
    assert!(!screen.contains("Paste refused"), "{screen}");
    assert!(screen.contains("Added Flat white 12oz"), "{screen}");
}

#[test]
fn a_paste_of_letters_that_are_keys_is_refused_whole() {
    let mut c = Counter::new(80, 24);
    c.play(scan(FLAT_WHITE));
    // `x` would clear the basket and `v` void a line if they were typed as keys.
    c.play([Step::Event(Event::Paste("12xv".into()))]);
    let screen = c.screen();
    assert!(screen.contains("Paste refused: 'x'"), "{screen}");
    assert_eq!(c.rt.checkout.basket.lines().len(), 1, "nothing was cleared");
    assert_eq!(c.rt.checkout.scan_input, "");
}

#[test]
fn a_resize_below_the_minimum_on_the_qr_screen_and_back_redraws_the_code() {
    let mut c = Counter::new(80, 24);
    c.play(
        scan(FLAT_WHITE)
            .into_iter()
            .chain(scan(SANDWICH))
            .chain([key(KeyCode::F(5)), wait(2)]),
    );
    let payload = c.qr_payload();
    assert_eq!(c.decoded(), vec![payload.clone()], "{}", c.screen());

    c.resize(70, 20);
    let small = c.screen();
    assert!(small.contains("Enlarge the terminal"), "{small}");
    assert!(small.contains("70×20"), "{small}");
    assert!(c.decoded().is_empty(), "no code on a too-small screen");

    c.resize(80, 24);
    assert!(!c.screen().contains("Enlarge"), "{}", c.screen());
    assert_eq!(c.decoded(), vec![payload], "the code is back and scans");
}

/// The cells that are not in the terminal's own colours.
fn coloured(buf: &Buffer) -> Vec<(u16, u16, Color, Color)> {
    let area = buf.area;
    let mut out = Vec::new();
    for y in area.top()..area.bottom() {
        for x in area.left()..area.right() {
            if let Some(cell) = buf.cell((x, y))
                && (cell.fg != Color::Reset || cell.bg != Color::Reset)
            {
                out.push((x, y, cell.fg, cell.bg));
            }
        }
    }
    out
}

/// The bounding box of `cells`.
fn bounds(cells: &[(u16, u16, Color, Color)]) -> Option<Rect> {
    let x0 = cells.iter().map(|c| c.0).min()?;
    let x1 = cells.iter().map(|c| c.0).max()?;
    let y0 = cells.iter().map(|c| c.1).min()?;
    let y1 = cells.iter().map(|c| c.1).max()?;
    Some(Rect::new(x0, y0, x1 - x0 + 1, y1 - y0 + 1))
}

#[test]
fn no_color_leaves_only_the_black_on_white_qr_and_it_still_scans() {
    for (w, h) in [(80, 24), (120, 40)] {
        let mut c = Counter::new(w, h);
        c.play(
            scan(FLAT_WHITE)
                .into_iter()
                .chain(scan(SANDWICH))
                .chain([key(KeyCode::F(5)), wait(2)]),
        );
        let payload = c.qr_payload();
        let in_colour = coloured(c.buffer());
        assert!(
            in_colour
                .iter()
                .any(|(_, _, fg, bg)| !(*fg == Color::Black && *bg == Color::White)),
            "without NO_COLOR the pay screen has colours besides the code"
        );

        c.panes.no_color = true;
        c.play([wait(1)]);
        let left = coloured(c.buffer());
        assert!(
            left.iter()
                .all(|(_, _, fg, bg)| *fg == Color::Black && *bg == Color::White),
            "{w}x{h}: coloured cells besides the QR: {:?}",
            left.iter()
                .filter(|(_, _, fg, bg)| !(*fg == Color::Black && *bg == Color::White))
                .take(5)
                .collect::<Vec<_>>()
        );
        // The black-on-white cells are exactly one solid rectangle: the code, nothing else.
        let rect = bounds(&left).unwrap_or_else(|| panic!("{w}x{h}: no QR cells"));
        assert_eq!(
            usize::from(rect.width) * usize::from(rect.height),
            left.len()
        );
        assert!(rect.width >= 37 && rect.height >= 19, "{rect:?}");
        assert_eq!(c.decoded(), vec![payload], "{w}x{h}: the code scans");
    }
}

#[test]
fn no_color_basket_help_and_phone_screens_have_no_colours() {
    let mut c = Counter::new(120, 40);
    c.panes.no_color = true;
    c.play(
        scan(FLAT_WHITE)
            .into_iter()
            .chain([key(KeyCode::Char('?'))]),
    );
    assert!(c.screen().contains("protocol trace"), "help is open");
    assert_eq!(coloured(c.buffer()), vec![], "help over the basket");
    // Esc closes help; the phone shows a payment code: its QR is the only coloured area.
    c.play([
        key(KeyCode::Esc),
        key(KeyCode::F(10)),
        key(KeyCode::Char('c')),
        ctrl('t'),
    ]);
    let screen = c.screen();
    assert!(screen.contains("payment code"), "{screen}");
    let left = coloured(c.buffer());
    assert!(
        !left.is_empty(),
        "the phone's code keeps black on white:\n{screen}"
    );
    assert!(
        left.iter()
            .all(|(_, _, fg, bg)| *fg == Color::Black && *bg == Color::White),
        "{:?}",
        &left[..left.len().min(5)]
    );
    assert_eq!(c.decoded().len(), 1, "the phone's code scans");
}

#[test]
fn the_code_is_scannable_while_live_and_not_after_a_cancel() {
    let mut c = Counter::new(80, 24);
    c.play(
        scan(FLAT_WHITE)
            .into_iter()
            .chain([key(KeyCode::F(5)), wait(2)]),
    );
    let payload = c.qr_payload();
    assert_eq!(c.decoded(), vec![payload], "scannable while live");

    // Esc cancels; once the network confirms, the screen says so and shows no code.
    c.play([key(KeyCode::Esc), wait(3)]);
    assert!(
        matches!(c.pay_status(), PayStatus::Cancelled { .. }),
        "{:?}",
        c.pay_status()
    );
    let screen = c.screen();
    assert!(screen.contains("QR code closed"), "{screen}");
    assert_eq!(c.decoded(), Vec::<String>::new(), "{screen}");
    insta::assert_snapshot!("loop_qr_cancelled_80x24", screen);
}

#[test]
fn the_code_is_not_scannable_after_it_expires() {
    let mut c = Counter::new(100, 30);
    c.play(
        scan(FLAT_WHITE)
            .into_iter()
            .chain([key(KeyCode::F(5)), wait(2)]),
    );
    let payload = c.qr_payload();
    assert_eq!(c.decoded(), vec![payload]);

    // Nobody scans: the code expires (two minutes), and the counter cancels it.
    c.play([wait(150)]);
    let status = c.pay_status();
    match &status {
        PayStatus::Cancelled { why, .. } => assert!(why.contains("expired"), "{why}"),
        other => panic!("expected an expired, cancelled code: {other:?}"),
    }
    let screen = c.screen();
    assert!(screen.contains("QR code closed"), "{screen}");
    assert!(screen.contains("expired"), "{screen}");
    assert_eq!(c.decoded(), Vec::<String>::new(), "{screen}");
}

/// Replication changes the status while nobody touches the counter: an event source that
/// sleeps through each wait it is given, records it, and turns the store offline on its
/// first wake.
struct IdleWhileStoreGoes {
    handle: qrtill::store::StatusHandle,
    waits: Vec<Duration>,
}

impl qrtill::ui::events::EventSource<ManualClock> for IdleWhileStoreGoes {
    fn next(
        &mut self,
        clock: &ManualClock,
        timeout: Duration,
    ) -> std::io::Result<qrtill::ui::events::Input> {
        use qrtill::ui::events::Input;
        self.waits.push(timeout);
        if self.waits.len() > 2 {
            return Ok(Input::Closed);
        }
        clock.advance(timeout);
        if self.waits.len() == 1 {
            self.handle.set(qrtill::store::StoreStatus {
                tried: true,
                online: false,
                waiting: 3,
                last_error: None,
            });
        }
        Ok(Input::Timeout)
    }
}

#[test]
fn the_store_status_is_redrawn_while_the_counter_is_idle() {
    let mut c = Counter::new(100, 30);
    let online = qrtill::store::StoreStatus {
        tried: true,
        online: true,
        waiting: 0,
        last_error: None,
    };
    let handle = qrtill::store::StatusHandle::new(online);
    c.panes.store = Some(handle.clone());
    let mut events = IdleWhileStoreGoes {
        handle,
        waits: Vec::new(),
    };
    let exit = app::run(
        &mut c.terminal,
        &mut c.rt,
        &c.config,
        &mut events,
        &mut c.panes,
    )
    .unwrap_or_else(|e| panic!("the loop failed: {e}"));
    assert_eq!(exit, Exit::Closed);
    // No key was pressed and no minute turned: only the status changed, and it is on screen.
    let screen = c.screen();
    let header = screen.lines().next().unwrap_or_default();
    assert!(header.contains("store offline, 3 waiting"), "{header}");
    // The idle counter looked again within a second each time (not at the next minute).
    assert!(
        events.waits.iter().all(|w| *w <= app::STORE_LOOK),
        "{:?}",
        events.waits
    );
}
