//! Sending: the application's messages and forwarded frames admitted and queued; inventory announced.

use crate::connection::{Connection, State};
use crate::dialect::{Control, Dialect};
use crate::error::{DisconnectReason, SendError, SendFailure};
use crate::event::{Outcome, SendId};
use crate::send_queue::{Held, OutFrame, Priority};
use coinpeer_wire::messages::{InvType, Inventory};
use coinpeer_wire::{encode_frame, Frame, WireMessage};
use std::time::Instant;

impl<D: Dialect> Connection<D> {
    /// Queues `msg`, encoded for the negotiated version, behind what is already queued. The returned id's
    /// [`Outcome`] is reported exactly once. Messages sent before the remote's verack wait for it.
    ///
    /// Refused (the message comes back) when the connection is closed, when the remote's version is not
    /// known yet, or when more than [`Config::send_buffer`] bytes are queued: write some out, then retry.
    ///
    /// [`Config::send_buffer`]: crate::Config::send_buffer
    pub fn send(&mut self, msg: D::Message, now: Instant) -> Result<SendId, SendError<D::Message>> {
        self.send_ref(&msg, None, now).map_err(|refusal| refusal.with(msg))
    }

    /// Like [`send`](Self::send) for a message the caller keeps; `witness` overrides whether Bitcoin blocks
    /// and transactions carry witness data (`None`: as the remote advertised).
    pub fn send_ref(&mut self, msg: &D::Message, witness: Option<bool>, now: Instant) -> Result<SendId, SendError<()>> {
        let id = self.admit()?;
        let negotiated = self.encode;
        if let Some(witness) = witness {
            self.encode.witness = witness;
        }
        self.queue_message(msg, Some(id), Priority::Bulk, now);
        self.encode = negotiated;
        Ok(id)
    }

    /// Queues a frame as it is: one received from another peer, or one encoded once for many
    /// ([`Frame::encode`]). Its payload and checksum are not recomputed and its payload is not copied.
    /// Requests sent this way are not tracked by stall detection.
    ///
    /// The frame is not decoded, so it must suit this connection: a block encoded with witness data goes
    /// as it is to a remote that did not ask for them (see [`encode_options`](Self::encode_options)). Three
    /// mistakes are caught and reported failed rather than written: a frame whose payload is not the length
    /// its header says (one the decoder skipped unread), which would put the stream out of step, and a
    /// command the negotiated version lacks or a payload over its limit there, for which the remote would
    /// disconnect us ([`Frame::sendable_at`]).
    pub fn send_frame(&mut self, frame: &Frame, now: Instant) -> Result<SendId, SendError<()>> {
        let id = self.admit()?;
        if frame.is_skipped() {
            let failure = SendFailure::Incomplete {
                length: frame.header.length,
                payload: frame.payload.len(),
            };
            self.report(Some(id), Outcome::Failed(failure), 0);
            return Ok(id);
        }
        if let Err(e) = frame.sendable_at(self.config.network.dialect(), self.encode.version) {
            self.report(Some(id), Outcome::Failed(SendFailure::Encode(e)), 0);
            return Ok(id);
        }
        let mut header = frame.header;
        // The payload and its checksum stay as they are; only the network magic is ours.
        header.magic = self.config.network.magic();
        // The header goes into the encoding arena: no allocation of its own per frame.
        self.queue.buffer().extend_from_slice(&header.to_bytes());
        let frame = OutFrame {
            head: self.queue.take_encoded(),
            body: frame.payload.clone(),
            command: header.command,
            id: Some(id),
            ping_nonce: None,
            expects: Vec::new(),
            priority: Priority::Bulk,
            held: 0,
        };
        self.push_frame(frame, now);
        Ok(id)
    }

    /// Counts `bytes` more against the caps ([`Config::send_buffer`], [`Config::max_queued_bytes`]) for
    /// message `id` while it waits to be written: memory the application keeps for it, such as a driver's
    /// copy of the message for listeners that hear it written. Over `max_queued_bytes` the remote is
    /// disconnected as a slow reader; if the message would then hold more than that cap on its own, it is
    /// taken out of the queue instead and reported failed ([`SendFailure::TooLarge`]). Call it right after
    /// `send`: once the transport has been offered the frame (or it was refused, or the connection closed),
    /// nothing is charged.
    ///
    /// [`Config::send_buffer`]: crate::Config::send_buffer
    /// [`Config::max_queued_bytes`]: crate::Config::max_queued_bytes
    pub fn hold_for(&mut self, id: SendId, bytes: usize, now: Instant) {
        let cap = self.config.max_queued_bytes;
        match self.queue.hold(id, bytes, cap) {
            Held::Charged if self.queue.memory() > cap => {
                self.close_with(DisconnectReason::SlowReader, now, Vec::new());
            }
            Held::Alone(frame) => {
                let bytes = frame.memory() + bytes;
                self.report(frame.id, Outcome::Failed(SendFailure::TooLarge { bytes, cap }), 0);
            }
            Held::Charged | Held::Missing => {}
        }
    }

    /// Whether [`send`](Self::send) would take a message now.
    pub fn can_send(&self) -> bool {
        self.refusal().is_none()
    }

    /// Why a message offered now would be refused, if it would.
    fn refusal(&self) -> Option<SendError<()>> {
        match &self.state {
            State::Closing { .. } | State::Closed(_) => Some(SendError::Closed(())),
            State::Handshaking(h) if !h.version_received => Some(SendError::NotReady(())),
            _ if self.queue.memory() >= self.config.send_buffer => Some(SendError::Full(())),
            _ => None,
        }
    }

    /// Takes a message offered by the application: its id, or why it is refused.
    fn admit(&mut self) -> Result<SendId, SendError<()>> {
        if let Some(refusal) = self.refusal() {
            return Err(refusal);
        }
        let id = SendId(self.next_id);
        self.next_id += 1;
        Ok(id)
    }

    /// Encodes and queues a message; an encoding failure is reported to `id`'s owner.
    pub(crate) fn queue_message(&mut self, msg: &D::Message, id: Option<SendId>, priority: Priority, now: Instant) {
        let encoded = encode_frame(&self.config.network, msg, self.encode, self.queue.buffer());
        if let Err(e) = encoded {
            return self.report(id, Outcome::Failed(SendFailure::Encode(e)), 0);
        }
        let mut expects = Vec::new();
        if self.stall.is_some() {
            D::requests(msg, &mut |e| expects.push(e));
        }
        let ping_nonce = match D::control(msg) {
            Control::Ping(nonce) => Some(nonce),
            _ => None,
        };
        if let Some(nonce) = ping_nonce {
            self.keepalive.on_ping_queued(nonce);
        }
        let frame = OutFrame {
            head: self.queue.take_encoded(),
            body: bytes::Bytes::new(),
            command: msg.command(),
            id,
            ping_nonce,
            expects,
            priority,
            held: 0,
        };
        self.push_frame(frame, now);
    }

    fn push_frame(&mut self, frame: OutFrame, now: Instant) {
        let cap = self.config.max_queued_bytes;
        if frame.id.is_some() && frame.memory() > cap {
            // The application's message is too large for the queue however fast the remote reads.
            let bytes = frame.memory();
            return self.report(frame.id, Outcome::Failed(SendFailure::TooLarge { bytes, cap }), 0);
        }
        let requested = frame.expects.len();
        self.queue.push(frame);
        if let Some(stall) = &self.stall {
            let outstanding = stall.len() + self.queue.queued_expects();
            if requested > 0 && outstanding > stall.max_outstanding() {
                let limit = stall.max_outstanding();
                return self.close_with(DisconnectReason::TooManyRequests { limit }, now, Vec::new());
            }
        }
        if self.queue.memory() > cap {
            self.close_with(DisconnectReason::SlowReader, now, Vec::new());
        }
    }

    /// Queues `inv` for the next trickled announcement, unless the remote already knows it; returns whether
    /// it will be announced. Blocks skip the trickle and leave at once, as btcd sends them.
    pub fn queue_inventory(&mut self, inv: Inventory, now: Instant) -> bool {
        if !matches!(self.state, State::Open | State::Handshaking(_)) {
            return false;
        }
        if inv.kind.base() == InvType::BLOCK {
            return self.announce_now(inv, now);
        }
        if !self.inventory.queue(inv, now) {
            return false;
        }
        if self.next_trickle.is_none() {
            let delay = self.config.trickle_interval.next(&mut self.rng);
            self.next_trickle = Some(crate::clock::later(now, delay));
        }
        true
    }

    /// Announces `inv` at once in its own `inv`, unless the remote already knows it; returns whether it
    /// was queued.
    pub fn announce_now(&mut self, inv: Inventory, now: Instant) -> bool {
        if self.inventory.is_known(&inv, now) || !matches!(self.state, State::Open | State::Handshaking(_)) {
            return false;
        }
        self.inventory.add_known(&inv, now);
        self.queue_message(&D::inv(vec![inv]), None, Priority::Bulk, now);
        true
    }

    /// Records that the remote knows `inv` (e.g. it sent us the transaction), so it is not announced to it.
    pub fn add_known_inventory(&mut self, inv: &Inventory, now: Instant) {
        self.inventory.add_known(inv, now);
    }

    /// Whether the remote knows `inv`: it announced it, we announced it, or it was added as known.
    pub fn is_known_inventory(&mut self, inv: &Inventory, now: Instant) -> bool {
        self.inventory.is_known(inv, now)
    }
}
