//! CRC-16/CCITT-FALSE as EMVCo MPM §4.7.3 defines it (ISO/IEC 13239, poly 0x1021, init 0xFFFF).
//!
//! The `crc` crate calls this algorithm CRC-16/IBM-3740; CCITT-FALSE is its older alias.

use crc::{CRC_16_IBM_3740, Crc};

const CCITT_FALSE: Crc<u16> = Crc::<u16>::new(&CRC_16_IBM_3740);

/// The CRC of `data` (the UTF-8 bytes of the payload up to and including `"6304"`).
pub fn checksum(data: &[u8]) -> u16 {
    CCITT_FALSE.checksum(data)
}

/// The four upper-case hex digits the payload carries in tag 63 (`6304007B`, zero-padded).
pub fn to_hex(crc: u16) -> String {
    format!("{crc:04X}")
}

/// The CRC value a payload prefix (ending in `"6304"`) must carry.
pub fn for_prefix(prefix: &str) -> String {
    to_hex(checksum(prefix.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ccitt_false_check_value_is_29b1() {
        assert_eq!(checksum(b"123456789"), 0x29B1);
    }

    #[test]
    fn hex_is_zero_padded_upper_case() {
        assert_eq!(to_hex(0x7B), "007B");
        assert_eq!(to_hex(0xa13a), "A13A");
    }

    #[test]
    fn emvco_annex_b_example_crc_is_a13a() {
        let prefix = "00020101021229300012D156000000000510A93FO3230Q31280012D15600000001030812345678520441115802CN5914BEST TRANSPORT6007BEIJING64200002ZH0104最佳运输0202北京540523.7253031565502016233030412340603***0708A60086670902ME91320016A0112233449988770708123456786304";
        assert_eq!(for_prefix(prefix), "A13A");
    }
}
