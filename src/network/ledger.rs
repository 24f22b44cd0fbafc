//! The network's own ledger: a SQLite file separate from the merchant journal, because the
//! wallet side is another party. WAL + `synchronous=FULL`; every state change is written
//! through in one transaction per call. `Network::open` reads back only open work (open
//! orders, live codes, balances); history is read on demand through the primary keys and the
//! indexes below, so opening costs the same with a million past payments as with none.
//!
//! No payment code is stored: codes are keyed by their SHA-256 digest and shown masked.

use super::card::CardAuth;
use super::state::{
    BalanceMove, IssuedCode, Order, RefundRecord, ShopperWallet, code_digest, mask_code,
};
use crate::clock::Timestamp;
use rusqlite::{Connection, OptionalExtension, Transaction, params};
use std::path::Path;

pub const SCHEMA_VERSION: i64 = 2;

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
    /// How many codes the network has issued so far (it numbers the next one).
    pub codes_issued: Option<u64>,
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
            && self.codes_issued.is_none()
    }
}

/// The open work `Network::open` starts from: never more than what is still in flight.
#[derive(Debug, Default, Clone)]
pub struct OpenWork {
    pub open_orders: Vec<Order>,
    /// Codes not yet presented (their digits are gone: the phone issues fresh ones).
    pub live_codes: Vec<IssuedCode>,
    pub shoppers: Vec<ShopperWallet>,
    pub codes_issued: u64,
}

pub struct LedgerStore {
    conn: Connection,
}

impl std::fmt::Debug for LedgerStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LedgerStore")
    }
}

/// Orders still open (`PaymentStage::is_open` as trade statuses), through `payments_stage`.
const OPEN_ORDERS_SQL: &str = "SELECT state_json FROM payments
    WHERE stage IN ('NOT_SCANNED', 'WAIT_BUYER_PAY') ORDER BY created_at, payment_request_id";

/// Codes never presented, through the partial index `codes_live`.
const LIVE_CODES_SQL: &str =
    "SELECT state_json FROM codes WHERE used_by IS NULL ORDER BY issued_at";

const TABLES: &str = "
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
    created_at INTEGER NOT NULL, state_json TEXT NOT NULL, bill_number TEXT);
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

/// v2: the indexes that let history stay on disk.
const INDEXES: &str = "
CREATE INDEX IF NOT EXISTS payments_stage ON payments(stage);
CREATE INDEX IF NOT EXISTS payments_bill ON payments(bill_number) WHERE bill_number IS NOT NULL;
CREATE INDEX IF NOT EXISTS codes_live ON codes(issued_at) WHERE used_by IS NULL;
";

fn to_json<T: serde::Serialize>(v: &T) -> Result<String, LedgerError> {
    serde_json::to_string(v).map_err(|e| LedgerError::Corrupt(e.to_string()))
}

fn from_json<T: serde::de::DeserializeOwned>(s: &str) -> Result<T, LedgerError> {
    serde_json::from_str(s).map_err(|e| LedgerError::Corrupt(e.to_string()))
}

fn set_meta(tx: &Transaction, key: &str, value: &str) -> Result<(), LedgerError> {
    tx.execute(
        "INSERT OR REPLACE INTO meta (key, value) VALUES (?1, ?2)",
        params![key, value],
    )?;
    Ok(())
}

/// v1 kept payment codes in clear (the codes table key and each order's method): file them
/// under their digest with a mask instead.
fn migrate_v1(tx: &Transaction) -> Result<(), LedgerError> {
    tx.execute_batch("ALTER TABLE payments ADD COLUMN bill_number TEXT;")?;
    let mut rows: Vec<(String, String)> = Vec::new();
    {
        let mut stmt = tx.prepare("SELECT payment_request_id, state_json FROM payments")?;
        let mut q = stmt.query([])?;
        while let Some(r) = q.next()? {
            rows.push((r.get(0)?, r.get(1)?));
        }
    }
    for (id, json) in rows {
        let mut v: serde_json::Value = from_json(&json)?;
        let code = v
            .pointer("/method/PaymentCode/code")
            .and_then(|c| c.as_str())
            .map(str::to_string);
        if let Some(code) = code {
            v["method"] = serde_json::json!({
                "PaymentCode": { "digest": code_digest(&code), "masked": mask_code(&code) }
            });
        }
        let bill = v
            .pointer("/method/OrderCode/bill_number")
            .and_then(|b| b.as_str())
            .map(str::to_string);
        tx.execute(
            "UPDATE payments SET state_json = ?2, bill_number = ?3 WHERE payment_request_id = ?1",
            params![id, to_json(&v)?, bill],
        )?;
    }
    let mut codes: Vec<(String, String)> = Vec::new();
    {
        let mut stmt = tx.prepare("SELECT code, state_json FROM codes")?;
        let mut q = stmt.query([])?;
        while let Some(r) = q.next()? {
            codes.push((r.get(0)?, r.get(1)?));
        }
    }
    let issued = codes.len();
    for (code, json) in codes {
        let mut v: serde_json::Value = from_json(&json)?;
        if let Some(obj) = v.as_object_mut() {
            obj.remove("code");
            obj.insert("digest".into(), code_digest(&code).into());
            obj.insert("masked".into(), mask_code(&code).into());
        }
        tx.execute("DELETE FROM codes WHERE code = ?1", params![code])?;
        tx.execute(
            "INSERT INTO codes (code, shopper_id, issued_at, used_by, state_json)
             SELECT ?1, json_extract(?2, '$.shopper'), json_extract(?2, '$.issued_at'),
                    json_extract(?2, '$.used_by'), ?2",
            params![code_digest(&code), to_json(&v)?],
        )?;
    }
    set_meta(tx, "codes_issued", &issued.to_string())
}

/// A prepared walk over the orders (reconciliation merges it with the journal's sales).
pub struct OrderCursor<'a> {
    stmt: rusqlite::Statement<'a>,
}

impl OrderCursor<'_> {
    /// The orders in payment request id order, decoded as they are read.
    pub fn orders(
        &mut self,
    ) -> Result<impl Iterator<Item = Result<Order, LedgerError>> + '_, LedgerError> {
        let rows = self.stmt.query_map([], |r| r.get::<_, String>(0))?;
        Ok(rows.map(|json| from_json::<Order>(&json?)))
    }
}

impl LedgerStore {
    /// Opens an existing ledger for reading only: nothing is created, migrated or written.
    pub fn open_read_only(path: &Path) -> Result<Self, LedgerError> {
        let conn = Connection::open_with_flags(
            path,
            rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        let found: Option<String> = conn
            .query_row(
                "SELECT value FROM meta WHERE key = 'schema_version'",
                [],
                |r| r.get(0),
            )
            .optional()?;
        let found = found.and_then(|v| v.parse::<i64>().ok()).unwrap_or(-1);
        if found != SCHEMA_VERSION {
            return Err(LedgerError::SchemaVersion { found });
        }
        Ok(Self { conn })
    }

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

    fn init(mut conn: Connection) -> Result<Self, LedgerError> {
        // Deleted rows (a migrated v1 code) are zeroed, not left in free pages.
        conn.pragma_update(None, "secure_delete", "ON")?;
        // One transaction: a process killed while creating or migrating the ledger leaves the
        // old state or the new one.
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        tx.execute_batch(TABLES)?;
        let found: Option<String> = tx
            .query_row(
                "SELECT value FROM meta WHERE key = 'schema_version'",
                [],
                |r| r.get(0),
            )
            .optional()?;
        let migrated = match found.map(|v| v.parse::<i64>().unwrap_or(-1)) {
            None => {
                set_meta(&tx, "codes_issued", "0")?;
                true
            }
            Some(1) => {
                migrate_v1(&tx)?;
                true
            }
            Some(SCHEMA_VERSION) => false,
            Some(found) => return Err(LedgerError::SchemaVersion { found }),
        };
        if migrated {
            tx.execute_batch(INDEXES)?;
            set_meta(&tx, "schema_version", &SCHEMA_VERSION.to_string())?;
        }
        tx.commit()?;
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
                   stage, amount, currency, wallet_amount, wallet_currency, refunded, created_at,
                   state_json, bill_number)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
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
                    o.bill_number(),
                ],
            )?;
        }
        for c in &batch.codes {
            tx.execute(
                "INSERT OR REPLACE INTO codes (code, shopper_id, issued_at, used_by, state_json)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![
                    c.digest,
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
        if let Some(n) = batch.codes_issued {
            set_meta(&tx, "codes_issued", &n.to_string())?;
        }
        tx.commit()?;
        Ok(())
    }

    fn all<T: serde::de::DeserializeOwned>(
        &self,
        sql: &str,
        args: impl rusqlite::Params,
    ) -> Result<Vec<T>, LedgerError> {
        let mut stmt = self.conn.prepare_cached(sql)?;
        let mut rows = stmt.query(args)?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            out.push(from_json(&r.get::<_, String>(0)?)?);
        }
        Ok(out)
    }

    fn one<T: serde::de::DeserializeOwned>(
        &self,
        sql: &str,
        args: impl rusqlite::Params,
    ) -> Result<Option<T>, LedgerError> {
        let json: Option<String> = self
            .conn
            .prepare_cached(sql)?
            .query_row(args, |r| r.get(0))
            .optional()?;
        json.map(|j| from_json(&j)).transpose()
    }

    /// What `Network::open` needs: open orders, unused codes, balances. Index lookups only.
    pub fn open_work(&self) -> Result<OpenWork, LedgerError> {
        let codes_issued: Option<String> = self
            .conn
            .query_row(
                "SELECT value FROM meta WHERE key = 'codes_issued'",
                [],
                |r| r.get(0),
            )
            .optional()?;
        let codes_issued = codes_issued
            .map(|v| v.parse::<u64>())
            .transpose()
            .map_err(|e| LedgerError::Corrupt(format!("codes_issued: {e}")))?
            .unwrap_or(0);
        Ok(OpenWork {
            open_orders: self.all(OPEN_ORDERS_SQL, [])?,
            live_codes: self.all(LIVE_CODES_SQL, [])?,
            shoppers: self.all("SELECT state_json FROM shoppers ORDER BY shopper_id", [])?,
            codes_issued,
        })
    }

    /// The order with this payment request id, open or finished.
    pub fn order(&self, request_id: &str) -> Result<Option<Order>, LedgerError> {
        self.one(
            "SELECT state_json FROM payments WHERE payment_request_id = ?1",
            params![request_id],
        )
    }

    /// The latest order shown under this bill number.
    pub fn order_by_bill(&self, bill_number: &str) -> Result<Option<Order>, LedgerError> {
        self.one(
            "SELECT state_json FROM payments WHERE bill_number = ?1
             ORDER BY created_at DESC LIMIT 1",
            params![bill_number],
        )
    }

    /// The code filed under `digest` (see `code_digest`).
    pub fn code(&self, digest: &str) -> Result<Option<IssuedCode>, LedgerError> {
        self.one(
            "SELECT state_json FROM codes WHERE code = ?1",
            params![digest],
        )
    }

    pub fn refund(&self, refund_request_id: &str) -> Result<Option<RefundRecord>, LedgerError> {
        self.one(
            "SELECT state_json FROM refunds WHERE refund_request_id = ?1",
            params![refund_request_id],
        )
    }

    pub fn card(&self, request_id: &str) -> Result<Option<CardAuth>, LedgerError> {
        self.one(
            "SELECT state_json FROM cards WHERE request_id = ?1",
            params![request_id],
        )
    }

    /// When a cancel closed this never-paid id, if one did.
    pub fn tombstone(&self, request_id: &str) -> Result<Option<Timestamp>, LedgerError> {
        Ok(self
            .conn
            .prepare_cached("SELECT at FROM tombstones WHERE payment_request_id = ?1")?
            .query_row(params![request_id], |r| r.get::<_, i64>(0))
            .optional()?
            .map(Timestamp))
    }

    /// Every balance move, in write order (audits and tests; this is history).
    pub fn moves(&self) -> Result<Vec<BalanceMove>, LedgerError> {
        self.all("SELECT state_json FROM moves ORDER BY seq", [])
    }

    /// Every refund the network holds, oldest first (the settlement files list them).
    pub fn all_refunds(&self) -> Result<Vec<RefundRecord>, LedgerError> {
        self.all(
            "SELECT state_json FROM refunds ORDER BY at, refund_request_id",
            [],
        )
    }

    /// Visits every order, by payment request id, one row at a time.
    pub fn for_each_order(
        &self,
        mut f: impl FnMut(Order) -> Result<(), LedgerError>,
    ) -> Result<(), LedgerError> {
        let mut stmt = self
            .conn
            .prepare("SELECT state_json FROM payments ORDER BY payment_request_id")?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            f(from_json(&r.get::<_, String>(0)?)?)?;
        }
        Ok(())
    }

    /// Every order, by payment request id, read one row at a time (see `OrderCursor`).
    pub fn order_cursor(&self) -> Result<OrderCursor<'_>, LedgerError> {
        Ok(OrderCursor {
            stmt: self
                .conn
                .prepare("SELECT state_json FROM payments ORDER BY payment_request_id")?,
        })
    }

    /// Visits every card authorization, by request id, one row at a time.
    pub fn for_each_card(
        &self,
        mut f: impl FnMut(CardAuth) -> Result<(), LedgerError>,
    ) -> Result<(), LedgerError> {
        let mut stmt = self
            .conn
            .prepare("SELECT state_json FROM cards ORDER BY request_id")?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            f(from_json(&r.get::<_, String>(0)?)?)?;
        }
        Ok(())
    }

    /// References (payment request ids) the shopper was charged for more than once, with the
    /// number of charges: a double charge whatever the orders say.
    pub fn repeated_charges(&self) -> Result<Vec<(String, u64)>, LedgerError> {
        let mut stmt = self.conn.prepare(
            "SELECT reference, COUNT(*) FROM moves WHERE kind = 'charge'
             GROUP BY reference HAVING COUNT(*) > 1 ORDER BY reference",
        )?;
        let rows = stmt
            .query_map([], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)? as u64))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
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
        let work = store.open_work().unwrap();
        assert_eq!(work.shoppers, vec![wallet]);
    }

    #[test]
    fn opening_reads_open_work_through_indexes_not_over_history() {
        let store = LedgerStore::in_memory().unwrap();
        for sql in [
            OPEN_ORDERS_SQL,
            LIVE_CODES_SQL,
            "SELECT state_json FROM payments WHERE bill_number = 'B' ORDER BY created_at DESC",
        ] {
            let mut stmt = store
                .conn
                .prepare(&format!("EXPLAIN QUERY PLAN {sql}"))
                .unwrap();
            let plan: Vec<String> = stmt
                .query_map([], |r| r.get::<_, String>(3))
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap();
            // A scan of the partial index `codes_live` reads only the unused codes.
            assert!(
                plan.iter()
                    .all(|step| !step.starts_with("SCAN") || step.ends_with("INDEX codes_live")),
                "{sql}: {plan:?}"
            );
        }
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
