//! `qrtill simulate --sales N`: rings up N demo sales headless, on a virtual clock, into the
//! journal of the data directory. Trainers use it to fill a journal; the crash tests use it to
//! have a process to kill in the middle of committing sales.

use super::args::{Cli, SimulateArgs};
use super::{EXIT_BAD_INPUT, Outcome, Setup};
use crate::checkout::{Action, Screen};
use crate::harness;
use crate::journal::Journal;
use crate::runtime::ScreenPrinter;
use std::sync::Arc;
use std::time::Duration;

pub fn run(cli: &Cli, setup: &Setup, args: &SimulateArgs) -> Outcome {
    if let Err(o) = setup.ensure_data_dir() {
        return o;
    }
    let catalog = match super::counter::load_catalog(cli, setup) {
        Ok(c) => Arc::new(c),
        Err(o) => return o,
    };
    if catalog.is_empty() {
        return Outcome::fail(1, "qrtill: the catalogue is empty: nothing to sell");
    }
    let mut journal = match Journal::open(&setup.journal_path()) {
        Ok(j) => j,
        Err(e) => return Outcome::fail(1, format!("qrtill: {e}")),
    };
    // Times never go backwards; the counter's wall clock and `reconcile` start after these too.
    let start = super::virtual_start(&journal);
    // A headless run sells inside a shift, opening one when none is open.
    if let Err(o) = super::shift::ensure_open(&mut journal, setup, start) {
        return o;
    }
    let network = match super::counter::open_network(cli, setup) {
        Ok(n) => n,
        Err(o) => return o,
    };
    let mut rt = harness::assemble(
        &setup.config,
        catalog.clone(),
        journal,
        Box::new(ScreenPrinter::default()),
        network,
        crate::clock::ManualClock::new(start),
    );
    if args.mix {
        // A mixed run killed mid-sale may have left a phone offline; its next sale would turn it
        // back on, but recovery needs the wallets answering first.
        let offline: Vec<_> = rt
            .network()
            .shoppers()
            .iter()
            .map(|s| s.id.clone())
            .filter(|id| rt.network().is_offline(id))
            .collect();
        for shopper in offline {
            if let Err(why) = rt.phone(&shopper, crate::runtime::PhoneAction::ToggleOffline) {
                return Outcome::fail(1, format!("qrtill: phone {shopper} stays offline: {why}"));
            }
        }
    }
    rt.recover();
    let mut next = args.basket_seed;
    let mut committed = 0u64;
    if args.wallet {
        return wallet_sales(&mut rt, args, setup);
    }
    if args.mix {
        return mixed_sales(&mut rt, args, setup, &catalog);
    }
    for _ in 0..args.sales {
        // A small deterministic generator is enough to vary baskets (no statistics needed).
        for _ in 0..1 + (next % 3) {
            next = next
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            if let Some(item) = catalog.get((next >> 33) as usize % catalog.len()) {
                harness::scan(&mut rt, &item.barcode);
            }
        }
        rt.dispatch(Action::PayCash);
        rt.dispatch(Action::QuickTender(0));
        if matches!(rt.checkout.screen, Screen::Receipt { .. }) {
            committed += 1;
        } else {
            let why = rt
                .checkout
                .notice
                .as_ref()
                .map(|n| n.text.clone())
                .unwrap_or_default();
            return Outcome::fail(
                1,
                format!("qrtill: sale {} did not complete: {why}", committed + 1),
            );
        }
        rt.dispatch(Action::Enter);
        rt.clock().advance(Duration::from_secs(30));
    }
    Outcome::ok(format!(
        "{committed} sales committed to {}\n",
        setup.journal_path().display()
    ))
}

/// Payment-code sales by the shoppers whose wallets confirm on their own, in turn. A shopper
/// who runs low is topped up first, as a tester would.
fn wallet_sales(
    rt: &mut crate::runtime::Runtime<crate::clock::ManualClock>,
    args: &SimulateArgs,
    setup: &Setup,
) -> Outcome {
    let shoppers = harness::easy_shoppers(rt.network());
    if shoppers.is_empty() {
        return Outcome::fail(1, "qrtill: no shopper pays without help in the wallet book");
    }
    let mut committed = 0u64;
    let mut declined = 0u64;
    let baskets: [&[&str]; 3] = [
        &["2000000000138"],
        &["2000000000268", "2000000001692"],
        &["2000000001173", "2010000003770", "012345001079"],
    ];
    for i in 0..args.sales {
        let shopper = &shoppers[(i as usize) % shoppers.len()];
        harness::keep_funded(rt, shopper);
        let basket = baskets[((i + args.basket_seed) % 3) as usize];
        match harness::wallet_sale(rt, shopper, basket) {
            Ok(_) => committed += 1,
            Err(_) => declined += 1,
        }
        rt.clock().advance(std::time::Duration::from_secs(20));
    }
    Outcome::ok(format!(
        "{committed} wallet sales committed, {declined} declined, to {}\n",
        setup.journal_path().display()
    ))
}

/// `--mix`: each sale's flow, card and shopper behaviour come from a generator seeded by
/// `--basket-seed`. Recovery's deferred cancels (WeChat allows one only 15 s after the order)
/// run first, on the virtual clock, so a run of `--sales 0` leaves nothing open.
fn mixed_sales(
    rt: &mut crate::runtime::Runtime<crate::clock::ManualClock>,
    args: &SimulateArgs,
    setup: &Setup,
    catalog: &crate::catalog::Catalog,
) -> Outcome {
    use crate::harness::{MixedOutcome, MixedSale};
    use rand::{RngExt, SeedableRng};
    rt.advance(Duration::from_secs(60));
    if catalog.is_empty() && args.sales > 0 {
        return Outcome::fail(EXIT_BAD_INPUT, "qrtill: the catalogue has no items to sell");
    }
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(args.basket_seed);
    // Per flow: sales paid, sales not paid.
    let mut tally: Vec<(&str, u64, u64)> = Vec::new();
    for i in 0..args.sales {
        let sale = MixedSale::pick(rt.network(), &mut rng);
        let basket: Vec<String> = (0..rng.random_range(1..=3usize))
            .filter_map(|_| catalog.get(rng.random_range(0..catalog.len())))
            .map(|item| item.barcode.to_string())
            .collect();
        let barcodes: Vec<&str> = basket.iter().map(String::as_str).collect();
        let paid = match harness::mixed_sale(rt, &sale, &barcodes) {
            MixedOutcome::Paid(_) => true,
            MixedOutcome::NotPaid(_) => false,
            MixedOutcome::Stuck(why) => {
                return Outcome::fail(
                    1,
                    format!("qrtill: mixed sale {} ({sale:?}) got stuck: {why}", i + 1),
                );
            }
        };
        match tally.iter_mut().find(|t| t.0 == sale.flow()) {
            Some(t) if paid => t.1 += 1,
            Some(t) => t.2 += 1,
            None => tally.push((sale.flow(), paid as u64, !paid as u64)),
        }
        rt.clock().advance(Duration::from_secs(20));
    }
    let mut out = String::new();
    for (flow, paid, not_paid) in tally {
        out.push_str(&format!("{flow}: {paid} paid, {not_paid} not paid\n"));
    }
    out.push_str(&format!("to {}\n", setup.journal_path().display()));
    Outcome::ok(out)
}
