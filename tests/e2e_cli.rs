//! The command line of the real binary, without a terminal: exit codes and messages for good
//! and bad catalogues and configs, `receipt` errors and `qr decode`.

use crate::e2e_support;

use e2e_support::run_qrtill;
use std::path::{Path, PathBuf};
use std::process::Output;
use tempfile::TempDir;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/e2e")
        .join(name)
}

fn fixture_arg(name: &str) -> String {
    fixture(name).to_string_lossy().into_owned()
}

fn data_dir() -> TempDir {
    match tempfile::tempdir() {
        Ok(d) => d,
        Err(e) => panic!("temp dir: {e}"),
    }
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn code(out: &Output) -> i32 {
    match out.status.code() {
        Some(c) => c,
        None => panic!("killed by a signal: {}", stderr(out)),
    }
}

/// The whole output, to show when an assertion fails.
fn shown(out: &Output) -> String {
    format!(
        "exit {:?}\n--- stdout\n{}--- stderr\n{}",
        out.status.code(),
        stdout(out),
        stderr(out)
    )
}

/// True when a terminal escape (ESC) was written: the counter must not touch the terminal
/// when it refuses to start.
fn has_escape(bytes: &[u8]) -> bool {
    bytes.contains(&0x1B)
}

/// Asserts `text` has a line `FILE:LINE: ...` that mentions `what`.
fn assert_problem(text: &str, file: &Path, line: u32, what: &str) {
    let prefix = format!("{}:{line}: ", file.display());
    assert!(
        text.lines()
            .any(|l| l.starts_with(&prefix) && l.contains(what)),
        "expected a line starting {prefix:?} mentioning {what:?} in:\n{text}"
    );
}

#[test]
fn catalog_check_accepts_a_good_toml_and_csv() {
    let data = data_dir();
    for (name, items) in [("good.toml", 4), ("good.csv", 2)] {
        let out = run_qrtill(data.path(), &["catalog", "check", &fixture_arg(name)]);
        assert_eq!(code(&out), 0, "{name}: {}", shown(&out));
        assert!(
            stdout(&out).contains(&format!("{items} items OK")),
            "{name}: {}",
            shown(&out)
        );
    }
}

#[test]
fn catalog_check_reports_every_problem_of_a_bad_toml_with_file_and_line() {
    let data = data_dir();
    let file = fixture("bad.toml");
    let out = run_qrtill(data.path(), &["catalog", "check", &fixture_arg("bad.toml")]);
    assert_eq!(code(&out), 2, "{}", shown(&out));
    let all = format!("{}{}", stdout(&out), stderr(&out));
    assert_problem(&all, &file, 8, "duplicate barcode 2000000000138");
    assert_problem(&all, &file, 15, "expected 8");
    assert_problem(&all, &file, 23, "negative");
    assert_problem(&all, &file, 29, "3 decimals");
    assert_problem(&all, &file, 36, "unknown tax category 'luxury'");
    assert_problem(&all, &file, 38, "missing field price");
    assert_problem(&all, &file, 48, "unknown key 'colour'");
    assert!(all.contains("7 problems"), "{all}");
}

#[test]
fn catalog_check_reports_every_problem_of_a_bad_csv_with_file_and_line() {
    let data = data_dir();
    let file = fixture("bad.csv");
    let out = run_qrtill(data.path(), &["catalog", "check", &fixture_arg("bad.csv")]);
    assert_eq!(code(&out), 2, "{}", shown(&out));
    let all = format!("{}{}", stdout(&out), stderr(&out));
    assert_problem(&all, &file, 2, "'4.5x' is not an amount");
    assert_problem(&all, &file, 3, "unknown tax category 'nope'");
    assert_problem(&all, &file, 5, "duplicate barcode 2000000000398");
    assert_problem(&all, &file, 6, "expected 7");
    assert_problem(&all, &file, 7, "missing field price");
    assert!(
        !all.contains(&format!("{}:4:", file.display())),
        "line 4 is fine: {all}"
    );
}

#[test]
fn counter_with_a_bad_catalogue_exits_2_before_touching_the_terminal() {
    let data = data_dir();
    let file = fixture("bad.toml");
    let out = run_qrtill(data.path(), &["--catalog", &fixture_arg("bad.toml")]);
    assert_eq!(code(&out), 2, "{}", shown(&out));
    assert!(
        !has_escape(&out.stdout) && !has_escape(&out.stderr),
        "no terminal control sequences: {}",
        shown(&out)
    );
    assert_problem(&stderr(&out), &file, 36, "unknown tax category 'luxury'");
    assert!(
        !data.path().join("journal.sqlite").exists(),
        "no journal is opened for a counter that cannot start"
    );
}

#[test]
fn a_config_with_an_unknown_key_exits_2_naming_file_and_line() {
    let data = data_dir();
    let file = fixture("bad_key.config.toml");
    // The counter itself and a subcommand both refuse it, before the terminal is touched.
    for args in [vec![], vec!["receipt", "last"]] {
        let mut full = vec!["--config", file.to_str().unwrap_or_default()];
        full.extend(args);
        let out = run_qrtill(data.path(), &full);
        assert_eq!(code(&out), 2, "{full:?}: {}", shown(&out));
        let err = stderr(&out);
        assert!(err.contains(&format!("{}:4: ", file.display())), "{err}");
        assert!(err.contains("bogus"), "{err}");
        assert!(!has_escape(&out.stdout), "{}", shown(&out));
    }
}

#[test]
fn a_config_that_is_not_toml_exits_2_naming_file_and_line() {
    let data = data_dir();
    let file = fixture("bad_syntax.config.toml");
    let out = run_qrtill(
        data.path(),
        &["--config", &fixture_arg("bad_syntax.config.toml")],
    );
    assert_eq!(code(&out), 2, "{}", shown(&out));
    let err = stderr(&out);
    assert!(err.contains(&format!("{}:3: ", file.display())), "{err}");
    assert!(!has_escape(&out.stdout), "{}", shown(&out));
}

#[test]
fn receipt_last_without_a_journal_exits_1_with_a_clear_message() {
    let data = data_dir();
    let out = run_qrtill(data.path(), &["receipt", "last"]);
    assert_eq!(code(&out), 1, "{}", shown(&out));
    assert!(stdout(&out).is_empty(), "{}", shown(&out));
    let err = stderr(&out);
    assert!(err.contains("no journal"), "{err}");
    assert!(err.contains("complete a sale first"), "{err}");
}

#[test]
fn receipt_on_unsupported_paper_width_exits_2_naming_the_widths() {
    let data = data_dir();
    let out = run_qrtill(data.path(), &["receipt", "5", "--width", "40"]);
    assert_eq!(code(&out), 2, "{}", shown(&out));
    let err = stderr(&out);
    assert!(err.contains("40"), "{err}");
    for width in ["32", "42", "48"] {
        assert!(err.contains(width), "names width {width}: {err}");
    }
}

#[test]
fn receipt_n_prints_that_sale_at_the_asked_width() {
    let data = data_dir();
    let sim = run_qrtill(data.path(), &["simulate", "--sales", "3"]);
    assert_eq!(code(&sim), 0, "{}", shown(&sim));
    let out = run_qrtill(data.path(), &["receipt", "2", "--width", "32"]);
    assert_eq!(code(&out), 0, "{}", shown(&out));
    let text = stdout(&out);
    assert!(text.lines().any(|l| l.starts_with("SALE #2 ")), "{text}");
    assert!(
        text.lines()
            .all(|l| unicode_width::UnicodeWidthStr::width(l) <= 32),
        "{text}"
    );
    let missing = run_qrtill(data.path(), &["receipt", "4"]);
    assert_eq!(code(&missing), 1, "{}", shown(&missing));
    assert!(stderr(&missing).contains("no sale"), "{}", shown(&missing));
}

/// A public QR Ph payload with a correct CRC (from vectors/emv-qr-public.json).
const QRPH: &str = "00020101021128620011ph.ppmi.p2m0111GXCHPHM2XXX032121702000005469871609905030005204581453036085802PH5917S and R MBTC 91826006Taguig6104163062650012ph.ppmi.qrph0308SRSU002005212170500000669901340940708GEN0035163049EE7";

#[test]
fn qr_decode_prints_json_for_a_valid_payload() {
    let data = data_dir();
    let out = run_qrtill(data.path(), &["qr", "decode", QRPH]);
    assert_eq!(code(&out), 0, "{}", shown(&out));
    let json: serde_json::Value = match serde_json::from_slice(&out.stdout) {
        Ok(v) => v,
        Err(e) => panic!("not JSON ({e}): {}", shown(&out)),
    };
    assert_eq!(json["mode"], "mpm");
    assert_eq!(json["crc"], "9EE7");
    assert_eq!(json["merchant_name"], "S and R MBTC 9182");
    assert_eq!(json["merchant_city"], "Taguig");
    assert_eq!(json["currency"]["alphabetic"], "PHP");
}

#[test]
fn qr_decode_of_a_corrupted_crc_exits_1_with_a_one_line_reason() {
    let data = data_dir();
    let corrupted = format!("{}9EE8", &QRPH[..QRPH.len() - 4]);
    let out = run_qrtill(data.path(), &["qr", "decode", &corrupted]);
    assert_eq!(code(&out), 1, "{}", shown(&out));
    assert!(
        stdout(&out).is_empty(),
        "no JSON for a broken payload: {}",
        shown(&out)
    );
    let err = stderr(&out);
    assert_eq!(err.trim_end().lines().count(), 1, "one line: {err:?}");
    assert!(err.contains("CRC"), "{err}");
    assert!(
        err.contains("9EE8") && err.contains("9EE7"),
        "both CRCs: {err}"
    );
}

#[test]
fn receipt_print_reprints_on_paper_without_kicking_the_drawer() {
    let data = data_dir();
    let out = run_qrtill(data.path(), &["simulate", "--sales", "1"]);
    assert_eq!(code(&out), 0, "{}", shown(&out));
    let paper = data.path().join("paper.bin");
    let target = format!("file:{}", paper.display());
    let out = run_qrtill(
        data.path(),
        &["receipt", "last", "--print", "--printer", &target],
    );
    assert_eq!(code(&out), 0, "{}", shown(&out));
    let bytes = std::fs::read(&paper).unwrap_or_default();
    assert!(bytes.starts_with(&[0x1b, 0x40]), "ESC @ first");
    let kick = qrtill::receipt::escpos::DRAWER_KICK;
    assert!(
        !bytes.windows(kick.len()).any(|w| w == kick),
        "a reprint of a cash sale never opens the drawer"
    );
    // A printer that refuses: exit 1 with the reason, and the sale is still in the journal.
    let out = run_qrtill(
        data.path(),
        &["receipt", "last", "--print", "--printer", "tcp:127.0.0.1:9"],
    );
    assert_eq!(code(&out), 1, "{}", shown(&out));
    assert!(
        stderr(&out).contains("receipt not printed"),
        "{}",
        shown(&out)
    );
    assert_eq!(code(&run_qrtill(data.path(), &["receipt", "last"])), 0);
}

#[test]
fn a_declined_attempt_prints_a_not_paid_slip_by_its_request_id() {
    use qrtill::checkout::Action;
    use qrtill::harness;
    use qrtill::network::ShopperId;
    use qrtill::runtime::{PhoneAction, ScreenPrinter};
    let data = data_dir();
    let request_id = {
        let config = qrtill::config::Config::default();
        let catalog =
            std::sync::Arc::new(harness::demo_catalog(&config).unwrap_or_else(|e| panic!("{e}")));
        let journal = qrtill::journal::Journal::open(&data.path().join("journal.sqlite"))
            .unwrap_or_else(|e| panic!("{e}"));
        let mut rt = harness::runtime(
            &config,
            catalog,
            journal,
            Box::new(ScreenPrinter::default()),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        harness::scan(&mut rt, "2000000000138");
        rt.dispatch(Action::PayCode);
        let maria = ShopperId("maria-santos".into()); // GCash, balance too low
        rt.phone(&maria, PhoneAction::PresentCode)
            .unwrap_or_else(|e| panic!("{e}"));
        rt.advance(std::time::Duration::from_secs(5));
        let attempts = rt.journal().all_attempts().unwrap_or_default();
        assert_eq!(attempts.len(), 1);
        assert_eq!(attempts[0].state, qrtill::journal::AttemptState::Failed);
        attempts[0].request_id.clone()
    };
    let out = run_qrtill(data.path(), &["receipt", &request_id, "--width", "32"]);
    assert_eq!(code(&out), 0, "{}", shown(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("NOT PAID"), "{text}");
    assert!(text.contains(&request_id), "{text}");
    assert!(text.contains("Flat white 12oz"), "{text}");
    // Not a number and not an attempt: exit 2 with what to type.
    let out = run_qrtill(data.path(), &["receipt", "S0007L03A999999"]);
    assert_eq!(code(&out), 2, "{}", shown(&out));
}

#[test]
fn a_bad_fx_rates_file_exits_2_naming_file_and_line() {
    let data = data_dir();
    let fx = data.path().join("rates.toml");
    std::fs::write(
        &fx,
        "as_of = \"2026-11-20\"\n[[rate]]\npair = \"USD/CNY\"\nmid = \"7.18\"\nbid = \"7\"\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let fx_arg = fx.display().to_string();
    let out = run_qrtill(data.path(), &["--fx", &fx_arg, "simulate", "--sales", "1"]);
    assert_eq!(code(&out), 2, "{}", shown(&out));
    let err = stderr(&out);
    assert!(err.contains(&format!("{fx_arg}:")), "{err}");
    assert!(err.contains("bid"), "{err}");
}
