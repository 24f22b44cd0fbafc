//! What the shopper side sees, as plain data: built from the checkout and the network after a
//! change, serialized once, sent to every second screen. Amounts travel as text already
//! formatted by `Money` (exact, in minor units), so no client ever does money arithmetic.

use crate::checkout::payment::{PayMode, PayStatus};
use crate::checkout::sale::SaleTender;
use crate::checkout::{Checkout, Screen};
use crate::clock::Timestamp;
use crate::network::{Network, PhoneScreen};
use crate::receipt::model::Lang;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CounterState {
    /// The counter's clock, for countdowns.
    pub now_ms: i64,
    pub store: String,
    pub lines: Vec<ShownLine>,
    /// Currency code and amount of the basket total, e.g. `USD`, `12.34`.
    pub currency: String,
    pub total: String,
    pub payment: Option<ShownPayment>,
    pub result: Option<ShownResult>,
    pub shoppers: Vec<ShownShopper>,
    /// Each shopper's phone, in the order of `shoppers`.
    pub phones: Vec<PhoneScreen>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShownLine {
    pub name: String,
    pub qty: u32,
    pub amount: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShownPayment {
    pub mode: String,
    /// What the counter's QR carries (the EMV payload, or the web phone's URL) while it may
    /// still be scanned; `None` once the code is closed or for modes without a QR.
    pub qr: Option<String>,
    /// The amount in the store currency, with its code.
    pub amount: String,
    /// What the shopper pays in the wallet currency, once a wallet has answered.
    pub wallet_amount: Option<String>,
    pub wallet: Option<String>,
    pub rate: Option<String>,
    pub deadline_ms: i64,
    pub status: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShownResult {
    pub paid: bool,
    pub headline: String,
    pub detail: String,
    /// The thank-you (or sorry) in the shopper's language, English when it is not known.
    pub thank_you: String,
    /// BCP 47 tag of that language.
    pub lang: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShownShopper {
    pub id: String,
    pub name: String,
    pub brand: String,
    pub account: String,
    pub balance: String,
}

impl CounterState {
    /// The state at `now`; `qr_text` turns the EMV payload into what the QR carries.
    pub fn capture(
        checkout: &Checkout,
        network: &Network,
        now: Timestamp,
        store: &str,
        qr_text: &dyn Fn(&str) -> Option<String>,
    ) -> Self {
        let totals = checkout.totals();
        let lines = checkout
            .basket
            .lines()
            .iter()
            .map(|l| ShownLine {
                name: l.item.name.clone(),
                qty: l.qty,
                amount: l.amount().map(|m| m.plain()).unwrap_or_default(),
            })
            .collect();
        let (payment, result) = match &checkout.screen {
            Screen::Pay(pay) => {
                let attempt = pay.attempt.as_ref();
                let view = attempt.and_then(|a| a.payment.as_ref());
                let amount = attempt.map_or(totals.total, |a| a.amount);
                let qr = attempt
                    .filter(|_| pay.mode == PayMode::WalletQr && pay.status.is_live())
                    .and_then(|a| a.qr_payload.as_deref())
                    .map(|p| qr_text(p).unwrap_or_else(|| p.to_string()));
                let wallet = view
                    .and_then(|v| v.wallet.as_ref())
                    .map(|w| w.brand_name.clone());
                let payment = ShownPayment {
                    mode: pay.mode.title().to_string(),
                    qr,
                    amount: amount.with_code(),
                    wallet_amount: view.and_then(|v| v.wallet_amount).map(|m| m.with_code()),
                    wallet: wallet.clone(),
                    rate: view
                        .and_then(|v| v.quote.as_ref())
                        .map(|q| q.rate.to_string()),
                    deadline_ms: attempt.map_or(0, |a| a.deadline.millis()),
                    status: status_text(&pay.status),
                };
                (Some(payment), unpaid_result(&pay.status, wallet.as_deref()))
            }
            Screen::Receipt { sale, .. } => {
                let brand = match &sale.tender {
                    SaleTender::Wallet(w) => Some(w.brand.as_str()),
                    _ => None,
                };
                let lang = brand.map_or(Lang::En, Lang::for_wallet);
                let detail = match &sale.tender {
                    SaleTender::Wallet(w) => match w.wallet_amount {
                        Some(wa) => format!("{} · {}", w.brand, wa.with_code()),
                        None => w.brand.clone(),
                    },
                    SaleTender::Cash { change, .. } => format!("Change {}", change.with_code()),
                    SaleTender::Card(_) => "Card".to_string(),
                };
                let result = ShownResult {
                    paid: true,
                    headline: format!("PAID {}", sale.total.with_code()),
                    detail,
                    thank_you: thank_you(lang).to_string(),
                    lang: lang_tag(lang).to_string(),
                };
                (None, Some(result))
            }
            _ => (None, None),
        };
        let shoppers: Vec<ShownShopper> = network
            .shoppers()
            .iter()
            .map(|s| ShownShopper {
                id: s.id.0.clone(),
                name: s.name.clone(),
                brand: network
                    .book()
                    .wallet(&s.wallet)
                    .map_or_else(|| s.wallet.0.clone(), |w| w.brand.clone()),
                account: s.account.clone(),
                balance: network
                    .balance(&s.id)
                    .map(|b| b.with_code())
                    .unwrap_or_default(),
            })
            .collect();
        let phones = network
            .shoppers()
            .iter()
            .map(|s| {
                network
                    .phone_screen(&s.id, now)
                    .unwrap_or(PhoneScreen::Offline)
            })
            .collect();
        Self {
            now_ms: now.millis(),
            store: store.to_string(),
            lines,
            currency: totals.total.currency().code().to_string(),
            total: totals.total.plain(),
            payment,
            result,
            shoppers,
            phones,
        }
    }
}

/// A failed attempt as the shopper side shows it; `None` while it can still be paid.
fn unpaid_result(status: &PayStatus, brand: Option<&str>) -> Option<ShownResult> {
    let detail = match status {
        PayStatus::Declined { code, .. } => format!("Declined {code}"),
        PayStatus::Cancelled { why, .. } => format!("Cancelled ({why})"),
        PayStatus::NeedsManual { .. } => "Please wait for the cashier".to_string(),
        _ => return None,
    };
    let lang = brand.map_or(Lang::En, Lang::for_wallet);
    Some(ShownResult {
        paid: false,
        headline: "NOT PAID".to_string(),
        detail,
        thank_you: sorry(lang).to_string(),
        lang: lang_tag(lang).to_string(),
    })
}

fn status_text(status: &PayStatus) -> String {
    match status {
        PayStatus::AwaitingCode => "Show your payment code".into(),
        PayStatus::AwaitingTap => "Tap your phone on the reader".into(),
        PayStatus::AwaitingCard => "Present your card".into(),
        PayStatus::Sending => "Sending…".into(),
        PayStatus::WaitingForScan => "Scan the code with your wallet app".into(),
        PayStatus::ShopperConfirming => "Confirm on your phone".into(),
        PayStatus::Cancelling { .. } => "Cancelling…".into(),
        PayStatus::Approved => "Approved".into(),
        PayStatus::Declined { code, .. } => format!("Declined {code}"),
        PayStatus::Cancelled { why, .. } => format!("Cancelled ({why})"),
        PayStatus::NeedsManual { .. } => "Please wait for the cashier".into(),
    }
}

/// The thank-you line in the shopper's language.
pub fn thank_you(lang: Lang) -> &'static str {
    match lang {
        Lang::En => "Thank you!",
        Lang::ZhHans => "谢谢惠顾！",
        Lang::ZhHant => "多謝惠顧！",
        Lang::Ko => "감사합니다!",
    }
}

fn sorry(lang: Lang) -> &'static str {
    match lang {
        Lang::En => "Sorry, the payment did not go through.",
        Lang::ZhHans => "抱歉，支付未成功。",
        Lang::ZhHant => "抱歉，支付未成功。",
        Lang::Ko => "죄송합니다. 결제되지 않았습니다.",
    }
}

fn lang_tag(lang: Lang) -> &'static str {
    match lang {
        Lang::En => "en",
        Lang::ZhHans => "zh-Hans",
        Lang::ZhHant => "zh-Hant",
        Lang::Ko => "ko",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_language_has_its_own_thank_you() {
        let all = [Lang::En, Lang::ZhHans, Lang::ZhHant, Lang::Ko].map(thank_you);
        for (i, a) in all.iter().enumerate() {
            for b in &all[i + 1..] {
                assert_ne!(a, b);
            }
        }
        assert_eq!(thank_you(Lang::for_wallet("Kakao Pay")), "감사합니다!");
    }
}
