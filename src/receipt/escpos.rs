//! ESC/POS bytes for thermal printers.
//!
//! The `escpos` crate builds the standard commands (init, code page, alignment, bold, size,
//! native QR, cut). It writes CJK text as raw UTF-8, which code-page printers print as garbage,
//! so text encoding is ours: wide CJK glyphs go out in the printer's Chinese/Korean double-byte
//! mode (`FS &` ... `FS .`) as GB18030, Big5 or EUC-KR (CP949) bytes from `encoding_rs`,
//! chosen by the printer's configured character set. Two commands the crate lacks or gets wrong
//! are ours too: the CODE128 barcode (the crate has no CODE128) and the drawer kick (the crate
//! sends `ESC p m` without the two pulse-time bytes, so the printer would eat the next bytes).
//!
//! A line the printer's fonts cannot print (Hangul on a GB18030 printer, Thai, Cyrillic) goes
//! out as a `GS v 0` raster image of Unifont glyphs instead of `?` (see `raster`), as the
//! `printer.text` mode says.

use super::layout::{Align, Block, LineStyle, PaperWidth, layout};
use super::model::{Lang, Receipt};
use super::raster::{TextMode, gs_v0, line_image};
use super::width::width;
use encoding_rs::{BIG5, EUC_KR, Encoding, GB18030};
use escpos::driver::Driver;
use escpos::printer::Printer;
use escpos::utils::{
    JustifyMode, PageCode, Protocol, QRCodeCorrectionLevel, QRCodeModel, QRCodeOption,
};
use serde::{Deserialize, Serialize};
use std::cell::RefCell;
use std::fmt;
use std::rc::Rc;
use std::str::FromStr;

const ESC: u8 = 0x1b;
const GS: u8 = 0x1d;
const FS: u8 = 0x1c;
const LF: u8 = 0x0a;
/// `FS &`: enter the double-byte (Chinese/Korean) character mode.
pub const FS_CJK_ON: [u8; 2] = [FS, b'&'];
/// `FS .`: leave it.
pub const FS_CJK_OFF: [u8; 2] = [FS, b'.'];
/// `ESC p 0 25 250`: pulse drawer pin 2 for 50 ms on, 500 ms off (units of 2 ms).
pub const DRAWER_KICK: [u8; 5] = [ESC, b'p', 0, 25, 250];

/// The double-byte character set the printer's firmware holds. A "Chinese printer" is not
/// always GB18030 (python-escpos #269), so this is configuration, not a guess from the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PrinterCharset {
    /// Simplified Chinese (GB18030 two-byte range, i.e. GBK).
    Gb18030,
    /// Traditional Chinese.
    Big5,
    /// Korean (EUC-KR / CP949).
    EucKr,
    /// No double-byte mode: every CJK glyph degrades to `?`.
    #[default]
    Ascii,
}

impl PrinterCharset {
    pub const ALL: [PrinterCharset; 4] = [
        PrinterCharset::Gb18030,
        PrinterCharset::Big5,
        PrinterCharset::EucKr,
        PrinterCharset::Ascii,
    ];

    /// The `encoding_rs` encoding for the double-byte mode, if the printer has one.
    pub fn encoding(self) -> Option<&'static Encoding> {
        match self {
            PrinterCharset::Gb18030 => Some(GB18030),
            PrinterCharset::Big5 => Some(BIG5),
            PrinterCharset::EucKr => Some(EUC_KR),
            PrinterCharset::Ascii => None,
        }
    }

    /// The printer a store would fit for slips in `lang` (a default for config, nothing more).
    pub fn suited_to(lang: Lang) -> PrinterCharset {
        match lang {
            Lang::En => PrinterCharset::Ascii,
            Lang::ZhHans => PrinterCharset::Gb18030,
            Lang::ZhHant => PrinterCharset::Big5,
            Lang::Ko => PrinterCharset::EucKr,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            PrinterCharset::Gb18030 => "gb18030",
            PrinterCharset::Big5 => "big5",
            PrinterCharset::EucKr => "euc-kr",
            PrinterCharset::Ascii => "ascii",
        }
    }
}

impl fmt::Display for PrinterCharset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown printer charset '{0}': use gb18030, big5, euc-kr or ascii")]
pub struct UnknownCharset(pub String);

impl FromStr for PrinterCharset {
    type Err = UnknownCharset;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().replace('_', "-").as_str() {
            "gb18030" | "gbk" | "gb2312" => Ok(PrinterCharset::Gb18030),
            "big5" => Ok(PrinterCharset::Big5),
            "euc-kr" | "euckr" | "cp949" | "ks-c-5601" => Ok(PrinterCharset::EucKr),
            "ascii" => Ok(PrinterCharset::Ascii),
            _ => Err(UnknownCharset(s.to_string())),
        }
    }
}

/// How to print: paper width and the printer's double-byte character set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct EscPosOptions {
    pub width: PaperWidth,
    pub charset: PrinterCharset,
    /// A reprint never kicks the cash drawer; the original cash receipt does.
    pub reprint: bool,
    /// Printer fonts, raster images, or both (`printer.text`).
    pub text: TextMode,
}

/// ESC/POS bytes plus the glyphs that could not be printed as they are: in `native-only` mode
/// the ones the printer lacks (each printed as `?`, one per column so the layout still lines
/// up); otherwise only those Unifont lacks too (drawn as empty boxes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EscPosReceipt {
    pub bytes: Vec<u8>,
    pub replaced: Vec<char>,
    /// Text lines sent as `GS v 0` raster images.
    pub raster_lines: usize,
    pub text: TextMode,
}

impl EscPosReceipt {
    /// A message for the log or the status bar when glyphs were replaced, else `None`.
    pub fn warning(&self, charset: PrinterCharset) -> Option<String> {
        if self.replaced.is_empty() {
            return None;
        }
        let mut glyphs: Vec<char> = self.replaced.clone();
        glyphs.sort_unstable();
        glyphs.dedup();
        let shown: String = glyphs.iter().take(12).collect();
        Some(match self.text {
            TextMode::NativeOnly => format!(
                "{} glyph(s) cannot print on a {charset} printer and were printed as '?': {shown} (printer.text = \"native\" prints them as images)",
                self.replaced.len()
            ),
            TextMode::Native | TextMode::Raster => format!(
                "{} glyph(s) are in neither the {charset} printer nor the Unifont font and were printed as empty boxes: {shown}",
                self.replaced.len()
            ),
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EscPosError {
    #[error("ESC/POS encoder failed: {0}")]
    Encoder(String),
}

impl From<escpos::errors::PrinterError> for EscPosError {
    fn from(e: escpos::errors::PrinterError) -> Self {
        EscPosError::Encoder(e.to_string())
    }
}

/// Collects the crate's output in memory; the printer target decides where bytes go.
#[derive(Clone, Default)]
struct MemoryDriver(Rc<RefCell<Vec<u8>>>);

impl Driver for MemoryDriver {
    fn name(&self) -> String {
        "memory".into()
    }
    fn write(&self, data: &[u8]) -> escpos::errors::Result<()> {
        self.0.borrow_mut().extend_from_slice(data);
        Ok(())
    }
    fn read(&self, _buf: &mut [u8]) -> escpos::errors::Result<usize> {
        Ok(0)
    }
    fn flush(&self) -> escpos::errors::Result<()> {
        Ok(())
    }
}

/// Single-byte code page for accented Latin text: PC858 is PC850 with `€`.
const CODE_PAGE: PageCode = PageCode::PC858;

/// Renders `receipt` as ESC/POS: init, code page, the laid-out lines with their styles, the
/// sale reference as native QR and CODE128, a drawer kick for cash sales, and a cut.
pub fn render_escpos(receipt: &Receipt, opts: EscPosOptions) -> Result<EscPosReceipt, EscPosError> {
    let kick = receipt.tender.is_cash() && !opts.reprint;
    render_blocks_escpos(layout(receipt, opts.width), opts, kick)
}

/// Renders laid-out blocks as ESC/POS (the sale slip and the refund slip share this), with a
/// drawer kick when `kick_drawer`.
pub fn render_blocks_escpos(
    blocks: Vec<Block>,
    opts: EscPosOptions,
    kick_drawer: bool,
) -> Result<EscPosReceipt, EscPosError> {
    let driver = MemoryDriver::default();
    let mut p = Printer::new(driver.clone(), Protocol::default(), None);
    let mut replaced = Vec::new();
    let mut raster_lines = 0;
    p.init()?.page_code(CODE_PAGE)?;
    if opts.charset.encoding().is_some() {
        // Chinese-market printers often power up in double-byte mode and ESC @ does not always
        // leave it; start from single-byte so code-page bytes are not read as halves of pairs.
        p.custom(&FS_CJK_OFF)?;
    }
    let mut current = LineStyle::default();
    for block in blocks {
        match block {
            Block::Text { text, style } => {
                apply_style(&mut p, &mut current, style)?;
                let shown = match style.align {
                    Align::Left => text.trim_end(),
                    Align::Center => text.trim(),
                };
                let (mut bytes, mut lost) = encode_text(shown, opts.charset);
                let as_image = !shown.is_empty()
                    && match opts.text {
                        TextMode::Native => !lost.is_empty(),
                        TextMode::Raster => true,
                        TextMode::NativeOnly => false,
                    };
                if as_image {
                    // Style and alignment are in the picture; the printer centres it (ESC a).
                    let mut image = line_image(shown, style);
                    replaced.append(&mut image.missing);
                    p.custom(&gs_v0(&image.bitmap))?;
                    raster_lines += 1;
                } else {
                    replaced.append(&mut lost);
                    bytes.push(LF);
                    p.custom(&bytes)?;
                }
            }
            Block::Qr(data) => {
                apply_style(&mut p, &mut current, centered())?;
                let option = QRCodeOption::new(QRCodeModel::Model2, 6, QRCodeCorrectionLevel::M);
                p.qrcode_option(&data, option)?;
                p.custom(&[LF])?;
            }
            Block::Barcode(data) => {
                apply_style(&mut p, &mut current, centered())?;
                p.custom(&code128(&data))?;
                p.custom(&[LF])?;
            }
        }
    }
    apply_style(&mut p, &mut current, LineStyle::default())?;
    if kick_drawer {
        p.custom(&DRAWER_KICK)?;
    }
    p.cut()?.print()?;
    let bytes = driver.0.borrow().clone();
    Ok(EscPosReceipt {
        bytes,
        replaced,
        raster_lines,
        text: opts.text,
    })
}

fn centered() -> LineStyle {
    LineStyle {
        align: Align::Center,
        ..LineStyle::default()
    }
}

/// Sends only the style commands that change, so the bytes stay short and readable.
fn apply_style(
    p: &mut Printer<MemoryDriver>,
    current: &mut LineStyle,
    want: LineStyle,
) -> Result<(), EscPosError> {
    if want.align != current.align {
        p.justify(match want.align {
            Align::Left => JustifyMode::LEFT,
            Align::Center => JustifyMode::CENTER,
        })?;
    }
    if want.bold != current.bold {
        p.bold(want.bold)?;
    }
    if want.double_height != current.double_height {
        if want.double_height {
            p.size(1, 2)?;
        } else {
            p.reset_size()?;
        }
    }
    *current = want;
    Ok(())
}

/// `GS h 80`, `GS w 2`, `GS H 2` (text below), then `GS k 73 n {B data`: CODE128 set B.
pub fn code128(data: &str) -> Vec<u8> {
    let payload: Vec<u8> = data
        .bytes()
        .filter(|b| (0x20..=0x7e).contains(b))
        .take(253)
        .collect();
    let mut out = vec![GS, b'h', 80, GS, b'w', 2, GS, b'H', 2, GS, b'k', 73];
    out.push((payload.len() + 2) as u8);
    out.extend_from_slice(b"{B");
    out.extend_from_slice(&payload);
    out
}

/// Encodes one line of text for a printer with `charset`.
///
/// ASCII goes out as is. Wide (two-column) glyphs go out in double-byte mode if the charset
/// has them in its two-byte range; one-column accented letters use the PC858 code page. Any
/// other glyph prints as one `?` per column it takes on screen, and is returned in the second
/// value. Columns are counted as the layout counts them (display width of the text so far),
/// so emoji sequences and variation selectors cannot push a line past the paper edge.
pub fn encode_text(text: &str, charset: PrinterCharset) -> (Vec<u8>, Vec<char>) {
    let mut out = Vec::with_capacity(text.len());
    let mut replaced = Vec::new();
    let mut in_cjk = false;
    let mut printed_cols = 0usize;
    for (at, c) in text.char_indices() {
        let end = at + c.len_utf8();
        // Columns this glyph adds on screen.
        let cols = width(&text[..end]).saturating_sub(printed_cols);
        printed_cols += cols;
        if c.is_ascii() && !c.is_control() && cols == 1 {
            leave_cjk(&mut out, &mut in_cjk);
            out.push(c as u8);
            continue;
        }
        if cols == 2
            && let Some(bytes) = double_byte(c, charset)
        {
            if !in_cjk {
                out.extend_from_slice(&FS_CJK_ON);
                in_cjk = true;
            }
            out.extend_from_slice(&bytes);
            continue;
        }
        leave_cjk(&mut out, &mut in_cjk);
        if cols == 1
            && let Some(b) = code_page_byte(c)
        {
            out.push(b);
            continue;
        }
        replaced.push(c);
        out.extend(std::iter::repeat_n(b'?', cols));
    }
    leave_cjk(&mut out, &mut in_cjk);
    (out, replaced)
}

fn leave_cjk(out: &mut Vec<u8>, in_cjk: &mut bool) {
    if *in_cjk {
        out.extend_from_slice(&FS_CJK_OFF);
        *in_cjk = false;
    }
}

/// The two-byte code of `c` in `charset`, or `None` if the printer's font cannot have it.
/// GB18030's four-byte codes (emoji, Hangul, rare Han) are refused: receipt printers only
/// carry the two-byte GBK range.
fn double_byte(c: char, charset: PrinterCharset) -> Option<[u8; 2]> {
    let encoding = charset.encoding()?;
    let mut buf = [0u8; 4];
    let (bytes, _, unmappable) = encoding.encode(c.encode_utf8(&mut buf));
    match (unmappable, bytes.as_ref()) {
        (false, [a, b]) if *a >= 0x81 => Some([*a, *b]),
        _ => None,
    }
}

/// The PC858 byte for a one-column non-ASCII glyph (`é`, `€`), using the crate's table.
fn code_page_byte(c: char) -> Option<u8> {
    let driver = MemoryDriver::default();
    let mut p = Printer::new(driver.clone(), Protocol::default(), None);
    let mut buf = [0u8; 4];
    // `write` maps through the page table and falls back to UTF-8 for unmapped glyphs, so
    // exactly one byte means the glyph is in the code page.
    p.page_code(CODE_PAGE).ok()?;
    p.write(c.encode_utf8(&mut buf)).ok()?.print().ok()?;
    let bytes = driver.0.borrow();
    match bytes.as_slice() {
        [ESC, b't', _, b] if *b >= 0x80 => Some(*b),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::receipt::samples;

    fn contains(hay: &[u8], needle: &[u8]) -> bool {
        hay.windows(needle.len()).any(|w| w == needle)
    }

    #[test]
    fn simplified_chinese_goes_out_as_gb18030_in_chinese_mode() {
        let (bytes, lost) = encode_text("TOTAL 合计", PrinterCharset::Gb18030);
        assert!(lost.is_empty());
        let mut want = b"TOTAL ".to_vec();
        want.extend_from_slice(&FS_CJK_ON);
        want.extend_from_slice(&[0xba, 0xcf, 0xbc, 0xc6]);
        want.extend_from_slice(&FS_CJK_OFF);
        assert_eq!(bytes, want);
    }

    #[test]
    fn glyphs_the_printer_lacks_become_one_question_mark_per_column() {
        let (bytes, lost) = encode_text("합계 ok", PrinterCharset::Gb18030);
        assert_eq!(bytes, b"???? ok");
        assert_eq!(lost, vec!['합', '계']);
        let (bytes, lost) = encode_text("咖啡", PrinterCharset::Ascii);
        assert_eq!(bytes, b"????");
        assert_eq!(lost.len(), 2);
        let (bytes, lost) = encode_text("🍵", PrinterCharset::Gb18030);
        assert_eq!(bytes, b"??");
        assert_eq!(lost, vec!['🍵']);
    }

    #[test]
    fn accented_latin_uses_the_code_page_not_utf8() {
        let (bytes, lost) = encode_text("Café €", PrinterCharset::Ascii);
        assert!(lost.is_empty());
        assert_eq!(bytes, [b'C', b'a', b'f', 0x82, b' ', 0xd5]);
    }

    #[test]
    fn a_reprint_of_a_cash_sale_does_not_kick_the_drawer() {
        let opts = EscPosOptions {
            reprint: true,
            ..EscPosOptions::default()
        };
        let bytes = render_escpos(&samples::cash_sale(), opts).unwrap().bytes;
        assert!(!bytes.windows(DRAWER_KICK.len()).any(|w| w == DRAWER_KICK));
    }

    #[test]
    fn cash_sale_kicks_the_drawer_and_others_do_not() {
        let opts = EscPosOptions::default();
        let cash = render_escpos(&samples::cash_sale(), opts).unwrap();
        let card = render_escpos(&samples::card_tap_sale(), opts).unwrap();
        assert!(contains(&cash.bytes, &DRAWER_KICK));
        assert!(!contains(&card.bytes, &DRAWER_KICK));
        assert!(cash.bytes.starts_with(&[ESC, b'@', ESC, b't', 19]));
        assert!(cash.bytes.ends_with(&[GS, b'V', b'A', 0]));
    }

    #[test]
    fn sale_reference_is_printed_as_qr_and_code128() {
        let r = samples::card_tap_sale();
        let out = render_escpos(&r, EscPosOptions::default()).unwrap();
        let mut qr_store = vec![GS, b'(', b'k'];
        let len = r.sale_reference.len() + 3;
        qr_store.extend_from_slice(&[(len % 256) as u8, (len / 256) as u8, 49, 80, 48]);
        qr_store.extend_from_slice(r.sale_reference.as_bytes());
        assert!(contains(&out.bytes, &qr_store));
        let mut barcode = vec![GS, b'k', 73, (r.sale_reference.len() + 2) as u8, b'{', b'B'];
        barcode.extend_from_slice(r.sale_reference.as_bytes());
        assert!(contains(&out.bytes, &barcode));
    }

    #[test]
    fn charset_names_parse_with_a_hint() {
        for c in PrinterCharset::ALL {
            assert_eq!(c.name().parse::<PrinterCharset>(), Ok(c));
        }
        assert_eq!("CP949".parse(), Ok(PrinterCharset::EucKr));
        let err = "utf8".parse::<PrinterCharset>().unwrap_err();
        assert!(err.to_string().contains("gb18030, big5, euc-kr or ascii"));
    }

    #[test]
    fn wrong_charset_is_reported() {
        let r = samples::kakao_pay_sale();
        let opts = EscPosOptions {
            width: PaperWidth::W42,
            charset: PrinterCharset::Gb18030,
            reprint: false,
            text: TextMode::NativeOnly,
        };
        let out = render_escpos(&r, opts).unwrap();
        let warning = out.warning(opts.charset).unwrap_or_default();
        assert!(warning.contains("gb18030"), "{warning}");
        assert!(out.replaced.contains(&'합'));
        let ok = render_escpos(
            &r,
            EscPosOptions {
                charset: PrinterCharset::EucKr,
                ..opts
            },
        )
        .unwrap();
        assert_eq!(ok.warning(PrinterCharset::EucKr), None);
    }
}
