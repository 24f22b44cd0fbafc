//! Issue 13 targets: a 42-column receipt rendered to PNG in under 5 ms, and a 40-line raster
//! job under 20 kB more than the same job in printer text.
//!
//! - `receipt_png/w42_kakao`: the Kakao Pay sample laid out, drawn and PNG-encoded at 42 columns.
//! - `receipt_png/w42_40_lines`: a 40-text-line cash receipt, the same way.
//! - `escpos_raster/w42_40_lines`: the 40-line receipt as ESC/POS with every line a raster image.
//!
//! The byte sizes of the 40-line job in `native` and `raster` mode are printed before the
//! timings (and the run stops if the difference is over 20 kB).
//!
//! Run: `cargo bench --bench receipt_png`.

use criterion::{Criterion, criterion_group, criterion_main};
use qrtill::receipt::layout::{Block, layout};
use qrtill::receipt::{
    EscPosOptions, PaperWidth, PrinterCharset, Receipt, TextMode, render_escpos, render_png,
    samples,
};
use std::hint::black_box;

/// The cash sample with items added until its layout has exactly `n` text lines.
fn receipt_with_text_lines(n: usize) -> Receipt {
    let mut r = samples::cash_sale();
    let count = |r: &Receipt| {
        layout(r, PaperWidth::W42)
            .iter()
            .filter(|b| matches!(b, Block::Text { .. }))
            .count()
    };
    let item = r.lines[1].clone();
    while count(&r) < n {
        let mut next = item.clone();
        next.name = format!("Almond croissant {}", r.lines.len());
        r.lines.push(next);
    }
    assert_eq!(count(&r), n, "one item adds one line");
    r
}

fn job_size(r: &Receipt, text: TextMode) -> usize {
    let opts = EscPosOptions {
        width: PaperWidth::W42,
        charset: PrinterCharset::Gb18030,
        reprint: true,
        text,
    };
    render_escpos(r, opts).expect("renders").bytes.len()
}

fn bench(c: &mut Criterion) {
    let long = receipt_with_text_lines(40);
    let native = job_size(&long, TextMode::Native);
    let raster = job_size(&long, TextMode::Raster);
    eprintln!(
        "40-line job at 42 columns: native {native} B, raster {raster} B, raster adds {} B",
        raster - native
    );
    assert!(
        raster - native < 20_000,
        "the raster job adds 20 kB or more"
    );

    let kakao = samples::kakao_pay_sale();
    let mut g = c.benchmark_group("receipt_png");
    g.bench_function("w42_kakao", |b| {
        b.iter(|| render_png(black_box(&kakao), PaperWidth::W42).expect("encodes"))
    });
    g.bench_function("w42_40_lines", |b| {
        b.iter(|| render_png(black_box(&long), PaperWidth::W42).expect("encodes"))
    });
    g.finish();
    c.bench_function("escpos_raster/w42_40_lines", |b| {
        b.iter(|| job_size(black_box(&long), TextMode::Raster))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
