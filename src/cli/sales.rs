//! `qrtill sales [--since DATE] [--until DATE] [--tender T] [--format text|json|csv]`: this
//! lane's sales, oldest first, with what was refunded of each. Rows are written as the journal
//! yields them, so a million sales never sit in memory.

use super::args::{SalesArgs, SalesFormat};
use super::{EXIT_BAD_INPUT, Outcome, Setup};
use crate::checkout::history_filter::{HistoryFilter, TenderFilter, day_start};
use crate::clock::Timestamp;
use crate::journal::{Journal, SaleListing};
use serde::Serialize;
use std::io::{self, Write};

/// One sale as JSON and CSV write it; amounts are decimal strings in the sale currency.
#[derive(Debug, Serialize)]
struct SaleOut<'a> {
    sale_no: u64,
    lane_id: &'a str,
    /// RFC 3339 in the store's UTC offset.
    completed_at: String,
    total: String,
    currency: &'static str,
    /// `cash`, `card` or `wallet`.
    tender: &'a str,
    /// The wallet or card brand; empty (CSV) or null (JSON) for cash.
    brand: Option<&'a str>,
    refunded: String,
    items: u32,
}

pub fn run(setup: &Setup, args: &SalesArgs, out: &mut dyn Write) -> Outcome {
    let filter = match filter(setup, args) {
        Ok(f) => f,
        Err(message) => return Outcome::fail(EXIT_BAD_INPUT, format!("qrtill: {message}")),
    };
    let path = setup.journal_path();
    let journal = if path.exists() {
        match Journal::open(&path) {
            Ok(j) => Some(j),
            Err(e) => return super::journal_failure(e),
        }
    } else {
        // No sale yet: an empty list, not an error (and no journal is created).
        None
    };
    let offset = setup.config.store.utc_offset_minutes;
    let mut writer = ListWriter::new(args.format, out, offset);
    let walked = match &journal {
        Some(j) => j.each_sale(&setup.config.store.lane_id, &filter, |sale| {
            writer.row(&sale)
        }),
        None => Ok(()),
    };
    let finished = writer.finish();
    if let Err(e) = walked {
        return Outcome::fail(1, format!("qrtill: {e}"));
    }
    match finished {
        Ok(()) => Outcome::ok(Vec::new()),
        // A reader that stopped early (`| head`) is not a failure.
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Outcome::ok(Vec::new()),
        Err(e) => Outcome::fail(1, format!("qrtill: writing the list failed: {e}")),
    }
}

/// The filter the flags ask for; the message names the flag and what to type.
fn filter(setup: &Setup, args: &SalesArgs) -> Result<HistoryFilter, String> {
    let offset = setup.config.store.utc_offset_minutes;
    let day = |flag: &str, text: &str| day_start(text, offset).map_err(|e| format!("{flag} {e}"));
    let mut f = HistoryFilter::default();
    if let Some(text) = &args.since {
        f.since = Some(day("--since", text)?.0);
    }
    if let Some(text) = &args.until {
        f.until = Some(day("--until", text)?.1);
    }
    if let (Some(s), Some(u)) = (f.since, f.until)
        && s >= u
    {
        return Err(format!(
            "--since {} is after --until {}: nothing could match",
            args.since.as_deref().unwrap_or_default(),
            args.until.as_deref().unwrap_or_default()
        ));
    }
    if let Some(word) = &args.tender {
        let book = crate::network::WalletBook::embedded().map_err(|e| e.to_string())?;
        let brands: Vec<String> = book.wallets().iter().map(|w| w.brand.clone()).collect();
        f.tender = Some(TenderFilter::parse(word, &brands).ok_or_else(|| {
            format!(
                "--tender {word}: not a tender; use one of {}",
                TenderFilter::choices(&brands)
            )
        })?);
    }
    Ok(f)
}

/// Writes the list in one format, row by row; remembers the first write error and stops.
struct ListWriter<'a> {
    format: SalesFormat,
    out: &'a mut dyn Write,
    utc_offset_minutes: i32,
    rows: u64,
    error: Option<io::Error>,
}

impl<'a> ListWriter<'a> {
    fn new(format: SalesFormat, out: &'a mut dyn Write, utc_offset_minutes: i32) -> Self {
        Self {
            format,
            out,
            utc_offset_minutes,
            rows: 0,
            error: None,
        }
    }

    /// Writes one sale; `false` (stop the walk) once writing failed.
    fn row(&mut self, sale: &SaleListing) -> bool {
        let written = self.write_row(sale);
        self.rows += 1;
        match written {
            Ok(()) => true,
            Err(e) => {
                self.error = Some(e);
                false
            }
        }
    }

    fn write_row(&mut self, sale: &SaleListing) -> io::Result<()> {
        let r = &sale.row;
        let item = SaleOut {
            sale_no: r.sale_no,
            lane_id: &r.lane_id,
            completed_at: rfc3339(r.completed_at, self.utc_offset_minutes),
            total: r.total.plain(),
            currency: r.total.currency().code(),
            tender: &sale.kind,
            brand: sale.brand.as_deref(),
            refunded: r.refunded.plain(),
            items: r.item_count,
        };
        match self.format {
            SalesFormat::Text => {
                if self.rows == 0 {
                    writeln!(
                        self.out,
                        "{:>7}  {:<19}  {:>12}  {:<22}  {:>10}",
                        "SALE", "COMPLETED", "TOTAL", "TENDER", "REFUNDED"
                    )?;
                }
                writeln!(
                    self.out,
                    "{:>7}  {:<19}  {:>12}  {:<22}  {:>10}",
                    r.sale_no,
                    r.completed_at.format_local(self.utc_offset_minutes),
                    r.total.with_code(),
                    r.tender,
                    r.refunded.plain()
                )
            }
            SalesFormat::Json => {
                self.out
                    .write_all(if self.rows == 0 { b"[\n" } else { b",\n" })?;
                serde_json::to_writer(&mut self.out, &item).map_err(io::Error::other)
            }
            SalesFormat::Csv => {
                // A writer per row keeps nothing buffered between rows; the header comes once.
                let mut csv = csv::WriterBuilder::new()
                    .has_headers(self.rows == 0)
                    .from_writer(&mut self.out);
                csv.serialize(&item).map_err(io::Error::other)?;
                csv.flush()
            }
        }
    }

    /// Closes the list (an empty one too) and flushes.
    fn finish(mut self) -> io::Result<()> {
        if let Some(e) = self.error.take() {
            return Err(e);
        }
        match (self.format, self.rows) {
            (SalesFormat::Json, 0) => self.out.write_all(b"[]\n")?,
            (SalesFormat::Json, _) => self.out.write_all(b"\n]\n")?,
            (SalesFormat::Text, 0) => self.out.write_all(b"No sales.\n")?,
            (SalesFormat::Csv, 0) => self.out.write_all(
                b"sale_no,lane_id,completed_at,total,currency,tender,brand,refunded,items\n",
            )?,
            _ => {}
        }
        self.out.flush()
    }
}

/// `2026-11-21T14:32:05-08:00`: the time in the store's offset, with the offset.
fn rfc3339(t: Timestamp, utc_offset_minutes: i32) -> String {
    let offset = time::UtcOffset::from_whole_seconds(utc_offset_minutes * 60)
        .unwrap_or(time::UtcOffset::UTC);
    let format = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second][offset_hour sign:mandatory]:[offset_minute]"
    );
    time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(t.millis()) * 1_000_000)
        .ok()
        .and_then(|d| d.to_offset(offset).format(&format).ok())
        .unwrap_or_else(|| format!("@{}ms", t.millis()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_rfc3339_in_the_store_offset() {
        // DEMO_START: 2026-11-21 14:32:05 in San Francisco.
        assert_eq!(
            rfc3339(Timestamp(1_795_300_325_000), -480),
            "2026-11-21T14:32:05-08:00"
        );
        assert_eq!(
            rfc3339(Timestamp(1_795_300_325_000), 330),
            "2026-11-22T04:02:05+05:30"
        );
    }
}
