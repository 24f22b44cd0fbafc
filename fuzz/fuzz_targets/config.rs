//! The config parser must never panic on any text; a refusal renders a message.
#![no_main]

use libfuzzer_sys::fuzz_target;
use qrtill::config::Config;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match Config::from_toml(text, Path::new("fuzz-config.toml")) {
        Ok(config) => {
            // A config that loads names a currency the money code knows.
            let _currency = config.currency();
        }
        Err(e) => assert!(!e.to_string().is_empty()),
    }
});
