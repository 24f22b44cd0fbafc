//! The sales-history filter: one line the cashier types, parsed word by word into what the
//! journal narrows by. Pure: dates are read in the store's fixed UTC offset, never the clock.
//!
//! Words: `#42` or `42` (sale number), `2026-11-21` (a day), `2026-11-01..2026-11-21`,
//! `2026-11-01..` or `..2026-11-21` (a range of days), `cash`, `card`, `wallet` or a wallet
//! (`alipay`, `kakao`, `wechat` …), `12.50` or `=12` (an exact total), `>10`, `>=10`, `<5`,
//! `<=5` (total bounds); any other word is item text (every word must match the start of a
//! word in an item name). A word still being typed (`2026-11`) narrows nothing yet.

use crate::clock::Timestamp;
use crate::money::{Currency, Money};

/// Which tender a filter keeps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TenderFilter {
    Cash,
    /// Any card; `Some(brand)` is not offered (card brands are not a tender choice here).
    Card,
    /// Any wallet.
    Wallet,
    /// One wallet, by the brand the journal stores (`Kakao Pay`).
    Brand(String),
}

impl TenderFilter {
    /// Reads a tender word: `cash`, `card`, `wallet`, a wallet brand without spaces or case
    /// (`kakaopay`), or a brand's first word (`kakao`). `None` when it names no tender.
    pub fn parse(word: &str, brands: &[String]) -> Option<TenderFilter> {
        let w = word.to_lowercase();
        match w.as_str() {
            "cash" => return Some(TenderFilter::Cash),
            "card" => return Some(TenderFilter::Card),
            "wallet" => return Some(TenderFilter::Wallet),
            _ => {}
        }
        let key = |b: &str| -> String {
            b.chars()
                .filter(|c| c.is_alphanumeric())
                .flat_map(char::to_lowercase)
                .collect()
        };
        let first_word =
            |b: &str| -> String { b.split_whitespace().next().map(key).unwrap_or_default() };
        brands
            .iter()
            .find(|b| key(b) == w)
            .or_else(|| {
                let mut by_first = brands.iter().filter(|b| first_word(b) == w);
                match (by_first.next(), by_first.next()) {
                    (Some(b), None) => Some(b),
                    _ => None,
                }
            })
            .map(|b| TenderFilter::Brand(b.clone()))
    }

    /// The words `parse` accepts, for messages.
    pub fn choices(brands: &[String]) -> String {
        let mut words = vec!["cash".to_string(), "card".into(), "wallet".into()];
        words.extend(brands.iter().map(|b| {
            b.chars()
                .filter(|c| c.is_alphanumeric())
                .flat_map(char::to_lowercase)
                .collect::<String>()
        }));
        words.join(", ")
    }

    /// The journal's tender kind (`sales.tender`).
    pub fn kind(&self) -> &'static str {
        match self {
            TenderFilter::Cash => "cash",
            TenderFilter::Card => "card",
            TenderFilter::Wallet | TenderFilter::Brand(_) => "wallet",
        }
    }
}

/// Bounds on the sale total, in minor units of the store currency (both inclusive).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct AmountFilter {
    pub min_minor: Option<i64>,
    pub max_minor: Option<i64>,
}

/// What the history keeps. Every part narrows; an empty filter keeps every sale.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct HistoryFilter {
    pub sale_no: Option<u64>,
    /// Completed at or after.
    pub since: Option<Timestamp>,
    /// Completed before.
    pub until: Option<Timestamp>,
    pub tender: Option<TenderFilter>,
    pub amount: Option<AmountFilter>,
    /// Lower-cased words every matching sale has (as word starts) among its item names.
    pub words: Vec<String>,
}

impl HistoryFilter {
    pub fn is_empty(&self) -> bool {
        *self == HistoryFilter::default()
    }
}

/// What the parser needs to know about the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilterContext {
    pub currency: Currency,
    pub utc_offset_minutes: i32,
    /// The wallet brands of the wallet book (`Alipay`, `Kakao Pay` …).
    pub brands: Vec<String>,
}

/// A parsed filter line, with the words that narrow nothing and why.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ParsedFilter {
    pub filter: HistoryFilter,
    /// One short note per word that was not used (still being typed, or contradictory).
    pub problems: Vec<String>,
}

/// Parses the filter line `text`. Never fails: a word it cannot use is reported in
/// `problems` and narrows nothing, so typing never empties the list by accident.
pub fn parse_filter(text: &str, ctx: &FilterContext) -> ParsedFilter {
    let mut out = ParsedFilter::default();
    for word in text.split_whitespace() {
        if let Err(why) = apply_word(word, ctx, &mut out.filter) {
            out.problems.push(why);
        }
    }
    out
}

fn apply_word(word: &str, ctx: &FilterContext, f: &mut HistoryFilter) -> Result<(), String> {
    let number = word.strip_prefix('#').unwrap_or(word);
    if !number.is_empty() && number.chars().all(|c| c.is_ascii_digit()) {
        let n = number
            .parse::<u64>()
            .map_err(|_| format!("{word}: sale number too long"))?;
        return set_once(&mut f.sale_no, n, word);
    }
    let day_like = word.starts_with(|c: char| c.is_ascii_digit() || c == '.')
        && (word.contains('-') || word.contains(".."));
    if day_like {
        let (since, until) = parse_day_range(word, ctx.utc_offset_minutes)?;
        if let Some(s) = since {
            f.since = Some(f.since.map_or(s, |old| old.max(s)));
        }
        if let Some(u) = until {
            f.until = Some(f.until.map_or(u, |old| old.min(u)));
        }
        return Ok(());
    }
    if let Some(amount) = parse_amount(word, ctx.currency)? {
        let a = f.amount.get_or_insert_with(AmountFilter::default);
        if let Some(min) = amount.min_minor {
            a.min_minor = Some(a.min_minor.map_or(min, |old| old.max(min)));
        }
        if let Some(max) = amount.max_minor {
            a.max_minor = Some(a.max_minor.map_or(max, |old| old.min(max)));
        }
        return Ok(());
    }
    if let Some(t) = TenderFilter::parse(word, &ctx.brands) {
        return set_once(&mut f.tender, t, word);
    }
    let text = word.to_lowercase();
    if text.chars().any(char::is_alphanumeric) {
        f.words.push(text);
        Ok(())
    } else {
        Err(format!("{word}: not a word"))
    }
}

fn set_once<T: PartialEq>(slot: &mut Option<T>, value: T, word: &str) -> Result<(), String> {
    match slot {
        Some(old) if *old != value => Err(format!("{word}: only one of these at a time")),
        _ => {
            *slot = Some(value);
            Ok(())
        }
    }
}

/// `12.50` or `=12` (exact), `>10`, `>=10`, `<5`, `<=5` (bounds). `Ok(None)` when the word is
/// not an amount at all; `Err` when it looks like one but cannot be read.
fn parse_amount(word: &str, currency: Currency) -> Result<Option<AmountFilter>, String> {
    let (op, rest) = ["<=", ">=", "=", "<", ">"]
        .iter()
        .find_map(|op| word.strip_prefix(op).map(|r| (*op, r)))
        .unwrap_or(("", word));
    let looks_like = rest.chars().all(|c| c.is_ascii_digit() || c == '.')
        && rest.chars().any(|c| c.is_ascii_digit());
    if op.is_empty() && !(looks_like && rest.contains('.')) {
        return Ok(None);
    }
    if !looks_like {
        return Err(format!("{word}: type an amount after {op}"));
    }
    let money = Money::parse(rest, currency).map_err(|e| format!("{word}: {e}"))?;
    let minor = money.to_minor();
    // Strict bounds in whole minor units: `>10` keeps 10.01 and up.
    Ok(Some(match op {
        "<=" => AmountFilter {
            min_minor: None,
            max_minor: Some(minor),
        },
        "<" => AmountFilter {
            min_minor: None,
            max_minor: Some(minor - 1),
        },
        ">=" => AmountFilter {
            min_minor: Some(minor),
            max_minor: None,
        },
        ">" => AmountFilter {
            min_minor: Some(minor + 1),
            max_minor: None,
        },
        _ => AmountFilter {
            min_minor: Some(minor),
            max_minor: Some(minor),
        },
    }))
}

/// `DAY`, `DAY..DAY`, `DAY..` or `..DAY` (days in the store's offset, both ends included) as
/// `[since, until)`.
pub fn parse_day_range(
    word: &str,
    utc_offset_minutes: i32,
) -> Result<(Option<Timestamp>, Option<Timestamp>), String> {
    let (from, to) = match word.split_once("..") {
        Some((a, b)) => (a, b),
        None => (word, word),
    };
    let since = (!from.is_empty())
        .then(|| day_start(from, utc_offset_minutes).map(|(s, _)| s))
        .transpose()?;
    let until = (!to.is_empty())
        .then(|| day_start(to, utc_offset_minutes).map(|(_, next)| next))
        .transpose()?;
    if since.is_none() && until.is_none() {
        return Err(format!("{word}: type a day such as 2026-11-21"));
    }
    Ok((since, until))
}

/// The start of day `text` (`YYYY-MM-DD`) in the store's offset, and the start of the next day.
pub fn day_start(text: &str, utc_offset_minutes: i32) -> Result<(Timestamp, Timestamp), String> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    let date = time::Date::parse(text, &format)
        .map_err(|_| format!("{text}: not a day (use YYYY-MM-DD, e.g. 2026-11-21)"))?;
    let offset = time::UtcOffset::from_whole_seconds(utc_offset_minutes * 60)
        .map_err(|_| format!("UTC offset {utc_offset_minutes} min is out of range"))?;
    let start = date.midnight().assume_offset(offset);
    let millis = |t: time::OffsetDateTime| (t.unix_timestamp_nanos() / 1_000_000) as i64;
    Ok((
        Timestamp(millis(start)),
        Timestamp(millis(start + time::Duration::DAY)),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx() -> FilterContext {
        FilterContext {
            currency: Currency::USD,
            utc_offset_minutes: -480,
            brands: vec!["Alipay".into(), "AlipayHK".into(), "Kakao Pay".into()],
        }
    }

    fn parse(text: &str) -> ParsedFilter {
        parse_filter(text, &ctx())
    }

    #[test]
    fn an_empty_line_keeps_everything() {
        assert!(parse("").filter.is_empty());
        assert!(parse("   ").filter.is_empty());
    }

    #[test]
    fn numbers_are_sale_numbers_and_decimals_are_totals() {
        assert_eq!(parse("42").filter.sale_no, Some(42));
        assert_eq!(parse("#7").filter.sale_no, Some(7));
        let f = parse("12.50").filter;
        assert_eq!(f.sale_no, None);
        assert_eq!(
            f.amount,
            Some(AmountFilter {
                min_minor: Some(1250),
                max_minor: Some(1250)
            })
        );
        assert_eq!(
            parse("=12").filter.amount,
            Some(AmountFilter {
                min_minor: Some(1200),
                max_minor: Some(1200)
            })
        );
    }

    #[test]
    fn bounds_combine_into_one_range() {
        let f = parse(">10 <=20.5 >=11").filter;
        assert_eq!(
            f.amount,
            Some(AmountFilter {
                min_minor: Some(1100),
                max_minor: Some(2050)
            })
        );
        assert_eq!(
            parse(">10").filter.amount.and_then(|a| a.min_minor),
            Some(1001)
        );
        assert_eq!(
            parse("<5").filter.amount.and_then(|a| a.max_minor),
            Some(499)
        );
    }

    #[test]
    fn a_day_is_midnight_to_midnight_in_the_store_offset() {
        let f = parse("2026-11-21").filter;
        // 2026-11-21 00:00 at UTC-8 is 08:00 UTC.
        assert_eq!(f.since, Some(Timestamp(1_795_248_000_000)));
        assert_eq!(f.until, Some(Timestamp(1_795_248_000_000 + 86_400_000)));
        let open = parse("2026-11-21..").filter;
        assert_eq!(open.since, f.since);
        assert_eq!(open.until, None);
        let to = parse("..2026-11-21").filter;
        assert_eq!((to.since, to.until), (None, f.until));
        let span = parse("2026-11-20..2026-11-21").filter;
        assert_eq!(span.since, Some(Timestamp(1_795_248_000_000 - 86_400_000)));
        assert_eq!(span.until, f.until);
    }

    #[test]
    fn a_day_still_being_typed_narrows_nothing_and_says_so() {
        let p = parse("2026-11");
        assert!(p.filter.is_empty(), "{:?}", p.filter);
        assert_eq!(p.problems.len(), 1, "{:?}", p.problems);
        assert!(p.problems[0].contains("YYYY-MM-DD"), "{:?}", p.problems);
    }

    #[test]
    fn tenders_by_kind_brand_key_or_first_word() {
        assert_eq!(parse("cash").filter.tender, Some(TenderFilter::Cash));
        assert_eq!(parse("CARD").filter.tender, Some(TenderFilter::Card));
        assert_eq!(parse("wallet").filter.tender, Some(TenderFilter::Wallet));
        assert_eq!(
            parse("kakao").filter.tender,
            Some(TenderFilter::Brand("Kakao Pay".into()))
        );
        assert_eq!(
            parse("kakaopay").filter.tender,
            Some(TenderFilter::Brand("Kakao Pay".into()))
        );
        assert_eq!(
            parse("alipay").filter.tender,
            Some(TenderFilter::Brand("Alipay".into()))
        );
        assert_eq!(
            parse("alipayhk").filter.tender,
            Some(TenderFilter::Brand("AlipayHK".into()))
        );
        // Not a tender: item text.
        let f = parse("ali").filter;
        assert_eq!(f.tender, None);
        assert_eq!(f.words, vec!["ali".to_string()]);
    }

    #[test]
    fn two_different_tenders_keep_the_first_and_report_the_second() {
        let p = parse("cash card");
        assert_eq!(p.filter.tender, Some(TenderFilter::Cash));
        assert_eq!(p.problems.len(), 1);
    }

    #[test]
    fn other_words_are_item_text_lower_cased_and_everything_combines() {
        let p = parse("Flat WH cash 2026-11-21 >3");
        assert_eq!(p.filter.words, vec!["flat".to_string(), "wh".to_string()]);
        assert_eq!(p.filter.tender, Some(TenderFilter::Cash));
        assert!(p.filter.since.is_some() && p.filter.until.is_some());
        assert_eq!(p.filter.amount.and_then(|a| a.min_minor), Some(301));
        assert!(p.problems.is_empty(), "{:?}", p.problems);
        assert!(parse("-").problems.len() == 1 && parse("-").filter.is_empty());
    }

    #[test]
    fn choices_name_every_tender_word() {
        let c = TenderFilter::choices(&ctx().brands);
        assert_eq!(c, "cash, card, wallet, alipay, alipayhk, kakaopay");
    }

    proptest::proptest! {
        #[test]
        fn any_line_parses_without_panicking(text in "\\PC{0,40}") {
            let p = parse_filter(&text, &ctx());
            // Every word either narrows or is reported: never both silently lost.
            let words = text.split_whitespace().count();
            proptest::prop_assert!(p.problems.len() <= words);
        }
    }
}
