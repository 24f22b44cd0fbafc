//! The counter's side of the socket: one accept thread, and per client a reader thread and a
//! writer thread fed by a bounded queue. The counter's loop only ever `try_send`s into those
//! queues; a client whose queue is full (it stopped reading) is dropped, never waited for.

use super::answer::{Answer, ReplyTo, Request};
use super::events::Inject;
use super::protocol::{self, ClientMsg, MAX_CLIENT_LINE, SOCKET_NAME, ServerMsg};
use crate::ui::events::Input;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, SyncSender, TrySendError};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

/// Lines a client may have waiting before it counts as too slow and is dropped.
pub const CLIENT_QUEUE: usize = 64;

/// A client's socket writes give up after this long (a client that stopped reading).
const WRITE_TIMEOUT: Duration = Duration::from_secs(5);

/// How long the counter waits for a new client's hello.
const HELLO_TIMEOUT: Duration = Duration::from_secs(10);

type Line = Arc<str>;

#[derive(Default)]
struct Shared {
    clients: Vec<(u64, SyncSender<Line>)>,
    /// The latest state line, for a client that attaches later.
    last_state: Option<Line>,
    next_id: u64,
}

/// The listening socket. Dropping it stops taking clients and removes the socket file.
pub struct LinkServer {
    path: PathBuf,
    shared: Arc<Mutex<Shared>>,
}

/// The socket's path in the data directory `dir`.
pub fn socket_path(dir: &Path) -> PathBuf {
    dir.join(SOCKET_NAME)
}

impl LinkServer {
    /// Listens on DATA/counter.sock (mode 0600). A socket file left by a counter that died is
    /// replaced; one that answers belongs to a running counter and is an error.
    pub fn start(dir: &Path, inject: Inject) -> io::Result<Self> {
        let path = socket_path(dir);
        if path.exists() {
            if UnixStream::connect(&path).is_ok() {
                return Err(io::Error::new(
                    io::ErrorKind::AddrInUse,
                    format!("another counter is listening on {}", path.display()),
                ));
            }
            std::fs::remove_file(&path)?;
        }
        let listener = UnixListener::bind(&path)?;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))?;
        let shared = Arc::new(Mutex::new(Shared::default()));
        let accept_shared = shared.clone();
        std::thread::Builder::new()
            .name("qrtill-link".into())
            .spawn(move || {
                for stream in listener.incoming() {
                    match stream {
                        Ok(s) => attach(s, &accept_shared, &inject),
                        Err(e) => tracing::warn!(error = %e, "second screen not accepted"),
                    }
                }
            })?;
        Ok(Self { path, shared })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Sends `msg` to every client without waiting; drops the clients that cannot take it.
    pub fn broadcast(&self, msg: &ServerMsg) {
        let line: Line = protocol::to_line(msg).into();
        let mut shared = self.shared.lock().unwrap_or_else(PoisonError::into_inner);
        if matches!(msg, ServerMsg::State(_)) {
            shared.last_state = Some(line.clone());
        }
        shared
            .clients
            .retain(|(id, tx)| match tx.try_send(line.clone()) {
                Ok(()) => true,
                Err(TrySendError::Full(_)) => {
                    tracing::warn!(client = id, "second screen too slow: dropped");
                    false
                }
                Err(TrySendError::Disconnected(_)) => false,
            });
    }

    /// How many clients are attached.
    pub fn clients(&self) -> usize {
        self.shared
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clients
            .len()
    }
}

impl Drop for LinkServer {
    fn drop(&mut self) {
        if let Err(e) = std::fs::remove_file(&self.path) {
            tracing::warn!(error = %e, "socket file not removed");
        }
    }
}

/// Starts the threads of one client; the hello is read on the client's own thread.
fn attach(stream: UnixStream, shared: &Arc<Mutex<Shared>>, inject: &Inject) {
    let shared = shared.clone();
    let inject = inject.clone();
    let spawned = std::thread::Builder::new()
        .name("qrtill-link-client".into())
        .spawn(move || {
            if let Err(e) = serve(stream, &shared, &inject) {
                tracing::info!(error = %e, "second screen left");
            }
        });
    if let Err(e) = spawned {
        tracing::warn!(error = %e, "no thread for a second screen");
    }
}

/// Reads one line of at most `MAX_CLIENT_LINE` bytes; `None` at the end of the stream.
fn read_line(reader: &mut impl BufRead) -> io::Result<Option<String>> {
    let mut buf = Vec::new();
    let n = reader
        .take(MAX_CLIENT_LINE as u64 + 1)
        .read_until(b'\n', &mut buf)?;
    if n == 0 {
        return Ok(None);
    }
    if !buf.ends_with(b"\n") && n > MAX_CLIENT_LINE {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("a line longer than {MAX_CLIENT_LINE} bytes"),
        ));
    }
    String::from_utf8(buf)
        .map(|s| Some(s.trim_end().to_string()))
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))
}

fn write_now(stream: &mut UnixStream, msg: &ServerMsg) -> io::Result<()> {
    let mut line = protocol::to_line(msg);
    line.push('\n');
    stream.write_all(line.as_bytes())
}

fn serve(stream: UnixStream, shared: &Arc<Mutex<Shared>>, inject: &Inject) -> io::Result<()> {
    let mut writer = stream.try_clone()?;
    writer.set_write_timeout(Some(WRITE_TIMEOUT))?;
    // A client that never says hello does not keep its thread forever.
    stream.set_read_timeout(Some(HELLO_TIMEOUT))?;
    let mut reader = BufReader::new(stream);
    let hello = read_line(&mut reader)?.unwrap_or_default();
    reader.get_ref().set_read_timeout(None)?;
    let version = match serde_json::from_str::<ClientMsg>(&hello) {
        Ok(ClientMsg::Hello { version, .. }) => version,
        Ok(_) | Err(_) => {
            let message = format!(
                "the first line must be a hello, e.g. {{\"type\":\"hello\",\"version\":{},\"role\":\"display\"}}",
                protocol::PROTOCOL_VERSION
            );
            return write_now(&mut writer, &ServerMsg::Error { message });
        }
    };
    let greeting = protocol::greet(version);
    if !matches!(greeting, ServerMsg::Welcome { .. }) {
        return write_now(&mut writer, &greeting);
    }
    write_now(&mut writer, &greeting)?;
    let (tx, rx) = mpsc::sync_channel::<Line>(CLIENT_QUEUE);
    let id = {
        let mut s = shared.lock().unwrap_or_else(PoisonError::into_inner);
        s.next_id += 1;
        let id = s.next_id;
        if let Some(last) = &s.last_state {
            // An empty new queue always has room.
            tx.try_send(last.clone())
                .map_err(|e| io::Error::other(e.to_string()))?;
        }
        s.clients.push((id, tx.clone()));
        id
    };
    tracing::info!(client = id, "second screen attached");
    std::thread::Builder::new()
        .name("qrtill-link-writer".into())
        .spawn(move || {
            for line in rx {
                let sent = writer
                    .write_all(line.as_bytes())
                    .and_then(|()| writer.write_all(b"\n"));
                if let Err(e) = sent {
                    tracing::info!(client = id, error = %e, "second screen gone");
                    break;
                }
            }
        })?;
    let result = read_requests(&mut reader, id, &tx, inject);
    // Gone (or refused): off the list at once, so its writer thread ends too.
    shared
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .clients
        .retain(|(c, _)| *c != id);
    result
}

fn read_requests(
    reader: &mut BufReader<UnixStream>,
    id: u64,
    tx: &SyncSender<Line>,
    inject: &Inject,
) -> io::Result<()> {
    while let Some(line) = read_line(reader)? {
        if line.is_empty() {
            continue;
        }
        match serde_json::from_str::<ClientMsg>(&line) {
            Ok(ClientMsg::Phone {
                id: req,
                shopper,
                action,
            }) => {
                let queue = tx.clone();
                let reply = ReplyTo::new(move |a: Answer| {
                    let msg = ServerMsg::PhoneReply {
                        id: req,
                        ok: a.ok,
                        message: a.message,
                    };
                    if let Err(e) = queue.try_send(protocol::to_line(&msg).into()) {
                        tracing::warn!(client = id, error = %e, "phone reply not queued");
                    }
                });
                let request = Request {
                    shopper,
                    action: action.into(),
                    guard: None,
                    reply,
                };
                if inject.send(Ok(Input::Remote(request))).is_err() {
                    return Ok(()); // the counter is closing
                }
            }
            Ok(ClientMsg::Hello { .. }) => {}
            Err(e) => {
                let msg = ServerMsg::Error {
                    message: format!("unreadable line: {e}"),
                };
                if let Err(e) = tx.try_send(protocol::to_line(&msg).into()) {
                    tracing::warn!(client = id, error = %e, "error line not queued");
                }
                return Ok(());
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::link::protocol::PROTOCOL_VERSION;
    use std::time::Instant;

    fn wait_for(what: &str, ready: impl Fn() -> bool) {
        let end = Instant::now() + Duration::from_secs(30);
        while !ready() {
            assert!(Instant::now() < end, "timed out waiting for {what}");
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    #[test]
    fn a_client_that_stops_reading_is_dropped_and_never_waited_for() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let (tx, _rx) = mpsc::channel();
        let server = LinkServer::start(dir.path(), tx).unwrap_or_else(|e| panic!("{e}"));
        let mut stuck = UnixStream::connect(server.path()).unwrap_or_else(|e| panic!("{e}"));
        let hello =
            format!("{{\"type\":\"hello\",\"version\":{PROTOCOL_VERSION},\"role\":\"display\"}}\n");
        stuck
            .write_all(hello.as_bytes())
            .unwrap_or_else(|e| panic!("{e}"));
        wait_for("the client to attach", || server.clients() == 1);
        // Far more than the socket buffer and the queue hold; `stuck` never reads.
        let big = ServerMsg::Error {
            message: "x".repeat(64 * 1024),
        };
        let mut sent = 0;
        while server.clients() == 1 && sent < 10_000 {
            server.broadcast(&big);
            sent += 1;
        }
        assert_eq!(server.clients(), 0, "dropped after {sent} lines");
        assert!(sent > CLIENT_QUEUE, "the queue took {sent} lines first");
    }

    #[test]
    fn the_socket_file_goes_with_the_server() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let (tx, _rx) = mpsc::channel();
        let server = LinkServer::start(dir.path(), tx).unwrap_or_else(|e| panic!("{e}"));
        let path = server.path().to_path_buf();
        assert!(path.exists());
        drop(server);
        assert!(!path.exists());
    }
}
