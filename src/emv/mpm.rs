//! Merchant-presented mode: decode (structure + CRC) and encode.
//!
//! Decoding only answers "is this a well-formed MPM payload with a matching CRC?". Whether it
//! follows every rule of the standard is `verify`'s job, so real-world payloads that bend a rule
//! (an empty value, a "5.0" amount) still decode and are reported as violations.

use super::{crc, tlv};

/// Tag of the CRC object, which must close the payload.
pub const CRC_ID: u8 = 63;

/// A root data object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataObject {
    pub id: u8,
    pub value: Value,
}

/// A root value: plain text, or a template holding its own ID/LEN/VALUE list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    Text(String),
    Template(Vec<SubObject>),
}

/// A data object inside a template. Deeper nesting (62/50–99) is kept as text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubObject {
    pub id: u8,
    pub value: String,
}

impl DataObject {
    pub fn text(id: u8, value: impl Into<String>) -> Self {
        Self {
            id,
            value: Value::Text(value.into()),
        }
    }

    pub fn template(id: u8, subs: Vec<SubObject>) -> Self {
        Self {
            id,
            value: Value::Template(subs),
        }
    }

    /// The value exactly as it appears in the payload.
    pub fn raw_value(&self) -> String {
        match &self.value {
            Value::Text(t) => t.clone(),
            Value::Template(subs) => {
                let mut s = String::new();
                for sub in subs {
                    tlv::write(&mut s, sub.id, &sub.value);
                }
                s
            }
        }
    }

    pub fn as_text(&self) -> Option<&str> {
        match &self.value {
            Value::Text(t) => Some(t),
            Value::Template(_) => None,
        }
    }

    pub fn subs(&self) -> Option<&[SubObject]> {
        match &self.value {
            Value::Template(s) => Some(s),
            Value::Text(_) => None,
        }
    }
}

impl SubObject {
    pub fn new(id: u8, value: impl Into<String>) -> Self {
        Self {
            id,
            value: value.into(),
        }
    }
}

/// How a root ID's value is walked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// Always a template; a malformed nested list fails the decode (26–51, 62, 64).
    Template,
    /// A template when the value forms a TLV list, else kept as text (80–99).
    MaybeTemplate,
    Primitive,
}

pub fn shape(id: u8) -> Shape {
    match id {
        26..=51 | 62 | 64 => Shape::Template,
        80..=99 => Shape::MaybeTemplate,
        _ => Shape::Primitive,
    }
}

/// A decoded MPM payload: every root object in payload order, the CRC object last.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mpm {
    pub objects: Vec<DataObject>,
}

impl Mpm {
    /// The first root object with `id`.
    pub fn get(&self, id: u8) -> Option<&DataObject> {
        self.objects.iter().find(|o| o.id == id)
    }

    /// The text of root object `id` (none for templates).
    pub fn text(&self, id: u8) -> Option<&str> {
        self.get(id).and_then(DataObject::as_text)
    }

    /// The value of sub-object `sub` inside template `id`.
    pub fn sub(&self, id: u8, sub: u8) -> Option<&str> {
        self.get(id)?
            .subs()?
            .iter()
            .find(|s| s.id == sub)
            .map(|s| s.value.as_str())
    }

    /// The CRC as carried by the payload (case preserved).
    pub fn crc(&self) -> Option<&str> {
        self.objects
            .last()
            .filter(|o| o.id == CRC_ID)
            .and_then(DataObject::as_text)
    }

    /// The payload text, with the carried CRC (identical to the decoded input).
    pub fn to_payload(&self) -> String {
        let mut s = String::new();
        for o in &self.objects {
            tlv::write(&mut s, o.id, &o.raw_value());
        }
        s
    }
}

/// Why a payload cannot be decoded as MPM.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MpmError {
    #[error("empty payload")]
    Empty,
    #[error("{0}")]
    Structure(tlv::TlvError),
    #[error("template {template:02}: {source}")]
    Template {
        template: u8,
        #[source]
        source: tlv::TlvError,
    },
    #[error("no CRC: the payload must end with tag 63 (6304XXXX)")]
    MissingCrc,
    #[error("CRC (tag 63) at offset {offset} is not the last object")]
    CrcNotLast { offset: usize },
    #[error("CRC (tag 63) at offset {offset} must be 4 hex digits, found '{found}'")]
    CrcMalformed { offset: usize, found: String },
    #[error("CRC mismatch: payload carries {found}, computed {computed}")]
    CrcMismatch { found: String, computed: String },
}

impl MpmError {
    /// Character offset the error points at, when it has one.
    pub fn offset(&self) -> Option<usize> {
        match self {
            MpmError::Structure(e) | MpmError::Template { source: e, .. } => Some(e.offset()),
            MpmError::CrcNotLast { offset } | MpmError::CrcMalformed { offset, .. } => {
                Some(*offset)
            }
            _ => None,
        }
    }
}

/// Decodes the structure of an MPM payload and checks its CRC.
///
/// The CRC object is located by the TLV walk (never by searching for "6304"), must be the last
/// object, and is compared case-insensitively.
pub fn decode(payload: &str) -> Result<Mpm, MpmError> {
    if payload.is_empty() {
        return Err(MpmError::Empty);
    }
    let raw = tlv::parse(payload).map_err(MpmError::Structure)?;
    let mut objects = Vec::with_capacity(raw.len());
    for r in &raw {
        let value = match shape(r.id) {
            Shape::Primitive => Value::Text(r.value.to_string()),
            Shape::Template => {
                let subs = tlv::parse(r.value).map_err(|e| MpmError::Template {
                    template: r.id,
                    source: e.shifted(r.offset + 4),
                })?;
                Value::Template(to_subs(&subs))
            }
            Shape::MaybeTemplate => match tlv::parse(r.value) {
                Ok(subs) => Value::Template(to_subs(&subs)),
                Err(_) => Value::Text(r.value.to_string()),
            },
        };
        objects.push(DataObject { id: r.id, value });
    }

    let crc_pos = raw.iter().position(|r| r.id == CRC_ID);
    let Some(pos) = crc_pos else {
        return Err(MpmError::MissingCrc);
    };
    let crc_obj = raw[pos];
    if pos + 1 != raw.len() {
        return Err(MpmError::CrcNotLast {
            offset: crc_obj.offset,
        });
    }
    let well_formed =
        crc_obj.value.len() == 4 && crc_obj.value.bytes().all(|b| b.is_ascii_hexdigit());
    if !well_formed {
        return Err(MpmError::CrcMalformed {
            offset: crc_obj.offset,
            found: crc_obj.value.to_string(),
        });
    }
    // Coverage: everything before the CRC object plus its own "6304".
    let covered = &payload.as_bytes()[..crc_obj.byte_offset + 4];
    let computed = crc::to_hex(crc::checksum(covered));
    if !computed.eq_ignore_ascii_case(crc_obj.value) {
        return Err(MpmError::CrcMismatch {
            found: crc_obj.value.to_string(),
            computed,
        });
    }
    Ok(Mpm { objects })
}

fn to_subs(raw: &[tlv::RawObject<'_>]) -> Vec<SubObject> {
    raw.iter().map(|s| SubObject::new(s.id, s.value)).collect()
}

/// Why a list of objects cannot be encoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EncodeError {
    #[error("tag {0} is not a two-digit ID")]
    BadId(u8),
    #[error("tag {path} is empty; EMV values hold 1–99 characters")]
    Empty { path: String },
    #[error("tag {path} holds {len} characters; at most 99 fit")]
    TooLong { path: String, len: usize },
    #[error("tag {0:02} is a template and needs sub-objects")]
    TemplateExpected(u8),
    #[error("tag {0:02} cannot hold a template")]
    TemplateNotAllowed(u8),
    #[error("tag 63 (CRC) is computed by the encoder; do not supply it")]
    CrcSupplied,
}

/// Encodes `objects` in order and appends the CRC object (`6304` + 4 upper-case hex digits).
pub fn encode(objects: &[DataObject]) -> Result<String, EncodeError> {
    let mut out = String::new();
    for o in objects {
        if o.id > 99 {
            return Err(EncodeError::BadId(o.id));
        }
        if o.id == CRC_ID {
            return Err(EncodeError::CrcSupplied);
        }
        match (&o.value, shape(o.id)) {
            (Value::Text(_), Shape::Template) => return Err(EncodeError::TemplateExpected(o.id)),
            (Value::Template(_), Shape::Primitive) => {
                return Err(EncodeError::TemplateNotAllowed(o.id));
            }
            _ => {}
        }
        if let Value::Template(subs) = &o.value {
            for s in subs {
                if s.id > 99 {
                    return Err(EncodeError::BadId(s.id));
                }
                check_len(&format!("{:02}/{:02}", o.id, s.id), &s.value)?;
            }
        }
        let raw = o.raw_value();
        check_len(&format!("{:02}", o.id), &raw)?;
        tlv::write(&mut out, o.id, &raw);
    }
    out.push_str("6304");
    let crc = crc::for_prefix(&out);
    out.push_str(&crc);
    Ok(out)
}

fn check_len(path: &str, value: &str) -> Result<(), EncodeError> {
    let len = value.chars().count();
    if len == 0 {
        return Err(EncodeError::Empty { path: path.into() });
    }
    if len > 99 {
        return Err(EncodeError::TooLong {
            path: path.into(),
            len,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) const ANNEX_B: &str = "00020101021229300012D156000000000510A93FO3230Q31280012D15600000001030812345678520441115802CN5914BEST TRANSPORT6007BEIJING64200002ZH0104最佳运输0202北京540523.7253031565502016233030412340603***0708A60086670902ME91320016A0112233449988770708123456786304A13A";

    #[test]
    fn annex_b_example_decodes_with_templates_walked() {
        let Ok(m) = decode(ANNEX_B) else {
            panic!("Annex B must decode")
        };
        assert_eq!(m.text(0), Some("01"));
        assert_eq!(m.sub(29, 0), Some("D15600000000"));
        assert_eq!(m.sub(64, 1), Some("最佳运输"));
        assert_eq!(m.sub(62, 7), Some("A6008667"));
        assert_eq!(m.sub(91, 7), Some("12345678"));
        assert_eq!(m.crc(), Some("A13A"));
        assert_eq!(m.to_payload(), ANNEX_B);
    }

    #[test]
    fn lower_case_crc_is_accepted() {
        let lower = ANNEX_B.replace("6304A13A", "6304a13a");
        assert!(decode(&lower).is_ok());
    }

    #[test]
    fn tampered_character_is_a_crc_mismatch() {
        let bad = ANNEX_B.replace("BEST", "BEZT");
        assert!(matches!(decode(&bad), Err(MpmError::CrcMismatch { .. })));
    }

    #[test]
    fn missing_crc_is_refused() {
        assert_eq!(decode("000201"), Err(MpmError::MissingCrc));
    }

    #[test]
    fn object_after_crc_is_refused() {
        let p = format!("{ANNEX_B}540210");
        assert!(matches!(decode(&p), Err(MpmError::CrcNotLast { .. })));
    }

    #[test]
    fn short_or_non_hex_crc_is_malformed() {
        assert!(matches!(
            decode("0002016302B7"),
            Err(MpmError::CrcMalformed { .. })
        ));
        assert!(matches!(
            decode("0002016304XXXX"),
            Err(MpmError::CrcMalformed { .. })
        ));
    }

    #[test]
    fn crc_is_found_by_the_walk_not_by_searching_6304() {
        let body = "000201991700131630476173986";
        let mut p = format!("{body}6304");
        p.push_str(&crc::for_prefix(&p));
        let Ok(m) = decode(&p) else {
            panic!("must decode")
        };
        assert_eq!(m.sub(99, 0), Some("1630476173986"));
    }

    #[test]
    fn broken_nested_template_names_absolute_offset() {
        let err = decode("00020162041234").err();
        assert!(matches!(err, Some(MpmError::Template { template: 62, .. })));
        assert_eq!(err.and_then(|e| e.offset()), Some(10));
    }

    #[test]
    fn unreserved_template_without_tlv_shape_is_kept_raw() {
        let Ok(p) = encode(&[DataObject::text(0, "01"), DataObject::text(80, "x")]) else {
            panic!("encodes")
        };
        let Ok(m) = decode(&p) else { panic!("decodes") };
        assert_eq!(m.text(80), Some("x"));
    }

    #[test]
    fn encoder_refuses_empty_and_oversized_values() {
        assert!(matches!(
            encode(&[DataObject::text(59, "")]),
            Err(EncodeError::Empty { .. })
        ));
        assert!(matches!(
            encode(&[DataObject::text(59, "x".repeat(100))]),
            Err(EncodeError::TooLong { .. })
        ));
        assert_eq!(
            encode(&[DataObject::text(63, "ABCD")]),
            Err(EncodeError::CrcSupplied)
        );
    }
}
