//! Time is injected. Core logic takes a `Timestamp` (`now`) and never reads the system clock;
//! only the runtime's `SystemClock` does. Tests use `ManualClock` and jump 60 s in a microsecond.

use serde::{Deserialize, Serialize};
use std::cell::Cell;
use std::fmt;
use std::ops::{Add, Sub};
use std::time::Duration;

/// Milliseconds since the Unix epoch (UTC).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize)]
pub struct Timestamp(pub i64);

impl Timestamp {
    pub fn from_millis(ms: i64) -> Self {
        Self(ms)
    }

    pub fn millis(self) -> i64 {
        self.0
    }

    /// Whole milliseconds from `earlier` to `self` (0 if `earlier` is later).
    pub fn since(self, earlier: Timestamp) -> Duration {
        Duration::from_millis(self.0.saturating_sub(earlier.0).max(0) as u64)
    }

    /// Formats in the given fixed UTC offset (minutes), e.g. `2026-11-21 14:32:05`.
    pub fn format_local(self, utc_offset_minutes: i32) -> String {
        let offset = time::UtcOffset::from_whole_seconds(utc_offset_minutes * 60)
            .unwrap_or(time::UtcOffset::UTC);
        let nanos = i128::from(self.0) * 1_000_000;
        match time::OffsetDateTime::from_unix_timestamp_nanos(nanos) {
            Ok(t) => {
                let t = t.to_offset(offset);
                format!(
                    "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
                    t.year(),
                    u8::from(t.month()),
                    t.day(),
                    t.hour(),
                    t.minute(),
                    t.second()
                )
            }
            Err(_) => format!("@{}ms", self.0),
        }
    }

    /// Formats as `HH:MM` in the given offset.
    pub fn format_hhmm(self, utc_offset_minutes: i32) -> String {
        let full = self.format_local(utc_offset_minutes);
        full.get(11..16).unwrap_or(&full).to_string()
    }
}

impl Add<Duration> for Timestamp {
    type Output = Timestamp;
    fn add(self, d: Duration) -> Timestamp {
        Timestamp(self.0.saturating_add(d.as_millis() as i64))
    }
}

impl Sub<Duration> for Timestamp {
    type Output = Timestamp;
    fn sub(self, d: Duration) -> Timestamp {
        Timestamp(self.0.saturating_sub(d.as_millis() as i64))
    }
}

impl fmt::Debug for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "T+{}ms", self.0)
    }
}

/// A source of `now`. The runtime owns one; the core never does.
pub trait Clock {
    fn now(&self) -> Timestamp;
}

/// The wall clock, never earlier than the journal's latest entry. Only the binary's runtime
/// uses it.
///
/// `simulate` runs on a virtual clock that can run ahead of the wall clock; a counter opened
/// after it must not date its sales (or wait for a wallet's "not before" time) as if the
/// journal's later entries were in the future, so it runs that far ahead, at wall speed.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock {
    ahead: Duration,
}

impl SystemClock {
    /// The wall clock, moved forward so that it starts no earlier than `floor` (when given).
    pub fn not_before(floor: Option<Timestamp>) -> Self {
        let wall = Self::default().now();
        let ahead = floor
            .filter(|f| *f > wall)
            .map_or(Duration::ZERO, |f| f.since(wall));
        Self { ahead }
    }
}

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        let ms = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis() as i64)
            .unwrap_or(0);
        Timestamp(ms) + self.ahead
    }
}

/// A clock that moves only when told to: tests run 60-second flows in microseconds.
#[derive(Debug, Default)]
pub struct ManualClock {
    now: Cell<Timestamp>,
}

impl ManualClock {
    pub fn new(start: Timestamp) -> Self {
        Self {
            now: Cell::new(start),
        }
    }

    pub fn set(&self, t: Timestamp) {
        self.now.set(t);
    }

    pub fn advance(&self, d: Duration) {
        self.now.set(self.now.get() + d);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Timestamp {
        self.now.get()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_in_a_fixed_offset() {
        // 2026-11-21T22:32:05Z is 14:32:05 in UTC-8.
        let t = Timestamp(1_795_300_325_000);
        assert_eq!(t.format_local(0), "2026-11-21 22:32:05");
        assert_eq!(t.format_local(-480), "2026-11-21 14:32:05");
        assert_eq!(t.format_hhmm(-480), "14:32");
    }

    #[test]
    fn the_system_clock_starts_no_earlier_than_its_floor() {
        let wall = SystemClock::default().now();
        let floor = wall + Duration::from_secs(3600);
        let ahead = SystemClock::not_before(Some(floor));
        assert!(ahead.now() >= floor, "{:?} < {floor:?}", ahead.now());
        // A floor in the past changes nothing.
        let past = SystemClock::not_before(Some(Timestamp(0)));
        assert!(past.now() < floor);
        assert!(past.now() >= wall);
    }

    #[test]
    fn manual_clock_moves_only_when_told() {
        let c = ManualClock::new(Timestamp(1000));
        assert_eq!(c.now(), Timestamp(1000));
        c.advance(Duration::from_secs(60));
        assert_eq!(c.now(), Timestamp(61_000));
    }
}
