//! Where receipts go, written as one string in config or `--printer`:
//! `screen`, `file:PATH`, `device:/dev/usb/lp0`, `tcp:HOST:9100`.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

/// The raw port network receipt printers listen on (JetDirect / "port 9100").
pub const RAW_PRINT_PORT: u16 = 9100;

const HINT: &str = "write screen, file:PATH, device:/dev/usb/lp0 or tcp:HOST:9100";

#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum PrinterTarget {
    /// No printer: the counter shows the text receipt.
    #[default]
    Screen,
    /// Appends ESC/POS bytes to a file (created if missing).
    File(PathBuf),
    /// Writes ESC/POS bytes to an existing device node; never creates a file.
    Device(PathBuf),
    /// Sends ESC/POS bytes to a network printer's raw port.
    Tcp { host: String, port: u16 },
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TargetParseError {
    #[error("no printer given: {HINT}")]
    Empty,
    #[error("unknown printer '{0}': {HINT}")]
    Unknown(String),
    #[error("'{0}:' needs a path after the colon, e.g. {0}:{1}")]
    MissingPath(&'static str, &'static str),
    #[error("'tcp:' needs a host, e.g. tcp:192.168.1.50:9100")]
    MissingHost,
    #[error("'{0}' is not a TCP port: use a number from 1 to 65535, e.g. tcp:HOST:9100")]
    BadPort(String),
}

impl FromStr for PrinterTarget {
    type Err = TargetParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        if s.is_empty() {
            return Err(TargetParseError::Empty);
        }
        if s.eq_ignore_ascii_case("screen") {
            return Ok(PrinterTarget::Screen);
        }
        let Some((scheme, rest)) = s.split_once(':') else {
            return Err(TargetParseError::Unknown(s.to_string()));
        };
        match scheme.to_ascii_lowercase().as_str() {
            "file" if rest.is_empty() => {
                Err(TargetParseError::MissingPath("file", "receipts.escpos"))
            }
            "file" => Ok(PrinterTarget::File(PathBuf::from(rest))),
            "device" if rest.is_empty() => {
                Err(TargetParseError::MissingPath("device", "/dev/usb/lp0"))
            }
            "device" => Ok(PrinterTarget::Device(PathBuf::from(rest))),
            "tcp" => parse_tcp(rest),
            _ => Err(TargetParseError::Unknown(s.to_string())),
        }
    }
}

/// `HOST`, `HOST:PORT` or `[IPv6]:PORT`; the port defaults to 9100.
fn parse_tcp(rest: &str) -> Result<PrinterTarget, TargetParseError> {
    let rest = rest.trim_start_matches("//");
    let (host, port) = if let Some(v6) = rest.strip_prefix('[') {
        let (host, after) = v6.split_once(']').ok_or(TargetParseError::MissingHost)?;
        (host, after.strip_prefix(':'))
    } else {
        match rest.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (rest, None),
        }
    };
    if host.is_empty() {
        return Err(TargetParseError::MissingHost);
    }
    let port = match port {
        None => RAW_PRINT_PORT,
        Some(p) => match p.parse::<u16>() {
            Ok(n) if n > 0 => n,
            _ => return Err(TargetParseError::BadPort(p.to_string())),
        },
    };
    Ok(PrinterTarget::Tcp {
        host: host.to_string(),
        port,
    })
}

impl fmt::Display for PrinterTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PrinterTarget::Screen => f.write_str("screen"),
            PrinterTarget::File(p) => write!(f, "file:{}", p.display()),
            PrinterTarget::Device(p) => write!(f, "device:{}", p.display()),
            PrinterTarget::Tcp { host, port } if host.contains(':') => {
                write!(f, "tcp:[{host}]:{port}")
            }
            PrinterTarget::Tcp { host, port } => write!(f, "tcp:{host}:{port}"),
        }
    }
}

impl TryFrom<String> for PrinterTarget {
    type Error = TargetParseError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<PrinterTarget> for String {
    fn from(t: PrinterTarget) -> String {
        t.to_string()
    }
}

impl PrinterTarget {
    /// Whether this target takes ESC/POS bytes (every target but the screen).
    pub fn takes_escpos(&self) -> bool {
        !matches!(self, PrinterTarget::Screen)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_target_kind() {
        assert_eq!("screen".parse(), Ok(PrinterTarget::Screen));
        assert_eq!(
            "file:/tmp/r.bin".parse(),
            Ok(PrinterTarget::File("/tmp/r.bin".into()))
        );
        assert_eq!(
            "device:/dev/usb/lp0".parse(),
            Ok(PrinterTarget::Device("/dev/usb/lp0".into()))
        );
        assert_eq!(
            "tcp:192.168.1.50:9100".parse(),
            Ok(PrinterTarget::Tcp {
                host: "192.168.1.50".into(),
                port: 9100
            })
        );
        assert_eq!(
            "tcp:printer.local".parse(),
            Ok(PrinterTarget::Tcp {
                host: "printer.local".into(),
                port: RAW_PRINT_PORT
            })
        );
        assert_eq!(
            "tcp:[::1]:9101".parse(),
            Ok(PrinterTarget::Tcp {
                host: "::1".into(),
                port: 9101
            })
        );
    }

    #[test]
    fn targets_round_trip_through_their_text() {
        for s in [
            "screen",
            "file:out/receipts.bin",
            "device:/dev/usb/lp0",
            "tcp:10.0.0.7:9100",
            "tcp:[::1]:9100",
        ] {
            let t: PrinterTarget = s.parse().unwrap();
            assert_eq!(t.to_string(), s);
            let json = serde_json::to_string(&t).unwrap();
            assert_eq!(serde_json::from_str::<PrinterTarget>(&json).unwrap(), t);
        }
    }

    #[test]
    fn mistakes_say_what_to_write() {
        let msg = |s: &str| s.parse::<PrinterTarget>().unwrap_err().to_string();
        assert!(msg("lp0").contains("tcp:HOST:9100"));
        assert!(msg("usb:/dev/x").contains("device:/dev/usb/lp0"));
        assert!(msg("").contains("screen"));
        assert!(msg("file:").contains("file:receipts.escpos"));
        assert!(msg("device:").contains("device:/dev/usb/lp0"));
        assert!(msg("tcp::9100").contains("needs a host"));
        assert!(msg("tcp:host:99999").contains("1 to 65535"));
        assert!(msg("tcp:host:0").contains("not a TCP port"));
        assert!(serde_json::from_str::<PrinterTarget>("\"nope\"").is_err());
    }
}
