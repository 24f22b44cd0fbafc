//! `qrtill demo [FILE...]`: plays scenario files in the counter's screen at human speed, for a
//! booth, with a caption bar narrating each step. `--loop` starts over after the last file;
//! `--speed` sets the pace. Any key hands the counter to a person (the script holds still);
//! the same key gives it back: the script goes on, or starts its file again if the person
//! changed anything. Journal and ledger live in memory: a demo never touches the data directory.

use super::args::DemoArgs;
use super::{EXIT_BAD_INPUT, Outcome};
use crate::scenario::{Run, Scenario, StepKind};
use crate::ui::caption::{CAPTION_HEIGHT, Caption};
use crate::ui::events::{EventSource, Input};
use ratatui::crossterm::event::{Event as TermEvent, KeyCode, KeyEvent, KeyModifiers};
use ratatui::layout::{Constraint, Layout};
use std::time::{Duration, Instant};

/// The demo scripts built in, played when no file is given.
pub const BUILT_IN: &[(&str, &str)] = &[
    (
        "a-tourist-afternoon.toml",
        include_str!("../../assets/scenarios/demo/a-tourist-afternoon.toml"),
    ),
    (
        "the-network-has-a-bad-day.toml",
        include_str!("../../assets/scenarios/demo/the-network-has-a-bad-day.toml"),
    ),
    (
        "every-way-to-pay.toml",
        include_str!("../../assets/scenarios/demo/every-way-to-pay.toml"),
    ),
];

/// How long an instant step (a key, a scan, a phone action) stays on screen at speed 1.
const BEAT: Duration = Duration::from_millis(1600);
/// How long the end of a file stays on screen at speed 1.
const HOLD: Duration = Duration::from_millis(3000);
/// Waits run this many times faster than real time at speed 1 (a 60 s deadline takes 15 s).
const TIME_LAPSE: f64 = 4.0;
/// The longest the loop sleeps between frames.
const FRAME: Duration = Duration::from_millis(40);

pub fn run(args: &DemoArgs) -> Outcome {
    let speed = match args.speed.parse::<f64>() {
        Ok(s) if s.is_finite() && (0.05..=1000.0).contains(&s) => s,
        _ => {
            return Outcome::fail(
                EXIT_BAD_INPUT,
                format!(
                    "qrtill: --speed {:?}: give a number from 0.05 to 1000 (1 is human speed)",
                    args.speed
                ),
            );
        }
    };
    let scripts = match load_scripts(&args.files) {
        Ok(s) => s,
        Err(e) => return Outcome::fail(EXIT_BAD_INPUT, e),
    };
    // Each script sets up once before the screen opens, so a broken file is reported plainly.
    for s in &scripts {
        if let Err(why) = Run::new(s) {
            return Outcome::fail(
                EXIT_BAD_INPUT,
                format!("{}: cannot set the counter up: {why}", s.file),
            );
        }
    }
    let mut events = match crate::ui::events::TerminalEvents::start() {
        Ok(e) => e,
        Err(e) => return Outcome::fail(1, format!("qrtill: cannot watch input and signals: {e}")),
    };
    let mut terminal = ratatui::init();
    let result = play(&mut terminal, &mut events, &scripts, speed, args.repeat);
    if let Err(e) = ratatui::try_restore() {
        tracing::warn!(error = %e, "terminal not restored");
    }
    match result {
        Ok(None) => Outcome::ok(String::new()),
        Ok(Some(signal)) => Outcome {
            stdout: Vec::new(),
            stderr: None,
            code: 128 + signal,
        },
        Err(e) => Outcome::fail(1, format!("qrtill: terminal error: {e}")),
    }
}

/// The files given, or the built-in demo scripts.
pub fn load_scripts(files: &[std::path::PathBuf]) -> Result<Vec<Scenario>, String> {
    if files.is_empty() {
        return BUILT_IN
            .iter()
            .map(|(name, text)| crate::scenario::parse(text, name).map_err(|e| e.to_string()))
            .collect();
    }
    files
        .iter()
        .map(|f| crate::scenario::load(f).map_err(|e| e.to_string()))
        .collect()
}

/// Where the demo is.
enum Phase {
    /// The step at `step` is next.
    Ready,
    /// An instant step played; the caption stays up for this much longer (real time).
    Beat(Duration),
    /// A `wait` with this much virtual time left.
    Waiting(Duration),
    /// An `until` with this much virtual time left.
    Until { status: String, left: Duration },
    /// The file is over (with its failure, if any); the next starts after this.
    Done(Duration),
}

struct Demo<'a> {
    scripts: &'a [Scenario],
    file: usize,
    step: usize,
    run: Run,
    phase: Phase,
    caption: String,
    loop_no: u64,
    speed: f64,
    repeat: bool,
    /// The key that handed the counter to a person, while they have it.
    paused_by: Option<KeyCode>,
    /// The person changed something: the file starts again when the demo resumes.
    touched: bool,
    /// The shopper whose phone the pane shows.
    shopper: usize,
}

impl<'a> Demo<'a> {
    fn new(scripts: &'a [Scenario], speed: f64, repeat: bool) -> Result<Self, String> {
        let run = Run::new(&scripts[0])?;
        Ok(Demo {
            scripts,
            file: 0,
            step: 0,
            run,
            phase: Phase::Ready,
            caption: scripts[0].name.clone(),
            loop_no: 1,
            speed,
            repeat,
            paused_by: None,
            touched: false,
            shopper: 0,
        })
    }

    fn scenario(&self) -> &'a Scenario {
        &self.scripts[self.file]
    }

    fn start_file(&mut self, file: usize) -> Result<(), String> {
        self.file = file;
        self.step = 0;
        self.run = Run::new(self.scenario())?;
        self.phase = Phase::Ready;
        self.caption = self.scenario().name.clone();
        Ok(())
    }

    /// Moves the script on by `real` wall time; false when the demo is over.
    fn advance(&mut self, real: Duration) -> Result<bool, String> {
        if self.paused_by.is_some() {
            // A person has the counter: time runs as it does at a real counter.
            self.run.rt.advance(real);
            self.run.events.clear();
            return Ok(true);
        }
        let scaled = real.mul_f64(self.speed);
        let lapse = scaled.mul_f64(TIME_LAPSE);
        match std::mem::replace(&mut self.phase, Phase::Ready) {
            Phase::Beat(left) => self.phase = rest(left, scaled, Phase::Beat),
            Phase::Waiting(left) => {
                let d = lapse.min(left);
                self.run.wait(d);
                self.phase = rest(left, d, Phase::Waiting);
            }
            Phase::Until { status, left } => {
                let d = lapse.min(left);
                let reached = self.run.wait_for(&status, d);
                if !reached && d < left {
                    self.phase = Phase::Until {
                        status,
                        left: left - d,
                    };
                } else if !reached {
                    self.phase = Phase::Done(HOLD);
                    self.caption = format!("✖ never showed {status}");
                }
            }
            Phase::Done(left) if left > scaled => self.phase = Phase::Done(left - scaled),
            Phase::Done(_) => {
                let next = self.file + 1;
                if next < self.scripts.len() {
                    self.start_file(next)?;
                } else if self.repeat {
                    self.loop_no += 1;
                    self.start_file(0)?;
                } else {
                    return Ok(false);
                }
            }
            Phase::Ready => self.play_step(),
        }
        self.run.events.clear();
        Ok(true)
    }

    fn play_step(&mut self) {
        let scenario = self.scenario();
        let Some(step) = scenario.steps.get(self.step) else {
            self.caption = format!("✔ {}: done", scenario.name);
            self.phase = Phase::Done(HOLD);
            return;
        };
        self.step += 1;
        self.caption = crate::scenario::narrate::caption(step, self.run.rt.network());
        if let StepKind::Phone { shopper, .. } = &step.kind
            && let Some(i) = self
                .run
                .rt
                .network()
                .shoppers()
                .iter()
                .position(|s| s.id.0 == *shopper)
        {
            self.shopper = i;
        }
        self.phase = match &step.kind {
            StepKind::Wait(d) => Phase::Waiting(*d),
            StepKind::Until { status, within } => Phase::Until {
                status: status.clone(),
                left: *within,
            },
            _ => match self.run.step(step) {
                Ok(()) => Phase::Beat(BEAT),
                Err(f) => {
                    self.caption = format!("✖ line {}: {}", f.line, f.message);
                    Phase::Done(HOLD * 2)
                }
            },
        };
    }

    /// A key press; true to quit.
    fn on_key(&mut self, key: KeyEvent) -> Result<bool, String> {
        if key.modifiers.contains(KeyModifiers::CONTROL) && key.code == KeyCode::Char('q') {
            return Ok(true);
        }
        match self.paused_by {
            None => self.paused_by = Some(key.code),
            Some(code) if code == key.code => {
                self.paused_by = None;
                if std::mem::take(&mut self.touched) {
                    self.start_file(self.file)?;
                    self.caption = format!("Starting {:?} again", self.scenario().name);
                }
            }
            Some(_) => {
                use crate::ui::keymap::{InputMode, KeyContext, UiAction, action_for};
                let ctx = KeyContext::counter(InputMode::of(&self.run.rt.checkout));
                if let Some(UiAction::Checkout(action)) = action_for(key, ctx) {
                    self.run.rt.dispatch(action);
                    self.touched = true;
                }
            }
        }
        Ok(false)
    }

    fn draw(&self, frame: &mut ratatui::Frame) {
        let area = frame.area();
        let [main, bar] =
            Layout::vertical([Constraint::Min(0), Constraint::Length(CAPTION_HEIGHT)]).areas(area);
        let panes = crate::ui::Panes {
            phone: main.width >= crate::ui::MIN_WIDTH + crate::ui::PHONE_WIDTH,
            shopper: self.shopper,
            no_color: crate::ui::Panes::no_color_from(std::env::var_os("NO_COLOR").as_deref()),
            ..Default::default()
        };
        let view = crate::ui::CounterView {
            checkout: &self.run.rt.checkout,
            config: self.run.config(),
            now: self.run.rt.now(),
            network: Some(self.run.rt.network()),
            panes: &panes,
        };
        frame.render_widget(&view, main);
        let scenario = self.scenario();
        let paused = self.paused_by.map(key_name);
        let caption = Caption {
            text: &self.caption,
            scenario: &scenario.name,
            step: self.step.max(1),
            steps: scenario.steps.len(),
            loop_no: self.loop_no,
            paused_by: paused.as_deref(),
        };
        frame.render_widget(&caption, bar);
    }
}

/// `left` less `spent`, still in `phase`, or the next step when it is used up.
fn rest(left: Duration, spent: Duration, phase: fn(Duration) -> Phase) -> Phase {
    if left > spent {
        phase(left - spent)
    } else {
        Phase::Ready
    }
}

fn key_name(code: KeyCode) -> String {
    match code {
        KeyCode::Char(' ') => "Space".into(),
        KeyCode::Char(c) => c.to_string(),
        KeyCode::F(n) => format!("F{n}"),
        other => format!("{other:?}"),
    }
}

/// The demo's loop: draw, wait for a key or the next frame, move the script on. Returns the
/// stop signal that ended it, if one did.
fn play<B: ratatui::backend::Backend>(
    terminal: &mut ratatui::Terminal<B>,
    events: &mut crate::ui::events::TerminalEvents,
    scripts: &[Scenario],
    speed: f64,
    repeat: bool,
) -> std::io::Result<Option<i32>> {
    let mut demo = Demo::new(scripts, speed, repeat).map_err(std::io::Error::other)?;
    let clock = crate::clock::SystemClock::default();
    let mut last = Instant::now();
    loop {
        terminal
            .draw(|f| demo.draw(f))
            .map_err(|e| std::io::Error::other(e.to_string()))?;
        match events.next(&clock, FRAME)? {
            Input::Term(TermEvent::Key(key)) if key.is_press() => {
                if demo.on_key(key).map_err(std::io::Error::other)? {
                    return Ok(None);
                }
            }
            Input::Signal(n) => return Ok(Some(n)),
            Input::Closed => return Ok(None),
            // The demo attaches no second screens, so nothing remote arrives.
            Input::Term(_) | Input::Timeout | Input::Remote(_) => {}
        }
        let now = Instant::now();
        let real = now - last;
        last = now;
        if !demo.advance(real).map_err(std::io::Error::other)? {
            return Ok(None);
        }
    }
}
