//! X and Z reports: the figures of one shift (`figures`), read from the journal's running
//! totals, and their forms: 42-column text and ESC/POS with text bars (`print`), JSON and CSV
//! (`formats`). The core of a report knows no terminal; `ui/report_view.rs` draws it.

mod figures;
mod formats;
mod from_journal;
mod picture;
mod print;

pub use figures::{
    HourFigure, ItemFigure, Kind, PromotionFigure, RefundFigures, Report, TaxFigure, TenderFigure,
    build,
};
pub use formats::{to_csv, to_json};
pub use from_journal::{close_with_z, refund_figures, stored_z, x_report};
pub use picture::{report_blocks, report_png};
pub use print::{PRINT_WIDTH, to_escpos, to_text};
