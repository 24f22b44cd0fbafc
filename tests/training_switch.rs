//! The training key at a counter built as `qrtill` builds it (real files in a data directory,
//! the counter's books opener), driven through the real TUI loop (`ui::app::run`) with
//! scripted keys: `t` and the supervisor PIN switch to the training journal and ledger, sales
//! there stay there, and `t` with the PIN again returns to the real books exactly as they were.

use clap::Parser;
use qrtill::checkout::{Action, Screen};
use qrtill::cli::args::Cli;
use qrtill::cli::counter_books::CounterBooks;
use qrtill::cli::{Setup, counter};
use qrtill::clock::ManualClock;
use qrtill::harness::{self, easy_shoppers, wallet_sale};
use qrtill::journal::Journal;
use qrtill::pin::PinGate;
use qrtill::runtime::Runtime;
use qrtill::ui::Panes;
use qrtill::ui::app::{self, Exit};
use qrtill::ui::events::{Scripted, Step};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use std::path::Path;
use std::sync::Arc;

const FLAT_WHITE: &str = "2000000000138";
const LATTE: &str = "2000000000268";
const PIN: &str = "2468";

fn key(code: KeyCode) -> Step {
    Step::Event(Event::Key(KeyEvent::new(code, KeyModifiers::NONE)))
}

fn chars(text: &str) -> Vec<Step> {
    text.chars().map(|c| key(KeyCode::Char(c))).collect()
}

/// `t`, the PIN, Enter.
fn training_key(pin: &str) -> Vec<Step> {
    let mut steps = chars("t");
    steps.extend(chars(pin));
    steps.push(key(KeyCode::Enter));
    steps
}

struct Counter {
    rt: Runtime<ManualClock>,
    setup: Setup,
    terminal: Terminal<TestBackend>,
    panes: Panes,
}

impl Counter {
    /// The counter on data directory `d`, as `qrtill --data d [--training]` opens it, on a
    /// manual clock, with supervisor PIN `PIN`.
    fn open(d: &Path, training: bool, w: u16, h: u16) -> Self {
        let mut args = vec!["qrtill", "--data", d.to_str().unwrap()];
        if training {
            args.push("--training");
        }
        let cli = Cli::parse_from(args);
        let setup = Setup::load(&cli).unwrap();
        setup.ensure_data_dir().unwrap();
        let journal = Journal::open(&setup.journal_path()).unwrap();
        let network = counter::open_network(&cli, &setup).unwrap();
        let printer = counter::printer_for(&cli, &setup).unwrap();
        let catalog = counter::load_catalog(&cli, &setup).unwrap();
        let clock = ManualClock::new(harness::DEMO_START);
        let mut rt = harness::assemble(
            &setup.config,
            Arc::new(catalog),
            journal,
            printer,
            network,
            clock,
        );
        rt.set_books(Box::new(CounterBooks::new(&cli, &setup)), setup.training);
        let hash = qrtill::pin::hash(PIN).unwrap();
        rt.checkout
            .set_refund_desk(setup.config.refund.clone(), PinGate::new(Some(hash)));
        Self {
            rt,
            setup,
            terminal: Terminal::new(TestBackend::new(w, h)).unwrap(),
            panes: Panes::default(),
        }
    }

    fn play(&mut self, steps: impl IntoIterator<Item = Step>) {
        let mut events = Scripted::new(steps);
        let exit = app::run(
            &mut self.terminal,
            &mut self.rt,
            &self.setup.config,
            &mut events,
            &mut self.panes,
        )
        .unwrap();
        assert_eq!(exit, Exit::Closed);
    }

    fn screen(&self) -> String {
        self.terminal.backend().to_string()
    }

    /// A cash sale of one flat white, rung through the keys, back on an empty basket.
    fn cash_sale(&mut self) {
        let mut steps = chars(FLAT_WHITE);
        steps.push(key(KeyCode::Enter));
        steps.extend(chars("ca"));
        self.play(steps);
        assert!(
            matches!(self.rt.checkout.screen, Screen::Receipt { .. }),
            "{}",
            self.screen()
        );
        self.play([key(KeyCode::Enter)]);
    }

    fn wallet_sale(&mut self) {
        let shopper = easy_shoppers(self.rt.network()).remove(0);
        wallet_sale(&mut self.rt, &shopper, &[LATTE]).unwrap();
        self.rt.dispatch(Action::Enter);
    }
}

/// Every table of the SQLite file at `path`, each row as text, read on a connection of its
/// own (the WAL included): equal dumps mean equal books.
fn dump(path: &Path) -> Vec<(String, Vec<String>)> {
    use rusqlite::{Connection, OpenFlags};
    let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap();
    let tables: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    tables
        .into_iter()
        .map(|t| {
            let mut stmt = conn.prepare(&format!("SELECT * FROM \"{t}\"")).unwrap();
            let n = stmt.column_count();
            let rows = stmt
                .query_map([], |r| {
                    (0..n)
                        .map(|i| r.get_ref(i).map(|v| format!("{v:?}")))
                        .collect::<Result<Vec<_>, _>>()
                        .map(|cols| cols.join("|"))
                })
                .unwrap()
                .collect::<Result<Vec<_>, _>>()
                .unwrap();
            (t, rows)
        })
        .collect()
}

fn rows(dump: &[(String, Vec<String>)], table: &str) -> usize {
    dump.iter()
        .find(|(t, _)| t == table)
        .map_or(0, |(_, r)| r.len())
}

#[test]
fn a_training_session_leaves_the_real_books_exactly_as_they_were() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let mut c = Counter::open(d, false, 120, 40);
    c.cash_sale();
    c.wallet_sale();
    let real_journal = d.join("journal.sqlite");
    let real_ledger = d.join("network.sqlite");
    let journal_before = dump(&real_journal);
    let ledger_before = dump(&real_ledger);
    assert_eq!(rows(&journal_before, "sales"), 2);
    assert_eq!(rows(&journal_before, "attempts"), 1);

    // A wrong PIN switches nothing; the right one opens the training books.
    c.play(training_key("1111"));
    assert!(
        c.screen().contains("Wrong PIN: 2 more tries"),
        "{}",
        c.screen()
    );
    assert!(!c.rt.training());
    c.play(chars(PIN));
    c.play([key(KeyCode::Enter)]);
    assert!(c.rt.training(), "{}", c.screen());
    assert!(c.screen().contains("TRAINING MODE"), "{}", c.screen());
    assert_eq!(c.rt.journal().all_sales().unwrap().len(), 0);

    c.cash_sale();
    c.wallet_sale();
    let training = c.rt.journal().all_sales().unwrap();
    assert_eq!(
        training.len(),
        2,
        "training sales go to the training journal"
    );

    // Back with the PIN again: the real journal and ledger, unchanged.
    c.play(training_key(PIN));
    assert!(!c.rt.training(), "{}", c.screen());
    assert!(!c.screen().contains("TRAINING MODE"), "{}", c.screen());
    assert_eq!(c.rt.journal().all_sales().unwrap().len(), 2);
    assert_eq!(dump(&real_journal), journal_before);
    assert_eq!(dump(&real_ledger), ledger_before);
    let training_journal = dump(&d.join("journal-training.sqlite"));
    assert_eq!(rows(&training_journal, "sales"), 2);
    assert_eq!(rows(&training_journal, "attempts"), 1);

    // A real sale after training is numbered after the real ones, in the real journal.
    c.cash_sale();
    let real = c.rt.journal().all_sales().unwrap();
    assert_eq!(
        real.iter().map(|s| s.sale_no).collect::<Vec<_>>(),
        [1, 2, 3]
    );
}

#[test]
fn the_switch_is_refused_while_a_sale_is_open() {
    let dir = tempfile::tempdir().unwrap();
    let mut c = Counter::open(dir.path(), false, 120, 40);
    let mut steps = chars(FLAT_WHITE);
    steps.push(key(KeyCode::Enter));
    steps.extend(chars("t"));
    c.play(steps);
    assert!(matches!(c.rt.checkout.screen, Screen::Basket));
    assert!(
        c.screen()
            .contains("Training switches only between sales: finish or clear this sale first."),
        "{}",
        c.screen()
    );
    assert!(!c.rt.training());
    assert!(!dir.path().join("journal-training.sqlite").exists());
}

#[test]
fn esc_at_the_pin_cancels_and_a_training_start_leaves_with_the_pin() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let mut c = Counter::open(d, true, 120, 40);
    assert!(c.rt.training());
    c.play(chars("t12"));
    assert!(matches!(c.rt.checkout.screen, Screen::Training(_)));
    assert!(c.screen().contains("Leave training"), "{}", c.screen());
    c.play([key(KeyCode::Esc)]);
    assert!(matches!(c.rt.checkout.screen, Screen::Basket));
    assert!(c.rt.training());
    c.cash_sale();
    c.play(training_key(PIN));
    assert!(!c.rt.training());
    // The real journal was created empty by leaving: the training sale is not in it.
    assert_eq!(c.rt.journal().all_sales().unwrap().len(), 0);
    assert!(!c.screen().contains("TRAINING"), "{}", c.screen());
}

/// Snapshots through the real loop: the PIN prompt for training (masked) and the basket in
/// training (watermark, header) at 80×24 and 120×40.
#[test]
fn training_prompt_and_basket_snapshots() {
    for (w, h) in [(80u16, 24u16), (120, 40)] {
        let dir = tempfile::tempdir().unwrap();
        let mut c = Counter::open(dir.path(), false, w, h);
        c.play(chars("t24"));
        let screen = c.screen();
        assert!(screen.contains("PIN: ●●_"), "{screen}");
        assert!(!screen.contains("24_"), "{screen}");
        insta::assert_snapshot!(format!("training_pin_{w}x{h}"), screen);
        c.play(chars("68"));
        c.play([key(KeyCode::Enter)]);
        assert!(c.rt.training());
        let mut steps = chars(FLAT_WHITE);
        steps.push(key(KeyCode::Enter));
        c.play(steps);
        let screen = c.screen();
        assert!(screen.contains("TRAINING MODE"), "{screen}");
        insta::assert_snapshot!(format!("training_basket_{w}x{h}"), screen);
    }
}
