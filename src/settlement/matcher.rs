//! Matching a settlement file against the journal (wallet sales and refunds) and the Z reports.

use super::file::{Row, RowType, SettlementFile};
use crate::checkout::sale::{CompletedSale, SaleTender};
use crate::journal::{Journal, JournalError, RefundState};
use crate::money::{Decimal, Money};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap, HashSet};

/// One difference between the file and the journal. Each names the transaction and, for the
/// file's side, the line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Mismatch {
    /// In the file, not in the journal.
    MissingInJournal {
        line: usize,
        merchant_txn_id: String,
        r#type: String,
    },
    /// In the journal (that date and wallet), not in the file.
    MissingInFile {
        merchant_txn_id: String,
        r#type: String,
        amount: String,
    },
    AmountDiffers {
        line: usize,
        merchant_txn_id: String,
        journal: String,
        file: String,
    },
    WalletAmountDiffers {
        line: usize,
        merchant_txn_id: String,
        journal: String,
        file: String,
    },
    WalletTxnIdDiffers {
        line: usize,
        merchant_txn_id: String,
        journal: String,
        file: String,
    },
    /// The fee is not the configured rate of the amount (half-up to the minor unit).
    FeeDiffers {
        line: usize,
        merchant_txn_id: String,
        expected: String,
        file: String,
    },
    /// The net is not the amount less the fee (payments) or minus the amount (refunds).
    NetDiffers {
        line: usize,
        merchant_txn_id: String,
        expected: String,
        file: String,
    },
    /// The same transaction listed twice.
    Duplicate {
        line: usize,
        merchant_txn_id: String,
    },
}

impl Mismatch {
    pub fn describe(&self) -> String {
        match self {
            Mismatch::MissingInJournal {
                line,
                merchant_txn_id,
                r#type,
            } => {
                format!("line {line}: {type} {merchant_txn_id} is not in the journal")
            }
            Mismatch::MissingInFile {
                merchant_txn_id,
                r#type,
                amount,
            } => {
                format!("{type} {merchant_txn_id} ({amount}) is in the journal but not in the file")
            }
            Mismatch::AmountDiffers {
                line,
                merchant_txn_id,
                journal,
                file,
            } => format!(
                "line {line}: {merchant_txn_id} amount differs: journal {journal}, file {file}"
            ),
            Mismatch::WalletAmountDiffers {
                line,
                merchant_txn_id,
                journal,
                file,
            } => format!(
                "line {line}: {merchant_txn_id} wallet amount differs: journal {journal}, file {file}"
            ),
            Mismatch::WalletTxnIdDiffers {
                line,
                merchant_txn_id,
                journal,
                file,
            } => format!(
                "line {line}: {merchant_txn_id} wallet transaction id differs: journal {journal}, file {file}"
            ),
            Mismatch::FeeDiffers {
                line,
                merchant_txn_id,
                expected,
                file,
            } => format!(
                "line {line}: {merchant_txn_id} fee differs: expected {expected}, file {file}"
            ),
            Mismatch::NetDiffers {
                line,
                merchant_txn_id,
                expected,
                file,
            } => format!(
                "line {line}: {merchant_txn_id} net differs: expected {expected}, file {file}"
            ),
            Mismatch::Duplicate {
                line,
                merchant_txn_id,
            } => {
                format!("line {line}: {merchant_txn_id} is listed twice")
            }
        }
    }
}

/// Matched payments per Z report (`z: None`: a shift still open, or sold outside a shift).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ZShare {
    pub z: Option<i64>,
    pub count: u64,
    #[serde(with = "rust_decimal::serde::str")]
    pub amount: Decimal,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Outcome {
    pub date: String,
    pub wallet: String,
    pub matched_payments: u64,
    #[serde(with = "rust_decimal::serde::str")]
    pub matched_payment_amount: Decimal,
    pub matched_refunds: u64,
    #[serde(with = "rust_decimal::serde::str")]
    pub matched_refund_amount: Decimal,
    #[serde(with = "rust_decimal::serde::str")]
    pub fee_total: Decimal,
    #[serde(with = "rust_decimal::serde::str")]
    pub net_total: Decimal,
    pub by_z: Vec<ZShare>,
    pub mismatches: Vec<Mismatch>,
}

impl Outcome {
    pub fn differs(&self) -> bool {
        !self.mismatches.is_empty()
    }
}

fn opt_text(m: Option<Money>) -> String {
    m.map_or("none".into(), |m| m.with_code())
}

/// Matches `file` against `journal` on `lane`. `expected_fee(row)` is the fee the config asks
/// for that row's wallet; `utc_offset_minutes` gives the journal's settlement dates.
pub fn settle(
    file: &SettlementFile,
    journal: &Journal,
    lane: &str,
    utc_offset_minutes: i32,
    expected_fee: &dyn Fn(&Row) -> Option<Money>,
) -> Result<Outcome, JournalError> {
    let mut sales: HashMap<String, CompletedSale> = HashMap::new();
    {
        let mut cursor = journal.wallet_sale_cursor()?;
        for s in cursor.sales()? {
            let s = s?;
            if let SaleTender::Wallet(w) = &s.tender {
                sales.insert(w.payment_request_id.clone(), s.clone());
            }
        }
    }
    let z_of_shift: HashMap<i64, i64> = journal
        .z_reports()?
        .into_iter()
        .filter(|z| z.lane_id == lane)
        .map(|z| (z.shift_id, z.z_no))
        .collect();
    let refunds: HashMap<String, crate::journal::RefundRecord> = journal
        .all_refunds()?
        .into_iter()
        .map(|r| (r.refund.refund_request_id.clone(), r))
        .collect();
    let mut out = Outcome {
        date: file.date.clone(),
        wallet: file.wallet.clone(),
        matched_payments: 0,
        matched_payment_amount: Decimal::ZERO,
        matched_refunds: 0,
        matched_refund_amount: Decimal::ZERO,
        fee_total: Decimal::ZERO,
        net_total: Decimal::ZERO,
        by_z: Vec::new(),
        mismatches: Vec::new(),
    };
    let mut by_z: BTreeMap<Option<i64>, (u64, Decimal)> = BTreeMap::new();
    let mut seen = HashSet::new();
    for row in &file.rows {
        let id = row.merchant_txn_id.clone();
        if !seen.insert(id.clone()) {
            out.mismatches.push(Mismatch::Duplicate {
                line: row.line,
                merchant_txn_id: id,
            });
            continue;
        }
        out.fee_total += row.fee.amount();
        out.net_total += row.net.amount();
        if let Some(fee) = expected_fee(row)
            && fee != row.fee
        {
            out.mismatches.push(Mismatch::FeeDiffers {
                line: row.line,
                merchant_txn_id: id.clone(),
                expected: fee.plain(),
                file: row.fee.plain(),
            });
        }
        let expected_net = match row.kind {
            RowType::Payment => row.amount.amount() - row.fee.amount(),
            RowType::Refund => -row.amount.amount() + row.fee.amount(),
        };
        if expected_net != row.net.amount() {
            out.mismatches.push(Mismatch::NetDiffers {
                line: row.line,
                merchant_txn_id: id.clone(),
                expected: expected_net.to_string(),
                file: row.net.plain(),
            });
        }
        let (journal_amount, journal_wallet, journal_txn) = match row.kind {
            RowType::Payment => match sales.get(&id) {
                Some(s) => {
                    let SaleTender::Wallet(w) = &s.tender else {
                        continue;
                    };
                    let z = journal
                        .shift_of_sale(&s.lane_id, s.sale_no)?
                        .and_then(|shift| z_of_shift.get(&shift).copied());
                    let e = by_z.entry(z).or_default();
                    e.0 += 1;
                    e.1 += w.amount.amount();
                    (w.amount, w.wallet_amount, w.wallet_txn_id.clone())
                }
                None => {
                    out.mismatches.push(Mismatch::MissingInJournal {
                        line: row.line,
                        merchant_txn_id: id,
                        r#type: "payment".into(),
                    });
                    continue;
                }
            },
            RowType::Refund => match refunds.get(&id) {
                Some(r) => (
                    r.refund.amount,
                    r.settled_wallet_amount.or(r.refund.wallet_amount),
                    r.network_id.clone().unwrap_or_default(),
                ),
                None => {
                    out.mismatches.push(Mismatch::MissingInJournal {
                        line: row.line,
                        merchant_txn_id: id,
                        r#type: "refund".into(),
                    });
                    continue;
                }
            },
        };
        let mut agrees = true;
        if journal_amount != row.amount {
            agrees = false;
            out.mismatches.push(Mismatch::AmountDiffers {
                line: row.line,
                merchant_txn_id: id.clone(),
                journal: journal_amount.with_code(),
                file: row.amount.with_code(),
            });
        }
        if journal_wallet.is_some() && journal_wallet != row.wallet_amount {
            agrees = false;
            out.mismatches.push(Mismatch::WalletAmountDiffers {
                line: row.line,
                merchant_txn_id: id.clone(),
                journal: opt_text(journal_wallet),
                file: opt_text(row.wallet_amount),
            });
        }
        if !journal_txn.is_empty() && journal_txn != row.wallet_txn_id {
            agrees = false;
            out.mismatches.push(Mismatch::WalletTxnIdDiffers {
                line: row.line,
                merchant_txn_id: id.clone(),
                journal: journal_txn,
                file: row.wallet_txn_id.clone(),
            });
        }
        if agrees {
            match row.kind {
                RowType::Payment => {
                    out.matched_payments += 1;
                    out.matched_payment_amount += row.amount.amount();
                }
                RowType::Refund => {
                    out.matched_refunds += 1;
                    out.matched_refund_amount += row.amount.amount();
                }
            }
        }
    }
    // The journal's side: wallet payments and refunds of that date and wallet the file lacks.
    let of_file = |brand: &str| file.wallet == "acquirer" || file.wallet == brand;
    let date_of = |t: crate::clock::Timestamp| {
        t.format_local(utc_offset_minutes)
            .get(..10)
            .map(str::to_string)
    };
    let mut missing: Vec<(String, Mismatch)> = Vec::new();
    for (id, s) in &sales {
        let SaleTender::Wallet(w) = &s.tender else {
            continue;
        };
        if !seen.contains(id)
            && of_file(&w.brand)
            && date_of(s.completed_at).as_deref() == Some(&file.date)
        {
            missing.push((
                id.clone(),
                Mismatch::MissingInFile {
                    merchant_txn_id: id.clone(),
                    r#type: "payment".into(),
                    amount: w.amount.with_code(),
                },
            ));
        }
    }
    for (id, r) in &refunds {
        let wallet_refund = r.refund.tender == "wallet" && r.state == RefundState::Settled;
        let brand = r.refund.brand.as_deref().unwrap_or("");
        if wallet_refund
            && !seen.contains(id)
            && of_file(brand)
            && date_of(r.updated_at).as_deref() == Some(&file.date)
        {
            missing.push((
                id.clone(),
                Mismatch::MissingInFile {
                    merchant_txn_id: id.clone(),
                    r#type: "refund".into(),
                    amount: r.refund.amount.with_code(),
                },
            ));
        }
    }
    missing.sort_by(|a, b| a.0.cmp(&b.0));
    out.mismatches.extend(missing.into_iter().map(|m| m.1));
    out.by_z = by_z
        .into_iter()
        .map(|(z, (count, amount))| ZShare { z, count, amount })
        .collect();
    in_minor_units(&mut out, file.currency);
    Ok(out)
}

/// Money keeps its amounts normalized (`5` for 5.00): every total is shown with the currency's
/// minor units (`0.00`, `4.50`), in the text and the JSON alike. Rescaling to a scale at least
/// that of every row never rounds.
fn in_minor_units(out: &mut Outcome, currency: crate::money::Currency) {
    let Ok(scale) = crate::money::minor_units(currency) else {
        return;
    };
    let fields = [
        &mut out.matched_payment_amount,
        &mut out.matched_refund_amount,
        &mut out.fee_total,
        &mut out.net_total,
    ];
    for amount in fields
        .into_iter()
        .chain(out.by_z.iter_mut().map(|z| &mut z.amount))
    {
        amount.rescale(scale);
    }
}

#[cfg(test)]
mod minor_unit_tests {
    use super::*;
    use crate::money::Currency;

    fn row(line: usize, amount: &str, fee: &str, net: &str) -> Row {
        let usd = |t: &str| Money::parse(t, Currency::USD).unwrap();
        Row {
            line,
            time: "2026-11-30 10:00:00".into(),
            merchant_txn_id: format!("S1L03A{line}"),
            wallet_txn_id: format!("W{line}"),
            wallet: "Alipay+".into(),
            kind: RowType::Payment,
            amount: usd(amount),
            wallet_amount: None,
            rate: None,
            fee: usd(fee),
            net: usd(net),
        }
    }

    fn settle_rows(rows: Vec<Row>) -> Outcome {
        let dir = tempfile::tempdir().unwrap();
        let journal = Journal::open(&dir.path().join("journal.sqlite")).unwrap();
        let file = SettlementFile {
            date: "2026-11-30".into(),
            wallet: "acquirer".into(),
            currency: Currency::USD,
            rows,
        };
        settle(&file, &journal, "03", 0, &|_| None).unwrap()
    }

    #[test]
    fn a_zero_total_keeps_the_currency_minor_units() {
        let out = settle_rows(vec![]);
        for total in [
            out.matched_payment_amount,
            out.matched_refund_amount,
            out.fee_total,
            out.net_total,
        ] {
            assert_eq!(total.to_string(), "0.00");
        }
        let json = serde_json::to_value(&out).unwrap();
        assert_eq!(json["fee_total"], "0.00");
    }

    #[test]
    fn sums_of_normalized_amounts_print_two_decimals() {
        // 5.00 and 4.50 are held as 5 and 4.5; their sums print as cents.
        let out = settle_rows(vec![
            row(3, "5.00", "0.00", "5.00"),
            row(4, "4.50", "0", "4.50"),
        ]);
        assert_eq!(out.fee_total.to_string(), "0.00");
        assert_eq!(out.net_total.to_string(), "9.50");
        // Neither payment is in the (empty) journal: nothing matched, and that is named.
        assert_eq!(out.matched_payment_amount.to_string(), "0.00");
        assert_eq!(out.mismatches.len(), 2);
    }
}
