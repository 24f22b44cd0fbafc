//! Store reports, read from the aggregates replication keeps (`day_totals`, `lanes`), so a
//! store Z costs the same over ten sales or ten million.

use super::StoreError;
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ZLine {
    pub lane_id: String,
    pub currency: String,
    pub tender: String,
    pub sales: i64,
    /// In the currency's minor units (cents), summed exactly.
    pub total_minor: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoreZ {
    pub store_id: String,
    pub business_date: String,
    pub lines: Vec<ZLine>,
}

impl StoreZ {
    /// Sales and total per currency over every lane and tender.
    pub fn totals(&self) -> Vec<(String, i64, i64)> {
        let mut out: Vec<(String, i64, i64)> = Vec::new();
        for l in &self.lines {
            match out.iter_mut().find(|(c, _, _)| *c == l.currency) {
                Some(t) => {
                    t.1 += l.sales;
                    t.2 += l.total_minor;
                }
                None => out.push((l.currency.clone(), l.sales, l.total_minor)),
            }
        }
        out
    }

    pub fn text(&self) -> String {
        let mut s = format!(
            "Store {} Z report for {}\n",
            self.store_id, self.business_date
        );
        s.push_str(&format!(
            "{:<6} {:<8} {:<8} {:>7} {:>14}\n",
            "lane", "tender", "currency", "sales", "total"
        ));
        for l in &self.lines {
            s.push_str(&format!(
                "{:<6} {:<8} {:<8} {:>7} {:>14}\n",
                l.lane_id,
                l.tender,
                l.currency,
                l.sales,
                minor_text(l.total_minor, &l.currency)
            ));
        }
        for (currency, sales, total) in self.totals() {
            s.push_str(&format!(
                "{:<6} {:<8} {:<8} {:>7} {:>14}\n",
                "all",
                "all",
                currency,
                sales,
                minor_text(total, &currency)
            ));
        }
        s
    }
}

/// Minor units as a decimal amount in `currency` (ISO 4217 exponent; exact, no rounding).
fn minor_text(minor: i64, currency: &str) -> String {
    let exp = crate::money::currency_from_code(currency)
        .ok()
        .and_then(|c| crate::money::minor_units(c).ok())
        .unwrap_or(2);
    rust_decimal::Decimal::new(minor, exp).to_string()
}

pub fn z(client: &mut postgres::Client, store_id: &str, date: &str) -> Result<StoreZ, StoreError> {
    let rows = client.query(
        "SELECT lane_id, currency, tender, sales, total_minor FROM day_totals
         WHERE store_id = $1 AND business_date = $2
         ORDER BY lane_id, currency, tender",
        &[&store_id, &date],
    )?;
    Ok(StoreZ {
        store_id: store_id.to_string(),
        business_date: date.to_string(),
        lines: rows
            .iter()
            .map(|r| ZLine {
                lane_id: r.get(0),
                currency: r.get(1),
                tender: r.get(2),
                sales: r.get(3),
                total_minor: r.get(4),
            })
            .collect(),
    })
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LaneRow {
    pub lane_id: String,
    pub replicated_seq: i64,
    pub journal_seq: i64,
    /// Journal entries the lane had and the store did not, at its last contact.
    pub lag: i64,
    /// Seconds since the lane last reached the store.
    pub seconds_since_contact: Option<i64>,
}

pub fn lanes(client: &mut postgres::Client, store_id: &str) -> Result<Vec<LaneRow>, StoreError> {
    let rows = client.query(
        "SELECT lane_id, replicated_seq, journal_seq,
                extract(epoch FROM now() - last_contact)::bigint
         FROM lanes WHERE store_id = $1 ORDER BY lane_id",
        &[&store_id],
    )?;
    Ok(rows
        .iter()
        .map(|r| {
            let (rep, head): (i64, i64) = (r.get(1), r.get(2));
            LaneRow {
                lane_id: r.get(0),
                replicated_seq: rep,
                journal_seq: head,
                lag: (head - rep).max(0),
                seconds_since_contact: r.get(3),
            }
        })
        .collect())
}
