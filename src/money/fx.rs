//! FX: reference rates with an as-of date and a spread, and quotes that lock a rate for one
//! payment (wallets.md §6). A quote carries its pair, mid and applied rate, when it was taken and
//! when it expires, and how amounts in the target currency round, so `convert` needs nothing else.

use super::{Currency, Decimal, Money, MoneyError, Rounding, currency_from_code, minor_units};
use crate::clock::Timestamp;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

/// The embedded default rates (`assets/fx-rates.toml`).
pub const DEFAULT_FX_TOML: &str = include_str!("../../assets/fx-rates.toml");

/// Decimals kept in a rate; rates round half-up to this scale.
pub const RATE_DECIMALS: u32 = 8;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FxError {
    #[error("{file}:{line}: {message}")]
    Parse {
        file: String,
        line: usize,
        message: String,
    },
    #[error("cannot read FX rates from {file}: {message}")]
    Io { file: String, message: String },
    #[error("no FX rate for {from}/{to}: add the pair to the fx-rates file")]
    NoRate {
        from: &'static str,
        to: &'static str,
    },
    #[error("quote {pair} converts {expected}, not {got}")]
    WrongCurrency {
        pair: String,
        expected: &'static str,
        got: &'static str,
    },
    #[error(transparent)]
    Money(#[from] MoneyError),
}

/// A currency pair `BASE/QUOTE`: 1 BASE = rate QUOTE.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct CurrencyPair {
    pub base: Currency,
    pub quote: Currency,
}

impl fmt::Display for CurrencyPair {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.base.code(), self.quote.code())
    }
}

/// How amounts in one currency round after conversion.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TargetRounding {
    pub decimals: u32,
    pub strategy: Rounding,
}

/// A locked rate for one payment. Refunds reuse the payment's quote (wallets.md §5).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FxQuote {
    pub quote_id: String,
    pub pair: CurrencyPair,
    /// Mid-market rate from the reference table.
    pub mid_rate: Decimal,
    /// The rate the wallet applies: mid plus spread.
    pub rate: Decimal,
    pub spread_bps: u32,
    /// As-of date of the reference table the quote came from.
    pub as_of: String,
    pub taken_at: Timestamp,
    pub expires_at: Timestamp,
    pub rounding: TargetRounding,
}

impl FxQuote {
    pub fn is_live_at(&self, now: Timestamp) -> bool {
        now < self.expires_at
    }

    /// `1 USD = 7.22122650 CNY` style line for receipts and screens.
    pub fn describe(&self) -> String {
        format!(
            "1 {} = {} {}",
            self.pair.base.code(),
            self.rate.normalize(),
            self.pair.quote.code()
        )
    }
}

/// Converts `amount` (in the quote's base currency) at the quote's rate, rounding to the target
/// currency with the quote's stated rounding (half-up at ISO minor units unless the table says
/// otherwise, e.g. IDR to whole rupiah half-even).
pub fn convert(amount: Money, quote: &FxQuote) -> Result<Money, FxError> {
    if amount.currency() != quote.pair.base {
        return Err(FxError::WrongCurrency {
            pair: quote.pair.to_string(),
            expected: quote.pair.base.code(),
            got: amount.currency().code(),
        });
    }
    let exact = amount
        .amount()
        .checked_mul(quote.rate)
        .ok_or(MoneyError::Overflow)?;
    let rounded = quote
        .rounding
        .strategy
        .round(exact, quote.rounding.decimals);
    Ok(Money::new(rounded, quote.pair.quote)?)
}

/// Converts an amount in the quote's target currency back to its base currency at the same
/// rate, rounding to the base currency's minor units with `rounding` (used to price a
/// merchant-funded discount in the merchant's currency).
pub fn convert_back(amount: Money, quote: &FxQuote, rounding: Rounding) -> Result<Money, FxError> {
    if amount.currency() != quote.pair.quote {
        return Err(FxError::WrongCurrency {
            pair: quote.pair.to_string(),
            expected: quote.pair.quote.code(),
            got: amount.currency().code(),
        });
    }
    if quote.rate.is_zero() {
        return Err(MoneyError::Overflow.into());
    }
    let exact = amount
        .amount()
        .checked_div(quote.rate)
        .ok_or(MoneyError::Overflow)?;
    Ok(Money::rounded(exact, quote.pair.base, rounding)?)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct RateEntry {
    mid: Decimal,
    spread_bps: u32,
}

/// The reference rate table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FxTable {
    as_of: String,
    quote_ttl_ms: i64,
    rates: BTreeMap<CurrencyPair, RateEntry>,
    rounding: BTreeMap<Currency, TargetRounding>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FxFile {
    as_of: String,
    #[serde(default)]
    spread_bps: u32,
    quote_ttl_s: u32,
    #[serde(default)]
    rate: Vec<FxFileRate>,
    #[serde(default)]
    rounding: Vec<FxFileRounding>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FxFileRate {
    pair: String,
    mid: Decimal,
    spread_bps: Option<u32>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FxFileRounding {
    currency: String,
    decimals: u32,
    strategy: Rounding,
}

/// Line (1-based) of a byte offset, for error messages that name file and line.
pub(crate) fn line_of(text: &str, offset: usize) -> usize {
    text.get(..offset.min(text.len()))
        .map(|s| s.matches('\n').count() + 1)
        .unwrap_or(1)
}

fn line_of_needle(text: &str, needle: &str) -> usize {
    text.find(needle).map(|o| line_of(text, o)).unwrap_or(1)
}

impl FxTable {
    /// The embedded default table.
    pub fn embedded() -> Result<Self, FxError> {
        Self::parse(DEFAULT_FX_TOML, "assets/fx-rates.toml")
    }

    /// Reads a rates file (`--fx FILE`); it replaces the embedded table entirely.
    pub fn load(path: &Path) -> Result<Self, FxError> {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| FxError::Io {
            file: file.clone(),
            message: e.to_string(),
        })?;
        Self::parse(&text, &file)
    }

    /// Parses rates strictly: unknown keys, bad pairs and non-positive rates name file and line.
    pub fn parse(text: &str, file: &str) -> Result<Self, FxError> {
        let parse_err = |line: usize, message: String| FxError::Parse {
            file: file.to_string(),
            line,
            message,
        };
        let raw: FxFile = toml::from_str(text).map_err(|e| {
            let line = e.span().map(|s| line_of(text, s.start)).unwrap_or(1);
            parse_err(line, e.message().to_string())
        })?;
        let mut rates = BTreeMap::new();
        for r in &raw.rate {
            let line = line_of_needle(text, &format!("\"{}\"", r.pair));
            let (base, quote) = r.pair.split_once('/').ok_or_else(|| {
                parse_err(line, format!("pair '{}' must look like USD/CNY", r.pair))
            })?;
            let base = currency_from_code(base).map_err(|e| parse_err(line, e.to_string()))?;
            let quote = currency_from_code(quote).map_err(|e| parse_err(line, e.to_string()))?;
            if base == quote {
                return Err(parse_err(
                    line,
                    format!("pair '{}' converts a currency to itself", r.pair),
                ));
            }
            if r.mid <= Decimal::ZERO {
                return Err(parse_err(
                    line,
                    format!("rate for {} must be positive", r.pair),
                ));
            }
            let pair = CurrencyPair { base, quote };
            let entry = RateEntry {
                mid: r.mid,
                spread_bps: r.spread_bps.unwrap_or(raw.spread_bps),
            };
            if rates.insert(pair, entry).is_some() {
                return Err(parse_err(line, format!("pair {} is listed twice", r.pair)));
            }
        }
        let mut rounding = BTreeMap::new();
        for r in &raw.rounding {
            let line = line_of_needle(text, &format!("\"{}\"", r.currency));
            let currency =
                currency_from_code(&r.currency).map_err(|e| parse_err(line, e.to_string()))?;
            let allowed = minor_units(currency).map_err(|e| parse_err(line, e.to_string()))?;
            if r.decimals > allowed {
                return Err(parse_err(
                    line,
                    format!("{} allows at most {allowed} decimals", r.currency),
                ));
            }
            rounding.insert(
                currency,
                TargetRounding {
                    decimals: r.decimals,
                    strategy: r.strategy,
                },
            );
        }
        Ok(Self {
            as_of: raw.as_of,
            quote_ttl_ms: i64::from(raw.quote_ttl_s) * 1000,
            rates,
            rounding,
        })
    }

    pub fn as_of(&self) -> &str {
        &self.as_of
    }

    /// How converted amounts in `currency` round: the table's override or ISO minor units half-up.
    pub fn rounding_for(&self, currency: Currency) -> Result<TargetRounding, FxError> {
        match self.rounding.get(&currency) {
            Some(r) => Ok(*r),
            None => Ok(TargetRounding {
                decimals: minor_units(currency)?,
                strategy: Rounding::HalfUp,
            }),
        }
    }

    /// Mid rate and spread for `from -> to`: direct, inverse, or across one shared currency.
    fn mid(&self, from: Currency, to: Currency) -> Option<RateEntry> {
        let invert = |e: RateEntry| {
            let mid = Rounding::HalfUp.round(Decimal::ONE.checked_div(e.mid)?, RATE_DECIMALS);
            Some(RateEntry {
                mid,
                spread_bps: e.spread_bps,
            })
        };
        let leg = |a: Currency, b: Currency| -> Option<RateEntry> {
            if let Some(e) = self.rates.get(&CurrencyPair { base: a, quote: b }) {
                return Some(*e);
            }
            self.rates
                .get(&CurrencyPair { base: b, quote: a })
                .and_then(|e| invert(*e))
        };
        if let Some(e) = leg(from, to) {
            return Some(e);
        }
        let via: Vec<Currency> = self
            .rates
            .keys()
            .flat_map(|p| [p.base, p.quote])
            .filter(|c| *c != from && *c != to)
            .collect();
        via.into_iter().find_map(|c| {
            let a = leg(from, c)?;
            let b = leg(c, to)?;
            Some(RateEntry {
                mid: Rounding::HalfUp.round(a.mid.checked_mul(b.mid)?, RATE_DECIMALS),
                spread_bps: a.spread_bps.max(b.spread_bps),
            })
        })
    }

    /// Takes a quote for converting `from` into `to`, valid for the table's quote lifetime.
    pub fn quote(&self, from: Currency, to: Currency, now: Timestamp) -> Result<FxQuote, FxError> {
        let rounding = self.rounding_for(to)?;
        let pair = CurrencyPair {
            base: from,
            quote: to,
        };
        let entry = if from == to {
            RateEntry {
                mid: Decimal::ONE,
                spread_bps: 0,
            }
        } else {
            self.mid(from, to).ok_or(FxError::NoRate {
                from: from.code(),
                to: to.code(),
            })?
        };
        let factor = Decimal::ONE + Decimal::new(i64::from(entry.spread_bps), 4);
        let rate = Rounding::HalfUp.round(
            entry.mid.checked_mul(factor).ok_or(MoneyError::Overflow)?,
            RATE_DECIMALS,
        );
        Ok(FxQuote {
            quote_id: format!("Q{}{}{}", from.code(), to.code(), now.millis()),
            pair,
            mid_rate: entry.mid.normalize(),
            rate: rate.normalize(),
            spread_bps: entry.spread_bps,
            as_of: self.as_of.clone(),
            taken_at: now,
            expires_at: Timestamp(now.millis().saturating_add(self.quote_ttl_ms)),
            rounding,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rust_decimal::dec;

    fn table() -> FxTable {
        FxTable::embedded().expect("embedded fx table parses")
    }

    fn usd(minor: i64) -> Money {
        Money::from_minor(minor, Currency::USD).expect("usd")
    }

    #[test]
    fn embedded_table_parses_with_its_as_of_date() {
        assert_eq!(table().as_of(), "2026-05-14");
    }

    #[test]
    fn quote_records_pair_mid_spread_and_expiry() {
        let q = table()
            .quote(Currency::USD, Currency::CNY, Timestamp(1_000))
            .unwrap();
        assert_eq!(q.pair.to_string(), "USD/CNY");
        assert_eq!(q.mid_rate, dec!(7.1853));
        // 50 bps over mid: 7.1853 * 1.005 = 7.2212265
        assert_eq!(q.rate, dec!(7.2212265));
        assert_eq!(q.taken_at, Timestamp(1_000));
        assert_eq!(q.expires_at, Timestamp(601_000));
        assert!(q.is_live_at(Timestamp(600_999)));
        assert!(!q.is_live_at(Timestamp(601_000)));
    }

    #[test]
    fn usd_to_cny_rounds_half_up_to_fen() {
        let q = table()
            .quote(Currency::USD, Currency::CNY, Timestamp(0))
            .unwrap();
        // 12.34 * 7.2212265 = 89.10993501 -> 89.11
        assert_eq!(convert(usd(1234), &q).unwrap().plain(), "89.11");
    }

    #[test]
    fn krw_and_jpy_have_no_decimals() {
        let t = table();
        let krw = t.quote(Currency::USD, Currency::KRW, Timestamp(0)).unwrap();
        let won = convert(usd(1234), &krw).unwrap();
        // 12.34 * (1368.40 * 1.005 = 1375.242) = 16970.48628 -> 16970
        assert_eq!(won.plain(), "16970");
        assert_eq!(won.amount().scale(), 0);
        let jpy = t.quote(Currency::USD, Currency::JPY, Timestamp(0)).unwrap();
        assert!(!convert(usd(999), &jpy).unwrap().plain().contains('.'));
    }

    #[test]
    fn idr_rounds_half_even_to_whole_rupiah() {
        let mut q = table()
            .quote(Currency::USD, Currency::IDR, Timestamp(0))
            .unwrap();
        q.rate = dec!(15050.49);
        let r = convert(usd(100), &q).unwrap();
        assert_eq!(r.plain(), "15050.00");
        assert_eq!(r.to_minor() % 100, 0);
        q.rate = dec!(15050.5);
        assert_eq!(convert(usd(100), &q).unwrap().plain(), "15050.00");
        q.rate = dec!(15051.5);
        assert_eq!(convert(usd(100), &q).unwrap().plain(), "15052.00");
    }

    #[test]
    fn inverse_and_cross_rates_are_derived() {
        let t = table();
        let inv = t.quote(Currency::CNY, Currency::USD, Timestamp(0)).unwrap();
        assert_eq!(inv.mid_rate, dec!(0.13917303));
        let cross = t.quote(Currency::JPY, Currency::KRW, Timestamp(0)).unwrap();
        assert!(cross.mid_rate > dec!(8.7) && cross.mid_rate < dec!(8.8));
    }

    #[test]
    fn same_currency_quote_is_identity_without_spread() {
        let q = table()
            .quote(Currency::USD, Currency::USD, Timestamp(0))
            .unwrap();
        assert_eq!(q.rate, Decimal::ONE);
        assert_eq!(convert(usd(4321), &q).unwrap(), usd(4321));
    }

    #[test]
    fn missing_pair_is_named() {
        let err = table()
            .quote(Currency::USD, Currency::BRL, Timestamp(0))
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "no FX rate for USD/BRL: add the pair to the fx-rates file"
        );
    }

    #[test]
    fn converting_the_wrong_currency_is_refused() {
        let q = table()
            .quote(Currency::USD, Currency::CNY, Timestamp(0))
            .unwrap();
        let cny = Money::from_minor(100, Currency::CNY).unwrap();
        assert!(matches!(
            convert(cny, &q),
            Err(FxError::WrongCurrency { .. })
        ));
    }

    #[test]
    fn unknown_key_names_file_and_line() {
        let text = "as_of = \"2026-01-01\"\nquote_ttl_s = 60\n\n[[rate]]\npair = \"USD/CNY\"\nmid = \"7.1\"\nmidd = \"1\"\n";
        let err = FxTable::parse(text, "my-fx.toml").unwrap_err();
        let msg = err.to_string();
        assert!(msg.starts_with("my-fx.toml:7:"), "{msg}");
        assert!(msg.contains("midd"), "{msg}");
    }

    #[test]
    fn bad_pairs_and_rates_are_rejected_with_their_line() {
        let text = "as_of = \"x\"\nquote_ttl_s = 60\n[[rate]]\npair = \"USDCNY\"\nmid = \"7\"\n";
        assert!(
            FxTable::parse(text, "f")
                .unwrap_err()
                .to_string()
                .starts_with("f:4:")
        );
        let text = "as_of = \"x\"\nquote_ttl_s = 60\n[[rate]]\npair = \"USD/CNY\"\nmid = \"-7\"\n";
        assert!(
            FxTable::parse(text, "f")
                .unwrap_err()
                .to_string()
                .contains("positive")
        );
        let text = "as_of = \"x\"\nquote_ttl_s = 60\n[[rounding]]\ncurrency = \"KRW\"\ndecimals = 2\nstrategy = \"half-up\"\n";
        assert!(
            FxTable::parse(text, "f")
                .unwrap_err()
                .to_string()
                .contains("at most 0")
        );
    }

    #[test]
    fn merchant_discount_converts_back_at_the_same_rate() {
        let q = table()
            .quote(Currency::USD, Currency::CNY, Timestamp(0))
            .unwrap();
        let five = Money::from_minor(500, Currency::CNY).unwrap();
        // 5 / 7.2212265 = 0.6924...
        assert_eq!(
            convert_back(five, &q, Rounding::HalfUp).unwrap().plain(),
            "0.69"
        );
    }

    proptest! {
        #[test]
        fn conversion_is_within_half_a_unit_of_exact(minor in 1i64..100_000_000, idx in 0usize..8) {
            let targets = [Currency::CNY, Currency::HKD, Currency::KRW, Currency::PHP,
                           Currency::MYR, Currency::THB, Currency::IDR, Currency::JPY];
            let to = targets[idx];
            let q = table().quote(Currency::USD, to, Timestamp(0)).unwrap();
            let amount = usd(minor);
            let out = convert(amount, &q).unwrap();
            let exact = amount.amount() * q.rate;
            let unit = Decimal::new(1, q.rounding.decimals);
            prop_assert!((out.amount() - exact).abs() * Decimal::TWO <= unit);
            prop_assert!(out.amount().normalize().scale() <= q.rounding.decimals);
            prop_assert_eq!(out.currency(), to);
        }

        #[test]
        fn conversion_never_decreases_when_the_price_grows(a in 1i64..10_000_000, b in 1i64..10_000_000) {
            let q = table().quote(Currency::USD, Currency::KRW, Timestamp(0)).unwrap();
            let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
            let l = convert(usd(lo), &q).unwrap();
            let h = convert(usd(hi), &q).unwrap();
            prop_assert!(l.amount() <= h.amount());
        }

        #[test]
        fn applied_rate_never_undercuts_mid(idx in 0usize..6) {
            let targets = [Currency::CNY, Currency::HKD, Currency::KRW, Currency::PHP, Currency::JPY, Currency::EUR];
            let q = table().quote(Currency::USD, targets[idx], Timestamp(0)).unwrap();
            prop_assert!(q.rate >= q.mid_rate);
        }
    }
}
