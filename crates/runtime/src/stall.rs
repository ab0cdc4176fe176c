//! Stall detection: a deadline for every answer we asked the remote for.
//!
//! Each request is tracked per item (a `getdata` for three blocks waits for three answers), as dcrd does.
//! Time the reader spends inside listeners extends every deadline by exactly that long: while a listener
//! runs, the remote's answer cannot be read. Unlike btcd and dcrd, which reset that allowance on every
//! tick, the allowance is measured from when each request was sent, so none of it is forgotten.

use crate::clock::later;
pub use coinpeer_protocol::{Awaited, Expect};
use std::collections::HashMap;
use std::time::Duration;
use tokio::time::Instant;

/// Stall detection settings. Pass `None` to [`PeerConfigBuilder::stall_detection`] to turn it off.
///
/// [`PeerConfigBuilder::stall_detection`]: crate::PeerConfigBuilder::stall_detection
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StallConfig {
    /// How often deadlines are checked (default 15 s).
    pub tick: Duration,
    /// How long an answer may take (default 30 s).
    pub timeout: Duration,
    /// How long a `headers` answer to our `getheaders` may take. `None` (the default) does not track
    /// `getheaders` at all: a remote with nothing new may rightly stay silent (btcd #725).
    pub headers_timeout: Option<Duration>,
}

impl Default for StallConfig {
    fn default() -> Self {
        StallConfig {
            tick: Duration::from_secs(15),
            timeout: Duration::from_secs(30),
            headers_timeout: None,
        }
    }
}

impl StallConfig {
    /// The defaults, also tracking `getheaders` with btcd's 90 s allowance (for a sync peer).
    pub fn tracking_headers() -> Self {
        StallConfig {
            headers_timeout: Some(Duration::from_secs(90)),
            ..StallConfig::default()
        }
    }
}

#[derive(Debug)]
struct Pending {
    deadline: Instant,
    reply: &'static str,
    /// Listener time already spent when the request was sent: only time after it extends the deadline.
    listener_time_at_send: Duration,
}

/// The deadlines of one peer.
#[derive(Debug)]
pub(crate) struct StallTracker {
    config: StallConfig,
    pending: HashMap<Awaited, Pending>,
    /// Total time spent in finished listener calls.
    listener_time: Duration,
    /// When the running listener call started, if one is running.
    listener_since: Option<Instant>,
}

impl StallTracker {
    pub(crate) fn new(config: StallConfig) -> Self {
        StallTracker {
            config,
            pending: HashMap::new(),
            listener_time: Duration::ZERO,
            listener_since: None,
        }
    }

    pub(crate) fn tick(&self) -> Duration {
        self.config.tick.max(Duration::from_millis(1))
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.pending.is_empty()
    }

    pub(crate) fn len(&self) -> usize {
        self.pending.len()
    }

    /// Starts (or restarts: a newer request replaces an older one) a deadline.
    pub(crate) fn expect(&mut self, expect: Expect, now: Instant) {
        let (key, reply, timeout) = match expect {
            Expect::Item { hash, reply } => (Awaited::Item(hash), reply, self.config.timeout),
            Expect::Reply(reply) => (Awaited::Reply(reply), reply, self.config.timeout),
            Expect::Headers => match self.config.headers_timeout {
                Some(t) => (Awaited::Reply("headers"), "headers", t),
                None => return,
            },
        };
        let pending = Pending {
            deadline: later(now, timeout),
            reply,
            listener_time_at_send: self.listener_time_until(now),
        };
        self.pending.insert(key, pending);
    }

    /// Ends a deadline: the answer arrived.
    pub(crate) fn answered(&mut self, awaited: Awaited) {
        self.pending.remove(&awaited);
    }

    pub(crate) fn listener_started(&mut self, now: Instant) {
        // Calls do not nest (the reader runs one listener at a time); an unbalanced start keeps the first.
        self.listener_since.get_or_insert(now);
    }

    pub(crate) fn listener_finished(&mut self, now: Instant) {
        if let Some(since) = self.listener_since.take() {
            self.listener_time += now.saturating_duration_since(since);
        }
    }

    /// Listener time spent up to `now`, counting a call still running.
    fn listener_time_until(&self, now: Instant) -> Duration {
        self.listener_time
            + self
                .listener_since
                .map_or(Duration::ZERO, |s| now.saturating_duration_since(s))
    }

    /// The reply command of a request whose deadline (extended by listener time since it was sent) has
    /// passed, if any.
    pub(crate) fn overdue(&self, now: Instant) -> Option<&'static str> {
        let spent = self.listener_time_until(now);
        self.pending
            .values()
            .find(|p| now >= later(p.deadline, spent.saturating_sub(p.listener_time_at_send)))
            .map(|p| p.reply)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use coinpeer_wire::Hash256;

    fn block(n: u8) -> Expect {
        Expect::Item {
            hash: Hash256([n; 32]),
            reply: "block",
        }
    }

    #[test]
    fn deadline_passes_at_the_timeout() {
        let t0 = Instant::now();
        let mut s = StallTracker::new(StallConfig::default());
        s.expect(block(1), t0);
        assert_eq!(s.overdue(t0 + Duration::from_secs(29)), None);
        assert_eq!(s.overdue(t0 + Duration::from_secs(30)), Some("block"));
        s.answered(Awaited::Item(Hash256([1; 32])));
        assert_eq!(s.overdue(t0 + Duration::from_secs(60)), None);
    }

    #[test]
    fn listener_time_after_the_request_extends_it_and_is_not_forgotten() {
        let t0 = Instant::now();
        let s_ = |secs| t0 + Duration::from_secs(secs);
        let mut s = StallTracker::new(StallConfig::default());
        // Listener time before the request does not count.
        s.listener_started(t0);
        s.listener_finished(s_(10));
        s.expect(block(1), s_(10));
        // 20 s of listener time in two calls, across several ticks.
        s.listener_started(s_(15));
        s.listener_finished(s_(25));
        assert_eq!(
            s.overdue(s_(45)),
            None,
            "one call of 10 s moves the deadline from 40 to 50"
        );
        s.listener_started(s_(46));
        assert_eq!(s.overdue(s_(55)), None, "a call still running counts too");
        s.listener_finished(s_(56));
        assert_eq!(s.overdue(s_(59)), None);
        assert_eq!(s.overdue(s_(60)), Some("block"));
    }

    #[test]
    fn headers_are_tracked_only_when_configured() {
        let t0 = Instant::now();
        let mut s = StallTracker::new(StallConfig::default());
        s.expect(Expect::Headers, t0);
        assert!(s.is_empty());
        let mut s = StallTracker::new(StallConfig::tracking_headers());
        s.expect(Expect::Headers, t0);
        assert_eq!(s.overdue(t0 + Duration::from_secs(89)), None);
        assert_eq!(s.overdue(t0 + Duration::from_secs(90)), Some("headers"));
    }

    #[test]
    fn a_newer_request_restarts_the_deadline() {
        let t0 = Instant::now();
        let mut s = StallTracker::new(StallConfig::default());
        s.expect(Expect::Reply("initstate"), t0);
        s.expect(Expect::Reply("initstate"), t0 + Duration::from_secs(20));
        assert_eq!(s.len(), 1);
        assert_eq!(s.overdue(t0 + Duration::from_secs(40)), None);
        assert_eq!(s.overdue(t0 + Duration::from_secs(50)), Some("initstate"));
    }
}
