//! Phone actions that arrive from outside the counter (a `qrtill phone`, the web phone) and how
//! the counter's loop carries them out: through the same `Runtime::phone` as the phone pane.

use crate::checkout::Screen;
use crate::clock::Clock;
use crate::network::{PhoneScreen, ShopperId};
use crate::runtime::{PhoneAction, Runtime};
use std::fmt;
use std::sync::Arc;

/// A shopper's action for the counter's loop, with where its answer goes.
#[derive(Clone, PartialEq, Eq)]
pub struct Request {
    pub shopper: String,
    pub action: PhoneAction,
    /// Set by the web phone: the action is refused unless it is about this payment.
    pub guard: Option<Guard>,
    pub reply: ReplyTo,
}

impl fmt::Debug for Request {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Request")
            .field("shopper", &self.shopper)
            .field("action", &self.action)
            .field("guard", &self.guard)
            .finish_non_exhaustive()
    }
}

/// The payment a web token opens: nothing else may be paid with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Guard {
    pub request_id: String,
}

/// The counter's answer to one request.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    pub ok: bool,
    pub message: String,
    /// The shopper's phone after the action.
    pub screen: Option<PhoneScreen>,
}

/// Where an answer goes. It must not block: the link queues it, the web phone hands it to a
/// waiting request.
#[derive(Clone)]
pub struct ReplyTo(pub Arc<dyn Fn(Answer) + Send + Sync>);

impl ReplyTo {
    pub fn new(f: impl Fn(Answer) + Send + Sync + 'static) -> Self {
        Self(Arc::new(f))
    }
}

impl PartialEq for ReplyTo {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl Eq for ReplyTo {}

/// Carries out `request` on the counter and sends the answer back.
pub fn carry_out<C: Clock>(runtime: &mut Runtime<C>, request: Request) {
    let shopper = ShopperId(request.shopper.clone());
    let answer = match refusal(runtime, &shopper, &request) {
        Some(why) => Answer {
            ok: false,
            message: why,
            screen: runtime.phone_screen(&shopper),
        },
        None => {
            let result = runtime.phone(&shopper, request.action);
            let (ok, message) = match result {
                Ok(m) => (true, m),
                Err(m) => (false, m),
            };
            Answer {
                ok,
                message,
                screen: runtime.phone_screen(&shopper),
            }
        }
    };
    tracing::info!(shopper = %request.shopper, action = ?request.action, ok = answer.ok, "remote phone action");
    (request.reply.0)(answer);
}

/// Why a guarded request may not act: a web token opens only its own payment.
fn refusal<C: Clock>(
    runtime: &Runtime<C>,
    shopper: &ShopperId,
    request: &Request,
) -> Option<String> {
    let guard = request.guard.as_ref()?;
    let closed = || Some("This payment is closed: ask the cashier for a new code.".to_string());
    match request.action {
        PhoneAction::ScanCounterQr => {
            let current = match &runtime.checkout.screen {
                Screen::Pay(p) if p.status.is_live() => p.attempt.as_ref(),
                _ => None,
            };
            match current {
                Some(a) if a.request_id == guard.request_id => None,
                _ => closed(),
            }
        }
        PhoneAction::EnterPassword | PhoneAction::RefusePassword => {
            match runtime.phone_screen(shopper) {
                Some(PhoneScreen::Confirm {
                    payment_request_id, ..
                }) if payment_request_id == guard.request_id => None,
                _ => closed(),
            }
        }
        _ => Some("The web phone cannot do that.".to_string()),
    }
}
