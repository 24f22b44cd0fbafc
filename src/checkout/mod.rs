//! The checkout: basket, tax, tenders and the pure state machine that drives a sale.
mod action;
pub mod basket;
pub mod cash;
mod machine;
pub mod payment;
pub mod sale;
pub mod slip;
pub mod tax;
mod wallet_flow;

pub use action::{Action, Effect, Event, NetReply};
pub use machine::{
    Checkout, CheckoutSettings, Notice, NoticeLevel, PrintStatus, Screen, SearchState,
};
pub use sale::CompletedSale;
