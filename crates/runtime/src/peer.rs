//! A running peer: the handle callers hold. The protocol itself runs in `coinpeer-protocol`'s state
//! machine, driven by one task (`driver.rs`).

use crate::dialect::Dialect;
use crate::driver::{self, Core};
use crate::event_queue::EventQueue;
use crate::queue::{self, Outcome, SendHandle};
use crate::stream::PeerEvents;
use crate::{ConnectError, PeerConfig, TrySendError};
use coinpeer_handshake::{Direction, HandshakeError};
use coinpeer_protocol::{DisconnectReason, SendError, SendId, Session};
use coinpeer_wire::messages::{Inventory, NetAddress, ServiceFlags};
use coinpeer_wire::Hash256;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicI32, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::time::{Instant, SystemTime};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::sync::{oneshot, Notify};
use tokio_util::sync::CancellationToken;

/// Ids are process-unique and start at 1, as btcd numbers its peers.
static NEXT_ID: AtomicU64 = AtomicU64::new(1);

/// Received messages of unknown commands are counted under this name in [`StatsSnapshot::received`].
pub const UNKNOWN_COMMANDS: &str = "(unknown)";

/// Now, on the clock tokio controls (so that tests with paused time move the state machine's clock too).
pub(crate) fn now() -> Instant {
    tokio::time::Instant::now().into_std()
}

pub(crate) struct Shared<D: Dialect> {
    pub(crate) id: u64,
    /// What the peer needs of its configuration once running (the rest went into the state machine's).
    pub(crate) listeners: Vec<Arc<D::Listener>>,
    pub(crate) send_buffer: u64,
    pub(crate) network: coinpeer_wire::Network,
    pub(crate) direction: Direction,
    pub(crate) addr: SocketAddr,
    pub(crate) local_addr: Option<SocketAddr>,
    pub(crate) conn_time: SystemTime,
    /// The state machine and who waits on it, behind one short-held lock.
    pub(crate) core: Mutex<Core<D>>,
    /// What the handshake settled, readable without the lock.
    pub(crate) session: OnceLock<Arc<Session>>,
    /// Fired by `disconnect` or the caller's cancellation: the driver closes the connection.
    pub(crate) closing: CancellationToken,
    /// Becomes true once the driver has ended and the stream is closed; `ended` wakes who waits for it. (Not
    /// a `watch` channel: that is 344 bytes more per peer.)
    pub(crate) finished: AtomicBool,
    pub(crate) ended: Notify,
    pub(crate) live_tasks: AtomicUsize,
    pub(crate) last_block: AtomicI32,
    pub(crate) last_announced_block: Mutex<Option<Hash256>>,
    /// The previous `getblocks`/`getheaders`, to drop repeats.
    pub(crate) last_requests: Mutex<crate::push::LastRequests>,
    pub(crate) span: tracing::Span,
    /// Handles the application holds (the peer's own task holds uncounted ones).
    pub(crate) handles: AtomicUsize,
    /// The event stream was taken and is still held.
    pub(crate) stream_alive: AtomicBool,
    /// Events on their way to the stream, if the configuration asked for them.
    pub(crate) events: Option<EventQueue<D::Message>>,
    /// [`Peer::events`] handed out the stream.
    pub(crate) events_taken: AtomicBool,
    /// Woken when queued memory falls below the send buffer, or the peer closes.
    pub(crate) room: Notify,
    /// Callers of `send` waiting for room: without any, the task skips the wake-up.
    pub(crate) room_waiters: AtomicUsize,
}

impl<D: Dialect> Shared<D> {
    /// Closes the connection once nobody can use it: every handle and the event stream are gone.
    pub(crate) fn close_if_abandoned(&self) {
        if self.handles.load(Ordering::SeqCst) == 0 && !self.stream_alive.load(Ordering::SeqCst) {
            self.closing.cancel();
        }
    }
}

/// A connected peer of dialect `D`. Cheap to clone: clones are handles to the same peer. Once every handle
/// and the event stream are dropped, the connection closes.
pub struct Peer<D: Dialect> {
    pub(crate) shared: Arc<Shared<D>>,
    /// Whether this handle keeps the connection open (the peer's own task holds handles that do not).
    counted: bool,
}

impl<D: Dialect> Clone for Peer<D> {
    /// A clone keeps the connection open, even one made from the handle a listener is given.
    fn clone(&self) -> Self {
        self.shared.handles.fetch_add(1, Ordering::SeqCst);
        Peer {
            shared: self.shared.clone(),
            counted: true,
        }
    }
}

impl<D: Dialect> Drop for Peer<D> {
    fn drop(&mut self) {
        if self.counted && self.shared.handles.fetch_sub(1, Ordering::SeqCst) == 1 {
            self.shared.close_if_abandoned();
        }
    }
}

impl<D: Dialect> std::fmt::Debug for Peer<D> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Peer")
            .field("id", &self.shared.id)
            .field("addr", &self.shared.addr)
            .field("direction", &self.shared.direction)
            .finish()
    }
}

impl<D: Dialect> Peer<D> {
    /// Dials out: performs the handshake on `stream` (already connected to `addr`) as the outbound side,
    /// then runs the peer until it disconnects or `cancel` fires.
    pub async fn outbound<S>(
        config: PeerConfig<D>,
        stream: S,
        addr: SocketAddr,
        cancel: CancellationToken,
    ) -> Result<Peer<D>, ConnectError>
    where
        S: AsyncRead + AsyncWrite + Send + 'static,
    {
        Self::start(config, stream, addr, None, Direction::Outbound, cancel).await
    }

    /// Accepts: performs the handshake on `stream` (accepted from `addr`) as the inbound side, then runs
    /// the peer until it disconnects or `cancel` fires.
    pub async fn inbound<S>(
        config: PeerConfig<D>,
        stream: S,
        addr: SocketAddr,
        cancel: CancellationToken,
    ) -> Result<Peer<D>, ConnectError>
    where
        S: AsyncRead + AsyncWrite + Send + 'static,
    {
        Self::start(config, stream, addr, None, Direction::Inbound, cancel).await
    }

    /// Like [`outbound`](Self::outbound) or [`inbound`](Self::inbound) on a TCP stream, recording both of
    /// its addresses.
    pub async fn from_tcp(
        config: PeerConfig<D>,
        stream: tokio::net::TcpStream,
        direction: Direction,
        cancel: CancellationToken,
    ) -> Result<Peer<D>, ConnectError> {
        let addr = stream.peer_addr()?;
        let local = stream.local_addr().ok();
        // Small messages (pings, invs) should leave at once rather than wait for Nagle's timer.
        let _ = stream.set_nodelay(true);
        Self::start(config, stream, addr, local, direction, cancel).await
    }

    async fn start<S>(
        config: PeerConfig<D>,
        stream: S,
        addr: SocketAddr,
        local_addr: Option<SocketAddr>,
        direction: Direction,
        cancel: CancellationToken,
    ) -> Result<Peer<D>, ConnectError>
    where
        S: AsyncRead + AsyncWrite + Send + 'static,
    {
        let start_height = match &config.newest_block {
            Some(source) => source().map_err(HandshakeError::NewestBlock)?,
            None => 0,
        };
        let remote = match &config.host_to_address {
            Some(map) => map(addr),
            None => NetAddress::from_socket_addr(addr, ServiceFlags::NONE),
        };
        let core = Core::new(&config, direction, remote, start_height)?;
        let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
        let span = tracing::info_span!("peer", id, %addr, dir = ?direction);
        let shared = Arc::new(Shared {
            id,
            listeners: config.listeners,
            send_buffer: config.send_buffer,
            network: config.network,
            direction,
            addr,
            local_addr,
            conn_time: SystemTime::now(),
            core: Mutex::new(core),
            session: OnceLock::new(),
            closing: cancel.child_token(),
            finished: AtomicBool::new(false),
            ended: Notify::new(),
            live_tasks: AtomicUsize::new(0),
            last_block: AtomicI32::new(0),
            last_announced_block: Mutex::new(None),
            last_requests: Mutex::new(Default::default()),
            span,
            handles: AtomicUsize::new(1),
            stream_alive: AtomicBool::new(false),
            events: config
                .events
                .map(|capacity| EventQueue::new(capacity, driver::MAX_BACKLOG_BYTES)),
            events_taken: AtomicBool::new(false),
            room: Notify::new(),
            room_waiters: AtomicUsize::new(0),
        });
        let peer = Peer { shared, counted: true };
        let (opened_tx, opened_rx) = oneshot::channel();
        driver::spawn(peer.internal(), stream, opened_tx);
        match opened_rx.await {
            Ok(Ok(())) => Ok(peer),
            Ok(Err(reason)) => {
                peer.wait_for_disconnect().await;
                Err(reason.into())
            }
            Err(_) => {
                peer.wait_for_disconnect().await;
                Err(peer.disconnect_reason().map_or(ConnectError::Cancelled, Into::into))
            }
        }
    }

    /// A handle for the peer's own task: it does not keep the connection open.
    pub(crate) fn internal(&self) -> Peer<D> {
        Peer {
            shared: self.shared.clone(),
            counted: false,
        }
    }

    /// The peer's events, once: messages with their frames, then the disconnect. `None` if the
    /// configuration did not ask for them ([`PeerConfigBuilder::events`](crate::PeerConfigBuilder::events))
    /// or they were taken already.
    pub fn events(&self) -> Option<PeerEvents<D>> {
        self.shared.events.as_ref()?;
        if self.shared.events_taken.swap(true, Ordering::SeqCst) {
            return None;
        }
        self.shared.stream_alive.store(true, Ordering::SeqCst);
        Some(PeerEvents {
            shared: self.shared.clone(),
            done: false,
        })
    }

    pub(crate) fn core(&self) -> MutexGuard<'_, Core<D>> {
        relock(&self.shared.core)
    }

    pub(crate) fn session(&self) -> Option<&Session> {
        self.shared.session.get().map(|s| &**s)
    }

    // ----- sending -----

    /// Queues `msg` for writing, encoded for the negotiated version (Bitcoin: with witness data if the remote
    /// advertised witness support). Never blocks. The handle resolves exactly once: sent, failed (e.g. the
    /// message is not valid at the negotiated version; the peer stays connected) or dropped (disconnected
    /// first, or the queue is over its cap: the remote counts as a slow reader and is disconnected).
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
        let now = now();
        let queued = core.conn.send_ref(msg, None, now);
        let keep = (!self.shared.listeners.is_empty()).then(|| msg.clone());
        track(&mut core, queued, keep, now)
    }

    fn queue(&self, msg: D::Message, witness: Option<bool>) -> SendHandle {
        let mut core = self.core();
        let now = now();
        let queued = core.conn.send_ref(&msg, witness, now);
        // The write hooks need the message; without listeners nothing keeps it.
        let keep = (!self.shared.listeners.is_empty()).then_some(msg);
        track(&mut core, queued, keep, now)
    }

    /// Waits until the queue has room (less than [`PeerConfig::send_buffer`](crate::PeerConfig) queued),
    /// queues `msg`, and waits for its outcome.
    pub async fn send(&self, msg: D::Message) -> Outcome {
        if self.is_connected() && !self.has_room() {
            let _waiting = RoomWaiter::new(&self.shared.room_waiters);
            loop {
                let room = self.shared.room.notified();
                tokio::pin!(room);
                // Registered before the check, so that a wake-up in between is not lost.
                room.as_mut().enable();
                if !self.is_connected() || self.has_room() {
                    break;
                }
                room.await;
            }
        }
        self.queue_message(msg).await
    }

    /// Queues `msg` if the queue has room; otherwise gives it back, saying why.
    pub fn try_send(&self, msg: D::Message) -> Result<SendHandle, TrySendError<D::Message>> {
        if !self.is_connected() {
            return Err(TrySendError::Closed(msg));
        }
        if !self.has_room() {
            return Err(TrySendError::Full(msg));
        }
        Ok(self.queue_message(msg))
    }

    fn has_room(&self) -> bool {
        (self.core().conn.queued_memory() as u64) < self.shared.send_buffer
    }

    /// Queues a frame received from another peer (from [`PeerEvent::Message`](crate::PeerEvent)) as it is:
    /// its payload is not copied, re-encoded or re-hashed. Forwarded requests are not tracked for stalls.
    pub fn forward(&self, frame: &coinpeer_wire::Frame) -> SendHandle {
        let mut core = self.core();
        let now = now();
        let queued = core.conn.send_frame(frame, now);
        track(&mut core, queued, None, now)
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
        let mut core = self.core();
        if core.conn.is_known_inventory(&inv, now()) {
            return None;
        }
        drop(core);
        let handle = self.queue_message(D::inv(vec![inv]));
        self.core().conn.add_known_inventory(&inv, now());
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

    // ----- life -----

    /// Starts disconnecting (idempotent): queued messages are reported dropped, the stream closes.
    pub fn disconnect(&self) {
        self.shared.closing.cancel();
    }

    /// Resolves once the peer's task has ended and the stream is closed.
    pub async fn wait_for_disconnect(&self) {
        loop {
            let ended = self.shared.ended.notified();
            let mut ended = std::pin::pin!(ended);
            // Registered before the check, so that an end between the two is not missed.
            ended.as_mut().enable();
            if self.shared.finished.load(Ordering::SeqCst) {
                return;
            }
            ended.await;
        }
    }

    /// True until disconnecting starts.
    pub fn is_connected(&self) -> bool {
        !self.shared.closing.is_cancelled() && self.core().conn.disconnect_reason().is_none()
    }

    /// Why the peer disconnected, once it has.
    pub fn disconnect_reason(&self) -> Option<DisconnectReason> {
        let core = self.core();
        core.conn.disconnect_reason().cloned()
    }

    /// Tasks of this peer still running (0 after [`wait_for_disconnect`](Self::wait_for_disconnect)).
    pub fn running_tasks(&self) -> usize {
        self.shared.live_tasks.load(Ordering::SeqCst)
    }
}

/// A handle for what the state machine made of a message handed to it. `queue_message` never waits, so a
/// full queue means the remote does not read: it is disconnected as a slow reader, as the cap always did.
fn track<D: Dialect>(
    core: &mut Core<D>,
    queued: Result<SendId, SendError<()>>,
    keep: Option<D::Message>,
    now: Instant,
) -> SendHandle {
    match queued {
        Ok(id) => {
            let (done, handle) = queue::handle();
            core.await_outcome(id, done, keep);
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

/// Locks `m`. Nothing that can panic runs under the peer's locks, so a poisoned lock still holds consistent
/// state.
pub(crate) fn relock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}
