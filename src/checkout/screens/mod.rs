//! One key handler per screen of the checkout.
mod basket;
mod cash;
mod confirm_clear;
mod history;
mod pay;
mod quantity;
mod receipt;
mod search;
