//! The checkout: basket, tax, tenders and the pure state machine that drives a sale.
mod action;
pub mod attempt;
pub mod basket;
pub mod cash;
pub mod entry;
pub mod history;
pub mod history_filter;
mod machine;
mod notice;
mod pay;
pub mod payment;
mod pin_prompt;
pub mod refund;
pub mod sale;
mod screens;
pub mod slip;
pub mod tax;

pub use action::{Action, Effect, Event, NetReply};
pub use machine::{
    Checkout, CheckoutSettings, Notice, NoticeLevel, PrintStatus, Screen, SearchState,
};
pub use sale::CompletedSale;
pub use screens::refund::{RefundDesk, RefundScreen, Stage as RefundStage};
pub use screens::refund_io::{RefundEffect, RefundNews};
pub use screens::shift_io::{OpenShift, ShiftEffect, ShiftNews};
pub use screens::shift_screen::{
    CloseReview, CountEntry, Resume, ShiftDesk, ShiftScreen, ShiftStage, TenderRow,
};
pub use screens::training::TrainingPrompt;
