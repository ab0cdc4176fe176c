//! Time arithmetic that cannot overflow, and the "active" clock that judges the remote.

use std::time::{Duration, Instant};

/// About 30 years: "never" for a timer, and still far from the end of `Instant`'s range.
const FAR_FUTURE: Duration = Duration::from_secs(86_400 * 365 * 30);

/// `now + d`, where a duration too large to add (a configured `Duration::MAX` meaning "never") gives a
/// deadline far in the future rather than a panic.
pub(crate) fn later(now: Instant, d: Duration) -> Instant {
    now.checked_add(d.min(FAR_FUTURE)).unwrap_or(now)
}

/// Time during which the application held input back (it stopped handing us received bytes to catch up
/// with the events). The remote cannot be blamed for it, so the timers that judge the remote (idle, ping
/// timeout, stall) run on "active" time: real time minus these pauses.
#[derive(Debug, Default)]
pub(crate) struct Pauses {
    /// Pauses that ended.
    total: Duration,
    /// Start of the pause in progress.
    since: Option<Instant>,
}

impl Pauses {
    pub(crate) fn pause(&mut self, now: Instant) {
        self.since.get_or_insert(now);
    }

    pub(crate) fn resume(&mut self, now: Instant) {
        if let Some(since) = self.since.take() {
            self.total += now.saturating_duration_since(since);
        }
    }

    fn paused_until(&self, now: Instant) -> Duration {
        self.total + self.since.map_or(Duration::ZERO, |s| now.saturating_duration_since(s))
    }

    /// `now` on the active clock. Never before the connection started, since pauses fit inside it.
    pub(crate) fn active(&self, now: Instant) -> Instant {
        now.checked_sub(self.paused_until(now)).unwrap_or(now)
    }

    /// The real instant at which the active clock reaches `active_deadline`; `None` while paused (the
    /// active clock stands still).
    pub(crate) fn real(&self, active_deadline: Instant) -> Option<Instant> {
        match self.since {
            Some(_) => None,
            None => Some(later(active_deadline, self.total)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn huge_durations_do_not_overflow() {
        let now = Instant::now();
        assert!(later(now, Duration::MAX) > now + Duration::from_secs(86_400 * 365));
        assert_eq!(later(now, Duration::from_secs(3)), now + Duration::from_secs(3));
    }

    #[test]
    fn the_active_clock_stands_still_while_paused() {
        let t0 = Instant::now();
        let s = |n| t0 + Duration::from_secs(n);
        let mut p = Pauses::default();
        assert_eq!(p.active(s(10)), s(10));
        p.pause(s(10));
        assert_eq!(p.active(s(15)), s(10));
        assert_eq!(p.real(s(12)), None, "no deadline passes while paused");
        p.resume(s(20));
        assert_eq!(p.active(s(25)), s(15));
        assert_eq!(p.real(s(30)), Some(s(40)));
    }
}
