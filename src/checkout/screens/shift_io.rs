//! What the shift screens ask of the runtime, and what comes back. One pair of enums, so the
//! shared `Effect` and `Event` each gain one variant (carried out in `runtime/shift_desk.rs`).

use crate::report::Report;
use crate::shift::Count;

/// Effects of the shift screens.
#[derive(Debug, Clone, PartialEq)]
pub enum ShiftEffect {
    /// Journal a new shift with its counted float; reply `Opened`.
    Open { cashier: String, float: Count },
    /// Read the open shift's X report (the expected cash), after the blind count; reply
    /// `Expected`.
    Expect,
    /// Close the open shift with the blind count and write its Z; reply `Closed`.
    Close {
        counted: Count,
        closed_by: String,
        approved_by: Option<String>,
    },
}

/// The lane's open shift as the counter knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenShift {
    pub id: i64,
    pub cashier: String,
}

/// Replies to the shift screens' effects (`Err` carries the reason, for the screen).
#[derive(Debug, Clone, PartialEq)]
pub enum ShiftNews {
    Opened(Result<OpenShift, String>),
    Expected(Result<Box<Report>, String>),
    Closed(Result<Box<Report>, String>),
}
