//! Every public vector in `tests/fixtures/emv-qr-public.json` (a copy of the team's shared
//! `vectors/emv-qr-public.json`, kept in the repository so a clone anywhere runs it) against
//! the codec.
//!
//! MPM: `crc_ok && tlv_ok` vectors decode to the reference `fields`; every other MPM vector
//! (bad CRC or bad structure) is refused by decode. CPM: `tlv_ok` vectors decode to the
//! reference `ber_tree`; the rest are refused; the spec checks agree with what the vector's
//! note says about it.

use qrtill::emv::cpm::{self, BerTlv, BerValue, CpmRule};
use qrtill::emv::mpm::{self, Mpm, Value};
use serde_json::{Map, Value as Json, json};

fn vectors() -> Vec<Json> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/emv-qr-public.json"
    );
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("read {path}: {e}"));
    match serde_json::from_str(&text) {
        Ok(Json::Array(v)) => v,
        other => panic!("vector file is not a JSON array: {other:?}"),
    }
}

fn flag(v: &Json, key: &str) -> bool {
    v[key].as_bool() == Some(true)
}

/// The decode in the vector file's own naming.
fn reference_fields(m: &Mpm) -> Json {
    let mut f = Map::new();
    let mut mai = Map::new();
    for o in &m.objects {
        let value = match &o.value {
            Value::Text(t) => Json::String(t.clone()),
            Value::Template(subs) => Json::Object(
                subs.iter()
                    .map(|s| (format!("{:02}", s.id), Json::String(s.value.clone())))
                    .collect(),
            ),
        };
        let name = match o.id {
            0 => "payload_format".to_string(),
            1 => "poi_method".into(),
            2..=51 => {
                mai.entry(format!("{:02}", o.id)).or_insert(value);
                continue;
            }
            52 => "mcc".into(),
            53 => "currency".into(),
            54 => "amount".into(),
            55 => "tip_indicator".into(),
            56 => "fixed_fee".into(),
            57 => "pct_fee".into(),
            58 => "country".into(),
            59 => "merchant_name".into(),
            60 => "city".into(),
            61 => "postal_code".into(),
            62 => "additional_data".into(),
            63 => "crc".into(),
            64 => "lang_template".into(),
            id => format!("t{id:02}"),
        };
        f.entry(name).or_insert(value);
    }
    if !mai.is_empty() {
        f.insert("merchant_account".into(), Json::Object(mai));
    }
    Json::Object(f)
}

#[test]
fn sound_mpm_vectors_decode_to_the_reference_fields() {
    let mut checked = 0;
    for v in vectors().iter().filter(|v| v["mode"] == "mpm") {
        if !(flag(v, "crc_ok") && flag(v, "tlv_ok")) {
            continue;
        }
        let payload = v["payload"].as_str().unwrap_or_default();
        let m = mpm::decode(payload)
            .unwrap_or_else(|e| panic!("{payload}\nshould decode: {e}\nnote: {}", v["note"]));
        assert_eq!(reference_fields(&m), v["fields"], "fields of {payload}");
        assert_eq!(m.to_payload(), payload, "lossless");
        checked += 1;
    }
    assert!(checked >= 150, "only {checked} sound MPM vectors");
}

#[test]
fn mpm_vectors_with_bad_crc_or_structure_are_refused() {
    let mut checked = 0;
    for v in vectors().iter().filter(|v| v["mode"] == "mpm") {
        if flag(v, "crc_ok") && flag(v, "tlv_ok") {
            continue;
        }
        let payload = v["payload"].as_str().unwrap_or_default();
        let decoded = mpm::decode(payload);
        assert!(
            decoded.is_err(),
            "{payload} must be refused ({})",
            v["note"]
        );
        // The CLI refuses it too, with a one-line reason.
        let out = qrtill::cli::qr::decode(payload);
        assert_eq!(out.exit_code, 1, "{payload}");
        let reason = out.stderr.unwrap_or_default();
        assert!(!reason.is_empty() && !reason.contains('\n'), "{reason}");
        checked += 1;
    }
    assert!(checked >= 20, "only {checked} broken MPM vectors");
}

#[test]
fn structurally_broken_vectors_fail_on_structure_not_just_crc() {
    for v in vectors()
        .iter()
        .filter(|v| v["mode"] == "mpm" && !flag(v, "tlv_ok"))
    {
        let payload = v["payload"].as_str().unwrap_or_default();
        let err = mpm::decode(payload).err();
        assert!(
            !matches!(err, Some(mpm::MpmError::CrcMismatch { .. }) | None),
            "{payload}: {err:?} (reference: {})",
            v["tlv_error"]
        );
    }
}

fn tree_json(list: &[BerTlv]) -> Json {
    Json::Array(
        list.iter()
            .map(|t| match &t.value {
                BerValue::Primitive(b) => {
                    json!({"tag": t.tag.to_string(), "len": b.len(), "value": cpm::hex(b)})
                }
                BerValue::Constructed(c) => {
                    json!({"tag": t.tag.to_string(), "len": t.len(), "children": tree_json(c)})
                }
            })
            .collect(),
    )
}

#[test]
fn cpm_vectors_decode_to_the_reference_tree_or_are_refused() {
    let mut decoded = 0;
    let mut refused = 0;
    for v in vectors().iter().filter(|v| v["mode"] == "cpm") {
        let payload = v["payload"].as_str().unwrap_or_default();
        let result = if payload.starts_with("850543") {
            cpm::decode_hex(payload)
        } else {
            cpm::decode_base64(payload)
        };
        if flag(v, "tlv_ok") {
            let c = result.unwrap_or_else(|e| panic!("{payload} should decode: {e}"));
            assert_eq!(tree_json(&c.objects), v["ber_tree"], "tree of {payload}");
            decoded += 1;
        } else {
            assert!(result.is_err(), "{payload} must be refused");
            refused += 1;
        }
    }
    assert!(
        decoded >= 20 && refused >= 1,
        "{decoded} decoded, {refused} refused"
    );
}

#[test]
fn cpm_checks_agree_with_each_vector() {
    for v in vectors()
        .iter()
        .filter(|v| v["mode"] == "cpm" && flag(v, "tlv_ok"))
    {
        let payload = v["payload"].as_str().unwrap_or_default();
        let note = v["note"].as_str().unwrap_or_default();
        let c = if payload.starts_with("850543") {
            cpm::decode_hex(payload)
        } else {
            cpm::decode_base64(payload)
        };
        let Ok(c) = c else {
            panic!("{payload} decodes")
        };
        let rules: Vec<CpmRule> = cpm::check(&c).into_iter().map(|x| x.rule).collect();
        let expected = if note.contains("requires at least one 61") {
            vec![CpmRule::NoApplicationTemplate]
        } else if note.contains("no 57/5A") {
            vec![CpmRule::NoTrack2OrPan]
        } else {
            assert_eq!(v["claimed_valid"], true, "{payload}");
            vec![]
        };
        assert_eq!(rules, expected, "{payload}: {note}");
    }
}

/// Sources claim these are valid, but each breaks one EMVCo rule (checked by hand against the
/// spec summary in `shared/domain/emv-qr.md`): (payload fragment, tag, rule).
const KNOWN_DEVIATIONS: &[(&str, &str, &str)] = &[
    // QRIS puts non-template data in 62/98 and 62/60; 62/50-99 must carry a GUID.
    (
        "626001152110050107770150715ASTRAPAY2105",
        "62/98/00",
        "missing_guid",
    ),
    (
        "626001152104140025420150715ASTRAPAY0000",
        "62/98/00",
        "missing_guid",
    ),
    (
        "0707TID00656024607cc759c07a8847bf7b4def",
        "62/60/00",
        "missing_guid",
    ),
    // Khmer merchant name in 59 (ans); the alternate-language template 64 is for that.
    ("5908ចន ស្មីន6009Siam Reap", "59", "format_ans"),
    // No merchant account information at all.
    ("0002010102125204000053039865406123.45", "02-51", "missing"),
];

#[test]
fn sound_vectors_verify_unless_the_note_names_a_rule_they_break() {
    // Vectors the collector marks as conformant must produce no violations; this keeps verify
    // from inventing rules. The note lists every known deviation.
    let mut clean = 0;
    for v in vectors().iter().filter(|v| v["mode"] == "mpm") {
        if !(flag(v, "crc_ok") && flag(v, "tlv_ok")) || v["claimed_valid"] != true {
            continue;
        }
        let note = v["note"].as_str().unwrap_or_default();
        let bends = [
            "missing",
            "exceeds",
            "length 00",
            "decimals !=",
            "not a combination",
            "without 55",
            "RFU",
            "'0'",
            "non-numeric",
            "not GUID",
            "no GUID",
            "lowercase",
            "emoji",
        ];
        if bends.iter().any(|b| note.contains(b)) {
            continue;
        }
        let payload = v["payload"].as_str().unwrap_or_default();
        let Ok(m) = mpm::decode(payload) else {
            panic!("decodes")
        };
        let violations = qrtill::emv::verify::verify(&m);
        let expected = KNOWN_DEVIATIONS
            .iter()
            .find(|(needle, _, _)| payload.contains(needle))
            .map(|(_, tag, rule)| vec![(tag.to_string(), rule.to_string())])
            .unwrap_or_default();
        let found: Vec<(String, String)> = violations
            .iter()
            .map(|x| (x.tag.clone(), x.rule.code().to_string()))
            .collect();
        assert_eq!(found, expected, "{payload}\nnote: {note}");
        clean += 1;
    }
    assert!(clean >= 30, "only {clean} clean vectors");
}

#[test]
fn vectors_whose_note_names_an_emvco_breach_fail_verify() {
    let breaches = [
        ("missing EMVCo-mandatory", "missing"),
        ("exceeds max", "too_long"),
        ("has length 00", "empty"),
        ("spec fixes", "wrong_length"),
        ("not numeric", "format_n"),
        ("only 11/12 defined", "value_not_allowed"),
        ("no merchant account information", "missing"),
        ("ErrInvalidCurrency", "unknown_currency"),
    ];
    let mut checked = 0;
    for v in vectors().iter().filter(|v| v["mode"] == "mpm") {
        if !(flag(v, "crc_ok") && flag(v, "tlv_ok")) {
            continue;
        }
        let note = v["note"].as_str().unwrap_or_default();
        let payload = v["payload"].as_str().unwrap_or_default();
        for (phrase, rule) in breaches {
            if note.contains(phrase) {
                let Ok(m) = mpm::decode(payload) else {
                    panic!("decodes")
                };
                let rules: Vec<&str> = qrtill::emv::verify::verify(&m)
                    .iter()
                    .map(|x| x.rule.code())
                    .collect();
                assert!(
                    rules.contains(&rule),
                    "{payload}: note '{note}' but got {rules:?}"
                );
                checked += 1;
            }
        }
    }
    assert!(checked >= 20, "only {checked} breaches checked");
}
