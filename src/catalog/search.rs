//! Name search over large catalogues.
//!
//! Names are lower-cased once into one buffer. A trigram index (posting lists of item ids,
//! built by counting sort) narrows a query with a word of 3+ characters to a few candidates;
//! a bucket index on the first two characters answers short queries by name prefix. Every
//! candidate is verified against the real text, so the index may over-approximate (letters
//! outside a-z/0-9 share one symbol) but never misses.

use std::cmp::Ordering;

/// Symbols: a-z, 0-9, space, everything else.
const ALPHABET: usize = 38;
const TRIGRAMS: usize = ALPHABET * ALPHABET * ALPHABET;
/// Two-character prefixes, then one-character names, then empty names.
const PREFIXES: usize = ALPHABET * ALPHABET + ALPHABET + 1;

const SYMBOLS: [u8; 256] = {
    let mut table = [37u8; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        table[b] = match c {
            b'a'..=b'z' => c - b'a',
            b'0'..=b'9' => 26 + (c - b'0'),
            b' ' => 36,
            _ => 37,
        };
        b += 1;
    }
    table
};

fn symbol(b: u8) -> usize {
    usize::from(SYMBOLS[usize::from(b)])
}

fn trigram(w: &[u8]) -> usize {
    (symbol(w[0]) * ALPHABET + symbol(w[1])) * ALPHABET + symbol(w[2])
}

/// Pushes the trigram keys of `name` into `keys` (rolling, one table lookup per byte).
fn trigrams_of(name: &[u8], keys: &mut Vec<usize>) {
    keys.clear();
    let mut key = 0;
    for (i, &b) in name.iter().enumerate() {
        key = (key * ALPHABET + symbol(b)) % TRIGRAMS;
        if i >= 2 {
            keys.push(key);
        }
    }
}

fn prefix_bucket(name: &[u8]) -> usize {
    match name {
        [] => PREFIXES - 1,
        [a] => ALPHABET * ALPHABET + symbol(*a),
        [a, b, ..] => symbol(*a) * ALPHABET + symbol(*b),
    }
}

/// Lower-cases for matching: ASCII fast path, Unicode otherwise; control characters
/// become spaces so they cannot glue words together.
fn fold(text: &str, out: &mut String) {
    if text.is_ascii() && !text.bytes().any(|b| b.is_ascii_control()) {
        let start = out.len();
        out.push_str(text);
        out[start..].make_ascii_lowercase();
    } else {
        out.extend(
            text.chars()
                .flat_map(char::to_lowercase)
                .map(|c| if c.is_control() { ' ' } else { c }),
        );
    }
}

/// Relevance tiers, best first.
const STARTS_WITH_QUERY: u8 = 0;
const EVERY_WORD_STARTS_A_WORD: u8 = 1;
const CONTAINS: u8 = 2;

/// Posting lists in one flat vector: ids for key `k` are `ids[offsets[k]..offsets[k + 1]]`.
#[derive(Debug, Default)]
struct Postings {
    offsets: Vec<u32>,
    ids: Vec<u32>,
}

impl Postings {
    fn get(&self, key: usize) -> &[u32] {
        let (Some(&a), Some(&b)) = (self.offsets.get(key), self.offsets.get(key + 1)) else {
            return &[];
        };
        self.ids.get(a as usize..b as usize).unwrap_or(&[])
    }

    /// Counting sort of (key, id) pairs produced twice by `keys_of` (once to count, once
    /// to fill), so no intermediate pair list is ever allocated.
    fn build<F: Fn(usize, &mut Vec<usize>)>(buckets: usize, n: usize, keys_of: F) -> Self {
        let mut counts = vec![0u32; buckets + 1];
        // `last[k]` = last id that emitted k, to count each key once per item.
        let mut last = vec![u32::MAX; buckets];
        let mut keys = Vec::new();
        for id in 0..n {
            let id32 = id as u32;
            keys_of(id, &mut keys);
            for &k in &keys {
                if last[k] != id32 {
                    last[k] = id32;
                    counts[k + 1] += 1;
                }
            }
        }
        for k in 0..buckets {
            counts[k + 1] += counts[k];
        }
        let total = counts[buckets] as usize;
        let mut ids = vec![0u32; total];
        let mut next = counts.clone();
        last.fill(u32::MAX);
        for id in 0..n {
            let id32 = id as u32;
            keys_of(id, &mut keys);
            for &k in &keys {
                if last[k] != id32 {
                    last[k] = id32;
                    ids[next[k] as usize] = id32;
                    next[k] += 1;
                }
            }
        }
        Self {
            offsets: counts,
            ids,
        }
    }
}

#[derive(Debug, Default)]
pub(crate) struct SearchIndex {
    /// All names, folded, back to back.
    folded: String,
    /// Name `i` is `folded[starts[i]..starts[i + 1]]`.
    starts: Vec<usize>,
    trigrams: Postings,
    prefixes: Postings,
}

impl SearchIndex {
    pub(crate) fn build<'a>(names: impl Iterator<Item = &'a str>, n: usize) -> Self {
        let mut folded = String::new();
        let mut starts = Vec::with_capacity(n + 1);
        for name in names {
            starts.push(folded.len());
            fold(name, &mut folded);
        }
        starts.push(folded.len());
        let count = starts.len() - 1;
        let mut index = Self {
            folded,
            starts,
            ..Self::default()
        };
        let name_of = |i: usize| index.name(i).as_bytes();
        let trigrams = Postings::build(TRIGRAMS, count, |i, keys| trigrams_of(name_of(i), keys));
        let prefixes = Postings::build(PREFIXES, count, |i, keys| {
            keys.clear();
            keys.push(prefix_bucket(name_of(i)));
        });
        index.trigrams = trigrams;
        index.prefixes = prefixes;
        index
    }

    fn len(&self) -> usize {
        self.starts.len().saturating_sub(1)
    }

    fn name(&self, i: usize) -> &str {
        match (self.starts.get(i), self.starts.get(i + 1)) {
            (Some(&a), Some(&b)) => self.folded.get(a..b).unwrap_or(""),
            _ => "",
        }
    }

    /// Ids of the best `limit` matches for `query`, best first.
    pub(crate) fn search(&self, query: &str, limit: usize) -> Vec<u32> {
        let mut q = String::new();
        fold(query, &mut q);
        let words: Vec<&str> = q.split_whitespace().collect();
        if words.is_empty() || limit == 0 {
            return Vec::new();
        }
        let phrase = words.join(" ");
        let query = Query {
            phrase: &phrase,
            words: &words,
        };
        let mut hits: Vec<(u8, u32)> = Vec::new();
        if let Some(candidates) = self.trigram_candidates(&words) {
            hits.extend(
                candidates
                    .into_iter()
                    .filter_map(|id| query.tier(self.name(id as usize)).map(|t| (t, id))),
            );
        } else {
            // Short words only: names starting with the query rank first, so if there are
            // enough of them the rest of the catalogue cannot make the cut.
            hits.extend(
                self.prefix_candidates(query.phrase)
                    .iter()
                    .filter_map(|&id| {
                        self.name(id as usize)
                            .starts_with(query.phrase)
                            .then_some((STARTS_WITH_QUERY, id))
                    }),
            );
            if hits.len() < limit {
                hits.clear();
                hits.extend(
                    (0..self.len()).filter_map(|i| query.tier(self.name(i)).map(|t| (t, i as u32))),
                );
            }
        }
        self.best(hits, limit)
    }

    /// Intersected posting lists of every trigram of the 3+ character words; `None` when the
    /// query has no such word.
    fn trigram_candidates(&self, words: &[&str]) -> Option<Vec<u32>> {
        let mut lists: Vec<&[u32]> = words
            .iter()
            .filter(|w| w.len() >= 3)
            .flat_map(|w| {
                w.as_bytes()
                    .windows(3)
                    .map(|t| self.trigrams.get(trigram(t)))
            })
            .collect();
        if lists.is_empty() {
            return None;
        }
        lists.sort_by_key(|l| l.len());
        let mut acc: Vec<u32> = lists[0].to_vec();
        for list in &lists[1..] {
            if acc.is_empty() {
                break;
            }
            acc = intersect(&acc, list);
        }
        Some(acc)
    }

    /// Ids whose name's first one or two symbols match the phrase's.
    fn prefix_candidates(&self, phrase: &str) -> Vec<u32> {
        match phrase.as_bytes() {
            [] => Vec::new(),
            [a] => {
                let s = symbol(*a);
                let mut ids: Vec<u32> = (0..ALPHABET)
                    .flat_map(|b| self.prefixes.get(s * ALPHABET + b).iter().copied())
                    .chain(self.prefixes.get(ALPHABET * ALPHABET + s).iter().copied())
                    .collect();
                ids.sort_unstable();
                ids
            }
            [a, b, ..] => self
                .prefixes
                .get(symbol(*a) * ALPHABET + symbol(*b))
                .to_vec(),
        }
    }

    /// Sorts hits by tier then folded name then id, keeping the first `limit`.
    fn best(&self, mut hits: Vec<(u8, u32)>, limit: usize) -> Vec<u32> {
        let cmp = |a: &(u8, u32), b: &(u8, u32)| -> Ordering {
            a.0.cmp(&b.0)
                .then_with(|| self.name(a.1 as usize).cmp(self.name(b.1 as usize)))
                .then_with(|| a.1.cmp(&b.1))
        };
        if hits.len() > limit {
            hits.select_nth_unstable_by(limit, cmp);
            hits.truncate(limit);
        }
        hits.sort_unstable_by(cmp);
        hits.into_iter().map(|(_, id)| id).collect()
    }
}

struct Query<'a> {
    phrase: &'a str,
    words: &'a [&'a str],
}

impl Query<'_> {
    /// The relevance tier of a folded name, or `None` if it does not match.
    fn tier(&self, name: &str) -> Option<u8> {
        if name.starts_with(self.phrase) {
            return Some(STARTS_WITH_QUERY);
        }
        let mut all_at_word_start = true;
        for w in self.words {
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

/// `None` if `word` is not in `name`; `Some(true)` if one occurrence starts a word.
///
/// A plain byte loop: names are short, and setting up a `str::find` searcher per name
/// costs more than the scan itself.
fn starts_a_word(name: &str, word: &str) -> Option<bool> {
    let (h, n) = (name.as_bytes(), word.as_bytes());
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

/// Intersection of two ascending id lists (galloping through the longer one).
fn intersect(small: &[u32], large: &[u32]) -> Vec<u32> {
    let mut out = Vec::with_capacity(small.len().min(large.len()));
    let mut rest = large;
    for &id in small {
        match rest.binary_search(&id) {
            Ok(pos) => {
                out.push(id);
                rest = &rest[pos + 1..];
            }
            Err(pos) => rest = &rest[pos..],
        }
        if rest.is_empty() {
            break;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn index(names: &[&str]) -> SearchIndex {
        SearchIndex::build(names.iter().copied(), names.len())
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
            names(MENU, idx.search("cro", 10)),
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
            names(MENU, idx.search("WATER 5", 10)),
            ["Bottled water 500ml"]
        );
        assert_eq!(
            names(MENU, idx.search("water", 10)),
            ["Bottled water 500ml", "Sparkling water 1L"]
        );
    }

    #[test]
    fn short_queries_find_prefixes_and_substrings() {
        let idx = index(MENU);
        assert_eq!(names(MENU, idx.search("f", 1)), ["Flat white 12oz"]);
        assert_eq!(names(MENU, idx.search("1l", 5)), ["Sparkling water 1L"]);
        assert_eq!(names(MENU, idx.search("oz", 5)), ["Flat white 12oz"]);
    }

    #[test]
    fn limit_caps_the_results_and_empty_queries_find_nothing() {
        let idx = index(MENU);
        assert_eq!(idx.search("cro", 2).len(), 2);
        assert!(idx.search("   ", 10).is_empty());
        assert!(idx.search("xyz", 10).is_empty());
    }

    #[test]
    fn non_ascii_names_match_case_insensitively() {
        let list = ["Crème brûlée", "Café au lait", "Thé vert"];
        let idx = index(&list);
        assert_eq!(names(&list, idx.search("CAFÉ", 5)), ["Café au lait"]);
        assert_eq!(names(&list, idx.search("brû", 5)), ["Crème brûlée"]);
        assert_eq!(names(&list, idx.search("é", 5)).len(), 3);
    }
}
