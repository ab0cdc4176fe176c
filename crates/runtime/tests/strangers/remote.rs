//! The remotes: strangers that send a version and never a verack, their floods, honest peers and their pings,
//! and what strangers holding messages cost the listener.

use crate::listening::listen;
use crate::memory::{heap_live, settled_resident};
use crate::support::quiet;
use crate::{JUNK_PAYLOAD, NETWORK, STRANGERS, VERSION};
use bytes::{Bytes, BytesMut};
use coinpeer_runtime::{Bitcoin, CancellationToken, Direction, Outcome, Peer};
use coinpeer_wire::bitcoin::Message;
use coinpeer_wire::messages::{NetAddress, ServiceFlags, TimedNetAddress, VersionMessage, MAX_ADDR_PER_MSG};
use coinpeer_wire::{encode_frame, Command, EncodeOptions, FrameDecoder};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::OwnedWriteHalf;
use tokio::net::TcpStream;
use tokio::task::{JoinHandle, JoinSet};

pub(crate) fn frame(msg: &Message) -> Bytes {
    let mut buf = BytesMut::new();
    encode_frame(&NETWORK, msg, EncodeOptions::new(VERSION), &mut buf).unwrap();
    buf.freeze()
}

fn version_frame(nonce: u64) -> Bytes {
    frame(&Message::Version(VersionMessage {
        version: VERSION,
        services: ServiceFlags::NETWORK,
        timestamp: 1_700_000_000,
        receiver: NetAddress::unspecified(ServiceFlags::NONE),
        sender: NetAddress::unspecified(ServiceFlags::NETWORK),
        nonce,
        user_agent: "/stranger:1.0/".into(),
        start_height: 0,
        relay: true,
    }))
}

/// One unknown-command frame of [`JUNK_PAYLOAD`] bytes, shared by every stranger (so that the strangers'
/// own side of the test holds it once).
pub(crate) fn junk_frame() -> Bytes {
    frame(&Message::Unknown {
        command: Command::from_static("junk"),
        payload: Bytes::from(vec![0x5a; JUNK_PAYLOAD]),
    })
}

/// An `addr` of the most entries allowed: a known message of 30,003 payload bytes, which a stranger's
/// listener holds until the verack, so that three do not fit in the budget.
pub(crate) fn addr_frame() -> Bytes {
    let entries = (0..MAX_ADDR_PER_MSG)
        .map(|i| TimedNetAddress {
            time: 1_700_000_000,
            addr: NetAddress::from_socket_addr(
                SocketAddr::from(([10, (i >> 8) as u8, i as u8, 1], 8333)),
                ServiceFlags::NETWORK,
            ),
        })
        .collect();
    frame(&Message::Addr(entries))
}

/// A remote that sent its version, saw the listener's version and verack (so the listener took the version
/// and awaits the verack), and will never send a verack.
pub(crate) struct Stranger {
    pub(crate) write: OwnedWriteHalf,
    /// When the TCP connection was up.
    pub(crate) connected: Instant,
    /// Resolves, with the time, once the listener closed the connection (it reads and drops anything else).
    pub(crate) closed: JoinHandle<Instant>,
}

async fn stranger(addr: SocketAddr, nonce: u64) -> Stranger {
    let stream = TcpStream::connect(addr).await.unwrap();
    let connected = Instant::now();
    let (mut read, mut write) = stream.into_split();
    write.write_all(&version_frame(nonce)).await.unwrap();
    let mut frames = FrameDecoder::new(NETWORK, VERSION);
    // The listener's version, feature announcements (sendaddrv2, wtxidrelay) and verack.
    let mut seen = Vec::new();
    let mut buf = [0u8; 1024];
    while seen.last() != Some(&Command::from_static("verack")) {
        let n = read.read(&mut buf).await.unwrap();
        assert!(n > 0, "the listener closed before answering our version");
        frames.extend_from_slice(&buf[..n]);
        while let Some(f) = frames.next_frame().unwrap() {
            seen.push(f.header.command);
        }
    }
    assert_eq!(seen.first(), Some(&Command::from_static("version")), "{seen:?}");
    let closed = tokio::spawn(async move {
        let mut buf = [0u8; 256];
        while let Ok(1..) = read.read(&mut buf).await {}
        Instant::now()
    });
    Stranger {
        write,
        connected,
        closed,
    }
}

/// `STRANGERS` strangers, connected concurrently.
pub(crate) async fn strangers(addr: SocketAddr) -> Vec<Stranger> {
    let mut set = JoinSet::new();
    for i in 0..STRANGERS {
        set.spawn(stranger(addr, 0x5742_0000_0000 + i as u64));
    }
    let mut out = Vec::with_capacity(STRANGERS);
    while let Some(s) = set.join_next().await {
        out.push(s.expect("stranger"));
    }
    out
}

/// Writes `frame` over and over, at most `limit` times, until the listener cuts the connection; returns how
/// many were written whole.
pub(crate) async fn flood(mut write: OwnedWriteHalf, frame: Bytes, limit: u64, written: Arc<AtomicU64>) -> u64 {
    let mut whole = 0;
    while whole < limit && write.write_all(&frame).await.is_ok() {
        whole += 1;
        written.fetch_add(1, Ordering::Relaxed);
    }
    whole
}

/// An honest coinpeer peer dialing the listener; the handshake must complete.
pub(crate) async fn honest(addr: SocketAddr) -> (Peer<Bitcoin>, Duration) {
    let start = Instant::now();
    let stream = TcpStream::connect(addr).await.unwrap();
    let config = quiet::<Bitcoin>(NETWORK).build();
    let peer = Peer::from_tcp(config, stream, Direction::Outbound, CancellationToken::new())
        .await
        .expect("an honest peer completes its handshake");
    (peer, start.elapsed())
}

/// Pings and waits for the pong; returns the round trip.
pub(crate) async fn ping(peer: &Peer<Bitcoin>) -> Duration {
    let pongs = |p: &Peer<Bitcoin>| p.stats().received.get("pong").map_or(0, |c| c.messages);
    let before = pongs(peer);
    let start = Instant::now();
    assert_eq!(peer.push_ping().await, Outcome::Sent);
    while pongs(peer) == before {
        assert!(start.elapsed() < Duration::from_secs(5), "no pong within 5 s");
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    start.elapsed()
}

/// What a stranger costs, above an idle one, while the listener holds what it sent after its version
/// (`sent`, within the budget's wire bytes), averaged over 100: bytes on the heap, then resident memory. With
/// what must stay alive for the memory to stay held (a later measurement would reuse freed memory).
pub(crate) async fn held_cost(sent: &[Bytes]) -> (u64, u64, impl Sized) {
    let mut listening = listen(
        quiet::<Bitcoin>(NETWORK)
            .handshake_timeout(Duration::from_secs(30))
            .build(),
    )
    .await;
    let (early, _) = honest(listening.addr).await;
    ping(&early).await;
    listening.next(1, Duration::from_secs(5)).await;
    let strangers = strangers(listening.addr).await;
    let idle = settled_resident(Duration::from_millis(100)).await;
    let heap_idle = heap_live();
    let mut waiting = Vec::new();
    for mut s in strangers {
        for frame in sent {
            s.write.write_all(frame).await.unwrap();
        }
        waiting.push(s);
    }
    // A round trip to the listener, then time for the strangers' bytes to be read and the memory to settle.
    ping(&early).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let held = settled_resident(Duration::from_millis(200)).await;
    let heap_held = heap_live();
    for s in &waiting {
        assert!(!s.closed.is_finished(), "a stranger within the budget was cut off");
    }
    let each = |bytes: u64| bytes / STRANGERS as u64;
    (
        each(heap_held.saturating_sub(heap_idle)),
        each(held.saturating_sub(idle)),
        (listening, early, waiting),
    )
}
