//! The payment network as a service: `qrtill network serve` runs the simulated acquirer,
//! wallets and card issuer in one long-running process behind an HTTP JSON API, and lanes reach
//! it through `RemoteNetwork`, which offers the runtime the same calls as the in-process
//! `Network` (the `PaymentLink` seam).

pub mod client;
mod events;
pub mod link;
pub mod server;
pub mod wire;

pub use client::RemoteNetwork;
pub use link::PaymentLink;
pub use server::{ServeOptions, serve};

/// The start of every payment request id this lane sends (`S<store>L<lane>A<seq>`), so it
/// receives only its own notifications.
pub fn lane_prefix(config: &crate::config::Config) -> String {
    format!("S{}L{}A", config.store.store_id, config.store.lane_id)
}

/// Points the runtime's payments at the service in `network.url`, when the config names one.
pub fn attach<C: crate::clock::Clock>(
    runtime: &mut crate::runtime::Runtime<C>,
    config: &crate::config::Config,
) {
    if let Some(url) = &config.network.url {
        runtime.use_remote(Box::new(RemoteNetwork::connect(url, &lane_prefix(config))));
    }
}
