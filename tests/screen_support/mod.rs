//! Screen tests' one way to draw the counter: the whole `CounterView` of a runtime, as the
//! terminal shows it, rendered into ratatui's `TestBackend` of `w`×`h` cells.

use qrtill::clock::ManualClock;
use qrtill::config::Config;
use qrtill::runtime::Runtime;
use qrtill::ui::{CounterView, Panes};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

/// The screen of `rt` at `w`×`h`, with the default config and no panes open.
pub fn render(rt: &Runtime<ManualClock>, w: u16, h: u16) -> String {
    render_with(rt, w, h, &Panes::default())
}

/// The same with `panes` (the phone, the trace, ...) as the loop would hold them.
pub fn render_with(rt: &Runtime<ManualClock>, w: u16, h: u16, panes: &Panes) -> String {
    let config = Config::default();
    let mut terminal = Terminal::new(TestBackend::new(w, h)).expect("terminal");
    terminal
        .draw(|f| {
            let view = CounterView {
                checkout: &rt.checkout,
                config: &config,
                now: rt.now(),
                network: Some(rt.network()),
                panes,
            };
            f.render_widget(&view, f.area());
        })
        .expect("draw");
    terminal.backend().to_string()
}
