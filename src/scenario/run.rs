//! Plays a scenario on the shared runtime with a virtual clock, recording an event log of
//! everything that happens (keys, requests, replies, status changes, journal commits, prints).
//! `qrtill play` runs it to the end at once; `qrtill demo` steps it at human speed.

use super::check;
use super::format::{FaultStep, ReplyFault, RestartKind, Scenario, Step, StepKind};
use super::observe::status_label;
use crate::catalog::Catalog;
use crate::checkout::CompletedSale;
use crate::checkout::payment::TraceEntry;
use crate::clock::{ManualClock, Timestamp};
use crate::config::Config;
use crate::journal::Journal;
use crate::money::fx::FxTable;
use crate::network::reply_shape::ReplyShape;
use crate::network::{DEFAULT_WALLETS_TOML, Fault, LedgerStore, Network, ShopperId, WalletBook};
use crate::runtime::{ReceiptPrinter, Runtime};
use serde_json::json;
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::rc::Rc;
use std::sync::Arc;
use std::time::Duration;

/// A step that did not go as the file said: its line and what differed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub line: usize,
    pub message: String,
}

/// What the file needs that is not a step: loaded once, reused on restarts.
struct Stage {
    config: Config,
    catalog: Arc<Catalog>,
    book: String,
    fx: FxTable,
    seed: u64,
}

/// Journal and ledger files for scenarios that restart the counter (in a private temporary
/// folder, removed when the run ends); other runs keep both in memory.
struct Files {
    dir: PathBuf,
    journal_no: u32,
}

impl Drop for Files {
    fn drop(&mut self) {
        if let Err(e) = std::fs::remove_dir_all(&self.dir) {
            tracing::warn!(dir = %self.dir.display(), error = %e, "scenario files not removed");
        }
    }
}

/// Prints that "succeed" at once, remembered for the event log.
struct RecordingPrinter {
    done: Vec<u64>,
    log: Rc<RefCell<Vec<(u64, bool)>>>,
}

impl ReceiptPrinter for RecordingPrinter {
    fn submit(&mut self, sale: &CompletedSale, reprint: bool) {
        self.log.borrow_mut().push((sale.sale_no, reprint));
        self.done.push(sale.sale_no);
    }

    fn poll(&mut self) -> Vec<(u64, Result<(), String>)> {
        self.done.drain(..).map(|n| (n, Ok(()))).collect()
    }
}

/// A scenario being played.
pub struct Run {
    pub rt: Runtime<ManualClock>,
    stage: Stage,
    files: Option<Files>,
    /// When the run started (event times and `elapsed_at_most` count from here).
    pub start: Timestamp,
    /// The event log, one JSON object per line.
    pub events: Vec<String>,
    /// Statuses shown since the last `seen` check.
    pub seen: Vec<String>,
    last_label: String,
    trace_mark: Option<TraceEntry>,
    attempts: BTreeMap<String, (String, Option<String>)>,
    sales_logged: usize,
    prints: Rc<RefCell<Vec<(u64, bool)>>>,
    /// Receipts printed since the start.
    pub printed: usize,
    /// The last payment code each shopper's phone showed.
    codes: BTreeMap<String, String>,
}

impl Run {
    /// Sets the counter up as `scenario` says (config, catalogue, wallet book, FX, seed, start).
    pub fn new(scenario: &Scenario) -> Result<Run, String> {
        let config = match &scenario.config {
            Some(p) => Config::load(p).map_err(|e| e.to_string())?,
            None => Config::default(),
        };
        let codes = config.tax.codes();
        let catalog = match &scenario.catalog {
            Some(p) => crate::catalog::open(p, &codes, config.currency()),
            None => crate::catalog::demo(&codes, config.currency()),
        }
        .map_err(|e| format!("catalogue: {e}"))?;
        let book = match &scenario.shoppers_toml {
            Some(extra) => format!("{DEFAULT_WALLETS_TOML}\n{extra}"),
            None => DEFAULT_WALLETS_TOML.to_string(),
        };
        WalletBook::parse(&book, "wallets.toml + the scenario's shoppers")
            .map_err(|e| e.to_string())?;
        let fx = match &scenario.fx {
            Some(p) => FxTable::load(p),
            None => FxTable::embedded(),
        }
        .map_err(|e| e.to_string())?;
        let stage = Stage {
            config,
            catalog: Arc::new(catalog),
            book,
            fx,
            seed: scenario.seed,
        };
        let restarts = scenario
            .steps
            .iter()
            .any(|s| matches!(s.kind, StepKind::Restart { .. }));
        let files = restarts.then(temp_files).transpose()?;
        let start = Timestamp(
            scenario
                .start_ms
                .unwrap_or(crate::harness::DEMO_START.millis()),
        );
        let prints = Rc::new(RefCell::new(Vec::new()));
        let rt = build(&stage, files.as_ref(), &prints, start)?;
        let mut run = Run {
            rt,
            stage,
            files,
            start,
            events: Vec::new(),
            seen: Vec::new(),
            last_label: String::new(),
            trace_mark: None,
            attempts: BTreeMap::new(),
            sales_logged: 0,
            prints,
            printed: 0,
            codes: BTreeMap::new(),
        };
        run.log(json!({"event": "start", "scenario": scenario.name, "seed": scenario.seed}));
        run.observe();
        Ok(run)
    }

    pub fn config(&self) -> &Config {
        &self.stage.config
    }

    /// Virtual ms since the start.
    pub fn elapsed_ms(&self) -> i64 {
        self.rt.now().millis() - self.start.millis()
    }

    fn log(&mut self, mut value: serde_json::Value) {
        if let Some(map) = value.as_object_mut() {
            map.insert("t".into(), json!(self.elapsed_ms()));
        }
        self.events.push(value.to_string());
    }

    /// Plays one step. Time steps (`wait`, `until`) run to their end here; the demo slices them
    /// with `wait` itself.
    pub fn step(&mut self, step: &Step) -> Result<(), Failure> {
        let fail = |message: String| Failure {
            line: step.line,
            message,
        };
        match &step.kind {
            StepKind::Scan(code) => {
                self.log(json!({"event": "scan", "barcode": code}));
                crate::harness::scan(&mut self.rt, code);
            }
            StepKind::Type(text) => {
                self.log(json!({"event": "type", "text": text}));
                crate::harness::type_text(&mut self.rt, text);
            }
            StepKind::Rescan(shopper) => {
                let code = self.codes.get(shopper).cloned().ok_or_else(|| {
                    fail(format!("{shopper}'s phone has shown no payment code yet"))
                })?;
                self.log(json!({"event": "scan", "barcode": code, "rescan": shopper}));
                crate::harness::scan(&mut self.rt, &code);
            }
            StepKind::Key { key, times } => {
                for _ in 0..*times {
                    self.log(json!({"event": "key", "key": key.name}));
                    self.rt.dispatch(key.action.clone());
                    self.observe();
                }
            }
            StepKind::Phone {
                shopper,
                action,
                refused,
            } => {
                let name = super::format::PHONE_ACTIONS
                    .iter()
                    .find(|(_, a)| a == action)
                    .map_or("?", |(n, _)| *n);
                let id = ShopperId(shopper.clone());
                self.remember_code(&id);
                let result = self.rt.phone(&id, *action);
                self.remember_code(&id);
                let (ok, message) = match &result {
                    Ok(m) => (true, m.clone()),
                    Err(m) => (false, m.clone()),
                };
                self.log(json!({"event": "phone", "shopper": shopper, "action": name, "ok": ok, "message": message}));
                self.observe();
                match (result, refused) {
                    (Ok(_), None) => {}
                    (Err(why), Some(want)) if why.contains(want.as_str()) => {}
                    (Err(why), None) => {
                        return Err(fail(format!("{shopper}'s phone refused {name}: {why}")));
                    }
                    (Err(why), Some(want)) => {
                        return Err(fail(format!(
                            "{shopper}'s phone refused {name} with {why:?}, expected a refusal containing {want:?}"
                        )));
                    }
                    (Ok(m), Some(want)) => {
                        return Err(fail(format!(
                            "{shopper}'s phone took {name} ({m}), expected a refusal containing {want:?}"
                        )));
                    }
                }
            }
            StepKind::Fault(f) => self.fault(f).map_err(fail)?,
            StepKind::Wait(d) => {
                self.log(json!({"event": "wait", "ms": d.as_millis() as u64}));
                self.wait(*d);
            }
            StepKind::Until { status, within } => {
                self.log(json!({"event": "until", "status": status, "within_ms": within.as_millis() as u64}));
                if !self.wait_for(status, *within) {
                    return Err(fail(format!(
                        "never showed {status} within {} ms; seen {:?}",
                        within.as_millis(),
                        self.seen
                    )));
                }
            }
            StepKind::Balance { shopper, amount } => {
                let money = parse_money(amount).map_err(&fail)?;
                let now = self.rt.now();
                self.rt
                    .network_mut()
                    .set_balance(&ShopperId(shopper.clone()), money, now)
                    .map_err(|e| fail(e.to_string()))?;
                self.log(
                    json!({"event": "balance", "shopper": shopper, "amount": money.with_code()}),
                );
            }
            StepKind::Restart { kind, after } => self.restart(*kind, *after).map_err(fail)?,
            StepKind::Refund {
                sale,
                lines,
                cash,
                refused,
            } => {
                let outcome = self.refund(*sale, lines.as_deref(), *cash).map_err(&fail)?;
                self.observe();
                match (outcome, refused) {
                    (Ok(_), None) => {}
                    (Err(why), Some(want)) if why.contains(want.as_str()) => {}
                    (Err(why), None) => return Err(fail(format!("the refund was refused: {why}"))),
                    (Err(why), Some(want)) => {
                        return Err(fail(format!(
                            "the refund was refused with {why:?}, expected a refusal containing {want:?}"
                        )));
                    }
                    (Ok(how), Some(want)) => {
                        return Err(fail(format!(
                            "the refund went through ({how}), expected a refusal containing {want:?}"
                        )));
                    }
                }
            }
            StepKind::Recover => {
                for r in self.rt.recover() {
                    let text = format!("{r:?}");
                    self.log(json!({"event": "recovered", "detail": text}));
                }
                self.observe();
            }
            StepKind::Expect(e) => {
                let result = check::check(self, e);
                self.log(json!({"event": "expect", "line": step.line, "ok": result.is_ok()}));
                result.map_err(fail)?;
            }
        }
        self.observe();
        Ok(())
    }

    fn fault(&mut self, f: &FaultStep) -> Result<(), String> {
        match f {
            FaultStep::Reply { call, fault, times } => {
                for _ in 0..*times {
                    let net = self.rt.network_mut();
                    match fault {
                        ReplyFault::Drop => net.inject_fault(Fault::DropReply(*call)),
                        ReplyFault::Throttle => net.inject_fault(Fault::Throttle(*call)),
                        ReplyFault::SystemError => net.inject_fault(Fault::SystemError(*call)),
                        ReplyFault::Delay(d) => net.shape_next_reply(*call, ReplyShape::Delay(*d)),
                        ReplyFault::Duplicate => net.shape_next_reply(*call, ReplyShape::Duplicate),
                    }
                }
                let text = format!("{fault:?}");
                let call = format!("{call:?}");
                self.log(json!({"event": "fault", "fault": text, "call": call, "times": times}));
            }
            FaultStep::Offline { shopper, offline } => {
                let now = self.rt.now();
                self.rt
                    .network_mut()
                    .set_offline(&ShopperId(shopper.clone()), *offline, now)
                    .map_err(|e| e.to_string())?;
                self.log(json!({"event": "fault", "fault": if *offline { "wallet-offline" } else { "wallet-online" }, "shopper": shopper}));
                self.rt.advance(Duration::ZERO);
            }
        }
        Ok(())
    }

    /// Refunds a sale at the refund desk; `Ok(Ok(how))` settled, `Ok(Err(why))` refused (by
    /// the plan or the wallet), `Err` when there is no sale to refund.
    fn refund(
        &mut self,
        sale: Option<u64>,
        lines: Option<&[(u32, u32)]>,
        cash: bool,
    ) -> Result<Result<String, String>, String> {
        use crate::checkout::refund::desk::{self, RefundOrder};
        use crate::checkout::refund::{Choice, Status};
        let lane = self.stage.config.store.lane_id.clone();
        let sale_no = match sale {
            Some(n) => n,
            None => self
                .rt
                .journal()
                .sale_numbers(&lane)
                .ok()
                .and_then(|v| v.last().copied())
                .ok_or("no sale to refund")?,
        };
        let choice = match lines {
            None => Choice::Whole,
            Some(l) => Choice::Lines(l.iter().map(|(line, qty)| (line - 1, *qty)).collect()),
        };
        let order = RefundOrder {
            lane_id: lane,
            sale_no,
            choice,
            reason: "Scenario".into(),
            kind: crate::journal::RefundKind::Refund,
            cash_instead: cash,
        };
        let config = &self.stage.config;
        let now = self.rt.now();
        let result = desk::prepare(
            self.rt.journal(),
            &config.tax,
            order,
            now,
            config.store.utc_offset_minutes,
        )
        .and_then(|p| desk::run(&mut self.rt, p, &config.refund));
        let outcome = match result {
            Ok(done) => match &done.status {
                Status::Settled { .. } => Ok(desk::describe(&done.status)),
                other => Err(desk::describe(other)),
            },
            Err(e) => Err(e.to_string()),
        };
        let (ok, text) = match &outcome {
            Ok(t) => (true, t.clone()),
            Err(t) => (false, t.clone()),
        };
        self.log(
            json!({"event": "refund", "sale_no": sale_no, "cash": cash, "ok": ok, "result": text}),
        );
        Ok(outcome)
    }

    /// Notes the payment code the shopper's phone shows, for a later `rescan`.
    fn remember_code(&mut self, shopper: &ShopperId) {
        if let Some(crate::network::PhoneScreen::ShowCode {
            code, tap: false, ..
        }) = self.rt.phone_screen(shopper)
        {
            self.codes.insert(shopper.0.clone(), code);
        }
    }

    /// Lets `d` of virtual time pass, event by event, logging each change on the way.
    pub fn wait(&mut self, d: Duration) {
        let end = self.rt.now() + d;
        for _ in 0..100_000 {
            match self.rt.next_deadline() {
                Some(t) if t <= end => {
                    let step = (t.millis() - self.rt.now().millis()).max(0) as u64;
                    self.rt.advance(Duration::from_millis(step));
                    self.observe();
                    if step == 0 && self.rt.next_deadline() == Some(t) {
                        break;
                    }
                }
                _ => break,
            }
        }
        let rest = (end.millis() - self.rt.now().millis()).max(0) as u64;
        self.rt.advance(Duration::from_millis(rest));
        self.observe();
    }

    /// Lets time pass until the status reads `want`, at most `within`; whether it did.
    pub fn wait_for(&mut self, want: &str, within: Duration) -> bool {
        let end = self.rt.now() + within;
        loop {
            if self.last_label == want {
                return true;
            }
            match self.rt.next_deadline() {
                Some(t) if t <= end => {
                    let step = (t.millis() - self.rt.now().millis()).max(1) as u64;
                    self.rt.advance(Duration::from_millis(step));
                    self.observe();
                }
                _ => {
                    let rest = (end.millis() - self.rt.now().millis()).max(0) as u64;
                    self.rt.advance(Duration::from_millis(rest));
                    self.observe();
                    return self.last_label == want;
                }
            }
        }
    }

    fn restart(&mut self, kind: RestartKind, after: Duration) -> Result<(), String> {
        let at = self.rt.now() + after;
        // The old counter goes first (its files close), as when the process stops.
        self.rt = build(&self.stage, None, &self.prints, at)?;
        if kind == RestartKind::Replacement
            && let Some(f) = self.files.as_mut()
        {
            f.journal_no += 1;
        }
        self.rt = build(&self.stage, self.files.as_ref(), &self.prints, at)?;
        self.trace_mark = None;
        self.sales_logged = 0;
        // A new counter: `seen` starts again from its first screen.
        self.seen.clear();
        self.last_label.clear();
        if kind == RestartKind::Replacement {
            self.attempts.clear();
        }
        let which = match kind {
            RestartKind::Counter => "counter",
            RestartKind::Replacement => "replacement",
        };
        self.log(json!({"event": "restart", "kind": which}));
        self.observe();
        Ok(())
    }

    /// Logs what changed since the last look: status, protocol trace, journal, prints.
    pub fn observe(&mut self) {
        let label = status_label(&self.rt.checkout.screen);
        if label != self.last_label {
            self.log(json!({"event": "status", "status": label}));
            self.seen.push(label.clone());
            self.last_label = label;
        }
        let trace = &self.rt.checkout.trace;
        let from = match &self.trace_mark {
            Some(mark) => trace.iter().rposition(|t| t == mark).map_or(0, |i| i + 1),
            None => 0,
        };
        let new: Vec<TraceEntry> = trace[from..].to_vec();
        if let Some(last) = new.last() {
            self.trace_mark = Some(last.clone());
        }
        for t in new {
            let event = if t.outgoing { "request" } else { "reply" };
            self.log(
                json!({"event": event, "call": t.call, "id": t.request_id, "detail": t.detail}),
            );
        }
        let attempts = self.rt.journal().all_attempts().unwrap_or_else(|e| {
            tracing::warn!(error = %e, "journal unreadable: attempts left out of the event log");
            Vec::new()
        });
        for a in attempts {
            let now = (a.state.as_str().to_string(), a.outcome.clone());
            if self.attempts.get(&a.request_id) != Some(&now) {
                self.log(json!({"event": "attempt", "id": a.request_id, "state": now.0, "outcome": now.1, "amount": a.amount.with_code()}));
                self.attempts.insert(a.request_id.clone(), now);
            }
        }
        let lane = self.stage.config.store.lane_id.clone();
        let numbers = self.rt.journal().sale_numbers(&lane).unwrap_or_else(|e| {
            tracing::warn!(error = %e, "journal unreadable: sales left out of the event log");
            Vec::new()
        });
        for n in numbers
            .iter()
            .skip(self.sales_logged)
            .copied()
            .collect::<Vec<_>>()
        {
            if let Ok(Some(sale)) = self.rt.journal().sale(&lane, n) {
                self.log(json!({"event": "sale", "sale_no": n, "total": sale.total.with_code()}));
            }
        }
        self.sales_logged = numbers.len();
        let prints: Vec<(u64, bool)> = self.prints.borrow_mut().drain(..).collect();
        for (n, reprint) in prints {
            self.printed += 1;
            self.log(json!({"event": "print", "sale_no": n, "reprint": reprint}));
        }
    }

    /// The current status word.
    pub fn status(&self) -> &str {
        &self.last_label
    }

    /// Every committed sale on the lane, in order.
    pub fn sales(&self) -> Vec<CompletedSale> {
        let lane = &self.stage.config.store.lane_id;
        let journal = self.rt.journal();
        journal
            .sale_numbers(lane)
            .unwrap_or_default()
            .into_iter()
            .filter_map(|n| journal.sale(lane, n).ok().flatten())
            .collect()
    }
}

/// Parses `"CNY 5000.00"`.
pub fn parse_money(text: &str) -> Result<crate::money::Money, String> {
    let (code, amount) = text.trim().split_once(' ').ok_or_else(|| {
        format!("{text:?}: write the currency and the amount, e.g. \"CNY 5000.00\"")
    })?;
    let currency = crate::money::currency_from_code(code).map_err(|e| format!("{text:?}: {e}"))?;
    crate::money::Money::parse(amount.trim(), currency).map_err(|e| format!("{text:?}: {e}"))
}

fn temp_files() -> Result<Files, String> {
    static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("qrtill-play-{}-{n}", std::process::id()));
    crate::data_dir::make_private(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    Ok(Files { dir, journal_no: 0 })
}

fn build(
    stage: &Stage,
    files: Option<&Files>,
    prints: &Rc<RefCell<Vec<(u64, bool)>>>,
    at: Timestamp,
) -> Result<Runtime<ManualClock>, String> {
    let (journal, ledger) = match files {
        Some(f) => (
            Journal::open(&f.dir.join(format!("journal-{}.sqlite", f.journal_no))),
            LedgerStore::open(&f.dir.join("network.sqlite")),
        ),
        None => (Journal::in_memory(), LedgerStore::in_memory()),
    };
    let journal = journal.map_err(|e| e.to_string())?;
    let ledger = ledger.map_err(|e| e.to_string())?;
    let book = WalletBook::parse(&stage.book, "wallets.toml").map_err(|e| e.to_string())?;
    let network =
        Network::open(ledger, book, stage.fx.clone(), stage.seed).map_err(|e| e.to_string())?;
    let printer = RecordingPrinter {
        done: Vec::new(),
        log: prints.clone(),
    };
    Ok(crate::harness::assemble(
        &stage.config,
        stage.catalog.clone(),
        journal,
        Box::new(printer),
        network,
        ManualClock::new(at),
    ))
}

/// How one file's run ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Played {
    pub steps: usize,
    pub events: Vec<String>,
    pub failure: Option<Failure>,
    /// Virtual ms the run took.
    pub elapsed_ms: i64,
}

/// Plays `scenario` to the end (or its first failure).
pub fn play(scenario: &Scenario) -> Result<Played, String> {
    let mut run = Run::new(scenario)?;
    let mut failure = None;
    let mut steps = 0;
    for step in &scenario.steps {
        steps += 1;
        if let Err(f) = run.step(step) {
            failure = Some(f);
            break;
        }
    }
    Ok(Played {
        steps,
        elapsed_ms: run.elapsed_ms(),
        events: std::mem::take(&mut run.events),
        failure,
    })
}
