//! EMV QR hot paths: building the counter's code (payload + QR matrix) and reading one back.

use criterion::{Criterion, criterion_group, criterion_main};
use qrtill::emv::symbol::{EcLevel, QrSymbol};
use qrtill::emv::{DynamicQr, MerchantQrInfo, mpm, verify};
use qrtill::money::{Currency, Decimal, Money};
use std::hint::black_box;

fn typical() -> DynamicQr {
    let info = MerchantQrInfo::demo();
    let amount =
        Money::new(Decimal::new(1234, 2), Currency::SGD).unwrap_or(Money::zero(Currency::SGD));
    DynamicQr::new(&info, amount, "S0042-1", Some("T1".into()))
}

fn bench(c: &mut Criterion) {
    let qr = typical();
    let payload = qr.payload();
    c.bench_function("emv/encode_payload", |b| {
        b.iter(|| black_box(&qr).payload())
    });
    c.bench_function("emv/encode_payload+qr_matrix_M", |b| {
        b.iter(|| QrSymbol::new(&black_box(&qr).payload(), EcLevel::M).map(|s| s.width()))
    });
    c.bench_function("emv/decode+verify", |b| {
        b.iter(|| mpm::decode(black_box(&payload)).map(|m| verify::verify(&m).len()))
    });
    let annex_b = "00020101021229300012D156000000000510A93FO3230Q31280012D15600000001030812345678520441115802CN5914BEST TRANSPORT6007BEIJING64200002ZH0104最佳运输0202北京540523.7253031565502016233030412340603***0708A60086670902ME91320016A0112233449988770708123456786304A13A";
    c.bench_function("emv/decode+verify_annex_b_utf8", |b| {
        b.iter(|| mpm::decode(black_box(annex_b)).map(|m| verify::verify(&m).len()))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
