//! Payment-code classification must never panic, and only ever accepts digit strings.
#![no_main]

use libfuzzer_sys::fuzz_target;
use qrtill::emv::payment_code;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(family) = payment_code::classify(text) {
        assert!(text.bytes().all(|b| b.is_ascii_digit()));
        assert!((16..=24).contains(&text.len()));
        let _ = family.cross_border();
    }
});
