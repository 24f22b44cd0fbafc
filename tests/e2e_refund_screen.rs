//! The real binary in tmux: ring and pay a cash sale, scan its receipt reference on the basket,
//! refund one line from the refund screen with the supervisor PIN (typed masked), see the
//! refund slip; `qrtill sales --format json` then shows the sale refunded.

use crate::e2e_support;

use e2e_support::{Tmux, run_qrtill, set_pin};

#[test]
fn scan_a_receipt_then_refund_one_line_with_the_pin_and_see_the_slip() {
    let receipts = tempfile::NamedTempFile::new().map(|f| f.into_temp_path());
    let receipts = match receipts {
        Ok(p) => p,
        Err(e) => panic!("temp file: {e}"),
    };
    let target = format!("file:{}", receipts.display());
    let t = Tmux::with_data(
        |data| {
            set_pin(data, "2468");
            Tmux::counter_command(data, &["--printer", &target])
        },
        120,
        40,
    );
    t.wait_for("Scan:");
    for (barcode, name) in [
        ("2000000000527", "Cappuccino 12oz"),
        ("2000000000138", "Flat white 12oz"),
    ] {
        t.scan(barcode);
        t.wait_for(&format!("Added {name}"));
    }
    t.send_keys(&["F9"]);
    t.wait_for("(exact)");
    t.send_keys(&["a"]);
    t.wait_for("Receipt printed");
    t.send_keys(&["Enter"]);
    t.wait_for("Next customer");

    // The receipt's reference, as a scanner types it from its barcode.
    t.scan("S0007-L03-000001");
    t.wait_for("Sale 1 · USD");
    t.send_keys(&["f"]);
    let screen = t.wait_for("Lines to refund");
    assert!(screen.contains("Flat white 12oz"), "{screen}");
    // Down to the second line, one unit, then the reason.
    t.send_keys(&["Down", "+", "Enter"]);
    t.wait_for("Reason");
    t.send_keys(&["Enter"]);
    t.wait_for("needs the supervisor PIN");
    t.type_text("2468");
    let screen = t.wait_for("PIN: ●●●●_");
    assert!(!screen.contains("2468"), "the PIN is masked:\n{screen}");
    t.send_keys(&["Enter"]);
    let screen = t.wait_for("Refund slip");
    assert!(screen.contains("REFUNDED"), "{screen}");
    assert!(screen.contains("Flat white 12oz"), "{screen}");
    t.send_keys(&["C-q"]);
    t.wait_exit();

    let out = run_qrtill(t.data_dir(), &["sales", "--format", "json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    let sales: serde_json::Value = match serde_json::from_str(text.trim()) {
        Ok(v) => v,
        Err(e) => panic!("sales json: {e}\n{text}"),
    };
    let first = &sales[0];
    assert_eq!(first["sale_no"], 1, "{text}");
    let refunded: rust_decimal::Decimal = first["refunded"]
        .as_str()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("refunded field: {text}"));
    assert!(refunded > rust_decimal::Decimal::ZERO, "{text}");
}
