//! Receipts: one model (`Receipt`), laid out once per paper width, rendered as plain text
//! (screen, stdout) or as ESC/POS bytes (thermal printers, with CJK in the printer's
//! Chinese/Korean mode).

pub mod escpos;
pub mod labels;
pub mod layout;
pub mod model;
pub mod refund;
pub mod samples;
pub mod text;
pub mod width;

pub use escpos::{
    EscPosError, EscPosOptions, EscPosReceipt, PrinterCharset, UnknownCharset, render_escpos,
};
pub use labels::Label;
pub use layout::{Block, PaperWidth, UnsupportedWidth};
pub use model::{
    FundedBy, Lang, Promotion, Receipt, ReceiptLine, ReceiptStatus, ReceiptTime, ReportedRate,
    SlipLanguage, TaxLine, Tender, UnknownLang, WalletTender,
};
pub use text::{render_text, render_text_string};
