//! Outgoing frames: two priorities, a window being written, and caps that count real memory.
//!
//! Control messages (version, verack, pong, reject) go ahead of bulk data, but never into the middle of a
//! frame already being written: frames move from the queues into the write window only when the transport
//! asks for bytes, control first, and bulk frames offered to an earlier write but not begun step back behind
//! control frames queued since. Small frames are encoded into one shared buffer and split off it, so a
//! burst of them costs one allocation, not one each.

use crate::dialect::Expect;
use crate::event::SendId;
use bytes::{Bytes, BytesMut};
use coinpeer_wire::Command;
use std::collections::VecDeque;
use std::io::IoSlice;
use std::time::Instant;

/// The write window grows to this many bytes, or [`WINDOW_FRAMES`] frames, whichever comes first.
const WINDOW_BYTES: usize = 256 * 1024;
/// At most this many frames in the window, offered to one vectored write (Linux takes up to 1,024 slices in
/// one `writev`): small messages then leave a thousand to a system call, not 64.
pub(crate) const WINDOW_FRAMES: usize = 1024;
/// The shared encoding buffer's allocations: the first of a burst is small (a quiet connection sends a
/// frame or two), each next one twice the last, up to the largest.
const ARENA_FIRST: usize = 1024;
const ARENA_LARGEST: usize = 16 * 1024;
/// Room below which the next frame starts a new allocation.
const ARENA_MIN_ROOM: usize = 256;

/// What each queued frame costs beyond its bytes (its bookkeeping), counted against the caps.
pub const QUEUED_FRAME_OVERHEAD: usize = std::mem::size_of::<OutFrame>();

/// Which queue a frame waits in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Priority {
    /// Handshake messages, pongs, rejects: ahead of everything not yet being written.
    Control,
    /// Everything else, in order; held back until the handshake completes.
    Bulk,
}

/// One encoded message waiting to be written.
#[derive(Debug)]
pub(crate) struct OutFrame {
    /// The frame, or only its header when the payload is forwarded as received.
    pub(crate) head: Bytes,
    /// A forwarded payload, shared with the frame it arrived in; empty otherwise.
    pub(crate) body: Bytes,
    pub(crate) command: Command,
    /// Whom to tell once it is written; `None` for frames the connection sent on its own.
    pub(crate) id: Option<SendId>,
    /// The nonce of a ping, whose round trip starts when it is written.
    pub(crate) ping_nonce: Option<u64>,
    /// The answers it asks for, whose deadlines start when it is written.
    pub(crate) expects: Vec<Expect>,
    /// Which queue it waits in.
    pub(crate) priority: Priority,
    /// Memory the application keeps for this frame until it is written (see `Connection::hold_for`).
    pub(crate) held: usize,
}

impl OutFrame {
    pub(crate) fn len(&self) -> usize {
        self.head.len() + self.body.len()
    }

    /// What holding this frame costs: its bytes, its bookkeeping and its expectations.
    pub(crate) fn memory(&self) -> usize {
        self.len()
            + std::mem::size_of::<OutFrame>()
            + self.expects.capacity() * std::mem::size_of::<Expect>()
            + self.held
    }
}

/// What [`SendQueue::hold`] did.
pub(crate) enum Held {
    Charged,
    /// No such frame queued.
    Missing,
    /// The frame would hold more than the cap on its own: taken out of the queue.
    Alone(OutFrame),
}

#[derive(Debug, Default)]
pub(crate) struct SendQueue {
    control: VecDeque<OutFrame>,
    bulk: VecDeque<OutFrame>,
    /// Frames being written, in order; the first may be partly written.
    window: VecDeque<OutFrame>,
    /// Bytes of the window's first frame already written.
    written: usize,
    /// When the window's first frame became first: the remote must take it before its write deadline.
    front_since: Option<Instant>,
    /// Memory held by all frames of the three queues.
    memory: usize,
    /// Requested items in queued frames, not yet tracked by stall detection.
    queued_expects: usize,
    /// Where small frames are encoded.
    arena: BytesMut,
    /// The size of the arena's last allocation (0 after [`shed`](Self::shed)).
    arena_chunk: usize,
    /// The arena's room when the frame being encoded began (see [`take_encoded`](Self::take_encoded)).
    arena_room: usize,
    /// Bulk frames wait until the remote's verack.
    hold_bulk: bool,
}

impl SendQueue {
    pub(crate) fn new() -> Self {
        SendQueue {
            hold_bulk: true,
            ..SendQueue::default()
        }
    }

    /// A buffer to encode one frame into; hand it back with [`push`](Self::push) once encoded.
    pub(crate) fn buffer(&mut self) -> &mut BytesMut {
        if self.arena.capacity() - self.arena.len() < ARENA_MIN_ROOM {
            // Replace rather than grow: earlier frames still share the old allocation.
            self.arena_chunk = (self.arena_chunk * 2).clamp(ARENA_FIRST, ARENA_LARGEST);
            self.arena = BytesMut::with_capacity(self.arena_chunk);
        }
        self.arena_room = self.arena.capacity() - self.arena.len();
        &mut self.arena
    }

    /// Takes the frame just encoded into [`buffer`](Self::buffer) out of it.
    pub(crate) fn take_encoded(&mut self) -> Bytes {
        let frame = self.arena.split().freeze();
        if frame.len() > self.arena_room {
            // It did not fit: `BytesMut` grew on its own, by the arena's first size and never more, so frames
            // of this size would each take an allocation of their own. The next one starts a larger arena.
            self.arena = BytesMut::new();
        }
        frame
    }

    pub(crate) fn push(&mut self, frame: OutFrame) {
        self.memory += frame.memory();
        self.queued_expects += frame.expects.len();
        match frame.priority {
            Priority::Control => self.control.push_back(frame),
            Priority::Bulk => self.bulk.push_back(frame),
        }
    }

    /// Counts `bytes` more for the queued frame of `id` (not yet taken into the write window: the caller
    /// holds the connection since it was pushed), unless the frame would then hold more than `cap` on its
    /// own: then it is taken out of the queue and handed back.
    pub(crate) fn hold(&mut self, id: SendId, bytes: usize, cap: usize) -> Held {
        let mine = |f: &OutFrame| f.id == Some(id);
        let found = match self.bulk.iter().rposition(mine) {
            Some(at) => Some((Priority::Bulk, at)),
            None => self.control.iter().rposition(mine).map(|at| (Priority::Control, at)),
        };
        let Some((priority, at)) = found else {
            return Held::Missing;
        };
        let queue = match priority {
            Priority::Bulk => &mut self.bulk,
            Priority::Control => &mut self.control,
        };
        if queue[at].memory() + bytes > cap {
            let frame = queue.remove(at).expect("found above");
            self.forget(&frame);
            return Held::Alone(frame);
        }
        queue[at].held += bytes;
        self.memory += bytes;
        Held::Charged
    }

    pub(crate) fn release_bulk(&mut self) {
        self.hold_bulk = false;
    }

    pub(crate) fn memory(&self) -> usize {
        self.memory
    }

    pub(crate) fn queued_expects(&self) -> usize {
        self.queued_expects
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.window.is_empty() && self.control.is_empty() && (self.hold_bulk || self.bulk.is_empty())
    }

    /// When the frame being written started waiting to be taken by the remote.
    pub(crate) fn front_since(&self) -> Option<(Instant, usize)> {
        self.front_since.zip(self.window.front().map(OutFrame::len))
    }

    /// Moves frames into the window: every control frame, then bulk ones up to the window's size.
    fn refill(&mut self, now: Instant) {
        if !self.control.is_empty() {
            // Bulk frames offered to an earlier write but not begun go back to their queue, behind the
            // control frames: only a frame partly written stays ahead of them.
            let begun = usize::from(self.written > 0);
            while self.window.len() > begun && self.window.back().is_some_and(|f| f.priority == Priority::Bulk) {
                let f = self.window.pop_back().expect("the window is not empty");
                self.bulk.push_front(f);
            }
        }
        let mut bytes: usize = self.window.iter().map(OutFrame::len).sum();
        while let Some(f) = self.control.pop_front() {
            bytes += f.len();
            self.window.push_back(f);
        }
        while !self.hold_bulk && self.window.len() < WINDOW_FRAMES && bytes < WINDOW_BYTES {
            let Some(f) = self.bulk.pop_front() else { break };
            bytes += f.len();
            self.window.push_back(f);
        }
        if !self.window.is_empty() {
            self.front_since.get_or_insert(now);
        }
    }

    /// Fills `dst` with the bytes to write next, in order; returns how many slices it filled.
    pub(crate) fn slices<'a>(&'a mut self, now: Instant, dst: &mut [IoSlice<'a>]) -> usize {
        self.refill(now);
        let mut skip = self.written;
        let parts = self.window.iter().flat_map(|f| [&f.head, &f.body]);
        let mut n = 0;
        for part in parts {
            if n == dst.len() {
                break;
            }
            if skip >= part.len() {
                skip -= part.len();
                continue;
            }
            dst[n] = IoSlice::new(&part[skip..]);
            skip = 0;
            n += 1;
        }
        n
    }

    /// The next piece to write as one buffer: the rest of the first part of the window's first frame.
    pub(crate) fn next_chunk(&mut self, now: Instant) -> Option<Bytes> {
        self.refill(now);
        let f = self.window.front()?;
        Some(if self.written < f.head.len() {
            f.head.slice(self.written..)
        } else {
            f.body.slice(self.written - f.head.len()..)
        })
    }

    /// Records that `n` more bytes were written; returns the frames now wholly written, in order.
    pub(crate) fn advance(&mut self, mut n: usize, now: Instant, done: &mut Vec<OutFrame>) {
        while n > 0 {
            let Some(front) = self.window.front() else { break };
            let left = front.len() - self.written;
            if n < left {
                self.written += n;
                break;
            }
            n -= left;
            self.written = 0;
            let f = self.window.pop_front().expect("front exists");
            self.forget(&f);
            done.push(f);
            self.front_since = (!self.window.is_empty()).then_some(now);
        }
    }

    /// Lets go of the encoding buffer and the queues' room once everything was written, so that a quiet
    /// connection holds none of it; returns whether there was anything to let go. Kept between the
    /// messages of a busy connection, where allocating them again for every message would cost more.
    pub(crate) fn shed(&mut self) -> bool {
        if !(self.window.is_empty() && self.control.is_empty() && self.bulk.is_empty()) {
            return false;
        }
        let held = self.arena.capacity() + self.window.capacity() + self.control.capacity() + self.bulk.capacity();
        // The arena's memory goes once the written frames that share it are dropped.
        self.arena = BytesMut::new();
        self.arena_chunk = 0;
        self.window = VecDeque::new();
        self.control = VecDeque::new();
        self.bulk = VecDeque::new();
        held > 0
    }

    fn forget(&mut self, f: &OutFrame) {
        self.memory -= f.memory();
        self.queued_expects -= f.expects.len();
    }

    /// Removes the frames being written (a write failed); returns them in order.
    pub(crate) fn drain_window(&mut self) -> Vec<OutFrame> {
        let window: Vec<OutFrame> = self.window.drain(..).collect();
        for f in &window {
            self.forget(f);
        }
        self.written = 0;
        self.front_since = None;
        window
    }

    /// Empties every queue except the window's partly written frame when `keep_front` is set; returns what
    /// was removed, in order. The queues themselves are handed over, not copied: with a 40 MiB queue of
    /// small frames, a copy of their bookkeeping would double what closing holds.
    pub(crate) fn drain(&mut self, keep_front: bool) -> impl Iterator<Item = OutFrame> {
        let front = if keep_front && self.written > 0 {
            self.window.pop_front()
        } else {
            None
        };
        let removed = std::mem::take(&mut self.window)
            .into_iter()
            .chain(std::mem::take(&mut self.control))
            .chain(std::mem::take(&mut self.bulk));
        (self.memory, self.queued_expects) = (0, 0);
        match front {
            Some(f) => {
                (self.memory, self.queued_expects) = (f.memory(), f.expects.len());
                self.window.push_back(f);
            }
            None => {
                self.written = 0;
                self.front_since = None;
            }
        }
        removed
    }
}
