//! `qrtill phone`: the shopper phone pane as a terminal of its own, attached to the running
//! counter. The keys are the phone pane's (ui/keymap.rs `PHONE`); each action goes to the
//! counter, which carries it out exactly as for its own pane.

use super::display::{ScreenApp, run_screen};
use super::{Outcome, Setup};
use crate::link::client::{LinkClient, ScreenModel};
use crate::link::protocol::Role;
use crate::ui::keymap::{InputMode, KeyContext, PhoneKey, UiAction, action_for};
use crate::ui::phone_client_view::PhoneClientView;
use crate::ui::qr_code::QrCache;
use ratatui::Frame;
use ratatui::crossterm::event::KeyEvent;

pub fn run(setup: &Setup, shopper: Option<&str>) -> Outcome {
    let mut app = PhoneApp {
        wanted: shopper.map(str::to_string),
        ..Default::default()
    };
    run_screen(setup, &mut app)
}

#[derive(Default)]
pub struct PhoneApp {
    pub shopper: usize,
    /// `--shopper`, until the first state names the shoppers.
    pub wanted: Option<String>,
    pub note: Option<String>,
    pub qr: QrCache,
}

impl PhoneApp {
    /// Picks the `--shopper` once the counter's state lists the shoppers.
    fn settle(&mut self, model: &ScreenModel) {
        let (Some(id), Some(state)) = (&self.wanted, &model.state) else {
            return;
        };
        match state.shoppers.iter().position(|s| &s.id == id) {
            Some(i) => self.shopper = i,
            None => {
                self.note = Some(format!(
                    "No shopper '{id}' at this counter: ←/→ to pick one"
                ))
            }
        }
        self.wanted = None;
    }
}

impl ScreenApp for PhoneApp {
    fn role(&self) -> Role {
        Role::Phone
    }

    fn draw(&mut self, frame: &mut Frame, model: &ScreenModel) {
        self.settle(model);
        let view = PhoneClientView {
            model,
            shopper: self.shopper,
            note: self.note.as_deref(),
            qr: &self.qr,
        };
        frame.render_widget(&view, frame.area());
    }

    fn key(&mut self, key: KeyEvent, model: &mut ScreenModel, client: Option<&mut LinkClient>) {
        let ctx = KeyContext {
            mode: InputMode::Basket,
            phone_open: true,
            phone_focus: true,
        };
        let Some(UiAction::Phone(key)) = action_for(key, ctx) else {
            return;
        };
        let count = model.state.as_ref().map_or(0, |s| s.shoppers.len()).max(1);
        self.note = None;
        match key {
            PhoneKey::PrevShopper => {
                self.shopper = (self.shopper + count - 1) % count;
                model.reply = None;
            }
            PhoneKey::NextShopper => {
                self.shopper = (self.shopper + 1) % count;
                model.reply = None;
            }
            PhoneKey::Leave => {}
            PhoneKey::Do(action) => {
                let id = model
                    .state
                    .as_ref()
                    .and_then(|s| s.shoppers.get(self.shopper % count))
                    .map(|s| s.id.clone());
                match (id, client) {
                    (Some(id), Some(c)) => {
                        if let Err(e) = c.phone(&id, action.into()) {
                            self.note = Some(format!("Not sent: {e}"));
                        }
                    }
                    _ => self.note = Some("Not attached to a counter yet".to_string()),
                }
            }
        }
    }
}
