//! Catalogue snapshots: the loaded, indexed catalogue saved in a binary file beside the
//! per-user data, so a counter that starts many times a day on the same catalogue file
//! parses it once.
//!
//! A snapshot is keyed by the source file's identity (size, modification time and a CRC-32
//! of all its bytes), the store currency, the program version and [`FORMAT`]. It is used
//! only when all of them match and its own length and CRC-32 check out and its parts agree
//! with each other; anything else (missing, truncated, damaged, foreign, older) is ignored
//! and rebuilt from the file. Writing goes to a temporary file renamed into place, so a
//! reader sees a whole snapshot or none; a write that fails is only logged.
//!
//! File layout (little-endian): `MAGIC`, `FORMAT` (u32), the key, the catalogue (see
//! [`Catalog::encode`]), then the trailer: the length of everything before it (u64), its
//! CRC-32 (u32) and `MAGIC` again.

use super::index::Catalog;
use super::load::{CatalogError, cannot_read, catalog_from_file_bytes, is_csv, read_catalog_file};
use super::wire::{Reader, Writer};
use crate::money::Currency;
use sha2::{Digest, Sha256};
use std::collections::BTreeSet;
use std::fs::File;
use std::io::{self, BufReader, BufWriter, Read, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

const MAGIC: &[u8; 8] = b"QRTCATSN";

/// The snapshot format. Bump it whenever the layout or the meaning of any part changes
/// (records, name order, search keys, posting lists).
pub const FORMAT: u32 = 1;

/// Bytes after the body: its length, its CRC-32 and `MAGIC`.
const TRAILER: usize = 8 + 4 + MAGIC.len();

/// Why a snapshot was not used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Miss {
    /// There was none yet.
    Absent,
    /// It was made from another version of the file, for another currency or tax codes,
    /// or by another version of qrtill or of the format.
    Stale,
    /// It could not be read, or it is truncated, damaged or not a snapshot at all.
    Damaged,
}

/// How [`open_with_snapshot`] came by its catalogue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Loaded {
    /// From a snapshot that matched the file.
    FromSnapshot,
    /// Parsed from the file, because of `why`; `saved` tells whether a new snapshot was
    /// written for the next start.
    Parsed { why: Miss, saved: bool },
}

/// What a snapshot is valid for.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Key {
    program: String,
    currency: String,
    source_len: u64,
    /// Modification time of the source: seconds and nanoseconds since the Unix epoch (0
    /// and 0 where the system keeps none).
    modified: (u64, u32),
    source_crc: u32,
}

impl Key {
    fn of(source: &SourceId, currency: Currency) -> Self {
        Self {
            program: env!("CARGO_PKG_VERSION").to_string(),
            currency: currency.code().to_string(),
            source_len: source.len,
            modified: source.modified,
            source_crc: source.crc,
        }
    }

    fn encode<W: Write>(&self, w: &mut Writer<W>) -> io::Result<()> {
        w.str(&self.program)?;
        w.str(&self.currency)?;
        w.u64(self.source_len)?;
        w.u64(self.modified.0)?;
        w.u32(self.modified.1)?;
        w.u32(self.source_crc)
    }

    fn decode<R: Read>(r: &mut Reader<R>) -> Option<Self> {
        Some(Self {
            program: r.str()?,
            currency: r.str()?,
            source_len: r.u64()?,
            modified: (r.u64()?, r.u32()?),
            source_crc: r.u32()?,
        })
    }
}

/// What identifies the catalogue file's content: its length, modification time and CRC-32.
struct SourceId {
    len: u64,
    modified: (u64, u32),
    crc: u32,
}

/// Bytes per read when summing a file.
const READ_CHUNK: usize = 1 << 20;

/// Identifies catalogue file `path`, reading it through a small buffer (a snapshot load
/// needs its CRC, not its bytes).
fn identify(path: &Path) -> Result<SourceId, CatalogError> {
    is_csv(path)?;
    let mut file = File::open(path).map_err(|e| cannot_read(path, e))?;
    let modified = modified(&file);
    let mut crc = crc32fast::Hasher::new();
    let mut len = 0u64;
    let mut buf = vec![0u8; READ_CHUNK];
    loop {
        match file.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => {
                let read = buf.get(..n).unwrap_or_default();
                crc.update(read);
                len += read.len() as u64;
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(cannot_read(path, e)),
        }
    }
    Ok(SourceId {
        len,
        modified,
        crc: crc.finalize(),
    })
}

/// The modification time the file system keeps for `file` (not a clock reading), as
/// seconds and nanoseconds since the Unix epoch; 0 and 0 where it keeps none.
fn modified(file: &File) -> (u64, u32) {
    file.metadata()
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or((0, 0), |d| (d.as_secs(), d.subsec_nanos()))
}

/// Where the snapshot of catalogue file `source` lives in `cache_dir`: one file per
/// catalogue path, so a till that switches between two catalogues keeps both.
pub fn snapshot_path(cache_dir: &Path, source: &Path) -> PathBuf {
    let full = std::fs::canonicalize(source).unwrap_or_else(|_| source.to_path_buf());
    let digest = Sha256::digest(full.as_os_str().as_encoded_bytes());
    let name: String = digest.iter().take(8).map(|b| format!("{b:02x}")).collect();
    cache_dir.join(format!("catalog-{name}.snapshot"))
}

/// Loads catalogue file `path` like [`super::open`], from its snapshot in `cache_dir` when
/// one matches the file; otherwise parses the file and saves a snapshot for next time.
///
/// Problems with the file are reported exactly as [`super::open`] reports them. Problems
/// with the snapshot never fail the load: it is rebuilt, and a failed save is logged.
pub fn open_with_snapshot(
    path: &Path,
    tax_codes: &BTreeSet<String>,
    currency: Currency,
    cache_dir: &Path,
) -> Result<(Catalog, Loaded), CatalogError> {
    let at = snapshot_path(cache_dir, path);
    // The snapshot is read while the file is summed; whether it is the file's is known
    // once both are done.
    let (stored, source) = super::par::join(|| read_snapshot(&at), || identify(path));
    let source = source?;
    let why = match stored {
        Ok((key, catalog)) if key == Key::of(&source, currency) => {
            match usable(catalog, tax_codes) {
                Some(catalog) => {
                    super::trim::release_scratch();
                    return Ok((catalog, Loaded::FromSnapshot));
                }
                None => Miss::Stale,
            }
        }
        Ok(_) => Miss::Stale,
        Err(why) => why,
    };
    // The bytes parsed are the bytes summed for the new snapshot's key.
    let bytes = read_catalog_file(path)?;
    let key = Key::of(
        &SourceId {
            len: bytes.len() as u64,
            modified: source.modified,
            crc: crc32fast::hash(&bytes),
        },
        currency,
    );
    let catalog = catalog_from_file_bytes(bytes, path, tax_codes, currency)?;
    let saved = match save(&catalog, &key, &at) {
        Ok(()) => true,
        Err(e) => {
            tracing::warn!(snapshot = %at.display(), error = %e, "catalogue snapshot not saved");
            false
        }
    };
    super::trim::release_scratch();
    Ok((catalog, Loaded::Parsed { why, saved }))
}

/// `catalog` if every tax code it uses is one of `tax_codes`: a file checked against other
/// codes may not pass against these, so it is parsed again to report what to fix.
fn usable(catalog: Catalog, tax_codes: &BTreeSet<String>) -> Option<Catalog> {
    let known = catalog.tax_codes().all(|code| tax_codes.contains(code));
    known.then_some(catalog)
}

/// The key and the catalogue of the snapshot at `at`, once its length and CRC-32 check out
/// and its parts hold together.
fn read_snapshot(at: &Path) -> Result<(Key, Catalog), Miss> {
    let file = match File::open(at) {
        Ok(file) => file,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Err(Miss::Absent),
        Err(e) => {
            tracing::warn!(snapshot = %at.display(), error = %e, "catalogue snapshot unreadable");
            return Err(Miss::Damaged);
        }
    };
    let len = file.metadata().map_err(|_| Miss::Damaged)?.len();
    let body_len = len.checked_sub(TRAILER as u64).ok_or(Miss::Damaged)?;
    let mut r = Reader::new(BufReader::with_capacity(1 << 16, file), body_len);
    let magic = r.fixed::<8>();
    let format = r.u32();
    let decoded = match (magic, format) {
        (Some(m), Some(FORMAT)) if &m == MAGIC => Key::decode(&mut r)
            .and_then(|key| Some((key, Catalog::decode(&mut r)?)))
            .filter(|_| r.is_empty()),
        _ => None,
    };
    // A snapshot of another format is stale, not damaged, if its checksum holds.
    let other_format = magic.as_ref() == Some(MAGIC) && format.is_some_and(|f| f != FORMAT);
    if decoded.is_none() && r.skip_rest().is_none() {
        return Err(Miss::Damaged);
    }
    let (crc, mut rest) = r.finish();
    let mut trailer = [0u8; TRAILER];
    rest.read_exact(&mut trailer).map_err(|_| Miss::Damaged)?;
    let sealed = trailer[..8] == body_len.to_le_bytes()
        && trailer[8..12] == crc.to_le_bytes()
        && trailer[12..] == *MAGIC;
    match decoded {
        Some(found) if sealed => Ok(found),
        None if sealed && other_format => Err(Miss::Stale),
        _ => Err(Miss::Damaged),
    }
}

/// Temporary files of this process get distinct names.
static TEMP_SEQ: AtomicU64 = AtomicU64::new(0);

/// Writes the snapshot of `catalog` for `key` to `at`: into a temporary file beside it,
/// then renamed over it, so no reader ever sees half a snapshot. No fsync: a snapshot cut
/// short by a crash fails its length and CRC check and is rebuilt.
fn save(catalog: &Catalog, key: &Key, at: &Path) -> io::Result<()> {
    let dir = at.parent().unwrap_or(Path::new("."));
    crate::data_dir::make_private(dir)?;
    let name = at.file_name().map(|n| n.to_string_lossy().into_owned());
    let prefix = format!(".{}.", name.unwrap_or_default());
    remove_temp_files(dir, &prefix);
    let temp = dir.join(format!(
        "{prefix}{}-{}.tmp",
        std::process::id(),
        TEMP_SEQ.fetch_add(1, Ordering::Relaxed)
    ));
    let written = write_snapshot(catalog, key, &temp).and_then(|()| std::fs::rename(&temp, at));
    if written.is_err()
        && let Err(e) = std::fs::remove_file(&temp)
        && e.kind() != io::ErrorKind::NotFound
    {
        tracing::warn!(temp = %temp.display(), error = %e, "catalogue snapshot temp file left behind");
    }
    written
}

/// Removes temporary files of this snapshot in `dir` (`prefix`...`.tmp`): a process killed
/// while writing one leaves it behind, and each is as large as the snapshot. One that
/// another process is still writing is lost too; that process then only logs that its
/// snapshot was not saved.
fn remove_temp_files(dir: &Path, prefix: &str) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with(prefix)
            && name.ends_with(".tmp")
            && let Err(e) = std::fs::remove_file(entry.path())
            && e.kind() != io::ErrorKind::NotFound
        {
            tracing::warn!(temp = %entry.path().display(), error = %e, "old catalogue snapshot temp file not removed");
        }
    }
}

fn write_snapshot(catalog: &Catalog, key: &Key, temp: &Path) -> io::Result<()> {
    // Private like the rest of the data directory; a name of its own, never an old file.
    let file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(temp)?;
    let mut w = Writer::new(BufWriter::with_capacity(1 << 20, file));
    w.bytes(MAGIC)?;
    w.u32(FORMAT)?;
    key.encode(&mut w)?;
    catalog.encode(&mut w)?;
    let (len, crc) = w.written();
    let mut out = w.into_inner();
    out.write_all(&len.to_le_bytes())?;
    out.write_all(&crc.to_le_bytes())?;
    out.write_all(MAGIC)?;
    out.into_inner().map_err(io::IntoInnerError::into_error)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Item;
    use crate::money::Money;

    /// A pin, not a proof: the bytes of a fixed catalogue's snapshot. When a change to the
    /// records, the name order, the search keys or the posting lists changes them, old
    /// snapshots no longer mean what this code reads: bump [`FORMAT`], then record the new
    /// length and CRC here.
    #[test]
    fn the_bytes_of_a_format_1_snapshot_are_pinned() {
        let names = [
            "Flat white 12oz",
            "Crème brûlée",
            "İstanbul simit",
            "flat bread",
            "Gum",
        ];
        let items = names
            .iter()
            .enumerate()
            .map(|(i, name)| {
                let body = format!("2{:011}", i * 7 + 13);
                let barcode = format!("{body}{}", super::super::gtin::check_digit(body.as_bytes()));
                Item {
                    gtin: super::super::gtin::normalise(&barcode).unwrap_or_default(),
                    barcode,
                    name: name.to_string(),
                    price: Money::from_minor(150 + i as i64, Currency::USD).unwrap(),
                    tax_category: ["food", "general"][i % 2].to_string(),
                }
            })
            .collect();
        let catalog = Catalog::from_items(items).unwrap();
        let mut w = Writer::new(Vec::new());
        catalog.encode(&mut w).unwrap();
        assert_eq!((FORMAT, w.written()), (1, (24_627, 2_663_640_941)));
    }
}
