//! `qrtill receipt last|N`: prints a stored receipt to stdout (or `-o FILE`): text, ESC/POS, or
//! a PNG picture of the paper slip; the text slip has the sale's refunds under it.

use super::args::{ReceiptArgs, ReceiptFormat};
use super::{EXIT_BAD_INPUT, Outcome, Setup};
use crate::checkout::slip::receipt_for;
use crate::journal::Journal;
use crate::receipt::{
    EscPosOptions, Lang, PaperWidth, PrinterCharset, render_escpos, render_png, render_text_string,
};
use std::io::IsTerminal;

pub fn run(setup: &Setup, args: &ReceiptArgs, printer_flag: Option<&str>) -> Outcome {
    let width = match args.width {
        Some(w) => match PaperWidth::from_columns(w) {
            Ok(w) => w,
            Err(e) => return Outcome::fail(EXIT_BAD_INPUT, format!("qrtill: {e}")),
        },
        None => PaperWidth::from_columns(u32::from(setup.config.receipt.width)).unwrap_or_default(),
    };
    let lang = match args.lang.as_deref().map(str::parse::<Lang>).transpose() {
        Ok(l) => l,
        Err(e) => return Outcome::fail(EXIT_BAD_INPUT, format!("qrtill: {e}")),
    };
    let path = setup.journal_path();
    if !path.exists() {
        return Outcome::fail(
            1,
            format!(
                "qrtill: no journal at {} yet: complete a sale first",
                path.display()
            ),
        );
    }
    let journal = match Journal::open(&path) {
        Ok(j) => j,
        Err(e) => return super::journal_failure(e),
    };
    let lane = &setup.config.store.lane_id;
    let found = if args.which == "last" {
        journal.last_sale(lane)
    } else {
        match args.which.parse::<u64>() {
            Ok(n) => journal.sale(lane, n),
            Err(_) => return not_paid_slip(setup, &journal, args, width, lang, printer_flag),
        }
    };
    let sale = match found {
        Ok(Some(s)) => s,
        Ok(None) if args.which == "last" => {
            return Outcome::fail(1, format!("qrtill: no sales yet on lane {lane}"));
        }
        Ok(None) => {
            return Outcome::fail(1, format!("qrtill: no sale {} on lane {lane}", args.which));
        }
        Err(e) => return Outcome::fail(1, format!("qrtill: {e}")),
    };
    let receipt = receipt_for(&sale, &setup.config, lang);
    let mut out = output(setup, args, printer_flag, &receipt, width);
    if out.code == 0 && !args.print && args.format == ReceiptFormat::Text {
        // The slip as it printed, then what has been refunded of it since (if anything: a sale
        // without refunds prints exactly its slip, as scripts compare it with the screen).
        match journal.sale_record(&sale.lane_id, sale.sale_no) {
            Ok(Some(record)) if !record.refunds.is_empty() => {
                let offset = setup.config.store.utc_offset_minutes;
                out.stdout.push(b'\n');
                for line in record.refunds_text(offset) {
                    out.stdout.extend_from_slice(line.as_bytes());
                    out.stdout.push(b'\n');
                }
            }
            Ok(_) => {}
            Err(e) => return Outcome::fail(1, format!("qrtill: {e}")),
        }
    }
    out
}

/// Writes `receipt` as the arguments ask: text or ESC/POS on stdout, or on paper with `--print`.
fn output(
    setup: &Setup,
    args: &ReceiptArgs,
    printer_flag: Option<&str>,
    receipt: &crate::receipt::Receipt,
    width: PaperWidth,
) -> Outcome {
    if args.print {
        return print(setup, printer_flag, receipt, width);
    }
    let written = match args.format {
        ReceiptFormat::Text => Outcome::ok(render_text_string(receipt, width)),
        ReceiptFormat::Escpos => match reprint_bytes(setup, receipt, width) {
            Ok((bytes, warning)) => Outcome {
                stderr: warning,
                stdout: bytes,
                code: 0,
            },
            Err(o) => o,
        },
        ReceiptFormat::Png => {
            if args.output.is_none() && std::io::stdout().is_terminal() {
                return Outcome::fail(EXIT_BAD_INPUT, png_on_terminal(&args.which));
            }
            match render_png(receipt, width) {
                Ok(bytes) => Outcome::ok(bytes),
                Err(e) => Outcome::fail(1, format!("qrtill: {e}")),
            }
        }
    };
    match &args.output {
        Some(path) if written.code == 0 => to_file(written, path, &receipt.sale_reference),
        _ => written,
    }
}

/// Why `--format png` will not write to a terminal, and how to save the picture.
fn png_on_terminal(which: &str) -> String {
    format!(
        "qrtill: --format png writes a binary picture and stdout is a terminal: save it with -o FILE (qrtill receipt {which} --format png -o receipt.png) or redirect stdout (> receipt.png)"
    )
}

/// Writes what `outcome` would print to `path` instead; says where it went.
fn to_file(outcome: Outcome, path: &std::path::Path, reference: &str) -> Outcome {
    match std::fs::write(path, &outcome.stdout) {
        Ok(()) => Outcome {
            stdout: format!("Receipt {reference} written to {}\n", path.display()).into_bytes(),
            ..outcome
        },
        Err(e) => Outcome::fail(
            EXIT_BAD_INPUT,
            format!("qrtill: cannot write {}: {e}", path.display()),
        ),
    }
}

/// A reprint on paper: the receipt's ESC/POS bytes to the printer target, with its time limits.
fn print(
    setup: &Setup,
    printer_flag: Option<&str>,
    receipt: &crate::receipt::Receipt,
    width: PaperWidth,
) -> Outcome {
    let target = match setup.printer_target(printer_flag) {
        Ok(t) => t,
        Err(o) => return o,
    };
    if target == crate::printer::PrinterTarget::Screen {
        return Outcome::fail(
            EXIT_BAD_INPUT,
            "qrtill: the printer target is `screen`: name one with --printer (file:, device: or tcp:)",
        );
    }
    let bytes = match reprint_bytes(setup, receipt, width) {
        Ok((bytes, _)) => bytes,
        Err(o) => return o,
    };
    match crate::printer::send(&target, &bytes, crate::printer::PrintTimeouts::default()) {
        Ok(()) => Outcome::ok(format!(
            "Receipt {} reprinted on {target}\n",
            receipt.sale_reference
        )),
        Err(e) => Outcome::fail(1, format!("qrtill: receipt not printed: {e}")),
    }
}

/// The ESC/POS bytes of a reprint (never a drawer kick), in the configured printer character
/// set or, failing that, the one suited to the slip's language; plus any glyph warning.
fn reprint_bytes(
    setup: &Setup,
    receipt: &crate::receipt::Receipt,
    width: PaperWidth,
) -> Result<(Vec<u8>, Option<String>), Outcome> {
    let charset = setup
        .config
        .printer
        .charset
        .parse()
        .unwrap_or_else(|_| PrinterCharset::suited_to(receipt.lang));
    let opts = EscPosOptions {
        width,
        charset,
        reprint: true,
        text: setup.config.printer.text.parse().unwrap_or_default(),
    };
    render_escpos(receipt, opts)
        .map(|out| {
            let warning = out.warning(charset);
            (out.bytes, warning)
        })
        .map_err(|e| Outcome::fail(1, format!("qrtill: {e}")))
}

/// `qrtill receipt <REQUEST_ID>`: the slip of a payment attempt. A paid attempt prints its
/// sale's receipt; one that was not paid prints a NOT PAID slip (for a shopper who wants proof
/// that nothing was charged), from the basket journaled with the attempt.
fn not_paid_slip(
    setup: &Setup,
    journal: &Journal,
    args: &ReceiptArgs,
    width: PaperWidth,
    lang: Option<Lang>,
    printer_flag: Option<&str>,
) -> Outcome {
    let attempt = match journal.attempt(&args.which) {
        Ok(Some(a)) => a,
        Ok(None) => {
            return Outcome::fail(
                EXIT_BAD_INPUT,
                format!(
                    "qrtill: '{}' is neither a sale number nor a payment request id: use `last`, a number, or an id such as S0007L03A000001",
                    args.which
                ),
            );
        }
        Err(e) => return Outcome::fail(1, format!("qrtill: {e}")),
    };
    if attempt.state == crate::journal::AttemptState::Paid {
        return Outcome::fail(
            1,
            format!(
                "qrtill: {} was paid: print its sale's receipt (qrtill receipt last, or its number)",
                attempt.request_id
            ),
        );
    }
    if matches!(
        attempt.state,
        crate::journal::AttemptState::NeedsManual | crate::journal::AttemptState::Pending
    ) {
        // The wallet may hold the money: a NOT PAID slip could be false.
        return Outcome::fail(
            1,
            format!(
                "qrtill: {} is unresolved ({}): settle it with the acquirer (or run `qrtill reconcile`) before printing a slip",
                attempt.request_id,
                attempt.outcome.as_deref().unwrap_or("no outcome yet")
            ),
        );
    }
    let Some(draft) = attempt.basket else {
        return Outcome::fail(1, "qrtill: the attempt's journaled basket is unreadable");
    };
    let mut receipt = receipt_for(&draft, &setup.config, lang);
    receipt.status = crate::receipt::ReceiptStatus::NotPaid;
    receipt.sale_reference = attempt.request_id.clone();
    output(setup, args, printer_flag, &receipt, width)
}
