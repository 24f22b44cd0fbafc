//! EMVCo QR codes: merchant-presented (MPM) encode/decode/verify, consumer-presented (CPM)
//! BER-TLV decode and checks, wallet payment-code families, and the QR symbol.
//!
//! Pure: no terminal, no clock. *Decode* (structure and CRC) is kept apart from *verify*
//! (every rule of the standard) so that real payloads bending a rule still read.

pub mod cpm;
pub mod crc;
pub mod dynamic;
pub mod mpm;
pub mod payment_code;
pub mod static_code;
pub mod symbol;
pub mod tlv;
pub mod verify;

pub use dynamic::{DynamicQr, MerchantQrInfo};
pub use mpm::{DataObject, Mpm, MpmError, SubObject, Value};
pub use payment_code::{PaymentCodeError, WalletFamily};
pub use static_code::StaticQr;
pub use verify::{Rule, Violation};

#[cfg(test)]
mod proptests;
