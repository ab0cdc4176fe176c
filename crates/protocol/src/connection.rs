//! The connection: one peer's whole protocol state, and the calls the application makes on it.
//!
//! Receiving lives in `receive.rs`, writing in `transmit.rs`, timers in `timers.rs`; this file holds the
//! state and the application's side: sending, inventory, closing and what can be read back.

use crate::clock::Pauses;
use crate::config::Config;
use crate::dialect::{Control, Dialect};
use crate::error::{DisconnectReason, SendError, SendFailure};
use crate::event::{Event, Outcome, SendId, Session};
use crate::inventory::InventoryRelay;
use crate::keepalive::KeepAlive;
use crate::send_queue::{OutFrame, Priority, SendQueue};
use crate::stall::StallTracker;
use crate::stats::Stats;
use coinpeer_handshake::{ConfigError, Direction, Handshake, LocalInputs};
use coinpeer_wire::frame::max_payload_len;
use coinpeer_wire::messages::{InvType, Inventory, NetAddress};
use coinpeer_wire::{encode_frame, Command, EncodeOptions, Frame, FrameDecoder, WireMessage};
use rand::rngs::SmallRng;
use rand::RngExt;
use std::collections::VecDeque;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// What the application knows when a connection starts.
#[derive(Debug, Clone, Copy)]
pub struct Start {
    /// Who dialed.
    pub direction: Direction,
    /// The remote's address as we tell it in our version message.
    pub remote: NetAddress,
    /// The current instant: every later instant given to the connection is measured from it.
    pub now: Instant,
    /// The current Unix time in seconds (our version's timestamp; the remote's clock offset).
    pub unix_time: i64,
    /// The height of our best block.
    pub start_height: i32,
}

/// Where the connection is in its life.
pub(crate) enum State<M> {
    Handshaking(Box<Handshaking<M>>),
    Open,
    /// Closed for `reason`; the final messages (a reject) may still be leaving until `deadline`.
    Closing {
        reason: DisconnectReason,
        deadline: Instant,
    },
    Closed(DisconnectReason),
}

/// The handshake in progress.
pub(crate) struct Handshaking<M> {
    pub(crate) machine: Handshake<M>,
    /// The remote's version has been accepted by the built-in checks.
    pub(crate) version_received: bool,
    /// With a deferred decision: the application has not yet accepted the remote's version.
    pub(crate) awaiting_decision: bool,
    /// Frames of messages that arrived before the verack, replayed once the connection opens.
    pub(crate) replay: Vec<Frame>,
    /// Bytes of those frames, counted against the pre-handshake budget.
    pub(crate) held: usize,
}

/// Reads or writes this close together make a connection busy (see `Connection::busy`).
const BUSY_GAP: Duration = Duration::from_millis(250);

/// One peer connection as a deterministic state machine: bytes and time in; bytes, events and the next
/// deadline out. See the crate documentation for the loop that drives it.
pub struct Connection<D: Dialect> {
    pub(crate) config: Arc<Config>,
    pub(crate) direction: Direction,
    pub(crate) rng: SmallRng,
    /// The instant and Unix time the connection started at: Unix time later is derived from them.
    pub(crate) started: (Instant, i64),
    pub(crate) state: State<D::Message>,
    pub(crate) frames: FrameDecoder,
    pub(crate) queue: SendQueue,
    /// How messages are encoded: the dialect's newest version until the remote's version is known.
    pub(crate) encode: EncodeOptions,
    pub(crate) session: Option<Arc<Session>>,
    pub(crate) keepalive: KeepAlive,
    pub(crate) inventory: InventoryRelay,
    /// When the next trickle leaves; set only while inventory waits.
    pub(crate) next_trickle: Option<Instant>,
    pub(crate) stall: Option<StallTracker>,
    pub(crate) pauses: Pauses,
    pub(crate) stats: Stats,
    pub(crate) wants_headers: bool,
    pub(crate) fee_filter: Option<i64>,
    pub(crate) events: VecDeque<Event<D::Message>>,
    /// When the open connection last read or wrote, and whether that came soon after the time before. A
    /// busy connection keeps its emptied buffers for the next burst (until `shed_idle_memory`); a quiet one
    /// (and one in its handshake, a one-off burst) lets them go at once, so that thousands of connections
    /// starting together do not leave short-lived buffers scattered through the heap.
    pub(crate) last_activity: Option<Instant>,
    pub(crate) busy: bool,
    /// Frames a write completed, kept empty between writes for its room (see `transmitted`).
    pub(crate) written: Vec<OutFrame>,
    next_id: u64,
}

impl<D: Dialect> Connection<D> {
    /// Starts a connection. An outbound one has its version ready to send at once. Randomness (nonces,
    /// trickle delays) comes from `rng`, so a seeded generator makes the whole connection reproducible.
    pub fn new(config: Arc<Config>, start: Start, mut rng: SmallRng) -> Result<Self, ConfigError> {
        let inputs = LocalInputs {
            nonce: rng.random(),
            unix_time: start.unix_time,
            start_height: start.start_height,
            now: start.now,
        };
        let machine = Handshake::new(&config.handshake, start.direction, start.remote, inputs, &config.nonces)?;
        let version = machine.local_version().version;
        let mut frames = FrameDecoder::new(config.network.clone(), version);
        // Until its version arrives, a remote may send nothing larger than a version message.
        let version_max = max_payload_len(config.network.dialect(), &Command::from_static("version"), version);
        frames.set_payload_cap(Some(version_max));
        let (capacity, ttl) = config.known_inventory;
        let mut conn = Connection {
            direction: start.direction,
            rng,
            started: (start.now, start.unix_time),
            state: State::Handshaking(Box::new(Handshaking {
                machine,
                version_received: false,
                awaiting_decision: false,
                replay: Vec::new(),
                held: 0,
            })),
            frames,
            queue: SendQueue::new(),
            encode: EncodeOptions::new(version),
            session: None,
            keepalive: KeepAlive::new(
                config.ping_interval,
                config.ping_timeout,
                config.idle_timeout,
                start.now,
            ),
            inventory: InventoryRelay::new(capacity, ttl),
            next_trickle: None,
            stall: config.stall.map(StallTracker::new),
            pauses: Pauses::default(),
            stats: Stats::default(),
            wants_headers: false,
            fee_filter: None,
            events: VecDeque::new(),
            last_activity: None,
            busy: false,
            written: Vec::new(),
            next_id: 0,
            config,
        };
        conn.flush_handshake(start.now);
        Ok(conn)
    }

    /// The next event, if any. Poll until `None` after every call that takes input or time.
    pub fn poll_event(&mut self) -> Option<Event<D::Message>> {
        let event = self.events.pop_front();
        if event.is_none() && !self.busy && self.events.capacity() > 0 {
            self.events = VecDeque::new();
        }
        event
    }

    /// Notes that the connection read or wrote at `now`.
    pub(crate) fn note_activity(&mut self, now: Instant) {
        if !self.is_open() {
            return;
        }
        self.busy = self
            .last_activity
            .is_some_and(|t| now.saturating_duration_since(t) < BUSY_GAP);
        self.last_activity = Some(now);
    }

    /// Lets go of the buffers kept between the messages of a busy connection (the encoding buffer, the
    /// send queues' and the event queue's room), if they are empty. A driver calls it once the connection
    /// has been quiet for a moment: an idle connection then holds only its state, while a busy one does
    /// not allocate them again for every message. Returns whether anything was let go.
    pub fn shed_idle_memory(&mut self) -> bool {
        self.busy = false;
        let mut shed = self.queue.shed();
        if self.written.capacity() > 0 {
            self.written = Vec::new();
            shed = true;
        }
        if let Some(stall) = &mut self.stall {
            shed |= stall.shed();
        }
        if self.events.is_empty() && self.events.capacity() > 0 {
            self.events = VecDeque::new();
            shed = true;
        }
        shed
    }

    /// Queues `msg`, encoded for the negotiated version, behind what is already queued. The returned id's
    /// [`Outcome`] is reported exactly once. Messages sent before the remote's verack wait for it.
    ///
    /// Refused (the message comes back) when the connection is closed, when the remote's version is not
    /// known yet, or when more than [`Config::send_buffer`] bytes are queued: write some out, then retry.
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

    /// Queues a received frame for the remote as it is: its payload and checksum are not recomputed and
    /// its payload is not copied. Requests forwarded this way are not tracked by stall detection.
    pub fn send_frame(&mut self, frame: &Frame, now: Instant) -> Result<SendId, SendError<()>> {
        let id = self.admit()?;
        let mut header = frame.header;
        // The payload and its checksum stay as they are; only the network magic is ours.
        header.magic = self.config.network.magic();
        let frame = OutFrame {
            head: bytes::Bytes::copy_from_slice(&header.to_bytes()),
            body: frame.payload.clone(),
            command: header.command,
            id: Some(id),
            ping_nonce: None,
            expects: Vec::new(),
            priority: Priority::Bulk,
        };
        self.push_frame(frame, now);
        Ok(id)
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
            if let Some(id) = id {
                let outcome = Outcome::Failed(SendFailure::Encode(e));
                self.events.push_back(Event::Outcome { id, outcome, bytes: 0 });
            }
            return;
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
        };
        self.push_frame(frame, now);
    }

    fn push_frame(&mut self, frame: OutFrame, now: Instant) {
        let requested = frame.expects.len();
        self.queue.push(frame);
        if let Some(stall) = &self.stall {
            let outstanding = stall.len() + self.queue.queued_expects();
            if requested > 0 && outstanding > stall.max_outstanding() {
                let limit = stall.max_outstanding();
                return self.close_with(DisconnectReason::TooManyRequests { limit }, now, Vec::new());
            }
        }
        if self.queue.memory() > self.config.max_queued_bytes {
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

    /// The application stopped handing us received bytes (its event queue is full): the timers that
    /// judge the remote (idle, ping timeout, stall) stop until [`resume_input`](Self::resume_input).
    pub fn pause_input(&mut self, now: Instant) {
        self.pauses.pause(now);
    }

    /// Received bytes flow again.
    pub fn resume_input(&mut self, now: Instant) {
        self.pauses.resume(now);
    }

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

    pub(crate) fn report(&mut self, id: Option<SendId>, outcome: Outcome, bytes: usize) {
        if let Some(id) = id {
            self.events.push_back(Event::Outcome { id, outcome, bytes });
        }
    }

    /// The Unix time at `now`, derived from the start (saturating: a clock given out of order is not a
    /// panic).
    pub(crate) fn unix_time(&self, now: Instant) -> i64 {
        let (t0, unix0) = self.started;
        let elapsed = now.saturating_duration_since(t0).as_secs();
        unix0.saturating_add(i64::try_from(elapsed).unwrap_or(i64::MAX))
    }

    // ----- what can be read back -----

    /// True once the connection has closed and everything it had to send is written or dropped: the
    /// transport can be shut.
    pub fn is_closed(&self) -> bool {
        matches!(self.state, State::Closed(_))
    }

    /// True while the handshake is done and the connection not closing.
    pub fn is_open(&self) -> bool {
        matches!(self.state, State::Open)
    }

    /// Why the connection ended (or is ending).
    pub fn disconnect_reason(&self) -> Option<&DisconnectReason> {
        match &self.state {
            State::Closing { reason, .. } | State::Closed(reason) => Some(reason),
            _ => None,
        }
    }

    /// What the handshake settled, once it completed.
    pub fn session(&self) -> Option<&Session> {
        self.session.as_deref()
    }

    /// Who dialed.
    pub fn direction(&self) -> Direction {
        self.direction
    }

    /// Byte and message counters.
    pub fn stats(&self) -> &Stats {
        &self.stats
    }

    /// Round trip of the last answered ping.
    pub fn ping_latency(&self) -> Option<Duration> {
        self.keepalive.latency()
    }

    /// When our ping still awaiting its pong was written.
    pub fn ping_sent_at(&self) -> Option<Instant> {
        self.keepalive.sent_at()
    }

    /// The nonce of our ping still awaiting its pong.
    pub fn ping_awaiting(&self) -> Option<u64> {
        self.keepalive.awaiting()
    }

    /// The remote asked for new blocks to be announced with `headers`.
    pub fn wants_headers(&self) -> bool {
        self.wants_headers
    }

    /// The remote's minimum fee rate (per 1000 bytes) for transactions we announce, from its `feefilter`.
    pub fn fee_filter(&self) -> Option<i64> {
        self.fee_filter
    }

    /// Our requested items still awaiting an answer (0 when stall detection is off).
    pub fn pending_requests(&self) -> usize {
        self.stall.as_ref().map_or(0, StallTracker::len)
    }

    /// Inventory items waiting for the next trickle.
    pub fn pending_inventory(&self) -> usize {
        self.inventory.pending()
    }

    /// Memory held by queued outgoing messages: their bytes and their bookkeeping.
    pub fn queued_memory(&self) -> usize {
        self.queue.memory()
    }

    /// Bytes received and not yet cut into messages.
    pub fn buffered_input(&self) -> usize {
        self.frames.buffered()
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }
}

impl<D: Dialect> std::fmt::Debug for Connection<D> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connection")
            .field("network", &self.config.network)
            .field("direction", &self.direction)
            .field("open", &self.is_open())
            .field("closed", &self.is_closed())
            .finish_non_exhaustive()
    }
}
