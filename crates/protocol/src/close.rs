//! Closing: the application's close, closing for a reason with final messages still leaving, and the end.

use crate::connection::{Connection, State};
use crate::dialect::Dialect;
use crate::error::DisconnectReason;
use crate::event::{Event, Outcome};
use crate::send_queue::Priority;
use std::time::Instant;

impl<D: Dialect> Connection<D> {
    /// Closes the connection: queued messages are reported dropped and [`Event::Disconnected`] follows.
    pub fn close(&mut self, now: Instant) {
        self.close_with(DisconnectReason::LocalRequest, now, Vec::new());
    }

    /// Closes for a reason the application found (its listener failed, its queue overflowed): queued
    /// messages are reported dropped and [`Event::Disconnected`] follows.
    pub fn close_for(&mut self, reason: DisconnectReason, now: Instant) {
        self.close_with(reason, now, Vec::new());
    }

    /// Closes for `reason`. `finals` (a reject) still leave, behind any frame partly written, within the
    /// drain timeout; everything else queued is dropped.
    pub(crate) fn close_with(&mut self, reason: DisconnectReason, now: Instant, finals: Vec<D::Message>) {
        if matches!(self.state, State::Closing { .. } | State::Closed(_)) {
            return;
        }
        // Closing is set first, so that nothing queued from here on re-enters this path.
        self.state = State::Closing {
            reason,
            deadline: crate::clock::later(now, self.config.drain_timeout),
        };
        // Input is ignored from now on: a frame partly received (up to the largest message) is let go
        // rather than held while the final messages drain.
        *self.frames.buffer_mut() = bytes::BytesMut::new();
        for f in self.queue.drain(!finals.is_empty()) {
            self.report(f.id, Outcome::Dropped, f.len());
        }
        self.queue.release_bulk();
        for msg in &finals {
            self.queue_message(msg, None, Priority::Control, now);
        }
        self.finish_if_drained();
    }

    /// Closes for `reason` with nothing more to send: the transport cannot carry it (the remote closed, a
    /// write failed or is stuck).
    pub(crate) fn close_now(&mut self, reason: DisconnectReason, now: Instant) {
        self.close_with(reason, now, Vec::new());
        if let State::Closing { reason, .. } = &self.state {
            let reason = reason.clone();
            self.finish(reason);
        }
    }

    /// Ends a closing connection once its final messages have left.
    pub(crate) fn finish_if_drained(&mut self) {
        if let State::Closing { reason, .. } = &self.state {
            if self.queue.is_empty() {
                let reason = reason.clone();
                self.finish(reason);
            }
        }
    }

    /// Closed: what is still queued is dropped and the application hears why, last.
    pub(crate) fn finish(&mut self, reason: DisconnectReason) {
        for f in self.queue.drain(false) {
            self.report(f.id, Outcome::Dropped, f.len());
        }
        self.next_trickle = None;
        self.events.push_back(Event::Disconnected(reason.clone()));
        self.state = State::Closed(reason);
    }
}
