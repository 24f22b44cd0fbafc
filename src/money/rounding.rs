//! Named rounding strategies. Every rounding in qrtill goes through one of these, so the
//! strategy is always stated, never implied by a library default.

use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Rounding {
    /// Half away from zero: 2.345 -> 2.35. Retail tax practice (HMRC VATREC12030, EU 1103/97).
    #[default]
    HalfUp,
    /// Banker's rounding: 2.345 -> 2.34, 2.355 -> 2.36.
    HalfEven,
    /// Toward zero: 2.349 -> 2.34.
    Down,
    /// Away from zero: 2.341 -> 2.35.
    Up,
}

impl Rounding {
    pub fn strategy(self) -> RoundingStrategy {
        match self {
            Rounding::HalfUp => RoundingStrategy::MidpointAwayFromZero,
            Rounding::HalfEven => RoundingStrategy::MidpointNearestEven,
            Rounding::Down => RoundingStrategy::ToZero,
            Rounding::Up => RoundingStrategy::AwayFromZero,
        }
    }

    /// Rounds `value` to `dp` decimals with this strategy.
    pub fn round(self, value: Decimal, dp: u32) -> Decimal {
        value.round_dp_with_strategy(dp, self.strategy())
    }

    pub fn name(self) -> &'static str {
        match self {
            Rounding::HalfUp => "half-up",
            Rounding::HalfEven => "half-even",
            Rounding::Down => "down",
            Rounding::Up => "up",
        }
    }
}
