//! Turns a journaled sale into the receipt model that every renderer reads.

use super::sale::{CompletedSale, SaleTender};
use crate::money::Decimal;
use crate::network::FundedBy as Funder;
use crate::receipt::{
    FundedBy, Lang, Promotion, Receipt, ReceiptLine, ReceiptStatus, ReceiptTime, ReportedRate,
    SlipLanguage, TaxLine, Tender, WalletTender,
};

/// What a slip prints about the store. The store configuration provides it; the checkout does
/// not depend on how the configuration is read.
pub trait SlipStore {
    fn store_name(&self) -> &str;
    fn address_lines(&self) -> &[String];
    fn store_id(&self) -> &str;
    fn terminal_id(&self) -> &str;
    /// The lane printing the slip (a refund of another lane's sale names the refunding lane).
    fn lane_id(&self) -> &str;
    fn cashier(&self) -> &str;
    fn utc_offset_minutes(&self) -> i32;
    /// The store prints English only, whatever the shopper's wallet.
    fn english_only(&self) -> bool;
}

/// The sale reference printed as text, QR and barcode: store, lane and sale number.
pub fn sale_reference(config: &impl SlipStore, sale: &CompletedSale) -> String {
    format!(
        "S{}-L{}-{:06}",
        config.store_id(),
        sale.lane_id,
        sale.sale_no
    )
}

/// The slip language the store setting and the shopper's wallet call for.
pub fn slip_language(config: &impl SlipStore, sale: &CompletedSale) -> Lang {
    let setting = if config.english_only() {
        SlipLanguage::EnglishOnly
    } else {
        SlipLanguage::ByWallet
    };
    let brand = match &sale.tender {
        SaleTender::Wallet(w) => Some(w.brand.as_str()),
        _ => None,
    };
    Lang::for_sale(brand, setting)
}

/// Builds the receipt for `sale`; `lang` overrides the language the sale would get.
pub fn receipt_for(sale: &CompletedSale, config: &impl SlipStore, lang: Option<Lang>) -> Receipt {
    Receipt {
        store_name: config.store_name().to_string(),
        address_lines: config.address_lines().to_vec(),
        store_id: config.store_id().to_string(),
        lane_id: sale.lane_id.clone(),
        terminal_id: config.terminal_id().to_string(),
        cashier: config.cashier().to_string(),
        sale_number: sale.sale_no,
        time: ReceiptTime {
            at: sale.completed_at,
            utc_offset_minutes: config.utc_offset_minutes(),
        },
        lines: sale
            .lines
            .iter()
            .map(|l| ReceiptLine {
                name: l.name.clone(),
                qty: l.qty,
                unit_price: l.unit_price,
                line_total: l.line_total,
            })
            .collect(),
        taxes: sale
            .tax_lines
            .iter()
            .map(|t| TaxLine {
                label: t.label.clone(),
                rate_percent: (t.rate * Decimal::ONE_HUNDRED).normalize(),
                amount: t.amount,
            })
            .collect(),
        subtotal: sale.subtotal,
        total: sale.total,
        tender: tender(&sale.tender),
        status: ReceiptStatus::Approved,
        sale_reference: sale_reference(config, sale),
        lang: lang.unwrap_or_else(|| slip_language(config, sale)),
    }
}

fn tender(t: &SaleTender) -> Tender {
    match t {
        SaleTender::Cash { tendered, change } => Tender::Cash {
            tendered: *tendered,
            change: *change,
        },
        SaleTender::Card(c) => Tender::CardTap {
            brand: c.brand.clone(),
            masked_pan: c.masked_pan.clone(),
            aid: c.aid.clone(),
            auth_code: c.auth_code.clone(),
        },
        SaleTender::Wallet(w) => {
            let wallet_amount = w.wallet_amount.unwrap_or(w.amount);
            Tender::Wallet(WalletTender {
                brand: w.brand.clone(),
                wallet_txn_id: w.wallet_txn_id.clone(),
                masked_account: w.masked_account.clone(),
                price_amount: w.amount,
                wallet_amount,
                rate: w.rate.map(|rate| ReportedRate {
                    rate,
                    pair: format!(
                        "{}/{}",
                        w.amount.currency().code(),
                        wallet_amount.currency().code()
                    ),
                }),
                promotion: w.promotion.as_ref().map(|p| Promotion {
                    description: p.description.clone(),
                    amount: p.amount,
                    funded_by: match p.funded_by {
                        Funder::Merchant => FundedBy::Merchant,
                        Funder::Wallet => FundedBy::Wallet,
                    },
                }),
                settlement_amount: w.settlement.unwrap_or(w.amount),
            })
        }
    }
}
