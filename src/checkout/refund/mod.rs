//! Refunds and post-voids: pure planning (`plan`), the refund attempt machine (`flow`), the
//! store's refund policy (`policy`) and the driver that runs a refund at the counter (`desk`).

pub mod desk;
pub mod flow;
pub mod plan;
pub mod policy;
pub mod slip;

pub use flow::{RefundAttempt, Route, Status, Step};
pub use plan::{Basis, Choice, Plan, PlanError, Taken};
