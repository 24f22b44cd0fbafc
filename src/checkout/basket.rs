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
