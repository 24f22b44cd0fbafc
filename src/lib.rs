//! qrtill: a point-of-sale counter in a terminal.
//!
//! The core (`money`, `catalog`, `checkout`, `emv`, `network`, `receipt`, `journal`) knows no
//! terminal; `ui` is one adapter over the shared `runtime`.
pub mod catalog;
pub mod checkout;
pub mod cli;
pub mod clock;
pub mod config;
pub mod data_dir;
pub mod emv;
pub mod harness;
pub mod journal;
pub mod link;
pub mod money;
pub mod netserve;
pub mod network;
pub mod pin;
pub mod printer;
pub mod receipt;
pub mod reconcile;
mod reconcile_refunds;
pub mod report;
pub mod runtime;
pub mod scenario;
pub mod settlement;
pub mod shift;
pub mod store;
pub mod ui;
