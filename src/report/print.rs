//! The report on paper: 42 columns, the sales per hour and the tender shares drawn as text bars.

use super::figures::{Kind, Report};
use crate::money::Decimal;
use crate::receipt::width::{center, key_value};

/// Reports print on 80 mm paper.
pub const PRINT_WIDTH: usize = 42;
/// The longest bar, in characters.
const BAR: usize = 14;

/// `value / max` of `BAR` characters, rounded half-up; any non-zero value shows at least one.
fn bar(value: Decimal, max: Decimal) -> String {
    if max <= Decimal::ZERO || value <= Decimal::ZERO {
        return String::new();
    }
    let n = crate::money::Rounding::HalfUp.round(value * Decimal::from(BAR) / max, 0);
    let n = usize::try_from(n.mantissa()).unwrap_or(BAR).clamp(1, BAR);
    "#".repeat(n)
}

/// Money leaving: shown negative, but never as `-0.00`.
fn out_of(d: Decimal) -> Decimal {
    if d.is_zero() { d } else { -d }
}

fn rule(out: &mut Vec<String>, title: &str) {
    let title = format!(" {title} ");
    let left = (PRINT_WIDTH - title.len().min(PRINT_WIDTH)) / 2;
    let right = PRINT_WIDTH.saturating_sub(left + title.len());
    out.push(format!("{}{title}{}", "-".repeat(left), "-".repeat(right)));
}

fn kv(out: &mut Vec<String>, left: &str, right: &str) {
    out.extend(key_value(left, right, PRINT_WIDTH));
}

/// A left label, a count and an amount in fixed columns.
fn counted(out: &mut Vec<String>, label: &str, count: i64, amount: Decimal) {
    kv(out, label, &format!("{count:>5}  {amount:>12}"));
}

/// The report as lines of at most 42 columns.
pub fn to_text(r: &Report, store_name: &str) -> String {
    let mut out = Vec::new();
    let title = match (r.kind, r.number) {
        (Kind::Z, Some(n)) => format!("Z REPORT  Z{n}"),
        (Kind::Z, None) => "Z REPORT".to_string(),
        (Kind::X, _) => "X REPORT (shift still open)".to_string(),
    };
    out.push(center(&title, PRINT_WIDTH));
    out.push(center(store_name, PRINT_WIDTH));
    kv(
        &mut out,
        &format!("Lane {}", r.lane_id),
        &format!("Shift {}", r.shift_id),
    );
    kv(&mut out, "Cashier", &r.cashier);
    kv(&mut out, "Opened", &r.opened_at);
    if let Some(c) = &r.closed_at {
        kv(&mut out, "Closed", c);
    }
    kv(&mut out, "Amounts in", &r.currency);
    rule(&mut out, "Sales");
    counted(&mut out, "Gross sales", r.sales_count, r.gross);
    counted(&mut out, "Refunds", r.refunds_count, out_of(r.refunds));
    counted(
        &mut out,
        "Post-voids",
        r.post_voids_count,
        out_of(r.post_voids),
    );
    kv(&mut out, "Net sales", &r.net.to_string());
    kv(&mut out, "Average basket", &r.average_basket.to_string());
    let numbers = match (r.first_sale, r.last_sale) {
        (Some(a), Some(b)) => format!("{a} - {b}"),
        _ => "none".to_string(),
    };
    kv(&mut out, "Sale numbers", &numbers);
    rule(&mut out, "Tax");
    if r.tax.is_empty() {
        out.push("(none)".into());
    }
    for t in &r.tax {
        let pct = (t.rate * Decimal::from(100)).normalize();
        counted(
            &mut out,
            &format!("{} {pct}%", t.category),
            t.count,
            t.amount,
        );
    }
    rule(&mut out, "Tenders");
    let max = r.tenders.iter().map(|t| t.amount).max().unwrap_or_default();
    for t in &r.tenders {
        counted(&mut out, &t.tender, t.count, t.amount);
        if let (Some(c), Some(a)) = (&t.wallet_currency, t.wallet_amount) {
            kv(&mut out, "", &format!("{c} {a}"));
        }
        out.push(format!("  {}", bar(t.amount, max)).trim_end().to_string());
    }
    if !r.promotions.is_empty() {
        rule(&mut out, "Promotions");
        for p in &r.promotions {
            counted(
                &mut out,
                &format!("Funded by {}", p.funded_by),
                p.count,
                p.amount,
            );
        }
    }
    rule(&mut out, "Drawer");
    kv(&mut out, "Float", &r.float.to_string());
    counted(&mut out, "Paid in", r.paid_in_count, r.paid_in);
    counted(&mut out, "Paid out", r.paid_out_count, out_of(r.paid_out));
    kv(&mut out, "No-sale openings", &r.no_sale_count.to_string());
    kv(&mut out, "Expected cash", &r.cash_expected.to_string());
    match (r.cash_counted, r.cash_variance) {
        (Some(c), Some(v)) => {
            kv(&mut out, "Counted cash", &c.to_string());
            kv(&mut out, "Variance", &v.to_string());
        }
        _ => kv(&mut out, "Counted cash", "at close"),
    }
    rule(&mut out, "Sales per hour");
    let max = r.hourly.iter().map(|h| h.amount).max().unwrap_or_default();
    for h in &r.hourly {
        let hhmm = h.hour.get(11..16).unwrap_or(&h.hour);
        let line = format!(
            "{hhmm} {:<width$}{:>4}{:>10}",
            bar(h.amount, max),
            h.count,
            h.amount,
            width = BAR + 1
        );
        out.push(crate::receipt::width::fit(&line, PRINT_WIDTH));
    }
    if r.hourly.is_empty() {
        out.push("(no sales)".into());
    }
    rule(&mut out, "Top items");
    for i in &r.top_items {
        kv(
            &mut out,
            &format!("{} x{}", i.name, i.qty),
            &i.amount.to_string(),
        );
    }
    if r.top_items.is_empty() {
        out.push("(none)".into());
    }
    out.push("-".repeat(PRINT_WIDTH));
    out.push(center(
        match r.kind {
            Kind::Z => "END OF Z REPORT",
            Kind::X => "END OF X REPORT",
        },
        PRINT_WIDTH,
    ));
    let mut text = out.join("\n");
    text.push('\n');
    text
}

/// The printed report as ESC/POS: initialise, the text in the printer's code page, feed, cut.
pub fn to_escpos(r: &Report, store_name: &str, charset: crate::receipt::PrinterCharset) -> Vec<u8> {
    let mut bytes = vec![0x1b, b'@'];
    // Line by line: the encoder prints control characters such as '\n' as '?'. A glyph the
    // code page lacks prints as '?' too (the report is mostly ASCII).
    for line in to_text(r, store_name).lines() {
        let (text, _replaced) = crate::receipt::escpos::encode_text(line, charset);
        bytes.extend(text);
        bytes.push(b'\n');
    }
    // Feed 4 lines, then a partial cut.
    bytes.extend([0x1b, b'd', 4, 0x1d, b'V', 1]);
    bytes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_scale_to_the_largest_and_never_vanish() {
        let d = |s: &str| s.parse::<Decimal>().unwrap();
        assert_eq!(bar(d("100"), d("100")).len(), BAR);
        assert_eq!(bar(d("50"), d("100")).len(), BAR / 2);
        assert_eq!(bar(d("0.01"), d("100")).len(), 1);
        assert_eq!(bar(Decimal::ZERO, d("100")), "");
    }
}
