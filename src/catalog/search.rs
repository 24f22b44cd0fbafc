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
use super::wire::{Reader, Writer};
use std::io::{self, Read, Write};
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
    // ASCII without control characters (0x00-0x1F, 0x7F), in one pass.
    text.bytes().all(|b| (0x20..0x7F).contains(&b))
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
/// Answers the name's symbol mask ([`mask_of`]), read on the same pass.
fn keys_of(name: &[u8], keys: &mut Vec<usize>) -> u64 {
    keys.clear();
    let mut mask = 0u64;
    let mut word_start = true;
    for (i, &b) in name.iter().enumerate() {
        let s = symbol(b);
        mask |= 1 << s;
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
    mask
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

/// The rank order of the `n` names `name_of(0..n)`: `order[rank]` is an item id. Ids must
/// be fewer than `u32::MAX` (the catalogue refuses more).
pub(crate) fn rank<'n>(n: usize, name_of: impl Fn(u32) -> &'n str + Sync) -> Vec<u32> {
    let chunk = NameChunk::of((0..n).map(|id| name_of(id as u32)));
    rank_chunks(vec![chunk], name_of)
}

impl SearchIndex {
    /// Indexes `names`, given in rank order; `order[rank]` is the item id of each.
    pub(crate) fn new(order: Vec<u32>, names: &NameArena) -> Self {
        // The masks come from the pass that counts the posting keys.
        let (postings, masks) = Postings::build(KEYS, names.len(), |r, keys| {
            with_symbols_of(names.get(r), |name| keys_of(name, keys))
        });
        Self {
            order,
            masks,
            postings,
        }
    }

    /// Writes the index for a snapshot (see `catalog::snapshot`).
    pub(crate) fn encode<W: Write>(&self, w: &mut Writer<W>) -> io::Result<()> {
        w.u32s(&self.order)?;
        w.u64s(&self.masks)?;
        self.postings.encode(w)
    }

    /// Reads what [`SearchIndex::encode`] wrote, for `n` names; `None` unless the parts
    /// agree in size. (Whether `order` matches the items is the catalogue's check.)
    pub(crate) fn decode<R: Read>(r: &mut Reader<R>, n: usize) -> Option<Self> {
        let order = r.u32s()?;
        let masks = r.u64s()?;
        let postings = Postings::decode(r, KEYS, n)?;
        (order.len() == n && masks.len() == n).then_some(Self {
            order,
            masks,
            postings,
        })
    }

    /// Rank -> item id.
    pub(crate) fn order(&self) -> &[u32] {
        &self.order
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
const PREFIX_BYTES: usize = 48;
const PREFIX_WORDS: usize = PREFIX_BYTES / 8;
type Prefix = [u64; PREFIX_WORDS];

/// A name's sort key: the first 48 bytes of its folded form as big-endian words
/// (zero-padded: names hold no NUL), then its item id.
type Key = (Prefix, u32);

/// The sort keys of a run of names, in item order. Each load thread builds one over its
/// share of the rows; [`rank_chunks`] sorts them all.
#[derive(Debug, Default)]
pub(crate) struct NameChunk {
    keys: Vec<Key>,
}

impl NameChunk {
    /// The keys of `names`, ids counted from 0.
    pub(crate) fn of<'a>(names: impl Iterator<Item = &'a str>) -> Self {
        let mut chunk = Self::with_capacity(names.size_hint().0);
        for name in names {
            chunk.push(name);
        }
        chunk
    }

    pub(crate) fn with_capacity(names: usize) -> Self {
        Self {
            keys: Vec::with_capacity(names),
        }
    }

    /// Adds the key of the next name (ids count up from 0).
    pub(crate) fn push(&mut self, name: &str) {
        let mut folded = Vec::new();
        let head = if folds_by_ascii(name) {
            name.as_bytes()
        } else {
            fold(name, &mut folded);
            &folded
        };
        let mut prefix = [0u64; PREFIX_WORDS];
        for (word, chunk) in prefix.iter_mut().zip(head.chunks(8)) {
            let mut bytes = [0u8; 8];
            for (to, &b) in bytes.iter_mut().zip(chunk) {
                *to = b.to_ascii_lowercase();
            }
            *word = u64::from_be_bytes(bytes);
        }
        self.keys.push((prefix, self.keys.len() as u32));
    }
}

/// Whether a key's folded name goes on past its prefix (its last prefix byte is not padding).
fn goes_on(prefix: &Prefix) -> bool {
    prefix[PREFIX_WORDS - 1] & 0xFF != 0
}

/// Appends folded `name` from byte 48 on to `out`.
fn push_folded_rest(name: &str, out: &mut Vec<u8>) {
    if folds_by_ascii(name) {
        let rest = name.as_bytes().get(PREFIX_BYTES..).unwrap_or(&[]);
        out.extend(rest.iter().map(u8::to_ascii_lowercase));
    } else {
        let mut folded = Vec::with_capacity(name.len() + 8);
        fold(name, &mut folded);
        out.extend_from_slice(folded.get(PREFIX_BYTES..).unwrap_or(&[]));
    }
}

/// Folded names `a` and `b` compared from byte 48 on.
fn cmp_rest(a: &str, b: &str) -> std::cmp::Ordering {
    let (mut ra, mut rb) = (Vec::new(), Vec::new());
    push_folded_rest(a, &mut ra);
    push_folded_rest(b, &mut rb);
    ra.cmp(&rb)
}

/// Sorts keys by folded name, then id; `name_of(id)` is the name of item `id`.
///
/// Sorting a million names with a comparator that chases pointers is slow, so the keys
/// sort by their prefix alone; only runs that tie on all 48 bytes fold the rest of their
/// names, once each, and sort again by that.
fn sort_keys<'n>(keys: &mut [Key], name_of: &impl Fn(u32) -> &'n str) {
    keys.sort_unstable();
    let mut rests = Vec::new();
    // (start, end) in `rests`, then id.
    let mut spans: Vec<(usize, usize, u32)> = Vec::new();
    let mut run = 0;
    while run < keys.len() {
        let prefix = keys[run].0;
        // Runs are short: a scan beats a binary search over the whole rest.
        let end = keys[run..]
            .iter()
            .position(|k| k.0 != prefix)
            .map_or(keys.len(), |len| run + len);
        if end - run > 1 && goes_on(&prefix) {
            rests.clear();
            spans.clear();
            for k in &keys[run..end] {
                let start = rests.len();
                push_folded_rest(name_of(k.1), &mut rests);
                spans.push((start, rests.len(), k.1));
            }
            let text = |(a, b, _): &(usize, usize, u32)| rests.get(*a..*b).unwrap_or(&[]);
            spans.sort_unstable_by(|x, y| text(x).cmp(text(y)).then(x.2.cmp(&y.2)));
            // The whole run shares its prefix: only the ids move.
            for (key, span) in keys[run..end].iter_mut().zip(&spans) {
                key.1 = span.2;
            }
        }
        run = end;
    }
}

/// Whether key `a` sorts before key `b` (folded name, then id).
fn before<'n>(a: &Key, b: &Key, name_of: &impl Fn(u32) -> &'n str) -> bool {
    a.0.cmp(&b.0)
        .then_with(|| {
            if goes_on(&a.0) {
                cmp_rest(name_of(a.1), name_of(b.1))
            } else {
                std::cmp::Ordering::Equal
            }
        })
        .then(a.1.cmp(&b.1))
        .is_lt()
}

/// The rank order of names keyed in chunks (see [`NameChunk`]); ids run on from one chunk
/// to the next, and `name_of(id)` is the name of item `id`.
///
/// Two runs of keys (the two chunks of a split load, or the halves of one) are sorted on
/// a thread each; then one thread merges the lower half of the ranks and another the upper
/// half, from a split point found by binary search. Only ids are written out.
pub(crate) fn rank_chunks<'n>(
    chunks: Vec<NameChunk>,
    name_of: impl Fn(u32) -> &'n str + Sync,
) -> Vec<u32> {
    let mut base = 0u32;
    let mut parts: Vec<Vec<Key>> = Vec::with_capacity(chunks.len());
    for chunk in chunks {
        let mut part = chunk.keys;
        if base > 0 {
            part.iter_mut().for_each(|k| k.1 += base);
        }
        base += part.len() as u32;
        parts.push(part);
    }
    if parts.len() > 2 {
        parts = vec![parts.concat()];
    }
    let (a, b): (&mut [Key], &mut [Key]) = match parts.as_mut_slice() {
        [a, b] => (a, b),
        [one] => {
            let half = one.len() / 2;
            one.split_at_mut(half)
        }
        _ => (&mut [], &mut []),
    };
    join(|| sort_keys(b, &name_of), || sort_keys(a, &name_of));
    let (a, b) = (&*a, &*b);
    let n = a.len() + b.len();
    let lower = n / 2;
    let (i, j) = merge_split(a, b, lower, &name_of);
    let mut order = vec![0u32; n];
    let (low, high) = order.split_at_mut(lower);
    join(
        || merge_ids(&a[i..], &b[j..], high, &name_of),
        || merge_ids(&a[..i], &b[..j], low, &name_of),
    );
    order
}

/// How many of the first `k` keys of the merge of sorted `a` and `b` come from each.
fn merge_split<'n>(
    a: &[Key],
    b: &[Key],
    k: usize,
    name_of: &impl Fn(u32) -> &'n str,
) -> (usize, usize) {
    // The smallest `i` whose key in `a` follows the key of `b` it would be merged after.
    let (mut lo, mut hi) = (k.saturating_sub(b.len()), k.min(a.len()));
    while lo < hi {
        let i = lo + (hi - lo) / 2;
        if before(&a[i], &b[k - i - 1], name_of) {
            lo = i + 1;
        } else {
            hi = i;
        }
    }
    (lo, k - lo)
}

/// Writes the ids of the merge of sorted `a` and `b` into `out` (as long as both).
fn merge_ids<'n>(a: &[Key], b: &[Key], out: &mut [u32], name_of: &impl Fn(u32) -> &'n str) {
    let (mut a, mut b) = (a.iter().peekable(), b.iter().peekable());
    for slot in out {
        let next = match (a.peek(), b.peek()) {
            (Some(x), Some(y)) if before(y, x, name_of) => b.next(),
            (Some(_), _) => a.next(),
            (None, _) => b.next(),
        };
        if let Some(key) = next {
            *slot = key.1;
        }
    }
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
        indexed(names, rank(names.len(), |id| names[id as usize]))
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
            "Northside strawberry granola bar with almonds 6-pack",
            "Northside strawberry granola bar with almonds 2-pack",
            "Northside strawberry granola bar with almonds",
            "Northside strawberry granola bar with almonds 2-pack",
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
            names in proptest::collection::vec("(a{46,50} ?)?[abcAB1 &é-]{0,9}", 0..40),
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
            names in proptest::collection::vec("(a{46,50} ?)?[abcAB1 &é-]{0,9}", 0..40),
            split in 0usize..40,
            query in "[abcB1 &é-]{0,5}",
            limit in 0usize..12,
        ) {
            let split = split.min(names.len());
            let chunks = names.split_at(split);
            let chunks = [chunks.0, chunks.1].map(|part| NameChunk::of(part.iter().map(String::as_str)));
            let strs: Vec<&str> = names.iter().map(String::as_str).collect();
            let ix = indexed(&strs, rank_chunks(chunks.into(), |id| strs[id as usize]));
            let found = find(&ix, &strs, &query, limit);
            proptest::prop_assert_eq!(found, reference(&names, &query, limit));
        }
    }
}
