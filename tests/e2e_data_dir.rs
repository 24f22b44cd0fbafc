//! The data directory with the real binary: one writer at a time (a second counter or writing
//! subcommand exits 2 naming the owner's pid, readers still work, SIGKILL frees it), private
//! modes (0700 / 0600), and damaged or foreign databases refused untouched with exit 2.

use crate::e2e_support;

use e2e_support::{Tmux, qrtill, run_qrtill};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Output, Stdio};
use std::time::{Duration, Instant, SystemTime};

fn temp() -> tempfile::TempDir {
    match tempfile::tempdir() {
        Ok(d) => d,
        Err(e) => panic!("temp dir: {e}"),
    }
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn code(out: &Output) -> i32 {
    match out.status.code() {
        Some(c) => c,
        None => panic!("killed by a signal: {}", stderr(out)),
    }
}

fn mode(path: &Path) -> u32 {
    match std::fs::metadata(path) {
        Ok(m) => m.permissions().mode() & 0o777,
        Err(e) => panic!("{}: {e}", path.display()),
    }
}

/// Polls `ready` every 20 ms for up to a minute (a loaded machine is slow, never wrong).
fn poll(what: &str, ready: impl Fn() -> bool) {
    let start = Instant::now();
    while !ready() {
        if start.elapsed() > Duration::from_secs(60) {
            panic!("gave up waiting for {what}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A `simulate` that keeps selling until killed, once it holds the directory (its pid is in the
/// lock file) and has committed a sale (so readers have something to read).
fn busy_writer(data: &Path) -> Child {
    let child = match qrtill(data)
        .args(["simulate", "--sales", "10000000"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
    {
        Ok(c) => c,
        Err(e) => panic!("cannot start qrtill simulate: {e}"),
    };
    let pid = child.id().to_string();
    let lock = data.join("qrtill.lock");
    poll("the lock file to hold the writer's pid", || {
        std::fs::read_to_string(&lock).is_ok_and(|t| t.trim() == pid)
    });
    poll("a first committed sale", || {
        code(&run_qrtill(data, &["receipt", "last"])) == 0
    });
    child
}

fn kill(mut child: Child) {
    if let Err(e) = child.kill() {
        panic!("kill: {e}");
    }
    if let Err(e) = child.wait() {
        panic!("wait: {e}");
    }
}

#[test]
fn a_second_writer_is_refused_while_readers_still_work() {
    let data = temp();
    let writer = busy_writer(data.path());
    let message = format!(
        "data directory {} is in use by process {}",
        data.path().display(),
        writer.id()
    );
    for args in [&["simulate", "--sales", "1"][..], &["reconcile"][..]] {
        let out = run_qrtill(data.path(), args);
        assert_eq!(code(&out), 2, "{args:?}: {}", stderr(&out));
        assert!(
            stderr(&out).contains(&message),
            "{args:?}: {}",
            stderr(&out)
        );
    }
    let receipt = run_qrtill(data.path(), &["receipt", "last"]);
    assert_eq!(
        code(&receipt),
        0,
        "receipt reads beside the writer: {}",
        stderr(&receipt)
    );
    assert!(String::from_utf8_lossy(&receipt.stdout).contains("SALE #"));
    let qr = run_qrtill(data.path(), &["qr", "encode", "--amount", "1.00"]);
    assert_eq!(code(&qr), 0, "{}", stderr(&qr));

    // SIGKILL leaves the lock file behind, but not the lock.
    kill(writer);
    let out = run_qrtill(data.path(), &["simulate", "--sales", "1"]);
    assert_eq!(code(&out), 0, "after the kill: {}", stderr(&out));
    let out = run_qrtill(data.path(), &["reconcile"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
}

#[test]
fn a_second_counter_exits_at_once_naming_the_first() {
    let t = Tmux::counter(&[], 100, 30);
    let lock = t.data_path("qrtill.lock");
    let pid = match std::fs::read_to_string(&lock) {
        Ok(p) => p.trim().to_string(),
        Err(e) => panic!("{}: {e}", lock.display()),
    };
    assert!(pid.parse::<u32>().is_ok(), "lock file holds a pid: {pid:?}");
    let second = Tmux::with_data(|_| Tmux::counter_command(t.data_dir(), &[]), 100, 30);
    assert_eq!(second.wait_exit(), 2, "the second counter exits 2");
    let screen = second.capture();
    let want = format!(
        "data directory {} is in use by process {pid}",
        t.data_dir().display()
    );
    assert!(screen.contains(&want), "{screen}");
    let out = run_qrtill(t.data_dir(), &["simulate", "--sales", "1"]);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    // The first counter is untouched and still sells.
    t.scan("2000000000138");
    t.wait_for("Added");
}

#[test]
fn the_data_directory_and_every_file_in_it_are_private() {
    let root = temp();
    let data = root.path().join("data");
    // As an older qrtill left it: world-readable directory and journal.
    let seeded = run_qrtill(&data, &["simulate", "--sales", "2"]);
    assert_eq!(code(&seeded), 0, "{}", stderr(&seeded));
    for (path, m) in [(data.clone(), 0o755), (data.join("journal.sqlite"), 0o644)] {
        if let Err(e) = std::fs::set_permissions(&path, std::fs::Permissions::from_mode(m)) {
            panic!("chmod {}: {e}", path.display());
        }
    }
    let t = Tmux::with_data(|_| Tmux::counter_command(&data, &[]), 100, 30);
    t.wait_for("Scan:");
    t.scan("2000000000138");
    t.wait_for("Added");
    // While the counter runs, its -wal and -shm files and its log exist too.
    let expected = [
        "journal.sqlite",
        "journal.sqlite-wal",
        "journal.sqlite-shm",
        "network.sqlite",
        "network.sqlite-wal",
        "network.sqlite-shm",
        "qrtill.lock",
        "qrtill.log",
    ];
    for name in expected {
        let path = data.join(name);
        poll(&format!("{} to exist", path.display()), || path.exists());
    }
    assert_eq!(mode(&data), 0o700, "{}", data.display());
    let mut seen = 0;
    for entry in std::fs::read_dir(&data).unwrap_or_else(|e| panic!("{e}")) {
        let path = entry.unwrap_or_else(|e| panic!("{e}")).path();
        assert_eq!(mode(&path), 0o600, "{}", path.display());
        seen += 1;
    }
    assert!(seen >= expected.len(), "{seen} files checked");

    // A fresh directory is created private.
    let fresh = root.path().join("fresh");
    let out = run_qrtill(&fresh, &["simulate", "--sales", "1"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(mode(&fresh), 0o700);
    for name in ["journal.sqlite", "network.sqlite", "qrtill.lock"] {
        assert_eq!(mode(&fresh.join(name)), 0o600, "{name}");
    }
}

/// A data dir whose `name` holds `bytes`, beside a good copy of the other database.
struct Planted {
    _root: tempfile::TempDir,
    data: PathBuf,
    file: PathBuf,
    bytes: Vec<u8>,
    mtime: SystemTime,
}

fn plant(name: &str, make: impl FnOnce(&Path, &Path)) -> Planted {
    let root = temp();
    let data = root.path().join("data");
    let seeded = run_qrtill(&data, &["simulate", "--sales", "3"]);
    assert_eq!(code(&seeded), 0, "{}", stderr(&seeded));
    let file = data.join(name);
    make(&data, &file);
    let bytes = std::fs::read(&file).unwrap_or_else(|e| panic!("{e}"));
    // An older mtime, so a write during the run would show even on a coarse clock.
    let mtime = SystemTime::UNIX_EPOCH + Duration::from_secs(1_500_000_000);
    let set = std::fs::File::options()
        .write(true)
        .open(&file)
        .and_then(|f| f.set_modified(mtime));
    if let Err(e) = set {
        panic!("set mtime: {e}");
    }
    Planted {
        _root: root,
        data,
        file,
        bytes,
        mtime,
    }
}

/// Runs `args` on the planted dir: exit 2, the file named with `hint`, and the file untouched.
fn refused(p: &Planted, args: &[&str], hint: &str) {
    let out = run_qrtill(&p.data, args);
    let err = stderr(&out);
    assert_eq!(code(&out), 2, "{args:?}: {err}");
    assert!(
        err.contains(&p.file.display().to_string()),
        "{args:?} names the file: {err}"
    );
    assert!(err.contains(hint), "{args:?} says {hint:?}: {err}");
    let after = std::fs::read(&p.file).unwrap_or_else(|e| panic!("{e}"));
    assert!(after == p.bytes, "{args:?}: the file's bytes changed");
    let mtime = std::fs::metadata(&p.file).and_then(|m| m.modified());
    assert_eq!(
        mtime.ok(),
        Some(p.mtime),
        "{args:?}: the file's mtime changed"
    );
}

fn sqlite(path: &Path, sql: &str) {
    let result = rusqlite::Connection::open(path).and_then(|c| c.execute_batch(sql));
    if let Err(e) = result {
        panic!("{}: {sql}: {e}", path.display());
    }
}

const MOVE_ASIDE: &str = "Move it aside";

fn damaged_cases(name: &str, newer_sql: &str) {
    let writers: [&[&str]; 2] = [&["simulate", "--sales", "1"], &["reconcile"]];
    let check = |p: &Planted, hint: &str| {
        for args in writers {
            refused(p, args, hint);
        }
    };
    let garbage = plant(name, |_, file| {
        let bytes: Vec<u8> = (0..8192u32)
            .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
            .collect();
        std::fs::write(file, bytes).unwrap_or_else(|e| panic!("{e}"));
    });
    check(&garbage, "not a SQLite database");
    check(&garbage, MOVE_ASIDE);

    let truncated = plant(name, |_, file| {
        let len = std::fs::metadata(file).map(|m| m.len()).unwrap_or(0);
        assert!(len >= 8192, "{} has {len} bytes", file.display());
        let f = std::fs::File::options().write(true).open(file);
        if let Err(e) = f.and_then(|f| f.set_len(len / 2 + 100)) {
            panic!("truncate: {e}");
        }
    });
    check(&truncated, "cut short");

    let foreign = plant(name, |_, file| {
        std::fs::remove_file(file).unwrap_or_else(|e| panic!("{e}"));
        sqlite(
            file,
            "CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO customers VALUES (1, 'Ada');",
        );
    });
    check(&foreign, "another program's SQLite file");

    let marked = plant(name, |_, file| {
        std::fs::remove_file(file).unwrap_or_else(|e| panic!("{e}"));
        sqlite(file, "PRAGMA application_id = 1234;");
    });
    check(&marked, "another program's SQLite file");

    let newer = plant(name, |_, file| sqlite(file, newer_sql));
    check(&newer, "newer than this qrtill understands");
}

#[test]
fn a_damaged_or_foreign_journal_is_refused_untouched() {
    damaged_cases("journal.sqlite", "PRAGMA user_version = 99;");
    // A reader says the same.
    let p = plant("journal.sqlite", |_, file| {
        std::fs::write(file, b"not a database at all").unwrap_or_else(|e| panic!("{e}"));
    });
    refused(&p, &["receipt", "last"], MOVE_ASIDE);
}

#[test]
fn a_damaged_or_foreign_network_ledger_is_refused_untouched() {
    damaged_cases(
        "network.sqlite",
        "UPDATE meta SET value = '99' WHERE key = 'schema_version';",
    );
}

#[test]
fn a_journal_from_before_the_file_mark_still_opens() {
    let data = temp();
    let seeded = run_qrtill(data.path(), &["simulate", "--sales", "2"]);
    assert_eq!(code(&seeded), 0, "{}", stderr(&seeded));
    let journal = data.path().join("journal.sqlite");
    let network = data.path().join("network.sqlite");
    for file in [&journal, &network] {
        sqlite(file, "PRAGMA application_id = 0;");
    }
    let out = run_qrtill(data.path(), &["simulate", "--sales", "1"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let out = run_qrtill(data.path(), &["receipt", "last"]);
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("SALE #3"),
        "{}",
        stderr(&out)
    );
    for file in [&journal, &network] {
        let id: i64 = rusqlite::Connection::open(file)
            .and_then(|c| c.pragma_query_value(None, "application_id", |r| r.get(0)))
            .unwrap_or_else(|e| panic!("{e}"));
        assert_ne!(
            id,
            0,
            "{} is marked as qrtill's once opened",
            file.display()
        );
    }
}
