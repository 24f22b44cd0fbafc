//! The central catalogue on a real, throwaway PostgreSQL cluster (tests/pg_support): a bad file
//! is refused with file:line and exit 2 and nothing is stored; an import is picked up by a lane
//! between sales only (an open basket keeps its prices, the next basket has the new ones); the
//! store reports which lane sells from which version; and a lane starts on its cached
//! catalogue with PostgreSQL stopped.

use crate::e2e_support;
use crate::pg_support;

use e2e_support::{Tmux, run_qrtill};
use pg_support::PgCluster;
use qrtill::checkout::{Action, Screen};
use qrtill::clock::ManualClock;
use qrtill::config::Config;
use qrtill::harness::{self, scan};
use qrtill::journal::Journal;
use qrtill::runtime::{Runtime, ScreenPrinter};
use qrtill::store::catalog_watch::{self, WatchSetup};
use qrtill::store::outbox::LaneId;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

const PATIENCE: Duration = Duration::from_secs(120);
const WATER: &str = "036000291452";
const COFFEE: &str = "012345678905";

fn lane_dir(root: &Path, url: &str) -> PathBuf {
    let dir = root.join("lane01");
    std::fs::create_dir_all(&dir).expect("lane dir");
    std::fs::write(
        dir.join("config.toml"),
        format!("[store]\nlane_id = \"01\"\nurl = \"{url}\"\n"),
    )
    .expect("config written");
    dir
}

fn out(o: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn ok(o: &std::process::Output) -> String {
    assert!(o.status.success(), "qrtill failed: {}", out(o));
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn catalogue(root: &Path, name: &str, water_price: &str) -> PathBuf {
    let path = root.join(name);
    std::fs::write(
        &path,
        format!(
            "barcode,name,price,tax\n{WATER},Spring water 500ml,{water_price},food\n{COFFEE},Drip coffee 12oz,3.00,prepared\n"
        ),
    )
    .expect("catalogue written");
    path
}

/// Runs the runtime's clock on and its inbox until `done`, within a generous deadline.
fn until(rt: &mut Runtime<ManualClock>, what: &str, done: impl Fn(&Runtime<ManualClock>) -> bool) {
    let start = Instant::now();
    while !done(rt) {
        assert!(start.elapsed() < PATIENCE, "gave up waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
        rt.advance(Duration::from_millis(500));
    }
}

fn line_prices(rt: &Runtime<ManualClock>) -> Vec<(String, i64, u32)> {
    rt.checkout
        .basket
        .lines()
        .iter()
        .map(|l| (l.item.name.to_string(), l.item.price.to_minor(), l.qty))
        .collect()
}

#[test]
fn the_catalogue_is_kept_centrally_and_taken_up_between_sales_only() {
    let pg = PgCluster::start();
    let root = tempfile::tempdir().expect("temp dir");
    let lane = lane_dir(root.path(), &pg.url());
    ok(&run_qrtill(&lane, &["store", "init"]));

    // A bad file: file:line and what to fix, exit 2, nothing stored.
    let bad = root.path().join("bad.csv");
    std::fs::write(
        &bad,
        format!("barcode,name,price,tax\n{WATER},Spring water 500ml,1.00,food\n{COFFEE},Drip coffee,3.0x,prepared\n"),
    )
    .expect("bad file written");
    let refused = run_qrtill(
        &lane,
        &["store", "catalog", "import", &bad.to_string_lossy()],
    );
    assert_eq!(refused.status.code(), Some(2), "{}", out(&refused));
    let said = out(&refused);
    assert!(said.contains(&format!("{}:3:", bad.display())), "{said}");
    assert!(said.contains("nothing imported"), "{said}");
    let status = ok(&run_qrtill(&lane, &["store", "catalog"]));
    assert!(status.contains("no catalogue imported yet"), "{status}");

    // Version 1, and the same bytes again are not a new version.
    let v1 = catalogue(root.path(), "v1.csv", "1.00");
    let said = ok(&run_qrtill(
        &lane,
        &["store", "catalog", "import", &v1.to_string_lossy()],
    ));
    assert!(
        said.contains("catalogue version 1 imported: 2 items"),
        "{said}"
    );
    let said = ok(&run_qrtill(
        &lane,
        &["store", "catalog", "import", &v1.to_string_lossy()],
    ));
    assert!(said.contains("unchanged: version 1"), "{said}");

    // A lane on the demo catalogue picks version 1 up while its basket is empty.
    let config = Config::load_optional(&lane.join("config.toml")).expect("config loads");
    let mut rt = harness::runtime(
        &config,
        Arc::new(harness::demo_catalog(&config).expect("demo catalogue")),
        Journal::in_memory().expect("journal"),
        Box::new(ScreenPrinter::default()),
    )
    .expect("runtime");
    let (watch, feed) = catalog_watch::spawn(WatchSetup {
        pool: qrtill::store::pool(&pg.url()).expect("store.url parses"),
        lane: LaneId::of(&config),
        cache_dir: lane.join(catalog_watch::CACHE_DIR),
        tax_codes: config.tax.codes(),
        currency: config.currency(),
        have: None,
    })
    .expect("watcher starts");
    rt.watch_catalog(feed);
    until(&mut rt, "version 1 at the lane", |rt| {
        rt.checkout.catalog_version() == Some(1)
    });
    assert_eq!(rt.checkout.catalog().len(), 2);

    // A basket is open when version 2 raises the water's price: the basket keeps 1.00, even
    // for another water scanned after the new version arrived.
    scan(&mut rt, WATER);
    assert_eq!(
        line_prices(&rt),
        vec![("Spring water 500ml".into(), 100, 1)]
    );
    let v2 = catalogue(root.path(), "v2.csv", "1.50");
    let said = ok(&run_qrtill(
        &lane,
        &["store", "catalog", "import", &v2.to_string_lossy()],
    ));
    assert!(said.contains("catalogue version 2 imported"), "{said}");
    until(&mut rt, "version 2 waiting at the lane", |rt| {
        rt.checkout.pending_catalog_version() == Some(2)
    });
    assert_eq!(rt.checkout.catalog_version(), Some(1));
    scan(&mut rt, WATER);
    assert_eq!(
        line_prices(&rt),
        vec![("Spring water 500ml".into(), 100, 2)]
    );
    rt.dispatch(Action::PayCash);
    rt.dispatch(Action::QuickTender(0));
    let Screen::Receipt { sale, .. } = &rt.checkout.screen else {
        panic!("no receipt: {:?}", rt.checkout.notice);
    };
    assert_eq!(sale.total.to_minor(), 200, "the sale keeps the old price");
    // Still on the receipt: the sale is not over until the next basket.
    assert_eq!(rt.checkout.catalog_version(), Some(1));
    rt.dispatch(Action::Enter);
    assert_eq!(rt.checkout.catalog_version(), Some(2));
    scan(&mut rt, WATER);
    assert_eq!(
        line_prices(&rt),
        vec![("Spring water 500ml".into(), 150, 1)]
    );

    // The store knows which version the lane sells from.
    let start = Instant::now();
    loop {
        let status = ok(&run_qrtill(&lane, &["store", "catalog", "status"]));
        let first = status.lines().next().unwrap_or_default().to_string();
        assert!(
            first.starts_with("catalogue version 2 (2 items, csv from v2.csv"),
            "{status}"
        );
        let lane_row = status.lines().find(|l| l.starts_with("01 "));
        if lane_row.is_some_and(|l| l.split_whitespace().nth(1) == Some("2")) {
            break;
        }
        assert!(
            start.elapsed() < PATIENCE,
            "lane never reported version 2: {status}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    drop(watch);
    drop(rt);

    // PostgreSQL stopped: the counter starts on its cached version 2 and sells at 1.50.
    pg.stop();
    let cached: Vec<_> = std::fs::read_dir(lane.join(catalog_watch::CACHE_DIR))
        .expect("cache dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(cached, vec!["v00000002.csv".to_string()]);
    // The shift is opened after the lane's config is in place, so it is lane 01's.
    let t = Tmux::with_data_no_shift(
        |data| {
            std::fs::copy(lane.join("config.toml"), data.join("config.toml"))
                .expect("config copied");
            ok(&run_qrtill(data, &["shift", "open"]));
            let cache = data.join(catalog_watch::CACHE_DIR);
            std::fs::create_dir_all(&cache).expect("cache dir");
            std::fs::copy(
                lane.join(catalog_watch::CACHE_DIR).join("v00000002.csv"),
                cache.join("v00000002.csv"),
            )
            .expect("cache copied");
            Tmux::counter_command(data, &[])
        },
        120,
        40,
    );
    t.wait_for("Basket is empty");
    t.scan(WATER);
    let screen = t.wait_for("Spring water 500ml");
    assert!(screen.contains("1.50"), "{screen}");
    t.send_keys(&["C-q"]);
    assert_eq!(t.wait_exit(), 0, "Ctrl-Q quits cleanly");
}
