//! The sales-history screen and an opened sale: typing narrows the list, ↑↓ and PgUp/PgDn
//! walk it a page at a time, Enter opens a sale, `r` reprints it. A sale reference scanned on
//! the basket (`S0007-L03-000042`, the receipt's QR code or barcode) opens that sale directly.

use crate::checkout::action::{Action, Effect};
use crate::checkout::history::{
    HISTORY_PAGE, HistoryPage, HistoryState, OpenedSale, SaleRecord, SaleReference,
};
use crate::checkout::machine::{Checkout, Notice, PrintStatus, Screen};

/// The longest filter line (the field is one screen line).
const MAX_FILTER_CHARS: usize = 60;

impl Checkout {
    /// `h` on the basket: the history, newest first, unfiltered. The basket stays as it is.
    pub(in crate::checkout) fn open_history(&mut self) -> Vec<Effect> {
        let mut state = HistoryState::new();
        state.reparse(&self.settings.history);
        let query = state.query(&self.settings.lane_id);
        self.screen = Screen::History(Box::new(state));
        self.notice = None;
        vec![Effect::LoadHistory(query)]
    }

    pub(in crate::checkout) fn on_history(
        &mut self,
        mut state: HistoryState,
        action: Action,
    ) -> Vec<Effect> {
        let mut reload = false;
        match action {
            Action::Char(c) if state.input.chars().count() < MAX_FILTER_CHARS => {
                state.input.push(c);
                state.reparse(&self.settings.history);
                reload = true;
            }
            Action::Backspace if state.input.pop().is_some() => {
                state.reparse(&self.settings.history);
                reload = true;
            }
            Action::Up if state.selected > 0 => state.selected -= 1,
            Action::Up | Action::PageUp if state.page_starts.len() > 1 => {
                state.page_starts.pop();
                // ↑ at the top of a page lands on the last row of the one before.
                state.selected = if action == Action::Up {
                    HISTORY_PAGE - 1
                } else {
                    0
                };
                reload = true;
            }
            Action::PageUp => state.selected = 0,
            Action::Down if state.selected + 1 < state.rows.len() => state.selected += 1,
            Action::Down | Action::PageDown if state.more => {
                if let Some(last) = state.rows.last() {
                    state.page_starts.push(Some(last.id));
                    state.selected = 0;
                    reload = true;
                }
            }
            Action::PageDown => state.selected = state.rows.len().saturating_sub(1),
            Action::Enter => match state.selected_row() {
                Some(row) => {
                    let effect = Effect::OpenSale {
                        lane_id: row.lane_id.clone(),
                        sale_no: row.sale_no,
                    };
                    self.screen = Screen::History(Box::new(state));
                    return vec![effect];
                }
                None => {
                    self.notice = Some(Notice::warn(
                        "No sale to open: change the filter, or Esc back to the basket.",
                    ))
                }
            },
            Action::Back => {
                self.screen = Screen::Basket;
                self.notice = None;
                return vec![];
            }
            _ => {}
        }
        let effects = if reload {
            vec![Effect::LoadHistory(state.query(&self.settings.lane_id))]
        } else {
            vec![]
        };
        self.screen = Screen::History(Box::new(state));
        effects
    }

    /// A page arrived: it replaces the one on screen (only while the history is open).
    pub(in crate::checkout) fn on_history_loaded(
        &mut self,
        page: Result<HistoryPage, String>,
    ) -> Vec<Effect> {
        if let Screen::History(state) = &mut self.screen {
            match page {
                Ok(page) => {
                    state.rows = page.rows;
                    state.more = page.more;
                    state.selected = state.selected.min(state.rows.len().saturating_sub(1));
                    state.error = None;
                }
                Err(reason) => state.error = Some(reason),
            }
        }
        vec![]
    }

    /// The journal (and for another lane's sale, with `store_asked`, the store) answered an
    /// `OpenSale`: show the sale, or say why not, naming where it was looked for.
    pub(in crate::checkout) fn on_sale_opened(
        &mut self,
        lane_id: &str,
        sale_no: u64,
        found: Result<Option<Box<SaleRecord>>, String>,
        store_asked: bool,
    ) -> Vec<Effect> {
        match found {
            Ok(Some(record)) => {
                let back = match &self.screen {
                    Screen::History(state) => Some(state.clone()),
                    _ => None,
                };
                self.notice = None;
                self.screen = Screen::SaleDetail(Box::new(OpenedSale {
                    record: *record,
                    print: None,
                    scroll: 0,
                    back,
                }));
            }
            Ok(None) => {
                let looked_in = if store_asked {
                    "in this journal or the store"
                } else {
                    "in this journal"
                };
                self.notice = Some(Notice::warn(format!(
                    "No sale {sale_no} on lane {lane_id} {looked_in}: nothing opened."
                )));
            }
            Err(reason) => {
                self.notice = Some(Notice::error(format!(
                    "Sale {sale_no} of lane {lane_id} could not be opened ({reason})."
                )));
            }
        }
        vec![]
    }

    /// The sale on the opened-sale screen, with its refunds: where a refund of it starts (the
    /// refund screen's key belongs in `on_sale_detail` and the SALE_DETAIL keymap row).
    pub fn opened_sale(&self) -> Option<&SaleRecord> {
        match &self.screen {
            Screen::SaleDetail(opened) => Some(&opened.record),
            _ => None,
        }
    }

    pub(in crate::checkout) fn on_sale_detail(
        &mut self,
        mut opened: OpenedSale,
        action: Action,
    ) -> Vec<Effect> {
        let mut effects = vec![];
        match action {
            Action::Reprint => {
                opened.print = Some(PrintStatus::Printing);
                effects.push(Effect::Print {
                    sale: opened.record.sale.clone(),
                    reprint: true,
                });
            }
            Action::Refund => return self.open_refund(opened, crate::journal::RefundKind::Refund),
            Action::PostVoid => return self.open_refund(opened, crate::journal::RefundKind::Void),
            Action::Up => opened.scroll = opened.scroll.saturating_sub(1),
            Action::Down => opened.scroll = opened.scroll.saturating_add(1).min(400),
            Action::Back | Action::Enter => {
                self.notice = None;
                self.screen = match opened.back {
                    Some(state) => Screen::History(state),
                    None => Screen::Basket,
                };
                return vec![];
            }
            _ => {}
        }
        self.screen = Screen::SaleDetail(Box::new(opened));
        effects
    }

    /// A printer finished a reprint of the opened sale.
    pub(in crate::checkout) fn on_detail_printed(
        &mut self,
        sale_no: u64,
        result: &Result<(), String>,
    ) {
        if let Screen::SaleDetail(opened) = &mut self.screen
            && opened.record.sale.sale_no == sale_no
            && opened.print.is_some()
        {
            opened.print = Some(match result {
                Ok(()) => PrintStatus::Printed,
                Err(reason) => PrintStatus::Failed(reason.clone()),
            });
        }
    }

    /// On the basket, `S` starts a sale reference (what a scanner types from a receipt's QR
    /// code or barcode); until Enter or Esc, letters, digits and `-` are part of it.
    pub(in crate::checkout) fn takes_reference_char(&self, c: char) -> bool {
        if self.scan_input.is_empty() {
            c == 'S'
        } else {
            self.scan_input.starts_with('S') && (c.is_ascii_alphanumeric() || c == '-')
        }
    }

    pub(in crate::checkout) fn type_reference_char(&mut self, c: char) {
        if self.scan_input.len() < 32 {
            self.scan_input.push(c);
        }
        self.notice = None;
    }

    /// Enter after a scanned sale reference: open that sale (from any lane of this store).
    pub(in crate::checkout) fn open_reference(&mut self) -> Vec<Effect> {
        let text = std::mem::take(&mut self.scan_input);
        match SaleReference::parse(&text) {
            None => {
                self.notice = Some(Notice::error(format!(
                    "{text} is not a sale reference (S<store>-L<lane>-<number>, as a receipt \
                     prints it) — nothing opened."
                )));
                vec![]
            }
            Some(r) if r.store_id != self.settings.store_id => {
                self.notice = Some(Notice::warn(format!(
                    "{text} is a receipt of store {}, not of this store ({}): nothing opened.",
                    r.store_id, self.settings.store_id
                )));
                vec![]
            }
            Some(r) => vec![Effect::OpenSale {
                lane_id: r.lane_id,
                sale_no: r.sale_no,
            }],
        }
    }
}
