//! Durations as scenario files write them: `"40s"`, `"59.99s"`, `"500ms"`, `"2m"`, `"1h"`,
//! `"400d"`.

use rust_decimal::Decimal;
use std::time::Duration;

/// Parses `text` into a duration, exact to the millisecond (decimal arithmetic, no floats).
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let t = text.trim();
    let (number, unit_ms) = if let Some(n) = t.strip_suffix("ms") {
        (n, 1)
    } else if let Some(n) = t.strip_suffix('s') {
        (n, 1_000)
    } else if let Some(n) = t.strip_suffix('m') {
        (n, 60_000)
    } else if let Some(n) = t.strip_suffix('h') {
        (n, 3_600_000)
    } else if let Some(n) = t.strip_suffix('d') {
        (n, 86_400_000)
    } else {
        return Err(format!(
            "{text:?} is not a duration: write a number and a unit (ms, s, m, h, d), e.g. \"40s\""
        ));
    };
    let n: Decimal = number
        .trim()
        .parse()
        .map_err(|_| format!("{text:?} is not a duration: {number:?} is not a number"))?;
    if n.is_sign_negative() {
        return Err(format!("{text:?}: a duration cannot be negative"));
    }
    let ms = n * Decimal::from(unit_ms);
    if !ms.fract().is_zero() {
        return Err(format!("{text:?} is finer than a millisecond"));
    }
    let ms: u64 = ms.try_into().map_err(|_| format!("{text:?} is too long"))?;
    // Refund windows run to 366 days; much more than a thousand days is a typo.
    if ms > 1_000 * 86_400_000 {
        return Err(format!("{text:?} is longer than 1000 days"));
    }
    Ok(Duration::from_millis(ms))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_and_decimals() {
        assert_eq!(parse_duration("40s"), Ok(Duration::from_secs(40)));
        assert_eq!(parse_duration("59.99s"), Ok(Duration::from_millis(59_990)));
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(parse_duration("1h"), Ok(Duration::from_secs(3600)));
        assert_eq!(
            parse_duration("400d"),
            Ok(Duration::from_secs(400 * 86_400))
        );
    }

    #[test]
    fn mistakes_are_refused() {
        for bad in ["40", "s", "-1s", "0.0001s", "2w", "1001d", "x s"] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
    }
}
