//! Items packed for a million-item catalogue: one 24-byte record per item and every name in
//! one string. An item that does not fit a record (a barcode written with spaces, a price
//! beyond 64-bit minor units, a mixed currency) is kept whole on the side.

use super::gtin::Gtin;
use super::item::Item;
use crate::money::{Currency, Money};

/// One packed item. The name is `names[previous record's name_end..name_end]`.
#[derive(Debug, Clone, Copy)]
struct Record {
    /// The GTIN value (see [`Gtin::value`]).
    gtin: u64,
    /// The price in minor units of the store currency.
    price: i64,
    name_end: u32,
    /// Index into `taxes`.
    tax: u16,
    /// Digits of the barcode as written: 8, 12, 13 or 14. 0: the item is in `rare`.
    written: u8,
}

/// More than a packed catalogue can address (4 GiB of names or 2^32 items).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the catalogue is too large: at most 4,294,967,295 items and 4 GiB of names")]
pub struct TooLarge;

#[derive(Debug)]
pub(crate) struct ItemStore {
    currency: Currency,
    records: Vec<Record>,
    names: String,
    /// Tax category codes in order of first use.
    taxes: Vec<String>,
    /// Items that do not pack, by index, ascending.
    rare: Vec<(u32, Item)>,
}

impl ItemStore {
    /// An empty store for prices in `currency`, with room for `items` items.
    pub(crate) fn with_capacity(currency: Currency, items: usize, name_bytes: usize) -> Self {
        Self {
            currency,
            records: Vec::with_capacity(items),
            names: String::with_capacity(name_bytes),
            taxes: Vec::new(),
            rare: Vec::new(),
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.records.len()
    }

    /// Appends an item whose barcode text parsed as `gtin`.
    pub(crate) fn push(
        &mut self,
        barcode: &str,
        gtin: Gtin,
        name: &str,
        price: Money,
        tax: &str,
    ) -> Result<(), TooLarge> {
        let index = u32::try_from(self.records.len()).map_err(|_| TooLarge)?;
        let name_end = self
            .names
            .len()
            .checked_add(name.len())
            .and_then(|end| u32::try_from(end).ok())
            .ok_or(TooLarge)?;
        // A barcode of digits only is rebuilt from its value and length.
        let written = match barcode.len() {
            len @ (8 | 12 | 13 | 14) if barcode.bytes().all(|b| b.is_ascii_digit()) => len as u8,
            _ => 0,
        };
        let minor = self.minor_units(price);
        let tax_index = self.tax_index(tax);
        let (written, minor, tax_index) = match (written, minor, tax_index) {
            (1.., Some(minor), Some(tax)) => (written, minor, tax),
            _ => {
                self.rare.push((
                    index,
                    Item {
                        barcode: barcode.to_string(),
                        gtin: gtin.key(),
                        name: name.to_string(),
                        price,
                        tax_category: tax.to_string(),
                    },
                ));
                (0, 0, 0)
            }
        };
        self.names.push_str(name);
        self.records.push(Record {
            gtin: gtin.value,
            price: minor,
            name_end,
            tax: tax_index,
            written,
        });
        Ok(())
    }

    /// `price` in minor units, if that gives back exactly `price`.
    fn minor_units(&self, price: Money) -> Option<i64> {
        if price.currency() != self.currency {
            return None;
        }
        let scale = crate::money::minor_units(self.currency).ok()?;
        let mut amount = price.amount();
        amount.rescale(scale);
        let minor = i64::try_from(amount.mantissa()).ok()?;
        (Money::from_minor(minor, self.currency).ok()? == price).then_some(minor)
    }

    /// The index of tax code `tax`, added on first use; `None` past `u16` indices.
    fn tax_index(&mut self, tax: &str) -> Option<u16> {
        let at = match self.taxes.iter().position(|t| t == tax) {
            Some(at) => at,
            None => {
                self.taxes.push(tax.to_string());
                self.taxes.len() - 1
            }
        };
        u16::try_from(at).ok()
    }

    /// Appends every item of `other`.
    pub(crate) fn append(&mut self, other: ItemStore) -> Result<(), TooLarge> {
        let base = u32::try_from(self.records.len()).map_err(|_| TooLarge)?;
        let shift = u32::try_from(self.names.len()).map_err(|_| TooLarge)?;
        let taxes: Vec<u16> = other
            .taxes
            .iter()
            .map(|t| self.tax_index(t).ok_or(TooLarge))
            .collect::<Result<_, _>>()?;
        u32::try_from(self.records.len() + other.records.len()).map_err(|_| TooLarge)?;
        u32::try_from(self.names.len() + other.names.len()).map_err(|_| TooLarge)?;
        if other.currency != self.currency {
            // Prices of packed records are minor units of their own store's currency.
            for i in 0..other.len() {
                let Some(item) = other.get(i) else { continue };
                let g = Gtin {
                    value: other.records[i].gtin,
                    digits: key_digits(item.gtin.len()),
                };
                self.push(&item.barcode, g, &item.name, item.price, &item.tax_category)?;
            }
            return Ok(());
        }
        self.records.extend(other.records.iter().map(|r| Record {
            name_end: r.name_end + shift,
            tax: taxes.get(usize::from(r.tax)).copied().unwrap_or(r.tax),
            ..*r
        }));
        self.names.push_str(&other.names);
        self.rare
            .extend(other.rare.into_iter().map(|(i, item)| (i + base, item)));
        Ok(())
    }

    /// Gives back spare capacity: a million-item load reserves generously.
    pub(crate) fn shrink_to_fit(&mut self) {
        self.records.shrink_to_fit();
        self.names.shrink_to_fit();
        self.rare.shrink_to_fit();
    }

    /// Bytes held on the heap.
    pub(crate) fn heap_bytes(&self) -> usize {
        self.records.capacity() * size_of::<Record>()
            + self.names.capacity()
            + self.taxes.iter().map(String::capacity).sum::<usize>()
            + self.rare.capacity() * size_of::<(u32, Item)>()
    }

    /// The GTIN value of item `i`.
    pub(crate) fn gtin_value(&self, i: usize) -> Option<u64> {
        self.records.get(i).map(|r| r.gtin)
    }

    /// The name of item `i` ("" past the end).
    pub(crate) fn name(&self, i: usize) -> &str {
        let start = match i.checked_sub(1) {
            Some(prev) => self.records.get(prev).map_or(0, |r| r.name_end as usize),
            None => 0,
        };
        let end = self.records.get(i).map_or(start, |r| r.name_end as usize);
        self.names.get(start..end).unwrap_or_default()
    }

    /// Item `i`, rebuilt from its record.
    pub(crate) fn get(&self, i: usize) -> Option<Item> {
        let r = self.records.get(i)?;
        if r.written == 0 {
            let at = self
                .rare
                .binary_search_by_key(&i, |(j, _)| *j as usize)
                .ok()?;
            return self.rare.get(at).map(|(_, item)| item.clone());
        }
        let digits = usize::from(r.written);
        let barcode = decimal_digits(r.gtin, digits);
        let key_digits = match digits {
            8 => 8,
            14 if barcode.as_bytes().first() != Some(&b'0') => 14,
            _ => 13,
        };
        Some(Item {
            gtin: decimal_digits(r.gtin, key_digits),
            barcode,
            name: self.name(i).to_string(),
            price: Money::from_minor(r.price, self.currency).ok()?,
            tax_category: self.taxes.get(usize::from(r.tax))?.clone(),
        })
    }
}

/// Digits in a normalised GTIN key of `len` characters.
fn key_digits(len: usize) -> u8 {
    match len {
        8 => 8,
        14 => 14,
        _ => 13,
    }
}

/// `value` in exactly `digits` decimal digits, zero-padded on the left.
fn decimal_digits(mut value: u64, digits: usize) -> String {
    let mut out = [b'0'; 20];
    let digits = digits.min(out.len());
    for d in out[..digits].iter_mut().rev() {
        *d = b'0' + (value % 10) as u8;
        value /= 10;
    }
    // ASCII digits: always UTF-8.
    String::from_utf8_lossy(&out[..digits]).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::gtin;
    use crate::money::Decimal;

    fn push(store: &mut ItemStore, barcode: &str, name: &str, price: Money, tax: &str) -> Item {
        let g = gtin::parse(barcode).unwrap();
        store.push(barcode, g, name, price, tax).unwrap();
        Item {
            barcode: barcode.to_string(),
            gtin: g.key(),
            name: name.to_string(),
            price,
            tax_category: tax.to_string(),
        }
    }

    #[test]
    fn packed_and_rare_items_come_back_as_they_went_in() {
        let usd = |minor| Money::from_minor(minor, Currency::USD).unwrap();
        let mut store = ItemStore::with_capacity(Currency::USD, 0, 0);
        let huge = Money::new(
            Decimal::from_i128_with_scale(10i128.pow(25), 0),
            Currency::USD,
        )
        .unwrap();
        let expected = [
            push(
                &mut store,
                "036000291452",
                "Bottled water",
                usd(199),
                "food",
            ),
            push(&mut store, " 4006381333931 ", "Pencil", usd(45), "general"),
            push(&mut store, "96385074", "", usd(0), "general"),
            push(&mut store, "10012345678902", "Case of 12", huge, "food"),
            push(
                &mut store,
                "00012345678905",
                "Crème brûlée",
                usd(450),
                "prepared",
            ),
            push(
                &mut store,
                "4006381333931",
                "Won priced",
                Money::from_minor(1200, Currency::KRW).unwrap(),
                "food",
            ),
        ];
        assert_eq!(
            store.rare.len(),
            3,
            "spaces, a huge price, another currency"
        );
        for (i, item) in expected.iter().enumerate() {
            assert_eq!(store.get(i).as_ref(), Some(item), "item {i}");
            assert_eq!(store.name(i), item.name);
        }
        assert_eq!(store.get(expected.len()), None);
        assert_eq!(store.get(0).unwrap().gtin, "0036000291452");
        assert_eq!(store.get(3).unwrap().gtin, "10012345678902");
        assert_eq!(store.get(4).unwrap().gtin, "0012345678905");
    }

    #[test]
    fn appended_stores_keep_names_taxes_and_rare_items_in_place() {
        let usd = |minor| Money::from_minor(minor, Currency::USD).unwrap();
        let mut low = ItemStore::with_capacity(Currency::USD, 0, 0);
        let mut high = ItemStore::with_capacity(Currency::USD, 0, 0);
        let mut expected = vec![push(&mut low, "036000291452", "Water", usd(199), "food")];
        expected.push(push(&mut high, "96385074", "Tea", usd(250), "general"));
        expected.push(push(&mut high, " 4006381333931", "Gum", usd(99), "food"));
        low.append(high).unwrap();
        let got: Vec<Item> = (0..low.len()).filter_map(|i| low.get(i)).collect();
        assert_eq!(got, expected);
    }
}
