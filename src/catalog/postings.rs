//! Posting lists for the name search, compressed: each list of ascending ranks is cut into
//! blocks of [`BLOCK`] ranks; a block keeps its first rank whole and the rest as varint gaps
//! (one byte for a gap up to 128, which most are). About 1.3 bytes per entry instead of 4,
//! and a cursor can still skip to a rank without decoding the blocks before it.

use super::par::join;
use std::ops::Range;

/// Ranks per block.
const BLOCK: usize = 64;

/// Where a block starts: its first rank, and the byte where its gaps begin.
#[derive(Debug, Clone, Copy)]
struct Block {
    first: u32,
    at: usize,
}

#[derive(Debug, Default)]
pub(crate) struct Postings {
    /// Key `k` owns `blocks[key_blocks[k]..key_blocks[k + 1]]`.
    key_blocks: Vec<u32>,
    /// Ranks in the list of each key.
    key_lens: Vec<u32>,
    blocks: Vec<Block>,
    gaps: Vec<u8>,
}

/// One key's list.
#[derive(Debug, Clone, Copy)]
pub(crate) struct List<'p> {
    blocks: &'p [Block],
    gaps: &'p [u8],
    len: usize,
}

impl Postings {
    /// Bytes held on the heap.
    pub(crate) fn heap_bytes(&self) -> usize {
        (self.key_blocks.capacity() + self.key_lens.capacity()) * size_of::<u32>()
            + self.blocks.capacity() * size_of::<Block>()
            + self.gaps.capacity()
    }

    /// The list of `key` (empty for an unknown key).
    pub(crate) fn get(&self, key: usize) -> List<'_> {
        let empty = List {
            blocks: &[],
            gaps: &[],
            len: 0,
        };
        let (Some(&a), Some(&b), Some(&len)) = (
            self.key_blocks.get(key),
            self.key_blocks.get(key + 1),
            self.key_lens.get(key),
        ) else {
            return empty;
        };
        match self.blocks.get(a as usize..b as usize) {
            Some(blocks) => List {
                blocks,
                gaps: &self.gaps,
                len: len as usize,
            },
            None => empty,
        }
    }

    /// Lists of `n` ids under `buckets` keys, `keys_of(id)` naming the keys of each id.
    ///
    /// Counting sort of (key, id) pairs produced twice by `keys_of` (once to count, once
    /// to fill), so no intermediate pair list is ever allocated. Ids come out ascending.
    ///
    /// The ids are split in two halves, each counted and filled on its own thread: every
    /// key's list is the first half's ids followed by the second half's, in disjoint slices.
    pub(crate) fn build<F>(buckets: usize, n: usize, keys_of: F) -> Self
    where
        F: Fn(usize, &mut Vec<usize>) + Sync,
    {
        let mid = n / 2;
        let (low, high) = join(
            || Self::count(buckets, 0..mid, &keys_of),
            || Self::count(buckets, mid..n, &keys_of),
        );
        let mut offsets = Vec::with_capacity(buckets + 1);
        let mut total = 0u32;
        offsets.push(0);
        for (a, b) in low.iter().zip(&high) {
            total += a + b;
            offsets.push(total);
        }
        let mut ids = vec![0u32; total as usize];
        let mut low_lists = Vec::with_capacity(buckets);
        let mut high_lists = Vec::with_capacity(buckets);
        let mut rest = ids.as_mut_slice();
        for (&a, &b) in low.iter().zip(&high) {
            let (list, tail) = rest.split_at_mut(a as usize);
            low_lists.push(list);
            let (list, tail) = tail.split_at_mut(b as usize);
            high_lists.push(list);
            rest = tail;
        }
        join(
            || Self::fill(0..mid, &keys_of, low_lists),
            || Self::fill(mid..n, &keys_of, high_lists),
        );
        Self::compress(&offsets, &ids)
    }

    /// How many of `ids` emit each key (each key counted once per id).
    fn count<F: Fn(usize, &mut Vec<usize>)>(
        buckets: usize,
        ids: Range<usize>,
        keys_of: &F,
    ) -> Vec<u32> {
        let mut counts = vec![0u32; buckets];
        // `last[k]` = last id that emitted k.
        let mut last = vec![u32::MAX; buckets];
        let mut keys = Vec::new();
        for id in ids {
            let id32 = id as u32;
            keys_of(id, &mut keys);
            for &k in &keys {
                if last[k] != id32 {
                    last[k] = id32;
                    counts[k] += 1;
                }
            }
        }
        counts
    }

    /// Writes `ids` into their keys' lists, sized by [`Self::count`].
    fn fill<F: Fn(usize, &mut Vec<usize>)>(
        ids: Range<usize>,
        keys_of: &F,
        mut lists: Vec<&mut [u32]>,
    ) {
        let mut next = vec![0usize; lists.len()];
        let mut last = vec![u32::MAX; lists.len()];
        let mut keys = Vec::new();
        for id in ids {
            let id32 = id as u32;
            keys_of(id, &mut keys);
            for &k in &keys {
                if last[k] != id32 {
                    last[k] = id32;
                    if let Some(slot) = lists[k].get_mut(next[k]) {
                        *slot = id32;
                    }
                    next[k] += 1;
                }
            }
        }
    }

    /// Compresses flat lists: ranks for key `k` are `ids[offsets[k]..offsets[k + 1]]`, each
    /// list ascending. Two threads take half of the entries each.
    pub(crate) fn compress(offsets: &[u32], ids: &[u32]) -> Self {
        let keys = offsets.len().saturating_sub(1);
        let total = offsets.last().copied().unwrap_or(0);
        let mid = offsets.partition_point(|&o| o < total / 2).min(keys);
        let (high, mut low) = join(
            || Self::compress_keys(offsets, ids, mid..keys),
            || Self::compress_keys(offsets, ids, 0..mid),
        );
        let (block_base, gap_base) = (low.blocks.len() as u32, low.gaps.len());
        low.key_blocks.pop();
        low.key_blocks
            .extend(high.key_blocks.iter().map(|b| b + block_base));
        low.key_lens.extend(high.key_lens);
        low.blocks.extend(high.blocks.iter().map(|b| Block {
            first: b.first,
            at: b.at + gap_base,
        }));
        low.gaps.extend(high.gaps);
        low.key_blocks.shrink_to_fit();
        low.blocks.shrink_to_fit();
        low.gaps.shrink_to_fit();
        low
    }

    fn compress_keys(offsets: &[u32], ids: &[u32], keys: Range<usize>) -> Self {
        let entries = offsets
            .get(keys.end)
            .zip(offsets.get(keys.start))
            .map_or(0, |(b, a)| (b - a) as usize);
        let mut out = Self {
            key_blocks: Vec::with_capacity(keys.len() + 1),
            key_lens: Vec::with_capacity(keys.len()),
            blocks: Vec::with_capacity(entries / BLOCK + keys.len()),
            gaps: Vec::with_capacity(entries + entries / 4),
        };
        for k in keys {
            let list = match (offsets.get(k), offsets.get(k + 1)) {
                (Some(&a), Some(&b)) => ids.get(a as usize..b as usize).unwrap_or(&[]),
                _ => &[],
            };
            out.key_blocks.push(out.blocks.len() as u32);
            out.key_lens.push(list.len() as u32);
            for block in list.chunks(BLOCK) {
                out.blocks.push(Block {
                    first: block[0],
                    at: out.gaps.len(),
                });
                for pair in block.windows(2) {
                    // Ranks strictly ascend: every gap is at least 1.
                    push_varint(&mut out.gaps, pair[1].wrapping_sub(pair[0]).wrapping_sub(1));
                }
            }
        }
        out.key_blocks.push(out.blocks.len() as u32);
        out
    }
}

fn push_varint(out: &mut Vec<u8>, mut v: u32) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

impl<'p> List<'p> {
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    pub(crate) fn cursor(&self) -> Cursor<'p> {
        let mut cursor = Cursor {
            list: *self,
            block: 0,
            left: 0,
            at: 0,
            current: None,
        };
        cursor.enter(0);
        cursor
    }
}

/// A position in a [`List`], moving forward only.
#[derive(Debug)]
pub(crate) struct Cursor<'p> {
    list: List<'p>,
    block: usize,
    /// Gaps still to decode in the current block.
    left: usize,
    /// The byte of the next gap.
    at: usize,
    current: Option<u32>,
}

impl Cursor<'_> {
    /// The rank under the cursor; `None` once past the end.
    pub(crate) fn current(&self) -> Option<u32> {
        self.current
    }

    /// Moves to block `b` (its first rank), or past the end.
    fn enter(&mut self, b: usize) {
        self.block = b;
        match self.list.blocks.get(b) {
            Some(block) => {
                self.current = Some(block.first);
                self.at = block.at;
                let in_block = self.list.len.saturating_sub(b * BLOCK).min(BLOCK);
                self.left = in_block.saturating_sub(1);
            }
            None => {
                self.current = None;
                self.left = 0;
            }
        }
    }

    /// Moves to the next rank.
    pub(crate) fn advance(&mut self) {
        let Some(current) = self.current else {
            return;
        };
        if self.left == 0 {
            self.enter(self.block + 1);
            return;
        }
        let mut gap = 0u32;
        let mut shift = 0;
        while let Some(&b) = self.list.gaps.get(self.at) {
            self.at += 1;
            gap |= u32::from(b & 0x7F).checked_shl(shift).unwrap_or(0);
            shift += 7;
            if b & 0x80 == 0 {
                break;
            }
        }
        self.left -= 1;
        self.current = current.checked_add(gap).and_then(|r| r.checked_add(1));
    }

    /// Moves to the first rank at or after `target` and returns it (`None` if none is).
    pub(crate) fn seek(&mut self, target: u32) -> Option<u32> {
        if self.current? >= target {
            return self.current;
        }
        // Skip whole blocks that end before `target`: the last block starting at or below it.
        let later = self.list.blocks.get(self.block + 1..).unwrap_or(&[]);
        let skip = later.partition_point(|b| b.first <= target);
        if skip > 0 {
            self.enter(self.block + skip);
        }
        while self.current.is_some_and(|r| r < target) {
            self.advance();
        }
        self.current
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn walk(list: List<'_>) -> Vec<u32> {
        let mut out = Vec::new();
        let mut c = list.cursor();
        while let Some(r) = c.current() {
            out.push(r);
            c.advance();
        }
        out
    }

    proptest::proptest! {
        #[test]
        fn lists_come_back_whole_and_seek_finds_the_first_rank_not_below(
            lists in proptest::collection::vec(
                proptest::collection::btree_set(
                    proptest::prop_oneof![0u32..300, proptest::strategy::Just(u32::MAX - 1), 1_000_000u32..1_000_100],
                    0..200,
                ),
                0..6,
            ),
            targets in proptest::collection::vec(0u32..1_000_200, 0..20),
        ) {
            let mut offsets = vec![0u32];
            let mut ids = Vec::new();
            for l in &lists {
                ids.extend(l.iter().copied());
                offsets.push(ids.len() as u32);
            }
            let postings = Postings::compress(&offsets, &ids);
            for (k, l) in lists.iter().enumerate() {
                let list = postings.get(k);
                proptest::prop_assert_eq!(list.len(), l.len());
                proptest::prop_assert_eq!(walk(list), l.iter().copied().collect::<Vec<_>>());
                let mut sorted = targets.clone();
                sorted.sort_unstable();
                let mut cursor = list.cursor();
                for t in sorted {
                    proptest::prop_assert_eq!(cursor.seek(t), l.range(t..).next().copied());
                }
            }
            proptest::prop_assert_eq!(postings.get(lists.len()).len(), 0);
        }
    }
}
