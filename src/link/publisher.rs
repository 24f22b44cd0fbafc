//! The observer the counter runs for its second screens: it captures the shopper-side state,
//! keeps the web phone's tokens in step with the payment on screen, and broadcasts the state
//! when it changed.

use super::protocol::ServerMsg;
use super::server::LinkServer;
use super::snapshot::CounterState;
use super::web::WebPhone;
use crate::checkout::Checkout;
use crate::clock::Timestamp;
use crate::network::Network;
use crate::runtime::StateObserver;

pub struct Publisher {
    pub store: String,
    pub link: Option<LinkServer>,
    pub web: Option<WebPhone>,
    last: Option<CounterState>,
}

impl Publisher {
    pub fn new(store: String, link: Option<LinkServer>, web: Option<WebPhone>) -> Self {
        Self {
            store,
            link,
            web,
            last: None,
        }
    }
}

impl StateObserver for Publisher {
    fn observe(&mut self, checkout: &Checkout, network: &Network, now: Timestamp) {
        if let Some(web) = &self.web {
            web.sync(checkout, now);
        }
        let Some(link) = &self.link else {
            return;
        };
        let web = self.web.as_ref();
        let state = CounterState::capture(checkout, network, now, &self.store, &|p| {
            web.and_then(|w| w.url_for(p))
        });
        // Only the clock moved: nothing a screen shows changed.
        let same = self.last.as_ref().is_some_and(|l| {
            CounterState {
                now_ms: state.now_ms,
                ..l.clone()
            } == state
        });
        if !same {
            link.broadcast(&ServerMsg::State(Box::new(state.clone())));
            self.last = Some(state);
        }
    }

    fn qr_text(&self, payload: &str) -> Option<String> {
        self.web.as_ref()?.url_for(payload)
    }
}
