//! Second screens and the audience's phone: the counter publishes what the shopper side sees
//! (basket, total, the QR, the result, every shopper's phone) and takes shopper phone actions
//! back. Over a Unix socket in the data directory (`qrtill display`, `qrtill phone`) and, with
//! `--web-phone`, over HTTP to a real phone's browser (`web`). The counter never waits for any
//! of them: publishing is a non-blocking send into a bounded per-client queue.

pub mod answer;
pub mod attach;
pub mod client;
pub mod events;
pub mod protocol;
pub mod publisher;
pub mod server;
pub mod snapshot;
pub mod web;

pub use answer::{Answer, Guard, ReplyTo, Request};
pub use snapshot::CounterState;
