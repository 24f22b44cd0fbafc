//! The figures of an X or Z report, from a shift's running totals and drawer moves.

use crate::journal::ShiftData;
use crate::money::{Currency, Decimal, minor_units};
use crate::shift::{Count, MoveKind};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    X,
    Z,
}

/// Refunds and post-voids of the shift, in minor units. They are counted by the refunds
/// feature; a build without it passes the default (none).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RefundFigures {
    pub refund_count: i64,
    pub refund_minor: i64,
    /// The part of refunds paid back in cash (leaves the drawer).
    pub cash_refund_minor: i64,
    pub post_void_count: i64,
    pub post_void_minor: i64,
}

/// Amounts are exact decimals in the store currency, written as strings in JSON.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Report {
    pub kind: Kind,
    /// The Z number on the lane (Z only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub number: Option<i64>,
    pub lane_id: String,
    pub shift_id: i64,
    pub cashier: String,
    pub currency: String,
    /// Local time, `YYYY-MM-DD HH:MM:SS` in the store's UTC offset.
    pub opened_at: String,
    pub closed_at: Option<String>,
    pub sales_count: i64,
    #[serde(with = "rust_decimal::serde::str")]
    pub gross: Decimal,
    pub refunds_count: i64,
    #[serde(with = "rust_decimal::serde::str")]
    pub refunds: Decimal,
    pub post_voids_count: i64,
    #[serde(with = "rust_decimal::serde::str")]
    pub post_voids: Decimal,
    #[serde(with = "rust_decimal::serde::str")]
    pub net: Decimal,
    /// Gross over sale count, rounded half-up to the currency's minor unit.
    #[serde(with = "rust_decimal::serde::str")]
    pub average_basket: Decimal,
    pub tax: Vec<TaxFigure>,
    pub tenders: Vec<TenderFigure>,
    pub promotions: Vec<PromotionFigure>,
    pub paid_in_count: i64,
    #[serde(with = "rust_decimal::serde::str")]
    pub paid_in: Decimal,
    pub paid_out_count: i64,
    #[serde(with = "rust_decimal::serde::str")]
    pub paid_out: Decimal,
    pub no_sale_count: i64,
    pub first_sale: Option<i64>,
    pub last_sale: Option<i64>,
    #[serde(with = "rust_decimal::serde::str")]
    pub float: Decimal,
    /// Float + cash sales + paid-in − paid-out − cash refunds.
    #[serde(with = "rust_decimal::serde::str")]
    pub cash_expected: Decimal,
    #[serde(with = "rust_decimal::serde::str_option")]
    pub cash_counted: Option<Decimal>,
    /// Counted − expected (negative: cash missing).
    #[serde(with = "rust_decimal::serde::str_option")]
    pub cash_variance: Option<Decimal>,
    pub hourly: Vec<HourFigure>,
    pub top_items: Vec<ItemFigure>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaxFigure {
    pub category: String,
    #[serde(with = "rust_decimal::serde::str")]
    pub rate: Decimal,
    pub count: i64,
    #[serde(with = "rust_decimal::serde::str")]
    pub amount: Decimal,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TenderFigure {
    /// `cash`, `card:BRAND` or `wallet:BRAND`.
    pub tender: String,
    pub count: i64,
    #[serde(with = "rust_decimal::serde::str")]
    pub amount: Decimal,
    pub wallet_currency: Option<String>,
    #[serde(with = "rust_decimal::serde::str_option")]
    pub wallet_amount: Option<Decimal>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PromotionFigure {
    /// `wallet` or `merchant`.
    pub funded_by: String,
    pub count: i64,
    #[serde(with = "rust_decimal::serde::str")]
    pub amount: Decimal,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HourFigure {
    /// Local start of the hour, `YYYY-MM-DD HH:00`.
    pub hour: String,
    pub count: i64,
    #[serde(with = "rust_decimal::serde::str")]
    pub amount: Decimal,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemFigure {
    pub barcode: String,
    pub name: String,
    pub qty: i64,
    #[serde(with = "rust_decimal::serde::str")]
    pub amount: Decimal,
}

/// Exact decimal of `minor` units at the currency's scale (`1250` → `12.50`).
fn dec(minor: i64, scale: u32) -> Decimal {
    Decimal::new(minor, scale)
}

/// Builds the report of `data`. `closed` is the Z's number, close time and blind count; `None`
/// makes an X report of the running shift.
pub fn build(
    data: &ShiftData,
    refunds: RefundFigures,
    closed: Option<(i64, crate::clock::Timestamp, &Count)>,
    currency: Currency,
    utc_offset_minutes: i32,
) -> Report {
    let scale = minor_units(currency).unwrap_or(2);
    let d = |m: i64| dec(m, scale);
    let total = |key: &str| data.totals.iter().find(|t| t.key == key);
    let (sales_count, gross) = total("sales").map_or((0, 0), |t| (t.count, t.amount_minor));
    let net = gross - refunds.refund_minor - refunds.post_void_minor;
    let average = if sales_count > 0 {
        crate::money::Rounding::HalfUp.round(
            Decimal::from(gross) / Decimal::from(sales_count) / Decimal::from(10i64.pow(scale)),
            scale,
        )
    } else {
        // In the currency's minor units, as every other amount ("0.00", not "0").
        d(0)
    };
    let with = |prefix: &'static str| {
        data.totals
            .iter()
            .filter(move |t| t.key.starts_with(prefix))
    };
    let tax = with("tax:")
        .map(|t| TaxFigure {
            category: t.label.clone(),
            rate: t
                .key
                .rsplit_once('@')
                .and_then(|(_, r)| r.parse().ok())
                .unwrap_or_default(),
            count: t.count,
            amount: d(t.amount_minor),
        })
        .collect();
    let mut tenders: Vec<TenderFigure> = with("tender:")
        .map(|t| TenderFigure {
            tender: t.key.trim_start_matches("tender:").to_string(),
            count: t.count,
            amount: d(t.amount_minor),
            wallet_currency: (!t.currency2.is_empty()).then(|| t.currency2.clone()),
            wallet_amount: (!t.currency2.is_empty()).then(|| {
                let s = crate::money::currency_from_code(&t.currency2)
                    .ok()
                    .and_then(|c| minor_units(c).ok())
                    .unwrap_or(2);
                dec(t.amount2_minor, s)
            }),
        })
        .collect();
    // Cash first, then the rest by amount.
    tenders.sort_by_key(|t| {
        (
            t.tender != "cash",
            std::cmp::Reverse(t.amount),
            t.tender.clone(),
        )
    });
    let promotions = with("promo:")
        .map(|t| PromotionFigure {
            funded_by: t.key.trim_start_matches("promo:").to_string(),
            count: t.count,
            amount: d(t.amount_minor),
        })
        .collect();
    let moved = |kind: MoveKind| {
        data.moves
            .iter()
            .filter(|m| m.kind == kind)
            .fold((0i64, 0i64), |(c, a), m| (c + 1, a + m.amount_minor))
    };
    let (paid_in_count, paid_in) = moved(MoveKind::PaidIn);
    let (paid_out_count, paid_out) = moved(MoveKind::PaidOut);
    let (no_sale_count, _) = moved(MoveKind::NoSale);
    let float = data.shift.float.total_minor();
    let cash_sales = total("tender:cash").map_or(0, |t| t.amount_minor);
    let expected = float + cash_sales + paid_in - paid_out - refunds.cash_refund_minor;
    let hourly = hourly_figures(&data.totals, utc_offset_minutes)
        .into_iter()
        .map(|(hour, count, minor)| HourFigure {
            hour,
            count,
            amount: d(minor),
        })
        .collect();
    let mut items: Vec<&crate::journal::TotalRow> = with("item:").collect();
    items.sort_by(|a, b| b.amount_minor.cmp(&a.amount_minor).then(a.key.cmp(&b.key)));
    let top_items = items
        .into_iter()
        .take(10)
        .map(|t| ItemFigure {
            barcode: t.key.trim_start_matches("item:").to_string(),
            name: t.label.clone(),
            qty: t.count,
            amount: d(t.amount_minor),
        })
        .collect();
    let counted = closed.map(|(_, _, c)| c.total_minor());
    Report {
        kind: if closed.is_some() { Kind::Z } else { Kind::X },
        number: closed.map(|(n, _, _)| n),
        lane_id: data.shift.lane_id.clone(),
        shift_id: data.shift.id,
        cashier: data.shift.cashier.clone(),
        currency: currency.code().to_string(),
        opened_at: data.shift.opened_at.format_local(utc_offset_minutes),
        closed_at: closed.map(|(_, at, _)| at.format_local(utc_offset_minutes)),
        sales_count,
        gross: d(gross),
        refunds_count: refunds.refund_count,
        refunds: d(refunds.refund_minor),
        post_voids_count: refunds.post_void_count,
        post_voids: d(refunds.post_void_minor),
        net: d(net),
        average_basket: average,
        tax,
        tenders,
        promotions,
        paid_in_count,
        paid_in: d(paid_in),
        paid_out_count,
        paid_out: d(paid_out),
        no_sale_count,
        first_sale: total("first_sale").map(|t| t.count),
        last_sale: total("last_sale").map(|t| t.count),
        float: d(float),
        cash_expected: d(expected),
        cash_counted: counted.map(d),
        cash_variance: counted.map(|c| d(c - expected)),
        hourly,
        top_items,
    }
}

/// Sales per hour of the store's local time, as `(YYYY-MM-DD HH:00, count, minor units)`.
/// The journal counts sales per UTC quarter hour (`q15:N`), and every UTC offset in use is a
/// whole number of quarter hours, so each quarter falls inside one local hour, also at +05:30,
/// +05:45 or +09:30. Shifts written before that counted per UTC hour (`hour:N`); those are
/// placed by the hour's start, which is exact for offsets of whole hours only.
pub fn hourly_figures(
    totals: &[crate::journal::TotalRow],
    utc_offset_minutes: i32,
) -> Vec<(String, i64, i64)> {
    const HOUR_MS: i64 = 3_600_000;
    let offset_ms = i64::from(utc_offset_minutes) * 60_000;
    let mut by_hour: std::collections::BTreeMap<i64, (i64, i64)> = Default::default();
    for t in totals {
        let start_ms = if let Some(q) = t.key.strip_prefix("q15:") {
            q.parse::<i64>().ok().map(|q| q * 900_000)
        } else if let Some(h) = t.key.strip_prefix("hour:") {
            h.parse::<i64>().ok().map(|h| h * HOUR_MS)
        } else {
            None
        };
        let Some(start_ms) = start_ms else { continue };
        let local_hour = (start_ms + offset_ms).div_euclid(HOUR_MS);
        let e = by_hour.entry(local_hour).or_default();
        e.0 += t.count;
        e.1 += t.amount_minor;
    }
    by_hour
        .into_iter()
        .map(|(h, (count, minor))| {
            let full =
                crate::clock::Timestamp(h * HOUR_MS - offset_ms).format_local(utc_offset_minutes);
            let hour = full.get(..14).map(|s| format!("{s}00")).unwrap_or(full);
            (hour, count, minor)
        })
        .collect()
}

#[cfg(test)]
mod hourly_tests {
    use super::*;
    use crate::journal::TotalRow;
    use time::macros::datetime;

    fn row(key: String, count: i64, amount_minor: i64) -> TotalRow {
        TotalRow {
            key,
            currency2: String::new(),
            label: String::new(),
            count,
            amount_minor,
            amount2_minor: 0,
        }
    }

    /// The journal's quarter-hour row for a sale at `at` (UTC).
    fn quarter(at: time::OffsetDateTime, count: i64, minor: i64) -> TotalRow {
        let ms = at.unix_timestamp() * 1000;
        row(format!("q15:{}", ms.div_euclid(900_000)), count, minor)
    }

    #[test]
    fn half_hour_offsets_group_by_the_local_hour() {
        // At +05:30, 10:15 and 10:45 UTC are 15:45 and 16:15 local: two different hours,
        // though both fell in the UTC hour 10:00.
        let rows = [
            quarter(datetime!(2026-11-30 10:15 UTC), 1, 500),
            quarter(datetime!(2026-11-30 10:45 UTC), 2, 700),
            quarter(datetime!(2026-11-30 11:15 UTC), 1, 100),
        ];
        assert_eq!(
            hourly_figures(&rows, 330),
            vec![
                ("2026-11-30 15:00".to_string(), 1, 500),
                ("2026-11-30 16:00".to_string(), 3, 800),
            ]
        );
    }

    #[test]
    fn a_nine_and_a_half_hour_offset_crosses_midnight_by_the_local_date() {
        // +09:30: 14:15 UTC is 23:45 local; 14:30 UTC is 00:00 the next local day.
        let rows = [
            quarter(datetime!(2026-11-30 14:15 UTC), 1, 100),
            quarter(datetime!(2026-11-30 14:30 UTC), 1, 200),
        ];
        assert_eq!(
            hourly_figures(&rows, 570),
            vec![
                ("2026-11-30 23:00".to_string(), 1, 100),
                ("2026-12-01 00:00".to_string(), 1, 200),
            ]
        );
    }

    #[test]
    fn old_utc_hour_rows_join_the_same_local_hour_at_a_whole_hour_offset() {
        let ten_utc = datetime!(2026-11-30 10:00 UTC).unix_timestamp() / 3600;
        let rows = [
            row(format!("hour:{ten_utc}"), 2, 300),
            quarter(datetime!(2026-11-30 10:30 UTC), 1, 50),
        ];
        assert_eq!(
            hourly_figures(&rows, -300),
            vec![("2026-11-30 05:00".to_string(), 3, 350)]
        );
    }
}
