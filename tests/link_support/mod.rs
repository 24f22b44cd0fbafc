//! A real counter loop (`ui::app::run`, wall clock, in-memory journal, demo network) on a
//! thread of its own, with the second-screen socket and optionally the web phone. Tests send
//! it cashier keys through the same input channel the socket and the web phone use.
#![allow(dead_code)]

use qrtill::checkout::CompletedSale;
use qrtill::clock::SystemClock;
use qrtill::config::Config;
use qrtill::harness;
use qrtill::journal::Journal;
use qrtill::link::events::ChannelEvents;
use qrtill::link::publisher::Publisher;
use qrtill::link::server::{LinkServer, socket_path};
use qrtill::link::web::WebPhone;
use qrtill::runtime::ScreenPrinter;
use qrtill::ui::Panes;
use qrtill::ui::app::{self, Exit};
use qrtill::ui::events::Input;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use std::io;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc::{self, Receiver, Sender};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Generous: polls end as soon as the awaited thing shows up.
pub const PATIENCE: Duration = Duration::from_secs(30);

pub const FLAT_WHITE: &str = "2000000000138";

/// What the counter left when its loop ended.
pub struct Closed {
    pub exit: Exit,
    /// Every shopper's wallet balance at the end, with its currency.
    pub balances: Vec<(String, String)>,
    pub sales: Vec<CompletedSale>,
    pub last_frame: Buffer,
}

pub struct Counter {
    pub input: Sender<io::Result<Input>>,
    pub dir: PathBuf,
    /// The web phone's address, when started with one.
    pub web: Option<SocketAddr>,
    /// Counter frames (TestBackend) as drawn, newest last.
    pub frames: Receiver<Buffer>,
    thread: Option<JoinHandle<Closed>>,
}

impl Counter {
    /// Starts the counter on `dir`; with `web`, also the web phone on 127.0.0.1 (any port).
    pub fn start(dir: &Path, web: bool) -> Self {
        Self::start_at(dir, web, None)
    }

    /// As `start`; with `network_url`, the counter is a lane of that network service (its
    /// payments and phones are the service's, as with `network.url` in the config).
    pub fn start_at(dir: &Path, web: bool, network_url: Option<String>) -> Self {
        let (tx, rx) = mpsc::channel::<io::Result<Input>>();
        let (frames_tx, frames) = mpsc::channel();
        let (web_tx, web_rx) = mpsc::channel();
        let inject = tx.clone();
        let dir_owned = dir.to_path_buf();
        let thread = std::thread::spawn(move || {
            let mut config = Config::default();
            config.network.url = network_url;
            let catalog =
                Arc::new(harness::demo_catalog(&config).unwrap_or_else(|e| panic!("{e}")));
            let network =
                harness::demo_network(harness::DEMO_SEED).unwrap_or_else(|e| panic!("{e}"));
            let personas = qrtill::link::attach::personas(&network);
            let mut rt = harness::assemble(
                &config,
                catalog,
                Journal::in_memory().unwrap_or_else(|e| panic!("{e}")),
                Box::new(ScreenPrinter::default()),
                network,
                SystemClock::default(),
            );
            qrtill::netserve::attach(&mut rt, &config);
            let link = LinkServer::start(&dir_owned, inject.clone())
                .unwrap_or_else(|e| panic!("socket: {e}"));
            let web_phone = web.then(|| {
                WebPhone::start(
                    "127.0.0.1:0".parse().unwrap_or_else(|e| panic!("{e}")),
                    inject.clone(),
                    personas,
                    config.store.name.clone(),
                )
                .unwrap_or_else(|e| panic!("web phone: {e}"))
            });
            web_tx
                .send(web_phone.as_ref().map(|w| w.local_addr()))
                .unwrap_or_else(|e| panic!("{e}"));
            rt.observe_with(Box::new(Publisher::new(
                config.store.name.clone(),
                Some(link),
                web_phone,
            )));
            let mut terminal = Terminal::new(FrameTap {
                inner: TestBackend::new(120, 40),
                out: frames_tx,
            })
            .unwrap_or_else(|e| panic!("{e}"));
            let mut events = ChannelEvents::new(rx);
            let mut panes = Panes::default();
            let exit = app::run(&mut terminal, &mut rt, &config, &mut events, &mut panes)
                .unwrap_or_else(|e| panic!("loop: {e}"));
            let balances = rt
                .network()
                .shoppers()
                .iter()
                .map(|s| {
                    let b = rt.network().balance(&s.id).map(|b| b.with_code());
                    (s.id.0.clone(), b.unwrap_or_default())
                })
                .collect();
            Closed {
                exit,
                balances,
                sales: rt.journal().all_sales().unwrap_or_else(|e| panic!("{e}")),
                last_frame: terminal.backend().inner.buffer().clone(),
            }
        });
        let web = web_rx
            .recv_timeout(PATIENCE)
            .unwrap_or_else(|e| panic!("counter did not start: {e}"));
        let socket = socket_path(dir);
        wait_until("the counter's socket", || socket.exists());
        Self {
            input: tx,
            dir: dir.to_path_buf(),
            web,
            frames,
            thread: Some(thread),
        }
    }

    pub fn key(&self, code: KeyCode) {
        let key = Event::Key(KeyEvent::new(code, KeyModifiers::NONE));
        self.input
            .send(Ok(Input::Term(key)))
            .unwrap_or_else(|e| panic!("{e}"));
    }

    pub fn scan(&self, barcode: &str) {
        for c in barcode.chars() {
            self.key(KeyCode::Char(c));
        }
        self.key(KeyCode::Enter);
    }

    /// Waits for a counter frame whose text satisfies `ready`; returns its text.
    pub fn wait_frame(&self, what: &str, ready: impl Fn(&str) -> bool) -> String {
        let end = Instant::now() + PATIENCE;
        let mut last = String::new();
        while Instant::now() < end {
            match self.frames.recv_timeout(Duration::from_millis(200)) {
                Ok(b) => {
                    last = text_of(&b);
                    if ready(&last) {
                        return last;
                    }
                }
                Err(mpsc::RecvTimeoutError::Timeout) => {}
                Err(e) => panic!("counter gone: {e}"),
            }
        }
        panic!("no counter frame with {what}; last:\n{last}");
    }

    /// Ends the loop and returns what the counter left.
    pub fn close(mut self) -> Closed {
        self.input
            .send(Ok(Input::Closed))
            .unwrap_or_else(|e| panic!("{e}"));
        let thread = self.thread.take().unwrap_or_else(|| panic!("closed twice"));
        thread
            .join()
            .unwrap_or_else(|_| panic!("counter thread panicked"))
    }
}

/// Polls `ready` until it holds (generous timeout, no fixed sleep).
pub fn wait_until(what: &str, ready: impl Fn() -> bool) {
    let end = Instant::now() + PATIENCE;
    while Instant::now() < end {
        if ready() {
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!("timed out waiting for {what}");
}

pub fn text_of(buf: &Buffer) -> String {
    let area = buf.area;
    let mut out = String::new();
    for y in 0..area.height {
        let mut x = 0;
        while x < area.width {
            let symbol = buf.cell((x, y)).map_or(" ", |c| c.symbol());
            out.push_str(symbol);
            // A wide character's second cell holds nothing of its own.
            x += unicode_width::UnicodeWidthStr::width(symbol).max(1) as u16;
        }
        out.push('\n');
    }
    out
}

/// A TestBackend that also hands every flushed frame to the test.
struct FrameTap {
    inner: TestBackend,
    out: Sender<Buffer>,
}

impl ratatui::backend::Backend for FrameTap {
    type Error = <TestBackend as ratatui::backend::Backend>::Error;

    fn draw<'a, I>(&mut self, content: I) -> Result<(), Self::Error>
    where
        I: Iterator<Item = (u16, u16, &'a ratatui::buffer::Cell)>,
    {
        self.inner.draw(content)
    }
    fn hide_cursor(&mut self) -> Result<(), Self::Error> {
        self.inner.hide_cursor()
    }
    fn show_cursor(&mut self) -> Result<(), Self::Error> {
        self.inner.show_cursor()
    }
    fn get_cursor_position(&mut self) -> Result<ratatui::layout::Position, Self::Error> {
        self.inner.get_cursor_position()
    }
    fn set_cursor_position<P: Into<ratatui::layout::Position>>(
        &mut self,
        position: P,
    ) -> Result<(), Self::Error> {
        self.inner.set_cursor_position(position)
    }
    fn clear(&mut self) -> Result<(), Self::Error> {
        self.inner.clear()
    }
    fn clear_region(&mut self, clear_type: ratatui::backend::ClearType) -> Result<(), Self::Error> {
        self.inner.clear_region(clear_type)
    }
    fn size(&self) -> Result<ratatui::layout::Size, Self::Error> {
        self.inner.size()
    }
    fn window_size(&mut self) -> Result<ratatui::backend::WindowSize, Self::Error> {
        self.inner.window_size()
    }
    fn flush(&mut self) -> Result<(), Self::Error> {
        self.inner.flush()?;
        if self.out.send(self.inner.buffer().clone()).is_err() {
            // The test stopped listening to frames; the counter does not care.
        }
        Ok(())
    }
}
