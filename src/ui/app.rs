//! The terminal loop. It blocks on input (or on the runtime's next deadline), so an idle counter
//! uses no CPU, and it redraws only after input, a resize, or finished background work.

use super::CounterView;
use super::keymap::{InputMode, UiAction, action_for};
use crate::clock::Clock;
use crate::config::Config;
use crate::runtime::Runtime;
use ratatui::DefaultTerminal;
use ratatui::crossterm::event::{self, Event as TermEvent};
use std::time::Duration;

pub fn run<C: Clock>(
    terminal: &mut DefaultTerminal,
    runtime: &mut Runtime<C>,
    config: &Config,
) -> std::io::Result<()> {
    let mut dirty = true;
    let mut last_minute = runtime.now().millis() / 60_000;
    loop {
        if dirty {
            let now = runtime.now();
            terminal.draw(|frame| {
                let view = CounterView {
                    checkout: &runtime.checkout,
                    config,
                    now,
                };
                frame.render_widget(&view, frame.area());
            })?;
            dirty = false;
        }
        // Sleep until input, the runtime's next timer, or the next minute for the header clock.
        let now = runtime.now();
        let next_minute = crate::clock::Timestamp((now.millis() / 60_000 + 1) * 60_000);
        let due = runtime
            .next_deadline()
            .map_or(next_minute, |at| at.min(next_minute));
        let wait = due.since(now).max(Duration::from_millis(1));
        if event::poll(wait)? {
            match event::read()? {
                TermEvent::Key(key) if key.is_press() => {
                    match action_for(key, InputMode::of(&runtime.checkout)) {
                        Some(UiAction::Quit) => return Ok(()),
                        Some(UiAction::Checkout(action)) => runtime.dispatch(action),
                        None => {}
                    }
                    dirty = true;
                }
                TermEvent::Resize(..) => dirty = true,
                _ => {}
            }
        }
        if runtime.tick() {
            dirty = true;
        }
        let minute = runtime.now().millis() / 60_000;
        if minute != last_minute {
            last_minute = minute;
            dirty = true;
        }
    }
}
