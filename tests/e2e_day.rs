//! A business day in the real binary and a real (tmux) terminal: a shift opened with a float,
//! a cash sale at the counter, the blind close and the Z read back; and the training
//! watermark on the counter's screen.

use crate::e2e_support;

use e2e_support::{Tmux, run_qrtill};

#[test]
fn open_sell_at_the_counter_close_and_read_the_z() {
    let t = Tmux::with_data_no_shift(
        |data| {
            format!(
                "{} && {}",
                Tmux::qrtill_command(data, &["shift", "open", "--float", "20=5"]),
                Tmux::counter_command(data, &[])
            )
        },
        100,
        30,
    );
    t.wait_for("Scan:");
    t.scan("2000000000138");
    t.wait_for("Added Flat white 12oz");
    t.send_keys(&["F9"]);
    t.wait_for("Amount tendered");
    t.type_text("20");
    t.wait_for("Change due");
    t.send_keys(&["Enter"]);
    t.wait_for("PAID");
    t.send_keys(&["C-q"]);
    assert_eq!(t.wait_exit(), 0);

    // 4.50 + 8.625% tax (0.39, half-up) = 4.89 in cash on a 100.00 float: 104.89 expected.
    let x = run_qrtill(t.data_dir(), &["report", "x", "--format", "json"]);
    let x: serde_json::Value = serde_json::from_slice(&x.stdout).unwrap();
    assert_eq!(
        (x["sales_count"].as_i64(), x["cash_expected"].as_str()),
        (Some(1), Some("104.89"))
    );
    let close = run_qrtill(
        t.data_dir(),
        &[
            "shift",
            "close",
            "--count",
            "20=5,1=4,0.25=3,0.10=1",
            "--format",
            "json",
        ],
    );
    assert_eq!(
        close.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&close.stderr)
    );
    let z = run_qrtill(t.data_dir(), &["report", "z", "1", "--format", "json"]);
    let z: serde_json::Value = serde_json::from_slice(&z.stdout).unwrap();
    assert_eq!(z["number"], 1);
    assert_eq!(z["cash_counted"], "104.85");
    assert_eq!(z["cash_variance"], "-0.04");
    assert_eq!(z["first_sale"], 1);
    let text = run_qrtill(t.data_dir(), &["report", "z"]);
    assert!(String::from_utf8_lossy(&text.stdout).contains("Z REPORT  Z1"));
}

#[test]
fn the_training_counter_shows_its_watermark() {
    let t = Tmux::counter(&["--training"], 80, 24);
    let screen = t.wait_for("TRAINING MODE");
    assert!(screen.lines().count() >= 24, "{screen}");
    t.send_keys(&["C-q"]);
    assert_eq!(t.wait_exit(), 0);
    // Nothing reached the real journal.
    assert!(!t.data_path("journal.sqlite").exists());
    assert!(t.data_path("journal-training.sqlite").exists());
}
