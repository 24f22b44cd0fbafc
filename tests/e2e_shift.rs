//! The shift at the real counter in a real (tmux) terminal, with no shift open beforehand:
//! the first scan asks for one, the float is counted on screen, a cash sale, the close with a
//! blind count and a variance, the Z on screen and on paper; then `qrtill report z 1` agrees.

use crate::e2e_support;

use e2e_support::{Tmux, run_qrtill};

#[test]
fn open_at_the_counter_sell_close_blind_and_read_the_z() {
    let t = Tmux::with_data_no_shift(
        |data| {
            let paper = format!("file:{}", data.join("paper.bin").display());
            Tmux::counter_command(data, &["--printer", &paper])
        },
        80,
        24,
    );
    t.wait_for("Scan:");
    t.scan("2000000000138");
    let prompt = t.wait_for("Cashier id: 01");
    assert!(prompt.contains("No shift is open on lane 03"), "{prompt}");
    t.send_keys(&["Enter"]);
    t.wait_for("opening float");
    // 100 and 50 are the first rows: five 20s.
    t.send_keys(&["Down", "Down"]);
    t.type_text("5");
    t.wait_for("USD 100.00");
    t.send_keys(&["Enter"]);
    let opened = t.wait_for("Shift 1 open");
    assert!(
        opened.contains("Flat white 12oz"),
        "the first scan was kept: {opened}"
    );

    t.send_keys(&["F9"]);
    t.wait_for("Amount tendered");
    t.type_text("20");
    t.wait_for("Change due");
    t.send_keys(&["Enter"]);
    t.wait_for("PAID");
    t.send_keys(&["Enter"]);
    t.wait_for("F3 close shift");

    t.send_keys(&["F3"]);
    t.wait_for("count the drawer");
    // 20 × 5, 1 × 4, 0.25 × 3, 0.10 × 1 = 104.85.
    t.send_keys(&["Down", "Down"]);
    t.type_text("5");
    t.send_keys(&["Down", "Down", "Down", "Down"]);
    t.type_text("4");
    t.send_keys(&["Down", "Down"]);
    t.type_text("3");
    t.send_keys(&["Down"]);
    t.type_text("1");
    let blind = t.wait_for("USD 104.85");
    assert!(
        !blind.contains("104.89"),
        "the expected cash is hidden: {blind}"
    );
    t.send_keys(&["Enter"]);
    let review = t.wait_for("expected against counted");
    // 100.00 float + 4.89 (4.50 and 8.625% tax, half-up) = 104.89 expected.
    assert!(
        review.contains("104.89") && review.contains("104.85") && review.contains("-0.04"),
        "{review}"
    );
    t.send_keys(&["Enter"]);
    t.wait_for("Z report Z1");
    t.send_keys(&["Enter"]);
    t.wait_for("Scan:");
    t.send_keys(&["C-q"]);
    assert_eq!(t.wait_exit(), 0);

    // The close printed the Z on the receipts' printer, after the sale's receipt.
    let paper = std::fs::read(t.data_dir().join("paper.bin")).expect("the printer file");
    let paper = String::from_utf8_lossy(&paper);
    let z_at = paper.find("Z REPORT  Z1").expect("the Z on paper");
    assert!(
        paper[..z_at].contains("Flat white"),
        "the receipt came first"
    );
    let counted = format!("Counted cash{}104.85", " ".repeat(42 - 12 - 6));
    assert!(paper[z_at..].contains(&counted), "{}", &paper[z_at..]);

    let z = run_qrtill(t.data_dir(), &["report", "z", "1", "--format", "json"]);
    assert_eq!(
        z.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&z.stderr)
    );
    let z: serde_json::Value = serde_json::from_slice(&z.stdout).unwrap();
    assert_eq!(
        (&z["cash_expected"], &z["cash_counted"], &z["cash_variance"]),
        (
            &serde_json::json!("104.89"),
            &serde_json::json!("104.85"),
            &serde_json::json!("-0.04")
        )
    );
    assert_eq!(
        (z["sales_count"].as_i64(), z["cashier"].as_str()),
        (Some(1), Some("01"))
    );
}
