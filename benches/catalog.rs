//! Catalogue at scale: load 1,000,000 items from CSV, look up barcodes, search by name.
//!
//! `cargo bench --bench catalog`. Targets (issues 2 and 8): load < 0.5 s, at most 150 MB
//! resident once loaded, lookup O(1), a search keystroke < 20 ms. A load is timed both
//! from the CSV and from the catalogue's snapshot (what a counter's later starts read).
//!
//! Resident memory is measured in a child process (this bench binary run again with
//! `QRTILL_CATALOG_RSS_OF=FILE`) that loads the file and nothing else, so criterion's own
//! allocations and the generated text do not count.

use criterion::{Criterion, criterion_group};
use qrtill::catalog::{self, Catalog, Loaded, gtin};
use qrtill::money::Currency;
use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::hint::black_box;
use std::path::Path;
use std::time::{Duration, Instant};

const ITEMS: usize = 1_000_000;

/// SplitMix64: a fixed seed gives the same catalogue on every run and machine.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn pick<'a>(&mut self, from: &[&'a str]) -> &'a str {
        from[(self.next() % from.len() as u64) as usize]
    }
}

const BRANDS: &[&str] = &[
    "Acme",
    "Northside",
    "Golden",
    "Harbor",
    "Summit",
    "Maple",
    "Riverbend",
    "Sunrise",
    "Blue Ridge",
    "Cedar",
    "Pioneer",
    "Lakeshore",
    "Red Barn",
    "Oakwood",
    "Prairie",
    "Coastal",
];
const FLAVOURS: &[&str] = &[
    "almond",
    "chocolate",
    "vanilla",
    "sea salt",
    "strawberry",
    "blueberry",
    "honey",
    "lemon",
    "original",
    "spicy",
    "mint",
    "cinnamon",
    "caramel",
    "coconut",
    "mango",
    "plain",
    "ham & cheese",
];
const PRODUCTS: &[&str] = &[
    "croissant",
    "muffin",
    "bagel",
    "cookie",
    "granola bar",
    "potato chips",
    "sparkling water",
    "spring water",
    "iced tea",
    "cold brew",
    "yogurt",
    "trail mix",
    "gum",
    "candy bar",
    "soda",
    "sandwich",
    "wrap",
    "salad",
    "energy drink",
    "juice",
    "crackers",
    "pretzels",
    "jerky",
    "latte",
];
const SIZES: &[&str] = &[
    "1oz",
    "2oz",
    "12oz",
    "16oz",
    "20oz",
    "250ml",
    "330ml",
    "500ml",
    "750ml",
    "1L",
    "2-pack",
    "6-pack",
    "family size",
    "single",
];

fn generate_csv(path: &Path) {
    let mut rng = SplitMix(0x5152_5449_4C4C);
    let mut out = String::with_capacity(ITEMS * 64);
    out.push_str("barcode,name,price,tax\n");
    for i in 0..ITEMS {
        // In-store EAN-13 range 2xx: unique bodies, valid check digits.
        let body = format!("2{:011}", i as u64 * 7 + 13);
        let check = gtin::check_digit(body.as_bytes());
        let name = format!(
            "{} {} {} {}",
            rng.pick(BRANDS),
            rng.pick(FLAVOURS),
            rng.pick(PRODUCTS),
            rng.pick(SIZES)
        );
        let cents = 50 + rng.next() % 2000;
        let tax = ["food", "prepared", "general"][(rng.next() % 3) as usize];
        let _ = writeln!(
            out,
            "{body}{check},{name},{}.{:02},{tax}",
            cents / 100,
            cents % 100
        );
    }
    if let Err(e) = std::fs::write(path, out) {
        panic!("cannot write the bench catalogue: {e}");
    }
}

fn codes() -> BTreeSet<String> {
    ["food", "prepared", "general"]
        .map(String::from)
        .into_iter()
        .collect()
}

fn load(path: &Path) -> Catalog {
    match catalog::open(path, &codes(), Currency::USD) {
        Ok(c) => c,
        Err(e) => panic!("bench catalogue refused: {e}"),
    }
}

/// Loads through the snapshot in `cache`, expecting `want` to be how.
fn load_cached(path: &Path, cache: &Path, want: fn(&Loaded) -> bool) -> Catalog {
    match catalog::open_with_snapshot(path, &codes(), Currency::USD, cache) {
        Ok((c, loaded)) if want(&loaded) => c,
        Ok((_, loaded)) => panic!("bench catalogue loaded unexpectedly: {loaded:?}"),
        Err(e) => panic!("bench catalogue refused: {e}"),
    }
}

fn from_snapshot(loaded: &Loaded) -> bool {
    *loaded == Loaded::FromSnapshot
}

fn bench_catalog(c: &mut Criterion) {
    let dir = match tempfile::tempdir() {
        Ok(d) => d,
        Err(e) => panic!("no temp dir: {e}"),
    };
    let path = dir.path().join("million.csv");
    generate_csv(&path);
    report_rss(&path);

    let started = Instant::now();
    let cat = load(&path);
    eprintln!(
        "catalog: one cold load of {} items took {:?}",
        cat.len(),
        started.elapsed()
    );

    let cache = dir.path().join("cache");
    let started = Instant::now();
    let first = load_cached(&path, &cache, |l| {
        matches!(l, Loaded::Parsed { saved: true, .. })
    });
    eprintln!(
        "catalog: first load (builds the snapshot) of {} items took {:?}",
        first.len(),
        started.elapsed()
    );
    drop(first);
    let started = Instant::now();
    let again = load_cached(&path, &cache, from_snapshot);
    let snapshot_bytes =
        std::fs::metadata(catalog::snapshot_path(&cache, &path)).map_or(0, |m| m.len());
    eprintln!(
        "catalog: load from snapshot of {} items took {:?} (snapshot {} MB)",
        again.len(),
        started.elapsed(),
        snapshot_bytes / 1_000_000
    );
    drop(again);
    report_rss_with(&path, Some(&cache));

    let mut group = c.benchmark_group("catalog_1m");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(10));
    // Dropping a million items is not part of loading them.
    group.bench_function("load_csv", |b| b.iter_with_large_drop(|| load(&path)));
    group.bench_function("load_snapshot", |b| {
        b.iter_with_large_drop(|| load_cached(&path, &cache, from_snapshot))
    });
    group.finish();

    let barcodes: Vec<String> = (0..cat.len())
        .step_by(9973)
        .filter_map(|i| cat.get(i))
        .map(|i| i.barcode.to_string())
        .collect();
    let mut group = c.benchmark_group("catalog_1m_lookup");
    let mut n = 0;
    group.bench_function("lookup_ean13", |b| {
        b.iter(|| {
            n = (n + 1) % barcodes.len();
            black_box(cat.lookup(&barcodes[n]).is_ok())
        })
    });
    group.bench_function("lookup_not_in_catalogue", |b| {
        b.iter(|| black_box(cat.lookup("4006381333931").is_err()))
    });
    group.finish();

    let mut group = c.benchmark_group("catalog_1m_search");
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(2));
    // Every keystroke of a word, common words, a miss, and letters no name starts a word
    // with ("k", "ates": substring matches only).
    for query in [
        "c",
        "cr",
        "cro",
        "croi",
        "croissant",
        "water 5",
        "zq",
        "k",
        "ates",
        "ham chee",
    ] {
        let hits = cat.search(query, 20).len();
        eprintln!("catalog: search {query:?} -> {hits} results (limit 20)");
        group.bench_function(format!("search_{}", query.replace(' ', "_")), |b| {
            b.iter(|| black_box(cat.search(black_box(query), 20)).len())
        });
    }
    group.finish();
}

/// The environment variable that turns this binary into the memory-measuring child.
const RSS_CHILD: &str = "QRTILL_CATALOG_RSS_OF";

/// A `/proc/self/status` field in kB (Linux); `None` elsewhere.
fn status_kb(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    line[field.len()..]
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()
}

/// The environment variable that makes the child load through the snapshot in that cache.
const RSS_CACHE: &str = "QRTILL_CATALOG_RSS_CACHE";

/// The child: loads the catalogue (from the CSV, or through the snapshot in `cache`) and
/// prints resident memory before and after, in kB.
fn measure_rss(path: &Path, cache: Option<&Path>) {
    let before = status_kb("VmRSS:");
    let cat = match cache {
        Some(cache) => load_cached(path, cache, from_snapshot),
        None => load(path),
    };
    let after = status_kb("VmRSS:");
    let peak = status_kb("VmHWM:");
    let heap = cat.heap_bytes();
    println!(
        "items={} rss_before_kb={} rss_after_kb={} peak_kb={} held_kb={} ({:?})",
        black_box(&cat).len(),
        before.unwrap_or(0),
        after.unwrap_or(0),
        peak.unwrap_or(0),
        heap.total() / 1024,
        heap
    );
}

/// Runs [`measure_rss`] in a fresh process and reports its line.
fn report_rss(path: &Path) {
    report_rss_with(path, None)
}

fn report_rss_with(path: &Path, cache: Option<&Path>) {
    let exe = match std::env::current_exe() {
        Ok(exe) => exe,
        Err(e) => panic!("cannot find the bench binary: {e}"),
    };
    let mut child = std::process::Command::new(exe);
    child.env(RSS_CHILD, path);
    if let Some(cache) = cache {
        child.env(RSS_CACHE, cache);
    }
    let how = if cache.is_some() {
        "loaded from its snapshot"
    } else {
        "loaded from the CSV"
    };
    match child.output() {
        Ok(out) if out.status.success() => eprintln!(
            "catalog: resident memory of a process holding the catalogue ({how}): {}",
            String::from_utf8_lossy(&out.stdout).trim()
        ),
        Ok(out) => panic!(
            "the memory child failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ),
        Err(e) => panic!("cannot run the memory child: {e}"),
    }
}

criterion_group!(benches, bench_catalog);

/// The environment variable that makes this binary only write the generated CSV (for
/// profiling a load with `perf` or `qrtill catalog check`).
const WRITE_CSV: &str = "QRTILL_CATALOG_WRITE_CSV";

fn main() {
    if let Some(path) = std::env::var_os(WRITE_CSV) {
        generate_csv(Path::new(&path));
        return;
    }
    if let Some(path) = std::env::var_os(RSS_CHILD) {
        let cache = std::env::var_os(RSS_CACHE);
        measure_rss(Path::new(&path), cache.as_deref().map(Path::new));
        return;
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}
