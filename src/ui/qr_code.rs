//! A QR code widget drawn with half blocks: two modules per cell (`▀ ▄ █` and space), the
//! 4-module quiet zone included, always black on white so it scans on every theme.
//!
//! Sizes (byte mode, as EMVCo MPM §4.12 requires; cells = columns × rows, quiet zone included):
//!
//! | payload (chars) | L                 | M                 |
//! |-----------------|-------------------|-------------------|
//! | ≤ 53 / ≤ 42     | v3 → 37 × 19      | v3 → 37 × 19      |
//! | ≤ 78 / ≤ 62     | v4 → 41 × 21      | v4 → 41 × 21      |
//! | ≤ 106 / ≤ 84    | v5 → 45 × 23      | v5 → 45 × 23      |
//! | ≤ 134 / ≤ 106   | v6 → 49 × 25      | v6 → 49 × 25      |
//! | ≤ 154 / ≤ 122   | v7 → 53 × 27      | v7 → 53 × 27      |
//!
//! (First number of each row is the L capacity, second the M capacity.) A typical ~120-char
//! payment payload needs 49 × 25 at L and 53 × 27 at M, so it does **not** fit an 80×24
//! terminal; the counter's payload must stay at or under 106 characters to fit at L in
//! 45 × 23 cells (i.e. the QR gets 23 of the 24 rows), and a 50 × 20 area only holds v3
//! (≤ 53 chars), which no EMV payload reaches. [`fit`] says so instead of cropping.

use crate::emv::symbol::{EcLevel, QUIET_ZONE, QrSymbol};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Color, Style};
use ratatui::widgets::Widget;
use std::cell::RefCell;
use std::rc::Rc;

/// A QR symbol ready to draw; it centres itself in the area it is given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QrCodeWidget {
    symbol: Rc<QrSymbol>,
    /// Drawn with a 3-module bottom quiet zone instead of 4, to win the one row an 80×24
    /// terminal lacks for a version-6 code. The other three sides keep the full 4 modules;
    /// phone scanners and `rqrr` read it (tests/qr_scan.rs proves the latter).
    tight: bool,
}

/// The result of fitting a payload into an area.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QrFit {
    /// The code fits; render the widget into the same area.
    Fits(QrCodeWidget),
    /// The area is too small even at level L: show an "enlarge the terminal" hint.
    TooSmall { needed_w: u16, needed_h: u16 },
    /// The payload exceeds the largest QR symbol.
    TooLong,
}

/// Picks the highest error-correction level (M, then L) whose symbol fits `area` whole; as a
/// last resort before giving up, level L with the bottom quiet zone one module short.
pub fn fit(payload: &str, area: Rect) -> QrFit {
    fit_symbols(&Symbols::new(payload), area)
}

/// The payload's symbols at the two levels `fit` tries (`None`: too long at that level).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Symbols {
    payload: String,
    m: Option<Rc<QrSymbol>>,
    l: Option<Rc<QrSymbol>>,
}

impl Symbols {
    fn new(payload: &str) -> Self {
        let at = |ec| QrSymbol::new(payload, ec).ok().map(Rc::new);
        Self {
            payload: payload.to_string(),
            m: at(EcLevel::M),
            l: at(EcLevel::L),
        }
    }
}

fn fit_symbols(symbols: &Symbols, area: Rect) -> QrFit {
    let mut smallest = None;
    for (symbol, tight) in [(&symbols.m, false), (&symbols.l, false), (&symbols.l, true)] {
        let Some(symbol) = symbol.clone() else {
            continue;
        };
        let widget = QrCodeWidget { symbol, tight };
        let (w, h) = widget.size();
        if w <= area.width && h <= area.height {
            return QrFit::Fits(widget);
        }
        smallest = Some((w, h));
    }
    match smallest {
        Some((needed_w, needed_h)) => QrFit::TooSmall { needed_w, needed_h },
        None => QrFit::TooLong,
    }
}

/// The symbols of the last payload fitted, so redrawing the same code (every countdown second,
/// every resize) does not encode it again: encoding is the costly part of a frame.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QrCache {
    last: RefCell<Option<Symbols>>,
}

impl QrCache {
    /// `fit(payload, area)`, encoding `payload` only when it differs from the last one.
    pub fn fit(&self, payload: &str, area: Rect) -> QrFit {
        let mut last = self.last.borrow_mut();
        match last.as_ref() {
            Some(s) if s.payload == payload => fit_symbols(s, area),
            _ => {
                let symbols = Symbols::new(payload);
                let fitted = fit_symbols(&symbols, area);
                *last = Some(symbols);
                fitted
            }
        }
    }

    /// Whether `payload` is the one cached (for tests of the cache itself).
    pub fn holds(&self, payload: &str) -> bool {
        self.last
            .borrow()
            .as_ref()
            .is_some_and(|s| s.payload == payload)
    }
}

/// Cells (columns, rows) the payload needs at `ec`, quiet zone included.
pub fn cells_needed(payload: &str, ec: EcLevel) -> Option<(u16, u16)> {
    QrSymbol::new(payload, ec).ok().map(|s| s.cells())
}

impl QrCodeWidget {
    pub fn new(symbol: QrSymbol) -> Self {
        Self {
            symbol: Rc::new(symbol),
            tight: false,
        }
    }

    pub fn symbol(&self) -> &QrSymbol {
        &self.symbol
    }

    /// (columns, rows) the widget draws.
    pub fn size(&self) -> (u16, u16) {
        let (w, h) = self.symbol.cells();
        if self.tight {
            let modules = self.symbol.width() + QUIET_ZONE + 3;
            (w, (modules.div_ceil(2) as u16).min(h))
        } else {
            (w, h)
        }
    }

    /// Whether the bottom quiet zone is 3 modules instead of 4.
    pub fn is_tight(&self) -> bool {
        self.tight
    }

    /// Forced colours: dark modules black, light modules white, modifiers cleared.
    pub fn style() -> Style {
        Style::reset().fg(Color::Black).bg(Color::White)
    }
}

impl QrCodeWidget {
    /// Where the code lands when drawn into `area` of `buf` (centred), or `None` when it does
    /// not fit whole there (it is then not drawn at all).
    pub fn placement(&self, area: Rect, buf: &Buffer) -> Option<Rect> {
        let (w, h) = self.size();
        let area = area.intersection(buf.area);
        if w > area.width || h > area.height {
            return None; // never draw a cropped code; `fit` tells the caller to ask for more room
        }
        Some(Rect::new(
            area.x + (area.width - w) / 2,
            area.y + (area.height - h) / 2,
            w,
            h,
        ))
    }
}

impl Widget for &QrCodeWidget {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let Some(at) = self.placement(area, buf) else {
            return;
        };
        let (x0, y0, w, h) = (at.x, at.y, at.width, at.height);
        let style = QrCodeWidget::style();
        for row in 0..h {
            for col in 0..w {
                if let Some(cell) = buf.cell_mut((x0 + col, y0 + row)) {
                    cell.set_char(self.symbol.half_block(usize::from(col), usize::from(row)))
                        .set_style(style);
                }
            }
        }
    }
}

impl Widget for QrCodeWidget {
    fn render(self, area: Rect, buf: &mut Buffer) {
        (&self).render(area, buf);
    }
}

/// Helpers for proving a rendered screen scans (used by `tests/qr_scan.rs`).
pub mod testing {
    use super::*;
    use ratatui::style::Modifier;

    /// A greyscale image: 0 = black, 255 = white, row-major.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct Pixels {
        pub width: usize,
        pub height: usize,
        pub data: Vec<u8>,
    }

    impl Pixels {
        pub fn get(&self, x: usize, y: usize) -> u8 {
            self.data.get(y * self.width + x).copied().unwrap_or(255)
        }
    }

    /// Draws `payload` with [`fit`] into `area` of a fresh `width`×`height` buffer.
    pub fn render_payload(payload: &str, width: u16, height: u16, area: Rect) -> (Buffer, QrFit) {
        let mut buf = Buffer::empty(Rect::new(0, 0, width, height));
        let fitted = fit(payload, area);
        if let QrFit::Fits(w) = &fitted {
            w.render(area, &mut buf);
        }
        (buf, fitted)
    }

    /// Whether a colour reads as dark to a camera. `Reset` assumes a dark theme (light text on
    /// a dark background), so an unstyled code comes out inverted, as it would on screen.
    fn is_dark(color: Color, is_fg: bool) -> bool {
        match color {
            Color::Reset => !is_fg,
            Color::Black | Color::DarkGray | Color::Blue | Color::Red | Color::Magenta => true,
            Color::Rgb(r, g, b) => {
                u32::from(r) * 299 + u32::from(g) * 587 + u32::from(b) * 114 < 128_000
            }
            Color::Indexed(i) => i == 0 || i == 16,
            _ => false,
        }
    }

    /// Turns the cells of `area` back into pixels: each cell is two modules stacked (upper and
    /// lower half), each module `scale`×`scale` pixels. `█` inks both halves, `▀` the top, `▄`
    /// the bottom; ink takes the foreground colour, the rest the background (swapped when
    /// REVERSED). Any other symbol counts as background.
    pub fn buffer_to_pixels(buf: &Buffer, area: Rect, scale: usize) -> Pixels {
        let width = usize::from(area.width) * scale;
        let height = usize::from(area.height) * 2 * scale;
        let mut data = vec![255u8; width * height];
        for row in 0..area.height {
            for col in 0..area.width {
                let Some(cell) = buf.cell((area.x + col, area.y + row)) else {
                    continue;
                };
                let (mut fg, mut bg) = (is_dark(cell.fg, true), is_dark(cell.bg, false));
                if cell.modifier.contains(Modifier::REVERSED) {
                    std::mem::swap(&mut fg, &mut bg);
                }
                let (top_ink, bottom_ink) = match cell.symbol() {
                    "█" => (true, true),
                    "▀" => (true, false),
                    "▄" => (false, true),
                    _ => (false, false),
                };
                let top = if top_ink { fg } else { bg };
                let bottom = if bottom_ink { fg } else { bg };
                for (half, dark) in [(0usize, top), (1, bottom)] {
                    let shade = if dark { 0 } else { 255 };
                    let y0 = (usize::from(row) * 2 + half) * scale;
                    let x0 = usize::from(col) * scale;
                    for y in y0..y0 + scale {
                        let line = y * width;
                        data[line + x0..line + x0 + scale].fill(shade);
                    }
                }
            }
        }
        Pixels {
            width,
            height,
            data,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fit_prefers_m_when_it_fits() {
        let QrFit::Fits(w) = fit("HELLO", Rect::new(0, 0, 80, 24)) else {
            panic!("fits")
        };
        assert_eq!(w.symbol().ec_level(), EcLevel::M);
    }

    #[test]
    fn fit_falls_back_to_l_when_m_is_too_big() {
        // 100 chars: M needs v6 (49×25), L fits v5 (45×23).
        let p = "x".repeat(100);
        let QrFit::Fits(w) = fit(&p, Rect::new(0, 0, 80, 24)) else {
            panic!("fits at L")
        };
        assert_eq!(w.symbol().ec_level(), EcLevel::L);
        assert_eq!(w.size(), (45, 23));
    }

    #[test]
    fn too_small_area_reports_the_smallest_size_it_could_use() {
        // Level L, version 6, with the 3-module bottom quiet zone: 49 x 24.
        let p = "x".repeat(120);
        assert_eq!(
            fit(&p, Rect::new(0, 0, 50, 20)),
            QrFit::TooSmall {
                needed_w: 49,
                needed_h: 24
            }
        );
    }

    #[test]
    fn oversized_payload_is_too_long() {
        assert_eq!(
            fit(&"x".repeat(3000), Rect::new(0, 0, 500, 500)),
            QrFit::TooLong
        );
    }

    #[test]
    fn widget_is_centred_black_on_white_and_never_cropped() {
        let QrFit::Fits(w) = fit("HELLO", Rect::new(0, 0, 80, 24)) else {
            panic!("fits")
        };
        let mut buf = Buffer::empty(Rect::new(0, 0, 80, 24));
        w.clone().render(Rect::new(0, 0, 80, 24), &mut buf);
        // 29×15 centred: x0 = 25, y0 = 4.
        let corner = buf
            .cell((25 + 4, 4 + 2))
            .map(|c| (c.symbol().to_string(), c.fg, c.bg));
        assert_eq!(corner, Some(("█".into(), Color::Black, Color::White)));
        assert_eq!(buf.cell((24, 4)).map(|c| c.bg), Some(Color::Reset));

        let mut small = Buffer::empty(Rect::new(0, 0, 20, 10));
        (&w).render(Rect::new(0, 0, 20, 10), &mut small);
        assert_eq!(small, Buffer::empty(Rect::new(0, 0, 20, 10)));
    }

    #[test]
    fn the_cache_encodes_once_per_payload_and_fits_like_fit() {
        let cache = QrCache::default();
        let p = "x".repeat(100);
        for area in [
            Rect::new(0, 0, 80, 24),
            Rect::new(0, 0, 120, 40),
            Rect::new(0, 0, 30, 10),
        ] {
            assert_eq!(cache.fit(&p, area), fit(&p, area), "{area:?}");
        }
        assert!(cache.holds(&p));
        let QrFit::Fits(a) = cache.fit(&p, Rect::new(0, 0, 80, 24)) else {
            panic!("fits")
        };
        let QrFit::Fits(b) = cache.fit(&p, Rect::new(0, 0, 80, 24)) else {
            panic!("fits")
        };
        // The same encoded matrix, not an equal copy: nothing was encoded again.
        assert!(Rc::ptr_eq(&a.symbol, &b.symbol));
        assert_eq!(
            cache.fit("HELLO", Rect::new(0, 0, 80, 24)),
            fit("HELLO", Rect::new(0, 0, 80, 24))
        );
        assert!(cache.holds("HELLO") && !cache.holds(&p));
    }

    #[test]
    fn pixels_follow_half_blocks_and_colours() {
        let mut buf = Buffer::empty(Rect::new(0, 0, 2, 1));
        let style = QrCodeWidget::style();
        if let Some(c) = buf.cell_mut((0, 0)) {
            c.set_char('▀').set_style(style);
        }
        if let Some(c) = buf.cell_mut((1, 0)) {
            c.set_char('▄').set_style(style);
        }
        let px = testing::buffer_to_pixels(&buf, Rect::new(0, 0, 2, 1), 1);
        assert_eq!(px.data, vec![0, 255, 255, 0]);
    }
}
