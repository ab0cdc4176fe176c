//! Writing: the bytes the transport should send next, and what follows once they are written.

use crate::connection::{Connection, State};
use crate::dialect::Dialect;
use crate::error::SendFailure;
use crate::event::Outcome;
use crate::stats::Stats;
use bytes::Bytes;
use std::io::{self, IoSlice};
use std::time::Instant;

impl<D: Dialect> Connection<D> {
    /// Fills `dst` with the bytes to write next, in order (control messages ahead of bulk data), and returns
    /// how many slices it filled: hand them to one vectored write, then report how much went out with
    /// [`transmitted`](Self::transmitted).
    pub fn transmit_slices<'a>(&'a mut self, now: Instant, dst: &mut [IoSlice<'a>]) -> usize {
        self.queue.slices(now, dst)
    }

    /// Whether anything waits to be written.
    pub fn wants_to_transmit(&self) -> bool {
        !self.queue.is_empty()
    }

    /// Records that the transport wrote `n` more bytes of what [`transmit_slices`](Self::transmit_slices)
    /// offered: the messages wholly written are reported sent, and their effects begin (a ping's round
    /// trip, a request's stall deadline).
    pub fn transmitted(&mut self, n: usize, now: Instant) {
        self.stats.bytes_sent += n as u64;
        // A list kept from call to call: a write that completes frames would otherwise allocate one.
        let mut done = std::mem::take(&mut self.written);
        self.queue.advance(n, now, &mut done);
        let active = self.pauses.active(now);
        for f in done.drain(..) {
            let len = f.len();
            Stats::record(&mut self.stats.sent, f.command, len);
            self.stats.last_sent = Some(now);
            if let Some(nonce) = f.ping_nonce {
                self.keepalive.on_ping_written(nonce, now, active);
            }
            if let Some(stall) = &mut self.stall {
                // A frame's requests are one batch: the remote serves them together, in order.
                stall.begin_batch();
                for e in f.expects {
                    stall.expect(e, active);
                }
            }
            self.report(f.id, Outcome::Sent, len);
        }
        self.written = done;
        self.note_activity(now);
        if !self.busy {
            self.queue.shed();
            self.written = Vec::new();
        }
        self.finish_if_drained();
    }

    /// The next piece to write, counted as written: for tests and simulators that move whole buffers.
    pub fn poll_transmit(&mut self, now: Instant) -> Option<Bytes> {
        let chunk = self.queue.next_chunk(now)?;
        self.transmitted(chunk.len(), now);
        Some(chunk)
    }

    /// Everything waiting to be written, counted as written.
    pub fn drain_transmit(&mut self, now: Instant) -> Vec<u8> {
        let mut out = Vec::new();
        while let Some(chunk) = self.poll_transmit(now) {
            out.extend_from_slice(&chunk);
        }
        out
    }

    /// The frames being written failed: each reports the error.
    pub(crate) fn fail_window(&mut self, kind: io::ErrorKind) {
        if matches!(self.state, State::Closed(_)) {
            return;
        }
        for f in self.queue.drain_window() {
            self.report(f.id, Outcome::Failed(SendFailure::Io(kind)), f.len());
        }
    }
}
