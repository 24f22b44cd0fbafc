//! Counting the drawer by denomination: the float at open and the blind count at close.

use crate::money::{Currency, Decimal, Money};
use serde::{Deserialize, Serialize};

/// The `[drawer]` table of the config: the denominations a count asks for and the amounts above
/// which the supervisor PIN is needed. Missing from a user file, the embedded defaults apply.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DrawerSettings {
    /// Bills and coins, largest first, as decimal amounts in the store currency.
    pub denominations: Vec<String>,
    /// A paid-in or paid-out above this amount needs the supervisor PIN.
    pub pin_above: String,
    /// A close whose cash variance (either way) is above this needs the supervisor PIN.
    pub variance_pin_above: String,
}

impl Default for DrawerSettings {
    /// USD bills and coins in common use.
    fn default() -> Self {
        let d = [
            "100", "50", "20", "10", "5", "2", "1", "0.50", "0.25", "0.10", "0.05", "0.01",
        ];
        Self {
            denominations: d.iter().map(|s| s.to_string()).collect(),
            pin_above: "50.00".into(),
            variance_pin_above: "5.00".into(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CountError {
    #[error("drawer.denominations: '{0}' is not an amount in the store currency")]
    BadDenomination(String),
    #[error("'{0}' is not DENOMINATION=QUANTITY (e.g. 20=5,1=10,0.25=8)")]
    BadEntry(String),
    #[error("{0} is not one of the drawer's denominations ({1})")]
    UnknownDenomination(String, String),
    #[error("drawer.{0}: '{1}' is not an amount in the store currency")]
    BadThreshold(&'static str, String),
}

impl DrawerSettings {
    /// The denominations as minor units, largest first, checked against the currency.
    pub fn denominations_minor(&self, currency: Currency) -> Result<Vec<i64>, CountError> {
        self.denominations
            .iter()
            .map(|d| {
                Money::parse(d, currency)
                    .ok()
                    .filter(|m| !m.is_zero())
                    .map(|m| m.to_minor())
                    .ok_or_else(|| CountError::BadDenomination(d.clone()))
            })
            .collect()
    }

    pub fn pin_above_minor(&self, currency: Currency) -> Result<i64, CountError> {
        Money::parse(&self.pin_above, currency)
            .map(|m| m.to_minor())
            .map_err(|_| CountError::BadThreshold("pin_above", self.pin_above.clone()))
    }

    pub fn variance_pin_above_minor(&self, currency: Currency) -> Result<i64, CountError> {
        Money::parse(&self.variance_pin_above, currency)
            .map(|m| m.to_minor())
            .map_err(|_| {
                CountError::BadThreshold("variance_pin_above", self.variance_pin_above.clone())
            })
    }
}

/// How many of each denomination (minor units) lie in the drawer.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Count {
    /// (denomination in minor units, quantity), in the settings' order, zero quantities kept.
    pub pieces: Vec<(i64, u32)>,
}

impl Count {
    /// An empty count over `denominations`.
    pub fn empty(denominations: &[i64]) -> Self {
        Self {
            pieces: denominations.iter().map(|&d| (d, 0)).collect(),
        }
    }

    /// Parses `20=5,1=10,0.25=8` (denomination = quantity; omitted ones count zero).
    pub fn parse(
        text: &str,
        denominations: &[i64],
        currency: Currency,
    ) -> Result<Self, CountError> {
        let mut count = Self::empty(denominations);
        for entry in text.split(',').map(str::trim).filter(|e| !e.is_empty()) {
            let (denom, qty) = entry
                .split_once('=')
                .ok_or_else(|| CountError::BadEntry(entry.into()))?;
            let minor = Money::parse(denom, currency)
                .map_err(|_| CountError::BadEntry(entry.into()))?
                .to_minor();
            let qty: u32 = qty
                .trim()
                .parse()
                .map_err(|_| CountError::BadEntry(entry.into()))?;
            if !count.set(minor, qty) {
                let known = denominations
                    .iter()
                    .map(|&d| minor_text(d, currency))
                    .collect::<Vec<_>>()
                    .join(", ");
                return Err(CountError::UnknownDenomination(denom.trim().into(), known));
            }
        }
        Ok(count)
    }

    /// Sets the quantity of one denomination; `false` when the denomination is not counted.
    pub fn set(&mut self, denomination: i64, qty: u32) -> bool {
        match self.pieces.iter_mut().find(|(d, _)| *d == denomination) {
            Some(slot) => {
                slot.1 = qty;
                true
            }
            None => false,
        }
    }

    /// The counted total in minor units.
    pub fn total_minor(&self) -> i64 {
        self.pieces
            .iter()
            .map(|&(d, q)| d.saturating_mul(i64::from(q)))
            .fold(0i64, i64::saturating_add)
    }
}

/// Minor units as a decimal string in `currency` (`2500` → `25.00`).
pub fn minor_text(minor: i64, currency: Currency) -> String {
    let scale = crate::money::minor_units(currency).unwrap_or(2);
    let mut d = Decimal::new(minor, scale);
    d.rescale(scale);
    d.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn usd() -> Vec<i64> {
        DrawerSettings::default()
            .denominations_minor(Currency::USD)
            .unwrap()
    }

    #[test]
    fn a_count_totals_its_pieces() {
        let c = Count::parse("20=5, 1=10,0.25=8", &usd(), Currency::USD).unwrap();
        assert_eq!(c.total_minor(), 10_000 + 1_000 + 200);
        assert_eq!(c.pieces.len(), 12);
    }

    #[test]
    fn an_unknown_denomination_lists_the_known_ones() {
        let err = Count::parse("3=1", &usd(), Currency::USD).unwrap_err();
        let text = err.to_string();
        assert!(text.contains("3 is not one of"), "{text}");
        assert!(text.contains("0.25"), "{text}");
    }

    #[test]
    fn malformed_entries_are_named() {
        for bad in ["20", "20=x", "x=1", "20=-1"] {
            let err = Count::parse(bad, &usd(), Currency::USD).unwrap_err();
            assert!(
                matches!(err, CountError::BadEntry(ref e) if e == bad),
                "{bad}: {err}"
            );
        }
    }

    #[test]
    fn minor_text_keeps_the_currency_decimals() {
        assert_eq!(minor_text(2500, Currency::USD), "25.00");
        assert_eq!(minor_text(-5, Currency::USD), "-0.05");
        assert_eq!(minor_text(1200, Currency::KRW), "1200");
    }
}
