//! The kill harness's auditor: reads copies of both books with its own SQL (not the reconcile
//! code) and lists every broken invariant. `read_books` holds all the SQL, so a schema change
//! is adapted in one place; `audit` works on plain rows.

use rusqlite::{Connection, OpenFlags};
use rust_decimal::Decimal;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::str::FromStr;

pub struct SaleRow {
    pub lane: String,
    pub sale_no: i64,
    pub tender: String,
    /// The total, as the row's minor units over the body's currency exponent.
    pub total: Decimal,
    /// The wallet payment the body names (wallet sales only).
    pub payment_request_id: Option<String>,
    pub row_id: i64,
    /// Units sold on each line, in receipt order.
    pub line_qty: Vec<u32>,
}

/// A refund in the journal with its newest state and its units per sale line.
pub struct JournalRefundRow {
    pub refund_request_id: String,
    pub lane: String,
    pub sale_no: i64,
    pub tender: String,
    pub amount: Decimal,
    /// `requested`, `unknown`, `settled` or `failed`.
    pub state: String,
    /// `(line index, units)`.
    pub lines: Vec<(u32, u32)>,
}

/// A refund the wallet network made.
pub struct LedgerRefundRow {
    pub refund_request_id: String,
    pub payment_request_id: String,
    pub amount: Decimal,
    pub wallet_amount: Decimal,
}

pub struct AttemptRow {
    pub request_id: String,
    pub mode: String,
    pub state: String,
    pub sale_row_id: Option<i64>,
}

pub struct PaymentRow {
    pub id: String,
    pub stage: String,
    pub amount: Decimal,
    /// What the wallet has refunded of it (a fully refunded payment is `TRADE_CLOSED`).
    pub refunded: Decimal,
}

pub struct MoveRow {
    pub shopper: String,
    pub kind: String,
    pub amount: Decimal,
    pub reference: String,
}

pub struct CardRow {
    pub request_id: String,
    pub approved: bool,
    pub amount: Decimal,
}

/// Both books as rows.
#[derive(Default)]
pub struct Books {
    pub integrity: Vec<(String, String)>,
    pub sales: Vec<SaleRow>,
    pub attempts: Vec<AttemptRow>,
    pub payments: Vec<PaymentRow>,
    pub moves: Vec<MoveRow>,
    pub balances: Vec<(String, Decimal)>,
    pub cards: Vec<CardRow>,
    pub refunds: Vec<JournalRefundRow>,
    pub ledger_refunds: Vec<LedgerRefundRow>,
}

fn tables(conn: &Connection) -> Result<BTreeSet<String>, String> {
    let mut stmt = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table'")
        .map_err(|e| e.to_string())?;
    stmt.query_map([], |r| r.get::<_, String>(0))
        .and_then(|rows| rows.collect::<Result<BTreeSet<_>, _>>())
        .map_err(|e| e.to_string())
}

fn decimal(text: &str, what: &str) -> Result<Decimal, String> {
    Decimal::from_str(text).map_err(|e| format!("{what}: {text:?} is not a decimal ({e})"))
}

/// Copies a database with its rollback journal and WAL (not the `-shm` index, which SQLite
/// rebuilds from the WAL) into `dir`, and opens the copy read-write.
///
/// A kill can leave a hot rollback journal (while a journal is being created or migrated) or a
/// WAL whose index needs rebuilding. Whoever opens the file next must roll back or recover it
/// first, which needs write access: read-only, SQLite refuses ("attempt to write a readonly
/// database"), and that failed the harness when a kill landed in start-up, which happens more
/// often on a loaded machine. The copy is recovered as the next `qrtill` would recover the
/// original, and the original stays as the kill left it for that next run.
fn open_copy(path: &Path, dir: &Path) -> Result<Connection, String> {
    let name = path
        .file_name()
        .ok_or_else(|| format!("{} names no file", path.display()))?;
    let copy = dir.join(name);
    for suffix in ["", "-journal", "-wal"] {
        let mut from = path.as_os_str().to_os_string();
        from.push(suffix);
        let mut to = copy.as_os_str().to_os_string();
        to.push(suffix);
        let from = std::path::PathBuf::from(from);
        if from.exists() {
            std::fs::copy(&from, &to).map_err(|e| format!("copy {}: {e}", from.display()))?;
        }
    }
    Connection::open_with_flags(&copy, OpenFlags::SQLITE_OPEN_READ_WRITE)
        .map_err(|e| format!("cannot open a copy of {}: {e}", path.display()))
}

/// Reads copies of the journal and the network ledger (see `open_copy`). A file or table a kill
/// prevented from existing yet reads as empty.
pub fn read_books(journal: &Path, network: &Path) -> Result<Books, String> {
    let mut books = Books::default();
    let scratch = tempfile::tempdir().map_err(|e| format!("temp dir: {e}"))?;
    for path in [journal, network] {
        if !path.exists() {
            continue;
        }
        let conn = open_copy(path, scratch.path())?;
        let ok: String = conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .map_err(|e| format!("integrity_check of {}: {e}", path.display()))?;
        books.integrity.push((path.display().to_string(), ok));
        let have = tables(&conn)?;
        let sql_err = |e: rusqlite::Error| format!("{}: {e}", path.display());
        if path == journal {
            if have.contains("sales") {
                let mut stmt = conn
                    .prepare("SELECT id, lane_id, sale_no, total_minor, tender, body FROM sales")
                    .map_err(sql_err)?;
                let rows = stmt
                    .query_map([], |r| {
                        Ok((
                            r.get::<_, i64>(0)?,
                            r.get::<_, String>(1)?,
                            r.get::<_, i64>(2)?,
                            r.get::<_, i64>(3)?,
                            r.get::<_, String>(4)?,
                            r.get::<_, String>(5)?,
                        ))
                    })
                    .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
                    .map_err(sql_err)?;
                for (row_id, lane, sale_no, minor, tender, body) in rows {
                    let body: serde_json::Value = serde_json::from_str(&body)
                        .map_err(|e| format!("sale {sale_no}: unreadable body ({e})"))?;
                    // The body's total says the currency's exponent (e.g. "9.58" → 2).
                    let scale = body["total"]["amount"]
                        .as_str()
                        .and_then(|a| a.split_once('.'))
                        .map_or(0, |(_, f)| f.len() as u32)
                        .max(2);
                    let line_qty = body["lines"]
                        .as_array()
                        .map(|lines| {
                            lines
                                .iter()
                                .map(|l| l["qty"].as_u64().unwrap_or(0) as u32)
                                .collect()
                        })
                        .unwrap_or_default();
                    books.sales.push(SaleRow {
                        lane,
                        sale_no,
                        tender,
                        total: Decimal::new(minor, scale).normalize(),
                        payment_request_id: body["tender"]["payment_request_id"]
                            .as_str()
                            .map(str::to_string),
                        row_id,
                        line_qty,
                    });
                }
            }
            if have.contains("refunds") {
                books.refunds = journal_refunds(&conn, &books.sales).map_err(sql_err)?;
            }
            if have.contains("attempts") {
                let mut stmt = conn
                    .prepare("SELECT request_id, mode, state, sale_id FROM attempts")
                    .map_err(sql_err)?;
                books.attempts = stmt
                    .query_map([], |r| {
                        Ok(AttemptRow {
                            request_id: r.get(0)?,
                            mode: r.get(1)?,
                            state: r.get(2)?,
                            sale_row_id: r.get(3)?,
                        })
                    })
                    .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
                    .map_err(sql_err)?;
            }
        } else {
            let text_rows = |sql: &str| -> Result<Vec<Vec<String>>, String> {
                let mut stmt = conn.prepare(sql).map_err(sql_err)?;
                let width = stmt.column_count();
                stmt.query_map([], |r| (0..width).map(|i| r.get(i)).collect())
                    .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
                    .map_err(sql_err)
            };
            if have.contains("payments") {
                for r in
                    text_rows("SELECT payment_request_id, stage, amount, refunded FROM payments")?
                {
                    books.payments.push(PaymentRow {
                        amount: decimal(&r[2], "payment amount")?,
                        refunded: decimal(&r[3], "payment refunded")?,
                        id: r[0].clone(),
                        stage: r[1].clone(),
                    });
                }
            }
            if have.contains("refunds") {
                for r in text_rows(
                    "SELECT refund_request_id, payment_request_id, amount, wallet_amount FROM refunds",
                )? {
                    books.ledger_refunds.push(LedgerRefundRow {
                        amount: decimal(&r[2], "refund amount")?,
                        wallet_amount: decimal(&r[3], "refund wallet amount")?,
                        refund_request_id: r[0].clone(),
                        payment_request_id: r[1].clone(),
                    });
                }
            }
            if have.contains("moves") {
                for r in text_rows("SELECT shopper_id, kind, amount, reference FROM moves")? {
                    books.moves.push(MoveRow {
                        amount: decimal(&r[2], "move amount")?,
                        shopper: r[0].clone(),
                        kind: r[1].clone(),
                        reference: r[3].clone(),
                    });
                }
            }
            if have.contains("shoppers") {
                for r in text_rows("SELECT shopper_id, balance FROM shoppers")? {
                    books
                        .balances
                        .push((r[0].clone(), decimal(&r[1], "balance")?));
                }
            }
            if have.contains("cards") {
                for r in text_rows("SELECT request_id, CAST(approved AS TEXT), amount FROM cards")?
                {
                    books.cards.push(CardRow {
                        request_id: r[0].clone(),
                        approved: r[1] == "1",
                        amount: decimal(&r[2], "card amount")?,
                    });
                }
            }
        }
    }
    Ok(books)
}

/// The journal's refunds, each with its newest event and its lines; amounts in the exponent of
/// the refunded sale's total.
fn journal_refunds(
    conn: &Connection,
    sales: &[SaleRow],
) -> rusqlite::Result<Vec<JournalRefundRow>> {
    let mut stmt = conn.prepare(
        "SELECT r.id, r.refund_request_id, r.lane_id, r.sale_no, r.tender, r.amount_minor,
                (SELECT e.state FROM refund_events e WHERE e.refund_id = r.id
                 ORDER BY e.id DESC LIMIT 1)
         FROM refunds r ORDER BY r.id",
    )?;
    let heads = stmt
        .query_map([], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, i64>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, i64>(5)?,
                r.get::<_, Option<String>>(6)?,
            ))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    let mut lines =
        conn.prepare("SELECT line_index, qty FROM refund_lines WHERE refund_id = ?1")?;
    let mut out = Vec::new();
    for (id, refund_request_id, lane, sale_no, tender, minor, state) in heads {
        let scale = sales
            .iter()
            .find(|s| s.lane == lane && s.sale_no == sale_no)
            .map_or(2, |s| s.total.scale().max(2));
        out.push(JournalRefundRow {
            refund_request_id,
            lane,
            sale_no,
            tender,
            amount: Decimal::new(minor, scale).normalize(),
            state: state.unwrap_or_else(|| "(no event)".into()),
            lines: lines
                .query_map([id], |r| Ok((r.get::<_, u32>(0)?, r.get::<_, u32>(1)?)))?
                .collect::<Result<Vec<_>, _>>()?,
        });
    }
    Ok(out)
}

/// What the audit counted, for the harness's coverage checks and its report.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Counts {
    /// Sales by tender kind (`cash`, `wallet`, `card`).
    pub sales: BTreeMap<String, usize>,
    /// Attempts by (mode, state).
    pub attempts: BTreeMap<(String, String), usize>,
    /// Attempts without a final state.
    pub open: usize,
    /// Card authorizations approved with no sale, flagged for a person (the card network is
    /// asked again only with the card present).
    pub cards_flagged: usize,
    /// Journal refunds by (tender, state).
    pub refunds: BTreeMap<(String, String), usize>,
}

/// Every broken invariant of `books`, as readable lines (empty when all hold). With `settled`,
/// also what must hold once recovery ran: nothing open, and every payment the wallet or the card
/// network took is exactly one sale.
pub fn audit(books: &Books, settled: bool) -> (Vec<String>, Counts) {
    let mut bad = Vec::new();
    let mut counts = Counts::default();
    for (file, verdict) in &books.integrity {
        if verdict != "ok" {
            bad.push(format!("PRAGMA integrity_check of {file}: {verdict}"));
        }
    }

    // Gap-free numbers per lane.
    let mut by_lane: BTreeMap<&str, Vec<i64>> = BTreeMap::new();
    for s in &books.sales {
        by_lane.entry(&s.lane).or_default().push(s.sale_no);
        *counts.sales.entry(s.tender.clone()).or_default() += 1;
    }
    for (lane, mut numbers) in by_lane {
        numbers.sort_unstable();
        let expected: Vec<i64> = (1..=numbers.len() as i64).collect();
        if numbers != expected {
            bad.push(format!(
                "lane {lane}: sale numbers are not 1..={}",
                numbers.len()
            ));
        }
    }

    let payments: BTreeMap<&str, &PaymentRow> =
        books.payments.iter().map(|p| (p.id.as_str(), p)).collect();
    let cards: BTreeMap<&str, &CardRow> = books
        .cards
        .iter()
        .map(|c| (c.request_id.as_str(), c))
        .collect();
    let mut attempt_of_sale: BTreeMap<i64, &AttemptRow> = BTreeMap::new();
    for a in &books.attempts {
        *counts
            .attempts
            .entry((a.mode.clone(), a.state.clone()))
            .or_default() += 1;
        if a.state == "pending" {
            counts.open += 1;
        }
        match (a.sale_row_id, a.state.as_str()) {
            (Some(id), "paid") => {
                if let Some(other) = attempt_of_sale.insert(id, a) {
                    bad.push(format!(
                        "attempts {} and {} both point at one sale",
                        other.request_id, a.request_id
                    ));
                }
            }
            (None, "paid") => bad.push(format!("attempt {} is paid without a sale", a.request_id)),
            (Some(_), state) => bad.push(format!(
                "attempt {} is {state} but points at a sale",
                a.request_id
            )),
            (None, _) => {}
        }
    }

    // Each sale against its payment.
    let mut sales_of_payment: BTreeMap<&str, usize> = BTreeMap::new();
    for s in &books.sales {
        let attempt = attempt_of_sale.get(&s.row_id);
        match s.tender.as_str() {
            "cash" => {
                if let Some(a) = attempt {
                    bad.push(format!(
                        "cash sale {} has attempt {}",
                        s.sale_no, a.request_id
                    ));
                }
            }
            "wallet" => {
                let Some(id) = s.payment_request_id.as_deref() else {
                    bad.push(format!("wallet sale {} names no payment", s.sale_no));
                    continue;
                };
                *sales_of_payment.entry(id).or_default() += 1;
                if attempt.map(|a| a.request_id.as_str()) != Some(id) {
                    bad.push(format!(
                        "wallet sale {} (payment {id}) is not its attempt's sale",
                        s.sale_no
                    ));
                }
                match payments.get(id) {
                    None => bad.push(format!(
                        "wallet sale {} claims {id}, which the network never saw",
                        s.sale_no
                    )),
                    Some(p) if p.stage != "TRADE_SUCCESS" && p.refunded.is_zero() => {
                        bad.push(format!(
                            "wallet sale {} claims {id}, which is {}",
                            s.sale_no, p.stage
                        ))
                    }
                    Some(p) if p.amount.normalize() != s.total => bad.push(format!(
                        "wallet sale {} is {} but payment {id} is {}",
                        s.sale_no, s.total, p.amount
                    )),
                    Some(_) => {}
                }
            }
            "card" => {
                let Some(a) = attempt.filter(|a| a.mode == "card") else {
                    bad.push(format!("card sale {} has no card attempt", s.sale_no));
                    continue;
                };
                *sales_of_payment.entry(&a.request_id).or_default() += 1;
                match cards.get(a.request_id.as_str()) {
                    Some(c) if c.approved && c.amount.normalize() == s.total => {}
                    Some(c) => bad.push(format!(
                        "card sale {} ({}) but authorization {} is approved={} for {}",
                        s.sale_no, s.total, c.request_id, c.approved, c.amount
                    )),
                    None => bad.push(format!(
                        "card sale {} claims {}, which the card network never saw",
                        s.sale_no, a.request_id
                    )),
                }
            }
            other => bad.push(format!("sale {} has tender {other:?}", s.sale_no)),
        }
    }
    for (id, n) in &sales_of_payment {
        if *n > 1 {
            bad.push(format!("payment {id} is {n} sales: sold twice"));
        }
    }

    // The wallet's books: balances are the sum of their moves; per payment at most one charge,
    // and the shopper is out of pocket only for a payment that succeeded.
    let mut sums: BTreeMap<&str, Decimal> = BTreeMap::new();
    let mut charges: BTreeMap<&str, (usize, Decimal)> = BTreeMap::new();
    let mut refund_moves: BTreeMap<&str, Vec<Decimal>> = BTreeMap::new();
    for m in &books.moves {
        *sums.entry(&m.shopper).or_default() += m.amount;
        if m.kind == "opening" || m.kind == "adjustment" {
            continue;
        }
        if m.kind == "refund" {
            refund_moves.entry(&m.reference).or_default().push(m.amount);
            continue;
        }
        if !payments.contains_key(m.reference.as_str()) {
            bad.push(format!(
                "a {} move references {}, which is no payment",
                m.kind, m.reference
            ));
        }
        let e = charges.entry(&m.reference).or_default();
        if m.kind == "charge" {
            e.0 += 1;
        }
        e.1 += m.amount;
    }
    for (shopper, balance) in &books.balances {
        let sum = sums.get(shopper.as_str()).copied().unwrap_or_default();
        if *balance != sum {
            bad.push(format!(
                "shopper {shopper}: balance {balance} but moves sum to {sum}"
            ));
        }
    }
    for p in &books.payments {
        let (n, net) = charges.get(p.id.as_str()).copied().unwrap_or_default();
        if n > 1 {
            bad.push(format!("payment {} charged the shopper {n} times", p.id));
        }
        // A payment refunded in full is closed, but its charge stands (refunds are own moves).
        let succeeded =
            p.stage == "TRADE_SUCCESS" || (p.stage == "TRADE_CLOSED" && p.refunded > Decimal::ZERO);
        if succeeded && (n != 1 || net >= Decimal::ZERO) {
            bad.push(format!(
                "payment {} succeeded with {n} charge(s) netting {net}",
                p.id
            ));
        }
        if !succeeded && !net.is_zero() {
            bad.push(format!("payment {} is {} but moved {net}", p.id, p.stage));
        }
    }

    audit_refunds(books, settled, &refund_moves, &mut bad, &mut counts);

    if settled {
        for a in books.attempts.iter().filter(|a| a.state == "pending") {
            bad.push(format!(
                "attempt {} ({}) is still open",
                a.request_id, a.mode
            ));
        }
        for p in &books.payments {
            if p.stage != "TRADE_SUCCESS" && p.stage != "TRADE_CLOSED" {
                bad.push(format!("payment {} is still open ({})", p.id, p.stage));
            }
            let taken = p.stage == "TRADE_SUCCESS" || !p.refunded.is_zero();
            if taken && !sales_of_payment.contains_key(p.id.as_str()) {
                bad.push(format!("the wallet took {} but no sale has it", p.id));
            }
        }
        let states: BTreeMap<&str, &str> = books
            .attempts
            .iter()
            .map(|a| (a.request_id.as_str(), a.state.as_str()))
            .collect();
        for c in books.cards.iter().filter(|c| c.approved) {
            if sales_of_payment.contains_key(c.request_id.as_str()) {
                continue;
            }
            match states.get(c.request_id.as_str()) {
                Some(&"needs_manual") => counts.cards_flagged += 1,
                state => bad.push(format!(
                    "card authorization {} approved, no sale, attempt {state:?}",
                    c.request_id
                )),
            }
        }
    }
    (bad, counts)
}

/// Refunds: nothing refunded beyond the sale (per line and in total: the remainder is never
/// negative), nothing refunded twice, no wallet refund the journal did not write first, and,
/// once settled, nothing open and every wallet refund settled in the journal too.
fn audit_refunds(
    books: &Books,
    settled: bool,
    refund_moves: &BTreeMap<&str, Vec<Decimal>>,
    bad: &mut Vec<String>,
    counts: &mut Counts,
) {
    let sales: BTreeMap<(&str, i64), &SaleRow> = books
        .sales
        .iter()
        .map(|s| ((s.lane.as_str(), s.sale_no), s))
        .collect();
    let journal: BTreeMap<&str, &JournalRefundRow> = books
        .refunds
        .iter()
        .map(|r| (r.refund_request_id.as_str(), r))
        .collect();
    let ledger: BTreeMap<&str, &LedgerRefundRow> = books
        .ledger_refunds
        .iter()
        .map(|r| (r.refund_request_id.as_str(), r))
        .collect();

    let mut held: BTreeMap<(&str, i64), (Vec<u32>, Decimal)> = BTreeMap::new();
    for r in &books.refunds {
        *counts
            .refunds
            .entry((r.tender.clone(), r.state.clone()))
            .or_default() += 1;
        if r.state == "failed" {
            continue;
        }
        let e = held.entry((r.lane.as_str(), r.sale_no)).or_default();
        for (line, qty) in &r.lines {
            let i = *line as usize;
            if e.0.len() <= i {
                e.0.resize(i + 1, 0);
            }
            e.0[i] += qty;
        }
        e.1 += r.amount;
        if settled && (r.state == "requested" || r.state == "unknown") {
            bad.push(format!(
                "refund {} of sale {} is still open ({})",
                r.refund_request_id, r.sale_no, r.state
            ));
        }
        if r.state == "settled"
            && r.tender != "cash"
            && !ledger.contains_key(r.refund_request_id.as_str())
        {
            bad.push(format!(
                "refund {} is settled in the journal but the network never refunded it",
                r.refund_request_id
            ));
        }
    }
    for ((lane, sale_no), (units, amount)) in &held {
        let Some(sale) = sales.get(&(*lane, *sale_no)) else {
            bad.push(format!(
                "refunds of sale {sale_no}, which is not in the journal"
            ));
            continue;
        };
        for (i, qty) in units.iter().enumerate() {
            let sold = sale.line_qty.get(i).copied().unwrap_or(0);
            if *qty > sold {
                bad.push(format!(
                    "sale {sale_no} line {}: {qty} units refunded of {sold} sold (remainder negative)",
                    i + 1
                ));
            }
        }
        if *amount > sale.total {
            bad.push(format!(
                "sale {sale_no}: {amount} refunded of a {} sale",
                sale.total
            ));
        }
    }

    let mut per_payment: BTreeMap<&str, Decimal> = BTreeMap::new();
    for l in &books.ledger_refunds {
        *per_payment.entry(&l.payment_request_id).or_default() += l.amount;
        match journal.get(l.refund_request_id.as_str()) {
            None => bad.push(format!(
                "the network refunded {}, which the journal never wrote",
                l.refund_request_id
            )),
            Some(j) => {
                if j.amount != l.amount.normalize() {
                    bad.push(format!(
                        "refund {} is {} in the journal but {} at the network",
                        l.refund_request_id, j.amount, l.amount
                    ));
                }
                if settled && j.state != "settled" {
                    bad.push(format!(
                        "the network refunded {} but the journal says {}",
                        l.refund_request_id, j.state
                    ));
                }
            }
        }
        // A card refund goes back to the card: no wallet balance moves.
        let card = books
            .cards
            .iter()
            .any(|c| c.request_id == l.payment_request_id);
        match refund_moves
            .get(l.refund_request_id.as_str())
            .map(Vec::as_slice)
        {
            None if card => {}
            Some([m]) if *m == l.wallet_amount && !card => {}
            Some([m]) => bad.push(format!(
                "refund {} moved {m} but is {}",
                l.refund_request_id, l.wallet_amount
            )),
            Some(moves) => bad.push(format!(
                "refund {} moved money {} times: refunded twice",
                l.refund_request_id,
                moves.len()
            )),
            None => bad.push(format!(
                "refund {} moved no money back",
                l.refund_request_id
            )),
        }
    }
    for reference in refund_moves.keys() {
        if !ledger.contains_key(reference) {
            bad.push(format!(
                "a refund move references {reference}, which is no refund"
            ));
        }
    }
    let paid: BTreeMap<&str, Decimal> = books
        .payments
        .iter()
        .map(|p| (p.id.as_str(), p.amount))
        .chain(
            books
                .cards
                .iter()
                .filter(|c| c.approved)
                .map(|c| (c.request_id.as_str(), c.amount)),
        )
        .collect();
    for (id, total) in per_payment {
        match paid.get(id) {
            Some(amount) if total > *amount => {
                bad.push(format!("payment {id} of {amount} had {total} refunded"))
            }
            Some(_) => {}
            None => bad.push(format!("refunds of {id}, which is no payment")),
        }
    }
}
