//! `qrtill qr decode|verify|encode|show`: pure functions the clap layer calls.
//!
//! Each returns a [`QrOutcome`] (stdout text, optional one-line stderr reason, exit code) so the
//! whole command is testable without a process. No clap types here.

use crate::emv::cpm::{self, BerTlv, BerValue, Cpm, CpmViolation};
use crate::emv::mpm::{self, Mpm, Value};
use crate::emv::payment_code;
use crate::emv::symbol::{EcLevel, QrSymbol};
use crate::emv::verify::{self, Violation};
use crate::emv::{DynamicQr, MerchantQrInfo};
use crate::money::{Money, currency_from_code};
use serde_json::{Map, Value as Json, json};

/// What a `qr` command prints and how it exits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QrOutcome {
    /// Pretty JSON (decode/verify), the payload (encode) or the drawn code (show).
    pub stdout: String,
    /// A one-line reason when the command fails.
    pub stderr: Option<String>,
    pub exit_code: i32,
}

impl QrOutcome {
    fn ok(stdout: String) -> Self {
        Self {
            stdout,
            stderr: None,
            exit_code: 0,
        }
    }

    fn fail(reason: impl Into<String>) -> Self {
        Self {
            stdout: String::new(),
            stderr: Some(reason.into()),
            exit_code: 1,
        }
    }
}

/// Which kind of text was scanned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PayloadKind {
    Mpm,
    /// CPM as base64 (what the QR carries).
    CpmBase64,
    /// CPM as hex, as some scanners and test suites print it.
    CpmHex,
    PaymentCode,
}

/// Tells MPM from CPM from a payment code by the first characters.
///
/// MPM starts with tag 00 (`"00"`); CPM base64 starts with `"hQVDUFY"` (85 05 "CPV0", CPM
/// §5.1.1) and CPM hex with `"850543505630"`; bare digits are a payment code. Anything else that
/// is not digits is tried as CPM base64 so the checks can say what is wrong.
pub fn detect(payload: &str) -> PayloadKind {
    let digits = !payload.is_empty() && payload.bytes().all(|b| b.is_ascii_digit());
    let hex_cpm = payload
        .get(..12)
        .is_some_and(|p| p.eq_ignore_ascii_case("850543505630"))
        && payload.bytes().all(|b| b.is_ascii_hexdigit());
    if hex_cpm {
        PayloadKind::CpmHex
    } else if payload.starts_with("00") {
        PayloadKind::Mpm
    } else if digits {
        PayloadKind::PaymentCode
    } else {
        PayloadKind::CpmBase64
    }
}

/// `qr decode`: exit 0 when structure (and CRC for MPM) are sound, even with violations.
pub fn decode(payload: &str) -> QrOutcome {
    run(payload, false)
}

/// `qr verify`: like decode, but any violation exits 1.
pub fn verify(payload: &str) -> QrOutcome {
    run(payload, true)
}

fn run(payload: &str, strict: bool) -> QrOutcome {
    // A keyboard-wedge scanner ends the scan with a newline; nothing valid ends in whitespace.
    let payload = payload.trim_end_matches(['\r', '\n']);
    match detect(payload) {
        PayloadKind::Mpm => match mpm::decode(payload) {
            Ok(m) => {
                let v = verify::verify(&m);
                finish(mpm_json(&m, &v), first_violation(&v), strict)
            }
            Err(e) => QrOutcome::fail(format!("not a valid EMV MPM payload: {e}")),
        },
        kind @ (PayloadKind::CpmBase64 | PayloadKind::CpmHex) => {
            let decoded = if kind == PayloadKind::CpmHex {
                cpm::decode_hex(payload)
            } else {
                cpm::decode_base64(payload)
            };
            match decoded {
                Ok(c) => {
                    let v = cpm::check(&c);
                    let reason = v.first().map(|x| format!("CPM violation: {x}"));
                    finish(cpm_json(&c, kind, &v), reason, strict)
                }
                Err(e) if kind == PayloadKind::CpmBase64 && !payload.starts_with("hQVDUFY") => {
                    QrOutcome::fail(format!(
                        "unrecognised payload: not EMV MPM (starts with 00), CPM (base64 starting hQVDUFY) or a payment code (digits) ({e})"
                    ))
                }
                Err(e) => QrOutcome::fail(format!("not a valid EMV CPM payload: {e}")),
            }
        }
        PayloadKind::PaymentCode => match payment_code::classify(payload) {
            Ok(family) => {
                let refusal = family.cross_border().err().map(|e| e.to_string());
                let body = json!({
                    "mode": "payment_code",
                    "code": payload,
                    "digits": payload.len(),
                    "family": family.code(),
                    "family_name": family.to_string(),
                    "alipay_family": family.is_alipay_family(),
                    "accepted_cross_border": refusal.is_none(),
                    "reason": refusal,
                });
                finish(body, refusal, strict)
            }
            Err(e) => QrOutcome::fail(format!("not a payment code: {e}")),
        },
    }
}

fn first_violation(v: &[Violation]) -> Option<String> {
    let first = v.first()?;
    let more = if v.len() > 1 {
        format!(" (and {} more)", v.len() - 1)
    } else {
        String::new()
    };
    Some(format!("EMV violation: {first}{more}"))
}

fn finish(body: Json, reason: Option<String>, strict: bool) -> QrOutcome {
    let stdout = pretty(&body);
    match reason {
        Some(r) if strict => QrOutcome {
            stdout,
            stderr: Some(r),
            exit_code: 1,
        },
        _ => QrOutcome::ok(stdout),
    }
}

fn pretty(body: &Json) -> String {
    let mut s = serde_json::to_string_pretty(body).unwrap_or_else(|_| "{}".into());
    s.push('\n');
    s
}

/// The MPM JSON: raw `tags` (root id → value, templates → sub-id → value), named fields,
/// `crc` and `violations`.
pub fn mpm_json(m: &Mpm, violations: &[Violation]) -> Json {
    let mut tags = Map::new();
    for o in &m.objects {
        let key = format!("{:02}", o.id);
        if tags.contains_key(&key) {
            continue; // duplicates are listed as violations
        }
        let value = match &o.value {
            Value::Text(t) => Json::String(t.clone()),
            Value::Template(subs) => {
                let mut inner = Map::new();
                for s in subs {
                    inner
                        .entry(format!("{:02}", s.id))
                        .or_insert_with(|| Json::String(s.value.clone()));
                }
                Json::Object(inner)
            }
        };
        tags.insert(key, value);
    }
    let currency = m.text(53).map(|numeric| {
        json!({
            "numeric": numeric,
            "alphabetic": verify::currency_of(m).map(|c| c.code()),
        })
    });
    json!({
        "mode": "mpm",
        "tags": tags,
        "payload_format": m.text(0),
        "point_of_initiation": m.text(1),
        "mcc": m.text(52),
        "currency": currency,
        "amount": m.text(54),
        "tip_indicator": m.text(55),
        "convenience_fee_fixed": m.text(56),
        "convenience_fee_percentage": m.text(57),
        "country": m.text(58),
        "merchant_name": m.text(59),
        "merchant_city": m.text(60),
        "postal_code": m.text(61),
        "bill_number": m.sub(62, 1),
        "terminal_label": m.sub(62, 7),
        "language_preference": m.sub(64, 0),
        "merchant_name_alternate": m.sub(64, 1),
        "merchant_city_alternate": m.sub(64, 2),
        "crc": m.crc(),
        "violations": violations.iter().map(|v| json!({
            "tag": v.tag,
            "rule": v.rule.code(),
            "message": v.rule.to_string(),
        })).collect::<Vec<_>>(),
    })
}

/// The CPM JSON: the BER-TLV tree (tag, len, hex value or children) and the check results.
pub fn cpm_json(c: &Cpm, kind: PayloadKind, violations: &[CpmViolation]) -> Json {
    fn node(t: &BerTlv) -> Json {
        match &t.value {
            BerValue::Primitive(b) => json!({
                "tag": t.tag.to_string(),
                "len": b.len(),
                "value": cpm::hex(b),
            }),
            BerValue::Constructed(children) => json!({
                "tag": t.tag.to_string(),
                "len": t.len(),
                "children": children.iter().map(node).collect::<Vec<_>>(),
            }),
        }
    }
    let text = |tag: &[u8]| {
        c.find(tag)
            .and_then(BerTlv::bytes)
            .map(|b| String::from_utf8_lossy(b).into_owned())
    };
    let hex_of = |tag: &[u8]| c.find(tag).and_then(BerTlv::bytes).map(cpm::hex);
    json!({
        "mode": "cpm",
        "encoding": if kind == PayloadKind::CpmHex { "hex" } else { "base64" },
        "tree": c.objects.iter().map(node).collect::<Vec<_>>(),
        "payload_format": text(&[0x85]),
        "aid": hex_of(&[0x4F]),
        "application_label": text(&[0x50]),
        "track2": hex_of(&[0x57]),
        "pan": hex_of(&[0x5A]),
        "cardholder_name": text(&[0x5F, 0x20]),
        "violations": violations.iter().map(|v| json!({
            "tag": v.tag,
            "rule": v.rule.code(),
            "message": v.rule.to_string(),
        })).collect::<Vec<_>>(),
    })
}

/// `qr encode`: a dynamic MPM payload for the configured merchant, on one line.
pub fn encode(
    amount: &str,
    currency: Option<&str>,
    bill: Option<&str>,
    merchant: &MerchantQrInfo,
) -> QrOutcome {
    let currency = match currency {
        Some(code) => match currency_from_code(code) {
            Ok(c) => c,
            Err(e) => return QrOutcome::fail(e.to_string()),
        },
        None => merchant.default_currency,
    };
    let amount = match Money::parse(amount, currency) {
        Ok(a) => a,
        Err(e) => return QrOutcome::fail(e.to_string()),
    };
    let qr = DynamicQr::new(merchant, amount, bill.unwrap_or_default(), None);
    let violations = qr.check();
    if let Some(reason) = first_violation(&violations) {
        return QrOutcome::fail(reason);
    }
    QrOutcome::ok(format!("{}\n", qr.payload()))
}

/// `qr show`: draws any payload as a QR code with half blocks, forced black on white.
pub fn show(payload: &str) -> QrOutcome {
    let payload = payload.trim_end_matches(['\r', '\n']);
    let symbol = QrSymbol::new(payload, EcLevel::M).or_else(|_| QrSymbol::new(payload, EcLevel::L));
    match symbol {
        Ok(s) => {
            // ANSI black on bright white so the code scans on dark themes too.
            let mut out = String::new();
            for line in s.half_block_lines() {
                out.push_str("\x1b[30;107m");
                out.push_str(&line);
                out.push_str("\x1b[0m\n");
            }
            QrOutcome::ok(out)
        }
        Err(e) => QrOutcome::fail(e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ANNEX_B: &str = "00020101021229300012D156000000000510A93FO3230Q31280012D15600000001030812345678520441115802CN5914BEST TRANSPORT6007BEIJING64200002ZH0104最佳运输0202北京540523.7253031565502016233030412340603***0708A60086670902ME91320016A0112233449988770708123456786304A13A";

    fn json_of(o: &QrOutcome) -> Json {
        serde_json::from_str(&o.stdout).unwrap_or(Json::Null)
    }

    fn merchant() -> MerchantQrInfo {
        MerchantQrInfo::demo()
    }

    #[test]
    fn detection_never_splits_a_multi_byte_character() {
        assert_eq!(detect("85054350563最"), PayloadKind::CpmBase64);
        assert_eq!(decode("85054350563最").exit_code, 1);
    }

    #[test]
    fn detects_mpm_cpm_and_payment_codes() {
        assert_eq!(detect(ANNEX_B), PayloadKind::Mpm);
        assert_eq!(detect("hQVDUFYwMQ=="), PayloadKind::CpmBase64);
        assert_eq!(detect("85054350563031"), PayloadKind::CpmHex);
        assert_eq!(detect("289431869362714645"), PayloadKind::PaymentCode);
    }

    #[test]
    fn decode_prints_tags_named_fields_crc_and_violations() {
        let o = decode(ANNEX_B);
        assert_eq!(o.exit_code, 0);
        assert_eq!(o.stderr, None);
        let j = json_of(&o);
        assert_eq!(j["mode"], "mpm");
        assert_eq!(j["tags"]["59"], "BEST TRANSPORT");
        assert_eq!(j["tags"]["29"]["00"], "D15600000000");
        assert_eq!(j["tags"]["64"]["01"], "最佳运输");
        assert_eq!(j["amount"], "23.72");
        assert_eq!(j["currency"]["numeric"], "156");
        assert_eq!(j["currency"]["alphabetic"], "CNY");
        assert_eq!(j["country"], "CN");
        assert_eq!(j["merchant_name"], "BEST TRANSPORT");
        assert_eq!(j["merchant_city"], "BEIJING");
        assert_eq!(j["mcc"], "4111");
        assert_eq!(j["point_of_initiation"], "12");
        assert_eq!(j["terminal_label"], "A6008667");
        assert_eq!(j["merchant_name_alternate"], "最佳运输");
        assert_eq!(j["crc"], "A13A");
        assert_eq!(j["violations"], json!([]));
    }

    #[test]
    fn decode_exits_0_with_violations_but_verify_exits_1() {
        // Zero amount with a correct CRC.
        let Ok(p) = mpm::encode(&[
            mpm::DataObject::text(0, "01"),
            mpm::DataObject::template(26, vec![mpm::SubObject::new(0, "com.x")]),
            mpm::DataObject::text(52, "5814"),
            mpm::DataObject::text(53, "840"),
            mpm::DataObject::text(54, "0"),
            mpm::DataObject::text(58, "US"),
            mpm::DataObject::text(59, "A"),
            mpm::DataObject::text(60, "B"),
        ]) else {
            panic!("encodes")
        };
        let d = decode(&p);
        assert_eq!(d.exit_code, 0);
        assert_eq!(json_of(&d)["violations"][0]["rule"], "amount_zero");
        let v = verify(&p);
        assert_eq!(v.exit_code, 1);
        assert_eq!(
            v.stderr.as_deref(),
            Some("EMV violation: tag 54: amount must not be zero")
        );
    }

    #[test]
    fn crc_mismatch_exits_1_naming_the_crc() {
        let o = decode(&ANNEX_B.replace("BEST", "BEZT"));
        assert_eq!(o.exit_code, 1);
        assert!(o.stdout.is_empty());
        let reason = o.stderr.unwrap_or_default();
        assert!(reason.contains("CRC mismatch"), "{reason}");
        assert!(!reason.contains('\n'));
    }

    #[test]
    fn broken_structure_exits_1_naming_the_offset() {
        let o = decode("00020101021230190015");
        assert_eq!(o.exit_code, 1);
        assert!(o.stderr.unwrap_or_default().contains("offset 12"));
    }

    #[test]
    fn trailing_newline_from_a_scanner_is_ignored() {
        assert_eq!(decode(&format!("{ANNEX_B}\n")).exit_code, 0);
    }

    #[test]
    fn cpm_decode_prints_the_ber_tree() {
        let o = decode("hQVDUFYwMWEaTwegAAAAVVVVVw8SNFZ4kBI0WNGRIgESNF8=");
        assert_eq!(o.exit_code, 0);
        let j = json_of(&o);
        assert_eq!(j["mode"], "cpm");
        assert_eq!(j["tree"][1]["tag"], "61");
        assert_eq!(j["tree"][1]["children"][0]["value"], "A0000000555555");
        assert_eq!(j["aid"], "A0000000555555");
        assert_eq!(
            verify("hQVDUFYwMWEaTwegAAAAVVVVVw8SNFZ4kBI0WNGRIgESNF8=").exit_code,
            0
        );
    }

    #[test]
    fn cpm_without_application_template_fails_verify_only() {
        assert_eq!(decode("hQVDUFYwMQ==").exit_code, 0);
        let v = verify("hQVDUFYwMQ==");
        assert_eq!(v.exit_code, 1);
        assert!(v.stderr.unwrap_or_default().contains("61"));
    }

    #[test]
    fn cpm_with_overrunning_length_cannot_decode() {
        let o = decode("hQVDUFYwMWGBk08HoAAABgIgIFAHUVJJU0NQTQ==");
        assert_eq!(o.exit_code, 1);
        assert!(o.stderr.unwrap_or_default().contains("byte 7"));
    }

    #[test]
    fn unrecognised_text_says_what_was_expected() {
        let o = decode("hello world");
        assert_eq!(o.exit_code, 1);
        assert!(
            o.stderr
                .unwrap_or_default()
                .starts_with("unrecognised payload")
        );
    }

    #[test]
    fn payment_code_decode_names_the_family() {
        let j = json_of(&decode("289431869362714645"));
        assert_eq!(j["mode"], "payment_code");
        assert_eq!(j["family"], "alipay");
    }

    #[test]
    fn wechat_hk_code_decodes_but_fails_verify_with_reason() {
        let d = decode("154567890123456789");
        assert_eq!(d.exit_code, 0);
        assert_eq!(json_of(&d)["accepted_cross_border"], false);
        let v = verify("154567890123456789");
        assert_eq!(v.exit_code, 1);
        assert_eq!(
            v.stderr.as_deref(),
            Some("WeChat Pay HK codes are not accepted cross-border")
        );
    }

    #[test]
    fn ean13_is_rejected_with_its_reason() {
        let o = decode("4006381333931");
        assert_eq!(o.exit_code, 1);
        assert!(o.stderr.unwrap_or_default().contains("EAN-13"));
    }

    #[test]
    fn encode_prints_a_payload_that_verifies() {
        let o = encode("12.34", Some("usd"), Some("REF-9"), &merchant());
        assert_eq!(o.exit_code, 0, "{:?}", o.stderr);
        let payload = o.stdout.trim_end();
        let v = verify(payload);
        assert_eq!(v.exit_code, 0, "{:?}", v.stderr);
        let j = json_of(&v);
        assert_eq!(j["currency"]["alphabetic"], "USD");
        assert_eq!(j["amount"], "12.34");
        assert_eq!(j["bill_number"], "REF-9");
        assert_eq!(j["point_of_initiation"], "12");
    }

    #[test]
    fn encode_uses_the_default_currency_and_refuses_bad_amounts() {
        let j = json_of(&decode(
            encode("5", None, None, &merchant()).stdout.trim_end(),
        ));
        assert_eq!(j["currency"]["alphabetic"], "SGD");
        assert_eq!(j["amount"], "5.00");
        assert_eq!(
            encode("12.345", Some("USD"), None, &merchant()).exit_code,
            1
        );
        assert_eq!(encode("0", Some("USD"), None, &merchant()).exit_code, 1);
        assert_eq!(encode("12", Some("XYZ"), None, &merchant()).exit_code, 1);
        let krw = encode("1200", Some("KRW"), None, &merchant());
        assert!(krw.stdout.contains("54041200"), "{}", krw.stdout);
    }

    #[test]
    fn show_draws_half_blocks_in_forced_colours() {
        let o = show("HELLO");
        assert_eq!(o.exit_code, 0);
        let lines: Vec<_> = o.stdout.lines().collect();
        assert_eq!(lines.len(), 15);
        assert!(
            lines
                .iter()
                .all(|l| l.starts_with("\x1b[30;107m") && l.ends_with("\x1b[0m"))
        );
        assert!(o.stdout.contains('█'));
    }
}
