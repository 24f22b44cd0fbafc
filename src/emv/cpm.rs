//! Consumer-presented mode (EMVCo QRCPS CPM v1.0): base64 text carrying BER-TLV.
//!
//! `decode_*` answer "is this base64 holding well-formed BER-TLV?"; `check` applies the
//! spec's POI rules (§5.1): "CPV01" first, at least one application template (61), AID of 5–16
//! bytes, Track 2 (57) or PAN (5A) present, no duplicates.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use std::fmt;

/// Nesting deeper than this is refused (CPM uses at most three levels: 61 → 63 → data).
const MAX_DEPTH: usize = 8;

/// A BER-TLV tag, kept as its raw bytes (1–4 bytes, e.g. `9F26`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Tag(pub Vec<u8>);

impl Tag {
    /// Bit 6 of the first byte marks a constructed (template) object.
    pub fn is_constructed(&self) -> bool {
        self.0.first().is_some_and(|b| b & 0x20 != 0)
    }

    pub fn is(&self, hex: &[u8]) -> bool {
        self.0 == hex
    }
}

impl fmt::Display for Tag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&hex(&self.0))
    }
}

/// One BER-TLV object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BerTlv {
    pub tag: Tag,
    pub value: BerValue,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BerValue {
    Primitive(Vec<u8>),
    Constructed(Vec<BerTlv>),
}

impl BerTlv {
    /// Length of the value in bytes.
    pub fn len(&self) -> usize {
        match &self.value {
            BerValue::Primitive(b) => b.len(),
            BerValue::Constructed(c) => c.iter().map(BerTlv::encoded_len).sum(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn encoded_len(&self) -> usize {
        let len = self.len();
        let len_bytes = match len {
            0..=0x7F => 1,
            0x80..=0xFF => 2,
            0x100..=0xFFFF => 3,
            _ => 4,
        };
        self.tag.0.len() + len_bytes + len
    }

    pub fn children(&self) -> &[BerTlv] {
        match &self.value {
            BerValue::Constructed(c) => c,
            BerValue::Primitive(_) => &[],
        }
    }

    pub fn bytes(&self) -> Option<&[u8]> {
        match &self.value {
            BerValue::Primitive(b) => Some(b),
            BerValue::Constructed(_) => None,
        }
    }
}

/// A decoded CPM payload: the root BER-TLV list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cpm {
    pub objects: Vec<BerTlv>,
}

impl Cpm {
    /// The first object with `tag`, searching depth-first in payload order.
    pub fn find(&self, tag: &[u8]) -> Option<&BerTlv> {
        fn walk<'a>(list: &'a [BerTlv], tag: &[u8]) -> Option<&'a BerTlv> {
            list.iter().find_map(|o| {
                if o.tag.is(tag) {
                    Some(o)
                } else {
                    walk(o.children(), tag)
                }
            })
        }
        walk(&self.objects, tag)
    }
}

/// Why a text is not a CPM payload.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CpmError {
    #[error("not base64 (RFC 4648 with padding): {0}")]
    Base64(String),
    #[error("not hex: {0}")]
    Hex(String),
    #[error("empty payload")]
    Empty,
    #[error("BER-TLV tag at byte {offset} is truncated")]
    TruncatedTag { offset: usize },
    #[error("BER-TLV tag at byte {offset} is longer than 4 bytes")]
    TagTooLong { offset: usize },
    #[error("BER-TLV length at byte {offset} is not supported (first byte {first:#04x})")]
    BadLength { offset: usize, first: u8 },
    #[error("tag {tag} at byte {offset} declares {declared} bytes but only {available} follow")]
    Overrun {
        offset: usize,
        tag: String,
        declared: usize,
        available: usize,
    },
    #[error("templates nested deeper than {MAX_DEPTH} levels at byte {offset}")]
    TooDeep { offset: usize },
}

/// Decodes base64 text (standard alphabet, padded) into a BER-TLV tree.
pub fn decode_base64(text: &str) -> Result<Cpm, CpmError> {
    let bytes = STANDARD
        .decode(text)
        .map_err(|e| CpmError::Base64(e.to_string()))?;
    decode_bytes(&bytes)
}

/// Decodes hex text (as some scanners and test suites print CPM data) into a BER-TLV tree.
pub fn decode_hex(text: &str) -> Result<Cpm, CpmError> {
    decode_bytes(&from_hex(text)?)
}

/// Decodes raw BER-TLV bytes.
pub fn decode_bytes(bytes: &[u8]) -> Result<Cpm, CpmError> {
    if bytes.is_empty() {
        return Err(CpmError::Empty);
    }
    Ok(Cpm {
        objects: parse_list(bytes, 0, 0)?,
    })
}

fn parse_list(bytes: &[u8], base: usize, depth: usize) -> Result<Vec<BerTlv>, CpmError> {
    if depth > MAX_DEPTH {
        return Err(CpmError::TooDeep { offset: base });
    }
    let mut out = Vec::new();
    let mut i = 0usize;
    while i < bytes.len() {
        let start = i;
        // Tag: low five bits all set means more tag bytes follow while bit 8 is set.
        let mut tag = vec![bytes[i]];
        i += 1;
        if tag[0] & 0x1F == 0x1F {
            loop {
                let Some(&b) = bytes.get(i) else {
                    return Err(CpmError::TruncatedTag {
                        offset: base + start,
                    });
                };
                tag.push(b);
                i += 1;
                if tag.len() > 4 {
                    return Err(CpmError::TagTooLong {
                        offset: base + start,
                    });
                }
                if b & 0x80 == 0 {
                    break;
                }
            }
        }
        let tag = Tag(tag);
        let len_at = i;
        let Some(&first) = bytes.get(i) else {
            return Err(CpmError::BadLength {
                offset: base + len_at,
                first: 0,
            });
        };
        i += 1;
        let declared = if first < 0x80 {
            usize::from(first)
        } else {
            // Long form 81..84; 80 (indefinite) is not allowed in EMV.
            let n = usize::from(first & 0x7F);
            if !(1..=4).contains(&n) || i + n > bytes.len() {
                return Err(CpmError::BadLength {
                    offset: base + len_at,
                    first,
                });
            }
            let l = bytes[i..i + n]
                .iter()
                .fold(0usize, |acc, &b| (acc << 8) | usize::from(b));
            i += n;
            l
        };
        let available = bytes.len() - i;
        if declared > available {
            return Err(CpmError::Overrun {
                offset: base + start,
                tag: tag.to_string(),
                declared,
                available,
            });
        }
        let value = &bytes[i..i + declared];
        let value_base = base + i;
        i += declared;
        let value = if tag.is_constructed() {
            match parse_list(value, value_base, depth + 1) {
                Ok(children) => BerValue::Constructed(children),
                // Transparent templates (63, 64) are opaque to the POI (§5.1): keep them raw.
                Err(_) if tag.is(&[0x63]) || tag.is(&[0x64]) => BerValue::Primitive(value.to_vec()),
                Err(e) => return Err(e),
            }
        } else {
            BerValue::Primitive(value.to_vec())
        };
        out.push(BerTlv { tag, value });
    }
    Ok(out)
}

/// A broken CPM rule, naming the tag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CpmViolation {
    pub tag: String,
    pub rule: CpmRule,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CpmRule {
    /// The first object must be 85 (Payload Format Indicator).
    PayloadFormatNotFirst,
    /// 85 must be "CPV01".
    PayloadFormatValue,
    /// At least one application template (61) is required.
    NoApplicationTemplate,
    /// 61 needs an AID (4F).
    MissingAid,
    /// The AID (4F) must be 5–16 bytes.
    AidLength { found: usize },
    /// 57 (Track 2) or 5A (PAN) must be present for the application.
    NoTrack2OrPan,
    /// The same object appears twice (in one template, at the root, or in both 61 and 62).
    Duplicate,
}

impl fmt::Display for CpmRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CpmRule::PayloadFormatNotFirst => {
                f.write_str("payload format indicator 85 must come first")
            }
            CpmRule::PayloadFormatValue => {
                f.write_str("payload format indicator must be \"CPV01\"")
            }
            CpmRule::NoApplicationTemplate => {
                f.write_str("at least one application template 61 is required")
            }
            CpmRule::MissingAid => f.write_str("application template has no AID (4F)"),
            CpmRule::AidLength { found } => write!(f, "AID must be 5-16 bytes, found {found}"),
            CpmRule::NoTrack2OrPan => f.write_str("neither Track 2 (57) nor PAN (5A) is present"),
            CpmRule::Duplicate => f.write_str("appears more than once"),
        }
    }
}

impl CpmRule {
    pub fn code(&self) -> &'static str {
        match self {
            CpmRule::PayloadFormatNotFirst => "payload_format_not_first",
            CpmRule::PayloadFormatValue => "payload_format_value",
            CpmRule::NoApplicationTemplate => "no_application_template",
            CpmRule::MissingAid => "missing_aid",
            CpmRule::AidLength { .. } => "aid_length",
            CpmRule::NoTrack2OrPan => "no_track2_or_pan",
            CpmRule::Duplicate => "duplicate",
        }
    }
}

impl fmt::Display for CpmViolation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "tag {}: {}", self.tag, self.rule)
    }
}

/// Applies the POI checks of CPM §5.1 to a decoded tree.
pub fn check(cpm: &Cpm) -> Vec<CpmViolation> {
    let mut v = Vec::new();
    let mut push = |tag: &str, rule| {
        v.push(CpmViolation {
            tag: tag.into(),
            rule,
        })
    };
    match cpm.objects.first() {
        Some(o) if o.tag.is(&[0x85]) => {
            if o.bytes() != Some(b"CPV01") {
                push("85", CpmRule::PayloadFormatValue);
            }
        }
        _ => push("85", CpmRule::PayloadFormatNotFirst),
    }
    let apps: Vec<&BerTlv> = cpm.objects.iter().filter(|o| o.tag.is(&[0x61])).collect();
    let common = cpm.objects.iter().find(|o| o.tag.is(&[0x62]));
    if apps.is_empty() {
        push("61", CpmRule::NoApplicationTemplate);
    }
    for app in &apps {
        match app.children().iter().find(|c| c.tag.is(&[0x4F])) {
            None => push("61/4F", CpmRule::MissingAid),
            Some(aid) => {
                let n = aid.len();
                if !(5..=16).contains(&n) {
                    push("61/4F", CpmRule::AidLength { found: n });
                }
            }
        }
        let has = |t: &BerTlv| t.tag.is(&[0x57]) || t.tag.is(&[0x5A]);
        let in_app = app.children().iter().any(has);
        let in_common = common.is_some_and(|c| c.children().iter().any(has));
        if !in_app && !in_common {
            push("61", CpmRule::NoTrack2OrPan);
        }
    }
    // Root: 61 may repeat (one per application); everything else must be unique.
    let mut seen = Vec::new();
    for o in &cpm.objects {
        if !o.tag.is(&[0x61]) {
            if seen.contains(&&o.tag) {
                push(&o.tag.to_string(), CpmRule::Duplicate);
            }
            seen.push(&o.tag);
        }
    }
    fn dup_within(list: &[BerTlv], path: &str, out: &mut Vec<CpmViolation>) {
        let mut seen: Vec<&Tag> = Vec::new();
        for o in list {
            let p = format!("{path}/{}", o.tag);
            if seen.contains(&&o.tag) {
                out.push(CpmViolation {
                    tag: p.clone(),
                    rule: CpmRule::Duplicate,
                });
            }
            seen.push(&o.tag);
            dup_within(o.children(), &p, out);
        }
    }
    for o in &cpm.objects {
        dup_within(o.children(), &o.tag.to_string(), &mut v);
    }
    // The same primitive must not be in both an application template and the common one.
    if let Some(common) = common {
        for app in &apps {
            for c in app.children().iter().filter(|c| !c.tag.is_constructed()) {
                if common.children().iter().any(|x| x.tag == c.tag) {
                    v.push(CpmViolation {
                        tag: format!("61/{}", c.tag),
                        rule: CpmRule::Duplicate,
                    });
                }
            }
        }
    }
    v
}

/// Upper-case hex of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02X}")).collect()
}

fn from_hex(text: &str) -> Result<Vec<u8>, CpmError> {
    if !text.len().is_multiple_of(2) {
        return Err(CpmError::Hex("odd number of digits".into()));
    }
    text.as_bytes()
        .chunks(2)
        .enumerate()
        .map(|(i, pair)| {
            let s = std::str::from_utf8(pair).map_err(|_| CpmError::Hex(format!("byte {i}")))?;
            u8::from_str_radix(s, 16)
                .map_err(|_| CpmError::Hex(format!("'{s}' at position {}", i * 2)))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXAMPLE_1: &str = "hQVDUFYwMWEaTwegAAAAVVVVVw8SNFZ4kBI0WNGRIgESNF8=";

    #[test]
    fn annex_b_example_1_decodes_and_passes_checks() {
        let Ok(cpm) = decode_base64(EXAMPLE_1) else {
            panic!("example 1 decodes")
        };
        assert_eq!(cpm.objects.len(), 2);
        assert_eq!(
            cpm.find(&[0x4F]).and_then(BerTlv::bytes).map(hex),
            Some("A0000000555555".into())
        );
        assert_eq!(
            cpm.find(&[0x57]).and_then(BerTlv::bytes).map(hex),
            Some("1234567890123458D191220112345F".into())
        );
        assert!(check(&cpm).is_empty());
    }

    #[test]
    fn multi_byte_tags_and_long_form_lengths_decode() {
        // 61 81 08 { 9F 26 02 11 22, 5A 01 12 }
        let Ok(cpm) = decode_bytes(
            &[
                0x61, 0x81, 0x08, 0x9F, 0x26, 0x02, 0x11, 0x22, 0x5A, 0x01, 0x12, 0x00,
            ][..11],
        ) else {
            panic!("decodes")
        };
        assert_eq!(cpm.objects[0].children()[0].tag.to_string(), "9F26");
        assert_eq!(cpm.objects[0].len(), 8);
    }

    #[test]
    fn declared_length_past_the_end_is_refused() {
        let err = decode_hex("850543505630316181934F07A000000602202050075152495343504D").err();
        assert!(matches!(
            err,
            Some(CpmError::Overrun {
                offset: 7,
                declared: 147,
                ..
            })
        ));
    }

    #[test]
    fn pfi_only_payload_lacks_an_application_template() {
        let Ok(cpm) = decode_base64("hQVDUFYwMQ==") else {
            panic!("decodes")
        };
        let rules: Vec<_> = check(&cpm).into_iter().map(|v| v.rule).collect();
        assert_eq!(rules, vec![CpmRule::NoApplicationTemplate]);
    }

    #[test]
    fn first_object_must_be_cpv01() {
        let Ok(cpm) = decode_hex("8505435056303261094F07A00000060220205A0112") else {
            panic!("decodes")
        };
        assert!(
            check(&cpm)
                .iter()
                .any(|v| v.rule == CpmRule::PayloadFormatValue)
        );
        let Ok(cpm) = decode_hex("61094F07A00000060220205A0112") else {
            panic!("decodes")
        };
        assert!(
            check(&cpm)
                .iter()
                .any(|v| v.rule == CpmRule::PayloadFormatNotFirst)
        );
    }

    #[test]
    fn aid_shorter_than_five_bytes_is_refused() {
        let Ok(cpm) = decode_hex("8505435056303161094F04A00000065A0112") else {
            panic!("decodes")
        };
        assert!(
            check(&cpm)
                .iter()
                .any(|v| v.rule == CpmRule::AidLength { found: 4 })
        );
    }

    #[test]
    fn application_without_track2_or_pan_is_refused() {
        let Ok(cpm) = decode_hex("8505435056303161094F07A0000006022020") else {
            panic!("decodes")
        };
        assert_eq!(
            check(&cpm).into_iter().map(|v| v.rule).collect::<Vec<_>>(),
            vec![CpmRule::NoTrack2OrPan]
        );
    }

    #[test]
    fn duplicate_pfi_and_duplicate_inside_template_are_refused() {
        let Ok(cpm) = decode_hex("8505435056303185054350563031610F4F07A00000060220205A01125A0112")
        else {
            panic!("decodes")
        };
        let v = check(&cpm);
        assert!(
            v.iter()
                .any(|x| x.tag == "85" && x.rule == CpmRule::Duplicate)
        );
        assert!(
            v.iter()
                .any(|x| x.tag == "61/5A" && x.rule == CpmRule::Duplicate)
        );
    }

    #[test]
    fn not_base64_is_refused() {
        assert!(matches!(
            decode_base64("hQVDUFY*"),
            Err(CpmError::Base64(_))
        ));
    }

    #[test]
    fn opaque_transparent_template_is_kept_raw() {
        // 63 02 FF FF: not BER inside, kept as bytes.
        let Ok(cpm) = decode_hex("6302FFFF") else {
            panic!("decodes")
        };
        assert_eq!(cpm.objects[0].bytes(), Some(&[0xFF, 0xFF][..]));
    }
}
