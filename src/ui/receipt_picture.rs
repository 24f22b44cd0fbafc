//! The receipt as a picture on screen, in terminals that show images (Kitty graphics or iTerm2
//! inline images, through `ratatui-image`); elsewhere the receipt view keeps its text.
//!
//! The terminal is recognised from its environment only. Querying it (what `ratatui-image`'s
//! picker does) writes escape sequences and waits for an answer on stdin: that can print garbage
//! or wait in tmux, in CI (no stdin) or over a slow link, and its tmux path changes the tmux
//! session's settings. So: no query, no picker, and inside tmux no pictures at all.

use crate::receipt::raster_page::{LINE_PITCH, paper_dots, receipt_page};
use crate::receipt::{Bitmap, PaperWidth, Receipt};
use image::{DynamicImage, GrayImage, Luma};
use ratatui::buffer::Buffer;
use ratatui::layout::{Rect, Size};
use ratatui::widgets::Widget;
use ratatui_image::protocol::Protocol;
use ratatui_image::protocol::iterm2::Iterm2;
use ratatui_image::protocol::kitty::Kitty;
use std::cell::RefCell;
use std::fmt;

/// The image protocol a terminal speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Graphics {
    Kitty,
    Iterm2,
}

impl Graphics {
    /// What the environment says about the terminal. `QRTILL_IMAGES` decides when set (`off`,
    /// `kitty`, `iterm2`); otherwise tmux, a non-terminal stdout or an unknown terminal mean no
    /// pictures, and Kitty, Ghostty, iTerm2 and WezTerm are recognised by their own variables.
    pub fn detect(env: impl Fn(&str) -> Option<String>, stdout_is_terminal: bool) -> Option<Self> {
        let set = |name: &str| env(name).is_some_and(|v| !v.is_empty());
        let has = |name: &str, part: &str| env(name).is_some_and(|v| v.contains(part));
        match env("QRTILL_IMAGES").as_deref().map(str::trim) {
            Some("kitty") => return Some(Graphics::Kitty),
            Some("iterm2") => return Some(Graphics::Iterm2),
            Some("off") => return None,
            _ => {}
        }
        if !stdout_is_terminal || set("TMUX") || has("TERM", "tmux") || has("TERM", "screen") {
            return None;
        }
        if has("TERM", "kitty") || set("KITTY_WINDOW_ID") || has("TERM", "ghostty") {
            return Some(Graphics::Kitty);
        }
        if has("TERM_PROGRAM", "iTerm")
            || has("LC_TERMINAL", "iTerm")
            || has("TERM_PROGRAM", "WezTerm")
        {
            return Some(Graphics::Iterm2);
        }
        None
    }
}

/// The loop's picture state: the protocol, if any, and the last picture built (a picture is
/// encoded once per sale, scroll position and size, not once per frame).
#[derive(Default)]
pub struct ReceiptPicture {
    graphics: Option<Graphics>,
    cache: RefCell<Option<(Key, Protocol)>>,
    /// The last sale's page: drawing it costs more than a frame may.
    page: RefCell<Option<(u64, Bitmap)>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Key {
    sale_no: u64,
    top: usize,
    area: (u16, u16),
}

impl ReceiptPicture {
    pub fn new(graphics: Option<Graphics>) -> Self {
        Self {
            graphics,
            cache: RefCell::new(None),
            page: RefCell::new(None),
        }
    }

    /// From the process environment (see `Graphics::detect`).
    pub fn from_env() -> Self {
        use std::io::IsTerminal;
        Self::new(Graphics::detect(
            |name| std::env::var(name).ok(),
            std::io::stdout().is_terminal(),
        ))
    }

    pub fn graphics(&self) -> Option<Graphics> {
        self.graphics
    }

    /// Draws `receipt` as a picture into `area`, from text line `scroll` down; `false` (and
    /// nothing drawn) when the terminal shows no pictures or the picture cannot be built.
    pub fn render(
        &self,
        sale_no: u64,
        receipt: &Receipt,
        width: PaperWidth,
        scroll: u16,
        area: Rect,
        buf: &mut Buffer,
    ) -> bool {
        let Some(graphics) = self.graphics else {
            return false;
        };
        if area.width == 0 || area.height == 0 {
            return false;
        }
        let mut page = self.page.borrow_mut();
        let page = match page.as_ref() {
            Some((n, p)) if *n == sale_no && p.width() == paper_dots(width) => p,
            _ => &page.insert((sale_no, receipt_page(receipt, width))).1,
        };
        let (window, top) = visible_window(page, scroll, area);
        let key = Key {
            sale_no,
            top,
            area: (area.width, area.height),
        };
        let mut cache = self.cache.borrow_mut();
        if cache.as_ref().map(|(k, _)| *k) != Some(key) {
            let size = Size::new(area.width, area.height);
            let image = to_image(&window);
            let protocol = match graphics {
                // A new id per picture: the terminal keeps earlier ones by their id.
                Graphics::Kitty => {
                    Kitty::new(image, size, kitty_id(key), false, false).map(Protocol::Kitty)
                }
                Graphics::Iterm2 => Iterm2::new(image, size, false).map(Protocol::ITerm2),
            };
            match protocol {
                Ok(p) => *cache = Some((key, p)),
                Err(e) => {
                    tracing::warn!(error = %e, "receipt picture not shown");
                    return false;
                }
            }
        }
        match cache.as_ref() {
            Some((_, protocol)) => {
                ratatui_image::Image::new(protocol).render(area, buf);
                true
            }
            None => false,
        }
    }
}

/// The part of `page` that fits `area` from text line `scroll` down, keeping the picture's
/// proportions with cells twice as tall as wide; the scroll is clamped so the last window ends
/// at the bottom of the slip. Returns the window and its first row.
fn visible_window(page: &Bitmap, scroll: u16, area: Rect) -> (Bitmap, usize) {
    let rows = page.width() * 2 * usize::from(area.height) / usize::from(area.width).max(1);
    let last_top = page.height().saturating_sub(rows);
    let top = (usize::from(scroll) * LINE_PITCH).min(last_top);
    (page.crop(0, top, page.width(), rows), top)
}

/// Black ink on white paper, one pixel a dot.
fn to_image(window: &Bitmap) -> DynamicImage {
    let (w, h) = (window.width() as u32, window.height().max(1) as u32);
    DynamicImage::ImageLuma8(GrayImage::from_fn(w.max(1), h, |x, y| {
        if window.get(x as usize, y as usize) {
            Luma([0])
        } else {
            Luma([255])
        }
    }))
}

fn kitty_id(key: Key) -> u32 {
    // Never 0 (Kitty's "no id"); the low bits change with the scroll and the size.
    let mix = key.sale_no as u32 ^ (key.top as u32).rotate_left(12) ^ u32::from(key.area.0) << 24;
    mix | 1
}

impl Clone for ReceiptPicture {
    /// A clone keeps the protocol choice, not the cached picture.
    fn clone(&self) -> Self {
        Self::new(self.graphics)
    }
}

impl PartialEq for ReceiptPicture {
    /// Two states are equal when they draw the same way; the cache is not state.
    fn eq(&self, other: &Self) -> bool {
        self.graphics == other.graphics
    }
}

impl Eq for ReceiptPicture {}

impl fmt::Debug for ReceiptPicture {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReceiptPicture")
            .field("graphics", &self.graphics)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::receipt::samples;
    use std::collections::HashMap;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |name| map.get(name).cloned()
    }

    #[test]
    fn tmux_ci_and_unknown_terminals_get_text_known_ones_get_pictures() {
        let kitty = [("TERM", "xterm-kitty")];
        assert_eq!(Graphics::detect(env(&kitty), true), Some(Graphics::Kitty));
        // Same terminal, but stdout is a pipe (CI, a redirect): no pictures.
        assert_eq!(Graphics::detect(env(&kitty), false), None);
        let in_tmux = [
            ("TERM", "tmux-256color"),
            ("KITTY_WINDOW_ID", "3"),
            ("TMUX", "/tmp/t,1,0"),
        ];
        assert_eq!(Graphics::detect(env(&in_tmux), true), None);
        let iterm = [("TERM", "xterm-256color"), ("TERM_PROGRAM", "iTerm.app")];
        assert_eq!(Graphics::detect(env(&iterm), true), Some(Graphics::Iterm2));
        assert_eq!(
            Graphics::detect(env(&[("TERM", "xterm-256color")]), true),
            None
        );
        assert_eq!(Graphics::detect(env(&[]), true), None);
        // The user decides over detection, both ways.
        let forced = [("TERM", "tmux-256color"), ("QRTILL_IMAGES", "kitty")];
        assert_eq!(Graphics::detect(env(&forced), true), Some(Graphics::Kitty));
        let off = [("TERM", "xterm-kitty"), ("QRTILL_IMAGES", "off")];
        assert_eq!(Graphics::detect(env(&off), true), None);
    }

    #[test]
    fn without_graphics_nothing_is_drawn_and_the_caller_keeps_the_text() {
        let area = Rect::new(0, 0, 42, 20);
        let mut buf = Buffer::empty(area);
        let drawn = ReceiptPicture::new(None).render(
            1,
            &samples::cash_sale(),
            PaperWidth::W42,
            0,
            area,
            &mut buf,
        );
        assert!(!drawn);
        assert_eq!(buf, Buffer::empty(area));
    }

    #[test]
    fn kitty_pictures_are_drawn_once_per_scroll_position() {
        let area = Rect::new(0, 0, 42, 20);
        let picture = ReceiptPicture::new(Some(Graphics::Kitty));
        let r = samples::kakao_pay_sale();
        let mut buf = Buffer::empty(area);
        assert!(picture.render(1, &r, PaperWidth::W42, 0, area, &mut buf));
        // The first cell carries the transmission (ESC _ G ...), the rest Kitty placeholders.
        assert!(
            buf[(0, 0)].symbol().contains("\x1b_G"),
            "{:?}",
            buf[(0, 0)].symbol()
        );
        assert!(
            buf[(5, 5)].symbol().contains('\u{10EEEE}'),
            "{:?}",
            buf[(5, 5)].symbol()
        );
        let first = picture.cache.borrow().as_ref().map(|(k, _)| *k);
        let mut again = Buffer::empty(area);
        assert!(picture.render(1, &r, PaperWidth::W42, 0, area, &mut again));
        assert_eq!(picture.cache.borrow().as_ref().map(|(k, _)| *k), first);
        assert!(picture.render(1, &r, PaperWidth::W42, 3, area, &mut again));
        let scrolled = picture.cache.borrow().as_ref().map(|(k, _)| k.top);
        assert_eq!(scrolled, Some(3 * LINE_PITCH));
    }

    #[test]
    fn the_window_keeps_proportions_and_stops_at_the_bottom() {
        let page = Bitmap::new(512, 1000);
        let area = Rect::new(0, 0, 42, 20);
        let (window, top) = visible_window(&page, 0, area);
        assert_eq!((window.width(), window.height(), top), (512, 487, 0));
        let (window, top) = visible_window(&page, 500, area);
        assert_eq!(top + window.height(), 1000);
    }
}
