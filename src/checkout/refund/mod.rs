//! Refunds and post-voids: pure planning (`plan`) and the refund attempt machine (`flow`).

pub mod plan;

pub use plan::{Basis, Choice, Plan, PlanError, Taken};
