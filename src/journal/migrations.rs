//! Schema migrations, applied in order; `PRAGMA user_version` records the last one applied.

use super::MigrationOrSql;
use rusqlite::{Connection, TransactionBehavior};

pub(super) const MIGRATIONS: &[&str] = &[
    // 1: completed sales, append-only.
    r#"
    CREATE TABLE sales (
        id           INTEGER PRIMARY KEY,
        lane_id      TEXT    NOT NULL,
        sale_no      INTEGER NOT NULL,
        completed_at INTEGER NOT NULL,
        total_minor  INTEGER NOT NULL,
        currency     TEXT    NOT NULL,
        tender       TEXT    NOT NULL,
        body         TEXT    NOT NULL,
        UNIQUE (lane_id, sale_no)
    ) STRICT;
    CREATE TRIGGER sales_no_update BEFORE UPDATE ON sales
        BEGIN SELECT RAISE(ABORT, 'sales are append-only'); END;
    CREATE TRIGGER sales_no_delete BEFORE DELETE ON sales
        BEGIN SELECT RAISE(ABORT, 'sales are append-only'); END;
    "#,
    // 2: payment attempts, journaled before a request leaves the counter.
    r#"
    CREATE TABLE attempts (
        request_id  TEXT    PRIMARY KEY,
        lane_id     TEXT    NOT NULL,
        mode        TEXT    NOT NULL,
        amount      TEXT    NOT NULL,
        currency    TEXT    NOT NULL,
        state       TEXT    NOT NULL,
        created_at  INTEGER NOT NULL,
        updated_at  INTEGER NOT NULL,
        basket      TEXT    NOT NULL,
        outcome     TEXT,
        sale_id     INTEGER REFERENCES sales(id)
    ) STRICT;
    CREATE INDEX attempts_open ON attempts(state);
    "#,
    // 3: the latest recorded time (`Journal::latest_time`, read at every `simulate` start) by
    // index, not by scanning every sale and attempt.
    r#"
    CREATE INDEX sales_completed ON sales(completed_at);
    CREATE INDEX attempts_updated ON attempts(updated_at);
    "#,
    // 4: refunds and post-voids, append-only. A refund row (and its lines) is written before
    // the request leaves the counter; its state is the newest row of `refund_events`. What is
    // left to refund is derived from these rows, never kept in a counter.
    r#"
    CREATE TABLE refunds (
        id                INTEGER PRIMARY KEY,
        refund_request_id TEXT    NOT NULL UNIQUE,
        lane_id           TEXT    NOT NULL,
        sale_no           INTEGER NOT NULL,
        refund_no         INTEGER NOT NULL,
        kind              TEXT    NOT NULL CHECK (kind IN ('refund', 'void')),
        reason            TEXT    NOT NULL,
        tender            TEXT    NOT NULL,
        brand             TEXT,
        amount_minor      INTEGER NOT NULL,
        currency          TEXT    NOT NULL,
        tax_minor         INTEGER NOT NULL,
        wallet_minor      INTEGER,
        wallet_currency   TEXT,
        rate              TEXT,
        created_at        INTEGER NOT NULL,
        FOREIGN KEY (lane_id, sale_no) REFERENCES sales(lane_id, sale_no),
        UNIQUE (lane_id, refund_no)
    ) STRICT;
    CREATE INDEX refunds_sale ON refunds(lane_id, sale_no);
    CREATE INDEX refunds_created ON refunds(created_at);
    CREATE TABLE refund_lines (
        refund_id    INTEGER NOT NULL REFERENCES refunds(id),
        line_index   INTEGER NOT NULL,
        qty          INTEGER NOT NULL CHECK (qty > 0),
        amount_minor INTEGER NOT NULL,
        tax_minor    INTEGER NOT NULL,
        PRIMARY KEY (refund_id, line_index)
    ) STRICT;
    CREATE TABLE refund_events (
        id              INTEGER PRIMARY KEY,
        refund_id       INTEGER NOT NULL REFERENCES refunds(id),
        state           TEXT    NOT NULL
                        CHECK (state IN ('requested', 'unknown', 'settled', 'failed')),
        at              INTEGER NOT NULL,
        wallet_minor    INTEGER,
        wallet_currency TEXT,
        network_id      TEXT,
        detail          TEXT
    ) STRICT;
    CREATE INDEX refund_events_of ON refund_events(refund_id, id);
    CREATE INDEX refund_events_state ON refund_events(state, at);
    CREATE TRIGGER refunds_no_update BEFORE UPDATE ON refunds
        BEGIN SELECT RAISE(ABORT, 'refunds are append-only'); END;
    CREATE TRIGGER refunds_no_delete BEFORE DELETE ON refunds
        BEGIN SELECT RAISE(ABORT, 'refunds are append-only'); END;
    CREATE TRIGGER refund_lines_no_update BEFORE UPDATE ON refund_lines
        BEGIN SELECT RAISE(ABORT, 'refunds are append-only'); END;
    CREATE TRIGGER refund_lines_no_delete BEFORE DELETE ON refund_lines
        BEGIN SELECT RAISE(ABORT, 'refunds are append-only'); END;
    CREATE TRIGGER refund_events_no_update BEFORE UPDATE ON refund_events
        BEGIN SELECT RAISE(ABORT, 'refunds are append-only'); END;
    CREATE TRIGGER refund_events_no_delete BEFORE DELETE ON refund_events
        BEGIN SELECT RAISE(ABORT, 'refunds are append-only'); END;
    "#,
    // 5: sales history (journal/history.rs): a page of the newest sales by tender, wallet,
    // total or item words without scanning the history. Every index ends in the row id, so a
    // page is the first rows below the last one shown. Item names and the tender (kind and
    // brand) go into a contentless FTS5 index filled by trigger, so sales committed any way (or
    // copied by SQL) are found; its rowid is minus the sale id, so FTS5's natural ascending
    // order is newest first. `sale_names` keeps each item name once, with its own small word
    // index: a word being typed is expanded there into the whole words it starts, so the big
    // index is asked for whole words (read lazily) rather than a prefix (merged up front).
    r#"
    CREATE INDEX sales_lane ON sales(lane_id);
    CREATE INDEX sales_lane_tender ON sales(lane_id, tender);
    CREATE INDEX sales_lane_brand ON sales(lane_id, tender, json_extract(body, '$.tender.brand'));
    CREATE INDEX sales_lane_total ON sales(lane_id, total_minor);
    CREATE VIRTUAL TABLE sale_words USING fts5(
        items, tender, content = '', tokenize = 'unicode61 remove_diacritics 2',
        prefix = '1 2 3'
    );
    CREATE TABLE sale_names (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE) STRICT;
    CREATE VIRTUAL TABLE sale_names_words USING fts5(
        name, content = 'sale_names', content_rowid = 'id',
        tokenize = 'unicode61 remove_diacritics 2'
    );
    CREATE VIRTUAL TABLE sale_names_vocab USING fts5vocab(sale_names_words, 'row');
    CREATE TRIGGER sale_names_fill AFTER INSERT ON sale_names BEGIN
        INSERT INTO sale_names_words (rowid, name) VALUES (new.id, new.name);
    END;
    CREATE TRIGGER sale_words_fill AFTER INSERT ON sales BEGIN
        INSERT INTO sale_words (rowid, items, tender)
        SELECT -new.id, group_concat(json_extract(l.value, '$.name'), ' '),
               new.tender || ' ' || COALESCE(json_extract(new.body, '$.tender.brand'), '')
        FROM json_each(new.body, '$.lines') AS l;
        INSERT OR IGNORE INTO sale_names (name)
        SELECT json_extract(l.value, '$.name') FROM json_each(new.body, '$.lines') AS l
        WHERE json_extract(l.value, '$.name') IS NOT NULL;
    END;
    INSERT OR IGNORE INTO sale_names (name)
    SELECT json_extract(l.value, '$.name') FROM sales AS s, json_each(s.body, '$.lines') AS l
    WHERE json_extract(l.value, '$.name') IS NOT NULL;
    INSERT INTO sale_words (rowid, items, tender)
    SELECT -s.id, (SELECT group_concat(json_extract(l.value, '$.name'), ' ')
                   FROM json_each(s.body, '$.lines') AS l),
           s.tender || ' ' || COALESCE(json_extract(s.body, '$.tender.brand'), '')
    FROM sales AS s;
    "#,
    // 6: shifts, drawer moves, running totals per shift (kept by `commit_sale`, so reports
    // never re-read sale bodies) and Z reports. Everything but the totals is append-only; the
    // totals of a shift freeze once its Z is written.
    r#"
    CREATE TABLE shifts (
        id          INTEGER PRIMARY KEY,
        lane_id     TEXT    NOT NULL,
        cashier     TEXT    NOT NULL,
        opened_at   INTEGER NOT NULL,
        float_minor INTEGER NOT NULL,
        float_count TEXT    NOT NULL
    ) STRICT;
    CREATE INDEX shifts_lane ON shifts(lane_id, id);
    CREATE TRIGGER shifts_no_update BEFORE UPDATE ON shifts
        BEGIN SELECT RAISE(ABORT, 'shifts are append-only'); END;
    CREATE TRIGGER shifts_no_delete BEFORE DELETE ON shifts
        BEGIN SELECT RAISE(ABORT, 'shifts are append-only'); END;
    CREATE TABLE shift_moves (
        id           INTEGER PRIMARY KEY,
        shift_id     INTEGER NOT NULL REFERENCES shifts(id),
        kind         TEXT    NOT NULL,
        at           INTEGER NOT NULL,
        by_whom      TEXT    NOT NULL,
        approved_by  TEXT,
        amount_minor INTEGER NOT NULL,
        reason       TEXT    NOT NULL
    ) STRICT;
    CREATE INDEX shift_moves_shift ON shift_moves(shift_id);
    CREATE TRIGGER shift_moves_no_update BEFORE UPDATE ON shift_moves
        BEGIN SELECT RAISE(ABORT, 'drawer moves are append-only'); END;
    CREATE TRIGGER shift_moves_no_delete BEFORE DELETE ON shift_moves
        BEGIN SELECT RAISE(ABORT, 'drawer moves are append-only'); END;
    CREATE TABLE shift_sales (
        sale_id  INTEGER PRIMARY KEY REFERENCES sales(id),
        shift_id INTEGER NOT NULL REFERENCES shifts(id)
    ) STRICT;
    CREATE INDEX shift_sales_shift ON shift_sales(shift_id);
    CREATE TABLE shift_totals (
        shift_id      INTEGER NOT NULL REFERENCES shifts(id),
        key           TEXT    NOT NULL,
        currency2     TEXT    NOT NULL,
        label         TEXT    NOT NULL,
        count         INTEGER NOT NULL,
        amount_minor  INTEGER NOT NULL,
        amount2_minor INTEGER NOT NULL,
        PRIMARY KEY (shift_id, key, currency2)
    ) STRICT, WITHOUT ROWID;
    CREATE TABLE z_reports (
        id            INTEGER PRIMARY KEY,
        lane_id       TEXT    NOT NULL,
        z_no          INTEGER NOT NULL,
        shift_id      INTEGER NOT NULL UNIQUE REFERENCES shifts(id),
        closed_at     INTEGER NOT NULL,
        closed_by     TEXT    NOT NULL,
        approved_by   TEXT,
        counted_minor INTEGER NOT NULL,
        counted_count TEXT    NOT NULL,
        body          TEXT    NOT NULL,
        UNIQUE (lane_id, z_no)
    ) STRICT;
    CREATE TRIGGER z_reports_no_update BEFORE UPDATE ON z_reports
        BEGIN SELECT RAISE(ABORT, 'Z reports are immutable'); END;
    CREATE TRIGGER z_reports_no_delete BEFORE DELETE ON z_reports
        BEGIN SELECT RAISE(ABORT, 'Z reports are immutable'); END;
    CREATE TRIGGER shift_totals_frozen_insert BEFORE INSERT ON shift_totals
        WHEN EXISTS (SELECT 1 FROM z_reports WHERE shift_id = NEW.shift_id)
        BEGIN SELECT RAISE(ABORT, 'the shift is closed'); END;
    CREATE TRIGGER shift_totals_frozen_update BEFORE UPDATE ON shift_totals
        WHEN EXISTS (SELECT 1 FROM z_reports WHERE shift_id = OLD.shift_id)
        BEGIN SELECT RAISE(ABORT, 'the shift is closed'); END;
    CREATE TRIGGER shift_totals_no_delete BEFORE DELETE ON shift_totals
        BEGIN SELECT RAISE(ABORT, 'shift totals are kept'); END;
    CREATE TRIGGER shift_moves_closed BEFORE INSERT ON shift_moves
        WHEN EXISTS (SELECT 1 FROM z_reports WHERE shift_id = NEW.shift_id)
        BEGIN SELECT RAISE(ABORT, 'the shift is closed'); END;
    "#,
    // 7: the attempt of a sale (reconcile, the kill audit) by index; the newest refund event
    // for `Journal::latest_time`, so a refund's time is never read as being in the future.
    r#"
    CREATE INDEX attempts_sale ON attempts(sale_id);
    CREATE INDEX refund_events_at ON refund_events(at);
    "#,
    // 8: the store outbox (src/store/outbox.rs): one sequence over every final fact the store
    // replicates, filled by trigger in the same transaction as the fact itself, so its order
    // is the journal's commit order. `row_id` is the row of the fact's own table (a refund's
    // final event). Rows already in the journal are queued once, oldest first.
    r#"
    CREATE TABLE outbox (
        seq    INTEGER PRIMARY KEY,
        kind   TEXT    NOT NULL CHECK (kind IN ('shift', 'sale', 'move', 'refund', 'z')),
        row_id INTEGER NOT NULL,
        UNIQUE (kind, row_id)
    ) STRICT;
    INSERT INTO outbox (kind, row_id)
    SELECT kind, row_id FROM (
        SELECT 'shift' AS kind, id AS row_id, opened_at AS at, 0 AS rank FROM shifts
        UNION ALL SELECT 'sale', id, completed_at, 1 FROM sales
        UNION ALL SELECT 'move', id, at, 2 FROM shift_moves
        UNION ALL SELECT 'refund', id, at, 3 FROM refund_events
                  WHERE state IN ('settled', 'failed')
        UNION ALL SELECT 'z', id, closed_at, 4 FROM z_reports
    ) ORDER BY at, rank, row_id;
    CREATE TRIGGER outbox_no_update BEFORE UPDATE ON outbox
        BEGIN SELECT RAISE(ABORT, 'the outbox is append-only'); END;
    CREATE TRIGGER outbox_no_delete BEFORE DELETE ON outbox
        BEGIN SELECT RAISE(ABORT, 'the outbox is append-only'); END;
    CREATE TRIGGER outbox_shift AFTER INSERT ON shifts
        BEGIN INSERT INTO outbox (kind, row_id) VALUES ('shift', NEW.id); END;
    CREATE TRIGGER outbox_sale AFTER INSERT ON sales
        BEGIN INSERT INTO outbox (kind, row_id) VALUES ('sale', NEW.id); END;
    CREATE TRIGGER outbox_move AFTER INSERT ON shift_moves
        BEGIN INSERT INTO outbox (kind, row_id) VALUES ('move', NEW.id); END;
    -- Only a refund's final state: one per refund, since a final state is never followed.
    CREATE TRIGGER outbox_refund AFTER INSERT ON refund_events
        WHEN NEW.state IN ('settled', 'failed')
        BEGIN INSERT INTO outbox (kind, row_id) VALUES ('refund', NEW.id); END;
    CREATE TRIGGER outbox_z AFTER INSERT ON z_reports
        BEGIN INSERT INTO outbox (kind, row_id) VALUES ('z', NEW.id); END;
    "#,
    // 9: refunds of another lane's sales (a store's cross-lane returns). The sale's body comes
    // from the store and is kept in `foreign_sales`, never in `sales` (this lane's outbox, its
    // history and its reports). `refunds` is rebuilt the SQLite way (copy, drop, recreate,
    // copy back) to lose its foreign key to `sales`; `begin_refund` still checks that the sale
    // exists, in either table. Deferred keys keep the lines' and events' links checked at commit.
    r#"
    PRAGMA defer_foreign_keys = ON;
    CREATE TABLE foreign_sales (
        lane_id    TEXT    NOT NULL,
        sale_no    INTEGER NOT NULL,
        currency   TEXT    NOT NULL,
        body       TEXT    NOT NULL,
        fetched_at INTEGER NOT NULL,
        PRIMARY KEY (lane_id, sale_no)
    ) STRICT;
    CREATE TRIGGER foreign_sales_no_update BEFORE UPDATE ON foreign_sales
        BEGIN SELECT RAISE(ABORT, 'foreign sales are kept as fetched'); END;
    CREATE TRIGGER foreign_sales_no_delete BEFORE DELETE ON foreign_sales
        BEGIN SELECT RAISE(ABORT, 'foreign sales are kept as fetched'); END;
    CREATE TABLE refunds_copy AS SELECT * FROM refunds;
    DROP TABLE refunds;
    CREATE TABLE refunds (
        id                INTEGER PRIMARY KEY,
        refund_request_id TEXT    NOT NULL UNIQUE,
        lane_id           TEXT    NOT NULL,
        sale_no           INTEGER NOT NULL,
        refund_no         INTEGER NOT NULL,
        kind              TEXT    NOT NULL CHECK (kind IN ('refund', 'void')),
        reason            TEXT    NOT NULL,
        tender            TEXT    NOT NULL,
        brand             TEXT,
        amount_minor      INTEGER NOT NULL,
        currency          TEXT    NOT NULL,
        tax_minor         INTEGER NOT NULL,
        wallet_minor      INTEGER,
        wallet_currency   TEXT,
        rate              TEXT,
        created_at        INTEGER NOT NULL,
        UNIQUE (lane_id, refund_no)
    ) STRICT;
    INSERT INTO refunds SELECT * FROM refunds_copy;
    DROP TABLE refunds_copy;
    CREATE INDEX refunds_sale ON refunds(lane_id, sale_no);
    CREATE INDEX refunds_created ON refunds(created_at);
    CREATE TRIGGER refunds_no_update BEFORE UPDATE ON refunds
        BEGIN SELECT RAISE(ABORT, 'refunds are append-only'); END;
    CREATE TRIGGER refunds_no_delete BEFORE DELETE ON refunds
        BEGIN SELECT RAISE(ABORT, 'refunds are append-only'); END;
    "#,
];

pub const LATEST: i64 = MIGRATIONS.len() as i64;

/// The schema version of a journal file (older ones carry no application id), or `None` when
/// the file holds no journal tables.
pub(super) fn stored_version(conn: &Connection) -> rusqlite::Result<Option<i64>> {
    if !crate::data_dir::has_tables(conn, &["sales"])? {
        return Ok(None);
    }
    conn.pragma_query_value(None, "user_version", |r| r.get(0))
        .map(Some)
}

pub(super) fn migrate(conn: &mut Connection) -> Result<(), MigrationOrSql> {
    let version =
        |c: &Connection| c.pragma_query_value(None, "user_version", |r| r.get::<_, i64>(0));
    // Up to date (the usual case): no write lock, so a reader beside a running counter is cheap.
    if version(conn)? == LATEST {
        return Ok(());
    }
    loop {
        // Read the version inside the write lock: another process (a `receipt` beside a counter
        // creating its journal) may have migrated since.
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let current = version(&tx)?;
        if current > LATEST {
            return Err(MigrationOrSql::TooNew(current));
        }
        let Some(sql) = MIGRATIONS.get(current as usize) else {
            return Ok(());
        };
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", current + 1)?;
        tx.commit()?;
    }
}

#[cfg(test)]
mod tests {
    use super::{LATEST, MIGRATIONS};
    use crate::journal::Journal;

    /// Version 7 as released before the store: its indexes, copied here as they shipped.
    const RELEASED_7: &str = "CREATE INDEX attempts_sale ON attempts(sale_id);
        CREATE INDEX refund_events_at ON refund_events(at);";

    /// A journal written at version 7 before the store existed gets the store's migrations
    /// after it: the outbox, filled with the sales it already holds.
    #[test]
    fn a_journal_at_the_released_version_7_gets_the_outbox_with_its_sales_queued() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("journal.sqlite");
        {
            let conn = rusqlite::Connection::open(&path).unwrap();
            for sql in &MIGRATIONS[..6] {
                conn.execute_batch(sql).unwrap();
            }
            conn.execute_batch(RELEASED_7).unwrap();
            conn.pragma_update(None, "user_version", 7).unwrap();
            let sale = crate::journal::sales::tests::cash_sale("03", 450);
            for n in 1..=2 {
                conn.execute(
                    "INSERT INTO sales (lane_id, sale_no, completed_at, total_minor, currency,
                        tender, body)
                     VALUES ('03', ?1, ?2, 450, 'USD', 'cash', ?3)",
                    rusqlite::params![n, 1000 * n, serde_json::to_string(&sale).unwrap()],
                )
                .unwrap();
            }
        }
        drop(Journal::open(&path).unwrap());
        let conn = rusqlite::Connection::open(&path).unwrap();
        let version: i64 = conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap();
        assert_eq!(version, LATEST);
        let queued: Vec<(String, i64)> = conn
            .prepare("SELECT kind, row_id FROM outbox ORDER BY seq")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(queued, vec![("sale".into(), 1), ("sale".into(), 2)]);
    }
}
