//! The versioned JSON-lines protocol between the counter and its second screens
//! (docs/protocol.md). One JSON object per line, `"type"` names the message.

use super::snapshot::CounterState;
use crate::runtime::PhoneAction;
use serde::{Deserialize, Serialize};

/// Bumped on any change a client of the previous version would misread.
pub const PROTOCOL_VERSION: u32 = 1;

/// The socket's file name inside the data directory.
pub const SOCKET_NAME: &str = "counter.sock";

/// The longest line the counter reads from a client; a longer one closes the client.
pub const MAX_CLIENT_LINE: usize = 4096;

/// What a client is, as it says in its hello.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Display,
    Phone,
}

/// Client to counter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum ClientMsg {
    /// The first line of every client.
    Hello { version: u32, role: Role },
    /// A shopper's phone action; `id` comes back in the reply.
    Phone {
        id: u64,
        shopper: String,
        action: WireAction,
    },
}

/// Counter to client.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerMsg {
    Welcome {
        version: u32,
    },
    /// The client speaks another version; the counter closes the connection after this line.
    WrongVersion {
        counter_version: u32,
        message: String,
    },
    /// The whole shopper-side state, sent on every change (and once after the welcome).
    State(Box<CounterState>),
    PhoneReply {
        id: u64,
        ok: bool,
        message: String,
    },
    /// A line the counter could not read; the connection closes after this.
    Error {
        message: String,
    },
}

/// The phone actions on the wire: named here, so the wire stays stable when the runtime's
/// enum changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WireAction {
    ShowCode,
    PresentCode,
    ScanCounterQr,
    Tap,
    EnterPassword,
    RefusePassword,
    CancelOnPhone,
    LowBalance,
    ToggleOffline,
}

impl From<WireAction> for PhoneAction {
    fn from(a: WireAction) -> Self {
        match a {
            WireAction::ShowCode => PhoneAction::ShowCode,
            WireAction::PresentCode => PhoneAction::PresentCode,
            WireAction::ScanCounterQr => PhoneAction::ScanCounterQr,
            WireAction::Tap => PhoneAction::Tap,
            WireAction::EnterPassword => PhoneAction::EnterPassword,
            WireAction::RefusePassword => PhoneAction::RefusePassword,
            WireAction::CancelOnPhone => PhoneAction::CancelOnPhone,
            WireAction::LowBalance => PhoneAction::LowBalance,
            WireAction::ToggleOffline => PhoneAction::ToggleOffline,
        }
    }
}

impl From<PhoneAction> for WireAction {
    fn from(a: PhoneAction) -> Self {
        match a {
            PhoneAction::ShowCode => WireAction::ShowCode,
            PhoneAction::PresentCode => WireAction::PresentCode,
            PhoneAction::ScanCounterQr => WireAction::ScanCounterQr,
            PhoneAction::Tap => WireAction::Tap,
            PhoneAction::EnterPassword => WireAction::EnterPassword,
            PhoneAction::RefusePassword => WireAction::RefusePassword,
            PhoneAction::CancelOnPhone => WireAction::CancelOnPhone,
            PhoneAction::LowBalance => WireAction::LowBalance,
            PhoneAction::ToggleOffline => WireAction::ToggleOffline,
        }
    }
}

/// One message as a line (no newline). Serializing these types cannot fail: every map key is
/// a string; the fallback keeps the stream well-formed anyway.
pub fn to_line<T: Serialize>(msg: &T) -> String {
    serde_json::to_string(msg).unwrap_or_else(|e| {
        format!(r#"{{"type":"error","message":"unserializable message: {e}"}}"#)
    })
}

/// What the counter says to a hello of `version`.
pub fn greet(version: u32) -> ServerMsg {
    if version == PROTOCOL_VERSION {
        ServerMsg::Welcome {
            version: PROTOCOL_VERSION,
        }
    } else {
        ServerMsg::WrongVersion {
            counter_version: PROTOCOL_VERSION,
            message: format!(
                "this counter speaks qrtill protocol version {PROTOCOL_VERSION}, the client \
                 speaks version {version}: run the same qrtill build for the counter and its screens"
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hello_reads_from_its_documented_form() {
        let msg: ClientMsg =
            serde_json::from_str(r#"{"type":"hello","version":1,"role":"display"}"#)
                .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            msg,
            ClientMsg::Hello {
                version: 1,
                role: Role::Display
            }
        );
        let bad = serde_json::from_str::<ClientMsg>(r#"{"type":"hello","version":1,"x":1}"#);
        assert!(bad.is_err(), "unknown keys are refused");
    }

    #[test]
    fn another_version_is_told_both_versions() {
        assert_eq!(greet(PROTOCOL_VERSION), ServerMsg::Welcome { version: 1 });
        match greet(PROTOCOL_VERSION + 1) {
            ServerMsg::WrongVersion {
                counter_version,
                message,
            } => {
                assert_eq!(counter_version, PROTOCOL_VERSION);
                assert!(message.contains("version 2"), "{message}");
            }
            other => panic!("expected WrongVersion, got {other:?}"),
        }
    }

    #[test]
    fn every_action_survives_the_wire() {
        for a in [
            PhoneAction::ShowCode,
            PhoneAction::PresentCode,
            PhoneAction::ScanCounterQr,
            PhoneAction::Tap,
            PhoneAction::EnterPassword,
            PhoneAction::RefusePassword,
            PhoneAction::CancelOnPhone,
            PhoneAction::LowBalance,
            PhoneAction::ToggleOffline,
        ] {
            let line = to_line(&WireAction::from(a));
            let back: WireAction = serde_json::from_str(&line).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(PhoneAction::from(back), a);
        }
    }
}
