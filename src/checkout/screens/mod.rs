//! One key handler per screen of the checkout.
mod basket;
mod cash;
mod confirm_clear;
mod history;
mod pay;
mod pin_entry;
mod quantity;
mod receipt;
pub mod refund;
pub mod refund_io;
mod search;
pub mod shift_io;
pub mod shift_screen;
pub mod training;
