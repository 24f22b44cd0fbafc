//! One test per rule: a conformant base payload, changed in one place.

use super::*;
use crate::emv::mpm::{self, DataObject, SubObject};

fn base() -> Vec<DataObject> {
    vec![
        DataObject::text(0, "01"),
        DataObject::text(1, "12"),
        DataObject::template(
            26,
            vec![SubObject::new(0, "com.qrtill"), SubObject::new(1, "M1")],
        ),
        DataObject::text(52, "5814"),
        DataObject::text(53, "840"),
        DataObject::text(54, "12.34"),
        DataObject::text(58, "US"),
        DataObject::text(59, "QRTILL CAFE"),
        DataObject::text(60, "NEW YORK"),
        DataObject::template(62, vec![SubObject::new(1, "INV-1")]),
    ]
}

/// Encodes objects, decodes them back and verifies (text payloads skip the encoder's checks).
fn violations_of(objs: &[DataObject]) -> Vec<Violation> {
    let mut body = String::new();
    for o in objs {
        crate::emv::tlv::write(&mut body, o.id, &o.raw_value());
    }
    body.push_str("6304");
    let crc = crate::emv::crc::for_prefix(&body);
    body.push_str(&crc);
    match mpm::decode(&body) {
        Ok(m) => verify(&m),
        Err(e) => panic!("test payload must decode: {e} ({body})"),
    }
}

fn with(id: u8, value: &str) -> Vec<Violation> {
    let mut objs = base();
    match objs.iter_mut().find(|o| o.id == id) {
        Some(o) => *o = DataObject::text(id, value),
        None => objs.push(DataObject::text(id, value)),
    }
    violations_of(&objs)
}

fn without(id: u8) -> Vec<Violation> {
    let objs: Vec<_> = base().into_iter().filter(|o| o.id != id).collect();
    violations_of(&objs)
}

fn has(v: &[Violation], tag: &str, rule: Rule) -> bool {
    v.iter().any(|x| x.tag == tag && x.rule == rule)
}

#[test]
fn conformant_payload_has_no_violations() {
    assert_eq!(violations_of(&base()), vec![]);
}

#[test]
fn payload_format_must_come_first() {
    let mut objs = base();
    objs.swap(0, 1);
    assert!(has(
        &violations_of(&objs),
        "00",
        Rule::PayloadFormatNotFirst
    ));
}

#[test]
fn payload_format_must_be_01() {
    assert!(has(
        &with(0, "02"),
        "00",
        Rule::NotAllowed { allowed: "01" }
    ));
}

#[test]
fn crc_must_come_last_when_built_by_hand() {
    let m = Mpm {
        objects: vec![
            DataObject::text(0, "01"),
            DataObject::text(63, "ABCD"),
            DataObject::text(59, "X"),
        ],
    };
    assert!(has(&verify(&m), "63", Rule::CrcNotLast));
}

#[test]
fn duplicate_root_tag_is_reported_once() {
    let mut objs = base();
    objs.push(DataObject::text(53, "156"));
    let v = violations_of(&objs);
    assert_eq!(v.iter().filter(|x| x.rule == Rule::Duplicate).count(), 1);
    assert!(has(&v, "53", Rule::Duplicate));
}

#[test]
fn duplicate_sub_tag_inside_template_is_reported() {
    let mut objs = base();
    objs[9] = DataObject::template(62, vec![SubObject::new(1, "A"), SubObject::new(1, "B")]);
    assert!(has(&violations_of(&objs), "62/01", Rule::Duplicate));
}

#[test]
fn every_mandatory_tag_is_required() {
    for id in [52u8, 53, 58, 59, 60] {
        assert!(
            has(&without(id), &format!("{id:02}"), Rule::Missing),
            "tag {id}"
        );
    }
}

#[test]
fn at_least_one_merchant_account_is_required() {
    assert!(has(&without(26), "02-51", Rule::Missing));
}

#[test]
fn primitive_merchant_account_satisfies_the_requirement() {
    let mut objs: Vec<_> = base().into_iter().filter(|o| o.id != 26).collect();
    objs.push(DataObject::text(2, "4000123456789010"));
    assert_eq!(violations_of(&objs), vec![]);
}

#[test]
fn mcc_must_be_four_digits() {
    assert!(has(&with(52, "1A2B"), "52", Rule::NotNumeric));
    assert!(has(
        &with(52, "58141"),
        "52",
        Rule::WrongLength {
            expected: 4,
            found: 5
        }
    ));
}

#[test]
fn point_of_initiation_is_11_or_12() {
    assert!(has(
        &with(1, "13"),
        "01",
        Rule::NotAllowed { allowed: "11, 12" }
    ));
    assert!(has(
        &with(1, "123"),
        "01",
        Rule::WrongLength {
            expected: 2,
            found: 3
        }
    ));
}

#[test]
fn merchant_name_and_city_have_maximum_lengths() {
    assert!(has(
        &with(59, &"N".repeat(26)),
        "59",
        Rule::TooLong { max: 25, found: 26 }
    ));
    assert!(has(
        &with(60, &"C".repeat(16)),
        "60",
        Rule::TooLong { max: 15, found: 16 }
    ));
    assert!(has(
        &with(61, &"1".repeat(11)),
        "61",
        Rule::TooLong { max: 10, found: 11 }
    ));
}

#[test]
fn ans_fields_refuse_non_ascii() {
    assert!(has(&with(59, "CAFÉ"), "59", Rule::NotAlphanumericSpecial));
    let mut objs = base();
    objs[9] = DataObject::template(62, vec![SubObject::new(5, "1234👀")]);
    assert!(has(
        &violations_of(&objs),
        "62/05",
        Rule::NotAlphanumericSpecial
    ));
}

#[test]
fn language_template_allows_any_unicode_but_needs_language_and_name() {
    let mut objs = base();
    objs.push(DataObject::template(
        64,
        vec![SubObject::new(0, "ZH"), SubObject::new(1, "最佳运输")],
    ));
    assert_eq!(violations_of(&objs), vec![]);
    let mut objs = base();
    objs.push(DataObject::template(64, vec![SubObject::new(2, "北京")]));
    let v = violations_of(&objs);
    assert!(has(&v, "64/00", Rule::Missing));
    assert!(has(&v, "64/01", Rule::Missing));
    let mut objs = base();
    objs.push(DataObject::template(
        64,
        vec![SubObject::new(0, "Z1"), SubObject::new(1, "X")],
    ));
    assert!(has(&violations_of(&objs), "64/00", Rule::LanguageFormat));
}

#[test]
fn amount_accepts_spec_examples() {
    for ok in ["98.73", "98", "98.", "0.9", "5.0"] {
        assert_eq!(with(54, ok), vec![], "{ok}");
    }
}

#[test]
fn amount_refuses_comma_space_leading_dot_and_two_dots() {
    for bad in ["98,73", "3 705", ".50", "1.2.3", "-5"] {
        assert!(has(&with(54, bad), "54", Rule::AmountFormat), "{bad}");
    }
}

#[test]
fn amount_must_not_be_zero() {
    for zero in ["0", "0.00", "00."] {
        assert!(has(&with(54, zero), "54", Rule::AmountZero), "{zero}");
    }
}

#[test]
fn amount_decimals_follow_currency_minor_units() {
    assert!(has(
        &with(54, "12.345"),
        "54",
        Rule::TooManyDecimals {
            allowed: 2,
            found: 3
        }
    ));
    let mut objs = base();
    objs[4] = DataObject::text(53, "392"); // JPY, no decimals
    objs[5] = DataObject::text(54, "999.123");
    assert!(has(
        &violations_of(&objs),
        "54",
        Rule::TooManyDecimals {
            allowed: 0,
            found: 3
        }
    ));
    objs[4] = DataObject::text(53, "048"); // BHD, three decimals
    assert_eq!(violations_of(&objs), vec![]);
}

#[test]
fn amount_longer_than_13_is_refused() {
    assert!(has(
        &with(54, "12345678901.23"),
        "54",
        Rule::TooLong { max: 13, found: 14 }
    ));
}

#[test]
fn currency_must_be_a_known_iso_4217_numeric_code() {
    assert!(has(&with(53, "849"), "53", Rule::UnknownCurrency));
    assert!(has(&with(53, "84A"), "53", Rule::NotNumeric));
    assert!(has(&with(53, "959"), "53", Rule::NotTenderCurrency)); // XAU
}

#[test]
fn country_must_be_two_capital_letters() {
    assert!(has(
        &with(58, "KKH"),
        "58",
        Rule::WrongLength {
            expected: 2,
            found: 3
        }
    ));
    assert!(has(&with(58, "us"), "58", Rule::CountryFormat));
}

#[test]
fn tip_indicator_values_are_01_02_03() {
    assert!(has(
        &with(55, "04"),
        "55",
        Rule::NotAllowed {
            allowed: "01, 02, 03"
        }
    ));
    assert_eq!(with(55, "01"), vec![]);
}

#[test]
fn fixed_fee_needs_indicator_02_and_indicator_02_needs_fixed_fee() {
    assert!(has(
        &with(55, "02"),
        "55",
        Rule::FeeMissing { fee_tag: "56" }
    ));
    assert!(has(
        &with(56, "1.00"),
        "56",
        Rule::FeeWithoutIndicator { indicator: "02" }
    ));
    let mut objs = base();
    objs.push(DataObject::text(55, "02"));
    objs.push(DataObject::text(56, "1.00"));
    assert_eq!(violations_of(&objs), vec![]);
    objs[11] = DataObject::text(56, "0");
    assert!(has(&violations_of(&objs), "56", Rule::AmountZero));
}

#[test]
fn percentage_fee_needs_indicator_03_and_a_valid_range() {
    assert!(has(
        &with(55, "03"),
        "55",
        Rule::FeeMissing { fee_tag: "57" }
    ));
    assert!(has(
        &with(57, "5"),
        "57",
        Rule::FeeWithoutIndicator { indicator: "03" }
    ));
    let mut objs = base();
    objs.push(DataObject::text(55, "03"));
    for ok in ["00.01", "0.7", "10", "99.99"] {
        let mut o = objs.clone();
        o.push(DataObject::text(57, ok));
        assert_eq!(violations_of(&o), vec![], "{ok}");
    }
    for bad in ["100", "0", "00.00", "1.234", "5%"] {
        let mut o = objs.clone();
        o.push(DataObject::text(57, bad));
        assert!(
            has(&violations_of(&o), "57", Rule::PercentageRange),
            "{bad}"
        );
    }
}

#[test]
fn merchant_account_template_needs_a_guid() {
    let mut objs = base();
    objs[2] = DataObject::template(26, vec![SubObject::new(1, "M1")]);
    assert!(has(&violations_of(&objs), "26/00", Rule::MissingGuid));
}

#[test]
fn guid_is_at_most_32_characters() {
    let mut objs = base();
    objs[2] = DataObject::template(26, vec![SubObject::new(0, "g".repeat(33))]);
    assert!(has(
        &violations_of(&objs),
        "26/00",
        Rule::TooLong { max: 32, found: 33 }
    ));
}

#[test]
fn unreserved_template_needs_a_guid_and_a_tlv_shape() {
    let mut objs = base();
    objs.push(DataObject::template(80, vec![SubObject::new(1, "x")]));
    assert!(has(&violations_of(&objs), "80/00", Rule::MissingGuid));
    let mut objs = base();
    objs.push(DataObject::text(81, "signature-not-tlv"));
    assert!(has(&violations_of(&objs), "81", Rule::NotATemplate));
}

#[test]
fn payment_system_template_inside_62_needs_a_guid() {
    let mut objs = base();
    objs[9] = DataObject::template(62, vec![SubObject::new(50, "0104pldt")]);
    assert!(has(&violations_of(&objs), "62/50/00", Rule::MissingGuid));
    objs[9] = DataObject::template(
        62,
        vec![SubObject::new(50, "0020com.paymaya.billspay0104pldt")],
    );
    assert_eq!(violations_of(&objs), vec![]);
}

#[test]
fn empty_values_are_refused_at_root_and_in_templates() {
    assert!(has(&with(59, ""), "59", Rule::Empty));
    let mut objs = base();
    objs[9] = DataObject::template(62, vec![SubObject::new(1, ""), SubObject::new(3, "S")]);
    assert!(has(&violations_of(&objs), "62/01", Rule::Empty));
    let mut objs = base();
    objs[9] = DataObject::template(62, vec![]);
    assert!(has(&violations_of(&objs), "62", Rule::Empty));
}

#[test]
fn additional_data_labels_are_at_most_25() {
    let mut objs = base();
    objs[9] = DataObject::template(62, vec![SubObject::new(7, "T".repeat(26))]);
    assert!(has(
        &violations_of(&objs),
        "62/07",
        Rule::TooLong { max: 25, found: 26 }
    ));
}

#[test]
fn consumer_data_request_combines_a_m_e_once_each() {
    let mut objs = base();
    objs[9] = DataObject::template(62, vec![SubObject::new(9, "ME")]);
    assert_eq!(violations_of(&objs), vec![]);
    for bad in ["MM", "X", "AMEA"] {
        objs[9] = DataObject::template(62, vec![SubObject::new(9, bad)]);
        assert!(
            has(&violations_of(&objs), "62/09", Rule::ConsumerDataRequest),
            "{bad}"
        );
    }
}

#[test]
fn annex_b_example_is_conformant() {
    let p = "00020101021229300012D156000000000510A93FO3230Q31280012D15600000001030812345678520441115802CN5914BEST TRANSPORT6007BEIJING64200002ZH0104最佳运输0202北京540523.7253031565502016233030412340603***0708A60086670902ME91320016A0112233449988770708123456786304A13A";
    let Ok(m) = mpm::decode(p) else {
        panic!("decodes")
    };
    assert_eq!(verify(&m), vec![]);
}

#[test]
fn rule_codes_and_messages_name_the_rule() {
    let v = Violation {
        tag: "54".into(),
        rule: Rule::AmountZero,
    };
    assert_eq!(v.rule.code(), "amount_zero");
    assert_eq!(v.to_string(), "tag 54: amount must not be zero");
}
