//! Refunds across lanes: a sale replicated from any lane can be refunded at any other, and the
//! refundable remainder is reserved in PostgreSQL under a row lock on the sale (`FOR UPDATE`),
//! so two lanes refunding the same sale at once are served one after the other and together
//! never take back more than was paid. The reservation is idempotent by refund id.

use super::StoreError;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reservation {
    /// Reserved; `remaining` is what may still be refunded afterwards (minor units).
    Reserved { remaining: i64 },
    /// This refund id was reserved before (a retry): nothing new is taken.
    AlreadyReserved { amount_minor: i64 },
    /// More than is left: nothing is reserved.
    Exceeds { remaining: i64 },
    /// The store holds no such sale (not sold, or not replicated yet).
    UnknownSale,
}

/// One refund to reserve: `amount_minor` of sale `sale_no` of lane `sale_lane`, asked by
/// lane `by_lane` under its idempotency key `refund_id`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefundAsk<'a> {
    pub store_id: &'a str,
    pub refund_id: &'a str,
    pub sale_lane: &'a str,
    pub sale_no: i64,
    pub by_lane: &'a str,
    pub amount_minor: i64,
}

pub fn reserve(
    client: &mut postgres::Client,
    ask: &RefundAsk<'_>,
) -> Result<Reservation, StoreError> {
    let mut tx = client.transaction()?;
    // The row lock: a second reservation on this sale waits here until the first commits.
    let Some(sale) = tx.query_opt(
        "SELECT total_minor FROM sales
         WHERE store_id = $1 AND lane_id = $2 AND sale_no = $3 FOR UPDATE",
        &[&ask.store_id, &ask.sale_lane, &ask.sale_no],
    )?
    else {
        return Ok(Reservation::UnknownSale);
    };
    let total: i64 = sale.get(0);
    if let Some(prev) = tx.query_opt(
        "SELECT amount_minor FROM refunds WHERE store_id = $1 AND refund_id = $2",
        &[&ask.store_id, &ask.refund_id],
    )? {
        return Ok(Reservation::AlreadyReserved {
            amount_minor: prev.get(0),
        });
    }
    let refunded: i64 = tx
        .query_one(
            "SELECT coalesce(sum(amount_minor), 0)::bigint FROM refunds
             WHERE store_id = $1 AND sale_lane = $2 AND sale_no = $3",
            &[&ask.store_id, &ask.sale_lane, &ask.sale_no],
        )?
        .get(0);
    let remaining = total - refunded;
    if ask.amount_minor <= 0 || ask.amount_minor > remaining {
        return Ok(Reservation::Exceeds { remaining });
    }
    tx.execute(
        "INSERT INTO refunds (store_id, refund_id, sale_lane, sale_no, by_lane, amount_minor)
         VALUES ($1, $2, $3, $4, $5, $6)",
        &[
            &ask.store_id,
            &ask.refund_id,
            &ask.sale_lane,
            &ask.sale_no,
            &ask.by_lane,
            &ask.amount_minor,
        ],
    )?;
    tx.commit()?;
    Ok(Reservation::Reserved {
        remaining: remaining - ask.amount_minor,
    })
}
