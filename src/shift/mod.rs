//! A cashier's shift at one lane: opened with a float counted by denomination, cash paid in and
//! out with a reason, "no sale" drawer openings, and a blind count at close. Pure data and
//! rules; the journal stores it (`journal/shifts.rs`), the reports read it (`report`).
//!
//! Amounts inside a shift are integer minor units of the store currency (cents for USD): sums
//! of whole cents need no rounding.

mod count;
mod drawer;

pub use count::{Count, CountError, DrawerSettings, minor_text};
pub use drawer::{CashMove, MoveKind, needs_pin};
