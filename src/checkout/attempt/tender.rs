//! The tender of an approved wallet payment, from the wallet's own view of it.

use crate::checkout::payment::PayMode;
use crate::checkout::sale::{SalePromotion, WalletTender};
use crate::money::Money;
use crate::network::PaymentView;

/// The tender recorded for an approved wallet payment: every figure as the wallet reported it
/// (`amount` is only the fallback when the wallet sent no view).
pub fn tender_from_view(
    request_id: &str,
    mode: PayMode,
    amount: Money,
    view: Option<&PaymentView>,
) -> WalletTender {
    let brand = view
        .and_then(|v| v.wallet.as_ref())
        .map(|w| w.brand_name.clone())
        .unwrap_or_else(|| "Wallet".into());
    WalletTender {
        brand,
        mode,
        payment_request_id: request_id.to_string(),
        wallet_txn_id: view.map(|v| v.payment_id.clone()).unwrap_or_default(),
        masked_account: view.and_then(|v| v.customer_id.clone()).unwrap_or_default(),
        amount: view.map(|v| v.amount).unwrap_or(amount),
        wallet_amount: view.and_then(|v| v.wallet_amount),
        rate: view.and_then(|v| v.quote.as_ref()).map(|q| q.rate),
        promotion: view
            .and_then(|v| v.promotion.as_ref())
            .map(|p| SalePromotion {
                description: p.name.clone(),
                amount: p.savings,
                funded_by: p.funded_by,
            }),
        settlement: view.and_then(|v| v.settlement_amount),
    }
}
