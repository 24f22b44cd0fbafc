//! (in progress)
pub mod qr;
