//! Store reports, read from the aggregates replication keeps (`day_totals`, `z_day_figures`,
//! `lanes`), so a store Z costs the same over ten sales or ten million.
//!
//! A store Z for a day adds up the Z reports every lane wrote that day (by the business day of
//! their close), figure by figure, so it equals their sum to the cent: gross, refunds,
//! post-voids, net, tax, tenders, drawer moves and cash. `lines` adds the replicated sales of
//! that day per lane and tender, shifts still open included.

use super::StoreError;
use super::z_figures::{Figure, ZSums};
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
    /// Always `z`, as in a lane's report.
    pub kind: crate::report::Kind,
    pub store_id: String,
    pub business_date: String,
    /// The lanes whose Z reports of the day are added up, and how many each wrote.
    pub lanes: Vec<LaneZ>,
    /// The sum of those Z reports, in the lane report's fields.
    #[serde(flatten)]
    pub sums: ZSums,
    /// Replicated sales of the day (by sale time) per lane and tender.
    pub lines: Vec<ZLine>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LaneZ {
    pub lane_id: String,
    pub z_reports: i64,
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
        s.push_str(&self.sums_text());
        s
    }

    /// The lanes' Z reports of the day, added up.
    fn sums_text(&self) -> String {
        let z = &self.sums;
        let lanes: Vec<String> = self
            .lanes
            .iter()
            .map(|l| format!("{} ({})", l.lane_id, l.z_reports))
            .collect();
        let mut s = format!(
            "\nLane Z reports closed this day: {} ({})\n",
            z.z_count,
            if lanes.is_empty() {
                "none".to_string()
            } else {
                lanes.join(", ")
            }
        );
        let mut row = |name: &str, count: Option<i64>, amount: String| {
            let count = count.map_or(String::new(), |c| c.to_string());
            s.push_str(&format!("{name:<24} {count:>7} {amount:>14}\n"));
        };
        row("sales (gross)", Some(z.sales_count), z.gross.to_string());
        row("refunds", Some(z.refunds_count), z.refunds.to_string());
        row(
            "post-voids",
            Some(z.post_voids_count),
            z.post_voids.to_string(),
        );
        row("net", None, z.net.to_string());
        for t in &z.tax {
            row(
                &format!("tax {} {}", t.category, t.rate),
                Some(t.count),
                t.amount.to_string(),
            );
        }
        for t in &z.tenders {
            row(&t.tender, Some(t.count), t.amount.to_string());
        }
        row("paid in", Some(z.paid_in_count), z.paid_in.to_string());
        row("paid out", Some(z.paid_out_count), z.paid_out.to_string());
        row("no sale", Some(z.no_sale_count), String::new());
        row("float", None, z.float.to_string());
        row("cash expected", None, z.cash_expected.to_string());
        row("cash counted", None, z.cash_counted.to_string());
        row("cash variance", None, z.cash_variance.to_string());
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

/// The store Z of `date`.
pub fn z(client: &mut postgres::Client, store_id: &str, date: &str) -> Result<StoreZ, StoreError> {
    let figures = client.query(
        "SELECT lane_id, currency, key, currency2, label, count, amount_minor, amount2_minor
         FROM z_day_figures WHERE store_id = $1 AND business_date = $2
         ORDER BY lane_id, key, currency2",
        &[&store_id, &date],
    )?;
    let mut currencies: Vec<String> = figures.iter().map(|r| r.get(1)).collect();
    currencies.sort();
    currencies.dedup();
    let currency = match currencies.as_slice() {
        [] => None,
        [one] => Some(one.as_str()),
        many => {
            return Err(StoreError::Report(format!(
                "the lanes' Z reports of {date} are in several currencies ({}): a store Z adds \
                 up one",
                many.join(", ")
            )));
        }
    };
    let mut lanes: Vec<LaneZ> = Vec::new();
    let rows: Vec<Figure> = figures
        .iter()
        .map(|r| {
            let (lane_id, key): (String, String) = (r.get(0), r.get(2));
            let count: i64 = r.get(5);
            if key == "z" {
                lanes.push(LaneZ {
                    lane_id,
                    z_reports: count,
                });
            }
            Figure {
                key,
                currency2: r.get(3),
                label: r.get(4),
                count,
                amount_minor: r.get(6),
                amount2_minor: r.get(7),
            }
        })
        .collect();
    let sums = super::z_figures::sum(currency, &rows)?;
    let rows = client.query(
        "SELECT lane_id, currency, tender, sales, total_minor FROM day_totals
         WHERE store_id = $1 AND business_date = $2
         ORDER BY lane_id, currency, tender",
        &[&store_id, &date],
    )?;
    Ok(StoreZ {
        kind: crate::report::Kind::Z,
        store_id: store_id.to_string(),
        business_date: date.to_string(),
        lanes,
        sums,
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
