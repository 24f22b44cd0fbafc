//! The basket: lines in scan order, quantities, and totals with tax.

use super::tax::{TaxPoint, TaxRules};
use crate::catalog::Item;
use crate::money::{Currency, Decimal, Money, MoneyError};

/// The most units one line can hold; a larger count is almost always a keying slip.
pub const MAX_QTY: u32 = 999;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BasketError {
    #[error("there is no line {index}: the basket has {len} lines")]
    NoSuchLine { index: usize, len: usize },
    #[error("quantity {qty} is too many: a line holds at most {MAX_QTY}")]
    QtyTooLarge { qty: u32 },
    #[error("{item} is priced in {item_currency}, but this till sells in {basket_currency}")]
    WrongCurrency {
        item: String,
        item_currency: &'static str,
        basket_currency: &'static str,
    },
    #[error("no tax rule for category '{code}' of {item}: add it to the store's tax categories")]
    UnknownTaxCategory { code: String, item: String },
    #[error("amount too large: {0}")]
    Money(#[from] MoneyError),
}

/// One basket line: an item and how many.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub item: Item,
    pub qty: u32,
}

impl Line {
    /// Unit price x quantity (exact).
    pub fn amount(&self) -> Result<Money, MoneyError> {
        self.item.price.times(self.qty)
    }
}

/// Tax owed in one category.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CategoryTax {
    pub code: String,
    pub label: String,
    pub rate: Decimal,
    /// Sum of the category's line amounts.
    pub taxable: Money,
    pub tax: Money,
}

/// What the shopper owes. `total == subtotal + tax - discounts`, exactly.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Totals {
    pub subtotal: Money,
    /// Always zero for now; kept so receipts and the journal already carry the field.
    pub discounts: Money,
    pub tax: Money,
    pub total: Money,
    /// Categories present in the basket, in code order.
    pub tax_by_category: Vec<CategoryTax>,
}

/// Lines in scan order, in the store currency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Basket {
    currency: Currency,
    lines: Vec<Line>,
}

impl Basket {
    pub fn new(currency: Currency) -> Self {
        Self {
            currency,
            lines: Vec::new(),
        }
    }

    pub fn currency(&self) -> Currency {
        self.currency
    }

    /// Adds one unit of `item`: bumps the line with the same product (UPC-A and EAN-13
    /// forms count as one) or appends a new line. Returns the line index.
    pub fn add(&mut self, item: &Item) -> Result<usize, BasketError> {
        if item.price.currency() != self.currency {
            return Err(BasketError::WrongCurrency {
                item: item.name.clone(),
                item_currency: item.price.currency().code(),
                basket_currency: self.currency.code(),
            });
        }
        if let Some(index) = self.lines.iter().position(|l| l.item.gtin == item.gtin) {
            let qty = self.lines[index].qty + 1;
            self.set_qty(index, qty)?;
            return Ok(index);
        }
        self.lines.push(Line {
            item: item.clone(),
            qty: 1,
        });
        Ok(self.lines.len() - 1)
    }

    /// Sets a line's quantity; 0 voids the line. More than [`MAX_QTY`] is refused.
    pub fn set_qty(&mut self, index: usize, qty: u32) -> Result<(), BasketError> {
        self.check_index(index)?;
        if qty > MAX_QTY {
            return Err(BasketError::QtyTooLarge { qty });
        }
        if qty == 0 {
            self.lines.remove(index);
        } else {
            self.lines[index].qty = qty;
        }
        Ok(())
    }

    /// Removes a line and returns it.
    pub fn void(&mut self, index: usize) -> Result<Line, BasketError> {
        self.check_index(index)?;
        Ok(self.lines.remove(index))
    }

    pub fn clear(&mut self) {
        self.lines.clear();
    }

    pub fn lines(&self) -> &[Line] {
        &self.lines
    }

    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    /// Units across all lines.
    pub fn unit_count(&self) -> u32 {
        self.lines.iter().map(|l| l.qty).sum()
    }

    fn check_index(&self, index: usize) -> Result<(), BasketError> {
        if index < self.lines.len() {
            Ok(())
        } else {
            Err(BasketError::NoSuchLine {
                index,
                len: self.lines.len(),
            })
        }
    }

    /// Subtotal, tax per category and total under `rules` (see [`crate::checkout::tax`]
    /// for where and how tax is rounded).
    pub fn totals(&self, rules: &TaxRules) -> Result<Totals, BasketError> {
        let zero = Money::zero(self.currency);
        let mut subtotal = zero;
        let mut by_category: Vec<CategoryTax> = Vec::new();
        for line in &self.lines {
            let code = &line.item.tax_category;
            let Some(category) = rules.category(code) else {
                return Err(BasketError::UnknownTaxCategory {
                    code: code.clone(),
                    item: line.item.name.clone(),
                });
            };
            let amount = line.amount()?;
            subtotal = subtotal.checked_add(amount)?;
            let slot = match by_category.binary_search_by(|c| c.code.as_str().cmp(code)) {
                Ok(i) => i,
                Err(i) => {
                    by_category.insert(
                        i,
                        CategoryTax {
                            code: code.clone(),
                            label: category.label.clone(),
                            rate: category.rate,
                            taxable: zero,
                            tax: zero,
                        },
                    );
                    i
                }
            };
            let entry = &mut by_category[slot];
            entry.taxable = entry.taxable.checked_add(amount)?;
            if rules.point == TaxPoint::PerLine {
                let line_tax = self.tax_on(amount, category.rate, rules)?;
                entry.tax = entry.tax.checked_add(line_tax)?;
            }
        }
        let mut tax = zero;
        for entry in &mut by_category {
            if rules.point == TaxPoint::PerReceipt {
                entry.tax = self.tax_on(entry.taxable, entry.rate, rules)?;
            }
            tax = tax.checked_add(entry.tax)?;
        }
        let discounts = zero;
        let total = subtotal.checked_add(tax)?.checked_sub(discounts)?;
        Ok(Totals {
            subtotal,
            discounts,
            tax,
            total,
            tax_by_category: by_category,
        })
    }

    fn tax_on(&self, amount: Money, rate: Decimal, rules: &TaxRules) -> Result<Money, MoneyError> {
        let exact = amount
            .amount()
            .checked_mul(rate)
            .ok_or(MoneyError::Overflow)?;
        Money::rounded(exact, self.currency, rules.rounding)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::gtin::check_digit;
    use crate::checkout::tax::TaxCategory;
    use crate::money::Rounding;
    use proptest::prelude::*;
    use rust_decimal::dec;
    use std::collections::BTreeMap;

    /// An item with a valid EAN-13 built from `n`.
    fn item(n: u32, name: &str, minor: i64, tax: &str, currency: Currency) -> Item {
        let body = format!("200{n:09}");
        let barcode = format!("{body}{}", check_digit(body.as_bytes()));
        Item {
            gtin: barcode.clone(),
            barcode,
            name: name.into(),
            price: Money::from_minor(minor, currency).unwrap(),
            tax_category: tax.into(),
        }
    }

    fn rules(point: TaxPoint, rounding: Rounding) -> TaxRules {
        let cat = |rate: Decimal, label: &str| TaxCategory {
            rate,
            label: label.into(),
        };
        TaxRules {
            categories: BTreeMap::from([
                ("food".to_string(), cat(dec!(0), "Grocery")),
                ("general".to_string(), cat(dec!(0.06625), "General")),
                ("prepared".to_string(), cat(dec!(0.0875), "Prepared food")),
            ]),
            point,
            rounding,
        }
    }

    fn us_rules() -> TaxRules {
        rules(TaxPoint::PerReceipt, Rounding::HalfUp)
    }

    #[test]
    fn scanning_the_same_item_twice_bumps_its_quantity() {
        let mut b = Basket::new(Currency::USD);
        let flat_white = item(1, "Flat white 12oz", 450, "prepared", Currency::USD);
        let croissant = item(2, "Almond croissant", 375, "prepared", Currency::USD);
        assert_eq!(b.add(&flat_white).unwrap(), 0);
        assert_eq!(b.add(&croissant).unwrap(), 1);
        assert_eq!(b.add(&croissant).unwrap(), 1);
        assert_eq!(b.lines().len(), 2);
        assert_eq!(b.lines()[1].qty, 2);
        assert_eq!(b.unit_count(), 3);
    }

    #[test]
    fn upc_a_and_ean_13_scans_of_one_product_share_a_line() {
        let mut b = Basket::new(Currency::USD);
        let mut upc = item(3, "Bottled water 500ml", 199, "food", Currency::USD);
        upc.barcode = "036000291452".into();
        upc.gtin = "0036000291452".into();
        let mut ean = upc.clone();
        ean.barcode = "0036000291452".into();
        b.add(&upc).unwrap();
        b.add(&ean).unwrap();
        assert_eq!(b.lines().len(), 1);
        assert_eq!(b.lines()[0].qty, 2);
    }

    #[test]
    fn quantity_zero_voids_and_more_than_999_is_refused() {
        let mut b = Basket::new(Currency::USD);
        b.add(&item(1, "Gum", 199, "general", Currency::USD))
            .unwrap();
        b.add(&item(2, "Chips", 179, "food", Currency::USD))
            .unwrap();
        assert_eq!(
            b.set_qty(0, 1000),
            Err(BasketError::QtyTooLarge { qty: 1000 })
        );
        b.set_qty(0, 999).unwrap();
        assert_eq!(
            b.add(&item(1, "Gum", 199, "general", Currency::USD)),
            Err(BasketError::QtyTooLarge { qty: 1000 })
        );
        assert_eq!(b.lines()[0].qty, 999);
        b.set_qty(0, 0).unwrap();
        assert_eq!(b.lines().len(), 1);
        assert_eq!(b.lines()[0].item.name, "Chips");
        assert_eq!(
            b.set_qty(5, 1),
            Err(BasketError::NoSuchLine { index: 5, len: 1 })
        );
    }

    #[test]
    fn void_and_clear_empty_the_basket() {
        let mut b = Basket::new(Currency::USD);
        b.add(&item(1, "Gum", 199, "general", Currency::USD))
            .unwrap();
        b.add(&item(2, "Chips", 179, "food", Currency::USD))
            .unwrap();
        assert_eq!(b.void(0).unwrap().item.name, "Gum");
        assert!(b.void(3).is_err());
        assert!(!b.is_empty());
        b.clear();
        assert!(b.is_empty());
        let t = b.totals(&us_rules()).unwrap();
        assert!(t.total.is_zero() && t.tax_by_category.is_empty());
    }

    #[test]
    fn a_cafe_order_totals_with_tax_per_category() {
        let mut b = Basket::new(Currency::USD);
        b.add(&item(1, "Flat white 12oz", 450, "prepared", Currency::USD))
            .unwrap();
        let croissant = item(2, "Almond croissant", 375, "prepared", Currency::USD);
        b.add(&croissant).unwrap();
        b.add(&croissant).unwrap();
        b.add(&item(3, "Bottled water 500ml", 199, "food", Currency::USD))
            .unwrap();
        b.add(&item(4, "Spearmint gum", 199, "general", Currency::USD))
            .unwrap();
        let t = b.totals(&us_rules()).unwrap();
        // prepared 12.00 x 8.75% = 1.05; general 1.99 x 6.625% = 0.1318... -> 0.13; food 0.
        assert_eq!(t.subtotal.plain(), "15.98");
        assert_eq!(t.tax.plain(), "1.18");
        assert_eq!(t.total.plain(), "17.16");
        let codes: Vec<(&str, String)> = t
            .tax_by_category
            .iter()
            .map(|c| (c.code.as_str(), c.tax.plain()))
            .collect();
        assert_eq!(
            codes,
            [
                ("food", "0.00".to_string()),
                ("general", "0.13".to_string()),
                ("prepared", "1.05".to_string())
            ]
        );
        assert_eq!(t.tax_by_category[2].taxable.plain(), "12.00");
        assert_eq!(t.tax_by_category[2].label, "Prepared food");
    }

    #[test]
    fn tax_rounded_per_line_can_differ_from_tax_rounded_per_receipt() {
        let mut b = Basket::new(Currency::USD);
        for n in 0..3 {
            b.add(&item(n, "Sugar packet", 5, "prepared", Currency::USD))
                .unwrap();
        }
        // Each line: 0.05 x 8.75% = 0.004375 -> 0.00; the receipt: 0.15 x 8.75% = 0.013 -> 0.01.
        let per_line = b
            .totals(&rules(TaxPoint::PerLine, Rounding::HalfUp))
            .unwrap();
        let per_receipt = b
            .totals(&rules(TaxPoint::PerReceipt, Rounding::HalfUp))
            .unwrap();
        assert_eq!(per_line.tax.plain(), "0.00");
        assert_eq!(per_receipt.tax.plain(), "0.01");
    }

    #[test]
    fn the_rounding_strategy_decides_a_half_cent() {
        let mut b = Basket::new(Currency::USD);
        // 6.00 x 8.75% = 0.525: exactly half a cent.
        b.add(&item(1, "Turkey sandwich", 600, "prepared", Currency::USD))
            .unwrap();
        let tax = |r| {
            b.totals(&rules(TaxPoint::PerReceipt, r))
                .unwrap()
                .tax
                .plain()
        };
        assert_eq!(tax(Rounding::HalfUp), "0.53");
        assert_eq!(tax(Rounding::HalfEven), "0.52");
        assert_eq!(tax(Rounding::Down), "0.52");
        assert_eq!(tax(Rounding::Up), "0.53");
    }

    #[test]
    fn an_item_in_another_currency_or_an_unknown_tax_category_is_refused() {
        let mut b = Basket::new(Currency::USD);
        let won = item(1, "Banana milk", 1500, "food", Currency::KRW);
        assert!(matches!(
            b.add(&won),
            Err(BasketError::WrongCurrency { .. })
        ));
        b.add(&item(2, "Beer", 599, "alcohol", Currency::USD))
            .unwrap();
        assert_eq!(
            b.totals(&us_rules()).unwrap_err().to_string(),
            "no tax rule for category 'alcohol' of Beer: add it to the store's tax categories"
        );
    }

    fn currency() -> impl Strategy<Value = Currency> {
        prop_oneof![
            Just(Currency::USD),
            Just(Currency::KRW),
            Just(Currency::JPY),
            Just(Currency::KWD),
        ]
    }

    fn rounding() -> impl Strategy<Value = Rounding> {
        prop_oneof![
            Just(Rounding::HalfUp),
            Just(Rounding::HalfEven),
            Just(Rounding::Down),
            Just(Rounding::Up),
        ]
    }

    prop_compose! {
        fn basket()(
            currency in currency(),
            lines in prop::collection::vec(
                (0i64..2_000_000, 1u32..=MAX_QTY, 0usize..3),
                0..25,
            ),
        ) -> Basket {
            let mut b = Basket::new(currency);
            for (n, (minor, qty, cat)) in lines.into_iter().enumerate() {
                let tax = ["food", "general", "prepared"][cat];
                let idx = b.add(&item(n as u32, "Thing", minor, tax, currency)).unwrap();
                b.set_qty(idx, qty).unwrap();
            }
            b
        }
    }

    proptest! {
        #[test]
        fn total_is_subtotal_plus_tax_minus_discounts(b in basket(), r in rounding(), per_line: bool) {
            let point = if per_line { TaxPoint::PerLine } else { TaxPoint::PerReceipt };
            let t = b.totals(&rules(point, r)).unwrap();
            prop_assert_eq!(
                t.total.amount(),
                t.subtotal.amount() + t.tax.amount() - t.discounts.amount()
            );
            let lines: Decimal = b.lines().iter().map(|l| l.amount().unwrap().amount()).sum();
            prop_assert_eq!(t.subtotal.amount(), lines);
            let by_cat: Decimal = t.tax_by_category.iter().map(|c| c.tax.amount()).sum();
            prop_assert_eq!(t.tax.amount(), by_cat);
            prop_assert!(!t.tax.is_negative());
        }

        #[test]
        fn per_line_and_per_receipt_tax_differ_by_at_most_one_minor_unit_per_line(
            b in basket(), r in rounding()
        ) {
            let per_line = b.totals(&rules(TaxPoint::PerLine, r)).unwrap().tax;
            let per_receipt = b.totals(&rules(TaxPoint::PerReceipt, r)).unwrap().tax;
            let diff = (per_line.to_minor() - per_receipt.to_minor()).abs();
            prop_assert!(diff <= b.lines().len() as i64, "diff {} on {} lines", diff, b.lines().len());
        }

        #[test]
        fn won_and_yen_baskets_never_have_decimals(b in basket(), r in rounding()) {
            prop_assume!(matches!(b.currency(), Currency::KRW | Currency::JPY));
            let t = b.totals(&rules(TaxPoint::PerReceipt, r)).unwrap();
            for m in [t.subtotal, t.tax, t.total] {
                prop_assert!(m.amount().fract().is_zero(), "{:?}", m);
            }
            prop_assert!(!t.total.plain().contains('.'));
        }
    }
}
