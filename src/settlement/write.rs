//! The simulated network's settlement files: for each settlement date (the store's local date
//! of the payment or refund), one file for the acquirer (every wallet) and one per wallet.

use super::file::{Row, RowType, SettlementFile, fee_for, to_text};
use crate::money::{Currency, Decimal, Money};
use crate::network::{LedgerError, LedgerStore, PaymentStage, WalletBook, WalletId};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

/// The `[settlement]` table of the config: the fee each wallet (by id) takes, as a rate of the
/// merchant amount; `fee_rate` for any wallet not listed. Refunds carry no fee.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SettlementSettings {
    #[serde(with = "rust_decimal::serde::str")]
    pub fee_rate: Decimal,
    pub fees: BTreeMap<String, String>,
}

impl Default for SettlementSettings {
    fn default() -> Self {
        let fees = [("alipay-cn", "0.0055"), ("wechat-cn", "0.0060")]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Self {
            fee_rate: Decimal::new(60, 4),
            fees,
        }
    }
}

impl SettlementSettings {
    pub fn rate_for(&self, wallet_id: &str) -> Decimal {
        self.fees
            .get(wallet_id)
            .and_then(|r| r.parse().ok())
            .unwrap_or(self.fee_rate)
    }
}

fn date_of(t: crate::clock::Timestamp, offset: i32) -> String {
    t.format_local(offset)
        .get(..10)
        .unwrap_or("unknown")
        .to_string()
}

/// Writes every settlement file the ledger holds into `dir` (created if needed) and returns
/// their paths: `settlement-DATE-acquirer.csv` and `settlement-DATE-WALLET_ID.csv`.
pub fn write_files(
    ledger: &LedgerStore,
    book: &WalletBook,
    settings: &SettlementSettings,
    currency: Currency,
    utc_offset_minutes: i32,
    merchant: &str,
    dir: &Path,
) -> Result<Vec<PathBuf>, String> {
    let brand = |id: &WalletId| book.wallet(id).map_or(id.0.clone(), |w| w.brand.clone());
    // (date, wallet id) → rows; the wallet id is kept to name the file.
    let mut files: BTreeMap<(String, String), Vec<(i64, Row)>> = BTreeMap::new();
    let mut wallet_of: HashMap<String, (WalletId, Option<Decimal>, String)> = HashMap::new();
    ledger
        .for_each_order(|o| {
            let (Some(paid_at), Some(wallet)) = (o.paid_at, o.wallet.clone()) else {
                return Ok(());
            };
            let paid = matches!(
                o.stage,
                PaymentStage::Paid | PaymentStage::PartiallyRefunded | PaymentStage::Refunded
            );
            if !paid || o.amount.currency() != currency {
                return Ok(());
            }
            let rate = o.quote.as_ref().map(|q| q.rate);
            wallet_of.insert(
                o.request_id.clone(),
                (wallet.clone(), rate, o.payment_id.clone()),
            );
            let fee = fee_for(o.amount, settings.rate_for(&wallet.0));
            let net = o.amount.checked_sub(fee).unwrap_or(o.amount);
            let row = Row {
                line: 0,
                time: paid_at.format_local(utc_offset_minutes),
                merchant_txn_id: o.request_id.clone(),
                wallet_txn_id: o.payment_id.clone(),
                wallet: brand(&wallet),
                kind: RowType::Payment,
                amount: o.amount,
                wallet_amount: o.wallet_amount,
                rate,
                fee,
                net,
            };
            let date = date_of(paid_at, utc_offset_minutes);
            files
                .entry((date, wallet.0.clone()))
                .or_default()
                .push((paid_at.0, row));
            Ok(())
        })
        .map_err(|e: LedgerError| e.to_string())?;
    for r in ledger.all_refunds().map_err(|e| e.to_string())? {
        let v = &r.view;
        let Some((wallet, rate, _)) = wallet_of.get(&v.payment_request_id) else {
            continue;
        };
        let row = Row {
            line: 0,
            time: v.refunded_at.format_local(utc_offset_minutes),
            merchant_txn_id: v.refund_request_id.clone(),
            wallet_txn_id: v.refund_id.clone(),
            wallet: brand(wallet),
            kind: RowType::Refund,
            amount: v.amount,
            wallet_amount: Some(v.wallet_amount),
            rate: *rate,
            fee: Money::zero(currency),
            net: Money::new(-v.amount.amount(), currency).unwrap_or(v.amount),
        };
        let date = date_of(v.refunded_at, utc_offset_minutes);
        files
            .entry((date, wallet.0.clone()))
            .or_default()
            .push((v.refunded_at.0, row));
    }
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let mut acquirer: BTreeMap<String, Vec<(i64, Row)>> = BTreeMap::new();
    let mut written = Vec::new();
    let mut put = |name: String, file: SettlementFile| -> Result<(), String> {
        let path = dir.join(name);
        std::fs::write(&path, to_text(&file, merchant))
            .map_err(|e| format!("{}: {e}", path.display()))?;
        written.push(path);
        Ok(())
    };
    for ((date, wallet_id), mut rows) in files {
        rows.sort_by(|a, b| {
            a.0.cmp(&b.0)
                .then(a.1.merchant_txn_id.cmp(&b.1.merchant_txn_id))
        });
        acquirer
            .entry(date.clone())
            .or_default()
            .extend(rows.iter().cloned());
        let brand = rows.first().map(|r| r.1.wallet.clone()).unwrap_or_default();
        put(
            format!("settlement-{date}-{wallet_id}.csv"),
            SettlementFile {
                date,
                wallet: brand,
                currency,
                rows: rows.into_iter().map(|r| r.1).collect(),
            },
        )?;
    }
    for (date, mut rows) in acquirer {
        rows.sort_by(|a, b| {
            a.0.cmp(&b.0)
                .then(a.1.merchant_txn_id.cmp(&b.1.merchant_txn_id))
        });
        put(
            format!("settlement-{date}-acquirer.csv"),
            SettlementFile {
                date,
                wallet: "acquirer".into(),
                currency,
                rows: rows.into_iter().map(|r| r.1).collect(),
            },
        )?;
    }
    Ok(written)
}
