//! A broken scenario file is refused with `file:line: message` for each kind of mistake, by the
//! parser and by `qrtill play` (exit 2).

use qrtill::scenario::parse;

const GOOD: &str = r#"version = 1
name = "good"

[[step]]
scan = "2000000000138"

[[step]]
key = "pay-code"

[[step]]
phone = "present-code"
shopper = "li-na"

[[step]]
wait = "3s"

[[step]]
expect.status = "Receipt"
"#;

/// `GOOD` with `from` replaced by `to`; the replacement must apply.
fn broken(from: &str, to: &str) -> String {
    assert!(GOOD.contains(from), "{from}");
    GOOD.replacen(from, to, 1)
}

fn refused(text: &str) -> (usize, String) {
    match parse(text, "bad.toml") {
        Ok(_) => panic!("accepted:\n{text}"),
        Err(e) => {
            let shown = e.to_string();
            assert!(
                shown.starts_with(&format!("bad.toml:{}: ", e.line)),
                "{shown}"
            );
            (e.line, e.message)
        }
    }
}

#[test]
fn the_good_file_parses() {
    let s = parse(GOOD, "good.toml").expect("parses");
    assert_eq!(s.steps.len(), 5);
    assert_eq!(s.steps[2].line, 10);
}

#[test]
fn an_unknown_key_names_the_key_and_its_line() {
    let (line, msg) = refused(&broken(
        "shopper = \"li-na\"",
        "shopper = \"li-na\"\nhurry = true",
    ));
    assert_eq!(line, 13);
    assert!(msg.contains("unknown key `hurry`"), "{msg}");
    let (line, msg) = refused(&broken(
        "name = \"good\"",
        "name = \"good\"\nauthor = \"me\"",
    ));
    assert_eq!(line, 3);
    assert!(msg.contains("author"), "{msg}");
    let (line, msg) = refused(&broken("expect.status", "expect.stauts"));
    assert_eq!(line, 18);
    assert!(msg.contains("stauts"), "{msg}");
}

#[test]
fn a_bad_value_names_the_line() {
    let (line, msg) = refused(&broken("wait = \"3s\"", "wait = \"3 parsecs\""));
    assert_eq!(line, 15);
    assert!(msg.contains("not a duration"), "{msg}");
    let (line, msg) = refused(&broken("key = \"pay-code\"", "key = \"pay-bitcoin\""));
    assert_eq!(line, 8);
    assert!(msg.contains("unknown key \"pay-bitcoin\""), "{msg}");
    let (line, msg) = refused(&broken("scan = \"2000000000138\"", "scan = 2000000000138"));
    assert_eq!(line, 5);
    assert!(msg.contains("must be a string"), "{msg}");
    let (line, msg) = refused(&broken(
        "expect.status = \"Receipt\"",
        "expect.sales = \"one\"",
    ));
    assert_eq!(line, 18);
    assert!(msg.contains("expect"), "{msg}");
}

#[test]
fn an_unknown_shopper_names_the_line() {
    let (line, msg) = refused(&broken("shopper = \"li-na\"", "shopper = \"nobody\""));
    assert_eq!(line, 12);
    assert!(msg.contains("unknown shopper `nobody`"), "{msg}");
    assert!(
        msg.contains("li-na"),
        "the known shoppers are listed: {msg}"
    );
}

#[test]
fn an_unknown_step_type_names_the_line() {
    let (line, msg) = refused(&broken("wait = \"3s\"", "dance = \"tango\""));
    assert_eq!(line, 15);
    assert!(msg.contains("unknown step type `dance`"), "{msg}");
    let (line, msg) = refused(&broken("wait = \"3s\"", "wait = \"3s\"\nscan = \"1\""));
    assert_eq!(line, 16);
    assert!(msg.contains("two types"), "{msg}");
}

#[test]
fn a_bad_version_is_refused_first() {
    let (line, msg) = refused(&broken("version = 1", "version = 2"));
    assert_eq!(line, 1);
    assert!(msg.contains("unsupported version 2"), "{msg}");
    let (line, msg) = refused(&broken("version = 1\n", "\n"));
    assert_eq!(line, 1);
    assert!(msg.contains("missing `version = 1`"), "{msg}");
    let (_, msg) = refused(&broken("version = 1", "version = \"one\""));
    assert!(msg.contains("unsupported version"), "{msg}");
}

#[test]
fn toml_syntax_errors_have_a_line_too() {
    let (line, _) = refused(&broken("wait = \"3s\"", "wait = \"3s"));
    assert_eq!(line, 15);
}

#[test]
fn qrtill_play_exits_2_with_file_and_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("bad.toml");
    std::fs::write(&path, broken("shopper = \"li-na\"", "shopper = \"nobody\"")).expect("write");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_qrtill"))
        .arg("play")
        .arg(&path)
        .output()
        .expect("qrtill runs");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!("{}:12: unknown shopper `nobody`", path.display())),
        "{err}"
    );
}
