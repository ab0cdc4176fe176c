//! A running peer: the handle callers hold, and the tasks behind it.

use crate::catch_unwind::CatchUnwind;
use crate::clock::{later, std_now};
use crate::dialect::{Control, Dialect};
use crate::error::{ConnectError, DisconnectReason, ProtocolViolation};
use crate::push::LastRequests;
use crate::queue::{self, Outcome, Queued, SendHandle};
use crate::random_nonce;
use crate::stall::StallTracker;
use crate::stats::{Counters, StatsSnapshot};
use crate::PeerConfig;
use bytes::{Bytes, BytesMut};
use coinpeer_cache::{DEFAULT_INVENTORY_CAPACITY, DEFAULT_INVENTORY_TTL};
use coinpeer_handshake::{
    Direction, Features, Handshake, HandshakeError, HandshakeMessage, LocalInputs, MessageKind, Negotiated,
};
use coinpeer_protocol::InventoryRelay;
use coinpeer_wire::bitcoin::RejectCode;
use coinpeer_wire::messages::{Inventory, NetAddress, ServiceFlags, VersionMessage};
use coinpeer_wire::{encode_frame, Command, DecodeError, EncodeOptions, Frame, FrameDecoder, Hash256, WireMessage};
use rand::rngs::SmallRng;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadHalf, WriteHalf};
use tokio::sync::{mpsc, watch};
use tokio_util::sync::CancellationToken;
use tracing::{debug, error, trace, warn, Instrument};

/// Ids are process-unique and start at 1, as btcd numbers its peers.
static NEXT_ID: AtomicU64 = AtomicU64::new(1);

/// What each queued message counts against [`PeerConfig::max_queued_bytes`] beyond its wire bytes: the
/// memory its bookkeeping holds (the message kept for the write hooks, the outcome channel, the queue slot).
/// Without it, a remote that floods 8-byte pings and never reads would queue millions of small pongs.
pub const QUEUED_MESSAGE_OVERHEAD: u64 = 512;

/// Received messages of unknown commands are counted under this name in [`StatsSnapshot::received`].
pub const UNKNOWN_COMMANDS: &str = "(unknown)";

/// The most atoms/satoshis that can ever exist (21 million coins in both dialects): no fee rate is higher.
const MAX_MONEY: i64 = 21_000_000 * 100_000_000;

/// How long a best-effort reject may take before we disconnect anyway.
const REJECT_WAIT: Duration = Duration::from_secs(5);

/// A write gets 20 s plus 1 s per full 256 KiB before the remote counts as a slow reader (dcrd's rule).
pub(crate) fn write_deadline(frame_len: usize) -> Duration {
    Duration::from_secs(20 + (frame_len / (256 * 1024)) as u64)
}

fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// What the handshake settled, kept for the life of the peer.
#[derive(Debug, Clone)]
struct Session {
    version: u32,
    remote: VersionMessage,
    time_offset: i64,
    features: Features,
    encode: EncodeOptions,
}

struct Shared<D: Dialect> {
    id: u64,
    config: PeerConfig<D>,
    direction: Direction,
    addr: SocketAddr,
    local_addr: Option<SocketAddr>,
    conn_time: SystemTime,
    session: OnceLock<Session>,
    counters: Mutex<Counters>,
    last_announced_block: Mutex<Option<Hash256>>,
    /// What the remote knows, and what waits for the next trickle.
    inventory: Mutex<InventoryRelay>,
    /// Deadlines of our requests; `None` when stall detection is off.
    stall: Option<Mutex<StallTracker>>,
    /// The previous `getblocks`/`getheaders`, to drop repeats.
    last_requests: Mutex<LastRequests>,
    queue: mpsc::UnboundedSender<Queued<D::Message>>,
    /// Bytes encoded and not yet written.
    queued_bytes: AtomicU64,
    /// Messages not yet written: each also holds memory beyond its bytes, charged against the cap.
    queued_messages: AtomicU64,
    /// Fired once, when disconnecting starts; every task watches it.
    closing: CancellationToken,
    reason: Mutex<Option<DisconnectReason>>,
    /// Becomes true once every task has ended and the stream is closed.
    finished: watch::Sender<bool>,
    live_tasks: AtomicUsize,
    span: tracing::Span,
}

/// A connected peer of dialect `D`. Cheap to clone: clones are handles to the same peer.
pub struct Peer<D: Dialect> {
    shared: Arc<Shared<D>>,
}

impl<D: Dialect> Clone for Peer<D> {
    fn clone(&self) -> Self {
        Peer {
            shared: self.shared.clone(),
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

/// Decrements the live-task count when a task ends, however it ends.
struct TaskGuard<D: Dialect>(Arc<Shared<D>>);

impl<D: Dialect> Drop for TaskGuard<D> {
    fn drop(&mut self) {
        self.0.live_tasks.fetch_sub(1, Ordering::SeqCst);
    }
}

/// The reading side during the handshake, handed to the reader task afterwards.
struct ReadSide<S> {
    rd: ReadHalf<S>,
    frames: FrameDecoder,
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
        let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
        let span = tracing::info_span!("peer", id, %addr, dir = ?direction);
        let (queue_tx, queue_rx) = mpsc::unbounded_channel();
        let frames = FrameDecoder::new(config.network.clone(), D::Message::MAX_VERSION);
        let stall = config.stall.map(|c| Mutex::new(StallTracker::new(c)));
        let peer = Peer {
            shared: Arc::new(Shared {
                id,
                config,
                direction,
                addr,
                local_addr,
                conn_time: SystemTime::now(),
                session: OnceLock::new(),
                counters: Mutex::new(Counters::new()),
                last_announced_block: Mutex::new(None),
                inventory: Mutex::new(InventoryRelay::new(DEFAULT_INVENTORY_CAPACITY, DEFAULT_INVENTORY_TTL)),
                stall,
                last_requests: Mutex::new(LastRequests::default()),
                queue: queue_tx,
                queued_bytes: AtomicU64::new(0),
                queued_messages: AtomicU64::new(0),
                closing: cancel.child_token(),
                reason: Mutex::new(None),
                finished: watch::Sender::new(false),
                live_tasks: AtomicUsize::new(0),
                span: span.clone(),
            }),
        };
        let (rd, mut wr) = tokio::io::split(stream);
        let mut read = ReadSide { rd, frames };
        let timeout = peer.shared.config.handshake.timeout;
        let result = tokio::select! {
            r = tokio::time::timeout(timeout, peer.handshake(&mut read, &mut wr)) => match r {
                Ok(r) => r,
                Err(_) => Err(ConnectError::Handshake(HandshakeError::Timeout)),
            },
            _ = peer.shared.closing.cancelled() => Err(ConnectError::Cancelled),
        };
        let negotiated = match result {
            Ok(n) => n,
            Err(e) => {
                let reason = match &e {
                    ConnectError::Handshake(h) => DisconnectReason::Handshake(h.clone()),
                    ConnectError::Cancelled => DisconnectReason::LocalRequest,
                    ConnectError::Protocol(d) => DisconnectReason::Protocol(ProtocolViolation::Malformed(d.clone())),
                    ConnectError::ListenerPanic(m) => DisconnectReason::ListenerPanic(m.clone()),
                    other => DisconnectReason::Io(other.to_string()),
                };
                debug!(parent: &span, "handshake failed: {e}");
                peer.close(reason);
                let _ = tokio::time::timeout(Duration::from_secs(1), wr.shutdown()).await;
                drop((read, wr, queue_rx));
                peer.shared.finished.send_replace(true);
                return Err(e);
            }
        };
        peer.run(read, wr, queue_rx, negotiated.replay);
        Ok(peer)
    }

    /// Drives the sans-IO handshake over the stream; its messages go out directly, not through the queue.
    async fn handshake<S: AsyncRead + AsyncWrite>(
        &self,
        read: &mut ReadSide<S>,
        wr: &mut WriteHalf<S>,
    ) -> Result<Negotiated<D::Message>, ConnectError> {
        let config = &self.shared.config;
        let start_height = match &config.newest_block {
            Some(source) => source().map_err(HandshakeError::NewestBlock)?,
            None => 0,
        };
        let remote_na = match &config.host_to_address {
            Some(map) => map(self.shared.addr),
            None => NetAddress::from_socket_addr(self.shared.addr, ServiceFlags::NONE),
        };
        let inputs = LocalInputs {
            nonce: random_nonce(),
            unix_time: unix_now(),
            start_height,
            now: std::time::Instant::now(),
        };
        let mut hs = Handshake::<D::Message>::new(
            &config.handshake,
            self.shared.direction,
            remote_na,
            inputs,
            &config.nonces,
        )?;
        let local_version = hs.local_version().version;
        let mut version = local_version;
        loop {
            while let Some(msg) = hs.poll_transmit() {
                self.write_direct(wr, &msg, EncodeOptions::new(version)).await?;
            }
            if hs.is_complete() {
                break;
            }
            let (msg, _) = self.read_direct(read, version).await?;
            // Kept to ask the listeners once the built-in checks (self connection, minimum version) pass.
            let remote_version = match msg.kind() {
                MessageKind::Version(v) => Some(v.clone()),
                _ => None,
            };
            if let Some(v) = &remote_version {
                version = local_version.min(v.version);
                read.frames.set_version(version);
            }
            let mut result = hs.handle(msg, unix_now()).map(|_| ());
            if let (Ok(()), Some(v)) = (&result, &remote_version) {
                for l in &config.listeners {
                    let verdict = CatchUnwind(D::on_version(l, self, v))
                        .await
                        .map_err(ConnectError::ListenerPanic)?;
                    if let Err(reason) = verdict {
                        result = Err(hs.refuse(&reason));
                        break;
                    }
                }
            }
            if let Err(e) = result {
                // Send what the machine queued on failure (a reject), best effort.
                while let Some(msg) = hs.poll_transmit() {
                    if self.write_direct(wr, &msg, EncodeOptions::new(version)).await.is_err() {
                        break;
                    }
                }
                return Err(e.into());
            }
        }
        let n = hs.finish().expect("the loop ends only on completion");
        debug!(parent: &self.shared.span, version = n.version, agent = %n.remote.user_agent, "handshake complete");
        let encode = EncodeOptions {
            version: n.version,
            witness: n.features.witness,
        };
        let session = Session {
            version: n.version,
            remote: n.remote.clone(),
            time_offset: n.time_offset,
            features: n.features,
            encode,
        };
        self.lock().last_block = n.remote.start_height;
        let _ = self.shared.session.set(session);
        Ok(n)
    }

    async fn write_direct<S: AsyncWrite>(
        &self,
        wr: &mut WriteHalf<S>,
        msg: &D::Message,
        opts: EncodeOptions,
    ) -> Result<(), ConnectError> {
        let mut buf = BytesMut::new();
        encode_frame(&self.shared.config.network, msg, opts, &mut buf)
            .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))?;
        debug!(parent: &self.shared.span, "sending {}", msg.summary());
        trace!(parent: &self.shared.span, bytes = %hexdump(&buf), "raw out");
        let r = wr.write_all(&buf).await;
        self.lock().bytes_sent += buf.len() as u64;
        r?;
        wr.flush().await?;
        Ok(())
    }

    async fn read_direct<S: AsyncRead>(
        &self,
        read: &mut ReadSide<S>,
        version: u32,
    ) -> Result<(D::Message, Frame), ConnectError> {
        loop {
            match read.frames.next_frame() {
                Ok(Some(frame)) => {
                    let msg = frame.decode::<D::Message>(version).map_err(ConnectError::Protocol)?;
                    debug!(parent: &self.shared.span, "received {}", msg.summary());
                    return Ok((msg, frame));
                }
                Ok(None) => {}
                Err(e) => return Err(ConnectError::Protocol(e)),
            }
            let n = read.rd.read_buf(read.frames.buffer_mut()).await?;
            if n == 0 {
                return Err(std::io::Error::from(std::io::ErrorKind::UnexpectedEof).into());
            }
            self.lock().bytes_received += n as u64;
        }
    }

    /// Spawns the reader, the writer and the timers (pings, trickles, stall checks), and a supervisor that marks the peer finished once all three
    /// have ended and the stream halves are dropped.
    fn run<S>(
        &self,
        read: ReadSide<S>,
        wr: WriteHalf<S>,
        queue_rx: mpsc::UnboundedReceiver<Queued<D::Message>>,
        replay: Vec<D::Message>,
    ) where
        S: AsyncRead + AsyncWrite + Send + 'static,
    {
        let span = self.shared.span.clone();
        self.shared.live_tasks.fetch_add(4, Ordering::SeqCst);
        let reader = tokio::spawn({
            let peer = self.clone();
            async move {
                let _guard = TaskGuard(peer.shared.clone());
                let reason = peer.read_loop(read, replay).await;
                peer.close(reason);
            }
            .instrument(span.clone())
        });
        let writer = tokio::spawn({
            let peer = self.clone();
            async move {
                let _guard = TaskGuard(peer.shared.clone());
                peer.write_loop(wr, queue_rx).await;
            }
            .instrument(span.clone())
        });
        let timers = tokio::spawn({
            let peer = self.clone();
            async move {
                let _guard = TaskGuard(peer.shared.clone());
                peer.timer_loop().await;
            }
            .instrument(span.clone())
        });
        let peer = self.clone();
        tokio::spawn(
            async move {
                let guard = TaskGuard(peer.shared.clone());
                for task in [reader, writer, timers] {
                    if let Err(e) = task.await {
                        error!("peer task failed: {e}");
                        peer.close(DisconnectReason::ListenerPanic(e.to_string()));
                    }
                }
                debug!(
                    "disconnected: {}",
                    peer.disconnect_reason().map_or("?".into(), |r| r.to_string())
                );
                // Counted out before the waiters are woken, so that they see no task running.
                drop(guard);
                peer.shared.finished.send_replace(true);
            }
            .instrument(span),
        );
    }

    async fn read_loop<S: AsyncRead>(&self, mut read: ReadSide<S>, replay: Vec<D::Message>) -> DisconnectReason {
        // The handshake consumed these; the listeners still hear of them, first, as btcd's do.
        let features = self.features();
        let announced = [
            D::Message::send_addrv2().filter(|_| features.remote_wants_addrv2),
            D::Message::wtxid_relay().filter(|_| features.wtxid_relay),
            Some(D::Message::verack()),
        ];
        for msg in announced.into_iter().flatten() {
            if let Err(reason) = self.timed(self.notify_listeners(&msg, &Bytes::new())).await {
                return reason;
            }
        }
        for msg in replay {
            // Read before the verack: their bytes were counted then, but the read hooks hear of them now.
            let hooks = self.timed(async {
                for l in &self.shared.config.listeners {
                    self.guarded(D::on_read(l, self, 0, Some(&msg), None)).await?;
                }
                Ok(())
            });
            if let Err(reason) = hooks.await {
                return reason;
            }
            if let Err(reason) = self.handle_message(msg, &Bytes::new()).await {
                return reason;
            }
        }
        let idle = self.shared.config.idle_timeout;
        loop {
            loop {
                match read.frames.next_frame() {
                    Ok(Some(frame)) => {
                        if let Err(reason) = self.handle_frame(frame).await {
                            return reason;
                        }
                    }
                    Ok(None) => break,
                    Err(e) => return self.protocol_error(e).await,
                }
            }
            let n = tokio::select! {
                _ = self.shared.closing.cancelled() => return DisconnectReason::LocalRequest,
                r = tokio::time::timeout(idle, read.rd.read_buf(read.frames.buffer_mut())) => match r {
                    Err(_) => {
                        warn!("no message for {idle:?}: disconnecting");
                        return DisconnectReason::Idle;
                    }
                    Ok(Ok(0)) => return DisconnectReason::RemoteClosed,
                    Ok(Ok(n)) => n,
                    Ok(Err(e)) => return DisconnectReason::Io(e.to_string()),
                },
            };
            self.lock().bytes_received += n as u64;
        }
    }

    async fn handle_frame(&self, frame: Frame) -> Result<(), DisconnectReason> {
        let version = self.protocol_version();
        match frame.decode::<D::Message>(version) {
            Ok(msg) => {
                {
                    let mut c = self.lock();
                    c.last_recv = Some(SystemTime::now());
                    let command = match D::control(&msg) {
                        Control::Unknown => UNKNOWN_COMMANDS,
                        _ => frame.header.command.as_str(),
                    };
                    Counters::record(&mut c.received, command, frame.wire_len());
                }
                trace!(bytes = %hexdump(&frame.payload), "raw in {}", frame.header.command);
                self.timed(async {
                    for l in &self.shared.config.listeners {
                        self.guarded(D::on_read(l, self, frame.wire_len(), Some(&msg), None))
                            .await?;
                    }
                    Ok(())
                })
                .await?;
                self.handle_message(msg, &frame.payload).await
            }
            Err(e) => Err(self.protocol_error(e).await),
        }
    }

    async fn handle_message(&self, msg: D::Message, raw: &Bytes) -> Result<(), DisconnectReason> {
        debug!("received {}", msg.summary());
        self.note_answers(&msg);
        match D::control(&msg) {
            Control::Ping(nonce) => {
                // Answered before the listeners run, so a slow listener cannot delay it.
                drop(self.queue_message(D::pong(nonce)));
            }
            Control::Pong(nonce) => {
                let mut c = self.lock();
                if nonce != 0 && c.last_ping_nonce == Some(nonce) {
                    if let Some((_, at)) = c.last_ping_sent {
                        c.last_ping_latency = Some(at.elapsed());
                    }
                    c.last_ping_nonce = None;
                }
            }
            Control::SendHeaders => self.lock().wants_headers = true,
            Control::FeeFilter(rate) => {
                if !(0..=MAX_MONEY).contains(&rate) {
                    debug!("feefilter of {rate}: disconnecting");
                    return Err(DisconnectReason::Protocol(ProtocolViolation::OutOfRange(msg.command())));
                }
                self.lock().fee_filter = Some(rate);
            }
            Control::NeedsService(needed) if !self.shared.config.handshake.services.contains(needed) => {
                debug!("{} asks for services we do not advertise: disconnecting", msg.command());
                return Err(DisconnectReason::Protocol(ProtocolViolation::ServiceNotOffered(
                    msg.command(),
                )));
            }
            Control::HandshakeOnly => {
                let command = msg.command();
                if let Some(reject) = D::Message::reject(
                    self.protocol_version(),
                    command.as_str(),
                    RejectCode::DUPLICATE.0,
                    "duplicate",
                ) {
                    let _ = tokio::time::timeout(REJECT_WAIT, self.send(reject)).await;
                }
                return Err(DisconnectReason::Protocol(ProtocolViolation::Duplicate(command)));
            }
            _ => {}
        }
        self.timed(self.notify_listeners(&msg, raw)).await
    }

    /// Records what a received message tells us before any listener runs: the inventory it announces is
    /// known to the remote, and the requests it answers are no longer awaited.
    fn note_answers(&self, msg: &D::Message) {
        let announced = D::announced(msg);
        if !announced.is_empty() {
            let now = std_now();
            let mut inventory = relock(&self.shared.inventory);
            for inv in announced {
                inventory.add_known(inv, now);
            }
        }
        if let Some(stall) = &self.shared.stall {
            let mut stall = relock(stall);
            // Hashing a transaction to match it costs time; skip it when nothing is awaited.
            if !stall.is_empty() {
                D::answers(msg, &mut |a| stall.answered(a));
            }
        }
    }

    /// Runs listener code, counting its time so that stall deadlines are extended by it.
    async fn timed<T>(&self, listeners: impl std::future::Future<Output = T>) -> T {
        let Some(stall) = &self.shared.stall else {
            return listeners.await;
        };
        relock(stall).listener_started(tokio::time::Instant::now());
        let result = listeners.await;
        relock(stall).listener_finished(tokio::time::Instant::now());
        result
    }

    /// Hands `msg` to every listener in order.
    async fn notify_listeners(&self, msg: &D::Message, raw: &Bytes) -> Result<(), DisconnectReason> {
        for l in &self.shared.config.listeners {
            self.guarded(D::dispatch(l, self, msg, raw)).await?;
        }
        Ok(())
    }

    /// Runs a listener future, turning a panic into this peer's disconnection. Once the peer starts
    /// disconnecting the future is dropped, so a listener that hangs (or awaits this peer's own disconnection)
    /// cannot hold the shutdown up.
    async fn guarded(&self, fut: crate::dialect::BoxFuture<'_>) -> Result<(), DisconnectReason> {
        tokio::select! {
            r = CatchUnwind(fut) => r.map_err(|panic| {
                error!("listener panicked: {panic}");
                DisconnectReason::ListenerPanic(panic)
            }),
            _ = self.shared.closing.cancelled() => Err(self.disconnect_reason().unwrap_or(DisconnectReason::LocalRequest)),
        }
    }

    async fn protocol_error(&self, e: DecodeError) -> DisconnectReason {
        debug!("protocol error: {e}");
        for l in &self.shared.config.listeners {
            let _ = self.guarded(D::on_read(l, self, 0, None, Some(&e))).await;
        }
        if let Some(reject) = D::Message::reject(
            self.protocol_version(),
            "malformed",
            RejectCode::MALFORMED.0,
            &e.to_string(),
        ) {
            let _ = tokio::time::timeout(REJECT_WAIT, self.send(reject)).await;
        }
        DisconnectReason::Protocol(ProtocolViolation::Malformed(e))
    }

    async fn write_loop<S: AsyncWrite>(
        &self,
        mut wr: WriteHalf<S>,
        mut rx: mpsc::UnboundedReceiver<Queued<D::Message>>,
    ) {
        let closing = self.shared.closing.clone();
        loop {
            let q = tokio::select! {
                biased;
                _ = closing.cancelled() => break,
                q = rx.recv() => match q {
                    Some(q) => q,
                    None => break,
                },
            };
            if let Some(nonce) = q.ping_nonce {
                let mut c = self.lock();
                c.last_ping_nonce = Some(nonce);
                c.last_ping_sent = Some((SystemTime::now(), tokio::time::Instant::now()));
            }
            if let Some(stall) = &self.shared.stall {
                // The deadlines start as the request leaves, not while it waits in the queue.
                let now = tokio::time::Instant::now();
                let mut stall = relock(stall);
                D::requests(&q.msg, &mut |e| stall.expect(e, now));
            }
            let len = q.frame.len();
            trace!(bytes = %hexdump(&q.frame), "raw out {}", q.command);
            // Set when the disconnect interrupts this write: the message then counts as dropped, not failed.
            let mut interrupted = false;
            let result = tokio::select! {
                biased;
                _ = closing.cancelled() => {
                    interrupted = true;
                    Err("disconnected while writing".to_string())
                }
                r = tokio::time::timeout(write_deadline(len), async {
                    wr.write_all(&q.frame).await?;
                    wr.flush().await
                }) => match r {
                    Ok(Ok(())) => Ok(()),
                    Ok(Err(e)) => Err(e.to_string()),
                    Err(_) => {
                        self.close(DisconnectReason::SlowReader);
                        Err("write deadline passed".to_string())
                    }
                },
            };
            self.unqueue(len);
            {
                let mut c = self.lock();
                c.bytes_sent += len as u64;
                if result.is_ok() {
                    c.last_send = Some(SystemTime::now());
                    Counters::record(&mut c.sent, q.command.as_str(), len);
                }
            }
            for l in &self.shared.config.listeners {
                let hook = D::on_write(l, self, len, &q.msg, result.as_ref().err().map(String::as_str));
                if let Err(reason) = self.guarded(hook).await {
                    // A panicking listener disconnects its peer, whichever hook it panicked in.
                    self.close(reason);
                    break;
                }
            }
            match result {
                Ok(()) => {
                    debug!("sent {}", q.msg.summary());
                    q.resolve(Outcome::Sent);
                }
                Err(e) => {
                    q.resolve(if interrupted {
                        Outcome::Dropped
                    } else {
                        Outcome::Failed(e.clone())
                    });
                    self.close(DisconnectReason::Io(e));
                    break;
                }
            }
        }
        // Everything still queued is reported, then the channel is closed so that nothing new can slip in.
        rx.close();
        while let Ok(q) = rx.try_recv() {
            self.unqueue(q.frame.len());
            q.resolve(Outcome::Dropped);
        }
        let _ = tokio::time::timeout(Duration::from_secs(1), wr.shutdown()).await;
    }

    /// Pings, inventory trickles and stall checks, each on its own schedule.
    async fn timer_loop(&self) {
        use tokio::time::Instant;
        let config = &self.shared.config;
        let mut rng: SmallRng = rand::make_rng();
        let now = Instant::now();
        let mut next_ping = config.ping_interval.map(|i| later(now, i));
        let mut next_trickle = later(now, config.trickle_interval.next(&mut rng));
        let stall_tick = self.shared.stall.as_ref().map(|s| relock(s).tick());
        let mut next_stall = stall_tick.map(|t| later(now, t));
        loop {
            tokio::select! {
                _ = self.shared.closing.cancelled() => return,
                _ = sleep_until(next_ping) => {
                    drop(self.push_ping());
                    next_ping = config.ping_interval.map(|i| later(Instant::now(), i));
                }
                _ = tokio::time::sleep_until(next_trickle) => {
                    self.trickle();
                    next_trickle = later(Instant::now(), config.trickle_interval.next(&mut rng));
                }
                _ = sleep_until(next_stall) => {
                    let overdue = self.shared.stall.as_ref().and_then(|s| relock(s).overdue(Instant::now()));
                    if let Some(reply) = overdue {
                        debug!("no {reply} in time: disconnecting");
                        self.close(DisconnectReason::Stall { command: Command::from_static(reply) });
                        return;
                    }
                    next_stall = stall_tick.map(|t| later(Instant::now(), t));
                }
            }
        }
    }

    /// Announces the queued inventory the remote does not know yet.
    fn trickle(&self) {
        let batches = {
            let mut inventory = relock(&self.shared.inventory);
            if inventory.pending() == 0 {
                return;
            }
            inventory.take_batches(std_now())
        };
        for items in batches {
            drop(self.queue_message(D::inv(items)));
        }
    }

    fn lock(&self) -> MutexGuard<'_, Counters> {
        relock(&self.shared.counters)
    }

    pub(crate) fn last_requests(&self) -> MutexGuard<'_, LastRequests> {
        relock(&self.shared.last_requests)
    }

    fn session(&self) -> Option<&Session> {
        self.shared.session.get()
    }

    /// Starts disconnecting for `reason`, unless a reason was already recorded; idempotent.
    fn close(&self, reason: DisconnectReason) {
        {
            let mut r = self.shared.reason.lock().unwrap_or_else(|p| p.into_inner());
            if r.is_none() {
                // The caller's own cancellation counts as a local request whatever task noticed it first.
                *r = Some(reason);
            }
        }
        self.shared.closing.cancel();
    }

    // ----- the public surface -----

    /// Queues `msg` for writing, encoded for the negotiated version (Bitcoin: with witness data if the remote
    /// advertised witness support). Never blocks. The handle resolves exactly once: sent, failed (e.g. the
    /// message is not valid at the negotiated version; the peer stays connected) or dropped (disconnected
    /// first).
    pub fn queue_message(&self, msg: D::Message) -> SendHandle {
        let opts = self
            .session()
            .map_or(EncodeOptions::new(D::Message::MAX_VERSION), |s| s.encode);
        self.queue_message_with(msg, opts.witness)
    }

    /// Like [`queue_message`](Self::queue_message), choosing whether Bitcoin blocks and transactions carry
    /// witness data.
    pub fn queue_message_with(&self, msg: D::Message, witness: bool) -> SendHandle {
        if self.shared.closing.is_cancelled() {
            return queue::resolved(Outcome::Dropped);
        }
        let version = self.protocol_version();
        let mut buf = BytesMut::new();
        if let Err(e) = encode_frame(
            &self.shared.config.network,
            &msg,
            EncodeOptions { version, witness },
            &mut buf,
        ) {
            warn!("cannot encode {}: {e}", msg.command());
            return queue::resolved(queue::encode_failed(&e));
        }
        let len = buf.len();
        let bytes = self.shared.queued_bytes.fetch_add(len as u64, Ordering::SeqCst) + len as u64;
        let messages = self.shared.queued_messages.fetch_add(1, Ordering::SeqCst) + 1;
        if bytes.saturating_add(messages.saturating_mul(QUEUED_MESSAGE_OVERHEAD)) > self.shared.config.max_queued_bytes
        {
            self.unqueue(len);
            debug!(bytes, messages, "queue over the cap: disconnecting");
            self.close(DisconnectReason::SlowReader);
            return queue::resolved(Outcome::Dropped);
        }
        let (done, handle) = queue::handle();
        let ping_nonce = match D::control(&msg) {
            Control::Ping(n) => Some(n),
            _ => None,
        };
        let item = Queued {
            command: msg.command(),
            msg,
            frame: buf.freeze(),
            ping_nonce,
            done,
        };
        if let Err(mpsc::error::SendError(item)) = self.shared.queue.send(item) {
            self.unqueue(len);
            item.resolve(Outcome::Dropped);
        }
        handle
    }

    /// Takes a message of `len` bytes off the queue's accounting.
    fn unqueue(&self, len: usize) {
        self.shared.queued_bytes.fetch_sub(len as u64, Ordering::SeqCst);
        self.shared.queued_messages.fetch_sub(1, Ordering::SeqCst);
    }

    /// Queues `msg` and waits for its outcome.
    pub async fn send(&self, msg: D::Message) -> Outcome {
        self.queue_message(msg).await
    }

    /// Queues a ping with a fresh random nonce; the latency is measured when the matching pong arrives.
    pub fn push_ping(&self) -> SendHandle {
        self.queue_message(D::ping(random_nonce()))
    }

    /// Queues `inv` for the next trickled announcement, unless the remote already knows it. Returns whether
    /// it was queued. Items leave in batches of at most [`MAX_INV_PER_TRICKLE`](crate::MAX_INV_PER_TRICKLE)
    /// at the configured [`TrickleInterval`](crate::TrickleInterval); an item that becomes known before then
    /// (the remote announced it to us) is skipped.
    pub fn queue_inventory(&self, inv: Inventory) -> bool {
        if !self.is_connected() {
            return false;
        }
        relock(&self.shared.inventory).queue(inv, std_now())
    }

    /// Announces `inv` at once in its own `inv`, unless the remote already knows it (then `None`).
    pub fn queue_inventory_immediate(&self, inv: Inventory) -> Option<SendHandle> {
        if !self.is_connected() {
            return Some(queue::resolved(Outcome::Dropped));
        }
        {
            let now = std_now();
            let mut inventory = relock(&self.shared.inventory);
            if inventory.is_known(&inv, now) {
                return None;
            }
            inventory.add_known(&inv, now);
        }
        Some(self.queue_message(D::inv(vec![inv])))
    }

    /// Records that the remote knows `inv` (e.g. it sent us the transaction), so it is not announced to it.
    pub fn add_known_inventory(&self, inv: &Inventory) {
        relock(&self.shared.inventory).add_known(inv, std_now());
    }

    /// Whether the remote knows `inv`: it announced it, we announced it, or it was added as known, within
    /// the last 15 minutes and the last 1000 items.
    pub fn is_known_inventory(&self, inv: &Inventory) -> bool {
        relock(&self.shared.inventory).is_known(inv, std_now())
    }

    /// Starts disconnecting (idempotent): tasks stop, queued messages are reported dropped, the stream closes.
    pub fn disconnect(&self) {
        self.close(DisconnectReason::LocalRequest);
    }

    /// Resolves once every task of the peer has ended and the stream is closed.
    pub async fn wait_for_disconnect(&self) {
        let mut rx = self.shared.finished.subscribe();
        let _ = rx.wait_for(|done| *done).await;
    }

    /// True until disconnecting starts.
    pub fn is_connected(&self) -> bool {
        !self.shared.closing.is_cancelled()
    }

    /// Why the peer disconnected, once it has.
    pub fn disconnect_reason(&self) -> Option<DisconnectReason> {
        self.shared.reason.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Tasks of this peer still running (0 after [`wait_for_disconnect`](Self::wait_for_disconnect)).
    pub fn running_tasks(&self) -> usize {
        self.shared.live_tasks.load(Ordering::SeqCst)
    }

    /// The process-unique id.
    pub fn id(&self) -> u64 {
        self.shared.id
    }

    /// The remote's socket address.
    pub fn addr(&self) -> SocketAddr {
        self.shared.addr
    }

    /// Our socket address, when known (TCP).
    pub fn local_addr(&self) -> Option<SocketAddr> {
        self.shared.local_addr
    }

    /// Who dialed.
    pub fn direction(&self) -> Direction {
        self.shared.direction
    }

    /// The network spoken.
    pub fn network(&self) -> &coinpeer_wire::Network {
        &self.shared.config.network
    }

    /// The negotiated protocol version (the dialect's newest until the handshake completes).
    pub fn protocol_version(&self) -> u32 {
        self.session().map_or(D::Message::MAX_VERSION, |s| s.version)
    }

    /// The remote's version message.
    pub fn remote_version(&self) -> Option<&VersionMessage> {
        self.session().map(|s| &s.remote)
    }

    /// The protocol version the remote advertised.
    pub fn advertised_version(&self) -> u32 {
        self.session().map_or(0, |s| s.remote.version)
    }

    /// The services the remote advertised.
    pub fn services(&self) -> ServiceFlags {
        self.session().map_or(ServiceFlags::NONE, |s| s.remote.services)
    }

    /// The remote's user agent.
    pub fn user_agent(&self) -> &str {
        self.session().map_or("", |s| s.remote.user_agent.as_str())
    }

    /// The remote's address as a network address (the address and the services it advertised).
    pub fn net_address(&self) -> NetAddress {
        NetAddress::from_socket_addr(self.shared.addr, self.services())
    }

    /// The remote's clock minus ours, in seconds.
    pub fn time_offset(&self) -> i64 {
        self.session().map_or(0, |s| s.time_offset)
    }

    /// Optional features in force.
    pub fn features(&self) -> Features {
        self.session().map(|s| s.features).unwrap_or_default()
    }

    /// Bitcoin: the remote sends and receives witness data.
    pub fn witness_enabled(&self) -> bool {
        self.features().witness
    }

    /// The remote asked for new blocks to be announced with `headers`.
    pub fn wants_headers(&self) -> bool {
        self.lock().wants_headers
    }

    /// The remote's minimum fee rate (per 1000 bytes) for transactions we announce, from its `feefilter`.
    pub fn fee_filter(&self) -> Option<i64> {
        self.lock().fee_filter
    }

    /// Our requests still awaiting an answer (0 when stall detection is off).
    pub fn pending_requests(&self) -> usize {
        self.shared.stall.as_ref().map_or(0, |s| relock(s).len())
    }

    /// The remote's height at the handshake.
    pub fn starting_height(&self) -> i32 {
        self.session().map_or(0, |s| s.remote.start_height)
    }

    /// The remote's best known height.
    pub fn last_block(&self) -> i32 {
        self.lock().last_block
    }

    /// Raises the remote's best known height; a lower height is ignored.
    pub fn update_last_block_height(&self, height: i32) {
        let mut c = self.lock();
        if height > c.last_block {
            c.last_block = height;
        }
    }

    /// The last block the remote announced.
    pub fn last_announced_block(&self) -> Option<Hash256> {
        *self
            .shared
            .last_announced_block
            .lock()
            .unwrap_or_else(|p| p.into_inner())
    }

    /// Records the last block the remote announced.
    pub fn update_last_announced_block(&self, hash: Hash256) {
        *self
            .shared
            .last_announced_block
            .lock()
            .unwrap_or_else(|p| p.into_inner()) = Some(hash);
    }

    /// Bytes queued and not yet written.
    pub fn queued_bytes(&self) -> u64 {
        self.shared.queued_bytes.load(Ordering::SeqCst)
    }

    /// A consistent snapshot of the statistics.
    pub fn stats(&self) -> StatsSnapshot {
        let session = self.session();
        let pending_requests = self.pending_requests();
        let pending_inventory = relock(&self.shared.inventory).pending();
        let c = self.lock();
        StatsSnapshot {
            id: self.shared.id,
            addr: self.shared.addr,
            services: session.map_or(ServiceFlags::NONE, |s| s.remote.services),
            last_send: c.last_send,
            last_recv: c.last_recv,
            bytes_sent: c.bytes_sent,
            bytes_received: c.bytes_received,
            conn_time: self.shared.conn_time,
            time_offset: session.map_or(0, |s| s.time_offset),
            version: session.map_or(0, |s| s.remote.version),
            negotiated_version: session.map_or(0, |s| s.version),
            user_agent: session.map_or_else(String::new, |s| s.remote.user_agent.clone()),
            direction: self.shared.direction,
            starting_height: session.map_or(0, |s| s.remote.start_height),
            last_block: c.last_block,
            last_ping_nonce: c.last_ping_nonce,
            last_ping_time: c.last_ping_sent.map(|(t, _)| t),
            last_ping_latency: c.last_ping_latency,
            features: session.map(|s| s.features).unwrap_or_default(),
            wants_headers: c.wants_headers,
            fee_filter: c.fee_filter,
            pending_requests,
            pending_inventory,
            sent: c.sent.clone(),
            received: c.received.clone(),
        }
    }
}

/// Locks `m`. Nothing that can panic runs under the peer's locks, so a poisoned lock still holds consistent
/// state.
fn relock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// Sleeps until `deadline`, or forever without one.
async fn sleep_until(deadline: Option<tokio::time::Instant>) {
    match deadline {
        Some(d) => tokio::time::sleep_until(d).await,
        None => std::future::pending().await,
    }
}

/// Hex of at most the first 256 bytes, for trace logs.
fn hexdump(b: &[u8]) -> String {
    let shown: String = b.iter().take(256).map(|x| format!("{x:02x}")).collect();
    if b.len() > 256 {
        format!("{shown}... ({} bytes)", b.len())
    } else {
        shown
    }
}
