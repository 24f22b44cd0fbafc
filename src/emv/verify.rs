//! Every MPM rule of EMVCo QRCPS v1.0 (July 2017), reported as typed violations.
//!
//! `verify` runs on an already decoded payload, so structure and CRC are known to be sound;
//! a payload can decode and still break rules here.

use super::mpm::{DataObject, Mpm, SubObject, Value};
use crate::money::{Currency, minor_units};
use std::collections::HashSet;
use std::fmt;

/// Where a rule is broken: a root tag (`"54"`), a sub-tag (`"62/01"`) or a range (`"02-51"`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    pub tag: String,
    pub rule: Rule,
}

/// The rule that is broken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rule {
    /// ID 00 must be the first object.
    PayloadFormatNotFirst,
    /// ID 63 must be the last object.
    CrcNotLast,
    /// An ID occurs twice in the same list.
    Duplicate,
    /// A mandatory object is absent.
    Missing,
    /// A value of length 00.
    Empty,
    /// Format N: digits only.
    NotNumeric,
    /// Format ans: printable ASCII 0x20–0x7E only.
    NotAlphanumericSpecial,
    /// Fixed-length object of the wrong length.
    WrongLength {
        expected: usize,
        found: usize,
    },
    /// Longer than the maximum length.
    TooLong {
        max: usize,
        found: usize,
    },
    /// A value outside the ones the spec defines (e.g. POI other than 11/12).
    NotAllowed {
        allowed: &'static str,
    },
    /// Amount: digits with at most one "." and at least one digit before it.
    AmountFormat,
    /// Amount (or fixed fee) must differ from zero.
    AmountZero,
    /// More decimals than the currency's ISO 4217 minor units.
    TooManyDecimals {
        allowed: u32,
        found: u32,
    },
    /// 53 is not a known ISO 4217 numeric code.
    UnknownCurrency,
    /// 53 is an ISO 4217 code without minor units (gold, test codes).
    NotTenderCurrency,
    /// 56 must be present iff 55 is "02"; 57 iff 55 is "03".
    FeeWithoutIndicator {
        indicator: &'static str,
    },
    FeeMissing {
        fee_tag: &'static str,
    },
    /// 57 must be a percentage from 00.01 to 99.99.
    PercentageRange,
    /// A template must contain its GUID (sub-ID 00).
    MissingGuid,
    /// An unreserved template (80–99) whose value is not an ID/LEN/VALUE list.
    NotATemplate,
    /// 58 must be an ISO 3166-1 alpha-2 code.
    CountryFormat,
    /// 62/09 is a combination of "A", "M", "E", each at most once.
    ConsumerDataRequest,
    /// 64/00 must be two letters (ISO 639-1).
    LanguageFormat,
}

impl Rule {
    /// A stable snake_case name for JSON output.
    pub fn code(&self) -> &'static str {
        match self {
            Rule::PayloadFormatNotFirst => "payload_format_not_first",
            Rule::CrcNotLast => "crc_not_last",
            Rule::Duplicate => "duplicate",
            Rule::Missing => "missing",
            Rule::Empty => "empty",
            Rule::NotNumeric => "format_n",
            Rule::NotAlphanumericSpecial => "format_ans",
            Rule::WrongLength { .. } => "wrong_length",
            Rule::TooLong { .. } => "too_long",
            Rule::NotAllowed { .. } => "value_not_allowed",
            Rule::AmountFormat => "amount_format",
            Rule::AmountZero => "amount_zero",
            Rule::TooManyDecimals { .. } => "too_many_decimals",
            Rule::UnknownCurrency => "unknown_currency",
            Rule::NotTenderCurrency => "not_tender_currency",
            Rule::FeeWithoutIndicator { .. } => "fee_without_indicator",
            Rule::FeeMissing { .. } => "fee_missing",
            Rule::PercentageRange => "percentage_range",
            Rule::MissingGuid => "missing_guid",
            Rule::NotATemplate => "not_a_template",
            Rule::CountryFormat => "country_format",
            Rule::ConsumerDataRequest => "consumer_data_request",
            Rule::LanguageFormat => "language_format",
        }
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Rule::PayloadFormatNotFirst => {
                f.write_str("payload format indicator (00) must come first")
            }
            Rule::CrcNotLast => f.write_str("CRC (63) must come last"),
            Rule::Duplicate => f.write_str("appears more than once"),
            Rule::Missing => f.write_str("mandatory object is missing"),
            Rule::Empty => f.write_str("empty value (length 00 is not allowed)"),
            Rule::NotNumeric => f.write_str("format N: digits only"),
            Rule::NotAlphanumericSpecial => {
                f.write_str("format ans: printable ASCII (0x20-0x7E) only")
            }
            Rule::WrongLength { expected, found } => {
                write!(f, "length must be {expected}, found {found}")
            }
            Rule::TooLong { max, found } => write!(f, "at most {max} characters, found {found}"),
            Rule::NotAllowed { allowed } => write!(f, "value not allowed (allowed: {allowed})"),
            Rule::AmountFormat => {
                f.write_str("amount must be digits with at most one '.' (e.g. 98.73)")
            }
            Rule::AmountZero => f.write_str("amount must not be zero"),
            Rule::TooManyDecimals { allowed, found } => {
                write!(f, "{found} decimals but the currency allows {allowed}")
            }
            Rule::UnknownCurrency => f.write_str("not a known ISO 4217 numeric currency code"),
            Rule::NotTenderCurrency => f.write_str("ISO 4217 code without minor units"),
            Rule::FeeWithoutIndicator { indicator } => {
                write!(f, "present without tip indicator 55={indicator}")
            }
            Rule::FeeMissing { fee_tag } => write!(f, "indicator needs tag {fee_tag}"),
            Rule::PercentageRange => f.write_str("percentage must be 00.01 to 99.99"),
            Rule::MissingGuid => f.write_str("template has no globally unique identifier (00)"),
            Rule::NotATemplate => f.write_str("unreserved template is not an ID/LEN/VALUE list"),
            Rule::CountryFormat => f.write_str("country must be an ISO 3166-1 alpha-2 code"),
            Rule::ConsumerDataRequest => {
                f.write_str("must combine 'A', 'M', 'E', each at most once")
            }
            Rule::LanguageFormat => f.write_str("language must be two letters (ISO 639-1)"),
        }
    }
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "tag {}: {}", self.tag, self.rule)
    }
}

/// The value format of a data object (EMVCo MPM Table 1.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    N,
    Ans,
    S,
}

/// Format and length limits of an object: `(format, exact length, max length)`.
type Spec = (Format, Option<usize>, usize);

fn root_spec(id: u8) -> Spec {
    use Format::*;
    match id {
        0 | 1 => (N, Some(2), 2),
        2..=25 => (Ans, None, 99),
        52 => (N, Some(4), 4),
        53 => (N, Some(3), 3),
        54 => (Ans, None, 13),
        55 => (N, Some(2), 2),
        56 => (Ans, None, 13),
        57 => (Ans, None, 5),
        58 => (Ans, Some(2), 2),
        59 => (Ans, None, 25),
        60 => (Ans, None, 15),
        61 => (Ans, None, 10),
        63 => (Ans, Some(4), 4),
        _ => (S, None, 99),
    }
}

fn sub_spec(template: u8, sub: u8) -> Spec {
    use Format::*;
    match (template, sub) {
        (62, 1..=8) => (Ans, None, 25),
        (62, 9) => (Ans, None, 3),
        (64, 0) => (Ans, Some(2), 2),
        (64, 1) => (S, None, 25),
        (64, 2) => (S, None, 15),
        // GUID of any payment-system template.
        (26..=51 | 80..=99, 0) => (Ans, None, 32),
        _ => (S, None, 99),
    }
}

/// Checks every rule; an empty list means the payload is fully conformant.
pub fn verify(mpm: &Mpm) -> Vec<Violation> {
    let mut v = Vec::new();
    let objs = &mpm.objects;
    let push = |v: &mut Vec<Violation>, tag: String, rule: Rule| v.push(Violation { tag, rule });

    if objs.first().map(|o| o.id) != Some(0) {
        push(&mut v, "00".into(), Rule::PayloadFormatNotFirst);
    }
    if let Some(pos) = objs.iter().position(|o| o.id == 63)
        && pos + 1 != objs.len()
    {
        push(&mut v, "63".into(), Rule::CrcNotLast);
    }
    duplicates(objs.iter().map(|o| o.id), "", &mut v);
    for id in [0u8, 52, 53, 58, 59, 60, 63] {
        if mpm.get(id).is_none() {
            push(&mut v, format!("{id:02}"), Rule::Missing);
        }
    }
    if !objs.iter().any(|o| (2..=51).contains(&o.id)) {
        push(&mut v, "02-51".into(), Rule::Missing);
    }

    for o in objs {
        let tag = format!("{:02}", o.id);
        match &o.value {
            Value::Text(t) => {
                if o.id >= 80 && !t.is_empty() {
                    push(&mut v, tag.clone(), Rule::NotATemplate);
                }
                check_value(&tag, t, root_spec(o.id), &mut v);
            }
            Value::Template(subs) => template_rules(o, subs, &mut v),
        }
    }

    fixed_values(mpm, &mut v);
    let decimals = currency_rules(mpm, &mut v);
    if let Some(a) = mpm.text(54) {
        amount_value("54", a, decimals, &mut v);
    }
    tip_rules(mpm, decimals, &mut v);
    if let Some(c) = mpm.text(58)
        && c.len() == 2
        && !c.bytes().all(|b| b.is_ascii_uppercase())
    {
        push(&mut v, "58".into(), Rule::CountryFormat);
    }
    v
}

fn duplicates(ids: impl Iterator<Item = u8>, prefix: &str, v: &mut Vec<Violation>) {
    let mut seen = HashSet::new();
    let mut reported = HashSet::new();
    for id in ids {
        if !seen.insert(id) && reported.insert(id) {
            v.push(Violation {
                tag: format!("{prefix}{id:02}"),
                rule: Rule::Duplicate,
            });
        }
    }
}

fn check_value(tag: &str, value: &str, (format, exact, max): Spec, v: &mut Vec<Violation>) {
    let len = value.chars().count();
    let mut push = |rule| {
        v.push(Violation {
            tag: tag.to_string(),
            rule,
        })
    };
    if len == 0 {
        push(Rule::Empty);
        return;
    }
    match exact {
        Some(expected) if expected != len => push(Rule::WrongLength {
            expected,
            found: len,
        }),
        _ if len > max => push(Rule::TooLong { max, found: len }),
        _ => {}
    }
    match format {
        Format::N if !value.bytes().all(|b| b.is_ascii_digit()) => push(Rule::NotNumeric),
        Format::Ans if !is_ans(value) => push(Rule::NotAlphanumericSpecial),
        _ => {}
    }
}

/// EMV Book 4 common character set: printable ASCII.
fn is_ans(s: &str) -> bool {
    s.bytes().all(|b| (0x20..=0x7E).contains(&b))
}

fn template_rules(o: &DataObject, subs: &[SubObject], v: &mut Vec<Violation>) {
    let id = o.id;
    let tag = format!("{id:02}");
    if subs.is_empty() {
        v.push(Violation {
            tag,
            rule: Rule::Empty,
        });
        return;
    }
    duplicates(subs.iter().map(|s| s.id), &format!("{tag}/"), v);
    let needs_guid = matches!(id, 26..=51 | 80..=99);
    if needs_guid && !subs.iter().any(|s| s.id == 0) {
        v.push(Violation {
            tag: format!("{tag}/00"),
            rule: Rule::MissingGuid,
        });
    }
    if id == 64 {
        for sub in [0u8, 1] {
            if !subs.iter().any(|s| s.id == sub) {
                v.push(Violation {
                    tag: format!("64/{sub:02}"),
                    rule: Rule::Missing,
                });
            }
        }
    }
    for s in subs {
        let stag = format!("{tag}/{:02}", s.id);
        check_value(&stag, &s.value, sub_spec(id, s.id), v);
        if id == 62 && s.id == 9 && !s.value.is_empty() && !consumer_request_ok(&s.value) {
            v.push(Violation {
                tag: stag.clone(),
                rule: Rule::ConsumerDataRequest,
            });
        }
        if id == 64
            && s.id == 0
            && s.value.len() == 2
            && !s.value.bytes().all(|b| b.is_ascii_alphabetic())
        {
            v.push(Violation {
                tag: stag.clone(),
                rule: Rule::LanguageFormat,
            });
        }
        // 62/50–99 are payment-system templates that need their own GUID.
        if id == 62 && s.id >= 50 && !s.value.is_empty() {
            let guid = super::tlv::parse(&s.value)
                .ok()
                .and_then(|l| l.iter().find(|x| x.id == 0).map(|x| x.value.to_string()));
            match guid {
                Some(g) => check_value(&format!("{stag}/00"), &g, (Format::Ans, None, 32), v),
                None => v.push(Violation {
                    tag: format!("{stag}/00"),
                    rule: Rule::MissingGuid,
                }),
            }
        }
    }
}

fn consumer_request_ok(value: &str) -> bool {
    let mut seen = HashSet::new();
    value
        .chars()
        .all(|c| matches!(c, 'A' | 'M' | 'E') && seen.insert(c))
}

fn fixed_values(mpm: &Mpm, v: &mut Vec<Violation>) {
    if let Some(pfi) = mpm.text(0)
        && pfi.len() == 2
        && pfi != "01"
    {
        v.push(Violation {
            tag: "00".into(),
            rule: Rule::NotAllowed { allowed: "01" },
        });
    }
    if let Some(poi) = mpm.text(1)
        && poi.len() == 2
        && poi != "11"
        && poi != "12"
    {
        v.push(Violation {
            tag: "01".into(),
            rule: Rule::NotAllowed { allowed: "11, 12" },
        });
    }
}

/// The currency named by tag 53, when it is a known numeric code.
pub fn currency_of(mpm: &Mpm) -> Option<Currency> {
    let code: u16 = mpm.text(53)?.parse().ok()?;
    Currency::from_numeric(code)
}

/// Checks tag 53 and returns the currency's decimals when it is a tender currency.
fn currency_rules(mpm: &Mpm, v: &mut Vec<Violation>) -> Option<u32> {
    let currency_text = mpm.text(53);
    let mut allowed = None;
    if let Some(c) = currency_text
        && c.len() == 3
        && c.bytes().all(|b| b.is_ascii_digit())
    {
        match currency_of(mpm) {
            None => v.push(Violation {
                tag: "53".into(),
                rule: Rule::UnknownCurrency,
            }),
            Some(cur) => match minor_units(cur) {
                Ok(d) => allowed = Some(d),
                Err(_) => v.push(Violation {
                    tag: "53".into(),
                    rule: Rule::NotTenderCurrency,
                }),
            },
        }
    }
    allowed
}

/// Checks an amount-like value (54 and 56): format, non-zero, decimals.
fn amount_value(tag: &str, a: &str, allowed: Option<u32>, v: &mut Vec<Violation>) {
    if a.is_empty() {
        return; // reported as Empty
    }
    let mut push = |rule| {
        v.push(Violation {
            tag: tag.into(),
            rule,
        })
    };
    let Some(parts) = amount_parts(a) else {
        push(Rule::AmountFormat);
        return;
    };
    if parts.0.bytes().chain(parts.1.bytes()).all(|b| b == b'0') {
        push(Rule::AmountZero);
    }
    let found = parts.1.len() as u32;
    if let Some(allowed) = allowed
        && found > allowed
    {
        push(Rule::TooManyDecimals { allowed, found });
    }
}

/// Splits "98.73" into ("98", "73"); refuses signs, commas, spaces, two dots and a leading dot.
fn amount_parts(a: &str) -> Option<(&str, &str)> {
    let (int, frac) = match a.split_once('.') {
        Some((i, f)) => (i, f),
        None => (a, ""),
    };
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    (!int.is_empty() && digits(int) && digits(frac)).then_some((int, frac))
}

fn tip_rules(mpm: &Mpm, decimals: Option<u32>, v: &mut Vec<Violation>) {
    let ind = mpm.text(55);
    let fixed = mpm.text(56);
    let pct = mpm.text(57);
    let mut push = |tag: &str, rule| {
        v.push(Violation {
            tag: tag.into(),
            rule,
        })
    };
    if let Some(i) = ind
        && i.len() == 2
        && !matches!(i, "01" | "02" | "03")
    {
        push(
            "55",
            Rule::NotAllowed {
                allowed: "01, 02, 03",
            },
        );
    }
    match (ind, fixed) {
        (Some("02"), None) => push("55", Rule::FeeMissing { fee_tag: "56" }),
        (Some("02"), Some(_)) => {}
        (_, Some(_)) => push("56", Rule::FeeWithoutIndicator { indicator: "02" }),
        _ => {}
    }
    match (ind, pct) {
        (Some("03"), None) => push("55", Rule::FeeMissing { fee_tag: "57" }),
        (Some("03"), Some(_)) => {}
        (_, Some(_)) => push("57", Rule::FeeWithoutIndicator { indicator: "03" }),
        _ => {}
    }
    if let Some(f) = fixed {
        amount_value("56", f, decimals, v);
    }
    if let Some(p) = pct
        && !p.is_empty()
        && !percentage_ok(p)
    {
        v.push(Violation {
            tag: "57".into(),
            rule: Rule::PercentageRange,
        });
    }
}

/// "00.01"–"99.99": at most two integer digits and two decimals, not zero.
fn percentage_ok(p: &str) -> bool {
    match amount_parts(p) {
        Some((int, frac)) => {
            int.len() <= 2 && frac.len() <= 2 && int.bytes().chain(frac.bytes()).any(|b| b != b'0')
        }
        None => false,
    }
}

#[cfg(test)]
mod tests;
