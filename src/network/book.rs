//! The wallet book: wallet profiles and their shoppers, read strictly from `assets/wallets.toml`.

use crate::money::fx::line_of;
use crate::money::{Currency, Decimal, Money, minor_units};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::path::Path;

/// The embedded default wallets and shoppers.
pub const DEFAULT_WALLETS_TOML: &str = include_str!("../../assets/wallets.toml");

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BookError {
    #[error("{file}:{line}: {message}")]
    Parse {
        file: String,
        line: usize,
        message: String,
    },
    #[error("cannot read wallets from {file}: {message}")]
    Io { file: String, message: String },
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct WalletId(pub String);

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ShopperId(pub String);

impl ShopperId {
    pub fn new(id: impl Into<String>) -> Self {
        Self(id.into())
    }
}

impl fmt::Display for WalletId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Display for ShopperId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Which API dialect names the in-process state: Alipay+ `PAYMENT_IN_PROCESS` or WeChat `USERPAYING`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Dialect {
    AlipayPlus,
    Wechat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum WalletMode {
    PaymentCode,
    OrderCode,
    Tap,
}

/// How the counter polls this wallet and when it may reverse (wallets.md §1.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PollProfile {
    pub interval_s: u32,
    pub deadline_s: u32,
    /// WeChat: no reverse within 15 s of creation.
    pub cancel_min_age_s: u32,
    pub cancel_retries: u32,
    pub cancel_retry_interval_s: u32,
}

/// Until when an order may be cancelled (wallets.md §5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case", deny_unknown_fields)]
pub enum CancelWindow {
    /// A fixed span after creation (Alipay 24 h, WeChat 7 days).
    Hours { hours: u32 },
    /// Until a time of day on the next calendar day in a fixed offset (Alipay+ 00:15 UTC+8 T+1).
    Cutoff {
        utc_offset_minutes: i32,
        minutes_after_midnight: u32,
    },
}

impl CancelWindow {
    /// The last instant (exclusive) a cancel is accepted for an order created at `created`.
    pub fn closes_at(self, created: crate::clock::Timestamp) -> crate::clock::Timestamp {
        const DAY_MS: i64 = 86_400_000;
        match self {
            CancelWindow::Hours { hours } => {
                crate::clock::Timestamp(created.0.saturating_add(i64::from(hours) * 3_600_000))
            }
            CancelWindow::Cutoff {
                utc_offset_minutes,
                minutes_after_midnight,
            } => {
                let offset = i64::from(utc_offset_minutes) * 60_000;
                let local = created.0 + offset;
                let next_midnight_local = (local.div_euclid(DAY_MS) + 1) * DAY_MS;
                crate::clock::Timestamp(
                    next_midnight_local + i64::from(minutes_after_midnight) * 60_000 - offset,
                )
            }
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FundedBy {
    /// The shopper pays less; the merchant still receives the full amount.
    Wallet,
    /// The merchant's settlement is reduced by the discount.
    Merchant,
}

/// An instant discount in the wallet's currency, applied when the order reaches `min_amount`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Promotion {
    pub id: String,
    pub name: String,
    pub promo_type: String,
    pub funded_by: FundedBy,
    pub min_amount: Decimal,
    pub savings: Decimal,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WalletProfile {
    pub id: WalletId,
    pub brand: String,
    pub psp_id: String,
    pub currency: Currency,
    pub dialect: Dialect,
    pub modes: Vec<WalletMode>,
    /// Fictional routing: codes starting with this prefix belong to this wallet.
    pub code_prefix: String,
    pub code_length: usize,
    pub min_amount: Decimal,
    pub max_amount: Decimal,
    pub password_above: Option<Decimal>,
    pub pay_latency_ms: [u64; 2],
    pub confirm_ms: [u64; 2],
    pub tap_confirm_ms: [u64; 2],
    pub auto_close_s: u32,
    pub poll: PollProfile,
    pub cancel_window: CancelWindow,
    pub refund_window_days: u32,
    pub max_refunds: u32,
    #[serde(default)]
    pub promotion: Vec<Promotion>,
}

impl WalletProfile {
    pub fn supports(&self, mode: WalletMode) -> bool {
        self.modes.contains(&mode)
    }

    pub fn money(&self, amount: Decimal) -> Money {
        Money::new(amount, self.currency).unwrap_or_else(|_| Money::zero(self.currency))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum PasswordHabit {
    /// The wallet's `password_above` decides.
    #[default]
    WalletRule,
    Always,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ConfirmBehaviour {
    AutoConfirm,
    Manual,
    Abandons,
    Refuses,
}

/// A simulated shopper as configured (the live balance lives in the network's ledger).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Shopper {
    pub id: ShopperId,
    pub name: String,
    pub wallet: WalletId,
    /// Masked account id as wallets show it, e.g. `159****5620`.
    pub account: String,
    /// Opening balance in the wallet's home currency.
    pub balance: Decimal,
    #[serde(default)]
    pub password: PasswordHabit,
    pub behaviour: ConfirmBehaviour,
    #[serde(default)]
    pub risk_flagged: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BookFile {
    wallet: Vec<WalletProfile>,
    #[serde(default)]
    shopper: Vec<Shopper>,
}

/// Wallet profiles and shoppers, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WalletBook {
    wallets: Vec<WalletProfile>,
    shoppers: Vec<Shopper>,
}

fn amount_fits(amount: Decimal, currency: Currency) -> bool {
    minor_units(currency)
        .map(|allowed| amount.normalize().scale() <= allowed && !amount.is_sign_negative())
        .unwrap_or(false)
}

/// Alipay family: 16–24 digits starting 25–30; WeChat: 18 digits starting 10–14 (wallets.md §2).
fn respects_a_code_family(prefix: &str, length: usize) -> bool {
    let head: u32 = prefix.get(..2).and_then(|h| h.parse().ok()).unwrap_or(0);
    ((25..=30).contains(&head) && (16..=24).contains(&length))
        || ((10..=14).contains(&head) && length == 18)
}

impl WalletBook {
    pub fn embedded() -> Result<Self, BookError> {
        Self::parse(DEFAULT_WALLETS_TOML, "assets/wallets.toml")
    }

    pub fn load(path: &Path) -> Result<Self, BookError> {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| BookError::Io {
            file: file.clone(),
            message: e.to_string(),
        })?;
        Self::parse(&text, &file)
    }

    pub fn parse(text: &str, file: &str) -> Result<Self, BookError> {
        let err_at = |needle: &str, message: String| BookError::Parse {
            file: file.to_string(),
            line: text.find(needle).map(|o| line_of(text, o)).unwrap_or(1),
            message,
        };
        let raw: BookFile = toml::from_str(text).map_err(|e| BookError::Parse {
            file: file.to_string(),
            line: e.span().map(|s| line_of(text, s.start)).unwrap_or(1),
            message: e.message().to_string(),
        })?;
        let mut ids = std::collections::HashSet::new();
        for w in &raw.wallet {
            let at = format!("id = \"{}\"", w.id.0);
            if !ids.insert(w.id.clone()) {
                return Err(err_at(&at, format!("wallet '{}' is defined twice", w.id)));
            }
            if w.code_prefix.is_empty() || !w.code_prefix.chars().all(|c| c.is_ascii_digit()) {
                return Err(err_at(
                    &at,
                    format!("wallet '{}': code_prefix must be digits", w.id),
                ));
            }
            if w.code_prefix.len() + 8 > w.code_length
                || !respects_a_code_family(&w.code_prefix, w.code_length)
            {
                return Err(err_at(
                    &at,
                    format!(
                        "wallet '{}': codes must be Alipay-family (16-24 digits from 25-30) or WeChat (18 digits from 10-14) with room after the prefix",
                        w.id
                    ),
                ));
            }
            let mut amounts = vec![w.min_amount, w.max_amount];
            amounts.extend(w.password_above);
            for p in &w.promotion {
                amounts.extend([p.min_amount, p.savings]);
            }
            if amounts.iter().any(|a| !amount_fits(*a, w.currency)) {
                return Err(err_at(
                    &at,
                    format!(
                        "wallet '{}': an amount has more decimals than {} allows or is negative",
                        w.id,
                        w.currency.code()
                    ),
                ));
            }
            if w.min_amount > w.max_amount
                || w.pay_latency_ms[0] > w.pay_latency_ms[1]
                || w.confirm_ms[0] > w.confirm_ms[1]
                || w.tap_confirm_ms[0] > w.tap_confirm_ms[1]
            {
                return Err(err_at(
                    &at,
                    format!("wallet '{}': a [low, high] range is reversed", w.id),
                ));
            }
        }
        for a in &raw.wallet {
            for b in &raw.wallet {
                if a.id != b.id
                    && b.code_prefix.starts_with(&a.code_prefix)
                    && a.code_length == b.code_length
                {
                    return Err(err_at(
                        &format!("id = \"{}\"", b.id.0),
                        format!("code prefix of '{}' shadows '{}'", a.id, b.id),
                    ));
                }
            }
        }
        let mut shopper_ids = std::collections::HashSet::new();
        for s in &raw.shopper {
            let at = format!("id = \"{}\"", s.id.0);
            if !shopper_ids.insert(s.id.clone()) {
                return Err(err_at(&at, format!("shopper '{}' is defined twice", s.id)));
            }
            let wallet = raw
                .wallet
                .iter()
                .find(|w| w.id == s.wallet)
                .ok_or_else(|| {
                    err_at(
                        &at,
                        format!("shopper '{}' uses unknown wallet '{}'", s.id, s.wallet),
                    )
                })?;
            if !amount_fits(s.balance, wallet.currency) {
                return Err(err_at(
                    &at,
                    format!(
                        "shopper '{}': balance does not fit {}",
                        s.id,
                        wallet.currency.code()
                    ),
                ));
            }
        }
        Ok(Self {
            wallets: raw.wallet,
            shoppers: raw.shopper,
        })
    }

    pub fn wallets(&self) -> &[WalletProfile] {
        &self.wallets
    }

    pub fn shoppers(&self) -> &[Shopper] {
        &self.shoppers
    }

    pub fn wallet(&self, id: &WalletId) -> Option<&WalletProfile> {
        self.wallets.iter().find(|w| &w.id == id)
    }

    pub fn shopper(&self, id: &ShopperId) -> Option<&Shopper> {
        self.shoppers.iter().find(|s| &s.id == id)
    }

    /// The wallet a payment code routes to: the longest matching prefix with the right length.
    pub fn route(&self, code: &str) -> Option<&WalletProfile> {
        if !code.chars().all(|c| c.is_ascii_digit()) {
            return None;
        }
        self.wallets
            .iter()
            .filter(|w| code.len() == w.code_length && code.starts_with(&w.code_prefix))
            .max_by_key(|w| w.code_prefix.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::Timestamp;

    #[test]
    fn embedded_book_has_the_eight_wallets() {
        let book = WalletBook::embedded().unwrap();
        let brands: Vec<&str> = book.wallets().iter().map(|w| w.brand.as_str()).collect();
        assert_eq!(
            brands,
            [
                "Alipay",
                "AlipayHK",
                "Kakao Pay",
                "GCash",
                "Touch 'n Go eWallet",
                "TrueMoney",
                "DANA",
                "WeChat Pay"
            ]
        );
        assert!(book.shoppers().len() >= 8);
        for w in book.wallets() {
            assert!(
                book.shoppers().iter().any(|s| s.wallet == w.id),
                "{} has a shopper",
                w.id
            );
        }
    }

    #[test]
    fn routing_picks_the_longest_prefix_of_the_right_length() {
        let book = WalletBook::embedded().unwrap();
        let kakao = book.route("281001123456789012345678").unwrap();
        assert_eq!(kakao.brand, "Kakao Pay");
        assert_eq!(book.route("250000000000000001").unwrap().brand, "Alipay");
        assert_eq!(
            book.route("130000000000000001").unwrap().brand,
            "WeChat Pay"
        );
        assert!(book.route("2810011234").is_none());
        assert!(book.route("9999").is_none());
        assert!(book.route("28100112345678901234567x").is_none());
    }

    #[test]
    fn unknown_key_names_file_and_line() {
        let text =
            DEFAULT_WALLETS_TOML.replacen("brand = \"GCash\"", "brand = \"GCash\"\nbrandd = 1", 1);
        let err = WalletBook::parse(&text, "wallets.toml")
            .unwrap_err()
            .to_string();
        let line = text.lines().position(|l| l.starts_with("brandd")).unwrap() + 1;
        assert!(err.starts_with(&format!("wallets.toml:{line}:")), "{err}");
        assert!(err.contains("brandd"), "{err}");
    }

    #[test]
    fn shopper_with_unknown_wallet_is_rejected() {
        let text = DEFAULT_WALLETS_TOML.replacen("wallet = \"gcash\"", "wallet = \"gcashh\"", 1);
        let err = WalletBook::parse(&text, "w.toml").unwrap_err().to_string();
        assert!(err.contains("unknown wallet 'gcashh'"), "{err}");
    }

    #[test]
    fn krw_amounts_with_decimals_are_rejected() {
        let text =
            DEFAULT_WALLETS_TOML.replacen("balance = \"800000\"", "balance = \"800000.5\"", 1);
        assert!(
            WalletBook::parse(&text, "w")
                .unwrap_err()
                .to_string()
                .contains("KRW")
        );
    }

    #[test]
    fn codes_outside_the_families_are_rejected() {
        let text = DEFAULT_WALLETS_TOML.replacen("code_prefix = \"13\"", "code_prefix = \"62\"", 1);
        assert!(
            WalletBook::parse(&text, "w")
                .unwrap_err()
                .to_string()
                .contains("Alipay-family")
        );
    }

    #[test]
    fn alipay_plus_cancel_window_ends_at_0015_utc8_next_day() {
        let w = CancelWindow::Cutoff {
            utc_offset_minutes: 480,
            minutes_after_midnight: 15,
        };
        // 2026-05-14 23:55 UTC+8 = 15:55 UTC.
        let created = Timestamp(1_778_774_100_000);
        assert_eq!(created.format_local(480), "2026-05-14 23:55:00");
        assert_eq!(
            w.closes_at(created).format_local(480),
            "2026-05-15 00:15:00"
        );
        let early = Timestamp(1_778_774_100_000 - 12 * 3_600_000);
        assert_eq!(w.closes_at(early).format_local(480), "2026-05-15 00:15:00");
        assert_eq!(
            CancelWindow::Hours { hours: 24 }.closes_at(created),
            Timestamp(created.0 + 86_400_000)
        );
    }
}
