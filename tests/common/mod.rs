//! Helpers shared by the receipt tests: golden files and a small ESC/POS decoder.
#![allow(dead_code)]

pub mod escpos_decoder;
pub mod golden;
