//! MPM decode must never panic; whatever decodes re-encodes to the same text and verifies.
#![no_main]

use libfuzzer_sys::fuzz_target;
use qrtill::emv::{mpm, verify};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(m) = mpm::decode(text) {
        // Decoding is lossless: the walk consumed the text exactly.
        assert_eq!(m.to_payload(), text);
        let _ = verify::verify(&m);
    }
    // The CLI path (detection + JSON) must not panic either.
    let _ = qrtill::cli::qr::decode(text);
});
