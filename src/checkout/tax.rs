//! Sales tax rules: a rate per tax category, where tax is rounded, and how.
//!
//! Prices are tax-exclusive (US shelf prices). Tax for a category is `taxable x rate`,
//! rounded to the currency's minor units with the configured [`Rounding`] strategy:
//! - [`TaxPoint::PerReceipt`] (default): once per category over the summed line amounts;
//! - [`TaxPoint::PerLine`]: on every line, then summed.
//!
//! The default strategy is half-up (half away from zero): 0.125 -> 0.13.
//!
//! In config (kebab-case; rates are strings so they stay exact decimals):
//! ```toml
//! point = "per-receipt"
//! rounding = "half-up"
//! [categories.food]
//! rate = "0"
//! label = "Grocery"
//! [categories.prepared]
//! rate = "0.0875"
//! label = "Prepared food"
//! ```

use crate::money::{Decimal, Rounding};
use serde::{Deserialize, Deserializer, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// Where tax is rounded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TaxPoint {
    /// Round each line's tax, then add the rounded amounts.
    PerLine,
    /// Add the lines of a category, then round its tax once.
    #[default]
    PerReceipt,
}

/// One tax category, e.g. `prepared` at 8.75%.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct TaxCategory {
    /// A fraction, not a percentage: 0.0875 is 8.75%. Between 0 and 1.
    #[serde(
        serialize_with = "rust_decimal::serde::str::serialize",
        deserialize_with = "rate_from_str"
    )]
    pub rate: Decimal,
    /// Printed on the receipt's tax line, e.g. "Prepared food".
    pub label: String,
}

/// The store's tax configuration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct TaxRules {
    /// Category code (as used by catalogue items) -> rate and label.
    pub categories: BTreeMap<String, TaxCategory>,
    /// Where tax is rounded; default per receipt.
    #[serde(default)]
    pub point: TaxPoint,
    /// How tax is rounded; default half-up.
    #[serde(default)]
    pub rounding: Rounding,
}

impl TaxRules {
    /// The category codes a catalogue may use.
    pub fn codes(&self) -> BTreeSet<String> {
        self.categories.keys().cloned().collect()
    }

    pub fn category(&self, code: &str) -> Option<&TaxCategory> {
        self.categories.get(code)
    }
}

/// Reads a rate from a string such as "0.0875"; floats are refused so the rate stays exact.
fn rate_from_str<'de, D: Deserializer<'de>>(d: D) -> Result<Decimal, D::Error> {
    use serde::de::Error;
    let text = String::deserialize(d).map_err(|_| {
        D::Error::custom("a tax rate is a string such as \"0.0875\" (8.75%), so it stays exact")
    })?;
    let rate: Decimal = text.trim().parse().map_err(|_| {
        D::Error::custom(format!(
            "tax rate '{text}' is not a decimal: write e.g. \"0.0875\" for 8.75%"
        ))
    })?;
    if rate.is_sign_negative() || rate >= Decimal::ONE {
        return Err(D::Error::custom(format!(
            "tax rate {text} is out of range: write a fraction from 0 to below 1, e.g. \"0.0875\" for 8.75%"
        )));
    }
    Ok(rate)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::dec;

    #[test]
    fn rules_default_to_half_up_rounding_per_receipt() {
        let rules: TaxRules = toml::from_str(
            r#"
            [categories.prepared]
            rate = "0.0875"
            label = "Prepared food"
            "#,
        )
        .unwrap();
        assert_eq!(rules.point, TaxPoint::PerReceipt);
        assert_eq!(rules.rounding, Rounding::HalfUp);
        assert_eq!(rules.category("prepared").unwrap().rate, dec!(0.0875));
    }

    #[test]
    fn rules_read_kebab_case_point_and_rounding() {
        let rules: TaxRules = toml::from_str(
            r#"
            point = "per-line"
            rounding = "half-even"
            [categories.food]
            rate = "0"
            label = "Grocery"
            "#,
        )
        .unwrap();
        assert_eq!(rules.point, TaxPoint::PerLine);
        assert_eq!(rules.rounding, Rounding::HalfEven);
        assert_eq!(rules.codes().into_iter().collect::<Vec<_>>(), ["food"]);
    }

    #[test]
    fn unknown_keys_float_rates_and_out_of_range_rates_are_refused() {
        let unknown = toml::from_str::<TaxRules>(
            "colour = \"red\"\n[categories.food]\nrate = \"0\"\nlabel = \"G\"\n",
        );
        assert!(
            unknown
                .unwrap_err()
                .to_string()
                .contains("unknown field `colour`")
        );
        let float = toml::from_str::<TaxRules>("[categories.food]\nrate = 0.08\nlabel = \"G\"\n");
        assert!(float.unwrap_err().to_string().contains("stays exact"));
        let percent =
            toml::from_str::<TaxRules>("[categories.food]\nrate = \"8.75\"\nlabel = \"G\"\n");
        assert!(percent.unwrap_err().to_string().contains("out of range"));
        let negative =
            toml::from_str::<TaxRules>("[categories.food]\nrate = \"-0.1\"\nlabel = \"G\"\n");
        assert!(negative.is_err());
    }
}
