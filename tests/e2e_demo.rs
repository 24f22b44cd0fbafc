//! `qrtill demo --loop` in a real (tmux) terminal: the caption bar narrates, any key hands the
//! counter to a person and the same key gives it back, and memory does not grow from loop to
//! loop (resident set size read from /proc between loops).

use crate::e2e_support;

use e2e_support::Tmux;
use std::path::Path;

/// The demo process: the child of the pane's shell.
fn demo_pid(t: &Tmux) -> u32 {
    let shell = t.pane_format("#{pane_pid}");
    let children = std::fs::read_to_string(format!("/proc/{shell}/task/{shell}/children"))
        .unwrap_or_else(|e| panic!("children of the pane's shell {shell}: {e}"));
    children
        .split_whitespace()
        .next()
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("the pane's shell has no child: {children:?}"))
}

/// Resident set size of `pid`, kB.
fn rss_kb(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_else(|e| panic!("/proc/{pid}/status: {e}"));
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or_else(|| panic!("no VmRSS in {status}"))
}

#[test]
fn demo_loops_without_growing_and_hands_over_to_a_person() {
    let script =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/scenarios/demo/every-way-to-pay.toml");
    let script = script.to_string_lossy().into_owned();
    let t = Tmux::with_data(
        |data| Tmux::counter_command(data, &["demo", "--loop", "--speed", "1000", &script]),
        120,
        40,
    );
    let screen = t.wait_for("Every way to pay · step");
    assert!(screen.contains("any key: take over"), "{screen}");
    let pid = demo_pid(&t);

    t.wait_for("· loop 2 ·");
    let first = rss_kb(pid);
    t.wait_for("· loop 4 ·");
    let later = rss_kb(pid);
    eprintln!("demo RSS: loop 2 {first} kB, loop 4 {later} kB");
    assert!(
        later <= first + 1024,
        "memory grew from {first} kB (loop 2) to {later} kB (loop 4)"
    );

    // Any key hands the counter over; the script holds still while a person has it.
    t.send_keys(&["F12"]);
    let paused = t.wait_for("A person has the counter: press F12 to resume the demo");
    let step = |s: &str| {
        s.lines()
            .find(|l| l.contains("Every way to pay · step"))
            .map(str::to_string)
            .unwrap_or_default()
    };
    let held = step(&paused);
    std::thread::sleep(std::time::Duration::from_millis(300));
    assert_eq!(
        step(&t.capture()),
        held,
        "no step plays while a person has the counter"
    );
    // The same key gives it back.
    t.send_keys(&["F12"]);
    t.wait_for("any key: take over");
    t.send_keys(&["C-q"]);
    assert_eq!(t.wait_exit(), 0);
}
