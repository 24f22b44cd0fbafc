//! Captions for the demo: what each step shows the audience, in one sentence. A step's own
//! `caption` wins; otherwise one is made from the step.

use super::format::{FaultStep, ReplyFault, RestartKind, Step, StepKind};
use crate::network::Network;

/// The caption for `step`; `network` names the shoppers and their wallets.
pub fn caption(step: &Step, network: &Network) -> String {
    if let Some(c) = &step.caption {
        return c.clone();
    }
    let who = |id: &str| -> String {
        let book = network.book();
        match book.shoppers().iter().find(|s| s.id.0 == id) {
            Some(s) => match book.wallet(&s.wallet) {
                Some(w) => format!("{} ({})", first_name(&s.name), w.brand),
                None => first_name(&s.name),
            },
            None => id.to_string(),
        }
    };
    use crate::runtime::PhoneAction as P;
    match &step.kind {
        StepKind::Scan(code) => format!("The cashier scans {code}"),
        StepKind::Type(text) => format!("The cashier types {text:?}"),
        StepKind::Rescan(shopper) => {
            format!(
                "The cashier scans {}'s old payment code again",
                who(shopper)
            )
        }
        StepKind::Key { key, .. } => match key.name {
            "pay-code" => {
                "The cashier picks \"payment code\" and waits for the shopper's code".into()
            }
            "pay-qr" => "The counter shows a QR code for the shopper's wallet".into(),
            "pay-tap" => "The counter waits for a phone to tap the reader".into(),
            "pay-card" => "The cashier takes a contactless card".into(),
            "pay-cash" => "The shopper pays cash".into(),
            "pay-static" => "The counter shows the store's static entry code".into(),
            "back" => "The cashier presses Esc (cancel / back)".into(),
            "enter" => "The cashier presses Enter".into(),
            other => format!("The cashier presses {other}"),
        },
        StepKind::Phone {
            shopper, action, ..
        } => {
            let w = who(shopper);
            match action {
                P::ShowCode => format!("{w} opens the payment code"),
                P::PresentCode => format!("{w} holds the payment code under the scanner"),
                P::ScanCounterQr => format!("{w} scans the counter's QR"),
                P::Tap => format!("{w} taps the phone on the reader"),
                P::EnterPassword => format!("{w} types the password"),
                P::RefusePassword => format!("{w} refuses to enter the password"),
                P::CancelOnPhone => format!("{w} cancels on the phone"),
                P::LowBalance => format!("{w}'s wallet is almost empty"),
                P::ToggleOffline => format!("{w}'s phone loses (or finds) the network"),
            }
        }
        StepKind::Fault(FaultStep::Reply { call, fault, times }) => {
            let what = match fault {
                ReplyFault::Drop => "is lost on the way back".to_string(),
                ReplyFault::Throttle => "is throttled (too many requests)".to_string(),
                ReplyFault::SystemError => "meets a system error".to_string(),
                ReplyFault::Delay(d) => format!("arrives {} s late", d.as_millis() / 1000),
                ReplyFault::Duplicate => "arrives twice".to_string(),
            };
            let call = format!("{call:?}").to_lowercase();
            if *times > 1 {
                format!("The network: the next {times} {call} replies each {what}")
            } else {
                format!("The network: the next {call} reply {what}")
            }
        }
        StepKind::Fault(FaultStep::Offline { shopper, offline }) => {
            if *offline {
                format!("{}'s phone goes offline", who(shopper))
            } else {
                format!("{}'s phone is back online", who(shopper))
            }
        }
        StepKind::Wait(d) => format!("Time passes: {} s", d.as_millis() / 1000),
        StepKind::Until { status, .. } => format!("Waiting until the counter shows {status}"),
        StepKind::Balance { shopper, amount } => {
            format!("{}'s balance is set to {amount}", who(shopper))
        }
        StepKind::Restart { kind, .. } => match kind {
            RestartKind::Counter => "The counter restarts".into(),
            RestartKind::Replacement => "A replacement counter takes over the lane".into(),
        },
        StepKind::Recover => "The counter resolves the payments left open".into(),
        StepKind::Refund { lines, cash, .. } => {
            let what = if lines.is_some() {
                "part of the sale"
            } else {
                "the sale"
            };
            let how = if *cash { " in cash" } else { "" };
            format!("The cashier refunds {what}{how}")
        }
        StepKind::Expect(e) => match &e.status {
            Some(s) => format!("Check: the counter shows {s}"),
            None => "Check: the journal and the network agree".into(),
        },
    }
}

fn first_name(name: &str) -> String {
    name.split(" (").next().unwrap_or(name).to_string()
}
