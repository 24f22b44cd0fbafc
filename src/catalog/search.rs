//! Name search over large catalogues.
//!
//! Names are sorted once by their lower-cased (folded) form, so an item's position in that
//! order (its *rank*) is also its tie-break: the best matches of a tier are simply the
//! lowest ranks. That makes every step an early exit:
//!
//! 1. names starting with the query are one contiguous run of ranks (binary search);
//! 2. names where every query word starts a word come from word-start posting lists;
//! 3. other substring matches come from bigram posting lists (or, for one-letter words, a
//!    per-name symbol mask).
//!
//! Posting lists hold ranks in ascending order and are walked lazily, so a search stops as
//! soon as it holds `limit` items of the best tier still open. Every candidate is verified
//! against the real text, so the index may over-approximate (letters outside a-z/0-9 share
//! one symbol) but never misses.
//!
//! The index holds no text: the catalogue keeps the names, laid out in rank order (see
//! `store::NameArena`), and a search folds the few it looks at (a binary search and the
//! candidates it verifies), reading them front to back.

use super::par::join;
use super::postings::{List, Postings};
use super::store::NameArena;
use std::ops::Range;

/// Symbols: a-z, 0-9, space, everything else.
const ALPHABET: usize = 38;
const SPACE: usize = 36;
/// Posting keys: bigrams, then the first symbol of a word, then its first two symbols.
const BIGRAMS: usize = 0;
const WORD_FIRST: usize = ALPHABET * ALPHABET;
const WORD_FIRST_TWO: usize = WORD_FIRST + ALPHABET;
const KEYS: usize = WORD_FIRST_TWO + ALPHABET * ALPHABET;

const SYMBOLS: [u8; 256] = {
    let mut table = [37u8; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        table[b] = match c {
            // Upper case shares the symbols of lower case, so the keys of a name that folds
            // by ASCII lower-casing alone can be read off the name itself.
            b'a'..=b'z' => c - b'a',
            b'A'..=b'Z' => c - b'A',
            b'0'..=b'9' => 26 + (c - b'0'),
            b' ' => SPACE as u8,
            _ => 37,
        };
        b += 1;
    }
    table
};

fn symbol(b: u8) -> usize {
    usize::from(SYMBOLS[usize::from(b)])
}

fn pair(a: u8, b: u8) -> usize {
    symbol(a) * ALPHABET + symbol(b)
}

/// The set of symbols in `text`, one bit each.
fn mask_of(text: &[u8]) -> u64 {
    text.iter().fold(0, |m, &b| m | 1 << symbol(b))
}

/// Lower-cases for matching: ASCII fast path, Unicode otherwise; control characters
/// become spaces so they cannot glue words together (and no name holds a NUL byte).
fn fold(text: &str, out: &mut Vec<u8>) {
    if folds_by_ascii(text) {
        out.extend(text.bytes().map(|b| b.to_ascii_lowercase()));
    } else {
        let mut buf = [0u8; 4];
        for c in text.chars().flat_map(char::to_lowercase) {
            let c = if c.is_control() { ' ' } else { c };
            out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
        }
    }
}

/// Whether [`fold`] only lower-cases ASCII letters of `text`: its symbols, keys and mask
/// are then those of `text` itself.
fn folds_by_ascii(text: &str) -> bool {
    text.is_ascii() && !text.bytes().any(|b| b.is_ascii_control())
}

/// `f` of the folded `name`, folding only when ASCII lower-casing is not enough.
fn with_symbols_of<R>(name: &str, f: impl FnOnce(&[u8]) -> R) -> R {
    if folds_by_ascii(name) {
        f(name.as_bytes())
    } else {
        let mut folded = Vec::with_capacity(name.len() + 8);
        fold(name, &mut folded);
        f(&folded)
    }
}

/// Pushes the posting keys of a folded name: every bigram without a space, and the first
/// one and two symbols of every position that starts a word (see [`starts_a_word`]).
fn keys_of(name: &[u8], keys: &mut Vec<usize>) {
    keys.clear();
    let mut word_start = true;
    for (i, &b) in name.iter().enumerate() {
        let s = symbol(b);
        if s != SPACE {
            let next = name.get(i + 1).map(|&n| symbol(n)).filter(|&n| n != SPACE);
            if let Some(n) = next {
                keys.push(BIGRAMS + s * ALPHABET + n);
            }
            if word_start {
                keys.push(WORD_FIRST + s);
                if let Some(n) = next {
                    keys.push(WORD_FIRST_TWO + s * ALPHABET + n);
                }
            }
        }
        word_start = !b.is_ascii_alphanumeric();
    }
}

/// Relevance tiers, best first.
const STARTS_WITH_QUERY: u8 = 0;
const EVERY_WORD_STARTS_A_WORD: u8 = 1;
const CONTAINS: u8 = 2;

#[derive(Debug, Default)]
pub(crate) struct SearchIndex {
    /// Rank -> item id. Ranks follow folded-name order.
    order: Vec<u32>,
    /// Rank -> the symbols in its name ([`mask_of`]).
    masks: Vec<u64>,
    /// Bigrams and word starts -> ranks.
    postings: Postings,
}

/// Folded names read on demand from the names in rank order.
struct Names<'n> {
    names: &'n NameArena,
    buf: Vec<u8>,
}

impl Names<'_> {
    fn folded(&mut self, rank: usize) -> &[u8] {
        self.buf.clear();
        fold(self.names.get(rank), &mut self.buf);
        &self.buf
    }
}

/// The rank order of `n` names given in item order: `order[rank]` is an item id. Ids must
/// be fewer than `u32::MAX` (the catalogue refuses more).
pub(crate) fn rank<'a>(names: impl Iterator<Item = &'a str>, n: usize) -> Vec<u32> {
    let mut chunk = NameChunk::with_capacity(n);
    for name in names {
        chunk.push(name);
    }
    chunk.sort();
    rank_chunks(vec![chunk])
}

/// The rank order of names folded and sorted in chunks (see [`NameChunk`]); ids run on from
/// one chunk to the next.
pub(crate) fn rank_chunks(chunks: Vec<NameChunk>) -> Vec<u32> {
    let merged = Merged::new(&chunks);
    // Cut every chunk at the median name of the largest: names below it are ranked on
    // one thread, the rest on another, and the two runs simply follow each other.
    let pivot = chunks
        .iter()
        .zip(&merged.bases)
        .max_by_key(|(c, _)| c.keys.len())
        .and_then(|(c, &base)| Some(global(*c.keys.get(c.keys.len() / 2)?, base)));
    let cuts: Vec<usize> = chunks
        .iter()
        .zip(&merged.bases)
        .map(|(c, &base)| match &pivot {
            Some(p) => c
                .keys
                .partition_point(|&k| merged.before(&global(k, base), p)),
            None => 0,
        })
        .collect();
    let (high, mut low) = join(
        || merged.ranked(&cuts, false),
        || merged.ranked(&cuts, true),
    );
    low.extend(high);
    low
}

impl SearchIndex {
    /// Indexes `names`, given in rank order; `order[rank]` is the item id of each.
    pub(crate) fn new(order: Vec<u32>, names: &NameArena) -> Self {
        let n = names.len();
        let (masks, postings) = join(
            || {
                (0..n)
                    .map(|r| with_symbols_of(names.get(r), mask_of))
                    .collect()
            },
            || {
                Postings::build(KEYS, n, |r, keys| {
                    with_symbols_of(names.get(r), |name| keys_of(name, keys))
                })
            },
        );
        Self {
            order,
            masks,
            postings,
        }
    }

    fn len(&self) -> usize {
        self.order.len()
    }

    /// Bytes held on the heap: (rank order and symbol masks, posting lists).
    pub(crate) fn heap_bytes(&self) -> (usize, usize) {
        (
            self.order.capacity() * size_of::<u32>() + self.masks.capacity() * size_of::<u64>(),
            self.postings.heap_bytes(),
        )
    }

    /// Ids of the best `limit` matches for `query`, best first; `names` are the indexed
    /// names in rank order.
    pub(crate) fn search(&self, query: &str, limit: usize, names: &NameArena) -> Vec<u32> {
        let mut bytes = Vec::new();
        fold(query, &mut bytes);
        // Folding keeps UTF-8 valid; split on every kind of space, as names are read.
        let folded = String::from_utf8(bytes).unwrap_or_default();
        let words: Vec<&[u8]> = folded.split_whitespace().map(str::as_bytes).collect();
        if words.is_empty() || limit == 0 {
            return Vec::new();
        }
        let mut names = Names {
            names,
            buf: Vec::new(),
        };
        let query = Query::new(words);
        let first = self.starting_with(&mut names, &query.phrase);
        let mut ranks: Vec<u32> = first.clone().take(limit).collect();
        if ranks.len() < limit {
            let lists = self.word_start_lists(&query.words);
            let need = limit - ranks.len();
            let tier = EVERY_WORD_STARTS_A_WORD;
            ranks.extend(self.collect(&mut names, &lists, &query, &first, tier, need));
        }
        if ranks.len() < limit {
            let lists = self.bigram_lists(&query.words);
            let need = limit - ranks.len();
            ranks.extend(self.collect(&mut names, &lists, &query, &first, CONTAINS, need));
        }
        ranks
            .into_iter()
            .filter_map(|r| self.order.get(r as usize).copied())
            .collect()
    }

    /// The ranks of names starting with `phrase`: one run, since ranks follow name order.
    fn starting_with(&self, names: &mut Names<'_>, phrase: &[u8]) -> Range<u32> {
        let lo = self.partition_point(0, |r| names.folded(r) < phrase);
        let hi = self.partition_point(lo, |r| names.folded(r).starts_with(phrase));
        lo as u32..hi as u32
    }

    /// The first rank from `from` where `before` stops holding (it must hold on a prefix).
    fn partition_point(&self, from: usize, mut before: impl FnMut(usize) -> bool) -> usize {
        let (mut lo, mut hi) = (from, self.len());
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            if before(mid) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        lo
    }

    /// Per word, the ranks with a word starting with its first one or two symbols.
    fn word_start_lists(&self, words: &[&[u8]]) -> Vec<List<'_>> {
        let mut keys: Vec<usize> = words
            .iter()
            .map(|w| match *w {
                [a] => WORD_FIRST + symbol(*a),
                [a, b, ..] => WORD_FIRST_TWO + pair(*a, *b),
                [] => WORD_FIRST + SPACE,
            })
            .collect();
        self.lists(&mut keys)
    }

    /// The ranks holding every bigram of every word; one-letter words add none (the symbol
    /// mask covers them).
    fn bigram_lists(&self, words: &[&[u8]]) -> Vec<List<'_>> {
        let mut keys: Vec<usize> = words
            .iter()
            .flat_map(|w| w.windows(2).map(|p| BIGRAMS + pair(p[0], p[1])))
            .collect();
        self.lists(&mut keys)
    }

    /// Posting lists of distinct keys, shortest first.
    fn lists(&self, keys: &mut Vec<usize>) -> Vec<List<'_>> {
        keys.sort_unstable();
        keys.dedup();
        let mut lists: Vec<List<'_>> = keys.iter().map(|&k| self.postings.get(k)).collect();
        lists.sort_by_key(|l| l.len());
        lists
    }

    /// The lowest `need` ranks outside `skip` that are in every list (every rank if none)
    /// and match `query` in exactly `tier`.
    fn collect(
        &self,
        names: &mut Names<'_>,
        lists: &[List<'_>],
        query: &Query,
        skip: &Range<u32>,
        tier: u8,
        need: usize,
    ) -> Vec<u32> {
        let mut found = Vec::new();
        let mut take = |rank: u32| -> bool {
            let r = rank as usize;
            let matches = !skip.contains(&rank)
                && self
                    .masks
                    .get(r)
                    .is_some_and(|m| m & query.mask == query.mask)
                && query.tier(names.folded(r)) == Some(tier);
            if matches {
                found.push(rank);
            }
            found.len() >= need
        };
        match lists.split_first() {
            None => {
                for rank in 0..self.len() as u32 {
                    if take(rank) {
                        break;
                    }
                }
            }
            Some((shortest, others)) => {
                let mut cursors: Vec<_> = others.iter().map(List::cursor).collect();
                let mut walk = shortest.cursor();
                'candidates: while let Some(rank) = walk.current() {
                    walk.advance();
                    for cursor in cursors.iter_mut() {
                        match cursor.seek(rank) {
                            Some(r) if r == rank => {}
                            Some(_) => continue 'candidates,
                            // One list is done: no later rank is in all of them.
                            None => break 'candidates,
                        }
                    }
                    if take(rank) {
                        break;
                    }
                }
            }
        }
        found
    }
}

/// Bytes of a name's start that ride along in the sort keys.
const PREFIX_WORDS: usize = 4;
type Prefix = [u64; PREFIX_WORDS];

/// Names of a run of items, folded back to back, with their sort keys. Each load thread
/// builds one over its share of the rows, so folding and most of the sorting run in
/// parallel; [`SearchIndex::from_chunks`] merges them.
#[derive(Debug, Default)]
pub(crate) struct NameChunk {
    text: Vec<u8>,
    /// Name `i` is `text[starts[i]..starts[i + 1]]`.
    starts: Vec<usize>,
    /// (prefix, id within the chunk), sorted once [`NameChunk::sort`] ran.
    keys: Vec<(Prefix, u32)>,
}

impl NameChunk {
    pub(crate) fn with_capacity(names: usize) -> Self {
        let mut starts = Vec::with_capacity(names + 1);
        starts.push(0);
        Self {
            text: Vec::with_capacity(names.saturating_mul(32)),
            starts,
            keys: Vec::new(),
        }
    }

    pub(crate) fn push(&mut self, name: &str) {
        fold(name, &mut self.text);
        self.starts.push(self.text.len());
    }

    fn len(&self) -> usize {
        self.starts.len().saturating_sub(1)
    }

    fn name(&self, id: usize) -> &[u8] {
        match (self.starts.get(id), self.starts.get(id + 1)) {
            (Some(&a), Some(&b)) => self.text.get(a..b).unwrap_or(&[]),
            _ => &[],
        }
    }

    /// Sorts the names by folded name, then id.
    ///
    /// Sorting a million names with a comparator that chases pointers is slow, so each
    /// name's first 32 bytes ride along as big-endian words (zero-padded: names hold no NUL)
    /// and only runs that tie on all 32 bytes compare the rest of their text.
    pub(crate) fn sort(&mut self) {
        let mut keys: Vec<(Prefix, u32)> = (0..self.len())
            .map(|id| {
                let mut prefix = [0u64; PREFIX_WORDS];
                for (word, chunk) in prefix.iter_mut().zip(self.name(id).chunks(8)) {
                    let mut bytes = [0u8; 8];
                    bytes[..chunk.len()].copy_from_slice(chunk);
                    *word = u64::from_be_bytes(bytes);
                }
                (prefix, id as u32)
            })
            .collect();
        keys.sort_unstable();
        let mut run = 0;
        while run < keys.len() {
            let prefix = keys[run].0;
            // Runs are short: a scan beats a binary search over the whole rest.
            let end = keys[run..]
                .iter()
                .position(|k| k.0 != prefix)
                .map_or(keys.len(), |len| run + len);
            // A full last word means the names go on past the prefix.
            if end - run > 1 && prefix[PREFIX_WORDS - 1] & 0xFF != 0 {
                keys[run..end].sort_unstable_by(|a, b| {
                    self.rest(a.1).cmp(self.rest(b.1)).then(a.1.cmp(&b.1))
                });
            }
            run = end;
        }
        self.keys = keys;
    }

    /// Name `id` past the bytes in its sort key.
    fn rest(&self, id: u32) -> &[u8] {
        self.name(id as usize)
            .get(8 * PREFIX_WORDS..)
            .unwrap_or(&[])
    }
}

/// The name of item `id`, counting ids on across `chunks` (`bases` = each chunk's first id).
fn name_of<'c>(chunks: &'c [NameChunk], bases: &[usize], id: usize) -> &'c [u8] {
    let c = bases.partition_point(|&b| b <= id).saturating_sub(1);
    match (chunks.get(c), bases.get(c)) {
        (Some(chunk), Some(&base)) => chunk.name(id - base),
        _ => &[],
    }
}

/// A chunk's key with the item's id counted on from `base`.
fn global((prefix, id): (Prefix, u32), base: usize) -> (Prefix, u32) {
    (prefix, id + base as u32)
}

/// Sorted chunks seen as one list; ids of a later chunk are all higher, so each chunk's
/// order by its own ids is the order by global ids.
struct Merged<'c> {
    chunks: &'c [NameChunk],
    /// Each chunk's first global id.
    bases: Vec<usize>,
}

impl<'c> Merged<'c> {
    fn new(chunks: &'c [NameChunk]) -> Self {
        let mut bases = Vec::with_capacity(chunks.len());
        let mut base = 0;
        for chunk in chunks {
            bases.push(base);
            base += chunk.len();
        }
        Self { chunks, bases }
    }

    fn name(&self, id: u32) -> &'c [u8] {
        name_of(self.chunks, &self.bases, id as usize)
    }

    /// Name order, then id.
    fn before(&self, a: &(Prefix, u32), b: &(Prefix, u32)) -> bool {
        let rest = |id: u32| self.name(id).get(8 * PREFIX_WORDS..).unwrap_or(&[]);
        a.0.cmp(&b.0)
            .then_with(|| rest(a.1).cmp(rest(b.1)))
            .then(a.1.cmp(&b.1))
            .is_lt()
    }

    /// The names below each chunk's cut (`low`) or from it on, merged into rank order.
    fn ranked(&self, cuts: &[usize], low: bool) -> Vec<u32> {
        let mut keys: Vec<(Prefix, u32)> = Vec::new();
        for ((chunk, &base), &cut) in self.chunks.iter().zip(&self.bases).zip(cuts) {
            let part = if low {
                chunk.keys.get(..cut)
            } else {
                chunk.keys.get(cut..)
            };
            let part = part.unwrap_or(&[]);
            let next = part.iter().map(|&k| global(k, base));
            keys = merge(keys, next, part.len(), |a, b| self.before(a, b));
        }
        keys.into_iter().map(|(_, id)| id).collect()
    }
}

/// Merges two lists ascending by `before`.
fn merge<T>(
    a: Vec<T>,
    b: impl Iterator<Item = T>,
    b_len: usize,
    before: impl Fn(&T, &T) -> bool,
) -> Vec<T> {
    if a.is_empty() {
        return b.collect();
    }
    let mut out = Vec::with_capacity(a.len() + b_len);
    let mut a = a.into_iter().peekable();
    for kb in b {
        while let Some(ka) = a.next_if(|ka| before(ka, &kb)) {
            out.push(ka);
        }
        out.push(kb);
    }
    out.extend(a);
    out
}

struct Query<'a> {
    /// The words joined by single spaces.
    phrase: Vec<u8>,
    words: Vec<&'a [u8]>,
    /// Symbols every match must hold.
    mask: u64,
}

impl<'a> Query<'a> {
    fn new(words: Vec<&'a [u8]>) -> Self {
        let phrase = words.join(&b' ');
        let mask = words.iter().fold(0, |m, w| m | mask_of(w));
        Self {
            phrase,
            words,
            mask,
        }
    }

    /// The relevance tier of a folded name, or `None` if it does not match.
    fn tier(&self, name: &[u8]) -> Option<u8> {
        if name.starts_with(&self.phrase) {
            return Some(STARTS_WITH_QUERY);
        }
        let mut all_at_word_start = true;
        for w in &self.words {
            match starts_a_word(name, w) {
                Some(true) => {}
                Some(false) => all_at_word_start = false,
                None => return None,
            }
        }
        Some(if all_at_word_start {
            EVERY_WORD_STARTS_A_WORD
        } else {
            CONTAINS
        })
    }
}

/// `None` if `word` is not in `name`; `Some(true)` if one occurrence starts a word (is at
/// the start or follows a byte that is not an ASCII letter or digit).
///
/// A plain byte loop: names are short, and setting up a `str::find` searcher per name
/// costs more than the scan itself.
fn starts_a_word(h: &[u8], n: &[u8]) -> Option<bool> {
    let (&first, rest) = n.split_first()?;
    let mut found = false;
    for at in 0..(h.len() + 1).saturating_sub(n.len()) {
        if h[at] == first && h[at + 1..].starts_with(rest) {
            found = true;
            if at == 0 || !h[at - 1].is_ascii_alphanumeric() {
                return Some(true);
            }
        }
    }
    found.then_some(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An index and the names it was built over, in rank order.
    struct Indexed {
        idx: SearchIndex,
        arena: NameArena,
    }

    /// Lays `names` out in the rank order `order` and indexes them.
    fn indexed(names: &[&str], order: Vec<u32>) -> Indexed {
        let mut arena = NameArena::with_capacity(order.len(), 0);
        for &id in &order {
            arena.push(names[id as usize]).unwrap();
        }
        Indexed {
            idx: SearchIndex::new(order, &arena),
            arena,
        }
    }

    fn index(names: &[&str]) -> Indexed {
        indexed(names, rank(names.iter().copied(), names.len()))
    }

    /// Searches `ix`, built over `_names`.
    fn find(ix: &Indexed, _names: &[&str], query: &str, limit: usize) -> Vec<u32> {
        ix.idx.search(query, limit, &ix.arena)
    }

    fn names<'a>(names: &[&'a str], ids: Vec<u32>) -> Vec<&'a str> {
        ids.into_iter().map(|i| names[i as usize]).collect()
    }

    const MENU: &[&str] = &[
        "Butter croissant",
        "Almond croissant",
        "Croissant ham & cheese",
        "Bottled water 500ml",
        "Sparkling water 1L",
        "Flat white 12oz",
        "Microissant (mini)",
    ];

    #[test]
    fn names_starting_with_the_query_come_first_then_word_starts_then_the_rest() {
        let idx = index(MENU);
        assert_eq!(
            names(MENU, find(&idx, MENU, "cro", 10)),
            [
                "Croissant ham & cheese",
                "Almond croissant",
                "Butter croissant",
                "Microissant (mini)"
            ]
        );
    }

    #[test]
    fn search_is_case_insensitive_and_every_word_must_match() {
        let idx = index(MENU);
        assert_eq!(
            names(MENU, find(&idx, MENU, "WATER 5", 10)),
            ["Bottled water 500ml"]
        );
        assert_eq!(
            names(MENU, find(&idx, MENU, "water", 10)),
            ["Bottled water 500ml", "Sparkling water 1L"]
        );
    }

    #[test]
    fn short_queries_find_prefixes_and_substrings() {
        let idx = index(MENU);
        assert_eq!(names(MENU, find(&idx, MENU, "f", 1)), ["Flat white 12oz"]);
        assert_eq!(
            names(MENU, find(&idx, MENU, "1l", 5)),
            ["Sparkling water 1L"]
        );
        assert_eq!(names(MENU, find(&idx, MENU, "oz", 5)), ["Flat white 12oz"]);
    }

    #[test]
    fn limit_caps_the_results_and_empty_queries_find_nothing() {
        let idx = index(MENU);
        assert_eq!(find(&idx, MENU, "cro", 2).len(), 2);
        assert!(find(&idx, MENU, "   ", 10).is_empty());
        assert!(find(&idx, MENU, "xyz", 10).is_empty());
    }

    #[test]
    fn non_ascii_names_match_case_insensitively() {
        let list = ["Crème brûlée", "Café au lait", "Thé vert"];
        let idx = index(&list);
        assert_eq!(names(&list, find(&idx, &list, "CAFÉ", 5)), ["Café au lait"]);
        assert_eq!(names(&list, find(&idx, &list, "brû", 5)), ["Crème brûlée"]);
        assert_eq!(names(&list, find(&idx, &list, "é", 5)).len(), 3);
    }

    #[test]
    fn ties_are_broken_by_the_whole_name_even_past_the_sorted_prefix() {
        let list = [
            "Northside strawberry granola bar 6-pack",
            "Northside strawberry granola bar 2-pack",
            "Northside strawberry granola bar",
            "Northside strawberry granola bar 2-pack",
        ];
        let idx = index(&list);
        assert_eq!(find(&idx, &list, "north", 10), [2, 1, 3, 0]);
        assert_eq!(find(&idx, &list, "pack", 10), [1, 3, 0]);
    }

    /// The specification, written the slow and obvious way.
    fn reference(names: &[String], query: &str, limit: usize) -> Vec<u32> {
        let q = query.to_lowercase();
        let words: Vec<String> = q
            .split(|c: char| c.is_whitespace() || c.is_control())
            .filter(|w| !w.is_empty())
            .map(String::from)
            .collect();
        if words.is_empty() {
            return Vec::new();
        }
        let phrase = words.join(" ");
        let mut hits: Vec<(u8, String, u32)> = Vec::new();
        for (id, name) in names.iter().enumerate() {
            let name: String = name
                .to_lowercase()
                .chars()
                .map(|c| if c.is_control() { ' ' } else { c })
                .collect();
            // Every occurrence counts, overlapping ones too ("&&" in "b&&&").
            let at_word_start = |w: &str| {
                name.char_indices().any(|(at, _)| {
                    name[at..].starts_with(w)
                        && name[..at]
                            .chars()
                            .next_back()
                            .is_none_or(|c| !c.is_ascii_alphanumeric())
                })
            };
            let tier = if name.starts_with(&phrase) {
                0
            } else if !words.iter().all(|w| name.contains(w.as_str())) {
                continue;
            } else if words.iter().all(|w| at_word_start(w)) {
                1
            } else {
                2
            };
            hits.push((tier, name, id as u32));
        }
        hits.sort();
        hits.into_iter().take(limit).map(|(_, _, id)| id).collect()
    }

    proptest::proptest! {
        #[test]
        fn search_agrees_with_the_obvious_scan(
            // An optional long shared start exercises ties past the 32 sorted bytes.
            names in proptest::collection::vec("(a{30,34} ?)?[abcAB1 &é-]{0,9}", 0..40),
            query in "[abcB1 &é-]{0,5}",
            limit in 0usize..12,
        ) {
            let names: Vec<&str> = names.iter().map(String::as_str).collect();
            let ix = index(&names);
            let found = find(&ix, &names, &query, limit);
            let names: Vec<String> = names.iter().map(|n| n.to_string()).collect();
            proptest::prop_assert_eq!(found, reference(&names, &query, limit));
        }

        #[test]
        fn names_indexed_in_two_chunks_search_like_one_list(
            names in proptest::collection::vec("(a{30,34} ?)?[abcAB1 &é-]{0,9}", 0..40),
            split in 0usize..40,
            query in "[abcB1 &é-]{0,5}",
            limit in 0usize..12,
        ) {
            let split = split.min(names.len());
            let chunks = names.split_at(split);
            let chunks = [chunks.0, chunks.1].map(|part| {
                let mut chunk = NameChunk::with_capacity(part.len());
                part.iter().for_each(|n| chunk.push(n));
                chunk.sort();
                chunk
            });
            let strs: Vec<&str> = names.iter().map(String::as_str).collect();
            let ix = indexed(&strs, rank_chunks(chunks.into()));
            let found = find(&ix, &strs, &query, limit);
            proptest::prop_assert_eq!(found, reference(&names, &query, limit));
        }
    }
}
