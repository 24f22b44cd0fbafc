//! Catalogue loaders (TOML and CSV) that report every problem with file, line and a fix.
//!
//! TOML is walked through `toml`'s spanned document tree (`DeTable`) rather than serde, so
//! prices are read from their source text (exact decimals, never through f64) and one bad
//! item does not hide the next.

use super::by_gtin::GtinIndex;
use super::gtin::{self, Gtin, GtinError};
use super::index::{Catalog, DuplicateBarcode};
use super::item::FIELDS;
use super::store::ItemStore;
use crate::money::{Currency, Decimal, Money, minor_units};
use std::collections::BTreeSet;
use std::fmt;
use std::path::{Path, PathBuf};
use toml::de::{DeTable, DeValue};

/// One thing to fix in a catalogue file. `line` is 1-based; 0 means the whole file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub line: usize,
    pub message: String,
}

/// Every problem found in one catalogue file, in line order.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct CatalogError {
    pub file: PathBuf,
    pub problems: Vec<Problem>,
}

impl fmt::Display for CatalogError {
    /// One `file:line: message` per problem.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, p) in self.problems.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            if p.line == 0 {
                write!(f, "{}: {}", self.file.display(), p.message)?;
            } else {
                write!(f, "{}:{}: {}", self.file.display(), p.line, p.message)?;
            }
        }
        Ok(())
    }
}

/// Loads a `.toml` or `.csv` catalogue file and indexes it.
pub fn catalog_from_file(
    path: &Path,
    tax_codes: &BTreeSet<String>,
    currency: Currency,
) -> Result<Catalog, CatalogError> {
    let bytes = read_catalog_file(path)?;
    catalog_from_file_bytes(bytes, path, tax_codes, currency)
}

/// The bytes of catalogue file `path`, once its name says a format this loader reads.
pub(crate) fn read_catalog_file(path: &Path) -> Result<Vec<u8>, CatalogError> {
    is_csv(path)?;
    std::fs::read(path).map_err(|e| cannot_read(path, e))
}

/// The problem for catalogue file `path` that could not be read.
pub(crate) fn cannot_read(path: &Path, e: std::io::Error) -> CatalogError {
    whole_file(path, format!("cannot read: {e}"))
}

/// Loads the `bytes` of catalogue file `path` (`.toml` or `.csv`, by its extension).
pub(crate) fn catalog_from_file_bytes(
    bytes: Vec<u8>,
    path: &Path,
    tax_codes: &BTreeSet<String>,
    currency: Currency,
) -> Result<Catalog, CatalogError> {
    if is_csv(path)? {
        catalog_from_csv_bytes(&bytes, path, tax_codes, currency)
    } else {
        let text = String::from_utf8(bytes)
            .map_err(|_| whole_file(path, "not UTF-8 text: save the file as UTF-8".into()))?;
        catalog_from_toml_str(&text, path, tax_codes, currency)
    }
}

/// Whether `path` names a CSV (or else a TOML) catalogue.
pub(crate) fn is_csv(path: &Path) -> Result<bool, CatalogError> {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    match ext.as_deref() {
        Some("toml") => Ok(false),
        Some("csv") => Ok(true),
        _ => Err(whole_file(
            path,
            "unknown catalogue format: name the file .toml or .csv".into(),
        )),
    }
}

/// A problem with the whole of file `path`.
fn whole_file(path: &Path, message: String) -> CatalogError {
    CatalogError {
        file: path.to_path_buf(),
        problems: vec![Problem { line: 0, message }],
    }
}

/// Loads `[[item]]` tables (`barcode`, `name`, `price`, `tax`) from TOML text.
pub fn catalog_from_toml_str(
    text: &str,
    file: &Path,
    tax_codes: &BTreeSet<String>,
    currency: Currency,
) -> Result<Catalog, CatalogError> {
    let mut check = Checker::new(file, tax_codes, currency);
    let lines = LineIndex::new(text);
    let (doc, errors) = DeTable::parse_recoverable(text);
    if !errors.is_empty() {
        for e in errors {
            let line = e.span().map_or(0, |s| lines.line(s.start));
            let message = e.message().trim().replace('\n', "; ");
            check.problem(line, format!("TOML syntax error: {message}"));
        }
        return Err(check.into_error());
    }
    let mut saw_items = false;
    for (key, value) in doc.get_ref().iter() {
        let line = lines.line(key.span().start);
        if key.get_ref() != "item" {
            check.problem(
                line,
                format!(
                    "unknown key '{}': a catalogue holds only [[item]] tables",
                    key.get_ref()
                ),
            );
            continue;
        }
        let DeValue::Array(array) = value.get_ref() else {
            check.problem(line, "'item' must be [[item]] tables".into());
            continue;
        };
        for entry in array.iter() {
            let entry_line = lines.line(entry.span().start);
            match entry.get_ref() {
                DeValue::Table(table) => {
                    saw_items = true;
                    toml_item(&mut check, &lines, table, entry_line);
                }
                _ => check.problem(entry_line, "'item' must be [[item]] tables".into()),
            }
        }
    }
    if !saw_items && check.problems.is_empty() {
        check.problem(0, "no items: add [[item]] tables".into());
    }
    check.finish()
}

fn toml_item(check: &mut Checker, lines: &LineIndex, table: &DeTable<'_>, line: usize) {
    let mut raw = RawItem::default();
    for (key, value) in table.iter() {
        let key_line = lines.line(key.span().start);
        let at = lines.line(value.span().start);
        let field = match key.get_ref().as_ref() {
            "barcode" => match value.get_ref() {
                DeValue::String(s) => Some(Field::Barcode(s)),
                DeValue::Integer(_) => {
                    check.problem(
                        at,
                        "barcode must be in quotes, e.g. barcode = \"0012345000065\" (a number loses leading zeros)".into(),
                    );
                    None
                }
                _ => wrong_type(check, at, "barcode", "a string"),
            },
            "name" => match value.get_ref() {
                DeValue::String(s) => Some(Field::Name(s)),
                _ => wrong_type(check, at, "name", "a string"),
            },
            "price" => match value.get_ref() {
                DeValue::String(s) => Some(Field::Price(s)),
                DeValue::Integer(i) if i.radix() == 10 => Some(Field::Price(i.as_str())),
                DeValue::Float(f) => Some(Field::Price(f.as_str())),
                _ => wrong_type(check, at, "price", "a string or a decimal number"),
            },
            "tax" => match value.get_ref() {
                DeValue::String(s) => Some(Field::Tax(s)),
                _ => wrong_type(check, at, "tax", "a string"),
            },
            other => {
                check.problem(
                    key_line,
                    format!("unknown key '{other}': an item has only barcode, name, price and tax"),
                );
                None
            }
        };
        match field {
            Some(field) => raw.set(field, at),
            None => {
                if let Some(known) = FIELDS.iter().find(|f| **f == key.get_ref().as_ref()) {
                    raw.wrong_type.push(known);
                }
            }
        }
    }
    check.item(raw, line);
}

fn wrong_type<'a>(check: &mut Checker, line: usize, field: &str, want: &str) -> Option<Field<'a>> {
    check.problem(line, format!("{field} must be {want}"));
    None
}

/// Loads a CSV catalogue with the header `barcode,name,price,tax` (columns in any order).
pub fn catalog_from_csv_bytes(
    bytes: &[u8],
    file: &Path,
    tax_codes: &BTreeSet<String>,
    currency: Currency,
) -> Result<Catalog, CatalogError> {
    if let Some(catalog) = super::fast_csv::load(bytes, tax_codes, currency) {
        return Ok(catalog);
    }
    let mut check = Checker::new(file, tax_codes, currency);
    // One row per line is the common case; reserving avoids regrowing 1M-item vectors.
    let rows_hint = bytes.iter().filter(|&&b| b == b'\n').count();
    check.items = ItemStore::with_capacity(currency, rows_hint, 0);
    check.rows.reserve(rows_hint);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes);
    let mut record = csv::ByteRecord::new();
    // Column of each field (barcode, name, price, tax) in the header.
    let mut columns: Option<[usize; 4]> = None;
    let mut width = 0;
    let mut rows = 0usize;
    loop {
        match reader.read_byte_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line() as usize);
                check.problem(line, format!("bad CSV: {}", csv_reason(&e)));
                // A broken quote swallows the rest of the file; there is nothing more to read.
                break;
            }
        }
        let line = record.position().map_or(0, |p| p.line() as usize);
        let Some(cols) = columns else {
            width = record.len();
            columns = csv_header(&mut check, &record, line);
            if columns.is_none() {
                break;
            }
            continue;
        };
        rows += 1;
        if record.len() != width {
            check.problem(
                line,
                format!(
                    "bad CSV row: expected {width} fields (barcode,name,price,tax), found {}",
                    record.len()
                ),
            );
            continue;
        }
        let mut raw = RawItem::default();
        let mut utf8_ok = true;
        for (slot, &col) in cols.iter().enumerate() {
            let Ok(text) = std::str::from_utf8(record.get(col).unwrap_or_default()) else {
                utf8_ok = false;
                continue;
            };
            let text = text.trim();
            if text.is_empty() {
                continue;
            }
            let field = match slot {
                0 => Field::Barcode(text),
                1 => Field::Name(text),
                2 => Field::Price(text),
                _ => Field::Tax(text),
            };
            raw.set(field, line);
        }
        if !utf8_ok {
            check.problem(line, "not UTF-8 text: save the file as UTF-8".into());
            continue;
        }
        check.item(raw, line);
    }
    if columns.is_some() && rows == 0 {
        check.problem(0, "no items: add rows after the header".into());
    }
    if columns.is_none() && check.problems.is_empty() {
        // Nothing but blank lines (the `csv` crate skips them): not even a header.
        check.problem(
            0,
            "empty file: write the header barcode,name,price,tax, then one row per item".into(),
        );
    }
    check.finish()
}

fn csv_header(check: &mut Checker, record: &csv::ByteRecord, line: usize) -> Option<[usize; 4]> {
    let names: Vec<String> = record
        .iter()
        .map(|f| String::from_utf8_lossy(f).trim().to_ascii_lowercase())
        .collect();
    let mut cols = [usize::MAX; 4];
    let mut ok = true;
    for (i, name) in names.iter().enumerate() {
        match FIELDS.iter().position(|f| f == name) {
            Some(slot) if cols[slot] == usize::MAX => cols[slot] = i,
            Some(_) => {
                check.problem(line, format!("column '{name}' appears twice in the header"));
                ok = false;
            }
            None => {
                check.problem(
                    line,
                    format!("unknown column '{name}': the header is barcode,name,price,tax"),
                );
                ok = false;
            }
        }
    }
    for (slot, field) in FIELDS.iter().enumerate() {
        if cols[slot] == usize::MAX {
            check.problem(
                line,
                format!("missing column '{field}': the header is barcode,name,price,tax"),
            );
            ok = false;
        }
    }
    ok.then_some(cols)
}

enum Field<'a> {
    Barcode(&'a str),
    Name(&'a str),
    Price(&'a str),
    Tax(&'a str),
}

/// Field texts of one item, each with the line it came from.
#[derive(Default)]
struct RawItem<'a> {
    barcode: Option<(&'a str, usize)>,
    name: Option<(&'a str, usize)>,
    price: Option<(&'a str, usize)>,
    tax: Option<(&'a str, usize)>,
    /// Fields present but of the wrong type (already reported; not "missing").
    wrong_type: Vec<&'static str>,
}

impl<'a> RawItem<'a> {
    fn set(&mut self, field: Field<'a>, line: usize) {
        match field {
            Field::Barcode(v) => self.barcode = Some((v, line)),
            Field::Name(v) => self.name = Some((v, line)),
            Field::Price(v) => self.price = Some((v, line)),
            Field::Tax(v) => self.tax = Some((v, line)),
        }
    }
}

/// Checks fields and collects problems; keeps the good items and their lines.
struct Checker<'a> {
    file: &'a Path,
    tax_codes: &'a BTreeSet<String>,
    currency: Currency,
    problems: Vec<Problem>,
    items: ItemStore,
    /// Every row with a valid barcode, good or not, so duplicates are found among all rows:
    /// (GTIN value, line, index into `items` if the row became an item).
    rows: Vec<(Gtin, usize, Option<usize>)>,
}

impl<'a> Checker<'a> {
    fn new(file: &'a Path, tax_codes: &'a BTreeSet<String>, currency: Currency) -> Self {
        Self {
            file,
            tax_codes,
            currency,
            problems: Vec::new(),
            items: ItemStore::with_capacity(currency, 0, 0),
            rows: Vec::new(),
        }
    }

    fn problem(&mut self, line: usize, message: String) {
        self.problems.push(Problem { line, message });
    }

    fn item(&mut self, raw: RawItem<'_>, line: usize) {
        let before = self.problems.len();
        let mut missing = Vec::new();
        let barcode = match raw.barcode {
            Some((text, at)) => self.barcode(text, at).map(|g| (text, g)),
            None => {
                missing.push("barcode");
                None
            }
        };
        let name = match raw.name {
            Some((text, at)) if text.trim().is_empty() => {
                self.problem(at, "name is empty: give the item a name".into());
                None
            }
            Some((text, _)) => Some(text),
            None => {
                missing.push("name");
                None
            }
        };
        let price = match raw.price {
            Some((text, at)) => self.price(text, at),
            None => {
                missing.push("price");
                None
            }
        };
        let tax = match raw.tax {
            Some((text, at)) => self.tax(text, at),
            None => {
                missing.push("tax");
                None
            }
        };
        missing.retain(|f| !raw.wrong_type.contains(f));
        if !missing.is_empty() {
            let list = missing.join(", ");
            let s = if missing.len() > 1 { "s" } else { "" };
            self.problem(
                line,
                format!("missing field{s} {list}: every item needs barcode, name, price and tax"),
            );
        }
        let Some((barcode, g)) = barcode else {
            return;
        };
        let mut item_index = None;
        if let (Some(name), Some(price), Some(tax_category)) = (name, price, tax)
            && self.problems.len() == before
        {
            let index = self.items.len();
            match self.items.push(barcode, g, name, price, tax_category) {
                Ok(()) => item_index = Some(index),
                Err(e) => self.problem(line, e.to_string()),
            }
        }
        self.rows.push((g, line, item_index));
    }

    fn barcode(&mut self, text: &str, line: usize) -> Option<Gtin> {
        match gtin::parse(text) {
            Ok(g) => Some(g),
            Err(e @ GtinError::WrongLength { .. }) => {
                self.problem(line, format!("barcode '{}': {e}", text.trim()));
                None
            }
            Err(e) => {
                self.problem(line, e.to_string());
                None
            }
        }
    }

    fn price(&mut self, text: &str, line: usize) -> Option<Money> {
        let t = text.trim();
        let (negative, digits) = match t.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, t.strip_prefix('+').unwrap_or(t)),
        };
        let well_formed = !digits.is_empty()
            && digits.bytes().all(|b| b.is_ascii_digit() || b == b'.')
            && digits.bytes().filter(|&b| b == b'.').count() <= 1
            && digits.bytes().any(|b| b.is_ascii_digit());
        let amount = well_formed
            .then(|| digits.parse::<Decimal>().ok())
            .flatten();
        let Some(amount) = amount else {
            self.problem(
                line,
                format!(
                    "price '{t}' is not an amount: write digits with an optional '.', e.g. \"4.50\""
                ),
            );
            return None;
        };
        if negative && !amount.is_zero() {
            self.problem(line, format!("price {t} is negative: a price is 0 or more"));
            return None;
        }
        let allowed = minor_units(self.currency).unwrap_or(0);
        match Money::new(amount, self.currency) {
            Ok(m) => Some(m),
            Err(_) => {
                let code = self.currency.code();
                let places = amount.normalize().scale();
                self.problem(
                    line,
                    format!("price {t} has {places} decimals but {code} allows {allowed}"),
                );
                None
            }
        }
    }

    fn tax(&mut self, code: &str, line: usize) -> Option<&'a str> {
        let code = code.trim();
        if let Some(known) = self.tax_codes.get(code) {
            return Some(known);
        }
        let known: Vec<&str> = self.tax_codes.iter().map(String::as_str).collect();
        self.problem(
            line,
            format!(
                "unknown tax category '{code}': use one of {}",
                known.join(", ")
            ),
        );
        None
    }

    fn into_error(mut self) -> CatalogError {
        self.problems.sort_by_key(|p| p.line);
        CatalogError {
            file: self.file.to_path_buf(),
            problems: self.problems,
        }
    }

    /// Checks barcodes for duplicates and builds the catalogue, or reports every problem.
    fn finish(mut self) -> Result<Catalog, CatalogError> {
        // The name index does not depend on the barcodes: build both at once.
        let items = &self.items;
        let rows = &self.rows;
        let (order, indexed) = super::par::join(
            || super::search::rank(items.len(), |id| items.name(id as usize)),
            || GtinIndex::build(rows.len(), |i| rows.get(i).map_or(0, |r| r.0.value)),
        );
        let (by_gtin, dups) = match indexed {
            Some(v) => v,
            None => {
                self.problem(0, DuplicateBarcode::TooMany.to_string());
                return Err(self.into_error());
            }
        };
        for (first, second) in dups {
            let (_, first_line, first_item) = self.rows[first];
            let (gtin, line, _) = self.rows[second];
            let name = first_item
                .map(|i| format!(" ({})", self.items.name(i)))
                .unwrap_or_default();
            self.problem(
                line,
                format!(
                    "duplicate barcode {}: the same product as line {first_line}{name}; give each item its own barcode",
                    gtin.key()
                ),
            );
        }
        // With no problems every row became an item, so row and item indices agree.
        if !self.problems.is_empty() {
            return Err(self.into_error());
        }
        match Catalog::from_parts(vec![self.items], order, by_gtin) {
            Ok(catalog) => Ok(catalog),
            Err(e) => {
                let mut error = CatalogError {
                    file: self.file.to_path_buf(),
                    problems: self.problems,
                };
                error.problems.push(Problem {
                    line: 0,
                    message: e.to_string(),
                });
                Err(error)
            }
        }
    }
}

/// Maps byte offsets to 1-based line numbers.
struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    fn new(text: &str) -> Self {
        let starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        Self { starts }
    }

    fn line(&self, offset: usize) -> usize {
        match self.starts.binary_search(&offset) {
            Ok(i) => i + 1,
            Err(i) => i,
        }
    }
}

/// The CSV error without the position (the problem already carries the line).
fn csv_reason(e: &csv::Error) -> String {
    match e.kind() {
        csv::ErrorKind::Io(io) => io.to_string(),
        csv::ErrorKind::Utf8 { .. } => "not UTF-8 text: save the file as UTF-8".into(),
        _ => e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes() -> BTreeSet<String> {
        ["food", "general"].map(String::from).into_iter().collect()
    }

    fn toml(text: &str, currency: Currency) -> Result<Catalog, CatalogError> {
        catalog_from_toml_str(text, Path::new("c.toml"), &codes(), currency)
    }

    fn csv(text: &str) -> Result<Catalog, CatalogError> {
        catalog_from_csv_bytes(text.as_bytes(), Path::new("c.csv"), &codes(), Currency::USD)
    }

    #[test]
    fn toml_prices_may_be_numbers_and_are_read_exactly() {
        let c = toml(
            "[[item]]\nbarcode = \"4006381333931\"\nname = \"Gum\"\nprice = 1.10\ntax = \"general\"\n\
             [[item]]\nbarcode = \"96385074\"\nname = \"Water\"\nprice = 2\ntax = \"food\"\n",
            Currency::USD,
        )
        .unwrap();
        assert_eq!(c.get(0).unwrap().price.plain(), "1.10");
        assert_eq!(c.get(1).unwrap().price.plain(), "2.00");
    }

    #[test]
    fn won_prices_with_decimals_and_numeric_barcodes_are_refused() {
        let err = toml(
            "[[item]]\nbarcode = 4006381333931\nname = \"Gum\"\nprice = \"1200.5\"\ntax = \"general\"\n",
            Currency::KRW,
        )
        .unwrap_err();
        let messages: Vec<&str> = err.problems.iter().map(|p| p.message.as_str()).collect();
        assert_eq!(
            messages,
            [
                "barcode must be in quotes, e.g. barcode = \"0012345000065\" (a number loses leading zeros)",
                "price 1200.5 has 1 decimals but KRW allows 0",
            ]
        );
        assert_eq!(err.problems[0].line, 2);
    }

    #[test]
    fn exponent_and_empty_prices_are_badly_formatted() {
        for price in ["1e3", "", "1.2.3", "nan"] {
            let err = csv(&format!(
                "barcode,name,price,tax\n4006381333931,Gum,{price},general\n"
            ))
            .unwrap_err();
            let msg = &err.problems[0].message;
            assert!(
                msg.contains("is not an amount") || msg.starts_with("missing field price"),
                "{price}: {msg}"
            );
        }
    }

    #[test]
    fn csv_columns_may_come_in_any_order_but_must_all_be_there() {
        let c = csv("name,tax,price,barcode\nGum,general,1.99,4006381333931\n").unwrap();
        assert_eq!(c.get(0).unwrap().name, "Gum");
        let err = csv("barcode,name,cost\n").unwrap_err().to_string();
        assert_eq!(
            err,
            "c.csv:1: unknown column 'cost': the header is barcode,name,price,tax\n\
             c.csv:1: missing column 'price': the header is barcode,name,price,tax\n\
             c.csv:1: missing column 'tax': the header is barcode,name,price,tax"
        );
    }

    #[test]
    fn an_empty_catalogue_and_stray_top_level_keys_are_reported() {
        assert_eq!(
            toml("", Currency::USD).unwrap_err().to_string(),
            "c.toml: no items: add [[item]] tables"
        );
        assert_eq!(
            toml("title = \"menu\"\n", Currency::USD)
                .unwrap_err()
                .to_string(),
            "c.toml:1: unknown key 'title': a catalogue holds only [[item]] tables"
        );
    }

    #[test]
    fn an_empty_or_blank_csv_file_is_refused_not_loaded_as_no_items() {
        for text in ["", "\n", "\r\n\n"] {
            assert_eq!(
                csv(text).map(|c| c.len()).unwrap_err().to_string(),
                "c.csv: empty file: write the header barcode,name,price,tax, then one row per item",
                "{text:?}"
            );
        }
    }

    #[test]
    fn a_wrong_length_barcode_is_quoted_in_the_report() {
        let err = csv("barcode,name,price,tax\n12345,Gum,1.99,general\n").unwrap_err();
        assert_eq!(
            err.to_string(),
            "c.csv:2: barcode '12345': 5 digits is not a barcode length: use 8, 12 (UPC-A), 13 (EAN-13) or 14 digits"
        );
    }
}
