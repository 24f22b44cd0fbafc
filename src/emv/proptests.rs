//! Property tests: encode/decode identity, single-character tamper detection, no panics.

use super::mpm::{self, DataObject, Shape, SubObject, Value, shape};
use super::{cpm, payment_code, verify};
use proptest::prelude::*;

/// Values mixing ASCII with multi-byte characters, so LEN-in-code-points is exercised.
fn value(max: usize) -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop_oneof![
            8 => proptest::char::range(' ', '~'),
            1 => proptest::sample::select(vec!['最', '佳', 'é', 'Í', '👀', 'ស']),
        ],
        1..=max,
    )
    .prop_map(|v| v.into_iter().collect())
}

fn object() -> impl Strategy<Value = DataObject> {
    (0u8..=99)
        .prop_filter("CRC is added by the encoder", |id| *id != mpm::CRC_ID)
        .prop_flat_map(|id| match shape(id) {
            Shape::Primitive => value(40).prop_map(move |v| DataObject::text(id, v)).boxed(),
            Shape::Template | Shape::MaybeTemplate => {
                proptest::collection::vec((0u8..=99, value(20)), 1..=4)
                    .prop_map(move |subs| {
                        DataObject::template(
                            id,
                            subs.into_iter()
                                .map(|(i, v)| SubObject::new(i, v))
                                .collect(),
                        )
                    })
                    .boxed()
            }
        })
}

fn objects() -> impl Strategy<Value = Vec<DataObject>> {
    proptest::collection::vec(object(), 1..=12)
}

proptest! {
    #[test]
    fn encode_then_decode_is_the_identity(objs in objects()) {
        let payload = mpm::encode(&objs);
        prop_assert!(payload.is_ok(), "{:?}", payload);
        let payload = payload.unwrap_or_default();
        let decoded = mpm::decode(&payload);
        prop_assert!(decoded.is_ok(), "{payload}: {decoded:?}");
        let decoded = decoded.map(|m| m.objects).unwrap_or_default();
        let (crc, body) = decoded.split_last().map(|(c, b)| (c.clone(), b.to_vec())).unwrap_or((DataObject::text(0, ""), vec![]));
        prop_assert_eq!(body, objs);
        prop_assert_eq!(crc.id, mpm::CRC_ID);
        prop_assert!(matches!(crc.value, Value::Text(ref t) if t.len() == 4));
    }

    #[test]
    fn changing_any_single_character_is_caught(
        objs in objects(),
        pick in any::<proptest::sample::Index>(),
        replacement in proptest::char::range(' ', '~'),
    ) {
        let payload = mpm::encode(&objs).unwrap_or_default();
        let chars: Vec<char> = payload.chars().collect();
        let i = pick.index(chars.len());
        let in_crc = i >= chars.len() - 4;
        // A case change of a CRC hex digit is the same CRC (decode compares case-insensitively).
        prop_assume!(chars[i] != replacement
            && !(in_crc && chars[i].eq_ignore_ascii_case(&replacement)));
        let mut tampered = chars.clone();
        tampered[i] = replacement;
        let tampered: String = tampered.into_iter().collect();
        prop_assert!(mpm::decode(&tampered).is_err(), "{payload} -> {tampered} still decodes");
    }

    #[test]
    fn decoding_arbitrary_text_never_panics(text in "\\PC{0,120}") {
        if let Ok(m) = mpm::decode(&text) {
            prop_assert_eq!(m.to_payload(), text.clone());
            let _ = verify::verify(&m);
        }
        let _ = payment_code::classify(&text);
        let _ = cpm::decode_base64(&text);
    }

    #[test]
    fn decoding_arbitrary_ber_bytes_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
        if let Ok(c) = cpm::decode_bytes(&bytes) {
            let _ = cpm::check(&c);
        }
    }

    #[test]
    fn dynamic_codes_always_verify(
        minor in 1i64..100_000_000,
        code in proptest::sample::select(vec!["USD", "KRW", "JPY", "SGD", "KWD", "CNY", "HKD"]),
        bill in "[A-Z0-9-]{1,25}",
    ) {
        let currency = crate::money::currency_from_code(code);
        prop_assume!(currency.is_ok());
        let currency = currency.unwrap_or(crate::money::Currency::USD);
        let amount = crate::money::Money::from_minor(minor, currency);
        prop_assume!(amount.is_ok());
        let amount = amount.unwrap_or(crate::money::Money::zero(currency));
        let info = super::MerchantQrInfo {
            default_currency: currency,
            ..super::MerchantQrInfo::demo()
        };
        let qr = super::DynamicQr::new(&info, amount, bill, Some("T1".into()));
        prop_assert_eq!(qr.check(), vec![]);
    }
}
