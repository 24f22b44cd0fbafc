//! The network's own ledger: a SQLite file separate from the merchant journal, because the
//! wallet side is another party. WAL + `synchronous=FULL`; every state change is written
//! through in one transaction per call, and `Network::open` restores from it after a crash.

use super::card::CardAuth;
use super::state::{BalanceMove, IssuedCode, Order, RefundRecord, ShopperWallet};
use crate::clock::Timestamp;
use rusqlite::{Connection, OptionalExtension, params};
use std::path::Path;

pub const SCHEMA_VERSION: i64 = 1;

#[derive(Debug, thiserror::Error)]
pub enum LedgerError {
    #[error("network ledger: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("network ledger row is unreadable: {0}")]
    Corrupt(String),
    #[error("network ledger schema v{found} is not supported (expected v{SCHEMA_VERSION})")]
    SchemaVersion { found: i64 },
}

/// Everything one call changed, written atomically.
#[derive(Debug, Default, Clone)]
pub struct LedgerBatch {
    pub orders: Vec<Order>,
    pub codes: Vec<IssuedCode>,
    pub shoppers: Vec<ShopperWallet>,
    pub moves: Vec<BalanceMove>,
    pub refunds: Vec<RefundRecord>,
    pub cards: Vec<CardAuth>,
    /// Cancels that arrived for ids never paid: (request id, time).
    pub tombstones: Vec<(String, Timestamp)>,
}

impl LedgerBatch {
    pub fn is_empty(&self) -> bool {
        self.orders.is_empty()
            && self.codes.is_empty()
            && self.shoppers.is_empty()
            && self.moves.is_empty()
            && self.refunds.is_empty()
            && self.cards.is_empty()
            && self.tombstones.is_empty()
    }
}

/// The whole ledger as loaded at start: the same records a batch writes, all of them.
pub type LedgerSnapshot = LedgerBatch;

pub struct LedgerStore {
    conn: Connection,
}

impl std::fmt::Debug for LedgerStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LedgerStore")
    }
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS shoppers (
    shopper_id TEXT PRIMARY KEY, balance TEXT NOT NULL, currency TEXT NOT NULL,
    offline INTEGER NOT NULL, state_json TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS codes (
    code TEXT PRIMARY KEY, shopper_id TEXT NOT NULL, issued_at INTEGER NOT NULL,
    used_by TEXT, state_json TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS payments (
    payment_request_id TEXT PRIMARY KEY, payment_id TEXT NOT NULL, shopper_id TEXT,
    wallet_id TEXT, stage TEXT NOT NULL, amount TEXT NOT NULL, currency TEXT NOT NULL,
    wallet_amount TEXT, wallet_currency TEXT, refunded TEXT NOT NULL,
    created_at INTEGER NOT NULL, state_json TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS tombstones (payment_request_id TEXT PRIMARY KEY, at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS refunds (
    refund_request_id TEXT PRIMARY KEY, payment_request_id TEXT NOT NULL,
    amount TEXT NOT NULL, wallet_amount TEXT NOT NULL, at INTEGER NOT NULL,
    state_json TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS cards (
    request_id TEXT PRIMARY KEY, approved INTEGER NOT NULL, amount TEXT NOT NULL,
    state_json TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS moves (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, shopper_id TEXT NOT NULL, kind TEXT NOT NULL,
    amount TEXT NOT NULL, currency TEXT NOT NULL, reference TEXT NOT NULL, at INTEGER NOT NULL,
    state_json TEXT NOT NULL);
";

fn to_json<T: serde::Serialize>(v: &T) -> Result<String, LedgerError> {
    serde_json::to_string(v).map_err(|e| LedgerError::Corrupt(e.to_string()))
}

fn from_json<T: serde::de::DeserializeOwned>(s: &str) -> Result<T, LedgerError> {
    serde_json::from_str(s).map_err(|e| LedgerError::Corrupt(e.to_string()))
}

impl LedgerStore {
    /// Opens (or creates) the ledger file with WAL and `synchronous=FULL`.
    pub fn open(path: &Path) -> Result<Self, LedgerError> {
        let conn = Connection::open(path)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        Self::init(conn)
    }

    /// A ledger that lives only as long as the process (tests, benches, demos).
    pub fn in_memory() -> Result<Self, LedgerError> {
        Self::init(Connection::open_in_memory()?)
    }

    fn init(conn: Connection) -> Result<Self, LedgerError> {
        // One transaction: a process killed while creating the ledger leaves all tables or none.
        conn.execute_batch(&format!("BEGIN IMMEDIATE;{SCHEMA}COMMIT;"))?;
        let found: Option<String> = conn
            .query_row(
                "SELECT value FROM meta WHERE key = 'schema_version'",
                [],
                |r| r.get(0),
            )
            .optional()?;
        match found {
            None => {
                conn.execute(
                    "INSERT INTO meta (key, value) VALUES ('schema_version', ?1)",
                    params![SCHEMA_VERSION.to_string()],
                )?;
            }
            Some(v) => {
                let found = v.parse::<i64>().unwrap_or(-1);
                if found != SCHEMA_VERSION {
                    return Err(LedgerError::SchemaVersion { found });
                }
            }
        }
        Ok(Self { conn })
    }

    /// Writes one call's changes atomically.
    pub fn commit(&mut self, batch: &LedgerBatch) -> Result<(), LedgerError> {
        if batch.is_empty() {
            return Ok(());
        }
        let tx = self.conn.transaction()?;
        for o in &batch.orders {
            tx.execute(
                "INSERT OR REPLACE INTO payments (payment_request_id, payment_id, shopper_id, wallet_id,
                   stage, amount, currency, wallet_amount, wallet_currency, refunded, created_at, state_json)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
                params![
                    o.request_id,
                    o.payment_id,
                    o.shopper.as_ref().map(|s| s.0.clone()),
                    o.wallet.as_ref().map(|w| w.0.clone()),
                    o.stage.trade_status(),
                    o.amount.plain(),
                    o.amount.currency().code(),
                    o.wallet_amount.map(|m| m.plain()),
                    o.wallet_amount.map(|m| m.currency().code()),
                    o.refunded.plain(),
                    o.created_at.millis(),
                    to_json(o)?,
                ],
            )?;
        }
        for c in &batch.codes {
            tx.execute(
                "INSERT OR REPLACE INTO codes (code, shopper_id, issued_at, used_by, state_json)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![
                    c.code,
                    c.shopper.0,
                    c.issued_at.millis(),
                    c.used_by,
                    to_json(c)?
                ],
            )?;
        }
        for s in &batch.shoppers {
            tx.execute(
                "INSERT OR REPLACE INTO shoppers (shopper_id, balance, currency, offline, state_json)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![
                    s.id.0,
                    s.balance.plain(),
                    s.balance.currency().code(),
                    s.offline,
                    to_json(s)?
                ],
            )?;
        }
        for m in &batch.moves {
            tx.execute(
                "INSERT INTO moves (shopper_id, kind, amount, currency, reference, at, state_json)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![
                    m.shopper.0,
                    m.kind.name(),
                    m.amount.amount().to_string(),
                    m.amount.currency().code(),
                    m.reference,
                    m.at.millis(),
                    to_json(m)?
                ],
            )?;
        }
        for r in &batch.refunds {
            tx.execute(
                "INSERT OR REPLACE INTO refunds (refund_request_id, payment_request_id, amount,
                   wallet_amount, at, state_json) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![
                    r.view.refund_request_id,
                    r.view.payment_request_id,
                    r.view.amount.plain(),
                    r.view.wallet_amount.plain(),
                    r.view.refunded_at.millis(),
                    to_json(r)?
                ],
            )?;
        }
        for c in &batch.cards {
            tx.execute(
                "INSERT OR REPLACE INTO cards (request_id, approved, amount, state_json)
                 VALUES (?1, ?2, ?3, ?4)",
                params![
                    c.response.request_id,
                    c.response.approved,
                    c.response.amount.plain(),
                    to_json(c)?
                ],
            )?;
        }
        for (id, at) in &batch.tombstones {
            tx.execute(
                "INSERT OR REPLACE INTO tombstones (payment_request_id, at) VALUES (?1, ?2)",
                params![id, at.millis()],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Reads every record back, in write order where order matters (moves).
    pub fn load(&self) -> Result<LedgerSnapshot, LedgerError> {
        fn all<T: serde::de::DeserializeOwned>(
            conn: &Connection,
            sql: &str,
        ) -> Result<Vec<T>, LedgerError> {
            let mut stmt = conn.prepare(sql)?;
            let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
            let mut out = Vec::new();
            for row in rows {
                out.push(from_json(&row?)?);
            }
            Ok(out)
        }
        let mut stmt = self
            .conn
            .prepare("SELECT payment_request_id, at FROM tombstones ORDER BY at")?;
        let tombstones = stmt
            .query_map([], |r| {
                Ok((r.get::<_, String>(0)?, Timestamp(r.get::<_, i64>(1)?)))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(LedgerSnapshot {
            orders: all(
                &self.conn,
                "SELECT state_json FROM payments ORDER BY created_at, payment_request_id",
            )?,
            codes: all(
                &self.conn,
                "SELECT state_json FROM codes ORDER BY issued_at, code",
            )?,
            shoppers: all(
                &self.conn,
                "SELECT state_json FROM shoppers ORDER BY shopper_id",
            )?,
            moves: all(&self.conn, "SELECT state_json FROM moves ORDER BY seq")?,
            refunds: all(
                &self.conn,
                "SELECT state_json FROM refunds ORDER BY at, refund_request_id",
            )?,
            cards: all(
                &self.conn,
                "SELECT state_json FROM cards ORDER BY request_id",
            )?,
            tombstones,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::{Currency, Money};
    use crate::network::book::ShopperId;

    #[test]
    fn shopper_balance_survives_reopening_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("network.sqlite");
        let wallet = ShopperWallet {
            id: ShopperId::new("li-na"),
            balance: Money::from_minor(12_345, Currency::CNY).unwrap(),
            offline: true,
        };
        {
            let mut store = LedgerStore::open(&path).unwrap();
            let batch = LedgerBatch {
                shoppers: vec![wallet.clone()],
                ..LedgerBatch::default()
            };
            store.commit(&batch).unwrap();
        }
        let store = LedgerStore::open(&path).unwrap();
        let snap = store.load().unwrap();
        assert_eq!(snap.shoppers, vec![wallet]);
    }

    #[test]
    fn a_newer_schema_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("n.sqlite");
        drop(LedgerStore::open(&path).unwrap());
        let conn = Connection::open(&path).unwrap();
        conn.execute(
            "UPDATE meta SET value = '99' WHERE key = 'schema_version'",
            [],
        )
        .unwrap();
        drop(conn);
        assert!(matches!(
            LedgerStore::open(&path),
            Err(LedgerError::SchemaVersion { found: 99 })
        ));
    }
}
