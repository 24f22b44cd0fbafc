//! Cash tender: change due and quick tenders.

use crate::money::{Decimal, Money, MoneyError};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CashError {
    #[error("{tendered} is less than the total {total}: take at least the total.")]
    TooLow { tendered: String, total: String },
    #[error(transparent)]
    Money(#[from] MoneyError),
}

/// Change due when `tendered` is handed over for `total`; refuses a tender below the total.
pub fn change_due(total: Money, tendered: Money) -> Result<Money, CashError> {
    let change = tendered.checked_sub(total)?;
    if change.is_negative() {
        return Err(CashError::TooLow {
            tendered: tendered.with_code(),
            total: total.with_code(),
        });
    }
    Ok(change)
}

/// Quick tenders: exact, then the next multiple of 5, 10 and 20 major units at or above the
/// total (duplicates dropped, so a total of 20.00 offers 20.00 once, then 25 and 40...).
pub fn quick_tenders(total: Money) -> Vec<Money> {
    let mut out = vec![total];
    for step in [5u32, 10, 20] {
        let step = Decimal::from(step);
        // Round up to the next multiple of the note; exact multiples stay as they are.
        let next = (total.amount() / step).ceil() * step;
        if let Ok(m) = Money::new(next, total.currency())
            && !out.contains(&m)
        {
            out.push(m);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::Currency;
    use proptest::prelude::*;

    fn usd(minor: i64) -> Money {
        Money::from_minor(minor, Currency::USD).unwrap()
    }

    #[test]
    fn quick_tenders_for_23_49() {
        let q: Vec<String> = quick_tenders(usd(2349)).iter().map(Money::plain).collect();
        assert_eq!(q, ["23.49", "25.00", "30.00", "40.00"]);
    }

    #[test]
    fn quick_tenders_drop_duplicates() {
        let q: Vec<String> = quick_tenders(usd(2000)).iter().map(Money::plain).collect();
        assert_eq!(q, ["20.00"]);
    }

    #[test]
    fn too_low_is_refused() {
        assert!(matches!(
            change_due(usd(2349), usd(2000)),
            Err(CashError::TooLow { .. })
        ));
        assert_eq!(change_due(usd(2349), usd(3000)).unwrap(), usd(651));
    }

    proptest! {
        #[test]
        fn every_quick_tender_covers_the_total(minor in 1i64..10_000_000) {
            let total = usd(minor);
            for t in quick_tenders(total) {
                let change = change_due(total, t).unwrap();
                prop_assert!(!change.is_negative());
                prop_assert_eq!(change.checked_add(total).unwrap(), t);
            }
        }
    }
}
