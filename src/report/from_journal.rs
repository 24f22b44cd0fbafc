//! Reports read from the journal: X of the open shift, Z written at close, stored Z read back.

use super::figures::{RefundFigures, Report, build};
use crate::clock::Timestamp;
use crate::config::Config;
use crate::journal::{Journal, JournalError, RefundKind, ShiftError, ZRow};
use crate::shift::Count;

/// Settled refunds and post-voids on `lane` between `from` and `to` (the shift's span).
pub fn refund_figures(
    journal: &Journal,
    lane: &str,
    from: Timestamp,
    to: Timestamp,
) -> Result<RefundFigures, JournalError> {
    let mut f = RefundFigures::default();
    for r in journal.refunds_between(from, to)? {
        if r.lane_id != lane {
            continue;
        }
        let minor = r.amount.to_minor();
        match r.kind {
            RefundKind::Void => {
                f.post_void_count += 1;
                f.post_void_minor += minor;
            }
            RefundKind::Refund => {
                f.refund_count += 1;
                f.refund_minor += minor;
            }
        }
        if r.tender == "cash" {
            f.cash_refund_minor += minor;
        }
    }
    Ok(f)
}

/// The X report of the open shift on the configured lane at `now`, or `None` without one.
pub fn x_report(
    journal: &Journal,
    config: &Config,
    now: Timestamp,
) -> Result<Option<Report>, ShiftError> {
    let lane = &config.store.lane_id;
    let Some(shift) = journal.open_shift(lane)? else {
        return Ok(None);
    };
    let data = journal.shift_data(shift.id)?;
    // Up to and including `now`.
    let refunds = refund_figures(journal, lane, shift.opened_at, Timestamp(now.0 + 1))?;
    Ok(Some(build(
        &data,
        refunds,
        None,
        config.currency(),
        config.store.utc_offset_minutes,
    )))
}

/// Closes the open shift with the blind count and writes its Z (report JSON as the body).
pub fn close_with_z(
    journal: &mut Journal,
    config: &Config,
    counted: &Count,
    closed_by: &str,
    approved_by: Option<&str>,
    now: Timestamp,
) -> Result<(ZRow, Report), ShiftError> {
    let lane = config.store.lane_id.clone();
    let Some(shift) = journal.open_shift(&lane)? else {
        return Err(ShiftError::NoOpenShift { lane });
    };
    let refunds = refund_figures(journal, &lane, shift.opened_at, Timestamp(now.0 + 1))?;
    let mut report = None;
    let z = journal.close_shift(&lane, counted, closed_by, approved_by, now, |n, data| {
        let r = build(
            data,
            refunds,
            Some((n, now, counted)),
            config.currency(),
            config.store.utc_offset_minutes,
        );
        let body = serde_json::to_string(&r).unwrap_or_default();
        report = Some(r);
        body
    })?;
    match report {
        Some(r) => Ok((z, r)),
        None => Err(ShiftError::NoOpenShift { lane }),
    }
}

/// Z report `n` (latest when `None`) of the configured lane, as written at its close.
pub fn stored_z(
    journal: &Journal,
    lane: &str,
    n: Option<i64>,
) -> Result<Option<Report>, JournalError> {
    let Some(z) = journal.z_report(lane, n)? else {
        return Ok(None);
    };
    serde_json::from_str(&z.body)
        .map(Some)
        .map_err(|e| JournalError::Corrupt {
            path: journal.path().to_path_buf(),
            detail: format!("Z{} of lane {lane}: {e}", z.z_no),
        })
}
