//! The report as JSON (amounts as decimal strings) and as CSV (one figure per row).

use super::figures::Report;

pub fn to_json(r: &Report) -> String {
    // A struct of strings, numbers and lists always serialises.
    serde_json::to_string_pretty(r).unwrap_or_default() + "\n"
}

/// `section,name,count,amount,wallet_currency,wallet_amount` rows.
pub fn to_csv(r: &Report) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut rows: Vec<[String; 6]> = Vec::new();
    let mut row = |s: &str, n: &str, c: String, a: String, wc: String, wa: String| {
        rows.push([s.into(), n.into(), c, a, wc, wa])
    };
    let e = String::new;
    row(
        "report",
        "kind",
        e(),
        format!("{:?}", r.kind).to_lowercase(),
        e(),
        e(),
    );
    if let Some(n) = r.number {
        row("report", "number", e(), n.to_string(), e(), e());
    }
    row("report", "lane", e(), r.lane_id.clone(), e(), e());
    row("report", "opened_at", e(), r.opened_at.clone(), e(), e());
    row(
        "report",
        "closed_at",
        e(),
        r.closed_at.clone().unwrap_or_default(),
        e(),
        e(),
    );
    row(
        "sales",
        "gross",
        r.sales_count.to_string(),
        r.gross.to_string(),
        e(),
        e(),
    );
    row(
        "sales",
        "refunds",
        r.refunds_count.to_string(),
        r.refunds.to_string(),
        e(),
        e(),
    );
    row(
        "sales",
        "post_voids",
        r.post_voids_count.to_string(),
        r.post_voids.to_string(),
        e(),
        e(),
    );
    row("sales", "net", e(), r.net.to_string(), e(), e());
    row(
        "sales",
        "average_basket",
        e(),
        r.average_basket.to_string(),
        e(),
        e(),
    );
    for t in &r.tax {
        row(
            "tax",
            &format!("{}@{}", t.category, t.rate),
            t.count.to_string(),
            t.amount.to_string(),
            e(),
            e(),
        );
    }
    for t in &r.tenders {
        row(
            "tender",
            &t.tender,
            t.count.to_string(),
            t.amount.to_string(),
            t.wallet_currency.clone().unwrap_or_default(),
            t.wallet_amount.map(|a| a.to_string()).unwrap_or_default(),
        );
    }
    for p in &r.promotions {
        row(
            "promotion",
            &p.funded_by,
            p.count.to_string(),
            p.amount.to_string(),
            e(),
            e(),
        );
    }
    row("drawer", "float", e(), r.float.to_string(), e(), e());
    row(
        "drawer",
        "paid_in",
        r.paid_in_count.to_string(),
        r.paid_in.to_string(),
        e(),
        e(),
    );
    row(
        "drawer",
        "paid_out",
        r.paid_out_count.to_string(),
        r.paid_out.to_string(),
        e(),
        e(),
    );
    row(
        "drawer",
        "no_sale",
        r.no_sale_count.to_string(),
        e(),
        e(),
        e(),
    );
    row(
        "drawer",
        "cash_expected",
        e(),
        r.cash_expected.to_string(),
        e(),
        e(),
    );
    row(
        "drawer",
        "cash_counted",
        e(),
        r.cash_counted.map(|c| c.to_string()).unwrap_or_default(),
        e(),
        e(),
    );
    row(
        "drawer",
        "cash_variance",
        e(),
        r.cash_variance.map(|c| c.to_string()).unwrap_or_default(),
        e(),
        e(),
    );
    for h in &r.hourly {
        row(
            "hourly",
            &h.hour,
            h.count.to_string(),
            h.amount.to_string(),
            e(),
            e(),
        );
    }
    for i in &r.top_items {
        row(
            "top_item",
            &format!("{} {}", i.barcode, i.name),
            i.qty.to_string(),
            i.amount.to_string(),
            e(),
            e(),
        );
    }
    let header = [
        "section",
        "name",
        "count",
        "amount",
        "wallet_currency",
        "wallet_amount",
    ];
    let written = w
        .write_record(header)
        .and_then(|_| rows.iter().try_for_each(|r| w.write_record(r)));
    match (written, w.into_inner()) {
        (Ok(()), Ok(bytes)) => String::from_utf8_lossy(&bytes).into_owned(),
        // Writing to memory does not fail; say so rather than print half a file.
        _ => "error: could not write the CSV\n".to_string(),
    }
}
