//! Second screens with the real binary in tmux: `qrtill display` started before any counter
//! says so and attaches once one runs; `qrtill phone` pays a wallet QR sale; the display is
//! killed (SIGKILL) mid-sale and the counter does not notice.

use crate::e2e_support;

use e2e_support::{Tmux, sh_quote};

const FLAT_WHITE: &str = "2000000000138";

/// `qrtill --data DATA ARGS...` exec'd by the pane's shell, so the pane's pid is qrtill's.
fn exec_qrtill(data: &std::path::Path, args: &[&str]) -> String {
    format!("exec {}", Tmux::qrtill_command(data, args))
}

#[test]
fn a_display_waits_for_the_counter_and_a_killed_display_does_not_disturb_the_sale() {
    let display = Tmux::with_data(|d| exec_qrtill(d, &["display"]), 100, 30);
    let waiting = display.wait_for("No counter");
    assert!(waiting.contains("Retrying"), "{waiting}");
    let data = display.data_dir().to_path_buf();

    let counter = Tmux::with_data(|_| Tmux::counter_command(&data, &[]), 120, 40);
    counter.wait_for("Scan:");
    display.wait_for("Welcome!");

    counter.scan(FLAT_WHITE);
    display.wait_for("1 × Flat white 12oz");
    counter.send_keys(&["F5"]);
    display.wait_for("Scan to pay");

    let phone = Tmux::with_data(
        |_| exec_qrtill(&data, &["phone", "--shopper", "li-na"]),
        60,
        30,
    );
    phone.wait_for("Li Na");
    phone.send_keys(&["s"]);
    phone.wait_for("Confirm payment");

    // The display dies mid-sale, without a word to the counter.
    let pid = display.pane_format("#{pane_pid}");
    let killed = std::process::Command::new("kill")
        .args(["-KILL", pid.trim()])
        .status()
        .unwrap_or_else(|e| panic!("kill: {e}"));
    assert!(killed.success(), "kill -KILL {}", sh_quote(pid.trim()));

    phone.send_keys(&["y"]);
    phone.wait_for("✔ Paid");
    counter.wait_for("PAID · Sale 1");
    // And the counter goes on with the next customer.
    counter.send_keys(&["Enter"]);
    counter.scan(FLAT_WHITE);
    counter.wait_for("Flat white 12oz");
    counter.send_keys(&["C-q"]);
    assert_eq!(counter.wait_exit(), 0);
    assert!(
        !data.join("counter.sock").exists(),
        "the counter removes its socket when it closes"
    );
    phone.wait_for("No counter");
}
