//! Receipts: one model (`Receipt`), laid out once per paper width, rendered as plain text
//! (screen, stdout), as ESC/POS bytes (thermal printers, with CJK in the printer's
//! Chinese/Korean mode and raster images for what its fonts lack), or as a 1-bit PNG picture.

pub mod escpos;
pub mod labels;
pub mod layout;
pub mod model;
pub mod png_image;
pub mod raster;
pub mod raster_page;
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
pub use png_image::{PngError, encode_png, render_png};
pub use raster::{Bitmap, TextMode, UnknownTextMode};
pub use raster_page::{Bar, PageBlock, draw_page, receipt_page};
pub use text::{render_text, render_text_string};
