//! Issue 13 with the real binary: a Kakao Pay sale on the default printer (charset `gb18030`)
//! prints its Korean labels as raster images, not `?` (found by a session: 52 glyphs were
//! replaced); `qrtill receipt N --format png` writes a picture to a file or a pipe and refuses a
//! terminal with a hint (exit 2).

use crate::common;
use crate::e2e_support;

use common::escpos_decoder::{decode, images, text_lines};
use e2e_support::{Tmux, pick_shopper, run_qrtill};
use encoding_rs::GB18030;

#[test]
fn kakao_pay_sale_on_the_default_gb18030_printer_prints_korean_as_images() {
    let paper = tempfile::tempdir().expect("a temp dir");
    let slips = paper.path().join("slips.bin");
    let target = format!("file:{}", slips.display());
    let t = Tmux::counter_recording_exit(&["--printer", &target], 120, 40);
    t.scan("2000000000138");
    t.wait_for("Added Flat white 12oz");
    t.send_keys(&["F6"]);
    t.wait_for("Code:");
    t.send_keys(&["F10"]);
    t.wait_for("Shopper phone (keys go here)");
    pick_shopper(&t, "Kim Min-jun");
    t.wait_for("Kakao Pay · 010****4821 · KRW");
    t.send_keys(&["p"]);
    t.wait_for("Enter the password");
    t.send_keys(&["y"]);
    t.wait_for("Receipt printed");

    let bytes = std::fs::read(&slips).expect("the printer file");
    let items = decode(&bytes, Some(GB18030)).expect("decodes");
    let printed = text_lines(&items);
    assert!(
        printed.iter().all(|l| !l.contains('?')),
        "no question marks on paper: {printed:#?}"
    );
    let pictures = images(&items).len();
    assert!(pictures >= 12, "the Korean lines are images: {pictures}");
    // The labels were not dropped: their English halves are in the images' lines, not text.
    assert!(!printed.iter().any(|l| l.starts_with("TOTAL")));
    assert!(printed.iter().any(|l| l.contains("Store 0007")));
    let log = std::fs::read_to_string(t.data_path("qrtill.log")).unwrap_or_default();
    assert!(log.contains("receipt printed"), "{log}");
    assert!(
        !log.contains("glyph"),
        "no glyph warning in the log:\n{log}"
    );

    // `qrtill receipt 1` (the reprint path) agrees, without a warning on stderr.
    let out = run_qrtill(t.data_dir(), &["receipt", "1", "--format", "escpos"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let again = decode(&out.stdout, Some(GB18030)).expect("decodes");
    assert_eq!(images(&again).len(), pictures);
    assert!(text_lines(&again).iter().all(|l| !l.contains('?')));
    let text = run_qrtill(t.data_dir(), &["receipt", "1"]);
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.contains("TOTAL 합계"), "{text}");
}

#[test]
fn png_receipts_go_to_a_file_or_a_pipe_and_never_to_a_terminal() {
    let data = tempfile::tempdir().expect("a temp dir");
    let sim = run_qrtill(data.path(), &["simulate", "--sales", "2"]);
    assert_eq!(sim.status.code(), Some(0), "{sim:?}");

    let file = data.path().join("slip.png");
    let to_file = run_qrtill(
        data.path(),
        &["receipt", "2", "--format", "png", "--width", "32", "-o"],
    );
    assert_eq!(to_file.status.code(), Some(2), "-o needs a file name");
    let to_file = run_qrtill(
        data.path(),
        &[
            "receipt",
            "2",
            "--format",
            "png",
            "--width",
            "32",
            "-o",
            file.to_str().expect("utf-8 temp path"),
        ],
    );
    assert_eq!(to_file.status.code(), Some(0), "{to_file:?}");
    assert!(String::from_utf8_lossy(&to_file.stdout).contains("written to"));
    let saved = std::fs::read(&file).expect("the PNG file");
    assert!(saved.starts_with(b"\x89PNG\r\n\x1a\n"));
    let header = png::Decoder::new(std::io::Cursor::new(saved.clone()))
        .read_info()
        .expect("a PNG");
    assert_eq!(header.info().width, 384, "58 mm paper is 384 dots");

    // stdout is a pipe here: the same bytes.
    let piped = run_qrtill(
        data.path(),
        &["receipt", "2", "--format", "png", "--width", "32"],
    );
    assert_eq!(piped.status.code(), Some(0));
    assert_eq!(piped.stdout, saved);

    // On a terminal: refused, with how to save it, and exit 2.
    let t = Tmux::with_data(
        |dir| {
            format!(
                "{} simulate --sales 1 > /dev/null; {} receipt 1 --format png; echo \"[exit $?]\"; exec sleep 600",
                Tmux::qrtill_command(dir, &[]),
                Tmux::qrtill_command(dir, &[])
            )
        },
        200,
        20,
    );
    let screen = t.wait_for("[exit ");
    assert!(screen.contains("[exit 2]"), "{screen}");
    assert!(screen.contains("-o FILE"), "{screen}");
    assert!(
        !screen.contains("PNG"),
        "no binary on the terminal:\n{screen}"
    );
}

#[test]
fn printer_text_in_the_config_chooses_raster_and_a_wrong_value_says_what_to_write() {
    let data = tempfile::tempdir().expect("a temp dir");
    let sim = run_qrtill(data.path(), &["simulate", "--sales", "1"]);
    assert_eq!(sim.status.code(), Some(0), "{sim:?}");
    let config = data.path().join("config.toml");

    std::fs::write(&config, "[printer]\ntext = \"raster\"\n").expect("write config");
    let out = run_qrtill(data.path(), &["receipt", "1", "--format", "escpos"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let items = decode(&out.stdout, Some(GB18030)).expect("decodes");
    assert!(
        text_lines(&items).iter().all(|l| l.is_empty()),
        "every line is a picture"
    );
    assert!(images(&items).len() > 20);

    std::fs::write(&config, "[printer]\ntext = \"native\"\n").expect("write config");
    let out = run_qrtill(data.path(), &["receipt", "1", "--format", "escpos"]);
    let items = decode(&out.stdout, Some(GB18030)).expect("decodes");
    assert!(
        images(&items).is_empty(),
        "an English cash slip needs no picture"
    );

    std::fs::write(&config, "[printer]\ntext = \"bitmap\"\n").expect("write config");
    let out = run_qrtill(data.path(), &["receipt", "1"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("config.toml"), "{err}");
    assert!(err.contains("printer.text"), "{err}");
    assert!(err.contains("native, raster or native-only"), "{err}");
}
