//! Sales history reads: one page at a time, newest first, through the indexes of migration 5.
//!
//! Order is the journal row id (commit order), descending; a page continues below the last id
//! shown (keyset paging), so a page costs the same at sale 1 or sale 1,000,000. A day range
//! becomes an id range through the `completed_at` index: the journal's times do not go
//! backwards (the counter's clock starts after the journal's latest entry, `virtual_start`
//! likewise), so commit order is time order. The time bounds are still checked row by row.

use super::{Journal, JournalError};
use crate::checkout::history::{HistoryPage, HistoryQuery, HistoryRow, SaleRecord, SaleRefund};
use crate::checkout::history_filter::{HistoryFilter, TenderFilter};
use crate::clock::Timestamp;
use crate::money::{Money, currency_from_code};
use rusqlite::types::Value;
use rusqlite::{OptionalExtension, params, params_from_iter};

/// The columns a history row is read from (the body only for the tender brand and item names).
const ROW_COLUMNS: &str = "sales.id, sales.lane_id, sales.sale_no, sales.completed_at,
    sales.total_minor, sales.currency, sales.tender,
    json_extract(sales.body, '$.tender.brand'), json_extract(sales.body, '$.lines[0].name'),
    json_array_length(sales.body, '$.lines')";

/// What has gone back on the sale of each row, in its minor units: settled refunds and voids,
/// by the `refunds_sale` index. A refund's state is its newest event (as refunds.rs reads it).
const REFUNDED_MINOR_SQL: &str = "(SELECT COALESCE(SUM(r.amount_minor), 0) FROM refunds r
    WHERE r.lane_id = sales.lane_id AND r.sale_no = sales.sale_no
      AND (SELECT e.state FROM refund_events e WHERE e.refund_id = r.id
           ORDER BY e.id DESC LIMIT 1) = 'settled')";

/// Which end of the history a walk starts from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Walk {
    /// At most `limit + 1` rows, newest first (one more than a page says whether more follow).
    NewestFirst,
    /// Every row, oldest first.
    OldestFirst,
}

/// The SQL of a history walk and its parameters.
///
/// Item words make the FTS index drive (unless a sale number picks one row anyway): its rowid
/// is minus the sale id, so it yields the newest matches first, and a tender filter is part of
/// the FTS query too (its `tender` column), so "rare item and tender" intersects two word lists
/// instead of looking up every sale with the item. Other filters are checked on the joined row.
pub(super) fn page_sql(
    q: &HistoryQuery,
    id_range: Option<(i64, i64)>,
    walk: Walk,
    words: &[WordMatch],
) -> (String, Vec<Value>) {
    let f = &q.filter;
    let fts = match_expression(words, f.tender.as_ref());
    let fts_drives = fts.is_some() && f.sale_no.is_none();
    let mut wh: Vec<String> = Vec::new();
    let mut args: Vec<Value> = Vec::new();
    let exact_total = f
        .amount
        .and_then(|a| a.min_minor.filter(|min| Some(*min) == a.max_minor));
    let from = if fts_drives {
        "sale_words CROSS JOIN sales ON sales.id = -sale_words.rowid"
    } else if exact_total.is_some() {
        // An exact total: its index lists those sales in id order. Without statistics the
        // planner would rather walk every sale newest first than use it.
        "sales INDEXED BY sales_lane_total"
    } else {
        "sales"
    };
    if let Some(m) = &fts {
        wh.push(if fts_drives {
            "sale_words MATCH ?".into()
        } else {
            "EXISTS (SELECT 1 FROM sale_words WHERE sale_words MATCH ?
                     AND sale_words.rowid = -sales.id)"
                .into()
        });
        args.push(Value::Text(m.clone()));
    }
    wh.push("sales.lane_id = ?".into());
    args.push(Value::Text(q.lane_id.clone()));
    if let Some(n) = f.sale_no {
        wh.push("sales.sale_no = ?".into());
        args.push(Value::Integer(n.min(i64::MAX as u64) as i64));
    }
    match &f.tender {
        Some(TenderFilter::Brand(brand)) => {
            wh.push("sales.tender = 'wallet'".into());
            // Written as in the index `sales_lane_brand`, so the index serves it.
            wh.push("json_extract(body, '$.tender.brand') = ?".into());
            args.push(Value::Text(brand.clone()));
        }
        Some(t) => {
            wh.push("sales.tender = ?".into());
            args.push(Value::Text(t.kind().into()));
        }
        None => {}
    }
    if let Some(total) = exact_total {
        wh.push("sales.total_minor = ?".into());
        args.push(Value::Integer(total));
    } else if let Some(a) = f.amount {
        if let Some(min) = a.min_minor {
            wh.push("sales.total_minor >= ?".into());
            args.push(Value::Integer(min));
        }
        if let Some(max) = a.max_minor {
            wh.push("sales.total_minor <= ?".into());
            args.push(Value::Integer(max));
        }
    }
    // Id bounds on whichever table drives, so its index applies them.
    let (key, newest_first, lt_before, range) = if fts_drives {
        ("sale_words.rowid", "ASC", "sale_words.rowid > ?", true)
    } else {
        ("sales.id", "DESC", "sales.id < ?", false)
    };
    if let Some((lo, hi)) = id_range {
        wh.push(format!("{key} BETWEEN ? AND ?"));
        let (a, b) = if range { (-hi, -lo) } else { (lo, hi) };
        args.push(Value::Integer(a));
        args.push(Value::Integer(b));
    }
    if let Some(s) = f.since {
        wh.push("sales.completed_at >= ?".into());
        args.push(Value::Integer(s.millis()));
    }
    if let Some(u) = f.until {
        wh.push("sales.completed_at < ?".into());
        args.push(Value::Integer(u.millis()));
    }
    if let Some(before) = q.before {
        wh.push(lt_before.into());
        args.push(Value::Integer(if range { -before } else { before }));
    }
    let tail = match walk {
        Walk::NewestFirst => {
            args.push(Value::Integer(
                q.limit.saturating_add(1).min(i64::MAX as usize) as i64,
            ));
            format!("ORDER BY {key} {newest_first} LIMIT ?")
        }
        Walk::OldestFirst => {
            let oldest_first = if range { "DESC" } else { "ASC" };
            format!("ORDER BY {key} {oldest_first}")
        }
    };
    // A page selects ids only: whatever sorting a filter needs then handles ids (often from
    // the index alone), and the row columns are read for the page's rows only.
    let columns = match walk {
        Walk::NewestFirst => "sales.id".to_string(),
        Walk::OldestFirst => format!("{ROW_COLUMNS}, {REFUNDED_MINOR_SQL}"),
    };
    let sql = format!(
        "SELECT {columns} FROM {from} WHERE {} {tail}",
        wh.join(" AND "),
    );
    (sql, args)
}

/// How one typed item word is asked of the FTS index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum WordMatch {
    /// Any word starting so (short prefixes have their own index; others are merged by FTS5).
    Prefix(String),
    /// One of these whole words (the words of sold item names that start with what was typed).
    AnyOf(Vec<String>),
}

/// Prefix lengths the FTS index keeps (migration 5: `prefix = '1 2 3'`).
const PREFIX_INDEXED: usize = 3;
/// More whole words than this for one typed word: ask for the prefix instead.
const MAX_EXPANSION: usize = 40;

/// The FTS5 query: every item word as the start of a word of an item name, and the tender
/// (kind, then brand words) in the `tender` column.
fn match_expression(words: &[WordMatch], tender: Option<&TenderFilter>) -> Option<String> {
    let quote = |w: &str| format!("\"{}\"", w.replace('"', "\"\""));
    let mut terms: Vec<String> = words
        .iter()
        .map(|w| match w {
            WordMatch::Prefix(p) => format!("items : {}*", quote(p)),
            WordMatch::AnyOf(all) => format!(
                "items : ({})",
                all.iter()
                    .map(|t| quote(t))
                    .collect::<Vec<_>>()
                    .join(" OR ")
            ),
        })
        .collect();
    if terms.is_empty() {
        return None;
    }
    match tender {
        Some(TenderFilter::Brand(brand)) => {
            terms.push(format!("tender : {}", quote(&format!("wallet {brand}"))))
        }
        Some(t) => terms.push(format!("tender : {}", quote(t.kind()))),
        None => {}
    }
    Some(terms.join(" AND "))
}

impl Journal {
    /// The typed item words as the FTS index is asked for them; `None` when a word starts no
    /// word of any item name ever sold (nothing can match).
    fn word_matches(&self, words: &[String]) -> Result<Option<Vec<WordMatch>>, JournalError> {
        let mut out = Vec::new();
        for w in words
            .iter()
            .filter(|w| w.chars().any(char::is_alphanumeric))
        {
            // Lower-case ASCII is already what the tokenizer makes of it; anything else (accents)
            // is left to FTS5's own reading of the prefix.
            let plain = w
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
            if w.chars().count() <= PREFIX_INDEXED || !plain {
                out.push(WordMatch::Prefix(w.clone()));
                continue;
            }
            let mut upper = w.clone();
            if let Some(last) = upper.pop() {
                upper.push(char::from(last as u8 + 1));
            }
            let terms: Vec<String> = self
                .conn
                .prepare_cached(
                    "SELECT term FROM sale_names_vocab WHERE term >= ?1 AND term < ?2 LIMIT ?3",
                )
                .and_then(|mut s| {
                    s.query_map(params![w, upper, MAX_EXPANSION as i64 + 1], |r| r.get(0))?
                        .collect()
                })
                .map_err(|e| self.wrap(e.into()))?;
            match terms.len() {
                0 => return Ok(None),
                n if n > MAX_EXPANSION => out.push(WordMatch::Prefix(w.clone())),
                _ => out.push(WordMatch::AnyOf(terms)),
            }
        }
        Ok(Some(out))
    }

    /// One page of `q.lane_id`'s sales matching `q.filter`, newest first, below `q.before`.
    pub fn history_page(&self, q: &HistoryQuery) -> Result<HistoryPage, JournalError> {
        let id_range = match self.id_range(&q.filter)? {
            IdRange::All => None,
            IdRange::Between(lo, hi) => Some((lo, hi)),
            IdRange::Empty => return Ok(HistoryPage::default()),
        };
        let Some(words) = self.word_matches(&q.filter.words)? else {
            return Ok(HistoryPage::default());
        };
        let (sql, args) = page_sql(q, id_range, Walk::NewestFirst, &words);
        let mut stmt = self
            .conn
            .prepare_cached(&sql)
            .map_err(|e| self.wrap(e.into()))?;
        let mut ids: Vec<i64> = stmt
            .query_map(params_from_iter(args), |r| r.get(0))
            .and_then(|rows| rows.collect::<Result<_, _>>())
            .map_err(|e| self.wrap(e.into()))?;
        let more = ids.len() > q.limit;
        ids.truncate(q.limit);
        let mut row = self
            .conn
            .prepare_cached(&format!(
                "SELECT {ROW_COLUMNS}, {REFUNDED_MINOR_SQL} FROM sales WHERE sales.id = ?1"
            ))
            .map_err(|e| self.wrap(e.into()))?;
        let mut page = HistoryPage {
            rows: Vec::with_capacity(ids.len()),
            more,
        };
        for id in ids {
            let mut rows = row.query(params![id]).map_err(|e| self.wrap(e.into()))?;
            if let Some(r) = rows.next().map_err(|e| self.wrap(e.into()))? {
                page.rows.push(self.history_row(r)?);
            }
        }
        Ok(page)
    }

    fn history_row(&self, r: &rusqlite::Row) -> Result<HistoryRow, JournalError> {
        let get = |e: rusqlite::Error| self.wrap(e.into());
        let currency: String = r.get(5).map_err(get)?;
        let currency = currency_from_code(&currency).map_err(|e| self.corrupt(e))?;
        let money = |minor: i64| Money::from_minor(minor, currency).map_err(|e| self.corrupt(e));
        let kind: String = r.get(6).map_err(get)?;
        let brand: Option<String> = r.get(7).map_err(get)?;
        let tender = match (kind.as_str(), brand) {
            ("cash", _) => "Cash".to_string(),
            ("card", Some(b)) => format!("Card {b}"),
            ("card", None) => "Card".to_string(),
            (_, Some(b)) => b,
            (other, None) => other.to_string(),
        };
        Ok(HistoryRow {
            id: r.get(0).map_err(get)?,
            lane_id: r.get(1).map_err(get)?,
            sale_no: r.get::<_, i64>(2).map_err(get)?.max(0) as u64,
            completed_at: Timestamp(r.get(3).map_err(get)?),
            total: money(r.get(4).map_err(get)?)?,
            tender,
            first_item: r
                .get::<_, Option<String>>(8)
                .map_err(get)?
                .unwrap_or_default(),
            item_count: r.get::<_, Option<i64>>(9).map_err(get)?.unwrap_or(0).max(0) as u32,
            refunded: money(r.get(10).map_err(get)?)?,
        })
    }

    /// The ids a day range covers, through the `completed_at` index.
    fn id_range(&self, f: &HistoryFilter) -> Result<IdRange, JournalError> {
        if f.since.is_none() && f.until.is_none() {
            return Ok(IdRange::All);
        }
        let one = |sql: &str, t: i64| -> Result<Option<i64>, JournalError> {
            self.conn
                .prepare_cached(sql)
                .and_then(|mut s| s.query_row(params![t], |r| r.get(0)).optional())
                .map_err(|e| self.wrap(e.into()))
        };
        let lo = match f.since {
            Some(s) => one(
                "SELECT id FROM sales WHERE completed_at >= ?1 ORDER BY completed_at, id LIMIT 1",
                s.millis(),
            )?,
            None => Some(i64::MIN),
        };
        let hi = match f.until {
            Some(u) => one(
                "SELECT id FROM sales WHERE completed_at < ?1
                 ORDER BY completed_at DESC, id DESC LIMIT 1",
                u.millis(),
            )?,
            None => Some(i64::MAX),
        };
        Ok(match (lo, hi) {
            (Some(lo), Some(hi)) if lo <= hi => IdRange::Between(lo, hi),
            _ => IdRange::Empty,
        })
    }

    /// Sale `sale_no` of `lane_id` with its refunds, for the opened-sale screen.
    pub fn sale_record(
        &self,
        lane_id: &str,
        sale_no: u64,
    ) -> Result<Option<SaleRecord>, JournalError> {
        let Some(sale) = self.sale(lane_id, sale_no)? else {
            return Ok(None);
        };
        let refunds = self
            .refunds_of_sale(lane_id, sale_no)?
            .into_iter()
            .map(|r| {
                let lines = r
                    .refund
                    .lines
                    .iter()
                    .map(|l| {
                        let name = sale
                            .lines
                            .get(l.line as usize)
                            .map_or("?", |s| s.name.as_str());
                        format!("{} x {name}", l.qty)
                    })
                    .collect::<Vec<_>>()
                    .join(", ");
                SaleRefund {
                    refund_no: r.refund_no,
                    kind: r.refund.kind.as_str().to_string(),
                    state: r.state.as_str().to_string(),
                    at: r.refund.created_at,
                    amount: r.refund.amount,
                    wallet_amount: r.settled_wallet_amount.or(r.refund.wallet_amount),
                    reason: r.refund.reason,
                    lines,
                }
            })
            .collect();
        Ok(Some(SaleRecord { sale, refunds }))
    }

    /// Every sale of `lane_id` in `[since, until)` and of `tender`, oldest first, read one row
    /// at a time (for `qrtill sales`): `each` gets every sale with its refunded total and may
    /// stop the walk by returning `false`.
    pub fn each_sale(
        &self,
        lane_id: &str,
        filter: &HistoryFilter,
        mut each: impl FnMut(SaleListing) -> bool,
    ) -> Result<(), JournalError> {
        let id_range = match self.id_range(filter)? {
            IdRange::All => None,
            IdRange::Between(lo, hi) => Some((lo, hi)),
            IdRange::Empty => return Ok(()),
        };
        let q = HistoryQuery {
            lane_id: lane_id.to_string(),
            filter: filter.clone(),
            before: None,
            limit: 0,
        };
        let Some(words) = self.word_matches(&filter.words)? else {
            return Ok(());
        };
        let (sql, args) = page_sql(&q, id_range, Walk::OldestFirst, &words);
        let mut stmt = self.conn.prepare(&sql).map_err(|e| self.wrap(e.into()))?;
        let mut rows = stmt
            .query(params_from_iter(args))
            .map_err(|e| self.wrap(e.into()))?;
        while let Some(r) = rows.next().map_err(|e| self.wrap(e.into()))? {
            let row = self.history_row(r)?;
            let kind: String = r.get(6).map_err(|e| self.wrap(e.into()))?;
            let brand: Option<String> = r.get(7).map_err(|e| self.wrap(e.into()))?;
            let listing = SaleListing { row, kind, brand };
            if !each(listing) {
                break;
            }
        }
        Ok(())
    }
}

/// One sale as `qrtill sales` lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SaleListing {
    pub row: HistoryRow,
    /// `cash`, `card` or `wallet`.
    pub kind: String,
    /// The wallet or card brand (`Alipay`, `Visa`); none for cash.
    pub brand: Option<String>,
}

enum IdRange {
    All,
    Between(i64, i64),
    Empty,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checkout::history_filter::AmountFilter;

    fn plan(j: &Journal, filter: HistoryFilter, id_range: Option<(i64, i64)>) -> Vec<String> {
        let q = HistoryQuery {
            lane_id: "03".into(),
            filter,
            before: Some(1_000),
            limit: 40,
        };
        let words: Vec<WordMatch> = q
            .filter
            .words
            .iter()
            .map(|w| WordMatch::AnyOf(vec![w.clone(), format!("{w}s")]))
            .collect();
        let (sql, args) = page_sql(&q, id_range, Walk::NewestFirst, &words);
        let mut stmt = j
            .conn
            .prepare(&format!("EXPLAIN QUERY PLAN {sql}"))
            .unwrap();
        stmt.query_map(params_from_iter(args), |r| r.get::<_, String>(3))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    }

    #[test]
    fn every_page_is_read_through_an_index_in_order() {
        let j = Journal::in_memory().unwrap();
        let base = HistoryFilter::default;
        let cases = [
            base(),
            HistoryFilter {
                tender: Some(TenderFilter::Cash),
                ..base()
            },
            HistoryFilter {
                tender: Some(TenderFilter::Wallet),
                ..base()
            },
            HistoryFilter {
                tender: Some(TenderFilter::Brand("Alipay".into())),
                ..base()
            },
            HistoryFilter {
                sale_no: Some(42),
                ..base()
            },
            HistoryFilter {
                amount: Some(AmountFilter {
                    min_minor: Some(1250),
                    max_minor: Some(1250),
                }),
                ..base()
            },
            HistoryFilter {
                words: vec!["flat".into()],
                ..base()
            },
            HistoryFilter {
                words: vec!["flat".into()],
                tender: Some(TenderFilter::Brand("Alipay".into())),
                ..base()
            },
        ];
        for filter in cases {
            for range in [None, Some((10, 900))] {
                let steps = plan(&j, filter.clone(), range);
                let text = steps.join(" | ");
                assert!(
                    !steps
                        .iter()
                        .any(|s| s.starts_with("SCAN sales") && !s.contains("INDEX")),
                    "{filter:?}: {text}"
                );
                if filter.sale_no.is_none() {
                    // Newest first straight from the index: no sort of the matches.
                    assert!(!text.contains("TEMP B-TREE"), "{filter:?}: {text}");
                }
            }
        }
    }
}
