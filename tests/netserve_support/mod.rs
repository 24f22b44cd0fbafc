//! A real `qrtill network serve` process on loopback, and a lane (the shared runtime on the
//! wall clock) whose payments go to it through `network.url`.
#![allow(dead_code)]

use qrtill::checkout::Screen;
use qrtill::checkout::payment::PayStatus;
use qrtill::clock::SystemClock;
use qrtill::config::Config;
use qrtill::harness;
use qrtill::journal::Journal;
use qrtill::runtime::{Runtime, ScreenPrinter};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Generous: the machine is shared and a debug build may be slow; tests poll, never sleep fixed.
pub const PATIENCE: Duration = Duration::from_secs(90);

/// A `qrtill network serve` child, SIGKILLed when dropped.
pub struct Service {
    pub child: Child,
    pub addr: String,
    pub data: PathBuf,
}

impl Service {
    /// Starts the service on `listen` (`127.0.0.1:0` picks a free port) with its ledger in
    /// `data`, and waits for the line that says where it listens.
    pub fn start(data: &Path, listen: &str) -> Service {
        let mut child = Command::new(env!("CARGO_BIN_EXE_qrtill"))
            .arg("--data")
            .arg(data)
            .args(["network", "serve", "--listen", listen])
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("qrtill network serve starts");
        let stdout = child.stdout.take().expect("stdout piped");
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("service prints its address");
        let addr = line
            .trim()
            .split_once("listening on http://")
            .map(|(_, addr)| addr.to_string())
            .unwrap_or_else(|| panic!("unexpected first line from the service: {line:?}"));
        Service {
            child,
            addr,
            data: data.to_path_buf(),
        }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// SIGKILL, as a crash or `kill -9` would; waits until the process is gone.
    pub fn kill(&mut self) {
        self.child.kill().expect("SIGKILL the service");
        self.child.wait().expect("service reaped");
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            if let Err(e) = self.child.kill() {
                eprintln!("service not killed: {e}");
            }
            if let Err(e) = self.child.wait() {
                eprintln!("service not reaped: {e}");
            }
        }
    }
}

/// A lane with its journal in `dir`, lane id `lane`, its payments sent to `url`.
pub fn lane(dir: &Path, lane: &str, url: &str) -> Runtime<SystemClock> {
    let mut config = Config::default();
    config.store.lane_id = lane.to_string();
    config.network.url = Some(url.to_string());
    let catalog = Arc::new(harness::demo_catalog(&config).expect("demo catalogue"));
    let journal = Journal::open(&dir.join("journal.sqlite")).expect("journal opens");
    // The in-process network only lends the wallet book and rates to the screens now.
    let shadow = harness::demo_network(harness::DEMO_SEED).expect("demo network");
    let mut rt = harness::assemble(
        &config,
        catalog,
        journal,
        Box::new(ScreenPrinter::default()),
        shadow,
        SystemClock::default(),
    );
    qrtill::netserve::attach(&mut rt, &config);
    rt
}

/// Lets the lane run on the wall clock until `done` holds for its screen, or `PATIENCE` passes.
pub fn run_until(rt: &mut Runtime<SystemClock>, what: &str, done: impl Fn(&Screen) -> bool) {
    let start = Instant::now();
    loop {
        rt.tick();
        if done(&rt.checkout.screen) {
            return;
        }
        if let Screen::Pay(p) = &rt.checkout.screen {
            let failed = matches!(
                p.status,
                PayStatus::Declined { .. }
                    | PayStatus::Cancelled { .. }
                    | PayStatus::NeedsManual { .. }
            );
            assert!(!failed, "lane waiting for {what} got {:?}", p.status);
        }
        assert!(
            start.elapsed() < PATIENCE,
            "lane never reached {what}; screen: {:?}",
            rt.checkout.screen
        );
        let now = rt.now();
        let wait = rt.next_deadline().map_or(Duration::from_millis(50), |t| {
            t.since(now).min(Duration::from_millis(50))
        });
        std::thread::sleep(wait.max(Duration::from_millis(1)));
    }
}
