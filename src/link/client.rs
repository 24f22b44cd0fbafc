//! The screens' side of the socket: connect, say hello, then read the counter's lines on a
//! thread of their own while the screen's loop sends phone actions.

use super::protocol::{self, ClientMsg, PROTOCOL_VERSION, Role, ServerMsg, WireAction};
use std::io::{self, BufRead, BufReader, Write};
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::sync::mpsc::Sender;

/// What the reader thread reports.
#[derive(Debug, Clone, PartialEq)]
pub enum Incoming {
    Msg(ServerMsg),
    /// The counter closed the connection (or it broke); the screen goes back to retrying.
    Gone(String),
}

/// An attached screen.
pub struct LinkClient {
    stream: UnixStream,
    next_id: u64,
}

impl LinkClient {
    /// Connects to the counter's socket and says hello. Whatever the counter says back
    /// (welcome, state, replies, a refused version) arrives through `to`, tagged by `tag`.
    pub fn connect<T: Send + 'static>(
        socket: &Path,
        role: Role,
        to: Sender<T>,
        tag: fn(Incoming) -> T,
    ) -> io::Result<Self> {
        Self::connect_as(socket, role, PROTOCOL_VERSION, to, tag)
    }

    /// `connect` speaking protocol `version` (tests of the version check use another one).
    pub fn connect_as<T: Send + 'static>(
        socket: &Path,
        role: Role,
        version: u32,
        to: Sender<T>,
        tag: fn(Incoming) -> T,
    ) -> io::Result<Self> {
        let mut stream = UnixStream::connect(socket)?;
        let mut hello = protocol::to_line(&ClientMsg::Hello { version, role });
        hello.push('\n');
        stream.write_all(hello.as_bytes())?;
        let reader = BufReader::new(stream.try_clone()?);
        std::thread::Builder::new()
            .name("qrtill-link-reader".into())
            .spawn(move || {
                for line in reader.lines() {
                    let incoming = match line {
                        Err(e) => Incoming::Gone(e.to_string()),
                        Ok(l) => match serde_json::from_str::<ServerMsg>(&l) {
                            Ok(m) => Incoming::Msg(m),
                            Err(e) => {
                                Incoming::Gone(format!("unreadable line from the counter: {e}"))
                            }
                        },
                    };
                    let end = matches!(incoming, Incoming::Gone(_));
                    if to.send(tag(incoming)).is_err() || end {
                        return;
                    }
                }
                if to
                    .send(tag(Incoming::Gone(
                        "the counter closed the connection".into(),
                    )))
                    .is_err()
                {
                    tracing::debug!("screen closed before the counter");
                }
            })?;
        Ok(Self { stream, next_id: 0 })
    }

    /// Sends a phone action as `shopper`; returns its id (it comes back in the reply).
    pub fn phone(&mut self, shopper: &str, action: WireAction) -> io::Result<u64> {
        self.next_id += 1;
        let mut line = protocol::to_line(&ClientMsg::Phone {
            id: self.next_id,
            shopper: shopper.to_string(),
            action,
        });
        line.push('\n');
        self.stream.write_all(line.as_bytes())?;
        Ok(self.next_id)
    }
}

/// Whether a screen is attached, as it tells the person looking at it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Conn {
    Connecting,
    Attached,
    /// No counter answers on the socket; the screen retries.
    NoCounter(String),
    /// The counter speaks another protocol version: retrying would not help.
    WrongVersion(String),
}

/// What a screen knows: the counter's latest state and the answer to its last action.
#[derive(Debug, Clone, PartialEq)]
pub struct ScreenModel {
    pub conn: Conn,
    pub state: Option<super::snapshot::CounterState>,
    /// `(ok, message)` of the last phone action.
    pub reply: Option<(bool, String)>,
    /// When the latest state arrived: countdowns run on from its `now_ms` without the counter
    /// resending the state every second.
    pub received_at: Option<std::time::Instant>,
}

impl Default for ScreenModel {
    fn default() -> Self {
        Self {
            conn: Conn::Connecting,
            state: None,
            reply: None,
            received_at: None,
        }
    }
}

impl ScreenModel {
    /// The counter's clock now (ms), as far as this screen can tell.
    pub fn counter_now(&self) -> Option<i64> {
        let state = self.state.as_ref()?;
        let since = self
            .received_at
            .map_or(0, |t| t.elapsed().as_millis() as i64);
        Some(state.now_ms + since)
    }

    /// Takes in what the counter sent; returns false when the connection ended.
    pub fn apply(&mut self, incoming: Incoming) -> bool {
        match incoming {
            Incoming::Msg(ServerMsg::Welcome { .. }) => self.conn = Conn::Attached,
            Incoming::Msg(ServerMsg::State(s)) => {
                self.state = Some(*s);
                self.received_at = Some(std::time::Instant::now());
            }
            Incoming::Msg(ServerMsg::PhoneReply { ok, message, .. }) => {
                self.reply = Some((ok, message))
            }
            Incoming::Msg(ServerMsg::WrongVersion { message, .. }) => {
                self.conn = Conn::WrongVersion(message);
                return false;
            }
            Incoming::Msg(ServerMsg::Error { message }) => {
                self.conn = Conn::NoCounter(format!("the counter refused this screen: {message}"));
                return false;
            }
            Incoming::Gone(why) => {
                if !matches!(self.conn, Conn::WrongVersion(_)) {
                    self.conn = Conn::NoCounter(format!("the counter went away ({why})"));
                }
                // A stale basket must not stay up as if it were live.
                self.state = None;
                return false;
            }
        }
        true
    }
}
