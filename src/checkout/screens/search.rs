//! The search screen: type part of a name, pick a match.

use crate::checkout::action::{Action, Effect};
use crate::checkout::machine::{Checkout, Notice, SEARCH_LIMIT, Screen, SearchState};

impl Checkout {
    pub(in crate::checkout) fn on_search(
        &mut self,
        mut state: SearchState,
        action: Action,
    ) -> Vec<Effect> {
        match action {
            Action::Char(c) => {
                state.query.push(c);
                self.refresh_search(&mut state);
            }
            Action::Backspace => {
                state.query.pop();
                self.refresh_search(&mut state);
            }
            Action::Up => state.selected = state.selected.saturating_sub(1),
            Action::Down if state.selected + 1 < state.results.len() => state.selected += 1,
            Action::Enter => {
                if let Some(item) = state.results.get(state.selected) {
                    self.notice = Some(match self.add_item(item) {
                        Ok(idx) => {
                            self.selected = idx;
                            Notice::info(format!("Added {}", item.name))
                        }
                        Err(e) => Notice::error(format!("{e} — nothing added.")),
                    });
                    self.screen = Screen::Basket;
                } else {
                    self.notice = Some(Notice::warn("No match: type part of a product name."));
                }
                return vec![];
            }
            Action::Back => {
                self.screen = Screen::Basket;
                return vec![];
            }
            _ => {}
        }
        self.screen = Screen::Search(state);
        vec![]
    }

    pub(in crate::checkout) fn refresh_search(&self, state: &mut SearchState) {
        state.results = if state.query.trim().is_empty() {
            Vec::new()
        } else {
            let found = self.catalog.search(&state.query, SEARCH_LIMIT);
            found.iter().map(|item| item.to_item()).collect()
        };
        state.selected = 0;
    }
}
