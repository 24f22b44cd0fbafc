//! The real binary in tmux: ring two cash sales, open the history, narrow it by an item word,
//! open the sale, reprint it to the printer file; then scan the other sale's reference on the
//! basket and its receipt opens.

use crate::e2e_support;

use e2e_support::Tmux;

fn count(haystack: &[u8], needle: &[u8]) -> usize {
    haystack
        .windows(needle.len())
        .filter(|w| *w == needle)
        .count()
}

fn read(path: &std::path::Path) -> Vec<u8> {
    match std::fs::read(path) {
        Ok(b) => b,
        Err(e) => panic!("{}: {e}", path.display()),
    }
}

#[test]
fn ring_filter_open_reprint_then_scan_a_receipt_reference() {
    let dir = match tempfile::tempdir() {
        Ok(d) => d,
        Err(e) => panic!("temp dir: {e}"),
    };
    let receipts = dir.path().join("receipts.bin");
    let target = format!("file:{}", receipts.display());
    let t = Tmux::counter(&["--printer", &target], 120, 40);
    for (barcode, name) in [
        ("2000000000527", "Cappuccino 12oz"),
        ("2000000000138", "Flat white 12oz"),
    ] {
        t.scan(barcode);
        t.wait_for(&format!("Added {name}"));
        t.send_keys(&["F9"]);
        t.wait_for("(exact)");
        t.send_keys(&["a"]);
        t.wait_for("Receipt printed");
        t.send_keys(&["Enter"]);
        t.wait_for("Next customer");
    }
    assert_eq!(count(&read(&receipts), b"SALE #1"), 1);

    t.send_keys(&["h"]);
    t.wait_for("Page 1 · 2 sale(s)");
    t.type_text("capp");
    let screen = t.wait_for("Page 1 · 1 sale(s)");
    assert!(screen.contains("Cappuccino 12oz"), "{screen}");
    assert!(!screen.contains("Flat white 12oz"), "{screen}");
    t.send_keys(&["Enter"]);
    t.wait_for("S0007-L03-000001");
    t.send_keys(&["r"]);
    t.wait_for("Reprinted");
    assert_eq!(
        count(&read(&receipts), b"SALE #1"),
        2,
        "the reprint went to the printer file"
    );
    t.send_keys(&["Escape"]);
    t.wait_for("Filter: capp");
    t.send_keys(&["Escape"]);
    t.wait_for("Scan:");

    // The second receipt's reference, as a scanner types it from its QR code or barcode.
    t.scan("S0007-L03-000002");
    let screen = t.wait_for("Sale 2 · USD");
    assert!(screen.contains("Flat white 12oz"), "{screen}");
    t.send_keys(&["Escape"]);
    t.wait_for("Scan:");
    t.scan("S0007-L03-000042");
    t.wait_for("No sale 42 on lane 03");
    t.send_keys(&["C-q"]);
}
