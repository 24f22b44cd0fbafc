//! Writing bytes to one target, synchronously, with timeouts. The queue calls this on a worker
//! thread; nothing on the sale flow calls it directly.

use super::target::PrinterTarget;
use std::fs::OpenOptions;
use std::io::{self, Write};
use std::net::{Shutdown, TcpStream, ToSocketAddrs};
use std::path::Path;
use std::time::Duration;

/// Time limits for one print.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PrintTimeouts {
    pub connect: Duration,
    pub write: Duration,
}

impl Default for PrintTimeouts {
    /// 3 s to connect, 5 s per write: a networked printer answers in milliseconds or not at all.
    fn default() -> Self {
        Self {
            connect: Duration::from_secs(3),
            write: Duration::from_secs(5),
        }
    }
}

impl PrintTimeouts {
    /// Longest one job may take, name lookup included.
    pub fn job_limit(&self) -> Duration {
        self.connect + self.write + Duration::from_millis(500)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum PrintError {
    #[error("cannot open {path}: {source}")]
    Open { path: String, source: io::Error },
    #[error("cannot write to {target}: {source}")]
    Write { target: String, source: io::Error },
    #[error("cannot find printer host {host}: {reason}")]
    Resolve { host: String, reason: String },
    #[error("cannot connect to {target}: {source}")]
    Connect { target: String, source: io::Error },
}

/// Sends `bytes` to `target`. `Screen` does nothing here: the counter shows the text receipt.
pub fn send(
    target: &PrinterTarget,
    bytes: &[u8],
    timeouts: PrintTimeouts,
) -> Result<(), PrintError> {
    match target {
        PrinterTarget::Screen => Ok(()),
        PrinterTarget::File(path) => {
            let mut opts = OpenOptions::new();
            opts.create(true).append(true);
            write_path(path, &opts, bytes)
        }
        PrinterTarget::Device(path) => {
            // Never create: a typo must fail, not fill a regular file under /dev.
            let mut opts = OpenOptions::new();
            opts.write(true);
            write_path(path, &opts, bytes)
        }
        PrinterTarget::Tcp { host, port } => send_tcp(target, host, *port, bytes, timeouts),
    }
}

fn write_path(path: &Path, opts: &OpenOptions, bytes: &[u8]) -> Result<(), PrintError> {
    let mut file = opts.open(path).map_err(|source| PrintError::Open {
        path: path.display().to_string(),
        source,
    })?;
    file.write_all(bytes)
        .and_then(|()| file.flush())
        .map_err(|source| PrintError::Write {
            target: path.display().to_string(),
            source,
        })
}

fn send_tcp(
    target: &PrinterTarget,
    host: &str,
    port: u16,
    bytes: &[u8],
    timeouts: PrintTimeouts,
) -> Result<(), PrintError> {
    let addrs: Vec<_> = (host, port)
        .to_socket_addrs()
        .map_err(|e| PrintError::Resolve {
            host: host.to_string(),
            reason: e.to_string(),
        })?
        .collect();
    let mut last = io::Error::new(io::ErrorKind::NotFound, "no address");
    let mut stream = None;
    for addr in addrs {
        match TcpStream::connect_timeout(&addr, timeouts.connect) {
            Ok(s) => {
                stream = Some(s);
                break;
            }
            Err(e) => last = e,
        }
    }
    let Some(mut stream) = stream else {
        return Err(PrintError::Connect {
            target: target.to_string(),
            source: last,
        });
    };
    let write_err = |source| PrintError::Write {
        target: target.to_string(),
        source,
    };
    stream
        .set_write_timeout(Some(timeouts.write))
        .map_err(write_err)?;
    stream.write_all(bytes).map_err(write_err)?;
    stream.flush().map_err(write_err)?;
    // Tell the printer the job is complete; some close the job only on FIN.
    let _ = stream.shutdown(Shutdown::Write);
    Ok(())
}
