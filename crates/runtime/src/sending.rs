//! Sending: queuing messages and forwarded frames, waiting for room, and inventory announced to the remote.

use crate::dialect::Dialect;
use crate::driver::{Core, HANDLE_OVERHEAD};
use crate::peer::{now, Peer};
use crate::queue::{self, Outcome, SendHandle};
use crate::TrySendError;
use coinpeer_protocol::{DisconnectReason, SendError, SendId};
use coinpeer_wire::messages::Inventory;
use std::borrow::Cow;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

impl<D: Dialect> Peer<D> {
    /// Queues `msg` for writing, encoded for the negotiated version (Bitcoin: with witness data if the remote
    /// advertised witness support). Never blocks. The handle resolves exactly once: sent, failed (the
    /// message is not valid at the negotiated version, or too large for the queue's cap on its own; the
    /// peer stays connected) or dropped (disconnected first, or the queue is over its cap: the remote counts
    /// as a slow reader and is disconnected).
    pub fn queue_message(&self, msg: D::Message) -> SendHandle {
        self.queue(msg, None)
    }

    /// Like [`queue_message`](Self::queue_message), choosing whether Bitcoin blocks and transactions carry
    /// witness data.
    pub fn queue_message_with(&self, msg: D::Message, witness: bool) -> SendHandle {
        self.queue(msg, Some(witness))
    }

    /// Like [`queue_message`](Self::queue_message), for a message the caller keeps (a block sent to many
    /// peers, say): it is encoded from the reference, and copied only if listeners exist to hear it written.
    pub fn queue_message_ref(&self, msg: &D::Message) -> SendHandle {
        let mut core = self.core();
        self.queue_locked(&mut core, Cow::Borrowed(msg), None)
    }

    fn queue(&self, msg: D::Message, witness: Option<bool>) -> SendHandle {
        let mut core = self.core();
        self.queue_locked(&mut core, Cow::Owned(msg), witness)
    }

    /// Queues `msg` on the locked connection. The write listeners need the message once it is written:
    /// with listeners it is kept until then (copied if borrowed), and its memory, reckoned as its frame's,
    /// counts against the queue's caps with the frame. Without listeners nothing is kept.
    fn queue_locked(&self, core: &mut Core<D>, msg: Cow<'_, D::Message>, witness: Option<bool>) -> SendHandle {
        let now = now();
        let before = core.conn.queued_memory();
        let queued = core.conn.send_ref(&msg, witness, now);
        let keep = match queued {
            Ok(_) if !self.shared.listeners.is_empty() => {
                let frame = core.conn.queued_memory().saturating_sub(before);
                Some((Box::new(msg.into_owned()), frame))
            }
            _ => None,
        };
        track(core, queued, keep, now)
    }

    /// Waits until the queue has room (less than [`PeerConfig::send_buffer`](crate::PeerConfig) queued), then
    /// queues `msg` and returns its handle: await it for the outcome, or drop it. A loop of `send`s is held
    /// back by how fast the remote reads, and yields to the runtime now and then (tokio's cooperative
    /// budget), so that the peer's task writes while the caller goes on queueing. Once disconnected, the
    /// handle resolves dropped at once.
    pub async fn send(&self, msg: D::Message) -> SendHandle {
        self.when_room(|peer, core| peer.queue_locked(core, Cow::Owned(msg), None))
            .await
    }

    /// Like [`send`](Self::send), for a message the caller keeps (see
    /// [`queue_message_ref`](Self::queue_message_ref)).
    pub async fn send_ref(&self, msg: &D::Message) -> SendHandle {
        self.when_room(|peer, core| peer.queue_locked(core, Cow::Borrowed(msg), None))
            .await
    }

    /// Like [`send`](Self::send), for a frame sent as it is (see [`forward`](Self::forward)): one received
    /// from another peer, or a message encoded once for many peers with
    /// [`Frame::encode`](coinpeer_wire::Frame::encode) and this peer's
    /// [`encode_options`](Self::encode_options), which then costs each peer no encoding, no hashing and no
    /// copy of its payload.
    pub async fn send_frame(&self, frame: &coinpeer_wire::Frame) -> SendHandle {
        self.when_room(|_, core| forward_locked(core, frame)).await
    }

    /// Waits for room as `send` does, then runs `queue` on the locked connection.
    async fn when_room(&self, queue: impl FnOnce(&Self, &mut Core<D>) -> SendHandle) -> SendHandle {
        tokio::task::coop::consume_budget().await;
        let mut queue = Some(queue);
        // Most sends find room: nothing to register for them.
        if let Some(handle) = self.queue_if_room(&mut queue) {
            return handle;
        }
        // Counted and registered before each check: the task notifies only counted waiters, after it made
        // room, so room made after a check wakes us, and room made before it is seen by it.
        let _waiting = RoomWaiter::new(&self.shared.room_waiters);
        loop {
            let room = self.shared.room.notified();
            tokio::pin!(room);
            room.as_mut().enable();
            if let Some(handle) = self.queue_if_room(&mut queue) {
                return handle;
            }
            room.await;
        }
    }

    /// Runs `queue` if the connection has room or is closed (the handle then resolves dropped). Room is
    /// checked and taken under one lock: senders racing for the last room cannot all pass the check and
    /// overshoot the buffer together.
    fn queue_if_room<F: FnOnce(&Self, &mut Core<D>) -> SendHandle>(&self, queue: &mut Option<F>) -> Option<SendHandle> {
        let mut core = self.core();
        if let Room::Full = self.room(&core) {
            return None;
        }
        let queue = queue.take().expect("a message is queued once");
        Some(queue(self, &mut core))
    }

    /// Whether the locked connection takes a message now.
    fn room(&self, core: &Core<D>) -> Room {
        if self.shared.closing.is_cancelled() || core.conn.disconnect_reason().is_some() {
            Room::Closed
        } else if core.conn.queued_memory() as u64 >= self.shared.send_buffer {
            Room::Full
        } else {
            Room::Free
        }
    }

    /// Queues `msg` if the queue has room; otherwise gives it back, saying why.
    pub fn try_send(&self, msg: D::Message) -> Result<SendHandle, TrySendError<D::Message>> {
        // Checked and queued under one lock, as `send` does.
        let mut core = self.core();
        match self.room(&core) {
            Room::Closed => Err(TrySendError::Closed(msg)),
            Room::Full => Err(TrySendError::Full(msg)),
            Room::Free => Ok(self.queue_locked(&mut core, Cow::Owned(msg), None)),
        }
    }

    /// Queues a frame as it is, never waiting: one received from another peer (from
    /// [`PeerEvent::Message`](crate::PeerEvent)), or one encoded once for many peers (see
    /// [`send_frame`](Self::send_frame)). Its payload is not copied, re-encoded or re-hashed, and write
    /// listeners do not hear it. Requests sent this way are not tracked for stalls. The frame is not decoded
    /// again, so it must suit this peer (a block with witness data only to a peer that asked for them); a
    /// frame whose payload the decoder skipped, whose command the negotiated version lacks, or whose payload
    /// is over its limit at that version fails instead of being written.
    pub fn forward(&self, frame: &coinpeer_wire::Frame) -> SendHandle {
        forward_locked(&mut self.core(), frame)
    }

    /// How messages are encoded for this peer: the protocol version (ours until the remote's version
    /// arrives, then the negotiated one) and whether blocks and transactions carry witness data (settled
    /// when the handshake completes). Peers with equal options can share one
    /// [`Frame::encode`](coinpeer_wire::Frame::encode)d frame.
    pub fn encode_options(&self) -> coinpeer_wire::EncodeOptions {
        self.core().conn.encode_options()
    }

    /// Queues a ping with a fresh random nonce; the latency is measured when the matching pong arrives.
    pub fn push_ping(&self) -> SendHandle {
        self.queue_message(D::ping(crate::random_nonce()))
    }

    /// Queues `inv` for the next trickled announcement, unless the remote already knows it. Returns whether
    /// it was queued. Items leave in batches of at most [`MAX_INV_PER_TRICKLE`](crate::MAX_INV_PER_TRICKLE)
    /// at the configured [`TrickleInterval`](crate::TrickleInterval); blocks leave at once.
    pub fn queue_inventory(&self, inv: Inventory) -> bool {
        let mut core = self.core();
        let queued = core.conn.queue_inventory(inv, now());
        core.wake();
        queued
    }

    /// Announces `inv` at once in its own `inv`, unless the remote already knows it (then `None`).
    pub fn queue_inventory_immediate(&self, inv: Inventory) -> Option<SendHandle> {
        if !self.is_connected() {
            return Some(queue::resolved(Outcome::Dropped));
        }
        // Checked, queued and marked known under one lock: two callers announcing the same item at once
        // announce it once.
        let mut core = self.core();
        if core.conn.is_known_inventory(&inv, now()) {
            return None;
        }
        let handle = self.queue_locked(&mut core, Cow::Owned(D::inv(vec![inv])), None);
        core.conn.add_known_inventory(&inv, now());
        Some(handle)
    }

    /// Records that the remote knows `inv` (e.g. it sent us the transaction), so it is not announced to it.
    pub fn add_known_inventory(&self, inv: &Inventory) {
        self.core().conn.add_known_inventory(inv, now());
    }

    /// Whether the remote knows `inv`: it announced it, we announced it, or it was added as known, within
    /// the last 15 minutes and the last 1000 items.
    pub fn is_known_inventory(&self, inv: &Inventory) -> bool {
        self.core().conn.is_known_inventory(inv, now())
    }
}

fn forward_locked<D: Dialect>(core: &mut Core<D>, frame: &coinpeer_wire::Frame) -> SendHandle {
    let now = now();
    let queued = core.conn.send_frame(frame, now);
    track(core, queued, None, now)
}

/// A handle for what the state machine made of a message handed to it, with the message kept for the
/// write listeners and its memory, if any. What the runtime keeps for the message until it is written
/// counts against the queue's caps with its frame. `queue_message` never waits, so a full queue means the
/// remote does not read: it is disconnected as a slow reader, as the cap always did.
fn track<D: Dialect>(
    core: &mut Core<D>,
    queued: Result<SendId, SendError<()>>,
    keep: Option<(Box<D::Message>, usize)>,
    now: Instant,
) -> SendHandle {
    match queued {
        Ok(id) => {
            let (done, handle) = queue::handle();
            let (msg, kept) = keep.map_or((None, 0), |(msg, kept)| (Some(msg), kept));
            core.conn.hold_for(id, HANDLE_OVERHEAD + kept, now);
            core.await_outcome(id, done, msg);
            core.wake();
            handle
        }
        Err(SendError::Full(())) => {
            core.conn.close_for(DisconnectReason::SlowReader, now);
            core.wake();
            queue::resolved(Outcome::Dropped)
        }
        Err(_) => queue::resolved(Outcome::Dropped),
    }
}

/// What the queue says to a message offered now. A closed peer takes it too: its handle resolves dropped.
enum Room {
    Free,
    Full,
    Closed,
}

/// Counts a caller of `send` waiting for room while it lives (a cancelled `send` included).
struct RoomWaiter<'a>(&'a AtomicUsize);

impl<'a> RoomWaiter<'a> {
    fn new(count: &'a AtomicUsize) -> Self {
        count.fetch_add(1, Ordering::SeqCst);
        RoomWaiter(count)
    }
}

impl Drop for RoomWaiter<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}
