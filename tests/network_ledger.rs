//! The network's own ledger: restart from the file keeps every order, code and balance, and
//! no sequence of calls charges a shopper twice for one request id.

use crate::network_support;

use network_support::*;
use proptest::prelude::*;
use qrtill::clock::Timestamp;
use qrtill::money::Currency;
use qrtill::network::*;
use std::path::Path;

fn reopen(path: &Path) -> Network {
    network_on(LedgerStore::open(path).expect("ledger file"))
}

fn snapshot(net: &Network) -> (Vec<LedgerPayment>, Vec<Option<qrtill::money::Money>>, usize) {
    let balances = net.shoppers().iter().map(|s| net.balance(&s.id)).collect();
    (net.ledger_payments(), balances, net.balance_moves().len())
}

#[test]
fn network_restart_from_ledger_keeps_state() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("network.sqlite");
    let mut net = reopen(&path);
    assert_eq!(
        pay_result_code(&pay_with_code(&mut net, "li-na", "A", usd(5000), T0)),
        ResultCode::Success
    );
    let used = net
        .issue_payment_code(&shopper("li-na"), secs(1))
        .expect("code");
    assert_eq!(
        pay_result_code(&net.pay(code_request("B", &used, usd(100)), secs(1))),
        ResultCode::Success
    );
    let waiting = pay_with_code(&mut net, "wang-fang", "C", usd(1000), secs(2));
    assert_eq!(pay_result_code(&waiting), ResultCode::PaymentInProcess);
    net.pay(order_request("D", "BILL-D", usd(700), secs(600)), secs(3));
    net.refund(refund_request("A-r", "A", usd(1000)), secs(4));
    net.set_offline(&shopper("maria-santos"), true, secs(5))
        .expect("offline");
    let unused = net
        .issue_payment_code(&shopper("somchai"), secs(6))
        .expect("code");
    let before = snapshot(&net);
    let wake = net.next_wakeup();
    drop(net); // the process dies here

    let mut net = reopen(&path);
    assert_eq!(
        snapshot(&net),
        before,
        "payments, balances and moves survive"
    );
    assert_eq!(
        net.next_wakeup(),
        wake,
        "the shopper's pending confirm survives"
    );
    assert!(net.is_offline(&shopper("maria-santos")));
    // Idempotency survives: the same request gets the same payment, no second charge.
    let again = net.pay(code_request("B", &used, usd(100)), secs(7)).body;
    assert_eq!(again.result.code, ResultCode::Success);
    let dup = net
        .refund(refund_request("A-r", "A", usd(1000)), secs(7))
        .body;
    assert!(dup.result.is_success());
    // Single use survives; an unused code is still good for its minute.
    assert_eq!(
        pay_result_code(&net.pay(code_request("E", &used, usd(100)), secs(8))),
        ResultCode::InvalidCode
    );
    assert_eq!(
        pay_result_code(&net.pay(code_request("F", &unused, usd(100)), secs(9))),
        ResultCode::Success
    );
    // The order code can still be scanned and paid.
    let screen = net
        .scan_order_code(&shopper("chen-jie"), "BILL-D", usd(700), secs(10))
        .expect("scan");
    assert!(matches!(screen, PhoneScreen::Confirm { .. }));
    let wake = wake.expect("pending");
    let notes = net.advance(wake);
    assert!(
        notes.iter().any(|n| n.body.payment_request_id == "C"
            && n.body.payment_result.code == ResultCode::Success)
    );
    assert_ledger_reconciles(&net);
    let after = snapshot(&net);
    drop(net);
    assert_eq!(snapshot(&reopen(&path)), after);
}

#[test]
fn network_restart_does_not_reapply_opening_balances() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("network.sqlite");
    let mut net = reopen(&path);
    net.set_balance(&shopper("maria-santos"), money("1.00", Currency::PHP), T0)
        .expect("set");
    drop(net);
    let net = reopen(&path);
    assert_eq!(
        net.balance(&shopper("maria-santos")),
        Some(money("1.00", Currency::PHP))
    );
    let openings = net
        .balance_moves()
        .iter()
        .filter(|m| m.kind == MoveKind::Opening)
        .count();
    assert_eq!(openings, net.shoppers().len());
}

fn pay_result_code(d: &Delivery<PayResponse>) -> ResultCode {
    d.body.result.code
}

#[derive(Debug, Clone)]
enum Op {
    Pay {
        id: u8,
        who: usize,
        cents: i64,
        fresh: bool,
    },
    OrderCode {
        id: u8,
        cents: i64,
    },
    Scan {
        id: u8,
        who: usize,
    },
    Query {
        id: u8,
    },
    Cancel {
        id: u8,
    },
    Refund {
        rid: u8,
        id: u8,
        cents: i64,
    },
    Confirm {
        who: usize,
    },
    Offline {
        who: usize,
        off: bool,
    },
    Wait {
        ms: i64,
    },
    Restart,
}

const WHO: [&str; 6] = [
    "li-na",
    "wang-fang",
    "chen-jie",
    "maria-santos",
    "zhang-wei",
    "chan-tai-man",
];

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (0u8..6, 0usize..6, 1i64..60_000, any::<bool>()).prop_map(|(id, who, cents, fresh)| Op::Pay { id, who, cents, fresh }),
        1 => (0u8..6, 1i64..20_000).prop_map(|(id, cents)| Op::OrderCode { id, cents }),
        1 => (0u8..6, 0usize..6).prop_map(|(id, who)| Op::Scan { id, who }),
        2 => (0u8..6).prop_map(|id| Op::Query { id }),
        2 => (0u8..6).prop_map(|id| Op::Cancel { id }),
        2 => (0u8..4, 0u8..6, 1i64..30_000).prop_map(|(rid, id, cents)| Op::Refund { rid, id, cents }),
        1 => (0usize..6).prop_map(|who| Op::Confirm { who }),
        1 => (0usize..6, any::<bool>()).prop_map(|(who, off)| Op::Offline { who, off }),
        2 => (0i64..40_000).prop_map(|ms| Op::Wait { ms }),
        1 => Just(Op::Restart),
    ]
}

/// Plays `ops`; after every step the ledger must reconcile, and a restart must change nothing.
fn play(ops: &[Op], path: Option<&Path>) -> Result<(), TestCaseError> {
    let open = || match path {
        Some(p) => reopen(p),
        None => network(),
    };
    let mut net = open();
    let mut now = T0;
    let mut codes: Vec<Option<String>> = vec![None; WHO.len()];
    let mut amounts: std::collections::HashMap<String, qrtill::money::Money> = Default::default();
    for op in ops {
        now = Timestamp(now.millis() + 500);
        match op {
            Op::Pay {
                id,
                who,
                cents,
                fresh,
            } => {
                if *fresh || codes[*who].is_none() {
                    codes[*who] = net.issue_payment_code(&shopper(WHO[*who]), now).ok();
                }
                let code = codes[*who].clone().unwrap_or_default();
                let id = format!("P{id}");
                let amount = usd(*cents);
                let d = net.pay(code_request(&id, &code, amount), now);
                if d.body.result.code == ResultCode::Success {
                    let row = net
                        .ledger_payments()
                        .into_iter()
                        .find(|r| r.payment_request_id == id);
                    prop_assert!(
                        row.is_some_and(|r| r.charged.is_some()),
                        "S reply means charged"
                    );
                }
                amounts.entry(id).or_insert(amount);
            }
            Op::OrderCode { id, cents } => {
                let id = format!("P{id}");
                let amount = usd(*cents);
                net.pay(
                    order_request(
                        &id,
                        &format!("BILL-{id}"),
                        amount,
                        Timestamp(now.millis() + 60_000),
                    ),
                    now,
                );
                amounts.entry(id).or_insert(amount);
            }
            Op::Scan { id, who } => {
                let id = format!("P{id}");
                if let Some(amount) = amounts.get(&id) {
                    let _ = net.scan_order_code(
                        &shopper(WHO[*who]),
                        &format!("BILL-{id}"),
                        *amount,
                        now,
                    );
                }
            }
            Op::Query { id } => {
                let q = net.query(&format!("P{id}"), now).body;
                prop_assert_eq!(
                    q.result.status == ResultStatus::Success,
                    q.payment_result.is_some()
                );
            }
            Op::Cancel { id } => {
                net.cancel(&format!("P{id}"), now);
            }
            Op::Refund { rid, id, cents } => {
                net.refund(
                    refund_request(&format!("R{rid}"), &format!("P{id}"), usd(*cents)),
                    now,
                );
            }
            Op::Confirm { who } => {
                let _ = net.enter_password(&shopper(WHO[*who]), now);
            }
            Op::Offline { who, off } => {
                net.set_offline(&shopper(WHO[*who]), *off, now)
                    .map_err(|e| TestCaseError::fail(e.to_string()))?;
            }
            Op::Wait { ms } => {
                now = Timestamp(now.millis() + ms);
                net.advance(now);
            }
            Op::Restart => {
                if path.is_some() {
                    let before = snapshot(&net);
                    drop(net);
                    net = open();
                    prop_assert_eq!(snapshot(&net), before);
                }
            }
        }
        assert_ledger_reconciles(&net);
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn network_no_double_charge_and_ledgers_reconcile(ops in prop::collection::vec(op(), 1..40)) {
        play(&ops, None)?;
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

    #[test]
    fn network_restarts_change_nothing(ops in prop::collection::vec(op(), 1..25)) {
        let dir = tempfile::tempdir().map_err(|e| TestCaseError::fail(e.to_string()))?;
        play(&ops, Some(&dir.path().join("network.sqlite")))?;
    }
}

/// Throughput of the network alone (not the counter): `cargo test --test suite network_ledger:: -- --ignored --nocapture`.
#[test]
#[ignore]
fn network_ten_thousand_sales_throughput() {
    for on_disk in [false, true] {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut net = if on_disk {
            reopen(&dir.path().join("network.sqlite"))
        } else {
            network()
        };
        let start = std::time::Instant::now();
        let mut now = T0;
        for i in 0..10_000 {
            now = Timestamp(now.millis() + 1_000);
            let who = ["li-na", "wang-fang", "somchai", "putri"][i % 4];
            net.set_balance(&shopper(who), net.balance(&shopper(who)).expect("b"), now)
                .expect("keep");
            let d = pay_with_code(&mut net, who, &format!("N{i}"), usd(1234), now);
            if d.body.result.status == ResultStatus::Unknown {
                let wake = net.next_wakeup().expect("confirm");
                net.advance(wake);
                now = wake;
            }
            net.query(&format!("N{i}"), now);
            if i % 4 == 1 {
                // keep wang-fang solvent
                net.set_balance(&shopper(who), money("3000.00", Currency::CNY), now)
                    .expect("top up");
            }
        }
        let secs = start.elapsed().as_secs_f64();
        println!(
            "network ({}) 10000 sales: {:.2} s, {:.0} sales/s",
            if on_disk {
                "ledger on disk, WAL, synchronous=FULL"
            } else {
                "in-memory ledger"
            },
            secs,
            10_000.0 / secs
        );
        assert_ledger_reconciles(&net);
    }
}

/// Every byte the ledger left on disk (the file and any WAL beside it).
fn ledger_bytes(path: &Path) -> Vec<u8> {
    let mut bytes = std::fs::read(path).expect("ledger file");
    let wal = path.with_extension("sqlite-wal");
    if wal.exists() {
        bytes.extend(std::fs::read(wal).expect("wal"));
    }
    bytes
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

#[test]
fn finished_history_stays_on_disk_and_old_ids_are_answered_from_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("network.sqlite");
    let mut net = reopen(&path);
    let a = pay_with_code(&mut net, "li-na", "A", usd(5000), T0).body;
    assert_eq!(a.result.code, ResultCode::Success);
    let b = pay_with_code(&mut net, "li-na", "B", usd(700), secs(1)).body;
    assert_eq!(b.result.code, ResultCode::Success);
    let refund = net
        .refund(refund_request("A-r", "A", usd(1000)), secs(2))
        .body;
    assert!(refund.result.is_success(), "{:?}", refund.result);
    let closed = net.cancel("X", secs(3)).body;
    assert_eq!(closed.action, Some(CancelAction::Close));
    let card = CardRequest {
        request_id: "K".into(),
        pan: TEST_CARDS[0].pan.into(),
        amount: usd(1250),
    };
    let auth = net.card_authorize(card.clone(), secs(4)).body;
    assert!(auth.approved, "{:?}", auth.result);
    // An order code nobody scans: open until it expires at 600 s.
    let waiting = net.pay(order_request("D", "BILL-D", usd(700), secs(600)), secs(5));
    assert_eq!(pay_result_code(&waiting), ResultCode::PaymentInProcess);
    let moves = net.balance_moves().len();
    drop(net);

    let mut net = reopen(&path);
    assert!(
        format!("{net:?}").contains("orders: 1, open: 1"),
        "only the open order is in memory after opening: {net:?}"
    );
    // A repeated pay of a finished id gets the same payment, from the ledger.
    let again = net
        .pay(
            PayRequest {
                payment_request_id: "A".into(),
                amount: usd(5000),
                // The code is not needed to match: a different code is an inconsistent repeat.
                method: PayMethod::PaymentCode { code: "999".into() },
            },
            secs(10),
        )
        .body;
    assert_eq!(again.result.code, ResultCode::RepeatReqInconsistent);
    let q = net.query("A", secs(10)).body;
    assert_eq!(
        q.payment_result.map(|r| r.code),
        Some(ResultCode::Success),
        "query of an old id"
    );
    assert_eq!(
        q.payment.map(|p| p.payment_id),
        a.payment.as_ref().map(|p| p.payment_id.clone())
    );
    // The tombstone still refuses a late pay of the cancelled id.
    let late = net
        .pay(order_request("X", "BILL-X", usd(100), secs(600)), secs(11))
        .body;
    assert_eq!(late.result.code, ResultCode::OrderIsClosed);
    // A repeated refund moves nothing; a repeated card tap gets the same authorization.
    let dup = net
        .refund(refund_request("A-r", "A", usd(1000)), secs(12))
        .body;
    assert!(dup.result.is_success());
    assert_eq!(
        dup.refund.map(|r| r.refund_id),
        refund.refund.map(|r| r.refund_id)
    );
    let auth_again = net.card_authorize(card, secs(13)).body;
    assert_eq!(auth_again.auth_code, auth.auth_code);
    assert_eq!(net.balance_moves().len(), moves, "no money moved again");
    // Cancel after success reverses the old payment (read from disk).
    let reversed = net.cancel("B", secs(14)).body;
    assert_eq!(reversed.action, Some(CancelAction::Refund));
    assert_eq!(net.balance_moves().len(), moves + 1, "one reversal");
    // The next call trims what those calls read back.
    net.advance(secs(15));
    assert!(
        format!("{net:?}").contains("orders: 1, open: 1"),
        "finished orders leave memory again: {net:?}"
    );
    assert_ledger_reconciles(&net);
}

#[test]
fn the_ledger_never_stores_a_payment_code() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("network.sqlite");
    let mut net = reopen(&path);
    let mut codes = Vec::new();
    for (i, who) in ["li-na", "wang-fang", "kim-minjun"].iter().enumerate() {
        let code = net
            .issue_payment_code(&shopper(who), secs(i as i64))
            .expect("code");
        net.pay(
            code_request(&format!("P{i}"), &code, usd(500)),
            secs(i as i64),
        );
        codes.push(code);
    }
    // One code never presented stays live, still not stored.
    codes.push(
        net.issue_payment_code(&shopper("li-na"), secs(9))
            .expect("code"),
    );
    let bytes = ledger_bytes(&path);
    drop(net);
    let after = ledger_bytes(&path);
    for code in &codes {
        assert!(!contains(&bytes, code), "code {code} is in the ledger");
        assert!(!contains(&after, code), "code {code} is in the ledger");
        let masked = format!("{}****", &code[..4]);
        assert!(
            contains(&after, &masked),
            "the masked form {masked}… is kept for display"
        );
    }
}

#[test]
fn a_v1_ledger_is_migrated_and_keeps_no_code() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("network.sqlite");
    let mut net = reopen(&path);
    let code = net.issue_payment_code(&shopper("li-na"), T0).expect("code");
    let paid = net.pay(code_request("A", &code, usd(500)), T0).body;
    assert_eq!(paid.result.code, ResultCode::Success);
    drop(net);
    // Rewrite the file the way schema v1 kept it: codes in clear, no bill column or indexes.
    let conn = rusqlite::Connection::open(&path).expect("open");
    conn.execute_batch(
        "DROP INDEX payments_stage; DROP INDEX payments_bill; DROP INDEX codes_live;
         ALTER TABLE payments DROP COLUMN bill_number;
         DELETE FROM meta WHERE key = 'codes_issued';
         UPDATE meta SET value = '1' WHERE key = 'schema_version';",
    )
    .expect("back to v1");
    conn.execute(
        "UPDATE payments SET state_json = json_set(state_json, '$.method',
           json_object('PaymentCode', json_object('code', ?1)))",
        [&code],
    )
    .expect("v1 order");
    conn.execute(
        "UPDATE codes SET code = ?1,
           state_json = json_set(json_remove(state_json, '$.digest', '$.masked'), '$.code', ?1)",
        [&code],
    )
    .expect("v1 code");
    drop(conn);
    assert!(
        contains(&ledger_bytes(&path), &code),
        "the v1 file holds the code"
    );

    let mut net = reopen(&path);
    let again = net.pay(code_request("A", &code, usd(500)), secs(1)).body;
    assert_eq!(again.result.code, ResultCode::Success, "the repeat matches");
    assert_eq!(
        again.payment.map(|p| p.payment_id),
        paid.payment.map(|p| p.payment_id)
    );
    let reuse = net.pay(code_request("B", &code, usd(500)), secs(2)).body;
    assert_eq!(
        reuse.result.code,
        ResultCode::InvalidCode,
        "still single use"
    );
    drop(net);
    assert!(
        !contains(&ledger_bytes(&path), &code),
        "the migrated file holds no code"
    );
}
