//! The real binary keeps a catalogue snapshot in DATA/cache: written by the first run on a
//! `--catalog` file, read (not rewritten) by the next, rewritten once the file changes or
//! the snapshot is damaged. `simulate` loads the catalogue the way the counter does.

use crate::e2e_support;

use e2e_support::run_qrtill as qrtill;
use std::path::{Path, PathBuf};

/// One headless sale on `catalog`; must succeed.
fn sell_one(data: &Path, catalog: &Path) {
    let catalog = catalog.to_str().expect("a UTF-8 temp path");
    let out = qrtill(data, &["--catalog", catalog, "simulate", "--sales", "1"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The snapshot files in DATA/cache (temporary files excluded).
fn snapshots(data: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(data.join("cache")) else {
        return Vec::new();
    };
    let mut found: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "snapshot"))
        .collect();
    found.sort();
    found
}

#[test]
fn simulate_writes_the_snapshot_once_reuses_it_and_rebuilds_it_when_needed() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let catalog = dir.path().join("items.csv");
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/catalog/valid.csv");
    let text = std::fs::read_to_string(&fixture).unwrap();
    std::fs::write(&catalog, &text).unwrap();

    sell_one(&data, &catalog);
    let found = snapshots(&data);
    let [snapshot] = found.as_slice() else {
        panic!("one snapshot after the first run: {found:?}");
    };
    let snapshot = snapshot.clone();
    let written = std::fs::read(&snapshot).unwrap();
    let inode = |p: &Path| std::os::unix::fs::MetadataExt::ino(&std::fs::metadata(p).unwrap());
    let first_inode = inode(&snapshot);

    // Used as it is: the same file, not replaced.
    sell_one(&data, &catalog);
    assert_eq!(
        inode(&snapshot),
        first_inode,
        "an up-to-date snapshot is not rewritten"
    );

    // Damaged: the run still sells, and a good snapshot replaces the damaged one.
    let mut damaged = written.clone();
    let middle = damaged.len() / 2;
    damaged[middle] ^= 0xFF;
    std::fs::write(&snapshot, &damaged).unwrap();
    sell_one(&data, &catalog);
    assert_eq!(std::fs::read(&snapshot).unwrap(), written);

    // The file changes: a new snapshot is made for it.
    std::fs::write(
        &catalog,
        text.replacen("Almond croissant", "Almond Croissant", 1),
    )
    .unwrap();
    sell_one(&data, &catalog);
    assert_eq!(snapshots(&data), vec![snapshot.clone()]);
    assert_ne!(std::fs::read(&snapshot).unwrap(), written);
}
