//! Sample receipts for goldens, demos and benches: one per tender kind and slip language.
//! Amounts are fixed constants, so building them cannot fail on user input.

use super::model::{
    FundedBy, Lang, Promotion, Receipt, ReceiptLine, ReceiptStatus, ReceiptTime, ReportedRate,
    TaxLine, Tender, WalletTender,
};
use crate::clock::Timestamp;
use crate::money::{Currency, Money};
use rust_decimal::dec;

fn m(minor: i64, currency: Currency) -> Money {
    // Constants below are whole minor units of ISO currencies with an exponent.
    Money::from_minor(minor, currency).unwrap_or(Money::zero(currency))
}

fn usd(minor: i64) -> Money {
    m(minor, Currency::USD)
}

fn line(name: &str, qty: u32, unit: Money, total: Money) -> ReceiptLine {
    ReceiptLine {
        name: name.to_string(),
        qty,
        unit_price: unit,
        line_total: total,
    }
}

fn sf_tax(amount_minor: i64) -> TaxLine {
    TaxLine {
        label: "Sales tax".into(),
        rate_percent: dec!(8.625),
        amount: usd(amount_minor),
    }
}

/// A San Francisco store pricing in USD, 2026-11-21 14:32:05 local (UTC-8).
fn sf_store(sale_number: u64, lines: Vec<ReceiptLine>, tender: Tender, lang: Lang) -> Receipt {
    Receipt {
        store_name: "MOONLIGHT CAFE".into(),
        address_lines: vec!["12 Harbour Rd".into(), "San Francisco CA 94105".into()],
        store_id: "0007".into(),
        lane_id: "02".into(),
        terminal_id: "T03".into(),
        cashier: "01 Dana".into(),
        sale_number,
        time: ReceiptTime {
            at: Timestamp(1_795_300_325_000),
            utc_offset_minutes: -480,
        },
        lines,
        taxes: vec![],
        subtotal: usd(0),
        total: usd(0),
        tender,
        status: ReceiptStatus::Approved,
        sale_reference: format!("QRT-0007-03-{sale_number:06}"),
        lang,
    }
}

/// Cash: two flat whites and a croissant, USD 20.00 tendered.
pub fn cash_sale() -> Receipt {
    let mut r = sf_store(
        121,
        vec![
            line("Flat white", 2, usd(450), usd(900)),
            line("Almond croissant", 1, usd(375), usd(375)),
        ],
        Tender::Cash {
            tendered: usd(2000),
            change: usd(615),
        },
        Lang::En,
    );
    r.subtotal = usd(1275);
    r.taxes = vec![sf_tax(110)];
    r.total = usd(1385);
    r
}

/// Alipay with FX: priced in USD, debited in CNY at the wallet-reported rate.
pub fn alipay_fx_sale() -> Receipt {
    let total = usd(1494);
    let mut r = sf_store(
        122,
        vec![
            line(
                "Matcha latte 抹茶拿铁 (large, oat milk, extra shot)",
                1,
                usd(625),
                usd(625),
            ),
            line("Egg tart 蛋挞", 3, usd(250), usd(750)),
        ],
        Tender::Wallet(WalletTender {
            brand: "Alipay".into(),
            wallet_txn_id: "2026112122001400000012345678".into(),
            masked_account: "186****2156".into(),
            price_amount: total,
            wallet_amount: m(10735, Currency::CNY),
            rate: Some(ReportedRate {
                rate: dec!(7.1853),
                pair: "USD/CNY".into(),
            }),
            promotion: None,
            settlement_amount: total,
        }),
        Lang::ZhHans,
    );
    r.subtotal = usd(1375);
    r.taxes = vec![sf_tax(119)];
    r.total = total;
    r
}

/// WeChat Pay: USD price, CNY debit, a store-funded discount that reduces settlement.
pub fn wechat_sale() -> Receipt {
    let mut r = sf_store(
        123,
        vec![line("Bubble tea 珍珠奶茶", 2, usd(395), usd(790))],
        Tender::Wallet(WalletTender {
            brand: "WeChat Pay".into(),
            wallet_txn_id: "4200002026112112345678901234".into(),
            masked_account: "wx****8821".into(),
            price_amount: usd(858),
            wallet_amount: m(5442, Currency::CNY),
            rate: Some(ReportedRate {
                rate: dec!(7.1800),
                pair: "USD/CNY".into(),
            }),
            promotion: Some(Promotion {
                description: "Store coupon 满8减1".into(),
                amount: usd(100),
                funded_by: FundedBy::Merchant,
            }),
            settlement_amount: usd(758),
        }),
        Lang::ZhHans,
    );
    r.subtotal = usd(790);
    r.taxes = vec![sf_tax(68)];
    r.total = usd(858);
    r
}

/// Card tap: Visa contactless.
pub fn card_tap_sale() -> Receipt {
    let mut r = sf_store(
        124,
        vec![
            line("Sandwich", 1, usd(950), usd(950)),
            line("Sparkling water", 1, usd(225), usd(225)),
        ],
        Tender::CardTap {
            brand: "Visa".into(),
            masked_pan: "**** **** **** 4242".into(),
            aid: "A0000000031010".into(),
            auth_code: "123456".into(),
        },
        Lang::En,
    );
    r.subtotal = usd(1175);
    r.taxes = vec![sf_tax(101)];
    r.total = usd(1276);
    r
}

/// AlipayHK: Traditional Chinese slip.
pub fn alipay_hk_sale() -> Receipt {
    let total = usd(543);
    let mut r = sf_store(
        125,
        vec![line("Milk tea 港式奶茶", 1, usd(500), usd(500))],
        Tender::Wallet(WalletTender {
            brand: "AlipayHK".into(),
            wallet_txn_id: "2026112122001488000000000042".into(),
            masked_account: "852****7788".into(),
            price_amount: total,
            wallet_amount: m(4233, Currency::HKD),
            rate: Some(ReportedRate {
                rate: dec!(7.7952),
                pair: "USD/HKD".into(),
            }),
            promotion: None,
            settlement_amount: total,
        }),
        Lang::ZhHant,
    );
    r.subtotal = usd(500);
    r.taxes = vec![sf_tax(43)];
    r.total = total;
    r
}

/// Kakao Pay in a Seoul store pricing in KRW, with a wallet-funded promotion: the shopper pays
/// less, the merchant is settled in full.
pub fn kakao_pay_sale() -> Receipt {
    let krw = |v: i64| m(v, Currency::KRW);
    Receipt {
        store_name: "MOONLIGHT CAFE MYEONGDONG".into(),
        address_lines: vec!["서울 중구 명동길 14".into()],
        store_id: "0031".into(),
        lane_id: "01".into(),
        terminal_id: "T01".into(),
        cashier: "07 Min-jun".into(),
        sale_number: 4012,
        time: ReceiptTime {
            at: Timestamp(1_795_300_325_000),
            utc_offset_minutes: 540,
        },
        lines: vec![
            line("Americano 아메리카노", 2, krw(4500), krw(9000)),
            line("Croissant 크루아상", 1, krw(3800), krw(3800)),
        ],
        taxes: vec![TaxLine {
            label: "VAT".into(),
            rate_percent: dec!(10),
            amount: krw(1280),
        }],
        subtotal: krw(12800),
        total: krw(14080),
        tender: Tender::Wallet(WalletTender {
            brand: "Kakao Pay".into(),
            wallet_txn_id: "T7F3A9C2E1B0D4K5".into(),
            masked_account: "010-****-5678".into(),
            price_amount: krw(14080),
            wallet_amount: krw(13080),
            rate: None,
            promotion: Some(Promotion {
                description: "Alipay+ 1,000 won off".into(),
                amount: krw(1000),
                funded_by: FundedBy::Wallet,
            }),
            settlement_amount: krw(14080),
        }),
        status: ReceiptStatus::Approved,
        sale_reference: "QRT-0031-01-004012".into(),
        lang: Lang::Ko,
    }
}

/// An English slip with a Thai-named item (Thai iced tea), paid in cash: no CJK printer font has
/// Thai, so on a GB18030 printer its line is printed as a picture.
pub fn thai_item_sale() -> Receipt {
    let mut r = cash_sale();
    r.sale_number = 122;
    r.sale_reference = "QRT-0007-03-000122".into();
    r.lines = vec![
        line("Cha yen ชาเย็น", 1, usd(550), usd(550)),
        line("Croissant", 1, usd(425), usd(425)),
    ];
    r.subtotal = usd(975);
    r.taxes = vec![sf_tax(84)];
    r.total = usd(1059);
    r.tender = Tender::Cash {
        tendered: usd(2000),
        change: usd(941),
    };
    r
}

/// All samples with a stable file-name stem, for goldens.
pub fn all() -> Vec<(&'static str, Receipt)> {
    vec![
        ("cash", cash_sale()),
        ("alipay_fx", alipay_fx_sale()),
        ("kakao_pay_promo", kakao_pay_sale()),
        ("wechat_pay", wechat_sale()),
        ("card_tap", card_tap_sale()),
        ("alipay_hk", alipay_hk_sale()),
    ]
}
