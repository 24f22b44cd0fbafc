//! Items packed for a million-item catalogue: one 24-byte record per item and every name in
//! one string. An item that does not fit a record (a barcode written with spaces, a price
//! beyond 64-bit minor units, a mixed currency) is kept whole on the side.
//!
//! Loaders fill an [`ItemStore`] in file order; [`Items::pack`] then lays the names out in
//! the search index's rank order (sorted by folded name), so a search reads the names it
//! verifies front to back instead of jumping around a file-order string.

use super::gtin::Gtin;
use super::item::{Code, Item, ItemRef};
use super::par::join;
use super::wire::{Reader, Writer};
use crate::money::{Currency, Decimal, Money};
use std::io::{self, Read, Write};

/// Names looked up together before they are copied (see [`Items::pack`]).
const COPY_BATCH: usize = 32;

/// One packed item.
#[derive(Debug, Clone, Copy)]
struct Record {
    /// The GTIN value (see [`Gtin::value`]).
    gtin: u64,
    /// The price in minor units of the store currency.
    price: i64,
    /// In an [`ItemStore`]: where the name ends in its `names`. In [`Items`]: the name's rank.
    name: u32,
    /// Index into `taxes`.
    tax: u16,
    /// Digits of the barcode as written: 8, 12, 13 or 14. 0: the item is in `rare`.
    written: u8,
}

/// More than a packed catalogue can address (4 GiB of names or 2^32 items).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the catalogue is too large: at most 4,294,967,295 items and 4 GiB of names")]
pub struct TooLarge;

/// Items as a loader reads them, in file order, names back to back.
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
        // A barcode of digits only is rebuilt from its value and length.
        let written = match barcode.len() {
            len @ (8 | 12 | 13 | 14) if barcode.bytes().all(|b| b.is_ascii_digit()) => len as u8,
            _ => 0,
        };
        let minor = self.minor_units(price);
        let tax_index = self.tax_index(tax);
        match (written, minor, tax_index) {
            (1.., Some(minor), Some(tax)) => {
                self.push_packed(gtin.value, written, minor, tax, name)
            }
            _ => {
                let index = u32::try_from(self.records.len()).map_err(|_| TooLarge)?;
                self.push_packed(gtin.value, 0, 0, 0, name)?;
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
                Ok(())
            }
        }
    }

    /// Appends an item that packs: a barcode of `written` digits (8, 12, 13 or 14; 0 only
    /// from [`ItemStore::push`], which keeps the item in `rare`), a price in minor units of
    /// the store currency and a tax code index from [`ItemStore::tax_index`].
    pub(crate) fn push_packed(
        &mut self,
        gtin: u64,
        written: u8,
        minor: i64,
        tax: u16,
        name: &str,
    ) -> Result<(), TooLarge> {
        u32::try_from(self.records.len()).map_err(|_| TooLarge)?;
        let name_end = self
            .names
            .len()
            .checked_add(name.len())
            .and_then(|end| u32::try_from(end).ok())
            .ok_or(TooLarge)?;
        self.names.push_str(name);
        self.records.push(Record {
            gtin,
            price: minor,
            name: name_end,
            tax,
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
    pub(crate) fn tax_index(&mut self, tax: &str) -> Option<u16> {
        let at = match self.taxes.iter().position(|t| t == tax) {
            Some(at) => at,
            None => {
                self.taxes.push(tax.to_string());
                self.taxes.len() - 1
            }
        };
        u16::try_from(at).ok()
    }

    /// The GTIN value of item `i`.
    pub(crate) fn gtin_value(&self, i: usize) -> Option<u64> {
        self.records.get(i).map(|r| r.gtin)
    }

    /// The name of item `i` ("" past the end).
    pub(crate) fn name(&self, i: usize) -> &str {
        let (start, end) = self.name_span(i);
        self.names.get(start..end).unwrap_or_default()
    }

    /// Where the name of item `i` starts and ends in `names` (empty past the end).
    fn name_span(&self, i: usize) -> (usize, usize) {
        let start = match i.checked_sub(1) {
            Some(prev) => self.records.get(prev).map_or(0, |r| r.name as usize),
            None => 0,
        };
        (
            start,
            self.records.get(i).map_or(start, |r| r.name as usize),
        )
    }

    /// Item `i`, built whole (for records that move to a store of another currency).
    fn item(&self, i: usize) -> Option<Item> {
        let r = self.records.get(i)?;
        if r.written == 0 {
            return rare_item(&self.rare, i).cloned();
        }
        view(r, self.currency, self.name(i), &self.taxes).map(|v| v.to_item())
    }
}

/// Names in rank order, back to back: name `r` is `text[starts[r]..starts[r + 1]]`.
#[derive(Debug, Default)]
pub(crate) struct NameArena {
    text: String,
    starts: Vec<u32>,
}

impl NameArena {
    /// An empty arena with room for `names` names of `bytes` bytes in all.
    pub(crate) fn with_capacity(names: usize, bytes: usize) -> Self {
        let mut starts = Vec::with_capacity(names + 1);
        starts.push(0);
        Self {
            text: String::with_capacity(bytes),
            starts,
        }
    }

    pub(crate) fn push(&mut self, name: &str) -> Result<(), TooLarge> {
        self.text.push_str(name);
        let end = u32::try_from(self.text.len()).map_err(|_| TooLarge)?;
        self.starts.push(end);
        Ok(())
    }

    /// Appends every name of `other`.
    pub(crate) fn append(&mut self, other: &NameArena) -> Result<(), TooLarge> {
        let shift = u32::try_from(self.text.len()).map_err(|_| TooLarge)?;
        u32::try_from(self.text.len() + other.text.len()).map_err(|_| TooLarge)?;
        self.text.push_str(&other.text);
        self.starts
            .extend(other.starts.iter().skip(1).map(|s| s + shift));
        Ok(())
    }

    pub(crate) fn len(&self) -> usize {
        self.starts.len().saturating_sub(1)
    }

    /// Name `rank` ("" past the end).
    pub(crate) fn get(&self, rank: usize) -> &str {
        match (self.starts.get(rank), self.starts.get(rank + 1)) {
            (Some(&a), Some(&b)) => self.text.get(a as usize..b as usize).unwrap_or_default(),
            _ => "",
        }
    }

    fn heap_bytes(&self) -> usize {
        self.text.capacity() + self.starts.capacity() * size_of::<u32>()
    }
}

/// The items of a loaded catalogue: records in file order, names in rank order.
#[derive(Debug)]
pub(crate) struct Items {
    currency: Currency,
    records: Vec<Record>,
    names: NameArena,
    taxes: Vec<String>,
    rare: Vec<(u32, Item)>,
}

impl Items {
    /// Joins `stores` (items counted on from one store to the next, all in the first
    /// store's currency) and lays their names out in rank order: `order[rank]` is the item
    /// whose name has rank `rank`. `order` must hold every item once.
    pub(crate) fn pack(stores: Vec<ItemStore>, order: &[u32]) -> Result<Self, TooLarge> {
        let mut bases = Vec::with_capacity(stores.len());
        let mut total = 0;
        for store in &stores {
            bases.push(total);
            total += store.len();
        }
        debug_assert_eq!(order.len(), total, "every item has one rank");
        let bytes: usize = stores.iter().map(|s| s.names.len()).sum();
        // Where the name of item `id` lies: its store's names, start and end.
        let span_of = |id: u32| {
            let c = bases
                .partition_point(|&b| b <= id as usize)
                .saturating_sub(1);
            match (stores.get(c), bases.get(c)) {
                (Some(store), Some(&base)) => {
                    let (start, end) = store.name_span(id as usize - base);
                    (store.names.as_str(), start, end)
                }
                _ => ("", 0, 0),
            }
        };
        // Two threads copy half of the names each; the first half's arena has room for all.
        // Names are read in file order, so every read is a cache miss. A batch is read in
        // stages (where each name lies, then the names) so that the misses of one stage
        // overlap instead of waiting on each other; then it is copied.
        let copy = |ranks: &[u32], bytes: usize| {
            let mut arena = NameArena::with_capacity(order.len(), bytes);
            let mut spans: Vec<(&str, usize, usize)> = Vec::with_capacity(COPY_BATCH);
            let mut batch: Vec<&str> = Vec::with_capacity(COPY_BATCH);
            for ids in ranks.chunks(COPY_BATCH) {
                spans.clear();
                spans.extend(ids.iter().map(|&id| span_of(id)));
                batch.clear();
                batch.extend(
                    spans
                        .iter()
                        .map(|&(text, start, end)| text.get(start..end).unwrap_or_default()),
                );
                for name in &batch {
                    arena.push(name)?;
                }
            }
            Ok::<_, TooLarge>(arena)
        };
        let (low, high) = order.split_at(order.len() / 2);
        let (high, low) = join(|| copy(high, 0), || copy(low, bytes));
        let mut names = low?;
        names.append(&high?)?;
        let mut stores = stores.into_iter();
        let Some(mut out) = stores.next() else {
            return Ok(Self {
                currency: Currency::USD,
                records: Vec::new(),
                names,
                taxes: Vec::new(),
                rare: Vec::new(),
            });
        };
        out.names = String::new();
        for other in stores {
            append_records(&mut out, other)?;
        }
        for (rank, &id) in order.iter().enumerate() {
            if let Some(r) = out.records.get_mut(id as usize) {
                r.name = rank as u32;
            }
        }
        out.records.shrink_to_fit();
        out.rare.shrink_to_fit();
        Ok(Self {
            currency: out.currency,
            records: out.records,
            names,
            taxes: out.taxes,
            rare: out.rare,
        })
    }

    pub(crate) fn len(&self) -> usize {
        self.records.len()
    }

    /// Names in rank order.
    pub(crate) fn names(&self) -> &NameArena {
        &self.names
    }

    /// Bytes held on the heap.
    pub(crate) fn heap_bytes(&self) -> usize {
        self.records.capacity() * size_of::<Record>()
            + self.names.heap_bytes()
            + self.taxes.iter().map(String::capacity).sum::<usize>()
            + self.rare.capacity() * size_of::<(u32, Item)>()
    }

    /// The GTIN value of item `i`.
    pub(crate) fn gtin_value(&self, i: usize) -> Option<u64> {
        self.records.get(i).map(|r| r.gtin)
    }

    /// Item `i`, seen through its record.
    pub(crate) fn get(&self, i: usize) -> Option<ItemRef<'_>> {
        let r = self.records.get(i)?;
        if r.written == 0 {
            return rare_item(&self.rare, i).map(ItemRef::from);
        }
        view(
            r,
            self.currency,
            self.names.get(r.name as usize),
            &self.taxes,
        )
    }
}

/// Bytes of one record in a snapshot: gtin, price, name rank, tax, digits written.
const RECORD_BYTES: usize = 8 + 8 + 4 + 2 + 1;

impl Record {
    fn encode(self) -> [u8; RECORD_BYTES] {
        let mut out = [0u8; RECORD_BYTES];
        out[..8].copy_from_slice(&self.gtin.to_le_bytes());
        out[8..16].copy_from_slice(&self.price.to_le_bytes());
        out[16..20].copy_from_slice(&self.name.to_le_bytes());
        out[20..22].copy_from_slice(&self.tax.to_le_bytes());
        out[22] = self.written;
        out
    }

    fn decode(b: [u8; RECORD_BYTES]) -> Self {
        let [
            g0,
            g1,
            g2,
            g3,
            g4,
            g5,
            g6,
            g7,
            p0,
            p1,
            p2,
            p3,
            p4,
            p5,
            p6,
            p7,
            n0,
            n1,
            n2,
            n3,
            t0,
            t1,
            written,
        ] = b;
        Self {
            gtin: u64::from_le_bytes([g0, g1, g2, g3, g4, g5, g6, g7]),
            price: i64::from_le_bytes([p0, p1, p2, p3, p4, p5, p6, p7]),
            name: u32::from_le_bytes([n0, n1, n2, n3]),
            tax: u16::from_le_bytes([t0, t1]),
            written,
        }
    }
}

impl Items {
    /// Writes the items for a snapshot (see `catalog::snapshot`).
    pub(crate) fn encode<W: Write>(&self, w: &mut Writer<W>) -> io::Result<()> {
        w.str(self.currency.code())?;
        w.len(self.taxes.len())?;
        for tax in &self.taxes {
            w.str(tax)?;
        }
        w.array(&self.records, Record::encode)?;
        w.str(&self.names.text)?;
        w.u32s(&self.names.starts)?;
        w.len(self.rare.len())?;
        for (at, item) in &self.rare {
            w.u32(*at)?;
            w.str(&item.barcode)?;
            w.str(&item.gtin)?;
            w.str(&item.name)?;
            w.bytes(&item.price.amount().serialize())?;
            w.str(item.price.currency().code())?;
            w.str(&item.tax_category)?;
        }
        Ok(())
    }

    /// Reads what [`Items::encode`] wrote; `None` unless it holds together (every name
    /// span inside the text and on char boundaries, every record's tax code and rank in
    /// range, rare items exactly where records say so).
    pub(crate) fn decode<R: Read>(r: &mut Reader<R>) -> Option<Self> {
        let currency = Currency::from_code(&r.str()?)?;
        let taxes = (0..r.len()?).map(|_| r.str()).collect::<Option<Vec<_>>>()?;
        let records = r.array(Record::decode)?;
        let text = r.str()?;
        let starts = r.u32s()?;
        let n = records.len();
        if starts.len() != n + 1
            || starts.first() != Some(&0)
            || starts.last().map(|&e| e as usize) != Some(text.len())
            || starts.windows(2).any(|w| w[0] > w[1])
            || !starts.iter().all(|&s| text.is_char_boundary(s as usize))
        {
            return None;
        }
        let mut rare = Vec::new();
        for _ in 0..r.len()? {
            let at = r.u32()?;
            let barcode = r.str()?;
            let gtin = r.str()?;
            let name = r.str()?;
            let amount = Decimal::deserialize(r.fixed()?);
            let price = Money::new(amount, Currency::from_code(&r.str()?)?).ok()?;
            let tax_category = r.str()?;
            rare.push((
                at,
                Item {
                    barcode,
                    gtin,
                    name,
                    price,
                    tax_category,
                },
            ));
        }
        let rare_in_order = rare.windows(2).all(|w| w[0].0 < w[1].0);
        let rare_marked = rare
            .iter()
            .all(|(at, _)| records.get(*at as usize).is_some_and(|r| r.written == 0));
        let packed_ok = records.iter().all(|r| match r.written {
            0 => true,
            8 | 12 | 13 | 14 => usize::from(r.tax) < taxes.len() && (r.name as usize) < n,
            _ => false,
        });
        let unpacked = records.iter().filter(|r| r.written == 0).count();
        if !(rare_in_order && rare_marked && packed_ok && unpacked == rare.len()) {
            return None;
        }
        Some(Self {
            currency,
            records,
            names: NameArena { text, starts },
            taxes,
            rare,
        })
    }

    /// The tax codes of packed items, then those of rare items.
    pub(crate) fn tax_codes(&self) -> impl Iterator<Item = &str> + '_ {
        let packed = self.taxes.iter().map(String::as_str);
        packed.chain(self.rare.iter().map(|(_, item)| item.tax_category.as_str()))
    }

    /// Whether `order` (rank -> item id) is exactly the order the records' name ranks say:
    /// every item has one rank and every rank one item.
    pub(crate) fn ranks_agree(&self, order: &[u32]) -> bool {
        order.len() == self.records.len()
            && order.iter().enumerate().all(|(rank, &id)| {
                self.records.get(id as usize).is_some_and(|r| {
                    // A rare item's record keeps its rank too (see `Items::pack`).
                    r.name as usize == rank
                })
            })
    }
}

/// Appends the records of `other` to `to`; `other`'s names stay behind.
fn append_records(to: &mut ItemStore, other: ItemStore) -> Result<(), TooLarge> {
    let base = u32::try_from(to.records.len()).map_err(|_| TooLarge)?;
    u32::try_from(to.records.len() + other.records.len()).map_err(|_| TooLarge)?;
    if other.currency != to.currency {
        // Packed prices are minor units of their own store's currency: keep those whole.
        for i in 0..other.len() {
            let item = other.item(i).ok_or(TooLarge)?;
            let at = u32::try_from(to.records.len()).map_err(|_| TooLarge)?;
            to.records.push(Record {
                written: 0,
                ..other.records[i]
            });
            to.rare.push((at, item));
        }
        return Ok(());
    }
    let taxes: Vec<u16> = other
        .taxes
        .iter()
        .map(|t| to.tax_index(t).ok_or(TooLarge))
        .collect::<Result<_, _>>()?;
    to.records.extend(other.records.iter().map(|r| Record {
        tax: taxes.get(usize::from(r.tax)).copied().unwrap_or(r.tax),
        ..*r
    }));
    to.rare
        .extend(other.rare.into_iter().map(|(i, item)| (i + base, item)));
    Ok(())
}

/// The rare item at index `i`.
fn rare_item(rare: &[(u32, Item)], i: usize) -> Option<&Item> {
    let at = rare.binary_search_by_key(&i, |(j, _)| *j as usize).ok()?;
    rare.get(at).map(|(_, item)| item)
}

/// A packed record seen as an item.
fn view<'a>(
    r: &Record,
    currency: Currency,
    name: &'a str,
    taxes: &'a [String],
) -> Option<ItemRef<'a>> {
    let digits = usize::from(r.written);
    let barcode = Code::digits(r.gtin, digits);
    let key_digits = match digits {
        8 => 8,
        14 if barcode.as_bytes().first() != Some(&b'0') => 14,
        _ => 13,
    };
    Some(ItemRef {
        gtin: Code::digits(r.gtin, key_digits),
        barcode,
        name,
        price: Money::from_minor(r.price, currency).ok()?,
        tax_category: taxes.get(usize::from(r.tax))?,
    })
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
            assert_eq!(store.item(i).as_ref(), Some(item), "item {i}");
            assert_eq!(store.name(i), item.name);
        }
        assert_eq!(store.item(expected.len()), None);
        // Packed, with names in a rank order of their own: every item comes back the same.
        let order: Vec<u32> = vec![4, 2, 0, 5, 1, 3];
        let items = Items::pack(vec![store], &order).unwrap();
        for (i, item) in expected.iter().enumerate() {
            assert_eq!(
                items.get(i).map(|v| v.to_item()).as_ref(),
                Some(item),
                "item {i}"
            );
        }
        for (rank, &id) in order.iter().enumerate() {
            assert_eq!(items.names().get(rank), expected[id as usize].name);
        }
        assert_eq!(items.get(expected.len()), None);
        assert_eq!(items.get(0).unwrap().gtin, "0036000291452");
        assert_eq!(items.get(3).unwrap().gtin, "10012345678902");
        assert_eq!(items.get(4).unwrap().gtin, "0012345678905");
    }

    #[test]
    fn appended_stores_keep_names_taxes_and_rare_items_in_place() {
        let usd = |minor| Money::from_minor(minor, Currency::USD).unwrap();
        let mut low = ItemStore::with_capacity(Currency::USD, 0, 0);
        let mut high = ItemStore::with_capacity(Currency::USD, 0, 0);
        let mut expected = vec![push(&mut low, "036000291452", "Water", usd(199), "food")];
        expected.push(push(&mut high, "96385074", "Tea", usd(250), "general"));
        expected.push(push(&mut high, " 4006381333931", "Gum", usd(99), "food"));
        // A store of another currency keeps its items whole.
        let mut won = ItemStore::with_capacity(Currency::KRW, 0, 0);
        let krw = Money::from_minor(1200, Currency::KRW).unwrap();
        expected.push(push(&mut won, "4006381333931", "Won gum", krw, "general"));
        let items = Items::pack(vec![low, high, won], &[3, 1, 0, 2]).unwrap();
        let got: Vec<Item> = (0..items.len())
            .filter_map(|i| items.get(i).map(|v| v.to_item()))
            .collect();
        assert_eq!(got, expected);
        assert_eq!(items.names().get(0), "Won gum");
    }
}
