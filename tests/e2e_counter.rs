//! The real `qrtill` binary in a real (tmux) terminal: a cashier's sale from scan to receipt,
//! small terminals, bad scans, quitting, and printing to a file.

use crate::e2e_support;

use e2e_support::{Tmux, run_qrtill};

/// What a receipt says about a sale, read the same way from the screen and from stdout.
#[derive(Debug, PartialEq)]
struct Slip {
    /// "SALE #N <date> <time>".
    sale: String,
    /// Item lines between the `====` rule and the first `----` rule.
    items: Vec<String>,
    total: String,
    tender: String,
    change: String,
}

/// Collapses runs of spaces so alignment does not matter, only the words and amounts.
fn words(line: &str) -> String {
    line.split_whitespace().collect::<Vec<_>>().join(" ")
}

impl Slip {
    fn parse(lines: &[String]) -> Slip {
        let all = lines.join("\n");
        // The line whose first word is `label` ("Cash" must not match "Cashier").
        let find = |label: &str| -> String {
            match lines
                .iter()
                .map(|l| words(l))
                .find(|l| l.split(' ').next() == Some(label))
            {
                Some(l) => l,
                None => panic!("no line starting with {label:?} in the receipt:\n{all}"),
            }
        };
        let start = lines
            .iter()
            .position(|l| l.trim_start().starts_with("===="));
        let Some(start) = start else {
            panic!("no ==== rule before the items in the receipt:\n{all}");
        };
        let items: Vec<String> = lines[start + 1..]
            .iter()
            .take_while(|l| !l.trim_start().starts_with("----"))
            .map(|l| words(l))
            .filter(|l| !l.is_empty())
            .collect();
        Slip {
            sale: find("SALE"),
            items,
            total: find("TOTAL"),
            tender: find("Cash"),
            change: find("Change"),
        }
    }

    fn sale_no(&self) -> u64 {
        let number = self
            .sale
            .trim_start_matches("SALE #")
            .split(' ')
            .next()
            .unwrap_or_default();
        match number.parse() {
            Ok(n) => n,
            Err(_) => panic!("no sale number in {:?}", self.sale),
        }
    }
}

/// The text inside the on-screen receipt box: what sits between the box's `│` borders.
fn receipt_box(screen: &str) -> Vec<String> {
    screen
        .lines()
        .filter_map(|l| {
            let first = l.find('│')?;
            let last = l.rfind('│')?;
            (last > first).then(|| l[first + '│'.len_utf8()..last].trim_end().to_string())
        })
        .collect()
}

/// The sale number in the status line "PAID · Sale N · ...".
fn paid_sale_no(screen: &str) -> u64 {
    let after = screen
        .split("PAID · Sale ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next());
    match after.and_then(|n| n.parse().ok()) {
        Some(n) => n,
        None => panic!("no 'PAID · Sale N' on screen:\n{screen}"),
    }
}

#[test]
fn cash_sale_in_the_real_binary_matches_receipt_last() {
    // The exit status goes to a file: tmux 3.3 sometimes loses a dead pane's status.
    let t = Tmux::counter_recording_exit(&[], 120, 40);
    t.scan("2000000000138");
    t.wait_for("Added Flat white 12oz");
    t.scan("2000000000268");
    t.wait_for("Added Latte 12oz");
    t.scan("012345001079"); // UPC-A, grocery food (not taxed)
    t.wait_for("Added Bottled water 500ml");
    t.scan("2000000000138");
    t.wait_for("2 x 4.50");

    t.send_keys(&["F9"]);
    t.wait_for("Amount tendered");
    t.type_text("20");
    t.wait_for("Change due");
    t.send_keys(&["Enter"]);
    let screen = t.wait_until("the paid receipt with its change line", |s| {
        s.contains("PAID") && receipt_box(s).iter().any(|l| l.starts_with("Change"))
    });

    let on_screen = Slip::parse(&receipt_box(&screen));
    assert_eq!(on_screen.sale_no(), 1, "a fresh journal starts at sale 1");
    assert_eq!(paid_sale_no(&screen), on_screen.sale_no());
    assert_eq!(
        on_screen.items,
        [
            "Flat white 12oz",
            "2 x 4.50 9.00",
            "Latte 12oz 4.75",
            "Bottled water 500ml 1.99"
        ]
    );
    // 13.75 taxed at 8.625% = 1.1859 -> 1.19 (half-up), plus 9.00 + 4.75 + 1.99.
    assert_eq!(on_screen.total, "TOTAL USD 16.93");
    assert_eq!(on_screen.tender, "Cash USD 20.00");
    assert_eq!(on_screen.change, "Change USD 3.07");

    t.send_keys(&["C-q"]);
    assert_eq!(t.wait_exit_recorded(), 0, "Ctrl-Q quits cleanly");

    let out = run_qrtill(t.data_dir(), &["receipt", "last"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "receipt last failed ({}): {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    let printed: Vec<String> = stdout.lines().map(str::to_string).collect();
    assert_eq!(Slip::parse(&printed), on_screen, "receipt last:\n{stdout}");
}

#[test]
fn small_terminal_shows_the_enlarge_hint() {
    let t = Tmux::with_data(|data| Tmux::counter_command(data, &[]), 60, 20);
    let screen = t.wait_for("Enlarge the terminal");
    assert!(
        screen.contains("60×20"),
        "the hint names the size:\n{screen}"
    );
    assert!(!screen.contains("Scan:"), "no counter squeezed into 60x20");

    t.resize(100, 30);
    let screen = t.wait_for("Scan:");
    assert!(
        !screen.contains("Enlarge"),
        "hint gone after resize:\n{screen}"
    );
    assert!(screen.contains("Basket"), "{screen}");
    assert!(
        screen.contains("? help"),
        "the key legend is visible:\n{screen}"
    );
    assert_eq!(t.pane_format("#{pane_width}x#{pane_height}"), "100x30");
}

#[test]
fn bad_scan_shows_a_message_and_adds_nothing() {
    let t = Tmux::counter(&[], 120, 40);
    t.scan("2000000000139"); // Flat white with the check digit off by one
    let screen = t.wait_for("Check digit wrong");
    assert!(screen.contains("expected 8"), "{screen}");
    assert!(screen.contains("Basket is empty"), "{screen}");
    assert!(screen.contains("USD 0.00"), "{screen}");

    t.scan("2000000009995"); // valid check digit, not sold here
    let screen = t.wait_for("not in the catalogue");
    assert!(screen.contains("nothing added"), "{screen}");
    assert!(screen.contains("Basket is empty"), "{screen}");
    assert!(screen.contains("USD 0.00"), "{screen}");

    // A good scan afterwards still works: the bad ones left no half-typed code behind.
    t.scan("2000000000268");
    let screen = t.wait_for("Added Latte 12oz");
    assert!(screen.contains("4.75"), "{screen}");
    assert!(!screen.contains("Basket is empty"), "{screen}");
}

#[test]
fn quitting_restores_the_terminal() {
    let t = Tmux::with_data(
        |data| {
            let d = |name: &str| e2e_support::sh_quote(&data.join(name).to_string_lossy());
            format!(
                "stty -a > {before}; {qrtill}; code=$?; stty -a > {after}; echo EXITED $code; sleep 600",
                before = d("stty.before"),
                after = d("stty.after"),
                qrtill = Tmux::qrtill_command(data, &[]),
            )
        },
        120,
        40,
    );
    t.wait_for("Scan:");
    assert_eq!(
        t.pane_format("#{alternate_on}"),
        "1",
        "the counter uses the alternate screen"
    );
    t.scan("2000000000138");
    t.wait_for("Added Flat white 12oz");

    t.send_keys(&["C-q"]);
    let screen = t.wait_for("EXITED");
    assert!(screen.contains("EXITED 0"), "qrtill exit code:\n{screen}");
    assert!(!screen.contains("Basket"), "the counter is gone:\n{screen}");
    assert_eq!(
        t.pane_format("#{alternate_on}"),
        "0",
        "back on the main screen"
    );
    assert_eq!(
        t.pane_format("#{cursor_flag}"),
        "1",
        "the cursor is visible again"
    );

    let read = |name: &str| match std::fs::read_to_string(t.data_path(name)) {
        Ok(s) => s,
        Err(e) => panic!("{name}: {e}"),
    };
    let (before, after) = (read("stty.before"), read("stty.after"));
    assert!(
        before.contains(" icanon") && before.contains(" echo"),
        "{before}"
    );
    assert_eq!(
        after, before,
        "terminal modes (raw mode off, echo on) are restored"
    );
}

#[test]
fn printer_file_target_receives_the_receipt() {
    let dir = match tempfile::tempdir() {
        Ok(d) => d,
        Err(e) => panic!("temp dir: {e}"),
    };
    let receipts = dir.path().join("receipts.bin");
    let target = format!("file:{}", receipts.display());
    let t = Tmux::counter(&["--printer", &target], 120, 40);
    t.scan("2000000000527");
    t.wait_for("Added Cappuccino 12oz");
    t.send_keys(&["F9"]);
    t.wait_for("(exact)");
    t.send_keys(&["a"]);
    t.wait_for("PAID");
    t.wait_for("Receipt printed");

    let bytes = match std::fs::read(&receipts) {
        Ok(b) => b,
        Err(e) => panic!("{}: {e}", receipts.display()),
    };
    assert!(
        bytes.starts_with(&[0x1B, 0x40]),
        "ESC @ initialises the printer first: {:02X?}",
        &bytes[..bytes.len().min(8)]
    );
    let has = |needle: &[u8]| bytes.windows(needle.len()).any(|w| w == needle);
    assert!(
        has(b"Cappuccino 12oz"),
        "the item name is in the print data"
    );
    assert!(has(b"SALE #1"), "the sale number is in the print data");
    // GS V: the paper is cut after the receipt.
    assert!(has(&[0x1D, 0x56]), "the receipt ends with a cut");
}
