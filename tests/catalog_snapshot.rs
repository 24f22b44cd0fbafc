//! Catalogue snapshots: a catalogue loaded from its snapshot is the catalogue parsed from
//! the file (items in order, lookups, searches), and a snapshot that does not match the
//! file, or is cut short, damaged, foreign or of another format, is ignored and rebuilt.

use proptest::prelude::*;
use qrtill::catalog::snapshot::FORMAT;
use qrtill::catalog::{self, Catalog, Loaded, Miss, gtin, open_with_snapshot, snapshot_path};
use qrtill::money::Currency;
use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::Path;

fn codes() -> BTreeSet<String> {
    ["food", "prepared", "general"]
        .map(String::from)
        .into_iter()
        .collect()
}

fn parse(path: &Path) -> Catalog {
    match catalog::open(path, &codes(), Currency::USD) {
        Ok(c) => c,
        Err(e) => panic!("{e}"),
    }
}

fn parse_text(text: &str) -> Catalog {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("text.csv");
    std::fs::write(&path, text).unwrap();
    parse(&path)
}

fn cached(path: &Path, cache: &Path) -> (Catalog, Loaded) {
    match open_with_snapshot(path, &codes(), Currency::USD, cache) {
        Ok(c) => c,
        Err(e) => panic!("{e}"),
    }
}

const WORDS: &[&str] = &[
    "Acme",
    "golden",
    "CRÈME",
    "brûlée",
    "croissant",
    "İstanbul",
    "tea",
    "ham & cheese",
    "1L",
    "6-pack",
    "kelvin\u{212A}",
    "water",
];

/// A CSV of `n` items in the style of the bench's: in-store EAN-13 codes, names of a few
/// shared words (so searches tie and rank), prices in cents, three tax codes. Every
/// `quirk`-th row (none for 0) costs more than 64-bit cents hold: such items are kept
/// whole beside the packed ones, and the file goes through the `csv` crate's path.
fn generated_csv(n: usize, seed: u64, quirk: usize) -> String {
    let mut state = seed;
    let mut next = move || {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (state >> 33) as usize
    };
    let mut out = String::from("barcode,name,price,tax\n");
    for i in 0..n {
        let body = format!("2{:011}", i * 7 + 13);
        let check = gtin::check_digit(body.as_bytes());
        let name: Vec<&str> = (0..1 + next() % 4)
            .map(|_| WORDS[next() % WORDS.len()])
            .collect();
        let cents = next() % 5000;
        let price = if quirk > 0 && i % quirk == 0 {
            "99999999999999999999".to_string()
        } else {
            format!("{}.{:02}", cents / 100, cents % 100)
        };
        let tax = ["food", "prepared", "general"][next() % 3];
        let _ = writeln!(out, "{body}{check},{},{price},{tax}", name.join(" "));
    }
    out
}

const QUERIES: &[&str] = &[
    "a",
    "c",
    "cr",
    "crè",
    "creme",
    "golden cro",
    "ham chee",
    "istanbul",
    "i",
    "k",
    "6-",
    "1l",
    "tea water",
    "zz",
    "acme golden",
    "ée",
];

/// Asserts that `got` is `want` item by item, barcode by barcode and search by search.
fn assert_same(got: &Catalog, want: &Catalog, queries: &[&str]) {
    assert_eq!(got.len(), want.len());
    for (i, (g, w)) in got.iter().zip(want.iter()).enumerate() {
        assert_eq!(g, w, "item {i}");
    }
    for w in want.iter() {
        assert_eq!(
            got.lookup(&w.barcode),
            want.lookup(&w.barcode),
            "{}",
            w.barcode
        );
        assert_eq!(got.lookup(&w.gtin), want.lookup(&w.gtin), "{}", w.gtin);
    }
    assert_eq!(got.lookup("4006381333931"), want.lookup("4006381333931"));
    for q in queries {
        for limit in [1, 5, 50, usize::MAX] {
            assert_eq!(
                got.search(q, limit),
                want.search(q, limit),
                "{q:?} limit {limit}"
            );
        }
    }
}

#[test]
fn a_snapshot_load_is_the_csv_load_item_by_item_and_search_by_search() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("items.csv");
    let cache = dir.path().join("data").join("cache");
    std::fs::write(&csv, generated_csv(20_000, 7, 997)).unwrap();
    let parsed = parse(&csv);
    assert_eq!(parsed.len(), 20_000);
    assert!(
        parsed.search("crème", usize::MAX).len() > 100,
        "the searches find things"
    );

    let (first, loaded) = cached(&csv, &cache);
    assert_eq!(
        loaded,
        Loaded::Parsed {
            why: Miss::Absent,
            saved: true
        }
    );
    assert!(snapshot_path(&cache, &csv).is_file());
    assert_same(&first, &parsed, QUERIES);

    let (second, loaded) = cached(&csv, &cache);
    assert_eq!(loaded, Loaded::FromSnapshot);
    assert_same(&second, &parsed, QUERIES);
}

#[test]
fn a_toml_catalogue_and_one_through_the_careful_csv_path_come_back_the_same() {
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("cache");
    let toml = dir.path().join("demo.toml");
    std::fs::write(&toml, catalog::DEMO_CATALOG_TOML).unwrap();
    // Quotes and CRLF line ends send the CSV through the `csv` crate.
    let csv = dir.path().join("quoted.csv");
    std::fs::write(
        &csv,
        "barcode,name,price,tax\r\n\"036000291452\",\"Water, still\",1.99,food\r\n 4006381333931 ,Crème brûlée,4,prepared\r\n",
    )
    .unwrap();
    for file in [&toml, &csv] {
        let parsed = parse(file);
        let (_, first) = cached(file, &cache);
        assert!(
            matches!(first, Loaded::Parsed { saved: true, .. }),
            "{first:?}"
        );
        let (again, loaded) = cached(file, &cache);
        assert_eq!(loaded, Loaded::FromSnapshot, "{}", file.display());
        assert_same(&again, &parsed, QUERIES);
    }
}

/// Opens `csv` through the snapshot at `cache` after `damage` rewrote the snapshot's bytes.
fn after_damage(csv: &Path, cache: &Path, damage: impl FnOnce(&mut Vec<u8>)) -> Loaded {
    let at = snapshot_path(cache, csv);
    let mut bytes = std::fs::read(&at).unwrap();
    damage(&mut bytes);
    std::fs::write(&at, bytes).unwrap();
    let (catalog, loaded) = cached(csv, cache);
    assert_same(&catalog, &parse(csv), &["cr", "tea"]);
    loaded
}

/// Recomputes the trailer (length and CRC-32) of a snapshot whose body was changed, so the
/// change reaches the checks behind the checksum.
fn reseal(bytes: &mut Vec<u8>) {
    let body = bytes.len() - 20;
    bytes.truncate(body);
    let crc = crc32fast::hash(bytes);
    bytes.extend_from_slice(&(body as u64).to_le_bytes());
    bytes.extend_from_slice(&crc.to_le_bytes());
    bytes.extend_from_slice(b"QRTCATSN");
}

#[test]
fn a_cut_short_damaged_foreign_or_older_snapshot_is_ignored_and_rebuilt() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("items.csv");
    let cache = dir.path().join("cache");
    std::fs::write(&csv, generated_csv(300, 3, 7)).unwrap();
    cached(&csv, &cache);
    let rebuilt = |why| Loaded::Parsed { why, saved: true };
    let len = std::fs::metadata(snapshot_path(&cache, &csv))
        .unwrap()
        .len() as usize;
    for cut in [0, 1, 8, 12, len / 2, len - 21, len - 20, len - 1] {
        let loaded = after_damage(&csv, &cache, |b| b.truncate(cut));
        assert_eq!(loaded, rebuilt(Miss::Damaged), "cut to {cut} bytes");
    }
    for at in [0, 9, 40, len / 3, len / 2, len - 30, len - 10, len - 1] {
        let loaded = after_damage(&csv, &cache, |b| b[at] ^= 0x10);
        assert_eq!(loaded, rebuilt(Miss::Damaged), "bit flipped at byte {at}");
    }
    let loaded = after_damage(&csv, &cache, |b| *b = b"barcode,name,price,tax\n".to_vec());
    assert_eq!(loaded, rebuilt(Miss::Damaged), "not a snapshot");
    let loaded = after_damage(&csv, &cache, |b| b.extend_from_slice(b"more"));
    assert_eq!(loaded, rebuilt(Miss::Damaged), "bytes after the trailer");
    // A whole, well-sealed snapshot of another format version.
    let loaded = after_damage(&csv, &cache, |b| {
        b[8..12].copy_from_slice(&(FORMAT + 1).to_le_bytes());
        reseal(b);
    });
    assert_eq!(loaded, rebuilt(Miss::Stale), "another format");
    // Well sealed, with bytes the catalogue does not account for.
    let loaded = after_damage(&csv, &cache, |b| {
        let body = b.len() - 20;
        b.truncate(body);
        b.extend_from_slice(&[0xFF; 64]);
        reseal(b);
    });
    assert_eq!(loaded, rebuilt(Miss::Damaged), "bytes after the catalogue");
    // After all that, the last rebuild serves the next start.
    assert_eq!(cached(&csv, &cache).1, Loaded::FromSnapshot);
    // A temporary file left by a writer that was killed goes with the next rebuild; other
    // files stay.
    let at = snapshot_path(&cache, &csv);
    let name = at.file_name().unwrap().to_string_lossy().into_owned();
    let left = cache.join(format!(".{name}.4242-0.tmp"));
    let other = cache.join("notes.txt");
    std::fs::write(&left, "half a snapshot").unwrap();
    std::fs::write(&other, "keep").unwrap();
    let loaded = after_damage(&csv, &cache, |b| b.truncate(3));
    assert_eq!(loaded, rebuilt(Miss::Damaged));
    assert!(!left.exists(), "the killed writer's temp file is gone");
    assert!(other.exists());
    let names: Vec<String> = std::fs::read_dir(&cache)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names.len(), 2, "the snapshot and notes.txt: {names:?}");
}

#[test]
fn a_changed_file_is_parsed_again_even_with_its_old_size_and_time() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("items.csv");
    let cache = dir.path().join("cache");
    let before = generated_csv(500, 11, 0);
    std::fs::write(&csv, &before).unwrap();
    let modified = std::fs::metadata(&csv).unwrap().modified().unwrap();
    assert_eq!(
        cached(&csv, &cache).1,
        Loaded::Parsed {
            why: Miss::Absent,
            saved: true
        }
    );
    assert_eq!(cached(&csv, &cache).1, Loaded::FromSnapshot);
    // Same length, same modification time, the first item's price changed in one digit.
    let row = before.find('\n').unwrap() + 1;
    let price = row + before[row..].find(".").unwrap() - 1;
    let mut after = before.clone().into_bytes();
    after[price] = if after[price] == b'9' { b'1' } else { b'9' };
    let after = String::from_utf8(after).unwrap();
    assert_ne!(after, before);
    std::fs::write(&csv, &after).unwrap();
    let file = std::fs::File::options().write(true).open(&csv).unwrap();
    file.set_modified(modified).unwrap();
    drop(file);
    assert_eq!(
        std::fs::metadata(&csv).unwrap().modified().unwrap(),
        modified
    );
    let (catalog, loaded) = cached(&csv, &cache);
    assert_eq!(
        loaded,
        Loaded::Parsed {
            why: Miss::Stale,
            saved: true
        }
    );
    assert_same(&catalog, &parse(&csv), &["cr"]);
    assert_ne!(
        catalog.get(0).map(|i| i.price),
        parse_text(&before).get(0).map(|i| i.price)
    );
    // Another currency: the snapshot is not for it, and the file's cents are refused.
    let won = open_with_snapshot(&csv, &codes(), Currency::KRW, &cache).map(|_| ());
    assert!(won.is_err());
    assert_eq!(
        won,
        catalog::open(&csv, &codes(), Currency::KRW).map(|_| ())
    );
}

#[test]
fn a_store_without_a_tax_code_the_snapshot_uses_gets_the_files_problems() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("items.csv");
    let cache = dir.path().join("cache");
    std::fs::write(&csv, generated_csv(50, 5, 0)).unwrap();
    cached(&csv, &cache);
    let fewer: BTreeSet<String> = ["food", "general"].map(String::from).into_iter().collect();
    let via_snapshot = open_with_snapshot(&csv, &fewer, Currency::USD, &cache).map(|_| ());
    let direct = catalog::open(&csv, &fewer, Currency::USD).map(|_| ());
    let Err(e) = &direct else {
        panic!("the generated file uses the tax code 'prepared'");
    };
    assert!(e.to_string().contains("unknown tax category"), "{e}");
    assert_eq!(via_snapshot, direct);
}

#[test]
fn a_snapshot_that_cannot_be_written_leaves_the_catalogue_loaded() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("items.csv");
    std::fs::write(&csv, generated_csv(50, 5, 0)).unwrap();
    // The cache directory's place is taken by a file.
    let cache = dir.path().join("not-a-dir");
    std::fs::write(&cache, "x").unwrap();
    let (catalog, loaded) = cached(&csv, &cache);
    assert_eq!(
        loaded,
        Loaded::Parsed {
            why: Miss::Damaged,
            saved: false
        }
    );
    assert_same(&catalog, &parse(&csv), &["cr"]);
    // The file's own problems still come first, word for word.
    let bad = dir.path().join("bad.csv");
    std::fs::write(&bad, "barcode,name,price,tax\n4006381333932,Gum,1,food\n").unwrap();
    let cache = dir.path().join("cache");
    let via_snapshot = open_with_snapshot(&bad, &codes(), Currency::USD, &cache).map(|_| ());
    assert_eq!(
        via_snapshot,
        catalog::open(&bad, &codes(), Currency::USD).map(|_| ())
    );
    assert!(
        !snapshot_path(&cache, &bad).exists(),
        "no snapshot of a refused file"
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    /// Any catalogue of the generator's kind, any queries: the snapshot answers as the file.
    #[test]
    fn snapshots_of_generated_catalogues_answer_as_the_file(
        n in 1usize..400,
        seed in any::<u64>(),
        quirk in 0usize..20,
        queries in proptest::collection::vec("[a-zéİK&1 -]{0,6}", 1..8),
    ) {
        let dir = tempfile::tempdir().unwrap();
        let csv = dir.path().join("items.csv");
        let cache = dir.path().join("cache");
        std::fs::write(&csv, generated_csv(n, seed, quirk)).unwrap();
        let parsed = parse(&csv);
        cached(&csv, &cache);
        let (from_snapshot, loaded) = cached(&csv, &cache);
        prop_assert_eq!(loaded, Loaded::FromSnapshot);
        let queries: Vec<&str> = queries.iter().map(String::as_str).collect();
        assert_same(&from_snapshot, &parsed, &queries);
    }

}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// Any single byte changed behind a good checksum: the load never panics, and it either
    /// refuses the snapshot or (a harmless change) answers lookups without crashing.
    #[test]
    fn a_resealed_snapshot_with_any_byte_changed_never_crashes_the_load(
        at in any::<proptest::sample::Index>(),
        value in any::<u8>(),
    ) {
        let dir = tempfile::tempdir().unwrap();
        let csv = dir.path().join("items.csv");
        let cache = dir.path().join("cache");
        std::fs::write(&csv, generated_csv(60, 9, 5)).unwrap();
        cached(&csv, &cache);
        let path = snapshot_path(&cache, &csv);
        let mut bytes = std::fs::read(&path).unwrap();
        let i = at.index(bytes.len() - 20);
        bytes[i] = value;
        reseal(&mut bytes);
        std::fs::write(&path, bytes).unwrap();
        // The property is that none of these panics, whatever the snapshot held.
        let (catalog, _) = cached(&csv, &cache);
        for item in catalog.iter() {
            std::hint::black_box(catalog.lookup(&item.barcode).is_ok());
        }
        for q in QUERIES {
            prop_assert!(catalog.search(q, 10).len() <= 10);
        }
    }
}
