//! The real binary in tmux: a real cash sale, `t` with the supervisor PIN into training, a
//! training sale (its receipt headed "TRAINING — NOT A RECEIPT", the drawer not kicked), `t`
//! with the PIN back out; `qrtill sales` then lists only the real sale.

use crate::e2e_support;

use e2e_support::{Tmux, run_qrtill, set_pin};
use std::path::Path;

const PIN: &str = "2468";
/// ESC p 0 25 250: the drawer kick the receipt printer sends with a cash sale's original print.
const DRAWER_KICK: [u8; 5] = [0x1b, b'p', 0, 25, 250];
/// GS V A 0: the paper cut that ends every receipt.
const CUT: [u8; 4] = [0x1d, b'V', b'A', 0];

fn count(haystack: &[u8], needle: &[u8]) -> usize {
    haystack
        .windows(needle.len())
        .filter(|w| *w == needle)
        .count()
}

fn sales_json(data: &Path, args: &[&str]) -> Vec<serde_json::Value> {
    let out = run_qrtill(data, args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    match serde_json::from_str::<serde_json::Value>(text.trim()) {
        Ok(serde_json::Value::Array(list)) => list,
        Ok(other) => panic!("sales json is not a list: {other}"),
        Err(e) => panic!("sales json: {e}\n{text}"),
    }
}

fn cash_sale(t: &Tmux, barcode: &str, name: &str) -> String {
    t.scan(barcode);
    t.wait_for(&format!("Added {name}"));
    t.send_keys(&["F9"]);
    t.wait_for("(exact)");
    t.send_keys(&["a"]);
    let receipt = t.wait_for("Receipt printed");
    t.send_keys(&["Enter"]);
    t.wait_for("Next customer");
    receipt
}

#[test]
fn a_training_session_between_real_sales_stays_out_of_the_sales_list() {
    let receipts = match tempfile::NamedTempFile::new() {
        Ok(f) => f.into_temp_path(),
        Err(e) => panic!("temp file: {e}"),
    };
    let target = format!("file:{}", receipts.display());
    let t = Tmux::with_data(
        |data| {
            set_pin(data, PIN);
            Tmux::counter_command(data, &["--printer", &target])
        },
        120,
        40,
    );
    t.wait_for("Scan:");
    let real = cash_sale(&t, "2000000000138", "Flat white 12oz");
    assert!(!real.contains("TRAINING"), "{real}");

    t.send_keys(&["t"]);
    t.wait_for("Switch to TRAINING");
    t.type_text(PIN);
    let screen = t.wait_for("PIN: ●●●●_");
    assert!(!screen.contains(PIN), "the PIN is masked:\n{screen}");
    t.send_keys(&["Enter"]);
    t.wait_for("TRAINING MODE");

    let training = cash_sale(&t, "2000000000268", "Latte 12oz");
    assert!(training.contains("TRAINING — NOT A RECEIPT"), "{training}");
    assert!(training.contains("TRAINING MODE"), "{training}");

    t.send_keys(&["t"]);
    t.wait_for("Leave training");
    t.type_text(PIN);
    t.wait_for("PIN: ●●●●_");
    t.send_keys(&["Enter"]);
    let back = t.wait_for("Training ended");
    assert!(!back.contains("TRAINING MODE"), "{back}");
    t.send_keys(&["C-q"]);
    assert_eq!(t.wait_exit(), 0);

    // The real sale (a flat white, 4.50) is the only one `qrtill sales` lists; the training
    // sale (a latte, 4.75) is listed only under `--training`.
    let real = sales_json(t.data_dir(), &["sales", "--format", "json"]);
    let training = sales_json(t.data_dir(), &["--training", "sales", "--format", "json"]);
    assert_eq!(real.len(), 1, "{real:?}");
    assert_eq!(training.len(), 1, "{training:?}");
    assert_eq!(real[0]["sale_no"], 1);
    assert_eq!(real[0]["tender"], "cash");
    assert_ne!(
        real[0]["total"], training[0]["total"],
        "{real:?} {training:?}"
    );

    // Both receipts were printed (each ends with a cut); only the real one kicked the drawer.
    // (The training header holds an em dash the printer's character set lacks, so that line
    // goes out as a raster image, not as text bytes: the screen check above reads it.)
    let printed = std::fs::read(&receipts).unwrap_or_default();
    assert_eq!(count(&printed, &CUT), 2, "two receipts");
    assert_eq!(count(&printed, &DRAWER_KICK), 1, "the real cash sale only");
}
