//! (in progress)

pub mod basket;
pub mod tax;
