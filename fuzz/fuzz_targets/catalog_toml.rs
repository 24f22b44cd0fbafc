//! The TOML catalogue loader must never panic. A refused file names lines that exist; a
//! loaded one finds every item again by its barcode and by its name.
#![no_main]

use libfuzzer_sys::fuzz_target;
use qrtill::catalog::load::{CatalogError, catalog_from_toml_str};
use qrtill::catalog::Catalog;
use qrtill::money::Currency;
use std::collections::BTreeSet;
use std::path::Path;

fn codes() -> BTreeSet<String> {
    ["food", "prepared", "general"].map(String::from).into_iter().collect()
}

/// A name with something to type: search splits on spaces and control characters.
fn searchable(name: &str) -> bool {
    name.chars().any(|c| !c.is_whitespace() && !c.is_control())
}

/// The checks a loaded or refused catalogue must pass.
fn check(result: Result<Catalog, CatalogError>, lines: usize) {
    match result {
        Ok(c) => {
            assert!(!c.is_empty());
            for item in c.iter() {
                let found = c.lookup(&item.barcode).expect("a loaded barcode is found");
                assert_eq!(found, item);
                if searchable(&item.name) {
                    assert!(!c.search(&item.name, 1).is_empty(), "{:?}", item.name);
                }
            }
        }
        Err(e) => {
            assert!(!e.problems.is_empty());
            assert!(e.problems.iter().all(|p| p.line <= lines + 1), "{e}");
            assert!(e.problems.windows(2).all(|w| w[0].line <= w[1].line));
            assert!(!e.to_string().is_empty());
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let lines = text.lines().count();
    for currency in [Currency::USD, Currency::KRW] {
        check(
            catalog_from_toml_str(text, Path::new("fuzz.toml"), &codes(), currency),
            lines,
        );
    }
});
