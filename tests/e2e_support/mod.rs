//! A small tmux driver for the end-to-end tests: the real `qrtill` binary runs in a detached tmux
//! session on a private socket (one per test, so tests run in parallel), with a fresh data dir.
//! Tests type keys, read the screen with `capture-pane` and wait for text by polling it.
//!
//! tmux is required: without it the tests fail with a message saying so (CI installs it).

// Each test crate uses a different part of this module.
#![allow(dead_code)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use tempfile::TempDir;

/// The binary cargo built for these tests.
pub const QRTILL: &str = env!("CARGO_BIN_EXE_qrtill");

/// How long `wait_for` polls before it gives up and shows the last screen.
pub const WAIT: Duration = Duration::from_secs(10);
const POLL: Duration = Duration::from_millis(50);

/// What the shell prints after qrtill exits, before the code: `[qrtill exited: 0]`.
const EXIT_MARK: &str = "[qrtill exited: ";

static SESSIONS: AtomicUsize = AtomicUsize::new(0);

/// Where `counter_recording_exit` has the shell write qrtill's exit status.
const EXIT_STATUS_FILE: &str = "exit-status";

/// A `qrtill` command with its own data directory, no terminal, and no user environment that
/// could redirect its data.
pub fn qrtill(data: &Path) -> Command {
    let mut cmd = Command::new(QRTILL);
    cmd.env_remove("QRTILL_DATA")
        .env_remove("QRTILL_LOG")
        .arg("--data")
        .arg(data)
        .stdin(Stdio::null());
    cmd
}

/// Runs `qrtill --data DATA ARGS...` to completion and returns what it printed.
pub fn run_qrtill(data: &Path, args: &[&str]) -> Output {
    match qrtill(data).args(args).output() {
        Ok(out) => out,
        Err(e) => panic!("could not run {QRTILL}: {e}"),
    }
}

/// Stores the supervisor `pin` with `qrtill pin set`, read from standard input as a script would.
pub fn set_pin(data: &Path, pin: &str) {
    let mut child = match qrtill(data)
        .args(["pin", "set"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
    {
        Ok(c) => c,
        Err(e) => panic!("spawn qrtill pin set: {e}"),
    };
    match child.stdin.take() {
        Some(mut stdin) => {
            if let Err(e) = stdin.write_all(format!("{pin}\n").as_bytes()) {
                panic!("write the PIN: {e}");
            }
        }
        None => panic!("no stdin for qrtill pin set"),
    }
    match child.wait_with_output() {
        Ok(out) => assert!(
            out.status.success(),
            "pin set: {}",
            String::from_utf8_lossy(&out.stderr)
        ),
        Err(e) => panic!("pin set did not finish: {e}"),
    }
}

/// Quotes `s` for `sh`, which tmux uses to run the pane command.
pub fn sh_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// A detached tmux session running one command, on a socket nobody else uses.
pub struct Tmux {
    socket: String,
    /// Where tmux put the socket: the server leaves the file behind, so drop removes it.
    socket_path: Option<PathBuf>,
    /// The data directory handed to qrtill (`--data`); deleted on drop.
    pub data: TempDir,
}

impl Tmux {
    /// Starts `qrtill --data DATA ARGS...` in a `width`×`height` terminal and waits until the
    /// counter has drawn its scan prompt, so keys typed next reach the counter.
    pub fn counter(args: &[&str], width: u16, height: u16) -> Self {
        // A training counter sells outside shifts (and must not touch the real journal).
        let shift = !args.contains(&"--training");
        let t = Self::start(
            |data| Self::counter_command(data, args),
            width,
            height,
            shift,
        );
        t.wait_for("Scan:");
        t
    }

    /// Like `counter`, but the pane's shell writes qrtill's exit status to a file in the data
    /// dir once it exits; read it with `wait_exit_recorded`. tmux 3.3a sometimes marks a pane
    /// dead without ever recording `#{pane_dead_status}` (it misses the child's SIGCHLD, even
    /// for `sleep 0.2; exit 3`), which makes `wait_exit` flaky; the shell always reaps its child.
    pub fn counter_recording_exit(args: &[&str], width: u16, height: u16) -> Self {
        let t = Self::with_data(
            |data| {
                format!(
                    "{}; echo $? > {}",
                    Self::qrtill_command(data, args),
                    sh_quote(&data.join(EXIT_STATUS_FILE).to_string_lossy())
                )
            },
            width,
            height,
        );
        t.wait_for("Scan:");
        t
    }

    /// Waits until qrtill, started by `counter_recording_exit`, has exited and returns its exit
    /// status (128 + N when a signal N killed it, as `sh` reports it).
    pub fn wait_exit_recorded(&self) -> i32 {
        let path = self.data_path(EXIT_STATUS_FILE);
        let start = Instant::now();
        loop {
            // The redirection creates the file before `echo` writes: wait for the whole line.
            let text = std::fs::read_to_string(&path).unwrap_or_default();
            if let Some(code) = text.strip_suffix('\n').and_then(|c| c.parse().ok()) {
                return code;
            }
            if start.elapsed() > WAIT {
                panic!(
                    "qrtill did not exit within {WAIT:?} ({} says {text:?}); last screen:\n{}",
                    path.display(),
                    self.capture()
                );
            }
            std::thread::sleep(POLL);
        }
    }

    /// `qrtill --data DATA ARGS...`, then the shell prints its exit code for `wait_exit` and
    /// stays alive: tmux can drop the last output of a pane whose shell exits at once.
    pub fn counter_command(data: &Path, args: &[&str]) -> String {
        format!(
            "{}; echo \"{EXIT_MARK}$?]\"; exec sleep 600",
            Self::qrtill_command(data, args)
        )
    }

    /// `qrtill --data DATA ARGS...` as one shell word list.
    pub fn qrtill_command(data: &Path, args: &[&str]) -> String {
        let mut cmd = format!(
            "{} --data {}",
            sh_quote(QRTILL),
            sh_quote(&data.to_string_lossy())
        );
        for a in args {
            cmd.push(' ');
            cmd.push_str(&sh_quote(a));
        }
        cmd
    }

    /// Starts the shell command `make(data_dir)` in a `width`×`height` terminal, with a shift
    /// already open in the data dir (`qrtill shift open`): the counter asks for one before it
    /// sells, and these tests are about other things.
    pub fn with_data(make: impl FnOnce(&Path) -> String, width: u16, height: u16) -> Self {
        Self::start(make, width, height, true)
    }

    /// Like `with_data`, with no shift open: the counter prompts for one at the first scan.
    pub fn with_data_no_shift(make: impl FnOnce(&Path) -> String, width: u16, height: u16) -> Self {
        Self::start(make, width, height, false)
    }

    fn start(make: impl FnOnce(&Path) -> String, width: u16, height: u16, shift: bool) -> Self {
        require_tmux();
        let data = match tempfile::tempdir() {
            Ok(d) => d,
            Err(e) => panic!("cannot create a temp data dir: {e}"),
        };
        if shift {
            let out = run_qrtill(data.path(), &["shift", "open"]);
            assert!(
                out.status.success(),
                "qrtill shift open: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        let n = SESSIONS.fetch_add(1, Ordering::SeqCst);
        let socket = format!("qrtill-e2e-{}-{n}", std::process::id());
        // No status line (the pane gets the whole window), keep a finished pane readable,
        // and no escape delay so Esc reaches the counter at once.
        let conf = data.path().join("tmux.conf");
        let conf_text = "set -g status off\nset -g remain-on-exit on\nset -s escape-time 0\n";
        if let Err(e) = std::fs::write(&conf, conf_text) {
            panic!("cannot write {}: {e}", conf.display());
        }
        let command = make(data.path());
        let mut t = Self {
            socket,
            socket_path: None,
            data,
        };
        t.tmux_ok(&[
            "-f",
            &conf.to_string_lossy(),
            "new-session",
            "-d",
            "-s",
            "e2e",
            "-x",
            &width.to_string(),
            "-y",
            &height.to_string(),
            &command,
        ]);
        t.socket_path = Some(PathBuf::from(
            t.tmux_ok(&["display-message", "-p", "#{socket_path}"])
                .trim(),
        ));
        t
    }

    pub fn data_dir(&self) -> &Path {
        self.data.path()
    }

    pub fn data_path(&self, name: &str) -> PathBuf {
        self.data.path().join(name)
    }

    /// Sends tmux key names (`Enter`, `F9`, `C-q`, ...), one key per entry.
    pub fn send_keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", "e2e"];
        args.extend_from_slice(keys);
        self.tmux_ok(&args);
    }

    /// Types `text` literally, character by character, as a scanner or a cashier would.
    pub fn type_text(&self, text: &str) {
        self.tmux_ok(&["send-keys", "-t", "e2e", "-l", text]);
    }

    /// Scans a barcode: its digits, then Enter.
    pub fn scan(&self, barcode: &str) {
        self.type_text(barcode);
        self.send_keys(&["Enter"]);
    }

    /// The visible screen, one line per row.
    pub fn capture(&self) -> String {
        self.tmux_ok(&["capture-pane", "-p", "-t", "e2e"])
    }

    /// A tmux format about the pane, e.g. `#{alternate_on}` or `#{pane_width}x#{pane_height}`.
    pub fn pane_format(&self, format: &str) -> String {
        self.tmux_ok(&["display-message", "-p", "-t", "e2e", format])
            .trim()
            .to_string()
    }

    pub fn resize(&self, width: u16, height: u16) {
        self.tmux_ok(&[
            "resize-window",
            "-t",
            "e2e",
            "-x",
            &width.to_string(),
            "-y",
            &height.to_string(),
        ]);
    }

    /// Waits until `text` is on screen and returns that screen.
    pub fn wait_for(&self, text: &str) -> String {
        self.wait_until(&format!("{text:?} on screen"), |s| s.contains(text))
    }

    /// Waits until `text` is no longer on screen and returns that screen.
    pub fn wait_gone(&self, text: &str) -> String {
        self.wait_until(&format!("{text:?} gone from the screen"), |s| {
            !s.contains(text)
        })
    }

    /// Polls the screen every ~50 ms until `ready` holds on a settled screen (the same on two
    /// polls in a row, so a frame tmux has only half read is never asserted on); after `WAIT`
    /// panics with the last screen, so a failure shows what the counter was showing.
    pub fn wait_until(&self, what: &str, ready: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        let mut previous: Option<String> = None;
        loop {
            let screen = self.capture();
            if ready(&screen) && previous.as_deref() == Some(screen.as_str()) {
                return screen;
            }
            if start.elapsed() > WAIT {
                panic!(
                    "timed out after {:?} waiting for {what}; last screen:\n{screen}",
                    WAIT
                );
            }
            previous = Some(screen);
            std::thread::sleep(POLL);
        }
    }

    /// Polls a pane format until it equals `want`.
    pub fn wait_for_format(&self, format: &str, want: &str) {
        let start = Instant::now();
        loop {
            let got = self.pane_format(format);
            if got == want {
                return;
            }
            if start.elapsed() > WAIT {
                panic!(
                    "timed out waiting for {format} = {want:?} (is {got:?}); last screen:\n{}",
                    self.capture()
                );
            }
            std::thread::sleep(POLL);
        }
    }

    /// Waits until qrtill (started by `counter` or `counter_command`) has exited and returns
    /// its exit code, as the shell reported it on the main screen.
    pub fn wait_exit(&self) -> i32 {
        // The shell prints the code: tmux's own #{pane_dead_status} is sometimes never set.
        let screen = self.wait_for(EXIT_MARK);
        let code = screen
            .split(EXIT_MARK)
            .nth(1)
            .and_then(|rest| rest.split(']').next())
            .and_then(|n| n.trim().parse().ok());
        match code {
            Some(c) => c,
            None => panic!("no exit code after {EXIT_MARK:?} on screen:\n{screen}"),
        }
    }

    fn tmux_ok(&self, args: &[&str]) -> String {
        let out = Command::new("tmux")
            .arg("-L")
            .arg(&self.socket)
            .args(args)
            .env_remove("TMUX")
            .stdin(Stdio::null())
            .output();
        match out {
            Ok(o) if o.status.success() => String::from_utf8_lossy(&o.stdout).into_owned(),
            Ok(o) => panic!(
                "tmux {args:?} failed ({}): {}",
                o.status,
                String::from_utf8_lossy(&o.stderr)
            ),
            Err(e) => panic!("cannot run tmux: {e}"),
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        // Best effort: the server may already be gone; a panic here would hide the real one.
        let _ = Command::new("tmux")
            .arg("-L")
            .arg(&self.socket)
            .arg("kill-server")
            .env_remove("TMUX")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        if let Some(path) = &self.socket_path {
            let _ = std::fs::remove_file(path);
        }
    }
}

/// Fails (never skips) when tmux is missing: the end-to-end proof must not pass vacuously.
fn require_tmux() {
    match Command::new("tmux").arg("-V").output() {
        Ok(o) if o.status.success() => {}
        Ok(o) => panic!(
            "tmux -V failed ({}): the end-to-end tests need a working tmux",
            o.status
        ),
        Err(e) => panic!(
            "tmux is not installed ({e}): the end-to-end tests drive the real binary in tmux; \
             install it (e.g. `apt-get install tmux`, as .ci/run does)"
        ),
    }
}

/// Rows of `table` in the SQLite file at `path`, read-only; 0 while the file or the table does
/// not exist yet (a process just starting).
pub fn count_rows(path: &Path, table: &str) -> u64 {
    use rusqlite::{Connection, OpenFlags};
    if !path.exists() {
        return 0;
    }
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    Connection::open_with_flags(path, flags)
        .and_then(|c| {
            c.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| {
                r.get::<_, i64>(0)
            })
        })
        .map_or(0, |n| n.max(0) as u64)
}

/// SIGKILLs `child` as soon as `table` in the SQLite file at `path` holds at least `target`
/// rows (at once when it already does). Timing kills by progress, not by the clock, lands them
/// at comparable moments on an idle or a loaded machine. Panics if the child ends by itself,
/// or if nothing reaches `target` within two minutes.
pub fn kill_when_rows(child: &mut std::process::Child, path: &Path, table: &str, target: u64) {
    let start = Instant::now();
    while count_rows(path, table) < target {
        if let Ok(Some(status)) = child.try_wait() {
            panic!("qrtill ended by itself ({status}) before {table} reached {target} rows");
        }
        if start.elapsed() > Duration::from_secs(120) {
            panic!("{table} in {} never reached {target} rows", path.display());
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    if let Ok(Some(status)) = child.try_wait() {
        panic!("qrtill ended by itself ({status}) before the kill; it should still be working");
    }
    if let Err(e) = child.kill() {
        panic!("kill: {e}");
    }
    if let Err(e) = child.wait() {
        panic!("wait: {e}");
    }
}

/// The position `(i/n)` of the shopper the phone shows. A long name wraps, so the position may
/// sit on the row below the `◀ name ▶` one: look for the first `(digits/digits)` anywhere.
pub fn shopper_position(screen: &str) -> Option<(usize, usize)> {
    screen.split('(').skip(1).find_map(|after| {
        let (i, rest) = after.split_once('/')?;
        let (n, _) = rest.split_once(')')?;
        Some((i.parse().ok()?, n.parse().ok()?))
    })
}

/// Presses → on the (focused) phone until it shows `name`, checking each press moved one
/// shopper on, so a changed wallet book fails with the phone on screen rather than a guess.
pub fn pick_shopper(t: &Tmux, name: &str) {
    let shown = format!("◀ {name}");
    let screen = t.wait_until("the shopper phone", |s| shopper_position(s).is_some());
    let Some((mut at, count)) = shopper_position(&screen) else {
        unreachable!("wait_until returned a screen without the phone");
    };
    if screen.contains(&shown) {
        return;
    }
    for _ in 1..count {
        t.send_keys(&["Right"]);
        let next = at % count + 1;
        let screen = t.wait_until(&format!("shopper {next}/{count}"), |s| {
            shopper_position(s) == Some((next, count))
        });
        if screen.contains(&shown) {
            return;
        }
        at = next;
    }
    panic!("no shopper {name:?} among the {count} on the phone");
}

/// The pid in `DATA/qrtill.lock`, once it names a live `qrtill` other than `not` (polled: the
/// restarted counter rewrites the file after it takes the lock).
pub fn lock_pid(t: &Tmux, not: Option<u32>) -> u32 {
    let path = t.data_path("qrtill.lock");
    let start = Instant::now();
    loop {
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        if let Ok(pid) = text.trim().parse::<u32>() {
            let comm = std::fs::read_to_string(format!("/proc/{pid}/comm")).unwrap_or_default();
            if Some(pid) != not && comm.trim() == "qrtill" {
                return pid;
            }
        }
        if start.elapsed() > WAIT {
            panic!(
                "{} never named a running qrtill other than {not:?} (holds {text:?}); screen:\n{}",
                path.display(),
                t.capture()
            );
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

/// SIGKILL, as a crash or a pulled plug would end the process.
pub fn sigkill(pid: u32) {
    match std::process::Command::new("kill")
        .arg("-KILL")
        .arg(pid.to_string())
        .status()
    {
        Ok(s) if s.success() => {}
        other => panic!("kill -KILL {pid}: {other:?}"),
    }
}
