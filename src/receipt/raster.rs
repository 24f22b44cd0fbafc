//! Receipt lines as 1-bit pictures: GNU Unifont glyphs (the `unifont` crate, whole Basic
//! Multilingual Plane) drawn into the printer's Font A grid, sent as `GS v 0` raster images
//! when the printer's own fonts lack a glyph, and reused by the PNG renderer so paper and
//! picture agree dot for dot.
//!
//! Geometry, in printer dots (8 dots/mm): a layout column is one Font A cell, 12 × 24 dots, and
//! lines are 30 dots apart (24 + 6, the ESC 2 default on 203 dpi heads). A CJK glyph takes two
//! columns, 24 dots, exactly as the printer's double-byte font does, so raster lines stay
//! aligned with the text lines around them.

use super::layout::{Align, LineStyle};
use super::width::width;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Font A cell width in printer dots: one layout column.
pub const CELL_W: usize = 12;
/// Font A cell height in printer dots.
pub const CELL_H: usize = 24;
/// Blank dots below each line (line spacing 30 dots).
pub const LINE_GAP: usize = 6;
/// Raster lines go out in `GS v 0` quadruple mode (m = 3): one image dot prints as 2 × 2 printer
/// dots. At full density a 42-column line costs 1.9 kB and a 40-line job 75 kB; at half density
/// it is 480 bytes a line, so a whole raster receipt stays within 20 kB of the text job.
/// Unifont's 8 × 16 glyphs are resampled to the 6 × 12 image cell.
pub const DOT_SCALE: usize = 2;
/// `GS v 0` mode byte for `DOT_SCALE` 2 (double width and double height).
const GS_V0_MODE: u8 = 3;

const GS: u8 = 0x1d;

/// How receipt text reaches the paper (`printer.text` in the config).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TextMode {
    /// The printer's own fonts; a line with a glyph the character set cannot encode is printed
    /// as a raster image instead.
    #[default]
    Native,
    /// Every text line as a raster image (printers with no CJK font at all).
    Raster,
    /// The printer's fonts only: glyphs it lacks print as `?` (with a warning).
    NativeOnly,
}

impl TextMode {
    pub const ALL: [TextMode; 3] = [TextMode::Native, TextMode::Raster, TextMode::NativeOnly];

    pub fn name(self) -> &'static str {
        match self {
            TextMode::Native => "native",
            TextMode::Raster => "raster",
            TextMode::NativeOnly => "native-only",
        }
    }
}

impl fmt::Display for TextMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown printer text mode '{0}': use native, raster or native-only")]
pub struct UnknownTextMode(pub String);

impl FromStr for TextMode {
    type Err = UnknownTextMode;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().replace('_', "-").as_str() {
            "native" => Ok(TextMode::Native),
            "raster" => Ok(TextMode::Raster),
            "native-only" => Ok(TextMode::NativeOnly),
            _ => Err(UnknownTextMode(s.to_string())),
        }
    }
}

/// A 1-bit picture, rows packed most significant bit first (the `GS v 0` and PNG order);
/// a set bit is ink.
#[derive(Clone, PartialEq, Eq)]
pub struct Bitmap {
    width: usize,
    height: usize,
    stride: usize,
    bits: Vec<u8>,
}

impl fmt::Debug for Bitmap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "Bitmap {}x{}", self.width, self.height)?;
        for y in 0..self.height {
            let row: String = (0..self.width)
                .map(|x| if self.get(x, y) { '#' } else { '.' })
                .collect();
            writeln!(f, "{row}")?;
        }
        Ok(())
    }
}

impl Bitmap {
    /// A blank picture.
    pub fn new(width: usize, height: usize) -> Bitmap {
        let stride = width.div_ceil(8);
        Bitmap {
            width,
            height,
            stride,
            bits: vec![0; stride * height],
        }
    }

    /// A picture from packed rows of `width.div_ceil(8)` bytes each; `None` if the length is
    /// wrong. Bits past `width` in the last byte of a row are ignored.
    pub fn from_packed(width: usize, height: usize, bits: Vec<u8>) -> Option<Bitmap> {
        let stride = width.div_ceil(8);
        if bits.len() != stride * height {
            return None;
        }
        let mut b = Bitmap {
            width,
            height,
            stride,
            bits,
        };
        b.clear_padding();
        Some(b)
    }

    pub fn width(&self) -> usize {
        self.width
    }
    pub fn height(&self) -> usize {
        self.height
    }
    /// Bytes per row.
    pub fn stride(&self) -> usize {
        self.stride
    }
    /// All rows, packed.
    pub fn packed(&self) -> &[u8] {
        &self.bits
    }
    pub fn row(&self, y: usize) -> &[u8] {
        &self.bits[y * self.stride..(y + 1) * self.stride]
    }

    pub fn get(&self, x: usize, y: usize) -> bool {
        x < self.width
            && y < self.height
            && self.bits[y * self.stride + x / 8] & (0x80 >> (x % 8)) != 0
    }

    /// Sets one dot; dots outside the picture are ignored.
    pub fn set(&mut self, x: usize, y: usize) {
        if x < self.width && y < self.height {
            self.bits[y * self.stride + x / 8] |= 0x80 >> (x % 8);
        }
    }

    /// Fills a rectangle (clipped to the picture).
    pub fn fill(&mut self, x: usize, y: usize, w: usize, h: usize) {
        for yy in y..(y + h).min(self.height) {
            for xx in x..(x + w).min(self.width) {
                self.set(xx, yy);
            }
        }
    }

    /// ORs `other` into this picture with its top-left corner at (`x`, `y`), clipped. Works a
    /// byte at a time: a page is drawn from dozens of lines.
    pub fn draw(&mut self, other: &Bitmap, x: usize, y: usize) {
        let shift = x % 8;
        for oy in 0..other.height.min(self.height.saturating_sub(y)) {
            let dst = (y + oy) * self.stride;
            for (i, &byte) in other.row(oy).iter().enumerate() {
                if byte == 0 {
                    continue;
                }
                let at = x / 8 + i;
                // Bits past the source width are always clear (see `clear_padding`).
                if at < self.stride {
                    self.bits[dst + at] |= byte >> shift;
                }
                if shift > 0 && at + 1 < self.stride {
                    self.bits[dst + at + 1] |= byte << (8 - shift);
                }
            }
        }
        self.clear_padding();
    }

    /// Every dot as a `factor` × `factor` block (what `GS v 0` quadruple mode prints).
    pub fn scaled(&self, factor: usize) -> Bitmap {
        let mut out = Bitmap::new(self.width * factor, self.height * factor);
        if factor == 2 {
            // Each byte spreads to two: bit b of the source sets bits 2b and 2b + 1.
            for y in 0..self.height {
                let mut row = vec![0u8; out.stride];
                for (i, &byte) in self.row(y).iter().enumerate() {
                    let wide = spread(byte);
                    row[2 * i] = (wide >> 8) as u8;
                    if 2 * i + 1 < out.stride {
                        row[2 * i + 1] = wide as u8;
                    }
                }
                for k in 0..2 {
                    let dst = (2 * y + k) * out.stride;
                    out.bits[dst..dst + out.stride].copy_from_slice(&row);
                }
            }
            out.clear_padding();
            return out;
        }
        for y in 0..self.height {
            for x in 0..self.width {
                if self.get(x, y) {
                    out.fill(x * factor, y * factor, factor, factor);
                }
            }
        }
        out
    }

    /// The picture cut to rows `y .. y + h` and columns `x .. x + w` (clipped).
    pub fn crop(&self, x: usize, y: usize, w: usize, h: usize) -> Bitmap {
        let w = w.min(self.width.saturating_sub(x));
        let h = h.min(self.height.saturating_sub(y));
        let mut out = Bitmap::new(w, h);
        for yy in 0..h {
            for xx in 0..w {
                if self.get(x + xx, y + yy) {
                    out.set(xx, yy);
                }
            }
        }
        out
    }

    fn clear_padding(&mut self) {
        let spare = self.stride * 8 - self.width;
        if spare == 0 || self.stride == 0 {
            return;
        }
        let mask = !((1u8 << spare) - 1);
        for y in 0..self.height {
            self.bits[y * self.stride + self.stride - 1] &= mask;
        }
    }
}

/// `abcdefgh` → `aabbccddeeffgghh`.
fn spread(byte: u8) -> u16 {
    (0..8).fold(0u16, |acc, bit| {
        if byte & (0x80 >> bit) != 0 {
            acc | (0xc000 >> (2 * bit))
        } else {
            acc
        }
    })
}

/// Whether Unifont has a glyph for `c` (the BMP, less unassigned code points and surrogates).
pub fn font_covers(c: char) -> bool {
    unifont::get_glyph(c).is_some()
}

/// One text line drawn at image resolution (printer dots / `DOT_SCALE`), plus the glyphs the
/// font lacks (each drawn as an empty box, never as `?`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineImage {
    pub bitmap: Bitmap,
    pub missing: Vec<char>,
}

/// Draws `text` (as the layout gives it, already within the paper's columns) in `style`.
///
/// The text is trimmed as the ESC/POS renderer trims it (trailing blanks for left-aligned lines,
/// both sides for centred ones). The picture is as wide as its columns (12 dots each, rounded
/// up to a whole byte) and one line pitch tall: 30 dots, or 54 for a double-height line.
/// Bold is drawn as the printer does it, each stroke one dot wider.
pub fn line_image(text: &str, style: LineStyle) -> LineImage {
    let shown = match style.align {
        Align::Left => text.trim_end(),
        Align::Center => text.trim(),
    };
    let cell_w = CELL_W / DOT_SCALE;
    let glyph_h = CELL_H / DOT_SCALE * if style.double_height { 2 } else { 1 };
    let height = glyph_h + LINE_GAP / DOT_SCALE;
    let mut bitmap = Bitmap::new(width(shown) * cell_w, height);
    let mut missing = Vec::new();
    let mut col = 0usize;
    let mut last_x = 0usize;
    for (at, c) in shown.char_indices() {
        let cols = width(&shown[..at + c.len_utf8()]).saturating_sub(col);
        if c.is_control() {
            col += cols;
            continue;
        }
        // A zero-width mark (Thai vowels and tones, combining accents) sits on the glyph
        // before it: Unifont draws such marks to be overlaid on the previous cell.
        let (x, w) = if cols == 0 {
            (last_x, cell_w)
        } else {
            (col * cell_w, cols * cell_w)
        };
        match unifont::get_glyph(c) {
            Some(glyph) => {
                for (dy, row) in sampled(c, glyph, w, glyph_h).iter().enumerate() {
                    for dx in 0..w {
                        if row & (1 << (w - 1 - dx)) != 0 {
                            bitmap.set(x + dx, dy);
                        }
                    }
                }
            }
            None => {
                missing.push(c);
                draw_box(&mut bitmap, x, w.max(cell_w), glyph_h);
            }
        }
        if cols > 0 {
            last_x = x;
        }
        col += cols;
    }
    if style.bold {
        embolden(&mut bitmap);
    }
    LineImage { bitmap, missing }
}

/// Resampled glyphs by (glyph, width, height).
type GlyphCache = std::collections::HashMap<(char, usize, usize), std::rc::Rc<[u64]>>;

thread_local! {
    /// A slip repeats the same few dozen glyphs: each is resampled once per thread.
    static SAMPLED: std::cell::RefCell<GlyphCache> = std::cell::RefCell::new(GlyphCache::new());
}

/// `glyph` resampled to `w` × `h` dots (`w` ≤ 64: a glyph is at most a few columns), one
/// bitmask a row, the leftmost dot in bit `w - 1`.
fn sampled(c: char, glyph: &unifont::Glyph, w: usize, h: usize) -> std::rc::Rc<[u64]> {
    let w = w.min(64);
    SAMPLED.with(|cache| {
        cache
            .borrow_mut()
            .entry((c, w, h))
            .or_insert_with(|| {
                let mut cell = Bitmap::new(w, h);
                draw_glyph(&mut cell, glyph, 0, w, h);
                (0..h)
                    .map(|y| (0..w).fold(0u64, |acc, x| (acc << 1) | u64::from(cell.get(x, y))))
                    .collect()
            })
            .clone()
    })
}

/// Resamples a Unifont glyph (8 or 16 × 16) into `w` × `h` image dots at (`x`, 0). A dot is
/// ink when at least a third of its area is ink in the glyph: thin strokes survive the 4:3
/// reduction without filling the counters of letters.
fn draw_glyph(bitmap: &mut Bitmap, glyph: &unifont::Glyph, x: usize, w: usize, h: usize) {
    let gw = glyph.get_width();
    const GH: usize = 16;
    // Work in integer units: one target dot spans `gw` × `GH` units of a (w·gw) × (h·GH) grid
    // in which one glyph pixel spans `w` × `h` units.
    for ty in 0..h {
        let (y0, y1) = (ty * GH, (ty + 1) * GH);
        for tx in 0..w {
            let (x0, x1) = (tx * gw, (tx + 1) * gw);
            let mut ink = 0usize;
            for gy in y0 / h..y1.div_ceil(h).min(GH) {
                let oy = y1.min((gy + 1) * h) - y0.max(gy * h);
                for gx in x0 / w..x1.div_ceil(w).min(gw) {
                    if glyph.get_pixel(gx, gy) {
                        ink += (x1.min((gx + 1) * w) - x0.max(gx * w)) * oy;
                    }
                }
            }
            if ink * 3 >= gw * GH {
                bitmap.set(x + tx, ty);
            }
        }
    }
}

/// An empty box for a glyph nobody has (outside the BMP: emoji, rare Han).
fn draw_box(bitmap: &mut Bitmap, x: usize, w: usize, h: usize) {
    let (left, right) = (x + 1, x + w.saturating_sub(2));
    let (top, bottom) = (1, h.saturating_sub(2));
    for xx in left..=right {
        bitmap.set(xx, top);
        bitmap.set(xx, bottom);
    }
    for yy in top..=bottom {
        bitmap.set(left, yy);
        bitmap.set(right, yy);
    }
}

/// Double strike one dot to the right, like the printer's emphasised mode, except into a
/// one-dot gap: at image resolution that dot is two printer dots, and closing the gap would
/// fill the counters of letters such as `M`.
fn embolden(bitmap: &mut Bitmap) {
    let plain = bitmap.clone();
    for y in 0..plain.height {
        for x in 1..plain.width {
            if plain.get(x - 1, y) && !plain.get(x + 1, y) {
                bitmap.set(x, y);
            }
        }
    }
}

/// `GS v 0 m xL xH yL yH d…`: prints `image` as a raster bit image in quadruple mode. Images
/// wider than 65535 bytes a row or taller than 65535 rows cannot exist on a receipt (the widest
/// paper is 72 bytes), so the sizes always fit.
pub fn gs_v0(image: &Bitmap) -> Vec<u8> {
    let x = image.stride().min(0xffff);
    let y = image.height().min(0xffff);
    let mut out = Vec::with_capacity(8 + image.packed().len());
    out.extend_from_slice(&[
        GS,
        b'v',
        b'0',
        GS_V0_MODE,
        (x % 256) as u8,
        (x / 256) as u8,
        (y % 256) as u8,
        (y / 256) as u8,
    ]);
    out.extend_from_slice(image.packed());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const PLAIN: LineStyle = LineStyle {
        align: Align::Left,
        bold: false,
        double_height: false,
    };

    #[test]
    fn text_modes_parse_with_a_hint() {
        for m in TextMode::ALL {
            assert_eq!(m.name().parse::<TextMode>(), Ok(m));
        }
        assert_eq!("Native_Only".parse(), Ok(TextMode::NativeOnly));
        let err = "bitmap".parse::<TextMode>().unwrap_err().to_string();
        assert!(err.contains("native, raster or native-only"), "{err}");
    }

    #[test]
    fn a_wide_glyph_takes_two_cells_and_a_narrow_one_takes_one() {
        let cell = CELL_W / DOT_SCALE;
        assert_eq!(line_image("합", PLAIN).bitmap.width(), 2 * cell);
        assert_eq!(line_image("a", PLAIN).bitmap.width(), cell);
        assert_eq!(line_image("합계 ok", PLAIN).bitmap.width(), 7 * cell);
        // The stride is whole bytes: 7 cells of 6 dots = 42 dots = 6 bytes.
        assert_eq!(line_image("합계 ok", PLAIN).bitmap.stride(), 6);
    }

    #[test]
    fn line_pitch_is_thirty_printer_dots_and_double_height_doubles_the_glyph() {
        let plain = line_image("TOTAL", PLAIN).bitmap;
        assert_eq!(plain.height() * DOT_SCALE, 30);
        let tall = LineStyle {
            double_height: true,
            ..PLAIN
        };
        assert_eq!(line_image("TOTAL", tall).bitmap.height() * DOT_SCALE, 54);
    }

    #[test]
    fn glyphs_have_ink_where_the_font_has_it_and_the_gap_stays_blank() {
        let img = line_image("합", PLAIN).bitmap;
        let ink = (0..img.height())
            .flat_map(|y| (0..img.width()).map(move |x| (x, y)))
            .filter(|&(x, y)| img.get(x, y))
            .count();
        assert!(ink > 20, "{img:?}");
        let gap_rows = (CELL_H / DOT_SCALE)..img.height();
        assert!(gap_rows.clone().all(|y| img.row(y).iter().all(|&b| b == 0)));
        // A space has no ink at all.
        let blank = line_image("   x", PLAIN).bitmap;
        assert!((0..blank.height()).all(|y| (0..18).all(|x| !blank.get(x, y))));
    }

    #[test]
    fn glyphs_outside_the_font_are_boxes_and_reported() {
        let out = line_image("a🍵", PLAIN);
        assert_eq!(out.missing, vec!['🍵']);
        let img = &out.bitmap;
        // The box's top edge runs across the emoji's two cells.
        let cell = CELL_W / DOT_SCALE;
        assert!((cell + 1..3 * cell - 1).all(|x| img.get(x, 1)), "{img:?}");
        assert!(line_image("합계 ภาษาไทย Ж é", PLAIN).missing.is_empty());
    }

    #[test]
    fn centred_lines_are_trimmed_and_left_lines_keep_leading_blanks() {
        let centred = LineStyle {
            align: Align::Center,
            ..PLAIN
        };
        assert_eq!(line_image("  ab  ", centred).bitmap.width(), 12);
        assert_eq!(line_image("  ab  ", PLAIN).bitmap.width(), 24);
    }

    #[test]
    fn bold_adds_ink_to_the_right_of_every_stroke() {
        let bold = LineStyle {
            bold: true,
            ..PLAIN
        };
        let a = line_image("l", PLAIN).bitmap;
        let b = line_image("l", bold).bitmap;
        for y in 0..a.height() {
            for x in 0..a.width() {
                if a.get(x, y) {
                    assert!(b.get(x, y), "{a:?}{b:?}");
                    if !a.get(x + 2, y) {
                        assert!(b.get(x + 1, y), "{a:?}{b:?}");
                    }
                }
            }
        }
        assert_ne!(a, b);
        // A one-dot gap between strokes stays open.
        let m = line_image("M", bold).bitmap;
        let plain_m = line_image("M", PLAIN).bitmap;
        for y in 0..m.height() {
            for x in 1..m.width() {
                if !plain_m.get(x, y) && plain_m.get(x - 1, y) && plain_m.get(x + 1, y) {
                    assert!(!m.get(x, y), "{m:?}");
                }
            }
        }
    }

    #[test]
    fn gs_v0_header_names_mode_bytes_per_row_and_rows() {
        let img = line_image("합계", PLAIN).bitmap;
        let bytes = gs_v0(&img);
        assert_eq!(&bytes[..8], &[GS, b'v', b'0', 3, 3, 0, 15, 0]);
        assert_eq!(bytes.len(), 8 + 3 * 15);
        assert_eq!(&bytes[8..], img.packed());
    }

    #[test]
    fn drawing_at_any_offset_puts_every_dot_where_it_belongs_and_clips() {
        let img = line_image("합계 Ab", PLAIN).bitmap;
        for x in [0, 3, 7, 8, 13] {
            let mut page = Bitmap::new(50, 20);
            page.draw(&img, x, 2);
            for py in 0..20 {
                for px in 0..50 {
                    let want = px >= x && py >= 2 && img.get(px - x, py - 2);
                    assert_eq!(page.get(px, py), want, "offset {x}: dot ({px}, {py})");
                }
            }
            // Nothing leaks into the padding past the width.
            assert_eq!(page.row(5)[6] & 0x3f, 0);
        }
        let doubled = img.scaled(2);
        for y in 0..doubled.height() {
            for x in 0..doubled.width() {
                assert_eq!(doubled.get(x, y), img.get(x / 2, y / 2), "({x}, {y})");
            }
        }
    }

    #[test]
    fn bitmaps_scale_crop_and_refuse_wrong_lengths() {
        let mut b = Bitmap::new(3, 2);
        b.set(2, 1);
        let s = b.scaled(2);
        assert_eq!((s.width(), s.height()), (6, 4));
        assert!(s.get(4, 2) && s.get(5, 3) && !s.get(3, 3));
        assert_eq!(s.crop(4, 2, 9, 9).width(), 2);
        assert!(Bitmap::from_packed(9, 2, vec![0; 3]).is_none());
        let p = Bitmap::from_packed(4, 1, vec![0xff]).expect("one byte per row");
        assert_eq!(p.packed(), &[0xf0]);
    }
}
