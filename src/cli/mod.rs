//! (in progress)

pub mod catalog;
