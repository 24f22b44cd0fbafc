//! Wallet settlement: the files the simulated network writes per settlement date (one for the
//! acquirer, one per wallet, in the style of Alipay and WeChat Pay bill downloads), and the
//! match of such a file against the journal and the Z reports (`qrtill settle FILE`).

mod file;
mod matcher;
mod write;

pub use file::{FileError, Row, RowType, SettlementFile, fee_for, parse};
pub use matcher::{Mismatch, Outcome, ZShare, settle};
pub use write::{SettlementSettings, write_files};
