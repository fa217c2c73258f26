//! When digests run: daily times of day, IANA time zones, the next run across DST
//! changes, and the clock the scheduler reads.

use std::fmt;
use std::sync::Mutex;

use jiff::Timestamp;
use jiff::tz::TimeZone;

/// The daily time a subscription posts at, in its time zone.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct TimeOfDay {
    pub hour: u8,
    pub minute: u8,
}

impl TimeOfDay {
    /// Parses `HH:MM` (or `H:MM`), 24-hour clock.
    pub fn parse(text: &str) -> Option<TimeOfDay> {
        let (h, m) = text.trim().split_once(':')?;
        if h.is_empty() || h.len() > 2 || m.len() != 2 {
            return None;
        }
        let hour: u8 = h.parse().ok()?;
        let minute: u8 = m.parse().ok()?;
        (hour < 24 && minute < 60).then_some(TimeOfDay { hour, minute })
    }

    pub fn minute_of_day(self) -> u16 {
        u16::from(self.hour) * 60 + u16::from(self.minute)
    }

    pub fn from_minute_of_day(minutes: u16) -> TimeOfDay {
        let minutes = minutes % (24 * 60);
        TimeOfDay { hour: (minutes / 60) as u8, minute: (minutes % 60) as u8 }
    }
}

impl fmt::Display for TimeOfDay {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}:{:02}", self.hour, self.minute)
    }
}

/// A time zone by its IANA name (`Europe/Kyiv`), or `None` for an unknown name.
pub fn time_zone(name: &str) -> Option<TimeZone> {
    // Only real IANA names: jiff also accepts POSIX TZ strings, which a user should
    // not have to know about.
    if name.is_empty() || name.starts_with(['/', '.']) || name.contains("..") {
        return None;
    }
    TimeZone::get(name).ok()
}

/// The first moment strictly after `after` when the wall clock in `tz` shows `at`.
///
/// On the night clocks spring forward, a time that does not exist (03:30 in Kyiv on
/// the last Sunday of March) runs at the same distance past the gap (04:30); on the
/// night they fall back, a time that happens twice runs at the first.
pub fn next_run(after: Timestamp, at: TimeOfDay, tz: &TimeZone) -> Timestamp {
    let mut date = after.to_zoned(tz.clone()).date();
    // Two days always suffice: today's slot, or tomorrow's.
    for _ in 0..3 {
        let local = date.at(at.hour as i8, at.minute as i8, 0, 0);
        if let Ok(when) = local.to_zoned(tz.clone())
            && when.timestamp() > after
        {
            return when.timestamp();
        }
        date = date.tomorrow().expect("dates in the next days exist");
    }
    unreachable!("a daily time recurs within two days")
}

/// Where the scheduler reads the time: the system clock in production, a
/// [`ManualClock`] in tests.
pub trait Clock: Send + Sync {
    fn now(&self) -> Timestamp;
}

#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        Timestamp::now()
    }
}

/// A clock that shows what it was last set to.
#[derive(Debug)]
pub struct ManualClock(Mutex<Timestamp>);

impl ManualClock {
    pub fn new(at: Timestamp) -> ManualClock {
        ManualClock(Mutex::new(at))
    }

    pub fn set(&self, at: Timestamp) {
        *self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) = at;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Timestamp {
        *self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_of_day_parse_strictly() {
        assert_eq!(TimeOfDay::parse("08:00"), Some(TimeOfDay { hour: 8, minute: 0 }));
        assert_eq!(TimeOfDay::parse("7:05"), Some(TimeOfDay { hour: 7, minute: 5 }));
        for bad in ["24:00", "8:60", "8", "08:0", "ab:cd", "", "-1:00", "123:00"] {
            assert_eq!(TimeOfDay::parse(bad), None, "{bad}");
        }
        assert_eq!(
            TimeOfDay::from_minute_of_day(TimeOfDay::parse("23:59").unwrap().minute_of_day()).to_string(),
            "23:59"
        );
    }

    fn at(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    #[test]
    fn daily_runs_keep_local_time_across_dst_changes() {
        let kyiv = time_zone("Europe/Kyiv").unwrap();
        let eight = TimeOfDay { hour: 8, minute: 0 };
        // Clocks spring forward on 29 March 2026 (03:00 EET -> 04:00 EEST).
        assert_eq!(next_run(at("2026-03-28T05:00:00Z"), eight, &kyiv), at("2026-03-28T06:00:00Z"));
        assert_eq!(
            next_run(at("2026-03-28T06:00:00Z"), eight, &kyiv),
            at("2026-03-29T05:00:00Z"),
            "23 h later"
        );
        // ... and fall back on 25 October 2026 (04:00 EEST -> 03:00 EET).
        assert_eq!(next_run(at("2026-10-25T05:00:00Z"), eight, &kyiv), at("2026-10-25T06:00:00Z"));
        assert_eq!(
            next_run(at("2026-10-24T05:00:00Z"), eight, &kyiv),
            at("2026-10-25T06:00:00Z"),
            "25 h later"
        );
        // A time inside the spring gap runs the same distance past it; a time that
        // happens twice in autumn runs at the first.
        let half_past_three = TimeOfDay { hour: 3, minute: 30 };
        assert_eq!(next_run(at("2026-03-28T12:00:00Z"), half_past_three, &kyiv), at("2026-03-29T01:30:00Z"));
        assert_eq!(next_run(at("2026-10-24T12:00:00Z"), half_past_three, &kyiv), at("2026-10-25T00:30:00Z"));
        // New York changes on another date (8 March 2026).
        let new_york = time_zone("America/New_York").unwrap();
        assert_eq!(next_run(at("2026-03-07T14:00:00Z"), eight, &new_york), at("2026-03-08T12:00:00Z"));
        assert_eq!(next_run(at("2026-03-08T12:00:00Z"), eight, &new_york), at("2026-03-09T12:00:00Z"));
    }

    #[test]
    fn unknown_time_zones_are_refused() {
        assert!(time_zone("Europe/Kyiv").is_some());
        assert!(time_zone("America/New_York").is_some());
        for bad in ["Mars/Olympus", "", "../../etc/passwd", "/etc/localtime"] {
            assert!(time_zone(bad).is_none(), "{bad}");
        }
    }
}
