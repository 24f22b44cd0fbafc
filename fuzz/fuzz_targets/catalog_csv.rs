//! The CSV catalogue loader (fast byte path and the careful `csv` crate path) must never
//! panic. A refused file names lines that exist; a loaded one finds every item again by
//! its barcode and by its name, and the careful path reads the same items as the fast one.
#![no_main]

use libfuzzer_sys::fuzz_target;
use qrtill::catalog::load::catalog_from_csv_bytes;
use qrtill::money::Currency;
use std::collections::BTreeSet;
use std::path::Path;

fn codes() -> BTreeSet<String> {
    ["food", "prepared", "general"].map(String::from).into_iter().collect()
}

fuzz_target!(|data: &[u8]| {
    let lines = data.split(|&b| b == b'\n').count();
    let result = catalog_from_csv_bytes(data, Path::new("fuzz.csv"), &codes(), Currency::USD);
    match result {
        Ok(c) => {
            assert!(!c.is_empty());
            let items: Vec<_> = c.iter().collect();
            for item in &items {
                let found = c.lookup(&item.barcode).expect("a loaded barcode is found");
                assert_eq!(&found, item);
                if item.name.chars().any(|c| !c.is_whitespace() && !c.is_control()) {
                    assert!(!c.search(&item.name, 1).is_empty(), "{:?}", item.name);
                }
            }
            // Without quotes or `\r`, a blank line after the header changes nothing for the
            // `csv` crate but turns the fast path off: both paths must read the same items.
            if let Some(header_end) = data.iter().position(|&b| b == b'\n')
                && !data.iter().any(|&b| b == b'"' || b == b'\r')
            {
                let mut careful = data.to_vec();
                careful.insert(header_end + 1, b'\n');
                let again =
                    catalog_from_csv_bytes(&careful, Path::new("fuzz.csv"), &codes(), Currency::USD)
                        .expect("a blank line does not make a good file bad");
                let again: Vec<_> = again.iter().collect();
                assert_eq!(again, items);
            }
        }
        Err(e) => {
            assert!(!e.problems.is_empty());
            assert!(e.problems.iter().all(|p| p.line <= lines + 1), "{e}");
            assert!(e.problems.windows(2).all(|w| w[0].line <= w[1].line));
            assert!(!e.to_string().is_empty());
        }
    }
});
