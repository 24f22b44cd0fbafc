//! The demo's caption bar: two rows under the counter that narrate the step playing now and
//! say how a person takes over.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::Line;
use ratatui::widgets::Widget;

/// Rows the caption bar takes.
pub const CAPTION_HEIGHT: u16 = 2;

/// What the caption bar shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caption<'a> {
    /// The narration of the current step.
    pub text: &'a str,
    /// The scenario's name.
    pub scenario: &'a str,
    /// 1-based step number and the number of steps.
    pub step: usize,
    pub steps: usize,
    /// 1-based pass over the files (with `--loop`).
    pub loop_no: u64,
    /// A person has the counter; the key that gives it back to the demo.
    pub paused_by: Option<&'a str>,
}

impl Widget for &Caption<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        if area.height == 0 {
            return;
        }
        let strong = Style::default().add_modifier(Modifier::REVERSED | Modifier::BOLD);
        let first = match self.paused_by {
            Some(key) => format!(" ⏸  A person has the counter: press {key} to resume the demo"),
            None => format!(" ▶  {}", self.text),
        };
        buf.set_style(Rect { height: 1, ..area }, strong);
        Line::from(first)
            .style(strong)
            .render(Rect { height: 1, ..area }, buf);
        if area.height > 1 {
            let hint = if self.paused_by.is_some() {
                "Ctrl-Q: quit"
            } else {
                "any key: take over · Ctrl-Q: quit"
            };
            let second = format!(
                " {} · step {}/{} · loop {} · {hint}",
                self.scenario, self.step, self.steps, self.loop_no
            );
            Line::from(second)
                .style(Style::default().add_modifier(Modifier::DIM))
                .render(
                    Rect {
                        y: area.y + 1,
                        height: 1,
                        ..area
                    },
                    buf,
                );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;

    fn draw(c: &Caption) -> String {
        let mut t = Terminal::new(TestBackend::new(80, CAPTION_HEIGHT)).expect("terminal");
        t.draw(|f| f.render_widget(c, f.area())).expect("draw");
        let buf = t.backend().buffer();
        (0..buf.area.height)
            .map(|y| {
                (0..buf.area.width)
                    .map(|x| buf[(x, y)].symbol().to_string())
                    .collect::<String>()
                    .trim_end()
                    .to_string()
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    #[test]
    fn playing_caption_narrates_the_step() {
        let c = Caption {
            text: "Kim (Kakao Pay) types the password",
            scenario: "A tourist afternoon",
            step: 7,
            steps: 31,
            loop_no: 2,
            paused_by: None,
        };
        insta::assert_snapshot!(draw(&c));
    }

    #[test]
    fn paused_caption_says_how_to_resume() {
        let c = Caption {
            text: "ignored while paused",
            scenario: "The network has a bad day",
            step: 3,
            steps: 20,
            loop_no: 1,
            paused_by: Some("F12"),
        };
        insta::assert_snapshot!(draw(&c));
    }
}
