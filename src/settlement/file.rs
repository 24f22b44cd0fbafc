//! The settlement file: `#` header lines (`# date: YYYY-MM-DD`, `# wallet: BRAND` or
//! `acquirer`, `# currency: USD`), one CSV header row, then one row per payment or refund.

use crate::money::{Currency, Decimal, Money, Rounding, currency_from_code, minor_units};
use std::path::{Path, PathBuf};

pub const HEADER: [&str; 12] = [
    "time",
    "merchant_txn_id",
    "wallet_txn_id",
    "wallet",
    "type",
    "amount",
    "currency",
    "wallet_amount",
    "wallet_currency",
    "rate",
    "fee",
    "net",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowType {
    Payment,
    Refund,
}

impl RowType {
    pub fn as_str(self) -> &'static str {
        match self {
            RowType::Payment => "payment",
            RowType::Refund => "refund",
        }
    }
}

/// One settled transaction. Amounts in the merchant currency are positive for both types.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// 1-based line in the file.
    pub line: usize,
    pub time: String,
    pub merchant_txn_id: String,
    pub wallet_txn_id: String,
    pub wallet: String,
    pub kind: RowType,
    pub amount: Money,
    pub wallet_amount: Option<Money>,
    pub rate: Option<Decimal>,
    pub fee: Money,
    pub net: Money,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SettlementFile {
    pub date: String,
    /// A wallet brand, or `acquirer` for the acquirer's file (every wallet).
    pub wallet: String,
    pub currency: Currency,
    pub rows: Vec<Row>,
}

#[derive(Debug, thiserror::Error)]
pub enum FileError {
    #[error("{}: cannot read: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{}:{line}: {message}", path.display())]
    Bad {
        path: PathBuf,
        line: usize,
        message: String,
    },
}

/// The fee on `amount` at `rate`, rounded half-up to the currency's minor unit.
pub fn fee_for(amount: Money, rate: Decimal) -> Money {
    Money::rounded(amount.amount() * rate, amount.currency(), Rounding::HalfUp)
        .unwrap_or_else(|_| Money::zero(amount.currency()))
}

/// Reads a settlement file; any problem names the file, the line and what to fix.
pub fn parse(path: &Path) -> Result<SettlementFile, FileError> {
    let text = std::fs::read_to_string(path).map_err(|source| FileError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let bad = |line: usize, message: String| FileError::Bad {
        path: path.to_path_buf(),
        line,
        message,
    };
    let (mut date, mut wallet, mut currency) = (None, None, None);
    let mut body_start = None;
    for (i, l) in text.lines().enumerate() {
        let Some(meta) = l.strip_prefix('#') else {
            body_start = Some(i);
            break;
        };
        if let Some((k, v)) = meta.split_once(':') {
            let v = v.trim().to_string();
            match k.trim() {
                "date" => date = Some(v),
                "wallet" => wallet = Some(v),
                "currency" => {
                    currency = Some(currency_from_code(&v).map_err(|e| bad(i + 1, e.to_string()))?)
                }
                _ => {}
            }
        }
    }
    let missing = |what: &str| bad(1, format!("the header has no '# {what}: ...' line"));
    let date = date.ok_or_else(|| missing("date"))?;
    let wallet = wallet.ok_or_else(|| missing("wallet"))?;
    let currency = currency.ok_or_else(|| missing("currency"))?;
    let Some(start) = body_start else {
        return Err(bad(
            text.lines().count().max(1),
            "no column header row".into(),
        ));
    };
    let body: String = text.lines().skip(start).collect::<Vec<_>>().join("\n");
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(body.as_bytes());
    let header = reader
        .headers()
        .map_err(|e| bad(start + 1, e.to_string()))?
        .clone();
    if header.iter().collect::<Vec<_>>() != HEADER {
        return Err(bad(
            start + 1,
            format!("the columns must be {}", HEADER.join(",")),
        ));
    }
    let mut rows = Vec::new();
    for (i, rec) in reader.records().enumerate() {
        let line = start + 2 + i;
        let rec = rec.map_err(|e| bad(line, e.to_string()))?;
        let col = |n: usize| rec.get(n).unwrap_or("").trim();
        let money = |n: usize, cur: Currency| {
            Money::parse(col(n), cur).map_err(|e| bad(line, format!("{}: {e}", HEADER[n])))
        };
        let kind = match col(4) {
            "payment" => RowType::Payment,
            "refund" => RowType::Refund,
            other => {
                return Err(bad(
                    line,
                    format!("type '{other}' is not payment or refund"),
                ));
            }
        };
        let row_currency =
            currency_from_code(col(6)).map_err(|e| bad(line, format!("currency: {e}")))?;
        if row_currency != currency {
            return Err(bad(
                line,
                format!("currency {} is not the file's {}", col(6), currency.code()),
            ));
        }
        let wallet_amount = if col(8).is_empty() {
            None
        } else {
            let wc = currency_from_code(col(8))
                .map_err(|e| bad(line, format!("wallet_currency: {e}")))?;
            minor_units(wc).map_err(|e| bad(line, e.to_string()))?;
            Some(money(7, wc)?)
        };
        let rate = if col(9).is_empty() {
            None
        } else {
            Some(
                col(9)
                    .parse()
                    .map_err(|_| bad(line, format!("rate '{}' is not a number", col(9))))?,
            )
        };
        // The net may be negative (a refund), so it is read as a signed decimal.
        let net: Decimal = col(11)
            .parse()
            .map_err(|_| bad(line, format!("net '{}' is not an amount", col(11))))?;
        let net = Money::new(net, currency).map_err(|e| bad(line, format!("net: {e}")))?;
        if col(1).is_empty() {
            return Err(bad(line, "merchant_txn_id is empty".into()));
        }
        rows.push(Row {
            line,
            time: col(0).into(),
            merchant_txn_id: col(1).into(),
            wallet_txn_id: col(2).into(),
            wallet: col(3).into(),
            kind,
            amount: money(5, currency)?,
            wallet_amount,
            rate,
            fee: money(10, currency)?,
            net,
        });
    }
    Ok(SettlementFile {
        date,
        wallet,
        currency,
        rows,
    })
}

/// The file as text, rows in the given order.
pub fn to_text(file: &SettlementFile, merchant: &str) -> String {
    let mut out = format!(
        "# qrtill simulated settlement (bill download)\n# merchant: {merchant}\n# date: {}\n# wallet: {}\n# currency: {}\n",
        file.date,
        file.wallet,
        file.currency.code()
    );
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut write = || -> csv::Result<()> {
        w.write_record(HEADER)?;
        for r in &file.rows {
            w.write_record([
                r.time.clone(),
                r.merchant_txn_id.clone(),
                r.wallet_txn_id.clone(),
                r.wallet.clone(),
                r.kind.as_str().to_string(),
                r.amount.plain(),
                r.amount.currency().code().to_string(),
                r.wallet_amount.map(|m| m.plain()).unwrap_or_default(),
                r.wallet_amount
                    .map(|m| m.currency().code().to_string())
                    .unwrap_or_default(),
                r.rate.map(|d| d.to_string()).unwrap_or_default(),
                r.fee.plain(),
                r.net.plain(),
            ])?;
        }
        Ok(())
    };
    match write() {
        Ok(()) => {}
        Err(e) => out.push_str(&format!("# error: {e}\n")),
    }
    out.push_str(&String::from_utf8_lossy(
        &w.into_inner().unwrap_or_default(),
    ));
    out
}
