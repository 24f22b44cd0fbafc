//! (in progress)
pub mod qr_code;
