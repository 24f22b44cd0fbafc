//! Screen snapshots: the real views rendered into ratatui's TestBackend at 80×24 and 120×40,
//! driven through the shared runtime on the demo store at a fixed virtual time.

use qrtill::checkout::Action;
use qrtill::clock::ManualClock;
use qrtill::config::Config;
use qrtill::harness::{self, scan, type_text};
use qrtill::runtime::Runtime;
use qrtill::ui::CounterView;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

const SIZES: [(u16, u16); 2] = [(80, 24), (120, 40)];

fn render(rt: &Runtime<ManualClock>, w: u16, h: u16) -> String {
    let config = Config::default();
    let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
    terminal
        .draw(|f| {
            let view = CounterView {
                checkout: &rt.checkout,
                config: &config,
                now: rt.now(),
                network: Some(rt.network()),
                panes: &qrtill::ui::Panes::default(),
            };
            f.render_widget(&view, f.area());
        })
        .unwrap();
    terminal.backend().to_string()
}

fn basket() -> Runtime<ManualClock> {
    let mut rt = harness::demo_runtime().unwrap();
    scan(&mut rt, "2000000000138");
    scan(&mut rt, "2000000000138");
    scan(&mut rt, "2000000002606"); // a long sandwich name
    scan(&mut rt, "2010000003770");
    rt
}

fn snap(name: &str, rt: &Runtime<ManualClock>) {
    for (w, h) in SIZES {
        let screen = render(rt, w, h);
        insta::assert_snapshot!(format!("{name}_{w}x{h}"), screen);
    }
}

#[test]
fn basket_screen() {
    let rt = basket();
    let screen = render(&rt, 80, 24);
    assert!(screen.contains("TOTAL"));
    assert!(screen.contains("2 x 4.50"));
    snap("basket", &rt);
}

#[test]
fn empty_basket_screen_shows_the_scan_prompt() {
    let rt = harness::demo_runtime().unwrap();
    assert!(render(&rt, 80, 24).contains("Basket is empty"));
    snap("empty", &rt);
}

#[test]
fn search_screen() {
    let mut rt = basket();
    rt.dispatch(Action::Search);
    type_text(&mut rt, "coff");
    let screen = render(&rt, 120, 40);
    assert!(screen.contains("Drip coffee 12oz"));
    snap("search", &rt);
}

#[test]
fn cash_screen_shows_quick_tenders_and_change() {
    let mut rt = basket();
    rt.dispatch(Action::PayCash);
    type_text(&mut rt, "50");
    let screen = render(&rt, 80, 24);
    assert!(screen.contains("Change due"));
    assert!(screen.contains("(exact)"));
    snap("cash", &rt);
}

#[test]
fn receipt_screen_after_a_cash_sale() {
    let mut rt = basket();
    rt.dispatch(Action::PayCash);
    rt.dispatch(Action::QuickTender(0));
    rt.tick();
    let screen = render(&rt, 120, 40);
    assert!(screen.contains("PAID · Sale 1"));
    assert!(screen.contains("Receipt printed"));
    snap("receipt", &rt);
}

#[test]
fn help_overlay_lists_the_keys_of_the_screen() {
    let mut rt = basket();
    rt.dispatch(Action::Help);
    let screen = render(&rt, 80, 24);
    assert!(screen.contains("void the line") || screen.contains("void line"));
    snap("help", &rt);
}

#[test]
fn a_small_terminal_gets_an_enlarge_hint_not_a_panic() {
    let rt = basket();
    for (w, h) in [(79, 24), (80, 23), (20, 5), (1, 1)] {
        let screen = render(&rt, w, h);
        if w >= 20 {
            assert!(screen.contains("Enlarge"), "{w}x{h}: {screen}");
        }
    }
    insta::assert_snapshot!("small_60x20", render(&rt, 60, 20));
}
