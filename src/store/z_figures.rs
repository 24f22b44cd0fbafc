//! A lane's Z report as rows of figures the store adds up (`z_day_figures`), and the store Z
//! built back from those sums in the lane report's own shape. Amounts travel as exact minor
//! units; a Z whose amounts do not fit its currency's minor unit is refused, never rounded.

use super::StoreError;
use crate::money::{Decimal, currency_from_code, minor_units};
use crate::report::{HourFigure, PromotionFigure, Report, TaxFigure, TenderFigure};
use serde::Serialize;

/// One figure of one Z: `key` names it (`sales`, `tax:CATEGORY@RATE`, `tender:NAME`, …);
/// `currency2`/`amount2_minor` carry a wallet tender's own currency and amount.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Figure {
    pub key: String,
    pub currency2: String,
    pub label: String,
    pub count: i64,
    pub amount_minor: i64,
    pub amount2_minor: i64,
}

fn scale_of(code: &str) -> Result<u32, StoreError> {
    currency_from_code(code)
        .ok()
        .and_then(|c| minor_units(c).ok())
        .ok_or_else(|| StoreError::Report(format!("unknown currency {code}")))
}

/// `amount` in minor units at `scale`, exactly.
fn to_minor(amount: Decimal, scale: u32, what: &str) -> Result<i64, StoreError> {
    let m = amount * Decimal::from(10i64.pow(scale));
    if m.fract() != Decimal::ZERO {
        return Err(StoreError::Report(format!(
            "{what} {amount} is not a whole number of minor units"
        )));
    }
    use rust_decimal::prelude::ToPrimitive;
    m.to_i64()
        .ok_or_else(|| StoreError::Report(format!("{what} {amount} is out of range")))
}

/// The figures of `z` (a lane's Z report as it wrote it).
pub fn flatten(z: &Report) -> Result<Vec<Figure>, StoreError> {
    let scale = scale_of(&z.currency)?;
    let minor = |a: Decimal, what: &str| to_minor(a, scale, what);
    let mut out = Vec::new();
    let mut push = |key: String, label: &str, count: i64, amount_minor: i64| {
        out.push(Figure {
            key,
            currency2: String::new(),
            label: label.to_string(),
            count,
            amount_minor,
            amount2_minor: 0,
        })
    };
    push("z".into(), "", 1, 0);
    push("sales".into(), "", z.sales_count, minor(z.gross, "gross")?);
    push(
        "refunds".into(),
        "",
        z.refunds_count,
        minor(z.refunds, "refunds")?,
    );
    push(
        "post_voids".into(),
        "",
        z.post_voids_count,
        minor(z.post_voids, "post-voids")?,
    );
    push("net".into(), "", 0, minor(z.net, "net")?);
    for t in &z.tax {
        push(
            format!("tax:{}@{}", t.category, t.rate),
            &t.category,
            t.count,
            minor(t.amount, "tax")?,
        );
    }
    for p in &z.promotions {
        push(
            format!("promo:{}", p.funded_by),
            "",
            p.count,
            minor(p.amount, "promotion")?,
        );
    }
    for h in &z.hourly {
        push(
            format!("hour:{}", h.hour),
            "",
            h.count,
            minor(h.amount, "hourly")?,
        );
    }
    push(
        "paid_in".into(),
        "",
        z.paid_in_count,
        minor(z.paid_in, "paid-in")?,
    );
    push(
        "paid_out".into(),
        "",
        z.paid_out_count,
        minor(z.paid_out, "paid-out")?,
    );
    push("no_sale".into(), "", z.no_sale_count, 0);
    push("float".into(), "", 0, minor(z.float, "float")?);
    push(
        "cash_expected".into(),
        "",
        0,
        minor(z.cash_expected, "cash expected")?,
    );
    if let Some(c) = z.cash_counted {
        push("cash_counted".into(), "", 0, minor(c, "cash counted")?);
    }
    if let Some(v) = z.cash_variance {
        push("cash_variance".into(), "", 0, minor(v, "cash variance")?);
    }
    for t in &z.tenders {
        let amount2_minor = match (&t.wallet_currency, t.wallet_amount) {
            (Some(c), Some(a)) => to_minor(a, scale_of(c)?, "wallet amount")?,
            _ => 0,
        };
        out.push(Figure {
            key: format!("tender:{}", t.tender),
            currency2: t.wallet_currency.clone().unwrap_or_default(),
            label: String::new(),
            count: t.count,
            amount_minor: minor(t.amount, "tender")?,
            amount2_minor,
        });
    }
    Ok(out)
}

/// The store's Z for one business day: the figures of every lane's Z report closed that day,
/// added up, in the fields of the lane's `report z --format json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ZSums {
    /// `None` when no lane closed a shift that day (every figure is then zero).
    pub currency: Option<String>,
    /// Z reports added up.
    pub z_count: i64,
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
    #[serde(with = "rust_decimal::serde::str")]
    pub float: Decimal,
    #[serde(with = "rust_decimal::serde::str")]
    pub cash_expected: Decimal,
    #[serde(with = "rust_decimal::serde::str")]
    pub cash_counted: Decimal,
    #[serde(with = "rust_decimal::serde::str")]
    pub cash_variance: Decimal,
    pub hourly: Vec<HourFigure>,
}

/// Adds up `rows` (figures in `currency`, any lanes and Z reports) into the store's sums.
pub fn sum(currency: Option<&str>, rows: &[Figure]) -> Result<ZSums, StoreError> {
    let scale = currency.map(scale_of).transpose()?.unwrap_or(0);
    // The same figure of several lanes becomes one.
    let mut merged: std::collections::BTreeMap<(&str, &str), Figure> = Default::default();
    for f in rows {
        merged
            .entry((f.key.as_str(), f.currency2.as_str()))
            .and_modify(|m| {
                m.count += f.count;
                m.amount_minor += f.amount_minor;
                m.amount2_minor += f.amount2_minor;
            })
            .or_insert_with(|| f.clone());
    }
    let d = |m: i64| Decimal::new(m, scale);
    let mut s = ZSums {
        currency: currency.map(str::to_string),
        z_count: 0,
        sales_count: 0,
        gross: Decimal::ZERO,
        refunds_count: 0,
        refunds: Decimal::ZERO,
        post_voids_count: 0,
        post_voids: Decimal::ZERO,
        net: Decimal::ZERO,
        average_basket: Decimal::ZERO,
        tax: Vec::new(),
        tenders: Vec::new(),
        promotions: Vec::new(),
        paid_in_count: 0,
        paid_in: Decimal::ZERO,
        paid_out_count: 0,
        paid_out: Decimal::ZERO,
        no_sale_count: 0,
        float: Decimal::ZERO,
        cash_expected: Decimal::ZERO,
        cash_counted: Decimal::ZERO,
        cash_variance: Decimal::ZERO,
        hourly: Vec::new(),
    };
    let mut gross_minor = 0i64;
    for f in merged.values() {
        let (c, a) = (f.count, d(f.amount_minor));
        match f.key.as_str() {
            "z" => s.z_count += c,
            "sales" => {
                s.sales_count += c;
                s.gross += a;
                gross_minor += f.amount_minor;
            }
            "refunds" => {
                s.refunds_count += c;
                s.refunds += a;
            }
            "post_voids" => {
                s.post_voids_count += c;
                s.post_voids += a;
            }
            "net" => s.net += a,
            "paid_in" => {
                s.paid_in_count += c;
                s.paid_in += a;
            }
            "paid_out" => {
                s.paid_out_count += c;
                s.paid_out += a;
            }
            "no_sale" => s.no_sale_count += c,
            "float" => s.float += a,
            "cash_expected" => s.cash_expected += a,
            "cash_counted" => s.cash_counted += a,
            "cash_variance" => s.cash_variance += a,
            key => {
                if let Some(rest) = key.strip_prefix("tax:") {
                    let rate = rest
                        .rsplit_once('@')
                        .and_then(|(_, r)| r.parse().ok())
                        .unwrap_or_default();
                    s.tax.push(TaxFigure {
                        category: f.label.clone(),
                        rate,
                        count: c,
                        amount: a,
                    });
                } else if let Some(name) = key.strip_prefix("tender:") {
                    let wallet = (!f.currency2.is_empty())
                        .then(|| scale_of(&f.currency2).map(|s2| Decimal::new(f.amount2_minor, s2)))
                        .transpose()?;
                    s.tenders.push(TenderFigure {
                        tender: name.to_string(),
                        count: c,
                        amount: a,
                        wallet_currency: wallet.map(|_| f.currency2.clone()),
                        wallet_amount: wallet,
                    });
                } else if let Some(by) = key.strip_prefix("promo:") {
                    s.promotions.push(PromotionFigure {
                        funded_by: by.to_string(),
                        count: c,
                        amount: a,
                    });
                } else if let Some(hour) = key.strip_prefix("hour:") {
                    s.hourly.push(HourFigure {
                        hour: hour.to_string(),
                        count: c,
                        amount: a,
                    });
                }
            }
        }
    }
    if s.sales_count > 0 {
        s.average_basket = crate::money::Rounding::HalfUp.round(
            Decimal::from(gross_minor)
                / Decimal::from(s.sales_count)
                / Decimal::from(10i64.pow(scale)),
            scale,
        );
    }
    // As on the lane: cash first, then the rest by amount.
    s.tenders.sort_by_key(|t| {
        (
            t.tender != "cash",
            std::cmp::Reverse(t.amount),
            t.tender.clone(),
        )
    });
    s.hourly.sort_by(|a, b| a.hour.cmp(&b.hour));
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fig(key: &str, currency2: &str, count: i64, amount: i64, amount2: i64) -> Figure {
        Figure {
            key: key.into(),
            currency2: currency2.into(),
            label: key
                .rsplit_once(':')
                .map_or("", |(_, l)| l)
                .split('@')
                .next()
                .unwrap_or("")
                .into(),
            count,
            amount_minor: amount,
            amount2_minor: amount2,
        }
    }

    #[test]
    fn amounts_convert_to_minor_units_exactly_or_not_at_all() {
        assert_eq!(to_minor(Decimal::new(1250, 2), 2, "x").ok(), Some(1250));
        assert_eq!(to_minor(Decimal::new(-305, 2), 2, "x").ok(), Some(-305));
        assert_eq!(to_minor(Decimal::new(7, 0), 0, "x").ok(), Some(7));
        assert!(to_minor(Decimal::new(1255, 3), 2, "x").is_err());
    }

    #[test]
    fn two_lanes_add_up_by_figure() {
        let rows = vec![
            fig("z", "", 1, 0, 0),
            fig("sales", "", 3, 1000, 0),
            fig("tender:cash", "", 2, 600, 0),
            fig("tender:wallet:alipay", "CNY", 1, 400, 2900),
            fig("tax:food@0.08", "", 3, 74, 0),
            fig("z", "", 1, 0, 0),
            fig("sales", "", 2, 501, 0),
            fig("tender:cash", "", 2, 501, 0),
            fig("refunds", "", 1, 100, 0),
            fig("cash_variance", "", 0, -5, 0),
        ];
        let s = sum(Some("USD"), &rows).expect("sums");
        assert_eq!(s.z_count, 2);
        assert_eq!((s.sales_count, s.gross), (5, Decimal::new(1501, 2)));
        assert_eq!(s.refunds, Decimal::new(100, 2));
        assert_eq!(s.cash_variance, Decimal::new(-5, 2));
        // 15.01 / 5 = 3.002 → 3.00 half-up.
        assert_eq!(s.average_basket, Decimal::new(300, 2));
        assert_eq!(s.tenders.len(), 2, "one cash line over both lanes");
        assert_eq!(s.tenders[0].tender, "cash");
        assert_eq!(s.tenders[0].amount, Decimal::new(1101, 2));
        assert_eq!(s.tenders[1].wallet_amount, Some(Decimal::new(2900, 2)));
        assert_eq!(s.tax[0].rate, Decimal::new(8, 2));
    }

    #[test]
    fn a_day_without_a_z_sums_to_zero() {
        let s = sum(None, &[]).expect("sums");
        assert_eq!((s.z_count, s.gross, s.currency), (0, Decimal::ZERO, None));
    }
}
