//! A running peer: the handle callers hold. The protocol itself runs in `coinpeer-protocol`'s state
//! machine, driven by one task (`driver.rs`).
//!
//! This file holds the handle, starting a peer, its events and its life; sending lives in `sending.rs`, what
//! it knows of its remote in `remote.rs`.

use crate::dialect::Dialect;
use crate::driver::{self, Core};
use crate::event_queue::EventQueue;
use crate::stream::PeerEvents;
use crate::{ConnectError, PeerConfig};
use coinpeer_handshake::Direction;
use coinpeer_protocol::{DisconnectReason, Session};
use coinpeer_wire::messages::{NetAddress, ServiceFlags};
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

/// Received messages of unknown commands are counted under this name in
/// [`StatsSnapshot::received`](crate::StatsSnapshot::received).
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
            Some(source) => source().map_err(ConnectError::NewestBlock)?,
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

    /// The peer's events, once: what the handshake settled, messages with their frames, then the
    /// disconnect. `None` if the configuration did not ask for them
    /// ([`PeerConfigBuilder::events`](crate::PeerConfigBuilder::events)) or they were taken already.
    pub fn events(&self) -> Option<PeerEvents<D>> {
        self.shared.events.as_ref()?;
        if self.shared.events_taken.swap(true, Ordering::SeqCst) {
            return None;
        }
        self.shared.stream_alive.store(true, Ordering::SeqCst);
        Some(PeerEvents {
            shared: self.shared.clone(),
            started: false,
            held: None,
            done: false,
        })
    }

    pub(crate) fn core(&self) -> MutexGuard<'_, Core<D>> {
        relock(&self.shared.core)
    }

    pub(crate) fn session(&self) -> Option<&Session> {
        self.shared.session.get().map(|s| &**s)
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

/// Locks `m`. Nothing that can panic runs under the peer's locks, so a poisoned lock still holds consistent
/// state.
pub(crate) fn relock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}
