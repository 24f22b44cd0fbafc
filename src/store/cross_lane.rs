//! Returns across lanes: another lane's sale read back from the store by its receipt
//! reference, what is left to refund of it, a reservation given back when the network refused
//! the refund, and the refunds a lane made of its own sales while the store was away, recorded
//! late (they happened: the money is gone) and flagged when they went past the sale.

use super::StoreError;
use crate::checkout::sale::CompletedSale;

/// Sale `sale_no` of lane `lane_id`, as the lane journaled it; `None` when the store does not
/// hold it (never sold, or not replicated yet).
pub fn fetch_sale(
    client: &mut postgres::Client,
    store_id: &str,
    lane_id: &str,
    sale_no: u64,
) -> Result<Option<CompletedSale>, StoreError> {
    let Some(row) = client.query_opt(
        "SELECT body FROM sales WHERE store_id = $1 AND lane_id = $2 AND sale_no = $3",
        &[&store_id, &lane_id, &(sale_no as i64)],
    )?
    else {
        return Ok(None);
    };
    let body: String = row.get(0);
    serde_json::from_str(&body).map(Some).map_err(|e| {
        StoreError::Report(format!(
            "sale {sale_no} of lane {lane_id} in the store does not read back: {e}"
        ))
    })
}

/// What may still be refunded of a sale across all lanes (minor units), or `None` when the
/// store does not hold the sale.
pub fn remaining(
    client: &mut postgres::Client,
    store_id: &str,
    lane_id: &str,
    sale_no: u64,
) -> Result<Option<i64>, StoreError> {
    let row = client.query_opt(
        "SELECT s.total_minor - coalesce((SELECT sum(r.amount_minor) FROM refunds r
                 WHERE r.store_id = s.store_id AND r.sale_lane = s.lane_id
                   AND r.sale_no = s.sale_no), 0)::bigint
         FROM sales s WHERE s.store_id = $1 AND s.lane_id = $2 AND s.sale_no = $3",
        &[&store_id, &lane_id, &(sale_no as i64)],
    )?;
    Ok(row.map(|r| r.get(0)))
}

/// Gives back the reservation of a refund the network refused for good (it moved no money).
/// Returns whether there was one.
pub fn release(
    client: &mut postgres::Client,
    store_id: &str,
    refund_id: &str,
) -> Result<bool, StoreError> {
    let n = client.execute(
        "DELETE FROM refunds WHERE store_id = $1 AND refund_id = $2",
        &[&store_id, &refund_id],
    )?;
    Ok(n > 0)
}

/// A refund a lane made of its own sale while the store was unreachable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LateRefund {
    pub refund_id: String,
    pub sale_lane: String,
    pub sale_no: u64,
    pub amount_minor: i64,
}

/// What recording late refunds found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LateRecorded {
    /// Newly recorded now.
    pub recorded: u64,
    /// Their sales are not in the store yet: tried again next time.
    pub waiting: u64,
    /// Sales refunded past their total once these were counted (another lane refunded the
    /// same sale meanwhile): `(lane, sale_no, over by, minor units)`, for the manager.
    pub over: Vec<(String, u64, i64)>,
}

/// Records `late` refunds by `by_lane`, each once (keyed by refund id), without the remainder
/// check: the money already went back. A sale that ends up over its total is reported.
pub fn record_late(
    client: &mut postgres::Client,
    store_id: &str,
    by_lane: &str,
    late: &[LateRefund],
) -> Result<LateRecorded, StoreError> {
    let mut out = LateRecorded::default();
    for r in late {
        let mut tx = client.transaction()?;
        let sale = tx.query_opt(
            "SELECT total_minor FROM sales
             WHERE store_id = $1 AND lane_id = $2 AND sale_no = $3 FOR UPDATE",
            &[&store_id, &r.sale_lane, &(r.sale_no as i64)],
        )?;
        let Some(sale) = sale else {
            out.waiting += 1;
            continue;
        };
        let total: i64 = sale.get(0);
        let n = tx.execute(
            "INSERT INTO refunds (store_id, refund_id, sale_lane, sale_no, by_lane, amount_minor)
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
            &[
                &store_id,
                &r.refund_id,
                &r.sale_lane,
                &(r.sale_no as i64),
                &by_lane,
                &r.amount_minor,
            ],
        )?;
        if n == 1 {
            out.recorded += 1;
            let refunded: i64 = tx
                .query_one(
                    "SELECT coalesce(sum(amount_minor), 0)::bigint FROM refunds
                     WHERE store_id = $1 AND sale_lane = $2 AND sale_no = $3",
                    &[&store_id, &r.sale_lane, &(r.sale_no as i64)],
                )?
                .get(0);
            if refunded > total {
                out.over
                    .push((r.sale_lane.clone(), r.sale_no, refunded - total));
            }
        }
        tx.commit()?;
    }
    Ok(out)
}

/// Refund ids `by_lane` already has in the store, among `ids`.
pub fn known_refunds(
    client: &mut postgres::Client,
    store_id: &str,
    ids: &[String],
) -> Result<Vec<String>, StoreError> {
    let rows = client.query(
        "SELECT refund_id FROM refunds WHERE store_id = $1 AND refund_id = ANY($2)",
        &[&store_id, &ids],
    )?;
    Ok(rows.into_iter().map(|r| r.get(0)).collect())
}
