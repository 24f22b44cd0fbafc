//! The terminal loop. It blocks on input (or on the runtime's next deadline), so an idle counter
//! uses no CPU, and it redraws only after input, a resize, a delivered reply or timer, or a
//! visible clock tick (the header's minute, the pay screen's countdown second).

use super::keymap::{InputMode, UiAction, action_for};
use super::{CounterView, Panes};
use crate::checkout::Screen;
use crate::clock::{Clock, Timestamp};
use crate::config::Config;
use crate::runtime::{PhoneAction, Runtime};
use ratatui::DefaultTerminal;
use ratatui::crossterm::event::{self, Event as TermEvent, KeyCode, KeyEvent, KeyModifiers};
use std::time::Duration;

pub fn run<C: Clock>(
    terminal: &mut DefaultTerminal,
    runtime: &mut Runtime<C>,
    config: &Config,
) -> std::io::Result<()> {
    let mut panes = Panes::default();
    let mut dirty = true;
    let mut shown_tick = visible_tick(runtime);
    loop {
        if dirty {
            let now = runtime.now();
            terminal.draw(|frame| {
                let view = CounterView {
                    checkout: &runtime.checkout,
                    config,
                    now,
                    network: Some(runtime.network()),
                    panes: &panes,
                };
                frame.render_widget(&view, frame.area());
            })?;
            dirty = false;
        }
        let now = runtime.now();
        let due = runtime
            .next_deadline()
            .map_or(next_tick(runtime), |at| at.min(next_tick(runtime)));
        let wait = due.since(now).max(Duration::from_millis(1));
        if event::poll(wait)? {
            match event::read()? {
                TermEvent::Key(key) if key.is_press() => {
                    if on_key(key, runtime, &mut panes) {
                        return Ok(());
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
        let tick = visible_tick(runtime);
        if tick != shown_tick {
            shown_tick = tick;
            dirty = true;
        }
    }
}

/// The clock unit the screen shows: seconds while a payment counts down, else minutes.
fn tick_ms<C: Clock>(runtime: &Runtime<C>) -> i64 {
    if matches!(runtime.checkout.screen, Screen::Pay(_)) {
        1_000
    } else {
        60_000
    }
}

fn visible_tick<C: Clock>(runtime: &Runtime<C>) -> i64 {
    runtime.now().millis() / tick_ms(runtime)
}

fn next_tick<C: Clock>(runtime: &Runtime<C>) -> Timestamp {
    let unit = tick_ms(runtime);
    Timestamp((runtime.now().millis() / unit + 1) * unit)
}

/// Handles one key press; returns true to quit.
fn on_key<C: Clock>(key: KeyEvent, runtime: &mut Runtime<C>, panes: &mut Panes) -> bool {
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    match key.code {
        KeyCode::F(10) => {
            panes.phone = !panes.phone;
            panes.phone_focus = panes.phone;
            return false;
        }
        KeyCode::Char('t') if ctrl => {
            panes.trace = !panes.trace;
            return false;
        }
        KeyCode::Tab if panes.phone => {
            panes.phone_focus = !panes.phone_focus;
            return false;
        }
        _ => {}
    }
    if panes.phone && panes.phone_focus && !ctrl {
        on_phone_key(key, runtime, panes);
        return false;
    }
    match action_for(key, InputMode::of(&runtime.checkout)) {
        Some(UiAction::Quit) => true,
        Some(UiAction::Checkout(action)) => {
            runtime.dispatch(action);
            false
        }
        None => false,
    }
}

fn on_phone_key<C: Clock>(key: KeyEvent, runtime: &mut Runtime<C>, panes: &mut Panes) {
    let count = runtime.network().shoppers().len().max(1);
    let action = match key.code {
        KeyCode::Left => {
            panes.shopper = (panes.shopper + count - 1) % count;
            panes.phone_message = None;
            return;
        }
        KeyCode::Right => {
            panes.shopper = (panes.shopper + 1) % count;
            panes.phone_message = None;
            return;
        }
        KeyCode::Esc => {
            panes.phone_focus = false;
            return;
        }
        KeyCode::Char('c') => PhoneAction::ShowCode,
        KeyCode::Char('p') => PhoneAction::PresentCode,
        KeyCode::Char('s') => PhoneAction::ScanCounterQr,
        KeyCode::Char('t') => PhoneAction::Tap,
        KeyCode::Char('y') => PhoneAction::EnterPassword,
        KeyCode::Char('n') => PhoneAction::RefusePassword,
        KeyCode::Char('x') => PhoneAction::CancelOnPhone,
        KeyCode::Char('b') => PhoneAction::LowBalance,
        KeyCode::Char('o') => PhoneAction::ToggleOffline,
        _ => return,
    };
    let Some(shopper) = runtime
        .network()
        .shoppers()
        .get(panes.shopper % count)
        .map(|s| s.id.clone())
    else {
        return;
    };
    panes.phone_message = Some(match runtime.phone(&shopper, action) {
        Ok(msg) => msg,
        Err(msg) => format!("✖ {msg}"),
    });
}
