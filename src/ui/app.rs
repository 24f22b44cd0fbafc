//! The terminal loop, generic over the backend (crossterm on a real terminal, `TestBackend` in
//! tests) and over where input comes from (`events`). It blocks on input or on the runtime's
//! next deadline, so an idle counter sleeps (a lane of a store or of the network service
//! wakes briefly to look at them), and it redraws only after input, a resize, a
//! delivered reply or timer, a visible clock tick (the header's minute, the pay screen's
//! countdown second), or a change in the store status (looked at each `STORE_LOOK`).

use super::events::{EventSource, Input};
use super::keymap::{InputMode, KeyContext, PhoneKey, UiAction, action_for};
use super::{CounterView, Panes};
use crate::checkout::{Action, Screen};
use crate::clock::{Clock, Timestamp};
use crate::config::Config;
use crate::runtime::Runtime;
use ratatui::Terminal;
use ratatui::backend::Backend;
use ratatui::crossterm::event::{Event as TermEvent, KeyCode, KeyEvent, KeyModifiers};
use std::io;
use std::time::Duration;

/// The longest paste taken as typed input. A barcode is at most 14 digits and a wallet payment
/// code 18–24; anything much longer is a mistake (a document in the clipboard), refused whole
/// with a message rather than typed key by key into the scan field.
pub const MAX_PASTE_CHARS: usize = 64;

/// How often a lane of a store looks at the replication status the header shows, so "store
/// offline, N waiting" appears while the counter is idle, not at the next key.
pub const STORE_LOOK: Duration = Duration::from_secs(1);

/// Why the loop ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// The cashier quit (Ctrl-Q).
    Quit,
    /// A stop signal (SIGTERM, SIGHUP, SIGINT) arrived; its number.
    Signal(i32),
    /// The event source ran out (the end of a test script).
    Closed,
}

/// Runs the counter until the cashier quits, a stop signal arrives or `events` runs out.
/// `panes` is the UI state; it outlives the call so tests can run a script in several parts.
pub fn run<B, C, E>(
    terminal: &mut Terminal<B>,
    runtime: &mut Runtime<C>,
    config: &Config,
    events: &mut E,
    panes: &mut Panes,
) -> io::Result<Exit>
where
    B: Backend,
    C: Clock,
    E: EventSource<C>,
{
    let mut dirty = true;
    let mut shown_tick = visible_tick(runtime);
    let store_line = |panes: &Panes| panes.store.as_ref().map(|h| h.get().line());
    let mut shown_store = store_line(panes);
    // The training key switches the books while running: each mode's receipt header.
    let modes = super::training_mode::ModeConfigs::new(config);
    loop {
        if dirty {
            // Second screens follow the state the counter is about to draw (never blocking).
            panes.counter_qr = runtime.publish();
            panes.training = runtime.training();
            draw(terminal, runtime, modes.of(runtime.training()), panes)?;
            dirty = false;
        }
        let now = runtime.now();
        let due = runtime
            .next_deadline()
            .map_or(next_tick(runtime), |at| at.min(next_tick(runtime)));
        let mut wait = due.since(now).max(Duration::from_millis(1));
        if panes.store.is_some() {
            wait = wait.min(STORE_LOOK);
        }
        match events.next(runtime.clock(), wait)? {
            Input::Term(TermEvent::Key(key)) if key.is_press() => {
                panes.notice = None;
                if on_key(key, runtime, panes) {
                    return Ok(Exit::Quit);
                }
                dirty = true;
            }
            Input::Term(TermEvent::Paste(text)) => {
                on_paste(&text, runtime, panes);
                dirty = true;
            }
            Input::Term(TermEvent::Resize(..)) => dirty = true,
            Input::Term(_) | Input::Timeout => {}
            Input::Signal(n) => {
                // Nothing is marked: an attempt in flight was journaled before its request
                // left, and the next start (or `qrtill reconcile`) resolves it.
                tracing::warn!(signal = n, "stop signal: closing the counter");
                return Ok(Exit::Signal(n));
            }
            // The frame of the last input was drawn before this wait.
            Input::Closed => return Ok(Exit::Closed),
            Input::Remote(request) => {
                crate::link::answer::carry_out(runtime, request);
                dirty = true;
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
        let store = store_line(panes);
        if store != shown_store {
            shown_store = store;
            dirty = true;
        }
    }
}

fn draw<B: Backend, C: Clock>(
    terminal: &mut Terminal<B>,
    runtime: &Runtime<C>,
    config: &Config,
    panes: &Panes,
) -> io::Result<()> {
    let now = runtime.now();
    terminal
        .draw(|frame| {
            let view = CounterView {
                checkout: &runtime.checkout,
                config,
                now,
                network: Some(runtime.network()),
                panes,
            };
            frame.render_widget(&view, frame.area());
            if panes.report {
                super::report_view::render_x(
                    runtime.journal(),
                    config,
                    now,
                    frame.area(),
                    frame.buffer_mut(),
                );
                if panes.training {
                    super::training::watermark(frame.area(), frame.buffer_mut());
                }
            }
        })
        .map(|_| ())
        .map_err(|e| io::Error::other(e.to_string()))
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

fn context<C: Clock>(runtime: &Runtime<C>, panes: &Panes) -> KeyContext {
    KeyContext {
        mode: InputMode::of(&runtime.checkout),
        phone_open: panes.phone,
        phone_focus: panes.phone && panes.phone_focus,
    }
}

/// Handles one key press through the keymap; returns true to quit.
fn on_key<C: Clock>(key: KeyEvent, runtime: &mut Runtime<C>, panes: &mut Panes) -> bool {
    let Some(action) = action_for(key, context(runtime, panes)) else {
        return false;
    };
    // The report covers the counter: a key other than quit only closes it.
    if panes.report && !matches!(action, UiAction::Quit) {
        panes.report = false;
        return false;
    }
    match action {
        UiAction::Quit => return true,
        UiAction::ToggleReport => panes.report = true,
        UiAction::Checkout(action) => runtime.dispatch(action),
        UiAction::TogglePhone => {
            panes.phone = !panes.phone;
            panes.phone_focus = panes.phone;
        }
        UiAction::ToggleTrace => panes.trace = !panes.trace,
        UiAction::SwitchFocus => panes.phone_focus = !panes.phone_focus,
        UiAction::Phone(key) => on_phone_key(key, runtime, panes),
    }
    false
}

fn on_phone_key<C: Clock>(key: PhoneKey, runtime: &mut Runtime<C>, panes: &mut Panes) {
    let count = runtime.network().shoppers().len().max(1);
    let action = match key {
        PhoneKey::PrevShopper => {
            panes.shopper = (panes.shopper + count - 1) % count;
            panes.phone_message = None;
            return;
        }
        PhoneKey::NextShopper => {
            panes.shopper = (panes.shopper + 1) % count;
            panes.phone_message = None;
            return;
        }
        PhoneKey::Leave => {
            panes.phone_focus = false;
            return;
        }
        PhoneKey::Do(action) => action,
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

/// A bracketed paste: short text the current field takes as typing is typed in, character by
/// character, through the same keymap (no Enter is added: the cashier confirms). Anything else
/// (too long, a character the field does not take, keys for the phone) is refused whole, with
/// a message, and nothing of it is typed.
fn on_paste<C: Clock>(text: &str, runtime: &mut Runtime<C>, panes: &mut Panes) {
    let text = text.trim_end_matches(['\r', '\n']);
    match paste_refusal(text, context(runtime, panes)) {
        Some(why) => {
            tracing::info!(chars = text.chars().count(), "paste refused");
            panes.notice = Some(why);
        }
        None => {
            panes.notice = None;
            for c in text.chars() {
                runtime.dispatch(Action::Char(c));
            }
        }
    }
}

/// Why a paste of `text` is refused in `ctx`, or `None` when every character is plain typing
/// there. Counts at most `MAX_PASTE_CHARS + 1` characters, so a huge paste costs nothing more.
fn paste_refusal(text: &str, ctx: KeyContext) -> Option<String> {
    if text.chars().nth(MAX_PASTE_CHARS).is_some() {
        return Some(format!(
            "Paste refused: {} characters is more than a barcode or payment code \
             (at most {MAX_PASTE_CHARS}). Nothing was typed.",
            text.chars().count()
        ));
    }
    let typed = |c: char| {
        let key = KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE);
        action_for(key, ctx) == Some(UiAction::Checkout(Action::Char(c)))
    };
    match text.chars().find(|c| !typed(*c)) {
        None if !text.is_empty() => None,
        None => Some("Paste refused: the clipboard was empty.".to_string()),
        Some(c) => Some(format!(
            "Paste refused: {c:?} is not typing on this screen (it is a key or not text here). \
             Nothing was typed."
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digits_paste_into_the_basket_but_letters_that_are_keys_do_not() {
        let basket = KeyContext::counter(InputMode::Basket);
        assert_eq!(paste_refusal("2000000000138", basket), None);
        let refused = paste_refusal("20000v", basket).unwrap_or_default();
        assert!(refused.contains("'v'"), "{refused}");
        // In search every letter is text.
        assert_eq!(
            paste_refusal("flat white", KeyContext::counter(InputMode::Text)),
            None
        );
    }

    #[test]
    fn a_long_paste_is_refused_by_its_length() {
        let basket = KeyContext::counter(InputMode::Basket);
        let at_limit = "1".repeat(MAX_PASTE_CHARS);
        assert_eq!(paste_refusal(&at_limit, basket), None);
        let over = "1".repeat(MAX_PASTE_CHARS + 1);
        let why = paste_refusal(&over, basket).unwrap_or_default();
        assert!(why.contains("65 characters"), "{why}");
    }

    #[test]
    fn the_focused_phone_takes_no_paste() {
        let phone = KeyContext {
            mode: InputMode::Basket,
            phone_open: true,
            phone_focus: true,
        };
        assert!(paste_refusal("123", phone).is_some());
    }
}
