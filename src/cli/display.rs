//! `qrtill display`: the customer-facing display of the counter running on the data
//! directory, and the terminal loop it shares with `qrtill phone`: attach to the counter's
//! socket, redraw on every state it publishes, retry every few seconds while no counter runs.

use super::{EXIT_BAD_INPUT, Outcome, Setup};
use crate::link::client::{Conn, Incoming, LinkClient, ScreenModel};
use crate::link::protocol::Role;
use crate::link::server::socket_path;
use ratatui::Frame;
use ratatui::crossterm::event::{self, Event, KeyCode, KeyEvent, KeyModifiers};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::{Duration, Instant};

/// How long a screen waits between tries to reach a counter.
pub const RETRY: Duration = Duration::from_secs(2);

pub enum Wake {
    Key(KeyEvent),
    Redraw,
    Link(Incoming),
    TermGone(String),
}

/// A screen run by `run_screen`.
pub trait ScreenApp {
    fn role(&self) -> Role;
    fn draw(&mut self, frame: &mut Frame, model: &ScreenModel);
    /// A key the loop does not take itself (q, Esc, Ctrl-C and Ctrl-Q quit).
    fn key(&mut self, key: KeyEvent, model: &mut ScreenModel, client: Option<&mut LinkClient>);
}

pub fn run(setup: &Setup) -> Outcome {
    run_screen(setup, &mut DisplayApp)
}

struct DisplayApp;

impl ScreenApp for DisplayApp {
    fn role(&self) -> Role {
        Role::Display
    }

    fn draw(&mut self, frame: &mut Frame, model: &ScreenModel) {
        let view = crate::ui::display_view::DisplayView { model };
        frame.render_widget(&view, frame.area());
    }

    fn key(&mut self, _: KeyEvent, _: &mut ScreenModel, _: Option<&mut LinkClient>) {}
}

fn quits(key: &KeyEvent) -> bool {
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    matches!(key.code, KeyCode::Char('q') | KeyCode::Esc)
        || (ctrl && matches!(key.code, KeyCode::Char('c') | KeyCode::Char('q')))
}

/// Runs `app` in the terminal until the person quits, or the counter speaks another protocol
/// version (exit 2 with the counter's message).
pub fn run_screen(setup: &Setup, app: &mut dyn ScreenApp) -> Outcome {
    let socket = socket_path(&setup.data_dir);
    let (tx, rx) = mpsc::channel::<Wake>();
    let term_tx = tx.clone();
    let spawned = std::thread::Builder::new()
        .name("qrtill-screen-input".into())
        .spawn(move || {
            loop {
                let wake = match event::read() {
                    Ok(Event::Key(k)) if k.is_press() => Wake::Key(k),
                    Ok(_) => Wake::Redraw,
                    Err(e) => Wake::TermGone(e.to_string()),
                };
                let gone = matches!(wake, Wake::TermGone(_));
                if term_tx.send(wake).is_err() || gone {
                    break;
                }
            }
        });
    if let Err(e) = spawned {
        return Outcome::fail(1, format!("qrtill: cannot read the terminal: {e}"));
    }
    let mut terminal = ratatui::init();
    let mut model = ScreenModel::default();
    let mut client: Option<LinkClient> = None;
    let mut next_try = Instant::now();
    let result = loop {
        if client.is_none() && Instant::now() >= next_try {
            match LinkClient::connect(&socket, app.role(), tx.clone(), Wake::Link) {
                Ok(c) => {
                    client = Some(c);
                    model.conn = Conn::Connecting;
                }
                Err(e) => {
                    model.conn = Conn::NoCounter(format!(
                        "no counter is running on {} ({}: {e})",
                        setup.data_dir.display(),
                        socket.display()
                    ));
                    next_try = Instant::now() + RETRY;
                }
            }
        }
        if let Err(e) = terminal.draw(|f| app.draw(f, &model)) {
            break Err(format!("terminal error: {e}"));
        }
        let wait = if client.is_none() {
            next_try.saturating_duration_since(Instant::now())
        } else {
            Duration::from_secs(1)
        };
        match rx.recv_timeout(wait.max(Duration::from_millis(10))) {
            Ok(Wake::Key(k)) if quits(&k) => break Ok(()),
            Ok(Wake::Key(k)) => app.key(k, &mut model, client.as_mut()),
            Ok(Wake::Redraw) | Err(RecvTimeoutError::Timeout) => {}
            Ok(Wake::Link(incoming)) => {
                if !model.apply(incoming) {
                    client = None;
                    next_try = Instant::now() + RETRY;
                    if let Conn::WrongVersion(why) = &model.conn {
                        break Err(why.clone());
                    }
                }
            }
            Ok(Wake::TermGone(why)) => break Err(format!("terminal gone: {why}")),
            Err(RecvTimeoutError::Disconnected) => break Ok(()),
        }
    };
    if let Err(e) = ratatui::try_restore() {
        tracing::warn!(error = %e, "terminal not restored");
    }
    match result {
        Ok(()) => Outcome::ok(String::new()),
        Err(why) if matches!(model.conn, Conn::WrongVersion(_)) => {
            Outcome::fail(EXIT_BAD_INPUT, format!("qrtill: {why}"))
        }
        Err(why) => Outcome::fail(1, format!("qrtill: {why}")),
    }
}
