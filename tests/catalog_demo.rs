//! The embedded demo catalogue: enough items, every barcode valid, the shapes a receipt needs.

use qrtill::catalog::{self, DEMO_CATALOG_TOML};
use qrtill::money::Currency;
use std::collections::BTreeSet;

/// GS1 mod-10, written independently of `catalog::gtin`: pad to 14 digits, weight 3 on
/// even positions (0-based) of the first 13, 1 on odd ones.
fn gs1_valid(code: &str) -> bool {
    if !matches!(code.len(), 8 | 12 | 13 | 14) || !code.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    let padded = format!("{code:0>14}");
    let d: Vec<u32> = padded.bytes().map(|b| u32::from(b - b'0')).collect();
    let sum: u32 = (0..13)
        .map(|i| if i % 2 == 0 { d[i] * 3 } else { d[i] })
        .sum();
    (10 - sum % 10) % 10 == d[13]
}

fn us_codes() -> BTreeSet<String> {
    ["food", "prepared", "general"]
        .map(String::from)
        .into_iter()
        .collect()
}

#[test]
fn the_independent_check_digit_agrees_with_published_codes() {
    assert!(gs1_valid("4006381333931"));
    assert!(gs1_valid("036000291452"));
    assert!(!gs1_valid("4006381333932"));
}

#[test]
fn the_demo_catalogue_loads_with_at_least_40_items_all_with_valid_barcodes() {
    let c = catalog::demo(&us_codes(), Currency::USD).unwrap();
    assert!(c.len() >= 40, "only {} items", c.len());
    for item in c.iter() {
        assert!(gs1_valid(&item.barcode), "{} {}", item.barcode, item.name);
        assert_eq!(c.lookup(&item.barcode).unwrap(), item);
        assert_eq!(item.price.currency(), Currency::USD);
        assert!(
            !item.price.is_negative() && !item.price.is_zero(),
            "{}",
            item.name
        );
    }
}

#[test]
fn the_demo_catalogue_has_upc_a_codes_long_names_and_every_tax_category() {
    let c = catalog::demo(&us_codes(), Currency::USD).unwrap();
    let upc_a: Vec<String> = c
        .iter()
        .filter(|i| i.barcode.len() == 12)
        .map(|i| i.barcode.to_string())
        .collect();
    assert!(upc_a.len() >= 3, "{upc_a:?}");
    // A UPC-A item is found by its EAN-13 form too.
    assert!(c.lookup(&format!("0{}", upc_a[0])).is_ok());
    assert!(c.iter().filter(|i| i.name.chars().count() > 30).count() >= 3);
    let used: BTreeSet<String> = c.iter().map(|i| i.tax_category.to_string()).collect();
    assert_eq!(used, us_codes());
}

#[test]
fn the_demo_catalogue_text_counts_its_items() {
    // Guards against an item silently dropped by the loader.
    let tables = DEMO_CATALOG_TOML
        .lines()
        .filter(|l| l.trim() == "[[item]]")
        .count();
    let c = catalog::demo(&us_codes(), Currency::USD).unwrap();
    assert_eq!(c.len(), tables);
}
