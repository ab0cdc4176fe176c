//! Time helpers shared by the timers.

use std::time::Duration;
use tokio::time::Instant;

/// About 30 years: "never" for a timer, and still far from the end of `Instant`'s range.
const FAR_FUTURE: Duration = Duration::from_secs(86_400 * 365 * 30);

/// `now + d`, where a duration too large to add (a configured `Duration::MAX` meaning "never") gives a
/// deadline far in the future rather than a panic.
pub(crate) fn later(now: Instant, d: Duration) -> Instant {
    now.checked_add(d.min(FAR_FUTURE)).unwrap_or(now)
}

/// Now on the clock tokio controls, as a std `Instant` (so that paused test time also moves what the
/// known-inventory cache sees).
pub(crate) fn std_now() -> std::time::Instant {
    Instant::now().into_std()
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
}
