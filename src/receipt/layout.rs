//! The slip laid out once, for a given paper width: lines already wrapped and padded, with the
//! style each line wants. The text renderer prints the lines; the ESC/POS renderer adds the
//! styles and the QR/barcode commands. Both therefore agree column for column.

use super::labels::Label;
use super::model::{FundedBy, Lang, Receipt, ReceiptStatus, Tender, WalletTender};
use super::width::{center, key_value, wrap};
use crate::money::Money;

/// The paper widths qrtill lays out for: 58 mm (32 columns) and 80 mm (42 or 48 columns).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum PaperWidth {
    W32,
    W42,
    #[default]
    W48,
}

impl PaperWidth {
    pub const ALL: [PaperWidth; 3] = [PaperWidth::W32, PaperWidth::W42, PaperWidth::W48];

    pub fn columns(self) -> usize {
        match self {
            PaperWidth::W32 => 32,
            PaperWidth::W42 => 42,
            PaperWidth::W48 => 48,
        }
    }

    /// `32`, `42` or `48`; anything else is refused with what to write.
    pub fn from_columns(columns: u32) -> Result<PaperWidth, UnsupportedWidth> {
        match columns {
            32 => Ok(PaperWidth::W32),
            42 => Ok(PaperWidth::W42),
            48 => Ok(PaperWidth::W48),
            other => Err(UnsupportedWidth(other)),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("paper width {0} is not supported: use 32 (58 mm), 42 or 48 (80 mm)")]
pub struct UnsupportedWidth(pub u32);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Align {
    #[default]
    Left,
    Center,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LineStyle {
    pub align: Align,
    pub bold: bool,
    /// Double height only: double width would halve the columns and break the layout.
    pub double_height: bool,
}

impl LineStyle {
    const PLAIN: LineStyle = LineStyle {
        align: Align::Left,
        bold: false,
        double_height: false,
    };
    const CENTER: LineStyle = LineStyle {
        align: Align::Center,
        bold: false,
        double_height: false,
    };
}

/// One element of the laid-out slip.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Block {
    /// Text already wrapped to the width; `Align::Left` lines are fully padded, centred lines
    /// hold only their content (the renderer centres them).
    Text { text: String, style: LineStyle },
    /// The sale reference as a native QR code.
    Qr(String),
    /// The sale reference as a CODE128 barcode (ASCII only).
    Barcode(String),
}

/// Lays out `receipt` for `width` columns in the receipt's own language.
pub fn layout(receipt: &Receipt, width: PaperWidth) -> Vec<Block> {
    Slip::new(receipt.lang, width.columns()).build(receipt)
}

struct Slip {
    lang: Lang,
    w: usize,
    blocks: Vec<Block>,
}

impl Slip {
    fn new(lang: Lang, w: usize) -> Self {
        Self {
            lang,
            w,
            blocks: Vec::new(),
        }
    }

    fn label(&self, label: Label) -> String {
        label.bilingual(self.lang)
    }

    fn push(&mut self, text: String, style: LineStyle) {
        self.blocks.push(Block::Text { text, style });
    }

    fn centered(&mut self, text: &str, bold: bool, double_height: bool) {
        let style = LineStyle {
            align: Align::Center,
            bold,
            double_height,
        };
        for line in wrap(text, self.w) {
            self.push(line, style);
        }
    }

    fn kv_styled(&mut self, left: &str, right: &str, style: LineStyle) {
        for line in key_value(left, right, self.w) {
            self.push(line, style);
        }
    }

    fn kv(&mut self, left: &str, right: &str) {
        self.kv_styled(left, right, LineStyle::PLAIN);
    }

    fn rule(&mut self, c: char) {
        self.push(c.to_string().repeat(self.w), LineStyle::PLAIN);
    }

    fn blank(&mut self) {
        self.push(String::new(), LineStyle::PLAIN);
    }

    fn build(mut self, r: &Receipt) -> Vec<Block> {
        self.header(r);
        self.rule('=');
        self.items(r);
        self.rule('-');
        self.totals(r);
        self.rule('-');
        self.tender(&r.tender);
        self.rule('-');
        self.status(r.status);
        self.footer(r);
        self.blocks
    }

    fn header(&mut self, r: &Receipt) {
        self.centered(&r.store_name, true, true);
        for line in &r.address_lines {
            self.centered(line, false, false);
        }
        let ids = format!(
            "{} {}  {} {}  {} {}",
            Label::Store.en(),
            r.store_id,
            Label::Lane.en(),
            r.lane_id,
            Label::Terminal.en(),
            r.terminal_id
        );
        self.centered(&ids, false, false);
        self.blank();
        // A slip for an attempt that was not paid has no sale number: it names the attempt.
        let sale = if r.status == ReceiptStatus::NotPaid {
            r.sale_reference.clone()
        } else {
            format!("{} #{}", self.label(Label::Sale), r.sale_number)
        };
        self.kv(&sale, &r.time.formatted());
        self.kv(&self.label(Label::Cashier), &r.cashier);
    }

    fn items(&mut self, r: &Receipt) {
        for item in &r.lines {
            if item.qty == 1 {
                self.kv(&item.name, &item.line_total.plain());
            } else {
                for line in wrap(&item.name, self.w) {
                    self.push(line, LineStyle::PLAIN);
                }
                let each = format!("  {} x {}", item.qty, item.unit_price.plain());
                self.kv(&each, &item.line_total.plain());
            }
        }
    }

    fn totals(&mut self, r: &Receipt) {
        self.kv(&self.label(Label::Subtotal), &r.subtotal.with_code());
        for tax in &r.taxes {
            let label = format!("{} {}%", tax.label, tax.rate_percent.normalize());
            self.kv(&label, &tax.amount.with_code());
        }
        let bold_tall = LineStyle {
            align: Align::Left,
            bold: true,
            double_height: true,
        };
        self.kv_styled(&self.label(Label::Total), &r.total.with_code(), bold_tall);
    }

    fn tender(&mut self, tender: &Tender) {
        match tender {
            Tender::Cash { tendered, change } => {
                self.kv(&self.label(Label::Cash), &tendered.with_code());
                self.kv(&self.label(Label::Change), &change.with_code());
            }
            Tender::Wallet(wallet) => self.wallet(wallet),
            Tender::CardTap {
                brand,
                masked_pan,
                aid,
                auth_code,
            } => {
                self.kv(&self.label(Label::Card), brand);
                self.kv(&self.label(Label::CardNumber), masked_pan);
                self.kv(&self.label(Label::Aid), aid);
                self.kv(&self.label(Label::AuthCode), auth_code);
            }
        }
    }

    fn wallet(&mut self, w: &WalletTender) {
        self.kv(&self.label(Label::Wallet), &w.brand);
        self.kv(&self.label(Label::WalletTxn), &w.wallet_txn_id);
        self.kv(&self.label(Label::Account), &w.masked_account);
        self.kv(&self.label(Label::Amount), &w.price_amount.with_code());
        if let Some(promo) = &w.promotion {
            let (label, funded) = match promo.funded_by {
                FundedBy::Wallet => (Label::WalletDiscount, Label::WalletFunded),
                FundedBy::Merchant => (Label::MerchantDiscount, Label::MerchantFunded),
            };
            self.kv(&self.label(label), &negative(&promo.amount));
            for note in [promo.description.clone(), self.label(funded)] {
                for line in wrap(&format!("  {note}"), self.w) {
                    self.push(line, LineStyle::PLAIN);
                }
            }
        }
        self.kv(
            &self.label(Label::CustomerPaid),
            &w.wallet_amount.with_code(),
        );
        if let Some(rate) = &w.rate {
            self.kv(&self.label(Label::Rate), &rate.describe());
        }
        self.kv(
            &self.label(Label::MerchantReceives),
            &w.settlement_amount.with_code(),
        );
    }

    fn status(&mut self, status: ReceiptStatus) {
        let word = match status {
            ReceiptStatus::Approved => Label::Approved,
            ReceiptStatus::NotPaid => Label::NotPaid,
        };
        let style = LineStyle {
            align: Align::Left,
            bold: true,
            double_height: status == ReceiptStatus::NotPaid,
        };
        self.kv_styled(&self.label(Label::Status), &self.label(word), style);
    }

    fn footer(&mut self, r: &Receipt) {
        self.kv(&self.label(Label::Reference), &r.sale_reference);
        self.blank();
        self.blocks.push(Block::Qr(r.sale_reference.clone()));
        if is_code128_b(&r.sale_reference) {
            self.blocks.push(Block::Barcode(r.sale_reference.clone()));
        }
        // English and the second language each on their own line: a phrase should not break.
        let keep = Label::KeepForRefunds;
        let mut phrases = vec![keep.en()];
        if self.lang != Lang::En {
            phrases.push(keep.local(self.lang));
        }
        for phrase in phrases {
            for line in wrap(phrase, self.w) {
                self.push(line, LineStyle::CENTER);
            }
        }
    }
}

/// `KRW -1000`: the code first, like every other amount on the slip.
fn negative(m: &Money) -> String {
    format!("{} -{}", m.currency().code(), m.plain())
}

/// CODE128 set B prints ASCII 32..=126; the printer takes at most 253 data bytes after `{B`.
pub fn is_code128_b(data: &str) -> bool {
    !data.is_empty() && data.len() <= 253 && data.bytes().all(|b| (0x20..=0x7e).contains(&b))
}

/// Renders one text block as it appears on plain text output (centred lines padded).
pub(crate) fn text_line(text: &str, style: LineStyle, w: usize) -> String {
    match style.align {
        Align::Left => text.to_string(),
        Align::Center => center(text, w),
    }
}
