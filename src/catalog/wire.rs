//! Little-endian encoding for catalogue snapshots: a writer that checksums what it writes,
//! and a reader that answers `None` (never panics) when the bytes run out.

use std::io::{self, Read, Write};

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

/// Reads what a [`Writer`] wrote from a stream of a known length, keeping a CRC-32 of the
/// bytes read; every read answers `None` past that length or on a read error. Arrays are
/// read straight into their own vectors, so a large snapshot never sits in memory whole.
pub(crate) struct Reader<R: Read> {
    from: R,
    crc: crc32fast::Hasher,
    /// Bytes of the stream not read yet.
    left: u64,
    scratch: Vec<u8>,
}

impl<R: Read> Reader<R> {
    /// Reads the next `len` bytes of `from`.
    pub(crate) fn new(from: R, len: u64) -> Self {
        Self {
            from,
            crc: crc32fast::Hasher::new(),
            left: len,
            scratch: Vec::new(),
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.left == 0
    }

    /// Claims `n` more bytes, if the stream has them.
    fn claim(&mut self, n: usize) -> Option<()> {
        let n = u64::try_from(n).ok()?;
        self.left = self.left.checked_sub(n)?;
        Some(())
    }

    fn fill(&mut self, out: &mut [u8]) -> Option<()> {
        self.claim(out.len())?;
        self.from.read_exact(out).ok()?;
        self.crc.update(out);
        Some(())
    }

    pub(crate) fn fixed<const N: usize>(&mut self) -> Option<[u8; N]> {
        let mut out = [0u8; N];
        self.fill(&mut out)?;
        Some(out)
    }

    pub(crate) fn u32(&mut self) -> Option<u32> {
        self.fixed().map(u32::from_le_bytes)
    }

    pub(crate) fn u64(&mut self) -> Option<u64> {
        self.fixed().map(u64::from_le_bytes)
    }

    /// A length written by [`Writer::len`].
    pub(crate) fn len(&mut self) -> Option<usize> {
        self.u64().and_then(|n| usize::try_from(n).ok())
    }

    /// The next `n` bytes.
    pub(crate) fn bytes(&mut self, n: usize) -> Option<Vec<u8>> {
        self.claim(n)?;
        let mut out = Vec::with_capacity(n);
        (&mut self.from).take(n as u64).read_to_end(&mut out).ok()?;
        self.crc.update(&out);
        (out.len() == n).then_some(out)
    }

    pub(crate) fn blob(&mut self) -> Option<Vec<u8>> {
        let n = self.len()?;
        self.bytes(n)
    }

    pub(crate) fn str(&mut self) -> Option<String> {
        String::from_utf8(self.blob()?).ok()
    }

    /// An array written by [`Writer::array`] with `N` bytes per value.
    pub(crate) fn array<T, const N: usize>(
        &mut self,
        decode: impl Fn([u8; N]) -> T,
    ) -> Option<Vec<T>> {
        let n = self.len()?;
        // Refuse a count the stream cannot hold before allocating for it.
        if u64::try_from(n.checked_mul(N)?).ok()? > self.left {
            return None;
        }
        let mut out = Vec::with_capacity(n);
        let mut scratch = std::mem::take(&mut self.scratch);
        scratch.resize(CHUNK * N, 0);
        let mut todo = n;
        while todo > 0 {
            let k = todo.min(CHUNK);
            let chunk = scratch.get_mut(..k * N)?;
            self.fill(chunk)?;
            out.extend(
                chunk
                    .chunks_exact(N)
                    .map(|c| decode(c.try_into().unwrap_or([0; N]))),
            );
            todo -= k;
        }
        self.scratch = scratch;
        Some(out)
    }

    pub(crate) fn u32s(&mut self) -> Option<Vec<u32>> {
        self.array(u32::from_le_bytes)
    }

    pub(crate) fn u64s(&mut self) -> Option<Vec<u64>> {
        self.array(u64::from_le_bytes)
    }

    /// Reads what is left of the stream (only for its CRC).
    pub(crate) fn skip_rest(&mut self) -> Option<()> {
        let mut scratch = std::mem::take(&mut self.scratch);
        scratch.resize(1 << 16, 0);
        while self.left > 0 {
            let k = usize::try_from(self.left).map_or(scratch.len(), |l| l.min(scratch.len()));
            self.fill(scratch.get_mut(..k)?)?;
        }
        Some(())
    }

    /// The CRC-32 of every byte read, and the stream, positioned after them.
    pub(crate) fn finish(self) -> (u32, R) {
        (self.crc.finalize(), self.from)
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
        let many: Vec<u32> = (0..20_000).map(|i| i * 3).collect();
        w.u32s(&many).unwrap();
        w.u64s(&[u64::MAX, 0]).unwrap();
        let (len, crc) = w.written();
        let bytes = w.into_inner();
        assert_eq!(len, bytes.len() as u64);
        assert_eq!(crc, crc32fast::hash(&bytes));
        let mut r = Reader::new(bytes.as_slice(), len);
        assert_eq!(r.bytes(1), Some(vec![7]));
        assert_eq!(r.u32(), Some(0xDEAD_BEEF));
        assert_eq!(r.str().as_deref(), Some("crème"));
        assert_eq!(r.u32s(), Some(many));
        assert_eq!(r.u64s(), Some(vec![u64::MAX, 0]));
        assert!(r.is_empty());
        assert_eq!(r.bytes(1), None);
        assert_eq!(r.finish().0, crc);
        // Every cut short of the end fails somewhere instead of inventing values, whether
        // the stated length or the stream itself is short.
        for cut in (0..bytes.len()).step_by(97).chain([bytes.len() - 1]) {
            for (stream, said) in [(&bytes[..cut], len), (&bytes[..], cut as u64)] {
                let mut r = Reader::new(stream, said);
                let whole = (|| {
                    r.bytes(1)?;
                    r.u32()?;
                    r.str()?;
                    r.u32s()?;
                    r.u64s()
                })();
                assert_eq!(whole, None, "cut at {cut}");
            }
        }
        // A count too large for the bytes left is refused, not allocated.
        let mut huge = Writer::new(Vec::new());
        huge.u64(u64::MAX / 2).unwrap();
        let huge = huge.into_inner();
        assert_eq!(Reader::new(huge.as_slice(), 8).u64s(), None);
        // Skipping the rest still sums every byte.
        let mut r = Reader::new(bytes.as_slice(), len);
        r.u32();
        assert_eq!(r.skip_rest(), Some(()));
        assert_eq!(r.finish().0, crc);
    }
}
