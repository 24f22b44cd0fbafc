//! A small ESC/POS reader in the spirit of esc2text (receipt-print-hq/escpos-tools): it turns
//! printer bytes back into readable lines with style flags, so a reviewer can read a golden and
//! tests can compare the printed text with the text renderer. It knows only the commands
//! qrtill sends and reports anything else as `[?..]` so surprises show up in goldens.
//!
//! `GS v 0` raster images are turned back into printer dots (the mode's double width and
//! height applied), written in goldens as half-block art, so a test can compare them with a
//! picture and a reviewer can read them.

use encoding_rs::Encoding;

/// One decoded line: style flags as they were when the line was printed, and its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub bold: bool,
    pub double_height: bool,
    pub centered: bool,
    pub text: String,
}

/// A `GS v 0` image as the printer prints it: `dots[y][x]` is true where it burns a dot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Raster {
    pub centered: bool,
    /// The `m` byte: 0 normal, 1 double width, 2 double height, 3 both.
    pub mode: u8,
    /// Width and height in image dots, before the mode's scaling.
    pub image_width: usize,
    pub image_height: usize,
    pub dots: Vec<Vec<bool>>,
}

impl Raster {
    pub fn width(&self) -> usize {
        self.dots.first().map_or(0, Vec::len)
    }
    pub fn height(&self) -> usize {
        self.dots.len()
    }
}

/// A decoded receipt: printed lines plus non-text events (`[QR ...]`, `[CUT]`, ...), in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Item {
    Text(Line),
    Event(String),
    Image(Raster),
}

#[derive(Default, Clone, Copy)]
struct State {
    bold: bool,
    double_height: bool,
    centered: bool,
    cjk: bool,
}

/// Decodes `bytes`; double-byte text (between `FS &` and `FS .`) is read with `encoding`.
pub fn decode(bytes: &[u8], encoding: Option<&'static Encoding>) -> Result<Vec<Item>, String> {
    let mut items = Vec::new();
    let mut st = State::default();
    let mut text = String::new();
    let mut qr_data = String::new();
    let mut i = 0;
    let need = |i: usize, n: usize| -> Result<(), String> {
        if i + n <= bytes.len() {
            Ok(())
        } else {
            Err(format!("truncated command at byte {i}"))
        }
    };
    while i < bytes.len() {
        let b = bytes[i];
        match b {
            0x0a => {
                items.push(Item::Text(Line {
                    bold: st.bold,
                    double_height: st.double_height,
                    centered: st.centered,
                    text: std::mem::take(&mut text),
                }));
                i += 1;
            }
            0x1b => {
                need(i, 2)?;
                match bytes[i + 1] {
                    b'@' => {
                        st = State::default();
                        items.push(Item::Event("[INIT]".into()));
                        i += 2;
                    }
                    b't' => {
                        need(i, 3)?;
                        items.push(Item::Event(format!("[CODEPAGE {}]", bytes[i + 2])));
                        i += 3;
                    }
                    b'a' => {
                        need(i, 3)?;
                        st.centered = bytes[i + 2] % 48 == 1;
                        i += 3;
                    }
                    b'E' => {
                        need(i, 3)?;
                        st.bold = bytes[i + 2] & 1 == 1;
                        i += 3;
                    }
                    b'd' => {
                        need(i, 3)?;
                        for _ in 0..bytes[i + 2] {
                            items.push(Item::Text(Line {
                                bold: st.bold,
                                double_height: st.double_height,
                                centered: st.centered,
                                text: std::mem::take(&mut text),
                            }));
                        }
                        i += 3;
                    }
                    b'p' => {
                        need(i, 5)?;
                        let (pin, on, off) = (bytes[i + 2] % 48, bytes[i + 3], bytes[i + 4]);
                        items.push(Item::Event(format!(
                            "[DRAWER pin{} on {}ms off {}ms]",
                            if pin == 0 { 2 } else { 5 },
                            u32::from(on) * 2,
                            u32::from(off) * 2
                        )));
                        i += 5;
                    }
                    other => return Err(format!("[?ESC {other:#04x}] at byte {i}")),
                }
            }
            0x1c => {
                need(i, 2)?;
                match bytes[i + 1] {
                    b'&' => st.cjk = true,
                    b'.' => st.cjk = false,
                    other => return Err(format!("[?FS {other:#04x}] at byte {i}")),
                }
                i += 2;
            }
            0x1d => {
                need(i, 2)?;
                match bytes[i + 1] {
                    b'!' => {
                        need(i, 3)?;
                        st.double_height = bytes[i + 2] & 0x0f >= 1;
                        i += 3;
                    }
                    b'h' | b'w' | b'H' | b'f' => {
                        need(i, 3)?;
                        i += 3;
                    }
                    b'k' => {
                        need(i, 3)?;
                        let m = bytes[i + 2];
                        if m <= 6 {
                            let end = bytes[i + 3..]
                                .iter()
                                .position(|&b| b == 0)
                                .ok_or("unterminated barcode")?;
                            let data = String::from_utf8_lossy(&bytes[i + 3..i + 3 + end]);
                            items.push(Item::Event(format!("[BARCODE m={m}] {data}")));
                            i += 4 + end;
                        } else {
                            need(i, 4)?;
                            let n = bytes[i + 3] as usize;
                            need(i + 4, n)?;
                            let data = String::from_utf8_lossy(&bytes[i + 4..i + 4 + n]);
                            let kind = if m == 73 { "CODE128" } else { "?" };
                            let shown = data.strip_prefix("{B").unwrap_or(&data);
                            items.push(Item::Event(format!("[BARCODE {kind}] {shown}")));
                            i += 4 + n;
                        }
                    }
                    b'(' => {
                        need(i, 5)?;
                        if bytes[i + 2] != b'k' {
                            return Err(format!("[?GS ( {:#04x}] at byte {i}", bytes[i + 2]));
                        }
                        let len = bytes[i + 3] as usize + 256 * bytes[i + 4] as usize;
                        need(i + 5, len)?;
                        let body = &bytes[i + 5..i + 5 + len];
                        match body {
                            [49, 80, 48, data @ ..] => {
                                qr_data = String::from_utf8_lossy(data).into_owned();
                            }
                            [49, 81, 48] => {
                                items.push(Item::Event(format!("[QR] {qr_data}")));
                            }
                            [49, 65, n, _] => {
                                items.push(Item::Event(format!("[QR model {}]", n - 48)));
                            }
                            [49, 67, n] => items.push(Item::Event(format!("[QR size {n}]"))),
                            [49, 69, n] => items.push(Item::Event(format!(
                                "[QR ec {}]",
                                ["L", "M", "Q", "H"].get((n % 48) as usize).unwrap_or(&"?")
                            ))),
                            _ => items.push(Item::Event(format!("[?QR {body:?}]"))),
                        }
                        i += 5 + len;
                    }
                    b'v' => {
                        need(i, 8)?;
                        if bytes[i + 2] != b'0' {
                            return Err(format!("[?GS v {:#04x}] at byte {i}", bytes[i + 2]));
                        }
                        if !text.is_empty() {
                            return Err(format!("GS v 0 after text on the same line at byte {i}"));
                        }
                        let m = bytes[i + 3];
                        let (sx, sy) = match m {
                            0 | 48 => (1, 1),
                            1 | 49 => (2, 1),
                            2 | 50 => (1, 2),
                            3 | 51 => (2, 2),
                            _ => return Err(format!("GS v 0 mode {m} at byte {i}")),
                        };
                        let x = bytes[i + 4] as usize + 256 * bytes[i + 5] as usize;
                        let y = bytes[i + 6] as usize + 256 * bytes[i + 7] as usize;
                        need(i + 8, x * y)?;
                        let data = &bytes[i + 8..i + 8 + x * y];
                        let mut dots = Vec::with_capacity(y * sy);
                        for row in data.chunks(x.max(1)).take(y) {
                            let line: Vec<bool> = (0..x * 8)
                                .flat_map(|px| {
                                    let ink = row[px / 8] & (0x80 >> (px % 8)) != 0;
                                    std::iter::repeat_n(ink, sx)
                                })
                                .collect();
                            for _ in 0..sy {
                                dots.push(line.clone());
                            }
                        }
                        items.push(Item::Image(Raster {
                            centered: st.centered,
                            mode: m,
                            image_width: x * 8,
                            image_height: y,
                            dots,
                        }));
                        i += 8 + x * y;
                    }
                    b'V' => {
                        need(i, 3)?;
                        let m = bytes[i + 2];
                        let partial = matches!(m, 1 | 49 | 66);
                        items.push(Item::Event(
                            if partial { "[PARTIAL CUT]" } else { "[CUT]" }.into(),
                        ));
                        i += if m >= 65 { 4 } else { 3 };
                    }
                    other => return Err(format!("[?GS {other:#04x}] at byte {i}")),
                }
            }
            0x00..=0x1f => return Err(format!("[?CTRL {b:#04x}] at byte {i}")),
            _ if st.cjk => {
                need(i, 2)?;
                let pair = &bytes[i..i + 2];
                match encoding {
                    Some(enc) => {
                        let (s, had_errors) = enc.decode_without_bom_handling(pair);
                        if had_errors {
                            return Err(format!("bad double-byte {pair:02x?} at byte {i}"));
                        }
                        text.push_str(&s);
                    }
                    None => text.push_str(&format!("[x{:02x}{:02x}]", pair[0], pair[1])),
                }
                i += 2;
            }
            0x20..=0x7e => {
                text.push(b as char);
                i += 1;
            }
            _ => {
                // A one-column code-page (PC858) glyph.
                text.push(pc858(b));
                i += 1;
            }
        }
    }
    if !text.is_empty() {
        items.push(Item::Event(format!("[UNTERMINATED] {text}")));
    }
    Ok(items)
}

/// The decoded receipt as lines like esc2text: `[C][B][2H] |text`.
pub fn to_text(items: &[Item]) -> String {
    let mut out = String::new();
    for item in items {
        match item {
            Item::Event(e) => {
                out.push_str(e);
                out.push('\n');
            }
            Item::Image(r) => {
                out.push_str(&format!(
                    "[RASTER{} {}x{} m={} = {}x{} dots]\n",
                    if r.centered { " C" } else { "" },
                    r.image_width,
                    r.image_height,
                    r.mode,
                    r.width(),
                    r.height()
                ));
                out.push_str(&half_blocks(r));
            }
            Item::Text(l) => {
                let mut flags = String::new();
                if l.centered {
                    flags.push_str("[C]");
                }
                if l.bold {
                    flags.push_str("[B]");
                }
                if l.double_height {
                    flags.push_str("[2H]");
                }
                out.push_str(&format!("{flags:<10}|{}\n", l.text));
            }
        }
    }
    out
}

/// The image at image resolution (one character a dot wide, two dots high), blank rows and
/// trailing blanks left out, each row after `  |`.
fn half_blocks(r: &Raster) -> String {
    let (sx, sy) = (
        r.width() / r.image_width.max(1),
        r.height() / r.image_height.max(1),
    );
    let at = |x: usize, y: usize| y < r.image_height && r.dots[y * sy][x * sx];
    let mut out = String::new();
    for y in (0..r.image_height).step_by(2) {
        let row: String = (0..r.image_width)
            .map(|x| match (at(x, y), at(x, y + 1)) {
                (true, true) => '█',
                (true, false) => '▀',
                (false, true) => '▄',
                (false, false) => ' ',
            })
            .collect();
        let row = row.trim_end();
        if !row.is_empty() {
            out.push_str(&format!("  |{row}\n"));
        }
    }
    out
}

/// Just the printed text lines.
pub fn text_lines(items: &[Item]) -> Vec<String> {
    items
        .iter()
        .filter_map(|i| match i {
            Item::Text(l) => Some(l.text.clone()),
            Item::Event(_) | Item::Image(_) => None,
        })
        .collect()
}

/// The raster images, in order.
pub fn images(items: &[Item]) -> Vec<Raster> {
    items
        .iter()
        .filter_map(|i| match i {
            Item::Image(r) => Some(r.clone()),
            _ => None,
        })
        .collect()
}

/// PC858 byte to glyph, built from the Latin-1 range plus `€` as qrtill encodes them (the
/// encoder takes its table from the escpos crate); unknown bytes read as `¤`.
fn pc858(b: u8) -> char {
    use qrtill::receipt::{PrinterCharset, escpos::encode_text};
    ('\u{a0}'..='\u{ff}')
        .chain(['€'])
        .find(|c| encode_text(&c.to_string(), PrinterCharset::Ascii).0 == [b])
        .unwrap_or('¤')
}
