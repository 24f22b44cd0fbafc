//! Issue 13: any script on any printer. Lines a printer's character set cannot encode go out as
//! `GS v 0` raster images, never as `?`; the test decoder turns them back into dots, which must
//! equal the PNG picture of the same receipt dot for dot; the PNG's QR scans (rqrr) to the sale
//! reference. Goldens: `UPDATE_GOLDEN=1 cargo test --release --test suite receipt_raster::`.

use crate::common;

use common::escpos_decoder::{Item, Raster, decode, images, text_lines, to_text};
use common::golden::assert_golden;
use proptest::prelude::*;
use qrtill::receipt::layout::{Block, layout};
use qrtill::receipt::{
    EscPosOptions, EscPosReceipt, PaperWidth, PrinterCharset, Receipt, TextMode, render_escpos,
    render_png, render_text, samples,
};

/// The printable width of each paper in dots, from the printers' data sheets (8 dots/mm):
/// 58 mm heads 384, 42-column 80 mm heads (TM-T88 class) 512, 48-column ones 576.
fn paper_dots(width: PaperWidth) -> usize {
    match width {
        PaperWidth::W32 => 384,
        PaperWidth::W42 => 512,
        PaperWidth::W48 => 576,
    }
}

fn escpos(
    r: &Receipt,
    width: PaperWidth,
    charset: PrinterCharset,
    text: TextMode,
) -> EscPosReceipt {
    render_escpos(
        r,
        EscPosOptions {
            width,
            charset,
            reprint: false,
            text,
        },
    )
    .expect("renders")
}

/// The PNG decoded (by the `png` crate's decoder) into dots: true where black.
fn png_dots(r: &Receipt, width: PaperWidth) -> Vec<Vec<bool>> {
    let bytes = render_png(r, width).expect("encodes");
    let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    let mut reader = decoder.read_info().expect("a PNG header");
    let (w, h) = (reader.info().width as usize, reader.info().height as usize);
    assert_eq!(reader.info().bit_depth, png::BitDepth::One);
    let mut buf = vec![0; reader.output_buffer_size().expect("fits memory")];
    reader.next_frame(&mut buf).expect("a frame");
    let stride = w.div_ceil(8);
    (0..h)
        .map(|y| {
            (0..w)
                .map(|x| buf[y * stride + x / 8] & (0x80 >> (x % 8)) == 0)
                .collect()
        })
        .collect()
}

/// Where the printer puts `image` across the paper: at the left margin, or centred by the
/// image's whole width (ESC a 1).
fn left_edge(image: &Raster, paper: usize) -> usize {
    if image.centered {
        (paper - image.width()) / 2
    } else {
        0
    }
}

fn matches_at(page: &[Vec<bool>], image: &Raster, x: usize, y: usize) -> bool {
    y + image.height() <= page.len()
        && image.dots.iter().enumerate().all(|(dy, row)| {
            row.iter()
                .enumerate()
                .all(|(dx, ink)| page[y + dy].get(x + dx).copied().unwrap_or(false) == *ink)
        })
}

/// Every raster image of the job is found in the picture, at the printer's x and in order
/// going down the page; returns how many were compared.
fn assert_images_in_png(
    name: &str,
    r: &Receipt,
    width: PaperWidth,
    charset: PrinterCharset,
    mode: TextMode,
) -> usize {
    let out = escpos(r, width, charset, mode);
    let items = decode(&out.bytes, charset.encoding()).expect("decodes");
    let page = png_dots(r, width);
    let paper = paper_dots(width);
    assert_eq!(page[0].len(), paper, "{name}: picture width");
    let mut y = 0;
    let found = images(&items);
    for (n, image) in found.iter().enumerate() {
        assert!(
            image.width() <= paper,
            "{name}: image {n} is wider than the paper"
        );
        let x = left_edge(image, paper);
        let at = (y..page.len())
            .find(|&yy| matches_at(&page, image, x, yy))
            .unwrap_or_else(|| {
                panic!("{name}: raster image {n} is not in the PNG at x={x} below y={y}")
            });
        y = at + image.height();
    }
    found.len()
}

#[test]
fn kakao_pay_on_a_gb18030_printer_prints_korean_as_images_not_question_marks() {
    let r = samples::kakao_pay_sale();
    let out = escpos(
        &r,
        PaperWidth::W42,
        PrinterCharset::Gb18030,
        TextMode::Native,
    );
    assert!(
        out.replaced.is_empty(),
        "{:?}",
        out.warning(PrinterCharset::Gb18030)
    );
    assert_eq!(out.warning(PrinterCharset::Gb18030), None);
    let items = decode(&out.bytes, PrinterCharset::Gb18030.encoding()).expect("decodes");
    let printed = text_lines(&items);
    assert!(printed.iter().all(|l| !l.contains('?')), "{printed:?}");
    // Every layout line with Hangul became one image; every other line is still text.
    let layout_lines: Vec<String> = render_text(&r, PaperWidth::W42);
    let hangul = |s: &str| s.chars().any(|c| ('\u{ac00}'..='\u{d7a3}').contains(&c));
    let korean = layout_lines.iter().filter(|l| hangul(l)).count();
    assert!(korean >= 15, "the sample has many Korean labels: {korean}");
    assert_eq!(images(&items).len(), korean);
    assert_eq!(out.raster_lines, korean);
    let plain: Vec<&str> = layout_lines
        .iter()
        .filter(|l| !hangul(l) && !l.trim().is_empty())
        .map(|l| l.trim())
        .collect();
    let printed_plain: Vec<&str> = printed
        .iter()
        .map(|l| l.trim())
        .filter(|l| !l.is_empty())
        .collect();
    assert_eq!(printed_plain, plain);

    // native-only keeps today's behaviour: question marks and the warning.
    let old = escpos(
        &r,
        PaperWidth::W42,
        PrinterCharset::Gb18030,
        TextMode::NativeOnly,
    );
    assert!(old.replaced.len() > 40, "{}", old.replaced.len());
    let warning = old.warning(PrinterCharset::Gb18030).unwrap_or_default();
    assert!(warning.contains("printed as '?'"), "{warning}");
    assert_eq!(old.raster_lines, 0);
}

#[test]
fn raster_lines_keep_the_columns_of_the_text_lines_around_them() {
    // A CJK glyph is two columns on paper as on screen, and a column is a 12-dot Font A cell:
    // in a left-aligned image, ink for column c lies in dots 12c .. 12c + 12, so the first and
    // last glyphs of each line sit where the printer's text would put them.
    let r = samples::kakao_pay_sale();
    let out = escpos(
        &r,
        PaperWidth::W42,
        PrinterCharset::Gb18030,
        TextMode::Native,
    );
    let items = decode(&out.bytes, PrinterCharset::Gb18030.encoding()).expect("decodes");
    let hangul = |s: &str| s.chars().any(|c| ('\u{ac00}'..='\u{d7a3}').contains(&c));
    let korean: Vec<String> = render_text(&r, PaperWidth::W42)
        .into_iter()
        .filter(|l| hangul(l))
        .collect();
    let found = images(&items);
    assert_eq!(found.len(), korean.len());
    let mut checked = 0;
    for (image, line) in found.iter().zip(&korean) {
        if image.centered {
            continue;
        }
        let cols = qrtill::receipt::width::width(line.trim_end());
        let lead = line.len() - line.trim_start().len();
        let ink_cols: Vec<usize> = (0..image.width())
            .filter(|&x| image.dots.iter().any(|row| row[x]))
            .collect();
        let (first, last) = (ink_cols[0], ink_cols[ink_cols.len() - 1]);
        assert_eq!(first / 12, lead, "{line:?}: first ink at dot {first}");
        assert_eq!(last / 12, cols - 1, "{line:?}: last ink at dot {last}");
        checked += 1;
    }
    assert!(checked >= 12, "{checked}");
    // The right-aligned amounts end in column 42 like the text lines' amounts.
    assert!(
        found
            .iter()
            .any(|i| !i.centered && i.dots.iter().any(|row| row[492..504].contains(&true)))
    );
}

#[test]
fn goldens_kakao_and_thai_on_gb18030_hk_on_big5_and_a_whole_raster_receipt() {
    let cases = [
        (
            "kakao_pay_promo.gb18030.native",
            samples::kakao_pay_sale(),
            PrinterCharset::Gb18030,
            TextMode::Native,
        ),
        (
            "thai_item.gb18030.native",
            samples::thai_item_sale(),
            PrinterCharset::Gb18030,
            TextMode::Native,
        ),
        (
            "alipay_hk.big5.native",
            samples::alipay_hk_sale(),
            PrinterCharset::Big5,
            TextMode::Native,
        ),
        (
            "kakao_pay_promo.gb18030.raster",
            samples::kakao_pay_sale(),
            PrinterCharset::Gb18030,
            TextMode::Raster,
        ),
    ];
    for (stem, r, charset, mode) in cases {
        let out = escpos(&r, PaperWidth::W42, charset, mode);
        assert!(out.replaced.is_empty(), "{stem}: {:?}", out.replaced);
        let items = decode(&out.bytes, charset.encoding()).expect("decodes");
        assert_golden(&format!("{stem}.w42.escpos.txt"), &to_text(&items));
    }
}

#[test]
fn thai_item_is_one_image_and_the_rest_of_the_slip_is_printer_text() {
    let r = samples::thai_item_sale();
    let out = escpos(
        &r,
        PaperWidth::W32,
        PrinterCharset::Gb18030,
        TextMode::Native,
    );
    let items = decode(&out.bytes, PrinterCharset::Gb18030.encoding()).expect("decodes");
    assert_eq!(images(&items).len(), 1);
    assert!(text_lines(&items).iter().all(|l| !l.contains('?')));
    assert!(
        out.bytes.len() < 2_000,
        "one image line is small: {}",
        out.bytes.len()
    );
}

#[test]
fn a_raster_job_has_no_text_lines_but_blank_ones() {
    let r = samples::kakao_pay_sale();
    let out = escpos(&r, PaperWidth::W48, PrinterCharset::Ascii, TextMode::Raster);
    let items = decode(&out.bytes, None).expect("decodes");
    assert!(text_lines(&items).iter().all(|l| l.is_empty()));
    let non_blank = render_text(&r, PaperWidth::W48)
        .iter()
        .filter(|l| !l.trim().is_empty())
        .count();
    assert_eq!(images(&items).len(), non_blank);
    // QR, barcode, cut are still printer commands.
    assert!(
        items
            .iter()
            .any(|i| matches!(i, Item::Event(e) if e.starts_with("[QR] ")))
    );
}

#[test]
fn round_trip_the_escpos_raster_equals_the_png_dot_for_dot() {
    let cases = [
        (
            "kakao native",
            samples::kakao_pay_sale(),
            PrinterCharset::Gb18030,
            TextMode::Native,
        ),
        (
            "thai native",
            samples::thai_item_sale(),
            PrinterCharset::Gb18030,
            TextMode::Native,
        ),
        (
            "hk raster",
            samples::alipay_hk_sale(),
            PrinterCharset::Big5,
            TextMode::Raster,
        ),
        (
            "kakao raster",
            samples::kakao_pay_sale(),
            PrinterCharset::Gb18030,
            TextMode::Raster,
        ),
        (
            "cash raster",
            samples::cash_sale(),
            PrinterCharset::Ascii,
            TextMode::Raster,
        ),
    ];
    for (name, r, charset, mode) in cases {
        for width in PaperWidth::ALL {
            let compared = assert_images_in_png(name, &r, width, charset, mode);
            assert!(compared > 0, "{name} {width:?}: no raster line to compare");
        }
    }
}

#[test]
fn the_pngs_sale_qr_scans_to_the_sale_reference() {
    for r in [
        samples::kakao_pay_sale(),
        samples::cash_sale(),
        samples::alipay_hk_sale(),
    ] {
        for width in PaperWidth::ALL {
            let page = png_dots(&r, width);
            let (w, h) = (page[0].len(), page.len());
            let mut img =
                rqrr::PreparedImage::prepare_from_greyscale(
                    w,
                    h,
                    |x, y| {
                        if page[y][x] { 0 } else { 255 }
                    },
                );
            let found: Vec<String> = img
                .detect_grids()
                .into_iter()
                .filter_map(|g| g.decode().ok().map(|(_, content)| content))
                .collect();
            assert_eq!(found, vec![r.sale_reference.clone()], "{width:?}");
        }
    }
}

#[test]
fn the_png_is_as_tall_as_the_printed_job() {
    // Text lines 30 dots, QR 6-dot modules plus a line feed, barcode 80 dots plus its text and
    // a line feed: the same sum the printer feeds.
    let r = samples::cash_sale();
    let page = png_dots(&r, PaperWidth::W42);
    let blocks = layout(&r, PaperWidth::W42);
    let text = blocks
        .iter()
        .filter(
            |b| matches!(b, Block::Text { text, style } if text.is_empty() || !style.double_height),
        )
        .count();
    let tall = blocks
        .iter()
        .filter(
            |b| matches!(b, Block::Text { text, style } if !text.is_empty() && style.double_height),
        )
        .count();
    // "QRT-0007-03-000121" is all in QR's alphanumeric set: 18 characters fit version 1 at
    // level M, 21 modules.
    let qr_modules = 21;
    let expected = text * 30 + tall * 54 + (qr_modules * 6 + 30) + (80 + 30 + 30);
    assert_eq!(page.len(), expected);
}

#[test]
fn a_forty_line_raster_job_adds_under_20_kb_over_the_text_job() {
    let mut r = samples::cash_sale();
    let count = |r: &Receipt| {
        layout(r, PaperWidth::W42)
            .iter()
            .filter(|b| matches!(b, Block::Text { .. }))
            .count()
    };
    let item = r.lines[1].clone();
    while count(&r) < 40 {
        let mut next = item.clone();
        next.name = format!("Almond croissant {}", r.lines.len());
        r.lines.push(next);
    }
    assert_eq!(count(&r), 40);
    let native = escpos(
        &r,
        PaperWidth::W42,
        PrinterCharset::Gb18030,
        TextMode::Native,
    );
    let raster = escpos(
        &r,
        PaperWidth::W42,
        PrinterCharset::Gb18030,
        TextMode::Raster,
    );
    assert_eq!(native.raster_lines, 0);
    assert!(raster.raster_lines >= 38, "{}", raster.raster_lines);
    let added = raster.bytes.len() - native.bytes.len();
    assert!(added < 20_000, "raster adds {added} bytes");
}

/// Letters from several scripts: Latin with accents, Greek, Cyrillic, Thai (with its marks),
/// Hangul, Han, Hiragana, Arabic, and ASCII (never `?` itself).
fn script_char() -> impl Strategy<Value = char> {
    prop_oneof![
        proptest::char::range('A', 'z'),
        proptest::char::range('\u{c0}', '\u{17f}'),
        proptest::char::range('\u{391}', '\u{3c9}'),
        proptest::char::range('\u{410}', '\u{44f}'),
        proptest::char::range('\u{e01}', '\u{e4e}'),
        proptest::char::range('\u{ac00}', '\u{d7a3}'),
        proptest::char::range('\u{4e00}', '\u{9fff}'),
        proptest::char::range('\u{3041}', '\u{3096}'),
        proptest::char::range('\u{621}', '\u{64a}'),
        Just(' '),
    ]
}

proptest! {
    #[test]
    fn no_question_mark_is_printed_for_a_glyph_the_font_covers(
        chars in prop::collection::vec(script_char(), 1..40),
        charset in prop::sample::select(PrinterCharset::ALL.to_vec()),
        paper in prop::sample::select(PaperWidth::ALL.to_vec()),
        mode in prop::sample::select(vec![TextMode::Native, TextMode::Raster]),
    ) {
        let name: String = chars
            .into_iter()
            .filter(|&c| qrtill::receipt::raster::font_covers(c))
            .collect();
        let mut r = samples::cash_sale();
        r.lines[0].name = name.clone();
        r.lines[0].qty = 1;
        let out = escpos(&r, paper, charset, mode);
        prop_assert!(out.replaced.is_empty(), "{:?} lost {:?}", name, out.replaced);
        let items = decode(&out.bytes, charset.encoding());
        prop_assert!(items.is_ok(), "{:?}", items);
        for line in text_lines(&items.unwrap_or_default()) {
            prop_assert!(!line.contains('?'), "{} printed {:?} for {:?}", charset, line, name);
        }
    }
}
