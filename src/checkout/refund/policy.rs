//! The store's refund policy, `[refund]` in config (every key optional):
//! ```toml
//! [refund]
//! reasons = ["Damaged", "Wrong item", "Changed mind", "Price error", "Post-void"]
//! no-pin-up-to = "0"     # refunds up to this amount need no supervisor PIN; "0": always a PIN
//! offer-cash = true      # when a wallet refuses a refund for good, offer cash instead
//! ```
//! "Same shift" for a post-void is, until shifts exist, the same business date in the lane's
//! time zone (`store.utc-offset-minutes`).

use crate::clock::Timestamp;
use crate::money::Decimal;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case", default)]
pub struct RefundPolicy {
    /// The reasons a refund may give; `--reason` must be one of them.
    pub reasons: Vec<String>,
    /// Refunds up to this amount (in the store currency) need no supervisor PIN.
    #[serde(with = "rust_decimal::serde::str")]
    pub no_pin_up_to: Decimal,
    /// Offer cash when the wallet refuses a refund for good (window over, too many refunds).
    pub offer_cash: bool,
}

impl Default for RefundPolicy {
    fn default() -> Self {
        Self {
            reasons: [
                "Damaged",
                "Wrong item",
                "Changed mind",
                "Price error",
                "Post-void",
            ]
            .map(String::from)
            .to_vec(),
            no_pin_up_to: Decimal::ZERO,
            offer_cash: true,
        }
    }
}

impl RefundPolicy {
    /// The configured reason matching `text` (case-insensitive), or a message listing them.
    pub fn reason(&self, text: &str) -> Result<String, String> {
        self.reasons
            .iter()
            .find(|r| r.eq_ignore_ascii_case(text.trim()))
            .cloned()
            .ok_or_else(|| {
                format!(
                    "reason '{}' is not one of the configured reasons: {}",
                    text.trim(),
                    self.reasons.join(", ")
                )
            })
    }

    /// Whether a refund of `amount` needs the supervisor PIN.
    pub fn needs_pin(&self, amount: Decimal) -> bool {
        amount > self.no_pin_up_to
    }
}

/// The business date of `t` in a fixed UTC offset, as days since the epoch.
pub fn business_day(t: Timestamp, utc_offset_minutes: i32) -> i64 {
    let local = t.millis() + i64::from(utc_offset_minutes) * 60_000;
    local.div_euclid(86_400_000)
}

/// Whether a sale completed at `sold` is still in the shift of `now` (post-void allowed).
pub fn same_shift(sold: Timestamp, now: Timestamp, utc_offset_minutes: i32) -> bool {
    business_day(sold, utc_offset_minutes) == business_day(now, utc_offset_minutes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_match_without_case_and_list_the_allowed_ones_otherwise() {
        let p = RefundPolicy::default();
        assert_eq!(p.reason("damaged"), Ok("Damaged".into()));
        let err = p.reason("Bored").unwrap_err();
        assert!(err.contains("Damaged, Wrong item"), "{err}");
    }

    #[test]
    fn the_pin_threshold_is_inclusive() {
        let p = RefundPolicy {
            no_pin_up_to: "5.00".parse().unwrap(),
            ..RefundPolicy::default()
        };
        assert!(!p.needs_pin("5.00".parse().unwrap()));
        assert!(p.needs_pin("5.01".parse().unwrap()));
        assert!(RefundPolicy::default().needs_pin("0.01".parse().unwrap()));
    }

    #[test]
    fn the_shift_is_the_local_business_date() {
        // 2026-11-30 23:30 at UTC-5 is 04:30 UTC on the 1st; 00:30 local is the next day.
        let sold = Timestamp(1_796_099_400_000);
        assert!(same_shift(
            sold,
            sold + std::time::Duration::from_secs(20 * 60),
            -300
        ));
        assert!(!same_shift(
            sold,
            sold + std::time::Duration::from_secs(60 * 60),
            -300
        ));
    }

    #[test]
    fn a_config_section_reads_kebab_case_and_refuses_unknown_keys() {
        let p: RefundPolicy = toml::from_str("no-pin-up-to = \"10\"\noffer-cash = false").unwrap();
        assert!(!p.offer_cash);
        assert_eq!(p.reasons, RefundPolicy::default().reasons);
        assert!(toml::from_str::<RefundPolicy>("pin = 1").is_err());
    }
}
