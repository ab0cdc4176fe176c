//! The stage of every scenario: a coinpeer peer listening on 127.0.0.1 (an accept loop starting
//! `Peer::from_tcp` inbound for each connection, as `coinpeer listen` does), an honest coinpeer peer that
//! pings it all through, what the listener reports for each connection it served, and the heap.

pub(crate) use crate::lang::{malformed, Lang};

use crate::honest::{round_trip, Pinger};
use crate::memory::{heap_live, heap_peak, kib, reset_heap_peak};
use crate::support::quiet;
use coinpeer_runtime::{
    CancellationToken, ConnectError, Direction, DisconnectReason, Peer, PeerConfig, PeerConfigBuilder,
    ProtocolViolation,
};
use std::net::SocketAddr;
use std::time::{Duration, Instant};
use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio::sync::mpsc;
use tokio::task::JoinSet;

/// How long anything expected may take before the test fails.
pub(crate) const WAIT: Duration = Duration::from_secs(10);
/// The slowest pong the honest peer may get during an attack: a debug build on two cores, with a flood
/// running and other processes busy. Measured: under 200 ms on an idle machine, 2 s with a fuzzer on one of
/// the two cores (100 strangers flooding).
pub(crate) const MAX_RTT: Duration = Duration::from_secs(3);
/// Heap the process may keep after a scenario, above what it held before: bookkeeping of tokio's that does
/// not shrink back (its queues and slabs sized for the most tasks seen). Measured: under 3 KiB after most
/// scenarios, 12 KiB after 500 connections at once. A leak of 20 bytes per connection in the scenarios with
/// thousands, or one receive buffer kept, exceeds it.
pub(crate) const SLACK: u64 = 32 * 1024;

/// How the listener's handling of one accepted connection ended.
#[derive(Debug)]
pub(crate) struct Ended {
    pub(crate) addr: SocketAddr,
    pub(crate) reason: DisconnectReason,
    /// The handshake had completed.
    pub(crate) opened: bool,
    pub(crate) at: Instant,
}

/// The reason behind a failed start: the inverse of `From<DisconnectReason> for ConnectError`. A remote
/// close is `Io(UnexpectedEof)` there, and comes back as `RemoteClosed`.
fn reason_of(e: ConnectError) -> DisconnectReason {
    match e {
        ConnectError::Handshake(h) => DisconnectReason::Handshake(h),
        ConnectError::Protocol(d) => DisconnectReason::Protocol(ProtocolViolation::Malformed(d)),
        ConnectError::Violation(v) => DisconnectReason::Protocol(v),
        ConnectError::Io(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => DisconnectReason::RemoteClosed,
        ConnectError::Io(e) => DisconnectReason::Io(e.kind()),
        ConnectError::Cancelled => DisconnectReason::LocalRequest,
        ConnectError::Disconnected(r) => r,
        other => panic!("the listener could not start a peer: {other}"),
    }
}

pub(crate) struct Scene<D: Lang> {
    pub(crate) addr: SocketAddr,
    /// The listener's configuration (a self-connection dials with it).
    pub(crate) config: PeerConfig<D>,
    ended: mpsc::UnboundedReceiver<Ended>,
    /// Reports that came while another was awaited.
    early: Vec<Ended>,
    honest: Peer<D>,
    pinger: Pinger,
    cancel: CancellationToken,
    /// Bytes on the heap once the listener and the honest peer were up.
    pub(crate) base: u64,
}

impl<D: Lang> Scene<D> {
    /// A listener configured by `configure` (on top of pings off and a nonce cache of its own), and the
    /// honest peer, connected and pinging.
    pub(crate) async fn start(configure: impl FnOnce(PeerConfigBuilder<D>) -> PeerConfigBuilder<D>) -> Self {
        Self::start_with_send_buffer(configure, None).await
    }

    /// The same, with the kernel's send buffer of each accepted socket set to `send_buffer` bytes (so that a
    /// remote that never reads holds back the listener's writes after kilobytes rather than megabytes).
    pub(crate) async fn start_with_send_buffer(
        configure: impl FnOnce(PeerConfigBuilder<D>) -> PeerConfigBuilder<D>,
        send_buffer: Option<u32>,
    ) -> Self {
        let config = configure(quiet::<D>(D::NETWORK)).build();
        let socket = TcpSocket::new_v4().unwrap();
        if let Some(bytes) = send_buffer {
            socket.set_send_buffer_size(bytes).unwrap();
        }
        socket.bind(SocketAddr::from(([127, 0, 0, 1], 0))).unwrap();
        let listener = socket.listen(1024).unwrap();
        let addr = listener.local_addr().unwrap();
        let cancel = CancellationToken::new();
        let (tx, ended) = mpsc::unbounded_channel();
        tokio::spawn(accept_loop(listener, config.clone(), cancel.clone(), tx));
        let stream = TcpStream::connect(addr).await.unwrap();
        let honest_config = quiet::<D>(D::NETWORK).events(16).build();
        let honest = Peer::from_tcp(honest_config, stream, Direction::Outbound, cancel.clone())
            .await
            .expect("the honest peer completes its handshake");
        let mut events = honest.events().expect("configured");
        round_trip(&honest, &mut events).await.expect("a first pong");
        let pinger = Pinger::start(honest.clone(), events);
        let base = settled_heap().await;
        Scene {
            addr,
            config,
            ended,
            early: Vec::new(),
            honest,
            pinger,
            cancel,
            base,
        }
    }

    /// How the listener ended the connection from `addr`.
    pub(crate) async fn ended(&mut self, addr: SocketAddr) -> Ended {
        let honest = self.honest.local_addr();
        if let Some(i) = self.early.iter().position(|e| e.addr == addr) {
            return self.early.swap_remove(i);
        }
        loop {
            let e = tokio::time::timeout(WAIT, self.ended.recv())
                .await
                .unwrap_or_else(|_| panic!("the listener never ended the connection from {addr}"))
                .expect("the accept loop runs");
            assert_ne!(
                Some(e.addr),
                honest,
                "the listener dropped the honest peer: {}",
                e.reason
            );
            if e.addr == addr {
                return e;
            }
            self.early.push(e);
        }
    }

    /// Asserts the listener ended the connection from `addr` for `reason`.
    pub(crate) async fn expect(&mut self, addr: SocketAddr, reason: &DisconnectReason) -> Ended {
        let e = self.ended(addr).await;
        assert_eq!(&e.reason, reason, "the listener's reason for {addr}");
        e
    }

    /// The honest peer was answered all along and still is, the listener kept it, and the heap came back to
    /// its level.
    pub(crate) async fn finish(self) {
        let log = self.pinger.stop().await;
        assert!(
            log.failed.is_none(),
            "the honest peer went unanswered: {:?}",
            log.failed
        );
        assert!(log.worst <= MAX_RTT, "a pong took {:?} during the attack", log.worst);
        println!(
            "honest peer: {} pongs, slowest {:?}, last {:?}",
            log.count, log.worst, log.last
        );
        assert!(self.honest.is_connected());
        assert!(self.early.is_empty(), "connections nobody looked at: {:?}", self.early);
        drop(self.early);
        heap_back_to(self.base).await;
        self.cancel.cancel();
    }
}

/// Accepts until cancelled; reports how each connection ended, once its peer was gone.
async fn accept_loop<D: Lang>(
    listener: TcpListener,
    config: PeerConfig<D>,
    cancel: CancellationToken,
    ended: mpsc::UnboundedSender<Ended>,
) {
    let mut tasks = JoinSet::new();
    loop {
        tokio::select! {
            () = cancel.cancelled() => break,
            accepted = listener.accept() => {
                let (stream, addr) = accepted.expect("accept");
                let (config, cancel, ended) = (config.clone(), cancel.clone(), ended.clone());
                tasks.spawn(async move {
                    let (reason, opened) = match Peer::from_tcp(config, stream, Direction::Inbound, cancel).await {
                        Ok(peer) => {
                            // Served until it leaves (this handle keeps it open).
                            peer.wait_for_disconnect().await;
                            (peer.disconnect_reason().expect("a reason once disconnected"), true)
                        }
                        Err(e) => (reason_of(e), false),
                    };
                    let _ = ended.send(Ended { addr, reason, opened, at: Instant::now() });
                });
            }
            Some(_) = tasks.join_next(), if !tasks.is_empty() => {}
        }
    }
}

/// Bytes on the heap once transient allocations (a read in flight, a stats snapshot) are gone: the least of
/// a few readings.
pub(crate) async fn settled_heap() -> u64 {
    let mut least = u64::MAX;
    for _ in 0..5 {
        least = least.min(heap_live());
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    least
}

/// Waits until the heap is back within [`SLACK`] of `base`.
pub(crate) async fn heap_back_to(base: u64) {
    let start = Instant::now();
    loop {
        let now = settled_heap().await;
        if now <= base + SLACK {
            println!(
                "heap: {:+.1} KiB after the scenario",
                (now as f64 - base as f64) / 1024.0
            );
            return;
        }
        assert!(
            start.elapsed() < Duration::from_secs(3),
            "the heap stayed {:.1} KiB above its level before the scenario (slack {} KiB)",
            kib(now - base),
            SLACK / 1024
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Starts measuring the peak: returns the heap now.
pub(crate) fn peak_from_here() -> u64 {
    reset_heap_peak();
    heap_live()
}

/// The most the heap grew above `from` since [`peak_from_here`].
pub(crate) fn peak_growth(from: u64) -> u64 {
    heap_peak().saturating_sub(from)
}
