//! Posting lists for the name search, compressed: each list of ascending ranks is cut into
//! blocks of at most [`BLOCK`] ranks; a block keeps its first rank whole and the rest as
//! varint gaps (one byte for a gap up to 128, which most are). About 1.3 bytes per entry
//! instead of 4, and a cursor can still skip to a rank without decoding the blocks before it.
//!
//! The lists are written compressed straight away: one pass counts the entries and gap
//! bytes of every list, a second writes them into place, so no list of plain ranks is ever
//! held (for a million names that would be 120 MB).

use super::par::join;
use super::wire::{Reader, Writer};
use std::io::{self, Read, Write};

/// Ranks per block (at most).
const BLOCK: u32 = 64;

/// Where a block starts: its first rank, and the byte where its gaps begin. The gaps run up
/// to the next block's `at`.
#[derive(Debug, Clone, Copy, Default)]
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
    /// Where the gaps of the last block end.
    end: usize,
    len: usize,
}

/// Per key, what one half of the ids puts in its list.
#[derive(Debug, Clone, Copy, Default)]
struct Size {
    entries: u32,
    blocks: u32,
    gap_bytes: usize,
}

/// Where one half of the ids writes one key's list, and how far it got.
struct Slot<'a> {
    blocks: &'a mut [Block],
    gaps: &'a mut [u8],
    /// The position of `gaps[0]` in the whole gap array.
    base: usize,
    entries: u32,
    last: u32,
    block: usize,
    at: usize,
}

impl Postings {
    /// Bytes held on the heap.
    pub(crate) fn heap_bytes(&self) -> usize {
        (self.key_blocks.capacity() + self.key_lens.capacity()) * size_of::<u32>()
            + self.blocks.capacity() * size_of::<Block>()
            + self.gaps.capacity()
    }

    /// Writes the lists for a snapshot (see `catalog::snapshot`).
    pub(crate) fn encode<W: Write>(&self, w: &mut Writer<W>) -> io::Result<()> {
        w.u32s(&self.key_blocks)?;
        w.u32s(&self.key_lens)?;
        w.array(&self.blocks, |b| {
            let mut out = [0u8; 12];
            out[..4].copy_from_slice(&b.first.to_le_bytes());
            out[4..].copy_from_slice(&(b.at as u64).to_le_bytes());
            out
        })?;
        w.blob(&self.gaps)
    }

    /// Reads what [`Postings::encode`] wrote for `buckets` keys over ids below `n`; `None`
    /// unless every key's blocks and every block's gaps lie in order inside the arrays.
    pub(crate) fn decode<R: Read>(r: &mut Reader<R>, buckets: usize, n: usize) -> Option<Self> {
        let key_blocks = r.u32s()?;
        let key_lens = r.u32s()?;
        let blocks = r.array(|b: [u8; 12]| {
            let [f0, f1, f2, f3, a0, a1, a2, a3, a4, a5, a6, a7] = b;
            let at = u64::from_le_bytes([a0, a1, a2, a3, a4, a5, a6, a7]);
            Block {
                first: u32::from_le_bytes([f0, f1, f2, f3]),
                at: usize::try_from(at).unwrap_or(usize::MAX),
            }
        })?;
        let gaps = r.blob()?;
        let ok = key_blocks.len() == buckets + 1
            && key_lens.len() == buckets
            && key_blocks.first() == Some(&0)
            && key_blocks.last().map(|&b| b as usize) == Some(blocks.len())
            && key_blocks.windows(2).all(|w| w[0] <= w[1])
            && blocks.windows(2).all(|w| w[0].at <= w[1].at)
            && blocks.last().is_none_or(|b| b.at <= gaps.len())
            && blocks.iter().all(|b| (b.first as usize) < n);
        ok.then_some(Self {
            key_blocks,
            key_lens,
            blocks,
            gaps,
        })
    }

    /// The list of `key` (empty for an unknown key).
    pub(crate) fn get(&self, key: usize) -> List<'_> {
        let empty = List {
            blocks: &[],
            gaps: &[],
            end: 0,
            len: 0,
        };
        let (Some(&a), Some(&b), Some(&len)) = (
            self.key_blocks.get(key),
            self.key_blocks.get(key + 1),
            self.key_lens.get(key),
        ) else {
            return empty;
        };
        let end = self
            .blocks
            .get(b as usize)
            .map_or(self.gaps.len(), |next| next.at);
        match self.blocks.get(a as usize..b as usize) {
            Some(blocks) => List {
                blocks,
                gaps: &self.gaps,
                end,
                len: len as usize,
            },
            None => empty,
        }
    }

    /// Lists of `n` ids under `buckets` keys, `keys_of(id)` naming the keys of each id
    /// (repeats allowed). Ids come out ascending. Also hands back, per id, what `keys_of`
    /// answered for it on the counting pass (so a caller needs no pass of its own).
    ///
    /// The ids are split in two halves, each counted and written on its own thread: every
    /// key's list is the first half's blocks followed by the second half's.
    pub(crate) fn build<T, F>(buckets: usize, n: usize, keys_of: F) -> (Self, Vec<T>)
    where
        T: Send,
        F: Fn(usize, &mut Vec<usize>) -> T + Sync,
    {
        let mid = n / 2;
        Self::build_halves(buckets, [0..mid, mid..n], keys_of)
    }

    /// [`Postings::build`] over two runs of ascending ids below `u32::MAX`, the second
    /// above the first.
    fn build_halves<T, I, F>(buckets: usize, [low, high]: [I; 2], keys_of: F) -> (Self, Vec<T>)
    where
        T: Send,
        I: Iterator<Item = usize> + Clone + Send + Sync,
        F: Fn(usize, &mut Vec<usize>) -> T + Sync,
    {
        let ((high_sizes, high_answers), (low_sizes, mut answers)) = join(
            || Self::count(buckets, high.clone(), &keys_of),
            || Self::count(buckets, low.clone(), &keys_of),
        );
        answers.extend(high_answers);
        let sizes = || low_sizes.iter().zip(&high_sizes);
        let total_blocks: usize = sizes().map(|(a, b)| (a.blocks + b.blocks) as usize).sum();
        let total_gaps: usize = sizes().map(|(a, b)| a.gap_bytes + b.gap_bytes).sum();
        let mut out = Self {
            key_blocks: Vec::with_capacity(buckets + 1),
            key_lens: Vec::with_capacity(buckets),
            blocks: vec![Block::default(); total_blocks],
            gaps: vec![0u8; total_gaps],
        };
        let mut low_slots = Vec::with_capacity(buckets);
        let mut high_slots = Vec::with_capacity(buckets);
        let (mut blocks, mut gaps) = (out.blocks.as_mut_slice(), out.gaps.as_mut_slice());
        let (mut block_at, mut gap_at) = (0usize, 0usize);
        for (a, b) in sizes() {
            out.key_blocks.push(block_at as u32);
            out.key_lens.push(a.entries + b.entries);
            for (size, slots) in [(a, &mut low_slots), (b, &mut high_slots)] {
                let (these, rest) = std::mem::take(&mut blocks).split_at_mut(size.blocks as usize);
                blocks = rest;
                let (bytes, rest) = std::mem::take(&mut gaps).split_at_mut(size.gap_bytes);
                gaps = rest;
                slots.push(Slot {
                    blocks: these,
                    gaps: bytes,
                    base: gap_at,
                    entries: 0,
                    last: 0,
                    block: 0,
                    at: 0,
                });
                block_at += size.blocks as usize;
                gap_at += size.gap_bytes;
            }
        }
        out.key_blocks.push(block_at as u32);
        join(
            || Self::fill(high, &keys_of, &mut high_slots),
            || Self::fill(low, &keys_of, &mut low_slots),
        );
        (out, answers)
    }

    /// What `ids` put in each key's list (each key counted once per id), and what
    /// `keys_of` answered for each id.
    fn count<T, F: Fn(usize, &mut Vec<usize>) -> T>(
        buckets: usize,
        ids: impl Iterator<Item = usize>,
        keys_of: &F,
    ) -> (Vec<Size>, Vec<T>) {
        let mut answers = Vec::with_capacity(ids.size_hint().0);
        let mut sizes = vec![Size::default(); buckets];
        // `last[k]` = last id that emitted k.
        let mut last = vec![u32::MAX; buckets];
        let mut keys = Vec::new();
        for id in ids {
            let id32 = id as u32;
            answers.push(keys_of(id, &mut keys));
            for &k in &keys {
                let (Some(size), Some(last)) = (sizes.get_mut(k), last.get_mut(k)) else {
                    continue;
                };
                if *last == id32 {
                    continue;
                }
                if size.entries % BLOCK == 0 {
                    size.blocks += 1;
                } else {
                    size.gap_bytes += varint_len(id32.wrapping_sub(*last).wrapping_sub(1));
                }
                size.entries += 1;
                *last = id32;
            }
        }
        (sizes, answers)
    }

    /// Writes `ids` into their keys' slots, sized by [`Self::count`] over the same ids.
    fn fill<T, F: Fn(usize, &mut Vec<usize>) -> T>(
        ids: impl Iterator<Item = usize>,
        keys_of: &F,
        slots: &mut [Slot<'_>],
    ) {
        let mut keys = Vec::new();
        for id in ids {
            let id32 = id as u32;
            keys_of(id, &mut keys);
            for &k in &keys {
                let Some(slot) = slots.get_mut(k) else {
                    continue;
                };
                if slot.entries > 0 && slot.last == id32 {
                    continue;
                }
                if slot.entries % BLOCK == 0 {
                    if let Some(block) = slot.blocks.get_mut(slot.block) {
                        *block = Block {
                            first: id32,
                            at: slot.base + slot.at,
                        };
                    }
                    slot.block += 1;
                } else {
                    let gap = id32.wrapping_sub(slot.last).wrapping_sub(1);
                    slot.at += write_varint(slot.gaps.get_mut(slot.at..).unwrap_or_default(), gap);
                }
                slot.entries += 1;
                slot.last = id32;
            }
        }
    }
}

/// Bytes of `v` as a varint.
fn varint_len(v: u32) -> usize {
    match v {
        0..0x80 => 1,
        0x80..0x4000 => 2,
        0x4000..0x20_0000 => 3,
        0x20_0000..0x1000_0000 => 4,
        _ => 5,
    }
}

/// Writes `v` as a varint at the start of `out` (sized by [`varint_len`]); the bytes written.
fn write_varint(out: &mut [u8], mut v: u32) -> usize {
    let mut n = 0;
    while v >= 0x80 {
        if let Some(b) = out.get_mut(n) {
            *b = (v as u8) | 0x80;
        }
        v >>= 7;
        n += 1;
    }
    if let Some(b) = out.get_mut(n) {
        *b = v as u8;
    }
    n + 1
}

impl<'p> List<'p> {
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    pub(crate) fn cursor(&self) -> Cursor<'p> {
        let mut cursor = Cursor {
            list: *self,
            block: 0,
            end: 0,
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
    /// Where the current block's gaps end.
    end: usize,
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
                self.end = self.list.blocks.get(b + 1).map_or(self.list.end, |n| n.at);
            }
            None => {
                self.current = None;
                self.at = 0;
                self.end = 0;
            }
        }
    }

    /// Moves to the next rank.
    pub(crate) fn advance(&mut self) {
        let Some(current) = self.current else {
            return;
        };
        if self.at >= self.end {
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
        self.current = current.checked_add(gap).and_then(|r| r.checked_add(1));
    }

    /// Moves to the first rank at or after `target` and returns it (`None` if none is).
    pub(crate) fn seek(&mut self, target: u32) -> Option<u32> {
        if self.current? >= target {
            return self.current;
        }
        // Skip whole blocks that end before `target`: the last block starting at or below it.
        // Galloping: the target is usually in this block or one of the next few.
        let later = self.list.blocks.get(self.block + 1..).unwrap_or(&[]);
        let mut end = 1;
        while end <= later.len() && later[end - 1].first <= target {
            end *= 2;
        }
        let start = end / 2;
        let skip = start
            + later
                .get(start..end.min(later.len()))
                .map_or(0, |run| run.partition_point(|b| b.first <= target));
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
            // Every id once, ascending, split in two halves like a build.
            let all: std::collections::BTreeSet<u32> = lists.iter().flatten().copied().collect();
            let all: Vec<usize> = all.into_iter().map(|id| id as usize).collect();
            let (low, high) = all.split_at(all.len() / 2);
            let keys_of = |id: usize, keys: &mut Vec<usize>| -> usize {
                keys.clear();
                // Each key twice: repeats count once.
                for (k, l) in lists.iter().enumerate() {
                    if l.contains(&(id as u32)) {
                        keys.extend([k, k]);
                    }
                }
                id
            };
            let (postings, answers) = Postings::build_halves(
                lists.len(),
                [low.iter().copied(), high.iter().copied()],
                keys_of,
            );
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
            // One answer per id, in id order.
            proptest::prop_assert_eq!(answers, all);
        }
    }
}
