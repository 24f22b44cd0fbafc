//! Sales history as the checkout holds it: the filter line, the one page of sales read from the
//! journal, and an opened sale. History is data, not memory: the checkout keeps one page
//! (`HISTORY_PAGE` rows) and asks the runtime for the next or previous page by id.

use super::history_filter::{FilterContext, HistoryFilter, ParsedFilter, parse_filter};
use super::machine::PrintStatus;
use super::sale::CompletedSale;
use crate::clock::Timestamp;
use crate::money::Money;

/// Rows per page read from the journal: more than a 120×40 screen shows, so the list scrolls
/// within a page and reads the next one only at its end.
pub const HISTORY_PAGE: usize = 40;

/// One sale in the list: what a row shows, read from the journal's columns (and the item
/// names), never the whole history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryRow {
    /// The journal row id: newest first means highest id first, and pages continue below it.
    pub id: i64,
    pub lane_id: String,
    pub sale_no: u64,
    pub completed_at: Timestamp,
    pub total: Money,
    /// `Cash`, `Card Visa`, `Alipay` …
    pub tender: String,
    /// The first item's name.
    pub first_item: String,
    pub item_count: u32,
    /// What has been refunded of it so far (zero when nothing).
    pub refunded: Money,
}

/// A page request for the journal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryQuery {
    pub lane_id: String,
    pub filter: HistoryFilter,
    /// Only sales with a smaller id (the page after the one ending there).
    pub before: Option<i64>,
    pub limit: usize,
}

/// What the journal answered: up to `limit` rows, newest first, and whether more follow.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct HistoryPage {
    pub rows: Vec<HistoryRow>,
    pub more: bool,
}

/// The history screen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryState {
    /// The filter line as typed.
    pub input: String,
    pub parsed: ParsedFilter,
    pub rows: Vec<HistoryRow>,
    pub selected: usize,
    /// The `before` cursor each visited page was read with; the last is the page on screen.
    pub page_starts: Vec<Option<i64>>,
    /// Another page follows this one.
    pub more: bool,
    /// The journal could not be read (the list shows the last page it could).
    pub error: Option<String>,
}

impl HistoryState {
    pub fn new() -> Self {
        Self {
            input: String::new(),
            parsed: ParsedFilter::default(),
            rows: Vec::new(),
            selected: 0,
            page_starts: vec![None],
            more: false,
            error: None,
        }
    }

    /// Page number on screen, from 1.
    pub fn page(&self) -> usize {
        self.page_starts.len()
    }

    /// Re-reads the filter line; the list starts again at its first page.
    pub fn reparse(&mut self, ctx: &FilterContext) {
        self.parsed = parse_filter(&self.input, ctx);
        self.page_starts = vec![None];
        self.selected = 0;
    }

    /// The query for the page on screen.
    pub fn query(&self, lane_id: &str) -> HistoryQuery {
        HistoryQuery {
            lane_id: lane_id.to_string(),
            filter: self.parsed.filter.clone(),
            before: self.page_starts.last().copied().flatten(),
            limit: HISTORY_PAGE,
        }
    }

    pub fn selected_row(&self) -> Option<&HistoryRow> {
        self.rows.get(self.selected)
    }
}

impl Default for HistoryState {
    fn default() -> Self {
        Self::new()
    }
}

/// One refund (or post-void) of a sale, as the opened sale lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SaleRefund {
    pub refund_no: u64,
    /// `refund` or `void`.
    pub kind: String,
    /// `requested`, `unknown`, `settled` or `failed`: only settled money has gone back.
    pub state: String,
    /// When it was requested.
    pub at: Timestamp,
    /// What goes back, tax included, in the sale currency.
    pub amount: Money,
    /// For wallets: the amount in the wallet currency (at the rate booked with the payment).
    pub wallet_amount: Option<Money>,
    pub reason: String,
    /// The refunded lines: `2 x Flat white, 1 x Banana`.
    pub lines: String,
}

impl SaleRefund {
    pub fn is_settled(&self) -> bool {
        self.state == "settled"
    }

    /// The refund as text lines (the opened sale and `qrtill receipt N` print these).
    pub fn describe(&self, utc_offset_minutes: i32) -> Vec<String> {
        let wallet = self
            .wallet_amount
            .map(|w| format!(" ({})", w.with_code()))
            .unwrap_or_default();
        let mut out = vec![
            format!(
                "#{} {} {}  -{}{wallet}",
                self.refund_no,
                self.kind,
                self.at.format_local(utc_offset_minutes),
                self.amount.with_code(),
            ),
            format!("  {} · {}", self.state, self.reason),
        ];
        if !self.lines.is_empty() {
            out.push(format!("  {}", self.lines));
        }
        out
    }
}

/// A journaled sale and its refunds, as the journal reads them for the opened-sale screen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SaleRecord {
    pub sale: CompletedSale,
    pub refunds: Vec<SaleRefund>,
}

impl SaleRecord {
    /// The refunds section under a receipt: a title, then every refund and void.
    pub fn refunds_text(&self, utc_offset_minutes: i32) -> Vec<String> {
        let mut out = vec!["Refunds".to_string()];
        if self.refunds.is_empty() {
            out.push("No refunds.".to_string());
        }
        for r in &self.refunds {
            out.extend(r.describe(utc_offset_minutes));
        }
        let refunded = self.refunded();
        if !refunded.is_zero() {
            out.push(format!("Refunded in all: {}", refunded.with_code()));
        }
        out
    }

    /// What has gone back (settled refunds and voids), in the sale currency.
    pub fn refunded(&self) -> Money {
        self.refunds
            .iter()
            .filter(|r| r.is_settled())
            .fold(Money::zero(self.sale.total.currency()), |acc, r| {
                acc.checked_add(r.amount).unwrap_or(acc)
            })
    }
}

/// The opened-sale screen: the receipt, its refunds underneath, reprint.
#[derive(Debug, Clone, PartialEq)]
pub struct OpenedSale {
    pub record: SaleRecord,
    /// The last reprint's progress; `None` before any reprint.
    pub print: Option<PrintStatus>,
    /// Lines scrolled off the top.
    pub scroll: u16,
    /// Where Esc goes back to: the history list as it was, or the basket (opened by a scan).
    pub back: Option<Box<HistoryState>>,
}

/// A sale reference as printed on receipts (`S<store>-L<lane>-<sale_no>`), read back from a
/// scan of its QR code or barcode.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SaleReference {
    pub store_id: String,
    pub lane_id: String,
    pub sale_no: u64,
}

impl SaleReference {
    /// Reads `S0007-L03-000042`. `None` when the text is not a sale reference.
    pub fn parse(text: &str) -> Option<SaleReference> {
        let rest = text.trim().strip_prefix('S')?;
        let mut parts = rest.split('-');
        let store = parts.next()?;
        let lane = parts.next()?.strip_prefix('L')?;
        let number = parts.next()?;
        if parts.next().is_some()
            || store.is_empty()
            || lane.is_empty()
            || number.is_empty()
            || !number.chars().all(|c| c.is_ascii_digit())
        {
            return None;
        }
        Some(SaleReference {
            store_id: store.to_string(),
            lane_id: lane.to_string(),
            sale_no: number.parse().ok()?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checkout::slip::{SlipStore, sale_reference};
    use crate::money::Currency;

    struct Store;
    impl SlipStore for Store {
        fn store_name(&self) -> &str {
            "x"
        }
        fn address_lines(&self) -> &[String] {
            &[]
        }
        fn store_id(&self) -> &str {
            "0007"
        }
        fn terminal_id(&self) -> &str {
            "T1"
        }

        fn lane_id(&self) -> &str {
            "01"
        }
        fn cashier(&self) -> &str {
            "c"
        }
        fn utc_offset_minutes(&self) -> i32 {
            0
        }
        fn english_only(&self) -> bool {
            true
        }
    }

    #[test]
    fn the_printed_reference_reads_back() {
        let usd = |m| Money::from_minor(m, Currency::USD).unwrap();
        let sale = CompletedSale {
            lane_id: "03".into(),
            sale_no: 42,
            completed_at: Timestamp(0),
            lines: vec![],
            subtotal: usd(450),
            tax: usd(0),
            total: usd(450),
            tax_lines: vec![],
            tender: crate::checkout::sale::SaleTender::Cash {
                tendered: usd(450),
                change: usd(0),
            },
        };
        let printed = sale_reference(&Store, &sale);
        assert_eq!(
            SaleReference::parse(&printed),
            Some(SaleReference {
                store_id: "0007".into(),
                lane_id: "03".into(),
                sale_no: 42
            })
        );
    }

    #[test]
    fn other_scans_are_not_references() {
        for text in [
            "",
            "4006381333931",
            "S0007",
            "S0007-L03",
            "S0007-03-000001",
            "S0007-L03-00x1",
            "S0007-L03-000001-9",
            "S-L03-1",
            "S0007L03A000001",
        ] {
            assert_eq!(SaleReference::parse(text), None, "{text}");
        }
    }

    #[test]
    fn a_new_filter_starts_again_at_the_first_page() {
        let ctx = FilterContext {
            currency: Currency::USD,
            utc_offset_minutes: 0,
            brands: vec![],
        };
        let mut s = HistoryState::new();
        s.page_starts.push(Some(900));
        s.selected = 5;
        s.input = "cash".into();
        s.reparse(&ctx);
        assert_eq!(s.page(), 1);
        assert_eq!(s.selected, 0);
        let q = s.query("03");
        assert_eq!(q.before, None);
        assert_eq!(
            q.filter.tender,
            Some(super::super::history_filter::TenderFilter::Cash)
        );
    }
}
