//! Keep-alive: our pings and their round trips, the ping timeout and the idle timeout.
//!
//! The idle timer restarts on every whole message, not on every read, so a remote trickling one byte at a
//! time cannot hold a connection open. A ping unanswered for the ping timeout ends the connection. Both
//! judge the remote, so they run on the active clock; the ping schedule itself runs on real time.

use crate::clock::later;
use crate::error::DisconnectReason;
use std::time::{Duration, Instant};

#[derive(Debug)]
pub(crate) struct KeepAlive {
    interval: Option<Duration>,
    timeout: Duration,
    idle: Duration,
    /// When to queue the next ping (real time).
    next_ping: Option<Instant>,
    /// The nonce of the ping queued or in flight, not yet answered.
    awaiting: Option<u64>,
    /// When that ping was written (real time), for the latency.
    sent_at: Option<Instant>,
    /// When the oldest ping still unanswered was written (active time): the ping timeout runs from it, so
    /// that newer pings replacing an unanswered one do not push the timeout back.
    unanswered_since: Option<Instant>,
    /// Round trip of the last answered ping.
    latency: Option<Duration>,
    /// When the last whole message arrived (active time).
    last_message: Instant,
}

/// What a check of the timers asks for.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Due {
    Nothing,
    /// Time to queue a ping.
    Ping,
}

impl KeepAlive {
    /// Keep-alive for a connection starting at `now` (its timers start only when it opens).
    pub(crate) fn new(interval: Option<Duration>, timeout: Duration, idle: Duration, now: Instant) -> Self {
        KeepAlive {
            interval,
            timeout,
            idle,
            next_ping: None,
            awaiting: None,
            sent_at: None,
            unanswered_since: None,
            latency: None,
            // Replaced when the connection opens; until then the handshake's own timeout applies.
            last_message: now,
        }
    }

    /// The handshake completed at `now`: the timers start.
    pub(crate) fn start(&mut self, now: Instant, active: Instant) {
        self.last_message = active;
        self.next_ping = self.interval.map(|i| later(now, i));
    }

    pub(crate) fn on_message(&mut self, active: Instant) {
        self.last_message = active;
    }

    /// A ping with `nonce` was queued; a newer one replaces an older one still unanswered (as btcd does).
    pub(crate) fn on_ping_queued(&mut self, nonce: u64) {
        self.awaiting = Some(nonce);
        self.sent_at = None;
    }

    /// A ping left: its round trip and its timeout start now.
    pub(crate) fn on_ping_written(&mut self, nonce: u64, now: Instant, active: Instant) {
        if self.awaiting == Some(nonce) {
            self.sent_at = Some(now);
            self.unanswered_since.get_or_insert(active);
        }
    }

    /// A pong arrived; a nonce that is not our last ping's is ignored.
    pub(crate) fn on_pong(&mut self, nonce: u64, now: Instant) {
        if nonce == 0 || self.awaiting != Some(nonce) {
            return;
        }
        if let Some(sent) = self.sent_at {
            self.latency = Some(now.saturating_duration_since(sent));
        }
        self.awaiting = None;
        self.sent_at = None;
        self.unanswered_since = None;
    }

    pub(crate) fn latency(&self) -> Option<Duration> {
        self.latency
    }

    /// When our ping still awaiting its pong was written.
    pub(crate) fn sent_at(&self) -> Option<Instant> {
        self.sent_at
    }

    pub(crate) fn awaiting(&self) -> Option<u64> {
        self.awaiting
    }

    /// The earliest deadline: the next ping (real time) and the earliest of the remote's deadlines (active
    /// time), as `(real, active)`.
    pub(crate) fn deadlines(&self) -> (Option<Instant>, Instant) {
        let idle = later(self.last_message, self.idle);
        let pong = self.unanswered_since.map(|active| later(active, self.timeout));
        (self.next_ping, pong.map_or(idle, |p| p.min(idle)))
    }

    /// Checks the timers at `now` (`active` on the active clock).
    pub(crate) fn check(&mut self, now: Instant, active: Instant) -> Result<Due, DisconnectReason> {
        if active >= later(self.last_message, self.idle) {
            return Err(DisconnectReason::Idle);
        }
        if let Some(since) = self.unanswered_since {
            if active >= later(since, self.timeout) {
                return Err(DisconnectReason::PingTimeout);
            }
        }
        match (self.next_ping, self.interval) {
            (Some(at), Some(interval)) if now >= at => {
                self.next_ping = Some(later(now, interval));
                Ok(Due::Ping)
            }
            _ => Ok(Due::Nothing),
        }
    }
}
