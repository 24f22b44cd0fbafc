//! Money: an exact decimal amount in an ISO 4217 currency, with explicit rounding.
//!
//! Every amount is `rust_decimal::Decimal`; no floating point anywhere. The number of decimals a
//! currency allows comes from the ISO 4217 table (`iso_currency`): USD 2, JPY 0, KRW 0, KWD 3.

pub mod fx;
mod rounding;

pub use iso_currency::Currency;
pub use rounding::Rounding;
pub use rust_decimal::Decimal;

use serde::{Deserialize, Serialize};
use std::fmt;

/// Errors from building or combining money values.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error("{amount} has more decimals than {currency} allows ({allowed})")]
    TooManyDecimals {
        amount: String,
        currency: &'static str,
        allowed: u32,
    },
    #[error("{0} has no minor unit in ISO 4217 and cannot be used for payments")]
    NotATenderCurrency(&'static str),
    #[error("cannot combine {0} with {1}")]
    CurrencyMismatch(&'static str, &'static str),
    #[error("'{0}' is not an amount: use digits with an optional '.', e.g. 4.50")]
    Unparseable(String),
    #[error("unknown currency '{0}': use an ISO 4217 code such as USD")]
    UnknownCurrency(String),
    #[error("amount overflow")]
    Overflow,
}

/// Number of minor-unit decimals for `currency` (ISO 4217 exponent).
///
/// Currencies without an exponent (gold, test codes) are not tender currencies.
pub fn minor_units(currency: Currency) -> Result<u32, MoneyError> {
    currency
        .exponent()
        .map(u32::from)
        .ok_or(MoneyError::NotATenderCurrency(currency.code()))
}

/// Looks up an alphabetic ISO 4217 code such as `USD` (case-insensitive).
pub fn currency_from_code(code: &str) -> Result<Currency, MoneyError> {
    Currency::from_code(&code.trim().to_ascii_uppercase())
        .ok_or_else(|| MoneyError::UnknownCurrency(code.to_string()))
}

/// An exact amount in one currency, always at (or below) the currency's minor-unit scale.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Money {
    #[serde(with = "rust_decimal::serde::str")]
    amount: Decimal,
    currency: Currency,
}

impl Money {
    /// Builds money, refusing amounts with more decimals than the currency allows.
    pub fn new(amount: Decimal, currency: Currency) -> Result<Self, MoneyError> {
        let allowed = minor_units(currency)?;
        let amount = amount.normalize();
        if amount.scale() > allowed {
            return Err(MoneyError::TooManyDecimals {
                amount: amount.to_string(),
                currency: currency.code(),
                allowed,
            });
        }
        Ok(Self { amount, currency })
    }

    /// Builds money by rounding `amount` to the currency's minor units with `rounding`.
    pub fn rounded(
        amount: Decimal,
        currency: Currency,
        rounding: Rounding,
    ) -> Result<Self, MoneyError> {
        let allowed = minor_units(currency)?;
        let amount = rounding.round(amount, allowed);
        Self::new(amount, currency)
    }

    pub fn zero(currency: Currency) -> Self {
        Self {
            amount: Decimal::ZERO,
            currency,
        }
    }

    /// Builds money from an integer count of minor units (cents, won, yen).
    pub fn from_minor(minor: i64, currency: Currency) -> Result<Self, MoneyError> {
        let scale = minor_units(currency)?;
        Self::new(Decimal::new(minor, scale), currency)
    }

    /// Parses a user-typed amount such as `12`, `12.5` or `12.50`.
    pub fn parse(text: &str, currency: Currency) -> Result<Self, MoneyError> {
        let t = text.trim();
        let well_formed = !t.is_empty()
            && t.chars().all(|c| c.is_ascii_digit() || c == '.')
            && t.chars().filter(|&c| c == '.').count() <= 1
            && t.chars().any(|c| c.is_ascii_digit());
        if !well_formed {
            return Err(MoneyError::Unparseable(text.to_string()));
        }
        let amount: Decimal = t
            .parse()
            .map_err(|_| MoneyError::Unparseable(text.to_string()))?;
        Self::new(amount, currency)
    }

    pub fn amount(&self) -> Decimal {
        self.amount
    }

    pub fn currency(&self) -> Currency {
        self.currency
    }

    /// The amount as an integer count of minor units.
    pub fn to_minor(&self) -> i64 {
        let scale = self.currency.exponent().map(u32::from).unwrap_or(0);
        let mut m = self.amount;
        m.rescale(scale);
        m.mantissa() as i64
    }

    pub fn is_zero(&self) -> bool {
        self.amount.is_zero()
    }

    pub fn is_negative(&self) -> bool {
        self.amount.is_sign_negative() && !self.amount.is_zero()
    }

    fn same_currency(&self, other: &Money) -> Result<(), MoneyError> {
        if self.currency == other.currency {
            Ok(())
        } else {
            Err(MoneyError::CurrencyMismatch(
                self.currency.code(),
                other.currency.code(),
            ))
        }
    }

    pub fn checked_add(&self, other: Money) -> Result<Money, MoneyError> {
        self.same_currency(&other)?;
        let amount = self
            .amount
            .checked_add(other.amount)
            .ok_or(MoneyError::Overflow)?;
        Money::new(amount, self.currency)
    }

    pub fn checked_sub(&self, other: Money) -> Result<Money, MoneyError> {
        self.same_currency(&other)?;
        let amount = self
            .amount
            .checked_sub(other.amount)
            .ok_or(MoneyError::Overflow)?;
        Money::new(amount, self.currency)
    }

    /// Multiplies by a whole quantity; exact, so no rounding is needed.
    pub fn times(&self, qty: u32) -> Result<Money, MoneyError> {
        let amount = self
            .amount
            .checked_mul(Decimal::from(qty))
            .ok_or(MoneyError::Overflow)?;
        Money::new(amount, self.currency)
    }

    /// The amount formatted with exactly the currency's decimals: `4.50`, `1200` (KRW).
    pub fn plain(&self) -> String {
        let scale = self.currency.exponent().map(u32::from).unwrap_or(0);
        let mut a = self.amount;
        a.rescale(scale);
        a.to_string()
    }

    /// The amount with its code in front: `USD 4.50`, `KRW 1200`.
    pub fn with_code(&self) -> String {
        format!("{} {}", self.currency.code(), self.plain())
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.with_code())
    }
}

impl fmt::Debug for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Money({})", self.with_code())
    }
}

impl PartialOrd for Money {
    /// Amounts compare only within one currency.
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        (self.currency == other.currency).then(|| self.amount.cmp(&other.amount))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::dec;

    fn usd() -> Currency {
        Currency::USD
    }

    #[test]
    fn refuses_more_decimals_than_the_currency_allows() {
        assert!(Money::new(dec!(1.005), usd()).is_err());
        assert!(Money::new(dec!(1.50), usd()).is_ok());
        assert!(Money::new(dec!(1200.5), Currency::KRW).is_err());
        assert!(Money::new(dec!(1.005), Currency::KWD).is_ok());
    }

    #[test]
    fn formats_with_the_currency_minor_units() {
        assert_eq!(Money::new(dec!(4.5), usd()).unwrap().plain(), "4.50");
        assert_eq!(
            Money::new(dec!(1200), Currency::KRW).unwrap().plain(),
            "1200"
        );
        assert_eq!(
            Money::new(dec!(1200), Currency::JPY).unwrap().with_code(),
            "JPY 1200"
        );
    }

    #[test]
    fn minor_units_round_trip() {
        let m = Money::from_minor(2349, usd()).unwrap();
        assert_eq!(m.plain(), "23.49");
        assert_eq!(m.to_minor(), 2349);
        assert_eq!(
            Money::from_minor(1500, Currency::KRW).unwrap().to_minor(),
            1500
        );
    }

    #[test]
    fn parse_rejects_junk_and_extra_decimals() {
        assert_eq!(Money::parse("12", usd()).unwrap().plain(), "12.00");
        assert_eq!(Money::parse("12.5", usd()).unwrap().plain(), "12.50");
        assert!(Money::parse("12.345", usd()).is_err());
        assert!(Money::parse("-1", usd()).is_err());
        assert!(Money::parse("1.2.3", usd()).is_err());
        assert!(Money::parse("", usd()).is_err());
        assert!(Money::parse(".", usd()).is_err());
        assert!(Money::parse("1e3", usd()).is_err());
    }

    #[test]
    fn refuses_to_mix_currencies() {
        let a = Money::from_minor(100, usd()).unwrap();
        let b = Money::from_minor(100, Currency::CNY).unwrap();
        assert!(a.checked_add(b).is_err());
        assert_eq!(a.partial_cmp(&b), None);
    }

    #[test]
    fn rounded_states_its_strategy() {
        let half_up = Money::rounded(dec!(2.345), usd(), Rounding::HalfUp).unwrap();
        let half_even = Money::rounded(dec!(2.345), usd(), Rounding::HalfEven).unwrap();
        assert_eq!(half_up.plain(), "2.35");
        assert_eq!(half_even.plain(), "2.34");
        let krw = Money::rounded(dec!(1234.5), Currency::KRW, Rounding::HalfUp).unwrap();
        assert_eq!(krw.plain(), "1235");
    }

    #[test]
    fn serialises_amount_as_a_string() {
        let m = Money::from_minor(450, usd()).unwrap();
        let json = serde_json::to_string(&m).unwrap();
        assert_eq!(json, r#"{"amount":"4.5","currency":"USD"}"#);
        let back: Money = serde_json::from_str(&json).unwrap();
        assert_eq!(back, m);
    }
}
