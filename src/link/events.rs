//! An input source fed through a channel: remote phone actions (and, in tests, keys) arrive
//! as `Input`s. The terminal's own source takes remote actions the same way
//! (`TerminalEvents::injector`).

use crate::clock::Clock;
use crate::ui::events::{EventSource, Input};
use std::io;
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender};

/// Where remote requests go: into the loop's input channel.
pub type Inject = Sender<io::Result<Input>>;

/// Blocks on a channel with the loop's deadline as the timeout; ends when every sender is gone.
pub struct ChannelEvents {
    rx: Receiver<io::Result<Input>>,
}

impl ChannelEvents {
    pub fn new(rx: Receiver<io::Result<Input>>) -> Self {
        Self { rx }
    }
}

impl<C: Clock> EventSource<C> for ChannelEvents {
    fn next(&mut self, _clock: &C, timeout: std::time::Duration) -> io::Result<Input> {
        match self.rx.recv_timeout(timeout) {
            Ok(input) => input,
            Err(RecvTimeoutError::Timeout) => Ok(Input::Timeout),
            Err(RecvTimeoutError::Disconnected) => Ok(Input::Closed),
        }
    }
}
