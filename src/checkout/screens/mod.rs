//! One key handler per screen of the checkout.
mod basket;
mod cash;
mod confirm_clear;
mod pay;
mod quantity;
mod receipt;
mod search;
