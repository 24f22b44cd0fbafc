//! Carries out the shift screens' effects with the same code as `qrtill shift`: the journal's
//! `open_shift_with`, the X report for the expected cash, and `report::close_with_z`.

use super::Runtime;
use crate::checkout::{Event, OpenShift, ShiftEffect, ShiftNews};
use crate::clock::{Clock, Timestamp};
use crate::journal::ShiftError;

impl<C: Clock> Runtime<C> {
    pub(super) fn execute_shift(&mut self, effect: ShiftEffect, now: Timestamp) -> Option<Event> {
        let Some(config) = self.checkout.shift_desk().config.clone() else {
            let why = "this counter has no store config for shifts".to_string();
            return Some(Event::Shift(match effect {
                ShiftEffect::Open { .. } => ShiftNews::Opened(Err(why)),
                ShiftEffect::Expect => ShiftNews::Expected(Err(why)),
                ShiftEffect::Close { .. } => ShiftNews::Closed(Err(why)),
            }));
        };
        let lane = config.store.lane_id.clone();
        let news = match effect {
            ShiftEffect::Open { cashier, float } => {
                match self.journal.open_shift_with(&lane, &cashier, &float, now) {
                    Ok(row) => {
                        tracing::info!(shift = row.id, cashier = %row.cashier, float = float.total_minor(), "shift opened at the counter");
                        ShiftNews::Opened(Ok(OpenShift {
                            id: row.id,
                            cashier: row.cashier,
                        }))
                    }
                    // Opened elsewhere (`qrtill shift open`) since the counter started: sell in it.
                    Err(ShiftError::AlreadyOpen { shift, cashier, .. }) => {
                        tracing::info!(shift, "a shift was already open: the counter joins it");
                        ShiftNews::Opened(Ok(OpenShift { id: shift, cashier }))
                    }
                    Err(e) => {
                        tracing::error!(error = %e, "shift not opened");
                        ShiftNews::Opened(Err(e.to_string()))
                    }
                }
            }
            ShiftEffect::Expect => {
                ShiftNews::Expected(match crate::report::x_report(&self.journal, &config, now) {
                    Ok(Some(report)) => Ok(Box::new(report)),
                    Ok(None) => Err(format!("no shift is open on lane {lane}")),
                    Err(e) => Err(e.to_string()),
                })
            }
            ShiftEffect::Close {
                counted,
                closed_by,
                approved_by,
            } => {
                let closed = crate::report::close_with_z(
                    &mut self.journal,
                    &config,
                    &counted,
                    &closed_by,
                    approved_by.as_deref(),
                    now,
                );
                ShiftNews::Closed(match closed {
                    Ok((z, report)) => {
                        tracing::info!(
                            z = z.z_no,
                            shift = z.shift_id,
                            "shift closed at the counter"
                        );
                        // On paper too, to the receipts' printer.
                        self.printer.submit_report(&report);
                        Ok(Box::new(report))
                    }
                    Err(e) => {
                        tracing::error!(error = %e, "shift not closed");
                        Err(e.to_string())
                    }
                })
            }
        };
        Some(Event::Shift(news))
    }
}
