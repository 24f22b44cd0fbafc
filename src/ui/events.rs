//! Where the TUI loop's input comes from: the real terminal (plus the signals that end the
//! counter), or a script of real crossterm events for tests.
//!
//! Why a reader thread: crossterm's `event::poll` retries its `poll(2)` on EINTR with the
//! remaining timeout (crossterm 0.29 `source/unix/mio.rs`), so a signal never wakes it, and a
//! signal-hook flag would only be seen when input or a timer arrives (up to a minute on an idle
//! counter). So one thread blocks in `event::read`, one blocks in signal-hook's `Signals`
//! iterator, and both send into one channel; the loop blocks on that channel with its deadline
//! as the timeout. All three threads sleep while the counter is idle: no CPU, no polling slice.

use crate::clock::{Clock, ManualClock};
use ratatui::crossterm::event::{self, Event};
use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
use signal_hook::iterator::Signals;
use std::collections::VecDeque;
use std::io;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::time::Duration;

/// What the loop gets back from one wait.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    /// A terminal event (key, paste, resize...), exactly as crossterm reports it.
    Term(Event),
    /// A signal asked the counter to end (its number).
    Signal(i32),
    /// Nothing arrived before the timeout.
    Timeout,
    /// The source has nothing more to give (the end of a script).
    Closed,
    /// A shopper's phone action from a second screen or the web phone (`crate::link`).
    Remote(crate::link::Request),
}

/// A source of input the loop can block on with a timeout. `clock` is the runtime's clock, so a
/// scripted source can move virtual time forward while it "waits".
pub trait EventSource<C: Clock> {
    fn next(&mut self, clock: &C, timeout: Duration) -> io::Result<Input>;
}

/// The signals that end the counter cleanly: a `kill`, a closed terminal, an interrupt from
/// outside (Ctrl-C in raw mode is a key, not SIGINT).
pub const STOP_SIGNALS: [i32; 3] = [SIGTERM, SIGHUP, SIGINT];

/// The real terminal: crossterm events and stop signals, through one channel.
pub struct TerminalEvents {
    rx: Receiver<io::Result<Input>>,
    tx: mpsc::Sender<io::Result<Input>>,
}

impl TerminalEvents {
    /// Installs the signal handlers and starts the two reader threads.
    pub fn start() -> io::Result<Self> {
        let (tx, rx) = mpsc::channel();
        let mut signals = Signals::new(STOP_SIGNALS)?;
        let signal_tx = tx.clone();
        let inject = tx.clone();
        std::thread::Builder::new()
            .name("qrtill-signals".into())
            .spawn(move || {
                for signal in signals.forever() {
                    if signal_tx.send(Ok(Input::Signal(signal))).is_err() {
                        break;
                    }
                }
            })?;
        std::thread::Builder::new()
            .name("qrtill-terminal".into())
            .spawn(move || {
                loop {
                    let read = event::read().map(Input::Term);
                    let failed = read.is_err();
                    if tx.send(read).is_err() || failed {
                        break;
                    }
                }
            })?;
        Ok(Self { rx, tx: inject })
    }

    /// A sender into this source, for input from outside the terminal (`crate::link`).
    pub fn injector(&self) -> mpsc::Sender<io::Result<Input>> {
        self.tx.clone()
    }
}

impl<C: Clock> EventSource<C> for TerminalEvents {
    fn next(&mut self, _clock: &C, timeout: Duration) -> io::Result<Input> {
        match self.rx.recv_timeout(timeout) {
            Ok(input) => input,
            Err(RecvTimeoutError::Timeout) => Ok(Input::Timeout),
            Err(RecvTimeoutError::Disconnected) => Ok(Input::Closed),
        }
    }
}

/// One step of a script.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    Event(Event),
    /// Let this much virtual time pass (timers and network replies fall due on the way).
    Wait(Duration),
    Signal(i32),
}

/// A script of input for tests: real crossterm events, virtual waits and signals, in order.
/// When it runs out the loop ends (`Exit::Closed`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Scripted {
    steps: VecDeque<Step>,
}

impl Scripted {
    pub fn new(steps: impl IntoIterator<Item = Step>) -> Self {
        Self {
            steps: steps.into_iter().collect(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.steps.is_empty()
    }
}

impl EventSource<ManualClock> for Scripted {
    fn next(&mut self, clock: &ManualClock, timeout: Duration) -> io::Result<Input> {
        Ok(match self.steps.pop_front() {
            None => Input::Closed,
            Some(Step::Event(e)) => Input::Term(e),
            Some(Step::Signal(n)) => Input::Signal(n),
            Some(Step::Wait(d)) => {
                // Wake at the loop's deadline if it comes first, as the real source would.
                let slept = d.min(timeout);
                clock.advance(slept);
                if d > slept {
                    self.steps.push_front(Step::Wait(d - slept));
                }
                Input::Timeout
            }
        })
    }
}
