//! CPM decode (raw BER-TLV, base64 and hex) must never panic; checks run on every tree.
#![no_main]

use libfuzzer_sys::fuzz_target;
use qrtill::emv::cpm;

fuzz_target!(|data: &[u8]| {
    if let Ok(c) = cpm::decode_bytes(data) {
        let _ = cpm::check(&c);
    }
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(c) = cpm::decode_base64(text) {
            let _ = cpm::check(&c);
        }
        if let Ok(c) = cpm::decode_hex(text) {
            let _ = cpm::check(&c);
        }
    }
});
