//! The central catalogue: `qrtill store catalog import FILE` stores each accepted file as a new
//! version, and lanes fetch the newest one. A version keeps the file's bytes exactly as imported
//! (with its format, SHA-256 and item count) rather than one row per item: every lane then loads
//! it with the counter's own loader, so what the import accepted is what the lanes sell from,
//! and a 1M-item import is one row, not a million.

use super::StoreError;
use super::outbox::LaneId;
use crate::catalog::{Catalog, CatalogError, Problem, load};
use crate::money::Currency;
use sha2::{Digest, Sha256};
use std::collections::BTreeSet;
use std::path::Path;

/// The two file formats the counter's loader reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Toml,
    Csv,
}

impl Format {
    /// By the file's extension, as `catalog::open` decides.
    pub fn of(path: &Path) -> Option<Format> {
        match path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase)
            .as_deref()
        {
            Some("toml") => Some(Format::Toml),
            Some("csv") => Some(Format::Csv),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Format::Toml => "toml",
            Format::Csv => "csv",
        }
    }

    fn parse(s: &str) -> Option<Format> {
        match s {
            "toml" => Some(Format::Toml),
            "csv" => Some(Format::Csv),
            _ => None,
        }
    }
}

/// Loads catalogue bytes with the loaders `catalog::open` uses; problems are reported under
/// `name` (the file the bytes came from).
pub fn load_bytes(
    bytes: &[u8],
    format: Format,
    name: &Path,
    tax_codes: &BTreeSet<String>,
    currency: Currency,
) -> Result<Catalog, CatalogError> {
    match format {
        Format::Csv => load::catalog_from_csv_bytes(bytes, name, tax_codes, currency),
        Format::Toml => match std::str::from_utf8(bytes) {
            Ok(text) => load::catalog_from_toml_str(text, name, tax_codes, currency),
            Err(_) => Err(CatalogError {
                file: name.to_path_buf(),
                problems: vec![Problem {
                    line: 0,
                    message: "not UTF-8 text: save the file as UTF-8".into(),
                }],
            }),
        },
    }
}

/// Lower-case hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    format!("{:x}", Sha256::digest(bytes))
}

/// One stored version, without its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionInfo {
    pub version: i64,
    pub format: Format,
    pub file_name: String,
    pub sha256: String,
    pub items: i64,
    /// `YYYY-MM-DD HH:MM:SS UTC`.
    pub imported_at: String,
}

/// What an import did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Imported {
    /// A new version was stored.
    New(VersionInfo),
    /// The newest version already holds these exact bytes: nothing was stored.
    Unchanged(VersionInfo),
}

const INFO_COLUMNS: &str = "version, format, file_name, sha256, items,
     to_char(imported_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') || ' UTC'";

fn info(row: &postgres::Row) -> Result<VersionInfo, StoreError> {
    let format: String = row.get(1);
    Ok(VersionInfo {
        version: row.get(0),
        format: Format::parse(&format)
            .ok_or_else(|| StoreError::Report(format!("unknown catalogue format {format:?}")))?,
        file_name: row.get(2),
        sha256: row.get(3),
        items: row.get(4),
        imported_at: row.get(5),
    })
}

/// Stores `bytes` (already checked by `load_bytes`, `items` items) as the next version, unless
/// the newest version holds the same bytes. Versions are numbered under an advisory lock, so
/// two imports at once get two numbers.
pub fn import(
    client: &mut postgres::Client,
    store_id: &str,
    file_name: &str,
    format: Format,
    bytes: &[u8],
    items: usize,
) -> Result<Imported, StoreError> {
    let sha = sha256_hex(bytes);
    let mut tx = client.transaction()?;
    tx.execute("SELECT pg_advisory_xact_lock(727003)", &[])?;
    let newest = tx.query_opt(
        &format!(
            "SELECT {INFO_COLUMNS} FROM catalog_versions WHERE store_id = $1
             ORDER BY version DESC LIMIT 1"
        ),
        &[&store_id],
    )?;
    if let Some(row) = newest {
        let newest = info(&row)?;
        if newest.sha256 == sha && newest.format == format {
            return Ok(Imported::Unchanged(newest));
        }
    }
    let items = i64::try_from(items).map_err(|_| StoreError::Report("too many items".into()))?;
    let row = tx.query_one(
        &format!(
            "INSERT INTO catalog_versions (store_id, version, format, file_name, sha256, items, body)
             SELECT $1::TEXT, coalesce(max(version), 0) + 1, $2::TEXT, $3::TEXT, $4::TEXT,
                    $5::BIGINT, $6::BYTEA
             FROM catalog_versions WHERE store_id = $1
             RETURNING {INFO_COLUMNS}"
        ),
        &[&store_id, &format.name(), &file_name, &sha, &items, &bytes],
    )?;
    let stored = info(&row)?;
    tx.commit()?;
    Ok(Imported::New(stored))
}

/// The newest version's description, if any was imported.
pub fn newest(
    client: &mut postgres::Client,
    store_id: &str,
) -> Result<Option<VersionInfo>, StoreError> {
    client
        .query_opt(
            &format!(
                "SELECT {INFO_COLUMNS} FROM catalog_versions WHERE store_id = $1
                 ORDER BY version DESC LIMIT 1"
            ),
            &[&store_id],
        )?
        .map(|r| info(&r))
        .transpose()
}

/// The bytes of `version`.
pub fn body(
    client: &mut postgres::Client,
    store_id: &str,
    version: i64,
) -> Result<Vec<u8>, StoreError> {
    Ok(client
        .query_one(
            "SELECT body FROM catalog_versions WHERE store_id = $1 AND version = $2",
            &[&store_id, &version],
        )?
        .get(0))
}

/// Records which version `lane` sells from (None: none from the store yet).
pub fn report_lane(
    client: &mut postgres::Client,
    lane: &LaneId,
    version: Option<i64>,
) -> Result<(), StoreError> {
    client.execute(
        "INSERT INTO lanes AS l (store_id, lane_id, catalog_version, catalog_reported_at)
         VALUES ($1, $2, $3, now())
         ON CONFLICT (store_id, lane_id) DO UPDATE SET
             catalog_version = $3, catalog_reported_at = now()",
        &[&lane.store_id, &lane.lane_id, &version],
    )?;
    Ok(())
}

/// One lane's catalogue as it last reported it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LaneCatalog {
    pub lane_id: String,
    pub version: Option<i64>,
    pub seconds_since_report: Option<i64>,
}

/// The newest version and every lane of the store with the version it reported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    pub newest: Option<VersionInfo>,
    pub lanes: Vec<LaneCatalog>,
}

pub fn status(client: &mut postgres::Client, store_id: &str) -> Result<Status, StoreError> {
    let newest = newest(client, store_id)?;
    let lanes = client
        .query(
            "SELECT lane_id, catalog_version,
                    extract(epoch FROM now() - catalog_reported_at)::BIGINT
             FROM lanes WHERE store_id = $1 ORDER BY lane_id",
            &[&store_id],
        )?
        .iter()
        .map(|r| LaneCatalog {
            lane_id: r.get(0),
            version: r.get(1),
            seconds_since_report: r.get(2),
        })
        .collect();
    Ok(Status { newest, lanes })
}

impl Status {
    /// The `qrtill store catalog` text.
    pub fn text(&self) -> String {
        let mut s = match &self.newest {
            None => "no catalogue imported yet: qrtill store catalog import FILE\n".to_string(),
            Some(v) => format!(
                "catalogue version {} ({} items, {} from {}, imported {}, sha256 {})\n",
                v.version,
                v.items,
                v.format.name(),
                v.file_name,
                v.imported_at,
                v.sha256
            ),
        };
        s.push_str(&format!(
            "{:<6} {:>9} {:>14}  \n",
            "lane", "catalogue", "reported"
        ));
        let newest = self.newest.as_ref().map(|v| v.version);
        for l in &self.lanes {
            let version = l.version.map_or("none".to_string(), |v| v.to_string());
            let ago = l
                .seconds_since_report
                .map_or("never".to_string(), |s| format!("{s} s ago"));
            let behind = match (l.version, newest) {
                (Some(v), Some(n)) if v < n => "behind",
                (None, Some(_)) => "behind",
                _ => "",
            };
            s.push_str(&format!(
                "{:<6} {:>9} {:>14}  {behind}\n",
                l.lane_id, version, ago
            ));
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes() -> BTreeSet<String> {
        ["food", "general"].map(String::from).into_iter().collect()
    }

    #[test]
    fn the_format_comes_from_the_extension_as_the_counter_decides() {
        assert_eq!(Format::of(Path::new("a/b.CSV")), Some(Format::Csv));
        assert_eq!(Format::of(Path::new("cat.toml")), Some(Format::Toml));
        assert_eq!(Format::of(Path::new("cat.json")), None);
    }

    #[test]
    fn bytes_are_checked_by_the_counters_loader_with_file_and_line() {
        let csv =
            b"barcode,name,price,tax\n036000291452,Water,1.00,food\n036000291452,Twice,2.00,food\n";
        let err = load_bytes(
            csv,
            Format::Csv,
            Path::new("c.csv"),
            &codes(),
            Currency::USD,
        )
        .expect_err("a duplicate barcode is refused");
        let text = err.to_string();
        assert!(text.starts_with("c.csv:3:"), "{text}");
        let ok = b"barcode,name,price,tax\n036000291452,Water,1.00,food\n";
        let c = load_bytes(ok, Format::Csv, Path::new("c.csv"), &codes(), Currency::USD)
            .expect("a good file loads");
        assert_eq!(c.lookup("036000291452").expect("found").name, "Water");
    }

    #[test]
    fn toml_that_is_not_utf8_is_refused_with_the_fix() {
        let err = load_bytes(
            &[0xff, 0xfe],
            Format::Toml,
            Path::new("c.toml"),
            &codes(),
            Currency::USD,
        )
        .expect_err("refused");
        assert_eq!(
            err.to_string(),
            "c.toml: not UTF-8 text: save the file as UTF-8"
        );
    }

    #[test]
    fn the_checksum_is_sha256_hex() {
        // The SHA-256 of "abc" from FIPS 180-2, appendix B.1.
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
