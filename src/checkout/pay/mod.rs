//! Payments at the checkout: starting attempts, and routing what comes back to the attempt
//! machine (`checkout/attempt`).
mod route;
mod start;
