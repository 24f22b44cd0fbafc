//! The barcode index: GTIN value -> item index, in a hash table of bare `u32` indices. The
//! values themselves stay in the item records, so a million items cost about 10 MB here
//! instead of the 35 MB of a `HashMap<u64, u32>`.

use hashbrown::HashTable;
use hashbrown::hash_table::Entry;

/// Multiplicative hash: GTIN values are already unique integers, so SipHash's DoS
/// resistance buys nothing and costs a third of the load time on 1M items.
fn hash(value: u64) -> u64 {
    let h = value.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    h ^ (h >> 29)
}

#[derive(Debug, Default)]
pub(crate) struct GtinIndex {
    table: HashTable<u32>,
}

impl GtinIndex {
    /// Indexes the `n` values `value_of(0..n)`; returns the index and every
    /// (first, duplicate) pair of positions that share a value. `None` past `u32` positions.
    pub(crate) fn build(
        n: usize,
        value_of: impl Fn(usize) -> u64,
    ) -> Option<(Self, Vec<(usize, usize)>)> {
        u32::try_from(n).ok()?;
        let mut table = HashTable::with_capacity(n);
        let mut dups = Vec::new();
        for i in 0..n {
            let v = value_of(i);
            let h = hash(v);
            // One probe per value: the entry either holds the first or takes this one.
            match table.entry(
                h,
                |&j: &u32| value_of(j as usize) == v,
                |&j: &u32| hash(value_of(j as usize)),
            ) {
                Entry::Occupied(first) => dups.push((*first.get() as usize, i)),
                // `n` fits in u32, so `i` does.
                Entry::Vacant(slot) => {
                    slot.insert(i as u32);
                }
            }
        }
        Some((Self { table }, dups))
    }

    /// Bytes held on the heap.
    pub(crate) fn heap_bytes(&self) -> usize {
        self.table.allocation_size()
    }

    /// The position of `value`, given the values the index was built over.
    pub(crate) fn find(
        &self,
        value: u64,
        value_of: impl Fn(usize) -> Option<u64>,
    ) -> Option<usize> {
        self.table
            .find(hash(value), |&j| value_of(j as usize) == Some(value))
            .map(|&j| j as usize)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_every_value_and_reports_each_repeat_against_its_first() {
        let values = [13u64, 7, 99, 7, 13, 7, 1 << 40];
        let (index, dups) = GtinIndex::build(values.len(), |i| values[i]).unwrap();
        assert_eq!(dups, [(1, 3), (0, 4), (1, 5)]);
        let at = |v| index.find(v, |i| values.get(i).copied());
        assert_eq!(at(13), Some(0));
        assert_eq!(at(7), Some(1));
        assert_eq!(at(1 << 40), Some(6));
        assert_eq!(at(8), None);
    }
}
