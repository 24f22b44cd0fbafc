//! The fast path for a well-formed CSV catalogue: no quotes, one row per line, every row
//! good. Lines and fields are split on bytes directly, in two halves on two threads, and
//! each half folds and sorts its names for the search index as it goes.
//!
//! Anything outside that common case (a quote, a blank line, a stray `\r`, a BOM, a price
//! with a sign, any problem at all) answers `None`, and the caller loads the whole file
//! through the `csv` crate instead, so reports are word for word the same.

use super::by_gtin::GtinIndex;
use super::gtin;
use super::index::Catalog;
use super::item::FIELDS;
use super::par::join;
use super::search::{NameChunk, rank_chunks};
use super::store::ItemStore;
use crate::money::Currency;
use std::collections::BTreeSet;

/// The catalogue in `bytes`, or `None` if the file needs the careful path.
pub(super) fn load(
    bytes: &[u8],
    tax_codes: &BTreeSet<String>,
    currency: Currency,
) -> Option<Catalog> {
    if bytes.starts_with(b"\xEF\xBB\xBF") {
        return None;
    }
    let header_end = bytes.iter().position(|&b| b == b'\n')?;
    let header_line = &bytes[..header_end];
    if header_line.contains(&b'"') {
        return None;
    }
    let slots = header(line(header_line)?)?;
    let body = &bytes[header_end + 1..];
    if body.is_empty() {
        return None;
    }
    // Split after the line end nearest the middle.
    let mid = body[body.len() / 2..]
        .iter()
        .position(|&b| b == b'\n')
        .map_or(body.len(), |at| body.len() / 2 + at + 1);
    let (low, high) = body.split_at(mid);
    // The first half's vectors take the second's rows later: room for all at once.
    let (high_rows, low_rows) = (rows_in(high), rows_in(low));
    let (high, low) = join(
        || rows(high, high_rows, slots, tax_codes, currency),
        || rows(low, low_rows + high_rows, slots, tax_codes, currency),
    );
    let (low, high) = (low?, high?);
    let n = low.items.len() + high.items.len();
    let value_of = |i: usize| match i.checked_sub(low.items.len()) {
        None => low.items.gtin_value(i),
        Some(j) => high.items.gtin_value(j),
    };
    // The barcode index and the name order do not depend on each other.
    let (indexed, order) = join(
        || GtinIndex::build(n, |i| value_of(i).unwrap_or_default()),
        || {
            let name_of = |id: u32| match (id as usize).checked_sub(low.items.len()) {
                None => low.items.name(id as usize),
                Some(j) => high.items.name(j),
            };
            rank_chunks(vec![low.names, high.names], name_of)
        },
    );
    let (by_gtin, dups) = indexed?;
    if !dups.is_empty() {
        return None;
    }
    Catalog::from_parts(vec![low.items, high.items], order, by_gtin).ok()
}

/// For each field position in a line, which of barcode, name, price, tax it holds; `None`
/// unless the header names each of them exactly once and nothing else.
fn header(line: &[u8]) -> Option<[usize; 4]> {
    let mut slots = [usize::MAX; 4];
    let mut fields = 0;
    for (i, field) in line.split(|&b| b == b',').enumerate() {
        let name = String::from_utf8_lossy(field).trim().to_ascii_lowercase();
        let slot = FIELDS.iter().position(|f| *f == name)?;
        if slots.contains(&slot) || i >= 4 {
            return None;
        }
        slots[i] = slot;
        fields += 1;
    }
    (fields == 4).then_some(slots)
}

/// A line without its `\n` and an optional `\r`; `None` if blank or holding another `\r`
/// (the `csv` crate skips blank lines and ends a row at a lone `\r`).
fn line(raw: &[u8]) -> Option<&[u8]> {
    let line = raw.strip_suffix(b"\r").unwrap_or(raw);
    (!line.is_empty() && !line.contains(&b'\r')).then_some(line)
}

/// About how many lines `text` holds, a little over, from the lines in its first 64 KiB
/// (counting them all would cost a pass over the file).
fn rows_in(text: &[u8]) -> usize {
    let sample = &text[..text.len().min(1 << 16)];
    let lines = sample.iter().filter(|&&b| b == b'\n').count() + 1;
    let estimate = text.len().saturating_mul(lines) / sample.len().max(1);
    estimate + estimate / 10 + 16
}

/// Good items of one run of rows, with their names for the search index.
struct Rows {
    items: ItemStore,
    names: NameChunk,
}

/// Parses every line of `text`; `None` at the first line that is not a good item.
fn rows(
    text: &[u8],
    capacity: usize,
    slots: [usize; 4],
    tax_codes: &BTreeSet<String>,
    currency: Currency,
) -> Option<Rows> {
    if text.contains(&b'"') {
        return None;
    }
    let text = text.strip_suffix(b"\n").unwrap_or(text);
    let mut out = Rows {
        // Names take about a third of a plain row.
        items: ItemStore::with_capacity(currency, capacity, text.len() / 2),
        names: NameChunk::with_capacity(capacity),
    };
    if text.is_empty() {
        return Some(out);
    }
    let units = crate::money::minor_units(currency).ok()?;
    // Tax codes met so far, with their index in the store: a row's code is one of a few.
    let mut taxes: Vec<(&str, u16)> = Vec::new();
    // One UTF-8 check for the whole run; then `\n` and `,` split it at char boundaries.
    let text = std::str::from_utf8(text).ok()?;
    // Most files hold no `\r` at all: then no line needs searching for one.
    let any_cr = text.contains('\r');
    let bytes = text.as_bytes();
    let mut start = 0;
    while start <= bytes.len() {
        // One pass over the line finds its commas and its end (a `,` or `\n` byte is never
        // inside a longer UTF-8 sequence, so every cut is at a char boundary).
        let mut fields = [""; 4];
        let mut count = 0;
        let mut field_start = start;
        let mut end = bytes.len();
        for (at, &b) in bytes.iter().enumerate().skip(start) {
            if b == b'\n' {
                end = at;
                break;
            }
            if b == b',' {
                *fields.get_mut(*slots.get(count)?)? = text.get(field_start..at)?.trim();
                count += 1;
                field_start = at + 1;
            }
        }
        let line = text.get(start..end)?;
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.is_empty() || (any_cr && line.contains('\r')) {
            return None;
        }
        let last = text.get(field_start..end)?;
        let last = last.strip_suffix('\r').unwrap_or(last);
        *fields.get_mut(*slots.get(count)?)? = last.trim();
        count += 1;
        start = end + 1;
        if count != 4 || fields.iter().any(|f| f.is_empty()) {
            return None;
        }
        let [barcode, name, price, tax] = fields;
        // A valid barcode is all digits, so it is rebuilt from its value and length.
        let g = gtin::parse(barcode).ok()?;
        let minor = plain_minor(price, units)?;
        let tax = match taxes.iter().find(|(code, _)| *code == tax) {
            Some(&(_, index)) => index,
            None => {
                let index = out.items.tax_index(tax_codes.get(tax)?)?;
                taxes.push((tax, index));
                index
            }
        };
        let written = u8::try_from(barcode.len()).ok()?;
        out.items
            .push_packed(g.value, written, minor, tax, name)
            .ok()?;
        out.names.push(name);
    }
    Some(out)
}

/// A price written as digits with an optional `.` and decimals (at most 18 digits), in
/// minor units of a currency with `units` decimals, read straight from its bytes; `None` for
/// any other form or more decimals than the currency has, which the careful path judges.
fn plain_minor(text: &str, units: u32) -> Option<i64> {
    let bytes = text.as_bytes();
    let (whole, decimals) = match bytes.iter().position(|&b| b == b'.') {
        Some(dot) => (
            &bytes[..dot],
            bytes.get(dot + 1..).filter(|d| !d.is_empty())?,
        ),
        None => (bytes, &[][..]),
    };
    if whole.is_empty() || whole.len() + decimals.len() > 18 {
        return None;
    }
    let mut mantissa = 0i64;
    for &b in whole.iter().chain(decimals) {
        if !b.is_ascii_digit() {
            return None;
        }
        mantissa = mantissa * 10 + i64::from(b - b'0');
    }
    let mut scale = u32::try_from(decimals.len()).ok()?;
    // Trailing zeros past the currency's decimals change nothing ("1.500" is 1.50).
    while scale > units && mantissa % 10 == 0 {
        mantissa /= 10;
        scale -= 1;
    }
    mantissa.checked_mul(10i64.checked_pow(units.checked_sub(scale)?)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::load::catalog_from_csv_bytes;
    use crate::money::{Decimal, Money};
    use std::path::Path;

    fn codes() -> BTreeSet<String> {
        ["food", "general"].map(String::from).into_iter().collect()
    }

    #[test]
    fn plain_prices_read_from_bytes_equal_parsed_decimals() {
        let units = crate::money::minor_units(Currency::USD).unwrap();
        for text in [
            "0",
            "4.50",
            "04.5",
            "12",
            "0.01",
            "999999.99",
            "1.500",
            "7.0000",
        ] {
            let careful = Money::new(text.parse::<Decimal>().unwrap(), Currency::USD).unwrap();
            let fast = plain_minor(text, units).map(|m| Money::from_minor(m, Currency::USD));
            assert_eq!(fast, Some(Ok(careful)), "{text}");
        }
        for text in [
            "",
            ".5",
            "5.",
            "-1",
            "+1",
            "1.2.3",
            "1e3",
            "1.999",
            "1.0001",
            "1234567890123456789",
        ] {
            assert_eq!(plain_minor(text, units), None, "{text}");
        }
        // No decimals at all for KRW.
        assert_eq!(plain_minor("1200", 0), Some(1200));
        assert_eq!(plain_minor("1200.0", 0), Some(1200));
        assert_eq!(plain_minor("1200.5", 0), None);
    }
    #[test]
    fn the_fast_path_loads_what_the_csv_crate_loads() {
        let text = "Tax, NAME ,price,barcode\r\n\
                    food,Butter croissant,3.25,4006381333931\r\n\
                    general, Gum ,1,036000291452\r\n\
                    food,Crème brûlée,4.5,96385074";
        let Some(fast) = load(text.as_bytes(), &codes(), Currency::USD) else {
            panic!("a plain file takes the fast path");
        };
        // The careful path, made to run by quoting one name.
        let quoted = text.replace("Butter croissant", "\"Butter croissant\"");
        assert!(load(quoted.as_bytes(), &codes(), Currency::USD).is_none());
        let careful = match catalog_from_csv_bytes(
            quoted.as_bytes(),
            Path::new("c.csv"),
            &codes(),
            Currency::USD,
        ) {
            Ok(c) => c,
            Err(e) => panic!("{e}"),
        };
        let fast_items: Vec<_> = fast.iter().collect();
        assert_eq!(fast_items, careful.iter().collect::<Vec<_>>());
        assert_eq!(fast_items.len(), 3);
        assert_eq!(fast_items[1].gtin, "0036000291452");
        assert_eq!(fast.search("cr", 5)[0].name, "Crème brûlée");
        assert_eq!(fast.lookup("0036000291452").map(|i| i.name), Ok("Gum"));
    }

    #[test]
    fn anything_unusual_leaves_the_file_to_the_careful_path() {
        let ok = "barcode,name,price,tax\n4006381333931,Gum,1.00,food\n";
        assert!(load(ok.as_bytes(), &codes(), Currency::USD).is_some());
        for bad in [
            "barcode,name,price,tax\n",
            "barcode,name,price,tax\n\n4006381333931,Gum,1.00,food\n",
            "barcode,name,price,tax\n4006381333931,Gum,1.00,food\r96385074,Tea,1,food\n",
            "\u{feff}barcode,name,price,tax\n4006381333931,Gum,1.00,food\n",
            "barcode,name,price,tax,extra\n4006381333931,Gum,1.00,food,x\n",
            "barcode,name,price\n4006381333931,Gum,1.00\n",
            "barcode,name,price,tax\n4006381333931,Gum,1.00\n",
            "barcode,name,price,tax\n4006381333931,Gum,-1.00,food\n",
            "barcode,name,price,tax\n4006381333931,Gum,1.001,food\n",
            "barcode,name,price,tax\n4006381333932,Gum,1.00,food\n",
            "barcode,name,price,tax\n4006381333931,,1.00,food\n",
            "barcode,name,price,tax\n4006381333931,Gum,1.00,soda\n",
            "barcode,name,price,tax\n036000291452,Gum,1,food\n0036000291452,Gum,1,food\n",
        ] {
            assert!(
                load(bad.as_bytes(), &codes(), Currency::USD).is_none(),
                "{bad:?}"
            );
        }
    }
}
