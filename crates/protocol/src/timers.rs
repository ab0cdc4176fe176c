//! Time: the next deadline, and what happens when one passes.

use crate::clock::later;
use crate::connection::{Connection, State};
use crate::dialect::Dialect;
use crate::error::DisconnectReason;
use crate::keepalive::Due;
use crate::send_queue::Priority;
use coinpeer_wire::Command;
use rand::RngExt;
use std::time::{Duration, Instant};

/// A write gets 20 s plus 1 s per full 256 KiB before the remote counts as a slow reader (dcrd's rule).
pub(crate) fn write_deadline(frame_len: usize) -> Duration {
    Duration::from_secs(20 + (frame_len / (256 * 1024)) as u64)
}

impl<D: Dialect> Connection<D> {
    /// When [`handle_timeout`](Self::handle_timeout) should next be called; `None` when no timer runs.
    pub fn poll_timeout(&mut self) -> Option<Instant> {
        let write = self
            .queue
            .front_since()
            .map(|(since, len)| later(since, write_deadline(len)));
        let own = match &self.state {
            State::Handshaking(h) => Some(h.machine.deadline()),
            State::Open => {
                let (ping, remote) = self.keepalive.deadlines();
                let stall = self.stall.as_mut().and_then(|s| s.next_deadline()).map(|(d, _)| d);
                let remote = stall.map_or(remote, |s| s.min(remote));
                [ping, self.pauses.real(remote), self.next_trickle]
                    .into_iter()
                    .flatten()
                    .min()
            }
            State::Closing { deadline, .. } => Some(*deadline),
            State::Closed(_) => return None,
        };
        [own, write].into_iter().flatten().min()
    }

    /// Runs every timer due at `now`.
    pub fn handle_timeout(&mut self, now: Instant) {
        if let Some((since, len)) = self.queue.front_since() {
            if now >= later(since, write_deadline(len)) && !matches!(self.state, State::Closed(_)) {
                return self.close_now(DisconnectReason::SlowReader, now);
            }
        }
        match &mut self.state {
            // Checked here rather than by the machine, which stops timing once the remote's verack arrived:
            // with a deferred decision the connection may still be waiting on the application then.
            State::Handshaking(h) if now >= h.machine.deadline() => {
                let timeout = DisconnectReason::Handshake(coinpeer_handshake::HandshakeError::Timeout);
                self.close_with(timeout, now, Vec::new());
            }
            State::Open => self.open_timers(now),
            State::Closing { reason, deadline } if now >= *deadline => {
                let reason = reason.clone();
                self.finish(reason);
            }
            _ => {}
        }
    }

    fn open_timers(&mut self, now: Instant) {
        // While input is held back the active clock stands still: the remote is not judged for it.
        let active = self.pauses.active(now);
        if let Some(reply) = self.stall.as_mut().and_then(|s| s.overdue(active)) {
            let command = Command::from_static(reply);
            return self.close_with(DisconnectReason::Stall { command }, now, Vec::new());
        }
        match self.keepalive.check(now, active) {
            Err(reason) => return self.close_with(reason, now, Vec::new()),
            Ok(Due::Ping) => {
                let nonce = self.rng.random();
                self.queue_message(&D::ping(nonce), None, Priority::Control, now);
            }
            Ok(Due::Nothing) => {}
        }
        if self.next_trickle.is_some_and(|t| now >= t) {
            self.trickle(now);
        }
    }

    /// Announces the queued inventory the remote does not know yet.
    fn trickle(&mut self, now: Instant) {
        self.next_trickle = None;
        for items in self.inventory.take_batches(now) {
            if !matches!(self.state, State::Open) {
                // A batch took the queue over its cap and closed the connection: nothing more may follow.
                break;
            }
            self.queue_message(&D::inv(items), None, Priority::Bulk, now);
        }
    }
}
