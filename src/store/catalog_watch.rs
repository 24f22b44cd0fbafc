//! The lane's side of the central catalogue. A thread (beside the replication thread) asks the
//! store for its newest catalogue version, loads and checks it with the counter's loader, keeps
//! it in DATA/store-catalog/ (temp file, fsync, rename: a crash leaves the old file or the new
//! one, never half of one), hands it to the runtime, and reports which version the lane sells
//! from. The lane starts on that cache, so it opens with the store unreachable.

use super::StoreError;
use super::catalog::{self, Format};
use super::outbox::LaneId;
use crate::catalog::{Catalog, CatalogError};
use crate::checkout::catalog_swap::CatalogUpdate;
use crate::money::Currency;
use crate::runtime::CatalogFeed;
use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::mpsc::Sender;
use std::sync::{Arc, mpsc};
use std::time::Duration;

/// The cache directory inside the lane's data directory.
pub const CACHE_DIR: &str = "store-catalog";

/// How often the lane asks the store for a newer version.
const POLL: Duration = Duration::from_secs(1);
/// Retry delays while the store is unreachable: doubling from the first to the cap.
const BACKOFF_FIRST: Duration = Duration::from_millis(500);
const BACKOFF_CAP: Duration = Duration::from_secs(5);

/// `v00000042.csv`: the version in the name, so the newest file is found without a second file.
fn cache_name(version: i64, format: Format) -> String {
    format!("v{version:08}.{}", format.name())
}

fn parse_cache_name(name: &str) -> Option<i64> {
    let (stem, ext) = name.strip_prefix('v')?.split_once('.')?;
    Format::of(Path::new(&format!("x.{ext}")))?;
    stem.parse().ok().filter(|v| *v > 0)
}

/// The newest cached version and its file, if any.
pub fn newest_cached(dir: &Path) -> std::io::Result<Option<(i64, PathBuf)>> {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    let mut best: Option<(i64, PathBuf)> = None;
    for entry in entries {
        let entry = entry?;
        let name = entry.file_name();
        if let Some(v) = name.to_str().and_then(parse_cache_name)
            && best.as_ref().is_none_or(|(b, _)| v > *b)
        {
            best = Some((v, entry.path()));
        }
    }
    Ok(best)
}

/// Writes `bytes` as cached version `version` (temp file, fsync, rename, fsync of the
/// directory), then removes older cached versions.
pub fn write_cache(
    dir: &Path,
    version: i64,
    format: Format,
    bytes: &[u8],
) -> std::io::Result<PathBuf> {
    std::fs::create_dir_all(dir)?;
    let name = cache_name(version, format);
    let tmp = dir.join(format!(".{name}.tmp"));
    let path = dir.join(&name);
    {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
    }
    std::fs::rename(&tmp, &path)?;
    std::fs::File::open(dir)?.sync_all()?;
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let older = entry
            .file_name()
            .to_str()
            .and_then(parse_cache_name)
            .is_some_and(|v| v < version);
        if older && let Err(e) = std::fs::remove_file(entry.path()) {
            tracing::warn!(error = %e, file = %entry.path().display(), "old cached catalogue not removed");
        }
    }
    Ok(path)
}

/// The lane's cached store catalogue, loaded with the counter's loader (`catalog::open`), or
/// None when the lane has never fetched one.
pub fn open_cached(
    dir: &Path,
    tax_codes: &BTreeSet<String>,
    currency: Currency,
) -> Result<Option<(i64, Catalog)>, CatalogError> {
    let found = newest_cached(dir).map_err(|e| CatalogError {
        file: dir.to_path_buf(),
        problems: vec![crate::catalog::Problem {
            line: 0,
            message: format!("cannot read the store catalogue cache: {e}"),
        }],
    })?;
    match found {
        None => Ok(None),
        Some((version, path)) => {
            crate::catalog::open(&path, tax_codes, currency).map(|c| Some((version, c)))
        }
    }
}

/// The running watcher; dropping it stops the thread at its next wake-up.
#[derive(Debug)]
pub struct CatalogWatch {
    stop: Arc<AtomicBool>,
}

impl Drop for CatalogWatch {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// What the watcher needs to fetch, check and keep catalogues for one lane.
#[derive(Debug, Clone)]
pub struct WatchSetup {
    pub pool: super::Pool,
    pub lane: LaneId,
    pub cache_dir: PathBuf,
    pub tax_codes: BTreeSet<String>,
    pub currency: Currency,
    /// The version the lane starts with (from its cache), if any.
    pub have: Option<i64>,
}

/// Starts the watcher thread; give the feed to `Runtime::watch_catalog`.
pub fn spawn(setup: WatchSetup) -> std::io::Result<(CatalogWatch, CatalogFeed)> {
    let (tx, rx) = mpsc::channel();
    let stop = Arc::new(AtomicBool::new(false));
    let selling = Arc::new(AtomicI64::new(setup.have.unwrap_or(0)));
    let worker = Worker {
        have: setup.have,
        refused: None,
        setup,
        tx,
        selling: Arc::clone(&selling),
        stop: Arc::clone(&stop),
    };
    std::thread::Builder::new()
        .name("store-catalogue".into())
        .spawn(move || worker.run())?;
    Ok((
        CatalogWatch { stop },
        CatalogFeed {
            updates: rx,
            selling,
        },
    ))
}

struct Worker {
    setup: WatchSetup,
    /// The newest version fetched and handed over.
    have: Option<i64>,
    /// A version this lane could not load (its tax categories or currency differ): not
    /// fetched again.
    refused: Option<i64>,
    tx: Sender<CatalogUpdate>,
    selling: Arc<AtomicI64>,
    stop: Arc<AtomicBool>,
}

impl Worker {
    fn run(mut self) {
        let mut client: Option<super::Pooled> = None;
        let mut backoff = BACKOFF_FIRST;
        while !self.stop.load(Ordering::Relaxed) {
            let result = (|| -> Result<(), StoreError> {
                if client.is_none() {
                    let mut c = self.setup.pool.get()?;
                    super::migrations::check(&mut c)?;
                    client = Some(c);
                }
                match client.as_mut() {
                    Some(c) => self.poll(c),
                    None => Ok(()),
                }
            })();
            match result {
                Ok(()) => {
                    backoff = BACKOFF_FIRST;
                    sleep_unless_stopped(&self.stop, POLL);
                }
                Err(e) => {
                    tracing::warn!(error = %e, "store catalogue not checked; retrying");
                    client = None;
                    sleep_unless_stopped(&self.stop, backoff);
                    backoff = (backoff * 2).min(BACKOFF_CAP);
                }
            }
        }
    }

    /// One look at the store: fetch a newer version if there is one, then report.
    fn poll(&mut self, client: &mut postgres::Client) -> Result<(), StoreError> {
        let store_id = self.setup.lane.store_id.clone();
        if let Some(newest) = catalog::newest(client, &store_id)?
            && self.have.is_none_or(|h| newest.version > h)
            && self.refused != Some(newest.version)
        {
            let bytes = catalog::body(client, &store_id, newest.version)?;
            if catalog::sha256_hex(&bytes) != newest.sha256 {
                return Err(StoreError::Report(format!(
                    "store catalogue version {} does not match its checksum",
                    newest.version
                )));
            }
            let name = PathBuf::from(format!(
                "store catalogue version {} ({})",
                newest.version, newest.file_name
            ));
            match catalog::load_bytes(
                &bytes,
                newest.format,
                &name,
                &self.setup.tax_codes,
                self.setup.currency,
            ) {
                Ok(loaded) => {
                    write_cache(&self.setup.cache_dir, newest.version, newest.format, &bytes)
                        .map_err(|e| {
                            StoreError::Report(format!("store catalogue cache not written: {e}"))
                        })?;
                    let update = CatalogUpdate {
                        version: newest.version,
                        sha256: newest.sha256,
                        catalog: Arc::new(loaded),
                    };
                    if self.tx.send(update).is_err() {
                        // The counter is closing.
                        self.stop.store(true, Ordering::Relaxed);
                        return Ok(());
                    }
                    self.have = Some(newest.version);
                }
                Err(e) => {
                    tracing::error!(error = %e, "store catalogue refused by this lane; keeping the current one");
                    self.refused = Some(newest.version);
                }
            }
        }
        let selling = self.selling.load(Ordering::Relaxed);
        catalog::report_lane(client, &self.setup.lane, (selling > 0).then_some(selling))
    }
}

fn sleep_unless_stopped(stop: &AtomicBool, total: Duration) {
    let step = Duration::from_millis(100);
    let mut slept = Duration::ZERO;
    while slept < total && !stop.load(Ordering::Relaxed) {
        std::thread::sleep(step);
        slept += step;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cache_names_carry_the_version_and_the_format() {
        assert_eq!(cache_name(42, Format::Csv), "v00000042.csv");
        assert_eq!(parse_cache_name("v00000042.csv"), Some(42));
        assert_eq!(parse_cache_name("v00000007.toml"), Some(7));
        assert_eq!(parse_cache_name(".v00000042.csv.tmp"), None);
        assert_eq!(parse_cache_name("v00000042.json"), None);
        assert_eq!(parse_cache_name("v0.csv"), None);
    }

    #[test]
    fn the_newest_cached_version_wins_and_older_ones_are_removed() {
        let dir = tempfile::tempdir().expect("temp dir");
        assert_eq!(newest_cached(dir.path()).expect("readable"), None);
        write_cache(dir.path(), 3, Format::Csv, b"three").expect("written");
        write_cache(dir.path(), 10, Format::Toml, b"ten").expect("written");
        let (v, path) = newest_cached(dir.path()).expect("readable").expect("found");
        assert_eq!(v, 10);
        assert_eq!(std::fs::read(&path).expect("read"), b"ten");
        let names: Vec<String> = std::fs::read_dir(dir.path())
            .expect("listed")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, vec!["v00000010.toml".to_string()]);
    }
}
