//! The supervisor PIN: stored as an argon2id hash (PHC string) in `DATA/supervisor-pin`, mode
//! 0600; never logged, journaled or traced. At the counter, 3 wrong entries lock entry for 60 s
//! on the injected clock.

use crate::clock::Timestamp;
use argon2::Argon2;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use std::path::{Path, PathBuf};
use std::time::Duration;

pub const PIN_FILE: &str = "supervisor-pin";
/// Wrong entries in a row before entry locks.
pub const MAX_WRONG: u32 = 3;
pub const LOCKOUT: Duration = Duration::from_secs(60);

#[derive(Debug, thiserror::Error)]
pub enum PinError {
    #[error("a PIN is 4 to 12 digits")]
    BadFormat,
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{0}: not a PIN hash written by `qrtill pin set`; set the PIN again")]
    Unreadable(PathBuf),
    #[error("hashing failed: {0}")]
    Hash(String),
}

pub fn pin_path(data_dir: &Path) -> PathBuf {
    data_dir.join(PIN_FILE)
}

/// Checks the PIN's form: 4 to 12 ASCII digits.
pub fn check_format(pin: &str) -> Result<(), PinError> {
    let ok = (4..=12).contains(&pin.len()) && pin.bytes().all(|b| b.is_ascii_digit());
    if ok { Ok(()) } else { Err(PinError::BadFormat) }
}

/// The argon2id hash (default parameters, random salt) of `pin`, as a PHC string.
pub fn hash(pin: &str) -> Result<String, PinError> {
    check_format(pin)?;
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(pin.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| PinError::Hash(e.to_string()))
}

/// Whether `pin` matches the stored PHC `hash`.
pub fn verify(pin: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .map(|parsed| {
            Argon2::default()
                .verify_password(pin.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

/// Hashes `pin` and stores it in `data_dir` (0600), replacing any earlier PIN.
pub fn store(data_dir: &Path, pin: &str) -> Result<(), PinError> {
    let phc = hash(pin)?;
    let path = pin_path(data_dir);
    let io = |source| PinError::Io {
        path: path.clone(),
        source,
    };
    // Written beside and renamed: a crash never leaves half a hash.
    let tmp = data_dir.join(format!("{PIN_FILE}.tmp"));
    crate::data_dir::create_private_file(&tmp).map_err(|source| PinError::Io {
        path: tmp.clone(),
        source,
    })?;
    std::fs::write(&tmp, format!("{phc}\n")).map_err(io)?;
    std::fs::rename(&tmp, &path).map_err(io)
}

/// The stored hash, or `None` when no PIN was set.
pub fn load(data_dir: &Path) -> Result<Option<String>, PinError> {
    let path = pin_path(data_dir);
    match std::fs::read_to_string(&path) {
        Ok(text) => {
            let phc = text.trim().to_string();
            if PasswordHash::new(&phc).is_err() {
                return Err(PinError::Unreadable(path));
            }
            Ok(Some(phc))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(PinError::Io { path, source }),
    }
}

/// Wrong entries so far and the lock, kept in `DATA/supervisor-pin.lockout` for the command
/// line (each `qrtill refund` is a new process): `WRONG LOCKED_UNTIL_MS`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LockState {
    pub wrong: u32,
    pub locked_until: Option<Timestamp>,
}

pub fn lockout_path(data_dir: &Path) -> PathBuf {
    data_dir.join(format!("{PIN_FILE}.lockout"))
}

/// The saved state; a missing or unreadable file counts as no wrong entries.
pub fn load_lock(data_dir: &Path) -> LockState {
    let text = std::fs::read_to_string(lockout_path(data_dir)).unwrap_or_default();
    let mut parts = text.split_whitespace();
    let wrong = parts.next().and_then(|w| w.parse().ok()).unwrap_or(0);
    let locked_until = parts
        .next()
        .and_then(|t| t.parse::<i64>().ok())
        .filter(|t| *t > 0)
        .map(Timestamp);
    LockState {
        wrong,
        locked_until,
    }
}

pub fn save_lock(data_dir: &Path, state: LockState) -> Result<(), PinError> {
    let path = lockout_path(data_dir);
    crate::data_dir::create_private_file(&path).map_err(|source| PinError::Io {
        path: path.clone(),
        source,
    })?;
    let until = state.locked_until.map_or(0, |t| t.millis());
    std::fs::write(&path, format!("{} {until}\n", state.wrong))
        .map_err(|source| PinError::Io { path, source })
}

/// What an entry at the counter gave.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PinCheck {
    Accepted,
    /// Wrong; `left` more tries before the lock.
    Wrong {
        left: u32,
    },
    /// Entry is locked until this time (the entry was not even compared).
    Locked {
        until: Timestamp,
    },
    /// No PIN is set: `qrtill pin set` first.
    NotSet,
}

/// PIN entry with its lockout, on an injected clock. Holds the hash, never a PIN.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PinGate {
    hash: Option<String>,
    wrong: u32,
    locked_until: Option<Timestamp>,
}

impl PinGate {
    pub fn new(hash: Option<String>) -> Self {
        Self {
            hash,
            wrong: 0,
            locked_until: None,
        }
    }

    /// A gate that carries on from a saved count of wrong entries and lock (`LockState`).
    pub fn resume(hash: Option<String>, state: LockState) -> Self {
        Self {
            hash,
            wrong: state.wrong,
            locked_until: state.locked_until,
        }
    }

    /// The count and lock to save between runs of the command line.
    pub fn state(&self) -> LockState {
        LockState {
            wrong: self.wrong,
            locked_until: self.locked_until,
        }
    }

    pub fn locked_until(&self, now: Timestamp) -> Option<Timestamp> {
        self.locked_until.filter(|t| *t > now)
    }

    pub fn check(&mut self, entered: &str, now: Timestamp) -> PinCheck {
        if let Some(until) = self.locked_until(now) {
            return PinCheck::Locked { until };
        }
        let Some(hash) = &self.hash else {
            return PinCheck::NotSet;
        };
        if verify(entered, hash) {
            self.wrong = 0;
            self.locked_until = None;
            return PinCheck::Accepted;
        }
        self.wrong += 1;
        if self.wrong >= MAX_WRONG {
            self.wrong = 0;
            let until = now + LOCKOUT;
            self.locked_until = Some(until);
            tracing::warn!("supervisor PIN entry locked after {MAX_WRONG} wrong entries");
            return PinCheck::Locked { until };
        }
        PinCheck::Wrong {
            left: MAX_WRONG - self.wrong,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn three_wrong_entries_lock_for_sixty_seconds_on_the_clock() {
        let mut gate = PinGate::new(Some(hash("2468").unwrap()));
        let t = Timestamp(1_000_000);
        assert_eq!(gate.check("1111", t), PinCheck::Wrong { left: 2 });
        assert_eq!(gate.check("1112", t), PinCheck::Wrong { left: 1 });
        let until = t + LOCKOUT;
        assert_eq!(gate.check("1113", t), PinCheck::Locked { until });
        // Even the right PIN is not looked at while locked.
        assert_eq!(
            gate.check("2468", t + Duration::from_secs(59)),
            PinCheck::Locked { until }
        );
        assert_eq!(gate.check("2468", until), PinCheck::Accepted);
    }

    #[test]
    fn a_right_entry_resets_the_count() {
        let mut gate = PinGate::new(Some(hash("2468").unwrap()));
        let t = Timestamp(0);
        gate.check("0000", t);
        gate.check("0001", t);
        assert_eq!(gate.check("2468", t), PinCheck::Accepted);
        assert_eq!(gate.check("0002", t), PinCheck::Wrong { left: 2 });
        assert_eq!(PinGate::new(None).check("2468", t), PinCheck::NotSet);
    }

    #[test]
    fn the_stored_hash_is_argon2id_private_and_holds_no_pin() {
        let dir = tempfile::tempdir().unwrap();
        store(dir.path(), "97531").unwrap();
        let path = pin_path(dir.path());
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.starts_with("$argon2id$"), "{text}");
        assert!(!text.contains("97531"));
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let phc = load(dir.path()).unwrap().unwrap();
        assert!(verify("97531", &phc));
        assert!(!verify("97530", &phc));
    }

    #[test]
    fn bad_pins_and_files_are_refused_plainly() {
        assert!(hash("12").is_err());
        assert!(hash("12ab").is_err());
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(load(dir.path()).unwrap(), None);
        std::fs::write(pin_path(dir.path()), "1234\n").unwrap();
        let err = load(dir.path()).unwrap_err().to_string();
        assert!(err.contains("pin set"), "{err}");
    }
}
