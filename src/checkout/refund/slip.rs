//! The refund slip of a journaled refund: the figures come from the journal record and the
//! wallet's answer, never recomputed here.

use super::flow::Status;
use crate::checkout::sale::{CompletedSale, SaleTender};
use crate::checkout::slip::{SlipStore, sale_reference, slip_language};
use crate::journal::{RefundKind, RefundRecord, RefundState};
use crate::money::Money;
use crate::receipt::ReceiptTime;
use crate::receipt::model::ReportedRate;
use crate::receipt::refund::{RefundSlip, RefundSlipLine, RefundSlipStatus, RefundTender};

/// The slip for `record` of `sale`; `status` is the flow's result when it just ran.
pub fn refund_slip(
    config: &impl SlipStore,
    sale: &CompletedSale,
    record: &RefundRecord,
    status: Option<&Status>,
    refunded_so_far: Money,
) -> RefundSlip {
    let r = &record.refund;
    let tender = match (&sale.tender, r.tender.as_str()) {
        (_, "cash") => RefundTender::Cash,
        (SaleTender::Card(c), _) => RefundTender::Card {
            brand: c.brand.clone(),
            masked_pan: c.masked_pan.clone(),
        },
        (SaleTender::Wallet(w), _) => RefundTender::Wallet {
            brand: w.brand.clone(),
            wallet_amount: record.settled_wallet_amount.or(r.wallet_amount),
            rate: r.rate.and_then(|rate| {
                let wallet = w.wallet_amount?;
                Some(ReportedRate {
                    rate,
                    pair: format!(
                        "{}/{}",
                        sale.total.currency().code(),
                        wallet.currency().code()
                    ),
                })
            }),
            network_id: record.network_id.clone(),
        },
        (SaleTender::Cash { .. }, _) => RefundTender::Cash,
    };
    let slip_status = match (status, record.state) {
        (Some(Status::Refused { code, message, .. }), _) => {
            RefundSlipStatus::Refused(format!("{code}: {message} {}", code.cashier_advice()))
        }
        (_, RefundState::Settled) => RefundSlipStatus::Refunded,
        (_, RefundState::Failed) => {
            RefundSlipStatus::Refused(record.detail.clone().unwrap_or_default())
        }
        _ => RefundSlipStatus::Open,
    };
    let lines = r
        .lines
        .iter()
        .filter_map(|l| {
            let sold = sale.lines.get(l.line as usize)?;
            Some(RefundSlipLine {
                name: sold.name.clone(),
                qty: l.qty,
                amount: l.amount,
            })
        })
        .collect();
    RefundSlip {
        store_name: config.store_name().to_string(),
        address_lines: config.address_lines().to_vec(),
        store_id: config.store_id().to_string(),
        // Where the refund is made; "Original sale" and its reference name the sale's lane.
        lane_id: config.lane_id().to_string(),
        terminal_id: config.terminal_id().to_string(),
        cashier: config.cashier().to_string(),
        refund_number: record.refund_no,
        void: r.kind == RefundKind::Void,
        time: ReceiptTime {
            at: record.updated_at,
            utc_offset_minutes: config.utc_offset_minutes(),
        },
        sale_reference: sale_reference(config, sale),
        sale_number: sale.sale_no,
        reason: r.reason.clone(),
        lines,
        tax: r.tax,
        total: r.amount,
        tender,
        status: slip_status,
        refunded_so_far,
        refund_request_id: r.refund_request_id.clone(),
        lang: slip_language(config, sale),
    }
}
