//! Pure refund planning: what is left to refund on a sale, and what a chosen refund gives back.
//!
//! Rounding (all half-even, to the currency's minor units):
//! - A sale's tax is shared over its lines in proportion to `line total x category rate`, by
//!   cumulative rounding, so the line shares add up to the sale's tax exactly.
//! - Refunding `q` of a line's `n` units gives back `q/n` of the line's tax share; the refund
//!   that takes the line's last unit takes exactly the tax share still left.
//! - When a merchant-funded promotion reduced what the merchant was settled, the money back is
//!   scaled by `settled / total` (the merchant returns what it received); a wallet-funded
//!   promotion changes nothing on the merchant side (wallets.md §7).
//! - For wallets, the shopper gets back `wallet paid x money back / refundable`, which is the
//!   rate booked at payment time (never today's); the refund that completes the sale takes
//!   exactly what is left in both currencies, so no sum ever exceeds what was paid.

use crate::checkout::sale::{CompletedSale, SaleTender};
use crate::journal::{RefundLine, RefundRecord, RefundState};
use crate::money::{Decimal, Money, MoneyError, Rounding};

/// How a sale is refunded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Choice {
    /// Everything still left on the sale.
    Whole,
    /// `(line index, units)`, line indexes 0-based into the sale's lines.
    Lines(Vec<(u32, u32)>),
}

/// What the sale gives for refunding, fixed at sale time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Basis {
    /// Each line's share of the sale's tax.
    pub line_tax: Vec<Money>,
    /// What the merchant can give back in total (the settled amount).
    pub refundable: Money,
    /// What the shopper paid in the wallet currency, for wallet sales.
    pub wallet_paid: Option<Money>,
    /// The rate booked at payment time, for the receipt.
    pub rate: Option<Decimal>,
}

/// What earlier refunds that did not fail have taken.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Taken {
    pub qty: Vec<u32>,
    pub tax: Vec<Decimal>,
    pub amount: Decimal,
    pub wallet: Decimal,
}

/// A refund ready to journal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub lines: Vec<RefundLine>,
    /// Money back in the sale currency (tax included).
    pub amount: Money,
    pub tax: Money,
    pub wallet_amount: Option<Money>,
    pub rate: Option<Decimal>,
    /// After this refund nothing is left on the sale.
    pub completes: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    #[error("line {line} does not exist: sale {sale_no} has {count} line(s)")]
    NoSuchLine {
        sale_no: u64,
        line: u32,
        count: usize,
    },
    #[error("line {line} ({name}): {asked} asked, only {left} left to refund")]
    OverRemainder {
        line: u32,
        name: String,
        asked: u32,
        left: u32,
    },
    #[error("nothing left to refund on sale {0}")]
    NothingLeft(u64),
    #[error("choose at least one unit to refund")]
    Empty,
    #[error("amount: {0}")]
    Money(#[from] MoneyError),
}

const HALF_EVEN: Rounding = Rounding::HalfEven;

/// The sale's refund basis; `rate_of` gives a tax category's rate (from the tax rules).
pub fn basis(
    sale: &CompletedSale,
    rate_of: &dyn Fn(&str) -> Option<Decimal>,
) -> Result<Basis, MoneyError> {
    let line_tax = allocate_tax(sale, rate_of)?;
    let (refundable, wallet_paid, rate) = match &sale.tender {
        SaleTender::Wallet(w) => {
            let merchant_funded = w
                .promotion
                .as_ref()
                .is_some_and(|p| p.funded_by == crate::network::FundedBy::Merchant);
            let settled = w.settlement.filter(|s| {
                merchant_funded && s.currency() == sale.total.currency() && *s <= sale.total
            });
            (settled.unwrap_or(sale.total), w.wallet_amount, w.rate)
        }
        _ => (sale.total, None, None),
    };
    Ok(Basis {
        line_tax,
        refundable,
        wallet_paid,
        rate,
    })
}

/// Shares the sale's tax over its lines by `line total x rate`, cumulatively rounded so the
/// shares add up exactly. Without any known rate the weights are the line totals.
pub fn allocate_tax(
    sale: &CompletedSale,
    rate_of: &dyn Fn(&str) -> Option<Decimal>,
) -> Result<Vec<Money>, MoneyError> {
    let currency = sale.tax.currency();
    let mut weights: Vec<Decimal> = sale
        .lines
        .iter()
        .map(|l| l.line_total.amount() * rate_of(&l.tax_category).unwrap_or(Decimal::ZERO))
        .collect();
    if weights.iter().all(|w| w.is_zero()) {
        weights = sale.lines.iter().map(|l| l.line_total.amount()).collect();
    }
    let total: Decimal = weights.iter().sum();
    if total.is_zero() || sale.tax.is_zero() {
        return Ok(vec![Money::zero(currency); sale.lines.len()]);
    }
    let mut out = Vec::with_capacity(weights.len());
    let (mut cum, mut before) = (Decimal::ZERO, Money::zero(currency));
    for w in weights {
        cum += w;
        let upto = Money::rounded(sale.tax.amount() * cum / total, currency, HALF_EVEN)?;
        out.push(upto.checked_sub(before)?);
        before = upto;
    }
    Ok(out)
}

impl Taken {
    /// What the refunds of one sale that did not fail have taken (settled wallet amounts as
    /// the wallet reported them, open ones as planned).
    pub fn from_records(records: &[RefundRecord]) -> Self {
        let mut t = Taken::default();
        for r in records.iter().filter(|r| r.state != RefundState::Failed) {
            t.amount += r.refund.amount.amount();
            let wallet = r.settled_wallet_amount.or(r.refund.wallet_amount);
            t.wallet += wallet.map_or(Decimal::ZERO, |m| m.amount());
            for l in &r.refund.lines {
                let i = l.line as usize;
                if t.qty.len() <= i {
                    t.qty.resize(i + 1, 0);
                    t.tax.resize(i + 1, Decimal::ZERO);
                }
                t.qty[i] += l.qty;
                t.tax[i] += l.tax.amount();
            }
        }
        t
    }

    pub fn qty_of(&self, line: usize) -> u32 {
        self.qty.get(line).copied().unwrap_or(0)
    }

    fn tax_of(&self, line: usize) -> Decimal {
        self.tax.get(line).copied().unwrap_or(Decimal::ZERO)
    }
}

/// Units left to refund on each line.
pub fn remainder(sale: &CompletedSale, taken: &Taken) -> Vec<u32> {
    sale.lines
        .iter()
        .enumerate()
        .map(|(i, l)| l.qty.saturating_sub(taken.qty_of(i)))
        .collect()
}

/// Plans refunding `choice` of `sale`, given what earlier refunds took.
pub fn plan(
    sale: &CompletedSale,
    basis: &Basis,
    taken: &Taken,
    choice: &Choice,
) -> Result<Plan, PlanError> {
    let left = remainder(sale, taken);
    let wanted: Vec<(u32, u32)> = match choice {
        Choice::Whole => left
            .iter()
            .enumerate()
            .filter(|(_, q)| **q > 0)
            .map(|(i, q)| (i as u32, *q))
            .collect(),
        Choice::Lines(lines) => {
            // The same line named twice counts once per unit asked.
            let mut merged: Vec<(u32, u32)> = Vec::new();
            for &(line, qty) in lines.iter().filter(|(_, q)| *q > 0) {
                match merged.iter_mut().find(|(l, _)| *l == line) {
                    Some(m) => m.1 = m.1.saturating_add(qty),
                    None => merged.push((line, qty)),
                }
            }
            merged.sort_unstable();
            merged
        }
    };
    if wanted.is_empty() {
        return Err(match choice {
            Choice::Whole => PlanError::NothingLeft(sale.sale_no),
            Choice::Lines(_) => PlanError::Empty,
        });
    }
    let currency = sale.total.currency();
    let mut lines = Vec::with_capacity(wanted.len());
    let (mut gross, mut tax) = (Decimal::ZERO, Decimal::ZERO);
    for &(line, qty) in &wanted {
        let i = line as usize;
        let Some(sold) = sale.lines.get(i) else {
            return Err(PlanError::NoSuchLine {
                sale_no: sale.sale_no,
                line: line + 1,
                count: sale.lines.len(),
            });
        };
        if qty > left[i] {
            return Err(PlanError::OverRemainder {
                line: line + 1,
                name: sold.name.clone(),
                asked: qty,
                left: left[i],
            });
        }
        let share = basis.line_tax.get(i).map_or(Decimal::ZERO, |m| m.amount());
        let tax_left = (share - taken.tax_of(i)).max(Decimal::ZERO);
        let line_tax = if taken.qty_of(i) + qty == sold.qty {
            tax_left
        } else {
            let part = Money::rounded(
                share * Decimal::from(qty) / Decimal::from(sold.qty.max(1)),
                currency,
                HALF_EVEN,
            )?;
            part.amount().min(tax_left)
        };
        let amount = sold.unit_price.times(qty)?;
        gross += amount.amount() + line_tax;
        tax += line_tax;
        lines.push(RefundLine {
            line,
            qty,
            amount,
            tax: Money::new(line_tax, currency)?,
        });
    }
    let completes = sale
        .lines
        .iter()
        .enumerate()
        .all(|(i, l)| taken.qty_of(i) + wanted_qty(&wanted, i) >= l.qty);
    let refundable = basis.refundable.amount();
    let money_left = (refundable - taken.amount).max(Decimal::ZERO);
    let amount = if completes {
        money_left
    } else if refundable == sale.total.amount() || sale.total.is_zero() {
        gross.min(money_left)
    } else {
        let scaled = Money::rounded(
            gross * refundable / sale.total.amount(),
            currency,
            HALF_EVEN,
        )?;
        scaled.amount().min(money_left)
    };
    let amount = Money::new(amount, currency)?;
    let wallet_amount = match basis.wallet_paid {
        None => None,
        Some(paid) => {
            let wallet_left = (paid.amount() - taken.wallet).max(Decimal::ZERO);
            let back = if completes {
                wallet_left
            } else if refundable.is_zero() {
                Decimal::ZERO
            } else {
                let share = Money::rounded(
                    paid.amount() * amount.amount() / refundable,
                    paid.currency(),
                    HALF_EVEN,
                )?;
                share.amount().min(wallet_left)
            };
            Some(Money::new(back, paid.currency())?)
        }
    };
    Ok(Plan {
        lines,
        amount,
        tax: Money::new(tax, currency)?,
        wallet_amount,
        rate: basis.rate,
        completes,
    })
}

fn wanted_qty(wanted: &[(u32, u32)], line: usize) -> u32 {
    wanted
        .iter()
        .find(|(l, _)| *l as usize == line)
        .map_or(0, |(_, q)| *q)
}

#[cfg(test)]
#[path = "plan_tests.rs"]
mod tests;
