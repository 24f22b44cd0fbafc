//! The store schema, as versioned migrations applied in order (`qrtill store init`). Like the
//! journal's, the list is append-only: a released entry is never edited.

use super::StoreError;

/// Entry `i` takes the schema from version `i` to `i + 1`.
pub const MIGRATIONS: &[&str] = &[
    // 1: lanes, replicated sales, and the per-day aggregates store reports read.
    r#"
    CREATE TABLE lanes (
        store_id        TEXT   NOT NULL,
        lane_id         TEXT   NOT NULL,
        -- Highest journal row id copied from this lane (the outbox position).
        replicated_seq  BIGINT NOT NULL DEFAULT 0,
        -- The lane's own newest journal row id when it last called.
        journal_seq     BIGINT NOT NULL DEFAULT 0,
        last_contact    TIMESTAMPTZ,
        PRIMARY KEY (store_id, lane_id)
    );
    CREATE TABLE sales (
        store_id      TEXT   NOT NULL,
        lane_id       TEXT   NOT NULL,
        seq           BIGINT NOT NULL,
        sale_no       BIGINT NOT NULL,
        completed_at  BIGINT NOT NULL,
        business_date TEXT   NOT NULL,
        total_minor   BIGINT NOT NULL,
        currency      TEXT   NOT NULL,
        tender        TEXT   NOT NULL,
        body          TEXT   NOT NULL,
        replicated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
        PRIMARY KEY (store_id, lane_id, seq),
        UNIQUE (store_id, lane_id, sale_no)
    );
    -- Kept in the same transaction as each inserted sale: a store Z reads these rows, never
    -- the sales.
    CREATE TABLE day_totals (
        store_id      TEXT   NOT NULL,
        business_date TEXT   NOT NULL,
        lane_id       TEXT   NOT NULL,
        currency      TEXT   NOT NULL,
        tender        TEXT   NOT NULL,
        sales         BIGINT NOT NULL,
        total_minor   BIGINT NOT NULL,
        PRIMARY KEY (store_id, business_date, lane_id, currency, tender)
    );
    "#,
    // 2: refunds reserved against replicated sales, from any lane.
    r#"
    CREATE TABLE refunds (
        store_id      TEXT   NOT NULL,
        refund_id     TEXT   NOT NULL,
        sale_lane     TEXT   NOT NULL,
        sale_no       BIGINT NOT NULL,
        by_lane       TEXT   NOT NULL,
        amount_minor  BIGINT NOT NULL CHECK (amount_minor > 0),
        reserved_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
        PRIMARY KEY (store_id, refund_id),
        FOREIGN KEY (store_id, sale_lane, sale_no) REFERENCES sales (store_id, lane_id, sale_no)
    );
    CREATE INDEX refunds_by_sale ON refunds (store_id, sale_lane, sale_no);
    "#,
    // 3: refunds, shift events and Z reports replicated beside sales. The lane's position
    // (`lanes.replicated_seq`, `journal_seq`) becomes its journal outbox sequence (journal
    // migration 7), so positions kept by sale row id restart from 0: every copy is keyed by
    // its own row, so sending again what the store holds changes nothing.
    r#"
    UPDATE lanes SET replicated_seq = 0, journal_seq = 0;
    -- Refunds and post-voids in their final state, by the lane that made them.
    CREATE TABLE lane_refunds (
        store_id      TEXT   NOT NULL,
        lane_id       TEXT   NOT NULL,
        refund_id     BIGINT NOT NULL,
        refund_no     BIGINT NOT NULL,
        sale_lane     TEXT   NOT NULL,
        sale_no       BIGINT NOT NULL,
        kind          TEXT   NOT NULL,
        state         TEXT   NOT NULL,
        tender        TEXT   NOT NULL,
        amount_minor  BIGINT NOT NULL,
        tax_minor     BIGINT NOT NULL,
        currency      TEXT   NOT NULL,
        at            BIGINT NOT NULL,
        business_date TEXT   NOT NULL,
        PRIMARY KEY (store_id, lane_id, refund_id)
    );
    CREATE TABLE lane_shifts (
        store_id    TEXT   NOT NULL,
        lane_id     TEXT   NOT NULL,
        shift_id    BIGINT NOT NULL,
        cashier     TEXT   NOT NULL,
        opened_at   BIGINT NOT NULL,
        float_minor BIGINT NOT NULL,
        PRIMARY KEY (store_id, lane_id, shift_id)
    );
    -- Paid-ins, paid-outs and no-sales.
    CREATE TABLE drawer_moves (
        store_id      TEXT   NOT NULL,
        lane_id       TEXT   NOT NULL,
        move_id       BIGINT NOT NULL,
        shift_id      BIGINT NOT NULL,
        kind          TEXT   NOT NULL,
        at            BIGINT NOT NULL,
        business_date TEXT   NOT NULL,
        by_whom       TEXT   NOT NULL,
        amount_minor  BIGINT NOT NULL,
        reason        TEXT   NOT NULL,
        PRIMARY KEY (store_id, lane_id, move_id)
    );
    -- The lanes' Z reports as written (the report JSON), by the business day of their close.
    CREATE TABLE z_reports (
        store_id      TEXT   NOT NULL,
        lane_id       TEXT   NOT NULL,
        z_no          BIGINT NOT NULL,
        shift_id      BIGINT NOT NULL,
        closed_at     BIGINT NOT NULL,
        business_date TEXT   NOT NULL,
        currency      TEXT   NOT NULL,
        body          TEXT   NOT NULL,
        PRIMARY KEY (store_id, lane_id, z_no)
    );
    -- The figures of those Z reports, added up per day and lane in the transaction that
    -- copies each Z (src/store/z_figures.rs names the keys): a store Z reads these rows only.
    CREATE TABLE z_day_figures (
        store_id      TEXT   NOT NULL,
        business_date TEXT   NOT NULL,
        lane_id       TEXT   NOT NULL,
        currency      TEXT   NOT NULL,
        key           TEXT   NOT NULL,
        currency2     TEXT   NOT NULL,
        label         TEXT   NOT NULL,
        count         BIGINT NOT NULL,
        amount_minor  BIGINT NOT NULL,
        amount2_minor BIGINT NOT NULL,
        PRIMARY KEY (store_id, business_date, lane_id, currency, key, currency2)
    );
    "#,
    // 4: the central catalogue. Each import is a new version holding the file's bytes as
    // imported (the lanes load them with the counter's own loader), and each lane reports the
    // version it sells from.
    r#"
    CREATE TABLE catalog_versions (
        store_id    TEXT   NOT NULL,
        version     BIGINT NOT NULL CHECK (version > 0),
        format      TEXT   NOT NULL CHECK (format IN ('toml', 'csv')),
        file_name   TEXT   NOT NULL,
        sha256      TEXT   NOT NULL,
        items       BIGINT NOT NULL,
        body        BYTEA  NOT NULL,
        imported_at TIMESTAMPTZ NOT NULL DEFAULT now(),
        PRIMARY KEY (store_id, version)
    );
    ALTER TABLE lanes ADD COLUMN catalog_version BIGINT;
    ALTER TABLE lanes ADD COLUMN catalog_reported_at TIMESTAMPTZ;
    "#,
];

pub fn latest() -> i64 {
    MIGRATIONS.len() as i64
}

/// The schema version, 0 when qrtill has never initialised this database.
pub fn version(client: &mut postgres::Client) -> Result<i64, StoreError> {
    let exists: bool = client
        .query_one("SELECT to_regclass('qrtill_schema') IS NOT NULL", &[])?
        .get(0);
    if !exists {
        return Ok(0);
    }
    let v: Option<i64> = client
        .query_one("SELECT max(version) FROM qrtill_schema", &[])?
        .get(0);
    Ok(v.unwrap_or(0))
}

/// Brings the schema to the latest version, one transaction per migration; returns the
/// versions applied (empty when it was already current). Two `init`s at once are serialised
/// by an advisory lock.
pub fn init(client: &mut postgres::Client) -> Result<Vec<i64>, StoreError> {
    let mut tx = client.transaction()?;
    tx.execute("SELECT pg_advisory_xact_lock(727001)", &[])?;
    tx.batch_execute(
        "CREATE TABLE IF NOT EXISTS qrtill_schema (
            version    BIGINT PRIMARY KEY,
            applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
        )",
    )?;
    let current: i64 = tx
        .query_one("SELECT coalesce(max(version), 0) FROM qrtill_schema", &[])?
        .get(0);
    if current > latest() {
        return Err(StoreError::TooNew {
            found: current,
            known: latest(),
        });
    }
    let mut applied = Vec::new();
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(current as usize) {
        let v = i as i64 + 1;
        tx.batch_execute(sql)?;
        tx.execute("INSERT INTO qrtill_schema (version) VALUES ($1)", &[&v])?;
        applied.push(v);
    }
    tx.commit()?;
    Ok(applied)
}

/// Refuses a database without the schema this build writes.
pub fn check(client: &mut postgres::Client) -> Result<(), StoreError> {
    match version(client)? {
        0 => Err(StoreError::NotInitialised),
        v if v > latest() => Err(StoreError::TooNew {
            found: v,
            known: latest(),
        }),
        v if v < latest() => Err(StoreError::NotInitialised),
        _ => Ok(()),
    }
}
