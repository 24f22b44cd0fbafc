//! Little-endian encoding for catalogue snapshots: a writer that checksums what it writes,
//! and a reader that answers `None` (never panics) when the bytes run out.

use std::io::{self, Write};

/// Values per chunk when an array is turned into bytes.
const CHUNK: usize = 8192;

/// Writes values little-endian and keeps a CRC-32 and a count of every byte written.
pub(crate) struct Writer<W: Write> {
    out: W,
    crc: crc32fast::Hasher,
    len: u64,
    scratch: Vec<u8>,
}

impl<W: Write> Writer<W> {
    pub(crate) fn new(out: W) -> Self {
        Self {
            out,
            crc: crc32fast::Hasher::new(),
            len: 0,
            scratch: Vec::new(),
        }
    }

    pub(crate) fn bytes(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.out.write_all(bytes)?;
        self.crc.update(bytes);
        self.len += bytes.len() as u64;
        Ok(())
    }

    pub(crate) fn u32(&mut self, v: u32) -> io::Result<()> {
        self.bytes(&v.to_le_bytes())
    }

    pub(crate) fn u64(&mut self, v: u64) -> io::Result<()> {
        self.bytes(&v.to_le_bytes())
    }

    pub(crate) fn len(&mut self, n: usize) -> io::Result<()> {
        self.u64(n as u64)
    }

    /// A length, then the bytes.
    pub(crate) fn blob(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.len(bytes.len())?;
        self.bytes(bytes)
    }

    pub(crate) fn str(&mut self, s: &str) -> io::Result<()> {
        self.blob(s.as_bytes())
    }

    /// A count, then `N` bytes per value, each value encoded by `encode`.
    pub(crate) fn array<T: Copy, const N: usize>(
        &mut self,
        values: &[T],
        encode: impl Fn(T) -> [u8; N],
    ) -> io::Result<()> {
        self.len(values.len())?;
        let mut scratch = std::mem::take(&mut self.scratch);
        let mut result = Ok(());
        for chunk in values.chunks(CHUNK) {
            scratch.clear();
            for &v in chunk {
                scratch.extend_from_slice(&encode(v));
            }
            result = self.bytes(&scratch);
            if result.is_err() {
                break;
            }
        }
        self.scratch = scratch;
        result
    }

    pub(crate) fn u32s(&mut self, values: &[u32]) -> io::Result<()> {
        self.array(values, u32::to_le_bytes)
    }

    pub(crate) fn u64s(&mut self, values: &[u64]) -> io::Result<()> {
        self.array(values, u64::to_le_bytes)
    }

    /// Bytes written so far and their CRC-32.
    pub(crate) fn written(&self) -> (u64, u32) {
        (self.len, self.crc.clone().finalize())
    }

    pub(crate) fn into_inner(self) -> W {
        self.out
    }
}

/// Reads what a [`Writer`] wrote; every read answers `None` past the end.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Reader<'a> {
    bytes: &'a [u8],
}

impl<'a> Reader<'a> {
    pub(crate) fn new(bytes: &'a [u8]) -> Self {
        Self { bytes }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    pub(crate) fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if n > self.bytes.len() {
            return None;
        }
        let (head, rest) = self.bytes.split_at(n);
        self.bytes = rest;
        Some(head)
    }

    fn fixed<const N: usize>(&mut self) -> Option<[u8; N]> {
        self.take(N).and_then(|b| b.try_into().ok())
    }

    pub(crate) fn u32(&mut self) -> Option<u32> {
        self.fixed().map(u32::from_le_bytes)
    }

    pub(crate) fn u64(&mut self) -> Option<u64> {
        self.fixed().map(u64::from_le_bytes)
    }

    /// A length written by [`Writer::len`], if it fits in memory at all.
    pub(crate) fn len(&mut self) -> Option<usize> {
        self.u64().and_then(|n| usize::try_from(n).ok())
    }

    pub(crate) fn blob(&mut self) -> Option<&'a [u8]> {
        let n = self.len()?;
        self.take(n)
    }

    pub(crate) fn str(&mut self) -> Option<&'a str> {
        std::str::from_utf8(self.blob()?).ok()
    }

    /// An array written by [`Writer::array`] with `N` bytes per value.
    pub(crate) fn array<T, const N: usize>(
        &mut self,
        decode: impl Fn([u8; N]) -> T,
    ) -> Option<Vec<T>> {
        let n = self.len()?;
        let bytes = self.take(n.checked_mul(N)?)?;
        Some(
            bytes
                .chunks_exact(N)
                .map(|c| decode(c.try_into().unwrap_or([0; N])))
                .collect(),
        )
    }

    pub(crate) fn u32s(&mut self) -> Option<Vec<u32>> {
        self.array(u32::from_le_bytes)
    }

    pub(crate) fn u64s(&mut self) -> Option<Vec<u64>> {
        self.array(u64::from_le_bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_come_back_and_a_short_read_is_none() {
        let mut w = Writer::new(Vec::new());
        w.bytes(&[7]).unwrap();
        w.u32(0xDEAD_BEEF).unwrap();
        w.str("crème").unwrap();
        w.u32s(&[1, 2, u32::MAX]).unwrap();
        w.u64s(&[u64::MAX, 0]).unwrap();
        let (len, crc) = w.written();
        let bytes = w.into_inner();
        assert_eq!(len, bytes.len() as u64);
        assert_eq!(crc, crc32fast::hash(&bytes));
        let mut r = Reader::new(&bytes);
        assert_eq!(r.take(1), Some(&[7u8][..]));
        assert_eq!(r.u32(), Some(0xDEAD_BEEF));
        assert_eq!(r.str(), Some("crème"));
        assert_eq!(r.u32s(), Some(vec![1, 2, u32::MAX]));
        assert_eq!(r.u64s(), Some(vec![u64::MAX, 0]));
        assert!(r.is_empty());
        assert_eq!(r.take(1), None);
        // Every cut short of the end fails somewhere instead of inventing values.
        for cut in 0..bytes.len() {
            let mut r = Reader::new(&bytes[..cut]);
            let whole = (|| {
                r.take(1)?;
                r.u32()?;
                r.str()?;
                r.u32s()?;
                r.u64s()
            })();
            assert_eq!(whole, None, "cut at {cut}");
        }
        // A count too large for the bytes left is refused, not allocated.
        let mut huge = Writer::new(Vec::new());
        huge.u64(u64::MAX / 2).unwrap();
        assert_eq!(Reader::new(&huge.into_inner()).u64s(), None);
    }
}
