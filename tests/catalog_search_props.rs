//! The packed catalogue against plain scans of the items it was built from: every item
//! comes back by index and by barcode, a name search returns what an obvious scan of all
//! names returns (same items, same order), and both CSV loaders build the same catalogue.

use proptest::prelude::*;
use qrtill::catalog::load::catalog_from_csv_bytes;
use qrtill::catalog::{Catalog, Item, gtin};
use qrtill::money::{Currency, Money};
use std::collections::BTreeSet;
use std::path::Path;

/// Names with capitals, non-ASCII letters whose lower case is longer (İ) or ASCII (the
/// Kelvin sign), and an optional long shared start so ties reach past the sorted prefix.
const NAME: &str =
    "(Northside strawberry granola bar with almonds and ?)?[abcAB1 &é\u{130}\u{212A}-]{0,9}";
const QUERY: &str = "[abcB1 &éi\u{130}k-]{0,5}";

fn items(names: &[String]) -> Vec<Item> {
    names
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let body = format!("2{:011}", i * 7 + 13);
            let barcode = format!("{body}{}", gtin::check_digit(body.as_bytes()));
            Item {
                gtin: gtin::normalise(&barcode).unwrap_or_default(),
                barcode,
                name: name.clone(),
                price: Money::from_minor(100 + i as i64, Currency::USD).unwrap(),
                tax_category: ["food", "general"][i % 2].to_string(),
            }
        })
        .collect()
}

/// The search specification, the slow and obvious way: lower-case everything (control
/// characters count as spaces), keep names holding every query word, rank names starting
/// with the query first, then names where every word starts a word, then the rest; ties by
/// lower-cased name, then position.
fn reference(names: &[String], query: &str, limit: usize) -> Vec<usize> {
    let q = query.to_lowercase();
    let words: Vec<&str> = q
        .split(|c: char| c.is_whitespace() || c.is_control())
        .filter(|w| !w.is_empty())
        .collect();
    if words.is_empty() {
        return Vec::new();
    }
    let phrase = words.join(" ");
    let mut hits: Vec<(u8, String, usize)> = Vec::new();
    for (id, name) in names.iter().enumerate() {
        let name: String = name
            .to_lowercase()
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
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
        } else if !words.iter().all(|w| name.contains(w)) {
            continue;
        } else if words.iter().all(|w| at_word_start(w)) {
            1
        } else {
            2
        };
        hits.push((tier, name, id));
    }
    hits.sort();
    hits.into_iter().take(limit).map(|(_, _, id)| id).collect()
}

fn codes() -> BTreeSet<String> {
    ["food", "general"].map(String::from).into_iter().collect()
}

fn csv(items: &[Item], blank_line: bool) -> Catalog {
    let mut text = String::from("barcode,name,price,tax\n");
    if blank_line {
        // The `csv` crate skips it; the fast path leaves such a file to the careful one.
        text.push('\n');
    }
    for item in items {
        text.push_str(&format!(
            "{},{},{},{}\n",
            item.barcode,
            item.name,
            item.price.plain(),
            item.tax_category
        ));
    }
    match catalog_from_csv_bytes(text.as_bytes(), Path::new("p.csv"), &codes(), Currency::USD) {
        Ok(c) => c,
        Err(e) => panic!("{e}\n{text}"),
    }
}

proptest! {
    #[test]
    fn search_lookup_and_order_agree_with_plain_scans(
        names in proptest::collection::vec(NAME, 1..60),
        queries in proptest::collection::vec(QUERY, 1..6),
        limit in 0usize..12,
    ) {
        let items = items(&names);
        let catalog = Catalog::from_items(items.clone()).unwrap();
        prop_assert_eq!(catalog.len(), items.len());
        for (i, item) in items.iter().enumerate() {
            let at = catalog.get(i).map(|v| v.to_item());
            prop_assert_eq!(at.as_ref(), Some(item));
            let found = catalog.lookup(&item.barcode).map(|v| v.to_item());
            prop_assert_eq!(found.as_ref(), Ok(item));
        }
        for query in &queries {
            let found: Vec<String> = catalog
                .search(query, limit)
                .iter()
                .map(|i| i.barcode.to_string())
                .collect();
            let expected: Vec<String> = reference(&names, query, limit)
                .into_iter()
                .map(|i| items[i].barcode.clone())
                .collect();
            prop_assert_eq!(found, expected, "query {:?}", query);
        }
    }

    #[test]
    fn the_fast_and_the_careful_csv_loader_build_the_same_catalogue(
        names in proptest::collection::vec(NAME, 1..60),
        queries in proptest::collection::vec(QUERY, 1..6),
    ) {
        // A CSV field is trimmed and an item needs a name.
        let names: Vec<String> = names
            .iter()
            .map(|n| n.trim().to_string())
            .filter(|n| !n.is_empty())
            .collect();
        prop_assume!(!names.is_empty());
        let items = items(&names);
        let (fast, careful) = (csv(&items, false), csv(&items, true));
        let all = |c: &Catalog| c.iter().map(|i| i.to_item()).collect::<Vec<_>>();
        prop_assert_eq!(all(&fast), items.clone());
        prop_assert_eq!(all(&careful), items);
        for query in &queries {
            let barcodes = |c: &Catalog| {
                c.search(query, 20)
                    .iter()
                    .map(|i| i.barcode.to_string())
                    .collect::<Vec<_>>()
            };
            prop_assert_eq!(barcodes(&fast), barcodes(&careful), "query {:?}", query);
        }
    }
}
