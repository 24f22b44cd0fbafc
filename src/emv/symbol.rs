//! The QR symbol for a payload, and its half-block text form.
//!
//! EMVCo MPM §4.12: byte mode only, with ECI 000026 (UTF-8) when the payload holds anything
//! outside the common character set. So the symbol is built from explicit byte-mode bits rather
//! than the `qrcode` crate's automatic segmentation (which would pick alphanumeric mode).

use qrcode::bits::Bits;
use qrcode::{Color, QrCode, Version};

pub use qrcode::EcLevel;

/// Light modules required around the symbol on every side (ISO/IEC 18004).
pub const QUIET_ZONE: usize = 4;

/// A QR matrix, without quiet zone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QrSymbol {
    width: usize,
    dark: Vec<bool>,
    version: i16,
    ec: EcLevel,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SymbolError {
    #[error("payload of {0} bytes does not fit any QR version at this error-correction level")]
    TooLong(usize),
}

impl QrSymbol {
    /// The smallest byte-mode symbol holding `payload` at `ec`.
    pub fn new(payload: &str, ec: EcLevel) -> Result<Self, SymbolError> {
        let eci = !payload.bytes().all(|b| (0x20..=0x7E).contains(&b));
        for v in 1..=40 {
            let mut bits = Bits::new(Version::Normal(v));
            let built = (if eci {
                bits.push_eci_designator(26)
            } else {
                Ok(())
            })
            .and_then(|_| bits.push_byte_data(payload.as_bytes()))
            .and_then(|_| bits.push_terminator(ec));
            if built.is_err() {
                continue;
            }
            if let Ok(code) = QrCode::with_bits(bits, ec) {
                let width = code.width();
                let dark = code
                    .to_colors()
                    .into_iter()
                    .map(|c| c == Color::Dark)
                    .collect();
                return Ok(Self {
                    width,
                    dark,
                    version: v,
                    ec,
                });
            }
        }
        Err(SymbolError::TooLong(payload.len()))
    }

    /// Modules per side, without quiet zone (21 for version 1).
    pub fn width(&self) -> usize {
        self.width
    }

    pub fn version(&self) -> i16 {
        self.version
    }

    pub fn ec_level(&self) -> EcLevel {
        self.ec
    }

    /// Whether module (x, y) is dark; coordinates include the quiet zone, so (0, 0) is light.
    pub fn is_dark(&self, x: usize, y: usize) -> bool {
        let (Some(x), Some(y)) = (x.checked_sub(QUIET_ZONE), y.checked_sub(QUIET_ZONE)) else {
            return false;
        };
        x < self.width && y < self.width && self.dark[y * self.width + x]
    }

    /// Terminal cells needed with half blocks: (columns, rows), quiet zone included.
    pub fn cells(&self) -> (u16, u16) {
        let side = self.width + 2 * QUIET_ZONE;
        (side as u16, side.div_ceil(2) as u16)
    }

    /// The half-block character for cell (col, row): two vertical modules per cell.
    pub fn half_block(&self, col: usize, row: usize) -> char {
        match (self.is_dark(col, 2 * row), self.is_dark(col, 2 * row + 1)) {
            (true, true) => '█',
            (true, false) => '▀',
            (false, true) => '▄',
            (false, false) => ' ',
        }
    }

    /// Every row of half blocks, quiet zone included (dark = ink).
    pub fn half_block_lines(&self) -> Vec<String> {
        let (w, h) = self.cells();
        (0..usize::from(h))
            .map(|r| (0..usize::from(w)).map(|c| self.half_block(c, r)).collect())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_payload_uses_version_1_with_quiet_zone() {
        let Ok(s) = QrSymbol::new("HELLO", EcLevel::M) else {
            panic!("fits")
        };
        assert_eq!(s.version(), 1);
        assert_eq!(s.cells(), (29, 15));
        assert!(!s.is_dark(3, 3));
        // Finder pattern corner.
        assert!(s.is_dark(4, 4));
    }

    #[test]
    fn byte_mode_needs_more_room_than_alphanumeric_would() {
        // 120 upper-case chars: byte mode at L needs version 6 (alphanumeric would fit v5).
        let p = "0".repeat(60) + &"A".repeat(60);
        let Ok(s) = QrSymbol::new(&p, EcLevel::L) else {
            panic!("fits")
        };
        assert_eq!(s.version(), 6);
    }

    #[test]
    fn lower_ec_level_never_needs_a_larger_symbol() {
        let p = "x".repeat(150);
        let (Ok(m), Ok(l)) = (QrSymbol::new(&p, EcLevel::M), QrSymbol::new(&p, EcLevel::L)) else {
            panic!("fits")
        };
        assert!(l.width() <= m.width());
    }

    #[test]
    fn oversized_payload_is_refused() {
        assert!(QrSymbol::new(&"x".repeat(3000), EcLevel::L).is_err());
    }

    #[test]
    fn half_block_lines_cover_two_module_rows_each() {
        let Ok(s) = QrSymbol::new("HELLO", EcLevel::M) else {
            panic!("fits")
        };
        let lines = s.half_block_lines();
        assert_eq!(lines.len(), 15);
        assert!(lines.iter().all(|l| l.chars().count() == 29));
        assert_eq!(lines[0].trim(), "");
        // Row 2 covers module rows 4 and 5: the finder's top edge is dark in both.
        assert!(lines[2].chars().nth(4) == Some('█'));
    }
}
