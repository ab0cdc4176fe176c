//! The connection: one peer's whole protocol state, and the calls the application makes on it.
//!
//! Receiving lives in `receive.rs`, writing in `transmit.rs`, timers in `timers.rs`, sending and inventory
//! in `send.rs`, closing in `close.rs`; this file holds the state, the start, events, memory shedding and
//! what can be read back.

use crate::clock::Pauses;
use crate::config::Config;
use crate::dialect::Dialect;
use crate::error::DisconnectReason;
use crate::event::{Event, Outcome, SendId, Session};
use crate::inventory::InventoryRelay;
use crate::keepalive::KeepAlive;
use crate::send_queue::{OutFrame, SendQueue};
use crate::stall::StallTracker;
use crate::stats::Stats;
use coinpeer_handshake::{ConfigError, Direction, Handshake, LocalInputs};
use coinpeer_wire::frame::max_payload_len;
use coinpeer_wire::messages::NetAddress;
use coinpeer_wire::{Command, EncodeOptions, Frame, FrameDecoder};
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
    pub(crate) next_id: u64,
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

    /// The application stopped handing us received bytes (its event queue is full): the timers that
    /// judge the remote (idle, ping timeout, stall) stop until [`resume_input`](Self::resume_input).
    pub fn pause_input(&mut self, now: Instant) {
        self.pauses.pause(now);
    }

    /// Received bytes flow again.
    pub fn resume_input(&mut self, now: Instant) {
        self.pauses.resume(now);
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

    /// How messages are encoded for the remote: the protocol version (ours until the remote's version
    /// arrives, then the negotiated one) and whether blocks and transactions carry witness data (settled
    /// when the handshake completes). A frame made with these by
    /// [`Frame::encode`](coinpeer_wire::Frame::encode) suits [`send_frame`](Self::send_frame).
    pub fn encode_options(&self) -> EncodeOptions {
        self.encode
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
