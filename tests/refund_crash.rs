//! A counter stopped in the middle of a wallet refund, then restarted from its files: the
//! refund journaled before the request left is asked again with the same id at start-up, and
//! the journal and the network's ledger end with exactly one refund, which `reconcile` matches.
//! (The stop is made in-process at the two points that matter: after the journal write but
//! before the request left, and after the network refunded but before the answer was
//! journaled.)

use crate::wallet_support;

use qrtill::checkout::Action;
use qrtill::checkout::refund::Choice;
use qrtill::checkout::refund::desk::{self, RefundOrder};
use qrtill::checkout::sale::SaleTender;
use qrtill::config::Config;
use qrtill::journal::{BeginRefund, Journal, NewRefund, RefundKind, RefundState};
use qrtill::money::fx::FxTable;
use qrtill::network::{LedgerStore, MoveKind, RefundRequest};
use qrtill::runtime::PhoneAction;
use wallet_support::*;

/// Journals a whole refund of sale 1 as the desk does, optionally sends it, then "stops".
fn stop_during_refund(send: bool) -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().expect("tmp");
    let (jp, lp) = (
        dir.path().join("journal.sqlite"),
        dir.path().join("network.sqlite"),
    );
    let mut till = Till::on(runtime_on(
        Journal::open(&jp).expect("journal"),
        network_on(
            LedgerStore::open(&lp).expect("ledger"),
            FxTable::embedded().expect("fx"),
        ),
        qrtill::harness::DEMO_START,
    ));
    till.ring_up(&[FLAT_WHITE, LATTE]);
    till.key(Action::PayCode);
    till.phone("li-na", PhoneAction::PresentCode);
    till.wait_secs(3);
    let sale = till.sales().pop().expect("sale");
    let SaleTender::Wallet(w) = &sale.tender else {
        panic!("wallet sale")
    };
    let config = Config::default();
    let order = RefundOrder {
        lane_id: LANE.into(),
        sale_no: sale.sale_no,
        choice: Choice::Whole,
        reason: "Damaged".into(),
        kind: RefundKind::Refund,
        cash_instead: false,
    };
    let now = till.rt.now();
    let p = desk::prepare(till.rt.journal(), &config.tax, order, now, 0).expect("plan");
    let id = "RF03-1-1".to_string();
    let new = NewRefund {
        refund_request_id: id.clone(),
        lane_id: LANE.into(),
        sale_no: sale.sale_no,
        kind: RefundKind::Refund,
        reason: "Damaged".into(),
        tender: "wallet".into(),
        brand: Some(w.brand.clone()),
        amount: p.plan.amount,
        tax: p.plan.tax,
        wallet_amount: p.plan.wallet_amount,
        rate: p.plan.rate,
        lines: p.plan.lines.clone(),
        created_at: now,
    };
    let begun = till.rt.journal_mut().begin_refund(&new).expect("journaled");
    assert!(matches!(begun, BeginRefund::Started(_)));
    if send {
        let req = RefundRequest {
            refund_request_id: id.clone(),
            payment_request_id: w.payment_request_id.clone(),
            amount: p.plan.amount,
            reason: "Damaged".into(),
        };
        let reply = till.rt.network_mut().refund(req, now);
        assert!(reply.body.result.is_success(), "{:?}", reply.body.result);
    }
    drop(till); // the stop: nothing after this point reaches the journal
    (dir, id)
}

fn restart_and_check(dir: &tempfile::TempDir, id: &str) {
    let (jp, lp) = (
        dir.path().join("journal.sqlite"),
        dir.path().join("network.sqlite"),
    );
    let later = qrtill::harness::DEMO_START + std::time::Duration::from_secs(600);
    let mut rt = reopen(&jp, &lp, later);
    let open = rt.journal().open_refunds().expect("open");
    assert_eq!(open.len(), 1, "the refund was left open");
    let resumed = desk::resume_open(&mut rt, &Config::default().refund).expect("resume");
    assert_eq!(
        resumed,
        vec![(id.to_string(), "settled (refund)".to_string())]
    );
    let rec = rt.journal().refund(id).expect("read").expect("row");
    assert_eq!(rec.state, RefundState::Settled);
    assert_eq!(
        rt.journal().all_refunds().expect("all").len(),
        1,
        "one refund journaled"
    );
    let moves: Vec<_> = rt
        .network()
        .balance_moves()
        .into_iter()
        .filter(|m| m.kind == MoveKind::Refund)
        .collect();
    assert_eq!(moves.len(), 1, "one refund in the ledger: {moves:?}");
    assert_eq!(Some(moves[0].amount), rec.settled_wallet_amount);
    let r = qrtill::reconcile::reconcile(rt.journal(), rt.network().ledger()).expect("reconcile");
    assert!(r.balanced(), "{}", r.report());
    assert_eq!(r.refunds_matched, 1);
}

#[test]
fn stopped_after_the_journal_write_before_sending_refunds_once_at_restart() {
    let (dir, id) = stop_during_refund(false);
    restart_and_check(&dir, &id);
}

#[test]
fn stopped_after_the_network_refunded_before_the_answer_was_journaled_refunds_once() {
    let (dir, id) = stop_during_refund(true);
    restart_and_check(&dir, &id);
}
