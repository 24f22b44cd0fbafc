//! The MPM ID/LEN/VALUE walk (EMVCo MPM §4.3–4.4).
//!
//! LEN counts *characters* (Unicode code points), not bytes and not UTF-16 units: every
//! non-ASCII vector in the wild only parses that way. Offsets reported here are character
//! offsets too, so they match what a person counts in the payload.

/// One data object found by the walk, borrowing its value from the payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RawObject<'a> {
    pub id: u8,
    pub value: &'a str,
    /// Character offset of the ID within the walked string.
    pub offset: usize,
    /// Byte offset of the ID within the walked string (for CRC coverage).
    pub byte_offset: usize,
}

/// Why a string is not a well-formed ID/LEN/VALUE list.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TlvError {
    #[error("ID/length at offset {offset} is not four digits: '{found}'")]
    BadHeader { offset: usize, found: String },
    #[error(
        "tag {id:02} at offset {offset} declares {declared} characters but only {available} follow"
    )]
    Overrun {
        offset: usize,
        id: u8,
        declared: usize,
        available: usize,
    },
}

impl TlvError {
    /// The character offset the error points at.
    pub fn offset(&self) -> usize {
        match self {
            TlvError::BadHeader { offset, .. } | TlvError::Overrun { offset, .. } => *offset,
        }
    }

    /// The same error moved by `base` characters (for nested templates).
    pub fn shifted(self, base: usize) -> Self {
        match self {
            TlvError::BadHeader { offset, found } => TlvError::BadHeader {
                offset: offset + base,
                found,
            },
            TlvError::Overrun {
                offset,
                id,
                declared,
                available,
            } => TlvError::Overrun {
                offset: offset + base,
                id,
                declared,
                available,
            },
        }
    }
}

/// Walks `s` as a list of ID/LEN/VALUE objects; it must be consumed exactly.
///
/// A LEN of `00` is accepted here (it occurs in the wild); `verify` reports it.
pub fn parse(s: &str) -> Result<Vec<RawObject<'_>>, TlvError> {
    let mut out = Vec::new();
    let mut byte = 0usize;
    let mut chars = 0usize;
    while byte < s.len() {
        let rest = &s[byte..];
        let header: String = rest.chars().take(4).collect();
        let digits = header.len() == 4 && header.bytes().all(|b| b.is_ascii_digit());
        if !digits {
            return Err(TlvError::BadHeader {
                offset: chars,
                found: header,
            });
        }
        let hb = header.as_bytes();
        let id = (hb[0] - b'0') * 10 + (hb[1] - b'0');
        let declared = usize::from((hb[2] - b'0') * 10 + (hb[3] - b'0'));
        let value_start = byte + 4;
        let mut value_end = value_start;
        let mut taken = 0usize;
        for c in s[value_start..].chars().take(declared) {
            value_end += c.len_utf8();
            taken += 1;
        }
        if taken < declared {
            return Err(TlvError::Overrun {
                offset: chars,
                id,
                declared,
                available: taken,
            });
        }
        out.push(RawObject {
            id,
            value: &s[value_start..value_end],
            offset: chars,
            byte_offset: byte,
        });
        byte = value_end;
        chars += 4 + declared;
    }
    Ok(out)
}

/// Appends one object as `ID LEN VALUE`; the caller keeps `value` within 0–99 characters.
pub fn write(out: &mut String, id: u8, value: &str) {
    let len = value.chars().count();
    debug_assert!(id <= 99 && len <= 99);
    out.push_str(&format!("{id:02}{len:02}"));
    out.push_str(value);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn length_counts_code_points_not_bytes() {
        let objs = parse("0104最佳运输0202北京").unwrap_or_default();
        assert_eq!(objs.len(), 2);
        assert_eq!(objs[0].value, "最佳运输");
        assert_eq!(objs[1].value, "北京");
        assert_eq!(objs[1].offset, 8);
        assert_eq!(objs[1].byte_offset, 4 + "最佳运输".len());
    }

    #[test]
    fn emoji_is_one_character() {
        let objs = parse("05161234567890👀12345").unwrap_or_default();
        assert_eq!(objs.len(), 1);
        assert_eq!(objs[0].value.chars().count(), 16);
    }

    #[test]
    fn non_numeric_header_names_its_offset() {
        let err = parse("0002010A").err();
        assert_eq!(
            err,
            Some(TlvError::BadHeader {
                offset: 6,
                found: "0A".into()
            })
        );
    }

    #[test]
    fn value_running_past_the_end_is_an_overrun() {
        let err = parse("00020130190015").err();
        assert_eq!(
            err,
            Some(TlvError::Overrun {
                offset: 6,
                id: 30,
                declared: 19,
                available: 4
            })
        );
    }

    #[test]
    fn zero_length_value_is_walked() {
        let objs = parse("59000102AB").unwrap_or_default();
        assert_eq!(objs.len(), 2);
        assert_eq!(objs[0].value, "");
    }

    #[test]
    fn write_pads_id_and_length() {
        let mut s = String::new();
        write(&mut s, 1, "北京");
        assert_eq!(s, "0102北京");
    }
}
